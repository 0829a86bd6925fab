/* rawop.c - the literal prefilter's peek (rawop.h). */
#include "readers/record/rawop.h"

#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/memfind.h"

enum { R_OP, R_ID, R_TIME, R_TYPE, R__N };

static const struct {
	const char *name;
	size_t n;
} wanted_keys[R__N] = {
        [R_OP] = {"Operation", 9},
        [R_ID] = {"Id", 2},
        [R_TIME] = {"CreationTime", 12},
        [R_TYPE] = {"RecordType", 10},
};

static size_t ws(const char *p, size_t n, size_t i)
{
	while (i < n &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* i at the byte after an opening quote: the index of the closing quote
 * (n if none); *esc set when the string holds a backslash. Sixteen bytes
 * at a time where SSE2 is there (every x86-64): the walk reads about two
 * hundred bytes of each record. */
static size_t str_end(const char *p, size_t n, size_t i, int *esc)
{
	*esc = 0;
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

/* i at a value's first byte: the index just past it, or n on doubt;
 * *sesc set when it is a string holding a backslash. */
static size_t skip_value(const char *p, size_t n, size_t i, int *sesc)
{
	int esc;
	*sesc = 0;
	if (i >= n)
		return n;
	if (p[i] == '"') {
		size_t e = str_end(p, n, i + 1, sesc);
		return e < n ? e + 1 : n;
	}
	if (p[i] == '{' || p[i] == '[') {
		size_t depth = 0;
		while (i < n) {
			char c = p[i];
			if (c == '"') {
				i = str_end(p, n, i + 1, &esc);
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

/* How many places of p[0..n) look like a key or string ending in
 * "operation" (any case of the "peration" part that is all lower or all
 * upper): "Operation" followed by a quote, raw or escaped. */
static int op_keys(const char *p, size_t n)
{
	static const char *const needles[] = {"peration", "PERATION"};
	int count = 0;
	for (size_t k = 0; k < 2; k++) {
		size_t i = 1;
		while (i + 8 < n) {
			const char *h = mh_memfind(p + i, n - i, needles[k], 8);
			if (!h)
				break;
			size_t at = (size_t)(h - p);
			size_t e = at + 8;
			if ((p[at - 1] == 'O' || p[at - 1] == 'o') && e < n &&
			    (p[e] == '"' ||
			     (p[e] == '\\' && e + 1 < n && p[e + 1] == '"')))
				count++;
			i = at + 1;
		}
	}
	return count;
}

int mh_rawop_peek(const char *p, size_t n, struct mh_rawop *out)
{
	memset(out, 0, sizeof(*out));
	out->rtype = -1;
	int seen[R__N] = {0};
	int found = 0;
	size_t i = ws(p, n, 0);
	if (i >= n || p[i] != '{')
		return 0;
	i++;
	while (found < R__N) {
		i = ws(p, n, i);
		if (i >= n)
			return 0;
		if (p[i] == '}')
			break;
		if (p[i] != '"')
			return 0;
		int esc;
		size_t ks = i + 1, ke = str_end(p, n, ks, &esc);
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
		i = skip_value(p, n, i, &vesc);
		if (i >= n)
			return 0;
		int k = -1;
		for (int w = 0; w < R__N; w++)
			if (ke - ks == wanted_keys[w].n &&
			    !strncasecmp(p + ks, wanted_keys[w].name,
			                 wanted_keys[w].n))
				k = w;
		if (k >= 0) {
			/* Another spelling, or the key twice: the parser
			 * would decide which one counts. */
			if (seen[k] || memcmp(p + ks, wanted_keys[k].name,
			                      wanted_keys[k].n) != 0)
				return 0;
			seen[k] = 1;
			found++;
			if (k == R_TYPE) {
				size_t a = vs, b = i;
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
			} else {
				/* A plain string, escapes are doubt. */
				if (p[vs] != '"' || vesc)
					return 0;
				struct mh_slice s =
				        mh_slice_make(p + vs + 1, i - vs - 2);
				if (k == R_OP)
					out->op = s;
				else if (k == R_ID)
					out->id = s;
				else
					out->time = s;
			}
		}
		i = ws(p, n, i);
		if (i < n && p[i] == ',') {
			i++;
			continue;
		}
		if (i < n && p[i] == '}')
			break;
		return 0;
	}
	if (!seen[R_OP] || !seen[R_ID] || !seen[R_TIME] || !out->op.n ||
	    !out->id.n || !out->time.n)
		return 0;
	return 1;
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

void mh_rawop_set_init(struct mh_rawop_set *set, const char *const *ops)
{
	memset(set, 0, sizeof(*set));
	if (!ops)
		return;
	set->on = 1;
	for (size_t i = 0; ops[i]; i++) {
		if (set->n == MH_RAWOP_MAX) {
			set->on = 0;
			return;
		}
		const char *o = ops[i];
		char kind = o[0] == '*' || o[0] == '#' ? o[0] : '=';
		if (kind != '=')
			o++;
		set->e[set->n].s = o;
		set->e[set->n].len = strlen(o);
		set->e[set->n].kind = kind;
		set->e[set->n].rtype = kind == '#' ? dec(o) : -1;
		set->n++;
	}
	/* Names by length (a counting sort), the rest apart. */
	size_t count[MH_RAWOP_LEN] = {0};
	for (size_t i = 0; i < set->n; i++) {
		if (set->e[i].kind == '=' && set->e[i].len < MH_RAWOP_LEN)
			count[set->e[i].len]++;
		else
			set->other[set->nother++] = (unsigned short)i;
	}
	size_t sum = 0;
	for (size_t l = 0; l < MH_RAWOP_LEN; l++) {
		set->at[l] = (unsigned short)sum;
		sum += count[l];
	}
	set->at[MH_RAWOP_LEN] = (unsigned short)sum;
	size_t fill[MH_RAWOP_LEN];
	for (size_t l = 0; l < MH_RAWOP_LEN; l++)
		fill[l] = set->at[l];
	for (size_t i = 0; i < set->n; i++)
		if (set->e[i].kind == '=' && set->e[i].len < MH_RAWOP_LEN)
			set->byname[fill[set->e[i].len]++] = (unsigned short)i;
}

static int entry_wanted(const struct mh_rawop_set *set, size_t i,
                        struct mh_slice op, int64_t rtype)
{
	const char *s = set->e[i].s;
	switch (set->e[i].kind) {
	case '=': return op.n == set->e[i].len && !strncasecmp(op.p, s, op.n);
	case '*': return mh_slice_ifind(op, s) != (size_t)-1;
	default: return rtype >= 0 && rtype == set->e[i].rtype;
	}
}

int mh_rawop_wanted(const struct mh_rawop_set *set, struct mh_slice op,
                    int64_t rtype)
{
	if (!set->on)
		return 1;
	if (op.n && op.n < MH_RAWOP_LEN)
		for (size_t k = set->at[op.n]; k < set->at[op.n + 1]; k++)
			if (entry_wanted(set, set->byname[k], op, rtype))
				return 1;
	for (size_t k = 0; k < set->nother; k++)
		if (entry_wanted(set, set->other[k], op, rtype))
			return 1;
	return 0;
}
