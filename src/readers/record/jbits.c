/* jbits.c - see jbits.h.
 *
 * Each path makes, for a block of 64 bytes, three masks: stop (quote,
 * backslash or a byte below 0x20), nn (an 'n' in either case: the byte
 * with 0x20 set is 'n') and brk (a bracket: '[' and '{' are one byte
 * with 0x20 set, ']' and '}' another); opn = stop at the places whose
 * previous byte is in nn (the last bit of a block carried into the
 * next; a control byte there is no quote, which the reader of opn
 * checks). The last partial block is copied into spaces, which are in
 * no mask. The bytes are ORed together for the high bit.
 */
#include "readers/record/jbits.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) &&                                \
        (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MH_HAVE_WIDE 1
#endif

/* One block's masks. */
struct blk {
	uint64_t stop, nn, brk;
	int high;
};

static void blk_scalar(const unsigned char *q, struct blk *m)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              c1f = _mm_set1_epi8(0x1f), fold = _mm_set1_epi8(0x20),
	              ln = _mm_set1_epi8('n'), lo = _mm_set1_epi8('{'),
	              lc = _mm_set1_epi8('}');
	__m128i hi = _mm_setzero_si128();
	m->stop = m->nn = m->brk = 0;
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128(
		        (const __m128i *)(const void *)(q + 16 * k));
		__m128i f = _mm_or_si128(v, fold);
		hi = _mm_or_si128(hi, v);
		uint64_t st = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		        _mm_or_si128(_mm_cmpeq_epi8(v, quote),
		                     _mm_cmpeq_epi8(v, bs)),
		        _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f)));
		uint64_t nn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(f, ln));
		uint64_t br = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		        _mm_cmpeq_epi8(f, lo), _mm_cmpeq_epi8(f, lc)));
		m->stop |= st << (16 * k);
		m->nn |= nn << (16 * k);
		m->brk |= br << (16 * k);
	}
	m->high = _mm_movemask_epi8(hi) != 0;
#else
	m->stop = m->nn = m->brk = 0;
	m->high = 0;
	for (int k = 0; k < 64; k++) {
		uint64_t bit = (uint64_t)1 << k;
		if (q[k] == '"' || q[k] == '\\' || q[k] < 0x20)
			m->stop |= bit;
		if ((q[k] | 0x20) == 'n')
			m->nn |= bit;
		if ((q[k] | 0x20) == '{' || (q[k] | 0x20) == '}')
			m->brk |= bit;
		if (q[k] >= 0x80)
			m->high = 1;
	}
#endif
}

#if MH_HAVE_WIDE
/* 32 bytes at q: their stops, n's and brackets; hi ORs the bytes. */
__attribute__((target("avx2"))) static inline void
half_avx2(const unsigned char *q, uint64_t *st, uint64_t *nn, uint64_t *br,
          __m256i *hi)
{
	const __m256i quote = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\'),
	              c1f = _mm256_set1_epi8(0x1f), fold = _mm256_set1_epi8(0x20),
	              ln = _mm256_set1_epi8('n'), lo = _mm256_set1_epi8('{'),
	              lc = _mm256_set1_epi8('}');
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
	__m256i f = _mm256_or_si256(v, fold);
	*hi = _mm256_or_si256(*hi, v);
	*st = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
	        _mm256_or_si256(_mm256_cmpeq_epi8(v, quote),
	                        _mm256_cmpeq_epi8(v, bs)),
	        _mm256_cmpeq_epi8(_mm256_max_epu8(v, c1f), c1f)));
	*nn = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(f, ln));
	*br = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
	        _mm256_cmpeq_epi8(f, lo), _mm256_cmpeq_epi8(f, lc)));
}

__attribute__((target("avx2"))) static inline uint64_t
blk_avx2(const unsigned char *q, struct mh_jbits *b, size_t k, uint64_t carry,
         __m256i *hi)
{
	uint64_t s0, s1, n0, n1, b0, b1;
	half_avx2(q, &s0, &n0, &b0, hi);
	half_avx2(q + 32, &s1, &n1, &b1, hi);
	uint64_t st = s0 | s1 << 32, nn = n0 | n1 << 32;
	b->stop[k] = st;
	b->brk[k] = b0 | b1 << 32;
	b->opn[k] = st & (nn << 1 | carry);
	return nn >> 63;
}

__attribute__((target("avx2"))) static void
find_avx2(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	uint64_t carry = 0;
	__m256i hi = _mm256_setzero_si256();
	size_t i = 0, k = 0;
	for (; i + 64 <= n; i += 64, k++)
		carry = blk_avx2(p + i, b, k, carry, &hi);
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_avx2(t, b, k, carry, &hi);
	}
	b->high = _mm256_movemask_epi8(hi) != 0;
}

__attribute__((target("avx512bw"))) static inline void
blk_avx512(const unsigned char *q, struct blk *m)
{
	const __m512i quote = _mm512_set1_epi8('"'), bs = _mm512_set1_epi8('\\'),
	              c1f = _mm512_set1_epi8(0x1f), fold = _mm512_set1_epi8(0x20),
	              ln = _mm512_set1_epi8('n'), lo = _mm512_set1_epi8('{'),
	              lc = _mm512_set1_epi8('}');
	__m512i v = _mm512_loadu_si512((const void *)q);
	__m512i f = _mm512_or_si512(v, fold);
	m->stop = _mm512_cmpeq_epi8_mask(v, quote) |
	          _mm512_cmpeq_epi8_mask(v, bs) | _mm512_cmple_epu8_mask(v, c1f);
	m->nn = _mm512_cmpeq_epi8_mask(f, ln);
	m->brk = _mm512_cmpeq_epi8_mask(f, lo) | _mm512_cmpeq_epi8_mask(f, lc);
	m->high = _mm512_movepi8_mask(v) != 0;
}

__attribute__((target("avx512bw"))) static void
find_avx512(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	uint64_t carry = 0;
	int high = 0;
	size_t i = 0, k = 0;
	struct blk m;
	for (; i + 64 <= n; i += 64, k++) {
		blk_avx512(p + i, &m);
		b->stop[k] = m.stop;
		b->brk[k] = m.brk;
		b->opn[k] = m.stop & (m.nn << 1 | carry);
		carry = m.nn >> 63;
		high |= m.high;
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_avx512(t, &m);
		b->stop[k] = m.stop;
		b->brk[k] = m.brk;
		b->opn[k] = m.stop & (m.nn << 1 | carry);
		high |= m.high;
	}
	b->high = high;
}
#endif

static void find_sse2(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	uint64_t carry = 0;
	int high = 0;
	size_t i = 0, k = 0;
	struct blk m;
	for (; i + 64 <= n; i += 64, k++) {
		blk_scalar(p + i, &m);
		b->stop[k] = m.stop;
		b->brk[k] = m.brk;
		b->opn[k] = m.stop & (m.nn << 1 | carry);
		carry = m.nn >> 63;
		high |= m.high;
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_scalar(t, &m);
		b->stop[k] = m.stop;
		b->brk[k] = m.brk;
		b->opn[k] = m.stop & (m.nn << 1 | carry);
		high |= m.high;
	}
	b->high = high;
}

/* Written only by tests, before any thread reads (jbits.h). */
static int forced;

static int has(int path)
{
#if MH_HAVE_WIDE
	if (path == MH_JBITS_AVX512)
		return __builtin_cpu_supports("avx512bw") != 0;
	if (path == MH_JBITS_AVX2)
		return __builtin_cpu_supports("avx2") != 0;
#endif
	return path == MH_JBITS_SSE2;
}

static int best(void)
{
	return has(MH_JBITS_AVX512) ? MH_JBITS_AVX512
	       : has(MH_JBITS_AVX2) ? MH_JBITS_AVX2
	                            : MH_JBITS_SSE2;
}

int mh_jbits_path(int want)
{
	forced = want != MH_JBITS_AUTO && has(want) ? want : MH_JBITS_AUTO;
	return forced ? forced : best();
}

int mh_jbits_find(struct mh_jbits *b, const char *p, size_t n)
{
	if (n > MH_JBITS_MAX) {
		b->p = NULL;
		b->n = b->nw = 0;
		return 0;
	}
	b->p = p;
	b->n = n;
	b->nw = (n + 63) / 64;
	const unsigned char *q = (const unsigned char *)p;
	int path = forced ? forced : best();
#if MH_HAVE_WIDE
	if (path == MH_JBITS_AVX512) {
		find_avx512(q, n, b);
		return 1;
	}
	if (path == MH_JBITS_AVX2) {
		find_avx2(q, n, b);
		return 1;
	}
#endif
	(void)path;
	find_sse2(q, n, b);
	return 1;
}
