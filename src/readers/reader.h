/* reader.h - the interface every input format implements.
 *
 * A reader is chosen per input file by probing its first bytes (content,
 * not the name, decides; the name only breaks ties), then driven as:
 *
 *     ops->open(&r, src, opts, &err);
 *     while ((rc = ops->next(r, &ev, &err)) != 0) {
 *         if (rc == MH_ESKIP) { count(err.reason); continue; }
 *         if (rc < 0) { report(err); break; }   // rest of file lost: counted
 *         consume(&ev);
 *     }
 *     ops->close(r);
 *
 * next() returns 1 with an event, 0 at the end, MH_ESKIP when one record
 * was skipped (err says why and where; the reader has already moved past
 * it), or another negative code when the file cannot be read further.
 * Events are valid until the next next()/close() on the same reader.
 * Readers never write to their input and open it O_RDONLY.
 */
#ifndef MH_READER_H
#define MH_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "event/event.h"

struct mh_reader; /* opaque, per format */
struct mh_stream; /* core/stream.h */
struct mh_dirref; /* core/dirref.h */
struct mh_rawop;  /* readers/record/rawop.h */

/* What the walker knows about one input, handed to probe and open. */
struct mh_source {
	const char *path;    /* file path as given/walked (NUL-terminated) */
	const char *mailbox; /* owner inferred from the path, or NULL */
	const char *folder;  /* folder inferred from the path, or NULL */
	uint64_t size;       /* size on disk (compressed size for .gz) */
	int gzip;            /* 1 when the bytes are gzip (detected by magic) */
	int regular; /* 1 when the walker knows it is a regular file: a short
	                read is then its end (saves a read per Maildir file) */
	/* When not NULL: the directory holding the file (a reference the
	 * source's owner keeps for as long as src lives; core/dirref.h) and
	 * the file's name in it, for openat() without a path lookup. path
	 * still names the same file, for messages. */
	struct mh_dirref *dir;
	const char *name;
	/* When not NULL: the input is already open (standard input, which
	 * the walker had to read from to detect its type) and positioned at
	 * its start. open() takes it over, also when it fails; whoever holds
	 * an mh_source that no reader opened must close it. No chunks. */
	struct mh_stream *stream;
	uint64_t
	        range_start; /* decompressed byte range to read: a reader that */
	uint64_t
	        range_end; /* supports chunking starts at the first record at */
	                   /* or after range_start and stops at the first */
	                   /* record at or after range_end (UINT64_MAX: EOF); */
	                   /* both are cuts its align op gave, if it has one */
};

/* mh_reader_opts.audit_need (== record/rawop.h MH_RAWOP_TENANT) */
#define MH_READ_TENANT 1u

struct mh_reader_opts {
	size_t max_header;  /* header block limit in bytes (default 1 MiB) */
	size_t body_prefix; /* body bytes to keep in memory (default 64 KiB) */
	size_t max_record;  /* JSON record or CSV row limit (default 16 MiB) */
	/* The literal prefilter (analytic.h audit_ops: the union of the
	 * analytics' lists), or NULL (default): every record is parsed.
	 * The JSON reader passes over Management Activity API records
	 * whose operation is on no list (rawop.h) and returns them as
	 * unparsed events (event.h). Borrowed for as long as the readers
	 * live. */
	const char *const *audit_ops;
	/* With audit_ops: the owner mask of each of its names (rawop.h
	 * mh_rawop_set_init_owned; bit i: analytic i's list holds it), or
	 * NULL. When given, each Microsoft 365 activity record the reader
	 * parses says which lists hold its operation (audit.h owners), so
	 * that the one look-up the reader makes anyway tells the scan which
	 * analytics read it. */
	const uint32_t *audit_owners;
	/* What a record passed over must still tell the analytics
	 * (analytic.h audit_need): 0, or MH_READ_TENANT for the tenant's
	 * facts (the event's audit then
	 * has actor, mailbox and org; a record whose facts the peek is not
	 * sure of is parsed). */
	unsigned audit_need;
	/* With audit_ops: a second say on each record the list would pass
	 * over (NULL: none). 1: parse it after all, a consumer may need it
	 * (the Sigma rules: analytic.h audit_raw); 0: pass it over. text
	 * is the record's own text (event.h raw: a JSON record, or with csv
	 * set a Purview row as written), o what the peek read of it (its
	 * operation, RecordType; readers/record/rawop.h). Called on the
	 * reader's thread with audit_raw_ctx (one set of options per worker
	 * thread). */
	int (*audit_raw)(void *ctx, struct mh_slice text, int csv,
	                 const struct mh_rawop *o);
	void *audit_raw_ctx;
	/* The set the consumer adds records' keys to (event.h record_id,
	 * record_hash), or NULL: a reader may ask for a key's slot early
	 * (core/keyset.h mh_keyset_prefetch, a hint; it never adds).
	 * Borrowed for as long as the readers live. */
	const struct mh_keyset *seen;
};

/* What one byte range of a split file holds (reader.h range op): events
 * of a range that does not start at 0 carry their index and line
 * counted from the range's start, and whoever runs the ranges adds the
 * counts of the ranges before it (cmd_scan.c fixes up the findings). */
struct mh_range_count {
	uint64_t first;   /* offset of the range's first record; records at
	                   * or past it (and before the next range's first)
	                   * are the range's. UINT64_MAX: it holds none */
	uint64_t records; /* records and skips it gave (index advances) */
	uint64_t lines;   /* lines from first to the next range's first */
};

struct mh_reader_ops {
	const char *name; /* "mbox", "maildir", "eml", "emlx" */
	/* Score 0..100 that head (the first n bytes of the decompressed file,
	 * n <= 4096) is this format; name is the path for tie-breaking. */
	int (*probe)(const char *head, size_t n, const char *name);
	/* 1 if this reader can split one file into byte ranges for threads. */
	int can_chunk;
	int (*open)(struct mh_reader **out, const struct mh_source *src,
	            const struct mh_reader_opts *opts, struct mh_err *err);
	int (*next)(struct mh_reader *r, struct mh_event *ev,
	            struct mh_err *err);
	/* Bytes consumed so far (for progress and the byte total). */
	uint64_t (*pos)(const struct mh_reader *r);
	/* NULL allowed. */
	void (*close)(struct mh_reader *r);
	/* NULL when the reader's ranges number records as the file does
	 * (or not at all). Sets out->first; 1 with the counts too once
	 * next() has returned 0, else 0 (the range was not read to its
	 * end: the counts are not known). */
	int (*range)(const struct mh_reader *r, struct mh_range_count *out);
	/* NULL when the reader finds where its records start in any byte
	 * range itself (JSON Lines: at a line start). Else the ranges it is
	 * given must start and end where this puts them: cuts[0..n) are
	 * proposed cuts of src (ascending offsets past 0); each is moved to
	 * the start of a record at or after it that is one for sure, or set
	 * to UINT64_MAX when none is found near it (no cut there). limit:
	 * how far past a cut to look, in bytes. MH_OK, or a negative code
	 * with err set (then read the file as one range). */
	int (*align)(const struct mh_source *src,
	             const struct mh_reader_opts *opts, uint64_t *cuts,
	             size_t n, uint64_t limit, struct mh_err *err);
};

/* registry.c: all readers, NULL-terminated. */
extern const struct mh_reader_ops *const mh_readers[];

/* The reader with the highest probe score >= 50 for head, or NULL. */
const struct mh_reader_ops *mh_reader_detect(const char *head, size_t n,
                                             const char *name);
const struct mh_reader_ops *mh_reader_by_name(const char *name);

void mh_reader_opts_default(struct mh_reader_opts *o);

#endif
