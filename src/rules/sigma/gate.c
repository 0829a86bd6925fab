/* gate.c - three-valued rules on a record's known values (gate.h). */
#include "rules/sigma/gate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event/audit.h"
#include "rules/sigma/evview.h"
#include "rules/sigma/logsource.h"

#define GATE_AL 64 /* aliases of one class */

/* What the evaluation reads, and the rules it finds may match. */
struct gctx {
	const struct mh_sigma *s;
	struct mh_sg_rescratch *rs;
	uint32_t *may;
	size_t nmay, cap;
};

/* Three-valued results: a test on a value the gate does not know. */
enum { G_F = 0, G_T = 1, G_U = 2 };

#define GATE_VAL 256 /* longer values: not known */

/* The values of the fields the gate knows, by slot: a record's
 * Operation, Workload, eventName and eventSource under their own names
 * and their aliases' (up to two values each). */
#define GK_SLOTS 8
struct gknown {
	int slot[GK_SLOTS];
	uint8_t nv[GK_SLOTS];
	struct mh_slice v[GK_SLOTS][2];
	const char *low[GK_SLOTS][2];
	size_t n;
};

static const struct gknown *gk_find(const struct gknown *k, int slot, size_t *i)
{
	for (*i = 0; *i < k->n; (*i)++)
		if (k->slot[*i] == slot)
			return k;
	return NULL;
}

static int g_and(int a, int b);
static int g_or(int a, int b);

/* p against the known value j of field i of k. */
static int g_pat(struct gctx *c, const struct gknown *k, size_t i, int j,
                 const struct mh_sv *p)
{
	const struct mh_slice *v = &k->v[i][j];
	switch (p->kind) {
	case MH_SV_RE:
		return mh_sg_regex_match(c->s->re, c->rs, (size_t)p->re, v->p,
		                         v->n)
		               ? G_T
		               : G_F;
	case MH_SV_FIELDREF: return G_U;
	default: return mh_sv_match(p, v->p, k->low[i][j], v->n) ? G_T : G_F;
	}
}

/* Some known value j of field i against any pattern of t (want 1), or
 * every pattern of t against some value (all), or (neg) some value
 * against none. */
static int g_any(struct gctx *c, const struct gknown *k, size_t i, int j,
                 const struct mh_sg_test *t)
{
	int any = G_F;
	for (uint32_t q = 0; q < t->npat && any != G_T; q++) {
		int r = g_pat(c, k, i, j, &t->pat[q]);
		if (r != G_F)
			any = r;
	}
	return any;
}

/* As test_eval, on the known values (none to two); G_U for a field the
 * gate does not know. */
static int g_test(struct gctx *c, const struct gknown *k,
                  const struct mh_sg_test *t)
{
	size_t i;
	if (t->npat == 0)
		return G_F;
	if (t->slot < 0 || !gk_find(k, t->slot, &i))
		return G_U;
	int nv = k->nv[i];
	const struct mh_sv *p0 = &t->pat[0];
	if (p0->kind == MH_SV_EXISTS)
		return (nv > 0) == !!p0->exists ? G_T : G_F;
	if (p0->kind == MH_SV_NULL)
		return nv == 0 ? G_T : G_F; /* a known value is not null */
	if (nv == 0)
		return G_F; /* no value: neq, all and any alike */
	if (t->neg) {       /* some value equals none of the patterns */
		int r = G_F;
		for (int j = 0; j < nv; j++) {
			int a = g_any(c, k, i, j, t);
			r = g_or(r, a == G_U ? G_U : a == G_T ? G_F : G_T);
		}
		return r;
	}
	if (t->all) { /* every pattern matches some value */
		int every = G_T;
		for (uint32_t q = 0; q < t->npat && every != G_F; q++) {
			int hit = G_F;
			for (int j = 0; j < nv; j++)
				hit = g_or(hit, g_pat(c, k, i, j, &t->pat[q]));
			every = g_and(every, hit);
		}
		return every;
	}
	int r = G_F;
	for (int j = 0; j < nv && r != G_T; j++)
		r = g_or(r, g_any(c, k, i, j, t));
	return r;
}

static int g_and(int a, int b)
{
	return a == G_F || b == G_F ? G_F : a == G_T && b == G_T ? G_T : G_U;
}

static int g_or(int a, int b)
{
	return a == G_T || b == G_T ? G_T : a == G_F && b == G_F ? G_F : G_U;
}

static int g_sel(struct gctx *c, const struct gknown *k,
                 const struct mh_sg_sel *se)
{
	int r = G_F;
	for (uint32_t a = 0; a < se->nalt && r != G_T; a++) {
		int ok = G_T;
		for (uint32_t t = se->alt[a]; t < se->alt[a + 1] && ok != G_F;
		     t++)
			ok = g_and(ok, g_test(c, k, &se->tests[t]));
		r = g_or(r, ok);
	}
	return r;
}

static int g_cond(struct gctx *c, const struct gknown *k,
                  const struct mh_sg_det *d, int i, int depth)
{
	const struct mh_sg_cnode *n = &d->cn[i];
	if (depth > 200)
		return G_U;
	switch (n->op) {
	case MH_SGC_SEL: return g_sel(c, k, &d->sels[n->a]);
	case MH_SGC_NOT: {
		int r = g_cond(c, k, d, n->a, depth + 1);
		return r == G_U ? G_U : !r;
	}
	case MH_SGC_AND: {
		int a = g_cond(c, k, d, n->a, depth + 1);
		return a == G_F ? G_F
		                : g_and(a, g_cond(c, k, d, n->b, depth + 1));
	}
	case MH_SGC_OR: {
		int a = g_cond(c, k, d, n->a, depth + 1);
		return a == G_T ? G_T
		                : g_or(a, g_cond(c, k, d, n->b, depth + 1));
	}
	case MH_SGC_OF: {
		uint32_t need = n->count ? n->count : n->nsels, t = 0, u = 0;
		for (uint32_t q = 0; q < n->nsels; q++) {
			int r = g_sel(c, k, &d->sels[n->sels[q]]);
			t += r == G_T;
			u += r == G_U;
		}
		return t >= need ? G_T : t + u < need ? G_F : G_U;
	}
	default: return G_U;
	}
}

/* Add value s (NULL: none) to the known field of slot (-1: no rule
 * tests it). 0 when it cannot be known. */
static int gk_add(struct gknown *k, int slot, const struct mh_slice *s,
                  const char *low)
{
	size_t i;
	if (slot < 0)
		return 1;
	if (!gk_find(k, slot, &i)) {
		if (k->n == GK_SLOTS)
			return 0;
		i = k->n++;
		k->slot[i] = slot;
		k->nv[i] = 0;
	}
	if (!s)
		return 1;
	if (k->nv[i] == 2)
		return 0;
	k->v[i][k->nv[i]] = *s;
	k->low[i][k->nv[i]++] = low;
	return 1;
}

static void lower(char *d, struct mh_slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		char ch = s.p[i];
		d[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
	}
	d[s.n] = '\0';
}

/* Whether some detection rule can match a Management Activity API record
 * of which mh_rawop_sigma read o: its fields named (in any case)
 * Operation, Workload, eventName and eventSource hold o's values and
 * nothing else. Its class (buckets) from its groups (an alert by
 * RecordType or operation, as mh_sg_view_classify says) and workload,
 * its aliases from the class; every rule of those buckets evaluated
 * three-valued, those fields (under their names and their aliases')
 * known, all others unknown. 1: some rule is not false; 0: none can
 * match; -1: the gate cannot tell. */
static int gate_eval(struct gctx *c, const struct mh_rawop *o)
{
	const struct mh_sigma *s = c->s;
	struct mh_slice own[4] = {o->op, o->workload, o->ev_name, o->ev_source};
	static const char *const names[4] = {"Operation", "Workload",
	                                     "eventName", "eventSource"};
	char low[4][GATE_VAL], wz[GATE_VAL];
	for (int f = 0; f < 4; f++) {
		if (own[f].n >= GATE_VAL)
			return -1;
		lower(low[f], own[f]);
	}
	struct mh_slice op = o->op, wl = o->workload;
	memcpy(wz, wl.p, wl.n);
	wz[wl.n] = '\0';
	struct mh_audit a;
	memset(&a, 0, sizeof(a));
	a.source = MH_AUDIT_M365;
	a.shape = MH_AS_UAL_API;
	a.operation = op;
	a.ops = &a.operation;
	a.nops = 1;
	a.workload = wl;
	a.record_type = o->rtype > INT32_MAX ? -1 : (int)o->rtype;
	struct mh_ls_input in;
	memset(&in, 0, sizeof(in));
	in.event_id = -1;
	in.groups = mh_sg_view_audit_groups(&a);
	in.workload = wz;
	in.workload_n = wl.n;
	struct mh_ls_class cl;
	mh_sg_ls_classify(&in, &cl);
	struct mh_ls_alias al[GATE_AL];
	size_t na = mh_sg_ls_aliases(&in, al, GATE_AL);
	if (na == GATE_AL)
		return -1;
	/* the record's own fields (one of each name, or none) */
	struct gknown k;
	memset(&k, 0, sizeof(k));
	for (int f = 0; f < 4; f++)
		if (!gk_add(&k, mh_sigma_slot(s, names[f], strlen(names[f])),
		            own[f].p ? &own[f] : NULL, low[f]))
			return -1;
	/* what the aliases add to them (an alias to any other name only
	 * gives values to names the gate does not know) */
	for (size_t q = 0; q < na; q++) {
		if (al[q].prefix || !al[q].sigma_n)
			return -1; /* names the gate cannot bound */
		int slot = mh_sigma_slot(s, al[q].sigma, al[q].sigma_n);
		size_t i;
		if (slot < 0 || !gk_find(&k, slot, &i))
			continue;
		if (al[q].hide || strcmp(al[q].format, "%s") != 0)
			return -1;
		const char *f = al[q].field;
		int ok = 0;
		if (!strcmp(f, "@operation"))
			ok = gk_add(&k, slot, &own[0], low[0]);
		else if (!strcmp(f, "@workload"))
			ok = gk_add(&k, slot, &own[1], low[1]);
		if (!ok)
			k.slot[i] = -2; /* not known after all */
	}
	uint64_t *on = calloc(s->nbuckets / 64 + 1, sizeof(*on));
	if (!on)
		return -1;
	for (size_t b = 0; b < s->nbuckets; b++)
		if (mh_sg_ls_match(&cl, s->buckets[b].category,
		                   s->buckets[b].product,
		                   s->buckets[b].service))
			on[b / 64] |= (uint64_t)1 << (b % 64);
	int may = 0;
	for (size_t ri = 0; ri < s->nrules; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		if (r->kind != MH_SG_DETECTION || r->bucket < 0 ||
		    !((on[r->bucket / 64] >> (r->bucket % 64)) & 1) ||
		    g_cond(c, &k, &r->det, r->det.root, 0) == G_F)
			continue;
		may = 1;
		if (c->nmay == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 8;
			uint32_t *nv = realloc(c->may, cap * sizeof(*nv));
			if (!nv) {
				free(on);
				return -1;
			}
			c->may = nv;
			c->cap = cap;
		}
		c->may[c->nmay++] = (uint32_t)ri;
	}
	free(on);
	return may;
}

/* MARK: - the answers, by values */

#define GATE_SLOTS 256 /* a power of two; distinct tuples are few */

struct gent {
	uint64_t h; /* 0: empty */
	char *key;  /* the tuple (gate_key) */
	size_t kn;
	int may;
	struct mh_sg_gate_ans ans;
};

struct mh_sg_gate {
	const struct mh_sigma *s;
	void (*free_user)(void *);
	struct gent t[GATE_SLOTS];
	size_t n;
};

int mh_sg_gate_new(const struct mh_sigma *s, void (*free_user)(void *),
                   struct mh_sg_gate **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MH_ENOMEM;
	(*out)->s = s;
	(*out)->free_user = free_user;
	return MH_OK;
}

void mh_sg_gate_free(struct mh_sg_gate *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < GATE_SLOTS; i++) {
		free(g->t[i].key);
		free(g->t[i].ans.rules);
		if (g->free_user && g->t[i].ans.user)
			g->free_user(g->t[i].ans.user);
	}
	free(g);
}

/* The tuple as one key: each value and a separator ('\x1e' when the
 * value is not there), then the alert mark. */
static size_t gate_key(char *key, size_t kn, struct mh_slice v)
{
	if (v.n)
		memcpy(key + kn, v.p, v.n);
	kn += v.n;
	key[kn++] = v.p ? '\x1f' : '\x1e';
	return kn;
}

/* Eight bytes a step (values are mostly 8 to 30 bytes). */
static uint64_t key_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, p + i, n - i);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	return h ? h : 1;
}

int mh_sg_gate_may(struct mh_sg_gate *g, struct mh_sg_rescratch *rs,
                   const struct mh_rawop *o, struct mh_sg_gate_ans **ans)
{
	char key[4 * (GATE_VAL + 1) + 1];
	*ans = NULL;
	if (o->op.n >= GATE_VAL || o->workload.n >= GATE_VAL ||
	    o->ev_name.n >= GATE_VAL || o->ev_source.n >= GATE_VAL)
		return 1;
	size_t kn = gate_key(key, 0, o->op);
	kn = gate_key(key, kn, o->workload);
	kn = gate_key(key, kn, o->ev_name);
	kn = gate_key(key, kn, o->ev_source);
	key[kn++] = o->rtype == 40 ? '1' : '0';
	uint64_t h = key_hash(key, kn);
	size_t j = (size_t)h & (GATE_SLOTS - 1);
	for (; g->t[j].h; j = (j + 1) & (GATE_SLOTS - 1))
		if (g->t[j].h == h && g->t[j].kn == kn &&
		    !memcmp(g->t[j].key, key, kn)) {
			*ans = &g->t[j].ans;
			return g->t[j].may;
		}
	struct gctx c = {g->s, rs, NULL, 0, 0};
	int r = gate_eval(&c, o);
	int may = r != 0;
	/* keep it while the table is at most half full; the rules that
	 * may match with it (not when the gate could not tell) */
	char *k = g->n < GATE_SLOTS / 2 ? malloc(kn) : NULL;
	if (k) {
		memcpy(k, key, kn);
		g->t[j].h = h;
		g->t[j].key = k;
		g->t[j].kn = kn;
		g->t[j].may = may;
		g->t[j].ans.rules = r > 0 ? c.may : NULL;
		g->t[j].ans.n = r > 0 ? c.nmay : 0;
		g->n++;
		if (r > 0)
			*ans = &g->t[j].ans;
		else
			free(c.may);
	} else {
		free(c.may);
	}
	return may;
}
