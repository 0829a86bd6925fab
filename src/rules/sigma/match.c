#include "rules/sigma/match.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/strmap.h"
#include "event/audit.h"
#include "readers/record/rawop.h"
#include "rules/sigma/gate.h"
#include "rules/sigma/prefilter.h"
#include "rules/sigma/regex.h"

/* What a class of events gives: its buckets, and their raw prefilter
 * (built when first needed: the buckets must be ready). */
struct cls {
	struct mh_sg_rawset *raw;
	int raw_done;
	int words_hit;    /* an atom of raw is in a result word (@result) */
	uint64_t *tested; /* slots the rules of its buckets test (bits) */
	size_t n;
	int32_t list[];
};

struct mh_sigma_ctx {
	const struct mh_sigma *set;
	struct mh_sg_view view;
	struct mh_sg_rescratch *rs;
	struct mh_sg_pfscratch *ps;
	struct mh_buf scanbuf;
	uint32_t *mark; /* per rule: == gen when a candidate this event */
	uint32_t gen;
	uint32_t *cand, *out;
	size_t ncand, nout;
	uint64_t *bucket_bits;
	size_t nwords;
	int32_t *active; /* active bucket list */
	size_t nactive;
	/* class -> struct cls (classes are few) */
	struct mh_strmap cls_cache;
	struct cls *cur; /* this event's */
	uint64_t events, evals, matches;
	uint64_t skipped; /* ruled out by the raw prefilter */
	/* mh_sigma_audit_judge: 0 not asked yet, 1 ready, -1 cannot */
	int judge;
	struct mh_sg_rawset *jraw;
	int jjoin; /* @invocation joins the operation and the parameters */
	/* mh_sigma_audit_may's gate (gate.h) */
	struct mh_sg_gate *gate;
	uint64_t gated; /* records the gate passed over without a scan */
	/* typed_in_raw for the last event's class and aliases */
	const struct cls *typed_cls;
	int typed_ok;
	/* The event ids a rule needs (eid_gate): rule ri's are
	 * eid_v[eid_off[ri] .. eid_off[ri + 1]), none: any event id. */
	int eid_slot;
	uint32_t *eid_off;
	int32_t *eid_v;
	int32_t ev_eid[4]; /* this event's (eid_event), n_eid of them */
	int n_eid;         /* -1: not read yet */
};

/* The words @result gives (evview.c typed_alias). */
static const char *const result_words[] = {"success", "failure", "partial"};

/* 1 when every value the typed view adds (aliases "@...") for the current
 * event is in its raw text or known not to hold an atom of ce->raw, so
 * that a text without atoms needs no scan of those values: @workload and
 * @operation are values of the record (their atoms, having no quote or
 * backslash, show in its text however escaped), @result's words hold
 * none of the atoms, @invocation is left to the join check. */
static int typed_in_raw(const struct mh_sigma_ctx *c, const struct cls *ce)
{
	/* an admin audit log entry's workload is "Exchange", not its */
	if (!mh_sg_rawset_plain(ce->raw) ||
	    (c->view.in.groups & (1u << MH_LSG_ADMIN)))
		return 0;
	for (size_t k = 0; k < c->view.nal; k++) {
		const struct mh_ls_alias *al = &c->view.al[k];
		const char *f = al->field;
		if (f[0] != '@')
			continue;
		if (strcmp(al->format, "%s") != 0)
			return 0;
		if (!strcmp(f, "@workload") || !strcmp(f, "@operation") ||
		    !strcmp(f, "@invocation"))
			continue;
		if (strcmp(f, "@result") != 0 || ce->words_hit)
			return 0;
	}
	return 1;
}

/* What the gate's answer for a tuple of values gives the judge: the
 * raw set of the atoms of the rules that may match (NULL: they have
 * none, then the judge's own). */
struct gset {
	struct mh_sg_rawset *rs;
};

static void free_gset(void *p)
{
	struct gset *g = p;
	if (g)
		mh_sg_rawset_free(g->rs);
	free(g);
}

/* MARK: - event id gate */

/* A rule whose condition holds only with an EventID value equal to one
 * of a few numbers (Sysmon's "EventID: 28", Security's "EventID: 4624",
 * as most Windows rules of a service say) is not evaluated for an event
 * without one of them: its EventID test would fail. Derived from the
 * compiled condition, like the atoms (prefilter.c), and exact: a value
 * equal to a pattern of digits is those digits. */

#define EID_MAX 32

struct eids {
	int any; /* no known need */
	uint32_t n;
	int32_t v[EID_MAX];
};

/* The number s[0..n) writes in decimal digits only, or -1. */
static int32_t eid_digits(const char *s, size_t n)
{
	int32_t x = 0;
	if (!s || n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	return x;
}

static void eids_union(struct eids *o, const struct eids *a)
{
	if (o->any)
		return;
	if (a->any || o->n + a->n > EID_MAX) {
		o->any = 1;
		return;
	}
	memcpy(o->v + o->n, a->v, a->n * sizeof(*a->v));
	o->n += a->n;
}

/* The event ids test t needs: a positive test of the EventID field whose
 * patterns are all whole values of digits. */
static void test_eids(const struct mh_sg_test *t, int slot, struct eids *o)
{
	o->any = 1;
	o->n = 0;
	if (slot < 0 || t->slot != slot || t->neg || t->npat == 0 ||
	    t->npat > EID_MAX || (t->all && t->npat > 1))
		return;
	for (uint32_t k = 0; k < t->npat; k++) {
		const struct mh_sv *p = &t->pat[k];
		int32_t x = p->kind == MH_SV_EQ && !p->neq
		                    ? eid_digits(p->s, p->n)
		                    : -1;
		if (x < 0)
			return;
		o->v[o->n++] = x;
	}
	o->any = 0;
}

/* A selection: the union over its alternatives of one of their tests'. */
static void sel_eids(const struct mh_sg_sel *se, int slot, struct eids *o)
{
	memset(o, 0, sizeof(*o));
	for (uint32_t a = 0; a < se->nalt && !o->any; a++) {
		struct eids alt = {1, 0, {0}};
		for (uint32_t t = se->alt[a]; t < se->alt[a + 1] && alt.any;
		     t++)
			test_eids(&se->tests[t], slot, &alt);
		eids_union(o, &alt);
	}
	if (se->nalt == 0)
		o->any = 1;
}

static void cond_eids(const struct mh_sg_det *d, int i, int slot, int depth,
                      struct eids *o)
{
	const struct mh_sg_cnode *n = &d->cn[i];
	memset(o, 0, sizeof(*o));
	o->any = 1;
	if (depth > 200)
		return;
	switch (n->op) {
	case MH_SGC_SEL: sel_eids(&d->sels[n->a], slot, o); return;
	case MH_SGC_AND: {
		/* either side's need is the whole condition's */
		cond_eids(d, n->a, slot, depth + 1, o);
		if (o->any)
			cond_eids(d, n->b, slot, depth + 1, o);
		return;
	}
	case MH_SGC_OR: {
		struct eids r;
		cond_eids(d, n->a, slot, depth + 1, o);
		cond_eids(d, n->b, slot, depth + 1, &r);
		eids_union(o, &r);
		return;
	}
	case MH_SGC_OF: {
		if (n->nsels == 0)
			return;
		o->any = 0;
		for (uint32_t k = 0; k < n->nsels; k++) {
			struct eids c;
			sel_eids(&d->sels[n->sels[k]], slot, &c);
			if (n->count == 0 && !c.any) { /* all of */
				*o = c;
				return;
			}
			if (n->count != 0)
				eids_union(o, &c);
		}
		if (n->count == 0)
			o->any = 1;
		return;
	}
	default: return; /* NOT: no need */
	}
}

/* c->eid_off, c->eid_v for every detection rule. MH_OK or MH_ENOMEM. */
static int eid_index(struct mh_sigma_ctx *c)
{
	const struct mh_sigma *s = c->set;
	c->eid_slot = mh_sigma_slot(s, "EventID", 7);
	c->n_eid = -1;
	c->eid_off = calloc(s->nrules + 1, sizeof(*c->eid_off));
	if (!c->eid_off)
		return MH_ENOMEM;
	size_t n = 0, alloc = 0;
	for (size_t ri = 0; ri < s->nrules; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		c->eid_off[ri] = (uint32_t)n;
		if (c->eid_slot < 0 || r->kind != MH_SG_DETECTION)
			continue;
		struct eids e;
		cond_eids(&r->det, r->det.root, c->eid_slot, 0, &e);
		if (e.any || e.n == 0)
			continue;
		if (n + e.n > alloc) {
			size_t na = alloc ? alloc * 2 : 256;
			int32_t *nv = realloc(c->eid_v, na * sizeof(*nv));
			if (!nv)
				return MH_ENOMEM;
			c->eid_v = nv;
			alloc = na;
		}
		memcpy(c->eid_v + n, e.v, e.n * sizeof(*e.v));
		n += e.n;
	}
	c->eid_off[s->nrules] = (uint32_t)n;
	return MH_OK;
}

/* This event's EventID values of digits (c->ev_eid), once per event. */
static void eid_event(struct mh_sigma_ctx *c)
{
	c->n_eid = 0;
	const struct mh_sg_view *v = &c->view;
	for (int32_t j = mh_sg_view_first(v, c->eid_slot); j >= 0;
	     j = v->v[j].next) {
		int32_t x = eid_digits(v->v[j].s, v->v[j].n);
		if (x < 0)
			continue;
		if (c->n_eid == 4) { /* too many to list: let every rule be */
			c->n_eid = -2;
			return;
		}
		c->ev_eid[c->n_eid++] = x;
	}
}

/* 0 when rule ri needs an event id this event has not. */
static int eid_gate(struct mh_sigma_ctx *c, uint32_t ri)
{
	uint32_t lo = c->eid_off[ri], hi = c->eid_off[ri + 1];
	if (lo == hi)
		return 1;
	if (c->n_eid == -1)
		eid_event(c);
	if (c->n_eid < 0)
		return 1;
	for (uint32_t k = lo; k < hi; k++)
		for (int e = 0; e < c->n_eid; e++)
			if (c->eid_v[k] == c->ev_eid[e])
				return 1;
	return 0;
}

int mh_sigma_ctx_new(const struct mh_sigma *set, struct mh_sigma_ctx **out)
{
	struct mh_sigma_ctx *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return MH_ENOMEM;
	c->set = set;
	size_t nr = set->nrules ? set->nrules : 1;
	c->mark = calloc(nr, sizeof(*c->mark));
	c->cand = malloc(nr * sizeof(*c->cand));
	c->out = malloc(nr * sizeof(*c->out));
	c->nwords = (set->nbuckets + 63) / 64 + 1;
	c->bucket_bits = calloc(c->nwords, sizeof(*c->bucket_bits));
	c->active = malloc((set->nbuckets + 1) * sizeof(*c->active));
	mh_buf_init(&c->scanbuf, (size_t)1 << 30);
	mh_strmap_init(&c->cls_cache);
	if (!c->mark || !c->cand || !c->out || !c->bucket_bits || !c->active ||
	    eid_index(c) || mh_sg_view_init(&c->view, set) ||
	    mh_sg_rescratch_new(set->re, &c->rs) ||
	    mh_sg_pfscratch_new(set->pf, &c->ps) ||
	    mh_sg_gate_new(set, free_gset, &c->gate)) {
		mh_sigma_ctx_free(c);
		return MH_ENOMEM;
	}
	*out = c;
	return MH_OK;
}

static void free_cls(void *p)
{
	struct cls *e = p;
	if (e) {
		mh_sg_rawset_free(e->raw);
		free(e->tested);
	}
	free(e);
}

void mh_sigma_ctx_free(struct mh_sigma_ctx *c)
{
	if (!c)
		return;
	mh_sg_view_release(&c->view);
	mh_sg_rescratch_free(c->rs);
	mh_sg_pfscratch_free(c->ps);
	mh_buf_release(&c->scanbuf);
	mh_strmap_release(&c->cls_cache, free_cls);
	mh_sg_gate_free(c->gate);
	mh_sg_rawset_free(c->jraw);
	free(c->mark);
	free(c->cand);
	free(c->out);
	free(c->bucket_bits);
	free(c->active);
	free(c->eid_off);
	free(c->eid_v);
	free(c);
}

struct mh_sg_view *mh_sigma_ctx_view(struct mh_sigma_ctx *c)
{
	return &c->view;
}

const uint64_t *mh_sigma_ctx_buckets(const struct mh_sigma_ctx *c)
{
	return c->bucket_bits;
}

void mh_sigma_ctx_stats(const struct mh_sigma_ctx *c, uint64_t *events,
                        uint64_t *evals, uint64_t *matches)
{
	*events = c->events;
	*evals = c->evals;
	*matches = c->matches;
}

/* MARK: - evaluation */

static int re_match(struct mh_sigma_ctx *c, int32_t vi, int re)
{
	const struct mh_sg_val *e = &c->view.v[vi];
	return e->s &&
	       mh_sg_regex_match(c->set->re, c->rs, (size_t)re, e->s, e->n);
}

/* One pattern against one value of the view. */
static int pat_val(struct mh_sigma_ctx *c, const struct mh_sv *p, int32_t vi)
{
	const struct mh_sg_val *e = &c->view.v[vi];
	switch (p->kind) {
	case MH_SV_RE: return re_match(c, vi, p->re);
	case MH_SV_FIELDREF: {
		if (!e->s)
			return 0;
		for (int32_t j = mh_sg_view_first(&c->view, p->slot); j >= 0;
		     j = c->view.v[j].next) {
			const struct mh_sg_val *o = &c->view.v[j];
			if (!o->s || o->n != e->n)
				continue;
			if (p->cased ? !memcmp(o->s, e->s, e->n)
			             : !memcmp(o->low, e->low, e->n))
				return 1;
		}
		return 0;
	}
	default: return mh_sv_match(p, e->s, e->low, e->n);
	}
}

static int any_pat(struct mh_sigma_ctx *c, const struct mh_sg_test *t,
                   int32_t vi)
{
	for (uint32_t k = 0; k < t->npat; k++)
		if (pat_val(c, &t->pat[k], vi))
			return 1;
	return 0;
}

static int test_eval(struct mh_sigma_ctx *c, const struct mh_sg_test *t)
{
	const struct mh_sg_view *v = &c->view;
	if (t->npat == 0)
		return 0;
	const struct mh_sv *p0 = &t->pat[0];
	if (p0->kind == MH_SV_EXISTS)
		return (mh_sg_view_first(v, t->slot) >= 0) == !!p0->exists;
	if (p0->kind == MH_SV_NULL) {
		int32_t j = mh_sg_view_first(v, t->slot);
		if (j < 0)
			return 1;
		for (; j >= 0; j = v->v[j].next)
			if (!v->v[j].s)
				return 1;
		return 0;
	}
	if (t->slot < 0) {
		/* keywords: every value of the event */
		if (t->all) {
			for (uint32_t k = 0; k < t->npat; k++) {
				int hit = 0;
				for (size_t i = 0; i < v->n && !hit; i++)
					hit = !v->v[i].dup &&
					      pat_val(c, &t->pat[k],
					              (int32_t)i);
				if (!hit)
					return 0;
			}
			return 1;
		}
		for (size_t i = 0; i < v->n; i++)
			if (!v->v[i].dup && any_pat(c, t, (int32_t)i))
				return 1;
		return 0;
	}
	int32_t first = mh_sg_view_first(v, t->slot);
	if (t->neg) {
		/* neq: some value that equals none of the patterns */
		for (int32_t j = first; j >= 0; j = v->v[j].next)
			if (v->v[j].s && !any_pat(c, t, j))
				return 1;
		return 0;
	}
	if (t->all) {
		for (uint32_t k = 0; k < t->npat; k++) {
			int hit = 0;
			for (int32_t j = first; j >= 0 && !hit;
			     j = v->v[j].next)
				hit = pat_val(c, &t->pat[k], j);
			if (!hit)
				return 0;
		}
		return 1;
	}
	for (int32_t j = first; j >= 0; j = v->v[j].next)
		if (any_pat(c, t, j))
			return 1;
	return 0;
}

static int sel_eval(struct mh_sigma_ctx *c, const struct mh_sg_sel *se)
{
	for (uint32_t a = 0; a < se->nalt; a++) {
		int ok = 1;
		for (uint32_t t = se->alt[a]; t < se->alt[a + 1] && ok; t++)
			ok = test_eval(c, &se->tests[t]);
		if (ok)
			return 1;
	}
	return 0;
}

static int cond_eval(struct mh_sigma_ctx *c, const struct mh_sg_det *d, int i)
{
	const struct mh_sg_cnode *n = &d->cn[i];
	switch (n->op) {
	case MH_SGC_SEL: return sel_eval(c, &d->sels[n->a]);
	case MH_SGC_NOT: return !cond_eval(c, d, n->a);
	case MH_SGC_AND: return cond_eval(c, d, n->a) && cond_eval(c, d, n->b);
	case MH_SGC_OR: return cond_eval(c, d, n->a) || cond_eval(c, d, n->b);
	case MH_SGC_OF: {
		uint32_t need = n->count ? n->count : n->nsels, got = 0;
		for (uint32_t k = 0; k < n->nsels; k++) {
			if (sel_eval(c, &d->sels[n->sels[k]]))
				got++;
			else if (n->count == 0)
				return 0;
			if (got >= need)
				return 1;
		}
		return 0;
	}
	default: return 0;
	}
}

static int bucket_on(const struct mh_sigma_ctx *c, int b)
{
	return b >= 0 && (c->bucket_bits[b / 64] >> (b % 64)) & 1;
}

int mh_sigma_eval_rule(struct mh_sigma_ctx *c, uint32_t ri)
{
	const struct mh_sg_rule *r = &c->set->rules[ri];
	if (r->kind != MH_SG_DETECTION && r->kind != MH_SG_FILTER)
		return 0;
	c->evals++;
	if (!cond_eval(c, &r->det, r->det.root))
		return 0;
	for (uint32_t k = 0; k < r->nfilters; k++) {
		const struct mh_sg_rule *f = &c->set->rules[r->filters[k]];
		if (f->kind == MH_SG_FILTER && bucket_on(c, f->bucket) &&
		    cond_eval(c, &f->det, f->det.root))
			return 0;
	}
	return 1;
}

/* MARK: - per event */

static void mark_slot(uint64_t *m, int slot)
{
	if (slot >= 0)
		m[slot / 64] |= (uint64_t)1 << (slot % 64);
}

/* The slots the rules (detections and filters) of the active buckets
 * test, fields named by fieldref included: only their values need a
 * lower-cased copy and a place in the prefilter's text. NULL on ENOMEM. */
static uint64_t *tested_slots(const struct mh_sigma_ctx *c)
{
	const struct mh_sigma *s = c->set;
	uint64_t *m = calloc(s->nslots / 64 + 1, sizeof(*m));
	if (!m)
		return NULL;
	for (size_t ri = 0; ri < s->nrules; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		if ((r->kind != MH_SG_DETECTION && r->kind != MH_SG_FILTER) ||
		    !bucket_on(c, r->bucket))
			continue;
		for (uint32_t k = 0; k < r->det.nsels; k++) {
			const struct mh_sg_sel *se = &r->det.sels[k];
			for (uint32_t t = 0; t < se->alt[se->nalt]; t++) {
				const struct mh_sg_test *ts = &se->tests[t];
				mark_slot(m, ts->slot);
				for (uint32_t q = 0; q < ts->npat; q++)
					if (ts->pat[q].kind == MH_SV_FIELDREF)
						mark_slot(m, ts->pat[q].slot);
			}
		}
	}
	return m;
}

/* The active buckets of a class found before. */
static void use_cls(struct mh_sigma_ctx *c, struct cls *e)
{
	memset(c->bucket_bits, 0, c->nwords * sizeof(*c->bucket_bits));
	c->cur = e;
	c->nactive = e->n;
	memcpy(c->active, e->list, c->nactive * sizeof(*c->active));
	for (size_t i = 0; i < c->nactive; i++)
		c->bucket_bits[c->active[i] / 64] |= (uint64_t)1
		                                     << (c->active[i] % 64);
}

static int set_buckets(struct mh_sigma_ctx *c)
{
	/* the last event's class: its buckets are still set */
	if (c->view.cls_same && c->cur)
		return MH_OK;
	const struct mh_sigma *s = c->set;
	const struct mh_ls_class *cl = &c->view.cls;
	void **memo = c->view.cls_user;
	if (memo && *memo) { /* the view knows the class */
		use_cls(c, *memo);
		return MH_OK;
	}
	char key[1024];
	size_t kn = 0;
	const char *const *lists[3] = {cl->cat, cl->prod, cl->svc};
	uint8_t counts[3] = {cl->ncat, cl->nprod, cl->nsvc};
	for (int l = 0; l < 3; l++) {
		for (uint8_t i = 0; i < counts[l]; i++) {
			size_t sl = strlen(lists[l][i]);
			if (kn + sl + 2 >= sizeof(key))
				break;
			memcpy(key + kn, lists[l][i], sl);
			kn += sl;
			key[kn++] = ',';
		}
		key[kn++] = '|';
	}
	memset(c->bucket_bits, 0, c->nwords * sizeof(*c->bucket_bits));
	void **slot;
	int created;
	if (mh_strmap_upsert(&c->cls_cache, key, kn, &slot, &created))
		return MH_ENOMEM;
	struct cls *e = *slot;
	if (created) {
		size_t n = 0;
		for (size_t b = 0; b < s->nbuckets; b++)
			if (mh_sg_ls_match(cl, s->buckets[b].category,
			                   s->buckets[b].product,
			                   s->buckets[b].service))
				c->active[n++] = (int32_t)b;
		e = calloc(1, sizeof(*e) + (n + 1) * sizeof(*e->list));
		if (!e)
			return MH_ENOMEM;
		e->n = n;
		memcpy(e->list, c->active, n * sizeof(*e->list));
		*slot = e;
		use_cls(c, e);
		e->tested = tested_slots(c);
		if (!e->tested)
			return MH_ENOMEM;
	}
	use_cls(c, e);
	if (memo)
		*memo = e;
	return MH_OK;
}

static void on_cand(uint32_t ri, void *ud)
{
	struct mh_sigma_ctx *c = ud;
	if (c->mark[ri] == c->gen)
		return;
	c->mark[ri] = c->gen;
	if (bucket_on(c, c->set->rules[ri].bucket))
		c->cand[c->ncand++] = ri;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int mh_sigma_match(struct mh_sigma_ctx *c, const struct mh_event *ev,
                   const uint32_t **matched, size_t *n)
{
	*matched = c->out;
	*n = 0;
	c->nout = 0;
	c->ncand = 0;
	if (++c->gen == 0) {
		memset(c->mark, 0, c->set->nrules * sizeof(*c->mark));
		c->gen = 1;
	}
	c->events++;
	if (ev->kind == MH_EV_MAIL && !c->set->mail_rules) {
		/* nothing to do, and no logsource seen */
		memset(c->bucket_bits, 0, c->nwords * sizeof(*c->bucket_bits));
		c->nactive = 0;
		c->cur = NULL; /* the next event sets its buckets */
		return MH_OK;
	}
	/* The class first, from the typed view: an event in no rule's
	 * logsource is done before any field is made. */
	if (mh_sg_view_classify(&c->view, ev) || set_buckets(c))
		return MH_ENOMEM;
	if (c->nactive == 0)
		return MH_OK;
	if (mh_sg_prefilter_ready(c->set->pf, c->ps, c->active, c->nactive))
		return MH_ENOMEM;
	/* A JSON record none of whose rules' literals is in its text (or
	 * in what its typed view adds) cannot match: no fields. One
	 * caseless scan of the record's text where it is (a lower-cased
	 * copy and a search for \uXXXX were most of the engine's cost on
	 * an audit log), one of the typed view's values. Not for a Windows
	 * event whose values come from the record as parsed (evview.h): they
	 * cost little more than that scan, and the database costs as much as
	 * the values of thousands of events (winevents-30M: 426M
	 * instructions, to rule out 624 events of 24,485). */
	/* A record read from its raw text whose top level is known for
	 * sure (event/audit.h top_exact: most records an analytic reads,
	 * MailItemsAccessed above all): the gate of the records passed
	 * over judges it from its operation and workload alone, the same
	 * answer, no scan (gate.h). */
	const struct mh_audit *au = ev->audit;
	if (au && au->top_exact && !ev->raw_csv &&
	    mh_sigma_audit_judge(c) == 1) {
		struct mh_rawop w;
		memset(&w, 0, sizeof(w));
		w.op = au->operation;
		w.workload = au->workload;
		w.rtype = au->record_type;
		struct mh_sg_gate_ans *ans = NULL;
		if (!mh_sg_gate_may(c->gate, c->rs, &w, &ans)) {
			c->gated++;
			return MH_OK;
		}
	}
	struct cls *ce = c->cur;
	int raw_ok = !(ev->kind == MH_EV_WINEVENT && ev->json);
	if (raw_ok && !ce->raw_done) {
		if (mh_sg_rawset_new(c->set->pf, c->ps, c->active, c->nactive,
		                     NULL, &ce->raw))
			return MH_ENOMEM;
		for (size_t i = 0; ce->raw && i < 3; i++)
			ce->words_hit |= mh_sg_rawset_may(
			        ce->raw, c->ps, result_words[i],
			        strlen(result_words[i]));
		ce->raw_done = 1;
	}
	if (raw_ok && (!c->view.cls_same || c->typed_cls != ce)) {
		c->typed_ok = ce->raw && typed_in_raw(c, ce);
		c->typed_cls = ce;
	}
	/* A CSV row's text (quotes doubled, other cells not JSON-escaped)
	 * shows every atom without quote or backslash as JSON would. */
	if (raw_ok && ev->raw.n && ce->raw &&
	    (!ev->raw_csv || mh_sg_rawset_plain(ce->raw)) &&
	    !mh_sg_rawset_may(ce->raw, c->ps, ev->raw.p, ev->raw.n)) {
		struct mh_buf *b = &c->scanbuf;
		mh_buf_reset(b);
		if (!c->typed_ok) {
			struct mh_slice t[16];
			size_t nt = mh_sg_view_typed_texts(&c->view, ev, t, 16);
			if (nt == (size_t)-1)
				return MH_ENOMEM;
			for (size_t i = 0; i < nt; i++)
				if (mh_buf_addc(b, MH_PF_START) ||
				    mh_buf_add(b, t[i].p, t[i].n))
					return MH_ENOMEM;
		}
		/* @invocation ("Operation Parameters") is made with the
		 * fields: an atom across its space is looked for at the end
		 * of the operation (the texts above have only "Operation ") */
		struct mh_slice op =
		        ev->audit ? ev->audit->operation : MH_SLICE_NULL;
		if ((b->len == 0 ||
		     !mh_sg_rawset_may(ce->raw, c->ps, b->p, b->len)) &&
		    !(op.n && mh_sg_rawset_may_join(ce->raw, op.p, op.n))) {
			c->skipped++;
			return MH_OK;
		}
	}
	if (mh_sg_view_build(&c->view, ev))
		return MH_ENOMEM;
	/* Prefilter: the values rules test (all of them when a rule
	 * searches keywords), one scan per active bucket. */
	int all = 0;
	for (size_t i = 0; i < c->nactive && !all; i++)
		all = mh_sg_prefilter_keywords(c->set->pf, c->active[i]);
	struct mh_buf *b = &c->scanbuf;
	size_t tested;
	if (mh_sg_view_scantext(&c->view, all, ce->tested, b, &tested))
		return MH_ENOMEM;
	/* A bucket without keyword search needs only the tested values,
	 * the start of the text. */
	for (size_t i = 0; i < c->nactive; i++) {
		size_t len = mh_sg_prefilter_keywords(c->set->pf, c->active[i])
		                     ? b->len
		                     : tested;
		mh_sg_prefilter_scan(c->set->pf, c->ps, c->active[i], b->p,
		                     len ? len : 1, on_cand, c);
	}
	c->n_eid = -1;
	for (size_t i = 0; i < c->ncand; i++)
		if (eid_gate(c, c->cand[i]) &&
		    mh_sigma_eval_rule(c, c->cand[i]))
			c->out[c->nout++] = c->cand[i];
	qsort(c->out, c->nout, sizeof(*c->out), cmp_u32);
	c->matches += c->nout;
	*n = c->nout;
	return MH_OK;
}

/* MARK: - audit records passed over */

/* What a Microsoft 365 activity record the readers may pass over can be
 * (readers/record/rawop.h: a Management Activity API record, alone or in
 * a Purview row): in the M365 group, an activity or an alert, in any
 * export shape's group, of any workload. */
static const unsigned judge_groups[] = {
        1u << MH_LSG_M365 | 1u << MH_LSG_M365_ACT,
        1u << MH_LSG_M365 | 1u << MH_LSG_M365_ALERT,
        1u << MH_LSG_M365 | 1u << MH_LSG_M365_ACT | 1u << MH_LSG_SENTINEL,
        1u << MH_LSG_M365 | 1u << MH_LSG_M365_ALERT | 1u << MH_LSG_SENTINEL,
        1u << MH_LSG_M365 | 1u << MH_LSG_M365_ACT | 1u << MH_LSG_ADMIN,
        1u << MH_LSG_M365 | 1u << MH_LSG_M365_ALERT | 1u << MH_LSG_ADMIN,
};

#define JUDGE_WL 32
#define JUDGE_AL 64

/* The classes' buckets in on[], and whether their typed-view values are
 * all in a record's text or known (*join: @invocation, *result:
 * @result). 1 when they are, 0 when some value cannot be told from the
 * text. */
static int judge_classes(const struct mh_sigma *s, uint8_t *on, int *join,
                         int *result)
{
	const char *wl[JUDGE_WL + 1];
	unsigned all = 0;
	for (size_t g = 0; g < sizeof(judge_groups) / sizeof(*judge_groups);
	     g++)
		all |= judge_groups[g];
	size_t nwl = mh_sg_ls_workloads(all, wl, JUDGE_WL);
	wl[nwl++] = NULL; /* any other workload */
	for (size_t g = 0; g < sizeof(judge_groups) / sizeof(*judge_groups);
	     g++)
		for (size_t w = 0; w < nwl; w++) {
			struct mh_ls_input in;
			memset(&in, 0, sizeof(in));
			in.event_id = -1;
			in.groups = judge_groups[g];
			in.workload = wl[w] ? wl[w] : "";
			in.workload_n = wl[w] ? strlen(wl[w]) : 0;
			struct mh_ls_class cl;
			mh_sg_ls_classify(&in, &cl);
			for (size_t b = 0; b < s->nbuckets; b++)
				if (mh_sg_ls_match(&cl, s->buckets[b].category,
				                   s->buckets[b].product,
				                   s->buckets[b].service))
					on[b] = 1;
			struct mh_ls_alias al[JUDGE_AL];
			size_t na = mh_sg_ls_aliases(&in, al, JUDGE_AL);
			if (na == JUDGE_AL)
				return 0;
			for (size_t k = 0; k < na; k++) {
				const char *f = al[k].field;
				if (f[0] != '@')
					continue; /* another field's values */
				if (strcmp(al[k].format, "%s") != 0)
					return 0;
				/* Workload (or OfficeWorkload) and Operation
				 * as the record writes them */
				if (!strcmp(f, "@workload") ||
				    !strcmp(f, "@operation"))
					continue;
				if (!strcmp(f, "@invocation"))
					*join = 1;
				else if (!strcmp(f, "@result"))
					*result = 1;
				else
					return 0;
			}
		}
	return 1;
}

int mh_sigma_audit_judge(struct mh_sigma_ctx *c)
{
	if (c->judge)
		return c->judge > 0;
	c->judge = -1;
	const struct mh_sigma *s = c->set;
	uint8_t *on = calloc(s->nbuckets + 1, 1);
	int32_t *list = malloc((s->nbuckets + 1) * sizeof(*list));
	int rc = MH_OK, join = 0, result = 0;
	struct mh_sg_rawset *rs = NULL;
	if (!on || !list) {
		rc = MH_ENOMEM;
		goto out;
	}
	if (!judge_classes(s, on, &join, &result))
		goto out;
	size_t n = 0;
	for (size_t b = 0; b < s->nbuckets; b++)
		if (on[b])
			list[n++] = (int32_t)b;
	/* A record with a CmdletName key may be read as an admin audit
	 * log entry: its operation is that key's, its workload "Exchange"
	 * (not in its text). Such a record is parsed. */
	static const char *const admin[] = {"cmdletname", NULL};
	if ((rc = mh_sg_prefilter_ready(s->pf, c->ps, list, n)) ||
	    (rc = mh_sg_rawset_new(s->pf, c->ps, list, n, admin, &rs)))
		goto out;
	/* Every atom as its JSON text: a Purview row's quotes are doubled,
	 * a string holding JSON escapes once more. */
	if (!rs || !mh_sg_rawset_plain(rs))
		goto out;
	/* @result's words are the typed view's, not the record's */
	for (size_t i = 0; result && i < 3; i++)
		if (mh_sg_rawset_may(rs, c->ps, result_words[i],
		                     strlen(result_words[i])))
			goto out;
	c->jraw = rs;
	rs = NULL;
	c->jjoin = join;
	c->judge = 1;
out:
	mh_sg_rawset_free(rs);
	free(on);
	free(list);
	return rc ? rc : c->judge > 0;
}

int mh_sigma_audit_may(struct mh_sigma_ctx *c, struct mh_slice text, int csv,
                       const struct mh_rawop *o)
{
	if (mh_sigma_audit_judge(c) != 1)
		return 1;
	/* A Management Activity API record whose operation and workload
	 * no rule of its class can match: no scan. */
	struct mh_sg_rawset *rs = c->jraw;
	if (!csv) {
		struct mh_rawop w = *o;
		struct mh_sg_gate_ans *ans = NULL;
		if (mh_rawop_sigma(text.p, text.n, &w) &&
		    !mh_sg_gate_may(c->gate, c->rs, &w, &ans)) {
			c->gated++;
			return 0;
		}
		/* Some rules may: the scan for their atoms alone (the
		 * others cannot match whatever the text holds). */
		if (ans && !ans->user) {
			struct gset *g = calloc(1, sizeof(*g));
			if (!g ||
			    mh_sg_rawset_rules(c->set->pf, c->ps, ans->rules,
			                       ans->n, NULL, &g->rs)) {
				free_gset(g);
				return 1;
			}
			ans->user = g;
		}
		if (ans && ((struct gset *)ans->user)->rs)
			rs = ((struct gset *)ans->user)->rs;
	}
	if (mh_sg_rawset_may(rs, c->ps, text.p, text.n))
		return 1;
	/* "Operation Parameters": an atom across the space */
	return c->jjoin && mh_sg_rawset_may_join(rs, o->op.p, o->op.n);
}
