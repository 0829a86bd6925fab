#include "rules/sigma/compile.h"

#include <stdlib.h>
#include <string.h>

#include "rules/sigma/cond.h"
#include "rules/sigma/regex.h"

/* Values of one detection item; SigmaHQ's largest lists hold a few
 * thousand (vulnerable driver hashes). */
#define MAX_PATTERNS 20000
#define MAX_TESTS    4096
#define MAX_SELS     1024

int mh_sg_slot_add(struct mh_sigma *s, const char *name, size_t n)
{
	char low[256];
	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] =
		        (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20
		                                                : name[i]);
	low[n] = '\0';
	void **slot;
	int created;
	if (mh_strmap_upsert(&s->slots, low, n, &slot, &created) != MH_OK)
		return -1;
	if (!created)
		return (int)(intptr_t)*slot - 1;
	if (s->nslots == s->slots_alloc) {
		size_t na = s->slots_alloc ? s->slots_alloc * 2 : 256;
		const char **nv = realloc(s->slot_name, na * sizeof(*nv));
		if (!nv)
			return -1;
		s->slot_name = nv;
		s->slots_alloc = na;
	}
	const char *copy = mh_arena_strndup(&s->arena, name, n);
	if (!copy)
		return -1;
	s->slot_name[s->nslots] = copy;
	*slot = (void *)(intptr_t)(s->nslots + 1);
	return (int)s->nslots++;
}

struct cc {
	struct mh_sigma *s;
	struct mh_err *err;
	struct mh_sv *pat; /* scratch for one item */
	struct mh_sv_ctx vctx;
	/* tests of the selection being built */
	struct mh_sg_test tests[MAX_TESTS];
	size_t ntests;
	uint32_t alt[MAX_TESTS + 1];
	size_t nalt;
};

static int at(struct cc *c, const struct mh_yn *n, int code, const char *msg)
{
	if (c->err && c->err->msg != msg)
		mh_err_set(c->err, code, "%s", msg);
	if (c->err) {
		c->err->code = code;
		c->err->line = n ? n->line : 0;
		c->err->col = n ? n->col : 0;
	}
	return code;
}

static int add_re_cb(void *ud, const char *re, size_t n, unsigned flags,
                     struct mh_err *err)
{
	struct mh_sigma *s = ud;
	return mh_sg_regex_add(s->re, re, n, flags, err);
}

/* One `Field|mods: value(s)` item (or a keyword list when field is NULL). */
static int item(struct cc *c, const struct mh_yn *key, const char *keytext,
                const struct mh_yn *val)
{
	const char *bar = keytext ? strchr(keytext, '|') : NULL;
	size_t flen =
	        keytext ? (bar ? (size_t)(bar - keytext) : strlen(keytext)) : 0;
	struct mh_svmods m;
	int rc = mh_sv_mods(bar ? bar + 1 : "", &m, c->err);
	if (rc)
		return at(c, key, rc, c->err ? c->err->msg : "");
	/* Keywords search the whole event: a value anywhere in a field
	 * (contains), unless the rule says where. */
	if (flen == 0 && !(m.flags & (MH_MOD_STARTS | MH_MOD_ENDS | MH_MOD_RE)))
		m.flags |= MH_MOD_CONTAINS;
	if (c->ntests == MAX_TESTS)
		return at(c, key, MH_ETOOBIG, "too many field tests");
	struct mh_sg_test *t = &c->tests[c->ntests];
	memset(t, 0, sizeof(*t));
	t->slot = -1;
	if (flen) {
		t->slot = mh_sg_slot_add(c->s, keytext, flen);
		if (t->slot < 0)
			return at(c, key, MH_ENOMEM, "out of memory");
		t->field = c->s->slot_name[t->slot];
	} else if (keytext && *keytext != '|') {
		return at(c, key, MH_EFORMAT, "empty field name");
	}
	if (flen == 0 && (m.flags & (MH_MOD_EXISTS | MH_MOD_FIELDREF |
	                             MH_MOD_NUM | MH_MOD_CIDR)))
		return at(c, key, MH_EFORMAT,
		          "exists, fieldref, cidr and gt/gte/lt/lte need a "
		          "field");
	t->all = !!(m.flags & MH_MOD_ALL);
	t->neg = !!(m.flags & MH_MOD_NEQ);
	size_t n = 0;
	if (val && val->type == MH_YN_SEQ) {
		if (t->all && val->n < 2)
			return at(c, key, MH_EFORMAT,
			          "'all' needs a list of two or more values");
		for (size_t i = 0; i < val->n; i++) {
			rc = mh_sv_build(&m, val->kv[i], &c->vctx, c->pat, &n,
			                 MAX_PATTERNS, c->err);
			if (rc)
				return at(c, val->kv[i], rc, c->err->msg);
		}
	} else if (val && val->type == MH_YN_MAP) {
		return at(c, val, MH_EFORMAT,
		          "a field's value cannot be a map");
	} else {
		if (t->all && !flen)
			return at(c, key, MH_EFORMAT,
			          "'all' needs a list of two or more values");
		rc = mh_sv_build(&m, val, &c->vctx, c->pat, &n, MAX_PATTERNS,
		                 c->err);
		if (rc)
			return at(c, val ? val : key, rc, c->err->msg);
	}
	/* With several final values from one written value (windash,
	 * base64offset, expand) `all` still means all written values; a
	 * single written value expanded stays OR. Simplest faithful reading:
	 * all applies only when each written value gave one pattern. */
	if (t->all && val && val->type == MH_YN_SEQ && n != val->n)
		return at(c, key, MH_EUNSUP,
		          "'all' over values that expand (windash, "
		          "base64offset, expand) is not supported");
	if (n &&
	    (c->pat[0].kind == MH_SV_EXISTS || c->pat[0].kind == MH_SV_NULL) &&
	    n > 1)
		return at(c, key, MH_EFORMAT,
		          "null and exists cannot be part of a list");
	t->pat = mh_arena_alloc(&c->s->arena, (n ? n : 1) * sizeof(*t->pat));
	if (!t->pat)
		return at(c, key, MH_ENOMEM, "out of memory");
	memcpy(t->pat, c->pat, n * sizeof(*t->pat));
	t->npat = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		if (t->pat[i].kind == MH_SV_FIELDREF) {
			t->pat[i].slot =
			        mh_sg_slot_add(c->s, t->pat[i].s, t->pat[i].n);
			if (t->pat[i].slot < 0)
				return at(c, key, MH_ENOMEM, "out of memory");
		}
	c->ntests++;
	return MH_OK;
}

static int alt_end(struct cc *c)
{
	if (c->nalt == MAX_TESTS)
		return MH_ETOOBIG;
	c->alt[++c->nalt] = (uint32_t)c->ntests;
	return MH_OK;
}

static int map_alt(struct cc *c, const struct mh_yn *map)
{
	if (map->n == 0)
		return at(c, map, MH_EFORMAT,
		          "empty map in a search identifier");
	for (size_t i = 0; i < map->n; i++) {
		const struct mh_yn *k = map->kv[2 * i];
		if (k->type != MH_YN_SCALAR)
			return at(c, k, MH_EFORMAT,
			          "a field name must be text");
		int rc = item(c, k, k->s, map->kv[2 * i + 1]);
		if (rc)
			return rc;
	}
	return alt_end(c) ? at(c, map, MH_ETOOBIG, "too many alternatives")
	                  : MH_OK;
}

static int selection(struct cc *c, const char *name, const struct mh_yn *v,
                     struct mh_sg_sel *out)
{
	c->ntests = 0;
	c->nalt = 0;
	c->alt[0] = 0;
	int rc = MH_OK;
	if (v->type == MH_YN_MAP) {
		rc = map_alt(c, v);
	} else if (v->type == MH_YN_SEQ) {
		int maps = 0, scalars = 0;
		for (size_t i = 0; i < v->n; i++) {
			maps += v->kv[i]->type == MH_YN_MAP;
			scalars += v->kv[i]->type == MH_YN_SCALAR;
		}
		if (maps && scalars)
			return at(c, v, MH_EFORMAT,
			          "a search identifier lists either maps or "
			          "keywords, not both");
		if (v->n == 0)
			return at(c, v, MH_EFORMAT, "empty search identifier");
		if (scalars == (int)v->n) {
			rc = item(c, v, NULL, v);
			if (!rc && alt_end(c))
				rc = at(c, v, MH_ETOOBIG,
				        "too many alternatives");
		} else if (maps == (int)v->n) {
			for (size_t i = 0; i < v->n && !rc; i++)
				rc = map_alt(c, v->kv[i]);
		} else {
			return at(c, v, MH_EFORMAT,
			          "a search identifier cannot hold nested "
			          "lists");
		}
	} else if (!mh_yn_is_null(v)) {
		rc = item(c, v, NULL, v); /* one keyword */
		if (!rc && alt_end(c))
			rc = at(c, v, MH_ETOOBIG, "too many alternatives");
	} else {
		return at(c, v, MH_EFORMAT, "empty search identifier");
	}
	if (rc)
		return rc;
	struct mh_arena *a = &c->s->arena;
	out->name = mh_arena_strndup(a, name, strlen(name));
	out->nalt = (uint32_t)c->nalt;
	out->alt = mh_arena_alloc(a, (c->nalt + 1) * sizeof(*out->alt));
	out->tests = mh_arena_alloc(a, (c->ntests ? c->ntests : 1) *
	                                       sizeof(*out->tests));
	if (!out->name || !out->alt || !out->tests)
		return at(c, v, MH_ENOMEM, "out of memory");
	memcpy(out->alt, c->alt, (c->nalt + 1) * sizeof(*out->alt));
	memcpy(out->tests, c->tests, c->ntests * sizeof(*out->tests));
	return MH_OK;
}

/* Condition nodes into the compiled array, identifiers resolved. */
static int cond_node(struct cc *c, const struct mh_cond *cd, int i,
                     struct mh_sg_det *d, const struct mh_yn *at_node,
                     struct mh_sg_cnode *out, size_t *nout, size_t cap)
{
	const struct mh_cnode *n = &cd->v[i];
	if (*nout == cap)
		return at(c, at_node, MH_ETOOBIG, "condition too large");
	int me = (int)(*nout)++;
	struct mh_sg_cnode o;
	memset(&o, 0, sizeof(o));
	o.a = o.b = -1;
	switch (n->op) {
	case MH_CN_ID: {
		o.op = MH_SGC_SEL;
		for (uint32_t k = 0; k < d->nsels; k++)
			if (strlen(d->sels[k].name) == n->nlen &&
			    !memcmp(d->sels[k].name, n->name, n->nlen)) {
				o.a = (int)k;
				break;
			}
		if (o.a < 0) {
			mh_err_set(c->err, MH_EFORMAT,
			           "condition names '%.*s', which is not a "
			           "search identifier",
			           (int)(n->nlen > 60 ? 60 : n->nlen), n->name);
			return at(c, at_node, MH_EFORMAT, c->err->msg);
		}
		break;
	}
	case MH_CN_OF: {
		o.op = MH_SGC_OF;
		o.count = n->count;
		o.sels =
		        mh_arena_alloc(&c->s->arena, (d->nsels ? d->nsels : 1) *
		                                             sizeof(*o.sels));
		if (!o.sels)
			return at(c, at_node, MH_ENOMEM, "out of memory");
		for (uint32_t k = 0; k < d->nsels; k++) {
			const char *nm = d->sels[k].name;
			int ok = n->name ? mh_cond_glob(n->name, n->nlen, nm,
			                                strlen(nm))
			                 : nm[0] != '_';
			if (ok)
				o.sels[o.nsels++] = k;
		}
		if (o.nsels == 0) {
			mh_err_set(c->err, MH_EFORMAT,
			           "'%s of %.*s' names no search identifier",
			           n->count == 1 ? "1" : "all",
			           (int)(n->nlen > 60 ? 60 : n->nlen),
			           n->name ? n->name : "them");
			return at(c, at_node, MH_EFORMAT, c->err->msg);
		}
		break;
	}
	case MH_CN_NOT:
	case MH_CN_AND:
	case MH_CN_OR: {
		o.op = n->op == MH_CN_NOT   ? MH_SGC_NOT
		       : n->op == MH_CN_AND ? MH_SGC_AND
		                            : MH_SGC_OR;
		int rc = cond_node(c, cd, n->a, d, at_node, out, nout, cap);
		if (rc < 0)
			return rc;
		o.a = rc;
		if (n->op != MH_CN_NOT) {
			rc = cond_node(c, cd, n->b, d, at_node, out, nout, cap);
			if (rc < 0)
				return rc;
			o.b = rc;
		}
		break;
	}
	default: return at(c, at_node, MH_EFORMAT, "bad condition");
	}
	out[me] = o;
	return me;
}

int mh_sg_compile_det(struct mh_sigma *s, const struct mh_yn *det,
                      const char *skip, struct mh_sg_det *out,
                      struct mh_err *err)
{
	memset(out, 0, sizeof(*out));
	/* Scratch of a few hundred KiB: not zeroed (only counters are
	 * read before being written). */
	struct cc *c = malloc(sizeof(*c));
	if (!c)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	c->ntests = c->nalt = 0;
	c->pat = malloc(MAX_PATTERNS * sizeof(*c->pat));
	int rc = MH_OK;
	struct mh_sg_cnode *cn = NULL;
	if (!c->pat) {
		rc = mh_err_set(err, MH_ENOMEM, "out of memory");
		goto out;
	}
	c->s = s;
	c->err = err;
	c->vctx.a = &s->arena;
	c->vctx.ph = s->ph;
	c->vctx.nph = s->nph;
	c->vctx.add_re = add_re_cb;
	c->vctx.ud = s;
	if (!det || det->type != MH_YN_MAP) {
		rc = at(c, det, MH_EFORMAT, "detection must be a map");
		goto out;
	}
	const struct mh_yn *condn = mh_yn_get(det, "condition");
	if (!condn) {
		rc = at(c, det, MH_EFORMAT, "detection has no condition");
		goto out;
	}
	if (det->n > MAX_SELS) {
		rc = at(c, det, MH_ETOOBIG, "too many search identifiers");
		goto out;
	}
	out->sels = mh_arena_alloc(&s->arena, det->n * sizeof(*out->sels));
	if (!out->sels) {
		rc = at(c, det, MH_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < det->n; i++) {
		const struct mh_yn *k = det->kv[2 * i];
		if (k->type != MH_YN_SCALAR) {
			rc = at(c, k, MH_EFORMAT,
			        "a search identifier must be a name");
			goto out;
		}
		if (!strcmp(k->s, "condition") || !strcmp(k->s, "timeframe") ||
		    (skip && !strcmp(k->s, skip)))
			continue;
		rc = selection(c, k->s, det->kv[2 * i + 1],
		               &out->sels[out->nsels]);
		if (rc)
			goto out;
		out->nsels++;
	}
	/* The condition: a string, or a list of strings joined with OR. */
	size_t ncond = condn->type == MH_YN_SEQ ? condn->n : 1;
	if (ncond == 0 ||
	    (condn->type != MH_YN_SEQ && condn->type != MH_YN_SCALAR)) {
		rc = at(c, condn, MH_EFORMAT, "condition must be text");
		goto out;
	}
	size_t cap = 4096;
	cn = malloc(cap * sizeof(*cn));
	size_t ncn = 0;
	int root = -1;
	if (!cn) {
		rc = at(c, condn, MH_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ncond; i++) {
		const struct mh_yn *cs =
		        condn->type == MH_YN_SEQ ? condn->kv[i] : condn;
		if (cs->type != MH_YN_SCALAR) {
			rc = at(c, cs, MH_EFORMAT, "condition must be text");
			goto out;
		}
		if (memchr(cs->s, '|', cs->len)) {
			rc = at(c, cs, MH_EUNSUP,
			        "aggregation in the condition ('| count() "
			        "...', Sigma 1.0) is not supported: write a "
			        "correlation rule");
			goto out;
		}
		struct mh_cond cd;
		rc = mh_cond_parse(cs->s, cs->len, &cd, err);
		if (rc) {
			unsigned col = err ? err->col : 0;
			at(c, cs, rc, err ? err->msg : "");
			if (err && col)
				err->col = cs->col + col - 1;
			goto out;
		}
		int r = cond_node(c, &cd, cd.root, out, cs, cn, &ncn, cap);
		mh_cond_free(&cd);
		if (r < 0) {
			rc = r;
			goto out;
		}
		if (root >= 0) {
			if (ncn == cap) {
				rc = at(c, cs, MH_ETOOBIG,
				        "condition too large");
				goto out;
			}
			cn[ncn].op = MH_SGC_OR;
			cn[ncn].a = root;
			cn[ncn].b = r;
			cn[ncn].sels = NULL;
			cn[ncn].nsels = 0;
			r = (int)ncn++;
		}
		root = r;
	}
	out->cn = mh_arena_alloc(&s->arena, ncn * sizeof(*out->cn));
	if (!out->cn) {
		rc = at(c, condn, MH_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(out->cn, cn, ncn * sizeof(*cn));
	out->ncn = (uint32_t)ncn;
	out->root = root;
out:
	free(cn);
	free(c->pat);
	free(c);
	return rc;
}
