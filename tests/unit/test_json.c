/* Unit tests for the JSON layer: the record framer (jframe.h) on every
 * shape it accepts (JSON Lines, concatenated and pretty-printed values,
 * top-level arrays, API envelopes, BOM, gzip, byte ranges), its bad-input
 * handling (garbage, non-object elements, oversized and truncated
 * records), and the parser API (json.h) over simdjson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/err.h"
#include "core/stream.h"
#include "json/jframe.h"
#include "json/json.h"

#define TESTDIR_NAME "mh-test-json"
#include "testdir.h"

#define MAXR 512

/* What framing a file gave: each record's text, offset, line, flags, and
 * each skip's reason and line. */
struct got {
	size_t n;
	char *text[MAXR];
	uint64_t off[MAXR];
	unsigned line[MAXR];
	unsigned flags[MAXR];
	int at_eof[MAXR];
	size_t nskip;
	int skip_reason[MAXR];
	unsigned skip_line[MAXR];
	uint64_t skip_off[MAXR];
	char skip_msg[MAXR][256];
	int end_rc;
	int counted; /* mh_jframe_range at the end */
	uint64_t first, lines;
	int mode;
};

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n && i < MAXR; i++)
		free(g->text[i]);
	memset(g, 0, sizeof(*g));
}

static void frame_stream(struct mh_stream *s, const struct mh_jframe_opts *o,
                         struct got *g)
{
	struct mh_jframe *f = NULL;
	struct mh_err err;
	memset(g, 0, sizeof(*g));
	mh_err_clear(&err);
	assert_int_equal(mh_jframe_open(&f, s, o, &err), MH_OK);
	g->mode = mh_jframe_mode(f);
	for (int calls = 0; calls < 10000; calls++) {
		struct mh_jrec r;
		mh_err_clear(&err);
		int rc = mh_jframe_next(f, &r, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			if (g->nskip < MAXR) {
				g->skip_reason[g->nskip] = err.reason;
				g->skip_line[g->nskip] = err.line;
				g->skip_off[g->nskip] = err.offset;
				snprintf(g->skip_msg[g->nskip], 256, "%s",
				         err.msg);
			}
			g->nskip++;
			continue;
		}
		if (rc < 0) {
			g->end_rc = rc;
			break;
		}
		assert_int_equal(rc, 1);
		if (g->n < MAXR) {
			g->text[g->n] = strndup(r.p, r.n);
			g->off[g->n] = r.offset;
			g->line[g->n] = r.line;
			g->flags[g->n] = r.flags;
			g->at_eof[g->n] = r.at_eof;
		}
		g->n++;
	}
	g->counted = mh_jframe_range(f, &g->first, &g->lines);
	mh_jframe_free(f);
}

static void frame_file(const char *path, const struct mh_jframe_opts *o,
                       struct got *g)
{
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open(&s, path, (size_t)64 << 20, &err),
	                 MH_OK);
	frame_stream(s, o, g);
	mh_stream_close(s);
}

static void frame_str(const char *name, const char *content, struct got *g)
{
	const char *path = tpath(name);
	testdir_write(path, content, strlen(content), "wb");
	frame_file(path, NULL, g);
}

/* MARK: - shapes */

static void test_jsonl(void **state)
{
	(void)state;
	struct got g;
	frame_str("a.jsonl",
	          "{\"a\":1}\n\n{\"b\":\"x\\ny\"}\r\n  {\"c\":[1,2]}  \n", &g);
	assert_int_equal(g.mode, MH_JF_LINES);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.nskip, 0);
	assert_string_equal(g.text[0], "{\"a\":1}");
	assert_string_equal(g.text[1], "{\"b\":\"x\\ny\"}");
	assert_string_equal(g.text[2], "{\"c\":[1,2]}");
	assert_int_equal(g.off[0], 0);
	assert_int_equal(g.off[1], 9);
	assert_int_equal(g.off[2], 25);
	assert_int_equal(g.line[0], 1);
	assert_int_equal(g.line[1], 3);
	assert_int_equal(g.line[2], 4);
	assert_int_equal(g.flags[0], 0);
	got_free(&g);
}

static void test_bom(void **state)
{
	(void)state;
	struct got g;
	frame_str("bom.jsonl", "\xef\xbb\xbf{\"a\":1}\n{\"a\":2}\n", &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "{\"a\":1}");
	assert_int_equal(g.off[0], 3);
	assert_int_equal(g.line[1], 2);
	got_free(&g);
}

static void test_concatenated(void **state)
{
	(void)state;
	struct got g;
	frame_str("cat.json", "{\"a\":\"}{\"}{\"b\":{\"c\":[]}}{}", &g);
	assert_int_equal(g.mode, MH_JF_STRUCT);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.text[0], "{\"a\":\"}{\"}");
	assert_string_equal(g.text[1], "{\"b\":{\"c\":[]}}");
	assert_string_equal(g.text[2], "{}");
	got_free(&g);
}

static void test_pretty(void **state)
{
	(void)state;
	struct got g;
	frame_str("pretty.json",
	          "{\n  \"a\": 1,\n  \"s\": \"q\\\"{\"\n}\n{\n  \"b\": [\n    "
	          "{}\n  ]\n}\n",
	          &g);
	assert_int_equal(g.mode, MH_JF_STRUCT);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.line[0], 1);
	assert_int_equal(g.line[1], 5);
	assert_string_equal(g.text[1], "{\n  \"b\": [\n    {}\n  ]\n}");
	got_free(&g);
}

/* PowerShell 5.1 ConvertTo-Json of a list: CRLF, four-space indent. */
static void test_array_crlf(void **state)
{
	(void)state;
	struct got g;
	frame_str("ps.json",
	          "[\r\n    {\r\n        \"Name\":  \"r1\",\r\n        "
	          "\"ForwardTo\":  null\r\n    },\r\n    {\r\n        "
	          "\"Name\":  \"r2\"\r\n    }\r\n]\r\n",
	          &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.line[0], 2);
	assert_int_equal(g.line[1], 6);
	assert_int_equal(g.flags[0], MH_JREC_IN_ARRAY);
	assert_non_null(strstr(g.text[1], "\"r2\""));
	got_free(&g);
}

static void test_arrays_in_a_row(void **state)
{
	(void)state;
	struct got g;
	frame_str("blobs.json", "[{\"a\":1},{\"a\":2}][{\"a\":3}]\n[]\n[{}]",
	          &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.text[2], "{\"a\":3}");
	got_free(&g);
}

static void test_envelopes(void **state)
{
	(void)state;
	struct got g;
	/* Reports API page, pretty. */
	frame_str("rep.json",
	          "{\n \"kind\": \"admin#reports#activities\",\n \"etag\": "
	          "\"\\\"x\\\"\",\n \"items\": [\n  {\"kind\": "
	          "\"admin#reports#activity\", \"id\": {\"time\": \"t\"}},\n  "
	          "{\"kind\": \"admin#reports#activity\"}\n ],\n "
	          "\"nextPageToken\": \"abc\"\n}\n",
	          &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.flags[0], MH_JREC_IN_ENVELOPE);
	assert_int_equal(g.line[1], 6);
	assert_non_null(strstr(g.text[0], "\"id\""));
	got_free(&g);

	/* Graph, one page per line (JSON Lines of envelopes), and an empty
	 * page. */
	frame_str("graph.jsonl",
	          "{\"@odata.context\":\"x\",\"value\":[{\"id\":\"1\"},{\"id\":"
	          "\"2\"}],\"@odata.nextLink\":\"y\"}\n"
	          "{\"@odata.context\":\"x\",\"value\":[]}\n"
	          "{\"@odata.context\":\"x\"}\n"
	          "{\"value\":[{\"id\":\"3\"}]}\n",
	          &g);
	assert_int_equal(g.mode, MH_JF_LINES);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.nskip, 0);
	assert_string_equal(g.text[2], "{\"id\":\"3\"}");
	assert_int_equal(g.line[2], 4);
	got_free(&g);

	/* Event Hubs / Defender streaming. */
	frame_str("eh.json", "{\"records\": [{\"a\":1}, {\"a\":2}]}", &g);
	assert_int_equal(g.n, 2);
	got_free(&g);

	/* Not envelopes: a record key before "items", "items" not an
	 * array, metadata only without a marker. */
	frame_str("not.jsonl",
	          "{\"id\":1,\"items\":[{\"x\":1}]}\n{\"items\":\"none\"}\n"
	          "{\"etag\":\"e\"}\n",
	          &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.text[0], "{\"id\":1,\"items\":[{\"x\":1}]}");
	got_free(&g);
}

/* MARK: - bad input */

static void test_garbage(void **state)
{
	(void)state;
	struct got g;
	frame_str("bad.jsonl",
	          "{\"a\":1}\nnot json at all\n  more junk\n{\"a\":2}\n"
	          "]\n{\"a\":3}\n",
	          &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.nskip, 2);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_int_equal(g.skip_line[0], 2);
	assert_int_equal(g.skip_off[0], 8);
	assert_int_equal(g.skip_line[1], 5);
	assert_int_equal(g.line[1], 4);
	assert_int_equal(g.line[2], 6);
	got_free(&g);

	/* Scalars in an array. */
	frame_str("scalars.json", "[1, \"s\", {\"a\":1}, null, [[]]]", &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 3);
	assert_non_null(strstr(g.skip_msg[0], "not an object"));
	got_free(&g);
}

static void test_oversized(void **state)
{
	(void)state;
	struct got g;
	struct mh_jframe_opts o = {64, 0, UINT64_MAX};
	char big[400];
	memset(big, 'x', sizeof(big));
	char buf[1200];
	/* JSON Lines: the long line is dropped, its neighbours read. */
	snprintf(buf, sizeof(buf), "{\"a\":1}\n{\"b\":\"%.*s\"}\n{\"a\":2}\n",
	         (int)sizeof(big), big);
	const char *p1 = tpath("big.jsonl");
	testdir_write(p1, buf, strlen(buf), "wb");
	frame_file(p1, &o, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_OVERSIZED);
	assert_int_equal(g.skip_line[0], 2);
	assert_int_equal(g.line[1], 3);
	got_free(&g);
	/* Structure: the same inside an array, over several windows. */
	snprintf(buf, sizeof(buf), "[{\"a\":1},\n{\"b\":[\"%.*s\", {}]},\n{}]",
	         (int)sizeof(big), big);
	const char *p2 = tpath("big.json");
	testdir_write(p2, buf, strlen(buf), "wb");
	frame_file(p2, &o, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_OVERSIZED);
	assert_int_equal(g.skip_line[0], 2);
	assert_string_equal(g.text[1], "{}");
	assert_int_equal(g.line[1], 3);
	got_free(&g);
}

static void test_truncated(void **state)
{
	(void)state;
	struct got g;
	frame_str("cut.json", "[{\"a\":1},{\"b\":\"unfinished", &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_TRUNCATED);
	got_free(&g);
	/* JSON Lines: the last line is handed out, marked at_eof. */
	frame_str("cut.jsonl", "{\"a\":1}\n{\"b\":\"unfin", &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.at_eof[0], 0);
	assert_int_equal(g.at_eof[1], 1);
	got_free(&g);
}

static void test_gzip_and_ranges(void **state)
{
	(void)state;
	/* 300 lines of varying length, gzip and plain. */
	size_t cap = 64 << 10, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(
		        buf + n, cap - n, "{\"i\":%d,\"pad\":\"%.*s\"}\n", i,
		        i % 37, "abcdefghijklmnopqrstuvwxyz0123456789xyz");
	const char *gz = tpath("r.jsonl.gz");
	gzFile z = gzopen(gz, "wb");
	assert_non_null(z);
	assert_int_equal(gzwrite(z, buf, (unsigned)n), (int)n);
	gzclose(z);
	struct got g;
	frame_file(gz, NULL, &g);
	assert_int_equal(g.n, 300);
	assert_int_equal(g.line[299], 300);
	got_free(&g);

	const char *plain = tpath("r.jsonl");
	testdir_write(plain, buf, n, "wb");
	/* Ranges at every 97th byte meet exactly: each record once, in
	 * order; lines counted from each range's first line, the lines of
	 * the ranges before added give the file's. */
	size_t total = 0;
	uint64_t last = 0, lines_before = 0;
	for (uint64_t lo = 0; lo < n; lo += 97) {
		struct mh_jframe_opts o = {0, lo,
		                           lo + 97 >= n ? UINT64_MAX : lo + 97};
		frame_file(plain, &o, &g);
		assert_true(g.counted);
		for (size_t i = 0; i < g.n; i++) {
			assert_true(total == 0 || g.off[i] > last);
			assert_true(g.off[i] >= lo);
			assert_true(g.off[i] >= g.first);
			assert_true(g.off[i] == 0 || buf[g.off[i] - 1] == '\n');
			assert_int_equal(g.line[i] + lines_before, total + 1);
			last = g.off[i];
			total++;
		}
		/* One record per line: a range holds as many lines. */
		if (o.range_end != UINT64_MAX)
			assert_int_equal(g.lines, g.n);
		lines_before += g.lines;
		got_free(&g);
	}
	assert_int_equal(total, 300);
	free(buf);

	/* A range of a pretty-printed file: only the one at 0 reads, all. */
	const char *pp = tpath("p.json");
	testdir_write(pp, "[\n{\"a\":1},\n{\"a\":2}\n]\n", 20, "wb");
	struct mh_jframe_opts o0 = {0, 0, 8}, o1 = {0, 8, UINT64_MAX};
	frame_file(pp, &o0, &g);
	assert_int_equal(g.n, 2);
	got_free(&g);
	frame_file(pp, &o1, &g);
	assert_int_equal(g.n, 0);
	got_free(&g);
}

/* Every kind of skip lies across some range boundary when a small file is
 * split into ranges of every size: read range by range, the file gives
 * the records and skips (reasons, offsets) of one read, each once, and
 * the ranges' counts number the records as one read does. Runs of lines
 * that are not JSON are one skip each however the ranges cut them (the
 * range holding the run's start counts it). */
static void test_range_skips(void **state)
{
	(void)state;
	static const char text[] =
	        "\xef\xbb\xbf{\"a\":1}\n"
	        "not json\n\n  more junk\r\n\n\t \n"
	        "{\"b\":2}\n\n\n   \r\n{\"c\":3}\n"
	        "junk1\njunk2\n   \n"
	        "{\"d\":4,\"x\":\"a line longer than the forty-byte limit\"}\n"
	        "\xef\xbb\xbf{\"e\":5}\n"
	        "[{\"f\":6},7,{\"g\":8}]\n"
	        "{\"h\":9}\n"
	        "  \r\n   junk\n\n{\"i\":10}\n"
	        "{\"trunc\":";
	const size_t n = sizeof(text) - 1;
	const char *path = tpath("skips.jsonl");
	testdir_write(path, text, n, "wb");
	struct mh_jframe_opts one = {40, 0, UINT64_MAX};
	struct got all;
	frame_file(path, &one, &all);
	assert_int_equal(all.mode, MH_JF_LINES);
	/* a b c e(after its run) f g h i trunc; e is in the BOM's run. */
	assert_int_equal(all.n, 8);
	/* Runs: "not json.." "junk1.." the BOM line, "   junk", the
	 * oversized line, the 7 in the array. */
	assert_int_equal(all.nskip, 6);
	for (size_t c = 1; c <= n; c++) {
		size_t nrec = 0, nskip = 0;
		uint64_t lines_before = 0;
		for (uint64_t lo = 0; lo < n; lo += c) {
			struct mh_jframe_opts o = {
			        40, lo, lo + c >= n ? UINT64_MAX : lo + c};
			struct got g;
			frame_file(path, &o, &g);
			assert_true(g.counted);
			for (size_t i = 0; i < g.n; i++, nrec++) {
				assert_true(nrec < all.n);
				assert_int_equal(g.off[i], all.off[nrec]);
				assert_int_equal(g.line[i] + lines_before,
				                 all.line[nrec]);
			}
			for (size_t i = 0; i < g.nskip; i++, nskip++) {
				assert_true(nskip < all.nskip);
				assert_int_equal(g.skip_off[i],
				                 all.skip_off[nskip]);
				assert_int_equal(g.skip_reason[i],
				                 all.skip_reason[nskip]);
			}
			lines_before += g.lines;
			got_free(&g);
		}
		assert_int_equal(nrec, all.n);
		assert_int_equal(nskip, all.nskip);
	}
	got_free(&all);
}

/* A memory stream has no room after its block: records are copied. */
static void test_memory_stream(void **state)
{
	(void)state;
	static const char text[] = "{\"k\":\"v\"}\n{\"k\":2}";
	struct mh_stream *s = NULL;
	assert_int_equal(mh_stream_open_mem(&s, text, sizeof(text) - 1, "mem"),
	                 MH_OK);
	struct mh_jframe *f = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_jframe_open(&f, s, NULL, &err), MH_OK);
	struct mh_json *j = NULL;
	assert_int_equal(mh_json_new(&j), MH_OK);
	struct mh_jrec r;
	int n = 0;
	while (mh_jframe_next(f, &r, &err) == 1) {
		assert_true(r.p < text || r.p >= text + sizeof(text));
		struct mh_jv root;
		assert_int_equal(mh_json_parse(j, r.p, r.n, &root, &err),
		                 MH_OK);
		assert_int_equal(mh_jv_type(mh_jv_get(root, "K")),
		                 n ? MH_JINT : MH_JSTR);
		n++;
	}
	assert_int_equal(n, 2);
	mh_json_free(j);
	mh_jframe_free(f);
	mh_stream_close(s);
}

/* Frame text (a memory stream: the window is all of it) and check what
 * mh_jframe_after gives after each record: want[k] after record k. */
static void after_each(const char *text, const char *const *want, int nwant)
{
	struct mh_stream *s = NULL;
	assert_int_equal(mh_stream_open_mem(&s, text, strlen(text), "mem"),
	                 MH_OK);
	struct mh_jframe *f = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_jframe_open(&f, s, NULL, &err), MH_OK);
	struct mh_jrec r;
	const char *p;
	size_t n;
	mh_jframe_after(f, &p, &n);
	assert_int_equal(n, 0);
	int k = 0;
	while (mh_jframe_next(f, &r, &err) == 1) {
		assert_true(k < nwant);
		mh_jframe_after(f, &p, &n);
		assert_int_equal(n, strlen(want[k]));
		assert_memory_equal(p, want[k], n);
		k++;
	}
	assert_int_equal(k, nwant);
	mh_jframe_after(f, &p, &n);
	assert_int_equal(n, 0);
	mh_jframe_free(f);
	mh_stream_close(s);
}

/* mh_jframe_after: after each JSON line what the window holds (the rest
 * of the input here), nothing after the line the input ends in; nothing
 * when records are found by structure. */
static void test_after(void **state)
{
	(void)state;
	static const char *const lines[] = {
	        "{\"b\":2}\r\n\n{\"c\":3}",
	        "\n{\"c\":3}",
	        "",
	};
	after_each("{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}", lines, 3);
	static const char *const pretty[] = {"", ""};
	after_each("{\n  \"a\": 1\n}\n{\"b\":2}\n", pretty, 2);
}

/* MARK: - parser */

static struct mh_jv parse(struct mh_json *j, const char *s)
{
	struct mh_jv root;
	struct mh_err err;
	mh_err_clear(&err);
	int rc = mh_json_parse_copy(j, s, strlen(s), &root, &err);
	if (rc != MH_OK)
		fail_msg("parse '%s': %s", s, err.msg);
	return root;
}

static void test_parse_values(void **state)
{
	(void)state;
	struct mh_json *j = NULL;
	assert_int_equal(mh_json_new(&j), MH_OK);
	struct mh_jv r =
	        parse(j, "{\"S\":\"a\\u00e9\\ud83d\\ude00\\u0000b\","
	                 "\"i\":-5,\"u\":18446744073709551615,"
	                 "\"d\":1.5,\"t\":true,\"n\":null,"
	                 "\"a\":[1,{\"x\":2}],\"o\":{},\"s\":\"dup\"}");
	assert_int_equal(mh_jv_type(r), MH_JOBJ);
	assert_int_equal(mh_jv_count(r), 9);
	struct mh_slice s = mh_jv_str(mh_jv_get(r, "s"));
	/* First match, whatever the case. */
	assert_int_equal(s.n, 9);
	assert_memory_equal(s.p, "a\xc3\xa9\xf0\x9f\x98\x80\0b", 9);
	int64_t i = 0;
	assert_int_equal(mh_jv_i64(mh_jv_get(r, "i"), &i), MH_OK);
	assert_int_equal(i, -5);
	assert_int_equal(mh_jv_type(mh_jv_get(r, "u")), MH_JUINT);
	assert_int_equal(mh_jv_i64(mh_jv_get(r, "u"), &i), MH_EFORMAT);
	char buf[32];
	struct mh_slice t = mh_jv_text(mh_jv_get(r, "u"), buf);
	assert_int_equal(t.n, 20);
	t = mh_jv_text(mh_jv_get(r, "d"), buf);
	assert_int_equal(t.n, 3);
	assert_memory_equal(t.p, "1.5", 3);
	t = mh_jv_text(mh_jv_get(r, "t"), buf);
	assert_memory_equal(t.p, "true", 4);
	assert_null(mh_jv_text(mh_jv_get(r, "n"), buf).p);
	assert_int_equal(mh_jv_type(mh_jv_get(r, "n")), MH_JNULL);
	assert_int_equal(mh_jv_type(mh_jv_get(r, "missing")), MH_JNONE);
	int b = 0;
	assert_int_equal(mh_jv_bool(mh_jv_get(r, "t"), &b), MH_OK);
	assert_int_equal(b, 1);

	struct mh_jit it;
	struct mh_jv v;
	struct mh_slice k;
	assert_int_equal(mh_jv_iter(mh_jv_get(r, "a"), &it), MH_OK);
	assert_int_equal(mh_jit_next(&it, &k, &v), 1);
	assert_null(k.p);
	assert_int_equal(mh_jv_type(v), MH_JINT);
	assert_int_equal(mh_jit_next(&it, &k, &v), 1);
	assert_int_equal(mh_jv_i64(mh_jv_get(v, "X"), &i), MH_OK);
	assert_int_equal(i, 2);
	assert_int_equal(mh_jit_next(&it, &k, &v), 0);
	assert_int_equal(mh_jv_iter(mh_jv_get(r, "o"), &it), MH_OK);
	assert_int_equal(mh_jit_next(&it, &k, &v), 0);
	assert_int_equal(mh_jv_iter(mh_jv_get(r, "i"), &it), MH_EFORMAT);
	assert_int_equal(mh_jit_next(&it, &k, &v), 0);
	mh_json_free(j);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct mh_json *j = NULL;
	assert_int_equal(mh_json_new(&j), MH_OK);
	struct mh_jv r;
	struct mh_err err;
	static const struct {
		const char *in;
		const char *msg;
		int incomplete;
	} cases[] = {
	        {"{\"a\":1,}", "out of place", 0},
	        {"{\"a\":\"b", "unclosed string", 1},
	        {"{\"a\":[1,2", "", 1},
	        {"{\"a\":tru}", "literal", 0},
	        {"{\"a\":\"\xff\"}", "invalid UTF-8", 0},
	        {"{\"a\":\"x\ty\"}", "control character", 0},
	        {"{\"a\":1}{\"b\":2}", "", 0},
	        {"", "no JSON value", 0},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		mh_err_clear(&err);
		assert_int_equal(mh_json_parse_copy(j, cases[c].in,
		                                    strlen(cases[c].in), &r,
		                                    &err),
		                 MH_EFORMAT);
		if (!strstr(err.msg, cases[c].msg))
			fail_msg("'%s': '%s'", cases[c].in, err.msg);
		assert_int_equal(mh_json_err_incomplete(j),
		                 cases[c].incomplete);
		assert_int_equal(err.reason, cases[c].incomplete
		                                     ? MH_SKIP_TRUNCATED
		                                     : MH_SKIP_MALFORMED);
	}
	/* Nesting: 128 levels parse, 129 and 10,000 do not. */
	for (size_t depth = 127; depth <= 10000;
	     depth = depth == 127 ? 128 : 10000) {
		size_t n = 2 * depth + 2;
		char *s = malloc(n + 1);
		assert_non_null(s);
		s[0] = '{';
		s[1] = 0;
		memset(s, '[', depth);
		memset(s + depth, ']', depth);
		s[2 * depth] = 0;
		/* {"a": [[...]]} has depth + 1 levels. */
		char *w = malloc(n + 8);
		assert_non_null(w);
		snprintf(w, n + 8, "{\"a\":%s}", s);
		mh_err_clear(&err);
		int rc = mh_json_parse_copy(j, w, strlen(w), &r, &err);
		if (depth == 127)
			assert_int_equal(rc, MH_OK);
		else
			assert_non_null(strstr(err.msg, "nesting deeper"));
		free(w);
		free(s);
		if (depth == 10000)
			break;
	}
	mh_json_trim(j);
	r = parse(j, "{\"still\":\"works\"}");
	assert_int_equal(mh_jv_type(mh_jv_get(r, "still")), MH_JSTR);
	mh_json_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_jsonl),
	        cmocka_unit_test(test_bom),
	        cmocka_unit_test(test_concatenated),
	        cmocka_unit_test(test_pretty),
	        cmocka_unit_test(test_array_crlf),
	        cmocka_unit_test(test_arrays_in_a_row),
	        cmocka_unit_test(test_envelopes),
	        cmocka_unit_test(test_garbage),
	        cmocka_unit_test(test_oversized),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_gzip_and_ranges),
	        cmocka_unit_test(test_range_skips),
	        cmocka_unit_test(test_memory_stream),
	        cmocka_unit_test(test_after),
	        cmocka_unit_test(test_parse_values),
	        cmocka_unit_test(test_parse_errors),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
