/* audremote.c - remote mail collection (T1114.002) from audit records.
 *
 * Each record a rule cares about becomes an observation of one aggregate
 * (per application, identity, mailbox or user: the rule's key). An
 * aggregate counts records and items, spans first/last, keeps the level
 * reached, small sorted sets (mailboxes, actors, addresses, apps and two
 * rule-specific ones), hourly buckets where a rule needs a rate, and the
 * evidence records. Everything is bounded: a map keeps at most
 * key_cap aggregates, a set at most its cap of members, an hour list
 * hour_cap hours, an evidence list max_evidence records, always the
 * smallest ones (bytewise keys, earliest hours, the heaviest records then
 * file and offset for evidence). At the caps: 4096 x 744 hours of 16
 * bytes for MH-AUD-VOLUME (48 MiB at worst, a month of 4096 mailboxes
 * read every hour), 1024 x 168 x 190 bytes for MH-AUD-SEARCH. Keeping
 * the k smallest of each worker's part keeps exactly the k smallest of the
 * whole, so merging worker accumulators gives the same result whatever
 * the -j (analytic.h); a capped set says so in the finding.
 */
#include "analytics/audremote.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/strmap.h"
#include "core/time.h"
#include "event/audit.h"
#include "event/event.h"
#include "finding/finding.h"

#define TECH        "T1114.002"
#define TACTIC      "collection"
#define MAX_KEYS    4096 /* aggregates per rule (key_cap) */
#define MAX_HOURS   744  /* hourly buckets per mailbox (31 days) */
#define MAX_QHOURS  168  /* hourly buckets of searches per user (a week) */
#define MAX_SEARCHERS 1024 /* users whose search rate is followed */
#define HASH_CAP    21   /* distinct queries kept per hour: > 20 is enough */
#define TXT_CAP     256  /* bytes kept of a value (query, subject, ...) */
#define SEARCH_RATE 20   /* distinct queries in one hour above which */
#define VOL_MIN     100  /* items in one record or hour for MH-AUD-VOLUME */
#define VOL_FACTOR  10   /* hour >= factor x the mailbox's hourly median */
#define VOL_HOURS   6    /* active hours needed for a median */
#define MANY_MBX    5    /* mailboxes that make a read high */
#define MANY_FOLDERS 5   /* folders of others above which it is high */
#define GRAPH_APP   "00000003-0000-0000-c000-000000000000"

/* MARK: - tables */

static const struct app {
	const char *id, *name;
} apps[] = {
#define AUD_APP(id, name) {id, name},
#include "analytics/audapp.def"
#undef AUD_APP
};

enum { Q_SEARCH = MH_AUDR_Q_SEARCH, Q_SUBJECT = MH_AUDR_Q_SUBJECT };
enum { M_PREFIX, M_WORD };

static const struct secret {
	const char *w;
	int cls, m;
} secrets[] = {
#define AUD_SECRET(w, c, m, lang) {w, c, m},
#include "analytics/audsecret.def"
#undef AUD_SECRET
};

static const struct scope {
	const char *s, *src;
} scopes[] = {
#define AUD_SCOPE(s, src) {s, src},
#include "analytics/audscope.def"
#undef AUD_SCOPE
};

static int lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/* slice s against NUL-terminated lower-case b, s folded (ASCII). */
static int icmp_sz(struct mh_slice s, const char *b)
{
	size_t i = 0;
	for (; i < s.n && b[i]; i++) {
		int d = lc((unsigned char)s.p[i]) - (unsigned char)b[i];
		if (d)
			return d;
	}
	if (i < s.n)
		return 1;
	return b[i] ? -1 : 0;
}

static int ieq(struct mh_slice s, const char *b)
{
	size_t n = strlen(b);
	return s.p && s.n == n && mh_slice_ieq(s, mh_slice_make(b, n));
}

const char *mh_audr_first_party(struct mh_slice id)
{
	id = mh_slice_trim(id);
	size_t lo = 0, hi = sizeof(apps) / sizeof(apps[0]);
	if (!id.p || !id.n)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = icmp_sz(id, apps[mid].id);
		if (!c)
			return apps[mid].name;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Fold text into out (ASCII and the UTF-8 Latin-1 capitals C3 80-9E but
 * C3 97): the words of audsecret.def are lower case. Returns the length
 * (text past cap bytes is not looked at). */
static size_t fold(struct mh_slice t, char *out, size_t cap)
{
	size_t n = t.n < cap ? t.n : cap, k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t.p[i];
		if (c == 0xc3 && i + 1 < n) {
			unsigned char d = (unsigned char)t.p[i + 1];
			out[k++] = (char)c;
			out[k++] = (char)(d >= 0x80 && d <= 0x9e && d != 0x97
			                          ? d + 0x20
			                          : d);
			i++;
			continue;
		}
		out[k++] = (char)lc(c);
	}
	return k;
}

static int wordch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

const char *mh_audr_secret(struct mh_slice text, int cls)
{
	char f[2048];
	if (!text.p || !text.n)
		return NULL;
	size_t n = fold(text, f, sizeof(f));
	for (size_t w = 0; w < sizeof(secrets) / sizeof(secrets[0]); w++) {
		const struct secret *s = &secrets[w];
		if (!(s->cls & cls))
			continue;
		size_t wl = strlen(s->w);
		for (size_t i = 0; i + wl <= n; i++) {
			if (f[i] != s->w[0] || memcmp(f + i, s->w, wl))
				continue;
			if (i && wordch((unsigned char)f[i - 1]))
				continue;
			if (s->m == M_WORD && i + wl < n &&
			    wordch((unsigned char)f[i + wl]))
				continue;
			return s->w;
		}
	}
	return NULL;
}

static int scope_delim(unsigned char c)
{
	return c <= ' ' || c == ',' || c == ';' || c == '"' || c == '\'' ||
	       c == '[' || c == ']' || c == '(' || c == ')' || c == '{' ||
	       c == '}';
}

const char *mh_audr_scope(struct mh_slice t, size_t *pos)
{
	size_t i = *pos;
	while (t.p && i < t.n) {
		while (i < t.n && scope_delim((unsigned char)t.p[i]))
			i++;
		size_t b = i;
		while (i < t.n && !scope_delim((unsigned char)t.p[i]))
			i++;
		if (i == b)
			break;
		struct mh_slice tok = mh_slice_make(t.p + b, i - b);
		for (size_t k = 0; k < sizeof(scopes) / sizeof(scopes[0]); k++)
			if (ieq(tok, scopes[k].s)) {
				*pos = i;
				return scopes[k].s;
			}
	}
	*pos = t.n;
	return NULL;
}

/* MARK: - bounded sorted sets */

struct sset {
	char **v;
	size_t n, alloc;
	int capped;
};

/* Insert s (copied) keeping the cap smallest. MH_OK or MH_ENOMEM. */
static int sset_add(struct sset *st, const char *s, size_t cap)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s, st->v[mid]);
		if (!c)
			return MH_OK;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (st->n == cap) {
		st->capped = 1;
		if (lo == st->n)
			return MH_OK;
		free(st->v[--st->n]);
	}
	if (st->n == st->alloc) {
		size_t na = st->alloc ? st->alloc * 2 : 4;
		char **nv = realloc(st->v, na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		st->v = nv;
		st->alloc = na;
	}
	char *c = strdup(s);
	if (!c)
		return MH_ENOMEM;
	memmove(st->v + lo + 1, st->v + lo, (st->n - lo) * sizeof(*st->v));
	st->v[lo] = c;
	st->n++;
	return MH_OK;
}

static void sset_free(struct sset *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i]);
	free(st->v);
	memset(st, 0, sizeof(*st));
}

/* MARK: - evidence */

struct ref {
	uint64_t weight;  /* larger first (VOLUME: items, throttled first) */
	const char *file; /* interned in the accumulator */
	uint64_t offset, record;
	unsigned line;
	int64_t ts;
	char *fields; /* owned or NULL */
};

/* Evidence order: weight, larger first, then file and offset. */
static int ref_cmp(const struct ref *a, const struct ref *b)
{
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

struct evl {
	struct ref *v;
	size_t n;
};

static int evl_wants(const struct evl *l, size_t max, const struct ref *r)
{
	if (l->n < max)
		return 1;
	return ref_cmp(r, &l->v[l->n - 1]) < 0;
}

/* Keep r (its fields moved in) if among the max smallest. */
static int evl_add(struct evl *l, size_t max, struct ref *r)
{
	size_t i = 0;
	while (i < l->n && ref_cmp(&l->v[i], r) < 0)
		i++;
	if ((i < l->n && !ref_cmp(&l->v[i], r)) || i >= max) {
		free(r->fields);
		r->fields = NULL;
		return MH_OK;
	}
	if (!l->v && !(l->v = calloc(max, sizeof(*l->v)))) {
		free(r->fields);
		r->fields = NULL;
		return MH_ENOMEM;
	}
	if (l->n == max)
		free(l->v[--l->n].fields);
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(*l->v));
	l->v[i] = *r;
	r->fields = NULL;
	l->n++;
	return MH_OK;
}

static void evl_free(struct evl *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].fields);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* MARK: - hours */

struct hour {
	int32_t h;      /* Unix time / 3600 */
	uint32_t items; /* records or items read in it (saturating) */
	uint64_t *hash; /* SEARCH: [0] the count, then the distinct query
	                 * hashes sorted, at most HASH_CAP; else NULL */
};

struct hours {
	struct hour *v;
	size_t n, alloc;
	int capped;
};

/* The bucket of hour h, keeping the cap earliest hours (NULL when h is
 * not among them, or out of memory with *oom set). */
static struct hour *hours_get(struct hours *hs, int32_t h, size_t cap,
                              int *oom)
{
	size_t lo = 0, hi = hs->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (hs->v[mid].h == h)
			return &hs->v[mid];
		if (h < hs->v[mid].h)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (hs->n == cap) {
		hs->capped = 1;
		if (lo == hs->n)
			return NULL;
		free(hs->v[--hs->n].hash);
	}
	if (hs->n == hs->alloc) {
		size_t na = hs->alloc ? hs->alloc * 2 : 8;
		struct hour *nv = realloc(hs->v, na * sizeof(*nv));
		if (!nv) {
			*oom = 1;
			return NULL;
		}
		hs->v = nv;
		hs->alloc = na;
	}
	memmove(hs->v + lo + 1, hs->v + lo, (hs->n - lo) * sizeof(*hs->v));
	memset(&hs->v[lo], 0, sizeof(hs->v[lo]));
	hs->v[lo].h = h;
	hs->n++;
	return &hs->v[lo];
}

static void hour_items(struct hour *o, uint64_t n)
{
	uint64_t t = o->items + n;
	o->items = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static uint32_t hour_nq(const struct hour *o)
{
	return o->hash ? (uint32_t)o->hash[0] : 0;
}

/* Keep x among the HASH_CAP smallest distinct hashes of the hour. */
static int hour_hash(struct hour *o, uint64_t x)
{
	if (!o->hash && !(o->hash = calloc(HASH_CAP + 1, sizeof(*o->hash))))
		return MH_ENOMEM;
	uint64_t *v = o->hash + 1;
	uint32_t n = (uint32_t)o->hash[0], i = 0;
	while (i < n && v[i] < x)
		i++;
	if ((i < n && v[i] == x) || i >= HASH_CAP)
		return MH_OK;
	if (n == HASH_CAP)
		n--;
	memmove(v + i + 1, v + i, (n - i) * sizeof(*v));
	v[i] = x;
	o->hash[0] = n + 1;
	return MH_OK;
}

static void hours_free(struct hours *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		free(hs->v[i].hash);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

/* MARK: - aggregates */

enum { S_MBX, S_ACTOR, S_IP, S_APP, S_X1, S_X2, NSET };
static const size_t set_cap[NSET] = {64, 16, 16, 16, 16, 16};

enum {
	R_APPREAD,
	R_VOLUME,
	R_OTHERMBX,
	R_LOGIN,
	R_SEARCH,
	R_HARDDELETE,
	R_CONSENT,
	R_TAKEOUT,
	R_ADMINACCESS,
	R__N
};

static const size_t key_cap[R__N] = {
        MAX_KEYS, MAX_KEYS,      MAX_KEYS, MAX_KEYS, MAX_SEARCHERS,
        MAX_KEYS, MAX_KEYS,      MAX_KEYS, MAX_KEYS};
static const size_t hour_cap[R__N] = {0, MAX_HOURS, 0, 0, MAX_QHOURS,
                                      0, 0,         0, 0};

/* flags */
enum {
	F_THROTTLED = 1,
	F_BIGOP = 2,
	F_APPIDENT = 4,
	F_APPWIDE = 8,
	F_OK = 16,     /* at least one record that succeeded (or no result) */
	F_FAILED = 32, /* at least one failed attempt */
	F_POWERSHELL = 64,
	F_NONOWNER = 128,
	F_SECRET = 256,
	F_FIRSTPARTY = 512,
};

struct agg {
	uint64_t records, items, c[2];
	int64_t first, last;
	int level;
	unsigned flags;
	char *name; /* smallest non-empty name seen */
	uint64_t maxop;
	struct sset set[NSET];
	struct evl ev;
	struct hours hrs;
};

static void agg_free(struct agg *a)
{
	if (!a)
		return;
	free(a->name);
	for (int i = 0; i < NSET; i++)
		sset_free(&a->set[i]);
	evl_free(&a->ev);
	hours_free(&a->hrs);
	free(a);
}

struct akv {
	char *key;
	struct agg *a;
};

struct amap {
	struct akv *v;
	size_t n, alloc;
	int capped;
};

/* The aggregate of key (created), NULL when dropped by the cap or (with
 * *oom set) out of memory. */
static struct agg *amap_get(struct amap *m, const char *key, size_t cap,
                            int *oom)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(key, m->v[mid].key);
		if (!c)
			return m->v[mid].a;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (m->n == cap) {
		m->capped = 1;
		if (lo == m->n)
			return NULL;
		m->n--;
		free(m->v[m->n].key);
		agg_free(m->v[m->n].a);
	}
	if (m->n == m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 16;
		struct akv *nv = realloc(m->v, na * sizeof(*nv));
		if (!nv) {
			*oom = 1;
			return NULL;
		}
		m->v = nv;
		m->alloc = na;
	}
	struct agg *a = calloc(1, sizeof(*a));
	char *k = strdup(key);
	if (!a || !k) {
		free(a);
		free(k);
		*oom = 1;
		return NULL;
	}
	a->first = a->last = MH_TS_NONE;
	memmove(m->v + lo + 1, m->v + lo, (m->n - lo) * sizeof(*m->v));
	m->v[lo].key = k;
	m->v[lo].a = a;
	m->n++;
	return a;
}

struct acc {
	struct amap map[R__N];
	struct mh_strmap files; /* interned paths */
	size_t max_ev;
};

/* The accumulator's copy of path: the key the map owns (its pointer is
 * stable as the table grows), kept as the value too. */
static const char *intern(struct acc *c, const char *path)
{
	void **slot;
	int created = 0;
	if (mh_strmap_add(&c->files, path ? path : "-", &slot, &created))
		return NULL;
	if (created) {
		struct mh_strmap_slot *s =
		        (struct mh_strmap_slot *)(void *)((char *)slot -
		                                          offsetof(struct
		                                                   mh_strmap_slot,
		                                                   val));
		*slot = s->key;
	}
	return *slot;
}

/* MARK: - observations */

static void tcopy(char *out, size_t cap, struct mh_slice s, int lower)
{
	size_t k = 0;
	s = mh_slice_trim(s);
	for (size_t i = 0; s.p && i < s.n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!c)
			continue;
		out[k++] = (char)(lower ? lc(c) : c);
	}
	out[k] = '\0';
}

static void set_add_s(struct agg *g, int set, struct mh_slice s, int lower,
                      int *oom)
{
	char b[TXT_CAP];
	tcopy(b, sizeof(b), s, lower);
	if (b[0] && sset_add(&g->set[set], b, set_cap[set]))
		*oom = 1;
}

static void set_add_c(struct agg *g, int set, const char *s, int *oom)
{
	if (s && *s && sset_add(&g->set[set], s, set_cap[set]))
		*oom = 1;
}

static void agg_name(struct agg *g, const char *name, int *oom)
{
	if (!name || !*name || (g->name && strcmp(name, g->name) >= 0))
		return;
	char *c = strdup(name);
	if (!c) {
		*oom = 1;
		return;
	}
	free(g->name);
	g->name = c;
}

static const char *logon_name(int t)
{
	static const char *const n[] = {"Owner",         "Admin",
	                                "Delegated",     "Transport",
	                                "SystemService", "BestAccess",
	                                "DelegatedAdmin"};
	return t >= 0 && t < 7 ? n[t] : NULL;
}

/* The record's key fields, "name=value; ..." (capped at 1024 bytes). */
static char *key_fields(const struct mh_audit *a)
{
	struct mh_buf b = MH_BUF_INIT(1024);
	struct {
		const char *n;
		struct mh_slice v;
	} kv[] = {
	        {"Operation", a->operation},   {"UserId", a->actor},
	        {"Mailbox", a->mailbox},       {"ObjectId", a->object},
	        {"AppId", a->app_id},          {"ClientAppId", a->client_app_id},
	        {"ClientInfo", a->client_info}, {"ClientIP", a->client_ip_raw},
	        {"ResultStatus", a->result_raw},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		if (!kv[i].v.p)
			continue;
		mh_buf_printf(&b, "%s%s=", b.len ? "; " : "", kv[i].n);
		mh_buf_add(&b, kv[i].v.p, kv[i].v.n > 200 ? 200 : kv[i].v.n);
	}
	if (a->user_type >= 0)
		mh_buf_printf(&b, "; UserType=%d", a->user_type);
	if (a->actor_type.p) {
		mh_buf_adds(&b, "; AccountType=");
		mh_buf_add(&b, a->actor_type.p, a->actor_type.n);
	}
	if (logon_name(a->logon_type))
		mh_buf_printf(&b, "; LogonType=%s", logon_name(a->logon_type));
	if (a->op_count >= 0)
		mh_buf_printf(&b, "; OperationCount=%" PRId64, a->op_count);
	for (size_t i = 0; i < a->nparams; i++) {
		const struct mh_audit_param *p = &a->params[i];
		if (!p->value.p || !p->name.p)
			continue;
		mh_buf_adds(&b, "; ");
		mh_buf_add(&b, p->name.p, p->name.n > 64 ? 64 : p->name.n);
		mh_buf_addc(&b, '=');
		mh_buf_add(&b, p->value.p, p->value.n > 160 ? 160 : p->value.n);
	}
	char *s = mh_buf_detach(&b, NULL);
	return s;
}

struct obs {
	int rule, level;
	unsigned flags;
	uint64_t items, c0, c1, op;
	int evidence;    /* the record may be evidence */
	int64_t hour;    /* INT64_MIN: none */
	uint64_t hash;   /* query hash, 0: none */
	uint64_t weight; /* evidence order: heavier first */
};

/* Count one record into the aggregate of key; returns the aggregate for
 * the rule's own sets (NULL when dropped by the cap or out of memory:
 * *oom tells). */
static struct agg *observe(struct acc *c, const struct mh_event *ev,
                           const char *key, const struct obs *o, int *oom)
{
	struct agg *g = amap_get(&c->map[o->rule], key, key_cap[o->rule], oom);
	if (!g)
		return NULL;
	const struct mh_audit *a = ev->audit;
	g->records++;
	g->items += o->items;
	g->c[0] += o->c0;
	g->c[1] += o->c1;
	if (o->op > g->maxop)
		g->maxop = o->op;
	if (ev->ts != MH_TS_NONE) {
		if (g->first == MH_TS_NONE || ev->ts < g->first)
			g->first = ev->ts;
		if (g->last == MH_TS_NONE || ev->ts > g->last)
			g->last = ev->ts;
	}
	if (o->level > g->level)
		g->level = o->level;
	g->flags |= o->flags;
	g->flags |= a->result == MH_AR_FAILED ? F_FAILED : F_OK;
	if (a->client_ip.p)
		set_add_s(g, S_IP, a->client_ip, 0, oom);
	else if (a->client_ip_raw.p)
		set_add_s(g, S_IP, a->client_ip_raw, 0, oom);
	struct ref r = {0};
	r.file = intern(c, ev->path);
	if (!r.file) {
		*oom = 1;
		return NULL;
	}
	r.offset = ev->offset;
	r.record = ev->index == UINT64_MAX ? 0 : ev->index + 1;
	r.line = ev->line;
	r.ts = ev->ts;
	r.weight = o->weight;
	if (o->hour != INT64_MIN) {
		struct hour *h = hours_get(&g->hrs, (int32_t)o->hour,
		                           hour_cap[o->rule], oom);
		if (h) {
			hour_items(h, o->items);
			if (o->hash && hour_hash(h, o->hash))
				*oom = 1;
		}
	}
	if (o->evidence && evl_wants(&g->ev, c->max_ev, &r)) {
		r.fields = key_fields(a);
		if (evl_add(&g->ev, c->max_ev, &r))
			*oom = 1;
	}
	return g;
}

/* MARK: - judging records */

static int is_system(const struct mh_audit *a)
{
	struct mh_slice s = a->actor;
	return a->user_type == 4 || ieq(s, "S-1-5-18") ||
	       ieq(s, "S-1-5-19") || ieq(s, "S-1-5-20") ||
	       mh_slice_istarts(s, "NT AUTHORITY\\SYSTEM");
}

static int is_app_identity(const struct mh_audit *a)
{
	if (a->user_type == 5 || a->user_type == 6)
		return 1;
	if (ieq(a->actor_type, "Application") ||
	    ieq(a->actor_type, "ServicePrincipal"))
		return 1;
	struct mh_slice id = a->app_id.p ? a->app_id : a->client_app_id;
	if (!id.p || !id.n)
		return 0;
	return !a->actor.p || !a->actor.n || mh_slice_ieq(a->actor, id);
}

/* The application that read: ClientAppId when AppId is Graph itself. */
static struct mh_slice read_app(const struct mh_audit *a)
{
	if (a->app_id.p && a->app_id.n && !ieq(a->app_id, GRAPH_APP))
		return a->app_id;
	if (a->client_app_id.p && a->client_app_id.n)
		return a->client_app_id;
	return a->app_id;
}

static int via_api(const struct mh_audit *a)
{
	struct mh_slice ci = a->client_info;
	return ieq(a->app_id, GRAPH_APP) ||
	       mh_slice_ifind(ci, "Client=REST") != (size_t)-1 ||
	       mh_slice_ifind(ci, "WebServices") != (size_t)-1;
}

static int throttled(const struct mh_audit *a)
{
	const struct mh_audit_param *p = mh_audit_param(a, "IsThrottled", NULL);
	return p && ieq(p->value, "true");
}

static int64_t hour_of(int64_t ts)
{
	if (ts == MH_TS_NONE)
		return INT64_MIN;
	return ts >= 0 ? ts / 3600 : (ts - 3599) / 3600;
}

/* The folders a read names (Folders[].Path), as "mailbox:path". */
static void add_folders(struct agg *g, const struct mh_event *ev,
                        const char *mbx, int *oom)
{
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	for (size_t i = 0; f && i < n; i++) {
		if (!f[i].value.p || !ieq(f[i].name, "Folders.Path"))
			continue;
		char b[2 * TXT_CAP + 2], v[TXT_CAP];
		tcopy(v, sizeof(v), f[i].value, 0);
		snprintf(b, sizeof(b), "%s:%s", mbx, v);
		set_add_c(g, S_X2, b, oom);
	}
}

static int on_read(struct acc *c, const struct mh_event *ev,
                   const struct mh_audit *a, int bind_only)
{
	int oom = 0;
	char mbx[TXT_CAP], act[TXT_CAP], app[TXT_CAP];
	tcopy(mbx, sizeof(mbx), a->mailbox, 1);
	tcopy(act, sizeof(act), a->actor, 1);
	struct mh_slice appid = read_app(a);
	tcopy(app, sizeof(app), appid, 1);
	uint64_t items = a->op_count > 0 ? (uint64_t)a->op_count : 1;
	int thr = throttled(a);
	int appident = is_app_identity(a);
	int sys = is_system(a);
	const char *fp = mh_audr_first_party(appid);
	struct agg *g;

	if (!bind_only && mbx[0]) {
		struct obs o = {R_VOLUME, MH_LEVEL_MEDIUM, 0, items, 0, 0, 0,
		                0, hour_of(ev->ts), 0, 0};
		o.c0 = thr;
		o.c1 = a->op_count >= VOL_MIN;
		o.op = a->op_count > 0 ? (uint64_t)a->op_count : 0;
		o.flags = (thr ? F_THROTTLED : 0) | (o.c1 ? F_BIGOP : 0);
		/* evidence: the throttled records, then the largest */
		o.evidence = 1;
		o.weight = (thr ? (uint64_t)1 << 40 : 0) + o.op;
		if ((g = observe(c, ev, mbx, &o, &oom))) {
			set_add_c(g, S_MBX, mbx, &oom);
			set_add_c(g, S_ACTOR, act, &oom);
			set_add_c(g, S_APP, app, &oom);
		}
	}
	int nonowner = mbx[0] && act[0] && strcmp(mbx, act) &&
	               a->logon_type != 0 && a->logon_type != 3 &&
	               a->logon_type != 4;
	if (!bind_only && !sys &&
	    (appident || (nonowner && via_api(a) && !fp))) {
		struct obs o = {R_APPREAD, MH_LEVEL_MEDIUM, 0, items, 0, 0, 0,
		                1, INT64_MIN, 0, 0};
		if (appident && fp)
			o.level = MH_LEVEL_LOW;
		o.c0 = thr;
		o.flags = (thr ? F_THROTTLED : 0) |
		          (appident ? F_APPIDENT : F_NONOWNER) |
		          (fp ? F_FIRSTPARTY : 0);
		if ((g = observe(c, ev, app[0] ? app : "(no app id)", &o,
		                 &oom))) {
			set_add_c(g, S_MBX, mbx, &oom);
			/* an app reading as itself: UserId is the mailbox,
			 * the actor is the app */
			set_add_c(g, S_ACTOR,
			          !appident || strcmp(act, mbx) ? act : app,
			          &oom);
			set_add_c(g, S_APP, app, &oom);
			agg_name(g, fp, &oom);
			set_add_s(g, S_X1, a->client_info, 0, &oom);
		}
	}
	if (!sys && !appident && nonowner) {
		struct obs o = {R_OTHERMBX, MH_LEVEL_MEDIUM, 0, items, 0, 0,
		                0, 1, INT64_MIN, 0, 0};
		if ((g = observe(c, ev, act, &o, &oom))) {
			set_add_c(g, S_MBX, mbx, &oom);
			set_add_c(g, S_ACTOR, act, &oom);
			set_add_c(g, S_APP, app, &oom);
			set_add_c(g, S_X1,
			          logon_name(a->logon_type)
			                  ? logon_name(a->logon_type)
			                  : "unknown",
			          &oom);
			add_folders(g, ev, mbx, &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int on_login(struct acc *c, const struct mh_event *ev,
                    const struct mh_audit *a)
{
	if (is_system(a))
		return MH_OK;
	struct mh_slice ci = a->client_info;
	int ps = mh_slice_ifind(ci, "Microsoft.Exchange.Powershell") !=
	                 (size_t)-1 ||
	         mh_slice_ifind(ci, "WinRM") != (size_t)-1;
	int t = a->logon_type;
	int nonowner = t == 1 || t == 2 || t == 5 || t == 6;
	if (!ps && !nonowner)
		return MH_OK;
	char mbx[TXT_CAP], act[TXT_CAP], key[2 * TXT_CAP + 2];
	tcopy(mbx, sizeof(mbx), a->mailbox, 1);
	tcopy(act, sizeof(act), a->actor, 1);
	snprintf(key, sizeof(key), "%s\x1f%s", act, mbx);
	int oom = 0;
	struct obs o = {R_LOGIN, MH_LEVEL_LOW, 0, 1, 0, 0, 0, 1, INT64_MIN, 0, 0};
	o.flags = (ps ? F_POWERSHELL : 0) | (nonowner ? F_NONOWNER : 0);
	struct agg *g = observe(c, ev, key, &o, &oom);
	if (g) {
		set_add_c(g, S_MBX, mbx, &oom);
		set_add_c(g, S_ACTOR, act, &oom);
		set_add_s(g, S_APP, read_app(a), 1, &oom);
		set_add_c(g, S_X1, logon_name(t) ? logon_name(t) : "unknown",
		          &oom);
		set_add_s(g, S_X2, ci, 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static uint64_t fnv(struct mh_slice s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < s.n; i++)
		h = (h ^ (unsigned char)lc((unsigned char)s.p[i])) *
		    0x100000001b3ULL;
	return h ? h : 1;
}

static int on_search(struct acc *c, const struct mh_event *ev,
                     const struct mh_audit *a)
{
	const struct mh_field *q = mh_event_field(ev, "QueryText");
	struct mh_slice qt = q ? mh_slice_trim(q->value) : MH_SLICE_NULL;
	const char *w = qt.p && qt.n ? mh_audr_secret(qt, Q_SEARCH) : NULL;
	char act[TXT_CAP];
	tcopy(act, sizeof(act), a->actor, 1);
	if (!act[0])
		return MH_OK;
	int oom = 0;
	struct obs o = {R_SEARCH, MH_LEVEL_MEDIUM, 0, 1, 0, 0, 0, 0,
	                hour_of(ev->ts), 0, 0};
	o.c0 = w != NULL;
	o.flags = w ? F_SECRET : 0;
	o.evidence = 1;
	o.weight = w != NULL; /* searches for secrets first */
	o.hash = qt.p && qt.n ? fnv(qt) : 0;
	struct agg *g = observe(c, ev, act, &o, &oom);
	if (g) {
		set_add_c(g, S_ACTOR, act, &oom);
		set_add_s(g, S_MBX, a->mailbox, 1, &oom);
		if (w) {
			set_add_s(g, S_X1, qt, 0, &oom);
			set_add_c(g, S_X2, w, &oom);
		}
		set_add_s(g, S_APP, a->workload, 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int on_harddelete(struct acc *c, const struct mh_event *ev,
                         const struct mh_audit *a)
{
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	const char *hit[8];
	struct mh_slice subj[8];
	size_t nh = 0;
	for (size_t i = 0; f && i < n && nh < 8; i++) {
		struct mh_slice nm = f[i].name;
		if (!f[i].value.p)
			continue;
		if (!ieq(nm, "AffectedItems.Subject") && !ieq(nm, "Subject") &&
		    !ieq(nm, "Item.Subject"))
			continue;
		const char *w = mh_audr_secret(f[i].value, Q_SUBJECT);
		if (w) {
			hit[nh] = w;
			subj[nh++] = f[i].value;
		}
	}
	if (!nh)
		return MH_OK;
	char mbx[TXT_CAP], act[TXT_CAP];
	tcopy(mbx, sizeof(mbx), a->mailbox, 1);
	tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_HARDDELETE, MH_LEVEL_MEDIUM, F_SECRET, nh, 0, 0, 0,
	                1, INT64_MIN, 0, 0};
	struct agg *g = observe(c, ev, mbx[0] ? mbx : act, &o, &oom);
	if (g) {
		set_add_c(g, S_MBX, mbx, &oom);
		set_add_c(g, S_ACTOR, act, &oom);
		set_add_s(g, S_APP, read_app(a), 1, &oom);
		for (size_t i = 0; i < nh; i++) {
			set_add_s(g, S_X1, subj[i], 0, &oom);
			set_add_c(g, S_X2, hit[i], &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int app_only_scope(const char *s)
{
	return !strcmp(s, "full_access_as_app") ||
	       !strcmp(s, "IMAP.AccessAsApp") || !strcmp(s, "POP.AccessAsApp") ||
	       !strcmp(s, "810c84a8-4a9e-49e6-bf7d-12d183f40d01");
}

static int on_consent(struct acc *c, const struct mh_event *ev,
                      const struct mh_audit *a, int approle)
{
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	const char *found[16];
	size_t nf = 0;
	int appwide = approle;
	for (size_t i = 0; f && i < n; i++) {
		if (!f[i].value.p)
			continue;
		size_t pos = 0;
		const char *s;
		while ((s = mh_audr_scope(f[i].value, &pos))) {
			if (app_only_scope(s))
				appwide = 1;
			size_t k = 0;
			while (k < nf && found[k] != s)
				k++;
			if (k == nf && nf < 16)
				found[nf++] = s;
		}
	}
	if (!nf)
		return MH_OK;
	const struct mh_audit_param *p =
	        mh_audit_param(a, "ConsentContext.IsAdminConsent", NULL);
	if (p && ieq(p->value, "true"))
		appwide = 1;
	p = mh_audit_param(a, "ConsentContext.OnBehalfOfAll", NULL);
	if (p && ieq(p->value, "true"))
		appwide = 1;
	for (size_t i = 0; f && i < n; i++)
		if (f[i].value.p &&
		    mh_slice_ifind(f[i].value, "AllPrincipals") != (size_t)-1)
			appwide = 1;
	char key[TXT_CAP], act[TXT_CAP];
	p = mh_audit_param(a, "TargetId.ServicePrincipalNames", NULL);
	tcopy(key, sizeof(key),
	      p && p->value.p ? p->value
	                      : (a->object.p ? a->object : a->app_id),
	      1);
	tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_CONSENT, appwide ? MH_LEVEL_HIGH : MH_LEVEL_MEDIUM,
	                appwide ? F_APPWIDE : 0, 1, 0, 0, 0, 1, INT64_MIN, 0, 0};
	struct agg *g = observe(c, ev, key[0] ? key : "(unknown app)", &o,
	                        &oom);
	if (g) {
		set_add_c(g, S_ACTOR, act, &oom);
		/* a delegated grant opens the consenting user's own mail */
		if (!appwide)
			set_add_c(g, S_MBX, act, &oom);
		set_add_c(g, S_APP, key, &oom);
		for (size_t i = 0; i < nf; i++)
			set_add_c(g, S_X1, found[i], &oom);
		set_add_s(g, S_X2, a->operation, 0, &oom);
		/* the app's display name: the Target entry that is neither
		 * an id nor "ServicePrincipal_<id>" */
		for (size_t i = 0; f && i < n; i++) {
			struct mh_slice v = f[i].value;
			if (!v.p || !v.n || !ieq(f[i].name, "Target.ID") ||
			    mh_slice_istarts(v, "ServicePrincipal_") ||
			    (v.n == 36 && v.p[8] == '-' && v.p[13] == '-'))
				continue;
			char nm[TXT_CAP];
			tcopy(nm, sizeof(nm), v, 0);
			agg_name(g, nm, &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

/* GWS: the value of parameter name of event op, or NULL. */
static const struct mh_audit_param *gparam(const struct mh_audit *a,
                                           size_t op, const char *name,
                                           const struct mh_audit_param *prev)
{
	const struct mh_audit_param *p = prev;
	while ((p = mh_audit_param(a, name, p)))
		if (p->op == op)
			return p;
	return NULL;
}

static int on_gws_token(struct acc *c, const struct mh_event *ev,
                        const struct mh_audit *a, size_t op)
{
	const char *found[8];
	size_t nf = 0;
	const struct mh_audit_param *p = NULL;
	while ((p = gparam(a, op, "scope", p)) && nf < 8) {
		size_t pos = 0;
		const char *s;
		while ((s = mh_audr_scope(p->value, &pos)) && nf < 8)
			if (!strncmp(s, "https://", 8))
				found[nf++] = s;
	}
	if (!nf)
		return MH_OK;
	const struct mh_audit_param *cid = gparam(a, op, "client_id", NULL);
	const struct mh_audit_param *an = gparam(a, op, "app_name", NULL);
	char key[TXT_CAP], act[TXT_CAP], name[TXT_CAP];
	tcopy(key, sizeof(key),
	      cid ? cid->value : (an ? an->value : MH_SLICE_NULL), 0);
	tcopy(name, sizeof(name), an ? an->value : MH_SLICE_NULL, 0);
	tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_CONSENT, MH_LEVEL_MEDIUM, 0, 1, 0, 0, 0, 1,
	                INT64_MIN, 0, 0};
	struct agg *g = observe(c, ev, key[0] ? key : "(unknown app)", &o,
	                        &oom);
	if (g) {
		set_add_c(g, S_ACTOR, act, &oom);
		set_add_c(g, S_MBX, act, &oom);
		set_add_c(g, S_APP, key, &oom);
		agg_name(g, name, &oom);
		for (size_t i = 0; i < nf; i++)
			set_add_c(g, S_X1, found[i], &oom);
		set_add_s(g, S_X2, a->ops[op], 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int on_gws_takeout(struct acc *c, const struct mh_event *ev,
                          const struct mh_audit *a, size_t op,
                          int customer)
{
	const struct mh_audit_param *pr =
	        gparam(a, op, "PRODUCTS_REQUESTED", NULL);
	int mail = !pr || !pr->value.p ||
	           mh_slice_ifind(pr->value, "mail") != (size_t)-1;
	if (!mail)
		return MH_OK;
	const struct mh_audit_param *st = gparam(a, op, "TAKEOUT_STATUS", NULL);
	int failed = st && (ieq(st->value, "FAILED") ||
	                    ieq(st->value, "CANCELED"));
	const struct mh_audit_param *ue = gparam(a, op, "USER_EMAIL", NULL);
	char who[TXT_CAP], act[TXT_CAP];
	tcopy(act, sizeof(act), a->actor, 1);
	if (customer)
		snprintf(who, sizeof(who), "(every user)");
	else
		tcopy(who, sizeof(who),
		      ue && ue->value.p ? ue->value : a->actor, 1);
	int oom = 0;
	/* a user's own takeout is medium; one of every user, or one that
	 * someone else started for the user, high */
	int level = customer || strcmp(who, act) ? MH_LEVEL_HIGH
	                                         : MH_LEVEL_MEDIUM;
	if (failed)
		level--;
	struct obs o = {R_TAKEOUT, level, failed ? F_FAILED : 0, 1, 0, 0, 0,
	                1, INT64_MIN, 0, 0};
	struct agg *g = observe(c, ev, who[0] ? who : "(unknown)", &o, &oom);
	if (g) {
		set_add_c(g, S_MBX, who, &oom);
		set_add_c(g, S_ACTOR, act, &oom);
		set_add_s(g, S_X1, a->ops[op], 0, &oom);
		const struct mh_audit_param *d =
		        gparam(a, op, "TAKEOUT_DESTINATION", NULL);
		if (d)
			set_add_s(g, S_X2, d->value, 0, &oom);
		if (pr)
			set_add_s(g, S_APP, pr->value, 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

/* The address in "(<message-id> user@domain)": the last word with '@'
 * outside angle brackets. */
static struct mh_slice entity_user(struct mh_slice v)
{
	struct mh_slice best = MH_SLICE_NULL;
	size_t i = 0;
	while (v.p && i < v.n) {
		while (i < v.n && (v.p[i] == ' ' || v.p[i] == '(' ||
		                   v.p[i] == ')' || v.p[i] == ','))
			i++;
		size_t b = i;
		while (i < v.n && v.p[i] != ' ' && v.p[i] != ')' &&
		       v.p[i] != ',')
			i++;
		struct mh_slice w = mh_slice_make(v.p + b, i - b);
		if (w.n && w.p[0] != '<' && memchr(w.p, '@', w.n))
			best = w;
	}
	return best;
}

static int on_gws_admin_access(struct acc *c, const struct mh_event *ev,
                               const struct mh_audit *a, size_t op)
{
	const struct mh_audit_param *ds =
	        gparam(a, op, "INVESTIGATION_DATA_SOURCE", NULL);
	if (!ds || !ieq(ds->value, "GMAIL"))
		return MH_OK;
	const struct mh_audit_param *en =
	        gparam(a, op, "INVESTIGATION_CONTENT_ACCESS_ENTITY_ID", NULL);
	struct mh_slice user = en ? entity_user(en->value) : MH_SLICE_NULL;
	char mbx[TXT_CAP], act[TXT_CAP];
	tcopy(mbx, sizeof(mbx), user, 1);
	tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_ADMINACCESS, MH_LEVEL_MEDIUM, 0, 1, 0, 0, 0, 1,
	                INT64_MIN, 0, 0};
	struct agg *g = observe(c, ev, mbx[0] ? mbx : "(unknown mailbox)", &o,
	                        &oom);
	if (g) {
		set_add_c(g, S_MBX, mbx, &oom);
		set_add_c(g, S_ACTOR, act, &oom);
		set_add_s(g, S_X2, a->ops[op], 0, &oom);
		for (size_t i = 0; i < a->nparams; i++) {
			const struct mh_audit_param *p = &a->params[i];
			if (p->op == op && p->value.p &&
			    mh_slice_ifind(p->name, "JUSTIFICATION") !=
			            (size_t)-1)
				set_add_s(g, S_X1, p->value, 0, &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

/* MARK: - the analytic */

static int create(void **out, const struct mh_analytic_conf *conf,
                  struct mh_err *err)
{
	struct acc *c = calloc(1, sizeof(*c));
	if (!c)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	mh_strmap_init(&c->files);
	c->max_ev = conf && conf->max_evidence ? conf->max_evidence : 5;
	*out = c;
	return MH_OK;
}

static int on_event(void *p, const struct mh_event *ev, struct mh_err *err)
{
	struct acc *c = p;
	if (ev->kind != MH_EV_AUDIT || !ev->audit)
		return MH_OK;
	const struct mh_audit *a = ev->audit;
	if (a->snapshot || !a->operation.p)
		return MH_OK;
	struct mh_slice op = a->operation;
	int rc = MH_OK;
	if (a->source == MH_AUDIT_M365) {
		if (ieq(op, "MailItemsAccessed"))
			rc = on_read(c, ev, a, 0);
		else if (ieq(op, "FolderBind") || ieq(op, "MessageBind"))
			rc = on_read(c, ev, a, 1);
		else if (ieq(op, "MailboxLogin"))
			rc = on_login(c, ev, a);
		else if (ieq(op, "SearchQueryInitiatedExchange") ||
		         ieq(op, "SearchQueryInitiatedSharePoint"))
			rc = on_search(c, ev, a);
		else if (ieq(op, "HardDelete"))
			rc = on_harddelete(c, ev, a);
		else if (ieq(op, "Consent to application.") ||
		         ieq(op, "Add delegated permission grant."))
			rc = on_consent(c, ev, a, 0);
		else if (ieq(op, "Add app role assignment to service "
		                 "principal."))
			rc = on_consent(c, ev, a, 1);
	} else if (a->source == MH_AUDIT_GWS) {
		for (size_t i = 0; !rc && i < a->nops; i++) {
			struct mh_slice o = a->ops[i];
			if (ieq(a->workload, "token") && ieq(o, "authorize"))
				rc = on_gws_token(c, ev, a, i);
			else if (ieq(a->workload, "takeout") &&
			         mh_slice_ifind(o, "TAKEOUT") != (size_t)-1)
				rc = on_gws_takeout(c, ev, a, i, 0);
			else if (mh_slice_istarts(o, "CUSTOMER_TAKEOUT"))
				rc = on_gws_takeout(c, ev, a, i, 1);
			else if (ieq(o, "SECURITY_INVESTIGATION_CONTENT_ACCESS"))
				rc = on_gws_admin_access(c, ev, a, i);
		}
	}
	if (rc == MH_ENOMEM)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	return MH_OK;
}

static int merge_agg(struct acc *into, int rule, struct agg *x,
                     struct agg *y)
{
	int oom = 0;
	x->records += y->records;
	x->items += y->items;
	x->c[0] += y->c[0];
	x->c[1] += y->c[1];
	if (y->maxop > x->maxop)
		x->maxop = y->maxop;
	if (y->first != MH_TS_NONE &&
	    (x->first == MH_TS_NONE || y->first < x->first))
		x->first = y->first;
	if (y->last != MH_TS_NONE &&
	    (x->last == MH_TS_NONE || y->last > x->last))
		x->last = y->last;
	if (y->level > x->level)
		x->level = y->level;
	x->flags |= y->flags;
	agg_name(x, y->name, &oom);
	for (int s = 0; s < NSET; s++) {
		for (size_t i = 0; i < y->set[s].n; i++)
			set_add_c(x, s, y->set[s].v[i], &oom);
		if (y->set[s].capped)
			x->set[s].capped = 1;
	}
	for (size_t i = 0; i < y->ev.n; i++) {
		struct ref r = y->ev.v[i];
		y->ev.v[i].fields = NULL;
		r.file = intern(into, r.file);
		if (!r.file) {
			free(r.fields);
			return MH_ENOMEM;
		}
		if (evl_add(&x->ev, into->max_ev, &r))
			oom = 1;
	}
	for (size_t i = 0; i < y->hrs.n; i++) {
		struct hour *hy = &y->hrs.v[i];
		struct hour *hx = hours_get(&x->hrs, hy->h, hour_cap[rule], &oom);
		if (!hx)
			continue;
		hour_items(hx, hy->items);
		for (uint32_t k = 0; k < hour_nq(hy); k++)
			if (hour_hash(hx, hy->hash[1 + k]))
				oom = 1;
	}
	if (y->hrs.capped)
		x->hrs.capped = 1;
	return oom ? MH_ENOMEM : MH_OK;
}

static int merge(void *pinto, void *pfrom)
{
	struct acc *into = pinto, *from = pfrom;
	for (int r = 0; r < R__N; r++) {
		struct amap *m = &from->map[r];
		if (m->capped)
			into->map[r].capped = 1;
		for (size_t i = 0; i < m->n; i++) {
			int oom = 0;
			struct agg *x = amap_get(&into->map[r], m->v[i].key,
			                         key_cap[r], &oom);
			if (oom)
				return MH_ENOMEM;
			if (x && merge_agg(into, r, x, m->v[i].a))
				return MH_ENOMEM;
		}
	}
	return MH_OK;
}

/* MARK: - findings */

/* "a, b, c (+N more)" of a set (at most show members). */
static char *join(const struct sset *s, size_t show)
{
	if (!s->n)
		return NULL;
	struct mh_buf b = MH_BUF_INIT(8192);
	for (size_t i = 0; i < s->n && i < show; i++)
		mh_buf_printf(&b, "%s%s", i ? ", " : "", s->v[i]);
	if (s->n > show)
		mh_buf_printf(&b, " (+%zu more%s)", s->n - show,
		              s->capped ? ", list capped" : "");
	else if (s->capped)
		mh_buf_adds(&b, " (list capped)");
	return mh_buf_detach(&b, NULL);
}

static int copy_evidence(struct mh_finding *f, const struct evl *l)
{
	if (!l->n)
		return MH_OK;
	f->evidence = calloc(l->n, sizeof(*f->evidence));
	if (!f->evidence)
		return MH_ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		struct mh_evidence *e = &f->evidence[f->nevidence];
		e->file = strdup(l->v[i].file);
		e->offset = l->v[i].offset;
		e->line = l->v[i].line;
		e->record = l->v[i].record;
		e->ts = l->v[i].ts;
		e->fields = l->v[i].fields ? strdup(l->v[i].fields) : NULL;
		f->nevidence++;
		if (!e->file || (l->v[i].fields && !e->fields))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static void set_key_id(struct mh_finding *f, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *p = f->rule_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0x1f) * 0x100000001b3ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(f->id, sizeof(f->id), "%016" PRIx64, h);
}

struct fspec {
	const char *rule, *title;
	int level;
	char *summary;           /* owned, moved in */
	const char *remediation; /* static */
	char *hours;             /* owned: the hours that made it, or NULL */
};

static int attr_set(struct mh_finding *f, const char *key,
                    const struct sset *s, size_t show)
{
	char *v = join(s, show);
	if (!v)
		return s->n ? MH_ENOMEM : MH_OK;
	int rc = mh_finding_attr(f, key, v);
	free(v);
	return rc == MH_ETOOBIG ? MH_OK : rc;
}

static int emit(struct mh_findings *out, const char *key, const struct agg *g,
                struct fspec *sp, const char *x1name, const char *x2name)
{
	struct mh_finding *f = mh_finding_new();
	int rc = MH_ENOMEM;
	if (!f) {
		free(sp->summary);
		free(sp->hours);
		return MH_ENOMEM;
	}
	f->summary = sp->summary;
	sp->summary = NULL;
	if (!f->summary ||
	    mh_finding_set_rule(f, sp->rule, sp->title, TECH, TACTIC))
		goto fail;
	int lv = sp->level;
	if (lv < MH_LEVEL_LOW)
		lv = MH_LEVEL_LOW;
	if (lv > MH_LEVEL_CRITICAL)
		lv = MH_LEVEL_CRITICAL;
	f->level = (enum mh_level)lv;
	f->first_seen = g->first;
	f->last_seen = g->last;
	f->mailbox = join(&g->set[S_MBX], 8);
	f->actor = join(&g->set[S_ACTOR], 4);
	f->client_ip = join(&g->set[S_IP], 4);
	char *apps_s = join(&g->set[S_APP], 4);
	if (apps_s && g->name && *g->name) {
		size_t n = strlen(apps_s) + strlen(g->name) + 4;
		f->app = malloc(n);
		if (f->app)
			snprintf(f->app, n, "%s (%s)", apps_s, g->name);
		free(apps_s);
	} else {
		f->app = apps_s;
	}
	if (!(f->remediation = strdup(sp->remediation)))
		goto fail;
	if ((rc = attr_set(f, "mailboxes", &g->set[S_MBX], 64)) ||
	    (x1name && (rc = attr_set(f, x1name, &g->set[S_X1], 16))) ||
	    (x2name && (rc = attr_set(f, x2name, &g->set[S_X2], 16))))
		goto fail;
	if (g->name && (rc = mh_finding_attr(f, "app_name", g->name)) &&
	    rc != MH_ETOOBIG)
		goto fail;
	mh_finding_count(f, "records", g->records);
	mh_finding_count(f, "items", g->items);
	mh_finding_count(f, "mailboxes", g->set[S_MBX].n);
	if (sp->hours && (rc = mh_finding_attr(f, "hours", sp->hours)) &&
	    rc != MH_ETOOBIG)
		goto fail;
	rc = copy_evidence(f, &g->ev);
	if (rc)
		goto fail;
	set_key_id(f, key);
	free(sp->hours);
	sp->hours = NULL;
	if ((rc = mh_findings_push(out, f)))
		goto fail;
	return MH_OK;
fail:
	free(sp->hours);
	mh_finding_free(f);
	return rc ? rc : MH_ENOMEM;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *out = malloc((size_t)n + 1);
	if (!out)
		return NULL;
	va_start(ap, f);
	vsnprintf(out, (size_t)n + 1, f, ap);
	va_end(ap);
	return out;
}

static const char *first_or(const struct sset *s, const char *dflt)
{
	return s->n ? s->v[0] : dflt;
}

static const char *mbx_word(const struct sset *s)
{
	return s->n == 1 && !s->capped ? "mailbox" : "mailboxes";
}

static int f_appread(struct mh_findings *out, const char *key,
                     const struct agg *g)
{
	size_t nm = g->set[S_MBX].n;
	int lv = g->level;
	if (nm >= MANY_MBX || (g->flags & F_THROTTLED))
		lv++;
	if (lv > MH_LEVEL_HIGH)
		lv = MH_LEVEL_HIGH;
	struct fspec sp = {
	        "MH-AUD-APPREAD",
	        "mail read by an application",
	        lv,
	        fmt("%s %s%s read %" PRIu64 " item(s) in %zu%s %s (%" PRIu64
	            " MailItemsAccessed record(s))%s%s",
	            g->flags & F_APPIDENT ? "application identity"
	                                  : "third-party app",
	            key, g->name && *g->name ? "" : "",
	            g->items, nm, g->set[S_MBX].capped ? "+" : "",
	            mbx_word(&g->set[S_MBX]), g->records,
	            g->flags & F_THROTTLED ? "; throttled" : "",
	            g->flags & F_FIRSTPARTY
	                    ? "; a Microsoft first-party app id"
	                    : ""),
	        "Check in Entra ID (Enterprise applications) which application "
	        "this id is, who consented to it and which mail permissions "
	        "it holds (Mail.Read, full_access_as_app); if it is not "
	        "sanctioned, disable the service principal, revoke its "
	        "consents and credentials, and review what it read with "
	        "MailItemsAccessed (InternetMessageId). mailhunt changes "
	        "nothing.",
	        NULL};
	return emit(out, key, g, &sp, "client_info", NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* "2024-03-20T09:00:00Z 300" for each hour of hs at or above lim (at
 * most 8 named), NULL when none; *n the number of such hours. */
static char *hour_list(const struct hours *hs, uint64_t lim, int queries,
                       size_t *n, uint64_t *peak)
{
	struct mh_buf b = MH_BUF_INIT(1024);
	*n = 0;
	for (size_t i = 0; i < hs->n; i++) {
		uint64_t v = queries ? hour_nq(&hs->v[i]) : hs->v[i].items;
		if (v < lim)
			continue;
		if (v > *peak)
			*peak = v;
		if ((*n)++ < 8) {
			char iso[21];
			mh_time_iso((int64_t)hs->v[i].h * 3600, iso);
			/* distinct queries are counted up to HASH_CAP */
			if (queries)
				mh_buf_printf(&b, "%s%s >%d", *n > 1 ? ", " : "",
				              iso, SEARCH_RATE);
			else
				mh_buf_printf(&b, "%s%s %" PRIu64,
				              *n > 1 ? ", " : "", iso, v);
		}
	}
	if (*n > 8)
		mh_buf_printf(&b, " (+%zu more)", *n - 8);
	if (!*n) {
		mh_buf_release(&b);
		return NULL;
	}
	return mh_buf_detach(&b, NULL);
}

static int f_volume(struct mh_findings *out, const char *key,
                    const struct agg *g)
{
	/* the hourly statistic: the (lower) median of the items read per
	 * active hour (an hour with at least one MailItemsAccessed record)
	 * of this mailbox in the scan; an hour is far above it at
	 * VOL_FACTOR times the median and at least VOL_MIN items */
	uint64_t med = 0, peak = 0;
	size_t ns = 0;
	char *hl = NULL;
	const struct hours *hs = &g->hrs;
	if (hs->n >= VOL_HOURS) {
		uint64_t *v = malloc(hs->n * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		for (size_t i = 0; i < hs->n; i++)
			v[i] = hs->v[i].items;
		qsort(v, hs->n, sizeof(*v), cmp_u64);
		med = v[(hs->n - 1) / 2];
		free(v);
		uint64_t lim = med * VOL_FACTOR;
		if (lim < VOL_MIN)
			lim = VOL_MIN;
		hl = hour_list(hs, lim, 0, &ns, &peak);
	}
	if (!g->c[0] && !g->c[1] && !ns)
		return MH_OK;
	struct mh_buf b = MH_BUF_INIT(2048);
	mh_buf_printf(&b, "%s: %" PRIu64 " item(s) read in %" PRIu64
	                  " record(s)",
	              key, g->items, g->records);
	if (g->c[0])
		mh_buf_printf(&b, "; %" PRIu64 " throttled record(s)", g->c[0]);
	if (g->c[1])
		mh_buf_printf(&b,
		              "; %" PRIu64 " record(s) of %d items or more "
		              "(largest %" PRIu64 ")",
		              g->c[1], VOL_MIN, g->maxop);
	if (ns)
		mh_buf_printf(&b,
		              "; %zu hour(s) at %dx or more its hourly median "
		              "of %" PRIu64 " over %zu active hours%s (peak "
		              "%" PRIu64 ")",
		              ns, VOL_FACTOR, med, hs->n,
		              hs->capped ? ", hours capped" : "", peak);
	struct fspec sp = {
	        "MH-AUD-VOLUME",
	        "mailbox read in bulk",
	        MH_LEVEL_MEDIUM,
	        mh_buf_detach(&b, NULL),
	        "Check which identity and client read this mailbox in the "
	        "hours and records named (MailItemsAccessed: UserId, AppId, "
	        "ClientIPAddress, Folders); bulk reads by an unknown app or "
	        "address are a sign of collection: revoke the sessions and "
	        "tokens of that identity, or the app's consent. A backup or "
	        "migration tool, an archiver or an eDiscovery search explains "
	        "it when sanctioned. mailhunt changes nothing.",
	        hl};
	return emit(out, key, g, &sp, NULL, NULL);
}

static int f_othermbx(struct mh_findings *out, const char *key,
                      const struct agg *g)
{
	size_t nm = g->set[S_MBX].n, nf = g->set[S_X2].n;
	struct fspec sp = {
	        "MH-AUD-OTHERMBX",
	        "mailboxes of others read",
	        nm >= MANY_MBX || nf > MANY_FOLDERS ? MH_LEVEL_HIGH
	                                            : MH_LEVEL_MEDIUM,
	        fmt("%s read %zu%s other %s, %zu%s folder(s) (%" PRIu64
	            " record(s), %" PRIu64 " item(s); logon %s)",
	            key, nm, g->set[S_MBX].capped ? "+" : "",
	            mbx_word(&g->set[S_MBX]), nf,
	            g->set[S_X2].capped ? "+" : "", g->records, g->items,
	            first_or(&g->set[S_X1], "unknown")),
	        "Check that this identity is meant to have access to these "
	        "mailboxes (Get-MailboxPermission, folder permissions, an "
	        "assistant or shared mailbox); if not, remove the permission "
	        "(Remove-MailboxPermission), revoke the identity's sessions "
	        "and review what was read (MailItemsAccessed). mailhunt "
	        "changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "logon_types", "folders");
}

static int f_login(struct mh_findings *out, const char *key,
                   const struct agg *g)
{
	(void)key;
	struct fspec sp = {
	        "MH-AUD-LOGIN",
	        g->flags & F_POWERSHELL ? "mailbox login through PowerShell"
	                                : "non-owner mailbox login",
	        MH_LEVEL_LOW,
	        fmt("%s logged in to %s %" PRIu64 " time(s)%s%s",
	            first_or(&g->set[S_ACTOR], "(unknown)"),
	            first_or(&g->set[S_MBX], "(unknown mailbox)"), g->records,
	            g->flags & F_NONOWNER ? " as a non-owner" : "",
	            g->flags & F_POWERSHELL ? " through PowerShell/WinRM"
	                                    : ""),
	        "Check that the identity is an administrator or delegate "
	        "expected to open this mailbox, and that PowerShell sessions "
	        "come from known admin hosts; otherwise revoke its sessions "
	        "and review its mailbox permissions. mailhunt changes "
	        "nothing.",
	        NULL};
	return emit(out, key, g, &sp, "logon_types", "clients");
}

static int f_search(struct mh_findings *out, const char *key,
                    const struct agg *g)
{
	size_t nb = 0;
	uint64_t peak = 0;
	char *hl = hour_list(&g->hrs, SEARCH_RATE + 1, 1, &nb, &peak);
	if (!g->c[0] && !nb)
		return MH_OK;
	struct mh_buf b = MH_BUF_INIT(2048);
	mh_buf_printf(&b, "%s ran %" PRIu64 " search(es)", key, g->records);
	if (g->c[0])
		mh_buf_printf(&b, "; %" PRIu64 " for secrets (%s)", g->c[0],
		              first_or(&g->set[S_X2], "?"));
	if (nb)
		mh_buf_printf(&b,
		              "; more than %d distinct queries in %zu hour(s)%s",
		              SEARCH_RATE, nb,
		              g->hrs.capped ? " (hours capped)" : "");
	struct fspec sp = {
	        "MH-AUD-SEARCH",
	        "mailbox searched for secrets",
	        MH_LEVEL_MEDIUM,
	        mh_buf_detach(&b, NULL),
	        "Ask the user whether they ran these searches; if not, the "
	        "session is an intruder's: revoke the user's sessions and "
	        "tokens, reset the password and MFA methods, and look for "
	        "what was read next (MailItemsAccessed). mailhunt changes "
	        "nothing.",
	        hl};
	return emit(out, key, g, &sp, "queries", "words");
}

static int f_harddelete(struct mh_findings *out, const char *key,
                        const struct agg *g)
{
	struct fspec sp = {
	        "MH-AUD-HARDDELETE",
	        "security or payroll mail purged",
	        MH_LEVEL_MEDIUM,
	        fmt("%s: %" PRIu64 " item(s) that look like security, MFA or "
	            "payroll mail purged (HardDelete) in %" PRIu64
	            " record(s)",
	            key, g->items, g->records),
	        "Ask the owner whether they purged these messages; if not, "
	        "someone hid sign-in, MFA or payroll notices: revoke the "
	        "sessions, reset credentials and MFA methods, and check inbox "
	        "rules and payroll or bank changes. mailhunt changes "
	        "nothing.",
	        NULL};
	return emit(out, key, g, &sp, "subjects", "words");
}

static int f_consent(struct mh_findings *out, const char *key,
                     const struct agg *g)
{
	int lv = g->level;
	int attempted = !(g->flags & F_OK);
	if (attempted)
		lv--;
	struct fspec sp = {
	        "MH-AUD-CONSENT",
	        "mail permission granted to an app",
	        lv,
	        fmt("%s%s mail permission %s%s granted to app %s%s%s%s",
	            attempted ? "attempted: " : "",
	            g->flags & F_APPWIDE ? "tenant-wide" : "delegated",
	            first_or(&g->set[S_X1], "?"),
	            g->set[S_X1].n > 1 ? " and more" : "", key,
	            g->name ? " (" : "", g->name ? g->name : "",
	            g->name ? ")" : ""),
	        "Check the app in Entra ID (Enterprise applications, "
	        "Permissions) or the Google Admin console (Security, API "
	        "controls, App access control): who consented, its publisher "
	        "and reply URLs; if it is not sanctioned, revoke the grant "
	        "and the app's tokens, disable it, and review the mail it "
	        "read. mailhunt changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "scopes", "operations");
}

static int f_takeout(struct mh_findings *out, const char *key,
                     const struct agg *g)
{
	struct fspec sp = {
	        "MH-GWS-TAKEOUT",
	        "mail exported with Takeout",
	        g->level,
	        fmt("Takeout of %s by %s (%" PRIu64 " record(s)%s)", key,
	            first_or(&g->set[S_ACTOR], "?"), g->records,
	            g->flags & F_OK ? "" : ", failed or canceled"),
	        "Check with the user (or, for a customer takeout, the "
	        "administrators) that this export was intended and where it "
	        "went (TAKEOUT_DESTINATION); if not, revoke the sessions of "
	        "the actor and restrict Takeout for the organisational unit. "
	        "mailhunt changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "events", "destinations");
}

static int f_adminaccess(struct mh_findings *out, const char *key,
                         const struct agg *g)
{
	struct fspec sp = {
	        "MH-GWS-ADMINACCESS",
	        "administrator viewed a user's mail",
	        MH_LEVEL_MEDIUM,
	        fmt("%s viewed %" PRIu64 " Gmail message(s) of %s through the "
	            "security investigation tool; justification: %s",
	            first_or(&g->set[S_ACTOR], "?"), g->records, key,
	            first_or(&g->set[S_X1], "(none given)")),
	        "Check the justification (ticket) against the investigation "
	        "it names and that the administrator was entitled to view "
	        "this user's mail; unexplained access is collection by an "
	        "administrator account: review its sessions and privileges. "
	        "mailhunt changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "justifications", "events");
}

static int findings(void *p, struct mh_findings *out)
{
	struct acc *c = p;
	static int (*const fn[R__N])(struct mh_findings *, const char *,
	                             const struct agg *) = {
	        f_appread, f_volume, f_othermbx,  f_login,      f_search,
	        f_harddelete, f_consent, f_takeout, f_adminaccess};
	for (int r = 0; r < R__N; r++)
		for (size_t i = 0; i < c->map[r].n; i++) {
			int rc = fn[r](out, c->map[r].v[i].key, c->map[r].v[i].a);
			if (rc)
				return rc;
		}
	return MH_OK;
}

static void destroy(void *p)
{
	struct acc *c = p;
	if (!c)
		return;
	for (int r = 0; r < R__N; r++) {
		for (size_t i = 0; i < c->map[r].n; i++) {
			free(c->map[r].v[i].key);
			agg_free(c->map[r].v[i].a);
		}
		free(c->map[r].v);
	}
	mh_strmap_release(&c->files, NULL);
	free(c);
}

const struct mh_analytic_ops mh_analytic_audremote = {
        "audit-remote", create, on_event, merge, findings, destroy,
};
