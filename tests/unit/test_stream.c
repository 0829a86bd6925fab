/* Unit tests for core/stream.h: windowed reading of plain files, gzip
 * (multi-member, truncated, trailing garbage, corrupt) and memory blocks;
 * peek/advance/tell/eof/all_buffered/seek and the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/err.h"
#include "core/stream.h"

#define TESTDIR_NAME "mh-test-stream"
#include "testdir.h"

static void put(const char *path, const void *p, size_t n, const char *mode)
{
	testdir_write(path, p, n, mode);
}

/* One gzip member holding p[0..n), appended to path when append. */
static void put_gz(const char *path, const void *p, size_t n, int append)
{
	gzFile g = gzopen(path, append ? "ab" : "wb");
	assert_non_null(g);
	if (n)
		assert_int_equal(gzwrite(g, p, (unsigned)n), (int)n);
	assert_int_equal(gzclose(g), Z_OK);
}

/* Deterministic, hard to compress, no two windows alike. */
static char *pattern(size_t n)
{
	char *b = malloc(n ? n : 1);
	assert_non_null(b);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (char)(x & 0xff);
	}
	return b;
}

static uint64_t fsize(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* Read s from its position to the end with varying peek and advance
 * sizes, comparing against want[off..n). */
static void read_compare(struct mh_stream *s, const char *want, size_t n,
                         size_t max_peek)
{
	struct mh_err err;
	size_t step = 0;
	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t off = mh_stream_tell(s);
		size_t ask = 1 + (step * 7919) % max_peek;
		const char *p;
		size_t avail;
		mh_err_clear(&err);
		assert_int_equal(mh_stream_peek(s, ask, &p, &avail, &err),
		                 MH_OK);
		assert_true(off + avail <= n);
		if (avail < ask) /* fewer only at the end */
			assert_int_equal(off + avail, n);
		if (avail == 0) {
			assert_true(mh_stream_eof(s));
			assert_int_equal(off, n);
			return;
		}
		assert_memory_equal(p, want + off, avail);
		size_t adv = (step % 3 == 0) ? avail : avail / 2 + 1;
		mh_stream_advance(s, adv);
		assert_int_equal(mh_stream_tell(s), off + adv);
		step++;
	}
	fail_msg("no end of input");
}

static void test_plain_basics(void **state)
{
	(void)state;
	size_t n = 10000;
	char *b = pattern(n);
	const char *path = tpath("plain.bin");
	put(path, b, n, "wb");
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open(&s, path, (size_t)64 << 10, &err),
	                 MH_OK);
	assert_false(mh_stream_is_gzip(s));
	assert_string_equal(mh_stream_name(s), path);
	uint64_t sz = 0;
	assert_int_equal(mh_stream_file_size(s, &sz, &err), MH_OK);
	assert_int_equal(sz, n);
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_peek(s, 100, &p, &avail, &err), MH_OK);
	assert_true(avail >= 100);
	assert_memory_equal(p, b, 100);
	assert_int_equal(mh_stream_tell(s), 0);
	mh_stream_advance(s, 50);
	assert_int_equal(mh_stream_tell(s), 50);
	assert_false(mh_stream_eof(s));
	/* Everything that is left. */
	assert_int_equal(mh_stream_peek(s, n, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, n - 50);
	assert_memory_equal(p, b + 50, n - 50);
	assert_true(mh_stream_all_buffered(s));
	assert_false(mh_stream_eof(s));
	/* advance clamps to what is buffered. */
	mh_stream_advance(s, n * 2);
	assert_int_equal(mh_stream_tell(s), n);
	assert_true(mh_stream_eof(s));
	assert_int_equal(mh_stream_peek(s, 1, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 0);

	/* Seek inside the buffer, then back to the start. */
	assert_int_equal(mh_stream_seek(s, 1234, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), 1234);
	assert_false(mh_stream_eof(s));
	assert_int_equal(mh_stream_peek(s, 10, &p, &avail, &err), MH_OK);
	assert_memory_equal(p, b + 1234, 10);
	assert_int_equal(mh_stream_seek(s, 0, &err), MH_OK);
	read_compare(s, b, n, 3000);
	mh_stream_close(s);
	mh_stream_close(NULL);
	free(b);
}

/* A seek outside the buffer on a small-cap stream goes to the file. */
static void test_plain_seek(void **state)
{
	(void)state;
	size_t n = (size_t)300 << 10;
	char *b = pattern(n);
	const char *path = tpath("seek.bin");
	put(path, b, n, "wb");
	struct mh_stream *s = NULL;
	struct mh_err err;
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_open_sized(&s, path, 4096, 8192, &err),
	                 MH_OK);
	assert_int_equal(mh_stream_seek(s, 200000, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), 200000);
	assert_int_equal(mh_stream_peek(s, 8192, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 8192);
	assert_memory_equal(p, b + 200000, 8192);
	/* Backwards. */
	assert_int_equal(mh_stream_seek(s, 17, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 100, &p, &avail, &err), MH_OK);
	assert_memory_equal(p, b + 17, 100);
	/* Past the end: at the end, not beyond it. */
	assert_int_equal(mh_stream_seek(s, n + 5000, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 10, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 0);
	assert_int_equal(mh_stream_tell(s), n);
	assert_true(mh_stream_eof(s));
	/* Even an offset no off_t can hold. */
	assert_int_equal(mh_stream_seek(s, 3, &err), MH_OK);
	assert_int_equal(mh_stream_seek(s, UINT64_MAX, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), n);
	mh_stream_close(s);
	free(b);
}

static void test_cap(void **state)
{
	(void)state;
	size_t n = (size_t)3 << 20, cap = (size_t)64 << 10;
	char *b = pattern(n);
	const char *path = tpath("big.bin");
	put(path, b, n, "wb");
	struct mh_stream *s = NULL;
	struct mh_err err;
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_open(&s, path, cap, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 100, &p, &avail, &err), MH_OK);
	/* The first buffer is the cap, not the 4 MiB default. */
	assert_true(avail <= cap);
	mh_stream_advance(s, 10);
	mh_err_clear(&err);
	assert_int_equal(mh_stream_peek(s, cap + 1, &p, &avail, &err),
	                 MH_ETOOBIG);
	assert_int_equal(err.code, MH_ETOOBIG);
	assert_int_equal(err.reason, MH_SKIP_OVERSIZED);
	assert_int_equal(err.offset, 10);
	/* What is buffered is still described. */
	assert_true(avail > 0 && avail <= cap);
	assert_memory_equal(p, b + 10, avail);
	/* Not sticky: a smaller peek works. */
	assert_int_equal(mh_stream_peek(s, cap, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, cap);
	assert_memory_equal(p, b + 10, cap);
	/* The whole file in pieces up to the cap, byte for byte. */
	read_compare(s, b, n, cap);
	mh_stream_close(s);

	/* A cap below the minimum is raised to it. */
	assert_int_equal(mh_stream_open(&s, path, 10, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, MH_STREAM_MIN, &p, &avail, &err),
	                 MH_OK);
	assert_int_equal(avail, MH_STREAM_MIN);
	assert_int_equal(mh_stream_peek(s, MH_STREAM_MIN + 1, &p, &avail, &err),
	                 MH_ETOOBIG);
	mh_stream_close(s);
	free(b);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct mh_stream *s = (struct mh_stream *)&s;
	struct mh_err err;
	mh_err_clear(&err);
	const char *path = tpath("does-not-exist");
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_EIO);
	assert_null(s);
	assert_int_equal(err.reason, MH_SKIP_UNREADABLE);
	assert_int_equal(err.offset, 0);
	assert_string_equal(err.src, path);
	assert_non_null(strstr(err.msg, "does-not-exist"));
	/* A directory opens but cannot be read. */
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open(&s, tmpdir, 1 << 16, &err), MH_EIO);
	assert_null(s);
	/* An empty file is an empty stream. */
	path = tpath("empty");
	put(path, "", 0, "wb");
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	const char *p;
	size_t avail = 9;
	assert_int_equal(mh_stream_peek(s, 1, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 0);
	assert_true(mh_stream_eof(s));
	mh_stream_close(s);
}

static void test_gzip_members(void **state)
{
	(void)state;
	size_t n = (size_t)600 << 10, cut = 250001;
	char *b = pattern(n);
	/* Make part of it compressible so members differ in shape. */
	memset(b + 1000, 'x', 50000);
	const char *path = tpath("multi.gz");
	put_gz(path, b, cut, 0);
	put_gz(path, b + cut, 0, 1); /* an empty member in between */
	put_gz(path, b + cut, n - cut, 1);
	struct mh_stream *s = NULL;
	struct mh_err err;
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_open(&s, path, (size_t)64 << 10, &err),
	                 MH_OK);
	assert_true(mh_stream_is_gzip(s));
	uint64_t sz;
	assert_int_equal(mh_stream_file_size(s, &sz, &err), MH_OK);
	assert_int_equal(sz, fsize(path));
	read_compare(s, b, n, (size_t)64 << 10);
	/* Backwards: restart and inflate forward. */
	assert_int_equal(mh_stream_seek(s, cut - 5, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), cut - 5);
	assert_int_equal(mh_stream_peek(s, 10, &p, &avail, &err), MH_OK);
	assert_memory_equal(p, b + cut - 5, 10);
	/* Forward across the member boundary. */
	assert_int_equal(mh_stream_seek(s, n - 3, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 10, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 3);
	assert_memory_equal(p, b + n - 3, 3);
	/* Past the end: at the end of the decompressed input. */
	assert_int_equal(mh_stream_seek(s, n + 99, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), n);
	mh_stream_close(s);
	free(b);
}

static void test_gzip_trailing_garbage(void **state)
{
	(void)state;
	static const char text[] = "From a@b Mon Jan  1 00:00:00 2024\n"
	                           "Subject: x\n\nbody\n";
	const char *path = tpath("garbage.gz");
	put_gz(path, text, sizeof(text) - 1, 0);
	put(path, "\0\0\0 tar padding\n", 17, "ab");
	struct mh_stream *s = NULL;
	struct mh_err err;
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	read_compare(s, text, sizeof(text) - 1, 7);
	mh_stream_close(s);
	/* A lone 0x1f after the member is garbage too, not a member. */
	path = tpath("garbage2.gz");
	put_gz(path, text, sizeof(text) - 1, 0);
	put(path, "\x1f", 1, "ab");
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	read_compare(s, text, sizeof(text) - 1, 100);
	mh_stream_close(s);
}

static void test_gzip_truncated(void **state)
{
	(void)state;
	size_t n = (size_t)200 << 10;
	char *b = pattern(n);
	const char *full = tpath("full.gz");
	put_gz(full, b, n, 0);
	uint64_t zn = fsize(full);
	/* Keep the first half of the compressed bytes. */
	FILE *f = fopen(full, "rb");
	assert_non_null(f);
	char *z = malloc(zn);
	assert_non_null(z);
	assert_int_equal(fread(z, 1, zn, f), zn);
	fclose(f);
	const char *path = tpath("trunc.gz");
	put(path, z, zn / 2, "wb");
	free(z);
	struct mh_stream *s = NULL;
	struct mh_err err;
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_open(&s, path, (size_t)64 << 10, &err),
	                 MH_OK);
	uint64_t got = 0;
	int rc = MH_OK;
	for (int guard = 0; guard < 100000; guard++) {
		mh_err_clear(&err);
		rc = mh_stream_peek(s, 4096, &p, &avail, &err);
		if (rc != MH_OK)
			break;
		assert_true(avail > 0);
		assert_memory_equal(p, b + got, avail < 4096 ? avail : 4096);
		size_t adv = avail < 4096 ? avail : 4096;
		mh_stream_advance(s, adv);
		got += adv;
	}
	assert_int_equal(rc, MH_ETRUNC);
	assert_int_equal(err.reason, MH_SKIP_TRUNCATED);
	assert_string_equal(err.src, path);
	/* The offset is where the decompressed data stopped. */
	assert_int_equal(err.offset, got + avail);
	assert_true(err.offset > 0 && err.offset < n);
	assert_memory_equal(p, b + got, avail);
	assert_false(mh_stream_eof(s));
	assert_false(mh_stream_all_buffered(s));
	/* Sticky: the same error again, at the same offset. */
	uint64_t at = err.offset;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_peek(s, 4096, &p, &avail, &err), MH_ETRUNC);
	assert_int_equal(err.offset, at);
	mh_err_clear(&err);
	assert_int_equal(mh_stream_seek(s, at + 100000, &err), MH_ETRUNC);
	mh_stream_close(s);
	free(b);
}

static void test_gzip_corrupt(void **state)
{
	(void)state;
	size_t n = (size_t)100 << 10;
	char *b = pattern(n);
	const char *path = tpath("corrupt.gz");
	put_gz(path, b, n, 0);
	uint64_t zn = fsize(path);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	/* Flip bytes in the deflate data (not the header). */
	assert_int_equal(fseek(f, (long)(zn / 2), SEEK_SET), 0);
	assert_int_equal(fwrite("\xff\x00\xff\x00\xff\x00\xff\x00", 1, 8, f),
	                 8);
	assert_int_equal(fclose(f), 0);
	struct mh_stream *s = NULL;
	struct mh_err err;
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_open(&s, path, (size_t)1 << 20, &err),
	                 MH_OK);
	mh_err_clear(&err);
	int rc = mh_stream_peek(s, n, &p, &avail, &err);
	/* Either the data is detected as corrupt or the CRC check fails:
	 * never success with wrong bytes. */
	assert_int_equal(rc, MH_EFORMAT);
	assert_int_equal(err.reason, MH_SKIP_MALFORMED);
	/* Sticky: asking for more fails the same way. */
	mh_err_clear(&err);
	assert_int_equal(mh_stream_peek(s, n + 1, &p, &avail, &err),
	                 MH_EFORMAT);
	assert_false(mh_stream_eof(s));
	mh_stream_close(s);
	free(b);
}

static void test_memory(void **state)
{
	(void)state;
	static const char text[] = "0123456789abcdefghij";
	struct mh_stream *s = NULL;
	struct mh_err err;
	const char *p;
	size_t avail;
	assert_int_equal(mh_stream_open_mem(&s, text, 20, NULL), MH_OK);
	assert_string_equal(mh_stream_name(s), "<memory>");
	assert_false(mh_stream_is_gzip(s));
	assert_true(mh_stream_all_buffered(s));
	uint64_t sz;
	assert_int_equal(mh_stream_file_size(s, &sz, &err), MH_OK);
	assert_int_equal(sz, 20);
	/* Memory streams do not copy. */
	assert_int_equal(mh_stream_peek(s, 5, &p, &avail, &err), MH_OK);
	assert_ptr_equal(p, text);
	assert_int_equal(avail, 20);
	mh_stream_advance(s, 15);
	assert_int_equal(mh_stream_tell(s), 15);
	assert_false(mh_stream_eof(s));
	/* More than there is: no error, no cap, the rest. */
	assert_int_equal(mh_stream_peek(s, 1000, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 5);
	assert_ptr_equal(p, text + 15);
	assert_int_equal(mh_stream_seek(s, 3, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 1, &p, &avail, &err), MH_OK);
	assert_ptr_equal(p, text + 3);
	assert_int_equal(mh_stream_seek(s, 1000, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), 20);
	assert_true(mh_stream_eof(s));
	mh_stream_close(s);

	/* gzip magic in memory is not inflated. */
	assert_int_equal(mh_stream_open_mem(&s, "\x1f\x8b\x08\x00", 4, "m.gz"),
	                 MH_OK);
	assert_string_equal(mh_stream_name(s), "m.gz");
	assert_false(mh_stream_is_gzip(s));
	assert_int_equal(mh_stream_peek(s, 4, &p, &avail, &err), MH_OK);
	assert_memory_equal(p, "\x1f\x8b\x08\x00", 4);
	mh_stream_close(s);

	/* An empty block. */
	assert_int_equal(mh_stream_open_mem(&s, NULL, 0, "empty"), MH_OK);
	assert_int_equal(mh_stream_peek(s, 1, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 0);
	assert_true(mh_stream_eof(s));
	mh_stream_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain_basics),
	        cmocka_unit_test(test_plain_seek),
	        cmocka_unit_test(test_cap),
	        cmocka_unit_test(test_open_errors),
	        cmocka_unit_test(test_gzip_members),
	        cmocka_unit_test(test_gzip_trailing_garbage),
	        cmocka_unit_test(test_gzip_truncated),
	        cmocka_unit_test(test_gzip_corrupt),
	        cmocka_unit_test(test_memory),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
