/* Unit tests for core/memfind: mh_memfind against a naive search at every
 * alignment and length, the needle at the very end, a needle cut by the
 * end, candidates that pass the two-byte filter but fail later, and no
 * reads outside the haystack (the buffer ends at its last byte: ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/memfind.h"

/* k bytes of "\nFrom " to dst (byte by byte: no string function). */
static void put_needle(char *dst, size_t k)
{
	static const char nd[6] = {'\n', 'F', 'r', 'o', 'm', ' '};
	for (size_t i = 0; i < k; i++)
		dst[i] = nd[i];
}

static const char *naive(const char *h, size_t n, const char *nd, size_t m)
{
	if (m > n)
		return NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(h + i, nd, m))
			return h + i;
	return NULL;
}

/* The haystack copied to the end of a heap block of exactly n bytes. */
static char *exact_copy(const char *p, size_t n)
{
	char *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, p, n);
	return b;
}

static void check(const char *h, size_t n, const char *nd, size_t m)
{
	char *b = exact_copy(h, n);
	const char *want = naive(b, n, nd, m);
	assert_ptr_equal(mh_memfind(b, n, nd, m), want);
	assert_ptr_equal(mh_memfind_generic(b, n, nd, m), want);
	free(b);
}

static void test_every_position(void **state)
{
	(void)state;
	static const char nd[] = "\nFrom ";
	char h[300];
	memset(h, 0, sizeof(h));
	/* Every length up to 300 and every needle position, on text full
	 * of the first two bytes and of near misses. */
	for (size_t n = 0; n <= sizeof(h); n++) {
		for (size_t i = 0; i < n; i++)
			h[i] = "ab\nF\nFro\n"[i % 9];
		check(h, n, nd, 6);
		for (size_t at = 0; at + 6 <= n; at += (n > 80 ? 7 : 1)) {
			put_needle(h + at, 6);
			check(h, n, nd, 6);
			for (size_t i = 0; i < n; i++)
				h[i] = "ab\nF\nFro\n"[i % 9];
		}
	}
}

static void test_end_cases(void **state)
{
	(void)state;
	char h[200];
	for (size_t n = 6; n <= sizeof(h); n++) {
		memset(h, 'x', n);
		/* Needle flush against the end. */
		put_needle(h + n - 6, 6);
		check(h, n, "\nFrom ", 6);
		/* Only part of it at the end: no match. */
		memset(h, 'x', n);
		for (size_t k = 1; k < 6; k++) {
			put_needle(h + n - k, k);
			check(h, n, "\nFrom ", 6);
		}
		/* Filter bytes at the end only. */
		memset(h, 'x', n);
		h[n - 2] = '\n';
		h[n - 1] = 'F';
		check(h, n, "\nFrom ", 6);
		/* Many filter hits, one real match near the end. */
		for (size_t i = 0; i + 1 < n; i += 2) {
			h[i] = '\n';
			h[i + 1] = 'F';
		}
		put_needle(h + n - 6, 6);
		check(h, n, "\nFrom ", 6);
	}
}

static void test_small_needles(void **state)
{
	(void)state;
	const char h[] = "hello\nworld";
	assert_ptr_equal(mh_memfind(h, 11, "", 0), h);
	assert_ptr_equal(mh_memfind(h, 11, "w", 1), h + 6);
	assert_ptr_equal(mh_memfind(h, 11, "\nw", 2), h + 5);
	assert_null(mh_memfind(h, 11, "hello\nworld!", 12));
	assert_null(mh_memfind(NULL, 0, "ab", 2));
	assert_ptr_equal(mh_memfind(h, 11, h, 11), h);
}

static void test_alignments_large(void **state)
{
	(void)state;
	size_t n = 5000;
	char *h = malloc(n + 64);
	assert_non_null(h);
	for (size_t i = 0; i < n + 64; i++)
		h[i] = (char)('a' + i % 23);
	for (size_t off = 0; off < 64; off++) {
		for (size_t at = 0; at + 6 <= n; at += 331) {
			put_needle(h + off + at, 6);
			const char *want = h + off + at;
			assert_ptr_equal(mh_memfind(h + off, n, "\nFrom ", 6),
			                 want);
			for (size_t k = 0; k < 6; k++)
				h[off + at + k] =
				        (char)('a' + (off + at + k) % 23);
		}
		assert_null(mh_memfind(h + off, n, "\nFrom ", 6));
	}
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_position),
	        cmocka_unit_test(test_end_cases),
	        cmocka_unit_test(test_small_needles),
	        cmocka_unit_test(test_alignments_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
