/* test_fwdjoin.c - the forwarding picture fed by audit records and mail
 * (docs/FORWARDING.md "One picture: audit records and mail"): a pair seen
 * in both is one finding with both kinds of evidence, a pair seen in one
 * source says so, MH-FWD-MANY, internal/external from the tenant's own
 * domains, attempts, removals, and copies of a duplicate record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytics/analytic.h"
#include "analytics/forwarding.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/time.h"
#include "event/audit.h"
#include "event/msg.h"
#include "mail/date.h"
#include "mail/rfc5322.h"

/* MARK: - events */

/* An audit record as the normalisers make it. */
struct taud {
	struct mh_audit a;
	struct mh_audit_param p[16];
	struct mh_slice op;
	struct mh_event ev;
};

static struct mh_slice S(const char *s) {
	return s ? mh_slice_cstr(s) : MH_SLICE_NULL;
}

/* kv: name, value pairs, NULL-terminated. */
static void
taud_init(struct taud *t, const char *op, const char *mailbox,
          const char *actor, const char *ts, enum mh_audit_result res,
          const char *path, uint64_t offset, const char *const *kv)
{
	memset(t, 0, sizeof(*t));
	t->op = S(op);
	t->a.source = MH_AUDIT_M365;
	t->a.shape = MH_AS_UAL_API;
	t->a.operation = t->op;
	t->a.ops = &t->op;
	t->a.nops = 1;
	t->a.workload = S("Exchange");
	t->a.record_type = 1;
	t->a.actor = S(actor);
	t->a.user_type = 0;
	t->a.mailbox = S(mailbox);
	t->a.client_ip = S("192.0.2.7");
	t->a.client_ip_raw = S("192.0.2.7:50000");
	t->a.result = res;
	t->a.result_raw = S(res == MH_AR_FAILED ? "Failed" : "True");
	t->a.logon_type = -1;
	t->a.op_count = -1;
	t->a.org = S("corp.onmicrosoft.com");
	t->a.ts = mh_audit_time(S(ts));
	t->a.id = S("0b9a3c2e-0000-4000-8000-000000000001");
	size_t n = 0;
	for (; kv && kv[2 * n]; n++) {
		t->p[n].name = S(kv[2 * n]);
		t->p[n].value = S(kv[2 * n + 1]);
		t->p[n].src = MH_AP_PARAMETERS;
	}
	t->a.params = t->p;
	t->a.nparams = n;
	t->ev.kind = MH_EV_AUDIT;
	t->ev.reader = "json";
	t->ev.path = path;
	t->ev.offset = offset;
	t->ev.line = (unsigned)(offset / 100) + 1;
	t->ev.index = offset / 100;
	t->ev.ts = t->a.ts;
	t->ev.audit = &t->a;
}

static void audit(struct mh_fwd *f, const char *op, const char *mailbox,
                  const char *actor, const char *ts, enum mh_audit_result res,
                  const char *const *kv)
{
	static uint64_t off;
	struct taud t;
	struct mh_err err;
	mh_err_clear(&err);
	taud_init(&t, op, mailbox, actor, ts, res, "/case/ual.jsonl",
	          off += 100, kv);
	assert_int_equal(mh_fwd_event(f, &t.ev, &err), MH_OK);
}

/* One message of an Exchange inbox rule: mailbox -> dest at date. */
static void mail(struct mh_fwd *f, const char *mailbox, const char *dest,
                 const char *date)
{
	static uint64_t off;
	char text[2048];
	struct mh_arena arena;
	struct mh_msg msg;
	struct mh_event ev;
	struct mh_field *fv = NULL;
	size_t nf = 0, hl = 0, bo = 0;
	struct mh_err err;
	int n = snprintf(text, sizeof(text),
	                 "X-MS-Exchange-Organization-AutoForwarded: true\n"
	                 "X-MS-Exchange-Inbox-Rules-Loop: %s\n"
	                 "From: <%s>\nTo: <%s>\nSubject: FW: numbers\n"
	                 "Date: %s\nMessage-ID: <m%llu@corp.example>\n\n"
	                 "-----Original Message-----\nFrom: cfo@corp.example\n",
	                 mailbox, mailbox, dest, date, (unsigned long long)off);
	mh_arena_init(&arena, 8192, 0);
	assert_int_equal(mh_hdr_end(text, (size_t)n, 1, &hl, &bo), MH_OK);
	assert_int_equal(mh_hdr_split(text, hl, &arena, 100, &fv, &nf, NULL),
	                 MH_OK);
	memset(&msg, 0, sizeof(msg));
	memset(&ev, 0, sizeof(ev));
	msg.header = mh_slice_make(text, hl);
	msg.body = mh_slice_make(text + bo, (size_t)n - bo);
	msg.body_complete = 1;
	msg.header_line = 1;
	msg.hdrs = fv;
	msg.nhdrs = nf;
	msg.envelope_time = MH_TS_NONE;
	ev.kind = MH_EV_MAIL;
	ev.reader = "test";
	ev.path = "/case/journal.mbox";
	ev.offset = off += 1000;
	ev.line = 1;
	ev.fields = fv;
	ev.nfields = nf;
	ev.msg = &msg;
	int tz;
	assert_int_equal(mh_date_parse(S(date), &ev.ts, &tz), MH_OK);
	mh_err_clear(&err);
	assert_int_equal(mh_fwd_event(f, &ev, &err), MH_OK);
	mh_arena_release(&arena);
}

static struct mh_fwd *new_fwd(const char *org)
{
	struct mh_fwd *f = NULL;
	const char *v[1] = {org};
	struct mh_fwd_opts o = {v, org ? 1 : 0, 5};
	assert_int_equal(mh_fwd_new(&f, &o), MH_OK);
	return f;
}

static const struct mh_finding *find(const struct mh_findings *l,
                                     const char *rule, const char *mailbox,
                                     const char *dest)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct mh_finding *x = l->v[i];
		if (!strcmp(x->rule_id, rule) &&
		    (!mailbox ||
		     (x->mailbox && !strcmp(x->mailbox, mailbox))) &&
		    (!dest ||
		     (x->destination && !strcmp(x->destination, dest))))
			return x;
	}
	return NULL;
}

static uint64_t count(const struct mh_finding *x, const char *name)
{
	for (size_t i = 0; i < x->ncounts; i++)
		if (!strcmp(x->counts[i].name, name))
			return x->counts[i].value;
	fail_msg("no count '%s'", name);
	return 0;
}

static void findings_of(struct mh_fwd *f, struct mh_findings *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(mh_fwd_findings(f, l), MH_OK);
}

static const char *const rule_fwd[] = {
        "Name", "Sync", "ForwardTo", "x@evil.example", NULL,
};

/* MARK: - tests */

/* The rule from the audit log and the mail it sent: one finding. */
static void test_join(void **state)
{
	(void)state;
	struct mh_fwd *f = new_fwd(NULL);
	struct mh_findings l;
	audit(f, "New-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, rule_fwd);
	mail(f, "alice@corp.example", "x@evil.example",
	     "Sat, 2 Mar 2024 09:00:00 +0000");
	mail(f, "alice@corp.example", "x@evil.example",
	     "Sun, 3 Mar 2024 09:00:00 +0000");
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	const struct mh_finding *x =
	        find(&l, "MH-FWD-EXT", "alice@corp.example", "x@evil.example");
	assert_non_null(x);
	assert_int_equal(x->external, 1);
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_int_equal(count(x, "auto_forwarded"), 2);
	assert_int_equal(count(x, "configured"), 1);
	assert_string_equal(mh_finding_attr_get(x, "source"), "audit+mail");
	assert_string_equal(mh_finding_attr_get(x, "rule_name"), "Sync");
	assert_string_equal(x->client_ip, "192.0.2.7");
	/* The mailbox made its own rule: no separate actor. */
	assert_null(x->actor);
	/* First seen is the rule's creation, last the last message. */
	char a[21], b[21];
	mh_time_iso(x->first_seen, a);
	mh_time_iso(x->last_seen, b);
	assert_string_equal(a, "2024-03-01T08:00:00Z");
	assert_string_equal(b, "2024-03-03T09:00:00Z");
	/* Evidence: the audit record first, then the messages. */
	assert_int_equal(x->nevidence, 3);
	assert_int_not_equal(x->evidence[0].record, 0);
	assert_non_null(x->evidence[0].fields);
	assert_non_null(strstr(x->evidence[0].fields, "New-InboxRule"));
	assert_int_equal(x->evidence[1].record, 0);
	assert_non_null(x->evidence[1].message_id);
	assert_non_null(strstr(x->summary, "2 messages left through it"));
	assert_non_null(strstr(x->remediation, "Remove-InboxRule -Mailbox "
	                                       "'alice@corp.example' "
	                                       "-Identity 'Sync'"));
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* A pair seen in one source only says so. */
static void test_one_source(void **state)
{
	(void)state;
	struct mh_findings l;
	struct mh_fwd *f = new_fwd(NULL);
	audit(f, "New-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, rule_fwd);
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.v[0]->summary, "seen only in the audit log: "
	                                        "no mail store was scanned"));
	assert_string_equal(mh_finding_attr_get(l.v[0], "source"), "audit");
	mh_findings_release(&l);
	/* Mail scanned, another pair in it. */
	mail(f, "bob@corp.example", "y@evil.example",
	     "Sat, 2 Mar 2024 09:00:00 +0000");
	findings_of(f, &l);
	assert_int_equal(l.n, 2);
	const struct mh_finding *x =
	        find(&l, "MH-FWD-EXT", "alice@corp.example", NULL);
	assert_non_null(x);
	assert_non_null(strstr(x->summary, "no message through it in the "
	                                   "mail scanned"));
	x = find(&l, "MH-FWD-EXT", "bob@corp.example", NULL);
	assert_non_null(x);
	assert_non_null(strstr(x->summary, "seen only in mail"));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Mail alone: the summary of before (no audit record read). */
	f = new_fwd(NULL);
	mail(f, "bob@corp.example", "y@evil.example",
	     "Sat, 2 Mar 2024 09:00:00 +0000");
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_null(strstr(l.v[0]->summary, "seen only"));
	mh_findings_release(&l);
	mh_fwd_free(f);
}

static void test_many(void **state)
{
	(void)state;
	static const char *const to_drop[] = {"ForwardingSmtpAddress",
	                                      "smtp:drop@evil.example", NULL};
	static const char *const to_shared[] = {
	        "ForwardTo", "shared@corp.example", "Name", "copy", NULL};
	struct mh_findings l;
	struct mh_fwd *f = new_fwd(NULL);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, to_drop);
	/* bob's mail through the same destination: any source counts. */
	mail(f, "bob@corp.example", "drop@evil.example",
	     "Sat, 2 Mar 2024 09:00:00 +0000");
	audit(f, "New-InboxRule", "carol@corp.example", "carol@corp.example",
	      "2024-03-01T09:00:00Z", MH_AR_OK, to_shared);
	audit(f, "New-InboxRule", "dave@corp.example", "dave@corp.example",
	      "2024-03-01T10:00:00Z", MH_AR_OK, to_shared);
	findings_of(f, &l);
	const struct mh_finding *x =
	        find(&l, "MH-FWD-MANY", NULL, "drop@evil.example");
	assert_non_null(x);
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_int_equal(x->external, 1);
	assert_int_equal(count(x, "mailboxes"), 2);
	assert_null(x->mailbox);
	assert_string_equal(mh_finding_attr_get(x, "mailboxes"),
	                    "alice@corp.example, bob@corp.example");
	x = find(&l, "MH-FWD-MANY", NULL, "shared@corp.example");
	assert_non_null(x);
	assert_int_equal(x->level, MH_LEVEL_LOW);
	assert_int_equal(x->external, 0);
	/* One mailbox to a destination is no MANY. */
	mh_findings_release(&l);
	mh_fwd_free(f);

	f = new_fwd(NULL);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, to_drop);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-02T08:00:00Z", MH_AR_OK, to_drop);
	findings_of(f, &l);
	assert_null(find(&l, "MH-FWD-MANY", NULL, NULL));
	assert_int_equal(l.n, 1);
	assert_int_equal(count(l.v[0], "configured"), 2);
	/* Made by an administrator: the actor is named. */
	assert_string_equal(l.v[0]->actor, "admin@corp.example");
	mh_findings_release(&l);
	mh_fwd_free(f);
}

static void test_internal_external(void **state)
{
	(void)state;
	static const char *const to_bob[] = {"ForwardTo", "bob@corp.example",
	                                     NULL};
	static const char *const to_gmail[] = {"ForwardTo", "x@gmail.com",
	                                       NULL};
	static const char *const to_sub[] = {"ForwardTo", "a@eu.corp.example",
	                                     NULL};
	struct mh_findings l;
	/* Inferred: the tenant's own names (corp.onmicrosoft.com, the
	 * mailbox's UPN domain corp.example); never the free-mail one. */
	struct mh_fwd *f = new_fwd(NULL);
	audit(f, "New-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, to_bob);
	audit(f, "New-InboxRule", "x@gmail.com", "x@gmail.com",
	      "2024-03-01T08:00:00Z", MH_AR_OK, to_sub);
	audit(f, "New-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, to_gmail);
	findings_of(f, &l);
	assert_non_null(find(&l, "MH-FWD-INT", "alice@corp.example",
	                     "bob@corp.example"));
	assert_non_null(
	        find(&l, "MH-FWD-EXT", "alice@corp.example", "x@gmail.com"));
	/* A subdomain of a tenant domain is internal. */
	assert_non_null(
	        find(&l, "MH-FWD-INT", "x@gmail.com", "a@eu.corp.example"));
	const struct mh_fwd_org_domain *v;
	size_t n;
	assert_int_equal(mh_fwd_org_domains(f, &v, &n), MH_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].domain, "corp.example");
	assert_string_equal(v[0].source, "audit-tenant");
	assert_string_equal(v[1].domain, "corp.onmicrosoft.com");
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* --org-domain wins over the tenant's names. */
	f = new_fwd("other.example");
	audit(f, "New-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, to_bob);
	findings_of(f, &l);
	assert_non_null(find(&l, "MH-FWD-EXT", "alice@corp.example",
	                     "bob@corp.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);
}

static void test_attempt(void **state)
{
	(void)state;
	static const char *const nokeep[] = {
	        "ForwardingSmtpAddress", "smtp:x@evil.example",
	        "DeliverToMailboxAndForward", "False", NULL};
	struct mh_findings l;
	struct mh_fwd *f = new_fwd(NULL);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_FAILED, nokeep);
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	/* high, one up for keeping no copy, one down for the failure. */
	assert_int_equal(l.v[0]->level, MH_LEVEL_HIGH);
	assert_int_equal(count(l.v[0], "attempts"), 1);
	assert_int_equal(count(l.v[0], "configured"), 0);
	assert_non_null(strstr(l.v[0]->summary, "attempted"));
	mh_findings_release(&l);
	/* The same change succeeding later: critical. */
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-01T08:05:00Z", MH_AR_OK, nokeep);
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0]->level, MH_LEVEL_CRITICAL);
	assert_null(strstr(l.v[0]->summary, "attempted"));
	assert_non_null(strstr(l.v[0]->summary, "keeps no copy"));
	mh_findings_release(&l);
	mh_fwd_free(f);
}

static void test_removal(void **state)
{
	(void)state;
	static const char *const set[] = {"ForwardingSmtpAddress",
	                                  "smtp:x@evil.example", NULL};
	static const char *const clear[] = {"ForwardingSmtpAddress", "", NULL};
	static const char *const rm[] = {"Identity", "alice@corp.example\\Sync",
	                                 NULL};
	struct mh_findings l;
	struct mh_fwd *f = new_fwd(NULL);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, set);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-04T08:00:00Z", MH_AR_OK, clear);
	audit(f, "New-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-01T08:00:00Z", MH_AR_OK, rule_fwd);
	audit(f, "Remove-InboxRule", "alice@corp.example", "alice@corp.example",
	      "2024-03-05T08:00:00Z", MH_AR_OK, rm);
	findings_of(f, &l);
	/* Both pairs are one (kind, mailbox, destination): the inbox rule
	 * and the mailbox forwarding, each removed. */
	assert_int_equal(l.n, 1);
	const struct mh_finding *x = l.v[0];
	assert_non_null(mh_finding_attr_get(x, "removed_at"));
	assert_non_null(strstr(x->summary, "removed at"));
	assert_int_equal(x->level, MH_LEVEL_MEDIUM);
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Forwarding set again after its removal is not removed. */
	f = new_fwd(NULL);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-04T08:00:00Z", MH_AR_OK, clear);
	audit(f, "Set-Mailbox", "alice@corp.example", "admin@corp.example",
	      "2024-03-05T08:00:00Z", MH_AR_OK, set);
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_null(mh_finding_attr_get(l.v[0], "removed_at"));
	assert_int_equal(l.v[0]->level, MH_LEVEL_HIGH);
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* The same record in two exports: counted once, and the evidence and
 * lead record are the same whichever copy came first. */
static void test_duplicate_copies(void **state)
{
	(void)state;
	const struct mh_analytic_ops *ops = NULL;
	ops = mh_analytic_by_name("forwarding");
	assert_non_null(ops->duplicate);
	char *out[2];
	for (int order = 0; order < 2; order++) {
		struct mh_fwd *a = new_fwd(NULL), *b = new_fwd(NULL);
		struct taud t1, t2;
		struct mh_err err;
		mh_err_clear(&err);
		taud_init(&t1, "New-InboxRule", "alice@corp.example",
		          "alice@corp.example", "2024-03-01T08:00:00Z",
		          MH_AR_OK, "/case/a-ual.jsonl", 500, rule_fwd);
		taud_init(&t2, "New-InboxRule", "alice@corp.example",
		          "alice@corp.example", "2024-03-01T08:00:00Z",
		          MH_AR_OK, "/case/b-purview.csv", 100, rule_fwd);
		/* One thread reads a copy first, the other the other. */
		assert_int_equal(ops->event(order ? b : a,
		                            order ? &t2.ev : &t1.ev, &err),
		                 MH_OK);
		assert_int_equal(ops->duplicate(order ? a : b,
		                                order ? &t1.ev : &t2.ev, &err),
		                 MH_OK);
		assert_int_equal(mh_fwd_merge(a, b), MH_OK);
		struct mh_findings l;
		findings_of(a, &l);
		assert_int_equal(l.n, 1);
		assert_int_equal(count(l.v[0], "configured"), 1);
		assert_int_equal(l.v[0]->nevidence, 2);
		struct mh_buf s = MH_BUF_INIT(512);
		for (size_t i = 0; i < l.v[0]->nevidence; i++)
			mh_buf_printf(
			        &s, "%s@%llu;", l.v[0]->evidence[i].file,
			        (unsigned long long)l.v[0]->evidence[i].offset);
		out[order] = mh_buf_detach(&s, NULL);
		mh_findings_release(&l);
		mh_fwd_free(a);
		mh_fwd_free(b);
	}
	assert_string_equal(out[0], out[1]);
	free(out[0]);
	free(out[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_join),
	        cmocka_unit_test(test_one_source),
	        cmocka_unit_test(test_many),
	        cmocka_unit_test(test_internal_external),
	        cmocka_unit_test(test_attempt),
	        cmocka_unit_test(test_removal),
	        cmocka_unit_test(test_duplicate_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
