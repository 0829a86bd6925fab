/* memfind.c - see memfind.h.
 *
 * The vector loops test, for each position i of a block, whether
 * hay[i] == needle[0] and hay[i + 1] == needle[1] with two unaligned
 * loads one byte apart, AND the two compare masks, and check the
 * surviving positions with memcmp. The loads need i + 1 + width <= n;
 * the last few positions go to the portable loop.
 */
#include "core/memfind.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) &&                                \
        (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MH_HAVE_AVX2 1
#endif

#if defined(__SSE2__)
/* The positions i + k for the set bits k of mask passed the two-byte
 * filter: the first where the whole needle matches, or NULL. *stop is set
 * when a candidate would run past the end (none later can fit). */
static const char *check_mask(const char *hay, size_t n, const char *needle,
                              size_t m, size_t i, unsigned long long mask,
                              int *stop)
{
	while (mask) {
		size_t j = i + (size_t)__builtin_ctzll(mask);
		if (j + m > n) {
			*stop = 1;
			return NULL;
		}
		if (memcmp(hay + j + 2, needle + 2, m - 2) == 0)
			return hay + j;
		mask &= mask - 1;
	}
	return NULL;
}
#endif

const char *mh_memfind_generic(const char *hay, size_t n, const char *needle,
                               size_t m)
{
	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
	const char *p = hay, *last = hay + (n - m); /* last start */
	while (p <= last) {
		p = memchr(p, needle[0], (size_t)(last - p) + 1);
		if (!p)
			return NULL;
		if (memcmp(p + 1, needle + 1, m - 1) == 0)
			return p;
		p++;
	}
	return NULL;
}

#if defined(__SSE2__)
/* Positions [0, *done) of hay have been searched on return (none found
 * there when the result is NULL). */
static const char *find_sse2(const char *hay, size_t n, const char *needle,
                             size_t m, size_t *done)
{
	const __m128i c0 = _mm_set1_epi8(needle[0]);
	const __m128i c1 = _mm_set1_epi8(needle[1]);
	size_t i = 0;
	/* A start at i needs i + m <= n; the loads read hay[i..i+17). */
	for (; i + 17 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(hay + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(hay + i + 1));
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		        _mm_cmpeq_epi8(a, c0), _mm_cmpeq_epi8(b, c1)));
		int stop = 0;
		const char *r = check_mask(hay, n, needle, m, i, mask, &stop);
		if (r || stop) {
			*done = n;
			return r;
		}
	}
	*done = i;
	return NULL;
}
#endif

#if defined(MH_HAVE_AVX2)
__attribute__((target("avx2"))) static const char *
find_avx2(const char *hay, size_t n, const char *needle, size_t m, size_t *done)
{
	const __m256i c0 = _mm256_set1_epi8(needle[0]);
	const __m256i c1 = _mm256_set1_epi8(needle[1]);
	size_t i = 0;
	/* Two blocks per round: one branch per 64 bytes in plain text. */
	for (; i + 65 <= n; i += 64) {
		__m256i a0 = _mm256_loadu_si256((const __m256i *)(hay + i));
		__m256i b0 = _mm256_loadu_si256((const __m256i *)(hay + i + 1));
		__m256i a1 =
		        _mm256_loadu_si256((const __m256i *)(hay + i + 32));
		__m256i b1 =
		        _mm256_loadu_si256((const __m256i *)(hay + i + 33));
		__m256i e0 = _mm256_and_si256(_mm256_cmpeq_epi8(a0, c0),
		                              _mm256_cmpeq_epi8(b0, c1));
		__m256i e1 = _mm256_and_si256(_mm256_cmpeq_epi8(a1, c0),
		                              _mm256_cmpeq_epi8(b1, c1));
		if (_mm256_testz_si256(_mm256_or_si256(e0, e1),
		                       _mm256_or_si256(e0, e1)))
			continue;
		unsigned long long mask =
		        (unsigned long long)(unsigned)_mm256_movemask_epi8(e0) |
		        (unsigned long long)(unsigned)_mm256_movemask_epi8(e1)
		                << 32;
		int stop = 0;
		const char *r = check_mask(hay, n, needle, m, i, mask, &stop);
		if (r || stop) {
			*done = n;
			return r;
		}
	}
	*done = i;
	return NULL;
}

/* libgcc's constructor has filled in the CPU model before main(), so
 * this is one load and a test, safe from any thread. */
static int have_avx2(void)
{
	return __builtin_cpu_supports("avx2") != 0;
}
#endif

const char *mh_memfind(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m < 2 || m > n)
		return m == 1 ? memchr(hay, needle[0], n)
		              : mh_memfind_generic(hay, n, needle, m);
	size_t done = 0;
	const char *r = NULL;
#if defined(MH_HAVE_AVX2)
	if (n >= 65 && have_avx2())
		r = find_avx2(hay, n, needle, m, &done);
	else
#endif
#if defined(__SSE2__)
		r = find_sse2(hay, n, needle, m, &done);
#endif
	if (r || done >= n)
		return r;
	return mh_memfind_generic(hay + done, n - done, needle, m);
}
