/* jframe.h - split a byte stream into JSON records, streamed.
 *
 * Accepted (mixed freely, one after the other in one input):
 *  - JSON Lines: one value per line (the fast path: a line is found with
 *    memchr and never scanned byte by byte);
 *  - concatenated values with or without white space between them, one
 *    line or pretty-printed over many (ConvertTo-Json, jq without -c);
 *  - a top-level array of any size, its elements streamed one by one
 *    (never loaded whole; the Management Activity API content blobs,
 *    PowerShell's ConvertTo-Json of a list), also several in a row;
 *  - API envelopes: an object whose members before its "items", "value"
 *    or "records" array are only page metadata ("kind", "etag",
 *    "nextPageToken", "@odata.context", ...; MH_JF_META_KEYS in
 *    jframe.c): the array's elements are the records, the envelope is
 *    not one ({"value":[...]} from Graph, {"kind":"admin#reports#
 *    activities","items":[...]} from the Reports API, {"records":[...]}
 *    from Event Hubs). An envelope with only metadata and no array (an
 *    empty page) gives nothing;
 *  - a UTF-8 byte-order mark at the start.
 *
 * A record is an object (an element of an array or envelope that is not
 * an object is skipped, said). The framer checks structure only as far
 * as it must to find where a record ends; the JSON parser validates it.
 *
 * Mode: the first value decides. When it is an object that ends on its
 * own line the input is JSON Lines, and later records end at their
 * newline (a malformed line then costs that line only). Otherwise every
 * record's end is found by tracking strings and brackets. Only JSON Lines
 * can be read in byte ranges (jframe_opts.range_*): a range starts at the
 * first line start at or after range_start (its lines and records are
 * counted from there: mh_jframe_range); in the other mode a range
 * that does not start at 0 gives nothing and the one that does reads to
 * the end, so a split input is still read once.
 *
 * Size: a record longer than max_record is skipped (MH_SKIP_OVERSIZED)
 * without being held in memory: the framer reads on to its end and drops
 * the bytes. Memory is the stream window, at most max_record + 64 KiB.
 *
 * Bytes that are not JSON where a value should start are skipped up to
 * the next line whose first non-blank byte is '{' or '[' and counted as
 * one skipped record (MH_SKIP_MALFORMED) with their offset and line. In
 * ranges such a run is still one skip: the range where it starts counts
 * it and stops at its own end; a range whose first non-blank line
 * continues a run (the nearest non-blank line before it is not JSON
 * either: read back to find out) reads through it without a word.
 */
#ifndef MH_JFRAME_H
#define MH_JFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct mh_stream;
struct mh_jframe;

struct mh_jframe_opts {
	size_t max_record;    /* bytes; 0: 16 MiB */
	uint64_t range_start; /* byte range to read (reader.h mh_source) */
	uint64_t range_end;   /* UINT64_MAX: to the end */
};

enum mh_jframe_mode {
	MH_JF_UNKNOWN = 0, /* nothing read yet, or empty input */
	MH_JF_LINES,       /* JSON Lines */
	MH_JF_STRUCT,      /* records found by structure */
};

/* Where a record stands. */
enum {
	MH_JREC_IN_ARRAY = 1u << 0,    /* element of a top-level array */
	MH_JREC_IN_ENVELOPE = 1u << 1, /* element of an API envelope */
};

struct mh_jrec {
	const char *p; /* the record's text, p[n..n+MH_JSON_PADDING)
	                  * readable; valid until the next call */
	size_t n;
	uint64_t offset; /* of p[0] in the (decompressed) input */
	unsigned line;   /* 1-based line of p[0]; in a range that does not
	                  * start at 0, counted from the range's first line
	                  * (mh_jframe_range says how to make it the file's) */
	unsigned flags;  /* MH_JREC_* */
	int at_eof;      /* 1 when the input ends with this record's text
	                  * (no newline after it): a parse error is then
	                  * more likely truncation */
};

/* Frame the JSON in s (borrowed: the caller closes it after
 * mh_jframe_free), from its current position, which must be the input's
 * start (offset 0). Reads the head to decide the mode. MH_OK; MH_ENOMEM;
 * read errors as mh_stream_peek. */
int mh_jframe_open(struct mh_jframe **out, struct mh_stream *s,
                   const struct mh_jframe_opts *o, struct mh_err *err);

/* The next record: 1 with *rec set; 0 at the end of the input or range;
 * MH_ESKIP when bytes were skipped (err has the reason, file offset, line
 * and text; call again); another negative code when the input cannot be
 * read further (the stream's error). */
int mh_jframe_next(struct mh_jframe *f, struct mh_jrec *rec,
                   struct mh_err *err);

/* The bytes after the record next() gave last that the window holds
 * already, read from nowhere else: *n of them at *p, *n 0 when none are
 * known (the window ends there, the record was not framed by its line).
 * Hints only, such as the next record's first keys for a prefetch: not
 * framed, cut anywhere, maybe past a range's end. Valid until the next
 * call to next(). */
void mh_jframe_after(const struct mh_jframe *f, const char **p, size_t *n);

enum mh_jframe_mode mh_jframe_mode(const struct mh_jframe *f);

/* What a range of JSON Lines needs from the ranges before it to number
 * its records and lines as one read of the file does: 1 with *first the
 * offset of the range's first line (records
 * at or past it and before the next range's first are this range's;
 * UINT64_MAX when the range holds none: no line starts in it, or the
 * input is not JSON Lines and the range does not start at 0) and *lines
 * the number of lines the range holds (from *first to the next range's
 * first line); 0 with *first set and *lines 0 until next() has returned
 * 0 (the range read to its end). A record's line in the file is its line in the range
 * plus the lines of the ranges before; its record number likewise with
 * the records (and skips) each range gave. Messages (err) of a range
 * that does not start at 0 carry no line. */
int mh_jframe_range(const struct mh_jframe *f, uint64_t *first,
                    uint64_t *lines);

/* Input bytes consumed so far. */
uint64_t mh_jframe_pos(const struct mh_jframe *f);

/* NULL allowed. */
void mh_jframe_free(struct mh_jframe *f);

/* How much the first non-blank bytes of head[0..n) (after a UTF-8 BOM)
 * look like the start of JSON records, 0..100: '{' then a key and ':'
 * 90 (more than any mail reader claims), '[' then '{', '[' or ']' 85,
 * "{}" 60, else 0. For probing. */
int mh_jframe_looks_json(const char *head, size_t n);

#endif
