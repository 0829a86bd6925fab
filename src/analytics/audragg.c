/* audragg.c - the bounded aggregates of the remote-collection analytic
 * (audragg.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audragg.h"
#include "analytics/audremote.h"
#include "core/buf.h"
#include "core/strmap.h"
#include "core/err.h"
#include "core/time.h"
#include "finding/finding.h"

const size_t mh_audr_set_cap[NSET] = {64, 16, 16, 16, 16, 16};

const size_t mh_audr_key_cap[R__N] = {MAX_KEYS, MAX_KEYS,      MAX_KEYS,
                                      MAX_KEYS, MAX_SEARCHERS, MAX_KEYS,
                                      MAX_KEYS, MAX_KEYS,      MAX_KEYS};

const size_t mh_audr_hour_cap[R__N] = {0, MAX_HOURS, 0, 0, MAX_QHOURS,
                                       0, 0,         0, 0};

/* MARK: - bounded sorted sets */

/* Insert s (copied) keeping the cap smallest. MH_OK or MH_ENOMEM. */
static int mh_audr_sset_add(struct sset *st, const char *s, size_t cap)
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

static void mh_audr_sset_free(struct sset *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i]);
	free(st->v);
	memset(st, 0, sizeof(*st));
}

/* MARK: - evidence */

/* Evidence order: weight, larger first, then file and offset. */
static int mh_audr_ref_cmp(const struct ref *a, const struct ref *b)
{
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static int mh_audr_evl_wants(const struct evl *l, size_t max,
                             const struct ref *r)
{
	if (l->n < max || !l->v)
		return 1;
	return mh_audr_ref_cmp(r, &l->v[l->n - 1]) < 0;
}

static int loc_cmp(const struct ref *a, const struct ref *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Keep r (its fields moved in) if among the max smallest; a copy of a
 * record kept already (same rid) takes its place when first in file
 * order. */
static int mh_audr_evl_add(struct evl *l, size_t max, struct ref *r)
{
	for (size_t k = 0; r->rid && k < l->n; k++) {
		struct ref *o = &l->v[k];
		if (o->rid != r->rid)
			continue;
		if (loc_cmp(r, o) < 0) {
			uint64_t w =
			        o->weight > r->weight ? o->weight : r->weight;
			free(o->fields);
			*o = *r;
			o->weight = w;
			r->fields = NULL;
			/* The order may have changed: back into place. */
			while (k > 0 &&
			       mh_audr_ref_cmp(&l->v[k - 1], &l->v[k]) > 0) {
				struct ref t = l->v[k];
				l->v[k] = l->v[k - 1];
				l->v[--k] = t;
			}
			while (k + 1 < l->n &&
			       mh_audr_ref_cmp(&l->v[k], &l->v[k + 1]) > 0) {
				struct ref t = l->v[k];
				l->v[k] = l->v[k + 1];
				l->v[++k] = t;
			}
		} else {
			free(r->fields);
			r->fields = NULL;
		}
		return MH_OK;
	}
	size_t i = 0;
	while (i < l->n && mh_audr_ref_cmp(&l->v[i], r) < 0)
		i++;
	if ((i < l->n && !mh_audr_ref_cmp(&l->v[i], r)) || i >= max) {
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

static void mh_audr_evl_free(struct evl *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].fields);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* MARK: - hours */

/* The bucket of hour h, keeping the cap earliest hours (NULL when h is
 * not among them, or out of memory with *oom set). */
static struct hour *mh_audr_hours_get(struct hours *hs, int32_t h, size_t cap,
                                      int *oom)
{
	/* records come in about time order: the latest hour first */
	if (hs->n && hs->v[hs->n - 1].h == h)
		return &hs->v[hs->n - 1];
	size_t lo = 0, hi = hs->n;
	if (hs->n && hs->v[hs->n - 1].h < h)
		lo = hi; /* a new latest hour */
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

static void mh_audr_hour_items(struct hour *o, uint64_t n)
{
	uint64_t t = o->items + n;
	o->items = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

uint32_t mh_audr_hour_nq(const struct hour *o)
{
	return o->hash ? (uint32_t)o->hash[0] : 0;
}

/* Keep x among the HASH_CAP smallest distinct hashes of the hour. */
static int mh_audr_hour_hash(struct hour *o, uint64_t x)
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

static void mh_audr_hours_free(struct hours *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		free(hs->v[i].hash);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

void mh_audr_agg_free(struct agg *a)
{
	if (!a)
		return;
	free(a->name);
	for (int i = 0; i < NSET; i++)
		mh_audr_sset_free(&a->set[i]);
	mh_audr_evl_free(&a->ev);
	mh_audr_hours_free(&a->hrs);
	free(a);
}

/* MARK: - the index of an amap */

/* A key's hash for the index (the index compares the keys it finds, so
 * any spread will do). */
static uint64_t key_hash(const char *key, size_t n)
{
	uint64_t h = mh_strmap_hash(key, n);
	return h ? h : 1; /* 0 marks an empty slot */
}

static struct aslot *ix_find(const struct amap *m, uint64_t h, const char *key)
{
	if (!m->ixcap)
		return NULL;
	size_t mask = m->ixcap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct aslot *e = &m->ix[i];
		if (!e->h)
			return NULL;
		if (e->h == h && !strcmp(e->key, key))
			return e;
	}
}

static void ix_put(struct aslot *ix, size_t cap, struct aslot e)
{
	size_t mask = cap - 1;
	size_t i = (size_t)e.h & mask;
	while (ix[i].h)
		i = (i + 1) & mask;
	ix[i] = e;
}

/* The index made anew from the array, at most half full. MH_OK or
 * MH_ENOMEM (the map then has no index and is searched as before). */
static int ix_rebuild(struct amap *m)
{
	size_t nc = 32;
	while (2 * m->n > nc)
		nc *= 2;
	free(m->ix);
	m->ix = calloc(nc, sizeof(*m->ix));
	m->ixcap = m->ix ? nc : 0;
	if (!m->ix)
		return MH_ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		ix_put(m->ix, nc,
		       (struct aslot){
		               key_hash(m->v[i].key, strlen(m->v[i].key)),
		               m->v[i].key, m->v[i].a});
	return MH_OK;
}

/* Take e out, moving back the entries after it that probed past it. */
static void ix_del(struct amap *m, struct aslot *e)
{
	size_t mask = m->ixcap - 1;
	size_t i = (size_t)(e - m->ix);
	m->ix[i].h = 0;
	for (size_t j = (i + 1) & mask; m->ix[j].h; j = (j + 1) & mask) {
		size_t home = (size_t)m->ix[j].h & mask;
		/* j may move to i when its home is not in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			m->ix[i] = m->ix[j];
			m->ix[j].h = 0;
			i = j;
		}
	}
}

void mh_audr_amap_release(struct amap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		mh_audr_agg_free(m->v[i].a);
	}
	free(m->v);
	free(m->ix);
	memset(m, 0, sizeof(*m));
}

/* The aggregate of key (created), NULL when dropped by the cap or (with
 * *oom set) out of memory. */
struct agg *mh_audr_amap_get(struct amap *m, const char *key, size_t cap,
                             int *oom)
{
	size_t kn = strlen(key);
	uint64_t h = key_hash(key, kn);
	struct aslot *e = ix_find(m, h, key);
	if (e)
		return e->a;
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(key, m->v[mid].key);
		if (!c)
			return m->v[mid].a; /* not indexed: out of memory */
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
		struct aslot *old = ix_find(
		        m, key_hash(m->v[m->n].key, strlen(m->v[m->n].key)),
		        m->v[m->n].key);
		if (old)
			ix_del(m, old);
		free(m->v[m->n].key);
		mh_audr_agg_free(m->v[m->n].a);
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
	char *k = malloc(kn + 1);
	if (!a || !k) {
		free(a);
		free(k);
		*oom = 1;
		return NULL;
	}
	memcpy(k, key, kn + 1);
	a->first = a->last = MH_TS_NONE;
	memmove(m->v + lo + 1, m->v + lo, (m->n - lo) * sizeof(*m->v));
	m->v[lo].key = k;
	m->v[lo].a = a;
	m->n++;
	/* Without memory for an index the map works without one (its
	 * keys are all in it, or it is not there). */
	if (m->ixcap && 2 * m->n <= m->ixcap)
		ix_put(m->ix, m->ixcap, (struct aslot){h, k, a});
	else
		(void)ix_rebuild(m);
	return a;
}

/* The accumulator's copy of path: the key the map owns (its pointer is
 * stable as the table grows), kept as the value too. */
static const char *mh_audr_intern(struct acc *c, const char *path)
{
	/* records come file after file: compare with the last one first
	 * (by content: a freed path's address may be reused) */
	if (path && c->last_interned && !strcmp(path, c->last_interned))
		return c->last_interned;
	void **slot;
	int created = 0;
	if (mh_strmap_add(&c->files, path ? path : "-", &slot, &created))
		return NULL;
	if (created) {
		struct mh_strmap_slot *s =
		        (struct mh_strmap_slot
		                 *)(void *)((char *)slot -
		                            offsetof(struct mh_strmap_slot,
		                                     val));
		*slot = s->key;
	}
	c->last_interned = *slot;
	return *slot;
}

/* MARK: - observations */

/* What mh_slice_trim takes off. */
static int trim_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The eight bytes of w with 'A'..'Z' made lower case (bytes >= 0x80
 * kept): the range test made on each byte's low seven bits, with no
 * carry from one byte into the next. */
static uint64_t lower8(uint64_t w)
{
	const uint64_t hi = 0x8080808080808080ULL;
	uint64_t h = w & ~hi;
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3fULL; /* 0x80 - 'A' */
	uint64_t gt_z = h + 0x2525252525252525ULL; /* 0x80 - 'Z' - 1 */
	return w | (((ge_a & ~gt_z & ~w) & hi) >> 2);
}

void mh_audr_tcopy(char *out, size_t cap, struct mh_slice s, int lower)
{
	size_t k = 0;
	if (s.n && (trim_ws(s.p[0]) || trim_ws(s.p[s.n - 1])))
		s = mh_slice_trim(s);
	/* The usual value (an address, an app id): no NUL, copied and
	 * lowered eight bytes at a time. */
	if (s.p && s.n < cap) {
		const uint64_t lo = 0x0101010101010101ULL,
		               hi = 0x8080808080808080ULL;
		uint64_t zero = 0;
		size_t i = 0;
		for (; i + 8 <= s.n; i += 8) {
			uint64_t w;
			memcpy(&w, s.p + i, 8);
			zero |= (w - lo) & ~w & hi;
			if (lower)
				w = lower8(w);
			memcpy(out + i, &w, 8);
		}
		if (i < s.n && s.n >= 8) {
			/* the last eight bytes, over some done already */
			uint64_t w;
			memcpy(&w, s.p + s.n - 8, 8);
			zero |= (w - lo) & ~w & hi;
			if (lower)
				w = lower8(w);
			memcpy(out + s.n - 8, &w, 8);
			i = s.n;
		}
		for (; i < s.n; i++) {
			unsigned char c = (unsigned char)s.p[i];
			zero |= c == 0;
			out[i] = (char)(lower ? mh_audr_lc(c) : c);
		}
		out[s.n] = '\0';
		if (!zero)
			return;
	}
	for (size_t i = 0; s.p && i < s.n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!c)
			continue;
		out[k++] = (char)(lower ? mh_audr_lc(c) : c);
	}
	out[k] = '\0';
}

void mh_audr_set_add_s(struct agg *g, int set, struct mh_slice s, int lower,
                       int *oom)
{
	char b[TXT_CAP];
	mh_audr_tcopy(b, sizeof(b), s, lower);
	if (b[0] && mh_audr_sset_add(&g->set[set], b, mh_audr_set_cap[set]))
		*oom = 1;
}

void mh_audr_set_add_c(struct agg *g, int set, const char *s, int *oom)
{
	if (s && *s && mh_audr_sset_add(&g->set[set], s, mh_audr_set_cap[set]))
		*oom = 1;
}

void mh_audr_agg_name(struct agg *g, const char *name, int *oom)
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

const char *mh_audr_logon_name(int t)
{
	static const char *const n[] = {
	        "Owner",         "Admin",      "Delegated",     "Transport",
	        "SystemService", "BestAccess", "DelegatedAdmin"};
	return t >= 0 && t < 7 ? n[t] : NULL;
}

/* The record's key fields, "name=value; ..." (capped at 1024 bytes). */
/* v in decimal in out (24 bytes); printf costs more than the rest of
 * the record's key fields together. */
static const char *itoa_u(uint64_t v, char out[24])
{
	char *p = out + 23;
	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static char *mh_audr_key_fields(const struct mh_audit *a)
{
	struct mh_buf b = MH_BUF_INIT(1024);
	struct {
		const char *n;
		struct mh_slice v;
	} kv[] = {
	        {"Operation", a->operation},
	        {"UserId", a->actor},
	        {"Mailbox", a->mailbox},
	        {"ObjectId", a->object},
	        {"AppId", a->app_id},
	        {"ClientAppId", a->client_app_id},
	        {"ClientInfo", a->client_info},
	        {"ClientIP", a->client_ip_raw},
	        {"ResultStatus", a->result_raw},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		if (!kv[i].v.p)
			continue;
		if (b.len)
			mh_buf_adds(&b, "; ");
		mh_buf_adds(&b, kv[i].n);
		mh_buf_addc(&b, '=');
		mh_buf_add(&b, kv[i].v.p, kv[i].v.n > 200 ? 200 : kv[i].v.n);
	}
	char num[24];
	if (a->user_type >= 0) {
		mh_buf_adds(&b, "; UserType=");
		mh_buf_adds(&b, itoa_u((uint64_t)a->user_type, num));
	}
	if (a->actor_type.p) {
		mh_buf_adds(&b, "; AccountType=");
		mh_buf_add(&b, a->actor_type.p, a->actor_type.n);
	}
	if (mh_audr_logon_name(a->logon_type)) {
		mh_buf_adds(&b, "; LogonType=");
		mh_buf_adds(&b, mh_audr_logon_name(a->logon_type));
	}
	if (a->op_count >= 0) {
		mh_buf_adds(&b, "; OperationCount=");
		mh_buf_adds(&b, itoa_u((uint64_t)a->op_count, num));
	}
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

/* Count one record into the aggregate of key; returns the aggregate for
 * the rule's own sets (NULL when dropped by the cap or out of memory:
 * *oom tells). */
/* Where ev is, as a possible evidence item (no fields yet). -1 when out
 * of memory. */
static int ref_of(struct acc *c, const struct mh_event *ev, const struct obs *o,
                  struct ref *r)
{
	memset(r, 0, sizeof(*r));
	r->file = mh_audr_intern(c, ev->path);
	r->offset = ev->offset;
	r->record = ev->index == UINT64_MAX ? 0 : ev->index + 1;
	r->line = ev->line;
	r->ts = ev->ts;
	r->weight = o->weight;
	return r->file ? 0 : -1;
}

/* The hash of the observed record's id (acc.rid), made once. */
static uint64_t acc_rid(struct acc *c)
{
	if (!c->rid_done) {
		c->rid = mh_audit_rid_hash(c->rid_key);
		c->rid_done = 1;
	}
	return c->rid;
}

struct agg *mh_audr_observe(struct acc *c, const struct mh_event *ev,
                            const char *key, const struct obs *o, int *oom)
{
	struct agg *g = mh_audr_amap_get(&c->map[o->rule], key,
	                                 mh_audr_key_cap[o->rule], oom);
	if (!g)
		return NULL;
	const struct mh_audit *a = ev->audit;
	if (c->dup) {
		struct ref r;
		if (ref_of(c, ev, o, &r)) {
			*oom = 1;
			return NULL;
		}
		if (o->evidence && (r.rid = acc_rid(c)) != 0) {
			r.fields = mh_audr_key_fields(a);
			if (mh_audr_evl_add(&g->ev, c->max_ev, &r))
				*oom = 1;
		}
		return NULL; /* counted with the first copy */
	}
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
		/* normalised, NUL-terminated, no white space (audit.h): as
		 * tcopy would copy it */
		mh_audr_set_add_c(g, S_IP, a->client_ip.p, oom);
	else if (a->client_ip_raw.p)
		mh_audr_set_add_s(g, S_IP, a->client_ip_raw, 0, oom);
	struct ref r;
	if (ref_of(c, ev, o, &r)) {
		*oom = 1;
		return NULL;
	}
	if (o->hour != INT64_MIN) {
		struct hour *h =
		        mh_audr_hours_get(&g->hrs, (int32_t)o->hour,
		                          mh_audr_hour_cap[o->rule], oom);
		if (h) {
			mh_audr_hour_items(h, o->items);
			if (o->hash && mh_audr_hour_hash(h, o->hash))
				*oom = 1;
		}
	}
	if (o->evidence && mh_audr_evl_wants(&g->ev, c->max_ev, &r)) {
		r.rid = acc_rid(c);
		r.fields = mh_audr_key_fields(a);
		if (mh_audr_evl_add(&g->ev, c->max_ev, &r))
			*oom = 1;
	}
	return g;
}

int mh_audr_merge_agg(struct acc *into, int rule, struct agg *x, struct agg *y)
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
	mh_audr_agg_name(x, y->name, &oom);
	for (int s = 0; s < NSET; s++) {
		for (size_t i = 0; i < y->set[s].n; i++)
			mh_audr_set_add_c(x, s, y->set[s].v[i], &oom);
		if (y->set[s].capped)
			x->set[s].capped = 1;
	}
	for (size_t i = 0; i < y->ev.n; i++) {
		struct ref r = y->ev.v[i];
		y->ev.v[i].fields = NULL;
		r.file = mh_audr_intern(into, r.file);
		if (!r.file) {
			free(r.fields);
			return MH_ENOMEM;
		}
		if (mh_audr_evl_add(&x->ev, into->max_ev, &r))
			oom = 1;
	}
	for (size_t i = 0; i < y->hrs.n; i++) {
		struct hour *hy = &y->hrs.v[i];
		struct hour *hx = mh_audr_hours_get(
		        &x->hrs, hy->h, mh_audr_hour_cap[rule], &oom);
		if (!hx)
			continue;
		mh_audr_hour_items(hx, hy->items);
		for (uint32_t k = 0; k < mh_audr_hour_nq(hy); k++)
			if (mh_audr_hour_hash(hx, hy->hash[1 + k]))
				oom = 1;
	}
	if (y->hrs.capped)
		x->hrs.capped = 1;
	return oom ? MH_ENOMEM : MH_OK;
}
