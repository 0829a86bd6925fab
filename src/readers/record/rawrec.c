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
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "readers/record/jbits.h"
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

/* The known keys (rec.h mh_rec_keys) by their first and last eight
 * bytes: a key of the text is found with two loads, a multiply and a
 * compare or two, where mh_jkeys_find hashes three letters and calls
 * memcmp. The same answers: a key equal to a known one ignoring ASCII
 * case (no two known keys are), -1 for the rest. */
#define FK_SLOTS 512 /* a power of two, four times the known keys */
struct fk {
	uint64_t w0, w1; /* the name's first and last eight bytes (short:
	                  * w0 its bytes, the rest 0; w1 0) */
	uint64_t m0, m1; /* 0x20 where w0, w1 hold a letter */
	const char *name;
	unsigned len;
	int k; /* the key's index */
};
/* The slots hold an entry's index + 1 (0: empty), one byte each, so that
 * the slots a key of a record probes (most find an empty one: no known
 * key) stay in the cache. */
#define FK_MAX 255
static unsigned char fk_slot[FK_SLOTS];
static struct fk fk_ent[FK_MAX];
static size_t fk_n;
static int fk_on; /* 0: mh_jkeys_find (the table could not be made) */
static pthread_once_t fk_once = PTHREAD_ONCE_INIT;

#define FK_FOLD 0x2020202020202020ULL

static uint64_t letters(uint64_t w)
{
	uint64_t m = 0;
	for (int i = 0; i < 8; i++) {
		unsigned c = (unsigned)(w >> (8 * i)) & 0xff;
		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			m |= (uint64_t)0x20 << (8 * i);
	}
	return m;
}

static unsigned fk_hash(uint64_t x0, uint64_t x1, size_t len)
{
	uint64_t h = ((x0 | FK_FOLD) * 0x9e3779b97f4a7c15ULL) ^
	             ((x1 | FK_FOLD) * 0xc2b2ae3d27d4eb4fULL) ^ len;
	return (unsigned)(h >> 40) & (FK_SLOTS - 1);
}

/* x0, x1 of the key p[0..len) as fk holds them (len >= 8, or the eight
 * bytes from p readable). */
static void fk_words(const char *p, size_t len, uint64_t *x0, uint64_t *x1)
{
	memcpy(x0, p, 8);
	if (len < 8) {
		*x0 &= ((uint64_t)1 << (8 * len)) - 1;
		*x1 = 0;
	} else {
		memcpy(x1, p + len - 8, 8);
	}
}

static void fk_build(void)
{
	const struct mh_jkeys *keys = mh_rec_keys();
	for (size_t k = 0; k < keys->n; k++) {
		const char *name = keys->names[k];
		size_t len = strlen(name);
		if (!len || len > 64)
			continue; /* never found by mh_jkeys_find either */
		char pad[72] = {0};
		memcpy(pad, name, len);
		if (fk_n == FK_MAX)
			return;
		struct fk e = {.name = name, .len = (unsigned)len, .k = (int)k};
		fk_words(pad, len, &e.w0, &e.w1);
		e.m0 = letters(e.w0);
		e.m1 = letters(e.w1);
		unsigned h = fk_hash(e.w0, e.w1, len);
		size_t probes = 0;
		while (fk_slot[h]) {
			if (++probes == FK_SLOTS)
				return;
			h = (h + 1) & (FK_SLOTS - 1);
		}
		fk_ent[fk_n++] = e;
		fk_slot[h] = (unsigned char)fk_n;
	}
	fk_on = 1;
}

/* 1 when p[0..n) and s[0..n) are equal ignoring ASCII case. */
static int ci_eq(const char *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mh_jkeys_lc((unsigned char)p[i]) !=
		    mh_jkeys_lc((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The keys met at each place of the last record this thread read:
 * records of one operation have their keys in one order, so the key at
 * place j is most often the last record's (its bytes compared, no hash,
 * no table). Keys of at most 16 bytes: x0 and x1 are all their bytes. */
#define MEMO 48
struct memo {
	uint64_t x0, x1;
	unsigned len; /* 0: none */
	int k;
};
static _Thread_local struct memo memo[MEMO];

/* The index of the known key p[ks..ke) of a text of n bytes, or -1; j:
 * its member's place. */
static inline int key_find(const struct mh_jkeys *keys, const char *p,
                           size_t ks, size_t ke, size_t n, size_t j)
{
	size_t len = ke - ks;
	if (!fk_on || (len < 8 && ks + 8 > n))
		return mh_jkeys_find(keys, p + ks, len);
	if (len == 0 || len > 64)
		return -1;
	uint64_t x0, x1;
	fk_words(p + ks, len, &x0, &x1);
	struct memo *m = j < MEMO && len <= 16 ? &memo[j] : NULL;
	if (m && m->len == len && m->x0 == x0 && m->x1 == x1)
		return m->k;
	int k = -1;
	for (unsigned h = fk_hash(x0, x1, len);; h = (h + 1) & (FK_SLOTS - 1)) {
		unsigned s = fk_slot[h];
		if (!s)
			break;
		const struct fk *e = &fk_ent[s - 1];
		if (e->len == len && !((x0 ^ e->w0) & ~e->m0) &&
		    !((x1 ^ e->w1) & ~e->m1) &&
		    (len <= 16 || ci_eq(p + ks + 8, e->name + 8, len - 16))) {
			k = e->k;
			break;
		}
	}
	if (m)
		*m = (struct memo){x0, x1, (unsigned)len, k};
	return k;
}

/* i just after an opening quote: the index of the closing quote, or FAIL
 * for a control byte, a bad escape or a \u escape (doubt: the parser
 * checks surrogates), or no end. *esc set when it holds an escape. */
static inline __attribute__((always_inline)) size_t
str_end(const char *p, size_t n, const struct mh_jbits *st, size_t i, int *esc)
{
	*esc = 0;
	for (;;) {
		size_t k = i >> 6;
		if (k >= st->nw)
			return FAIL;
		uint64_t win = mh_jbits_window(st->stop, i);
		if (win) { /* within 64 bytes: the usual */
			i += (size_t)__builtin_ctzll(win);
		} else {
			uint64_t w = st->stop[k] & (~(uint64_t)0 << (i & 63));
			while (!w) {
				if (++k >= st->nw)
					return FAIL;
				w = st->stop[k];
			}
			i = k * 64 + (size_t)__builtin_ctzll(w);
		}
		/* Bits past n are 0: i < n. */
		if ((unsigned char)p[i] < 0x20)
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
static inline size_t key_colon(const char *p, size_t n, const struct mh_jbits *st,
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
static size_t value(const char *p, size_t n, const struct mh_jbits *st, size_t i,
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
static inline size_t plain(const char *p, size_t n, const struct mh_jbits *st, size_t i,
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
static size_t nv_list(const char *p, size_t n, const struct mh_jbits *st, size_t i,
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

int mh_rawrec_index(const char *p, size_t n, const struct mh_jbits *bits,
                    struct robj *o, int list_key, struct mh_slice *nv,
                    size_t max_nv, size_t *nnv)
{
	const struct mh_jkeys *keys = mh_rec_keys();
	pthread_once(&fk_once, fk_build);
	memset(o->have, 0, sizeof(o->have));
	o->root = (struct mh_jv){NULL, 0};
	o->row = NULL;
	*nnv = 0;
	struct mh_jbits own;
	if (!bits || bits->p != p || bits->n != n) {
		if (!mh_jbits_find(&own, p, n))
			return 0; /* longer records are parsed */
		bits = &own;
	}
	const struct mh_jbits *st = bits;
	/* UTF-8 checked only when some byte asks for it. */
	if (bits->high && !mh_utf8_valid(p, n))
		return 0;
	size_t i = ws(p, n, 0);
	if (i >= n || p[i] != '{')
		return 0;
	i = ws(p, n, i + 1);
	size_t place = 0; /* the member's */
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
			int k = key_find(keys, p, ks, ke, n, place++);
			if (k < 0) {
				if (p[i] == '"') {
					/* the usual value, a string: inline */
					int vesc;
					i = str_end(p, n, st, i + 1, &vesc);
					if (i != FAIL)
						i++;
				} else {
					i = value(p, n, st, i, 1);
				}
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
