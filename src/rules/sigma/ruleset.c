/* ruleset.c - loading Sigma rule files into a rule set (ruleset.h). */
#include "rules/sigma/ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "finding/finding.h"
#include "rules/sigma/compile.h"
#include "rules/sigma/loader.h"
#include "rules/sigma/logsource.h"
#include "rules/sigma/prefilter.h"
#include "rules/sigma/regex.h"
#include "rules/sigma/yaml.h"

#define MAX_WALK_DEPTH 32

/* MARK: - refusals */

static const char *refusal_kind(const char *msg)
{
	static const struct {
		const char *prefix, *kind;
	} k[] = {
	        {"placeholder", "placeholder without a value"},
	        {"unknown modifier", "unknown modifier"},
	        {"regular expression", "regular expression refused"},
	        {"YAML", "YAML error"},
	        {"condition", "bad condition"},
	        {"file of", "file too large"},
	        {"cannot read", "unreadable file"},
	        {"correlation", "bad correlation"},
	        {"duplicate", "duplicate rule id"},
	        {"aggregation", "Sigma 1.0 aggregation"},
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!strncmp(msg, k[i].prefix, strlen(k[i].prefix)))
			return k[i].kind;
	return "invalid rule";
}

int mh_sg_refuse(struct loader *L, const char *path, unsigned line,
                 unsigned col, const char *title, const char *reason)
{
	struct mh_sigma *s = L->s;
	if (s->nrefused == s->refused_alloc) {
		size_t na = s->refused_alloc ? s->refused_alloc * 2 : 32;
		struct mh_sg_refusal *nv =
		        realloc(s->refused, na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		s->refused = nv;
		s->refused_alloc = na;
	}
	struct mh_sg_refusal *r = &s->refused[s->nrefused];
	r->path = path;
	r->line = line;
	r->col = col;
	r->title = title ? mh_arena_strndup(&s->arena, title, strlen(title))
	                 : NULL;
	r->reason = mh_arena_strndup(&s->arena, reason, strlen(reason));
	r->kind = refusal_kind(reason);
	if (!r->reason)
		return MH_ENOMEM;
	s->nrefused++;
	if (L->o && L->o->on_refuse)
		L->o->on_refuse(r, L->o->ud);
	return MH_OK;
}

/* MARK: - helpers */

static const char *sdup(struct mh_sigma *s, const char *p)
{
	return p ? mh_arena_strndup(&s->arena, p, strlen(p)) : NULL;
}

/* A scalar, or a list of scalars joined with ", " (author lists). */
static const char *text_or_list(struct mh_sigma *s, const struct mh_yn *v)
{
	if (!v)
		return NULL;
	if (v->type == MH_YN_SCALAR)
		return mh_yn_is_null(v) ? NULL : sdup(s, v->s);
	if (v->type != MH_YN_SEQ || v->n == 0)
		return NULL;
	size_t len = 0;
	for (size_t i = 0; i < v->n; i++)
		if (v->kv[i]->type == MH_YN_SCALAR)
			len += v->kv[i]->len + 2;
	char *o = mh_arena_alloc(&s->arena, len + 1), *p = o;
	if (!o)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (v->kv[i]->type == MH_YN_SCALAR) {
			if (p != o)
				*p++ = ',', *p++ = ' ';
			memcpy(p, v->kv[i]->s, v->kv[i]->len);
			p += v->kv[i]->len;
		}
	*p = '\0';
	return o;
}

/* Scalars of a scalar-or-list node, copied; *n set. */
static const char **str_list(struct mh_sigma *s, const struct mh_yn *v,
                             uint32_t *n)
{
	*n = 0;
	if (!v)
		return NULL;
	size_t cnt = v->type == MH_YN_SEQ ? v->n : 1;
	const char **o =
	        mh_arena_alloc(&s->arena, (cnt ? cnt : 1) * sizeof(*o));
	if (!o)
		return NULL;
	for (size_t i = 0; i < cnt; i++) {
		const struct mh_yn *e = v->type == MH_YN_SEQ ? v->kv[i] : v;
		if (e->type == MH_YN_SCALAR && !mh_yn_is_null(e))
			o[(*n)++] = sdup(s, e->s);
	}
	return o;
}

const char *mh_sigma_link(struct mh_arena *a, const char *path)
{
	static const char base[] =
	        "https://github.com/SigmaHQ/sigma/blob/master/";
	const char *p = path, *best = NULL;
	while (p && *p) {
		const char *comp = p;
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (e && ((n == 5 && !strncmp(comp, "rules", 5)) ||
		          (n > 6 && !strncmp(comp, "rules-", 6)) ||
		          (n == 10 && !strncmp(comp, "deprecated", 10))))
			best = comp; /* the last such component wins */
		p = e ? e + 1 : NULL;
	}
	if (!best)
		return NULL;
	size_t bl = sizeof(base) - 1, pl = strlen(best);
	char *o = mh_arena_alloc(a, bl + pl + 1);
	if (!o)
		return NULL;
	memcpy(o, base, bl);
	memcpy(o + bl, best, pl + 1);
	return o;
}

/* SigmaHQ rules name their regression case,
 * regression_data/rules/<dir>/<name>/info.yml: the rule is
 * rules/<dir>/<name>.yml. */
static const char *regression_link(struct mh_sigma *s, const char *rp)
{
	static const char pre[] = "regression_data/", post[] = "/info.yml";
	if (!rp || strncmp(rp, pre, sizeof(pre) - 1) != 0 || strstr(rp, ".."))
		return NULL;
	size_t n = strlen(rp);
	if (n < sizeof(pre) + sizeof(post) ||
	    strcmp(rp + n - (sizeof(post) - 1), post) != 0)
		return NULL;
	char buf[1024];
	int l = snprintf(buf, sizeof(buf), "%.*s.yml",
	                 (int)(n - (sizeof(pre) - 1) - (sizeof(post) - 1)),
	                 rp + sizeof(pre) - 1);
	if (l <= 0 || (size_t)l >= sizeof(buf))
		return NULL;
	return mh_sigma_link(&s->arena, buf);
}

/* attack.t1114.003 -> T1114.003; attack.collection -> collection. */
static void attack_tags(struct mh_sigma *s, struct mh_sg_rule *r)
{
	for (uint32_t i = 0; i < r->ntags; i++) {
		const char *t = r->tags[i];
		if (strncasecmp(t, "attack.", 7) != 0)
			continue;
		t += 7;
		if ((t[0] == 't' || t[0] == 'T') && t[1] >= '0' &&
		    t[1] <= '9') {
			if (!r->technique) {
				char *o = (char *)sdup(s, t);
				if (o)
					o[0] = 'T';
				r->technique = o;
			}
		} else if (!r->tactic &&
		           !(t[0] == 'g' && t[1] >= '0' && t[1] <= '9') &&
		           !(t[0] == 's' && t[1] >= '0' && t[1] <= '9')) {
			char *o = (char *)sdup(s, t);
			for (char *q = o; q && *q; q++)
				if (*q == '_')
					*q = '-';
			r->tactic = o;
		}
	}
}

static int parse_span(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || v > 100000000LL)
		return -1;
	int64_t mul;
	switch (*end) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	case 'M': mul = 30 * 86400; break;
	case 'y': mul = 365 * 86400; break;
	default: return -1;
	}
	if (end[1])
		return -1;
	*out = (int64_t)v * mul;
	return 0;
}

/* MARK: - multi-document merging (Sigma 1.0 collections) */

static struct mh_yn *merge(struct mh_arena *a, const struct mh_yn *base,
                           const struct mh_yn *over, int depth)
{
	if (!base || base->type != MH_YN_MAP || !over ||
	    over->type != MH_YN_MAP || depth > MH_YAML_MAX_DEPTH)
		return (struct mh_yn *)(over ? over : base);
	struct mh_yn *m = mh_arena_alloc(a, sizeof(*m));
	if (!m)
		return NULL;
	*m = *base;
	m->kv = mh_arena_alloc(a, 2 * (base->n + over->n + 1) * sizeof(*m->kv));
	if (!m->kv)
		return NULL;
	m->n = 0;
	for (size_t i = 0; i < base->n; i++) {
		const struct mh_yn *k = base->kv[2 * i];
		const struct mh_yn *ov =
		        k->type == MH_YN_SCALAR ? mh_yn_get(over, k->s) : NULL;
		m->kv[2 * m->n] = base->kv[2 * i];
		m->kv[2 * m->n + 1] =
		        ov ? merge(a, base->kv[2 * i + 1], ov, depth + 1)
		           : base->kv[2 * i + 1];
		if (!m->kv[2 * m->n + 1])
			return NULL;
		m->n++;
	}
	for (size_t i = 0; i < over->n; i++) {
		const struct mh_yn *k = over->kv[2 * i];
		if (k->type == MH_YN_SCALAR && mh_yn_get(base, k->s))
			continue;
		if (k->type == MH_YN_SCALAR && !strcmp(k->s, "action"))
			continue;
		m->kv[2 * m->n] = over->kv[2 * i];
		m->kv[2 * m->n + 1] = over->kv[2 * i + 1];
		m->n++;
	}
	return m;
}

/* MARK: - one rule */

static int add_rule(struct loader *L, struct mh_sg_rule **out)
{
	struct mh_sigma *s = L->s;
	if (s->nrules == s->rules_alloc) {
		size_t na = s->rules_alloc ? s->rules_alloc * 2 : 256;
		struct mh_sg_rule *nv = realloc(s->rules, na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		s->rules = nv;
		s->rules_alloc = na;
	}
	*out = &s->rules[s->nrules];
	memset(*out, 0, sizeof(**out));
	return MH_OK;
}

static int parse_corr(struct mh_sigma *s, struct mh_sg_rule *r,
                      const struct mh_yn *c, struct mh_err *err)
{
	static const char *const types[] = {
	        NULL,        "event_count",      "value_count",
	        "temporal",  "temporal_ordered", "value_sum",
	        "value_avg", "value_percentile"};
	struct mh_sg_corr *k = &r->corr;
	if (!c || c->type != MH_YN_MAP)
		return mh_err_set(err, MH_EFORMAT, "correlation must be a map");
	const char *type = mh_yn_str(c, "type");
	for (uint8_t i = 1; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i]))
			k->type = i;
	if (!k->type)
		return mh_err_set(err, MH_EFORMAT,
		                  "correlation type '%.40s' is not one of "
		                  "event_count, value_count, temporal, "
		                  "temporal_ordered, value_sum, value_avg, "
		                  "value_percentile",
		                  type ? type : "");
	k->refs = str_list(s, mh_yn_get(c, "rules"), &k->nrefs);
	if (!k->nrefs)
		return mh_err_set(err, MH_EFORMAT,
		                  "correlation names no rules");
	k->group = str_list(s, mh_yn_get(c, "group-by"), &k->ngroup);
	const char *span = mh_yn_str(c, "timespan");
	if (!span || parse_span(span, &k->span))
		return mh_err_set(
		        err, MH_EFORMAT,
		        "correlation timespan '%.20s' is not a number "
		        "followed by s, m, h or d",
		        span ? span : "");
	const char *gen = mh_yn_str(c, "generate");
	if (!gen)
		gen = mh_yn_str(c, "generate");
	const struct mh_yn *cond = mh_yn_get(c, "condition");
	int needs_field = k->type != MH_SGCT_EVENT_COUNT &&
	                  k->type != MH_SGCT_TEMPORAL &&
	                  k->type != MH_SGCT_TEMPORAL_ORDERED;
	if (cond && cond->type == MH_YN_MAP) {
		static const char *const ops[] = {NULL,  "gt", "gte", "lt",
		                                  "lte", "eq", "neq"};
		for (size_t i = 0; i < cond->n; i++) {
			const struct mh_yn *kk = cond->kv[2 * i],
			                   *vv = cond->kv[2 * i + 1];
			if (kk->type != MH_YN_SCALAR ||
			    vv->type != MH_YN_SCALAR)
				return mh_err_set(
				        err, MH_EFORMAT,
				        "correlation condition must map "
				        "operators to numbers");
			if (!strcmp(kk->s, "field")) {
				k->field = sdup(s, vv->s);
				continue;
			}
			uint8_t op = 0;
			for (uint8_t j = 1; j < 7; j++)
				if (!strcmp(kk->s, ops[j]))
					op = j;
			double d;
			if (!op || !mh_sv_num(vv->s, vv->len, &d))
				return mh_err_set(
				        err, MH_EFORMAT,
				        "correlation condition '%.20s: "
				        "%.20s' is not an operator (gt, "
				        "gte, lt, lte, eq, neq) and a "
				        "number",
				        kk->s, vv->s);
			if (k->ncond == 4)
				return mh_err_set(
				        err, MH_EFORMAT,
				        "correlation condition too long");
			k->cop[k->ncond] = op;
			k->cval[k->ncond++] = d;
		}
		k->has_cond = k->ncond > 0;
	} else if (cond) {
		return mh_err_set(err, MH_EFORMAT,
		                  "correlation condition must be a map");
	}
	if (!k->has_cond && k->type != MH_SGCT_TEMPORAL &&
	    k->type != MH_SGCT_TEMPORAL_ORDERED)
		return mh_err_set(err, MH_EFORMAT,
		                  "correlation %s needs a condition", type);
	if (needs_field && !k->field)
		return mh_err_set(err, MH_EFORMAT,
		                  "correlation %s needs 'field' in its "
		                  "condition",
		                  type);
	const struct mh_yn *al = mh_yn_get(c, "aliases");
	if (al && al->type == MH_YN_MAP) {
		size_t total = 0;
		for (size_t i = 0; i < al->n; i++)
			if (al->kv[2 * i + 1]->type == MH_YN_MAP)
				total += al->kv[2 * i + 1]->n;
		k->al_name = mh_arena_alloc(&s->arena,
		                            (total + 1) * sizeof(*k->al_name));
		k->al_rule = mh_arena_alloc(&s->arena,
		                            (total + 1) * sizeof(*k->al_rule));
		k->al_field = mh_arena_alloc(
		        &s->arena, (total + 1) * sizeof(*k->al_field));
		if (!k->al_name || !k->al_rule || !k->al_field)
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		for (size_t i = 0; i < al->n; i++) {
			const struct mh_yn *an = al->kv[2 * i],
			                   *am = al->kv[2 * i + 1];
			if (an->type != MH_YN_SCALAR || am->type != MH_YN_MAP)
				return mh_err_set(
				        err, MH_EFORMAT,
				        "correlation aliases must map a "
				        "name to rule: field pairs");
			for (size_t j = 0; j < am->n; j++) {
				if (am->kv[2 * j]->type != MH_YN_SCALAR ||
				    am->kv[2 * j + 1]->type != MH_YN_SCALAR)
					return mh_err_set(
					        err, MH_EFORMAT,
					        "correlation aliases must map "
					        "a name to rule: field pairs");
				k->al_name[k->nal] = sdup(s, an->s);
				k->al_rule[k->nal] = sdup(s, am->kv[2 * j]->s);
				k->al_field[k->nal++] =
				        sdup(s, am->kv[2 * j + 1]->s);
			}
		}
	}
	r->generate = gen && (!strcmp(gen, "true") || !strcmp(gen, "True"));
	return MH_OK;
}

static void collect_slots(struct mh_sigma *s, struct mh_sg_rule *r)
{
	size_t n = 0;
	for (uint32_t i = 0; i < r->det.nsels; i++)
		n += r->det.sels[i].alt[r->det.sels[i].nalt];
	r->slots = mh_arena_alloc(&s->arena, (n ? n : 1) * sizeof(int));
	if (!r->slots)
		return;
	for (uint32_t i = 0; i < r->det.nsels; i++) {
		const struct mh_sg_sel *se = &r->det.sels[i];
		for (uint32_t t = 0; t < se->alt[se->nalt]; t++) {
			int sl = se->tests[t].slot;
			int seen = sl < 0;
			for (uint32_t j = 0; j < r->nslots && !seen; j++)
				seen = r->slots[j] == sl;
			if (!seen)
				r->slots[r->nslots++] = sl;
		}
	}
}

/* Build one rule from a document; refusals recorded, not returned. */
static int one_doc(struct loader *L, const char *path, const struct mh_yn *d)
{
	struct mh_sigma *s = L->s;
	struct mh_err err;
	mh_err_clear(&err);
	const char *title = mh_yn_str(d, "title");
	if (!d || d->type != MH_YN_MAP)
		return mh_sg_refuse(L, path, d ? d->line : 1, d ? d->col : 0,
		                    NULL, "a rule must be a YAML map");
	if (!title || !*title)
		return mh_sg_refuse(L, path, d->line, d->col, NULL,
		                    "rule has no title");
	const struct mh_yn *det = mh_yn_get(d, "detection");
	const struct mh_yn *corr = mh_yn_get(d, "correlation");
	const struct mh_yn *filt = mh_yn_get(d, "filter");
	const struct mh_yn *ls = mh_yn_get(d, "logsource");
	struct mh_sg_rule *r;
	if (add_rule(L, &r))
		return MH_ENOMEM;
	r->path = path;
	r->line = d->kv[0]->line;
	r->kind = corr   ? MH_SG_CORRELATION
	          : det  ? MH_SG_DETECTION
	          : filt ? MH_SG_FILTER
	                 : 0;
	r->bucket = -1;
	if (!r->kind)
		return mh_sg_refuse(
		        L, path, d->line, d->col, title,
		        "rule has no detection, correlation or filter "
		        "section");
	r->title = sdup(s, title);
	r->id = sdup(s, mh_yn_str(d, "id"));
	r->name = sdup(s, mh_yn_str(d, "name"));
	r->status = sdup(s, mh_yn_str(d, "status"));
	r->author = text_or_list(s, mh_yn_get(d, "author"));
	r->description = sdup(s, mh_yn_str(d, "description"));
	r->date = sdup(s, mh_yn_str(d, "date"));
	r->modified = sdup(s, mh_yn_str(d, "modified"));
	r->tags = str_list(s, mh_yn_get(d, "tags"), &r->ntags);
	r->link = mh_sigma_link(&s->arena, path);
	if (!r->link)
		r->link = regression_link(
		        s, mh_yn_str(d, "regression_tests_path"));
	attack_tags(s, r);
	const char *lv = mh_yn_str(d, "level");
	r->level = lv ? mh_level_parse(lv) : MH_LEVEL_INFO;
	if (r->level < 0) {
		const struct mh_yn *ln = mh_yn_get(d, "level");
		return mh_sg_refuse(
		        L, path, ln->line, ln->col, title,
		        "level is not informational, low, medium, high "
		        "or critical");
	}
	int rc = MH_OK;
	if (r->kind != MH_SG_CORRELATION) {
		if (!ls || ls->type != MH_YN_MAP)
			return mh_sg_refuse(L, path, d->line, d->col, title,
			                    "rule has no logsource map");
		r->category = sdup(s, mh_yn_str(ls, "category"));
		r->product = sdup(s, mh_yn_str(ls, "product"));
		r->service = sdup(s, mh_yn_str(ls, "service"));
	}
	if (r->kind == MH_SG_DETECTION) {
		rc = mh_sg_compile_det(s, det, NULL, &r->det, &err);
	} else if (r->kind == MH_SG_FILTER) {
		rc = mh_sg_compile_det(s, filt, "rules", &r->det, &err);
		if (!rc)
			r->frefs = str_list(s, mh_yn_get(filt, "rules"),
			                    &r->nfrefs);
		if (!rc && !r->nfrefs)
			rc = mh_err_set(&err, MH_EFORMAT,
			                "filter names no rules");
	} else {
		rc = parse_corr(s, r, corr, &err);
		if (rc && !err.line)
			err.line = corr->line;
	}
	if (rc == MH_ENOMEM)
		return rc;
	if (rc)
		return mh_sg_refuse(L, path, err.line ? err.line : d->line,
		                    err.col, title, err.msg);
	collect_slots(s, r);
	/* Index by id and name; a second rule with the same id is refused
	 * (the first one loaded wins, as names must be unique). */
	const char *keys[2] = {r->id, r->name};
	for (int k = 0; k < 2; k++) {
		if (!keys[k])
			continue;
		void **slot;
		int created;
		if (mh_strmap_upsert(&L->byid, keys[k], strlen(keys[k]), &slot,
		                     &created))
			return MH_ENOMEM;
		if (!created) {
			const struct mh_sg_rule *o =
			        &s->rules[(intptr_t)*slot - 1];
			char msg[400];
			snprintf(msg, sizeof(msg),
			         "duplicate rule %s '%s' (also in %s)",
			         k ? "name" : "id", keys[k], o->path);
			return mh_sg_refuse(L, path, r->line, 0, title, msg);
		}
		*slot = (void *)(intptr_t)(s->nrules + 1);
	}
	s->nrules++;
	return MH_OK;
}

static int load_file(struct loader *L, const char *path)
{
	struct mh_sigma *s = L->s;
	const char *p = mh_arena_strndup(&s->arena, path, strlen(path));
	if (!p)
		return MH_ENOMEM;
	s->files++;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char msg[300];
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return mh_sg_refuse(L, p, 0, 0, NULL, msg);
	}
	if ((size_t)st.st_size > MH_YAML_MAX_BYTES) {
		close(fd);
		snprintf(msg, sizeof(msg),
		         "file of %lld bytes is over the %zu MiB limit for a "
		         "rule file",
		         (long long)st.st_size, MH_YAML_MAX_BYTES >> 20);
		return mh_sg_refuse(L, p, 0, 0, NULL, msg);
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return MH_ENOMEM;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	struct mh_arena tmp;
	mh_arena_init(&tmp, 64 * 1024, 0);
	struct mh_yn **docs;
	size_t ndocs;
	struct mh_err err;
	mh_err_clear(&err);
	int rc = mh_yaml_parse(buf, got, &tmp, &docs, &ndocs, &err);
	if (rc == MH_ENOMEM) {
		free(buf);
		mh_arena_release(&tmp);
		return rc;
	}
	if (rc) {
		rc = mh_sg_refuse(L, p, err.line, err.col, NULL, err.msg);
		free(buf);
		mh_arena_release(&tmp);
		return rc;
	}
	const struct mh_yn *global = NULL, *prev = NULL;
	for (size_t i = 0; i < ndocs && rc == MH_OK; i++) {
		const struct mh_yn *d = docs[i];
		if (!d || (d->type == MH_YN_SCALAR && mh_yn_is_null(d)))
			continue;
		s->docs++;
		const char *action = mh_yn_str(d, "action");
		if (action && !strcmp(action, "global")) {
			global = merge(&tmp, global, d, 0);
			continue;
		}
		if (action && !strcmp(action, "reset")) {
			global = NULL;
			continue;
		}
		const struct mh_yn *use = d;
		if (action && !strcmp(action, "repeat")) {
			if (!prev) {
				rc = mh_sg_refuse(
				        L, p, d->line, d->col, NULL,
				        "'action: repeat' without a rule "
				        "before it");
				continue;
			}
			use = merge(&tmp, prev, d, 0);
		} else if (action) {
			rc = mh_sg_refuse(
			        L, p, d->line, d->col, NULL,
			        "action is not global, reset or repeat");
			continue;
		} else if (global) {
			use = merge(&tmp, global, d, 0);
		}
		if (!use) {
			rc = MH_ENOMEM;
			break;
		}
		prev = use;
		rc = one_doc(L, p, use);
	}
	free(buf);
	mh_arena_release(&tmp);
	return rc;
}

static int is_rule_file(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && ((n > 4 && !strcmp(name + n - 4, ".yml")) ||
	                          (n > 5 && !strcmp(name + n - 5, ".yaml")));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(struct loader *L, const char *path, int depth, int named)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (named)
			return MH_EIO;
		return MH_OK;
	}
	if (!S_ISDIR(st.st_mode))
		return named || is_rule_file(strrchr(path, '/')
		                                     ? strrchr(path, '/') + 1
		                                     : path)
		               ? load_file(L, path)
		               : MH_OK;
	if (depth > MAX_WALK_DEPTH)
		return MH_OK;
	DIR *dir = opendir(path);
	if (!dir)
		return named ? MH_EIO : MH_OK;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = MH_OK;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			char **nn = realloc(names, alloc * sizeof(*nn));
			if (!nn) {
				rc = MH_ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = MH_ENOMEM;
			break;
		}
		n++;
	}
	closedir(dir);
	if (rc == MH_OK && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == MH_OK; i++) {
		size_t pl = strlen(path), nl = strlen(names[i]);
		char *sub = malloc(pl + nl + 2);
		if (!sub) {
			rc = MH_ENOMEM;
			break;
		}
		memcpy(sub, path, pl);
		size_t o = pl;
		if (o && sub[o - 1] != '/')
			sub[o++] = '/';
		memcpy(sub + o, names[i], nl + 1);
		struct stat cs;
		if (lstat(sub, &cs) == 0 && !S_ISLNK(cs.st_mode) &&
		    (S_ISDIR(cs.st_mode) || is_rule_file(names[i])))
			rc = walk(L, sub, depth + 1, 0);
		free(sub);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mh_sigma_load(const char *const *paths, size_t n,
                  const struct mh_sigma_opts *o, struct mh_sigma **out,
                  struct mh_err *err)
{
	double t0 = now_s();
	struct mh_sigma *s = calloc(1, sizeof(*s));
	struct loader L;
	int rc = MH_OK;
	*out = NULL;
	if (!s)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	mh_arena_init(&s->arena, 256 * 1024, 0);
	mh_strmap_init(&s->slots);
	memset(&L, 0, sizeof(L));
	L.s = s;
	L.o = o;
	mh_strmap_init(&L.byid);
	if (o) {
		s->ph = o->ph;
		s->nph = o->nph;
	}
	rc = mh_sg_regex_new(&s->re);
	for (size_t i = 0; i < n && rc == MH_OK; i++) {
		rc = walk(&L, paths[i], 0, 1);
		if (rc == MH_EIO) {
			mh_err_set(err, MH_EIO, "cannot read rules '%s': %s",
			           paths[i], strerror(errno ? errno : ENOENT));
		}
	}
	if (rc == MH_OK)
		rc = mh_sg_link(&L);
	if (rc == MH_OK)
		rc = mh_sg_prefilter_build(s, o && o->lazy, &s->pf);
	if (rc == MH_OK)
		rc = mh_sg_slot_table(s);
	mh_strmap_release(&L.byid, NULL);
	if (rc != MH_OK) {
		if (rc == MH_ENOMEM)
			mh_err_set(err, MH_ENOMEM, "out of memory");
		mh_sigma_free(s);
		return rc;
	}
	s->load_seconds = now_s() - t0;
	*out = s;
	return MH_OK;
}

void mh_sigma_free(struct mh_sigma *s)
{
	if (!s)
		return;
	mh_sg_prefilter_free(s->pf);
	mh_sg_regex_free(s->re);
	mh_strmap_release(&s->slots, NULL);
	free(s->slot_name);
	free(s->slot_tab);
	free(s->slot_hash);
	free(s->slot_len);
	free(s->rules);
	free(s->refused);
	free(s->buckets);
	mh_arena_release(&s->arena);
	free(s);
}
