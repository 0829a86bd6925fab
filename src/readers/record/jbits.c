/* jbits.c - see jbits.h.
 *
 * Each path makes, for a block of 64 bytes, the masks of its bytes that
 * are a quote, a backslash, a control byte, an 'n' in either case (the
 * byte with 0x20 set is 'n'), a bracket ('[' and '{' are one byte with
 * 0x20 set, ']' and '}' another) and a colon or comma; finish() turns
 * them into the words of struct mh_jbits, carrying from block to block
 * whether the last byte was an 'n', ended a run of backslashes of odd
 * length, or was inside a string. The last partial block is copied into
 * spaces, which are in no mask. The bytes are ORed together for the
 * high bit.
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
	uint64_t q, bs, ctl, nn, brk, sep;
};

/* What one block leaves to the next. */
struct carry {
	uint64_t nn;  /* 1: the last byte was an 'n' */
	uint64_t esc; /* 1: it ended a run of backslashes of odd length */
	uint64_t ins; /* all ones: it was inside a string */
	uint64_t stray; /* backslashes outside strings */
};

/* The bytes escaped by a backslash: those right after a run of
 * backslashes of odd length (a run's backslashes escape each other in
 * pairs), wherever the run is. A run's start plus the run carries to its
 * end; the parity of start and end tells the length's. *prev: 1 when the
 * last block ended in a run of odd length (a run going on into this
 * block counts from bit 0 with the other parity). */
static inline uint64_t escaped(uint64_t bs, uint64_t *prev)
{
	if (!bs && !*prev)
		return 0; /* most blocks */
	const uint64_t even = 0x5555555555555555ULL, odd = ~even;
	uint64_t start = bs & ~(bs << 1);
	uint64_t even_start_mask = even ^ *prev;
	uint64_t even_starts = start & even_start_mask;
	uint64_t odd_starts = start & ~even_start_mask;
	uint64_t even_carries = bs + even_starts;
	uint64_t odd_carries;
	int ends_odd = __builtin_add_overflow(bs, odd_starts, &odd_carries);
	odd_carries |= *prev;
	*prev = ends_odd ? 1 : 0;
	return (even_carries & ~bs & odd) | (odd_carries & ~bs & even);
}

/* Bit i set when an odd number of bits at or below i are. */
static inline uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* The block's words from its masks; PX: the prefix XOR to use. */
#define FINISH(b, k, m, c, PX)                                                 \
	do {                                                                   \
		uint64_t stop_ = (m)->q | (m)->bs | (m)->ctl;                  \
		(b)->stop[k] = stop_;                                          \
		(b)->opn[k] = stop_ & ((m)->nn << 1 | (c)->nn);                \
		(c)->nn = (m)->nn >> 63;                                       \
		uint64_t realq_ = (m)->q & ~escaped((m)->bs, &(c)->esc);       \
		uint64_t ins_ = PX(realq_) ^ (c)->ins;                         \
		(c)->ins = (uint64_t)((int64_t)ins_ >> 63);                    \
		(b)->tok[k] = realq_ | (((m)->brk | (m)->sep) & ~ins_);        \
		(b)->nest[k] = (m)->brk & ~ins_;                               \
		(c)->stray |= (m)->bs & ~ins_;                                 \
	} while (0)

/* The portable path: 16 bytes a step with SSE2 (every x86-64). */
static void blk_sse2(const unsigned char *q, struct blk *m, int *high)
{
	memset(m, 0, sizeof(*m));
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              c1f = _mm_set1_epi8(0x1f), fold = _mm_set1_epi8(0x20),
	              ln = _mm_set1_epi8('n'), lo = _mm_set1_epi8('{'),
	              lc = _mm_set1_epi8('}'), colon = _mm_set1_epi8(':'),
	              comma = _mm_set1_epi8(',');
	__m128i hi = _mm_setzero_si128();
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128(
		        (const __m128i *)(const void *)(q + 16 * k));
		__m128i f = _mm_or_si128(v, fold);
		int sh = 16 * k;
		hi = _mm_or_si128(hi, v);
		m->q |= (uint64_t)(unsigned)_mm_movemask_epi8(
		                _mm_cmpeq_epi8(v, quote))
		        << sh;
		m->bs |= (uint64_t)(unsigned)_mm_movemask_epi8(
		                 _mm_cmpeq_epi8(v, bs))
		         << sh;
		m->ctl |= (uint64_t)(unsigned)_mm_movemask_epi8(
		                  _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f))
		          << sh;
		m->nn |= (uint64_t)(unsigned)_mm_movemask_epi8(
		                 _mm_cmpeq_epi8(f, ln))
		         << sh;
		m->brk |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(
		                  _mm_cmpeq_epi8(f, lo), _mm_cmpeq_epi8(f, lc)))
		          << sh;
		m->sep |= (uint64_t)(unsigned)_mm_movemask_epi8(
		                  _mm_or_si128(_mm_cmpeq_epi8(v, colon),
		                               _mm_cmpeq_epi8(v, comma)))
		          << sh;
	}
	*high |= _mm_movemask_epi8(hi) != 0;
#else
	for (int k = 0; k < 64; k++) {
		uint64_t bit = (uint64_t)1 << k;
		unsigned char c = q[k], f = c | 0x20;
		m->q |= c == '"' ? bit : 0;
		m->bs |= c == '\\' ? bit : 0;
		m->ctl |= c < 0x20 ? bit : 0;
		m->nn |= f == 'n' ? bit : 0;
		m->brk |= f == '{' || f == '}' ? bit : 0;
		m->sep |= c == ':' || c == ',' ? bit : 0;
		*high |= c >= 0x80;
	}
#endif
}

static void find_sse2(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	struct carry c = {0, 0, 0, 0};
	struct blk m;
	int high = 0;
	size_t i = 0, k = 0;
	for (; i + 64 <= n; i += 64, k++) {
		blk_sse2(p + i, &m, &high);
		FINISH(b, k, &m, &c, prefix_xor);
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_sse2(t, &m, &high);
		FINISH(b, k, &m, &c, prefix_xor);
	}
	b->high = high;
	b->stray = c.stray != 0;
}

#if MH_HAVE_WIDE
/* prefix_xor as a carry-less multiply by all ones. */
__attribute__((target("pclmul"))) static inline uint64_t px_clmul(uint64_t x)
{
	__m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x),
	                                 _mm_set1_epi8((char)0xff), 0);
	return (uint64_t)_mm_cvtsi128_si64(r);
}

/* 32 bytes at q into bits sh.. of m; hi ORs the bytes. */
__attribute__((target("avx2"))) static inline void
half_avx2(const unsigned char *q, struct blk *m, int sh, __m256i *hi)
{
	const __m256i quote = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\'),
	              c1f = _mm256_set1_epi8(0x1f), fold = _mm256_set1_epi8(0x20),
	              ln = _mm256_set1_epi8('n'), lo = _mm256_set1_epi8('{'),
	              lc = _mm256_set1_epi8('}'), colon = _mm256_set1_epi8(':'),
	              comma = _mm256_set1_epi8(',');
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q);
	__m256i f = _mm256_or_si256(v, fold);
	*hi = _mm256_or_si256(*hi, v);
	m->q |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	                _mm256_cmpeq_epi8(v, quote))
	        << sh;
	m->bs |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	                 _mm256_cmpeq_epi8(v, bs))
	         << sh;
	m->ctl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	                  _mm256_cmpeq_epi8(_mm256_max_epu8(v, c1f), c1f))
	          << sh;
	m->nn |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	                 _mm256_cmpeq_epi8(f, ln))
	         << sh;
	m->brk |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
	                  _mm256_cmpeq_epi8(f, lo), _mm256_cmpeq_epi8(f, lc)))
	          << sh;
	m->sep |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	                  _mm256_or_si256(_mm256_cmpeq_epi8(v, colon),
	                                  _mm256_cmpeq_epi8(v, comma)))
	          << sh;
}

__attribute__((target("avx2,pclmul"))) static void
find_avx2(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	struct carry c = {0, 0, 0, 0};
	struct blk m;
	__m256i hi = _mm256_setzero_si256();
	size_t i = 0, k = 0;
	for (; i + 64 <= n; i += 64, k++) {
		m = (struct blk){0, 0, 0, 0, 0, 0};
		half_avx2(p + i, &m, 0, &hi);
		half_avx2(p + i + 32, &m, 32, &hi);
		FINISH(b, k, &m, &c, px_clmul);
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		m = (struct blk){0, 0, 0, 0, 0, 0};
		half_avx2(t, &m, 0, &hi);
		half_avx2(t + 32, &m, 32, &hi);
		FINISH(b, k, &m, &c, px_clmul);
	}
	b->high = _mm256_movemask_epi8(hi) != 0;
	b->stray = c.stray != 0;
}

__attribute__((target("avx512bw"))) static inline void
blk_avx512(const unsigned char *q, struct blk *m, __m512i *hi)
{
	const __m512i quote = _mm512_set1_epi8('"'), bs = _mm512_set1_epi8('\\'),
	              c1f = _mm512_set1_epi8(0x1f), fold = _mm512_set1_epi8(0x20),
	              ln = _mm512_set1_epi8('n'), lo = _mm512_set1_epi8('{'),
	              lc = _mm512_set1_epi8('}'), colon = _mm512_set1_epi8(':'),
	              comma = _mm512_set1_epi8(',');
	__m512i v = _mm512_loadu_si512((const void *)q);
	__m512i f = _mm512_or_si512(v, fold);
	*hi = _mm512_or_si512(*hi, v);
	m->q = _mm512_cmpeq_epi8_mask(v, quote);
	m->bs = _mm512_cmpeq_epi8_mask(v, bs);
	m->ctl = _mm512_cmple_epu8_mask(v, c1f);
	m->nn = _mm512_cmpeq_epi8_mask(f, ln);
	m->brk = _mm512_cmpeq_epi8_mask(f, lo) | _mm512_cmpeq_epi8_mask(f, lc);
	m->sep = _mm512_cmpeq_epi8_mask(v, colon) |
	         _mm512_cmpeq_epi8_mask(v, comma);
}

__attribute__((target("avx512bw,pclmul"))) static void
find_avx512(const unsigned char *p, size_t n, struct mh_jbits *b)
{
	struct carry c = {0, 0, 0, 0};
	struct blk m;
	__m512i hi = _mm512_setzero_si512();
	size_t i = 0, k = 0;
	for (; i + 64 <= n; i += 64, k++) {
		blk_avx512(p + i, &m, &hi);
		FINISH(b, k, &m, &c, px_clmul);
	}
	if (i < n) {
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		blk_avx512(t, &m, &hi);
		FINISH(b, k, &m, &c, px_clmul);
	}
	b->high = _mm512_movepi8_mask(hi) != 0;
	b->stray = c.stray != 0;
}
#endif

/* Written only by tests, before any thread reads (jbits.h). */
static int forced;

static int has(int path)
{
#if MH_HAVE_WIDE
	/* every CPU with AVX2 has PCLMULQDQ; asked all the same */
	if (!__builtin_cpu_supports("pclmul"))
		return path == MH_JBITS_SSE2;
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
	b->stop[b->nw] = b->tok[b->nw] = 0;
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
