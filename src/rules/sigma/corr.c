#include "rules/sigma/corr.h"

#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"

void mh_corr_init(struct mh_corr *c)
{
	memset(c, 0, sizeof(*c));
	mh_arena_init(&c->arena, 64 * 1024, 0);
}

void mh_corr_release(struct mh_corr *c)
{
	free(c->v);
	mh_arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}

static const char *cp(struct mh_arena *a, const char *s)
{
	return s ? mh_arena_strndup(a, s, strlen(s)) : NULL;
}

int mh_corr_add(struct mh_corr *c, const struct mh_corr_rec *r)
{
	if (r->ts == (int64_t)INT64_MIN) {
		c->untimed++;
		return MH_OK;
	}
	if (c->n == c->alloc) {
		size_t na = c->alloc ? c->alloc * 2 : 256;
		struct mh_corr_rec *nv = realloc(c->v, na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		c->v = nv;
		c->alloc = na;
	}
	struct mh_corr_rec *o = &c->v[c->n];
	*o = *r;
	o->key = cp(&c->arena, r->key ? r->key : "");
	o->value = cp(&c->arena, r->value);
	o->file = cp(&c->arena, r->file ? r->file : "");
	o->rid = r->rid && r->nrid
	                 ? mh_arena_strndup(&c->arena, r->rid, r->nrid)
	                 : NULL;
	o->nrid = o->rid ? r->nrid : 0;
	if (!o->key || !o->file || (r->value && !o->value) ||
	    (r->rid && r->nrid && !o->rid))
		return MH_ENOMEM;
	c->n++;
	return MH_OK;
}

int mh_corr_merge(struct mh_corr *into, struct mh_corr *from)
{
	into->untimed += from->untimed;
	for (size_t i = 0; i < from->n; i++)
		if (mh_corr_add(into, &from->v[i]))
			return MH_ENOMEM;
	from->n = 0;
	from->untimed = 0;
	return MH_OK;
}

int mh_corr_cond(const struct mh_sg_corr *k, double v)
{
	for (uint8_t i = 0; i < k->ncond; i++) {
		double t = k->cval[i];
		int ok;
		switch (k->cop[i]) {
		case 1: ok = v > t; break;
		case 2: ok = v >= t; break;
		case 3: ok = v < t; break;
		case 4: ok = v <= t; break;
		case 5: ok = v == t; break;
		default: ok = v != t; break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int rising(const struct mh_sg_corr *k)
{
	for (uint8_t i = 0; i < k->ncond; i++)
		if (k->cop[i] != 1 && k->cop[i] != 2)
			return 0;
	return 1;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct mh_corr_rec *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Copies of one record for one rule of a correlation: by (k, id), then
 * the copy kept first (by file and offset). */
static int cmp_copy(const void *a, const void *b)
{
	const struct mh_corr_rec *x = *(const struct mh_corr_rec *const *)a,
	                         *y = *(const struct mh_corr_rec *const *)b;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	if (x->nrid != y->nrid)
		return x->nrid < y->nrid ? -1 : 1;
	int c = memcmp(x->rid, y->rid, x->nrid);
	if (c)
		return c;
	c = strcmp(x->file, y->file);
	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* One record per (k, id) in sel[0..*m) (time order, kept): the copy
 * first by (file, offset). MH_OK or MH_ENOMEM. */
static int one_copy(struct mh_corr_rec *sel, size_t *m)
{
	size_t n = 0;
	for (size_t i = 0; i < *m; i++)
		n += sel[i].rid != NULL;
	if (n < 2)
		return MH_OK;
	struct mh_corr_rec **by = malloc(n * sizeof(*by));
	if (!by)
		return MH_ENOMEM;
	n = 0;
	for (size_t i = 0; i < *m; i++)
		if (sel[i].rid)
			by[n++] = &sel[i];
	qsort(by, n, sizeof(*by), cmp_copy);
	/* Mark the other copies (key NULL), then close the gaps. */
	for (size_t i = 1; i < n; i++)
		if (by[i]->k == by[i - 1]->k &&
		    by[i]->nrid == by[i - 1]->nrid &&
		    !memcmp(by[i]->rid, by[i - 1]->rid, by[i]->nrid))
			by[i]->key = NULL;
	free(by);
	size_t k = 0;
	for (size_t i = 0; i < *m; i++)
		if (sel[i].key)
			sel[k++] = sel[i];
	*m = k;
	return MH_OK;
}

/* A group's window: indices into the sorted records, oldest first. */
struct group {
	size_t *w;
	size_t head, n, alloc;
	struct mh_corr_hit *hit;
};

static int win_push(struct group *g, size_t r)
{
	if (g->head + g->n == g->alloc) {
		if (g->head) {
			memmove(g->w, g->w + g->head, g->n * sizeof(*g->w));
			g->head = 0;
		}
		if (g->n == g->alloc) {
			size_t na = g->alloc ? g->alloc * 2 : 16;
			size_t *nw = realloc(g->w, na * sizeof(*nw));
			if (!nw)
				return MH_ENOMEM;
			g->w = nw;
			g->alloc = na;
		}
	}
	g->w[g->head + g->n++] = r;
	return MH_OK;
}

/* The window's value as the condition sees it; -1 when not decidable. */
static double measure(const struct mh_sg_corr *k, const struct mh_corr_rec *v,
                      const struct group *g, size_t cur)
{
	size_t n = g->n;
	const size_t *w = g->w + g->head;
	switch (k->type) {
	case MH_SGCT_EVENT_COUNT: return (double)n;
	case MH_SGCT_VALUE_COUNT: {
		size_t distinct = 0;
		for (size_t i = 0; i < n; i++) {
			const char *x = v[w[i]].value;
			if (!x)
				continue;
			int seen = 0;
			for (size_t j = 0; j < i && !seen; j++)
				seen = v[w[j]].value &&
				       !strcmp(v[w[j]].value, x);
			distinct += !seen;
		}
		return (double)distinct;
	}
	case MH_SGCT_VALUE_SUM:
	case MH_SGCT_VALUE_AVG: {
		double sum = 0;
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++) {
			const char *x = v[w[i]].value;
			double d;
			if (x && mh_sv_num(x, strlen(x), &d)) {
				sum += d;
				cnt++;
			}
		}
		if (k->type == MH_SGCT_VALUE_SUM)
			return sum;
		return cnt ? sum / (double)cnt : -1;
	}
	case MH_SGCT_VALUE_PERCENTILE: {
		const char *x = v[cur].value;
		if (!x || n == 0)
			return -1;
		size_t same = 0;
		for (size_t i = 0; i < n; i++)
			same += v[w[i]].value && !strcmp(v[w[i]].value, x);
		return 100.0 * (double)same / (double)n;
	}
	case MH_SGCT_TEMPORAL: {
		size_t kinds = 0;
		for (uint32_t r = 0; r < k->nrules; r++) {
			int seen = 0;
			for (size_t i = 0; i < n && !seen; i++)
				seen = v[w[i]].k == r;
			kinds += seen;
		}
		return (double)kinds;
	}
	case MH_SGCT_TEMPORAL_ORDERED: {
		/* longest prefix of rules seen in order */
		uint32_t next = 0;
		for (size_t i = 0; i < n && next < k->nrules; i++)
			if (v[w[i]].k == next)
				next++;
		return (double)next;
	}
	default: return -1;
	}
}

static int fires(const struct mh_sg_corr *k, double m)
{
	if (m < 0)
		return 0;
	if (k->type == MH_SGCT_TEMPORAL || k->type == MH_SGCT_TEMPORAL_ORDERED)
		return k->has_cond ? mh_corr_cond(k, m) && m >= 1
		                   : m >= (double)k->nrules;
	return mh_corr_cond(k, m);
}

struct run {
	const struct mh_sigma *s;
	struct mh_corr *c;
	struct mh_corr_hit *hits;
	size_t nhits, ahits;
};

static int fire(struct run *R, uint32_t ci, struct group *g,
                const struct mh_corr_rec *v, const char *key,
                struct mh_corr *next)
{
	if (!g->hit) {
		if (R->nhits == R->ahits) {
			size_t na = R->ahits ? R->ahits * 2 : 16;
			struct mh_corr_hit *nh =
			        realloc(R->hits, na * sizeof(*nh));
			if (!nh)
				return MH_ENOMEM;
			/* groups point at hits: fix up by index below */
			R->hits = nh;
			R->ahits = na;
		}
		struct mh_corr_hit *h = &R->hits[R->nhits];
		memset(h, 0, sizeof(*h));
		h->corr = ci;
		h->key = key;
		h->first = v[g->w[g->head]].ts;
		g->hit = (struct mh_corr_hit *)(uintptr_t)(R->nhits + 1);
		R->nhits++;
		for (size_t i = 0; i < g->n && h->nev < 8; i++)
			h->ev[h->nev++] = v[g->w[g->head + i]];
	}
	struct mh_corr_hit *h = &R->hits[(uintptr_t)g->hit - 1];
	h->firings++;
	h->events += g->n;
	h->last = v[g->w[g->head + g->n - 1]].ts;
	/* Chains: this firing is a record of every correlation naming this
	 * one. */
	const struct mh_sigma *s = R->s;
	const struct mh_sg_corr *me = &s->rules[ci].corr;
	for (size_t oi = 0; oi < s->nrules; oi++) {
		const struct mh_sg_rule *o = &s->rules[oi];
		if (o->kind != MH_SG_CORRELATION)
			continue;
		for (uint32_t k = 0; k < o->corr.nrules; k++) {
			if (o->corr.rules[k] != ci)
				continue;
			char kb[1024];
			size_t kn = 0;
			for (uint32_t gi = 0; gi < o->corr.ngroup; gi++) {
				const char *want =
				        o->corr.alias_field
				                [gi * o->corr.nrules + k];
				if (!want)
					want = o->corr.group[gi];
				const char *val = "";
				size_t vl = 0;
				/* find group value `want` in my key */
				const char *p = key;
				for (uint32_t mj = 0; mj < me->ngroup; mj++) {
					const char *e = strchr(p, '\x1f');
					size_t l =
					        e ? (size_t)(e - p) : strlen(p);
					if (!strcasecmp(me->group[mj], want)) {
						val = p;
						vl = l;
					}
					p = e ? e + 1 : p + l;
				}
				if (kn + vl + 2 >= sizeof(kb))
					break;
				if (gi)
					kb[kn++] = '\x1f';
				memcpy(kb + kn, val, vl);
				kn += vl;
			}
			kb[kn] = '\0';
			struct mh_corr_rec r = v[g->w[g->head + g->n - 1]];
			r.corr = (uint32_t)oi;
			r.k = k;
			r.key = kb;
			r.value = NULL;
			r.rid = NULL; /* a firing: no copies of it */
			r.nrid = 0;
			if (mh_corr_add(next, &r))
				return MH_ENOMEM;
		}
	}
	g->head = 0;
	g->n = 0;
	return MH_OK;
}

static void free_group(void *p)
{
	struct group *g = p;
	if (g)
		free(g->w);
	free(g);
}

/* Run correlation ci over records v[lo..hi) (sorted, all of ci). */
static int run_one(struct run *R, uint32_t ci, const struct mh_corr_rec *v,
                   size_t lo, size_t hi, struct mh_corr *next)
{
	const struct mh_sg_corr *k = &R->s->rules[ci].corr;
	struct mh_strmap groups = MH_STRMAP_INIT;
	int up = rising(k) || k->type == MH_SGCT_TEMPORAL ||
	         k->type == MH_SGCT_TEMPORAL_ORDERED;
	int rc = MH_OK;
	for (size_t i = lo; i < hi && rc == MH_OK; i++) {
		void **slot;
		int created;
		if (mh_strmap_upsert(&groups, v[i].key, strlen(v[i].key), &slot,
		                     &created)) {
			rc = MH_ENOMEM;
			break;
		}
		if (created) {
			*slot = calloc(1, sizeof(struct group));
			if (!*slot) {
				rc = MH_ENOMEM;
				break;
			}
		}
		struct group *g = *slot;
		/* Drop what is older than the timespan. For falling
		 * conditions a window is judged when it closes. */
		while (g->n && v[i].ts - v[g->w[g->head]].ts > k->span) {
			if (!up && fires(k, measure(k, v, g, g->w[g->head]))) {
				rc = fire(R, ci, g, v, v[i].key, next);
				break;
			}
			if (!up) {
				g->head = 0;
				g->n = 0;
				break;
			}
			g->head++;
			g->n--;
		}
		if (rc || win_push(g, i)) {
			rc = rc ? rc : MH_ENOMEM;
			break;
		}
		if (up && fires(k, measure(k, v, g, i)))
			rc = fire(R, ci, g, v, v[i].key, next);
	}
	/* windows still open at the end */
	size_t pos = 0;
	const struct mh_strmap_slot *sl;
	while (!up && rc == MH_OK && (sl = mh_strmap_next(&groups, &pos))) {
		struct group *g = sl->val;
		if (g->n && fires(k, measure(k, v, g, g->w[g->head])))
			rc = fire(R, ci, g, v, v[g->w[g->head]].key, next);
	}
	mh_strmap_release(&groups, free_group);
	return rc;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct mh_corr_hit *x = a, *y = b;
	if (x->corr != y->corr)
		return x->corr < y->corr ? -1 : 1;
	return strcmp(x->key, y->key);
}

int mh_corr_run(const struct mh_sigma *s, struct mh_corr *c,
                struct mh_corr_hit **hits, size_t *nhits)
{
	struct run R = {s, c, NULL, 0, 0};
	*hits = NULL;
	*nhits = 0;
	uint8_t *done = calloc(s->nrules + 1, 1);
	if (!done)
		return MH_ENOMEM;
	int rc = MH_OK;
	/* Inner correlations first: a correlation runs once every
	 * correlation it names has run (its firings are then records). */
	for (int progress = 1; progress && rc == MH_OK;) {
		progress = 0;
		for (uint32_t ci = 0; ci < s->nrules && rc == MH_OK; ci++) {
			const struct mh_sg_rule *r = &s->rules[ci];
			if (r->kind != MH_SG_CORRELATION || done[ci])
				continue;
			int ready = 1;
			for (uint32_t k = 0; k < r->corr.nrules; k++) {
				uint32_t j = r->corr.rules[k];
				if (s->rules[j].kind == MH_SG_CORRELATION &&
				    !done[j] && j != ci)
					ready = 0;
			}
			if (!ready)
				continue;
			done[ci] = 1;
			progress = 1;
			if (c->n)
				qsort(c->v, c->n, sizeof(*c->v), cmp_rec);
			/* the records of ci, in time order */
			struct mh_corr_rec *sel =
			        calloc(c->n ? c->n : 1, sizeof(*sel));
			if (!sel) {
				rc = MH_ENOMEM;
				break;
			}
			size_t m = 0;
			for (size_t i = 0; i < c->n; i++)
				if (c->v[i].corr == ci)
					sel[m++] = c->v[i];
			struct mh_corr next;
			mh_corr_init(&next);
			size_t before = R.nhits;
			rc = one_copy(sel, &m);
			if (rc == MH_OK)
				rc = run_one(&R, ci, sel, 0, m, &next);
			/* hits of this run keep pointers into sel: copy the
			 * strings they hold to c's arena */
			for (size_t h = before; h < R.nhits && rc == MH_OK;
			     h++) {
				R.hits[h].key = cp(&c->arena, R.hits[h].key);
				for (size_t e = 0; e < R.hits[h].nev; e++) {
					R.hits[h].ev[e].file =
					        cp(&c->arena,
					           R.hits[h].ev[e].file);
					R.hits[h].ev[e].key = NULL;
					R.hits[h].ev[e].value = NULL;
					R.hits[h].ev[e].rid = NULL;
					R.hits[h].ev[e].nrid = 0;
				}
			}
			free(sel);
			if (rc == MH_OK)
				rc = mh_corr_merge(c, &next);
			mh_corr_release(&next);
		}
	}
	free(done);
	if (rc) {
		free(R.hits);
		return rc;
	}
	if (R.nhits)
		qsort(R.hits, R.nhits, sizeof(*R.hits), cmp_hit);
	*hits = R.hits;
	*nhits = R.nhits;
	return MH_OK;
}
