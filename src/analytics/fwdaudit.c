/* fwdaudit.c - the audit source of the forwarding picture: Microsoft 365
 * and Google Workspace audit records and Exchange configuration
 * snapshots (event kind MH_EV_AUDIT) -> forwarding facts in the same
 * pairs as the mail's (docs/FORWARDING.md "Audit records", docs/AUDIT.md
 * "Rules: forwarding from audit records").
 *
 * A record says that a rule or a setting forwards (or no longer does):
 * who made it, when, from where and with which conditions. It adds no
 * message to a pair: the mail source counts those. What is a forward:
 *   New-InboxRule, Set-InboxRule (a delta: only the parameters it sets),
 *     UpdateInboxRules (the readers turn RuleActions Forward, Redirect
 *     and ForwardAsAttachment into ForwardTo/RedirectTo/... parameters;
 *     DeferAction alone is a client-side rule, nothing here), Get-InboxRule
 *     snapshots: ForwardTo, ForwardAsAttachmentTo, RedirectTo;
 *   Set-Mailbox, Get-Mailbox: ForwardingSmtpAddress, ForwardingAddress
 *     (an empty value removes it);
 *   New-/Set-TransportRule, Get-TransportRule: BlindCopyTo, CopyTo,
 *     RedirectMessageTo, AddToRecipients;
 *   Google Workspace email_forwarding_out_of_domain
 *     (email_forwarding_destination_address) and CREATE_EMAIL_MONITOR.
 * Remove-InboxRule, Disable-InboxRule and emptied values end a forward;
 * Enable-InboxRule after Disable-InboxRule starts it again.
 */
#include "analytics/fwdpic.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/strmap.h"
#include "core/time.h"
#include "event/audit.h"

#define MAX_ADEST 16 /* destinations kept per record */
#define TEXT_CAP  1024

/* MARK: - tables */

/* Parameters whose value is a forwarding destination, per mechanism. */
struct dest_param {
	const char *name;
	enum mech mech;
};

static const struct dest_param inbox_dests[] = {
        {"ForwardTo", M_INBOX_RULE},
        {"ForwardAsAttachmentTo", M_INBOX_RULE},
        {"RedirectTo", M_INBOX_RULE},
        /* Seen in the wild on rule records. */
        {"RedirectToRecipients", M_INBOX_RULE},
};
static const struct dest_param mailbox_dests[] = {
        {"ForwardingSmtpAddress", M_MBX_FWD},
        {"ForwardingAddress", M_MBX_FWD},
};
static const struct dest_param transport_dests[] = {
        {"BlindCopyTo", M_TRANSPORT},
        {"CopyTo", M_TRANSPORT},
        {"RedirectMessageTo", M_TRANSPORT},
        {"AddToRecipients", M_TRANSPORT},
};

/* Conditions of a rule worth naming in a finding (inbox and transport
 * rules, UpdateInboxRules' RuleCondition). */
static const char *const cond_params[] = {
        "From",
        "FromAddressContainsWords",
        "SubjectContainsWords",
        "SubjectOrBodyContainsWords",
        "BodyContainsWords",
        "SentTo",
        "SentToMemberOf",
        "FromMemberOf",
        "RecipientAddressContainsWords",
        "HeaderContainsWords",
        "MyNameInToOrCcBox",
        "HasAttachment",
        "WithImportance",
        "FlaggedForAction",
        "RuleCondition",
        "SenderDomainIs",
        "RecipientDomainIs",
        "FromScope",
        "SentToScope",
};

/* Actions besides the destinations (which are named by their own
 * parameter), with the bit a true value sets. */
struct act_param {
	const char *name;
	unsigned flag; /* AF_*, 0: only named */
};
static const struct act_param act_params[] = {
        {"DeleteMessage", AF_DELETE},
        {"SoftDeleteMessage", AF_DELETE},
        {"PermanentDelete", AF_DELETE},
        {"MarkAsRead", AF_MARKREAD},
        {"StopProcessingRules", AF_STOP},
        {"MoveToFolder", 0},
        {"CopyToFolder", 0},
        {"DeliverToMailboxAndForward", 0},
        {"RuleActions", 0},
};

/* Google Workspace admin Gmail settings that route or copy the mail of
 * the organisation (SETTING_NAME of CREATE_/CHANGE_/DELETE_GMAIL_SETTING):
 * the destination is in the rule, not in the record. */
static const char *const gws_routing_settings[] = {
        "MESSAGE_SECURITY_RULE", "UNIFIED_MAIL_ROUTING",  "ALIAS_TABLE",
        "EMAIL_ROUTE",           "TOGGLE_OUTBOUND_RELAY", "OUTBOUND_RELAY",
        "DEFAULT_ROUTING_RULE",  "RECIPIENT_ADDRESS_MAP",
};

#define NELEM(v) (sizeof(v) / sizeof((v)[0]))

/* MARK: - helpers */

static int sl_is(struct mh_slice s, const char *lit)
{
	return s.p && mh_slice_ieq(s, mh_slice_cstr(lit));
}

static int op_is(const struct mh_audit *a, const char *op)
{
	return sl_is(a->operation, op);
}

/* "True"/"$true"/"1" (any case). */
static int truthy(struct mh_slice v)
{
	v = mh_slice_trim(v);
	if (v.n && v.p[0] == '$') {
		v.p++;
		v.n--;
	}
	return sl_is(v, "true") || sl_is(v, "1") || sl_is(v, "yes");
}

static int falsy(struct mh_slice v)
{
	v = mh_slice_trim(v);
	if (v.n && v.p[0] == '$') {
		v.p++;
		v.n--;
	}
	return sl_is(v, "false") || sl_is(v, "0") || sl_is(v, "no");
}

/* An empty value, "$null", "null", "" or "[]": the setting cleared. */
static int emptyish(struct mh_slice v)
{
	v = mh_slice_trim(v);
	return !v.p || !v.n || sl_is(v, "$null") || sl_is(v, "null") ||
	       sl_is(v, "\"\"") || sl_is(v, "[]") || sl_is(v, "{}");
}

static void put_lc(char *dst, size_t cap, struct mh_slice s)
{
	if (!s.p) {
		dst[0] = '\0';
		return;
	}
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	n = mh_fw_utf8_cut(s.p, n, cap - 1);
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	mh_fw_lower(dst);
}

/* The mailbox of a record as a pair's mailbox: an address lower-cased;
 * a rule identity "mailbox\rule" cut at the backslash; else as written,
 * lower-cased (an alias or a DN stays unresolved). */
static void mailbox_of(struct mh_slice m, char out[ADDR_MAX])
{
	struct mh_audit_addr one;
	out[0] = '\0';
	m = mh_slice_trim(m);
	if (!m.p || !m.n)
		return;
	const char *bs = memchr(m.p, '\\', m.n);
	if (bs)
		m.n = (size_t)(bs - m.p);
	if (mh_audit_addrs(m, &one, 1) >= 1 && one.kind == MH_AADDR_SMTP) {
		put_lc(out, ADDR_MAX, one.addr);
		return;
	}
	put_lc(out, ADDR_MAX, m);
}

/* The rule's name: Name (New-InboxRule), RuleName (UpdateInboxRules,
 * snapshots), else the part of Identity after its last backslash. */
static struct mh_slice rule_name(const struct mh_audit *a)
{
	const struct mh_audit_param *p = mh_audit_param(a, "Name", NULL);
	if (!p || emptyish(p->value))
		p = mh_audit_param(a, "RuleName", NULL);
	if (p && !emptyish(p->value))
		return p->value;
	p = mh_audit_param(a, "Identity", NULL);
	struct mh_slice id = p ? p->value : a->object;
	if (!id.p)
		return id;
	for (size_t i = id.n; i > 0; i--)
		if (id.p[i - 1] == '\\')
			return mh_slice_make(id.p + i, id.n - i);
	/* A bare Identity is the rule's name only on rule cmdlets. */
	return p ? id : MH_SLICE_NULL;
}

static void add_kv(struct mh_buf *b, struct mh_slice name, struct mh_slice v)
{
	if (b->len >= TEXT_CAP)
		return;
	if (b->len)
		mh_buf_adds(b, "; ");
	mh_buf_add(b, name.p, name.n);
	mh_buf_addc(b, '=');
	size_t n = v.p ? mh_fw_utf8_cut(v.p, v.n, 200) : 0;
	if (n)
		mh_buf_add(b, v.p, n);
}

static char *sl_dup(struct mh_slice s)
{
	if (!s.p || !s.n)
		return NULL;
	size_t n = mh_fw_utf8_cut(s.p, s.n, 512);
	return strndup(s.p, n);
}

/* Derived state (org domains, statistics) no longer holds. */
static void changed(struct mh_fwd *f)
{
	if (f->org_ready || f->pairs || f->mstats)
		mh_fw_drop_derived(f);
}

/* MARK: - the tenant's domains */

/* A free-mail domain, never the tenant's; the answer is kept, for guests
 * and consumer accounts recur in every record of theirs. */
static int not_tenant(struct mh_fwd *f, const char *dom)
{
	void **slot;
	if (mh_strmap_get(&f->not_tenant, dom))
		return 1;
	if (!mh_fwd_consumer_domain(dom))
		return 0;
	/* No memory: asked again next time. */
	(void)mh_strmap_add(&f->not_tenant, dom, &slot, NULL);
	return 1;
}

/* 0 when the tenant's domains could not grow (asked again next time). */
static int note_domain(struct mh_fwd *f, struct mh_slice addr)
{
	char d[ADDR_MAX];
	void **slot;
	struct mh_audit_addr one;
	const char *dom = d;
	if (!addr.p || !addr.n || !memchr(addr.p, '@', addr.n))
		return 1;
	/* A bare UPN ("user@corp.example"), the usual case: its domain as
	 * it is; anything else through the address parser. */
	const char *at = addr.p + addr.n;
	while (at > addr.p && at[-1] != '@')
		at--;
	size_t dn = (size_t)(addr.p + addr.n - at), i = 0;
	for (; i < dn && i < ADDR_MAX - 1; i++) {
		int c = mh_fw_lc((unsigned char)at[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			break;
		d[i] = (char)c;
	}
	d[i] = '\0';
	if (i != dn) {
		if (mh_audit_addrs(addr, &one, 1) < 1 ||
		    one.kind != MH_AADDR_SMTP)
			return 1;
		put_lc(d, sizeof(d), one.addr);
		dom = mh_fw_domain_of(d);
	}
	/* Known already: the common case, one lookup. */
	if (!*dom || mh_strmap_get(&f->tenant_dom, dom))
		return 1;
	/* An external identity of the tenant ("x_gmail.com#EXT#@t") is
	 * still the tenant's domain; a free-mail domain never is. */
	if (!strchr(dom, '.') || not_tenant(f, dom))
		return 1;
	if (mh_strmap_add(&f->tenant_dom, dom, &slot, NULL) != MH_OK)
		return 0;
	changed(f);
	return 1;
}

/* The tseen slot of addr (a hash of its length and its first and last
 * eight bytes). */
static size_t tseen_slot(struct mh_slice addr)
{
	uint64_t x = 0, y = 0;
	size_t k = addr.n < 8 ? addr.n : 8;
	memcpy(&x, addr.p, k);
	memcpy(&y, addr.p + addr.n - k, k);
	uint64_t h = (x ^ (y * 0x9e3779b97f4a7c15ULL) ^ addr.n) *
	             0xff51afd7ed558ccdULL;
	return (size_t)(h >> 40) & (TSEEN_SLOTS - 1);
}

/* note_domain, once per address while it stays in the cache: noting an
 * address again changes nothing. */
static void note_domain_once(struct mh_fwd *f, struct mh_slice addr)
{
	if (!addr.p || !addr.n)
		return;
	if (addr.n > TSEEN_MAX) {
		(void)note_domain(f, addr);
		return;
	}
	size_t i = tseen_slot(addr);
	if (f->tseen[i].len == addr.n && !memcmp(f->tseen[i].a, addr.p, addr.n))
		return;
	if (!note_domain(f, addr))
		return;
	f->tseen[i].len = (unsigned char)addr.n;
	memcpy(f->tseen[i].a, addr.p, addr.n);
}

/* OrganizationName ("x.onmicrosoft.com") and the UPN domains of the
 * tenant's actors and mailboxes; GWS: the actor's domain, the owner
 * domain. Never a destination's. */
/* s equals the NUL-terminated last; if not, last becomes s (cut). */
static int same_as_last(struct mh_slice s, char last[ADDR_MAX])
{
	if (!s.p || s.n >= ADDR_MAX)
		return 0;
	if (strlen(last) == s.n && !memcmp(last, s.p, s.n))
		return 1;
	memcpy(last, s.p, s.n);
	last[s.n] = '\0';
	return 0;
}

static void note_tenant(struct mh_fwd *f, const struct mh_audit *a)
{
	char d[ADDR_MAX];
	void **slot;
	/* --org-domain given: the organisation is known, the tenant's
	 * domains are never asked for (mh_fw_org_build). */
	if (f->given_org.n)
		return;
	int so = same_as_last(a->org, f->last_torg);
	if (!so && a->org.p && a->org.n && memchr(a->org.p, '.', a->org.n) &&
	    !memchr(a->org.p, '@', a->org.n) &&
	    !memchr(a->org.p, ' ', a->org.n)) {
		put_lc(d, sizeof(d), a->org);
		if (!mh_strmap_get(&f->tenant_dom, d) && !not_tenant(f, d) &&
		    mh_strmap_add(&f->tenant_dom, d, &slot, NULL) == MH_OK)
			changed(f);
	}
	note_domain_once(f, a->actor);
	note_domain_once(f, a->mailbox);
}

/* MARK: - facts */

/* What one record says about forwarding. */
struct afact {
	enum kind kind;
	enum mech mech;
	char mailbox[ADDR_MAX];
	char dest[MAX_ADEST][ADDR_MAX];
	unsigned dflags[MAX_ADEST]; /* AF_X500 */
	size_t ndest;
	int rank; /* 0 change, 1 snapshot, 2 attempt */
	unsigned aflags;
	struct mh_slice rule;
	char *conditions, *actions, *fields;
};

static int has_dest(const struct afact *x, const char *d)
{
	for (size_t i = 0; i < x->ndest; i++)
		if (!strcmp(x->dest[i], d))
			return 1;
	return 0;
}

/* The destinations of one parameter value. */
static void dests_of(struct afact *x, struct mh_slice v)
{
	struct mh_audit_addr al[MAX_ADEST];
	size_t n = mh_audit_addrs(v, al, MAX_ADEST);
	if (n > MAX_ADEST)
		n = MAX_ADEST;
	for (size_t i = 0; i < n && x->ndest < MAX_ADEST; i++) {
		char d[ADDR_MAX];
		if (!al[i].addr.n)
			continue;
		put_lc(d, sizeof(d), al[i].addr);
		if (al[i].kind == MH_AADDR_SMTP &&
		    (!strchr(d, '@') || strpbrk(d, "()<>[],;: \t\"")))
			continue;
		if (has_dest(x, d))
			continue;
		x->dflags[x->ndest] = al[i].kind == MH_AADDR_X500 ? AF_X500 : 0;
		memcpy(x->dest[x->ndest++], d, ADDR_MAX);
	}
}

static void release_afact(struct afact *x)
{
	free(x->conditions);
	free(x->actions);
	free(x->fields);
}

/* Conditions, actions and the evidence's key fields of the record. */
static int describe(const struct mh_event *ev, const struct mh_audit *a,
                    struct afact *x, const struct dest_param *dp, size_t ndp)
{
	struct mh_buf c = MH_BUF_INIT(256), ac = MH_BUF_INIT(256),
	              kf = MH_BUF_INIT(512);
	for (size_t i = 0; i < NELEM(cond_params); i++) {
		const struct mh_audit_param *p = NULL;
		while ((p = mh_audit_param(a, cond_params[i], p)) != NULL)
			if (!emptyish(p->value) &&
			    !(sl_is(p->name, "HasAttachment") &&
			      falsy(p->value)))
				add_kv(&c, p->name, p->value);
	}
	for (size_t i = 0; i < ndp; i++) {
		const struct mh_audit_param *p = NULL;
		while ((p = mh_audit_param(a, dp[i].name, p)) != NULL) {
			add_kv(&ac, p->name, p->value);
			add_kv(&kf, p->name, p->value);
		}
	}
	for (size_t i = 0; i < NELEM(act_params); i++) {
		const struct mh_audit_param *p =
		        mh_audit_param(a, act_params[i].name, NULL);
		if (!p || emptyish(p->value) ||
		    (act_params[i].flag && !truthy(p->value) &&
		     !sl_is(p->name, "StopProcessingRules")) ||
		    (sl_is(p->name, "StopProcessingRules") &&
		     !truthy(p->value)))
			continue;
		/* RuleActions is already the destinations above. */
		if (sl_is(p->name, "RuleActions"))
			continue;
		x->aflags |= act_params[i].flag;
		if (sl_is(p->name, "DeliverToMailboxAndForward")) {
			if (falsy(p->value))
				x->aflags |= AF_NOKEEP;
			add_kv(&kf, p->name, p->value);
		}
		add_kv(&ac, p->name, p->value);
	}
	const struct mh_audit_param *en = mh_audit_param(a, "Enabled", NULL);
	if (a->snapshot && en && falsy(en->value))
		x->aflags |= AF_DISABLED;
	/* Key fields: what was done, by whom, on which mailbox, from where,
	 * and the destinations. */
	struct mh_buf k2 = MH_BUF_INIT(512);
	add_kv(&k2, mh_slice_cstr("Operation"), a->operation);
	if (a->actor.p)
		add_kv(&k2, mh_slice_cstr("Actor"), a->actor);
	if (a->mailbox.p)
		add_kv(&k2, mh_slice_cstr("Mailbox"), a->mailbox);
	if (x->rule.p)
		add_kv(&k2, mh_slice_cstr("Rule"), x->rule);
	if (a->client_ip_raw.p)
		add_kv(&k2, mh_slice_cstr("ClientIP"), a->client_ip_raw);
	if (a->result_raw.p)
		add_kv(&k2, mh_slice_cstr("Result"), a->result_raw);
	if (a->id.p && a->id.n)
		add_kv(&k2, mh_slice_cstr("Id"), a->id);
	if (kf.len) {
		mh_buf_adds(&k2, "; ");
		mh_buf_add(&k2, kf.p, kf.len);
	}
	mh_buf_release(&kf);
	x->conditions = c.len ? mh_buf_detach(&c, NULL) : NULL;
	x->actions = ac.len ? mh_buf_detach(&ac, NULL) : NULL;
	size_t n = k2.len;
	if (n > TEXT_CAP) {
		n = mh_fw_utf8_cut(k2.p, n, TEXT_CAP);
		k2.len = n;
		k2.p[n] = '\0';
	}
	x->fields = mh_buf_detach(&k2, NULL);
	mh_buf_release(&c);
	mh_buf_release(&ac);
	return x->fields ? MH_OK : MH_ENOMEM;
}

/* MARK: - removals */

static int removal_key(struct mh_buf *b, enum mech m, const char *mailbox,
                       struct mh_slice rule)
{
	char r[ADDR_MAX];
	put_lc(r, sizeof(r), mh_slice_trim(rule));
	mh_buf_reset(b);
	return mh_buf_printf(b, "%d\x1f%s\x1f%s", (int)m, mailbox, r);
}

int mh_fw_time_note(struct mh_strmap *m, const char *key, size_t klen,
                    int64_t ts)
{
	void **slot;
	int created;
	if (mh_strmap_upsert(m, key, klen, &slot, &created))
		return MH_ENOMEM;
	if (!*slot) {
		int64_t *v = malloc(sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		*v = ts;
		*slot = v;
	} else if (ts > *(int64_t *)*slot) {
		*(int64_t *)*slot = ts;
	}
	return MH_OK;
}

/* A removal (removals) or an enable (enables) of (m, mailbox, rule). */
static int note_time(struct mh_fwd *f, struct mh_strmap *map, enum mech m,
                     const char *mailbox, struct mh_slice rule, int64_t ts)
{
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	int rc = MH_ENOMEM;
	if (removal_key(&key, m, mailbox, rule) == MH_OK &&
	    mh_fw_time_note(map, key.p, key.len, ts) == MH_OK) {
		changed(f);
		rc = MH_OK;
	}
	mh_buf_release(&key);
	return rc;
}

static int note_removal(struct mh_fwd *f, enum mech m, const char *mailbox,
                        struct mh_slice rule, int64_t ts)
{
	return note_time(f, &f->removals, m, mailbox, rule, ts);
}

static int64_t time_of(const struct mh_strmap *map, const struct mh_buf *key)
{
	void **slot = mh_strmap_find(map, key->p, key->len);
	return slot && *slot ? *(int64_t *)*slot : MH_TS_NONE;
}

int64_t mh_fw_reenabled(const struct mh_fwd *f, enum mech m,
                        const char *mailbox, const char *rule,
                        int64_t *disabled)
{
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	int64_t r = MH_TS_NONE, e = MH_TS_NONE;
	if (removal_key(&key, m, mailbox, mh_slice_cstr(rule ? rule : "")) ==
	    MH_OK) {
		r = time_of(&f->removals, &key);
		e = time_of(&f->enables, &key);
	}
	mh_buf_release(&key);
	*disabled = r;
	/* The same second: the records do not tell the order, and a rule
	 * said to forward is the safer reading. */
	return r != MH_TS_NONE && e != MH_TS_NONE && e >= r ? e : MH_TS_NONE;
}

int64_t mh_fw_removed(const struct mh_fwd *f, enum mech m, const char *mailbox,
                      const char *rule)
{
	int64_t r;
	if (mh_fw_reenabled(f, m, mailbox, rule, &r) != MH_TS_NONE)
		return MH_TS_NONE;
	return r;
}

/* MARK: - the pair's audit side */

void mh_fw_lead_release(struct aud_lead *l)
{
	free(l->file);
	free(l->operation);
	free(l->actor);
	free(l->client_ip);
	free(l->app);
	free(l->rule);
	free(l->conditions);
	free(l->actions);
	int64_t ts = MH_TS_NONE;
	memset(l, 0, sizeof(*l));
	l->rank = -1;
	l->ts = ts;
}

/* a before b: lower rank, then earlier time (unknown last), then
 * (file, offset). */
static int lead_before(const struct aud_lead *a, const struct aud_lead *b)
{
	if (b->rank < 0)
		return 1;
	if (a->rank != b->rank)
		return a->rank < b->rank;
	if (a->ts != b->ts) {
		if (a->ts == MH_TS_NONE)
			return 0;
		if (b->ts == MH_TS_NONE)
			return 1;
		return a->ts < b->ts;
	}
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c < 0;
	return a->offset < b->offset;
}

static void lead_take(struct aud_lead *t, struct aud_lead *a)
{
	if (a->rank >= 0 && lead_before(a, t)) {
		mh_fw_lead_release(t);
		*t = *a;
		memset(a, 0, sizeof(*a));
		a->rank = -1;
		a->ts = MH_TS_NONE;
	} else {
		mh_fw_lead_release(a);
	}
}

/* Add name (lower case) to the sorted set *rules. */
static int rules_add(char **rules, const char *name)
{
	size_t n = 0, nl = strlen(name);
	const char *s = *rules;
	struct mh_buf b = MH_BUF_INIT(256);
	int done = 0;
	if (!nl)
		return MH_OK;
	while (s && *s) {
		const char *e = strchr(s, '\x1f');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		int c = strncmp(s, name, k < nl ? k : nl);
		if (!c)
			c = k < nl ? -1 : k > nl;
		if (!c) {
			mh_buf_release(&b);
			return MH_OK;
		}
		if (c > 0 && !done) {
			mh_buf_printf(&b, "%s%s", b.len ? "\x1f" : "", name);
			done = 1;
			n++;
		}
		mh_buf_printf(&b, "%s%.*s", b.len ? "\x1f" : "", (int)k, s);
		n++;
		s = e ? e + 1 : s + k;
	}
	if (!done) {
		mh_buf_printf(&b, "%s%s", b.len ? "\x1f" : "", name);
		n++;
	}
	/* The 8 smallest names: the same set whatever the order. */
	if (n > 8 && b.p) {
		char *cut = b.p;
		for (int k = 0; k < 8 && cut; k++) {
			cut = strchr(cut, '\x1f');
			if (cut && k < 7)
				cut++;
		}
		if (cut) {
			*cut = '\0';
			b.len = (size_t)(cut - b.p);
		}
	}
	char *r = mh_buf_detach(&b, NULL);
	if (!r)
		return MH_ENOMEM;
	free(*rules);
	*rules = r;
	return MH_OK;
}

void mh_fw_audit_add(struct agg *t, struct agg *a, size_t max)
{
	/* Best effort on no memory: the set is merely shorter. */
	for (const char *s = a->rules; s && *s;) {
		const char *e = strchr(s, '\x1f');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		char name[ADDR_MAX];
		snprintf(name, sizeof(name), "%.*s", (int)k, s);
		rules_add(&t->rules, name);
		s = e ? e + 1 : s + k;
	}
	t->srcs |= a->srcs;
	t->aflags |= a->aflags;
	t->configured += a->configured;
	t->attempts += a->attempts;
	t->snapshots += a->snapshots;
	mh_fw_span(&t->afirst, &t->alast, a->afirst);
	mh_fw_span(&t->afirst, &t->alast, a->alast);
	lead_take(&t->lead, &a->lead);
	for (size_t i = 0; i < a->naev; i++) {
		mh_fw_ev_keep(&t->aev, &t->naev, max, &a->aev[i]);
		memset(&a->aev[i], 0, sizeof(a->aev[i]));
	}
	a->naev = 0;
	a->configured = a->attempts = a->snapshots = 0;
}

static char *ip_text(const struct mh_audit *a)
{
	if (a->client_ip.p && a->client_ip.n)
		return sl_dup(a->client_ip);
	return sl_dup(a->client_ip_raw);
}

static char *app_text(const struct mh_audit *a)
{
	if (a->client_info.p && a->client_info.n)
		return sl_dup(a->client_info);
	if (a->app_id.p && a->app_id.n)
		return sl_dup(a->app_id);
	return sl_dup(a->client_app_id);
}

static int add_pair(struct mh_fwd *f, const struct mh_event *ev,
                    const struct mh_audit *a, const struct afact *x, size_t di,
                    int dup)
{
	const char *mailbox = x->mailbox[0] ? x->mailbox : UNKNOWN;
	struct agg *g = mh_fw_agg_get(f, x->kind, mailbox, x->dest[di]);
	if (!g)
		return MH_ENOMEM;
	g->mechs |= 1u << x->mech;
	g->srcs |= x->rank == 1 ? S_SNAPSHOT : S_AUDIT;
	g->aflags |= x->aflags | x->dflags[di];
	/* A copy (dup) was counted with the one read first. */
	g->configured += !dup && x->rank == 0;
	g->snapshots += !dup && x->rank == 1;
	g->attempts += !dup && x->rank == 2;
	mh_fw_span(&g->afirst, &g->alast, ev->ts);

	struct aud_lead l = {0};
	l.rank = x->rank;
	l.ts = ev->ts;
	l.offset = ev->offset;
	l.file = strdup(ev->path ? ev->path : "");
	l.operation = sl_dup(a->operation);
	l.actor = sl_dup(a->actor);
	l.client_ip = ip_text(a);
	l.app = app_text(a);
	l.rule = sl_dup(mh_slice_trim(x->rule));
	l.conditions = x->conditions ? strdup(x->conditions) : NULL;
	l.actions = x->actions ? strdup(x->actions) : NULL;
	if (!l.file) {
		mh_fw_lead_release(&l);
		return MH_ENOMEM;
	}
	lead_take(&g->lead, &l);
	if (x->rule.p && (x->mech == M_INBOX_RULE || x->mech == M_TRANSPORT ||
	                  x->mech == M_GWS_ROUTING)) {
		char r[ADDR_MAX];
		put_lc(r, sizeof(r), mh_slice_trim(x->rule));
		if (rules_add(&g->rules, r))
			return MH_ENOMEM;
	}

	const char *path = ev->path ? ev->path : "";
	if (!mh_fw_ev_wanted(g->aev, g->naev, f->max_evidence, path,
	                     ev->offset))
		return MH_OK;
	struct ev_item e = {0};
	e.file = strdup(path);
	e.offset = ev->offset;
	e.line = ev->line;
	e.record = ev->index + 1;
	e.ts = ev->ts;
	e.fields = x->fields ? strdup(x->fields) : NULL;
	e.rid = mh_audit_rid_hash(ev->record_id);
	if (!e.file) {
		mh_fw_ev_release(&e);
		return MH_ENOMEM;
	}
	return mh_fw_ev_keep(&g->aev, &g->naev, f->max_evidence, &e);
}

/* Fill x from the destination parameters dp of the record; 1 when a
 * destination parameter was set to nothing (the forward removed). */
static int collect_dests(const struct mh_audit *a, struct afact *x,
                         const struct dest_param *dp, size_t ndp)
{
	int cleared = 0;
	for (size_t i = 0; i < ndp; i++) {
		const struct mh_audit_param *p = NULL;
		while ((p = mh_audit_param(a, dp[i].name, p)) != NULL) {
			if (emptyish(p->value)) {
				cleared = 1;
				continue;
			}
			x->mech = dp[i].mech;
			dests_of(x, p->value);
		}
	}
	return cleared;
}

/* The scope of a transport rule: its first SentTo / From address, else
 * every message of the organisation. */
static void transport_scope(const struct mh_audit *a, char out[ADDR_MAX])
{
	static const char *const scope[] = {"SentTo", "From", "SentToMemberOf",
	                                    "FromMemberOf"};
	for (size_t i = 0; i < NELEM(scope); i++) {
		const struct mh_audit_param *p =
		        mh_audit_param(a, scope[i], NULL);
		struct mh_audit_addr one;
		if (p && !emptyish(p->value) &&
		    mh_audit_addrs(p->value, &one, 1) >= 1) {
			put_lc(out, ADDR_MAX, one.addr);
			return;
		}
	}
	snprintf(out, ADDR_MAX, "%s", "all mail");
}

/* Google Workspace routing settings (MH-GWS-ROUTING): one pair per
 * setting, mailbox "all mail", destination unknown; a deletion ends it. */
static int gws_routing(struct mh_fwd *f, const struct mh_event *ev,
                       const struct mh_audit *a, int dup)
{
	int rc = MH_OK;
	for (size_t o = 0; o < a->nops && rc == MH_OK; o++) {
		struct mh_slice op = a->ops[o];
		int del = sl_is(op, "DELETE_GMAIL_SETTING");
		if (!del && !sl_is(op, "CREATE_GMAIL_SETTING") &&
		    !sl_is(op, "CHANGE_GMAIL_SETTING"))
			continue;
		struct mh_slice name = MH_SLICE_NULL, id = MH_SLICE_NULL;
		for (size_t i = 0; i < a->nparams; i++) {
			const struct mh_audit_param *p = &a->params[i];
			if (p->op != o)
				continue;
			if (sl_is(p->name, "SETTING_NAME"))
				name = p->value;
			else if (sl_is(p->name, "USER_DEFINED_SETTING_NAME"))
				id = p->value;
		}
		size_t k = 0;
		while (k < NELEM(gws_routing_settings) &&
		       !sl_is(name, gws_routing_settings[k]))
			k++;
		if (k == NELEM(gws_routing_settings))
			continue;
		struct afact g;
		memset(&g, 0, sizeof(g));
		g.kind = K_GMAIL;
		g.mech = M_GWS_ROUTING;
		g.rank = a->result == MH_AR_FAILED ? 2 : 0;
		g.rule = id.p && id.n ? id : name;
		snprintf(g.mailbox, sizeof(g.mailbox), "%s", "all mail");
		snprintf(g.dest[0], sizeof(g.dest[0]), "%s", UNKNOWN);
		g.ndest = 1;
		struct dest_param none = {"SETTING_NAME", M_GWS_ROUTING};
		if (describe(ev, a, &g, &none, 1) != MH_OK) {
			release_afact(&g);
			return MH_ENOMEM;
		}
		if (del && g.rank == 0) {
			char r[ADDR_MAX];
			put_lc(r, sizeof(r), mh_slice_trim(g.rule));
			rc = note_removal(f, M_GWS_ROUTING, g.mailbox,
			                  mh_slice_cstr(r), ev->ts);
		}
		/* A deletion is evidence of the rule, not a change that
		 * sets it up: counted as nothing. */
		if (rc == MH_OK) {
			f->audit_facts += !dup && !del;
			changed(f);
			rc = add_pair(f, ev, a, &g, 0, dup || del);
		}
		release_afact(&g);
	}
	return rc;
}

/* A mailbox audit record names its mailbox by address (MailboxOwnerUPN)
 * and by GUID (MailboxGuid): the GUID is another name of the address
 * (fwdalias.c). Most records repeat a pair taught before, and GUIDs are
 * written in lower case: one look-up of the GUID as written answers. */
#define GUID_SEEN 1024 /* entries, a power of two */
#define GUID_TEXT 48   /* bytes of a GUID kept (36 as written) */
#define GUID_MBX  80   /* bytes of a mailbox kept */

struct fw_guid_seen {
	struct {
		unsigned char gn, mn; /* 0: empty */
		char g[GUID_TEXT], m[GUID_MBX];
	} e[GUID_SEEN];
};

static size_t guid_slot(struct mh_slice g)
{
	uint64_t w = 0;
	memcpy(&w, g.p, g.n < 8 ? g.n : 8);
	w ^= g.n;
	return (size_t)((w * 0x9e3779b97f4a7c15ULL) >> 48) & (GUID_SEEN - 1);
}

static int learn_guid(struct mh_fwd *f, const struct mh_audit *a)
{
	struct mh_slice g = a->mailbox_guid, m = a->mailbox;
	if (g.n >= 64 || !m.n || m.n >= ADDR_MAX)
		return MH_OK;
	/* the pair as written, found taught before */
	int cacheable = g.n && g.n <= GUID_TEXT && m.n <= GUID_MBX;
	size_t at = cacheable ? guid_slot(g) : 0;
	if (cacheable && f->guid_seen) {
		const struct fw_guid_seen *gs = f->guid_seen;
		if (gs->e[at].gn == g.n && gs->e[at].mn == m.n &&
		    !memcmp(gs->e[at].g, g.p, g.n) &&
		    !memcmp(gs->e[at].m, m.p, m.n))
			return MH_OK;
	}
	void **slot = mh_strmap_find(&f->aliases, g.p, g.n);
	if (slot && *slot &&
	    (*slot == mh_fw_alias_ambiguous ||
	     (!strncasecmp(*slot, m.p, m.n) && !((char *)*slot)[m.n]))) {
		if (cacheable && !f->guid_seen)
			f->guid_seen = calloc(1, sizeof(*f->guid_seen));
		if (cacheable && f->guid_seen) {
			struct fw_guid_seen *gs = f->guid_seen;
			memcpy(gs->e[at].g, g.p, g.n);
			memcpy(gs->e[at].m, m.p, m.n);
			gs->e[at].gn = (unsigned char)g.n;
			gs->e[at].mn = (unsigned char)m.n;
		}
		return MH_OK;
	}
	char mb[ADDR_MAX], name[64];
	mailbox_of(m, mb);
	put_lc(name, sizeof(name), mh_slice_trim(g));
	if (strchr(mb, '@') && mh_fw_alias_teach(f, name, mb))
		return MH_ENOMEM;
	return MH_OK;
}

/* Every Microsoft 365 operation mh_fw_audit_event reads for forwarding
 * (the literal prefilter passes over the rest unparsed). */
static const char *const fw_audit_ops[] = {
        "New-InboxRule",     "Set-InboxRule",
        "UpdateInboxRules",  "Set-Mailbox",
        "New-TransportRule", "Set-TransportRule",
        "Remove-InboxRule",  "Disable-InboxRule",
        "Enable-InboxRule",  NULL,
};

const char *const *mh_fw_audit_ops(const struct mh_analytic_conf *conf)
{
	(void)conf;
	return fw_audit_ops;
}

unsigned mh_fw_audit_need(const struct mh_analytic_conf *conf)
{
	/* A record passed over still tells the tenant's facts: without
	 * --org-domain every record names the tenant's domains
	 * (note_tenant), and whatever --org-domain says a mailbox audit
	 * record names its mailbox's GUID beside its address (learn_guid),
	 * so that a rule set on the GUID joins the address's mail with the
	 * prefilter on as with it off. */
	(void)conf;
	return MH_AN_NEED_TENANT;
}

int mh_fw_audit_tenant(struct mh_fwd *f, const struct mh_audit *a)
{
	note_tenant(f, a);
	if (a->source == MH_AUDIT_M365 && a->mailbox_guid.n)
		return learn_guid(f, a);
	return MH_OK;
}

int mh_fw_audit_event(struct mh_fwd *f, const struct mh_event *ev, int dup,
                      struct mh_err *err)
{
	const struct mh_audit *a = ev->audit;
	struct afact x;
	const struct dest_param *dp = NULL;
	size_t ndp = 0;
	int rc = MH_OK;

	if (!dup)
		f->audit_records++;
	note_tenant(f, a);
	int rank = a->snapshot ? 1 : a->result == MH_AR_FAILED ? 2 : 0;

	if (a->source == MH_AUDIT_GWS && (rc = gws_routing(f, ev, a, dup)))
		return mh_err_set(err, rc, "forwarding: out of memory");
	if (a->source == MH_AUDIT_GWS) {
		/* Google Workspace: one activity may hold several events;
		 * the parameters of each carry its index. */
		for (size_t o = 0; o < a->nops; o++) {
			struct mh_slice op = a->ops[o];
			const char *dname = NULL, *mname = NULL;
			enum mech m = M_GMAIL;
			if (sl_is(op, "email_forwarding_out_of_domain")) {
				dname = "email_forwarding_destination_address";
			} else if (sl_is(op, "CREATE_EMAIL_MONITOR")) {
				dname = "EMAIL_MONITOR_DEST_EMAIL";
				mname = "USER_EMAIL";
				m = M_GWS_MONITOR;
			} else {
				continue;
			}
			struct afact g;
			memset(&g, 0, sizeof(g));
			g.kind = K_GMAIL;
			g.mech = m;
			g.rank = rank;
			g.rule = MH_SLICE_NULL;
			mailbox_of(a->mailbox, g.mailbox);
			for (size_t i = 0; i < a->nparams; i++) {
				const struct mh_audit_param *p = &a->params[i];
				if (p->op != o)
					continue;
				if (sl_is(p->name, dname))
					dests_of(&g, p->value);
				else if (mname && sl_is(p->name, mname))
					mailbox_of(p->value, g.mailbox);
			}
			if (!g.ndest)
				continue;
			struct dest_param gp = {dname, m};
			if (describe(ev, a, &g, &gp, 1) == MH_OK) {
				f->audit_facts += !dup;
				changed(f);
				for (size_t i = 0; i < g.ndest && rc == MH_OK;
				     i++)
					rc = add_pair(f, ev, a, &g, i, dup);
			} else {
				rc = MH_ENOMEM;
			}
			release_afact(&g);
			if (rc)
				break;
		}
		return rc ? mh_err_set(err, rc, "forwarding: out of memory")
		          : MH_OK;
	}

	if (a->source != MH_AUDIT_M365)
		return MH_OK;
	if (a->mailbox_guid.n && learn_guid(f, a))
		return mh_err_set(err, MH_ENOMEM, "forwarding: out of memory");
	int inbox = op_is(a, "New-InboxRule") || op_is(a, "Set-InboxRule") ||
	            op_is(a, "UpdateInboxRules") ||
	            a->shape == MH_AS_CFG_INBOX_RULE;
	int mbx = op_is(a, "Set-Mailbox") || a->shape == MH_AS_CFG_MAILBOX;
	int transport = op_is(a, "New-TransportRule") ||
	                op_is(a, "Set-TransportRule") ||
	                a->shape == MH_AS_CFG_TRANSPORT_RULE;
	int removal =
	        !inbox && !mbx && !transport &&
	        (op_is(a, "Remove-InboxRule") || op_is(a, "Disable-InboxRule"));
	int enable = !inbox && !mbx && !transport && !removal &&
	             op_is(a, "Enable-InboxRule");
	/* Most records (reads, sign-ins, files) stop here. */
	if (!inbox && !mbx && !transport && !removal && !enable)
		return MH_OK;
	memset(&x, 0, sizeof(x));
	x.rank = rank;
	x.kind = K_EXCH;
	x.rule = MH_SLICE_NULL;
	mailbox_of(a->mailbox, x.mailbox);
	if (!transport && mh_fw_alias_learn(f, a, x.mailbox))
		return mh_err_set(err, MH_ENOMEM, "forwarding: out of memory");
	if (inbox) {
		dp = inbox_dests;
		ndp = NELEM(inbox_dests);
		x.rule = rule_name(a);
	} else if (mbx) {
		dp = mailbox_dests;
		ndp = NELEM(mailbox_dests);
	} else if (transport) {
		dp = transport_dests;
		ndp = NELEM(transport_dests);
		x.rule = rule_name(a);
		transport_scope(a, x.mailbox);
	} else if (removal || enable) {
		if (a->result == MH_AR_FAILED || !x.mailbox[0])
			return MH_OK;
		rc = note_time(f, removal ? &f->removals : &f->enables,
		               M_INBOX_RULE, x.mailbox, rule_name(a), ev->ts);
		return rc ? mh_err_set(err, rc, "forwarding: out of memory")
		          : MH_OK;
	} else {
		return MH_OK;
	}
	int cleared = collect_dests(a, &x, dp, ndp);
	if (cleared && !x.ndest && x.rank == 0 && x.mailbox[0]) {
		/* Set-Mailbox -ForwardingSmtpAddress $null, Set-InboxRule
		 * -ForwardTo $null: the forward ends here. */
		rc = note_removal(f,
		                  mbx     ? M_MBX_FWD
		                  : inbox ? M_INBOX_RULE
		                          : M_TRANSPORT,
		                  x.mailbox, mbx ? MH_SLICE_NULL : x.rule,
		                  ev->ts);
		return rc ? mh_err_set(err, rc, "forwarding: out of memory")
		          : MH_OK;
	}
	if (!x.ndest)
		return MH_OK;
	if (describe(ev, a, &x, dp, ndp) != MH_OK) {
		release_afact(&x);
		return mh_err_set(err, MH_ENOMEM, "forwarding: out of memory");
	}
	f->audit_facts += !dup;
	changed(f);
	for (size_t i = 0; i < x.ndest && rc == MH_OK; i++) {
		/* A rule that forwards to its own mailbox forwards nothing. */
		if (!strcmp(x.dest[i], x.mailbox))
			continue;
		rc = add_pair(f, ev, a, &x, i, dup);
	}
	release_afact(&x);
	return rc ? mh_err_set(err, rc, "forwarding: out of memory") : MH_OK;
}
