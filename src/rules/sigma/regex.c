#include "rules/sigma/regex.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mh_sg_regex {
	char **pat;
	unsigned *flags;
	char **failed;
	size_t n, alloc;
	hs_database_t *db;
};

struct mh_sg_rescratch {
	hs_scratch_t *s;
};

int mh_sg_regex_new(struct mh_sg_regex **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? MH_OK : MH_ENOMEM;
}

void mh_sg_regex_free(struct mh_sg_regex *re)
{
	if (!re)
		return;
	for (size_t i = 0; i < re->n; i++) {
		free(re->pat[i]);
		free(re->failed[i]);
	}
	free(re->pat);
	free(re->flags);
	free(re->failed);
	hs_free_database(re->db);
	free(re);
}

static unsigned hs_flags(unsigned f)
{
	unsigned h = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
	if (f & MH_RE_I)
		h |= HS_FLAG_CASELESS;
	if (f & MH_RE_M)
		h |= HS_FLAG_MULTILINE;
	if (f & MH_RE_S)
		h |= HS_FLAG_DOTALL;
	return h;
}

int mh_sg_regex_add(struct mh_sg_regex *re, const char *pat, size_t n,
                    unsigned flags, struct mh_err *err)
{
	if (n > MH_RE_MAX_LEN)
		return mh_err_set(err, MH_EFORMAT,
		                  "regular expression of %zu bytes is over the "
		                  "limit of %d",
		                  n, MH_RE_MAX_LEN);
	char *p = malloc(n + 1);
	if (!p)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	memcpy(p, pat, n);
	p[n] = '\0';
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *ce = NULL;
	if (hs_expression_info(p, hs_flags(flags), &info, &ce) != HS_SUCCESS) {
		mh_err_set(err, MH_EFORMAT,
		           "regular expression refused by Vectorscan: %s",
		           ce && ce->message ? ce->message : "unknown error");
		hs_free_compile_error(ce);
		free(p);
		return MH_EFORMAT;
	}
	free(info);
	if (re->n == re->alloc) {
		size_t na = re->alloc ? re->alloc * 2 : 64;
		char **np = realloc(re->pat, na * sizeof(*np));
		if (np)
			re->pat = np;
		unsigned *nf = realloc(re->flags, na * sizeof(*nf));
		if (nf)
			re->flags = nf;
		char **nfl = realloc(re->failed, na * sizeof(*nfl));
		if (nfl)
			re->failed = nfl;
		if (!np || !nf || !nfl) {
			free(p);
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		}
		re->alloc = na;
	}
	re->pat[re->n] = p;
	re->flags[re->n] = flags;
	re->failed[re->n] = NULL;
	return (int)re->n++;
}

size_t mh_sg_regex_count(const struct mh_sg_regex *re)
{
	return re ? re->n : 0;
}

int mh_sg_regex_build(struct mh_sg_regex *re)
{
	if (re->n == 0)
		return MH_OK;
	const char **exprs = malloc(re->n * sizeof(*exprs));
	unsigned *fl = malloc(re->n * sizeof(*fl));
	unsigned *ids = malloc(re->n * sizeof(*ids));
	int rc = MH_OK;
	if (!exprs || !fl || !ids) {
		rc = MH_ENOMEM;
		goto out;
	}
	for (;;) {
		size_t k = 0;
		for (size_t i = 0; i < re->n; i++) {
			if (re->failed[i])
				continue;
			exprs[k] = re->pat[i];
			fl[k] = hs_flags(re->flags[i]);
			ids[k++] = (unsigned)i;
		}
		if (k == 0)
			break;
		hs_compile_error_t *ce = NULL;
		if (hs_compile_multi(exprs, fl, ids, (unsigned)k, HS_MODE_BLOCK,
		                     NULL, &re->db, &ce) == HS_SUCCESS)
			break;
		/* Drop the culprit and try again; with no culprit named the
		 * whole set fails (a resource limit of the database). */
		int bad = ce ? ce->expression : -1;
		const char *msg =
		        ce && ce->message ? ce->message : "unknown error";
		if (bad < 0) {
			for (size_t i = 0; i < k; i++)
				re->failed[ids[i]] = strdup(msg);
			hs_free_compile_error(ce);
			break;
		}
		char buf[300];
		snprintf(buf, sizeof(buf),
		         "regular expression refused by Vectorscan: %s", msg);
		re->failed[ids[bad]] = strdup(buf);
		hs_free_compile_error(ce);
		if (!re->failed[ids[bad]]) {
			rc = MH_ENOMEM;
			break;
		}
	}
out:
	free(exprs);
	free(fl);
	free(ids);
	return rc;
}

const char *mh_sg_regex_failed(const struct mh_sg_regex *re, size_t i)
{
	return re && i < re->n ? re->failed[i] : NULL;
}

int mh_sg_rescratch_new(const struct mh_sg_regex *re,
                        struct mh_sg_rescratch **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MH_ENOMEM;
	if (re && re->db && hs_alloc_scratch(re->db, &(*out)->s) != HS_SUCCESS) {
		free(*out);
		*out = NULL;
		return MH_ENOMEM;
	}
	return MH_OK;
}

void mh_sg_rescratch_free(struct mh_sg_rescratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->s);
	free(s);
}

struct collect {
	uint32_t *ids;
	size_t cap, n;
};

static int on_match(unsigned id, unsigned long long from,
                    unsigned long long to, unsigned flags, void *ctx)
{
	struct collect *c = ctx;
	if (c->n < c->cap)
		c->ids[c->n++] = id;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int mh_sg_regex_scan(const struct mh_sg_regex *re,
                     struct mh_sg_rescratch *sc, const char *s, size_t n,
                     uint32_t *ids, size_t cap, size_t *nids)
{
	struct collect c = {ids, cap, 0};
	*nids = 0;
	if (!re || !re->db || !sc || !sc->s)
		return MH_OK;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	hs_scan(re->db, s ? s : "", (unsigned)n, 0, sc->s, on_match, &c);
	qsort(ids, c.n, sizeof(*ids), cmp_u32);
	*nids = c.n;
	return MH_OK;
}
