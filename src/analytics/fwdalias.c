/* fwdalias.c - other names of a mailbox (fwdpic.h "other names").
 *
 * Exchange cmdlets name a mailbox as they were given it: an address, an
 * alias ("alice"), a legacy DN ("/o=ExchangeLabs/ou=.../cn=Recipients/
 * cn=...-alice"), a GUID, or the directory path of the object
 * ("NAMPR.../Microsoft Exchange Hosted Organizations/corp.onmicrosoft.com/
 * alice"). Mail names the mailbox by its address only, so a rule set on
 * "alice" would not meet the mail alice@corp.example sent through it.
 * Some records write both: a rule the owner made in her own mailbox
 * (UserId alice@corp.example, ObjectId ".../alice\\Rule"), a cmdlet run
 * with -Mailbox alice@corp.example -Identity "alice\\Rule", a mailbox
 * audit record (MailboxOwnerUPN with MailboxGuid). Each such
 * record teaches that the other name is that address; a name taught two
 * addresses is ambiguous and never used. Before the findings, pairs,
 * removals and enables under a name are moved to its address.
 *
 * Nothing is guessed: an alias that only looks like an address's local
 * part is not joined to it.
 */
#include <stdlib.h>
#include <string.h>

#include "analytics/fwdpic.h"
#include "core/buf.h"
#include "core/slice.h"
#include "core/strmap.h"
#include "event/audit.h"

char mh_fw_alias_ambiguous[] = "";

void mh_fw_alias_free(void *p)
{
	if (p != mh_fw_alias_ambiguous)
		free(p);
}

static int ci_prefix(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (mh_fw_lc((unsigned char)s[i]) != lit[i])
			return 0;
	return 1;
}

static const char *ci_find(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	for (size_t i = 0; i + k <= n; i++)
		if (ci_prefix(s + i, n - i, lit))
			return s + i;
	return NULL;
}

/* The name a value gives its mailbox, lower case in out ("" when none):
 * a legacy DN as it is; the last part of an object path under
 * "Exchange Hosted Organizations/<tenant>/"; else the value. rule: the
 * value names a rule in the mailbox ("owner\\rule"): the owner part, and
 * nothing when there is no backslash (a rule's name alone). */
static void name_of(const char *p, size_t n, int rule, char out[ADDR_MAX])
{
	out[0] = '\0';
	while (n && (*p == ' ' || *p == '\t' || *p == '"'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '"'))
		n--;
	const char *bs = NULL;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\\')
			bs = p + i;
	if (rule && !bs)
		return;
	if (bs) {
		/* "owner\\\\rule" as some exports double it. */
		n = (size_t)(bs - p);
		while (n && p[n - 1] == '\\')
			n--;
	}
	if (!ci_prefix(p, n, "/o=")) {
		const char *h = ci_find(p, n, "exchange hosted organizations/");
		if (h) {
			const char *e = p + n;
			const char *t =
			        memchr(h + 30, '/', (size_t)(e - h - 30));
			if (!t)
				return;
			n = (size_t)(e - t - 1);
			p = t + 1;
		}
	}
	if (!n || n >= ADDR_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)mh_fw_lc((unsigned char)p[i]);
	out[n] = '\0';
}

int mh_fw_alias_teach(struct mh_fwd *f, const char *name, const char *addr)
{
	void **slot;
	int created;
	if (!name[0] || strchr(name, '@') || !strcmp(name, addr))
		return MH_OK;
	if (mh_strmap_add(&f->aliases, name, &slot, &created))
		return MH_ENOMEM;
	if (!*slot) {
		*slot = strdup(addr);
		return *slot ? MH_OK : MH_ENOMEM;
	}
	if (*slot != mh_fw_alias_ambiguous && strcmp(*slot, addr) != 0) {
		free(*slot);
		*slot = mh_fw_alias_ambiguous;
	}
	return MH_OK;
}

int mh_fw_alias_learn(struct mh_fwd *f, const struct mh_audit *a,
                      const char *mailbox)
{
	const char *at = strchr(mailbox, '@');
	if (!at || at == mailbox || !at[1] || a->snapshot)
		return MH_OK;
	int rule = a->operation.p &&
	           ci_find(a->operation.p, a->operation.n, "inboxrule") != NULL;
	if (!rule && !(a->operation.p &&
	               mh_slice_ieq(a->operation, MH_SLICE_LIT("Set-Mailbox"))))
		return MH_OK;
	char name[ADDR_MAX];
	if (a->object.p) {
		name_of(a->object.p, a->object.n, rule, name);
		if (mh_fw_alias_teach(f, name, mailbox))
			return MH_ENOMEM;
	}
	for (size_t i = 0; i < a->nparams; i++) {
		const struct mh_audit_param *p = &a->params[i];
		if (p->src != MH_AP_PARAMETERS || !p->value.p ||
		    !(mh_slice_ieq(p->name, MH_SLICE_LIT("Identity")) ||
		      mh_slice_ieq(p->name, MH_SLICE_LIT("Mailbox"))))
			continue;
		/* -Mailbox names the mailbox itself, also on rule cmdlets. */
		int r = rule && mh_slice_ieq(p->name, MH_SLICE_LIT("Identity"));
		name_of(p->value.p, p->value.n, r, name);
		if (mh_fw_alias_teach(f, name, mailbox))
			return MH_ENOMEM;
	}
	return MH_OK;
}

int mh_fw_alias_merge(struct mh_fwd *into, struct mh_fwd *from)
{
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	while ((s = mh_strmap_next(&from->aliases, &pos)) != NULL) {
		void **slot;
		int created;
		if (!s->val)
			continue;
		if (mh_strmap_add(&into->aliases, s->key, &slot, &created))
			return MH_ENOMEM;
		if (!*slot) {
			*slot = s->val; /* moved */
			from->aliases.slot[pos - 1].val = NULL;
		} else if (*slot != mh_fw_alias_ambiguous &&
		           (s->val == mh_fw_alias_ambiguous ||
		            strcmp(*slot, s->val) != 0)) {
			free(*slot);
			*slot = mh_fw_alias_ambiguous;
		}
	}
	return MH_OK;
}

/* The address mailbox is another name of, or NULL. */
static const char *address_of(const struct mh_fwd *f, const char *mailbox)
{
	char name[ADDR_MAX];
	if (strchr(mailbox, '@'))
		return NULL;
	name_of(mailbox, strlen(mailbox), 0, name);
	void **slot = mh_strmap_get(&f->aliases, name);
	if (!slot || !*slot || *slot == mh_fw_alias_ambiguous)
		return NULL;
	return *slot;
}

/* Removals and enables: key "mech 0x1f mailbox 0x1f rule". */
static int resolve_times(struct mh_fwd *f, struct mh_strmap *m)
{
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	struct mh_strmap moved;
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	int rc = MH_OK;
	mh_strmap_init(&moved);
	while (rc == MH_OK && (s = mh_strmap_next(m, &pos)) != NULL) {
		const char *a = memchr(s->key, 0x1f, s->klen);
		const char *b = a ? memchr(a + 1, 0x1f,
		                           s->klen - (size_t)(a + 1 - s->key))
		                  : NULL;
		if (!b || !s->val || (size_t)(b - a - 1) >= ADDR_MAX)
			continue;
		char mbx[ADDR_MAX];
		memcpy(mbx, a + 1, (size_t)(b - a - 1));
		mbx[b - a - 1] = '\0';
		const char *addr = address_of(f, mbx);
		if (!addr)
			continue;
		mh_buf_reset(&key);
		if (mh_buf_add(&key, s->key, (size_t)(a + 1 - s->key)) ||
		    mh_buf_adds(&key, addr) ||
		    mh_buf_add(&key, b, s->klen - (size_t)(b - s->key)) ||
		    mh_fw_time_note(&moved, key.p, key.len, *(int64_t *)s->val))
			rc = MH_ENOMEM;
	}
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&moved, &pos)) != NULL)
		if (mh_fw_time_note(m, s->key, s->klen, *(int64_t *)s->val))
			rc = MH_ENOMEM;
	mh_strmap_release(&moved, free);
	mh_buf_release(&key);
	return rc;
}

int mh_fw_alias_resolve(struct mh_fwd *f)
{
	if (!f->aliases.n)
		return MH_OK;
	/* Taken out first: adding to the map while walking it would move
	 * its slots. */
	struct agg **v = NULL;
	size_t n = 0, cap = 0;
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	int rc = MH_OK;
	while ((s = mh_strmap_next(&f->aggs, &pos)) != NULL) {
		struct agg *a = s->val;
		if (!a || !address_of(f, a->mailbox))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct agg **w = realloc(v, c * sizeof(*w));
			if (!w) {
				rc = MH_ENOMEM;
				break;
			}
			v = w;
			cap = c;
		}
		v[n++] = a;
		f->aggs.slot[pos - 1].val = NULL; /* users skip NULL values */
	}
	for (size_t i = 0; i < n; i++) {
		struct agg *a = v[i];
		struct agg *t =
		        rc ? NULL
		           : mh_fw_agg_get(f, a->kind,
		                           address_of(f, a->mailbox), a->dest);
		if (t)
			mh_fw_agg_add(t, a, f->max_evidence);
		else
			rc = MH_ENOMEM;
		mh_fw_agg_free(a);
	}
	free(v);
	if (rc == MH_OK)
		rc = resolve_times(f, &f->removals);
	if (rc == MH_OK)
		rc = resolve_times(f, &f->enables);
	mh_fw_drop_derived(f);
	return rc;
}
