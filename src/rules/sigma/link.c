/* link.c - the second half of loading a rule set: filters and correlations
 * linked to the rules they name (refusing a correlation whose rules are
 * missing, in cascade), logsource buckets, and the field-name table the
 * matcher looks names up in. See ruleset.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/sigma/loader.h"
#include "rules/sigma/logsource.h"

static int lookup(struct loader *L, const char *ref)
{
	void **v = mh_strmap_get(&L->byid, ref);
	return v ? (int)(intptr_t)*v - 1 : -1;
}

/* Refuse rule i after loading (removed from the set by marking kind 0). */
static int late_refuse(struct loader *L, size_t i, const char *why)
{
	struct mh_sg_rule *r = &L->s->rules[i];
	r->kind = 0;
	return mh_sg_refuse(L, r->path, r->line, 0, r->title, why);
}

static int link_rules(struct loader *L)
{
	struct mh_sigma *s = L->s;
	char msg[400];
	int changed = 1;
	/* Correlations: resolve, refusing in cascade until stable. */
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < s->nrules; i++) {
			struct mh_sg_rule *r = &s->rules[i];
			if (r->kind != MH_SG_CORRELATION)
				continue;
			struct mh_sg_corr *c = &r->corr;
			if (!c->rules)
				c->rules = mh_arena_alloc(
				        &s->arena,
				        c->nrefs * sizeof(*c->rules));
			if (!c->rules)
				return MH_ENOMEM;
			c->nrules = 0;
			const char *bad = NULL;
			for (uint32_t k = 0; k < c->nrefs && !bad; k++) {
				int j = lookup(L, c->refs[k]);
				if (j < 0 || !s->rules[j].kind ||
				    s->rules[j].kind == MH_SG_FILTER)
					bad = c->refs[k];
				else
					c->rules[c->nrules++] = (uint32_t)j;
			}
			if (bad) {
				snprintf(msg, sizeof(msg),
				         "correlation names '%s', which is not "
				         "a loaded rule",
				         bad);
				if (late_refuse(L, i, msg))
					return MH_ENOMEM;
				changed = 1;
			}
		}
	}
	for (size_t i = 0; i < s->nrules; i++) {
		struct mh_sg_rule *r = &s->rules[i];
		if (r->kind != MH_SG_CORRELATION)
			continue;
		struct mh_sg_corr *c = &r->corr;
		s->has_corr = 1;
		for (uint32_t k = 0; k < c->nrules; k++) {
			s->rules[c->rules[k]].referenced = 1;
			s->rules[c->rules[k]].needs_ts = 1;
		}
		size_t na = (size_t)c->ngroup * c->nrules;
		c->alias_field = mh_arena_alloc(
		        &s->arena, (na ? na : 1) * sizeof(*c->alias_field));
		if (!c->alias_field)
			return MH_ENOMEM;
		for (uint32_t g = 0; g < c->ngroup; g++)
			for (uint32_t k = 0; k < c->nrules; k++) {
				const char *f = NULL;
				for (uint32_t a = 0; a < c->nal; a++) {
					if (strcmp(c->al_name[a],
					           c->group[g]) != 0)
						continue;
					int j = lookup(L, c->al_rule[a]);
					if (j == (int)c->rules[k])
						f = c->al_field[a];
				}
				c->alias_field[g * c->nrules + k] = f;
			}
	}
	/* A rule referenced by a correlation reports alone only with
	 * generate: true on a correlation naming it. */
	for (size_t i = 0; i < s->nrules; i++) {
		struct mh_sg_rule *r = &s->rules[i];
		if (r->kind == MH_SG_CORRELATION && r->generate)
			for (uint32_t k = 0; k < r->corr.nrules; k++)
				s->rules[r->corr.rules[k]].generate = 1;
	}
	/* Filters: attach to the rules they name (unknown names are left:
	 * the rule may simply not be loaded in this run). */
	uint32_t *cnt = calloc(s->nrules ? s->nrules : 1, sizeof(*cnt));
	if (!cnt)
		return MH_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->nrules; i++) {
			struct mh_sg_rule *f = &s->rules[i];
			if (f->kind != MH_SG_FILTER)
				continue;
			for (uint32_t k = 0; k < f->nfrefs; k++) {
				int j = lookup(L, f->frefs[k]);
				if (j < 0 ||
				    s->rules[j].kind != MH_SG_DETECTION)
					continue;
				struct mh_sg_rule *t = &s->rules[j];
				if (pass == 0)
					cnt[j]++;
				else
					t->filters[t->nfilters++] = (uint32_t)i;
			}
		}
		if (pass == 0)
			for (size_t j = 0; j < s->nrules; j++)
				if (cnt[j]) {
					s->rules[j].filters = mh_arena_alloc(
					        &s->arena,
					        cnt[j] * sizeof(uint32_t));
					if (!s->rules[j].filters) {
						free(cnt);
						return MH_ENOMEM;
					}
				}
	}
	free(cnt);
	return MH_OK;
}

static int assign_buckets(struct mh_sigma *s)
{
	for (size_t i = 0; i < s->nrules; i++) {
		struct mh_sg_rule *r = &s->rules[i];
		if (r->kind != MH_SG_DETECTION && r->kind != MH_SG_FILTER)
			continue;
		size_t b;
		for (b = 0; b < s->nbuckets; b++) {
			const struct mh_sg_bucket *k = &s->buckets[b];
			if (!mh_sg_ls_eq(k->category, r->category) &&
			    !mh_sg_ls_eq(k->product, r->product) &&
			    !mh_sg_ls_eq(k->service, r->service))
				break;
		}
		if (b == s->nbuckets) {
			if (s->nbuckets == s->buckets_alloc) {
				size_t na = s->buckets_alloc
				                    ? s->buckets_alloc * 2
				                    : 64;
				struct mh_sg_bucket *nv =
				        realloc(s->buckets, na * sizeof(*nv));
				if (!nv)
					return MH_ENOMEM;
				s->buckets = nv;
				s->buckets_alloc = na;
			}
			struct mh_sg_bucket *k = &s->buckets[s->nbuckets++];
			memset(k, 0, sizeof(*k));
			k->category = r->category;
			k->product = r->product;
			k->service = r->service;
			k->satisfiable = mh_sg_ls_known(r->category, r->product,
			                                r->service);
		}
		r->bucket = (int)b;
		s->buckets[b].nrules++;
	}
	/* Mail messages skip the matcher when no rule can apply to them. */
	struct mh_ls_input in = {0};
	struct mh_ls_class mail;
	in.mail = 1;
	in.event_id = -1;
	mh_sg_ls_classify(&in, &mail);
	for (size_t b = 0; b < s->nbuckets; b++)
		if (mh_sg_ls_match(&mail, s->buckets[b].category,
		                   s->buckets[b].product,
		                   s->buckets[b].service))
			s->mail_rules = 1;
	return MH_OK;
}

/* A case-insensitive hash of a field name, eight bytes at a time: the
 * 0x20 bit is cleared on every byte, so 'a' and 'A' hash alike (and so do
 * a few pairs of punctuation such as '@' and '`': the lookup compares the
 * names anyway). */
static uint32_t ihash(const char *p, size_t n)
{
	const uint64_t fold = ~0x2020202020202020ULL;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ (w & fold)) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, p + i, n - i);
		h = (h ^ (w & fold)) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (uint32_t)(h ^ (h >> 29));
}

/* Bit of the first eight bytes of a name (case folded) in slot_prefix:
 * most names of an event (Event.System..., Event.EventData...) are
 * tested by no rule under that name and are turned away here. */
static unsigned prefix_bit(const char *p, size_t n)
{
	uint64_t w = 0;
	memcpy(&w, p, n < 8 ? n : 8);
	w &= ~0x2020202020202020ULL;
	w *= 0x9e3779b97f4a7c15ULL;
	return (unsigned)(w >> 52); /* 0..4095 */
}

/* The matcher looks a name up for every value of every event: a flat
 * table with the hash kept beside each slot. */
int mh_sg_slot_table(struct mh_sigma *s)
{
	size_t cap = 64;
	while (cap < s->nslots * 4)
		cap *= 2;
	s->slot_tab = calloc(cap, sizeof(*s->slot_tab));
	s->slot_hash = malloc((s->nslots + 1) * sizeof(*s->slot_hash));
	s->slot_len = malloc((s->nslots + 1) * sizeof(*s->slot_len));
	if (!s->slot_tab || !s->slot_hash || !s->slot_len)
		return MH_ENOMEM;
	s->slot_mask = cap - 1;
	for (size_t i = 0; i < s->nslots; i++) {
		size_t n = strlen(s->slot_name[i]);
		uint32_t h = ihash(s->slot_name[i], n);
		s->slot_hash[i] = h;
		s->slot_len[i] = (uint32_t)n;
		unsigned pb = prefix_bit(s->slot_name[i], n);
		s->slot_prefix[pb / 64] |= (uint64_t)1 << (pb % 64);
		size_t j = h & s->slot_mask;
		while (s->slot_tab[j])
			j = (j + 1) & s->slot_mask;
		s->slot_tab[j] = (uint32_t)i + 1;
	}
	return MH_OK;
}

int mh_sigma_slot(const struct mh_sigma *s, const char *name, size_t n)
{
	if (s->slot_tab) {
		unsigned pb = prefix_bit(name, n);
		if (!((s->slot_prefix[pb / 64] >> (pb % 64)) & 1))
			return -1;
		uint32_t h = ihash(name, n);
		for (size_t j = h & s->slot_mask; s->slot_tab[j];
		     j = (j + 1) & s->slot_mask) {
			uint32_t k = s->slot_tab[j] - 1;
			if (s->slot_hash[k] == h && s->slot_len[k] == n &&
			    !strncasecmp(s->slot_name[k], name, n))
				return (int)k;
		}
		return -1;
	}
	char low[256];
	if (n >= sizeof(low))
		return -1;
	for (size_t i = 0; i < n; i++)
		low[i] =
		        (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20
		                                                : name[i]);
	void **v = mh_strmap_find(&s->slots, low, n);
	return v ? (int)(intptr_t)*v - 1 : -1;
}

const struct mh_sg_rule *mh_sigma_find(const struct mh_sigma *s, const char *id)
{
	for (size_t i = 0; i < s->nrules; i++) {
		const struct mh_sg_rule *r = &s->rules[i];
		if (r->kind && ((r->id && !strcmp(r->id, id)) ||
		                (r->name && !strcmp(r->name, id))))
			return r;
	}
	return NULL;
}

int mh_sg_link(struct loader *L)
{
	int rc = link_rules(L);
	return rc ? rc : assign_buckets(L->s);
}
