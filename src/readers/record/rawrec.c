/* rawrec.c - a record's known keys read from its raw text (rec.h
 * mh_rawrec_index), the fast path of records an analytic reads.
 *
 * The JSON parser builds a document of every value of a record and the
 * key index then looks for the few dozen known keys in it; a
 * MailItemsAccessed record (half of a unified audit log) has about thirty
 * members, most of them never read, and a folder list that is never read
 * either. This walk reads the top-level members once, checks that the
 * whole text is JSON the parser would take (UTF-8, string, number and
 * literal grammar, nesting), and keeps the known keys' values where they
 * lie in the text. It only takes what it can give exactly as the parser
 * would: a known key once (in any case), its value a string without
 * escapes, an integer, or null, and the one list it reads a list of
 * {"Name": ..., "Value": ...} objects of such strings. Anything else is
 * doubt: it answers 0 and the record is parsed ("when in doubt, parse").
 *
 * Pure function of (ptr, len): never reads outside p[0..n).
 */
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/utf8.h"
#include "readers/record/rec.h"

#define FAIL ((size_t)-1)
/* Deeper nesting is rare in audit records: parse those. */
#define MAX_DEPTH 32

static inline size_t ws(const char *p, size_t n, size_t i)
{
	/* Records rarely have white space between tokens: one test. */
	while (i < n && (unsigned char)p[i] <= ' ' &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* 1 when p[0..n) is valid UTF-8 (pure ASCII, the usual case, checked
 * sixteen bytes a step). */
static int utf8_ok(const char *p, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	__m128i acc = _mm_setzero_si128();
	for (; i + 16 <= n; i += 16)
		acc = _mm_or_si128(
		        acc, _mm_loadu_si128(
		                     (const __m128i *)(const void *)(p + i)));
	if (_mm_movemask_epi8(acc))
		return mh_utf8_valid(p, n);
#endif
	for (; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return mh_utf8_valid(p, n);
	return 1;
}

/* The record's bytes that end or interrupt a string ('"', '\\', control
 * bytes), one bit each: found once for the whole record, sixteen bytes a
 * step, so that the end of each string is a bit scan away. */
#define MAX_TEXT ((size_t)16 << 10) /* longer records are parsed */
struct stops {
	uint64_t w[MAX_TEXT / 64 + 1];
	size_t nw;
};

static uint64_t stop_bits16(const unsigned char *q)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	              ctl = _mm_set1_epi8(0x1f);
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i m = _mm_or_si128(
	        _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)),
	        _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
	return (unsigned)_mm_movemask_epi8(m);
#else
	uint64_t b = 0;
	for (int i = 0; i < 16; i++)
		if (q[i] == '"' || q[i] == '\\' || q[i] < 0x20)
			b |= (uint64_t)1 << i;
	return b;
#endif
}

static void stops_find(const char *p, size_t n, struct stops *st)
{
	size_t i = 0, k = 0;
	for (; i + 64 <= n; i += 64, k++) {
		const unsigned char *q = (const unsigned char *)p + i;
		st->w[k] = stop_bits16(q) | stop_bits16(q + 16) << 16 |
		           stop_bits16(q + 32) << 32 |
		           stop_bits16(q + 48) << 48;
	}
	if (i < n) {
		/* The tail, padded with spaces (no stop). */
		unsigned char t[64];
		memset(t, ' ', sizeof(t));
		memcpy(t, p + i, n - i);
		st->w[k++] = stop_bits16(t) | stop_bits16(t + 16) << 16 |
		             stop_bits16(t + 32) << 32 |
		             stop_bits16(t + 48) << 48;
	}
	st->nw = k;
}

/* i just after an opening quote: the index of the closing quote, or FAIL
 * for a control byte, a bad escape or a \u escape (doubt: the parser
 * checks surrogates), or no end. *esc set when it holds an escape. */
static inline __attribute__((always_inline)) size_t
str_end(const char *p, size_t n, const struct stops *st, size_t i, int *esc)
{
	*esc = 0;
	for (;;) {
		size_t k = i >> 6;
		if (k >= st->nw)
			return FAIL;
		uint64_t w = st->w[k] & (~(uint64_t)0 << (i & 63));
		while (!w) {
			if (++k >= st->nw)
				return FAIL;
			w = st->w[k];
		}
		i = k * 64 + (size_t)__builtin_ctzll(w);
		if (i >= n || (unsigned char)p[i] < 0x20)
			return FAIL;
		if (p[i] == '"')
			return i;
		/* A backslash: one of the short escapes. */
		if (i + 1 >= n || !p[i + 1] || !strchr("\"\\/bfnrt", p[i + 1]))
			return FAIL;
		*esc = 1;
		i += 2;
	}
}

static int delim(const char *p, size_t n, size_t i)
{
	return i >= n || p[i] == ',' || p[i] == '}' || p[i] == ']' ||
	       p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r';
}

/* A JSON number at i: the index past it, or FAIL (bad grammar, or more
 * digits than an int64 surely holds, or a large exponent: doubt). *val
 * is its value and *is_int 1 when it is an integer. */
static size_t number(const char *p, size_t n, size_t i, int64_t *val,
                     int *is_int)
{
	int neg = 0, digits = 0;
	int64_t v = 0;
	*is_int = 1;
	if (p[i] == '-') {
		neg = 1;
		i++;
	}
	if (i >= n || p[i] < '0' || p[i] > '9')
		return FAIL;
	if (p[i] == '0') {
		i++;
		digits = 1;
	} else {
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++)
			if (digits < 18)
				v = v * 10 + (p[i] - '0');
	}
	if (digits > 18)
		return FAIL;
	if (i < n && p[i] == '.') {
		*is_int = 0;
		i++;
		int f = 0;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, f++)
			;
		if (!f || digits + f > 18)
			return FAIL;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		*is_int = 0;
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		int e = 0;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, e++)
			;
		if (!e || e > 2)
			return FAIL;
	}
	if (!delim(p, n, i))
		return FAIL;
	*val = neg ? -v : v;
	return i;
}

static size_t literal(const char *p, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	if (n - i < k || memcmp(p + i, w, k) != 0 || !delim(p, n, i + k))
		return FAIL;
	return i + k;
}

/* A member's key at i and its colon: the index of its value, or FAIL. */
static inline size_t key_colon(const char *p, size_t n, const struct stops *st,
                               size_t i)
{
	int esc;
	if (i >= n || p[i] != '"')
		return FAIL;
	size_t e = str_end(p, n, st, i + 1, &esc);
	if (e == FAIL)
		return FAIL;
	i = ws(p, n, e + 1);
	if (i >= n || p[i] != ':')
		return FAIL;
	return ws(p, n, i + 1);
}

/* Any JSON value at i, checked (depth: the containers around it): the
 * index past it, or FAIL. One loop, the open containers a bit each
 * (1: object) in a word: the values a walk skips are a folder list of
 * hundreds of small members. */
static size_t value(const char *p, size_t n, const struct stops *st, size_t i,
                    int depth)
{
	uint64_t open = 0;
	int d = 0, esc, is_int;
	int64_t v;
	for (;;) {
		if (i >= n)
			return FAIL;
		char c = p[i];
		if (c == '"') {
			i = str_end(p, n, st, i + 1, &esc);
			if (i == FAIL)
				return FAIL;
			i++;
		} else if (c == '{' || c == '[') {
			if (depth + d >= MAX_DEPTH)
				return FAIL;
			int obj = c == '{';
			i = ws(p, n, i + 1);
			if (i < n && p[i] == (obj ? '}' : ']')) {
				i++;
			} else {
				open = open << 1 | (uint64_t)obj;
				d++;
				if (obj && (i = key_colon(p, n, st, i)) == FAIL)
					return FAIL;
				continue;
			}
		} else if (c == 't') {
			i = literal(p, n, i, "true");
		} else if (c == 'f') {
			i = literal(p, n, i, "false");
		} else if (c == 'n') {
			i = literal(p, n, i, "null");
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			i = number(p, n, i, &v, &is_int);
		} else {
			return FAIL;
		}
		if (i == FAIL)
			return FAIL;
		/* After a value: close what ends here, or the next one. */
		for (;;) {
			if (!d)
				return i;
			i = ws(p, n, i);
			if (i >= n)
				return FAIL;
			int obj = (int)(open & 1);
			if (p[i] == (obj ? '}' : ']')) {
				i++;
				open >>= 1;
				d--;
				continue;
			}
			if (p[i] != ',')
				return FAIL;
			i = ws(p, n, i + 1);
			if (obj && (i = key_colon(p, n, st, i)) == FAIL)
				return FAIL;
			break;
		}
	}
}

/* A plain string (no escapes) or null at i into *out (null: {NULL, 0}):
 * the index past it, or FAIL. */
static size_t plain(const char *p, size_t n, const struct stops *st, size_t i,
                    struct mh_slice *out)
{
	int esc;
	if (i < n && p[i] == 'n') {
		*out = MH_SLICE_NULL;
		return literal(p, n, i, "null");
	}
	if (i >= n || p[i] != '"')
		return FAIL;
	size_t e = str_end(p, n, st, i + 1, &esc);
	if (e == FAIL || esc)
		return FAIL;
	*out = mh_slice_make(p + i + 1, e - i - 1);
	return e + 1;
}

static int ieq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(p, w, n);
}

/* A Name/Value list at i ('['): each element an object whose "Name" and
 * "Value" (exactly so spelt, once each) are plain strings or null; the
 * other members are not read (norm_m365.c nv_element reads only those
 * and NewValue, OldValue: those are doubt here). The pairs with a name
 * go to nv[2k], nv[2k + 1]. The index past the list, or FAIL. */
static size_t nv_list(const char *p, size_t n, const struct stops *st, size_t i,
                      struct mh_slice *nv, size_t max, size_t *nnv)
{
	int esc;
	i = ws(p, n, i + 1);
	if (i < n && p[i] == ']')
		return i + 1;
	for (;;) {
		if (i >= n || p[i] != '{')
			return FAIL;
		struct mh_slice name = MH_SLICE_NULL, val = MH_SLICE_NULL;
		int seen_name = 0, seen_val = 0;
		i = ws(p, n, i + 1);
		if (i < n && p[i] == '}') {
			i++;
		} else {
			for (;;) {
				if (i >= n || p[i] != '"')
					return FAIL;
				size_t ks = i + 1,
				       ke = str_end(p, n, st, ks, &esc);
				if (ke == FAIL || esc)
					return FAIL;
				i = ws(p, n, ke + 1);
				if (i >= n || p[i] != ':')
					return FAIL;
				i = ws(p, n, i + 1);
				const char *k = p + ks;
				size_t kn = ke - ks;
				if (kn == 4 && !memcmp(k, "Name", 4)) {
					if (seen_name++)
						return FAIL;
					i = plain(p, n, st, i, &name);
				} else if (kn == 5 && !memcmp(k, "Value", 5)) {
					if (seen_val++)
						return FAIL;
					i = plain(p, n, st, i, &val);
				} else if (ieq(k, kn, "Name") ||
				           ieq(k, kn, "Value") ||
				           ieq(k, kn, "NewValue") ||
				           ieq(k, kn, "OldValue")) {
					return FAIL;
				} else {
					i = value(p, n, st, i, 3);
				}
				if (i == FAIL)
					return FAIL;
				i = ws(p, n, i);
				if (i < n && p[i] == '}') {
					i++;
					break;
				}
				if (i >= n || p[i] != ',')
					return FAIL;
				i = ws(p, n, i + 1);
			}
		}
		if (name.n) {
			if (*nnv == max)
				return FAIL;
			nv[2 * *nnv] = name;
			nv[2 * *nnv + 1] = val;
			(*nnv)++;
		}
		i = ws(p, n, i);
		if (i < n && p[i] == ']')
			return i + 1;
		if (i >= n || p[i] != ',')
			return FAIL;
		i = ws(p, n, i + 1);
	}
}

int mh_rawrec_index(const char *p, size_t n, struct robj *o, int list_key,
                    struct mh_slice *nv, size_t max_nv, size_t *nnv)
{
	const struct mh_jkeys *keys = mh_rec_keys();
	memset(o->have, 0, sizeof(o->have));
	o->root = (struct mh_jv){NULL, 0};
	o->row = NULL;
	*nnv = 0;
	if (n > MAX_TEXT || !utf8_ok(p, n))
		return 0;
	struct stops stops, *st = &stops;
	stops_find(p, n, st);
	size_t i = ws(p, n, 0);
	if (i >= n || p[i] != '{')
		return 0;
	i = ws(p, n, i + 1);
	if (i < n && p[i] == '}') {
		i++;
	} else {
		for (;;) {
			int esc;
			if (i >= n || p[i] != '"')
				return 0;
			size_t ks = i + 1, ke = str_end(p, n, st, ks, &esc);
			if (ke == FAIL || esc)
				return 0;
			i = ws(p, n, ke + 1);
			if (i >= n || p[i] != ':')
				return 0;
			i = ws(p, n, i + 1);
			if (i >= n)
				return 0;
			int k = mh_jkeys_find(keys, p + ks, ke - ks);
			if (k < 0) {
				i = value(p, n, st, i, 1);
			} else {
				/* A known key twice: which one the index keeps
				 * is the parser's business. */
				if (o->have[k])
					return 0;
				o->have[k] = 1;
				struct mh_jmember *m = &o->slot[k];
				memset(m, 0, sizeof(*m));
				m->key = mh_slice_make(p + ks, ke - ks);
				if (p[i] == '"' || p[i] == 'n') {
					i = plain(p, n, st, i, &m->s);
					m->t = m->s.p ? MH_JSTR : MH_JNULL;
				} else if (p[i] == '-' ||
				           (p[i] >= '0' && p[i] <= '9')) {
					int is_int;
					i = number(p, n, i, &m->i, &is_int);
					if (!is_int)
						return 0;
					m->t = MH_JINT;
				} else if (p[i] == '[' && k == list_key) {
					/* Read here: nothing left for the
					 * normaliser (MH_JNONE). */
					i = nv_list(p, n, st, i, nv, max_nv,
					            nnv);
				} else {
					return 0;
				}
			}
			if (i == FAIL)
				return 0;
			i = ws(p, n, i);
			if (i < n && p[i] == '}') {
				i++;
				break;
			}
			if (i >= n || p[i] != ',')
				return 0;
			i = ws(p, n, i + 1);
		}
	}
	return ws(p, n, i) == n;
}
