/* Unit tests for the CSV framer (csv/csv.h): RFC 4180 rows with quoted
 * multi-line cells, doubled quotes, CRLF inside cells, BOM, #TYPE lines,
 * ';' and TAB delimiters, JSON inside cells; blank lines, cut and
 * oversized rows; probing; and the real Sentinel OfficeActivity export in
 * LF and CRLF (266 rows, the same cells). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/stream.h"
#include "csv/csv.h"

#define TESTDIR_NAME "mh-test-csv"
#include "testdir.h"
#include "shared.h"

#define MAXROWS 300
#define MAXC    140

struct table {
	size_t ncols;
	char *col[MAXC];
	size_t nrows;
	char *cell[MAXROWS][MAXC];
	size_t ncells[MAXROWS];
	unsigned line[MAXROWS];
	uint64_t off[MAXROWS];
	size_t nskip;
	int skip_reason[16];
	unsigned skip_line[16];
	char delim;
};

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ncols && i < MAXC; i++)
		free(t->col[i]);
	for (size_t r = 0; r < t->nrows && r < MAXROWS; r++)
		for (size_t i = 0; i < t->ncells[r] && i < MAXC; i++)
			free(t->cell[r][i]);
	free(t);
}

static struct table *read_csv(const char *path, size_t max_record)
{
	struct table *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open(&s, path, (size_t)64 << 20, &err),
	                 MH_OK);
	struct mh_csv *c = NULL;
	struct mh_csv_opts o = {max_record, 0, 0};
	int rc = mh_csv_open(&c, s, &o, &err);
	if (rc != MH_OK)
		fail_msg("open '%s': %s", path, err.msg);
	t->delim = mh_csv_delim(c);
	const struct mh_slice *cols = mh_csv_columns(c, &t->ncols);
	for (size_t i = 0; i < t->ncols && i < MAXC; i++)
		t->col[i] = strndup(cols[i].p, cols[i].n);
	struct mh_arena a;
	mh_arena_init(&a, 4096, 0);
	for (;;) {
		struct mh_csv_row row;
		mh_err_clear(&err);
		rc = mh_csv_next(c, &row, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			if (t->nskip < 16) {
				t->skip_reason[t->nskip] = err.reason;
				t->skip_line[t->nskip] = err.line;
			}
			t->nskip++;
			continue;
		}
		assert_int_equal(rc, 1);
		size_t r = t->nrows++;
		assert_true(r < MAXROWS);
		t->ncells[r] = row.ncells;
		t->line[r] = row.line;
		t->off[r] = row.offset;
		for (size_t i = 0; i < row.ncells && i < MAXC; i++) {
			struct mh_slice v;
			assert_int_equal(mh_csv_text(&row.cells[i], &a, &v),
			                 MH_OK);
			t->cell[r][i] = strndup(v.p, v.n);
		}
		mh_arena_reset(&a);
	}
	mh_arena_release(&a);
	mh_csv_free(c);
	mh_stream_close(s);
	return t;
}

static struct table *read_str(const char *name, const char *content,
                              size_t max_record)
{
	const char *path = tpath(name);
	testdir_write(path, content, strlen(content), "wb");
	return read_csv(path, max_record);
}

static void test_basic(void **state)
{
	(void)state;
	struct table *t = read_str(
	        "a.csv",
	        "\xef\xbb\xbf#TYPE Microsoft.Exchange.Data.Directory.Rule\r\n"
	        "\"Name\",\"Description\",Value\r\n"
	        "r1,\"If the message:\r\n\tsubject 'x'\r\n\",1\r\n"
	        "\r\n"
	        "\"say \"\"hi\"\"\",,\"{\"\"Name\"\":\"\"ForwardTo\"\"}\"\r\n"
	        "last,\"x\"tail,3",
	        0);
	assert_int_equal(t->delim, ',');
	assert_int_equal(t->ncols, 3);
	assert_string_equal(t->col[0], "Name");
	assert_string_equal(t->col[2], "Value");
	assert_int_equal(t->nrows, 3);
	assert_int_equal(t->nskip, 0);
	assert_string_equal(t->cell[0][1],
	                    "If the message:\r\n\tsubject 'x'\r\n");
	assert_int_equal(t->line[0], 3);
	assert_int_equal(t->line[1], 7);
	assert_int_equal(t->line[2], 8);
	assert_string_equal(t->cell[1][0], "say \"hi\"");
	assert_string_equal(t->cell[1][1], "");
	assert_string_equal(t->cell[1][2], "{\"Name\":\"ForwardTo\"}");
	/* Text after a closing quote keeps the cell as written. */
	assert_string_equal(t->cell[2][1], "\"x\"tail");
	assert_string_equal(t->cell[2][2], "3");
	assert_int_equal(t->ncells[2], 3);
	table_free(t);
}

static void test_delims(void **state)
{
	(void)state;
	struct table *t =
	        read_str("semi.csv",
	                 "\"Identity\";\"ForwardTo\";\"Note\"\n"
	                 "alice;\"a@x.example;b@y.example\";\"1,5\"\n",
	                 0);
	assert_int_equal(t->delim, ';');
	assert_int_equal(t->nrows, 1);
	assert_string_equal(t->cell[0][1], "a@x.example;b@y.example");
	assert_string_equal(t->cell[0][2], "1,5");
	table_free(t);
	t = read_str("tab.tsv", "a\tb\tc\n1\t2,3\t\n", 0);
	assert_int_equal(t->delim, '\t');
	assert_int_equal(t->ncells[0], 3);
	assert_string_equal(t->cell[0][1], "2,3");
	assert_string_equal(t->cell[0][2], "");
	table_free(t);
}

static void test_bad_rows(void **state)
{
	(void)state;
	/* A cut quoted cell at the end. */
	struct table *t = read_str("cut.csv",
	                           "a,AuditData\n1,\"{\"\"x\"\":1}\"\n"
	                           "2,\"{\"\"Operation\"\":\"\"New-Inb",
	                           0);
	assert_int_equal(t->nrows, 1);
	assert_int_equal(t->nskip, 1);
	assert_int_equal(t->skip_reason[0], MH_SKIP_TRUNCATED);
	assert_int_equal(t->skip_line[0], 3);
	table_free(t);
	/* An oversized row (max 64 bytes) among good ones, with a quoted
	 * line break inside. */
	char buf[1024];
	char big[300];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(buf, sizeof(buf), "a,b\n1,2\n3,\"%s\n%s\"\n5,6\n", big, big);
	t = read_str("big.csv", buf, 64);
	assert_int_equal(t->nrows, 2);
	assert_int_equal(t->nskip, 1);
	assert_int_equal(t->skip_reason[0], MH_SKIP_OVERSIZED);
	assert_int_equal(t->skip_line[0], 3);
	assert_string_equal(t->cell[1][0], "5");
	assert_int_equal(t->line[1], 5);
	table_free(t);
}

static void test_probe(void **state)
{
	(void)state;
	static const char sentinel[] =
	        "\xef\xbb\xbfTenantId,Application,UserDomain,RecordType\n";
	assert_true(mh_csv_probe(sentinel, sizeof(sentinel) - 1, "x") >= 50);
	assert_true(mh_csv_probe("\"UserName\",\"RuleName\",\"Enabled\"\r\n",
	                         33, "MailboxRules.csv") >= 50);
	static const char typed[] = "#TYPE Deserialized.X\n\"A\",\"B\"\n";
	assert_true(mh_csv_probe(typed, sizeof(typed) - 1, NULL) >= 50);
	assert_int_equal(mh_csv_probe(typed, sizeof(typed) - 3, NULL), 0);
	/* Mail, JSON, prose: not CSV. */
	static const char mail[] = "To: a@b, c@d, e@f\nFrom: x@y\n\nbody\n";
	assert_int_equal(mh_csv_probe(mail, sizeof(mail) - 1, "m.eml"), 0);
	assert_int_equal(mh_csv_probe("{\"a\":1,\"b\":2}\n", 14, "x.csv"), 0);
	assert_int_equal(mh_csv_probe("hello world\n", 12, NULL), 0);
	assert_true(mh_csv_probe("Hello, world, how are you\n", 26, NULL) < 60);
}

/* The real Sentinel export: 266 rows of 131 columns whatever the line
 * ends, with the same cells (only CR LF inside quoted cells differ). */
static void test_sentinel(void **state)
{
	(void)state;
	if (!have_shared("data/audit/sentinel-training/office_activity.csv"))
		skip();
	char p1[4200], p2[4200];
	snprintf(p1, sizeof(p1),
	         "%s/data/audit/sentinel-training/"
	         "office_activity.csv",
	         shared);
	snprintf(p2, sizeof(p2),
	         "%s/data/audit/dcsa-workshop/"
	         "office_activity.csv",
	         shared);
	struct table *a = read_csv(p1, 0), *b = read_csv(p2, 0);
	assert_int_equal(a->ncols, 131);
	assert_int_equal(a->nrows, 266);
	assert_int_equal(b->nrows, 266);
	assert_int_equal(a->nskip + b->nskip, 0);
	for (size_t r = 0; r < 266; r++) {
		assert_int_equal(a->ncells[r], 131);
		assert_int_equal(b->ncells[r], 131);
		assert_int_equal(a->line[r], b->line[r]);
		for (size_t i = 0; i < 131; i++) {
			/* b's cells have CR LF where a's have LF. */
			const char *x = a->cell[r][i], *y = b->cell[r][i];
			while (*x || *y) {
				if (*y == '\r' && y[1] == '\n')
					y++;
				assert_int_equal(*x, *y);
				x++;
				y++;
			}
		}
	}
	assert_string_equal(a->col[6], "Operation");
	assert_string_equal(a->cell[128][6], "New-InboxRule");
	table_free(a);
	table_free(b);
}

/* Doubled quotes undone sixteen bytes at a time and byte by byte: the
 * same answer as the rule (a doubled quote is one, a lone one kept) for
 * quotes at every place around the 16-byte steps. */
static void test_undouble(void **state)
{
	(void)state;
	for (size_t len = 0; len < 48; len++) {
		for (size_t at = 0; at < len; at++) {
			for (int kind = 0; kind < 3; kind++) {
				char in[64], want[64], got[64 + 16];
				memset(in, 'x', len);
				/* kind 0: a doubled quote at at, 1: a lone
				 * one, 2: three quotes */
				size_t q = kind == 0 ? 2 : kind == 1 ? 1 : 3;
				for (size_t j = 0; j < q && at + j < len; j++)
					in[at + j] = '"';
				size_t k = 0;
				for (size_t i = 0; i < len;) {
					char c = in[i++];
					want[k++] = c;
					if (c == '"' && i < len && in[i] == '"')
						i++;
				}
				/* exactly len bytes (ASan sees a read past) */
				char *heap = malloc(len ? len : 1);
				assert_non_null(heap);
				memcpy(heap, in, len);
				size_t n = mh_csv_undouble(heap, len, got);
				free(heap);
				assert_int_equal(n, k);
				assert_memory_equal(got, want, k);
			}
		}
	}
	char out[64];
	assert_int_equal(mh_csv_undouble("{\"\"Id\"\":\"\"a\"\"}", 14, out),
	                 10);
	assert_memory_equal(out, "{\"Id\":\"a\"}", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_delims),
	        cmocka_unit_test(test_bad_rows),
	        cmocka_unit_test(test_probe),
	        cmocka_unit_test(test_sentinel),
	        cmocka_unit_test(test_undouble),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
