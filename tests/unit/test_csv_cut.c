/* Unit tests for the CSV scanner's 64-byte steps (long quoted cells
 * full of doubled quotes: rows, lines, dq and undoubling against the
 * byte-by-byte rule) and for cutting a CSV file into byte ranges (csv/csv.h
 * mh_csv_find_row, mh_csv_opts range_*, mh_csv_range): a file read as
 * [0, cut) and [cut, end) gives the rows a read of the whole file gives,
 * at the same offsets, with the same text, cells, skips and lines (the
 * second range's lines moved on by the first's), for every cut the
 * finder gives, on random bytes over the characters that steer the
 * scanner (quote, delimiter, LF, CR, text) and on a Purview-shaped file
 * whose quoted cells hold line breaks and fake rows. The same check on a
 * plain line start fails on those inputs: the test can tell a wrong cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/stream.h"
#include "csv/csv.h"

#define MAXROWS 4096

struct rowrec {
	int rc; /* 1, or MH_ESKIP */
	uint64_t off;
	unsigned line;
	int reason;
	size_t n, ncells;
	uint64_t hash; /* of the row's bytes and its cells' places */
};

struct rows {
	struct rowrec v[MAXROWS];
	size_t n;
	uint64_t first, lines;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ u[i]) * 1099511628211u;
	return h;
}

/* The rows of text[0..n) that start in [lo, hi) (hi 0: to the end). */
static void read_range(const char *text, size_t n, uint64_t lo, uint64_t hi,
                       size_t max_record, struct rows *out)
{
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open_mem(&s, text, n, "cut.csv"), MH_OK);
	struct mh_csv *c = NULL;
	struct mh_csv_opts o = {max_record, lo, hi};
	assert_int_equal(mh_csv_open(&c, s, &o, &err), MH_OK);
	out->n = 0;
	for (;;) {
		struct mh_csv_row row;
		mh_err_clear(&err);
		int rc = mh_csv_next(c, &row, &err);
		if (rc == 0)
			break;
		assert_true(rc == 1 || rc == MH_ESKIP);
		assert_true(out->n < MAXROWS);
		struct rowrec *r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		r->rc = rc;
		if (rc == MH_ESKIP) {
			r->off = err.offset;
			r->reason = err.reason;
			/* messages of a later range carry no line */
			if (lo > 0)
				assert_int_equal(err.line, 0);
			continue;
		}
		r->off = row.offset;
		r->line = row.line;
		r->n = row.n;
		r->ncells = row.ncells;
		uint64_t h = fnv(1469598103934665603u, row.p, row.n);
		for (size_t i = 0; i < row.ncells; i++) {
			uint64_t at = (uint64_t)(row.cells[i].p - row.p);
			h = fnv(h, &at, sizeof(at));
			h = fnv(h, &row.cells[i].n, sizeof(row.cells[i].n));
			h = fnv(h, &row.cells[i].quoted, sizeof(int));
			h = fnv(h, &row.cells[i].dq, sizeof(int));
		}
		r->hash = h;
	}
	assert_int_equal(mh_csv_range(c, &out->first, &out->lines), 1);
	assert_int_equal(out->first, lo);
	mh_csv_free(c);
	mh_stream_close(s);
}

/* 1 when [0, cut) and [cut, end) read as the whole of text does. */
static int split_ok(const char *text, size_t n, uint64_t cut, size_t max_record,
                    const struct rows *whole)
{
	static struct rows a, b;
	read_range(text, n, 0, cut, max_record, &a);
	read_range(text, n, cut, UINT64_MAX, max_record, &b);
	if (a.n + b.n != whole->n)
		return 0;
	for (size_t i = 0; i < whole->n; i++) {
		const struct rowrec *w = &whole->v[i];
		struct rowrec r = i < a.n ? a.v[i] : b.v[i - a.n];
		if (i >= a.n && r.rc == 1)
			r.line += (unsigned)a.lines;
		if (r.rc != w->rc || r.off != w->off || r.line != w->line ||
		    r.reason != w->reason || r.n != w->n ||
		    r.ncells != w->ncells || r.hash != w->hash)
			return 0;
	}
	/* Every line break is one range's: the lines add up. */
	return a.lines + b.lines == whole->lines;
}

/* The cut the finder gives for at (UINT64_MAX: none). */
static uint64_t find(const char *text, size_t n, uint64_t at, uint64_t limit)
{
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open_mem(&s, text, n, "cut.csv"), MH_OK);
	struct mh_csv *c = NULL;
	struct mh_csv_opts o = {0, 0, 0};
	assert_int_equal(mh_csv_open(&c, s, &o, &err), MH_OK);
	uint64_t out = 0;
	assert_int_equal(mh_csv_find_row(c, at, limit, &out, &err), MH_OK);
	mh_csv_free(c);
	mh_stream_close(s);
	return out;
}

/* The first line start at or after at (what a JSON Lines range takes). */
static uint64_t line_start(const char *text, size_t n, uint64_t at)
{
	for (uint64_t i = at - 1; i < n; i++)
		if (text[i] == '\n')
			return i + 1;
	return UINT64_MAX;
}

/* Each cut the finder gives splits text as a whole read does; *found
 * and *naive_bad count the cuts found and the plain line starts that
 * would have split wrongly. */
static void check_all_cuts(const char *text, size_t n, size_t max_record,
                           size_t *found, size_t *naive_bad)
{
	static struct rows whole;
	read_range(text, n, 0, UINT64_MAX, max_record, &whole);
	for (uint64_t at = 1; at <= n; at++) {
		uint64_t cut = find(text, n, at, n);
		if (cut != UINT64_MAX) {
			assert_true(cut >= at && cut <= n);
			if (!split_ok(text, n, cut, max_record, &whole))
				fail_msg("cut %llu (for %llu) splits wrongly",
				         (unsigned long long)cut,
				         (unsigned long long)at);
			(*found)++;
		}
		uint64_t ls = line_start(text, n, at);
		if (ls != UINT64_MAX && ls < n &&
		    !split_ok(text, n, ls, max_record, &whole))
			(*naive_bad)++;
	}
}

/* Random bytes over quote, comma, LF, CR and text after a header: every
 * way the tolerant scanner can go (csv.h), many times over. */
static void test_random(void **state)
{
	(void)state;
	static const char alpha[] = "\",\n\ra\"\"a,";
	uint64_t seed = 0x9e3779b97f4a7c15u;
	size_t found = 0, naive_bad = 0;
	char text[400];
	for (int round = 0; round < 150; round++) {
		size_t n = 0;
		n += (size_t)snprintf(text, sizeof(text), "%s",
		                      round % 3 ? "h1,h2,h3\n" : "h1,h2\r\n");
		size_t len = 20 + (size_t)(round % 7) * 25;
		for (size_t i = 0; i < len; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			text[n++] = alpha[seed % (sizeof(alpha) - 1)];
		}
		/* Small row limits too: oversized rows are scanned the same
		 * way. */
		check_all_cuts(text, n, round % 5 ? 0 : 16, &found, &naive_bad);
	}
	/* Cuts are found, and the inputs are ones where a line start is
	 * not enough. */
	assert_true(found > 1000);
	assert_true(naive_bad > 100);
}

/* A Purview export whose quoted cells hold line breaks and text that
 * looks like rows (one a whole row with its own quoted JSON cell). */
static const char purview[] =
        "\xef\xbb\xbf#TYPE System.Management.Automation.PSCustomObject\r\n"
        "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\r\n"
        "id-1,2024-03-01T00:00:06Z,ExchangeAdmin,Set-Mailbox,a@x,"
        "\"{\r\n\"\"Operation\"\":\"\"Set-Mailbox\"\",\r\n"
        "\"\"Note\"\":\"\"x\r\n"
        "id-9,2024-03-01T00:00:07Z,ExchangeAdmin,New-InboxRule,b@x,"
        "\"\"{\"\"\"\"Operation\"\"\"\":\"\"\"\"New-InboxRule\"\"\"\"}\"\"\r\n"
        "id-8,2024,a,b,c,d\r\n"
        "\"\"}\"\r\n"
        "id-2,2024-03-01T00:00:08Z,ExchangeItem,Send,c@x,"
        "\"{\"\"Operation\"\":\"\"Send\"\"}\"\r\n"
        "\r\n"
        "id-3,2024-03-01T00:00:09Z,ExchangeItem,Send,d@x,"
        "\"{\"\"Operation\"\":\"\"Send\"\",\"\"S\"\":\"\"a,\r\nb\"\"}\"\r\n";

static void test_purview(void **state)
{
	(void)state;
	size_t n = sizeof(purview) - 1, found = 0, naive_bad = 0;
	check_all_cuts(purview, n, 0, &found, &naive_bad);
	assert_true(found > 100);
	assert_true(naive_bad > 10);
	/* From inside the first record's cell (its fake rows included) the
	 * cut is the next true row: id-2's. */
	const char *in = strstr(purview, "id-9");
	const char *id2 = strstr(purview, "id-2");
	assert_int_equal(find(purview, n, (uint64_t)(in - purview), n),
	                 (uint64_t)(id2 - purview));
	/* In the header or before it: no cut. */
	const char *hdr = strstr(purview, "RecordId");
	assert_int_equal(find(purview, n, 5, n), UINT64_MAX);
	assert_int_equal(find(purview, n, (uint64_t)(hdr - purview) + 3, n),
	                 UINT64_MAX);
	/* Just past the header's end: the second line start after it
	 * (the first could be inside a quoted cell, for all it knows). */
	const char *id1 = strstr(purview, "id-1");
	assert_true(find(purview, n, (uint64_t)(id1 - purview) + 1, n) ==
	            (uint64_t)(id2 - purview));
}

/* A quoted cell of many lines with no quote in them: the two ways never
 * meet within the limit, and no cut is made; with room they meet at the
 * end of the first row after the cell whose quotes both read as the
 * end of a row (the row right after the cell is not one: read as a row
 * start, the cell's closing quote opens one). */
static void test_no_cut(void **state)
{
	(void)state;
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), "a,b\nx,\"");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "p,q\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\"\ny,\"z\"\nw,v\n");
	assert_int_equal(find(text, n, 100, 512), UINT64_MAX);
	uint64_t cut = find(text, n, 100, n);
	assert_int_equal(cut, (uint64_t)(strstr(text, "w,v") - text));
	/* Past the last row: none. */
	assert_int_equal(find(text, n, n - 1, n), UINT64_MAX);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The rule of mh_csv_undouble byte by byte. */
static size_t undouble_ref(const char *p, size_t n, char *d)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		char c = p[i++];
		d[k++] = c;
		if (c == '"' && i < n && p[i] == '"')
			i++;
	}
	return k;
}

/* Doubled quotes undone 64 bytes at a time: the rule's answer for runs
 * of quotes of every length at every place around the steps. */
static void test_undouble_long(void **state)
{
	(void)state;
	uint64_t seed = 12345;
	static char in[1024], want[1024], got[1024 + 16];
	for (int round = 0; round < 20000; round++) {
		size_t n = rnd(&seed) % 400;
		unsigned dens = (unsigned)(rnd(&seed) % 4);
		for (size_t i = 0; i < n; i++)
			in[i] = rnd(&seed) % (2 + dens * 3) < 2 ? '"' : 'x';
		char *heap = malloc(n ? n : 1); /* ASan sees a read past */
		assert_non_null(heap);
		memcpy(heap, in, n);
		size_t k = undouble_ref(in, n, want);
		assert_int_equal(mh_csv_undouble(heap, n, got), k);
		assert_memory_equal(got, want, k);
		free(heap);
	}
}

/* The byte automaton of the scanner (the same as csv.c's cut finder, set
 * down here from csv.h's rules): rows and their lines from it agree with
 * the framer's on random rows whose quoted cells are long (many 64-byte
 * steps) and full of doubled quotes, line breaks and delimiters; a quoted
 * cell's dq says whether it holds a quote and its text is undone by the
 * rule. */
static void test_scan_long(void **state)
{
	(void)state;
	uint64_t seed = 777;
	static char text[65536];
	for (int round = 0; round < 120; round++) {
		size_t n = (size_t)snprintf(text, sizeof(text), "a,b,c\n");
		while (n < 20000) {
			int cells = 1 + (int)(rnd(&seed) % 4);
			for (int c = 0; c < cells; c++) {
				if (c)
					text[n++] = ',';
				if (rnd(&seed) % 3 == 0) {
					size_t len = rnd(&seed) % 8;
					for (size_t i = 0; i < len; i++)
						text[n++] = 'u';
					continue;
				}
				text[n++] = '"';
				size_t len = rnd(&seed) % 300;
				for (size_t i = 0; i < len; i++) {
					unsigned k =
					        (unsigned)(rnd(&seed) % 12);
					if (k < 3) {
						text[n++] = '"';
						text[n++] = '"';
					} else if (k == 3) {
						text[n++] = '\n';
					} else if (k == 4) {
						text[n++] = ',';
					} else if (k == 5 &&
					           rnd(&seed) % 50 == 0) {
						text[n++] =
						        '"'; /* closes early */
					} else {
						text[n++] = 'q';
					}
				}
				text[n++] = '"';
			}
			if (rnd(&seed) % 2)
				text[n++] = '\r';
			text[n++] = '\n';
		}
		/* The reference: rows end at LFs where the automaton ends one. */
		static uint64_t start[8192], len[8192];
		size_t nrows = 0;
		const char *hdr_end = memchr(text, '\n', n);
		uint64_t at = (uint64_t)(hdr_end - text) + 1, row = at;
		enum { ST, UQ, QU, QS } st = ST;
		for (; at < n; at++) {
			char ch = text[at];
			int end = 0;
			switch (st) {
			case ST:
			case UQ:
				if (ch == '"' && st == ST)
					st = QU;
				else if (ch == ',')
					st = ST;
				else if (ch == '\n')
					end = 1;
				else
					st = UQ;
				break;
			case QU:
				if (ch == '"')
					st = QS;
				break;
			case QS:
				st = ch == '"'    ? QU
				     : ch == ','  ? ST
				     : ch == '\n' ? ST
				                  : UQ;
				end = ch == '\n';
				break;
			}
			if (end) {
				st = ST;
				uint64_t l = at - row;
				if (l && text[at - 1] == '\r')
					l--;
				if (l) {
					assert_true(nrows < 8192);
					start[nrows] = row;
					len[nrows++] = l;
				}
				row = at + 1;
			}
		}
		struct mh_stream *s = NULL;
		struct mh_err err;
		mh_err_clear(&err);
		assert_int_equal(mh_stream_open_mem(&s, text, n, "t.csv"),
		                 MH_OK);
		struct mh_csv *c = NULL;
		struct mh_csv_opts o = {0, 0, 0};
		assert_int_equal(mh_csv_open(&c, s, &o, &err), MH_OK);
		static char u[65536 + 16], w[65536];
		size_t got = 0;
		struct mh_csv_row r;
		while (mh_csv_next(c, &r, &err) == 1) {
			assert_true(got < nrows);
			assert_int_equal(r.offset, start[got]);
			assert_int_equal(r.n, len[got]);
			unsigned line = 1;
			for (uint64_t i = 0; i < r.offset; i++)
				line += text[i] == '\n';
			assert_int_equal(r.line, line);
			for (size_t i = 0; i < r.ncells; i++) {
				const struct mh_csv_cell *cl = &r.cells[i];
				if (!cl->quoted)
					continue;
				int has = memchr(cl->p, '"', cl->n) != NULL;
				assert_int_equal(cl->dq, has);
				size_t k = mh_csv_undouble(cl->p, cl->n, u);
				assert_int_equal(k,
				                 undouble_ref(cl->p, cl->n, w));
				assert_memory_equal(u, w, k);
			}
			got++;
		}
		assert_int_equal(got, nrows);
		mh_csv_free(c);
		mh_stream_close(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_undouble_long),
	        cmocka_unit_test(test_scan_long),
	        cmocka_unit_test(test_random),
	        cmocka_unit_test(test_purview),
	        cmocka_unit_test(test_no_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
