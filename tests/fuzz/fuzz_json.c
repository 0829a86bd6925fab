/* Fuzz target: the JSON layer on arbitrary bytes. The framer reads the
 * input from a temporary file (as the reader does, with tail padding) and
 * from memory (records copied); every record is parsed and, when it
 * parses, flattened. Invariants:
 *   - next() returns 1, 0, MH_ESKIP or another negative code a bounded
 *     number of times; records lie inside the input, in order, on
 *     non-decreasing lines; skips carry a known reason;
 *   - the file and memory reads give the same records;
 *   - whatever simdjson accepts, the C flattener walks without an error,
 *     and every member path mh_json_member_text finds is a value;
 *   - JSON Lines split at any byte gives the records of one read (ranges
 *     meet exactly), on the lines of one read once the first range's
 *     line count (mh_jframe_range) is added to the second's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/stream.h"
#include "json/flatten.h"
#include "json/jframe.h"
#include "json/json.h"
#include "fuzz.h"

#define MAXREC 2048

struct run {
	size_t n;
	uint64_t off[MAXREC];
	size_t len[MAXREC];
	unsigned line[MAXREC];
	int mode;
	int counted; /* mh_jframe_range at the end */
	uint64_t first, lines;
	int end_rc;
};

static char path[64];
static int fd = -1;
static struct mh_json *j;
static struct mh_arena arena;

static void write_input(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/mh-fuzz-json.XXXXXX");
		fd = mkstemp(path);
		CHECK(fd >= 0);
	}
	CHECK(ftruncate(fd, 0) == 0);
	size_t done = 0;
	while (done < size) {
		ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
		CHECK(w > 0);
		done += (size_t)w;
	}
}

static void cleanup(void)
{
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	mh_json_free(j);
	mh_arena_release(&arena);
}

static void check_record(const struct mh_jrec *r)
{
	struct mh_jv root;
	struct mh_err err;
	mh_err_clear(&err);
	if (mh_json_parse(j, r->p, r->n, &root, &err) != MH_OK) {
		CHECK(err.reason == MH_SKIP_MALFORMED ||
		      err.reason == MH_SKIP_TRUNCATED);
		return;
	}
	struct mh_flat fl;
	mh_arena_reset(&arena);
	mh_flat_init(&fl, &arena, 4096);
	enum mh_jtype t = mh_jv_type(root);
	if (t == MH_JOBJ || t == MH_JARR) {
		int rc = mh_flat_json(&fl, r->p, r->n, MH_SLICE_LIT("p"));
		CHECK(rc == MH_OK || rc == MH_ETOOBIG);
		for (size_t i = 0; i < fl.n; i++)
			CHECK(fl.v[i].name.n >= 1);
	}
	mh_flat_release(&fl);
	if (t == MH_JOBJ) {
		/* Every top-level member is found by its (escape-free)
		 * name. */
		struct mh_jmember m[16];
		size_t n = mh_jv_members(root, m, 16);
		for (size_t i = 0; i < n && i < 16; i++) {
			char key[65];
			if (m[i].key.n == 0 || m[i].key.n > 64 ||
			    memchr(m[i].key.p, '\\', m[i].key.n) ||
			    memchr(m[i].key.p, '"', m[i].key.n) ||
			    memchr(m[i].key.p, '\0', m[i].key.n))
				continue;
			memcpy(key, m[i].key.p, m[i].key.n);
			key[m[i].key.n] = '\0';
			const char *p[1] = {key};
			struct mh_slice out;
			int rc = mh_json_member_text(r->p, r->n, p, 1, &out);
			CHECK(rc == MH_OK || rc == MH_ENOTFOUND);
			if (rc == MH_OK)
				CHECK(out.p >= r->p &&
				      out.p + out.n <= r->p + r->n);
		}
	}
}

static void frame(struct mh_stream *s, size_t size, uint64_t lo, uint64_t hi,
                  int deep, struct run *out)
{
	struct mh_jframe *f = NULL;
	struct mh_err err;
	struct mh_jframe_opts o = {deep ? 0 : 96, lo, hi};
	mh_err_clear(&err);
	out->n = 0;
	out->end_rc = 0;
	int rc = mh_jframe_open(&f, s, &o, &err);
	if (rc != MH_OK) {
		out->end_rc = rc;
		return;
	}
	out->mode = mh_jframe_mode(f);
	uint64_t last = 0;
	unsigned last_line = 0;
	for (size_t calls = 0;; calls++) {
		CHECK(calls <= 2 * size + 4);
		struct mh_jrec r;
		mh_err_clear(&err);
		rc = mh_jframe_next(f, &r, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			CHECK(err.reason > MH_SKIP_NONE &&
			      err.reason < MH_SKIP__COUNT);
			CHECK(err.offset <= size);
			continue;
		}
		if (rc < 0) {
			out->end_rc = rc;
			break;
		}
		CHECK(rc == 1);
		CHECK(r.offset + r.n <= size);
		CHECK(out->n == 0 || r.offset > last);
		CHECK(r.line == 0 || r.line >= last_line);
		CHECK(r.n >= 1 && r.p[0] == '{');
		last = r.offset;
		last_line = r.line;
		if (deep)
			check_record(&r);
		if (out->n < MAXREC) {
			out->off[out->n] = r.offset;
			out->len[out->n] = r.n;
			out->line[out->n] = r.line;
		}
		out->n++;
	}
	out->counted = mh_jframe_range(f, &out->first, &out->lines);
	/* A range's records start at or past its first line. */
	CHECK(out->n == 0 || out->first <= out->off[0]);
	mh_jframe_free(f);
}

static int same(const struct run *a, const struct run *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n && i < MAXREC; i++)
		if (a->off[i] != b->off[i] || a->len[i] != b->len[i])
			return 0;
	return 1;
}

static struct run whole, mem, part1, part2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		ready = 1;
		CHECK(mh_json_new(&j) == MH_OK);
		mh_arena_init(&arena, 1 << 16, 64 << 20);
		atexit(cleanup);
	}
	(void)mh_jframe_looks_json((const char *)data, size);
	write_input(data, size);
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	CHECK(mh_stream_open(&s, path, (size_t)1 << 20, &err) == MH_OK);
	frame(s, size, 0, UINT64_MAX, 1, &whole);
	mh_stream_close(s);
	if (whole.end_rc)
		return 0;
	/* From memory: copied records, the same framing (a file with the
	 * gzip magic is inflated, memory is not). */
	if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
		CHECK(mh_stream_open_mem(&s, (const char *)data, size, "m") ==
		      MH_OK);
		frame(s, size, 0, UINT64_MAX, 1, &mem);
		mh_stream_close(s);
		CHECK(same(&whole, &mem));
	}
	/* Ranges of JSON Lines meet exactly; other modes read whole from
	 * the range at 0. */
	if (size > 2 && whole.mode == MH_JF_LINES) {
		uint64_t cut =
		        1 + (data[0] * 257u + data[size - 1]) % (size - 1);
		CHECK(mh_stream_open(&s, path, (size_t)1 << 20, &err) == MH_OK);
		frame(s, size, 0, cut, 0, &part1);
		mh_stream_close(s);
		CHECK(mh_stream_open(&s, path, (size_t)1 << 20, &err) == MH_OK);
		frame(s, size, cut, UINT64_MAX, 0, &part2);
		mh_stream_close(s);
		struct run small;
		CHECK(mh_stream_open(&s, path, (size_t)1 << 20, &err) == MH_OK);
		frame(s, size, 0, UINT64_MAX, 0, &small);
		mh_stream_close(s);
		if (!part1.end_rc && !part2.end_rc && !small.end_rc) {
			CHECK(part1.n + part2.n == small.n);
			for (size_t i = 0;
			     i < part2.n && i < MAXREC && part1.n + i < MAXREC;
			     i++)
				CHECK(part2.off[i] == small.off[part1.n + i]);
			CHECK(part1.counted);
			for (size_t i = 0;
			     i < part2.n && i < MAXREC && part1.n + i < MAXREC;
			     i++)
				CHECK(part2.line[i] + part1.lines ==
				      small.line[part1.n + i]);
		}
	}
	return 0;
}
