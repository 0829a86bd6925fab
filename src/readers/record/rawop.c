/* rawop.c - the literal prefilter's peek (rawop.h). */
#include "readers/record/rawop.h"

#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/time.h"
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

static const struct {
	const char *name;
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

/* The key of p[ks..ke) among wanted_keys (a length first, then the
 * bytes): its index, -1 for none, -2 for doubt (a wanted key in another
 * case: the parser would decide which spelling counts). */
static int key_of(const char *p, size_t ks, size_t ke)
{
	size_t n = ke - ks;
	/* The wanted keys of each length (index + 1), so that a key is
	 * compared with at most three: every wanted_keys entry is listed
	 * under its length, checked by mh_rawop_selfcheck. Most keys have a
	 * length no wanted key has. */
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

/* Walk the members of the object from out->pos until the four keys of
 * the decision are seen (all 0) or the object ends. 1 when the walk went
 * well (out->pos past the last member read, out->done at the end), 0 on
 * doubt. */
static int walk(const char *p, size_t n, struct mh_rawop *out, int all)
{
	size_t i = out->pos;
	while (all ||
	       (out->seen & ((1u << R__CORE) - 1)) != (1u << R__CORE) - 1) {
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
		int k = key_of(p, ks, ke);
		if (k == -2)
			return 0;
		if (k >= R__SIGMA) {
			/* Only the Sigma rules' judge reads these: a second
			 * one (or one in another case) is R_ODD, its doubt,
			 * never the peek's. */
			if (out->seen & (1u << k))
				k = R_ODD;
			out->seen |= 1u << k;
			struct mh_slice *val = k == R_WORKLOAD ? &out->workload
			                       : k == R_EVNAME ? &out->ev_name
			                       : k == R_EVSRC  ? &out->ev_source
			                                       : NULL;
			if (val && p[vs] == '"' && !vesc)
				*val = mh_slice_make(p + vs + 1, i - vs - 2);
			else if (val)
				out->seen |= 1u << R_ODD;
		} else if (k >= 0) {
			/* The key twice: the parser would decide which one
			 * counts. */
			if (out->seen & (1u << k))
				return 0;
			out->seen |= 1u << k;
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
			} else if (k != R_PARAMS) {
				/* A plain string, escapes are doubt. */
				if (p[vs] != '"' || vesc)
					return 0;
				struct mh_slice s =
				        mh_slice_make(p + vs + 1, i - vs - 2);
				switch (k) {
				case R_OP: out->op = s; break;
				case R_ID: out->id = s; break;
				case R_TIME: out->time = s; break;
				case R_USER: out->actor = s; break;
				case R_MBX: out->mailbox = s; break;
				case R_ORGNAME: out->org_name = s; break;
				case R_MGUID: out->guid = s; break;
				default: out->org_id = s; break;
				}
			}
		}
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
	memset(out, 0, sizeof(*out));
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
	/* key_of finds every wanted key by its name, in any case */
	for (int w = 0; w < R__N; w++) {
		char k[32];
		size_t n = wanted_keys[w].n;
		memcpy(k, wanted_keys[w].name, n);
		if (key_of(k, 0, n) != w)
			return 0;
		for (size_t i = 0; i < n; i++)
			k[i] ^= (char)(k[i] >= 'A' && k[i] <= 'z' ? 0x20 : 0);
		if (key_of(k, 0, n) != (w >= R__SIGMA ? w : -2))
			return 0;
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
	if (!set->on || !mh_rawop_peek(p, n, out) ||
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
	if (!mh_rawop_sure(whole, wn))
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
