/* jbits.c - see jbits.h.
 *
 * Each path makes, for a block of 64 bytes, three masks: qb (quote or
 * backslash), ctl (a byte below 0x20) and nn (an 'n' in either case:
 * the byte with 0x20 set is 'n'); stop = qb | ctl, and opn = qb at the
 * places whose previous byte is in nn (the last bit of a block carried
 * into the next). The last partial block is copied into spaces, which
 * are in no mask. The bytes are ORed together for the high bit.
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
	uint64_t qb, ctl, nn;
	int high;
};

static void blk_scalar(const unsigned char *q, struct blk *m)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              c1f = _mm_set1_epi8(0x1f), fold = _mm_set1_epi8(0x20),
	              ln = _mm_set1_epi8('n');
	__m128i hi = _mm_setzero_si128();
	m->qb = m->ctl = m->nn = 0;
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128(
		        (const __m128i *)(const void *)(q + 16 * k));
		hi = _mm_or_si128(hi, v);
		uint64_t qb = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		        _mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)));
		uint64_t ct = (unsigned)_mm_movemask_epi8(
		        _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f));
		uint64_t nn = (unsigned)_mm_movemask_epi8(
		        _mm_cmpeq_epi8(_mm_or_si128(v, fold), ln));
		m->qb |= qb << (16 * k);
		m->ctl |= ct << (16 * k);
		m->nn |= nn << (16 * k);
	}
	m->high = _mm_movemask_epi8(hi) != 0;
#else
	m->qb = m->ctl = m->nn = 0;
	m->high = 0;
	for (int k = 0; k < 64; k++) {
		uint64_t bit = (uint64_t)1 << k;
		if (q[k] == '"' || q[k] == '\\')
			m->qb |= bit;
		if (q[k] < 0x20)
			m->ctl |= bit;
		if ((q[k] | 0x20) == 'n')
			m->nn |= bit;
		if (q[k] >= 0x80)
			m->high = 1;
	}
#endif
}

#if MH_HAVE_WIDE
__attribute__((target("avx2"))) static inline void
blk_avx2(const unsigned char *q, struct blk *m)
{
	const __m256i quote = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\'),
	              c1f = _mm256_set1_epi8(0x1f), fold = _mm256_set1_epi8(0x20),
	              ln = _mm256_set1_epi8('n');
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)q);
	__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32));
	uint64_t qa = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
	        _mm256_cmpeq_epi8(a, quote), _mm256_cmpeq_epi8(a, bs)));
	uint64_t qb = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
	        _mm256_cmpeq_epi8(b, quote), _mm256_cmpeq_epi8(b, bs)));
	uint64_t ca = (uint32_t)_mm256_movemask_epi8(
	        _mm256_cmpeq_epi8(_mm256_max_epu8(a, c1f), c1f));
	uint64_t cb = (uint32_t)_mm256_movemask_epi8(
	        _mm256_cmpeq_epi8(_mm256_max_epu8(b, c1f), c1f));
	uint64_t na = (uint32_t)_mm256_movemask_epi8(
	        _mm256_cmpeq_epi8(_mm256_or_si256(a, fold), ln));
	uint64_t nb = (uint32_t)_mm256_movemask_epi8(
	        _mm256_cmpeq_epi8(_mm256_or_si256(b, fold), ln));
	m->qb = qa | qb << 32;
	m->ctl = ca | cb << 32;
	m->nn = na | nb << 32;
	m->high = _mm256_movemask_epi8(_mm256_or_si256(a, b)) != 0;
}

__attribute__((target("avx2"))) static void
find_avx2(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	uint64_t carry = 0;
	int high = 0;
	size_t i = 0, k = 0;
	struct blk m;
	for (; i + 64 <= n; i += 64, k++) {
		blk_avx2(p + i, &m);
		b->stop[k] = m.qb | m.ctl;
		b->opn[k] = m.qb & (m.nn << 1 | carry);
		carry = m.nn >> 63;
		high |= m.high;
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_avx2(t, &m);
		b->stop[k] = m.qb | m.ctl;
		b->opn[k] = m.qb & (m.nn << 1 | carry);
		high |= m.high;
	}
	b->high = high;
}

__attribute__((target("avx512bw"))) static inline void
blk_avx512(const unsigned char *q, struct blk *m)
{
	const __m512i quote = _mm512_set1_epi8('"'), bs = _mm512_set1_epi8('\\'),
	              c1f = _mm512_set1_epi8(0x1f), fold = _mm512_set1_epi8(0x20),
	              ln = _mm512_set1_epi8('n');
	__m512i v = _mm512_loadu_si512((const void *)q);
	m->qb = _mm512_cmpeq_epi8_mask(v, quote) | _mm512_cmpeq_epi8_mask(v, bs);
	m->ctl = _mm512_cmple_epu8_mask(v, c1f);
	m->nn = _mm512_cmpeq_epi8_mask(_mm512_or_si512(v, fold), ln);
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
		b->stop[k] = m.qb | m.ctl;
		b->opn[k] = m.qb & (m.nn << 1 | carry);
		carry = m.nn >> 63;
		high |= m.high;
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_avx512(t, &m);
		b->stop[k] = m.qb | m.ctl;
		b->opn[k] = m.qb & (m.nn << 1 | carry);
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
		b->stop[k] = m.qb | m.ctl;
		b->opn[k] = m.qb & (m.nn << 1 | carry);
		carry = m.nn >> 63;
		high |= m.high;
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_scalar(t, &m);
		b->stop[k] = m.qb | m.ctl;
		b->opn[k] = m.qb & (m.nn << 1 | carry);
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
