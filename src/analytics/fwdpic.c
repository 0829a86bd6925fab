/* fwdpic.c - the forwarding picture: facts of every source -> pairs per
 * (kind, mailbox, destination) and per forwarding mailbox, evidence,
 * merge, organisation domains, internal or external, statistics, and the
 * analytic's entry points. The contract is docs/FORWARDING.md.
 */
#include "analytics/analytic.h"
#include "analytics/forwarding.h"
#include "analytics/fwdpic.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/strmap.h"
#include "core/time.h"

const char *const mh_fw_mech_names[M__COUNT] = {
        "exchange-inbox-rule",
        "exchange-mailbox-forwarding",
        "gmail-forwarding",
        "sieve-redirect",
        "server-redirect",
        "resent",
        "generic",
        "exchange-transport-rule",
        "gws-email-monitor",
        "gws-routing",
};

int mh_fw_lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

void mh_fw_lower(char *s)
{
	for (; *s; s++)
		*s = (char)mh_fw_lc((unsigned char)*s);
}

const char *mh_fw_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

void mh_fw_ev_release(struct ev_item *e)
{
	free(e->file);
	free(e->msgid);
	free(e->header);
	free(e->fields);
	memset(e, 0, sizeof(*e));
}

void mh_fw_agg_free(void *p)
{
	struct agg *a = p;
	if (!a)
		return;
	for (size_t i = 0; i < a->nev; i++)
		mh_fw_ev_release(&a->ev[i]);
	free(a->ev);
	for (size_t i = 0; i < a->naev; i++)
		mh_fw_ev_release(&a->aev[i]);
	free(a->aev);
	mh_fw_lead_release(&a->lead);
	free(a->rules);
	free(a->mailbox);
	free(a);
}

static void stats_drop(struct mh_fwd *f)
{
	mh_arena_release(&f->stats_arena);
	mh_arena_init(&f->stats_arena, 16384, 0);
	f->pairs = NULL;
	f->mstats = NULL;
	f->npairs = f->nmstats = 0;
}

void mh_fw_drop_derived(struct mh_fwd *f)
{
	mh_fw_org_drop(f);
	stats_drop(f);
}

int mh_fwd_new(struct mh_fwd **out, const struct mh_fwd_opts *o)
{
	struct mh_fwd *f = calloc(1, sizeof(*f));
	if (!f)
		return MH_ENOMEM;
	f->max_evidence = o && o->max_evidence ? o->max_evidence : 5;
	mh_strmap_init(&f->given_org);
	mh_strmap_init(&f->aggs);
	mh_strmap_init(&f->mboxes);
	mh_strmap_init(&f->owner_dom);
	mh_strmap_init(&f->mdom);
	mh_strmap_init(&f->removals);
	mh_strmap_init(&f->enables);
	mh_strmap_init(&f->aliases);
	mh_strmap_init(&f->tenant_dom);
	mh_strmap_init(&f->not_tenant);
	mh_strmap_init(&f->org);
	mh_arena_init(&f->arena, 16384, 0);
	mh_arena_init(&f->jarena, 16384, 0);
	mh_arena_init(&f->stats_arena, 16384, 0);
	mh_buf_init(&f->ubuf, 16384);
	mh_buf_init(&f->dbuf, 32768);
	f->jr.first = f->jr.last = MH_TS_NONE;
	for (size_t i = 0; o && i < o->norg; i++) {
		char d[256];
		void **slot;
		if (!o->org_domains[i])
			continue;
		snprintf(d, sizeof(d), "%s", o->org_domains[i]);
		mh_fw_lower(d);
		/* "@corp.example" and "corp.example." mean corp.example. */
		char *s = d;
		while (*s == '@' || *s == '.')
			s++;
		size_t k = strlen(s);
		while (k && s[k - 1] == '.')
			s[--k] = '\0';
		if (k &&
		    mh_strmap_add(&f->given_org, s, &slot, NULL) != MH_OK) {
			mh_fwd_free(f);
			return MH_ENOMEM;
		}
	}
	*out = f;
	return MH_OK;
}

void mh_fwd_free(struct mh_fwd *f)
{
	if (!f)
		return;
	mh_strmap_release(&f->given_org, NULL);
	mh_strmap_release(&f->aggs, mh_fw_agg_free);
	mh_strmap_release(&f->mboxes, free);
	mh_strmap_release(&f->owner_dom, NULL);
	mh_strmap_release(&f->mdom, NULL);
	mh_strmap_release(&f->removals, free);
	mh_strmap_release(&f->enables, free);
	mh_strmap_release(&f->aliases, mh_fw_alias_free);
	free(f->guid_seen);
	mh_strmap_release(&f->tenant_dom, NULL);
	mh_strmap_release(&f->not_tenant, NULL);
	for (size_t i = 0; i < f->jr.nev; i++)
		mh_fw_ev_release(&f->jr.ev[i]);
	free(f->jr.ev);
	mh_fw_org_drop(f);
	mh_arena_release(&f->arena);
	mh_arena_release(&f->jarena);
	mh_arena_release(&f->stats_arena);
	mh_buf_release(&f->ubuf);
	mh_buf_release(&f->dbuf);
	free(f);
}

void mh_fwd_totals(const struct mh_fwd *f, uint64_t *messages,
                   uint64_t *auto_forwarded, uint64_t *looks_forwarded)
{
	if (messages)
		*messages = f->messages;
	if (auto_forwarded)
		*auto_forwarded = f->autofwd;
	if (looks_forwarded)
		*looks_forwarded = f->looks;
}

/* MARK: - aggregation */

void mh_fw_span(int64_t *first, int64_t *last, int64_t ts)
{
	if (ts == MH_TS_NONE)
		return;
	if (*first == MH_TS_NONE || ts < *first)
		*first = ts;
	if (*last == MH_TS_NONE || ts > *last)
		*last = ts;
}

int mh_fw_ev_cmp(const struct ev_item *a, const struct ev_item *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Would an item at (file, offset) be among the max smallest? Saves
 * copying strings for the thousands of messages that would be dropped. */
int mh_fw_ev_wanted(const struct ev_item *v, size_t n, size_t max,
                    const char *file, uint64_t offset)
{
	if (n < max)
		return 1;
	struct ev_item probe = {0};
	probe.file = (char *)file;
	probe.offset = offset;
	for (size_t i = 0; i < n; i++)
		if (mh_fw_ev_cmp(&probe, &v[i]) < 0)
			return 1;
	return 0;
}

/* Keep the max smallest items by (file, offset): the same set whatever
 * the order of arrival, hence across threads and merges. Takes *e (it is
 * released when not kept). */
int mh_fw_ev_keep(struct ev_item **pv, size_t *pn, size_t max,
                  struct ev_item *e)
{
	struct ev_item *v = *pv;
	size_t n = *pn;
	/* One item per audit record: of its copies, the first in file order
	 * (the smallest copy of each record, then the max smallest of those,
	 * whatever the order of arrival). */
	for (size_t i = 0; e->rid && i < n; i++) {
		if (v[i].rid != e->rid)
			continue;
		if (mh_fw_ev_cmp(e, &v[i]) < 0) {
			mh_fw_ev_release(&v[i]);
			v[i] = *e;
		} else {
			mh_fw_ev_release(e);
		}
		return MH_OK;
	}
	/* One item per (file, offset): the same message fed twice (or two
	 * analyses of one journal report) is one piece of evidence. */
	for (size_t i = 0; i < n; i++)
		if (!mh_fw_ev_cmp(e, &v[i])) {
			mh_fw_ev_release(e);
			return MH_OK;
		}
	if (n == max) {
		size_t worst = 0;
		for (size_t i = 1; i < n; i++)
			if (mh_fw_ev_cmp(&v[i], &v[worst]) > 0)
				worst = i;
		if (mh_fw_ev_cmp(e, &v[worst]) >= 0) {
			mh_fw_ev_release(e);
			return MH_OK;
		}
		mh_fw_ev_release(&v[worst]);
		v[worst] = *e;
		return MH_OK;
	}
	if (!v && !(v = *pv = calloc(max, sizeof(*v)))) {
		mh_fw_ev_release(e);
		return MH_ENOMEM;
	}
	v[(*pn)++] = *e;
	return MH_OK;
}

/* Cut at most cap bytes without splitting a UTF-8 sequence. */
size_t mh_fw_utf8_cut(const char *s, size_t n, size_t cap)
{
	if (n <= cap)
		return n;
	size_t k = cap;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

static int agg_key(struct mh_buf *b, enum kind k, const char *mailbox,
                   const char *dest)
{
	mh_buf_reset(b);
	return mh_buf_printf(b, "%d\x1f%s\x1f%s", (int)k, mailbox, dest);
}

struct agg *mh_fw_agg_get(struct mh_fwd *f, enum kind k, const char *mailbox,
                          const char *dest)
{
	void **slot;
	int created;
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	struct agg *a = NULL;
	if (agg_key(&key, k, mailbox, dest) ||
	    mh_strmap_upsert(&f->aggs, key.p, key.len, &slot, &created))
		goto done;
	if (!created) {
		a = *slot;
		goto done;
	}
	size_t ml = strlen(mailbox), dl = strlen(dest);
	a = calloc(1, sizeof(*a));
	char *mem = malloc(ml + dl + 2);
	if (!a || !mem) {
		free(a);
		free(mem);
		a = NULL;
		/* The key stays with a NULL value; users skip those. */
		goto done;
	}
	memcpy(mem, mailbox, ml + 1);
	memcpy(mem + ml + 1, dest, dl + 1);
	a->kind = k;
	a->mailbox = mem;
	a->dest = mem + ml + 1;
	a->first = a->last = MH_TS_NONE;
	a->afirst = a->alast = a->lead.ts = MH_TS_NONE;
	a->lead.rank = -1;
	*slot = a;
done:
	mh_buf_release(&key);
	return a;
}

static struct mbox_acc *mbox_get(struct mh_fwd *f, const char *mailbox)
{
	void **slot;
	int created;
	if (mh_strmap_add(&f->mboxes, mailbox, &slot, &created))
		return NULL;
	if (created || !*slot) {
		struct mbox_acc *b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		b->first = b->last = b->exch_first = b->exch_last = MH_TS_NONE;
		*slot = b;
	}
	return *slot;
}

/* Spec "Internal or external": the domain of fact i's forwarding
 * mailbox is counted once per message. */
static int mdom_note(struct mh_fwd *f, const struct fact *facts, size_t i)
{
	const char *mb = facts[i].mailbox;
	const char *d = mh_fw_domain_of(mb);
	void **slot;
	if (!strcmp(mb, UNKNOWN) || !*d)
		return MH_OK;
	for (size_t k = 0; k < i; k++)
		if (strcmp(facts[k].mailbox, UNKNOWN) != 0 &&
		    !strcmp(mh_fw_domain_of(facts[k].mailbox), d))
			return MH_OK;
	if (mh_strmap_add(&f->mdom, d, &slot, NULL))
		return MH_ENOMEM;
	*slot = (void *)((uintptr_t)*slot + 1);
	return MH_OK;
}

/* What one message has already added to an aggregate or a mailbox: a
 * message counts once in each, however many of its analyses (a journal
 * report's own header, its original, its envelope) name them. */
struct touched_agg {
	struct agg *a;
	int looks;
};
struct touched_mbox {
	struct mbox_acc *b;
	int looks, exch, exch_looks;
};

static int record_pair(struct mh_fwd *f, const struct fact *x, const char *dest,
                       struct touched_agg *ta, size_t *nta)
{
	const struct mh_event *ev = x->ev;
	struct agg *a = mh_fw_agg_get(f, x->kind, x->mailbox, dest);
	if (!a)
		return MH_ENOMEM;
	a->mechs |= 1u << x->mech;
	a->arts |= x->arts;
	a->srcs |= S_MAIL;
	for (size_t k = 0; k < *nta; k++)
		if (ta[k].a == a) {
			/* Already counted for this message. */
			if (x->looks && !ta[k].looks) {
				ta[k].looks = 1;
				a->looks++;
			}
			return MH_OK;
		}
	ta[*nta].a = a;
	ta[*nta].looks = x->looks;
	(*nta)++;
	a->autofwd++;
	if (x->looks)
		a->looks++;
	mh_fw_span(&a->first, &a->last, ev->ts);
	const char *path = ev->path ? ev->path : "";
	if (!mh_fw_ev_wanted(a->ev, a->nev, f->max_evidence, path, ev->offset))
		return MH_OK;
	struct ev_item e = {0};
	if (x->fill(f, x, &e))
		return MH_ENOMEM;
	return mh_fw_ev_keep(&a->ev, &a->nev, f->max_evidence, &e);
}

static int record_mbox(struct mh_fwd *f, const struct fact *x,
                       struct touched_mbox *tm, size_t *ntm)
{
	int64_t ts = x->ev->ts;
	struct mbox_acc *b = mbox_get(f, x->mailbox);
	if (!b)
		return MH_ENOMEM;
	size_t k = 0;
	while (k < *ntm && tm[k].b != b)
		k++;
	if (k == *ntm) {
		memset(&tm[k], 0, sizeof(tm[k]));
		tm[k].b = b;
		(*ntm)++;
		b->autofwd++;
		mh_fw_span(&b->first, &b->last, ts);
	}
	if (x->looks && !tm[k].looks) {
		tm[k].looks = 1;
		b->looks++;
	}
	if (x->kind != K_EXCH)
		return MH_OK;
	if (!tm[k].exch) {
		tm[k].exch = 1;
		b->exch_autofwd++;
		mh_fw_span(&b->exch_first, &b->exch_last, ts);
	}
	if (x->looks && !tm[k].exch_looks) {
		tm[k].exch_looks = 1;
		b->exch_looks++;
	}
	return MH_OK;
}

/* Add the facts of one message (all its analyses) to the accumulator. */
int mh_fw_record(struct mh_fwd *f, const struct fact *facts, size_t nf)
{
	struct touched_agg ta[FACTS_CAP * MAX_DEST];
	struct touched_mbox tm[FACTS_CAP];
	size_t nta = 0, ntm = 0;
	int looks = 0;
	for (size_t i = 0; i < nf; i++) {
		const struct fact *x = &facts[i];
		size_t nd = x->ndest ? x->ndest : 1;
		size_t kept = 0;
		looks |= x->looks;
		for (size_t j = 0; j < nd; j++) {
			const char *dest = x->ndest ? x->dest[j] : UNKNOWN;
			/* Forwarding to oneself is no forwarding. */
			if (!strcmp(dest, x->mailbox) && (x->ndest > 1 || kept))
				continue;
			if (!strcmp(dest, x->mailbox))
				dest = UNKNOWN;
			kept++;
			if (record_pair(f, x, dest, ta, &nta))
				return MH_ENOMEM;
		}
		if (record_mbox(f, x, tm, &ntm) || mdom_note(f, facts, i))
			return MH_ENOMEM;
	}
	f->autofwd++;
	if (looks)
		f->looks++;
	return MH_OK;
}

int mh_fw_note_owner(struct mh_fwd *f, const char *owner)
{
	void **slot;
	if (!strcmp(owner, f->last_owner))
		return MH_OK;
	snprintf(f->last_owner, sizeof(f->last_owner), "%s", owner);
	const char *at = strrchr(owner, '@');
	if (!at || !at[1])
		return MH_OK;
	char d[ADDR_MAX];
	snprintf(d, sizeof(d), "%s", at + 1);
	mh_fw_lower(d);
	return mh_strmap_add(&f->owner_dom, d, &slot, NULL);
}

/* MARK: - the sources */

int mh_fwd_event(struct mh_fwd *f, const struct mh_event *ev,
                 struct mh_err *err)
{
	if (ev->kind == MH_EV_MAIL)
		return mh_fw_mail_event(f, ev, err);
	if (ev->kind == MH_EV_AUDIT && ev->audit)
		return mh_fw_audit_event(f, ev, 0, err);
	return MH_OK;
}

/* MARK: - merge */

void mh_fw_agg_add(struct agg *t, struct agg *a, size_t max)
{
	t->autofwd += a->autofwd;
	t->looks += a->looks;
	t->mechs |= a->mechs;
	t->arts |= a->arts;
	mh_fw_span(&t->first, &t->last, a->first);
	mh_fw_span(&t->first, &t->last, a->last);
	for (size_t i = 0; i < a->nev; i++) {
		/* ev_keep only fails before it holds anything; then the
		 * item is released and the evidence is merely shorter. */
		mh_fw_ev_keep(&t->ev, &t->nev, max, &a->ev[i]);
		memset(&a->ev[i], 0, sizeof(a->ev[i]));
	}
	a->nev = 0;
	mh_fw_audit_add(t, a, max);
}

static void mbox_add(struct mbox_acc *t, const struct mbox_acc *b)
{
	t->autofwd += b->autofwd;
	t->looks += b->looks;
	mh_fw_span(&t->first, &t->last, b->first);
	mh_fw_span(&t->first, &t->last, b->last);
	t->exch_autofwd += b->exch_autofwd;
	t->exch_looks += b->exch_looks;
	mh_fw_span(&t->exch_first, &t->exch_last, b->exch_first);
	mh_fw_span(&t->exch_first, &t->exch_last, b->exch_last);
}

int mh_fwd_merge(struct mh_fwd *into, struct mh_fwd *from)
{
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	void **slot;
	int created, rc = MH_OK;

	if (into == from)
		return MH_OK;
	mh_fw_drop_derived(into);
	mh_fw_drop_derived(from);
	while ((s = mh_strmap_next(&from->aggs, &pos)) != NULL) {
		struct agg *a = s->val;
		if (!a)
			continue;
		if (mh_strmap_upsert(&into->aggs, s->key, s->klen, &slot,
		                     &created)) {
			rc = MH_ENOMEM;
			break;
		}
		if (!*slot) {
			*slot = a; /* moved */
		} else {
			mh_fw_agg_add(*slot, a, into->max_evidence);
			mh_fw_agg_free(a);
		}
		from->aggs.slot[pos - 1].val = NULL;
	}
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->mboxes, &pos))) {
		struct mbox_acc *b = s->val;
		if (!b)
			continue;
		if (mh_strmap_upsert(&into->mboxes, s->key, s->klen, &slot,
		                     &created)) {
			rc = MH_ENOMEM;
			break;
		}
		if (!*slot) {
			*slot = b;
		} else {
			mbox_add(*slot, b);
			free(b);
		}
		from->mboxes.slot[pos - 1].val = NULL;
	}
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->owner_dom, &pos)))
		if (mh_strmap_upsert(&into->owner_dom, s->key, s->klen, &slot,
		                     NULL))
			rc = MH_ENOMEM;
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->mdom, &pos))) {
		if (mh_strmap_upsert(&into->mdom, s->key, s->klen, &slot,
		                     NULL)) {
			rc = MH_ENOMEM;
			break;
		}
		*slot = (void *)((uintptr_t)*slot + (uintptr_t)s->val);
	}
	into->messages += from->messages;
	into->autofwd += from->autofwd;
	into->looks += from->looks;
	from->messages = from->autofwd = from->looks = 0;
	mh_fw_agg_add(&into->jr, &from->jr, into->max_evidence);
	from->jr.autofwd = from->jr.looks = 0;
	from->jr.first = from->jr.last = MH_TS_NONE;
	for (size_t i = 0; i < J__WHY; i++) {
		into->jr_why[i] += from->jr_why[i];
		from->jr_why[i] = 0;
	}
	mh_strmap_release(&from->aggs, mh_fw_agg_free);
	mh_strmap_release(&from->mboxes, free);
	mh_strmap_release(&from->owner_dom, NULL);
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->tenant_dom, &pos)))
		if (mh_strmap_upsert(&into->tenant_dom, s->key, s->klen, &slot,
		                     NULL))
			rc = MH_ENOMEM;
	struct mh_strmap *tm[][2] = {{&into->removals, &from->removals},
	                             {&into->enables, &from->enables}};
	for (size_t t = 0; t < 2; t++) {
		pos = 0;
		while (rc == MH_OK && (s = mh_strmap_next(tm[t][1], &pos))) {
			int64_t *r = s->val;
			if (r && mh_fw_time_note(tm[t][0], s->key, s->klen, *r))
				rc = MH_ENOMEM;
		}
	}
	if (rc == MH_OK)
		rc = mh_fw_alias_merge(into, from);
	into->audit_records += from->audit_records;
	into->audit_facts += from->audit_facts;
	from->audit_records = from->audit_facts = 0;
	mh_strmap_release(&from->mdom, NULL);
	mh_strmap_release(&from->tenant_dom, NULL);
	mh_strmap_release(&from->removals, free);
	mh_strmap_release(&from->enables, free);
	mh_strmap_release(&from->aliases, mh_fw_alias_free);
	from->last_owner[0] = '\0';
	from->last_torg[0] = '\0';
	memset(from->tseen, 0, sizeof(from->tseen));
	return rc;
}

/* MARK: - statistics */

static char *stats_str(struct mh_fwd *f, const char *s)
{
	return mh_arena_strndup(&f->stats_arena, s, strlen(s));
}

int mh_fwd_stats(struct mh_fwd *f, const struct mh_fwd_pair_stat **pairs,
                 size_t *npairs, const struct mh_fwd_mailbox_stat **mailboxes,
                 size_t *nmailboxes)
{
	const struct mh_strmap_slot **v = NULL, **mb = NULL;
	size_t n = 0, nmb = 0;
	struct mh_strmap idx = MH_STRMAP_INIT;
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	unsigned *mechs = NULL;
	int rc = MH_ENOMEM;

	stats_drop(f);
	if (mh_fw_org_build(f) || mh_strmap_sorted(&f->aggs, &v, &n) ||
	    mh_strmap_sorted(&f->mboxes, &mb, &nmb))
		goto done;
	f->pairs = mh_arena_alloc(&f->stats_arena,
	                          (n ? n : 1) * sizeof(*f->pairs));
	f->mstats = mh_arena_alloc(&f->stats_arena,
	                           (nmb ? nmb : 1) * sizeof(*f->mstats));
	mechs = calloc(n ? n : 1, sizeof(*mechs));
	if (!f->pairs || !f->mstats || !mechs)
		goto done;
	/* Pairs over all kinds: (mailbox, destination) -> row. */
	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i]->val;
		void **slot;
		int created;
		if (!a)
			continue;
		if (mh_buf_printf(&key, "%s\x1f%s", a->mailbox, a->dest) ||
		    mh_strmap_upsert(&idx, key.p, key.len, &slot, &created))
			goto done;
		mh_buf_reset(&key);
		struct mh_fwd_pair_stat *p;
		if (created) {
			p = &f->pairs[f->npairs];
			*slot = p;
			memset(p, 0, sizeof(*p));
			p->mailbox = stats_str(f, a->mailbox);
			p->destination = stats_str(f, a->dest);
			p->dest_domain =
			        stats_str(f, strcmp(a->dest, UNKNOWN)
			                             ? mh_fw_domain_of(a->dest)
			                             : "");
			if (!p->mailbox || !p->destination || !p->dest_domain)
				goto done;
			p->external = mh_fw_externality(f, a->mailbox, a->dest);
			p->first = p->last = MH_TS_NONE;
			f->npairs++;
		} else {
			p = *slot;
		}
		p->auto_forwarded += a->autofwd;
		p->looks_forwarded += a->looks;
		mh_fw_span(&p->first, &p->last, a->first);
		mh_fw_span(&p->first, &p->last, a->last);
		mechs[p - f->pairs] |= a->mechs;
	}
	for (size_t i = 0; i < f->npairs; i++) {
		char *m = mh_fw_mechs_text(mechs[i]);
		f->pairs[i].mechanisms = m ? stats_str(f, m) : NULL;
		free(m);
		if (!f->pairs[i].mechanisms)
			goto done;
	}
	/* Sorted by mailbox, then destination; keys of kinds already were,
	 * but rows of different kinds interleave. */
	for (size_t i = 1; i < f->npairs; i++)
		for (size_t j = i; j > 0; j--) {
			struct mh_fwd_pair_stat *a = &f->pairs[j - 1],
			                        *b = &f->pairs[j];
			int c = strcmp(a->mailbox, b->mailbox);
			if (!c)
				c = strcmp(a->destination, b->destination);
			if (c <= 0)
				break;
			struct mh_fwd_pair_stat t = *a;
			*a = *b;
			*b = t;
		}
	for (size_t i = 0; i < nmb; i++) {
		const struct mbox_acc *b = mb[i]->val;
		struct mh_fwd_mailbox_stat *s = &f->mstats[f->nmstats];
		if (!b)
			continue;
		memset(s, 0, sizeof(*s));
		if (!(s->mailbox = stats_str(f, mb[i]->key)))
			goto done;
		s->auto_forwarded = b->autofwd;
		s->looks_forwarded = b->looks;
		s->first = b->first;
		s->last = b->last;
		for (size_t k = 0; k < f->npairs; k++)
			if (!strcmp(f->pairs[k].mailbox, s->mailbox)) {
				s->destinations++;
				if (f->pairs[k].external > 0)
					s->external_destinations++;
			}
		f->nmstats++;
	}
	rc = MH_OK;
done:
	if (rc != MH_OK)
		stats_drop(f);
	if (pairs)
		*pairs = f->pairs;
	if (npairs)
		*npairs = f->npairs;
	if (mailboxes)
		*mailboxes = f->mstats;
	if (nmailboxes)
		*nmailboxes = f->nmstats;
	free(v);
	free(mb);
	free(mechs);
	mh_buf_release(&key);
	mh_strmap_release(&idx, NULL);
	return rc;
}

/* MARK: - as an analytic (analytic.h) */

static int an_create(void **out, const struct mh_analytic_conf *conf,
                     struct mh_err *err)
{
	struct mh_fwd_opts o = {0};
	o.org_domains = conf->org_domains;
	o.norg = conf->norg;
	o.max_evidence = conf->max_evidence;
	struct mh_fwd *f = NULL;
	int rc = mh_fwd_new(&f, &o);
	if (rc < 0)
		return mh_err_set(err, rc, "forwarding: out of memory");
	*out = f;
	return MH_OK;
}

static int an_event(void *acc, const struct mh_event *ev, struct mh_err *err)
{
	return mh_fwd_event(acc, ev, err);
}

static int an_merge(void *into, void *from)
{
	((struct mh_fwd *)into)->oom |= ((struct mh_fwd *)from)->oom;
	return mh_fwd_merge(into, from);
}

static int an_findings(void *acc, struct mh_findings *out)
{
	if (((struct mh_fwd *)acc)->oom)
		return MH_ENOMEM;
	return mh_fwd_findings(acc, out);
}

static void an_destroy(void *acc)
{
	mh_fwd_free(acc);
}

static int an_duplicate(void *acc, const struct mh_event *ev,
                        struct mh_err *err)
{
	if (ev->kind == MH_EV_AUDIT && ev->audit)
		return mh_fw_audit_event(acc, ev, 1, err);
	return MH_OK;
}

/* An audit record no analytic reads: still an audit record scanned (the
 * mail-only findings say whether audit records were read). */
static void an_passed_over(void *acc, const struct mh_event *ev)
{
	struct mh_fwd *f = acc;
	f->audit_records++;
	/* It still names the tenant's domains (without --org-domain,
	 * mh_fw_audit_need asked the reader for them). */
	if (ev->audit && mh_fw_audit_tenant(f, ev->audit))
		f->oom = 1;
}

const struct mh_analytic_ops mh_analytic_forwarding = {
        .name = "forwarding",
        .create = an_create,
        .event = an_event,
        .merge = an_merge,
        .findings = an_findings,
        .destroy = an_destroy,
        .duplicate = an_duplicate,
        .audit_ops = mh_fw_audit_ops,
        .audit_need = mh_fw_audit_need,
        .passed_over = an_passed_over,
};
