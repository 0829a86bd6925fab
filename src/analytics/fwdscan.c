/* fwdscan.c - the SIMD stages of the "looks forwarded" body test
 * (fwdscan.h): the literal filter over raw body bytes, base64 decoding,
 * and the backward search for HTML tag characters.
 */
#include "analytics/fwdscan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "core/b64.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) &&                                \
        (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MH_HAVE_AVX2 1
#endif

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

/* MARK: - nouns */

/* The nouns of the separator phrases (one is in each, in ASCII letters,
 * fwdlang.c) and of "message/rfc822": a line the machine would find holds
 * one of them. Lower case; grouped by their first two letters, which the
 * SIMD pass looks for. */
static const struct noun {
	const char *s;
	size_t n;
} nouns[] = {
        {"messag", 6},  {"mensaj", 6},    {"mensag", 6},  {"meddel", 6},
        {"melding", 7}, {"nachricht", 9}, {"bericht", 7}, {"besked", 6},
        {"brev", 4},    {"viesti", 6},    {"wiadomo", 7},
};
#define NNOUNS (sizeof(nouns) / sizeof(nouns[0]))

static int ieq(const char *p, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char)p[i]) != lower[i])
			return 0;
	return 1;
}

/* The first letter picks the few to compare. */
int mh_fwdscan_noun_at(const char *p, size_t n)
{
	if (n < 4)
		return 0;
	int c = lc((unsigned char)p[0]);
	if (c != 'm' && c != 'n' && c != 'b' && c != 'v' && c != 'w')
		return 0;
	for (size_t k = 0; k < NNOUNS; k++)
		if (nouns[k].s[0] == c && nouns[k].n <= n &&
		    ieq(p, nouns[k].s, nouns[k].n))
			return 1;
	return 0;
}

int mh_fwdscan_noun_across(const char *p, size_t n, size_t cut)
{
	for (size_t i = 0; i < cut; i++) {
		int c = lc((unsigned char)p[i]);
		if (c != 'm' && c != 'n' && c != 'b' && c != 'v' && c != 'w')
			continue;
		for (size_t k = 0; k < NNOUNS; k++) {
			size_t l = nouns[k].n;
			if (nouns[k].s[0] == c && l <= n - i && i + l > cut &&
			    ieq(p + i, nouns[k].s, l))
				return 1;
		}
	}
	return 0;
}

/* Bit b of bigram[a] ('a'..'z' as 0..25): some noun holds the letters
 * a, b one after the other; bit c of trigram[a * 26 + b]: letters a, b,
 * c. Built once (tabs_build). */
/* Index 26 stands for any byte that is no letter: its rows and bits are
 * 0, so lookups need no test (lidx maps a byte to its index). */
static uint32_t bigram[27];
static uint32_t trigram[27 * 27];
static unsigned char lidx[256];

static void grams_build(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned v = (unsigned)(c | 0x20) - 'a';
		lidx[c] = (unsigned char)(v < 26 ? v : 26);
	}
	for (size_t k = 0; k < NNOUNS; k++) {
		const char *w = nouns[k].s;
		for (size_t i = 0; i + 1 < nouns[k].n; i++) {
			int a = w[i] - 'a', b = w[i + 1] - 'a';
			bigram[a] |= UINT32_C(1) << b;
			if (i + 2 < nouns[k].n)
				trigram[a * 27 + b] |= UINT32_C(1)
				                       << (w[i + 2] - 'a');
		}
	}
}

/* Why this is enough (fwdscan.h): take the first soft break inside a
 * noun whose letters are all in the raw bytes (a hidden one is a hit of
 * its own), k letters of the noun before it and the rest after. The k
 * letters are the raw bytes right before the '=' (no break comes
 * earlier in the noun). With k >= 2 the last two of them and the letter
 * after the break are three letters of the noun; with k == 1, the letter
 * before and the two after are, unless only one letter comes before the
 * next break (then a '=' follows that letter). */
static inline int soft_hit(const char *p, size_t n, size_t i)
{
	size_t k;
	if (i == 0 || i + 2 >= n || p[i] != '=')
		return 0;
	if (p[i + 1] == '\n')
		k = i + 2;
	else if (p[i + 1] == '\r' && p[i + 2] == '\n' && i + 3 < n)
		k = i + 3;
	else
		return 0;
	unsigned a = lidx[(unsigned char)p[i - 1]],
	         c = lidx[(unsigned char)p[k]];
	if (!(bigram[a] >> c & 1))
		return 0;
	if (i >= 2 &&
	    (trigram[lidx[(unsigned char)p[i - 2]] * 27 + a] >> c & 1))
		return 1;
	if (k + 1 >= n)
		return 0;
	if (p[k + 1] == '=')
		return 1;
	return (trigram[a * 27 + c] >> lidx[(unsigned char)p[k + 1]] & 1) != 0;
}

/* soft_hit() without branches, for the '=' of "=\n" or "=\r\n" at p[i]
 * with p[i - 2 .. i + 4] in the body. */
static inline uint64_t soft_fast(const unsigned char *p, size_t i)
{
	size_t k = i + 3 - (p[i + 1] == '\n');
	unsigned z = lidx[p[i - 2]], a = lidx[p[i - 1]], c = lidx[p[k]],
	         d = lidx[p[k + 1]];
	uint32_t t = (trigram[z * 27 + a] >> c) | (trigram[a * 27 + c] >> d) |
	             (uint32_t)(p[k + 1] == '=');
	return (bigram[a] >> c) & t & 1;
}

static void tabs_ready(void);

int mh_fwdscan_soft_hit(const char *p, size_t n, size_t i)
{
	tabs_ready();
	return soft_hit(p, n, i);
}

/* MARK: - the filter */

static int hit_at(const char *p, size_t n, size_t i)
{
	unsigned char b = (unsigned char)p[i];
	unsigned char c = i + 1 < n ? (unsigned char)p[i + 1] : 0;
	unsigned char d = i + 2 < n ? (unsigned char)p[i + 2] : 0;
	unsigned char e = i + 3 < n ? (unsigned char)p[i + 3] : 0;
	if (b == '&')
		return (c == '#' && ((d >= '0' && d <= '9') ||
		                     (d | 0x20) == 'x' || d == '=')) ||
		       (c == '=' && (d == '\n' || (d == '\r' && e == '\n')));
	if (b == '=') {
		if (c >= '4' && c <= '7')
			return (d >= '0' && d <= '9') ||
			       ((d | 0x20) >= 'a' && (d | 0x20) <= 'f');
		if (c == '2')
			return d == '3' || d == '6';
		return soft_hit(p, n, i);
	}
	if (i + 3 >= n)
		return 0;
	char w[4] = {(char)lc(b), (char)lc(c), (char)lc(d), (char)lc(e)};
	static const char heads[][4] = {
	        {'m', 'e', 's', 's'}, {'m', 'e', 'n', 's'},
	        {'m', 'e', 'd', 'd'}, {'m', 'e', 'l', 'd'},
	        {'n', 'a', 'c', 'h'}, {'b', 'e', 'r', 'i'},
	        {'b', 'e', 's', 'k'}, {'b', 'r', 'e', 'v'},
	        {'v', 'i', 'e', 's'}, {'w', 'i', 'a', 'd'},
	        {'b', 'a', 's', 'e'},
	};
	for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		if (!memcmp(w, heads[k], 4))
			return 1;
	return 0;
}

int mh_fwdscan_hit_at(const char *p, size_t n, size_t i)
{
	tabs_ready();
	return hit_at(p, n, i);
}

/* The vector kernels test 64 positions at a time and hand out the hits
 * of a block from a bit mask; the last few positions (whose loads would
 * pass the end) go through a padded copy (AVX2) or to the scalar test. A soft line break is found by the vectors ('=' then "\n" or
 * "\r\n") and judged by mh_fwdscan_soft_hit() inside the loop: Exchange
 * HTML in quoted-printable has one on nearly every line, and few of them
 * pass. */

/* Soft-break candidates of a block, judged at their offsets in the real
 * body rp[0..rn) (base + bit). */
static uint64_t soft_hits(uint64_t soft, const char *rp, size_t rn, size_t base)
{
	uint64_t keep = 0;
	while (soft) {
		unsigned b = (unsigned)__builtin_ctzll(soft);
		size_t j = base + b;
		soft &= soft - 1;
		keep |= (j >= 2 && j + 4 < rn
		                 ? soft_fast((const unsigned char *)rp, j)
		                 : (uint64_t)soft_hit(rp, rn, j))
		        << b;
	}
	return keep;
}

#if defined(__SSE2__)
/* The vector test of mh_fwdscan_hit_at for 16 positions from q, without
 * the judgement of soft breaks: (out) the other hits, (soft) the '=' of
 * "=\n" and "=\r\n". The loads read q[0 .. 19). */
#define HIT_SSE2(q, out, soft)                                                 \
	do {                                                                   \
		__m128i x1 = L(q), x2 = L((q) + 1), x3 = L((q) + 2),           \
		        x4 = L((q) + 3);                                       \
		__m128i f1 = O(x1, B(0x20)), f2 = O(x2, B(0x20)),              \
		        f3 = O(x3, B(0x20)), f4 = O(x4, B(0x20));              \
		__m128i me = A(E(f1, B('m')), E(f2, B('e')));                  \
		__m128i mm =                                                   \
		        O(O(A(E(f3, B('s')), E(f4, B('s'))),                   \
		            A(E(f3, B('n')), E(f4, B('s')))),                  \
		          A(O(E(f3, B('d')), E(f3, B('l'))), E(f4, B('d'))));  \
		__m128i h = A(me, mm);                                         \
		h = O(h, A(A(E(f1, B('n')), E(f2, B('a'))),                    \
		           A(E(f3, B('c')), E(f4, B('h')))));                  \
		__m128i b1 = E(f1, B('b'));                                    \
		__m128i be = A(b1, E(f2, B('e')));                             \
		h = O(h, A(be, O(A(E(f3, B('r')), E(f4, B('i'))),              \
		                 A(E(f3, B('s')), E(f4, B('k'))))));           \
		h = O(h, A(A(b1, E(f2, B('r'))),                               \
		           A(E(f3, B('e')), E(f4, B('v')))));                  \
		h = O(h, A(A(b1, E(f2, B('a'))),                               \
		           A(E(f3, B('s')), E(f4, B('e')))));                  \
		__m128i vi =                                                   \
		        A(O(E(f1, B('v')), E(f1, B('w'))), E(f2, B('i')));     \
		h = O(h, A(vi, O(A(A(E(f1, B('v')), E(f3, B('e'))),            \
		                   E(f4, B('s'))),                             \
		                 A(A(E(f1, B('w')), E(f3, B('a'))),            \
		                   E(f4, B('d'))))));                          \
		h = O(h, A(E(x1, B('&')),                                      \
		           O(E(x2, B('#')),                                    \
		             A(E(x2, B('=')),                                  \
		               O(E(x3, B('\n')), E(x3, B('\r')))))));          \
		__m128i eq = E(x1, B('='));                                    \
		__m128i d4 = _mm_sub_epi8(x2, B('4'));                         \
		__m128i esc =                                                  \
		        O(E(_mm_min_epu8(d4, B(3)), d4),                       \
		          A(E(x2, B('2')), O(E(x3, B('3')), E(x3, B('6')))));  \
		(out) = O(h, A(eq, esc));                                      \
		(soft) = A(eq, O(E(x2, B('\n')),                               \
		                 A(E(x2, B('\r')), E(x3, B('\n')))));          \
	} while (0)

/* From i on, 64 positions at a time while a block's loads, p[i .. i +
 * 67), stay within n: the first block with a hit (its offset in *at) and
 * its mask, or 0 and where it stopped. */
static uint64_t scan_sse2(const char *p, size_t n, size_t i, size_t lim,
                          size_t *at)
{
#define L(a) _mm_loadu_si128((const __m128i *)(a))
#define E    _mm_cmpeq_epi8
#define A    _mm_and_si128
#define O    _mm_or_si128
#define B    _mm_set1_epi8
	for (; i + 67 <= n && i < lim; i += 64) {
		uint64_t all = 0, soft = 0;
		for (int k = 0; k < 4; k++) {
			const char *q = p + i + 16 * (size_t)k;
			__m128i m, s;
			HIT_SSE2(q, m, s);
			all |= (uint64_t)(unsigned)_mm_movemask_epi8(m)
			       << (16 * k);
			soft |= (uint64_t)(unsigned)_mm_movemask_epi8(s)
			        << (16 * k);
		}
		if (soft)
			all |= soft_hits(soft, p, n, i);
		if (all) {
			*at = i;
			return all;
		}
	}
#undef L
#undef E
#undef A
#undef O
#undef B
	*at = i;
	return 0;
}
#undef HIT_SSE2
#endif

/* With AVX2, a Teddy-style filter (after Hyperscan's): each of the four
 * bytes from a position is tested against eight buckets of allowed bytes
 * by two 16-entry tables (one per nibble) and a byte shuffle; a position
 * passes when some bucket allows all four. The buckets (letters in either
 * case, NULL: any byte):
 *   "mess" "mens" | "medd" "meld" | "nach" | "beri" "besk" |
 *   "brev" "base" | "vies" "wiad" | '&', '#' or '=', then a digit, 'x',
 *   '=', '\n' or '\r' (a numeric entity that can give a letter: its
 *   number may start with an escape or a soft break, and a soft break may
 *   come before the '#') | '=', '2' or '4'..'7', a hex digit (an escape).
 * Four bytes of a noun, not three: "view", "members", "back" pass three.
 * The nibble tables let some other strings pass ("bree", "=:"), never
 * another first byte: the consumers check what they take. Soft breaks
 * are found apart (three compares) and judged in the loop. */
struct mh_fwdscan_tabs {
	unsigned char lo[4][16], hi[4][16];
};

#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static void teddy_build(struct mh_fwdscan_tabs *t)
{
	static const struct {
		unsigned char bucket;
		const char *b[4];
	} lits[] = {
	        {0, {"mM", "eE", "sSnN", "sS"}},
	        {1, {"mM", "eE", "dDlL", "dD"}},
	        {2, {"nN", "aA", "cC", "hH"}},
	        {3, {"bB", "eE", "rRsS", "iIkK"}},
	        {4, {"bB", "rRaA", "eEsS", "vVeE"}},
	        {5, {"vVwW", "iI", "eEaA", "sSdD"}},
	        {6, {"&", "#=", "0123456789xX=\n\r", NULL}},
	        {7, {"=", "24567", "0123456789ABCDEFabcdef", NULL}},
	};
	memset(t, 0, sizeof(*t));
	for (size_t k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		unsigned char bit = (unsigned char)(1u << lits[k].bucket);
		for (int j = 0; j < 4; j++) {
			const char *c = lits[k].b[j];
			if (!c) {
				for (int x = 0; x < 16; x++) {
					t->lo[j][x] |= bit;
					t->hi[j][x] |= bit;
				}
				continue;
			}
			for (; *c; c++) {
				t->lo[j][(unsigned char)*c & 15] |= bit;
				t->hi[j][(unsigned char)*c >> 4] |= bit;
			}
		}
	}
}

#if defined(MH_HAVE_AVX2)
/* One byte position of a Teddy step: the buckets that allow x. */
#define TEDDY_BYTE(lo, hi, x)                                                  \
	_mm256_and_si256(                                                      \
	        _mm256_shuffle_epi8(lo, _mm256_and_si256(x, nib)),             \
	        _mm256_shuffle_epi8(                                           \
	                hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)))

/* From i on, 64 positions at a time while a block's loads, p[i .. i +
 * 67), stay within n: the first block with a hit
 * (its offset in *at) and its mask, or 0 and where it stopped. p[0..n)
 * is rp[roff ..]: soft breaks are judged in the real body rp[0..rn) (p
 * may be a padded copy of its end). */
__attribute__((target("avx2"))) static uint64_t
scan_avx2(const struct mh_fwdscan_tabs *t, const char *p, size_t n, size_t i,
          size_t lim, size_t *at, const char *rp, size_t rn, size_t roff)
{
	const __m256i zero = _mm256_setzero_si256(),
	              nib = _mm256_set1_epi8(0x0f), eqc = _mm256_set1_epi8('='),
	              nlc = _mm256_set1_epi8('\n'),
	              crc = _mm256_set1_epi8('\r');
#define TAB(a)                                                                 \
	_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(a)))
	/* Named, not an array: GCC keeps all eight in registers. */
	const __m256i lo0 = TAB(t->lo[0]), lo1 = TAB(t->lo[1]),
	              lo2 = TAB(t->lo[2]), lo3 = TAB(t->lo[3]),
	              hi0 = TAB(t->hi[0]), hi1 = TAB(t->hi[1]),
	              hi2 = TAB(t->hi[2]), hi3 = TAB(t->hi[3]);
#undef TAB
	for (; i + 67 <= n && i < lim; i += 64) {
		uint64_t none = 0, soft = 0;
		/* Bodies come from memory, not cache: ask ahead. */
		_mm_prefetch(p + i + 512, _MM_HINT_T0);
		for (int k = 0; k < 2; k++) {
			const char *q = p + i + 32 * (size_t)k;
#define LD(o) _mm256_loadu_si256((const __m256i *)(q + (o)))
			__m256i x0 = LD(0), x1 = LD(1), x2 = LD(2), x3 = LD(3);
			__m256i m = _mm256_and_si256(
			        _mm256_and_si256(TEDDY_BYTE(lo0, hi0, x0),
			                         TEDDY_BYTE(lo1, hi1, x1)),
			        _mm256_and_si256(TEDDY_BYTE(lo2, hi2, x2),
			                         TEDDY_BYTE(lo3, hi3, x3)));
			none |= (uint64_t)(unsigned)_mm256_movemask_epi8(
			                _mm256_cmpeq_epi8(m, zero))
			        << (32 * k);
#undef LD
			/* '=' then "\n" or "\r\n". */
			__m256i s = _mm256_and_si256(
			        _mm256_cmpeq_epi8(x0, eqc),
			        _mm256_or_si256(
			                _mm256_cmpeq_epi8(x1, nlc),
			                _mm256_and_si256(
			                        _mm256_cmpeq_epi8(x1, crc),
			                        _mm256_cmpeq_epi8(x2, nlc))));
			soft |= (uint64_t)(unsigned)_mm256_movemask_epi8(s)
			        << (32 * k);
		}
		uint64_t hit = ~none;
		if (soft)
			hit |= soft_hits(soft, rp, rn, roff + i);
		if (hit) {
			*at = i;
			return hit;
		}
	}
	*at = i;
	return 0;
}
#undef TEDDY_BYTE

/* The last positions, whose loads would pass the end: 64 at most from
 * i, through a copy with zero bytes after it (a byte past n counts as 0
 * for mh_fwdscan_hit_at too). */
__attribute__((target("avx2"))) static uint64_t
edge_avx2(const struct mh_fwdscan_tabs *t, const char *p, size_t n, size_t i,
          size_t *len)
{
	char buf[64 + 3] = {0};
	size_t k = n - i < 64 ? n - i : 64, c = n - i < 67 ? n - i : 67;
	memcpy(buf, p + i, c);
	size_t at;
	uint64_t m = scan_avx2(t, buf, sizeof(buf), 0, 1, &at, p, n, i);
	*len = k;
	return k == 64 ? m : m & ((UINT64_C(1) << k) - 1);
}
#endif

/* The tables, built once for every thread. */
static struct mh_fwdscan_tabs teddy_tab;
static pthread_once_t tabs_once = PTHREAD_ONCE_INIT;

static void tabs_build(void)
{
	teddy_build(&teddy_tab);
	grams_build();
}

static void tabs_ready(void)
{
	pthread_once(&tabs_once, tabs_build);
}

/* The kernel forced by mh_fwdscan_use() (AUTO: none). */
static _Atomic int forced = MH_FWDSCAN_AUTO;

static int have(enum mh_fwdscan_kernel k)
{
	switch (k) {
	case MH_FWDSCAN_AUTO:
	case MH_FWDSCAN_SCALAR: return 1;
	case MH_FWDSCAN_SSE2:
#if defined(__SSE2__)
		return 1;
#else
		return 0;
#endif
	case MH_FWDSCAN_AVX2:
#if defined(MH_HAVE_AVX2)
		/* libgcc has read the CPU before main(): a load and a test. */
		return __builtin_cpu_supports("avx2") != 0;
#else
		return 0;
#endif
	}
	return 0;
}

int mh_fwdscan_use(enum mh_fwdscan_kernel k)
{
	if (!have(k))
		return -1;
	atomic_store_explicit(&forced, (int)k, memory_order_relaxed);
	return 0;
}

/* The best kernel of this machine once known (AUTO: not yet). */
static _Atomic int best = MH_FWDSCAN_AUTO;

enum mh_fwdscan_kernel mh_fwdscan_kernel(void)
{
	int k = atomic_load_explicit(&forced, memory_order_relaxed);
	if (k != MH_FWDSCAN_AUTO)
		return (enum mh_fwdscan_kernel)k;
	k = atomic_load_explicit(&best, memory_order_relaxed);
	if (k != MH_FWDSCAN_AUTO)
		return (enum mh_fwdscan_kernel)k;
	k = have(MH_FWDSCAN_AVX2)   ? MH_FWDSCAN_AVX2
	    : have(MH_FWDSCAN_SSE2) ? MH_FWDSCAN_SSE2
	                            : MH_FWDSCAN_SCALAR;
	atomic_store_explicit(&best, k, memory_order_relaxed);
	return (enum mh_fwdscan_kernel)k;
}

void mh_fwdscan_init(struct mh_fwdscan *it, const char *p, size_t n,
                     size_t from)
{
	tabs_ready();
	it->t = &teddy_tab;
	it->p = p;
	it->n = n;
	it->mask = 0;
	it->blk = from;
	it->next = from;
	it->skip_from = n;
	it->skip_to = n;
	it->kernel = (int)mh_fwdscan_kernel();
}

void mh_fwdscan_skip(struct mh_fwdscan *it, size_t from, size_t to)
{
	it->skip_from = from;
	it->skip_to = to;
}

size_t mh_fwdscan_next(struct mh_fwdscan *it, size_t from)
{
	for (;;) {
		while (it->mask) {
			size_t i = it->blk + (size_t)__builtin_ctzll(it->mask);
			it->mask &= it->mask - 1;
			if (i >= from &&
			    (i < it->skip_from || i >= it->skip_to))
				return i;
		}
		if (it->next < from)
			it->next = from;
		if (it->next >= it->skip_from && it->next < it->skip_to)
			it->next = it->skip_to;
		size_t i = it->next;
		/* The vector loops stop before a skipped range. */
		size_t lim = i < it->skip_from ? it->skip_from : it->n;
#if defined(MH_HAVE_AVX2)
		if (it->kernel == MH_FWDSCAN_AVX2 && i < it->n) {
			size_t at = i;
			if (i + 67 <= it->n) {
				it->mask = scan_avx2(it->t, it->p, it->n, i,
				                     lim, &at, it->p, it->n, 0);
				if (it->mask) {
					it->blk = at;
					it->next = at + 64;
					continue;
				}
				if (at >= lim) {
					it->next = at < it->n ? at : it->n;
					continue;
				}
			}
			size_t len;
			it->mask = edge_avx2(it->t, it->p, it->n, at, &len);
			it->blk = at;
			it->next = at + len;
			continue;
		}
#endif
#if defined(__SSE2__)
		/* A block reads p[i .. i + 67). */
		if (it->kernel == MH_FWDSCAN_SSE2 && i + 67 <= it->n) {
			size_t at;
			it->mask = scan_sse2(it->p, it->n, i, lim, &at);
			if (it->mask) {
				it->blk = at;
				it->next = at + 64;
				continue;
			}
			if (at >= lim) {
				it->next = at;
				continue;
			}
			i = at; /* the rest, scalar */
		}
#endif
		for (; i < it->n; i++) {
			if (i == it->skip_from && it->skip_to > i) {
				i = it->skip_to - 1;
				continue;
			}
			if (hit_at(it->p, it->n, i)) {
				it->next = i + 1;
				return i;
			}
		}
		it->next = it->n;
		return it->n;
	}
}

/* MARK: - base64 */

#if defined(MH_HAVE_AVX2)
/* 32 base64 alphabet characters at p decoded to 24 bytes at out (32
 * written); 0, nothing meant, when one of them is outside the alphabet
 * ('=', a line end, anything else). */
__attribute__((target("avx2"), always_inline)) static inline int
b64_32(const char *p, unsigned char *out)
{
#define RANGE(x, a, z)                                                         \
	_mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8((a)-1)),        \
	                 _mm256_cmpgt_epi8(_mm256_set1_epi8((z) + 1), x))
	__m256i x = _mm256_loadu_si256((const __m256i *)p);
	__m256i up = RANGE(x, 'A', 'Z'), low = RANGE(x, 'a', 'z'),
	        dig = RANGE(x, '0', '9'),
	        plus = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('+')),
	        sl = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('/'));
#undef RANGE
	__m256i ok = _mm256_or_si256(
	        _mm256_or_si256(up, low),
	        _mm256_or_si256(dig, _mm256_or_si256(plus, sl)));
	if ((unsigned)_mm256_movemask_epi8(ok) != 0xffffffffu)
		return 0;
	/* The value: the byte plus what its class adds. */
	__m256i add = _mm256_or_si256(
	        _mm256_or_si256(
	                _mm256_and_si256(up, _mm256_set1_epi8(-'A')),
	                _mm256_and_si256(low, _mm256_set1_epi8(26 - 'a'))),
	        _mm256_or_si256(
	                _mm256_and_si256(dig, _mm256_set1_epi8(52 - '0')),
	                _mm256_or_si256(
	                        _mm256_and_si256(plus,
	                                         _mm256_set1_epi8(62 - '+')),
	                        _mm256_and_si256(sl,
	                                         _mm256_set1_epi8(63 - '/')))));
	__m256i v = _mm256_add_epi8(x, add);
	/* Four 6-bit values a b c d per 32 bits: a * 64 + b and c * 64 + d
	 * in 16 bits, then (a * 64 + b) << 12 | (c * 64 + d) in 32; its
	 * three bytes, high first, packed to the front of each half, and the
	 * halves joined. */
	v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
	v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
	v = _mm256_shuffle_epi8(
	        v, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1,
	                            -1, -1, -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
	                            13, 12, -1, -1, -1, -1));
	v = _mm256_permutevar8x32_epi32(
	        v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
	_mm256_storeu_si256((__m256i *)out, v);
	return 1;
}

/* The same for 16 characters at p: 12 bytes at out (16 written). */
__attribute__((target("avx2"), always_inline)) static inline int
b64_16(const char *p, unsigned char *out)
{
#define RANGE(x, a, z)                                                         \
	_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8((a)-1)),                 \
	              _mm_cmpgt_epi8(_mm_set1_epi8((z) + 1), x))
	__m128i x = _mm_loadu_si128((const __m128i *)p);
	__m128i up = RANGE(x, 'A', 'Z'), low = RANGE(x, 'a', 'z'),
	        dig = RANGE(x, '0', '9'),
	        plus = _mm_cmpeq_epi8(x, _mm_set1_epi8('+')),
	        sl = _mm_cmpeq_epi8(x, _mm_set1_epi8('/'));
#undef RANGE
	__m128i ok = _mm_or_si128(_mm_or_si128(up, low),
	                          _mm_or_si128(dig, _mm_or_si128(plus, sl)));
	if ((unsigned)_mm_movemask_epi8(ok) != 0xffffu)
		return 0;
	__m128i add = _mm_or_si128(
	        _mm_or_si128(_mm_and_si128(up, _mm_set1_epi8(-'A')),
	                     _mm_and_si128(low, _mm_set1_epi8(26 - 'a'))),
	        _mm_or_si128(
	                _mm_and_si128(dig, _mm_set1_epi8(52 - '0')),
	                _mm_or_si128(
	                        _mm_and_si128(plus, _mm_set1_epi8(62 - '+')),
	                        _mm_and_si128(sl, _mm_set1_epi8(63 - '/')))));
	__m128i v = _mm_add_epi8(x, add);
	v = _mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140));
	v = _mm_madd_epi16(v, _mm_set1_epi32(0x00011000));
	v = _mm_shuffle_epi8(v, _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
	                                      13, 12, -1, -1, -1, -1));
	_mm_storeu_si128((__m128i *)out, v);
	return 1;
}
#endif

#if defined(MH_HAVE_AVX2)
/* The longest run of whole quanta from p[0] that b64_32 and b64_16 take
 * (characters, a multiple of 4), decoded at out: 32 characters at a
 * time, then 16, then the last 16 of the line again when its rest is
 * whole quanta (quanta decoded twice give the same bytes in the same
 * place). */
__attribute__((target("avx2"))) static size_t b64_run(const char *p, size_t n,
                                                      unsigned char *out)
{
	size_t i = 0, o = 0;
	for (; i + 32 <= n && b64_32(p + i, out + o); i += 32)
		o += 24;
	if (n - i >= 16 && b64_16(p + i, out + o)) {
		i += 16;
		o += 12;
	}
	size_t rest = n - i;
	if (rest > 0 && rest < 16 && rest % 4 == 0 && n >= 16 &&
	    b64_16(p + n - 16, out + o - 3 * (16 - rest) / 4))
		i = n;
	return i;
}
#endif

/* The scalar loop below decodes as the machine does (fwdbody.c
 * b64_decode_line); the AVX2 step is the same on 32 characters. */
int mh_fwdscan_b64(const char *p, size_t n, uint32_t *acc, int *bits,
                   unsigned char *out, size_t *k)
{
	uint32_t a = *acc;
	int bt = *bits;
	size_t o = *k, i = 0;
	if (!n)
		return 0;
#if defined(MH_HAVE_AVX2)
	/* On a quantum boundary, whole quanta with AVX2 (older bits of acc
	 * never reach an output from there). */
	if (bt == 0 && mh_fwdscan_kernel() == MH_FWDSCAN_AVX2) {
		size_t d = b64_run(p, n, out + o);
		if (d) {
			o += 3 * d / 4;
			i = d;
			a = 0;
		}
	}
#endif
	for (; i < n; i++) {
		/* Four alphabet characters on a quantum boundary: three bytes
		 * at once (what the loop below would give, and acc's older
		 * bits never reach an output). */
		while (bt == 0 && i + 4 <= n) {
			unsigned c0 = mh_b64_val[(unsigned char)p[i]],
			         c1 = mh_b64_val[(unsigned char)p[i + 1]],
			         c2 = mh_b64_val[(unsigned char)p[i + 2]],
			         c3 = mh_b64_val[(unsigned char)p[i + 3]];
			if (!c0 || !c1 || !c2 || !c3)
				break;
			uint32_t q = (c0 - 1) << 18 | (c1 - 1) << 12 |
			             (c2 - 1) << 6 | (c3 - 1);
			out[o++] = (unsigned char)(q >> 16);
			out[o++] = (unsigned char)(q >> 8);
			out[o++] = (unsigned char)q;
			a = a << 24 | q;
			i += 4;
		}
		if (i >= n)
			break;
		unsigned v = mh_b64_val[(unsigned char)p[i]];
		if (!v) {
			if (p[i] != '=')
				return 0;
			a = 0;
			bt = 0;
			continue;
		}
		a = (a << 6) | (v - 1);
		bt += 6;
		if (bt >= 8) {
			bt -= 8;
			out[o++] = (unsigned char)((a >> bt) & 0xff);
		}
	}
	*acc = a;
	*bits = bt;
	*k = o;
	return 1;
}

/* MARK: - tags */

size_t mh_fwdscan_last_tagish(const char *p, size_t n)
{
#if defined(__SSE2__)
	const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
	              eq = _mm_set1_epi8('=');
	int vec = mh_fwdscan_kernel() != MH_FWDSCAN_SCALAR;
	while (vec && n >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + n - 16));
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, lt),
		                                  _mm_cmpeq_epi8(x, gt)),
		                     _mm_cmpeq_epi8(x, eq)));
		if (m)
			return n - 16 + (size_t)(31 - __builtin_clz(m));
		n -= 16;
	}
#endif
	while (n > 0) {
		n--;
		if (p[n] == '<' || p[n] == '>' || p[n] == '=')
			return n;
	}
	return (size_t)-1;
}
