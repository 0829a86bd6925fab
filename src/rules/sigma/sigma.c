/* sigma.c - the Sigma analytic: matches into findings (sigma.h). */
#include "rules/sigma/sigma.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/strmap.h"
#include "rules/sigma/corr.h"
#include "rules/sigma/match.h"

#define MAX_EVIDENCE 32

struct item {
	const char *file; /* interned */
	uint64_t offset, record;
	unsigned line;
	int64_t ts;
	char *fields;
	char *rid; /* the record's own id (event.h record_id), or NULL */
	size_t nrid;
};

struct agg {
	uint64_t count;
	int64_t first, last;
	struct item ev[MAX_EVIDENCE];
	size_t nev;
};

struct ref {
	uint32_t rule, corr, k;
};

struct acc {
	const struct mh_sigma *set;
	struct mh_sigma_ctx *ctx;
	size_t max_ev;
	struct agg **agg; /* per rule, allocated on the first match */
	uint64_t *seen;
	size_t nwords;
	struct mh_strmap paths;
	struct mh_corr corr;
	struct ref *refs;
	size_t nrefs;
};

static void item_free(struct item *it)
{
	free(it->fields);
	free(it->rid);
	memset(it, 0, sizeof(*it));
}

static void destroy(void *p)
{
	struct acc *a = p;
	if (!a)
		return;
	mh_sigma_ctx_free(a->ctx);
	if (a->agg) {
		for (size_t i = 0; i < a->set->nrules; i++)
			if (a->agg[i]) {
				for (size_t k = 0; k < a->agg[i]->nev; k++)
					item_free(&a->agg[i]->ev[k]);
				free(a->agg[i]);
			}
		free(a->agg);
	}
	free(a->seen);
	free(a->refs);
	mh_strmap_release(&a->paths, NULL);
	mh_corr_release(&a->corr);
	free(a);
}

static int create(void **out, const struct mh_analytic_conf *conf,
                  struct mh_err *err)
{
	struct acc *a = calloc(1, sizeof(*a));
	if (!a)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	a->set = conf->sigma;
	a->max_ev = conf->max_evidence ? conf->max_evidence : 5;
	if (a->max_ev > MAX_EVIDENCE)
		a->max_ev = MAX_EVIDENCE;
	mh_strmap_init(&a->paths);
	mh_corr_init(&a->corr);
	if (!a->set) {
		*out = a;
		return MH_OK;
	}
	a->nwords = (a->set->nbuckets + 63) / 64 + 1;
	a->seen = calloc(a->nwords, sizeof(*a->seen));
	a->agg = calloc(a->set->nrules + 1, sizeof(*a->agg));
	if (!a->seen || !a->agg || mh_sigma_ctx_new(a->set, &a->ctx)) {
		destroy(a);
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	/* rule -> the correlations naming it */
	const struct mh_sigma *s = a->set;
	size_t n = 0;
	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].kind == MH_SG_CORRELATION)
			n += s->rules[i].corr.nrules;
	a->refs = malloc((n ? n : 1) * sizeof(*a->refs));
	if (!a->refs) {
		destroy(a);
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].kind == MH_SG_CORRELATION)
			for (uint32_t k = 0; k < s->rules[i].corr.nrules; k++) {
				struct ref *r = &a->refs[a->nrefs++];
				r->rule = s->rules[i].corr.rules[k];
				r->corr = (uint32_t)i;
				r->k = k;
			}
	*out = a;
	return MH_OK;
}

static const char *intern(struct acc *a, const char *p)
{
	void **slot;
	int created;
	if (!p)
		p = "-";
	if (mh_strmap_upsert(&a->paths, p, strlen(p), &slot, &created))
		return NULL;
	/* the map owns a NUL-terminated copy of the key, which stays put
	 * when the table grows */
	const struct mh_strmap_slot *sl =
	        (const void *)((char *)slot -
	                       offsetof(struct mh_strmap_slot, val));
	return sl->key;
}

/* First value of a field by name (any name the view has), or NULL. */
static const struct mh_sg_val *by_name(const struct mh_sg_view *v,
                                       const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].nlen == nl && !strncasecmp(v->v[i].name, name, nl))
			return &v->v[i];
	return NULL;
}

static char *tested_fields(const struct mh_sigma *s, const struct mh_sg_rule *r,
                           const struct mh_sg_view *v)
{
	struct mh_buf b = MH_BUF_INIT(1024);
	for (uint32_t i = 0; i < r->nslots; i++) {
		int32_t j = mh_sg_view_first(v, r->slots[i]);
		if (j < 0)
			continue;
		const struct mh_sg_val *e = &v->v[j];
		size_t room = b.cap - b.len;
		if (room < 8)
			break;
		if (b.len)
			mh_buf_adds(&b, "; ");
		mh_buf_adds(&b, s->slot_name[r->slots[i]]);
		mh_buf_addc(&b, '=');
		size_t n = e->s ? e->n : 4;
		room = b.cap - b.len;
		if (n > room)
			n = room;
		if (mh_buf_add(&b, e->s ? e->s : "null", n))
			break;
	}
	if (b.len == 0) {
		mh_buf_release(&b);
		return NULL;
	}
	size_t len;
	return mh_buf_detach(&b, &len);
}

static int item_cmp(const struct item *x, const struct item *y)
{
	int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int same_record(const struct item *x, const struct item *y)
{
	return x->nrid && x->nrid == y->nrid &&
	       !memcmp(x->rid, y->rid, x->nrid);
}

/* Keep the max_ev smallest by (file, offset), one item per record (the
 * copy of a record read in several exports that is first in that order):
 * the same evidence whatever the order events and copies arrive in.
 * Takes it (fields, rid) in every case. */
static void agg_add_item(struct agg *g, size_t max, struct item *it)
{
	for (size_t k = 0; it->nrid && k < g->nev; k++) {
		if (!same_record(it, &g->ev[k]))
			continue;
		if (item_cmp(it, &g->ev[k]) >= 0) {
			item_free(it);
			return;
		}
		/* the smaller copy goes in below, where k was or before */
		item_free(&g->ev[k]);
		memmove(&g->ev[k], &g->ev[k + 1],
		        (g->nev - k - 1) * sizeof(*it));
		g->nev--;
		break;
	}
	size_t pos = g->nev;
	while (pos > 0 && item_cmp(it, &g->ev[pos - 1]) < 0)
		pos--;
	if (pos >= max) {
		item_free(it);
		return;
	}
	if (g->nev == max) {
		item_free(&g->ev[max - 1]);
		g->nev--;
	}
	memmove(&g->ev[pos + 1], &g->ev[pos], (g->nev - pos) * sizeof(*it));
	g->ev[pos] = *it;
	g->nev++;
	memset(it, 0, sizeof(*it));
}

static void agg_time(struct agg *g, int64_t ts, uint64_t count)
{
	if (ts != MH_TS_NONE) {
		if (g->first == MH_TS_NONE || ts < g->first)
			g->first = ts;
		if (g->last == MH_TS_NONE || ts > g->last)
			g->last = ts;
	}
	g->count += count;
}

static struct agg *agg_get(struct acc *a, uint32_t r)
{
	if (!a->agg[r]) {
		a->agg[r] = calloc(1, sizeof(**a->agg));
		if (a->agg[r])
			a->agg[r]->first = a->agg[r]->last = MH_TS_NONE;
	}
	return a->agg[r];
}

static int corr_record(struct acc *a, const struct ref *rf,
                       const struct mh_event *ev, const char *file)
{
	const struct mh_sigma *s = a->set;
	const struct mh_sg_corr *k = &s->rules[rf->corr].corr;
	struct mh_sg_view *v = mh_sigma_ctx_view(a->ctx);
	char key[1024];
	size_t kn = 0;
	for (uint32_t g = 0; g < k->ngroup; g++) {
		const char *f = k->alias_field[g * k->nrules + rf->k];
		const struct mh_sg_val *e = by_name(v, f ? f : k->group[g]);
		size_t l = e && e->s ? e->n : 0;
		if (kn + l + 2 >= sizeof(key))
			l = sizeof(key) - kn - 2;
		if (g)
			key[kn++] = '\x1f';
		/* group values compare case-insensitively, as Sigma values
		 * do */
		for (size_t q = 0; q < l; q++) {
			char ch = e->s[q];
			key[kn + q] =
			        (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
		}
		kn += l;
	}
	key[kn] = '\0';
	char *val = NULL;
	if (k->field) {
		const struct mh_sg_val *e = by_name(v, k->field);
		if (e && e->s)
			val = strndup(e->s, e->n);
	}
	struct mh_corr_rec r = {0};
	r.ts = mh_sg_view_ts(v);
	r.corr = rf->corr;
	r.k = rf->k;
	r.key = key;
	r.value = val;
	r.file = file;
	r.offset = ev->offset;
	r.record = ev->kind == MH_EV_MAIL ? 0 : ev->index + 1;
	r.line = ev->line;
	r.rid = ev->record_id.n ? ev->record_id.p : NULL;
	r.nrid = ev->record_id.n;
	int rc = mh_corr_add(&a->corr, &r);
	free(val);
	return rc;
}

/* One event through the rules. dup: another copy of a record read
 * before (the duplicate hook): it counts nothing for a plain rule (no
 * count, no first or last time, no logsource seen) and is only offered
 * as evidence, so that the copy kept is the one first by (file, offset)
 * whichever copy a thread read first. Correlations take every copy with
 * the record's id and count one per record (corr.h): a record counts
 * when any copy of it matches, whichever was read first. */
static int judge(struct acc *a, const struct mh_event *ev, int dup,
                 struct mh_err *err)
{
	if (!a->set)
		return MH_OK;
	const uint32_t *m;
	size_t n;
	if (mh_sigma_match(a->ctx, ev, &m, &n))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	if (!dup) {
		const uint64_t *b = mh_sigma_ctx_buckets(a->ctx);
		for (size_t i = 0; i < a->nwords; i++)
			a->seen[i] |= b[i];
	}
	if (n == 0)
		return MH_OK;
	const char *file = intern(a, ev->path);
	struct mh_sg_view *v = mh_sigma_ctx_view(a->ctx);
	int64_t ts = mh_sg_view_ts(v);
	if (!file)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct mh_sg_rule *r = &a->set->rules[m[i]];
		if (r->referenced)
			for (size_t k = 0; k < a->nrefs; k++)
				if (a->refs[k].rule == m[i] &&
				    corr_record(a, &a->refs[k], ev, file))
					return mh_err_set(err, MH_ENOMEM,
					                  "out of memory");
		if (r->referenced && !r->generate)
			continue;
		struct agg *g = agg_get(a, m[i]);
		if (!g)
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		if (!dup)
			agg_time(g, ts, 1);
		struct item it = {0};
		it.file = file;
		it.offset = ev->offset;
		it.line = ev->line;
		it.record = ev->kind == MH_EV_MAIL ? 0 : ev->index + 1;
		it.ts = ts;
		/* cheap reject before formatting the fields (an item no
		 * smaller than the last replaces no copy either) */
		if (g->nev == a->max_ev &&
		    item_cmp(&it, &g->ev[g->nev - 1]) >= 0)
			continue;
		if (ev->record_id.n) {
			it.rid = malloc(ev->record_id.n);
			if (!it.rid)
				return mh_err_set(err, MH_ENOMEM,
				                  "out of memory");
			memcpy(it.rid, ev->record_id.p, ev->record_id.n);
			it.nrid = ev->record_id.n;
		}
		it.fields = tested_fields(a->set, r, v);
		agg_add_item(g, a->max_ev, &it);
	}
	return MH_OK;
}

static int on_event(void *p, const struct mh_event *ev, struct mh_err *err)
{
	return judge(p, ev, 0, err);
}

static int on_duplicate(void *p, const struct mh_event *ev, struct mh_err *err)
{
	return judge(p, ev, 1, err);
}

static int merge(void *into, void *from)
{
	struct acc *a = into, *b = from;
	if (!a->set)
		return MH_OK;
	for (size_t i = 0; i < a->nwords; i++)
		a->seen[i] |= b->seen[i];
	for (size_t r = 0; r < a->set->nrules; r++) {
		struct agg *y = b->agg[r];
		if (!y)
			continue;
		struct agg *x = agg_get(a, (uint32_t)r);
		if (!x)
			return MH_ENOMEM;
		agg_time(x, y->first, y->count);
		agg_time(x, y->last, 0);
		for (size_t k = 0; k < y->nev; k++) {
			struct item it = y->ev[k];
			it.file = intern(a, it.file);
			if (!it.file)
				return MH_ENOMEM;
			memset(&y->ev[k], 0, sizeof(y->ev[k]));
			agg_add_item(x, a->max_ev, &it);
		}
		y->nev = 0;
	}
	return mh_corr_merge(&a->corr, &b->corr);
}

static int attribution(struct mh_finding *f, const struct mh_sg_rule *r)
{
	int rc = MH_OK;
	if (r->author)
		rc = mh_finding_attr(f, "author", r->author);
	if (!rc && r->link)
		rc = mh_finding_attr(f, "rule_link", r->link);
	if (!rc && r->link)
		rc = mh_finding_attr(f, "license",
		                     "DRL-1.1 (github.com/SigmaHQ/"
		                     "Detection-Rule-License)");
	if (!rc && r->status)
		rc = mh_finding_attr(f, "status", r->status);
	if (!rc && r->ntags) {
		struct mh_buf b = MH_BUF_INIT(4096);
		for (uint32_t i = 0; i < r->ntags; i++) {
			if (i)
				mh_buf_addc(&b, ' ');
			mh_buf_adds(&b, r->tags[i]);
		}
		rc = mh_finding_attr(f, "tags", mh_buf_cstr(&b));
		mh_buf_release(&b);
	}
	if (!rc)
		rc = mh_finding_attr(f, "rule_file", r->path);
	return rc == MH_ETOOBIG ? MH_OK : rc;
}

static struct mh_finding *rule_finding(const struct mh_sg_rule *r,
                                       const char *group)
{
	struct mh_finding *f = mh_finding_new();
	if (!f)
		return NULL;
	if (mh_finding_set_rule(f, r->id ? r->id : r->title, r->title,
	                        r->technique, r->tactic) ||
	    attribution(f, r) ||
	    (group && *group && mh_finding_attr(f, "group", group))) {
		mh_finding_free(f);
		return NULL;
	}
	f->level = (enum mh_level)r->level;
	mh_finding_set_id(f);
	if (group && *group) {
		/* one finding per group: the group takes part in the id */
		uint64_t h = 1469598103934665603ULL;
		for (const char *p = f->id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		for (const char *p = group; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		snprintf(f->id, sizeof(f->id), "%016" PRIx64, h);
	}
	return f;
}

static int add_evidence(struct mh_finding *f, const struct item *ev, size_t n)
{
	if (!n)
		return MH_OK;
	f->evidence = calloc(n, sizeof(*f->evidence));
	if (!f->evidence)
		return MH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct mh_evidence *e = &f->evidence[i];
		e->file = strdup(ev[i].file);
		e->offset = ev[i].offset;
		e->line = ev[i].line;
		e->ts = ev[i].ts;
		e->record = ev[i].record;
		e->fields = ev[i].fields ? strdup(ev[i].fields) : NULL;
		f->nevidence++;
		if (!e->file || (ev[i].fields && !e->fields))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static int findings(void *p, struct mh_findings *out)
{
	struct acc *a = p;
	const struct mh_sigma *s = a->set;
	if (!s)
		return MH_OK;
	char text[512];
	for (size_t i = 0; i < s->nrules; i++) {
		const struct agg *g = a->agg[i];
		if (!g || !g->count)
			continue;
		const struct mh_sg_rule *r = &s->rules[i];
		struct mh_finding *f = rule_finding(r, NULL);
		if (!f)
			return MH_ENOMEM;
		snprintf(text, sizeof(text),
		         "%" PRIu64 " event%s matched the Sigma rule", g->count,
		         g->count == 1 ? "" : "s");
		f->summary = strdup(text);
		f->remediation =
		        strdup(r->description ? r->description
		                              : "review the matched events");
		f->first_seen = g->first;
		f->last_seen = g->last;
		mh_finding_count(f, "events", g->count);
		if (!f->summary || !f->remediation ||
		    add_evidence(f, g->ev, g->nev) ||
		    mh_findings_push(out, f)) {
			mh_finding_free(f);
			return MH_ENOMEM;
		}
	}
	if (!s->has_corr)
		return MH_OK;
	struct mh_corr_hit *hits;
	size_t nh;
	if (mh_corr_run(s, &a->corr, &hits, &nh))
		return MH_ENOMEM;
	for (size_t i = 0; i < nh; i++) {
		const struct mh_corr_hit *h = &hits[i];
		const struct mh_sg_rule *r = &s->rules[h->corr];
		if (r->referenced && !r->generate)
			continue; /* an inner correlation of a chain */
		char group[512];
		size_t gl = 0;
		for (const char *q = h->key; *q && gl + 3 < sizeof(group); q++)
			group[gl++] = *q == '\x1f' ? ',' : *q;
		group[gl] = '\0';
		struct mh_finding *f = rule_finding(r, group);
		if (!f) {
			free(hits);
			return MH_ENOMEM;
		}
		snprintf(text, sizeof(text),
		         "Sigma correlation (%s) fired %" PRIu64
		         " time%s over %" PRIu64 " events within %llds",
		         r->corr.type == MH_SGCT_EVENT_COUNT   ? "event_count"
		         : r->corr.type == MH_SGCT_VALUE_COUNT ? "value_count"
		         : r->corr.type == MH_SGCT_TEMPORAL    ? "temporal"
		         : r->corr.type == MH_SGCT_VALUE_SUM   ? "value_sum"
		         : r->corr.type == MH_SGCT_VALUE_AVG   ? "value_avg"
		         : r->corr.type == MH_SGCT_VALUE_PERCENTILE
		                 ? "value_percentile"
		                 : "temporal_ordered",
		         h->firings, h->firings == 1 ? "" : "s", h->events,
		         (long long)r->corr.span);
		f->summary = strdup(text);
		f->remediation =
		        strdup(r->description ? r->description
		                              : "review the correlated events");
		f->first_seen = h->first;
		f->last_seen = h->last;
		mh_finding_count(f, "events", h->events);
		mh_finding_count(f, "firings", h->firings);
		struct item ev[8];
		size_t ne = h->nev < a->max_ev ? h->nev : a->max_ev;
		for (size_t k = 0; k < ne; k++) {
			memset(&ev[k], 0, sizeof(ev[k]));
			ev[k].file = h->ev[k].file;
			ev[k].offset = h->ev[k].offset;
			ev[k].record = h->ev[k].record;
			ev[k].line = h->ev[k].line;
			ev[k].ts = h->ev[k].ts;
		}
		if (!f->summary || !f->remediation || add_evidence(f, ev, ne) ||
		    mh_findings_push(out, f)) {
			mh_finding_free(f);
			free(hits);
			return MH_ENOMEM;
		}
	}
	free(hits);
	return MH_OK;
}

/* The readers' literal prefilter stays on with rules when the rules of
 * every logsource a Microsoft 365 record may be in can be judged from
 * its raw text (match.h mh_sigma_audit_judge): no operation is on the
 * list, and audit_raw asks the rules about each record the other
 * analytics' lists pass over. Otherwise (NULL) every record is parsed.
 * The judge is built here once to see whether it can be (a context
 * freed at once), then once per worker on first use. */
static const char *const *audit_ops(const struct mh_analytic_conf *conf)
{
	static const char *const none[] = {NULL};
	struct mh_sigma_ctx *c;
	if (!conf->sigma || mh_sigma_ctx_new(conf->sigma, &c))
		return NULL;
	int ok = mh_sigma_audit_judge(c) == 1;
	mh_sigma_ctx_free(c);
	return ok ? none : NULL;
}

static int audit_raw(void *p, struct mh_slice text, int csv,
                     const struct mh_rawop *o)
{
	struct acc *a = p;
	/* the judge holds only atoms a CSV row shows alike */
	return a->set && mh_sigma_audit_may(a->ctx, text, csv, o);
}

const struct mh_analytic_ops mh_analytic_sigma = {
        .name = "sigma",
        .create = create,
        .event = on_event,
        .merge = merge,
        .findings = findings,
        .destroy = destroy,
        .duplicate = on_duplicate,
        .audit_ops = audit_ops,
        .audit_raw = audit_raw,
};

const uint64_t *mh_sigma_acc_seen(void *acc)
{
	struct acc *a = acc;
	return a ? a->seen : NULL;
}

/* MARK: - placeholders */

void mh_sigma_phs_init(struct mh_sigma_phs *p)
{
	memset(p, 0, sizeof(*p));
}

int mh_sigma_phs_add(struct mh_sigma_phs *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return -1;
	size_t nl = (size_t)(eq - arg);
	struct mh_placeholder *ph = NULL;
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->v[i].name) == nl &&
		    !strncmp(p->v[i].name, arg, nl))
			ph = &p->v[i];
	if (!ph) {
		if (p->n == p->alloc) {
			size_t na = p->alloc ? p->alloc * 2 : 8;
			struct mh_placeholder *nv =
			        realloc(p->v, na * sizeof(*nv));
			if (!nv)
				return MH_ENOMEM;
			p->v = nv;
			p->alloc = na;
		}
		ph = &p->v[p->n];
		memset(ph, 0, sizeof(*ph));
		ph->name = strndup(arg, nl);
		if (!ph->name)
			return MH_ENOMEM;
		p->n++;
	}
	const char **nv =
	        realloc((void *)ph->values, (ph->nvalues + 1) * sizeof(*nv));
	if (!nv)
		return MH_ENOMEM;
	nv[ph->nvalues] = strdup(eq + 1);
	if (!nv[ph->nvalues]) {
		ph->values = nv;
		return MH_ENOMEM;
	}
	ph->values = nv;
	ph->nvalues++;
	return MH_OK;
}

void mh_sigma_phs_release(struct mh_sigma_phs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t k = 0; k < p->v[i].nvalues; k++)
			free((void *)p->v[i].values[k]);
		free((void *)p->v[i].values);
		free((void *)p->v[i].name);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* MARK: - summary */

static void counts(const struct mh_sigma *s, const uint64_t *seen, size_t *det,
                   size_t *cor, size_t *fil, size_t *idle)
{
	*det = *cor = *fil = *idle = 0;
	for (size_t i = 0; i < s->nrules; i++) {
		const struct mh_sg_rule *r = &s->rules[i];
		if (r->kind == MH_SG_DETECTION)
			(*det)++;
		else if (r->kind == MH_SG_CORRELATION)
			(*cor)++;
		else if (r->kind == MH_SG_FILTER)
			(*fil)++;
		if (r->kind != MH_SG_DETECTION || r->bucket < 0)
			continue;
		int on = seen ? (int)((seen[r->bucket / 64] >>
		                       (r->bucket % 64)) &
		                      1)
		              : s->buckets[r->bucket].satisfiable;
		*idle += !on;
	}
}

static void refusal_kinds(const struct mh_sigma *s, FILE *f)
{
	/* kinds in order of first appearance, with counts */
	const char *kinds[32];
	size_t cnt[32], nk = 0;
	for (size_t i = 0; i < s->nrefused; i++) {
		size_t k;
		for (k = 0; k < nk; k++)
			if (!strcmp(kinds[k], s->refused[i].kind))
				break;
		if (k == nk && nk < 32) {
			kinds[nk] = s->refused[i].kind;
			cnt[nk++] = 0;
		}
		if (k < nk)
			cnt[k]++;
	}
	for (size_t k = 0; k < nk; k++)
		fprintf(f, "%s %zu %s", k ? "," : ":", cnt[k], kinds[k]);
}

void mh_sigma_summary(const struct mh_sigma *s, FILE *f, int verbose)
{
	size_t det, cor, fil, idle;
	counts(s, NULL, &det, &cor, &fil, &idle);
	fprintf(f,
	        "sigma: %zu rules loaded (%zu detection, %zu correlation, "
	        "%zu filter) from %zu files in %.3f s; %zu refused",
	        det + cor + fil, det, cor, fil, s->files, s->load_seconds,
	        s->nrefused);
	refusal_kinds(s, f);
	fprintf(f,
	        "; %zu idle (no input mailhunt reads has their "
	        "logsource)\n",
	        idle);
	(void)verbose;
}

void mh_sigma_scan_summary(const struct mh_sigma *s, const uint64_t *seen,
                           FILE *f)
{
	size_t det, cor, fil, idle;
	counts(s, seen, &det, &cor, &fil, &idle);
	fprintf(f,
	        "mailhunt: sigma: %zu rules loaded (%zu detection, %zu "
	        "correlation, %zu filter) in %.3f s; %zu refused",
	        det + cor + fil, det, cor, fil, s->load_seconds, s->nrefused);
	refusal_kinds(s, f);
	fprintf(f, "; %zu idle (their logsource matched no event)\n", idle);
	for (size_t i = 0; i < s->nrefused; i++) {
		const struct mh_sg_refusal *r = &s->refused[i];
		fprintf(f, "mailhunt: %s", r->path);
		if (r->line)
			fprintf(f, ":%u", r->line);
		fprintf(f, ": rule refused: %s\n", r->reason);
	}
}
