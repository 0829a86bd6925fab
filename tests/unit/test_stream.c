/* Unit tests for core/stream.h: windowed reading of plain files (read
 * into a buffer, or in mapped windows when large), gzip (multi-member,
 * truncated, trailing garbage, corrupt, damage reported after the data
 * with mh_stream_defer_damage) and memory blocks;
 * peek/advance/tell/eof/all_buffered/seek and the cap; a mapped file that
 * shrinks while it is read is reported, not a crash. */
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

/* The whole file at path (free it). */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t zn = (size_t)fsize(path);
	char *z = malloc(zn ? zn : 1);
	assert_non_null(z);
	assert_int_equal(fread(z, 1, zn, f), zn);
	fclose(f);
	*n = zn;
	return z;
}

/* Text lines, compressible like mail (real deflate blocks, not stored). */
static char *lines(size_t n)
{
	char *b = malloc(n + 64);
	assert_non_null(b);
	size_t k = 0;
	for (unsigned i = 0; k < n; i++)
		k += (size_t)snprintf(b + k, 64, "line %u of the mail, %08x\n",
		                      i, i * 2654435761u);
	return b;
}

/* Read s to where peek gives nothing (or fails) with peeks of `ask`,
 * comparing with want[]; returns peek's last code, *got the bytes read. */
static int read_until(struct mh_stream *s, const char *want, size_t ask,
                      uint64_t *got, struct mh_err *err)
{
	*got = mh_stream_tell(s);
	for (int guard = 0; guard < 1000000; guard++) {
		const char *p;
		size_t avail;
		mh_err_clear(err);
		int rc = mh_stream_peek(s, ask, &p, &avail, err);
		if (avail)
			assert_memory_equal(p, want + *got, avail);
		if (rc != MH_OK || avail == 0)
			return rc;
		mh_stream_advance(s, avail);
		*got += avail;
	}
	fail_msg("no end of input");
	return MH_OK;
}

static void test_gzip_trailing_garbage(void **state)
{
	(void)state;
	static const char text[] = "From a@b Mon Jan  1 00:00:00 2024\n"
	                           "Subject: x\n\nbody\n";
	const char *path = tpath("garbage.gz");
	put_gz(path, text, sizeof(text) - 1, 0);
	uint64_t zn = fsize(path);
	put(path, "\0\0\0 tar padding\n", 17, "ab");
	struct mh_stream *s = NULL;
	struct mh_err err;
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	read_compare(s, text, sizeof(text) - 1, 7);
	/* Read like a clean end, then reported once as a warning. */
	mh_err_clear(&err);
	assert_int_equal(mh_stream_end(s, &err), MH_ESKIP);
	assert_int_equal(err.reason, MH_SKIP_MALFORMED);
	assert_int_equal(err.offset, sizeof(text) - 1);
	char want[128];
	snprintf(want, sizeof(want),
	         "trailing garbage after the last gzip member at compressed "
	         "offset %llu ignored",
	         (unsigned long long)zn);
	assert_string_equal(err.msg, want);
	assert_int_equal(mh_stream_end(s, &err), MH_OK);
	mh_stream_close(s);
	/* A lone 0x1f after the member is garbage too, not a member. */
	path = tpath("garbage2.gz");
	put_gz(path, text, sizeof(text) - 1, 0);
	put(path, "\x1f", 1, "ab");
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	read_compare(s, text, sizeof(text) - 1, 100);
	assert_int_equal(mh_stream_end(s, &err), MH_ESKIP);
	mh_stream_close(s);
	/* A clean file ends clean; so does a plain file. */
	path = tpath("clean.gz");
	put_gz(path, text, sizeof(text) - 1, 0);
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	read_compare(s, text, sizeof(text) - 1, 100);
	assert_int_equal(mh_stream_end(s, &err), MH_OK);
	mh_stream_close(s);
	path = tpath("clean.txt");
	put(path, text, sizeof(text) - 1, "wb");
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	read_compare(s, text, sizeof(text) - 1, 100);
	assert_int_equal(mh_stream_end(s, &err), MH_OK);
	mh_stream_close(s);
}

/* Without mh_stream_defer_damage: peek fails once it asks for more than
 * the data before the damage, with the bytes it has in p and avail. */
static void test_gzip_truncated(void **state)
{
	(void)state;
	size_t n = (size_t)200 << 10;
	char *b = pattern(n);
	const char *full = tpath("full.gz");
	put_gz(full, b, n, 0);
	size_t zn;
	char *z = slurp(full, &zn);
	/* Keep the first half of the compressed bytes. */
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
	char want[160];
	snprintf(want, sizeof(want),
	         "gzip data ends inside a member at compressed offset %llu "
	         "(decompressed offset %llu)",
	         (unsigned long long)(zn / 2), (unsigned long long)err.offset);
	assert_string_equal(err.msg, want);
	assert_false(mh_stream_eof(s));
	assert_false(mh_stream_all_buffered(s));
	/* Sticky: the same error again, at the same offset. */
	uint64_t at = err.offset;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_peek(s, 4096, &p, &avail, &err), MH_ETRUNC);
	assert_int_equal(err.offset, at);
	mh_err_clear(&err);
	assert_int_equal(mh_stream_seek(s, at + 100000, &err), MH_ETRUNC);
	/* And once more from mh_stream_end, for a reader that is done. */
	mh_err_clear(&err);
	assert_int_equal(mh_stream_end(s, &err), MH_ETRUNC);
	assert_int_equal(err.offset, at);
	assert_int_equal(mh_stream_end(s, &err), MH_OK);
	mh_stream_close(s);
	free(b);
}

/* Defect: a gzip cut only in its 8-byte trailer inflated completely, but
 * peek failed with the last window, so readers lost everything in it (a
 * small file: all of it). With mh_stream_defer_damage every inflated
 * byte reads like a clean end, and the damage comes once at the end. */
static void test_gzip_trailer_cut_deferred(void **state)
{
	(void)state;
	size_t sizes[] = {5000, (size_t)700 << 10};
	for (size_t k = 0; k < 2; k++) {
		size_t n = sizes[k];
		char *b = lines(n);
		const char *full = tpath("tfull.gz");
		put_gz(full, b, n, 0);
		size_t zn;
		char *z = slurp(full, &zn);
		const char *path = tpath("tcut.gz");
		put(path, z, zn - 8, "wb");
		free(z);
		struct mh_stream *s = NULL;
		struct mh_err err;
		const char *p;
		size_t avail;
		assert_int_equal(
		        mh_stream_open(&s, path, (size_t)256 << 10, &err),
		        MH_OK);
		mh_stream_defer_damage(s);
		/* One large window, as a reader asks at the last message. */
		mh_err_clear(&err);
		assert_int_equal(
		        mh_stream_peek(s, (size_t)200 << 10, &p, &avail, &err),
		        MH_OK);
		assert_memory_equal(p, b, avail);
		uint64_t got;
		assert_int_equal(
		        read_until(s, b, (size_t)200 << 10, &got, &err),
		        MH_ETRUNC);
		assert_int_equal(got, n);
		/* Reported only when nothing is left before the damage. */
		assert_int_equal(err.offset, n);
		assert_true(mh_stream_all_buffered(s));
		assert_false(mh_stream_eof(s));
		/* The reader that stops at the short peek asks the end. */
		mh_err_clear(&err);
		assert_int_equal(mh_stream_end(s, &err), MH_ETRUNC);
		assert_int_equal(err.reason, MH_SKIP_TRUNCATED);
		assert_int_equal(err.offset, n);
		char want[160];
		snprintf(want, sizeof(want),
		         "gzip data ends inside a member at compressed offset "
		         "%llu (decompressed offset %llu)",
		         (unsigned long long)(zn - 8), (unsigned long long)n);
		assert_string_equal(err.msg, want);
		assert_int_equal(mh_stream_end(s, &err), MH_OK);
		/* Backwards: inflated again, the damage is not told twice. */
		assert_int_equal(mh_stream_seek(s, 10, &err), MH_OK);
		assert_int_equal(read_until(s, b, 4096, &got, &err), MH_ETRUNC);
		assert_int_equal(got, n);
		assert_int_equal(mh_stream_end(s, &err), MH_OK);
		mh_stream_close(s);
		free(b);
	}
}

/* Flip one byte of the gzip file at off (negative: from the end) and
 * read it with deferred damage: all inflated bytes compare equal to b up
 * to the damage; returns mh_stream_end's code, err its report. */
static int read_damaged(const char *name, const char *b, size_t n, long off,
                        uint64_t *got, size_t *zn, struct mh_err *err)
{
	const char *path = tpath(name);
	put_gz(path, b, n, 0);
	char *z = slurp(path, zn);
	size_t at = off < 0 ? *zn - (size_t)-off : (size_t)off;
	z[at] = (char)(z[at] ^ 0x55);
	put(path, z, *zn, "wb");
	free(z);
	struct mh_stream *s = NULL;
	assert_int_equal(mh_stream_open(&s, path, (size_t)64 << 10, err),
	                 MH_OK);
	mh_stream_defer_damage(s);
	int rc = read_until(s, b, 1000, got, err);
	assert_int_not_equal(rc, MH_OK);
	assert_int_equal(rc, err->code);
	mh_err_clear(err);
	rc = mh_stream_end(s, err);
	mh_stream_close(s);
	return rc;
}

/* Defect: these all said "empty file"; each now names its damage. */
static void test_gzip_damage_named(void **state)
{
	(void)state;
	size_t n = 30000, zn;
	char *b = lines(n);
	struct mh_err err;
	uint64_t got;
	char want[160];

	/* CRC-32 of the member (the trailer's first four bytes). */
	assert_int_equal(read_damaged("crc.gz", b, n, -8, &got, &zn, &err),
	                 MH_EFORMAT);
	assert_int_equal(got, n); /* every byte was handed out first */
	assert_int_equal(err.reason, MH_SKIP_MALFORMED);
	snprintf(want, sizeof(want),
	         "gzip CRC mismatch in member ending at compressed offset %zu",
	         zn);
	assert_string_equal(err.msg, want);

	/* ISIZE (the trailer's last four bytes). */
	assert_int_equal(read_damaged("isize.gz", b, n, -2, &got, &zn, &err),
	                 MH_EFORMAT);
	assert_int_equal(got, n);
	snprintf(want, sizeof(want),
	         "gzip length (ISIZE) mismatch in member ending at compressed "
	         "offset %zu",
	         zn);
	assert_string_equal(err.msg, want);

	/* A byte of the deflate data: caught by inflate or by the CRC. */
	assert_int_equal(read_damaged("data.gz", b, n, 40, &got, &zn, &err),
	                 MH_EFORMAT);
	assert_true(!strncmp(err.msg,
	                     "corrupt deflate data at compressed "
	                     "offset ",
	                     35) ||
	            !strncmp(err.msg, "gzip CRC mismatch", 17));

	/* The method byte of the header. */
	assert_int_equal(read_damaged("hdr.gz", b, n, 2, &got, &zn, &err),
	                 MH_EFORMAT);
	assert_int_equal(got, 0);
	/* The offset is where zlib stopped reading: just past the byte. */
	assert_true(!strncmp(err.msg,
	                     "corrupt gzip header at compressed "
	                     "offset ",
	                     40));
	assert_non_null(strstr(err.msg, ": unknown compression method"));
	free(b);

	/* Only the first five bytes of a header. */
	const char *path = tpath("hdr5.gz");
	put(path, "\x1f\x8b\x08\x00\x00", 5, "wb");
	struct mh_stream *s = NULL;
	const char *p;
	size_t avail = 9;
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	assert_true(mh_stream_is_gzip(s));
	mh_err_clear(&err);
	assert_int_equal(mh_stream_peek(s, 4096, &p, &avail, &err), MH_ETRUNC);
	assert_int_equal(avail, 0);
	assert_int_equal(err.reason, MH_SKIP_TRUNCATED);
	assert_int_equal(err.offset, 0);
	assert_string_equal(err.msg,
	                    "gzip header truncated at compressed offset 5");
	assert_false(mh_stream_eof(s));
	mh_stream_close(s);
	/* The same when deferred: no byte before it, so peek says it. */
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	mh_stream_defer_damage(s);
	assert_int_equal(mh_stream_peek(s, 4096, &p, &avail, &err), MH_ETRUNC);
	assert_int_equal(mh_stream_end(s, &err), MH_ETRUNC);
	mh_stream_close(s);

	/* A second member cut inside its header. */
	path = tpath("hdr2.gz");
	put_gz(path, "abc\n", 4, 0);
	put(path, "\x1f\x8b\x08", 3, "ab");
	uint64_t zsz = fsize(path);
	assert_int_equal(mh_stream_open(&s, path, 1 << 16, &err), MH_OK);
	mh_stream_defer_damage(s);
	assert_int_equal(read_until(s, "abc\n", 100, &got, &err), MH_ETRUNC);
	assert_int_equal(got, 4);
	snprintf(want, sizeof(want),
	         "gzip header truncated at compressed offset %llu",
	         (unsigned long long)zsz);
	assert_string_equal(err.msg, want);
	mh_stream_close(s);
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
	/* The data is detected as corrupt or the CRC check fails: asking
	 * for more than the data before the damage never succeeds. */
	int rc = mh_stream_peek(s, n + 1, &p, &avail, &err);
	assert_int_equal(rc, MH_EFORMAT);
	assert_int_equal(err.reason, MH_SKIP_MALFORMED);
	/* Sticky: asking for more fails the same way. */
	mh_err_clear(&err);
	assert_int_equal(mh_stream_peek(s, n + 2, &p, &avail, &err),
	                 MH_EFORMAT);
	assert_false(mh_stream_eof(s));
	mh_stream_close(s);
	free(b);
}

/* A file large enough to be read in mapped windows: the same bytes as
 * the read() path gives, whatever the peeks, across window ends; seeks
 * forward and back across windows; past the end is at the end. */
static void test_plain_large(void **state)
{
	(void)state;
	const size_t n = ((size_t)40 << 20) + 12345; /* windows and a tail */
	char *b = pattern(n);
	struct mh_stream *s;
	struct mh_err err;
	const char *p;
	size_t avail;
	const char *path = tpath("large.bin");
	put(path, b, n, "wb");
	assert_int_equal(mh_stream_open(&s, path, (size_t)20 << 20, &err),
	                 MH_OK);
	assert_false(mh_stream_is_gzip(s));
	read_compare(s, b, n, (size_t)3 << 20);
	/* Back into the first window, then forward into the last. */
	assert_int_equal(mh_stream_seek(s, 1000, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 5000, &p, &avail, &err), MH_OK);
	assert_true(avail >= 5000);
	assert_memory_equal(p, b + 1000, 5000);
	assert_int_equal(mh_stream_seek(s, n - 10, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, 100, &p, &avail, &err), MH_OK);
	assert_int_equal(avail, 10);
	assert_memory_equal(p, b + n - 10, 10);
	mh_stream_advance(s, 10);
	assert_true(mh_stream_eof(s));
	assert_int_equal(mh_stream_seek(s, (uint64_t)n + 999, &err), MH_OK);
	assert_int_equal(mh_stream_tell(s), n);
	/* A window larger than the default one, when asked for. */
	assert_int_equal(mh_stream_seek(s, 7, &err), MH_OK);
	assert_int_equal(mh_stream_peek(s, (size_t)18 << 20, &p, &avail, &err),
	                 MH_OK);
	assert_true(avail >= (size_t)18 << 20);
	assert_memory_equal(p + ((size_t)18 << 20) - 64,
	                    b + 7 + ((size_t)18 << 20) - 64, 64);
	/* Over the cap: refused as for a read buffer. */
	assert_int_equal(mh_stream_peek(s, (size_t)21 << 20, &p, &avail, &err),
	                 MH_ETOOBIG);
	assert_int_equal(mh_stream_end(s, &err), MH_OK);
	mh_stream_close(s);
	free(b);
	unlink(path);
}

/* A tail pad on a mapped file (what the JSON reader asks for: simdjson
 * reads up to 64 bytes past a record): set after the first window is
 * mapped, the pad bytes after every window and after the file's last
 * byte are readable, also when the file ends exactly on a page. */
static void test_plain_large_pad(void **state)
{
	(void)state;
	const size_t n = (size_t)24 << 20; /* a multiple of every page size */
	char *b = pattern(n);
	struct mh_stream *s;
	struct mh_err err;
	const char *p;
	size_t avail;
	volatile char sink = 0;
	const char *path = tpath("large-pad.bin");
	put(path, b, n, "wb");
	assert_int_equal(mh_stream_open(&s, path, (size_t)20 << 20, &err),
	                 MH_OK);
	assert_int_equal(mh_stream_peek(s, 100, &p, &avail, &err), MH_OK);
	assert_int_equal(mh_stream_set_pad(s, 64), MH_OK);
	size_t done = 0;
	while (done < n) {
		assert_int_equal(
		        mh_stream_peek(s, (size_t)1 << 20, &p, &avail, &err),
		        MH_OK);
		assert_true(avail > 0);
		assert_memory_equal(p, b + done, avail < 4096 ? avail : 4096);
		for (size_t k = 0; k < 64; k++) /* would fault without pad */
			sink = (char)(sink ^ p[avail + k]);
		mh_stream_advance(s, avail);
		done += avail;
	}
	(void)sink;
	assert_true(mh_stream_eof(s));
	assert_int_equal(mh_stream_end(s, &err), MH_OK);
	mh_stream_close(s);
	free(b);
	unlink(path);
}

/* A large file cut while it is read: the bytes past its new end read as
 * zero (no SIGBUS), the data ends where the file now ends, and the cut
 * is reported: by peek when more is asked for, or by mh_stream_end. */
static void test_plain_large_shrinks(void **state)
{
	(void)state;
	const size_t n = (size_t)24 << 20, cut = ((size_t)1 << 20) + 100;
	char *b = pattern(n);
	struct mh_stream *s;
	struct mh_err err;
	const char *p;
	size_t avail;
	const char *path = tpath("shrinks.bin");
	for (int how = 0; how < 2; how++) {
		put(path, b, n, "wb");
		assert_int_equal(
		        mh_stream_open(&s, path, (size_t)32 << 20, &err),
		        MH_OK);
		assert_int_equal(
		        mh_stream_peek(s, (size_t)4 << 20, &p, &avail, &err),
		        MH_OK);
		assert_true(avail >= (size_t)4 << 20);
		assert_int_equal(truncate(path, (off_t)cut), 0);
		/* Within the window peeked before: a fault, turned into
		 * zeros. */
		volatile const char *q = p;
		assert_int_equal(q[(size_t)3 << 20], 0);
		assert_memory_equal(p, b, 4096); /* before the cut: intact */
		if (how == 0) {
			assert_int_equal(mh_stream_peek(s, (size_t)4 << 20, &p,
			                                &avail, &err),
			                 MH_EIO);
			assert_int_equal(avail, cut);
			assert_int_equal(err.reason, MH_SKIP_TRUNCATED);
			assert_non_null(strstr(err.msg, "shrank"));
			assert_false(mh_stream_eof(s));
		} else {
			mh_stream_advance(s, 1000);
			assert_int_equal(mh_stream_end(s, &err), MH_EIO);
			assert_int_equal(err.reason, MH_SKIP_TRUNCATED);
			assert_int_equal(mh_stream_end(s, &err), MH_OK);
		}
		mh_stream_close(s);
	}
	free(b);
	unlink(path);
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
	        cmocka_unit_test(test_gzip_trailer_cut_deferred),
	        cmocka_unit_test(test_gzip_damage_named),
	        cmocka_unit_test(test_gzip_corrupt),
	        cmocka_unit_test(test_plain_large),
	        cmocka_unit_test(test_plain_large_pad),
	        cmocka_unit_test(test_plain_large_shrinks),
	        cmocka_unit_test(test_memory),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
