/* rawop.c - the literal prefilter's peek (rawop.h). */
#include "readers/record/rawop.h"

#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/time.h"
#include "readers/record/jbits.h"
#include "event/audit.h"
#include "readers/reader.h"

_Static_assert(MH_RAWOP_TENANT == MH_READ_TENANT, "one flag, two names");

/* The top-level keys the walk looks for. The first four make the
 * decision (R__CORE); the rest are the tenant's facts (MH_RAWOP_TENANT). */
enum {
	R_OP,
	R_ID,
	R_TIME,
	R_TYPE,
	R__CORE,
	R_USER = R__CORE,
	R_MBX,
	R_ORGNAME,
	R_ORGID,
	R_MGUID,
	R_PARAMS,
	/* Seen for the Sigma rules' judge (rawop.h mh_rawop_sigma), in any
	 * case (as Sigma names fields): never doubt, a second one (or a
	 * value that is not a plain string) sets R_ODD. */
	R_WORKLOAD,
	R__SIGMA = R_WORKLOAD,
	R_CMDLET,
	R_OFFWL,
	R_AUDITDATA,
	R_RAWEVT,
	R_EVNAME,
	R_EVSRC,
	R__N,
	R_ODD = R__N
};

/* Names padded with NULs to 24 bytes: the first eight are one load. */
static const struct {
	char name[24];
	size_t n;
} wanted_keys[R__N] = {
        [R_OP] = {"Operation", 9},
        [R_ID] = {"Id", 2},
        [R_TIME] = {"CreationTime", 12},
        [R_TYPE] = {"RecordType", 10},
        [R_USER] = {"UserId", 6},
        [R_MBX] = {"MailboxOwnerUPN", 15},
        [R_ORGNAME] = {"OrganizationName", 16},
        [R_ORGID] = {"OrganizationId", 14},
        [R_MGUID] = {"MailboxGuid", 11},
        [R_PARAMS] = {"Parameters", 10},
        [R_WORKLOAD] = {"Workload", 8},
        [R_CMDLET] = {"CmdletName", 10},
        [R_OFFWL] = {"OfficeWorkload", 14},
        [R_AUDITDATA] = {"AuditData", 9},
        [R_RAWEVT] = {"RawEventData", 12},
        [R_EVNAME] = {"eventName", 9},
        [R_EVSRC] = {"eventSource", 11},
};
_Static_assert(R_ODD < 32, "one bit a key in mh_rawop.seen");

static inline size_t ws(const char *p, size_t n, size_t i)
{
	/* Records rarely have white space between tokens: one test. */
	while (i < n && (unsigned char)p[i] <= ' ' &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* i at the byte after an opening quote: the index of the closing quote
 * (n if none); *esc set when the string holds a backslash. With the
 * text's stops (b, jbits.h), a bit scan; else sixteen bytes at a time
 * where SSE2 is there (every x86-64). */
static size_t str_end_bytes(const char *p, size_t n, size_t i, int *esc);

static inline __attribute__((always_inline)) size_t
str_end(const char *p, size_t n, const struct mh_jbits *b, size_t i, int *esc)
{
	*esc = 0;
	if (b) {
		for (;;) {
			size_t k = i >> 6;
			if (k >= b->nw)
				return n;
			uint64_t win = mh_jbits_window(b->stop, i);
			if (win) { /* within 64 bytes: the usual */
				i += (size_t)__builtin_ctzll(win);
			} else {
				uint64_t w = b->stop[k] &
				             (~(uint64_t)0 << (i & 63));
				while (!w) {
					if (++k >= b->nw)
						return n;
					w = b->stop[k];
				}
				i = k * 64 + (size_t)__builtin_ctzll(w);
			}
			/* Bits past n are 0: i < n. */
			if (p[i] == '"')
				return i;
			if (p[i] == '\\') {
				*esc = 1;
				i += 2; /* the backslash and the byte it escapes */
			} else {
				i++; /* a control byte: not a stop here */
			}
		}
	}
	return str_end_bytes(p, n, i, esc);
}

static size_t str_end_bytes(const char *p, size_t n, size_t i, int *esc)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	while (i + 16 <= n) {
		__m128i v =
		        _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		        _mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)));
		if (!m) {
			i += 16;
			continue;
		}
		i += (size_t)__builtin_ctz(m);
		if (p[i] == '"')
			return i;
		*esc = 1;
		i += 2; /* the backslash and the byte it escapes */
	}
#endif
	while (i < n) {
		if (p[i] == '"')
			return i;
		if (p[i] == '\\') {
			*esc = 1;
			i++;
		}
		i++;
	}
	return n;
}

/* i at a '{' or '[': the index past the bracket that closes it, or n;
 * from bracket to bracket by the tokens' bits (jbits.h, no stray
 * backslash: they read the strings as str_end does), the bytes between
 * never looked at. */
static size_t skip_nested(const char *p, size_t n, const struct mh_jbits *b,
                          size_t i)
{
	size_t depth = 0, k = i >> 6;
	uint64_t w = b->nest[k] & (~(uint64_t)0 << (i & 63));
	for (;;) {
		while (!w) {
			if (++k >= b->nw)
				return n;
			w = b->nest[k];
		}
		i = k * 64 + (size_t)__builtin_ctzll(w);
		w &= w - 1;
		/* '{' and '[' have 0x02 set, '}' and ']' not */
		depth += p[i] & 2 ? 1 : (size_t)-1;
		if (!depth)
			return i + 1;
	}
}

/* i at a value's first byte: the index just past it, or n on doubt;
 * *sesc set when it is a string holding a backslash. */
static size_t skip_value(const char *p, size_t n, const struct mh_jbits *b,
                         size_t i, int *sesc)
{
	int esc;
	*sesc = 0;
	if (i >= n)
		return n;
	if (p[i] == '"') {
		size_t e = str_end(p, n, b, i + 1, sesc);
		return e < n ? e + 1 : n;
	}
	if ((p[i] == '{' || p[i] == '[') && b && !b->stray)
		return skip_nested(p, n, b, i);
	if (p[i] == '{' || p[i] == '[') {
		size_t depth = 0;
		while (i < n) {
			char c = p[i];
			if (c == '"') {
				i = str_end(p, n, b, i + 1, &esc);
				if (i >= n)
					return n;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return n;
	}
	/* number, true, false, null */
	while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' &&
	       p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

/* 1 when p[at..at + 8) is "peration" or "PERATION" after an 'O' or 'o'
 * and before a quote, raw or escaped (at >= 1). */
static int op_key_at(const char *p, size_t n, size_t at)
{
	size_t e = at + 8;
	if (e >= n || (memcmp(p + at, "peration", 8) != 0 &&
	               memcmp(p + at, "PERATION", 8) != 0))
		return 0;
	if (p[at - 1] != 'O' && p[at - 1] != 'o')
		return 0;
	return p[e] == '"' || (p[e] == '\\' && e + 1 < n && p[e + 1] == '"');
}

/* How many places of p[0..n) look like a key or string ending in
 * "operation" (any case of the "peration" part that is all lower or all
 * upper): "Operation" followed by a quote, raw or escaped. One pass:
 * sixteen places a step whose first byte is a 'p' and eighth an 'n' in
 * either case (0x20 set folds both), each such place then compared. */
static int op_keys(const char *p, size_t n)
{
	int count = 0;
	size_t at = 1;
#ifdef __SSE2__
	const __m128i fold = _mm_set1_epi8(0x20), lp = _mm_set1_epi8('p'),
	              ln = _mm_set1_epi8('n');
	for (; at + 23 <= n; at += 16) {
		__m128i a = _mm_or_si128(
		        _mm_loadu_si128(
		                (const __m128i *)(const void *)(p + at)),
		        fold);
		__m128i b = _mm_or_si128(
		        _mm_loadu_si128(
		                (const __m128i *)(const void *)(p + at + 7)),
		        fold);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		        _mm_cmpeq_epi8(a, lp), _mm_cmpeq_epi8(b, ln)));
		while (m) {
			count += op_key_at(p, n, at + (size_t)__builtin_ctz(m));
			m &= m - 1;
		}
	}
#endif
	for (; at + 8 < n; at++)
		if ((p[at] | 0x20) == 'p')
			count += op_key_at(p, n, at);
	return count;
}

/* op_keys with the text's bits (jbits.h): only the places where a quote
 * or backslash follows an 'n' are compared. */
static int op_keys_bits(const char *p, size_t n, const struct mh_jbits *b)
{
	int count = 0;
	for (size_t k = 0; k < b->nw; k++)
		for (uint64_t w = b->opn[k]; w; w &= w - 1) {
			size_t e = k * 64 + (size_t)__builtin_ctzll(w);
			if (e >= 9)
				count += op_key_at(p, n, e - 8);
		}
	return count;
}

/* The key of p[ks..ke) among wanted_keys (a length first, then the
 * bytes): its index, -1 for none, -2 for doubt (a wanted key in another
 * case: the parser would decide which spelling counts). */
/* The wanted keys of each length (index + 1), so that a key is compared
 * with at most three: every wanted_keys entry is listed under its length,
 * checked by mh_rawop_selfcheck. Most keys have a length no wanted key
 * has. */
static const uint8_t by_len[17][4] = {
        [2] = {R_ID + 1},
        [6] = {R_USER + 1},
        [8] = {R_WORKLOAD + 1},
        [9] = {R_OP + 1, R_AUDITDATA + 1, R_EVNAME + 1},
        [10] = {R_TYPE + 1, R_PARAMS + 1, R_CMDLET + 1},
        [11] = {R_MGUID + 1, R_EVSRC + 1},
        [12] = {R_TIME + 1, R_RAWEVT + 1},
        [14] = {R_ORGID + 1, R_OFFWL + 1},
        [15] = {R_MBX + 1},
        [16] = {R_ORGNAME + 1},
};

static int key_of_bytes(const char *p, size_t ks, size_t ke);

/* key_of_bytes for a key in a text of n bytes: where eight bytes from
 * the key's start are in the text (always, but for a short key at its
 * end), they are compared with the candidates' first eight as one
 * integer; the bytes differ only in the 0x20 bits where the spelling is
 * another case (every wanted key is letters). */
static inline __attribute__((always_inline)) int
key_of(const char *p, size_t ks, size_t ke, size_t n)
{
	size_t len = ke - ks;
	if (len >= 17 || !by_len[len][0])
		return -1;
	if (ks + 8 > n)
		return key_of_bytes(p, ks, ke);
	uint64_t x;
	memcpy(&x, p + ks, 8);
	if (len < 8)
		x &= ((uint64_t)1 << (8 * len)) - 1;
	for (const uint8_t *c = by_len[len]; *c; c++) {
		int w = *c - 1;
		uint64_t y;
		memcpy(&y, wanted_keys[w].name, 8);
		uint64_t d = x ^ y;
		if (d & ~0x2020202020202020ULL)
			continue;
		const char *rest = p + ks + 8, *wrest = wanted_keys[w].name + 8;
		if (!d && (len <= 8 || !memcmp(rest, wrest, len - 8)))
			return w;
		if (len <= 8 || !strncasecmp(rest, wrest, len - 8))
			return w >= R__SIGMA ? w : -2;
	}
	return -1;
}

static int key_of_bytes(const char *p, size_t ks, size_t ke)
{
	size_t n = ke - ks;
	if (n >= 17)
		return -1;
	for (const uint8_t *c = by_len[n]; *c; c++) {
		int w = *c - 1;
		/* the first letter in any case: most keys of the same
		 * length are told apart without a call */
		if ((p[ks] ^ wanted_keys[w].name[0]) & ~0x20)
			continue;
		if (!memcmp(p + ks, wanted_keys[w].name, n))
			return w;
		if (!strncasecmp(p + ks, wanted_keys[w].name, n))
			return w >= R__SIGMA ? w : -2;
	}
	return -1;
}

/* The member whose key is p[ks..ke) and value p[vs..ve) (vesc: a string
 * value holding a backslash), read into out: 1, or 0 on doubt. */
static inline __attribute__((always_inline)) int
take(const char *p, size_t n, size_t ks, size_t ke, size_t vs, size_t ve,
     int vesc, struct mh_rawop *out)
{
	int k = key_of(p, ks, ke, n);
	if (k == -2)
		return 0;
	if (k >= R__SIGMA) {
		/* Only the Sigma rules' judge reads these: a second one (or
		 * one in another case) is R_ODD, its doubt, never the
		 * peek's. */
		if (out->seen & (1u << k))
			k = R_ODD;
		out->seen |= 1u << k;
		struct mh_slice *val = k == R_WORKLOAD ? &out->workload
		                       : k == R_EVNAME ? &out->ev_name
		                       : k == R_EVSRC  ? &out->ev_source
		                                       : NULL;
		if (val && p[vs] == '"' && !vesc)
			*val = mh_slice_make(p + vs + 1, ve - vs - 2);
		else if (val)
			out->seen |= 1u << R_ODD;
	} else if (k >= 0) {
		/* The key twice: the parser would decide which one counts. */
		if (out->seen & (1u << k))
			return 0;
		out->seen |= 1u << k;
		if (k == R_TYPE) {
			size_t a = vs, b = ve;
			if (p[a] == '"') {
				a++;
				b--;
			}
			if (a >= b || b - a > 9)
				return 0;
			int64_t v = 0;
			for (size_t j = a; j < b; j++) {
				if (p[j] < '0' || p[j] > '9')
					return 0;
				v = v * 10 + (p[j] - '0');
			}
			out->rtype = v;
		} else if (k != R_PARAMS) {
			/* A plain string, escapes are doubt. */
			if (p[vs] != '"' || vesc)
				return 0;
			/* where each key's value goes: a table, not a
			 * switch (one store, no jump to mispredict) */
			struct mh_slice *const dst[R__SIGMA] = {
			        [R_OP] = &out->op,
			        [R_ID] = &out->id,
			        [R_TIME] = &out->time,
			        [R_USER] = &out->actor,
			        [R_MBX] = &out->mailbox,
			        [R_ORGNAME] = &out->org_name,
			        [R_ORGID] = &out->org_id,
			        [R_MGUID] = &out->guid,
			};
			*dst[k] = mh_slice_make(p + vs + 1, ve - vs - 2);
		}
	}
	return 1;
}

/* 1 when a stop (jbits.h) is in p[a..e): a string with one holds an
 * escape (or a control byte: the byte walk tells). */
static inline int stop_in(const struct mh_jbits *b, size_t a, size_t e)
{
	if (a >= e)
		return 0;
	size_t ka = a >> 6, ke = (e - 1) >> 6;
	uint64_t lo = ~(uint64_t)0 << (a & 63);
	uint64_t hi = ~(uint64_t)0 >> (63 - ((e - 1) & 63));
	if (ka == ke)
		return (b->stop[ka] & lo & hi) != 0;
	if (b->stop[ka] & lo || b->stop[ke] & hi)
		return 1;
	for (size_t k = ka + 1; k < ke; k++)
		if (b->stop[k])
			return 1;
	return 0;
}

/* The tokens (jbits.h tok) one after the other: a word with the bits
 * taken cleared, so that the next token's place comes from the last
 * word, not from the last place (the loads of the bytes at the places,
 * which only check them, are then off the path from one to the next). */
struct titer {
	const uint64_t *w;
	size_t k, nw;
	uint64_t cur;
};

static inline void ti_seek(struct titer *t, size_t i)
{
	t->k = i >> 6;
	t->cur = t->k < t->nw ? t->w[t->k] & (~(uint64_t)0 << (i & 63)) : 0;
}

/* The next token's place, or n. */
static inline size_t ti_next(struct titer *t, size_t n)
{
	while (!t->cur) {
		if (++t->k >= t->nw)
			return n;
		t->cur = t->w[t->k];
	}
	size_t r = t->k * 64 + (size_t)__builtin_ctzll(t->cur);
	t->cur &= t->cur - 1;
	return r;
}

/* The members from *at read from the tokens' bits (jbits.h), for text
 * written without white space or escapes around them (the usual record):
 * each token where the byte walk would find it, one bit scan each, a
 * nested value skipped from bracket to bracket. 1: done (the object's
 * end, or the four keys of the decision seen unless all), *at past the
 * last member read; 0 on doubt; -1: the byte walk goes on from *at (a
 * member not so written: it reads that one again). Only with no stray
 * backslash (then the bits read the text as the byte walk does). */
static int fast_walk(const char *p, size_t n, const struct mh_jbits *b,
                     struct mh_rawop *out, int all, size_t *at)
{
	size_t i = *at;
	struct titer t = {b->tok, 0, b->nw, 0};
	ti_seek(&t, i);
	for (;;) {
		if (!all && (out->seen & ((1u << R__CORE) - 1)) ==
		                    (1u << R__CORE) - 1)
			break;
		*at = i;
		/* "key":value then ',' or '}', each token where it is
		 * expected */
		size_t ko = ti_next(&t, n), ke = ti_next(&t, n),
		       co = ti_next(&t, n);
		if (ko != i || co >= n - 1 || co != ke + 1 || p[i] != '"' ||
		    p[ke] != '"' || p[co] != ':')
			return -1;
		/* A key with an escape is doubt (a control byte is not). */
		if (stop_in(b, i + 1, ke) && memchr(p + i + 1, '\\', ke - i - 1))
			return 0;
		size_t vs = co + 1, ve, e;
		int vesc = 0;
		char c = p[vs];
		if (c == '"') {
			size_t vo = ti_next(&t, n), vc = ti_next(&t, n);
			if (vo != vs || vc >= n || p[vc] != '"')
				return -1;
			vesc = stop_in(b, vs + 1, vc) &&
			       memchr(p + vs + 1, '\\', vc - vs - 1) != NULL;
			ve = vc + 1;
			e = ti_next(&t, n);
		} else if (c == '{' || c == '[') {
			ve = skip_nested(p, n, b, vs);
			ti_seek(&t, ve);
			e = ti_next(&t, n);
		} else {
			e = ti_next(&t, n);
			if (e >= n || e == vs)
				return -1;
			for (size_t j = vs; j < e; j++)
				if ((unsigned char)p[j] <= ' ')
					return -1;
			ve = e;
		}
		if (e != ve || e >= n || (p[e] != ',' && p[e] != '}'))
			return -1;
		if (!take(p, n, i + 1, ke, vs, ve, vesc, out))
			return 0;
		if (p[e] == '}') {
			out->done = 1;
			i = e;
			break;
		}
		i = e + 1;
	}
	*at = i;
	return 1;
}

/* Walk the members of the object from out->pos until the four keys of
 * the decision are seen (all 0) or the object ends. 1 when the walk went
 * well (out->pos past the last member read, out->done at the end), 0 on
 * doubt. */
static int walk(const char *p, size_t n, struct mh_rawop *out, int all)
{
	const struct mh_jbits *bits = out->bits;
	size_t i = out->pos;
	int fast = bits && !bits->stray;
	while (all ||
	       (out->seen & ((1u << R__CORE) - 1)) != (1u << R__CORE) - 1) {
		if (fast) {
			/* the members so written from the bits; the next one
			 * not so written byte by byte, then the bits again */
			int r = fast_walk(p, n, bits, out, all, &i);
			if (r >= 0) {
				out->pos = i;
				return r;
			}
		}
		i = ws(p, n, i);
		if (i >= n)
			return 0;
		if (p[i] == '}') {
			out->done = 1;
			break;
		}
		if (p[i] != '"')
			return 0;
		int esc;
		size_t ks = i + 1, ke = str_end(p, n, bits, ks, &esc);
		if (ke >= n || esc)
			return 0;
		i = ws(p, n, ke + 1);
		if (i >= n || p[i] != ':')
			return 0;
		i = ws(p, n, i + 1);
		if (i >= n)
			return 0;
		size_t vs = i;
		int vesc;
		if (p[i] == '"' && bits) {
			/* the usual value, a string: inline */
			size_t e = str_end(p, n, bits, i + 1, &vesc);
			i = e < n ? e + 1 : n;
		} else {
			i = skip_value(p, n, bits, i, &vesc);
		}
		if (i >= n)
			return 0;
		if (!take(p, n, ks, ke, vs, i, vesc, out))
			return 0;
		i = ws(p, n, i);
		if (i < n && p[i] == ',') {
			i++;
			continue;
		}
		if (i < n && p[i] == '}') {
			out->done = 1;
			break;
		}
		return 0;
	}
	out->pos = i;
	return 1;
}

int mh_rawop_peek(const char *p, size_t n, struct mh_rawop *out)
{
	return mh_rawop_peek_bits(p, n, NULL, out);
}

int mh_rawop_peek_bits(const char *p, size_t n, const struct mh_jbits *bits,
                       struct mh_rawop *out)
{
	memset(out, 0, sizeof(*out));
	if (bits && bits->p == p && bits->n == n)
		out->bits = bits;
	out->rtype = -1;
	out->ts = MH_TS_NONE;
	size_t i = ws(p, n, 0);
	if (i >= n || p[i] != '{')
		return 0;
	out->pos = i + 1;
	if (!walk(p, n, out, 0))
		return 0;
	if (!out->op.n || !out->id.n || !out->time.n)
		return 0;
	return 1;
}

/* ASCII case-insensitive: does s hold t (NUL-terminated, lower case)? */
static int ci_holds(struct mh_slice s, const char *t)
{
	return mh_slice_ifind(s, t) != (size_t)-1;
}

int mh_rawop_tenant(const char *p, size_t n, struct mh_rawop *out)
{
	if (!out->done && !walk(p, n, out, 1))
		return 0;
	/* The normaliser's mailbox (norm_m365.c mh_norm_ual_fill): a
	 * cmdlet's Identity or Mailbox parameter, or the caller of an inbox
	 * rule cmdlet, when MailboxOwnerUPN says none: parse those. */
	if (!out->mailbox.n &&
	    ((out->seen & (1u << R_PARAMS)) || ci_holds(out->op, "inboxrule")))
		return 0;
	/* OrganizationName, else OrganizationId (the first not empty). */
	out->org = out->org_name.n ? out->org_name : out->org_id;
	return 1;
}

int mh_rawop_selfcheck(void)
{
	/* key_of finds every wanted key by its name, in any case, and so
	 * does key_of_bytes (a key at the text's end); one letter more or
	 * less is no key */
	for (int w = 0; w < R__N; w++) {
		char k[32];
		size_t n = wanted_keys[w].n;
		memset(k, '"', sizeof(k));
		memcpy(k, wanted_keys[w].name, n);
		if (key_of(k, 0, n, sizeof(k)) != w || key_of(k, 0, n, n) != w ||
		    key_of_bytes(k, 0, n) != w)
			return 0;
		if (key_of(k, 0, n - 1, sizeof(k)) == w ||
		    key_of(k + 1, 0, n - 1, sizeof(k) - 1) == w)
			return 0;
		for (size_t i = 0; i < n; i++)
			k[i] ^= (char)(k[i] >= 'A' && k[i] <= 'z' ? 0x20 : 0);
		int want = w >= R__SIGMA ? w : -2;
		if (key_of(k, 0, n, sizeof(k)) != want ||
		    key_of(k, 0, n, n) != want || key_of_bytes(k, 0, n) != want)
			return 0;
		/* one letter in another case, each place in turn */
		for (size_t i = 0; i < n; i++) {
			memcpy(k, wanted_keys[w].name, n);
			k[i] ^= 0x20;
			if (key_of(k, 0, n, sizeof(k)) != want)
				return 0;
			k[i] = '_';
			if (key_of(k, 0, n, sizeof(k)) == w ||
			    key_of(k, 0, n, sizeof(k)) == want)
				return 0;
		}
	}
	return 1;
}

int mh_rawop_sigma(const char *p, size_t n, struct mh_rawop *out)
{
	if (!out->done && !walk(p, n, out, 1))
		return 0;
	if (out->seen & (1u << R_ODD | 1u << R_CMDLET | 1u << R_OFFWL |
	                 1u << R_AUDITDATA | 1u << R_RAWEVT))
		return 0;
	return out->workload.n && out->rtype >= 0;
}

int mh_rawop_pass(const struct mh_rawop_set *set, const char *p, size_t n,
                  const char *whole, size_t wn, struct mh_slice text,
                  unsigned flags, struct mh_rawop *out)
{
	struct mh_jbits b;
	if (!set->on) {
		out->op = MH_SLICE_NULL;
		return 0;
	}
	return mh_rawop_pass_bits(set, mh_jbits_find(&b, p, n) ? &b : NULL, p,
	                          n, whole, wn, text, flags, out);
}

int mh_rawop_pass_bits(const struct mh_rawop_set *set,
                       const struct mh_jbits *bits, const char *p, size_t n,
                       const char *whole, size_t wn, struct mh_slice text,
                       unsigned flags, struct mh_rawop *out)
{
	if (!set->on || !mh_rawop_peek_bits(p, n, bits, out) ||
	    mh_rawop_wanted(set, out->op, out->rtype))
		return 0;
	if (set->need & MH_RAWOP_TENANT) {
		if (!mh_rawop_tenant(p, n, out))
			return 0;
		/* A Purview row's UserIds column stands in for a record
		 * without UserId (norm_m365.c purview_fill): parse it. */
		if ((flags & MH_RAWOP_CELL) && !out->actor.n)
			return 0;
	}
	/* The one found must be the only key like it in the whole text. */
	if ((out->bits && whole == p && wn == n
	             ? op_keys_bits(p, n, out->bits)
	             : op_keys(whole, wn)) != 1)
		return 0;
	if (set->raw &&
	    set->raw(set->raw_ctx, text, (flags & MH_RAWOP_CELL) != 0, out))
		return 0;
	out->ts = mh_audit_time(out->time);
	return out->ts != MH_TS_NONE;
}

int mh_rawop_sure(const char *p, size_t n)
{
	/* The one found must be the only key like it in the whole text. */
	return op_keys(p, n) == 1;
}

static int64_t dec(const char *s)
{
	int64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

size_t mh_rawop_key_len(struct mh_slice id, struct mh_slice op)
{
	return 8 + id.n + 1 + 17 + op.n + 1;
}

void mh_rawop_key_put(char *d, struct mh_slice id, int64_t ts,
                      struct mh_slice op)
{
	static const char tag[8] = {'m', '3', '6', '5', 'r', 'a', 'w', 0x1f};
	memcpy(d, tag, sizeof(tag));
	d += 8;
	if (id.n)
		memcpy(d, id.p, id.n);
	d += id.n;
	*d++ = '\x1f';
	uint64_t t = (uint64_t)ts;
	for (int i = 15; i >= 0; i--, t >>= 4)
		d[i] = "0123456789abcdef"[t & 15];
	d[16] = '\x1f';
	d += 17;
	if (op.n)
		memcpy(d, op.p, op.n);
	d[op.n] = '\x1f';
}

static int ci_eq(const char *p, const char *s, size_t n);

/* A hash of p[0..n) equal for names equal ASCII case-insensitively:
 * eight bytes a step with the 0x20 bit of each byte set (which folds
 * letters' case, and some punctuation together: a compare follows). */
static uint32_t name_hash(const char *p, size_t n)
{
	const uint64_t fold = 0x2020202020202020ULL;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ (w | fold)) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, p + i, n - i);
		h = (h ^ (w | fold)) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

void mh_rawop_set_init_owned(struct mh_rawop_set *set, const char *const *ops,
                             const uint32_t *owners, unsigned need)
{
	memset(set, 0, sizeof(*set));
	if (!ops)
		return;
	set->on = 1;
	set->need = need;
	for (size_t i = 0; ops[i]; i++) {
		const char *o = ops[i];
		uint32_t own = owners ? owners[i] : 1;
		char kind = o[0] == '*' || o[0] == '#' ? o[0] : '=';
		if (kind != '=')
			o++;
		size_t len = strlen(o);
		if (kind == '=') {
			uint32_t h = name_hash(o, len) & (MH_RAWOP_SLOT - 1);
			size_t k;
			while ((k = set->slot[h]) != 0 &&
			       !(set->e[k - 1].len == len &&
			         ci_eq(set->e[k - 1].s, o, len)))
				h = (h + 1) & (MH_RAWOP_SLOT - 1);
			if (k) { /* the same name again */
				set->e[k - 1].owners |= own;
				continue;
			}
		}
		if (set->n == MH_RAWOP_MAX) {
			memset(set, 0, sizeof(*set));
			return;
		}
		set->e[set->n].s = o;
		set->e[set->n].len = len;
		set->e[set->n].kind = kind;
		set->e[set->n].rtype = kind == '#' ? dec(o) : -1;
		set->e[set->n].owners = own;
		if (kind == '=') {
			uint32_t h = name_hash(o, len) & (MH_RAWOP_SLOT - 1);
			while (set->slot[h])
				h = (h + 1) & (MH_RAWOP_SLOT - 1);
			set->slot[h] = (unsigned short)(set->n + 1);
		} else {
			set->other[set->nother++] = (unsigned short)set->n;
		}
		set->n++;
	}
}

void mh_rawop_set_init(struct mh_rawop_set *set, const char *const *ops,
                       unsigned need)
{
	mh_rawop_set_init_owned(set, ops, NULL, need);
}

static int lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/* ASCII case-insensitive equality of p[0..n) and s[0..n). */
static int ci_eq(const char *p, const char *s, size_t n)
{
	/* Eight bytes a step may differ only in the 0x20 bits, and only
	 * where both are the same letter. */
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		memcpy(&y, s + i, 8);
		uint64_t d = x ^ y;
		if (d & ~0x2020202020202020ULL)
			return 0;
		while (d) {
			size_t b = (size_t)__builtin_ctzll(d) / 8;
			unsigned char c = (unsigned char)p[i + b] | 0x20;
			if (c < 'a' || c > 'z')
				return 0;
			d &= ~((uint64_t)0xff << (8 * b));
		}
	}
	for (; i < n; i++)
		if (lc((unsigned char)p[i]) != lc((unsigned char)s[i]))
			return 0;
	return 1;
}

uint32_t mh_rawop_owners(const struct mh_rawop_set *set, struct mh_slice op,
                         int64_t rtype)
{
	uint32_t m = 0;
	if (op.n) {
		uint32_t h = name_hash(op.p, op.n) & (MH_RAWOP_SLOT - 1);
		size_t k;
		while ((k = set->slot[h]) != 0) {
			if (set->e[k - 1].len == op.n &&
			    ci_eq(op.p, set->e[k - 1].s, op.n)) {
				m = set->e[k - 1].owners;
				break;
			}
			h = (h + 1) & (MH_RAWOP_SLOT - 1);
		}
	}
	for (size_t k = 0; k < set->nother; k++) {
		size_t i = set->other[k];
		size_t len = set->e[i].len;
		if (set->e[i].kind == '#') {
			if (rtype >= 0 && rtype == set->e[i].rtype)
				m |= set->e[i].owners;
			continue;
		}
		/* "*text": op holds text, any case. */
		const char *t = set->e[i].s;
		for (size_t j = 0; len && j + len <= op.n; j++)
			if (lc((unsigned char)op.p[j]) ==
			            lc((unsigned char)t[0]) &&
			    ci_eq(op.p + j, t, len)) {
				m |= set->e[i].owners;
				break;
			}
	}
	return m;
}

int mh_rawop_wanted(const struct mh_rawop_set *set, struct mh_slice op,
                    int64_t rtype)
{
	return !set->on || mh_rawop_owners(set, op, rtype) != 0;
}
