#include "finding/finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"

static const char *const level_names[] = {"informational", "low", "medium",
                                          "high", "critical"};

const char *mh_level_name(enum mh_level l)
{
	if ((int)l < 0 || l > MH_LEVEL_CRITICAL)
		return "unknown";
	return level_names[l];
}

int mh_level_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "info") || !strcmp(s, "informational"))
		return MH_LEVEL_INFO;
	for (int i = MH_LEVEL_LOW; i <= MH_LEVEL_CRITICAL; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	if (s)
		for (; *s; s++) {
			h ^= (unsigned char)*s;
			h *= 0x100000001b3ULL;
		}
	/* Separator so ("ab","c") and ("a","bc") differ. */
	h ^= 0xff;
	h *= 0x100000001b3ULL;
	return h;
}

void mh_finding_set_id(struct mh_finding *f)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv1a(h, f->rule_id);
	h = fnv1a(h, f->mailbox);
	h = fnv1a(h, f->destination);
	snprintf(f->id, sizeof(f->id), "%016llx", (unsigned long long)h);
}

struct mh_finding *mh_finding_new(void)
{
	struct mh_finding *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->external = -1;
	f->first_seen = f->last_seen = MH_TS_NONE;
	return f;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return MH_OK;
	*out = strdup(s);
	return *out ? MH_OK : MH_ENOMEM;
}

int mh_finding_set_rule(struct mh_finding *f, const char *rule_id,
                        const char *title, const char *technique,
                        const char *tactic)
{
	char *v[4];
	const char *s[4] = {rule_id, title, technique, tactic};
	for (int i = 0; i < 4; i++)
		if (dup_opt(s[i], &v[i]) != MH_OK) {
			while (i-- > 0)
				free(v[i]);
			return MH_ENOMEM;
		}
	free(f->rule_id);
	free(f->title);
	free(f->technique);
	free(f->tactic);
	f->rule_id = v[0];
	f->title = v[1];
	f->technique = v[2];
	f->tactic = v[3];
	return MH_OK;
}

int mh_finding_attr(struct mh_finding *f, const char *key, const char *value)
{
	if (!value)
		return MH_OK;
	for (size_t i = 0; i < f->nattrs; i++) {
		if (strcmp(f->attrs[i].key, key) != 0)
			continue;
		/* Keys stay unique (they are JSON object keys): a second
		 * value joins the first. */
		size_t a = strlen(f->attrs[i].value), b = strlen(value);
		char *nv = realloc(f->attrs[i].value, a + 2 + b + 1);
		if (!nv)
			return MH_ENOMEM;
		nv[a] = ';';
		nv[a + 1] = ' ';
		memcpy(nv + a + 2, value, b + 1);
		f->attrs[i].value = nv;
		return MH_OK;
	}
	if (f->nattrs >= MH_FINDING_MAX_ATTRS)
		return MH_ETOOBIG;
	char *v = strdup(value);
	if (!v)
		return MH_ENOMEM;
	f->attrs[f->nattrs].key = key;
	f->attrs[f->nattrs].value = v;
	f->nattrs++;
	return MH_OK;
}

const char *mh_finding_attr_get(const struct mh_finding *f, const char *key)
{
	for (size_t i = 0; i < f->nattrs; i++)
		if (!strcmp(f->attrs[i].key, key))
			return f->attrs[i].value;
	return NULL;
}

void mh_finding_count(struct mh_finding *f, const char *name, uint64_t v)
{
	if (f->ncounts >= MH_FINDING_MAX_COUNTS)
		return;
	f->counts[f->ncounts].name = name;
	f->counts[f->ncounts].value = v;
	f->ncounts++;
}

void mh_finding_free(struct mh_finding *f)
{
	if (!f)
		return;
	free(f->rule_id);
	free(f->title);
	free(f->technique);
	free(f->tactic);
	free(f->mailbox);
	free(f->destination);
	free(f->dest_domain);
	free(f->mechanism);
	free(f->summary);
	free(f->remediation);
	free(f->actor);
	free(f->client_ip);
	free(f->app);
	for (size_t i = 0; i < f->nattrs; i++)
		free(f->attrs[i].value);
	for (size_t i = 0; i < f->nevidence; i++) {
		free(f->evidence[i].file);
		free(f->evidence[i].message_id);
		free(f->evidence[i].header);
		free(f->evidence[i].fields);
	}
	free(f->evidence);
	free(f);
}

int mh_findings_push(struct mh_findings *l, struct mh_finding *f)
{
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct mh_finding **nv = realloc(l->v, na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n++] = f;
	return MH_OK;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct mh_finding *a = *(const struct mh_finding *const *)pa;
	const struct mh_finding *b = *(const struct mh_finding *const *)pb;
	if (a->level != b->level)
		return a->level > b->level ? -1 : 1;
	int c = cmp_str(a->rule_id, b->rule_id);
	if (c)
		return c;
	c = cmp_str(a->mailbox, b->mailbox);
	if (c)
		return c;
	return cmp_str(a->destination, b->destination);
}

void mh_findings_sort(struct mh_findings *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_finding);
}

void mh_findings_release(struct mh_findings *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		mh_finding_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

static int tag_under(const char *t, size_t tl, const char *want)
{
	size_t wl = strlen(want);
	if (tl < wl || strncasecmp(t, want, wl) != 0)
		return 0;
	return tl == wl || t[wl] == '.';
}

int mh_finding_has_tag(const struct mh_finding *f, const char *const *tags,
                       size_t n)
{
	char buf[96];
	const char *own[2] = {f->technique, f->tactic};
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++) {
			if (!own[k])
				continue;
			int l = snprintf(buf, sizeof(buf), "attack.%s", own[k]);
			if (l > 0 && (size_t)l < sizeof(buf) &&
			    tag_under(buf, (size_t)l, tags[i]))
				return 1;
		}
		const char *all = mh_finding_attr_get(f, "tags");
		while (all && *all) {
			const char *e = strchr(all, ' ');
			size_t l = e ? (size_t)(e - all) : strlen(all);
			if (tag_under(all, l, tags[i]))
				return 1;
			all = e ? e + 1 : NULL;
		}
	}
	return 0;
}
