/* prefilter.c - atoms per rule, one literal database for all.
 *
 * How a necessary condition is derived (an "atom set" is a list of
 * literals of which one must be present; NONE means no such list):
 *  - a pattern: equals v -> "\x02v\x03", startswith -> "\x02v",
 *    endswith -> "v\x03", contains -> "v", a glob -> its longest literal
 *    run (anchored when it touches an end); anything else (regex, cidr,
 *    numbers, exists, null, fieldref, neq) -> NONE. Atoms under 3 bytes
 *    are NONE (too common to help).
 *  - a test (field against patterns): OR of patterns -> the union (NONE
 *    if one is NONE); `all` -> the best single pattern's set.
 *  - an alternative (AND of tests) -> the best test's set; a selection
 *    (OR of alternatives) -> the union.
 *  - condition: AND -> the better side; OR -> the union; NOT -> NONE;
 *    `all of` -> the best; `N of` -> the union.
 * "Best" is the set with the lowest estimated hit rate: the sum over its
 * atoms of 1/len^2.
 */
#include "rules/sigma/prefilter.h"

#include <hs/hs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ATOM 3

struct atom {
	const char *s; /* pattern text, not anchored */
	uint32_t n;
	uint8_t pre, post;
};

struct aset {
	int none;
	struct atom *v;
	size_t n, alloc;
};

struct mh_sg_prefilter {
	hs_database_t *db;
	uint32_t *rule_off; /* atom i's rules: rules[rule_off[i]..[i+1]) */
	uint32_t *rules;
	size_t natoms;
	uint32_t *always_off; /* per bucket */
	uint32_t *always;
	size_t nbuckets;
	size_t rules_with_atoms, nalways;
};

struct mh_sg_pfscratch {
	hs_scratch_t *s;
};

static void aset_free(struct aset *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int aset_add(struct aset *a, struct atom at)
{
	if (a->n == a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 8;
		struct atom *nv = realloc(a->v, na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		a->v = nv;
		a->alloc = na;
	}
	a->v[a->n++] = at;
	return MH_OK;
}

static double score(const struct aset *a)
{
	if (a->none)
		return INFINITY;
	double s = 0;
	for (size_t i = 0; i < a->n; i++) {
		double l = (double)(a->v[i].n + a->v[i].pre + a->v[i].post);
		s += 1.0 / (l * l);
	}
	return s;
}

/* Keep the better of *best and *cand in *best; free the other. */
static void keep_best(struct aset *best, struct aset *cand, int *first)
{
	if (*first || score(cand) < score(best)) {
		aset_free(best);
		*best = *cand;
		memset(cand, 0, sizeof(*cand));
	} else {
		aset_free(cand);
	}
	*first = 0;
}

/* out |= in (in is consumed). */
static int union_into(struct aset *out, struct aset *in)
{
	int rc = MH_OK;
	if (in->none)
		out->none = 1;
	for (size_t i = 0; i < in->n && !out->none && !rc; i++)
		rc = aset_add(out, in->v[i]);
	aset_free(in);
	if (out->none) {
		free(out->v);
		out->v = NULL;
		out->n = out->alloc = 0;
	}
	return rc;
}

static int pattern_atoms(const struct mh_sv *p, struct aset *out)
{
	struct atom a = {p->s, (uint32_t)p->n, 0, 0};
	switch (p->kind) {
	case MH_SV_EQ: a.pre = a.post = 1; break;
	case MH_SV_PREFIX: a.pre = 1; break;
	case MH_SV_SUFFIX: a.post = 1; break;
	case MH_SV_CONTAINS: break;
	case MH_SV_GLOB: {
		/* longest literal run; escapes (0x01) end a run, simple */
		size_t best = 0, bl = 0, i = 0;
		while (i < p->n) {
			size_t st = i;
			while (i < p->n && p->s[i] != '*' && p->s[i] != '?' &&
			       p->s[i] != 0x01)
				i++;
			if (i - st > bl) {
				best = st;
				bl = i - st;
			}
			if (i < p->n && p->s[i] == 0x01)
				i++;
			i++;
		}
		a.s = p->s + best;
		a.n = (uint32_t)bl;
		a.pre = best == 0;
		a.post = best + bl == p->n;
		break;
	}
	default: out->none = 1; return MH_OK;
	}
	if (p->neq || a.n + a.pre + a.post < MIN_ATOM) {
		out->none = 1;
		return MH_OK;
	}
	return aset_add(out, a);
}

static int test_atoms(const struct mh_sg_test *t, struct aset *out)
{
	memset(out, 0, sizeof(*out));
	if (t->neg || t->npat == 0) {
		out->none = 1;
		return MH_OK;
	}
	if (t->all) {
		int first = 1;
		for (uint32_t i = 0; i < t->npat; i++) {
			struct aset c = {0};
			if (pattern_atoms(&t->pat[i], &c))
				return MH_ENOMEM;
			keep_best(out, &c, &first);
		}
		return MH_OK;
	}
	for (uint32_t i = 0; i < t->npat && !out->none; i++)
		if (pattern_atoms(&t->pat[i], out))
			return MH_ENOMEM;
	return MH_OK;
}

static int sel_atoms(const struct mh_sg_sel *se, struct aset *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t a = 0; a < se->nalt && !out->none; a++) {
		struct aset best = {0};
		int first = 1;
		best.none = 1;
		for (uint32_t t = se->alt[a]; t < se->alt[a + 1]; t++) {
			struct aset c;
			if (test_atoms(&se->tests[t], &c))
				return MH_ENOMEM;
			keep_best(&best, &c, &first);
		}
		if (union_into(out, &best))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static int cond_atoms(const struct mh_sg_det *d, int i, int depth,
                      struct aset *out)
{
	memset(out, 0, sizeof(*out));
	const struct mh_sg_cnode *n = &d->cn[i];
	if (depth > 200) {
		out->none = 1;
		return MH_OK;
	}
	switch (n->op) {
	case MH_SGC_SEL: return sel_atoms(&d->sels[n->a], out);
	case MH_SGC_NOT: out->none = 1; return MH_OK;
	case MH_SGC_AND: {
		struct aset l, r;
		if (cond_atoms(d, n->a, depth + 1, &l) ||
		    cond_atoms(d, n->b, depth + 1, &r))
			return MH_ENOMEM;
		int first = 1;
		keep_best(out, &l, &first);
		keep_best(out, &r, &first);
		return MH_OK;
	}
	case MH_SGC_OR: {
		struct aset l, r;
		if (cond_atoms(d, n->a, depth + 1, &l) ||
		    cond_atoms(d, n->b, depth + 1, &r))
			return MH_ENOMEM;
		*out = l;
		return union_into(out, &r);
	}
	case MH_SGC_OF: {
		int first = 1;
		for (uint32_t k = 0; k < n->nsels; k++) {
			struct aset c;
			if (sel_atoms(&d->sels[n->sels[k]], &c))
				return MH_ENOMEM;
			if (n->count == 0) {
				keep_best(out, &c, &first);
			} else if (union_into(out, &c)) {
				return MH_ENOMEM;
			}
		}
		return MH_OK;
	}
	default: out->none = 1; return MH_OK;
	}
}

/* Literal dictionary: anchored, lower-cased text -> atom id. */
struct lit {
	char *s;
	size_t n;
	uint32_t *rules;
	size_t nrules, alloc;
};

int mh_sg_prefilter_build(struct mh_sigma *s, struct mh_sg_prefilter **out)
{
	struct mh_sg_prefilter *pf = calloc(1, sizeof(*pf));
	struct mh_strmap dict = MH_STRMAP_INIT;
	struct lit *lits = NULL;
	size_t nlits = 0, alits = 0;
	uint32_t *always_cnt = NULL;
	int rc = MH_OK;
	*out = NULL;
	if (!pf)
		return MH_ENOMEM;
	pf->nbuckets = s->nbuckets;
	always_cnt = calloc(s->nbuckets + 1, sizeof(*always_cnt));
	uint8_t *is_always = calloc(s->nrules + 1, 1);
	if (!always_cnt || !is_always) {
		rc = MH_ENOMEM;
		goto done;
	}
	char buf[4096];
	for (size_t ri = 0; ri < s->nrules && rc == MH_OK; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		if (r->kind != MH_SG_DETECTION)
			continue;
		struct aset a;
		if (cond_atoms(&r->det, r->det.root, 0, &a)) {
			rc = MH_ENOMEM;
			break;
		}
		if (a.none || a.n == 0) {
			is_always[ri] = 1;
			always_cnt[r->bucket]++;
			pf->nalways++;
			aset_free(&a);
			continue;
		}
		pf->rules_with_atoms++;
		for (size_t k = 0; k < a.n && rc == MH_OK; k++) {
			const struct atom *at = &a.v[k];
			size_t n = 0;
			if (at->n + 2 > sizeof(buf))
				continue; /* cannot happen: patterns are short */
			if (at->pre)
				buf[n++] = MH_PF_START;
			for (uint32_t j = 0; j < at->n; j++) {
				char c = at->s[j];
				buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20
				                                       : c);
			}
			if (at->post)
				buf[n++] = MH_PF_END;
			void **slot;
			int created;
			if (mh_strmap_upsert(&dict, buf, n, &slot, &created)) {
				rc = MH_ENOMEM;
				break;
			}
			if (created) {
				if (nlits == alits) {
					alits = alits ? alits * 2 : 1024;
					struct lit *nl = realloc(
					        lits, alits * sizeof(*nl));
					if (!nl) {
						rc = MH_ENOMEM;
						break;
					}
					lits = nl;
				}
				memset(&lits[nlits], 0, sizeof(lits[nlits]));
				lits[nlits].s = malloc(n);
				if (!lits[nlits].s) {
					rc = MH_ENOMEM;
					break;
				}
				memcpy(lits[nlits].s, buf, n);
				lits[nlits].n = n;
				*slot = (void *)(intptr_t)(nlits + 1);
				nlits++;
			}
			struct lit *l = &lits[(intptr_t)*slot - 1];
			if (l->nrules && l->rules[l->nrules - 1] == ri)
				continue;
			if (l->nrules == l->alloc) {
				l->alloc = l->alloc ? l->alloc * 2 : 2;
				uint32_t *nr = realloc(
				        l->rules, l->alloc * sizeof(*nr));
				if (!nr) {
					rc = MH_ENOMEM;
					break;
				}
				l->rules = nr;
			}
			l->rules[l->nrules++] = (uint32_t)ri;
		}
		aset_free(&a);
	}
	if (rc)
		goto done;
	/* CSR arrays */
	size_t total = 0;
	for (size_t i = 0; i < nlits; i++)
		total += lits[i].nrules;
	pf->natoms = nlits;
	pf->rule_off = malloc((nlits + 1) * sizeof(*pf->rule_off));
	pf->rules = malloc((total ? total : 1) * sizeof(*pf->rules));
	pf->always_off = calloc(s->nbuckets + 1, sizeof(*pf->always_off));
	pf->always = malloc((pf->nalways ? pf->nalways : 1) *
	                    sizeof(*pf->always));
	if (!pf->rule_off || !pf->rules || !pf->always_off || !pf->always) {
		rc = MH_ENOMEM;
		goto done;
	}
	size_t o = 0;
	for (size_t i = 0; i < nlits; i++) {
		pf->rule_off[i] = (uint32_t)o;
		memcpy(pf->rules + o, lits[i].rules,
		       lits[i].nrules * sizeof(*pf->rules));
		o += lits[i].nrules;
	}
	pf->rule_off[nlits] = (uint32_t)o;
	o = 0;
	for (size_t b = 0; b < s->nbuckets; b++) {
		pf->always_off[b] = (uint32_t)o;
		o += always_cnt[b];
	}
	pf->always_off[s->nbuckets] = (uint32_t)o;
	memset(always_cnt, 0, (s->nbuckets + 1) * sizeof(*always_cnt));
	for (size_t ri = 0; ri < s->nrules; ri++)
		if (is_always[ri]) {
			int b = s->rules[ri].bucket;
			pf->always[pf->always_off[b] + always_cnt[b]++] =
			        (uint32_t)ri;
		}
	if (nlits) {
		const char **ex = malloc(nlits * sizeof(*ex));
		size_t *lens = malloc(nlits * sizeof(*lens));
		unsigned *ids = malloc(nlits * sizeof(*ids));
		unsigned *fl = malloc(nlits * sizeof(*fl));
		if (!ex || !lens || !ids || !fl) {
			rc = MH_ENOMEM;
		} else {
			for (size_t i = 0; i < nlits; i++) {
				ex[i] = lits[i].s;
				lens[i] = lits[i].n;
				ids[i] = (unsigned)i;
				fl[i] = HS_FLAG_SINGLEMATCH;
			}
			hs_compile_error_t *ce = NULL;
			if (hs_compile_lit_multi(ex, fl, ids, lens,
			                         (unsigned)nlits, HS_MODE_BLOCK,
			                         NULL, &pf->db,
			                         &ce) != HS_SUCCESS) {
				hs_free_compile_error(ce);
				rc = MH_ENOMEM;
			}
		}
		free(ex);
		free(lens);
		free(ids);
		free(fl);
	}
done:
	for (size_t i = 0; i < nlits; i++) {
		free(lits[i].s);
		free(lits[i].rules);
	}
	free(lits);
	free(always_cnt);
	free(is_always);
	mh_strmap_release(&dict, NULL);
	if (rc) {
		mh_sg_prefilter_free(pf);
		return rc;
	}
	*out = pf;
	return MH_OK;
}

void mh_sg_prefilter_free(struct mh_sg_prefilter *pf)
{
	if (!pf)
		return;
	hs_free_database(pf->db);
	free(pf->rule_off);
	free(pf->rules);
	free(pf->always_off);
	free(pf->always);
	free(pf);
}

void mh_sg_prefilter_stats(const struct mh_sg_prefilter *pf, size_t *atoms,
                           size_t *with, size_t *always)
{
	*atoms = pf ? pf->natoms : 0;
	*with = pf ? pf->rules_with_atoms : 0;
	*always = pf ? pf->nalways : 0;
}

int mh_sg_pfscratch_new(const struct mh_sg_prefilter *pf,
                        struct mh_sg_pfscratch **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MH_ENOMEM;
	if (pf && pf->db && hs_alloc_scratch(pf->db, &(*out)->s) != HS_SUCCESS) {
		free(*out);
		*out = NULL;
		return MH_ENOMEM;
	}
	return MH_OK;
}

void mh_sg_pfscratch_free(struct mh_sg_pfscratch *sc)
{
	if (!sc)
		return;
	hs_free_scratch(sc->s);
	free(sc);
}

struct scan_ctx {
	const struct mh_sg_prefilter *pf;
	void (*on_rule)(uint32_t, void *);
	void *ud;
};

static int on_atom(unsigned id, unsigned long long from,
                   unsigned long long to, unsigned flags, void *ctx)
{
	struct scan_ctx *c = ctx;
	for (uint32_t k = c->pf->rule_off[id]; k < c->pf->rule_off[id + 1]; k++)
		c->on_rule(c->pf->rules[k], c->ud);
	return 0;
}

void mh_sg_prefilter_scan(const struct mh_sg_prefilter *pf,
                          struct mh_sg_pfscratch *sc, const char *buf,
                          size_t n, void (*on_rule)(uint32_t, void *),
                          void *ud)
{
	if (!pf || !pf->db || !sc || !sc->s || n == 0)
		return;
	struct scan_ctx c = {pf, on_rule, ud};
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	hs_scan(pf->db, buf, (unsigned)n, 0, sc->s, on_atom, &c);
}

const uint32_t *mh_sg_prefilter_always(const struct mh_sg_prefilter *pf,
                                       int b, size_t *n)
{
	if (!pf || b < 0 || (size_t)b >= pf->nbuckets) {
		*n = 0;
		return NULL;
	}
	*n = pf->always_off[b + 1] - pf->always_off[b];
	return pf->always + pf->always_off[b];
}
