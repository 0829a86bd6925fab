/* jframe.c - JSON record framing (see jframe.h).
 *
 * The framer walks the input as a sequence of values at "top level" and
 * inside at most MAX_NEST containers that are streamed through rather than
 * returned: top-level arrays and API envelopes. A value that starts with
 * '{' in such a place is either an envelope (its array is entered) or a
 * record (returned whole). Bytes of the previous record are consumed at
 * the start of the next call, so a record stays valid until then.
 */
#include "json/jframe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/stream.h"
#include "json/json.h"

#define DEFAULT_MAX ((size_t)16 << 20)
/* Room beyond max_record in the window: an envelope's metadata, the
 * white space before a record. */
#define SLACK ((size_t)64 << 10)
/* Containers streamed through: an array of envelopes holding arrays. */
#define MAX_NEST 4
/* How far the mode decision looks. */
#define HEAD_LINES 8
#define HEAD_BYTES ((size_t)64 << 10)

enum { C_ARRAY, C_ENV };

struct mh_jframe {
	struct mh_stream *s;
	size_t max_record;
	uint64_t range_start, range_end;
	int mode;
	int chunked; /* range does not start at 0 */
	int padded;  /* the stream keeps MH_JSON_PADDING after its window */
	int done;
	unsigned line;       /* line at the stream position, 0 when unknown;
	                      * counted from the range's first line (1) in a
	                      * range that does not start at 0 */
	uint64_t line_start; /* offset of the line the position is on */
	/* JSON Lines in a range that does not reach the end: what a later
	 * range needs to number its lines and records (mh_jframe_range). */
	int count_nl;      /* counting nl_owned */
	uint64_t first;    /* the first line start read (UINT64_MAX: none) */
	uint64_t nl_owned; /* newlines consumed before range_end - 1 */
	int ended;         /* next() said the range is done */
	int looked;        /* next() has seen a non-blank byte in the range */
	unsigned char stack[MAX_NEST];
	size_t depth;
	const char *after;   /* mh_jframe_after: the window after the last */
	size_t after_n;      /* record, after_n bytes (0: none known) */
	size_t pending;      /* bytes of the last record, consumed next call */
	unsigned pending_nl; /* newlines in them */
	struct mh_buf copy;  /* padded copy for memory streams */
	/* JSON Lines: a line that holds an array or a page is framed by a
	 * framer of its own over that line alone, so that nothing on it
	 * reaches into the next line (byte ranges split at line starts
	 * must read what one read does). */
	struct mh_jframe *sub;
	struct mh_stream *sub_s;
	uint64_t sub_off;  /* offset of the line */
	unsigned sub_line; /* its line number */
	size_t sub_len;    /* its bytes, consumed when the sub framer ends */
	int sub_eof;       /* the line is the input's last, without newline */
	int is_sub;        /* this is such a framer: structure only */
};

/* MARK: - small scanners over a window p[0..n) */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static unsigned count_nl(const char *p, size_t n)
{
	unsigned k = 0;
	const char *e = p + n;
	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/* Structure of a value being scanned, kept across window refills. */
struct jscan {
	size_t pos; /* bytes of the value looked at so far */
	long depth;
	int in_str, esc;
};

/* Scan the composite value starting at p[0] ('{' or '[') from st->pos:
 * 1 when it ends (st->pos just past it), 0 when p[0..n) ends first. */
static int jscan_run(struct jscan *st, const char *p, size_t n)
{
	size_t i = st->pos;
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		if (st->in_str) {
			/* Strings are most of the bytes: skip runs of plain
			 * characters without the state switch. */
			if (st->esc) {
				st->esc = 0;
			} else if (c == '\\') {
				st->esc = 1;
			} else if (c == '"') {
				st->in_str = 0;
			} else {
				i++;
				while (i < n && p[i] != '"' && p[i] != '\\')
					i++;
				continue;
			}
			i++;
			continue;
		}
		switch (c) {
		case '"': st->in_str = 1; break;
		case '{':
		case '[': st->depth++; break;
		case '}':
		case ']':
			if (--st->depth <= 0) {
				st->pos = i + 1;
				return 1;
			}
			break;
		default: break;
		}
		i++;
	}
	st->pos = i;
	return 0;
}

/* End of the scalar or composite value at p[i]: its end index, or 0 when
 * p[0..n) ends first. */
static size_t skip_value(const char *p, size_t i, size_t n)
{
	if (i >= n)
		return 0;
	if (p[i] == '{' || p[i] == '[') {
		struct jscan st = {0, 0, 0, 0};
		return jscan_run(&st, p + i, n - i) ? i + st.pos : 0;
	}
	if (p[i] == '"') {
		for (size_t k = i + 1; k < n; k++) {
			if (p[k] == '\\')
				k++;
			else if (p[k] == '"')
				return k + 1;
		}
		return 0;
	}
	size_t k = i;
	while (k < n && !is_ws((unsigned char)p[k]) && p[k] != ',' &&
	       p[k] != '}' && p[k] != ']')
		k++;
	return k < n ? k : 0;
}

static size_t skip_ws_at(const char *p, size_t i, size_t n)
{
	while (i < n && is_ws((unsigned char)p[i]))
		i++;
	return i;
}

/* MARK: - envelopes */

/* Members an envelope may have besides its array: paging and type
 * metadata of the Reports API, Graph / OData and Azure. */
static const char *const MH_JF_META_KEYS[] = {
        "kind",
        "etag",
        "nextPageToken",
        "@odata.context",
        "@odata.nextLink",
        "@odata.count",
        "@odata.deltaLink",
        "odata.metadata",
        "odata.nextLink",
        "nextLink",
        "continuationToken",
        NULL,
};
/* The array that holds the records. */
static const char *const MH_JF_ITEM_KEYS[] = {"items", "value", "records",
                                              NULL};

static int key_in(const char *k, size_t kl, const char *const *set)
{
	/* The first byte first: asked of every record's first key. */
	for (size_t i = 0; set[i]; i++)
		if (kl && set[i][0] == k[0] && strlen(set[i]) == kl &&
		    !memcmp(set[i], k, kl))
			return 1;
	return 0;
}

enum { P_RECORD, P_ENVELOPE, P_EMPTY, P_MORE };

/* What the object at p[0] is. P_ENVELOPE: *at is just past the '[' of
 * its array; P_EMPTY (an empty page: metadata only, with a Reports API
 * or OData marker): *at is past the object. eof: p[0..n) is all there is. */
static int probe_env(const char *p, size_t n, int eof, size_t *at)
{
	size_t i = 1;
	int marker = 0, keys = 0;
	const int more = eof ? P_RECORD : P_MORE;
	for (;;) {
		i = skip_ws_at(p, i, n);
		if (i >= n)
			return more;
		if (p[i] == '}') {
			*at = i + 1;
			return keys && marker ? P_EMPTY : P_RECORD;
		}
		if (p[i] != '"')
			return P_RECORD;
		size_t ks = ++i;
		while (i < n && p[i] != '"' && p[i] != '\\')
			i++;
		if (i >= n)
			return more;
		if (p[i] == '\\')
			return P_RECORD; /* escaped names are not metadata */
		size_t kl = i - ks;
		const char *k = p + ks;
		i = skip_ws_at(p, i + 1, n);
		if (i >= n)
			return more;
		if (p[i] != ':')
			return P_RECORD;
		i = skip_ws_at(p, i + 1, n);
		if (i >= n)
			return more;
		if (key_in(k, kl, MH_JF_ITEM_KEYS) && p[i] == '[') {
			*at = i + 1;
			return P_ENVELOPE;
		}
		if (!key_in(k, kl, MH_JF_META_KEYS))
			return P_RECORD;
		keys++;
		size_t e = skip_value(p, i, n);
		if (!e)
			return more;
		if (kl == 14 && !memcmp(k, "@odata.context", 14))
			marker = 1;
		if (kl == 13 && !memcmp(k, "nextPageToken", 13))
			marker = 1;
		if (kl == 4 && !memcmp(k, "kind", 4) && e - i > 12 &&
		    !memcmp(p + e - 12, "#activities\"", 12))
			marker = 1;
		i = skip_ws_at(p, e, n);
		if (i >= n)
			return more;
		if (p[i] == ',')
			i++;
		else if (p[i] != '}')
			return P_RECORD;
	}
}

/* MARK: - window */

static int window(struct mh_jframe *f, size_t want, const char **p, size_t *n,
                  struct mh_err *err)
{
	int rc = mh_stream_peek(f->s, want, p, n, err);
	if (rc == MH_ETOOBIG) {
		/* Cannot happen: wants are capped by max_record + SLACK,
		 * the stream's cap. Read what there is. */
		rc = MH_OK;
	}
	return rc;
}

/* Consume n bytes of the window at p, keeping the line count and where
 * the current line starts. */
static void consume(struct mh_jframe *f, const char *p, size_t n)
{
	if (f->count_nl) {
		/* Only the newlines before range_end - 1 separate lines this
		 * range owns (mh_jframe_range). */
		uint64_t at = mh_stream_tell(f->s), stop = f->range_end - 1;
		size_t k = at >= stop      ? 0
		           : stop - at < n ? (size_t)(stop - at)
		                           : n;
		unsigned a = count_nl(p, k), b = count_nl(p + k, n - k);
		f->nl_owned += a;
		f->line += a + b;
	} else if (f->line) {
		f->line += count_nl(p, n);
	}
	const char *nl = n ? memrchr(p, '\n', n) : NULL;
	if (nl)
		f->line_start = mh_stream_tell(f->s) + (uint64_t)(nl - p) + 1;
	mh_stream_advance(f->s, n);
}

static uint64_t tell(const struct mh_jframe *f)
{
	return mh_stream_tell(f->s);
}

/* 1 when the window holds everything that is left of the input. */
static int all_buffered(const struct mh_jframe *f)
{
	return mh_stream_all_buffered(f->s);
}

/* A grown window: at least twice what is there (so a record costs a
 * bounded number of refills), at most cap. */
static size_t grow(size_t have, size_t cap)
{
	size_t w = have < 4096 ? 8192 : have * 2;
	return w > cap ? cap : w;
}

/* MARK: - skips */

/* A line for a message: lines of a range that does not start at 0 are
 * counted from the range's start, which says nothing to a reader. */
static unsigned msg_line(const struct mh_jframe *f, unsigned line)
{
	return f->chunked ? 0 : line;
}

static int skip_report(struct mh_jframe *f, struct mh_err *err, int reason,
                       uint64_t off, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
static int skip_report(struct mh_jframe *f, struct mh_err *err, int reason,
                       uint64_t off, unsigned line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mh_err_at(err, MH_ESKIP, reason, mh_stream_name(f->s), off,
	          msg_line(f, line), "%s", msg);
	return MH_ESKIP;
}

/* Blanks within a line (a line of only these and its newline is blank). */
static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Bytes that are not a value: up to the next line whose first non-blank
 * byte is '{' or '[' (the input's end; in a range, the first line start
 * at or after range_end: the range after it goes on with the run without
 * counting it, see run_before). 0 (nothing counted) when quiet, else the
 * skip, counted once for the whole run. */
static int resync(struct mh_jframe *f, struct mh_err *err, const char *what,
                  int quiet)
{
	uint64_t off = tell(f);
	unsigned line = f->line;
	for (;;) {
		const char *p;
		size_t n;
		int rc = window(f, SLACK, &p, &n, err);
		if (rc)
			return rc;
		if (n == 0)
			break;
		const char *nl = memchr(p, '\n', n);
		if (!nl) {
			consume(f, p, n);
			continue;
		}
		consume(f, p, (size_t)(nl - p) + 1);
		if (f->mode == MH_JF_LINES && f->line_start >= f->range_end)
			break;
		/* At a line start: its first non-blank byte decides (blanks
		 * however many: a window full of them is not an end). */
		size_t k;
		for (;;) {
			rc = window(f, SLACK, &p, &n, err);
			if (rc)
				return rc;
			k = 0;
			while (k < n && is_blank((unsigned char)p[k]))
				k++;
			if (k < n || all_buffered(f))
				break;
			consume(f, p, k);
		}
		if (k == n || p[k] == '{' || p[k] == '[')
			break;
	}
	if (quiet)
		return 0;
	return skip_report(f, err, MH_SKIP_MALFORMED, off, line, "%s", what);
}

/* How far run_before reads back at a time. */
#define BACK_STEP ((size_t)64 << 10)

/* The byte before offset at, reading back in windows of BACK_STEP: *c,
 * 1; 0 at the input's start (after a byte-order mark at 0, which the
 * read from 0 skips). Leaves the stream anywhere. */
static int byte_before(struct mh_jframe *f, uint64_t at, const char **win,
                       uint64_t *win_lo, size_t *win_n, unsigned char *c,
                       struct mh_err *err)
{
	if (at == 0)
		return 0;
	if (at <= *win_lo || at > *win_lo + *win_n) {
		uint64_t lo = at > BACK_STEP ? at - BACK_STEP : 0;
		int rc = mh_stream_seek(f->s, lo, err);
		if (rc)
			return rc;
		const char *p;
		size_t n;
		rc = window(f, (size_t)(at - lo), &p, &n, err);
		if (rc)
			return rc;
		if (n < at - lo)
			return mh_err_at(err, MH_EIO, MH_SKIP_UNREADABLE,
			                 mh_stream_name(f->s), lo, 0, "%s",
			                 "input shrank while read");
		*win = p;
		*win_lo = lo;
		*win_n = (size_t)(at - lo);
	}
	if (at == 3 && *win_lo == 0 && !memcmp(*win, "\xef\xbb\xbf", 3))
		return 0;
	*c = (unsigned char)(*win)[at - 1 - *win_lo];
	return 1;
}

/* A range of JSON Lines whose first non-blank line (at offset at) is not
 * JSON: 1 when a run of such bytes that one read of the file skips as
 * one (resync) already holds it, as it does when the nearest non-blank
 * line before at is also not JSON: the range that holds the run's start
 * counts it. 0 when the run starts at at; else an error from the stream.
 * The stream is put back at at. Reads back to that line's start. */
static int run_before(struct mh_jframe *f, uint64_t at, struct mh_err *err)
{
	const char *win = NULL;
	uint64_t lo = 0, pos = at;
	size_t wn = 0;
	unsigned char c = 0;
	int rc;
	/* Past the blank lines before, to the last byte of a line. */
	while ((rc = byte_before(f, pos, &win, &lo, &wn, &c, err)) == 1 &&
	       is_ws(c))
		pos--;
	int found = rc == 1;
	/* Back to that line's start, then its first non-blank byte. */
	while (rc == 1 && c != '\n') {
		pos--;
		if (!is_blank(c))
			found = c == '{' || c == '[' ? 1 : 2;
		rc = byte_before(f, pos, &win, &lo, &wn, &c, err);
	}
	if (rc < 0)
		return rc;
	rc = mh_stream_seek(f->s, at, err);
	if (rc)
		return rc;
	return found == 2;
}

/* A value that is not a record where one should be (a scalar in an
 * array, an array nested too deep): dropped, said. */
static int drop_value(struct mh_jframe *f, struct mh_err *err, const char *what)
{
	uint64_t off = tell(f);
	unsigned line = f->line;
	const char *p;
	size_t n;
	int rc = window(f, 1, &p, &n, err);
	if (rc)
		return rc;
	if (n && (p[0] == '{' || p[0] == '[')) {
		struct jscan st = {0, 0, 0, 0};
		for (;;) {
			int ended = jscan_run(&st, p, n);
			consume(f, p, ended ? st.pos : n);
			if (ended)
				break;
			st.pos = 0;
			rc = window(f, SLACK, &p, &n, err);
			if (rc)
				return rc;
			if (n == 0)
				break;
		}
	} else {
		size_t e = 0;
		for (;;) {
			e = skip_value(p, 0, n);
			if (e || all_buffered(f) || n >= SLACK)
				break;
			rc = window(f, grow(n, SLACK), &p, &n, err);
			if (rc)
				return rc;
		}
		if (!e)
			return resync(f, err, "not JSON, skipped", 0);
		consume(f, p, e);
	}
	return skip_report(f, err, MH_SKIP_MALFORMED, off, line, "%s", what);
}

/* A record over max_record: read on to its end, dropping the bytes.
 * lines: the record ends at its newline (JSON Lines at top level);
 * otherwise st carries the structure scanned so far. */
static int skip_oversized(struct mh_jframe *f, struct mh_err *err, int lines,
                          struct jscan *st, uint64_t off, unsigned line)
{
	uint64_t start = off;
	int ended = 0;
	for (;;) {
		const char *p;
		size_t n;
		int rc = window(f, SLACK, &p, &n, err);
		if (rc)
			return rc;
		if (n == 0)
			break;
		size_t use = n;
		if (lines) {
			const char *nl = memchr(p, '\n', n);
			if (nl) {
				use = (size_t)(nl - p);
				ended = 1;
			}
		} else {
			/* st carries the structure; positions are per window. */
			st->pos = 0;
			if (jscan_run(st, p, n)) {
				use = st->pos;
				ended = 1;
			}
		}
		consume(f, p, use);
		if (ended)
			break;
	}
	unsigned long long size = (unsigned long long)(tell(f) - start);
	if (ended)
		return skip_report(f, err, MH_SKIP_OVERSIZED, off, line,
		                   "record of %llu bytes over the size limit "
		                   "of %zu (--max-record), skipped",
		                   size, f->max_record);
	return skip_report(f, err, MH_SKIP_OVERSIZED, off, line,
	                   "record of %llu bytes or more over the size limit "
	                   "of %zu (--max-record), cut by the end of the "
	                   "input, skipped",
	                   size, f->max_record);
}

/* MARK: - records */

static int emit(struct mh_jframe *f, const char *p, size_t n, size_t used,
                unsigned nl, struct mh_jrec *rec, struct mh_err *err)
{
	rec->offset = tell(f);
	rec->line = f->line;
	rec->flags = 0;
	for (size_t d = 0; d < f->depth; d++)
		rec->flags |= f->stack[d] == C_ENV ? MH_JREC_IN_ENVELOPE
		                                   : MH_JREC_IN_ARRAY;
	rec->n = n;
	rec->p = p;
	if (!f->padded) {
		mh_buf_reset(&f->copy);
		if (mh_buf_reserve(&f->copy, n + MH_JSON_PADDING) != MH_OK)
			return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE,
			                 mh_stream_name(f->s), rec->offset,
			                 msg_line(f, rec->line),
			                 "out of memory");
		if (n)
			memcpy(f->copy.p, p, n);
		memset(f->copy.p + n, ' ', MH_JSON_PADDING);
		rec->p = f->copy.p;
	}
	f->pending = used;
	f->pending_nl = nl;
	return 1;
}

/* How far ahead of the record just framed its successors' bytes are
 * asked for (ahead()). */
#define PF_AHEAD ((size_t)4 << 10)

/* The first touch of input bytes is a miss (they come from the page
 * cache, not from this core's caches), and memchr for the newline
 * stalled on it. After a record of used bytes at the window start
 * p[0..n), the first lines of each 4 KiB page that starts in
 * [PF_AHEAD, PF_AHEAD + used) are asked for: that page's translation is
 * then in the TLB and the hardware prefetcher (which never crosses a
 * page) streams in the rest of it, while this record is parsed. One
 * record's worth a record keeps the distance. A prefetch of every line
 * measured no better: the prefetches themselves then waited for fill
 * buffers. Pages that start past the window are not asked for. */
static void ahead(const char *p, size_t n, size_t used)
{
	size_t to = PF_AHEAD + used;
	if (to > n)
		to = n;
	if (to <= PF_AHEAD)
		return;
	uintptr_t a = ((uintptr_t)(p + PF_AHEAD) + 4095) & ~(uintptr_t)4095;
	for (; a < (uintptr_t)(p + to); a += 4096) {
		__builtin_prefetch((const char *)a, 0, 3);
		__builtin_prefetch((const char *)a + 64, 0, 3);
		__builtin_prefetch((const char *)a + 128, 0, 3);
	}
}

/* The record at the window start ends at its newline. */
static int line_record(struct mh_jframe *f, struct mh_jrec *rec,
                       struct mh_err *err)
{
	const char *p;
	size_t n;
	size_t limit = f->max_record + 1;
	int rc = window(f, 1, &p, &n, err);
	if (rc)
		return rc;
	for (;;) {
		size_t look = n < limit ? n : limit;
		const char *nl = memchr(p, '\n', look);
		if (nl || all_buffered(f) || n >= limit) {
			if (!nl && n >= limit)
				return skip_oversized(f, err, 1, NULL, tell(f),
				                      f->line);
			size_t e = nl ? (size_t)(nl - p) : n;
			ahead(p, n, e + 1);
			if (nl) {
				f->after = nl + 1;
				f->after_n = n - e - 1;
			}
			size_t t = e;
			while (t > 0 && is_ws((unsigned char)p[t - 1]))
				t--;
			rec->at_eof = !nl;
			return emit(f, p, t, e, 0, rec, err);
		}
		rc = window(f, grow(n, limit), &p, &n, err);
		if (rc)
			return rc;
	}
}

/* The record at the window start ends where its brackets close. */
static int struct_record(struct mh_jframe *f, struct mh_jrec *rec,
                         struct mh_err *err)
{
	const char *p;
	size_t n;
	struct jscan st = {0, 0, 0, 0};
	size_t limit = f->max_record + 1;
	uint64_t off = tell(f);
	unsigned line = f->line;
	int rc = window(f, 1, &p, &n, err);
	if (rc)
		return rc;
	for (;;) {
		size_t look = n < limit ? n : limit;
		if (jscan_run(&st, p, look)) {
			rec->at_eof = 0;
			return emit(f, p, st.pos, st.pos,
			            f->line ? count_nl(p, st.pos) : 0, rec,
			            err);
		}
		if (n >= limit) {
			/* Keep scanning from here, dropping what was seen. */
			consume(f, p, st.pos);
			return skip_oversized(f, err, 0, &st, off, line);
		}
		if (all_buffered(f)) {
			consume(f, p, n);
			return skip_report(f, err, MH_SKIP_TRUNCATED, off, line,
			                   "%s", "input ends inside a record");
		}
		rc = window(f, grow(n, limit), &p, &n, err);
		if (rc)
			return rc;
	}
}

static int frame_open(struct mh_jframe **out, struct mh_stream *s,
                      const struct mh_jframe_opts *o, int is_sub,
                      struct mh_err *err);

/* JSON Lines: the array or page at the window start is framed on its own
 * line by a framer of its own. */
static int line_sub(struct mh_jframe *f, struct mh_err *err)
{
	const char *p;
	size_t n;
	size_t limit = f->max_record + 1;
	int rc = window(f, 1, &p, &n, err);
	if (rc)
		return rc;
	for (;;) {
		size_t look = n < limit ? n : limit;
		const char *nl = memchr(p, '\n', look);
		if (nl || all_buffered(f) || n >= limit) {
			if (!nl && n >= limit)
				return skip_oversized(f, err, 1, NULL, tell(f),
				                      f->line);
			size_t e = nl ? (size_t)(nl - p) : n;
			struct mh_jframe_opts o = {f->max_record, 0,
			                           UINT64_MAX};
			if (mh_stream_open_mem(&f->sub_s, p, e,
			                       mh_stream_name(f->s)) != MH_OK ||
			    frame_open(&f->sub, f->sub_s, &o, 1, err) !=
			            MH_OK) {
				mh_stream_close(f->sub_s);
				f->sub_s = NULL;
				return mh_err_at(
				        err, MH_ENOMEM, MH_SKIP_UNREADABLE,
				        mh_stream_name(f->s), tell(f),
				        msg_line(f, f->line), "out of memory");
			}
			f->sub_off = tell(f);
			f->sub_line = f->line;
			f->sub_len = e;
			f->sub_eof = !nl;
			return MH_OK;
		}
		rc = window(f, grow(n, limit), &p, &n, err);
		if (rc)
			return rc;
	}
}

/* The next record of the line framer; its end consumes the line. */
static int sub_next(struct mh_jframe *f, struct mh_jrec *rec,
                    struct mh_err *err)
{
	int rc = mh_jframe_next(f->sub, rec, err);
	if (rc == 1) {
		rec->offset += f->sub_off;
		rec->line = f->sub_line;
		rec->at_eof = rec->at_eof && f->sub_eof;
		return 1;
	}
	if (rc == MH_ESKIP) {
		err->offset += f->sub_off;
		err->line = msg_line(f, f->sub_line);
		err->src = mh_stream_name(f->s);
		if (err->reason == MH_SKIP_TRUNCATED && !f->sub_eof) {
			err->reason = MH_SKIP_MALFORMED;
			snprintf(err->msg, sizeof(err->msg), "%s",
			         "record not closed on its line, skipped");
		}
		return rc;
	}
	/* The line is done (0), or could not be framed (<0: memory). */
	mh_jframe_free(f->sub);
	mh_stream_close(f->sub_s);
	f->sub = NULL;
	f->sub_s = NULL;
	mh_stream_advance(f->s, f->sub_len);
	return rc < 0 ? rc : 0;
}

/* MARK: - mode */

/* 1 when p[0..n) (one line without its newline) holds one object and
 * nothing after it. */
static int record_like(const char *p, size_t n)
{
	size_t i = skip_ws_at(p, 0, n);
	size_t e = n;
	while (e > i && is_ws((unsigned char)p[e - 1]))
		e--;
	if (e - i < 2 || p[i] != '{' || p[e - 1] != '}')
		return 0;
	struct jscan st = {0, 0, 0, 0};
	return jscan_run(&st, p + i, e - i) && st.pos == e - i;
}

/* JSON Lines when the first non-blank line holds one object, or when
 * most of the first HEAD_LINES do (a first line cut short or broken must
 * not make a JSON Lines file be read as one long value). */
static int decide_mode(const char *p, size_t n)
{
	size_t i = 0, lines = 0, like = 0;
	int first = -1;
	if (n > HEAD_BYTES)
		n = HEAD_BYTES;
	while (i < n && lines < HEAD_LINES) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) : n;
		size_t k = skip_ws_at(p, i, e);
		if (k < e) {
			int r = record_like(p + i, e - i);
			if (first < 0)
				first = r;
			if (p[k] == '[')
				return MH_JF_STRUCT;
			lines++;
			like += (size_t)r;
		}
		if (!nl)
			break;
		i = e + 1;
	}
	if (first == 1 || (lines >= 3 && like * 2 > lines))
		return MH_JF_LINES;
	return MH_JF_STRUCT;
}

int mh_jframe_looks_json(const char *head, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3))
		i = 3;
	i = skip_ws_at(head, i, n);
	if (i >= n)
		return 0;
	char c = head[i];
	size_t k = skip_ws_at(head, i + 1, n);
	if (c == '[')
		return k >= n || head[k] == '{' || head[k] == ']' ||
		                       head[k] == '['
		               ? 85
		               : 0;
	if (c != '{')
		return 0;
	if (k >= n || head[k] == '}')
		return 60;
	if (head[k] != '"')
		return 0;
	/* {"key": - a mail header field cannot start with '{"'. */
	size_t e = k + 1;
	while (e < n && head[e] != '"') {
		if (head[e] == '\\')
			e++;
		e++;
	}
	e = skip_ws_at(head, e + 1, n);
	return e >= n || head[e] == ':' ? 90 : 0;
}

int mh_jframe_open(struct mh_jframe **out, struct mh_stream *s,
                   const struct mh_jframe_opts *o, struct mh_err *err)
{
	return frame_open(out, s, o, 0, err);
}

static int frame_open(struct mh_jframe **out, struct mh_stream *s,
                      const struct mh_jframe_opts *o, int is_sub,
                      struct mh_err *err)
{
	*out = NULL;
	struct mh_jframe *f = calloc(1, sizeof(*f));
	if (!f)
		return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE,
		                 mh_stream_name(s), 0, 0, "out of memory");
	f->s = s;
	f->max_record = o && o->max_record ? o->max_record : DEFAULT_MAX;
	f->range_start = o ? o->range_start : 0;
	f->range_end = o && o->range_end ? o->range_end : UINT64_MAX;
	f->chunked = f->range_start > 0;
	f->line = 1;
	f->first = f->chunked ? UINT64_MAX : 0;
	mh_buf_init(&f->copy, f->max_record + MH_JSON_PADDING + 1);
	mh_stream_set_cap(s, f->max_record + SLACK);
	mh_stream_defer_damage(s);
	int rc = mh_stream_set_pad(s, MH_JSON_PADDING);
	if (rc == MH_ENOMEM) {
		mh_jframe_free(f);
		return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE,
		                 mh_stream_name(s), 0, 0, "out of memory");
	}
	f->padded = rc == MH_OK;

	const char *p;
	size_t n;
	rc = window(f, HEAD_BYTES, &p, &n, err);
	if (rc < 0 && n == 0) {
		mh_jframe_free(f);
		return rc;
	}
	size_t bom = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
	f->mode = n > bom ? decide_mode(p + bom, n - bom) : MH_JF_UNKNOWN;
	f->is_sub = is_sub;
	if (is_sub)
		f->mode = MH_JF_STRUCT;
	if (!f->chunked) {
		mh_stream_advance(s, bom);
	} else if (f->mode != MH_JF_LINES) {
		f->done = 1; /* the range at 0 reads it all */
	} else {
		/* Start at the first line start at or after range_start. */
		rc = mh_stream_seek(s, f->range_start - 1, err);
		if (rc < 0) {
			mh_jframe_free(f);
			return rc;
		}
		for (;;) {
			rc = window(f, SLACK, &p, &n, err);
			if (rc < 0 || n == 0) {
				f->done = 1;
				break;
			}
			const char *nl = memchr(p, '\n', n);
			if (nl) {
				mh_stream_advance(s, (size_t)(nl - p) + 1);
				f->line_start = mh_stream_tell(s);
				f->first = f->line_start;
				break;
			}
			mh_stream_advance(s, n);
		}
	}
	f->count_nl =
	        f->mode == MH_JF_LINES && !is_sub && f->range_end != UINT64_MAX;
	*out = f;
	return MH_OK;
}

/* MARK: - next */

int mh_jframe_next(struct mh_jframe *f, struct mh_jrec *rec, struct mh_err *err)
{
	const char *p;
	size_t n;
	int rc;
	memset(rec, 0, sizeof(*rec));
	f->after_n = 0;
	if (f->sub) {
		rc = sub_next(f, rec, err);
		if (rc != 0)
			return rc;
	}
	if (f->pending) {
		mh_stream_advance(f->s, f->pending);
		if (f->line)
			f->line += f->pending_nl;
		f->pending = 0;
	}
	while (!f->done) {
		/* White space, and the commas between elements. */
		rc = window(f, 1, &p, &n, err);
		if (rc < 0)
			return rc;
		size_t i = 0;
		while (i < n && (is_ws((unsigned char)p[i]) ||
		                 (f->depth && p[i] == ',')))
			i++;
		consume(f, p, i);
		if (i == n) {
			if (n > 0)
				continue;
			/* End of input. */
			f->done = 1;
			break;
		}
		p += i;
		n -= i;
		/* Ranges split JSON Lines only (jframe.h), at line starts:
		 * a record belongs to the range its line starts in (a BOM
		 * or blanks may come before it on its line). */
		if (f->mode == MH_JF_LINES && f->depth == 0 &&
		    f->line_start >= f->range_end) {
			f->done = 1;
			break;
		}
		char c = p[0];
		int first_seen = !f->looked; /* the range's first non-blank */
		f->looked = 1;
		if (f->depth && c == ']') {
			consume(f, p, 1);
			if (f->stack[--f->depth] == C_ENV) {
				/* The rest of the envelope after its array. */
				struct jscan st = {0, 1, 0, 0};
				for (;;) {
					rc = window(f, SLACK, &p, &n, err);
					if (rc < 0)
						return rc;
					if (n == 0)
						break;
					int ended = jscan_run(&st, p, n);
					consume(f, p, ended ? st.pos : n);
					if (ended)
						break;
					st.pos = 0;
				}
			}
			continue;
		}
		if (c == '[' && f->mode == MH_JF_LINES && f->depth == 0) {
			if ((rc = line_sub(f, err)) != MH_OK)
				return rc;
			if ((rc = sub_next(f, rec, err)) != 0)
				return rc;
			continue;
		}
		if (c == '[') {
			if (f->depth < MAX_NEST) {
				f->stack[f->depth++] = C_ARRAY;
				consume(f, p, 1);
				continue;
			}
			return drop_value(f, err,
			                  "array nested too deep, skipped");
		}
		if (c == '{') {
			size_t at = 0;
			int pr;
			for (;;) {
				pr = probe_env(p, n, all_buffered(f), &at);
				if (pr != P_MORE)
					break;
				if (n >= SLACK) {
					pr = P_RECORD;
					break;
				}
				rc = window(f, grow(n, SLACK), &p, &n, err);
				if (rc < 0)
					return rc;
			}
			if (pr != P_RECORD && f->mode == MH_JF_LINES &&
			    f->depth == 0) {
				if ((rc = line_sub(f, err)) != MH_OK)
					return rc;
				if ((rc = sub_next(f, rec, err)) != 0)
					return rc;
				continue;
			}
			if (pr == P_ENVELOPE && f->depth < MAX_NEST) {
				consume(f, p, at);
				f->stack[f->depth++] = C_ENV;
				continue;
			}
			if (pr == P_EMPTY) {
				consume(f, p, at);
				continue;
			}
			if (f->mode == MH_JF_LINES && f->depth == 0)
				return line_record(f, rec, err);
			return struct_record(f, rec, err);
		}
		if (f->depth)
			return drop_value(f, err,
			                  "array element is not an object, "
			                  "skipped");
		int quiet = 0;
		if (f->chunked && first_seen && f->mode == MH_JF_LINES) {
			/* A run of such lines from the range before: counted
			 * there (resync), read through here. */
			quiet = run_before(f, tell(f), err);
			if (quiet < 0)
				return quiet;
		}
		rc = resync(f, err,
		            "not JSON where a record should start, "
		            "skipped to the next line that starts "
		            "with '{' or '['",
		            quiet);
		if (rc != 0)
			return rc;
	}
	rc = mh_stream_end(f->s, err);
	if (rc != MH_OK)
		return rc;
	f->ended = 1;
	return 0;
}

void mh_jframe_after(const struct mh_jframe *f, const char **p, size_t *n)
{
	*p = f->after_n ? f->after : "";
	*n = f->after_n;
}

int mh_jframe_range(const struct mh_jframe *f, uint64_t *first, uint64_t *lines)
{
	*first = f->first;
	*lines = 0;
	if (f->mode != MH_JF_LINES) {
		/* Structured input: the range at 0 reads it all. */
		*first = f->chunked ? UINT64_MAX : 0;
		return f->ended;
	}
	if (f->first == UINT64_MAX)
		return f->ended; /* no line starts in the range */
	if (!f->ended)
		return 0;
	/* The lines this range owns start in [first, the first line start
	 * at or after range_end): first's own, and one after each newline
	 * before range_end - 1 (none after it comes before that start). */
	*lines = f->first < f->range_end ? f->nl_owned + 1 : 0;
	return 1;
}

enum mh_jframe_mode mh_jframe_mode(const struct mh_jframe *f)
{
	return (enum mh_jframe_mode)f->mode;
}

uint64_t mh_jframe_pos(const struct mh_jframe *f)
{
	if (f->sub)
		return f->sub_off + mh_jframe_pos(f->sub);
	return tell(f) + f->pending;
}

void mh_jframe_free(struct mh_jframe *f)
{
	if (!f)
		return;
	mh_jframe_free(f->sub);
	mh_stream_close(f->sub_s);
	mh_buf_release(&f->copy);
	free(f);
}
