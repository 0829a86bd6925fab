/* csv.c - RFC 4180 rows (see csv.h).
 *
 * A row is scanned by a small state machine whose state survives window
 * refills, so a row is scanned once however it is split across reads.
 * Inside a quoted cell (most of the bytes of an audit export: the JSON in
 * AuditData, a doubled quote every few bytes) the closing quote is found
 * 64 bytes at a time from bit masks of the quotes (seconds()).
 */
#include "csv/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/buf.h"
#include "core/stream.h"

#define DEFAULT_MAX ((size_t)16 << 20)
#define SLACK       ((size_t)64 << 10)
#define MAX_CELLS   4096

enum { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE_SEEN };

struct cellpos {
	size_t start, len;
	int quoted, dq;
};

struct scan {
	size_t pos; /* bytes of the row looked at */
	int state;
	size_t cell_start; /* of the current cell */
	size_t open_quote; /* position of its opening quote */
	int dq;
	unsigned nl; /* line breaks inside quoted cells */
	int ended;   /* the row's line break was seen at pos - 1 */
	size_t ncells;
	int too_many;
};

struct mh_csv {
	struct mh_stream *s;
	size_t max_record;
	char delim;
	unsigned line; /* line at the stream position */
	int done;
	size_t pending; /* bytes of the last row, consumed next call */
	unsigned pending_nl;
	struct cellpos *pos; /* MAX_CELLS */
	struct mh_csv_cell *cells;
	struct mh_slice *cols;
	size_t ncols;
	struct mh_arena colmem;
	uint64_t data_start;             /* offset of the first row */
	uint64_t range_start, range_end; /* csv.h mh_csv_opts */
	int chunked;                     /* range_start > 0 */
	int ended;                       /* next() said the range is done */
};

/* MARK: - scanning */

/* Quotes in runs: a run of quotes inside a quoted cell pairs up from its
 * first quote (each pair one quote of the cell's text); a run of odd
 * length ends with a quote of its own, the closing quote (or, in a prefix
 * of a cell cut at a quote, a lone one). Both are found 64 bytes at a
 * time from bit masks: q has a bit per quote, and seconds() the bits of
 * the quotes that are the second of a pair. A run that started at an
 * even bit has its second quotes at odd bits and the other way round;
 * the runs that started at even bits are found by adding their start
 * bits to q, which carries through each such run and clears its bits. */

#define EVEN_BITS 0x5555555555555555u

/* The bits of q that are second quotes; *first: on entry 1 when the
 * quote before bit 0 was the first of a pair (so a quote at bit 0 is its
 * second), on return the same for the next block. */
static inline uint64_t seconds(uint64_t q, unsigned *first)
{
	uint64_t starts = q & ~(q << 1);
	/* A run going on from the block before starts at bit 0 "odd" when
	 * its quote at bit 0 is a second one. */
	uint64_t even_starts = starts & EVEN_BITS & ~(uint64_t)*first;
	uint64_t from_even = q & ~(q + even_starts);
	uint64_t from_odd = q & ~from_even;
	uint64_t sec = (from_even & ~EVEN_BITS) | (from_odd & EVEN_BITS);
	*first = (unsigned)((q & ~sec) >> 63);
	return sec;
}

#if defined(__SSE2__)
static inline uint64_t mask16(__m128i b, __m128i c)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, c));
}

static inline __m128i load16(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Bits of p[0..64) equal to c, and in *m2 to c2. */
static inline uint64_t eq64x2(const char *p, __m128i c, __m128i c2,
                              uint64_t *m2)
{
	__m128i b0 = load16(p), b1 = load16(p + 16), b2 = load16(p + 32),
	        b3 = load16(p + 48);
	*m2 = mask16(b0, c2) | mask16(b1, c2) << 16 | mask16(b2, c2) << 32 |
	      mask16(b3, c2) << 48;
	return mask16(b0, c) | mask16(b1, c) << 16 | mask16(b2, c) << 32 |
	       mask16(b3, c) << 48;
}

static inline uint64_t eq64(const char *p, __m128i c)
{
	return mask16(load16(p), c) | mask16(load16(p + 16), c) << 16 |
	       mask16(load16(p + 32), c) << 32 |
	       mask16(load16(p + 48), c) << 48;
}

/* Set bits of m (few: line breaks in a quoted cell). */
static inline unsigned bits64(uint64_t m)
{
	unsigned k = 0;
	for (; m; m &= m - 1)
		k++;
	return k;
}
#endif

/* In a quoted cell from p[i]: the first quote that is not the first of
 * a doubled pair (the closing quote, or a quote at n - 1 whose partner is
 * not read yet), or n. Counts line breaks before it into *nl and sets
 * *dq when a doubled quote was passed. */
static size_t quoted_end(const char *p, size_t i, size_t n, unsigned *nl,
                         int *dq)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n');
	unsigned first = 0, lines = 0;
	while (i + 65 <= n) { /* one byte after the block for a partner */
		uint64_t ml;
		uint64_t mq = eq64x2(p + i, q, lf, &ml);
		if (!mq && !first) {
			lines += ml ? bits64(ml) : 0;
			i += 64;
			continue;
		}
		uint64_t sec = seconds(mq, &first);
		/* A quote that is no second one and has no quote after it
		 * (the byte after the block for bit 63) ends the cell. */
		uint64_t next =
		        (mq >> 1) | ((uint64_t)(p[i + 64] == '"') << 63);
		uint64_t end = mq & ~sec & ~next;
		if (end) {
			unsigned at = (unsigned)__builtin_ctzll(end);
			uint64_t before = (((uint64_t)1) << at) - 1;
			ml &= before;
			*nl += lines + (ml ? bits64(ml) : 0);
			if (mq & before)
				*dq = 1;
			return i + at;
		}
		lines += ml ? bits64(ml) : 0;
		*dq = 1;
		i += 64;
	}
	*nl += lines;
	if (first) {
		/* The quote before p[i] was the first of a pair: p[i] is its
		 * second. */
		*dq = 1;
		i++;
	}
#endif
	while (i < n) {
		if (p[i] == '"') {
			if (i + 1 < n && p[i + 1] == '"') {
				*dq = 1;
				i += 2;
				continue;
			}
			return i;
		}
		if (p[i] == '\n')
			(*nl)++;
		i++;
	}
	return n;
}

/* In an unquoted cell from p[i]: the first delimiter or LF, or n. */
static size_t unquoted_end(const char *p, size_t i, size_t n, char delim)
{
#if defined(__SSE2__)
	const __m128i d = _mm_set1_epi8(delim), lf = _mm_set1_epi8('\n');
	while (i + 16 <= n) {
		__m128i b = load16(p + i);
		unsigned m = (unsigned)(mask16(b, d) | mask16(b, lf));
		if (m)
			return i + (unsigned)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && p[i] != delim && p[i] != '\n')
		i++;
	return i;
}

static void end_cell(struct scan *sc, struct cellpos *cp, size_t start,
                     size_t end, int quoted, int dq)
{
	if (sc->ncells >= MAX_CELLS) {
		sc->too_many = 1;
		return;
	}
	if (cp) {
		cp[sc->ncells].start = start;
		cp[sc->ncells].len = end > start ? end - start : 0;
		cp[sc->ncells].quoted = quoted;
		cp[sc->ncells].dq = dq;
	}
	sc->ncells++;
}

/* Scan p[sc->pos..n); 1 when the row ended (sc->pos just past its line
 * break), 0 when more bytes are needed. cp NULL: cells not kept. */
static int scan_run(struct scan *sc, const char *p, size_t n, char delim,
                    struct cellpos *cp)
{
	size_t i = sc->pos;
	while (i < n) {
		char c = p[i];
		switch (sc->state) {
		case S_START:
			if (c == '"') {
				sc->state = S_QUOTED;
				sc->open_quote = i;
				sc->cell_start = i + 1;
				sc->dq = 0;
				i++;
				continue;
			}
			sc->cell_start = i;
			sc->state = S_UNQUOTED;
			continue; /* the same byte, unquoted */
		case S_UNQUOTED:
			i = unquoted_end(p, i, n, delim);
			if (i >= n)
				break;
			if (p[i] == delim) {
				end_cell(sc, cp, sc->cell_start, i, 0, 0);
				sc->state = S_START;
				i++;
				continue;
			}
			/* '\n': the row ends; a CR before it is the CRLF. */
			end_cell(sc, cp, sc->cell_start,
			         i > sc->cell_start && p[i - 1] == '\r' ? i - 1
			                                                : i,
			         0, 0);
			sc->pos = i + 1;
			sc->ended = 1;
			return 1;
		case S_QUOTED:
			i = quoted_end(p, i, n, &sc->nl, &sc->dq);
			if (i >= n)
				break;
			sc->state = S_QUOTE_SEEN;
			i++;
			continue;
		case S_QUOTE_SEEN:
			if (c == '"') {
				sc->dq = 1;
				sc->state = S_QUOTED;
				i++;
				continue;
			}
			if (c == delim) {
				end_cell(sc, cp, sc->cell_start, i - 1, 1,
				         sc->dq);
				sc->state = S_START;
				i++;
				continue;
			}
			if (c == '\n' ||
			    (c == '\r' && i + 1 < n && p[i + 1] == '\n')) {
				end_cell(sc, cp, sc->cell_start, i - 1, 1,
				         sc->dq);
				i += c == '\r' ? 2 : 1;
				sc->pos = i;
				sc->ended = 1;
				return 1;
			}
			if (c == '\r' && i + 1 >= n) {
				sc->pos = i; /* CR LF or not: the next byte */
				return 0;
			}
			/* Text after the closing quote: the cell is its text
			 * as written, from the opening quote on. */
			sc->cell_start = sc->open_quote;
			sc->state = S_UNQUOTED;
			continue;
		default: break;
		}
		if (i >= n)
			break;
	}
	sc->pos = i;
	return 0;
}

/* The row ends with the input (no line break): close the last cell. */
static void scan_finish(struct scan *sc, const char *p, size_t n,
                        struct cellpos *cp)
{
	switch (sc->state) {
	case S_UNQUOTED:
		end_cell(sc, cp, sc->cell_start,
		         n > sc->cell_start && p[n - 1] == '\r' ? n - 1 : n, 0,
		         0);
		break;
	case S_QUOTE_SEEN:
		end_cell(sc, cp, sc->cell_start,
		         n >= 2 && p[n - 1] == '\r' ? n - 2 : n - 1, 1, sc->dq);
		break;
	case S_START:
		if (sc->ncells)
			end_cell(sc, cp, n, n, 0, 0); /* "a,b," */
		break;
	default: break;
	}
	sc->pos = n;
}

/* MARK: - helpers */

static int skip_report(struct mh_csv *c, struct mh_err *err, int reason,
                       uint64_t off, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
static int skip_report(struct mh_csv *c, struct mh_err *err, int reason,
                       uint64_t off, unsigned line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Lines of a range that does not start at 0 are counted from its
	 * start, which says nothing to a reader. */
	mh_err_at(err, MH_ESKIP, reason, mh_stream_name(c->s), off,
	          c->chunked ? 0 : line, "%s", msg);
	return MH_ESKIP;
}

static size_t grow(size_t have, size_t cap)
{
	size_t w = have < 4096 ? 8192 : have * 2;
	return w > cap ? cap : w;
}

size_t mh_csv_undouble(const char *p, size_t n, char *d)
{
	/* Sixteen bytes stored at a time (d has room for n + 16), the
	 * output index moved past the quote found: a JSON text in a cell
	 * has a doubled quote every few bytes, too often for a call per
	 * run. */
	size_t k = 0, i = 0;
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"');
	while (i + 16 <= n) {
		__m128i b = load16(p + i);
		_mm_storeu_si128((__m128i *)(void *)(d + k), b);
		unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, q));
		if (!mq) {
			i += 16;
			k += 16;
			continue;
		}
		unsigned at = (unsigned)__builtin_ctz(mq);
		/* d[k + at] is the quote: keep it, drop its double. */
		i += at + 1;
		k += at + 1;
		if (i < n && p[i] == '"')
			i++;
	}
#endif
	while (i < n) {
		char c = p[i++];
		d[k++] = c;
		if (c == '"' && i < n && p[i] == '"')
			i++;
	}
	return k;
}

int mh_csv_text(const struct mh_csv_cell *cell, struct mh_arena *a,
                struct mh_slice *out)
{
	if (!cell->dq) {
		*out = mh_slice_make(cell->p, cell->n);
		return MH_OK;
	}
	char *o = mh_arena_alloc(a, cell->n + 17);
	if (!o)
		return MH_ENOMEM;
	size_t k = mh_csv_undouble(cell->p, cell->n, o);
	o[k] = '\0';
	*out = mh_slice_make(o, k);
	return MH_OK;
}

/* MARK: - rows */

/* One row from the stream position: 1 with the cells in c->pos, sc and
 * *pp and *plen describing it; MH_ESKIP (oversized, truncated, too many
 * cells); 0 at the end; <0 read errors. */
static int read_row(struct mh_csv *c, struct scan *sc, const char **pp,
                    size_t *plen, struct mh_err *err)
{
	const char *p;
	size_t n;
	size_t limit = c->max_record + 1;
	uint64_t off = mh_stream_tell(c->s);
	unsigned line = c->line;
	memset(sc, 0, sizeof(*sc));
	int rc = mh_stream_peek(c->s, 1, &p, &n, err);
	if (rc < 0)
		return rc;
	if (n == 0)
		return 0;
	for (;;) {
		size_t look = n < limit ? n : limit;
		if (scan_run(sc, p, look, c->delim, c->pos))
			break;
		if (n >= limit) {
			/* Over the limit: scan on, dropping the bytes. */
			mh_stream_advance(c->s, sc->pos);
			for (;;) {
				rc = mh_stream_peek(c->s, SLACK, &p, &n, err);
				if (rc < 0)
					return rc;
				if (n == 0)
					break;
				sc->pos = 0;
				int ended = scan_run(sc, p, n, c->delim, NULL);
				if (!ended && mh_stream_all_buffered(c->s)) {
					/* The input ends inside the row (a last
					 * CR may wait for a byte that will
					 * never come). */
					mh_stream_advance(c->s, n);
					break;
				}
				mh_stream_advance(c->s, sc->pos);
				if (ended)
					break;
			}
			c->line = line + sc->nl + (sc->ended ? 1 : 0);
			return skip_report(c, err, MH_SKIP_OVERSIZED, off, line,
			                   "row of more than %zu bytes "
			                   "(--max-record), skipped",
			                   c->max_record);
		}
		if (mh_stream_all_buffered(c->s)) {
			if (sc->state == S_QUOTED) {
				mh_stream_advance(c->s, n);
				c->line = line + sc->nl;
				return skip_report(c, err, MH_SKIP_TRUNCATED,
				                   off, line, "%s",
				                   "input ends inside a quoted "
				                   "cell, row skipped");
			}
			scan_finish(sc, p, n, c->pos);
			break;
		}
		rc = mh_stream_peek(c->s, grow(n, limit), &p, &n, err);
		if (rc < 0)
			return rc;
	}
	size_t used = sc->pos;
	size_t len = used;
	if (sc->ended) {
		len--; /* the '\n' */
		if (len && p[len - 1] == '\r')
			len--;
	}
	*pp = p;
	*plen = len;
	c->pending = used;
	c->pending_nl = sc->nl + (sc->ended ? 1 : 0);
	if (sc->too_many)
		return skip_report(c, err, MH_SKIP_MALFORMED, off, line,
		                   "row of more than %d cells, skipped",
		                   MAX_CELLS);
	return 1;
}

static void consume_pending(struct mh_csv *c)
{
	if (c->pending) {
		mh_stream_advance(c->s, c->pending);
		if (c->line)
			c->line += c->pending_nl;
		c->pending = 0;
	}
}

/* MARK: - open */

static char pick_delim(const char *p, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0;
	int in_q = 0;
	for (size_t i = 0; i < n && p[i] != '\n'; i++) {
		if (p[i] == '"')
			in_q = !in_q;
		else if (!in_q && p[i] == ',')
			comma++;
		else if (!in_q && p[i] == ';')
			semi++;
		else if (!in_q && p[i] == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

int mh_csv_open(struct mh_csv **out, struct mh_stream *s,
                const struct mh_csv_opts *o, struct mh_err *err)
{
	*out = NULL;
	struct mh_csv *c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->s = s;
	c->max_record = o && o->max_record ? o->max_record : DEFAULT_MAX;
	c->range_start = o ? o->range_start : 0;
	c->range_end = o && o->range_end ? o->range_end : UINT64_MAX;
	c->line = 1;
	c->pos = malloc(MAX_CELLS * sizeof(*c->pos));
	c->cells = malloc(MAX_CELLS * sizeof(*c->cells));
	mh_arena_init(&c->colmem, 16384, 0);
	if (!c->pos || !c->cells)
		goto nomem;
	mh_stream_set_cap(s, c->max_record + SLACK);
	mh_stream_defer_damage(s);

	const char *p;
	size_t n;
	int rc = mh_stream_peek(s, SLACK, &p, &n, err);
	if (rc < 0 && n == 0) {
		mh_csv_free(c);
		return rc;
	}
	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
		mh_stream_advance(s, 3);
		p += 3;
		n -= 3;
	}
	if (n >= 5 && !memcmp(p, "#TYPE", 5)) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) + 1 : n;
		mh_stream_advance(s, k);
		p += k;
		n -= k;
		c->line++;
	}
	c->delim = pick_delim(p, n);
	/* Blank lines before the header are not rows. */
	for (;;) {
		struct scan sc;
		const char *rp;
		size_t rl;
		rc = read_row(c, &sc, &rp, &rl, err);
		if (rc == 0 || rc < 0 || rc == MH_ESKIP) {
			mh_csv_free(c);
			if (rc == 0)
				return mh_err_at(err, MH_EFORMAT,
				                 MH_SKIP_UNKNOWN_TYPE,
				                 mh_stream_name(s), 0, 0,
				                 "no CSV header row");
			return rc == MH_ESKIP ? MH_EFORMAT : rc;
		}
		if (rl == 0) {
			consume_pending(c);
			continue;
		}
		c->cols = mh_arena_alloc(&c->colmem,
		                         sc.ncells * sizeof(*c->cols) + 1);
		if (!c->cols)
			goto nomem;
		for (size_t i = 0; i < sc.ncells; i++) {
			struct mh_csv_cell cell = {
			        rp + c->pos[i].start, c->pos[i].len,
			        c->pos[i].quoted, c->pos[i].dq};
			struct mh_slice t;
			if (mh_csv_text(&cell, &c->colmem, &t))
				goto nomem;
			char *d = mh_arena_strndup(&c->colmem, t.p, t.n);
			if (!d)
				goto nomem;
			c->cols[i] = mh_slice_trim(mh_slice_make(d, t.n));
		}
		c->ncols = sc.ncells;
		consume_pending(c);
		break;
	}
	c->data_start = mh_stream_tell(s);
	if (c->range_start > 0) {
		/* A range of rows after the header (csv.h): its lines are
		 * counted from its start. One that starts inside the header
		 * is not a range mh_csv_find_row gives: it holds nothing. */
		c->chunked = 1;
		c->line = 1;
		if (c->range_start < c->data_start)
			c->done = 1;
		else if ((rc = mh_stream_seek(s, c->range_start, err)) < 0) {
			mh_csv_free(c);
			return rc;
		}
	}
	*out = c;
	return MH_OK;
nomem:
	mh_csv_free(c);
	return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE, mh_stream_name(s),
	                 0, 0, "out of memory");
}

const struct mh_slice *mh_csv_columns(const struct mh_csv *c, size_t *n)
{
	*n = c->ncols;
	return c->cols;
}

char mh_csv_delim(const struct mh_csv *c)
{
	return c->delim;
}

int mh_csv_next(struct mh_csv *c, struct mh_csv_row *row, struct mh_err *err)
{
	memset(row, 0, sizeof(*row));
	consume_pending(c);
	while (!c->done) {
		struct scan sc;
		const char *p = NULL;
		size_t len = 0;
		uint64_t off = mh_stream_tell(c->s);
		unsigned line = c->line;
		if (off >= c->range_end) {
			c->done = 1; /* the next range's row */
			break;
		}
		int rc = read_row(c, &sc, &p, &len, err);
		if (rc == 0) {
			c->done = 1;
			break;
		}
		if (rc != 1)
			return rc;
		if (len == 0 || sc.ncells == 0) {
			consume_pending(c); /* a blank line */
			continue;
		}
		for (size_t i = 0; i < sc.ncells; i++) {
			c->cells[i].p = p + c->pos[i].start;
			c->cells[i].n = c->pos[i].len;
			c->cells[i].quoted = c->pos[i].quoted;
			c->cells[i].dq = c->pos[i].dq;
		}
		row->p = p;
		row->n = len;
		row->offset = off;
		row->line = line;
		row->cells = c->cells;
		row->ncells = sc.ncells;
		return 1;
	}
	int rc = mh_stream_end(c->s, err);
	if (rc != MH_OK)
		return rc;
	c->ended = 1;
	return 0;
}

int mh_csv_range(const struct mh_csv *c, uint64_t *first, uint64_t *lines)
{
	*first = c->chunked ? c->range_start : 0;
	*lines = 0;
	if (!c->ended)
		return 0;
	/* c->line is the line at the stream position, which is the range's
	 * end: 1 + the line breaks before it. */
	*lines = c->line ? c->line - 1u : 0;
	return 1;
}

/* MARK: - where to cut */

/* The row scanner (scan_run) as a table, for the cut finder: the next
 * state by state and byte class (other, quote, delimiter, LF), with
 * ROW_END set when the byte ends the row. A CR is "other": after a
 * closing quote scan_run ends the row at CR LF, here the CR leads to
 * S_UNQUOTED and the LF ends the row there, at the same byte. */
#define ROW_END 4
static const unsigned char step[4][4] = {
        [S_START] = {S_UNQUOTED, S_QUOTED, S_START, S_START | ROW_END},
        [S_UNQUOTED] = {S_UNQUOTED, S_UNQUOTED, S_START, S_START | ROW_END},
        [S_QUOTED] = {S_QUOTED, S_QUOTE_SEEN, S_QUOTED, S_QUOTED},
        [S_QUOTE_SEEN] = {S_UNQUOTED, S_QUOTED, S_START, S_START | ROW_END},
};

int mh_csv_find_row(struct mh_csv *c, uint64_t at, uint64_t limit,
                    uint64_t *out, struct mh_err *err)
{
	*out = UINT64_MAX;
	c->pending = 0;
	c->done = 1; /* no more rows from here (csv.h) */
	if (at <= c->data_start)
		return MH_OK;
	int rc = mh_stream_seek(c->s, at - 1, err);
	if (rc < 0)
		return rc;
	const char *p;
	size_t n;
	/* The first line start at or after at. */
	for (;;) {
		rc = mh_stream_peek(c->s, SLACK, &p, &n, err);
		if (rc < 0)
			return rc;
		if (n == 0)
			return MH_OK;
		const char *nl = memchr(p, '\n', n);
		if (nl) {
			mh_stream_advance(c->s, (size_t)(nl - p) + 1);
			break;
		}
		mh_stream_advance(c->s, n);
		if (mh_stream_tell(c->s) - at > limit)
			return MH_OK;
	}
	/* The two ways (csv.h): a at a row start, b inside a quoted cell. */
	uint64_t from = mh_stream_tell(c->s);
	unsigned char cls[256] = {0};
	cls['"'] = 1;
	cls[(unsigned char)c->delim] = 2;
	cls['\n'] = 3;
	unsigned a = S_START, b = S_QUOTED;
	for (;;) {
		rc = mh_stream_peek(c->s, SLACK, &p, &n, err);
		if (rc < 0)
			return rc;
		if (n == 0)
			return MH_OK; /* the input ends first: no cut */
		uint64_t done = mh_stream_tell(c->s) - from;
		if (done >= limit)
			return MH_OK;
		if (n > limit - done)
			n = (size_t)(limit - done);
		for (size_t i = 0; i < n; i++) {
			unsigned k = cls[(unsigned char)p[i]];
			a = step[a & 3][k];
			b = step[b & 3][k];
			if (a & b & ROW_END) {
				*out = mh_stream_tell(c->s) + i + 1;
				return MH_OK;
			}
		}
		mh_stream_advance(c->s, n);
	}
}

uint64_t mh_csv_pos(const struct mh_csv *c)
{
	return mh_stream_tell(c->s) + c->pending;
}

void mh_csv_free(struct mh_csv *c)
{
	if (!c)
		return;
	free(c->pos);
	free(c->cells);
	mh_arena_release(&c->colmem);
	free(c);
}

/* MARK: - probe */

/* The header line of head[0..n) after a BOM and a #TYPE line, without
 * its line break; *typed set when a #TYPE line was there. */
static struct mh_slice header_line(const char *head, size_t n, int *typed)
{
	size_t i = 0;
	*typed = 0;
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3))
		i = 3;
	if (n - i >= 5 && !memcmp(head + i, "#TYPE", 5)) {
		const char *nl = memchr(head + i, '\n', n - i);
		if (!nl)
			return MH_SLICE_NULL;
		i = (size_t)(nl - head) + 1;
		*typed = 1;
	}
	if (i >= n)
		return MH_SLICE_NULL;
	const char *line = head + i;
	const char *nl = memchr(line, '\n', n - i);
	size_t ll = nl ? (size_t)(nl - line) : n - i;
	if (ll && line[ll - 1] == '\r')
		ll--;
	return mh_slice_make(line, ll);
}

size_t mh_csv_header_cells(const char *head, size_t n, struct mh_slice *out,
                           size_t max)
{
	int typed;
	struct mh_slice line = header_line(head, n, &typed);
	if (!line.n)
		return 0;
	char d = pick_delim(line.p, line.n);
	size_t k = 0, start = 0;
	int in_q = 0;
	for (size_t j = 0; j <= line.n; j++) {
		if (j < line.n && line.p[j] == '"')
			in_q = !in_q;
		if (j < line.n && (in_q || line.p[j] != d))
			continue;
		struct mh_slice c =
		        mh_slice_trim(mh_slice_make(line.p + start, j - start));
		if (c.n >= 2 && c.p[0] == '"' && c.p[c.n - 1] == '"')
			c = mh_slice_make(c.p + 1, c.n - 2);
		if (k < max)
			out[k] = c;
		k++;
		start = j + 1;
	}
	return k;
}

int mh_csv_probe(const char *head, size_t n, const char *name)
{
	(void)name;
	int typed;
	struct mh_slice hl = header_line(head, n, &typed);
	const char *line = hl.p;
	size_t ll = hl.n;
	if (ll < 3 || line[0] == '{' || line[0] == '[')
		return 0;
	/* "Name: value" is a mail header field, not a header row. */
	size_t k = 0;
	while (k < ll && line[k] > ' ' && line[k] < 127 && line[k] != ':' &&
	       line[k] != ',' && line[k] != ';' && line[k] != '"')
		k++;
	if (k < ll && line[k] == ':')
		return 0;
	char d = pick_delim(line, ll);
	size_t cells = 1, cell_len = 0;
	int in_q = 0;
	for (size_t j = 0; j < ll; j++) {
		unsigned char ch = (unsigned char)line[j];
		if (ch == '"') {
			in_q = !in_q;
			continue;
		}
		if (!in_q && ch == (unsigned char)d) {
			cells++;
			cell_len = 0;
			continue;
		}
		/* Column names are short printable text. */
		if (ch < ' ' && ch != '\t')
			return 0;
		if (++cell_len > 128)
			return 0;
	}
	if (in_q || cells < 2)
		return 0;
	return typed ? 70 : cells >= 3 ? 55 : 45;
}
