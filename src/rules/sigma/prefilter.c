/* prefilter.c - atoms per rule, one literal database for all.
 *
 * How a necessary condition is derived (an "atom set" is a list of
 * literals of which one must be present; NONE means no such list):
 *  - a pattern: equals v -> "\x02v\x03", startswith -> "\x02v",
 *    endswith -> "v\x03", contains -> "v", a glob -> its longest literal
 *    run (anchored when it touches an end), a regex -> the longest literal
 *    every match contains (regex.h); anything else (cidr, numbers,
 *    exists, null, fieldref, neq) -> NONE. Atoms under 3 bytes are NONE
 *    (too common to help), but for two bytes that are both rare in
 *    values (non-ASCII, ^ ` | ; ~: rare_pair).
 *  - a test (field against patterns): OR of patterns -> the union (NONE
 *    if one is NONE); `all` -> the best single pattern's set.
 *  - an alternative (AND of tests) -> the best test's set; a selection
 *    (OR of alternatives) -> the union.
 *  - condition: AND -> the better side; OR -> the union; NOT -> NONE;
 *    `all of` -> the best; `N of` -> the union.
 * "Best" is the set with the lowest estimated hit rate: the sum over its
 * atoms of 1/len^2, where an atom that is part of text most Windows
 * events hold (common_text: "\windows\", "microsoft corporation",
 * "nt authority\") counts as one byte long, so that a rule's other
 * tests give its atoms when they can.
 */
#include "rules/sigma/prefilter.h"

#include <hs/hs.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_ATOM 3
/* Buckets of at most this many rules get no database (build_bucket). */
#define SMALL_BUCKET 6
/* Buckets of more raw literals get no raw prefilter (build_bucket). */
#define RAW_MAX 256

struct atom {
	const char *s; /* pattern text, not anchored */
	uint32_t n;
	uint8_t pre, post;
	uint8_t common; /* part of a common text (common_text) */
};

struct aset {
	int none;
	struct atom *v;
	size_t n, alloc;
};

/* Raw-text literals of one bucket (pfb.raw). */
struct rawlits {
	char **v;
	size_t *len;
	size_t n, alloc;
	int open;
};

/* One logsource bucket: its own literal database, so that an event only
 * meets the atoms of rules that can apply to it. */
struct pfb {
	hs_database_t *db;
	uint32_t *rule_off; /* atom i's rules: rules[rule_off[i]..[i+1]) */
	uint32_t *rules;
	size_t natoms;
	uint32_t *always; /* rules without atoms */
	size_t nalways;
	int keywords; /* some rule searches every value */
	/* The atoms of every rule as they would be written in a JSON
	 * record's text (not anchored, backslash and quote escaped, matched
	 * in any ASCII case): when none is in the record's text, no rule of
	 * the bucket can match and the event's fields need not be made. open: some rule
	 * has no atoms, or one that a JSON writer may spell otherwise
	 * ('/', '<', '>', '&', '\'', control and non-ASCII bytes), or too
	 * many. Compiled per set of buckets (mh_sg_rawset_new). */
	struct rawlits raw;
	/* Built (ready set, with release order, after everything above is
	 * written; rc its result). A lazy prefilter builds a bucket when an
	 * event first needs it, under mu. */
	atomic_int ready;
	int rc;
};

struct mh_sg_prefilter {
	struct pfb *b;
	/* every substring of common_text of MIN_ATOM bytes or more */
	struct mh_strmap common;
	size_t nbuckets;
	size_t natoms, rules_with_atoms, nalways;
	const struct mh_sigma *s; /* what a lazy build reads */
	uint8_t *always;          /* per rule: no atoms */
	pthread_mutex_t mu;
};

struct mh_sg_pfscratch {
	hs_scratch_t *s;
	uint8_t *has; /* per bucket: s is big enough for its databases */
	size_t nb;
};

/* Text in the values of most Windows events (paths of the system and of
 * programs, the vendor and product of its binaries, the system
 * accounts, the Run keys, booleans), lower case: an atom inside one of
 * these is found in nearly every event of its logsource. */
static const char *const common_text[] = {
        "c:\\windows\\system32\\",
        "c:\\windows\\syswow64\\",
        "c:\\windows\\winsxs\\",
        "c:\\program files (x86)\\",
        "c:\\programdata\\",
        "c:\\users\\",
        "\\appdata\\local\\",
        "\\appdata\\roaming\\",
        "microsoft corporation",
        "microsoft\xc2\xae windows\xc2\xae operating system",
        "nt authority\\system",
        "nt authority\\local service",
        "nt authority\\network service",
        "\\software\\microsoft\\windows\\currentversion\\",
        "\002true\003", /* MH_PF_START, MH_PF_END: the whole value */
        "\002false\003",
};

/* pf->common: the substrings of common_text. */
static int common_build(struct mh_sg_prefilter *pf)
{
	mh_strmap_init(&pf->common);
	for (size_t t = 0; t < sizeof(common_text) / sizeof(*common_text);
	     t++) {
		const char *c = common_text[t];
		size_t n = strlen(c);
		for (size_t i = 0; i < n; i++)
			for (size_t k = MIN_ATOM; i + k <= n; k++) {
				void **slot;
				if (mh_strmap_upsert(&pf->common, c + i, k,
				                     &slot, NULL))
					return MH_ENOMEM;
				*slot = (void *)1;
			}
	}
	return MH_OK;
}

/* 1 when atom a (anchors as MH_PF_START, MH_PF_END) is part of a common
 * text. */
static int is_common(const struct mh_strmap *common, const struct atom *a)
{
	char buf[64];
	size_t n = 0;
	if (!common || a->n + 2 > sizeof(buf))
		return 0;
	if (a->pre)
		buf[n++] = MH_PF_START;
	for (uint32_t j = 0; j < a->n; j++) {
		char c = a->s[j];
		buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	if (a->post)
		buf[n++] = MH_PF_END;
	return mh_strmap_find(common, buf, n) != NULL;
}

static void rawlits_release(struct rawlits *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	free(r->len);
	memset(r, 0, sizeof(*r));
}

/* The atom as a JSON writer writes it; unsafe ones open the bucket. */
static int rawlits_add(struct rawlits *r, const struct atom *at)
{
	if (r->open)
		return MH_OK;
	char *o = malloc(2 * (size_t)at->n + 1);
	if (!o)
		return MH_ENOMEM;
	size_t k = 0;
	for (uint32_t j = 0; j < at->n; j++) {
		unsigned char c = (unsigned char)at->s[j];
		if (c < 0x20 || c >= 0x80 || strchr("/<>&'", c)) {
			free(o);
			r->open = 1;
			return MH_OK;
		}
		if (c == '\\' || c == '"')
			o[k++] = '\\';
		o[k++] = (char)c;
	}
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 64;
		char **nv = realloc(r->v, na * sizeof(*nv));
		size_t *nl = nv ? realloc(r->len, na * sizeof(*nl)) : NULL;
		if (!nv || !nl) {
			free(o);
			if (nv)
				r->v = nv;
			return MH_ENOMEM;
		}
		r->v = nv;
		r->len = nl;
		r->alloc = na;
	}
	r->v[r->n] = o;
	r->len[r->n++] = k;
	return MH_OK;
}

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
		double l = a->v[i].common ? 1.0
		                          : (double)(a->v[i].n + a->v[i].pre +
		                                     a->v[i].post);
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

/* A byte seldom in event values: non-ASCII (a UTF-8 lead or trail byte:
 * homoglyph rules look for Cyrillic letters) or punctuation that command
 * lines rarely hold (obfuscation rules look for "^^"). */
static int rare_byte(unsigned char c)
{
	return c >= 0x80 || c == '^' || c == '`' || c == '|' || c == ';' ||
	       c == '~';
}

/* Two rare bytes are as selective as three common ones: an atom. */
static int rare_pair(const struct atom *a)
{
	return a->n == 2 && !a->pre && !a->post &&
	       rare_byte((unsigned char)a->s[0]) &&
	       rare_byte((unsigned char)a->s[1]);
}

static int pattern_atoms(const struct mh_strmap *common, const struct mh_sv *p,
                         struct aset *out)
{
	struct atom a = {p->s, (uint32_t)p->n, 0, 0, 0};
	switch (p->kind) {
	case MH_SV_EQ: a.pre = a.post = 1; break;
	case MH_SV_PREFIX: a.pre = 1; break;
	case MH_SV_SUFFIX: a.post = 1; break;
	case MH_SV_CONTAINS: break;
	case MH_SV_RE: break; /* its required literal (regex.h) */
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
	if (p->neq || (a.n + a.pre + a.post < MIN_ATOM && !rare_pair(&a))) {
		out->none = 1;
		return MH_OK;
	}
	a.common = (uint8_t)is_common(common, &a);
	return aset_add(out, a);
}

static int test_atoms(const struct mh_strmap *common,
                      const struct mh_sg_test *t, struct aset *out)
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
			if (pattern_atoms(common, &t->pat[i], &c))
				return MH_ENOMEM;
			keep_best(out, &c, &first);
		}
		return MH_OK;
	}
	for (uint32_t i = 0; i < t->npat && !out->none; i++)
		if (pattern_atoms(common, &t->pat[i], out))
			return MH_ENOMEM;
	return MH_OK;
}

static int sel_atoms(const struct mh_strmap *common, const struct mh_sg_sel *se,
                     struct aset *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t a = 0; a < se->nalt && !out->none; a++) {
		struct aset best = {0};
		int first = 1;
		best.none = 1;
		for (uint32_t t = se->alt[a]; t < se->alt[a + 1]; t++) {
			struct aset c;
			if (test_atoms(common, &se->tests[t], &c))
				return MH_ENOMEM;
			keep_best(&best, &c, &first);
		}
		if (union_into(out, &best))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static int cond_atoms(const struct mh_strmap *common, const struct mh_sg_det *d,
                      int i, int depth, struct aset *out)
{
	memset(out, 0, sizeof(*out));
	const struct mh_sg_cnode *n = &d->cn[i];
	if (depth > 200) {
		out->none = 1;
		return MH_OK;
	}
	switch (n->op) {
	case MH_SGC_SEL: return sel_atoms(common, &d->sels[n->a], out);
	case MH_SGC_NOT: out->none = 1; return MH_OK;
	case MH_SGC_AND: {
		struct aset l, r;
		if (cond_atoms(common, d, n->a, depth + 1, &l) ||
		    cond_atoms(common, d, n->b, depth + 1, &r))
			return MH_ENOMEM;
		int first = 1;
		keep_best(out, &l, &first);
		keep_best(out, &r, &first);
		return MH_OK;
	}
	case MH_SGC_OR: {
		struct aset l, r;
		if (cond_atoms(common, d, n->a, depth + 1, &l) ||
		    cond_atoms(common, d, n->b, depth + 1, &r))
			return MH_ENOMEM;
		*out = l;
		return union_into(out, &r);
	}
	case MH_SGC_OF: {
		int first = 1;
		for (uint32_t k = 0; k < n->nsels; k++) {
			struct aset c;
			if (sel_atoms(common, &d->sels[n->sels[k]], &c))
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

/* Literal dictionary of one bucket: anchored, lower-cased text -> atom. */
struct lit {
	char *s;
	size_t n;
	uint32_t *rules;
	size_t nrules, alloc;
};

struct dict {
	struct mh_strmap map;
	struct lit *v;
	size_t n, alloc;
};

static void dict_release(struct dict *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].s);
		free(d->v[i].rules);
	}
	free(d->v);
	mh_strmap_release(&d->map, NULL);
	memset(d, 0, sizeof(*d));
}

static int dict_add(struct dict *d, const struct atom *at, uint32_t ri)
{
	char buf[4096];
	size_t n = 0;
	if (at->n + 2 > sizeof(buf))
		return MH_OK; /* cannot happen: patterns are far shorter */
	if (at->pre)
		buf[n++] = MH_PF_START;
	for (uint32_t j = 0; j < at->n; j++) {
		char c = at->s[j];
		buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	if (at->post)
		buf[n++] = MH_PF_END;
	void **slot;
	int created;
	if (mh_strmap_upsert(&d->map, buf, n, &slot, &created))
		return MH_ENOMEM;
	if (created) {
		if (d->n == d->alloc) {
			size_t na = d->alloc ? d->alloc * 2 : 256;
			struct lit *nl = realloc(d->v, na * sizeof(*nl));
			if (!nl)
				return MH_ENOMEM;
			d->v = nl;
			d->alloc = na;
		}
		struct lit *l = &d->v[d->n];
		memset(l, 0, sizeof(*l));
		l->s = malloc(n ? n : 1);
		if (!l->s)
			return MH_ENOMEM;
		memcpy(l->s, buf, n);
		l->n = n;
		*slot = (void *)(intptr_t)(d->n + 1);
		d->n++;
	}
	struct lit *l = &d->v[(intptr_t)*slot - 1];
	if (l->nrules && l->rules[l->nrules - 1] == ri)
		return MH_OK;
	if (l->nrules == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 2;
		uint32_t *nr = realloc(l->rules, l->alloc * sizeof(*nr));
		if (!nr)
			return MH_ENOMEM;
		l->rules = nr;
	}
	l->rules[l->nrules++] = ri;
	return MH_OK;
}

static int has_keywords(const struct mh_sg_det *d)
{
	for (uint32_t k = 0; k < d->nsels; k++)
		for (uint32_t t = 0; t < d->sels[k].alt[d->sels[k].nalt]; t++)
			if (d->sels[k].tests[t].slot < 0)
				return 1;
	return 0;
}

/* The database and rule lists of bucket bi. */
static int build_bucket(const struct mh_sigma *s, struct mh_sg_prefilter *pf,
                        size_t bi, const uint8_t *always)
{
	struct pfb *b = &pf->b[bi];
	struct dict d;
	memset(&d, 0, sizeof(d));
	mh_strmap_init(&d.map);
	int rc = MH_OK;
	size_t nalw = 0, nrules = 0;
	for (size_t ri = 0; ri < s->nrules; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		if (r->kind != MH_SG_DETECTION || r->bucket != (int)bi)
			continue;
		nalw += always[ri];
		nrules++;
		b->keywords |= has_keywords(&r->det);
	}
	/* A bucket of a few rules is cheaper to evaluate than to scan for:
	 * a scan costs per byte of the event, a rule a few tests (not a
	 * keyword search: that costs per byte too, per keyword). */
	int small = nrules <= SMALL_BUCKET && !b->keywords;
	if (small)
		nalw = nrules;
	b->always = malloc((nalw ? nalw : 1) * sizeof(*b->always));
	if (!b->always)
		return MH_ENOMEM;
	struct rawlits raw;
	memset(&raw, 0, sizeof(raw));
	for (size_t ri = 0; ri < s->nrules && rc == MH_OK; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		if (r->kind != MH_SG_DETECTION || r->bucket != (int)bi)
			continue;
		if (always[ri])
			raw.open = 1;
		if (always[ri] || small)
			b->always[b->nalways++] = (uint32_t)ri;
		if (always[ri] || (small && raw.open))
			continue;
		struct aset a;
		if (cond_atoms(&pf->common, &r->det, r->det.root, 0, &a)) {
			rawlits_release(&raw);
			return MH_ENOMEM;
		}
		for (size_t k = 0; k < a.n && rc == MH_OK; k++) {
			if (!small)
				rc = dict_add(&d, &a.v[k], (uint32_t)ri);
			if (rc == MH_OK)
				rc = rawlits_add(&raw, &a.v[k]);
		}
		aset_free(&a);
	}
	/* Many literals: a bucket that big is rarely ruled out, and its
	 * database would cost load time and memory. */
	if (raw.n > RAW_MAX || raw.n == 0)
		raw.open = 1;
	if (raw.open) {
		rawlits_release(&raw);
		raw.open = 1;
	}
	b->raw = raw;
	size_t total = 0;
	for (size_t i = 0; i < d.n; i++)
		total += d.v[i].nrules;
	b->natoms = d.n;
	pf->natoms += d.n;
	b->rule_off = malloc((d.n + 1) * sizeof(*b->rule_off));
	b->rules = malloc((total ? total : 1) * sizeof(*b->rules));
	if (rc == MH_OK && (!b->rule_off || !b->rules))
		rc = MH_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; rc == MH_OK && i < d.n; i++) {
		b->rule_off[i] = (uint32_t)o;
		memcpy(b->rules + o, d.v[i].rules,
		       d.v[i].nrules * sizeof(*b->rules));
		o += d.v[i].nrules;
	}
	if (rc == MH_OK)
		b->rule_off[d.n] = (uint32_t)o;
	if (rc == MH_OK && d.n) {
		const char **ex = malloc(d.n * sizeof(*ex));
		size_t *lens = malloc(d.n * sizeof(*lens));
		unsigned *ids = malloc(d.n * sizeof(*ids));
		unsigned *fl = malloc(d.n * sizeof(*fl));
		if (!ex || !lens || !ids || !fl) {
			rc = MH_ENOMEM;
		} else {
			for (size_t i = 0; i < d.n; i++) {
				ex[i] = d.v[i].s;
				lens[i] = d.v[i].n;
				ids[i] = (unsigned)i;
				/* not HS_FLAG_SINGLEMATCH: on_cand takes a
				 * rule once anyway, and without it the
				 * database compiles and scans faster */
				fl[i] = 0;
			}
			hs_compile_error_t *ce = NULL;
			if (hs_compile_lit_multi(ex, fl, ids, lens,
			                         (unsigned)d.n, HS_MODE_BLOCK,
			                         NULL, &b->db,
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
	dict_release(&d);
	return rc;
}

int mh_sg_prefilter_build(struct mh_sigma *s, int lazy,
                          struct mh_sg_prefilter **out)
{
	struct mh_sg_prefilter *pf = calloc(1, sizeof(*pf));
	uint8_t *always = calloc(s->nrules + 1, 1);
	int rc = MH_OK;
	*out = NULL;
	if (!pf || !always) {
		free(pf);
		free(always);
		return MH_ENOMEM;
	}
	if (pthread_mutex_init(&pf->mu, NULL)) {
		free(pf);
		free(always);
		return MH_ENOMEM;
	}
	pf->s = s;
	pf->always = always;
	if (common_build(pf))
		rc = MH_ENOMEM;
	pf->nbuckets = s->nbuckets;
	pf->b = calloc(s->nbuckets + 1, sizeof(*pf->b));
	if (!pf->b)
		rc = MH_ENOMEM;
	for (size_t ri = 0; ri < s->nrules && rc == MH_OK; ri++) {
		const struct mh_sg_rule *r = &s->rules[ri];
		if (r->kind != MH_SG_DETECTION)
			continue;
		struct aset a;
		if (cond_atoms(&pf->common, &r->det, r->det.root, 0, &a)) {
			rc = MH_ENOMEM;
			break;
		}
		if (a.none || a.n == 0) {
			always[ri] = 1;
			pf->nalways++;
		} else {
			pf->rules_with_atoms++;
		}
		aset_free(&a);
	}
	/* Buckets no input can satisfy never see an event: no database.
	 * The others now, or (lazy) when an event first needs them: most
	 * of the load time of SigmaHQ's rules is these databases, and an
	 * audit log needs few of them. */
	for (size_t bi = 0; bi < s->nbuckets && rc == MH_OK; bi++) {
		if (lazy && s->buckets[bi].satisfiable)
			continue;
		if (s->buckets[bi].satisfiable)
			rc = build_bucket(s, pf, bi, always);
		atomic_store_explicit(&pf->b[bi].ready, 1,
		                      memory_order_relaxed);
	}
	if (rc) {
		mh_sg_prefilter_free(pf);
		return rc;
	}
	*out = pf;
	return MH_OK;
}

/* Bucket bi built (once, by whichever thread first needs it) and sc big
 * enough for its databases. */
static int ensure(struct mh_sg_prefilter *pf, struct mh_sg_pfscratch *sc,
                  size_t bi)
{
	struct pfb *b = &pf->b[bi];
	if (!atomic_load_explicit(&b->ready, memory_order_acquire)) {
		pthread_mutex_lock(&pf->mu);
		if (!atomic_load_explicit(&b->ready, memory_order_relaxed)) {
			b->rc = build_bucket(pf->s, pf, bi, pf->always);
			atomic_store_explicit(&b->ready, 1,
			                      memory_order_release);
		}
		pthread_mutex_unlock(&pf->mu);
	}
	if (b->rc)
		return b->rc;
	if (sc && bi < sc->nb && !sc->has[bi]) {
		if (b->db && hs_alloc_scratch(b->db, &sc->s) != HS_SUCCESS)
			return MH_ENOMEM;
		sc->has[bi] = 1;
	}
	return MH_OK;
}

int mh_sg_prefilter_ready(struct mh_sg_prefilter *pf,
                          struct mh_sg_pfscratch *sc, const int32_t *buckets,
                          size_t nb)
{
	for (size_t i = 0; pf && i < nb; i++) {
		if (buckets[i] < 0 || (size_t)buckets[i] >= pf->nbuckets)
			continue;
		int rc = ensure(pf, sc, (size_t)buckets[i]);
		if (rc)
			return rc;
	}
	return MH_OK;
}

void mh_sg_prefilter_free(struct mh_sg_prefilter *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; pf->b && i < pf->nbuckets; i++) {
		hs_free_database(pf->b[i].db);
		rawlits_release(&pf->b[i].raw);
		free(pf->b[i].rule_off);
		free(pf->b[i].rules);
		free(pf->b[i].always);
	}
	free(pf->b);
	free(pf->always);
	mh_strmap_release(&pf->common, NULL);
	pthread_mutex_destroy(&pf->mu);
	free(pf);
}

void mh_sg_prefilter_stats(const struct mh_sg_prefilter *pf, size_t *atoms,
                           size_t *with, size_t *always)
{
	*atoms = pf ? pf->natoms : 0;
	*with = pf ? pf->rules_with_atoms : 0;
	*always = pf ? pf->nalways : 0;
}

int mh_sg_pfscratch_new(struct mh_sg_prefilter *pf,
                        struct mh_sg_pfscratch **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MH_ENOMEM;
	(*out)->nb = pf ? pf->nbuckets : 0;
	(*out)->has = calloc((*out)->nb + 1, 1);
	if (!(*out)->has) {
		mh_sg_pfscratch_free(*out);
		*out = NULL;
		return MH_ENOMEM;
	}
	/* big enough for every bucket built so far; the others grow it
	 * when they are built (mh_sg_prefilter_ready) */
	for (size_t i = 0; pf && i < pf->nbuckets; i++) {
		if (!atomic_load_explicit(&pf->b[i].ready,
		                          memory_order_acquire))
			continue;
		if (ensure(pf, *out, i)) {
			mh_sg_pfscratch_free(*out);
			*out = NULL;
			return MH_ENOMEM;
		}
	}
	return MH_OK;
}

void mh_sg_pfscratch_free(struct mh_sg_pfscratch *sc)
{
	if (!sc)
		return;
	hs_free_scratch(sc->s);
	free(sc->has);
	free(sc);
}

struct scan_ctx {
	const struct pfb *b;
	void (*on_rule)(uint32_t, void *);
	void *ud;
};

static int on_atom(unsigned id, unsigned long long from, unsigned long long to,
                   unsigned flags, void *ctx)
{
	struct scan_ctx *c = ctx;
	for (uint32_t k = c->b->rule_off[id]; k < c->b->rule_off[id + 1]; k++)
		c->on_rule(c->b->rules[k], c->ud);
	return 0;
}

void mh_sg_prefilter_scan(const struct mh_sg_prefilter *pf,
                          struct mh_sg_pfscratch *sc, int bucket,
                          const char *buf, size_t n,
                          void (*on_rule)(uint32_t, void *), void *ud)
{
	if (!pf || bucket < 0 || (size_t)bucket >= pf->nbuckets)
		return;
	const struct pfb *b = &pf->b[bucket];
	for (size_t i = 0; i < b->nalways; i++)
		on_rule(b->always[i], ud);
	if (!b->db || !sc || !sc->s || n == 0)
		return;
	struct scan_ctx c = {b, on_rule, ud};
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	hs_scan(b->db, buf, (unsigned)n, 0, sc->s, on_atom, &c);
}

struct mh_sg_rawset {
	hs_database_t *db;
	int plain; /* no atom holds a quote or a backslash */
	/* The text before each space of every atom that holds one, as
	 * written in the atom (mh_sg_rawset_may_join), lower case. */
	struct mh_slice *pre;
	size_t npre;
	/* pre[at[c] .. at[c + 1]): the prefixes whose last byte is c */
	uint16_t at[257];
	int lead; /* an atom starts with a space */
	/* the literals pre points into, when they are the set's own
	 * (mh_sg_rawset_rules), not a bucket's */
	struct rawlits own;
};

/* The raw set of the literals lits[0..nl) (each a bucket's, or some
 * rules') and extra. */
static int rawset_make(struct mh_sg_pfscratch *sc,
                       const struct rawlits *const *lits, size_t nl,
                       const char *const *extra, struct mh_sg_rawset **out)
{
	*out = NULL;
	size_t n = 1, nx = 0;
	while (extra && extra[nx])
		nx++;
	n += nx;
	for (size_t i = 0; i < nl; i++) {
		if (lits[i]->open)
			return MH_OK; /* no raw prefilter for this set */
		n += lits[i]->n;
	}
	const char **ex = malloc(n * sizeof(*ex));
	size_t *lens = malloc(n * sizeof(*lens));
	unsigned *fl = malloc(n * sizeof(*fl));
	unsigned *ids = calloc(n, sizeof(*ids));
	struct mh_sg_rawset *rs = calloc(1, sizeof(*rs));
	int rc = MH_OK;
	if (!ex || !lens || !fl || !ids || !rs) {
		rc = MH_ENOMEM;
		goto out;
	}
	size_t k = 0, nsp = 0;
	/* \uXXXX in a record's text: any letter may hide behind one, so
	 * such a record is never ruled out */
	ex[k] = "\\u";
	lens[k++] = 2;
	rs->plain = 1;
	/* the caller's (not atoms: no join prefixes from them) */
	for (size_t i = 0; i < nx; i++) {
		ex[k] = extra[i];
		lens[k++] = strlen(extra[i]);
	}
	size_t first_atom = k;
	for (size_t i = 0; i < nl; i++) {
		const struct rawlits *r = lits[i];
		for (size_t j = 0; j < r->n; j++) {
			ex[k] = r->v[j];
			lens[k++] = r->len[j];
			for (size_t q = 0; q < r->len[j]; q++) {
				char ch = r->v[j][q];
				if (ch == '"' || ch == '\\')
					rs->plain = 0;
				if (ch == ' ')
					nsp++;
			}
		}
	}
	rs->pre = malloc((nsp ? nsp : 1) * sizeof(*rs->pre));
	if (!rs->pre) {
		rc = MH_ENOMEM;
		goto out;
	}
	/* by last byte (a counting sort), to look at few per operation */
	size_t cnt[257] = {0};
	for (size_t i = first_atom; i < k; i++)
		for (size_t q = 0; q < lens[i]; q++)
			if (ex[i][q] == ' ') {
				if (q == 0)
					rs->lead = 1;
				else
					cnt[(unsigned char)ex[i][q - 1] + 1]++;
			}
	for (int c = 0; c < 256; c++)
		cnt[c + 1] += cnt[c];
	if (cnt[256] >= UINT16_MAX) {
		rs->lead = 1; /* too many to sort: always say may */
	} else {
		for (int c = 0; c <= 256; c++)
			rs->at[c] = (uint16_t)cnt[c];
		for (size_t i = first_atom; i < k; i++)
			for (size_t q = 1; q < lens[i]; q++)
				if (ex[i][q] == ' ')
					rs->pre[cnt[(
					        unsigned char)ex[i][q - 1]]++] =
					        mh_slice_make(ex[i], q);
		rs->npre = rs->at[256];
	}
	/* caseless: the record's text is scanned as it is (the atoms are
	 * ASCII, so this is exactly lower-casing it) */
	for (size_t i = 0; i < n; i++)
		fl[i] = HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS;
	hs_compile_error_t *ce = NULL;
	if (hs_compile_lit_multi(ex, fl, ids, lens, (unsigned)n, HS_MODE_BLOCK,
	                         NULL, &rs->db, &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		rs->db = NULL; /* no database: never rule an event out */
		goto out;
	}
	if (hs_alloc_scratch(rs->db, &sc->s) != HS_SUCCESS) {
		rc = MH_ENOMEM;
		goto out;
	}
	*out = rs;
	rs = NULL;
out:
	mh_sg_rawset_free(rs);
	free(ex);
	free(lens);
	free(fl);
	free(ids);
	return rc;
}

int mh_sg_rawset_new(struct mh_sg_prefilter *pf, struct mh_sg_pfscratch *sc,
                     const int32_t *buckets, size_t nb,
                     const char *const *extra, struct mh_sg_rawset **out)
{
	*out = NULL;
	if (!pf || !sc)
		return MH_OK;
	const struct rawlits **lits = malloc((nb + 1) * sizeof(*lits));
	if (!lits)
		return MH_ENOMEM;
	for (size_t i = 0; i < nb; i++)
		lits[i] = &pf->b[buckets[i]].raw;
	int rc = rawset_make(sc, lits, nb, extra, out);
	free(lits);
	return rc;
}

int mh_sg_rawset_rules(struct mh_sg_prefilter *pf, struct mh_sg_pfscratch *sc,
                       const uint32_t *rules, size_t nr,
                       const char *const *extra, struct mh_sg_rawset **out)
{
	*out = NULL;
	if (!pf || !sc)
		return MH_OK;
	struct rawlits raw;
	memset(&raw, 0, sizeof(raw));
	int rc = MH_OK;
	for (size_t i = 0; i < nr && rc == MH_OK && !raw.open; i++) {
		const struct mh_sg_rule *r = &pf->s->rules[rules[i]];
		if (pf->always[rules[i]] || r->kind != MH_SG_DETECTION) {
			raw.open = 1;
			break;
		}
		struct aset a;
		if (cond_atoms(&pf->common, &r->det, r->det.root, 0, &a))
			rc = MH_ENOMEM;
		for (size_t k = 0; rc == MH_OK && k < a.n; k++)
			rc = rawlits_add(&raw, &a.v[k]);
		aset_free(&a);
	}
	if (rc == MH_OK && raw.n > RAW_MAX)
		raw.open = 1;
	const struct rawlits *lits[1] = {&raw};
	if (rc == MH_OK)
		rc = rawset_make(sc, lits, 1, extra, out);
	if (*out)
		(*out)->own = raw; /* pre points into them */
	else
		rawlits_release(&raw);
	return rc;
}

void mh_sg_rawset_free(struct mh_sg_rawset *rs)
{
	if (!rs)
		return;
	hs_free_database(rs->db);
	free(rs->pre);
	rawlits_release(&rs->own);
	free(rs);
}

int mh_sg_rawset_plain(const struct mh_sg_rawset *rs)
{
	return rs && rs->plain;
}

int mh_sg_rawset_may_join(const struct mh_sg_rawset *rs, const char *left,
                          size_t n)
{
	if (!rs)
		return 1;
	if (rs->lead)
		return 1;
	if (n == 0)
		return 0;
	/* the prefixes are lower case, grouped by their last byte */
	unsigned char last = (unsigned char)left[n - 1];
	if (last >= 'A' && last <= 'Z')
		last |= 0x20;
	for (size_t i = rs->at[last]; i < rs->at[last + 1]; i++) {
		const struct mh_slice *p = &rs->pre[i];
		if (p->n <= n && !strncasecmp(left + n - p->n, p->p, p->n))
			return 1;
	}
	return 0;
}

static int on_raw(unsigned id, unsigned long long from, unsigned long long to,
                  unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(int *)ctx = 1;
	return 1; /* one is enough */
}

int mh_sg_rawset_may(const struct mh_sg_rawset *rs, struct mh_sg_pfscratch *sc,
                     const char *text, size_t n)
{
	if (!rs || !sc || !sc->s || n > UINT32_MAX)
		return 1;
	int hit = 0;
	hs_scan(rs->db, text, (unsigned)n, 0, sc->s, on_raw, &hit);
	return hit;
}

int mh_sg_prefilter_keywords(const struct mh_sg_prefilter *pf, int bucket)
{
	return pf && bucket >= 0 && (size_t)bucket < pf->nbuckets &&
	       pf->b[bucket].keywords;
}
