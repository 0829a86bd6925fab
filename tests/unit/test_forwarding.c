/* test_forwarding.c - the forwarding analysis against docs/FORWARDING.md:
 * each artefact and exclusion on real-shaped messages, who forwards to
 * whom, internal/external, the ratio heuristic, merge determinism, the
 * statistics, and the verdicts on the real samples in MH_SHARED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytics/forwarding.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/time.h"
#include "mail/date.h"
#include "readers/mail/mailmsg.h"
#include "event/msg.h"
#include "mail/rfc5322.h"
#include "readers/reader.h"
#include "readers/walk.h"
#include "shared.h"

/* MARK: - events from text (a tiny stand-in for the readers) */

struct tmsg {
	struct mh_arena arena;
	struct mh_msg msg;
	struct mh_event ev;
	char *text;
};

static void tmsg_init(struct tmsg *t, const char *text, size_t n,
                      const char *path, uint64_t offset, const char *owner)
{
	size_t hl = 0, bo = 0;
	struct mh_field *f = NULL;
	size_t nf = 0;

	memset(t, 0, sizeof(*t));
	mh_arena_init(&t->arena, 8192, 0);
	/* In the arena: freed with it, whatever assertion fails. */
	t->text = mh_arena_strndup(&t->arena, text, n);
	assert_non_null(t->text);
	assert_int_equal(mh_hdr_end(t->text, n, 1, &hl, &bo), MH_OK);
	assert_int_equal(
	        mh_hdr_split(t->text, hl, &t->arena, 20000, &f, &nf, NULL),
	        MH_OK);
	t->msg.header = mh_slice_make(t->text, hl);
	t->msg.body = mh_slice_make(t->text + bo, n - bo);
	t->msg.body_complete = 1;
	t->msg.header_offset = offset;
	t->msg.header_line = 1;
	t->msg.hdrs = f;
	t->msg.nhdrs = nf;
	t->msg.envelope_time = MH_TS_NONE;
	t->ev.kind = MH_EV_MAIL;
	t->ev.reader = "test";
	t->ev.path = path;
	t->ev.offset = offset;
	t->ev.line = 1;
	t->ev.mailbox = owner;
	t->ev.fields = f;
	t->ev.nfields = nf;
	t->ev.msg = &t->msg;
	t->ev.ts = MH_TS_NONE;
	const struct mh_field *d = mh_hdr_find(f, nf, "Date");
	if (d) {
		struct mh_buf b = MH_BUF_INIT(4096);
		int tz;
		mh_hdr_unfold(d->value, &b);
		if (mh_date_parse(mh_slice_make(mh_buf_cstr(&b), b.len),
		                  &t->ev.ts, &tz) != MH_OK)
			t->ev.ts = MH_TS_NONE;
		mh_buf_release(&b);
	}
}

static void tmsg_release(struct tmsg *t)
{
	mh_arena_release(&t->arena);
}

static void feed_at(struct mh_fwd *f, const char *text, const char *path,
                    uint64_t offset, const char *owner)
{
	struct tmsg t;
	struct mh_err err;
	mh_err_clear(&err);
	tmsg_init(&t, text, strlen(text), path, offset, owner);
	assert_int_equal(mh_fwd_event(f, &t.ev, &err), MH_OK);
	tmsg_release(&t);
}

static void feed(struct mh_fwd *f, const char *text, const char *owner)
{
	static uint64_t off;
	feed_at(f, text, "/case/store.mbox", off += 1000, owner);
}

static struct mh_fwd *new_fwd(const char *const *org, size_t norg,
                              size_t max_ev)
{
	struct mh_fwd *f = NULL;
	struct mh_fwd_opts o = {org, norg, max_ev};
	assert_int_equal(mh_fwd_new(&f, &o), MH_OK);
	assert_non_null(f);
	return f;
}

static void findings_of(struct mh_fwd *f, struct mh_findings *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(mh_fwd_findings(f, l), MH_OK);
}

static const struct mh_finding *find(const struct mh_findings *l,
                                     const char *rule, const char *mailbox,
                                     const char *dest)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct mh_finding *x = l->v[i];
		if (!strcmp(x->rule_id, rule) &&
		    (!mailbox || !strcmp(x->mailbox, mailbox)) &&
		    (!dest || !strcmp(x->destination, dest)))
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

/* One message through a fresh accumulator: its findings. */
static void one(const char *text, const char *owner, struct mh_findings *l)
{
	struct mh_fwd *f = new_fwd(NULL, 0, 0);
	feed(f, text, owner);
	findings_of(f, l);
	mh_fwd_free(f);
}

static void expect_none(const char *text, const char *owner)
{
	struct mh_findings l;
	one(text, owner, &l);
	if (l.n)
		fail_msg("expected no finding, got %s %s -> %s",
		         l.v[0]->rule_id, l.v[0]->mailbox, l.v[0]->destination);
	mh_findings_release(&l);
}

/* MARK: - artefacts */

static const char exo_rule[] =
        "Received: from EX1.corp.example (10.1.2.3) by EX2.corp.example\n"
        " (10.1.2.4) with Microsoft SMTP Server; Fri, 1 Mar 2024 09:00:00 "
        "+0000\n"
        "X-MS-Exchange-Organization-AutoForwarded: true\n"
        "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
        "From: Alice <alice@corp.example>\n"
        "To: <x@evil.example>\n"
        "Subject: FW: Q1 numbers\n"
        "Date: Fri, 1 Mar 2024 09:00:00 +0000\n"
        "Message-ID: <rule-1@corp.example>\n"
        "\n"
        "-----Original Message-----\nFrom: cfo@corp.example\n";

static void test_exchange_inbox_rule(void **state)
{
	(void)state;
	struct mh_findings l;
	one(exo_rule, NULL, &l);
	assert_int_equal(l.n, 1);
	const struct mh_finding *x = l.v[0];
	assert_string_equal(x->rule_id, "MH-FWD-EXT");
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_string_equal(x->technique, "T1114.003");
	assert_string_equal(x->tactic, "collection");
	assert_string_equal(x->mailbox, "alice@corp.example");
	assert_string_equal(x->destination, "x@evil.example");
	assert_string_equal(x->dest_domain, "evil.example");
	assert_int_equal(x->external, 1);
	assert_string_equal(x->mechanism, "exchange-inbox-rule");
	assert_int_equal(count(x, "auto_forwarded"), 1);
	assert_int_equal(count(x, "looks_forwarded"), 1);
	assert_true(strlen(x->id) == 16);
	assert_non_null(strstr(x->summary, "1 message auto-forwarded from "
	                                   "alice@corp.example to "
	                                   "x@evil.example on 2024-03-01"));
	assert_non_null(strstr(x->summary, "1 of them looks forwarded"));
	assert_non_null(strstr(x->remediation, "Get-InboxRule -Mailbox "
	                                       "'alice@corp.example' "
	                                       "-IncludeHidden"));
	assert_non_null(strstr(x->remediation, "M1047"));
	assert_int_equal(x->nevidence, 1);
	assert_string_equal(x->evidence[0].file, "/case/store.mbox");
	assert_string_equal(x->evidence[0].message_id, "rule-1@corp.example");
	assert_string_equal(
	        x->evidence[0].header,
	        "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example");
	assert_int_equal(x->evidence[0].line, 4); /* line in the message */
	assert_int_equal(x->evidence[0].ts,
	                 mh_time_from_civil(2024, 3, 1, 9, 0, 0));
	mh_findings_release(&l);
}

static void test_exchange_mailbox_forwarding(void **state)
{
	(void)state;
	struct mh_findings l;
	/* ForwardingSmtpAddress: the copy keeps From/To/Subject. */
	one("X-Original-To: b.keller@freemail.example\n"
	    "Delivered-To: b.keller@freemail.example\n"
	    "X-MS-Exchange-Organization-AutoForwarded: true\n"
	    "X-MS-Exchange-ForwardingLoop: "
	    "Bob@Corp.Example;6b2c9f4e-1d3a-4c59\n"
	    "From: Partner <p@partner.example>\n"
	    "To: bob@corp.example\n"
	    "Subject: Invoice 4711\n"
	    "Date: Sun, 10 Mar 2024 10:00:00 +0100\n"
	    "\n"
	    "Please pay.\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-EXT");
	assert_string_equal(l.v[0]->mailbox, "bob@corp.example");
	assert_string_equal(l.v[0]->destination, "b.keller@freemail.example");
	assert_string_equal(l.v[0]->mechanism, "exchange-mailbox-forwarding");
	assert_int_equal(count(l.v[0], "looks_forwarded"), 0);
	assert_non_null(strstr(l.v[0]->remediation, "ForwardingSmtpAddress"));
	assert_string_equal(l.v[0]->evidence[0].header,
	                    "X-MS-Exchange-ForwardingLoop: "
	                    "Bob@Corp.Example;6b2c9f4e-1d3a-4c59");
	mh_findings_release(&l);
}

static void test_autofwd_mailbox_from_store(void **state)
{
	(void)state;
	struct mh_findings l;
	/* The user's own store (a sent copy): the owner is the forwarder,
	 * the forward's To is the destination. */
	one("X-MS-Exchange-Organization-AutoForwarded: true\n"
	    "From: Carol <carol@corp.example>\n"
	    "To: Carol Home <carol.h@home.example>\n"
	    "Subject: FW: plans\n"
	    "Date: Mon, 4 Mar 2024 08:00:00 +0000\n"
	    "\n"
	    "x\n",
	    "carol@corp.example", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-EXT");
	assert_string_equal(l.v[0]->mailbox, "carol@corp.example");
	assert_string_equal(l.v[0]->destination, "carol.h@home.example");
	assert_string_equal(l.v[0]->evidence[0].header,
	                    "X-MS-Exchange-Organization-AutoForwarded: true");
	mh_findings_release(&l);

	/* The destination's store: the Delivered-To chain names the
	 * forwarding mailbox, the top Delivered-To the destination. */
	one("Delivered-To: dave@home.example\n"
	    "Received: from mx.corp.example by mx.home.example; Mon, 4 Mar "
	    "2024 08:00:00 +0000\n"
	    "X-MS-Exchange-Organization-AutoForwarded: true\n"
	    "Delivered-To: dave@corp.example\n"
	    "From: Partner <p@partner.example>\n"
	    "To: dave@corp.example\n"
	    "Subject: contract\n"
	    "Date: Mon, 4 Mar 2024 08:00:00 +0000\n"
	    "\n"
	    "x\n",
	    "dave@home.example", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->mailbox, "dave@corp.example");
	assert_string_equal(l.v[0]->destination, "dave@home.example");
	mh_findings_release(&l);

	/* Nothing says who or where: reported, but as unknown. */
	one("X-MS-Exchange-Organization-AutoForwarded: true\n"
	    "From: p@partner.example\nTo: someone@corp.example\n"
	    "Subject: hello\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-EXT");
	assert_int_equal(l.v[0]->level, MH_LEVEL_MEDIUM);
	assert_int_equal(l.v[0]->external, -1);
	/* Unknown sides are NULL (null in JSONL); the text says so. */
	assert_null(l.v[0]->mailbox);
	assert_null(l.v[0]->destination);
	assert_null(l.v[0]->dest_domain);
	assert_non_null(strstr(l.v[0]->summary, "from unknown to unknown"));
	assert_non_null(strstr(l.v[0]->summary, "at unknown times"));
	assert_non_null(strstr(l.v[0]->remediation, "<mailbox>"));
	mh_findings_release(&l);
}

static void test_generic_artefacts(void **state)
{
	(void)state;
	struct mh_findings l;
	one("Delivered-To: erin.private@ext.example\n"
	    "X-MailFwdBy: erin@corp.example\n"
	    "From: a@b.example\nTo: erin@corp.example\nSubject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-EXT");
	assert_string_equal(l.v[0]->mailbox, "erin@corp.example");
	assert_string_equal(l.v[0]->destination, "erin.private@ext.example");
	assert_string_equal(l.v[0]->mechanism, "generic");
	assert_string_equal(l.v[0]->evidence[0].header,
	                    "X-MailFwdBy: erin@corp.example");
	mh_findings_release(&l);

	/* X-Forwarded-To alone in the forwarder's store: two destinations,
	 * one finding each. */
	one("X-Forwarded-To: y@ext.example, z@other.example\n"
	    "From: a@b.example\nTo: frank@corp.example\nSubject: x\n\nx\n",
	    "frank@corp.example", &l);
	assert_int_equal(l.n, 2);
	assert_non_null(
	        find(&l, "MH-FWD-EXT", "frank@corp.example", "y@ext.example"));
	assert_non_null(find(&l, "MH-FWD-EXT", "frank@corp.example",
	                     "z@other.example"));
	mh_findings_release(&l);
	/* The kept copy in a store whose owner is no address (".../gina/
	 * Maildir"): X-Forwarded-To names the destination, so the copy's
	 * Delivered-To is the forwarding mailbox, not "unknown". */
	one("Delivered-To: gina@corp.example\n"
	    "X-Forwarded-To: gina.h@ext.example\n"
	    "From: a@b.example\nTo: gina@corp.example\nSubject: x\n\nx\n",
	    "gina", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->mailbox, "gina@corp.example");
	assert_string_equal(l.v[0]->destination, "gina.h@ext.example");
	mh_findings_release(&l);

	/* ... but a copy delivered to the destination named there proves
	 * nothing about who forwarded it. */
	one("Delivered-To: gina.h@ext.example\n"
	    "X-Forwarded-To: gina.h@ext.example\n"
	    "From: a@b.example\nTo: gina@corp.example\nSubject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_null(l.v[0]->mailbox);
	mh_findings_release(&l);
}

static const char gmail_fwd[] =
        "Delivered-To: g.private@gmail.example\n"
        "Received: by 2002:a05:6000:1a8c with SMTP id abc; Tue, 5 Mar 2024 "
        "10:00:00 -0800 (PST)\n"
        "X-Forwarded-To: g.private@gmail.example\n"
        "X-Forwarded-For: grace@corp.example g.private@gmail.example\n"
        "Return-Path: <grace+caf_=g.private=gmail.example@corp.example>\n"
        "From: Sender <s@partner.example>\n"
        "To: grace@corp.example\n"
        "Subject: contract draft\n"
        "Date: Tue, 5 Mar 2024 10:00:00 -0800\n"
        "\n"
        "x\n";

static void test_gmail(void **state)
{
	(void)state;
	struct mh_findings l;
	one(gmail_fwd, NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-GMAIL");
	assert_int_equal(l.v[0]->level, MH_LEVEL_HIGH);
	assert_string_equal(l.v[0]->mailbox, "grace@corp.example");
	assert_string_equal(l.v[0]->destination, "g.private@gmail.example");
	assert_string_equal(l.v[0]->mechanism, "gmail-forwarding");
	assert_non_null(strstr(l.v[0]->remediation, "Gmail settings"));
	assert_non_null(
	        strstr(l.v[0]->remediation, "email_forwarding_out_of_domain"));
	mh_findings_release(&l);

	/* The +caf_= envelope alone names both sides. */
	one("Return-Path: <heidi+caf_=heidi.home=isp.example@corp.example>\n"
	    "From: s@partner.example\nTo: heidi@corp.example\n"
	    "Subject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-GMAIL");
	assert_string_equal(l.v[0]->mailbox, "heidi@corp.example");
	assert_string_equal(l.v[0]->destination, "heidi.home@isp.example");
	mh_findings_release(&l);

	/* The X-Forwarded-For pair alone: mailbox first, destination last. */
	one("X-Forwarded-For: ivan@corp.example ivan@mail.example\n"
	    "From: s@partner.example\nSubject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->mailbox, "ivan@corp.example");
	assert_string_equal(l.v[0]->destination, "ivan@mail.example");
	mh_findings_release(&l);
}

static void test_redirects(void **state)
{
	(void)state;
	struct mh_findings l;
	/* Dovecot Pigeonhole redirect, seen at the destination. */
	one("Delivered-To: heidi@home-isp.example\n"
	    "Received: from mail.corp.example by mx-out.corp.example "
	    "(Postfix); Wed, 6 Mar 2024 10:00:00 +0000\n"
	    "X-Sieve-Redirected-From: heidi@corp.example\n"
	    "Delivered-To: heidi@corp.example\n"
	    "From: s@partner.example\nTo: heidi@corp.example\n"
	    "Subject: x\nDate: Wed, 6 Mar 2024 10:00:00 +0000\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-REDIRECT");
	assert_int_equal(l.v[0]->level, MH_LEVEL_MEDIUM);
	assert_string_equal(l.v[0]->mailbox, "heidi@corp.example");
	assert_string_equal(l.v[0]->destination, "heidi@home-isp.example");
	assert_string_equal(l.v[0]->mechanism, "sieve-redirect");
	assert_non_null(strstr(l.v[0]->remediation, "Sieve"));
	mh_findings_release(&l);

	/* A re-send by a program. */
	one("Resent-From: robot@corp.example\n"
	    "Resent-To: archive@backup.example\n"
	    "Resent-Date: Wed, 6 Mar 2024 10:00:00 +0000\n"
	    "Auto-Submitted: auto-generated\n"
	    "From: s@partner.example\nTo: robot@corp.example\n"
	    "Subject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-REDIRECT");
	assert_string_equal(l.v[0]->mailbox, "robot@corp.example");
	assert_string_equal(l.v[0]->destination, "archive@backup.example");
	assert_string_equal(l.v[0]->mechanism, "resent");
	mh_findings_release(&l);

	/* A Sieve redirect is a strong artefact: a newsletter (bulk, with
	 * List-Unsubscribe) that a mailbox redirects is still redirected. */
	one("Delivered-To: heidi@home-isp.example\n"
	    "X-Sieve-Redirected-From: heidi@corp.example\n"
	    "Delivered-To: heidi@corp.example\n"
	    "Return-Path: <bounce-77@news.example>\n"
	    "List-Unsubscribe: <https://news.example/u/77>\n"
	    "Precedence: bulk\n"
	    "From: news@news.example\nTo: heidi@corp.example\n"
	    "Subject: Tech Weekly\n\nnews\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-REDIRECT");
	assert_string_equal(l.v[0]->mailbox, "heidi@corp.example");
	assert_string_equal(l.v[0]->mechanism, "sieve-redirect");
	mh_findings_release(&l);
}

/* MARK: - exclusions */

static void test_exclusions(void **state)
{
	(void)state;
	/* Manual re-send by a person. */
	expect_none("Resent-From: colleague@corp.example\n"
	            "Resent-To: me@corp.example\n"
	            "Resent-Date: Wed, 6 Mar 2024 10:00:00 +0000\n"
	            "From: s@partner.example\nTo: colleague@corp.example\n"
	            "Subject: x\n\nx\n",
	            NULL);
	expect_none("Resent-From: colleague@corp.example\n"
	            "Resent-To: me@ext.example\nAuto-Submitted: no\n"
	            "From: s@partner.example\nSubject: x\n\nx\n",
	            NULL);
	/* An automatic re-send of list traffic is the list, not a user. */
	expect_none("Resent-From: list-bounces@lists.example\n"
	            "Resent-To: me@ext.example\n"
	            "Auto-Submitted: auto-generated\n"
	            "List-Id: <announce.lists.example>\n"
	            "From: s@partner.example\nSubject: x\n\nx\n",
	            NULL);
	/* A bulk sender's re-send marker (issue 8: a forum notification
	 * through a bulk-mail server): its Resent-Sender is its own envelope
	 * sender, and List-Unsubscribe or Precedence: bulk/list make it list
	 * traffic as List-Id does. Nothing was redirected from a mailbox. */
	static const char *const bulk_marks[] = {
	        "List-Unsubscribe: <https://forum.example/u/8f3a>, "
	        "<mailto:unsub-8f3a@bulk.mailer.example>\n",
	        "Precedence: bulk\n",
	        "Precedence: list\n",
	};
	for (size_t k = 0; k < 3; k++) {
		char m[2048];
		snprintf(
		        m, sizeof(m),
		        "Return-Path: <bounce-8f3a-forum@bulk.mailer.example>\n"
		        "Resent-Sender: bounce-8f3a-forum@bulk.mailer.example\n"
		        "Resent-Date: Wed, 6 Mar 2024 10:00:00 +0000\n"
		        "Auto-Submitted: auto-generated\n"
		        "%s"
		        "From: Forum <noreply@forum.example>\n"
		        "To: ana@corp.example\n"
		        "Subject: New reply in your topic\n\nreply\n",
		        bulk_marks[k]);
		expect_none(m, NULL);
	}
	/* X-Forwarded-For with one address, as the linux-pwm messages. */
	expect_none("X-Forwarded-For: roman@prusa3d.example\n"
	            "X-AuthUser: dev@sender.example\nPrecedence: bulk\n"
	            "List-ID: <linux-pwm.vger.kernel.org>\n"
	            "From: dev@sender.example\nSubject: Re: [PATCH]\n\nx\n",
	            NULL);
	expect_none("X-Forwarded-For: 203.0.113.7\nFrom: a@b.example\n\nx\n",
	            NULL);
	expect_none("X-Forwarded-For: a@b.example A@B.example\n\nx\n", NULL);
	/* Gmail's X-Forwarded-Encrypted is on ordinary outbound mail. */
	expect_none("X-Forwarded-Encrypted: i=1; AJvYcCX5simulatednoise\n"
	            "From: a@gmail.example\nSubject: Fwd: x\n\nx\n",
	            NULL);
	/* +caf_= in Received, ARC and Received-SPF only. */
	expect_none("Return-Path: <s@partner.example>\n"
	            "ARC-Authentication-Results: i=1; mx.google.com; "
	            "spf=pass smtp.mailfrom=\"x+caf_=y=z.example@a.example\"\n"
	            "Received-SPF: pass (google.com: domain of "
	            "x+caf_=y=z.example@a.example)\n"
	            "Received: from a by b for <x+caf_=y=z.example@a.example>;"
	            " Wed, 6 Mar 2024 10:00:00 +0000\n"
	            "From: s@partner.example\nSubject: x\n\nx\n",
	            NULL);
	/* Auto-Submitted and other X-MS-Exchange-* fields. */
	expect_none(
	        "Auto-Submitted: auto-generated\n"
	        "X-MS-Exchange-Organization-AuthAs: Anonymous\n"
	        "X-MS-Exchange-Organization-MessageDirectionality: Incoming\n"
	        "X-MS-Exchange-Transport-Rules-Loop: 1\n"
	        "From: robot@corp.example\nSubject: report\n\nx\n",
	        NULL);
	expect_none("X-MS-Exchange-Organization-AutoForwarded: false\n"
	            "From: a@corp.example\nSubject: x\n\nx\n",
	            NULL);
	/* An inbox-rule auto-reply and a bounce carry rule markers. */
	expect_none("Auto-Submitted: auto-replied\n"
	            "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
	            "X-MS-Exchange-Generated-Message-Source: Mailbox Rules "
	            "Agent\n"
	            "From: alice@corp.example\nTo: s@partner.example\n"
	            "Subject: Automatic reply: x\n\nAway\n",
	            NULL);
	expect_none("Return-Path: <>\n"
	            "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
	            "From: MAILER-DAEMON@corp.example\n"
	            "Content-Type: multipart/report; "
	            "report-type=delivery-status; boundary=b\n\n--b--\n",
	            NULL);
	/* A Delivered-To chain alone: an alias, never a finding. */
	expect_none("Delivered-To: joe@other.example\n"
	            "Delivered-To: joe@corp.example\n"
	            "X-Original-To: joe@corp.example\n"
	            "From: s@partner.example\nSubject: Fwd: x\n\nx\n",
	            NULL);
	/* Artefacts of a forwarded message inside the body are not
	 * top-level. */
	expect_none("From: a@corp.example\nTo: b@corp.example\n"
	            "Subject: Fwd: look at this\n"
	            "Content-Type: multipart/mixed; boundary=b\n\n"
	            "--b\nContent-Type: message/rfc822\n\n"
	            "X-MS-Exchange-Organization-AutoForwarded: true\n"
	            "X-MS-Exchange-Inbox-Rules-Loop: c@corp.example\n"
	            "X-Forwarded-To: d@ext.example\n"
	            "X-Forwarded-For: c@corp.example d@ext.example\n"
	            "Subject: x\n\nx\n--b--\n",
	            NULL);
	/* Forwarding to oneself names no destination. */
	struct mh_findings l;
	one("X-Forwarded-To: kim@corp.example\n"
	    "X-MailFwdBy: kim@corp.example\nSubject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_null(l.v[0]->destination);
	mh_findings_release(&l);
	/* Other event kinds and mail events without msg are ignored. */
	struct mh_fwd *f = new_fwd(NULL, 0, 0);
	struct mh_event ev = {0};
	ev.kind = MH_EV_AUDIT;
	assert_int_equal(mh_fwd_event(f, &ev, NULL), MH_OK);
	ev.kind = MH_EV_MAIL;
	assert_int_equal(mh_fwd_event(f, &ev, NULL), MH_OK);
	uint64_t m = 9, a = 9, k = 9;
	mh_fwd_totals(f, &m, &a, &k);
	assert_int_equal(m, 0);
	mh_fwd_free(f);
}

/* MARK: - looks forwarded */

static void test_looks_forwarded(void **state)
{
	(void)state;
	static const char *const subjects[] = {
	        "Subject: =?UTF-8?B?V0c6IEJlcmljaHQgw7xiZXIgUTE=?=\n",
	        "Subject: =?iso-8859-1?q?AW=3A_WG=3A_Angebot_f=FCr_Sie?=\n",
	        "Subject: Re: [sales] TR: devis\n",
	        "Subject: RV: presupuesto\n",
	};
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		char msg[512];
		struct mh_findings l;
		snprintf(msg, sizeof(msg),
		         "X-MS-Exchange-Inbox-Rules-Loop: a@corp.example\n"
		         "From: a@corp.example\nTo: x@ext.example\n%s\nbody\n",
		         subjects[i]);
		one(msg, NULL, &l);
		assert_int_equal(l.n, 1);
		if (count(l.v[0], "looks_forwarded") != 1)
			fail_msg("should look forwarded: %s", subjects[i]);
		mh_findings_release(&l);
	}
	/* Body separators and attached messages. */
	static const char *const bodies[] = {
	        "Subject: Bericht\n\n-----Urspr=C3=BCngliche Nachricht-----\n",
	        "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n"
	        "--b\nContent-Type: message/rfc822\n\nSubject: y\n\n--b--\n",
	        "Subject: x\nContent-Type: message/rfc822\n\nSubject: y\n\n",
	        "Subject: x\nContent-Type: text/plain\n"
	        "Content-Transfer-Encoding: base64\n\n"
	        "LS0tLS1PcmlnaW5hbCBNZXNzYWdlLS0tLS0KRnJvbTogeAo=\n",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char msg[512];
		struct mh_findings l;
		snprintf(msg, sizeof(msg),
		         "X-MS-Exchange-Inbox-Rules-Loop: a@corp.example\n"
		         "From: a@corp.example\nTo: x@ext.example\n%s",
		         bodies[i]);
		one(msg, NULL, &l);
		assert_int_equal(l.n, 1);
		if (count(l.v[0], "looks_forwarded") != 1)
			fail_msg("should look forwarded: %s", bodies[i]);
		mh_findings_release(&l);
	}
	struct mh_findings l;
	one("X-MS-Exchange-Inbox-Rules-Loop: a@corp.example\n"
	    "From: a@corp.example\nTo: x@ext.example\n"
	    "Subject: =?UTF-8?Q?Re=3A_Bericht?=\n\nno separator here\n",
	    NULL, &l);
	assert_int_equal(count(l.v[0], "looks_forwarded"), 0);
	mh_findings_release(&l);
}

/* MARK: - internal or external */

static const char *const corp[] = {"corp.example"};

static void int_ext_msg(char *out, size_t n, const char *mailbox,
                        const char *dest)
{
	snprintf(out, n,
	         "X-MS-Exchange-Organization-AutoForwarded: true\n"
	         "X-MS-Exchange-Inbox-Rules-Loop: %s\n"
	         "From: %s\nTo: %s\nSubject: FW: x\n"
	         "Date: Thu, 7 Mar 2024 10:00:00 +0000\n\nx\n",
	         mailbox, mailbox, dest);
}

static const struct mh_fwd_org_domain *org_find(struct mh_fwd *f,
                                                const char *d);

static void test_internal_external(void **state)
{
	(void)state;
	char m1[512], m2[512], m3[512];
	int_ext_msg(m1, sizeof(m1), "a@corp.example", "b@corp.example");
	int_ext_msg(m2, sizeof(m2), "a@corp.example", "c@eu.corp.example");
	int_ext_msg(m3, sizeof(m3), "a@corp.example",
	            "d@corp.example.evil.example");

	/* Given org domain; subdomains are internal. */
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	feed(f, m1, NULL);
	feed(f, m2, NULL);
	feed(f, m3, NULL);
	struct mh_findings l;
	findings_of(f, &l);
	assert_int_equal(l.n, 3);
	const struct mh_finding *x;
	assert_non_null(x = find(&l, "MH-FWD-INT", NULL, "b@corp.example"));
	assert_int_equal(x->level, MH_LEVEL_LOW);
	assert_int_equal(x->external, 0);
	assert_non_null(find(&l, "MH-FWD-INT", NULL, "c@eu.corp.example"));
	assert_non_null(x = find(&l, "MH-FWD-EXT", NULL,
	                         "d@corp.example.evil.example"));
	assert_int_equal(x->external, 1);
	assert_true(mh_fwd_domain_internal(f, "CORP.example"));
	assert_true(mh_fwd_domain_internal(f, "x.y.corp.example"));
	assert_false(mh_fwd_domain_internal(f, "notcorp.example"));
	assert_false(mh_fwd_domain_internal(f, ""));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Inferred from the forwarding mailboxes: same verdicts. */
	f = new_fwd(NULL, 0, 0);
	feed(f, m1, NULL);
	feed(f, m2, NULL);
	feed(f, m3, NULL);
	findings_of(f, &l);
	assert_non_null(find(&l, "MH-FWD-INT", NULL, "b@corp.example"));
	assert_non_null(find(&l, "MH-FWD-INT", NULL, "c@eu.corp.example"));
	assert_non_null(
	        find(&l, "MH-FWD-EXT", NULL, "d@corp.example.evil.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* A given org domain overrides inference: the forwarding mailbox's
	 * own domain is then external too. */
	const char *const other[] = {"Other.Example"};
	f = new_fwd(other, 1, 0);
	feed(f, m1, NULL);
	findings_of(f, &l);
	assert_non_null(find(&l, "MH-FWD-EXT", NULL, "b@corp.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Store owners count for inference; Gmail and redirects are low
	 * when internal. */
	f = new_fwd(NULL, 0, 0);
	feed(f,
	     "X-Forwarded-For: a@eu.corp.example b@corp.example\n"
	     "X-Forwarded-To: b@corp.example\nSubject: x\n\nx\n",
	     "b@corp.example");
	feed(f,
	     "X-Sieve-Redirected-From: c@corp.example\n"
	     "Delivered-To: c2@corp.example\nSubject: x\n\nx\n",
	     NULL);
	findings_of(f, &l);
	assert_non_null(org_find(f, "corp.example"));
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "a@eu.corp.example",
	                         "b@corp.example"));
	assert_int_equal(x->level, MH_LEVEL_LOW);
	assert_non_null(x = find(&l, "MH-FWD-REDIRECT", "c@corp.example",
	                         "c2@corp.example"));
	assert_int_equal(x->level, MH_LEVEL_LOW);
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* A store owner's domain that receives forwarding from another
	 * domain is not inferred either (it could be the outside end of an
	 * exfiltration): a@mail.example -> b@corp.example is then decided
	 * by rule 5, external. */
	f = new_fwd(NULL, 0, 0);
	feed(f,
	     "X-Forwarded-For: a@mail.example b@corp.example\n"
	     "X-Forwarded-To: b@corp.example\nSubject: x\n\nx\n",
	     "b@corp.example");
	findings_of(f, &l);
	assert_null(org_find(f, "corp.example"));
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "a@mail.example",
	                         "b@corp.example"));
	assert_int_equal(x->external, 1);
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* Defect: one hostile or unrelated message made gmail.com "internal" and
 * downgraded real exfiltration to low. */
static const char alice_exfil[] =
        "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
        "X-Forwarded-To: alice.exfil@gmail.com\n"
        "From: bob@partner.example\nTo: alice@corp.example\n"
        "Subject: invoice\nDate: Mon, 4 Mar 2024 10:00:00 +0000\n\nx\n";
static const char hostile_for[] =
        "X-Forwarded-For: attacker@gmail.com carol@corp.example\n"
        "From: attacker@gmail.com\nTo: carol@corp.example\n"
        "Subject: hi\nDate: Mon, 4 Mar 2024 11:00:00 +0000\n\nhi\n";

static const struct mh_fwd_org_domain *org_find(struct mh_fwd *f, const char *d)
{
	const struct mh_fwd_org_domain *v;
	size_t n;
	assert_int_equal(mh_fwd_org_domains(f, &v, &n), MH_OK);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].domain, d))
			return &v[i];
	return NULL;
}

static size_t org_count(struct mh_fwd *f)
{
	size_t n = 99;
	assert_int_equal(mh_fwd_org_domains(f, NULL, &n), MH_OK);
	return n;
}

static void test_org_inference_hostile(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;

	/* The exfiltration alone, then with the hostile message. */
	for (int with = 0; with < 2; with++) {
		struct mh_fwd *f = new_fwd(NULL, 0, 0);
		feed(f, alice_exfil, NULL);
		if (with)
			feed(f, hostile_for, NULL);
		findings_of(f, &l);
		assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
		                         "alice.exfil@gmail.com"));
		assert_int_equal(x->level, MH_LEVEL_HIGH);
		assert_int_equal(x->external, 1);
		assert_false(mh_fwd_domain_internal(f, "gmail.com"));
		/* corp.example from one message only, gmail.com never. */
		assert_int_equal(org_count(f), 0);
		mh_findings_release(&l);
		mh_fwd_free(f);
	}

	/* Many hostile messages naming the attacker's own (non-consumer)
	 * domain as a forwarding mailbox: the domain that receives alice's
	 * forwarding is never inferred, however often it is named. */
	struct mh_fwd *f = new_fwd(NULL, 0, 0);
	for (int i = 0; i < 50; i++)
		feed(f,
		     "X-Forwarded-For: x@evil.example carol@corp.example\n"
		     "Subject: hi\n\nhi\n",
		     NULL);
	feed(f,
	     "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
	     "X-Forwarded-To: drop@evil.example\nSubject: x\n\nx\n",
	     NULL);
	findings_of(f, &l);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "drop@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_int_equal(x->external, 1);
	assert_null(org_find(f, "evil.example"));
	assert_false(mh_fwd_domain_internal(f, "evil.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Evidence: a domain named as forwarding mailbox by two messages,
	 * receiving nothing from outside, is inferred ("headers", 2); it
	 * then decides a finding whose mailbox is unknown. */
	f = new_fwd(NULL, 0, 0);
	feed(f,
	     "X-MS-Exchange-Inbox-Rules-Loop: a@corp.example\n"
	     "X-Forwarded-To: b@eu.corp.example\nSubject: x\n\nx\n",
	     NULL);
	feed(f,
	     "X-MS-Exchange-Inbox-Rules-Loop: c@corp.example\n"
	     "X-Forwarded-To: d@corp.example\nSubject: x\n\nx\n",
	     NULL);
	feed(f,
	     "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
	     "Delivered-To: z@elsewhere.example\nSubject: x\n\nx\n",
	     NULL);
	const struct mh_fwd_org_domain *o = org_find(f, "corp.example");
	assert_non_null(o);
	assert_string_equal(o->source, "headers");
	assert_int_equal(o->messages, 2);
	assert_int_equal(org_count(f), 1);
	findings_of(f, &l);
	assert_non_null(
	        x = find(&l, "MH-FWD-EXT", NULL, "z@elsewhere.example"));
	assert_null(x->mailbox);
	assert_int_equal(x->external, 1);
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	mh_findings_release(&l);
	/* Forwarding from an unknown mailbox into the domain: it could be
	 * the outside end of an exfiltration, so no longer inferred. */
	feed(f,
	     "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
	     "Delivered-To: e@sub.corp.example\nSubject: x\n\nx\n",
	     NULL);
	assert_int_equal(org_count(f), 0);
	findings_of(f, &l);
	assert_non_null(x = find(&l, "MH-FWD-EXT", NULL, "e@sub.corp.example"));
	assert_int_equal(x->external, -1);
	assert_int_equal(x->level, MH_LEVEL_MEDIUM);
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Defect: a file name inside the scanned tree made the
	 * exfiltration's destination domain an org domain: next to alice's
	 * inbox (two Gmail forwards to exfil@evil.example), any mbox named
	 * x@evil.example.mbox turned the forwarding internal (low). A
	 * store owner's domain that receives forwarding from another
	 * domain is never inferred. */
	static const char exfil_fwd[] =
	        "X-Forwarded-To: exfil@evil.example\n"
	        "X-Forwarded-For: alice@corp.example exfil@evil.example\n"
	        "From: bob@partner.example\nTo: alice@corp.example\n"
	        "Subject: hi\n\nhi\n";
	f = new_fwd(NULL, 0, 0);
	feed_at(f, exfil_fwd, "home/alice/inbox.mbox", 0, NULL);
	feed_at(f, exfil_fwd, "home/alice/inbox.mbox", 208, NULL);
	feed_at(f, "Subject: hi\n\nhi\n", "home/alice/x@evil.example.mbox", 0,
	        "x@evil.example");
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "alice@corp.example",
	                         "exfil@evil.example"));
	assert_int_equal(x->external, 1);
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_null(org_find(f, "evil.example"));
	assert_false(mh_fwd_domain_internal(f, "evil.example"));
	assert_non_null(o = org_find(f, "corp.example"));
	assert_string_equal(o->source, "headers");
	mh_findings_release(&l);
	mh_fwd_free(f);
	/* Also when the file is named after the destination itself, and
	 * when the forwarding mailbox is unknown. */
	f = new_fwd(NULL, 0, 0);
	feed_at(f, exfil_fwd, "home/alice/inbox.mbox", 0, NULL);
	feed_at(f,
	        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
	        "Delivered-To: exfil@evil.example\nSubject: x\n\nx\n",
	        "home/alice/exfil@evil.example.mbox", 0, "exfil@evil.example");
	findings_of(f, &l);
	assert_null(org_find(f, "evil.example"));
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "alice@corp.example",
	                         "exfil@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_non_null(x = find(&l, "MH-FWD-EXT", NULL, "exfil@evil.example"));
	assert_int_not_equal(x->external, 0);
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Store owners are trusted, but a consumer owner domain is not an
	 * organisation. */
	f = new_fwd(NULL, 0, 0);
	feed(f, "Subject: x\n\nx\n", "Alice@Corp.Example");
	feed(f, "Subject: x\n\nx\n", "bob@gmail.com");
	assert_non_null(o = org_find(f, "corp.example"));
	assert_string_equal(o->source, "store-owner");
	assert_int_equal(o->messages, 0);
	assert_null(org_find(f, "gmail.com"));
	mh_fwd_free(f);

	/* Given domains are listed as such and nothing is inferred. */
	const char *const given[] = {"@Corp.Example.", "other.example"};
	f = new_fwd(given, 2, 0);
	feed(f, alice_exfil, "x@owner.example");
	const struct mh_fwd_org_domain *v;
	size_t n;
	assert_int_equal(mh_fwd_org_domains(f, &v, &n), MH_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].domain, "corp.example");
	assert_string_equal(v[0].source, "given");
	assert_string_equal(v[1].domain, "other.example");
	mh_fwd_free(f);

	/* Merging adds the evidence of the parts. */
	struct mh_fwd *a = new_fwd(NULL, 0, 0), *b = new_fwd(NULL, 0, 0);
	feed(a,
	     "X-MS-Exchange-Inbox-Rules-Loop: a@corp.example\n"
	     "X-Forwarded-To: b@corp.example\nSubject: x\n\nx\n",
	     NULL);
	feed(b,
	     "X-MS-Exchange-Inbox-Rules-Loop: c@corp.example\n"
	     "X-Forwarded-To: d@corp.example\nSubject: x\n\nx\n",
	     NULL);
	assert_int_equal(org_count(a), 0);
	assert_int_equal(mh_fwd_merge(a, b), MH_OK);
	assert_non_null(o = org_find(a, "corp.example"));
	assert_int_equal(o->messages, 2);
	mh_fwd_free(a);
	mh_fwd_free(b);
}

static void test_consumer_domains(void **state)
{
	(void)state;
	const char *yes[] = {
	        "gmail.com",      "GMail.COM",      "googlemail.com",
	        "mail.gmail.com", "outlook.com",    "hotmail.com",
	        "hotmail.co.uk",  "yahoo.com.br",   "yahoo.fr",
	        "live.com",       "icloud.com",     "me.com",
	        "proton.me",      "protonmail.com", "gmx.de",
	        "gmx.net",        "web.de",         "mail.ru",
	        "yandex.ru",      "aol.com",        "gmail.com."};
	const char *no[] = {"corp.example",
	                    "gmail.example",
	                    "notgmail.com",
	                    "hotmail.corp.example",
	                    "gmail.com.evil.example",
	                    "do-not-panic.com",
	                    "",
	                    "com"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!mh_fwd_consumer_domain(yes[i]))
			fail_msg("should be consumer: %s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (mh_fwd_consumer_domain(no[i]))
			fail_msg("should not be consumer: %s", no[i]);
	assert_false(mh_fwd_consumer_domain(NULL));
}

/* Defect: valid quoted local parts were dropped, lowering the level. */
static void test_quoted_local_part(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;
	one("X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
	    "X-Forwarded-To: \"john smith\"@evil.example, \"a,b\"@Evil.Example,"
	    " \"q\\\"t <x>\"@evil.example\n"
	    "Subject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 3);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "\"john smith\"@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_int_equal(x->external, 1);
	assert_string_equal(x->dest_domain, "evil.example");
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "\"a,b\"@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_non_null(find(&l, "MH-FWD-EXT", "alice@corp.example",
	                     "\"q\\\"t <x>\"@evil.example"));
	mh_findings_release(&l);
	/* A quoted forwarding mailbox is kept too, but never pasted into
	 * the remediation. */
	one("X-MS-Exchange-Inbox-Rules-Loop: \"al ice\"@corp.example\n"
	    "X-Forwarded-To: x@evil.example\nSubject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->mailbox, "\"al ice\"@corp.example");
	assert_null(strstr(l.v[0]->remediation, "al ice"));
	assert_non_null(strstr(l.v[0]->remediation, "<mailbox>"));
	mh_findings_release(&l);
	/* Still dropped: a control character inside the quotes, an
	 * unterminated quote; the destination is then unknown. */
	const char *bad[] = {"\"a\tb\"@evil.example", "\"ab@evil.example"};
	for (size_t i = 0; i < 2; i++) {
		char m[512];
		snprintf(m, sizeof(m),
		         "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"
		         "X-Forwarded-To: %s\nSubject: x\n\nx\n",
		         bad[i]);
		one(m, NULL, &l);
		assert_int_equal(l.n, 1);
		if (l.v[0]->destination)
			fail_msg("%s: kept as %s", bad[i], l.v[0]->destination);
		mh_findings_release(&l);
	}
}

/* Defect: the time of a message was the sender-written Date. It is the
 * delivery time (docs/FORWARDING.md "Time of a message"). */
static int64_t time_of(const char *hdr, int64_t envelope)
{
	struct mh_source src;
	struct mh_mailmsg m;
	struct mh_event ev;
	struct mh_err err;
	memset(&src, 0, sizeof(src));
	mh_err_clear(&err);
	assert_int_equal(mh_mailmsg_init(&m, &src), MH_OK);
	m.msg.envelope_time = envelope;
	assert_int_equal(mh_mailmsg_build(&m, &ev, "test", "x", hdr,
	                                  strlen(hdr), "", 0, 1, 0, 1, &err),
	                 MH_OK);
	int64_t t = ev.ts;
	mh_mailmsg_release(&m);
	return t;
}

static void test_message_time(void **state)
{
	(void)state;
	const int64_t env = mh_time_from_civil(2024, 3, 4, 9, 0, 0);
	const int64_t rcv = mh_time_from_civil(2024, 3, 4, 10, 0, 5);
	const int64_t date = mh_time_from_civil(2035, 1, 1, 0, 0, 0);
	const char *full =
	        "Received: from a by b with ESMTP id 1;\n"
	        "\tMon, 4 Mar 2024 11:00:05 +0100 (CET)\n"
	        "Received: from c by a; Sun, 3 Mar 2024 10:00:00 +0000\n"
	        "Date: Mon, 1 Jan 2035 00:00:00 +0000\n"
	        "Subject: x\n";
	/* 1. the mbox envelope wins over everything. */
	assert_int_equal(time_of(full, env), env);
	/* 2. the top-most Received, folded, zone applied. */
	assert_int_equal(time_of(full, MH_TS_NONE), rcv);
	/* A Received without a parsable date: the next source, Date. */
	assert_int_equal(time_of("Received: from a by b; not a date\n"
	                         "Date: Mon, 1 Jan 2035 00:00:00 +0000\n",
	                         MH_TS_NONE),
	                 date);
	assert_int_equal(time_of("Received: from a by b with id 7\n"
	                         "Date: Mon, 1 Jan 2035 00:00:00 +0000\n",
	                         MH_TS_NONE),
	                 date);
	/* 3. Date, the last resort, folded too. */
	assert_int_equal(time_of("Date: Mon, 1 Jan 2035\n 00:00:00 +0000\n"
	                         "Subject: x\n",
	                         MH_TS_NONE),
	                 date);
	/* 4. nothing. */
	assert_int_equal(time_of("Subject: x\n", MH_TS_NONE), MH_TS_NONE);
}

/* Exchange envelope journal reports: the attached message is analysed,
 * the envelope names the destinations, the evidence names the report. */
#define JR_HEAD                                                                \
	"X-MS-Journal-Report:\n"                                               \
	"From: Microsoft Exchange Server <postmaster@corp.example>\n"          \
	"To: journal@corp.example\nSubject: invoice\n"                         \
	"Message-ID: <jr1@corp.example>\nMIME-Version: 1.0\n"                  \
	"Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
#define JR_ENV(rcpt)                                                           \
	"--b1\nContent-Type: text/plain; charset=us-ascii\n\n"                 \
	"Sender: alice@corp.example\nSubject: invoice\n"                       \
	"Message-Id: <inner1@corp.example>\n" rcpt "\n\n"
#define JR_INNER(cte, hdrs)                                                    \
	"--b1\nContent-Type: message/rfc822\n" cte "\n" hdrs                   \
	"From: Alice <alice@corp.example>\nTo: bob@partner.example\n"          \
	"Subject: invoice\nMessage-ID: <inner1@corp.example>\n\nbody\n"        \
	"--b1--\n"
#define RULE_HDRS                                                              \
	"X-MS-Exchange-Organization-AutoForwarded: true\n"                     \
	"X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example\n"

static void test_journal_report(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;
	static const char jr[] =
	        JR_HEAD JR_ENV("To: drop@evil.example\nCc: "
	                       "\"a,b\"@evil2.example, Expanded: "
	                       "dl@corp.example") JR_INNER("", RULE_HDRS);
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	feed_at(f, jr, "/case/journal.mbox", 4096, "journal@corp.example");
	findings_of(f, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "drop@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_string_equal(x->mechanism, "exchange-inbox-rule");
	assert_int_equal(x->nevidence, 1);
	assert_string_equal(x->evidence[0].file, "/case/journal.mbox");
	assert_int_equal(x->evidence[0].offset, 4096);
	assert_string_equal(
	        x->evidence[0].header,
	        "X-MS-Exchange-Inbox-Rules-Loop: alice@corp.example");
	assert_string_equal(x->evidence[0].message_id, "inner1@corp.example");
	/* The line of the field in the file: report header (8 lines), its
	 * blank line, 11 body lines, then the attached header. */
	const char *loop = strstr(jr, "X-MS-Exchange-Inbox-Rules-Loop");
	unsigned want = 1;
	for (const char *c = jr; c < loop; c++)
		want += *c == '\n';
	assert_int_equal(x->evidence[0].line, want);
	assert_non_null(find(&l, "MH-FWD-EXT", "alice@corp.example",
	                     "\"a,b\"@evil2.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* "Forwarded:" names the mailbox; the journal store owner is never
	 * the mailbox. */
	f = new_fwd(corp, 1, 0);
	feed(f,
	     JR_HEAD JR_ENV("Recipient: bk@freemail.example, Forwarded: "
	                    "bob@corp.example")
	             JR_INNER("", "X-MS-Exchange-Organization-AutoForwarded: "
	                          "true\n"),
	     "journal@corp.example");
	feed(f,
	     JR_HEAD JR_ENV("Recipient: bk@freemail.example") JR_INNER(
	             "", "X-MS-Exchange-Organization-AutoForwarded: true\n"),
	     "journal@corp.example");
	findings_of(f, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "bob@corp.example",
	                         "bk@freemail.example"));
	assert_string_equal(x->mechanism, "exchange-mailbox-forwarding");
	/* No Forwarded: the mailbox is unknown, not the journal. */
	assert_non_null(x = find(&l, "MH-FWD-EXT", NULL, NULL));
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i]->mailbox)
			assert_string_not_equal(l.v[i]->mailbox,
			                        "journal@corp.example");
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* The header of the attached message only counts in a journal
	 * report (the field and the envelope structure); an encoded part is
	 * not decoded and a report without an attached message has nothing
	 * to analyse: both are said (MH-FWD-JOURNAL, informational). */
	expect_none("Subject: not a report\nContent-Type: multipart/mixed; "
	            "boundary=\"b1\"\n\n" JR_ENV("To: drop@evil.example")
	                    JR_INNER("", RULE_HDRS),
	            NULL);
	expect_none("X-MS-Journal-Report:\nSubject: no envelope\n"
	            "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
	            "--b1\nContent-Type: text/plain\n\nhello\n" JR_INNER(
	                    "", RULE_HDRS),
	            NULL);
	one(JR_HEAD JR_ENV("To: drop@evil.example")
	            JR_INNER("Content-Transfer-Encoding: base64\n", RULE_HDRS),
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-JOURNAL");
	assert_int_equal(count(l.v[0], "encoded"), 1);
	mh_findings_release(&l);
	one(JR_HEAD JR_ENV("To: drop@evil.example"), NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-JOURNAL");
	assert_int_equal(count(l.v[0], "no_attachment"), 1);
	mh_findings_release(&l);
	one("X-MS-Journal-Report:\n" RULE_HDRS
	    "X-Forwarded-To: drop@evil.example\nSubject: x\n\nno part\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->destination, "drop@evil.example");
	mh_findings_release(&l);
}

/* Feed text with only its first cap body bytes in memory (a reader's body
 * prefix): body_complete 0. */
static void feed_prefix(struct mh_fwd *f, const char *text, size_t cap,
                        const char *path, uint64_t offset)
{
	struct tmsg t;
	struct mh_err err;
	mh_err_clear(&err);
	tmsg_init(&t, text, strlen(text), path, offset, NULL);
	if (t.msg.body.n > cap) {
		t.msg.body.n = cap;
		t.msg.body_complete = 0;
	}
	assert_int_equal(mh_fwd_event(f, &t.ev, &err), MH_OK);
	tmsg_release(&t);
}

/* Defects of the journal analysis: a sender-written X-MS-Journal-Report
 * hid the real artefacts; reports were missed without a word (a large
 * envelope, a folded part Content-Type, a base64 part); the envelope's
 * own record of mailbox forwarding was ignored. */
static void test_journal_hardening(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;
	struct mh_fwd *f;

	/* 1. Top-level artefacts, X-MS-Journal-Report lower down and an
	 * attached message: still Gmail forwarding, high (was none). */
	static const char forged[] =
	        "X-Forwarded-To: exfil@evil.example\n"
	        "X-Forwarded-For: alice@corp.example exfil@evil.example\n"
	        "From: bob@partner.example\nTo: alice@corp.example\n"
	        "Subject: hi\nX-MS-Journal-Report:\nMIME-Version: 1.0\n"
	        "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	        "--b\nContent-Type: text/plain\n\nhello\n"
	        "--b\nContent-Type: message/rfc822\n\n"
	        "From: x@y.example\nSubject: inner\n\ninner\n--b--\n";
	one(forged, NULL, &l);
	assert_int_equal(l.n, 1);
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "alice@corp.example",
	                         "exfil@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	mh_findings_release(&l);
	/* With a real report structure too: the report's own artefacts and
	 * its original's, one message each. */
	f = new_fwd(corp, 1, 0);
	feed_at(f,
	        "X-Forwarded-To: exfil@evil.example\n"
	        "X-Forwarded-For: alice@corp.example "
	        "exfil@evil.example\n" JR_HEAD JR_ENV("To: drop@evil.example")
	                JR_INNER("", RULE_HDRS),
	        "/case/j.mbox", 0, "journal@corp.example");
	findings_of(f, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "alice@corp.example",
	                         "exfil@evil.example"));
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "drop@evil.example"));
	uint64_t msgs, afw;
	mh_fwd_totals(f, &msgs, &afw, NULL);
	assert_int_equal(msgs, 1);
	assert_int_equal(afw, 1);
	const struct mh_fwd_mailbox_stat *ms;
	size_t nms;
	assert_int_equal(mh_fwd_stats(f, NULL, NULL, &ms, &nms), MH_OK);
	assert_int_equal(nms, 1);
	assert_int_equal(ms[0].auto_forwarded, 1);
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* 3a. 1,500 envelope lines push the original past a 64 KiB body
	 * prefix: said, with the report as evidence. */
	struct mh_buf b = MH_BUF_INIT(1 << 17);
	mh_buf_adds(&b, JR_HEAD "--b1\nContent-Type: text/plain\n\n"
	                        "Sender: alice@corp.example\nSubject: all\n"
	                        "Message-Id: <big@corp.example>\n");
	for (int i = 0; i < 1500; i++)
		mh_buf_printf(&b,
		              "To: user%04d@corp.example, Expanded: "
		              "allstaff@corp.example\n",
		              i);
	mh_buf_adds(&b, "\n" JR_INNER("", RULE_HDRS));
	f = new_fwd(corp, 1, 0);
	feed_prefix(f, mh_buf_cstr(&b), 65536, "/case/big.mbox", 77);
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	x = l.v[0];
	assert_string_equal(x->rule_id, "MH-FWD-JOURNAL");
	assert_int_equal(x->level, MH_LEVEL_INFO);
	assert_null(x->mailbox);
	assert_null(x->destination);
	assert_null(x->mechanism);
	assert_int_equal(x->external, -1);
	assert_int_equal(count(x, "journal_reports"), 1);
	assert_int_equal(count(x, "beyond_prefix"), 1);
	assert_int_equal(x->nevidence, 1);
	assert_string_equal(x->evidence[0].file, "/case/big.mbox");
	assert_int_equal(x->evidence[0].offset, 77);
	assert_int_equal(x->evidence[0].line, 1);
	assert_string_equal(x->evidence[0].header, "X-MS-Journal-Report: ");
	assert_string_equal(x->evidence[0].message_id, "big@corp.example");
	mh_findings_release(&l);
	mh_fwd_free(f);
	/* The whole body in memory: analysed. */
	f = new_fwd(corp, 1, 0);
	feed_prefix(f, mh_buf_cstr(&b), (size_t)-1, "/case/big.mbox", 77);
	findings_of(f, &l);
	assert_non_null(find(&l, "MH-FWD-INT", "alice@corp.example",
	                     "user0000@corp.example"));
	assert_null(find(&l, "MH-FWD-JOURNAL", NULL, NULL));
	mh_findings_release(&l);
	mh_fwd_free(f);
	mh_buf_release(&b);

	/* 3b. The part's Content-Type folded onto a continuation line. */
	f = new_fwd(corp, 1, 0);
	feed(f,
	     JR_HEAD JR_ENV(
	             "To: drop@evil.example") "--b1\nContent-Type:\n"
	                                      " message/rfc822\n\n" RULE_HDRS
	                                      "From: a@corp.example\n"
	                                      "Subject: x\n\nx\n--b1--\n",
	     "journal@corp.example");
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_non_null(find(&l, "MH-FWD-EXT", "alice@corp.example",
	                     "drop@evil.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);
	/* A Content-Transfer-Encoding before the Content-Type: still seen. */
	one(JR_HEAD JR_ENV("To: drop@evil.example") "--b1\nContent-Transfer-"
	                                            "Encoding: base64\n"
	                                            "Content-Type: "
	                                            "message/"
	                                            "rfc822\n\nWC1NUy1FeGNoYW5n"
	                                            "ZQ==\n--b1--\n",
	    NULL, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-JOURNAL");
	assert_int_equal(count(l.v[0], "encoded"), 1);
	mh_findings_release(&l);

	/* 3c. Encoded originals of several reports: one finding, counted,
	 * the smallest (file, offset) as evidence, merge-independent. */
	struct mh_fwd *a = new_fwd(corp, 1, 2), *c = new_fwd(corp, 1, 2);
	static const char enc[] = JR_HEAD JR_ENV("To: drop@evil.example")
	        JR_INNER("Content-Transfer-Encoding: base64\n", RULE_HDRS);
	feed_at(a, enc, "/case/j.mbox", 300, NULL);
	feed_at(c, enc, "/case/j.mbox", 100, NULL);
	feed_at(c, enc, "/case/j.mbox", 200, NULL);
	assert_int_equal(mh_fwd_merge(a, c), MH_OK);
	findings_of(a, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(count(l.v[0], "journal_reports"), 3);
	assert_int_equal(count(l.v[0], "encoded"), 3);
	assert_int_equal(l.v[0]->nevidence, 2);
	assert_int_equal(l.v[0]->evidence[0].offset, 100);
	assert_int_equal(l.v[0]->evidence[1].offset, 200);
	assert_string_equal(l.v[0]->evidence[0].message_id,
	                    "inner1@corp.example");
	mh_findings_release(&l);
	mh_fwd_free(a);
	mh_fwd_free(c);

	/* 3d. The envelope's "Forwarded:" note alone (the attached message
	 * carries no artefact): Exchange's record of alice's mailbox
	 * forwarding. */
	static const char envfwd[] =
	        JR_HEAD JR_ENV("To: bob@partner.example\n"
	                       "To: exfil@evil.example, Forwarded: "
	                       "alice@corp.example") JR_INNER("", "");
	f = new_fwd(corp, 1, 0);
	feed_at(f, envfwd, "/case/j.mbox", 512, "journal@corp.example");
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "exfil@evil.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_string_equal(x->mechanism, "exchange-mailbox-forwarding");
	assert_int_equal(x->nevidence, 1);
	assert_int_equal(x->evidence[0].offset, 512);
	assert_string_equal(
	        x->evidence[0].header,
	        "To: exfil@evil.example, Forwarded: alice@corp.example");
	assert_string_equal(x->evidence[0].message_id, "inner1@corp.example");
	const char *el = strstr(envfwd, "To: exfil@");
	unsigned want = 1;
	for (const char *p = envfwd; p < el; p++)
		want += *p == '\n';
	assert_int_equal(x->evidence[0].line, want);
	mh_findings_release(&l);
	mh_fwd_free(f);
	/* Also when the original could not be analysed; Expanded: is a
	 * list, not forwarding. */
	one(JR_HEAD JR_ENV("To: exfil@evil.example, Forwarded: "
	                   "alice@corp.example\n"
	                   "To: m@corp.example, Expanded: dl@corp.example")
	            JR_INNER("Content-Transfer-Encoding: base64\n", ""),
	    NULL, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(find(&l, "MH-FWD-JOURNAL", NULL, NULL));
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example",
	                         "exfil@evil.example"));
	assert_int_equal(count(x, "auto_forwarded"), 1);
	mh_findings_release(&l);
	/* Not in a message without the report structure. */
	expect_none("Subject: x\nContent-Type: multipart/mixed; "
	            "boundary=\"b1\"\n\n" JR_ENV(
	                    "To: exfil@evil.example, Forwarded: "
	                    "alice@corp.example") JR_INNER("", ""),
	            NULL);

	/* 4. The same (file, offset) fed twice: one evidence item (the
	 * counts are the front end's to keep right: it reads a file once). */
	f = new_fwd(corp, 1, 0);
	feed_at(f, exo_rule, "/case/three.mbox", 0, NULL);
	feed_at(f, exo_rule, "/case/three.mbox", 0, NULL);
	findings_of(f, &l);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "alice@corp.example", NULL));
	assert_int_equal(x->nevidence, 1);
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* Defect: with no organisation known, a destination was called external
 * (high) on no evidence at all. */
static const char agent_only[] =
        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
        "Delivered-To: alice@corp.example\n"
        "From: x@partner.example\nSubject: hi\n"
        "Date: Mon, 4 Mar 2024 10:00:00 +0000\n\nbody\n";

static void test_undecided_external(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;
	one(agent_only, NULL, &l);
	assert_int_equal(l.n, 1);
	x = l.v[0];
	assert_string_equal(x->rule_id, "MH-FWD-EXT");
	assert_null(x->mailbox);
	assert_string_equal(x->destination, "alice@corp.example");
	assert_int_equal(x->external, -1);
	assert_int_equal(x->level, MH_LEVEL_MEDIUM);
	assert_string_equal(x->title,
	                    "Auto-forwarding, internal or external undecided");
	assert_non_null(strstr(x->summary, "undecided"));
	mh_findings_release(&l);

	/* The destination is the store owner, the mailbox unknown: the
	 * owner's domain receives forwarding from an unknown mailbox, so it
	 * is not inferred (it could be the outside end of an exfiltration
	 * whose mbox was named after it); still undecided, never high. */
	one(agent_only, "alice@corp.example", &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-EXT");
	assert_int_equal(l.v[0]->external, -1);
	assert_int_equal(l.v[0]->level, MH_LEVEL_MEDIUM);
	mh_findings_release(&l);
	/* A consumer owner is no org domain: still not external. */
	one("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n"
	    "Delivered-To: al@gmail.com\nSubject: hi\n\nbody\n",
	    "al@gmail.com", &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0]->external, -1);
	assert_true(l.v[0]->level < MH_LEVEL_HIGH);
	mh_findings_release(&l);
	/* --org-domain decides it. */
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	feed(f, agent_only, NULL);
	findings_of(f, &l);
	assert_non_null(find(&l, "MH-FWD-INT", NULL, "alice@corp.example"));
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* Gmail with nothing known about either side's org is decided by
	 * the mailbox: a consumer mailbox forwarding elsewhere is external,
	 * a company mailbox forwarding inside its own domain internal. */
	one("X-Forwarded-For: x@gmail.com y@gmail.com\nSubject: x\n\nx\n", NULL,
	    &l);
	assert_int_equal(l.v[0]->external, 1);
	assert_int_equal(l.v[0]->level, MH_LEVEL_HIGH);
	mh_findings_release(&l);
	one("X-Forwarded-For: x@corp.example y@eu.corp.example\n"
	    "Subject: x\n\nx\n",
	    NULL, &l);
	assert_int_equal(l.v[0]->external, 0);
	assert_int_equal(l.v[0]->level, MH_LEVEL_LOW);
	mh_findings_release(&l);

	/* Statistics say the same. */
	f = new_fwd(NULL, 0, 0);
	feed(f, agent_only, NULL);
	const struct mh_fwd_pair_stat *p;
	size_t np;
	assert_int_equal(mh_fwd_stats(f, &p, &np, NULL, NULL), MH_OK);
	assert_int_equal(np, 1);
	assert_int_equal(p[0].external, -1);
	mh_fwd_free(f);
}

/* MARK: - ratio */

static void ratio_msg(char *out, size_t n, unsigned i, int looks)
{
	snprintf(out, n,
	         "X-Original-To: b.keller@freemail.example\n"
	         "Delivered-To: b.keller@freemail.example\n"
	         "X-MS-Exchange-Organization-AutoForwarded: true\n"
	         "X-MS-Exchange-ForwardingLoop: bob@corp.example;6b2c\n"
	         "From: p%u@partner.example\nTo: bob@corp.example\n"
	         "Subject: %sitem %u\n"
	         "Date: Sun, %u Mar 2024 10:00:00 +0000\n"
	         "Message-ID: <%u@partner.example>\n\nx\n",
	         i, looks ? "FW: " : "", i, 1 + i % 28, i);
}

static void run_ratio(unsigned total, unsigned looking, struct mh_findings *l)
{
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	for (unsigned i = 0; i < total; i++) {
		char m[1024];
		ratio_msg(m, sizeof(m), i, i < looking);
		feed(f, m, NULL);
	}
	findings_of(f, l);
	mh_fwd_free(f);
}

static void test_ratio(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;

	/* 30 auto-forwarded, 1 looks forwarded, the forwarding loop names
	 * mailbox forwarding: admin level. */
	run_ratio(30, 1, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(x = find(&l, "MH-FWD-EXT", "bob@corp.example",
	                         "b.keller@freemail.example"));
	assert_int_equal(count(x, "auto_forwarded"), 30);
	assert_int_equal(count(x, "looks_forwarded"), 1);
	assert_non_null(x = find(&l, "MH-FWD-RATIO", "bob@corp.example",
	                         "b.keller@freemail.example"));
	assert_int_equal(x->level, MH_LEVEL_HIGH);
	assert_int_equal(x->external, 1);
	assert_int_equal(count(x, "auto_forwarded"), 30);
	assert_int_equal(count(x, "looks_forwarded"), 1);
	assert_non_null(strstr(x->summary, "30 messages"));
	assert_non_null(strstr(x->summary, "only 1 look"));
	assert_non_null(
	        strstr(x->summary, "between 2024-03-01 and 2024-03-28"));
	assert_non_null(strstr(x->summary, "name mailbox forwarding"));
	assert_non_null(strstr(x->summary, "investigate at admin level"));
	assert_non_null(
	        strstr(x->remediation, "Get-Mailbox 'bob@corp.example'"));
	assert_null(strstr(x->remediation, "Get-InboxRule"));
	assert_int_equal(x->nevidence, 5);
	mh_findings_release(&l);

	/* 30 of which 28 look forwarded: the user's own rule, no ratio. */
	run_ratio(30, 28, &l);
	assert_int_equal(l.n, 1);
	assert_null(find(&l, "MH-FWD-RATIO", NULL, NULL));
	mh_findings_release(&l);

	/* Few messages: medium. Under five: nothing. At 25 %: nothing. */
	run_ratio(6, 1, &l);
	assert_non_null(x = find(&l, "MH-FWD-RATIO", NULL, NULL));
	assert_int_equal(x->level, MH_LEVEL_MEDIUM);
	mh_findings_release(&l);
	run_ratio(4, 0, &l);
	assert_null(find(&l, "MH-FWD-RATIO", NULL, NULL));
	mh_findings_release(&l);
	run_ratio(8, 2, &l);
	assert_null(find(&l, "MH-FWD-RATIO", NULL, NULL));
	mh_findings_release(&l);
	/* 20 with 2 looking is 10 %: not under 10 %, so medium. */
	run_ratio(20, 2, &l);
	assert_non_null(x = find(&l, "MH-FWD-RATIO", NULL, NULL));
	assert_int_equal(x->level, MH_LEVEL_MEDIUM);
	mh_findings_release(&l);

	/* Gmail forwarding never looks forwarded: no ratio for it. */
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	for (int i = 0; i < 10; i++)
		feed(f, gmail_fwd, NULL);
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0]->rule_id, "MH-FWD-GMAIL");
	assert_int_equal(count(l.v[0], "auto_forwarded"), 10);
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* Copies from `mailbox` to `dest` carrying the artefacts `arts` (lines
 * of header, "MBOX" for the mailbox), none looking forwarded. */
static void ratio_case(struct mh_fwd *f, unsigned copies, const char *mailbox,
                       const char *dest, const char *arts)
{
	for (unsigned i = 0; i < copies; i++) {
		char a[512], m[2048];
		size_t k = 0;
		for (const char *q = arts; *q && k + 100 < sizeof(a);)
			if (!strncmp(q, "MBOX", 4)) {
				k += (size_t)snprintf(a + k, sizeof(a) - k,
				                      "%s", mailbox);
				q += 4;
			} else {
				a[k++] = *q++;
			}
		a[k] = '\0';
		snprintf(m, sizeof(m),
		         "%s%s%s%s"
		         "From: p%u@partner.example\nTo: %s\n"
		         "Subject: quote %u\n"
		         "Date: Tue, %u Mar 2024 09:00:00 +0000\n"
		         "Message-ID: <r%u.%s>\n\nthe numbers\n",
		         dest ? "Delivered-To: " : "", dest ? dest : "",
		         dest ? "\n" : "", a, i, mailbox, i, 1 + i % 28, i,
		         mailbox);
		feed(f, m, NULL);
	}
}

static const char arts_rule[] =
        "X-MS-Exchange-Organization-AutoForwarded: true\n"
        "X-MS-Exchange-Inbox-Rules-Loop: MBOX\n"
        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n";
static const char arts_loop[] =
        "X-MS-Exchange-Organization-AutoForwarded: true\n"
        "X-MS-Exchange-ForwardingLoop: MBOX;6b2c\n";
static const char arts_both[] =
        "X-MS-Exchange-Organization-AutoForwarded: true\n"
        "X-MS-Exchange-Inbox-Rules-Loop: MBOX\n"
        "X-MS-Exchange-ForwardingLoop: MBOX;6b2c\n";
static const char arts_mailfwdby[] = "X-MailFwdBy: MBOX\n";

/* docs/FORWARDING.md MH-FWD-RATIO, each combination: the mechanism the
 * artefacts name (inbox rule, mailbox forwarding, both, none), internal
 * or external or undecided, few or many copies. */
static void test_ratio_mechanisms(void **state)
{
	(void)state;
	static const struct {
		const char *arts, *says, *remedy, *not_remedy;
		const char *dest;
		unsigned copies;
		int given_org;
		int rule_level; /* the pair finding's level */
		enum mh_level level;
		int external;
	} c[] = {
	        /* Issue 8: an inbox rule to a colleague, ten copies, none
	         * looking forwarded: low, and it says redirect rule. */
	        {arts_rule, "redirect inbox rule", "Get-InboxRule",
	         "Get-TransportRule", "dave@corp.example", 10, 1, MH_LEVEL_LOW,
	         MH_LEVEL_LOW, 0},
	        {arts_rule, "redirect inbox rule", "RedirectTo",
	         "Get-TransportRule", "dave@corp.example", 25, 1, MH_LEVEL_LOW,
	         MH_LEVEL_LOW, 0},
	        {arts_rule, "redirect inbox rule", "Get-InboxRule",
	         "Get-TransportRule", "drop@evil.example", 6, 1, MH_LEVEL_HIGH,
	         MH_LEVEL_MEDIUM, 1},
	        {arts_rule, "redirect inbox rule", "Get-InboxRule",
	         "Get-TransportRule", "drop@evil.example", 25, 1, MH_LEVEL_HIGH,
	         MH_LEVEL_HIGH, 1},
	        /* Mailbox forwarding named: admin level, low when internal. */
	        {arts_loop, "name mailbox forwarding", "Get-Mailbox",
	         "Get-InboxRule", "dave@corp.example", 6, 1, MH_LEVEL_LOW,
	         MH_LEVEL_LOW, 0},
	        {arts_loop, "investigate at admin level", "Set-Mailbox",
	         "Get-InboxRule", "drop@evil.example", 6, 1, MH_LEVEL_HIGH,
	         MH_LEVEL_MEDIUM, 1},
	        {arts_loop, "investigate at admin level", "Set-Mailbox",
	         "Get-InboxRule", "drop@evil.example", 25, 1, MH_LEVEL_HIGH,
	         MH_LEVEL_HIGH, 1},
	        /* Both named: both places to look. */
	        {arts_both, "both an inbox rule and mailbox forwarding",
	         "Get-InboxRule", NULL, "drop@evil.example", 25, 1,
	         MH_LEVEL_HIGH, MH_LEVEL_HIGH, 1},
	        /* Nothing names it (X-MailFwdBy): the admin-level heuristic,
	         * transport rules included; still low when internal. */
	        {arts_mailfwdby, "nothing in the headers names",
	         "Get-TransportRule", "Get-InboxRule", "drop@evil.example", 25,
	         1, MH_LEVEL_HIGH, MH_LEVEL_HIGH, 1},
	        {arts_mailfwdby, "nothing in the headers names",
	         "Get-TransportRule", "Get-InboxRule", "dave@corp.example", 7,
	         1, MH_LEVEL_LOW, MH_LEVEL_LOW, 0},
	        /* Nothing names where the copies went: undecided, as the
	         * pair finding (a destination unknown is never internal). */
	        {arts_rule, "redirect inbox rule", "Get-InboxRule", NULL, NULL,
	         25, 1, MH_LEVEL_MEDIUM, MH_LEVEL_MEDIUM, -1},
	};
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		const char *mb = "carol@corp.example";
		struct mh_fwd *f = c[k].given_org ? new_fwd(corp, 1, 0)
		                                  : new_fwd(NULL, 0, 0);
		struct mh_findings l;
		const struct mh_finding *x;
		ratio_case(f, c[k].copies, mb, c[k].dest, c[k].arts);
		findings_of(f, &l);
		if (!(x = find(&l, "MH-FWD-RATIO", mb, c[k].dest)))
			fail_msg("case %zu: no ratio finding", k);
		if (x->level != c[k].level || x->external != c[k].external)
			fail_msg("case %zu: level %d external %d", k,
			         (int)x->level, x->external);
		if (!strstr(x->summary, c[k].says) ||
		    !strstr(x->remediation, c[k].remedy) ||
		    (c[k].not_remedy &&
		     strstr(x->remediation, c[k].not_remedy)))
			fail_msg("case %zu: %s / %s", k, x->summary,
			         x->remediation);
		assert_int_equal(count(x, "auto_forwarded"), c[k].copies);
		assert_int_equal(count(x, "looks_forwarded"), 0);
		/* The pair finding beside it is unchanged by the ratio. */
		for (size_t i = 0; i < l.n; i++)
			if (strcmp(l.v[i]->rule_id, "MH-FWD-RATIO") != 0 &&
			    (int)l.v[i]->level != c[k].rule_level)
				fail_msg("case %zu: %s level %d", k,
				         l.v[i]->rule_id, (int)l.v[i]->level);
		if (c[k].external == 0)
			assert_non_null(strstr(
			        x->summary, "every destination is internal"));
		if (c[k].external < 0)
			assert_non_null(strstr(x->summary,
			                       "the destination is unknown"));
		mh_findings_release(&l);
		mh_fwd_free(f);
	}
	/* Four copies are too few, whatever names them. */
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	struct mh_findings l;
	ratio_case(f, 4, "carol@corp.example", "drop@evil.example", arts_rule);
	findings_of(f, &l);
	assert_null(find(&l, "MH-FWD-RATIO", NULL, NULL));
	assert_non_null(find(&l, "MH-FWD-EXT", "carol@corp.example", NULL));
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* MARK: - evidence */

static void test_evidence(void **state)
{
	(void)state;
	/* The max_evidence smallest (file, offset) whatever the order. */
	struct mh_fwd *f = new_fwd(corp, 1, 3);
	static const uint64_t offs[] = {900, 100, 700, 300, 500, 50};
	static const char *const files[] = {"/b.mbox", "/b.mbox", "/a.mbox",
	                                    "/b.mbox", "/a.mbox", "/c.mbox"};
	for (size_t i = 0; i < 6; i++)
		feed_at(f, exo_rule, files[i], offs[i], NULL);
	struct mh_findings l;
	findings_of(f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0]->nevidence, 3);
	assert_string_equal(l.v[0]->evidence[0].file, "/a.mbox");
	assert_int_equal(l.v[0]->evidence[0].offset, 500);
	assert_string_equal(l.v[0]->evidence[1].file, "/a.mbox");
	assert_int_equal(l.v[0]->evidence[1].offset, 700);
	assert_string_equal(l.v[0]->evidence[2].file, "/b.mbox");
	assert_int_equal(l.v[0]->evidence[2].offset, 100);
	mh_findings_release(&l);
	mh_fwd_free(f);

	/* A long folded artefact line: unfolded and capped at 512 bytes
	 * without cutting a UTF-8 sequence. */
	char msg[4096];
	int k = snprintf(msg, sizeof(msg), "Subject: x\nX-Forwarded-To: ");
	for (int i = 0; i < 40; i++)
		k += snprintf(msg + k, sizeof(msg) - (size_t)k,
		              "user%02d.\xc3\xa9t\xc3\xa9@dest%02d.example,\n ",
		              i, i);
	snprintf(msg + k, sizeof(msg) - (size_t)k, "last@dest.example\n\nx\n");
	f = new_fwd(corp, 1, 0);
	feed(f, msg, "me@corp.example");
	findings_of(f, &l);
	assert_true(l.n >= 1);
	const char *h = l.v[0]->evidence[0].header;
	assert_true(strlen(h) <= 512);
	assert_true(strlen(h) > 400);
	assert_null(strchr(h, '\n'));
	assert_true(!strncmp(h, "X-Forwarded-To: user00.", 23));
	/* Ends on a whole character: not on a lone lead byte. */
	assert_true(((unsigned char)h[strlen(h) - 1] & 0xc0) != 0xc0);
	mh_findings_release(&l);
	mh_fwd_free(f);
}

/* MARK: - merge determinism */

#define NMIX 60

static void mix_msg(char *out, size_t n, unsigned i)
{
	static const char *const who[] = {"alice", "bob", "carol", "dave"};
	static const char *const dst[] = {"x@evil.example", "y@corp.example",
	                                  "z@mail.example"};
	const char *w = who[i % 4], *d = dst[(i / 4) % 3];
	switch (i % 5) {
	case 0:
	case 1:
		snprintf(out, n,
		         "X-MS-Exchange-Organization-AutoForwarded: true\n"
		         "X-MS-Exchange-ForwardingLoop: %s@corp.example;t\n"
		         "Delivered-To: %s\nFrom: p@partner.example\n"
		         "Subject: %sm%u\nMessage-ID: <m%u@t>\n"
		         "Date: Fri, %u Mar 2024 %02u:00:00 +0000\n\nx\n",
		         w, d, i % 7 ? "" : "FW: ", i, i, 1 + i % 27, i % 24);
		break;
	case 2:
		/* Rules of other mailboxes: the ratio of the ones above
		 * stays theirs. */
		w = who[i % 4][0] == 'a' ? "erin" : "frank";
		snprintf(out, n,
		         "X-MS-Exchange-Inbox-Rules-Loop: %s@corp.example\n"
		         "From: %s@corp.example\nTo: %s\nSubject: FW: m%u\n"
		         "Message-ID: <m%u@t>\n"
		         "Date: Sat, %u Mar 2024 %02u:00:00 +0000\n\nx\n",
		         w, w, d, i, i, 1 + i % 27, i % 24);
		break;
	case 3:
		snprintf(out, n,
		         "X-Forwarded-To: %s\nX-Forwarded-For: %s@corp.example "
		         "%s\nSubject: m%u\nMessage-ID: <m%u@t>\n\nx\n",
		         d, w, d, i, i);
		break;
	default:
		snprintf(out, n, "From: p@partner.example\nSubject: m%u\n\nx\n",
		         i);
		break;
	}
}

static char *render(struct mh_findings *l)
{
	struct mh_buf b = MH_BUF_INIT(1 << 20);
	mh_findings_sort(l);
	for (size_t i = 0; i < l->n; i++) {
		const struct mh_finding *x = l->v[i];
		mh_buf_printf(&b, "%s %s %s %s %s %d %d %s %lld %lld\n", x->id,
		              x->rule_id, x->mailbox, x->destination,
		              x->mechanism, (int)x->level, x->external,
		              x->summary, (long long)x->first_seen,
		              (long long)x->last_seen);
		for (size_t c = 0; c < x->ncounts; c++)
			mh_buf_printf(&b, " %s=%llu", x->counts[c].name,
			              (unsigned long long)x->counts[c].value);
		for (size_t e = 0; e < x->nevidence; e++)
			mh_buf_printf(
			        &b, "\n  %s@%llu:%u %s %s", x->evidence[e].file,
			        (unsigned long long)x->evidence[e].offset,
			        x->evidence[e].line, x->evidence[e].message_id,
			        x->evidence[e].header);
		mh_buf_addc(&b, '\n');
	}
	return mh_buf_detach(&b, NULL);
}

/* Messages spread over nacc accumulators by assign(i), merged in the
 * given order. */
static char *run_split(size_t nacc, unsigned (*assign)(unsigned, size_t),
                       const size_t *order)
{
	struct mh_fwd *acc[4];
	char m[1024], path[32];
	for (size_t a = 0; a < nacc; a++)
		acc[a] = new_fwd(NULL, 0, 3);
	for (unsigned i = 0; i < NMIX; i++) {
		mix_msg(m, sizeof(m), i);
		snprintf(path, sizeof(path), "/store/%u.mbox", i % 3);
		feed_at(acc[assign(i, nacc)], m, path, 1000u * i, NULL);
	}
	for (size_t a = 1; a < nacc; a++)
		assert_int_equal(mh_fwd_merge(acc[order[0]], acc[order[a]]),
		                 MH_OK);
	struct mh_findings l;
	findings_of(acc[order[0]], &l);
	uint64_t msgs, af, lf;
	mh_fwd_totals(acc[order[0]], &msgs, &af, &lf);
	assert_int_equal(msgs, NMIX);
	char *s = render(&l);
	mh_findings_release(&l);
	for (size_t a = 0; a < nacc; a++)
		mh_fwd_free(acc[a]);
	return s;
}

static unsigned by_mod(unsigned i, size_t n)
{
	return i % (unsigned)n;
}

static unsigned by_block(unsigned i, size_t n)
{
	return (unsigned)((size_t)i * n / NMIX);
}

static unsigned by_hash(unsigned i, size_t n)
{
	return (i * 2654435761u >> 7) % (unsigned)n;
}

static void test_merge_determinism(void **state)
{
	(void)state;
	static const size_t o1[] = {0}, o3a[] = {0, 1, 2}, o3b[] = {2, 0, 1},
	                    o4[] = {3, 1, 0, 2};
	char *ref = run_split(1, by_mod, o1);
	assert_true(strlen(ref) > 100);
	assert_non_null(strstr(ref, "MH-FWD-RATIO"));
	assert_non_null(strstr(ref, "MH-FWD-GMAIL"));
	char *v[] = {
	        run_split(3, by_mod, o3a),   run_split(3, by_mod, o3b),
	        run_split(3, by_block, o3b), run_split(4, by_hash, o4),
	        run_split(4, by_block, o4),
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (strcmp(ref, v[i]) != 0)
			fail_msg("split %zu differs:\n%s\n---\n%s", i, ref,
			         v[i]);
		free(v[i]);
	}
	free(ref);
}

/* MARK: - statistics */

static void test_stats(void **state)
{
	(void)state;
	struct mh_fwd *f = new_fwd(corp, 1, 0);
	char m[1024];
	for (unsigned i = 0; i < 6; i++) {
		ratio_msg(m, sizeof(m), i, i == 0);
		feed(f, m, NULL);
	}
	int_ext_msg(m, sizeof(m), "bob@corp.example", "b2@corp.example");
	feed(f, m, NULL);
	feed(f, gmail_fwd, NULL);
	feed(f, "Subject: plain\n\nx\n", NULL);

	const struct mh_fwd_pair_stat *p;
	const struct mh_fwd_mailbox_stat *mb;
	size_t np, nmb;
	assert_int_equal(mh_fwd_stats(f, &p, &np, &mb, &nmb), MH_OK);
	assert_int_equal(np, 3);
	assert_string_equal(p[0].mailbox, "bob@corp.example");
	assert_string_equal(p[0].destination, "b.keller@freemail.example");
	assert_string_equal(p[0].dest_domain, "freemail.example");
	assert_int_equal(p[0].external, 1);
	assert_int_equal(p[0].auto_forwarded, 6);
	assert_int_equal(p[0].looks_forwarded, 1);
	assert_string_equal(p[0].mechanisms, "exchange-mailbox-forwarding");
	assert_int_equal(p[0].first, mh_time_from_civil(2024, 3, 1, 10, 0, 0));
	assert_int_equal(p[0].last, mh_time_from_civil(2024, 3, 6, 10, 0, 0));
	assert_string_equal(p[1].destination, "b2@corp.example");
	assert_int_equal(p[1].external, 0);
	assert_string_equal(p[2].mailbox, "grace@corp.example");
	assert_string_equal(p[2].mechanisms, "gmail-forwarding");
	assert_int_equal(nmb, 2);
	assert_string_equal(mb[0].mailbox, "bob@corp.example");
	assert_int_equal(mb[0].auto_forwarded, 7);
	assert_int_equal(mb[0].looks_forwarded, 2);
	assert_int_equal(mb[0].destinations, 2);
	assert_int_equal(mb[0].external_destinations, 1);
	assert_string_equal(mb[1].mailbox, "grace@corp.example");
	uint64_t msgs, af, lf;
	mh_fwd_totals(f, &msgs, &af, &lf);
	assert_int_equal(msgs, 9);
	assert_int_equal(af, 8);
	assert_int_equal(lf, 2);
	/* NULL outputs are allowed; a second call gives the same. */
	assert_int_equal(mh_fwd_stats(f, NULL, NULL, NULL, NULL), MH_OK);
	assert_int_equal(mh_fwd_stats(f, &p, &np, NULL, NULL), MH_OK);
	assert_int_equal(np, 3);
	mh_fwd_free(f);
	mh_fwd_free(NULL);
}

/* MARK: - real samples (MH_SHARED) */

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	struct mh_buf b = MH_BUF_INIT((size_t)64 << 20);
	char chunk[65536];
	size_t k;
	while ((k = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		assert_int_equal(mh_buf_add(&b, chunk, k), MH_OK);
	fclose(fp);
	*n = b.len;
	return mh_buf_detach(&b, NULL);
}

static void sample(const char *name, struct mh_findings *l)
{
	char path[4200];
	size_t n;
	snprintf(path, sizeof(path), "%s/data/mail/%s", shared, name);
	char *text = slurp(path, &n);
	struct mh_fwd *f = new_fwd(NULL, 0, 0);
	struct tmsg t;
	tmsg_init(&t, text, n, path, 0, NULL);
	assert_int_equal(mh_fwd_event(f, &t.ev, NULL), MH_OK);
	findings_of(f, l);
	tmsg_release(&t);
	mh_fwd_free(f);
	free(text);
}

static void test_real_samples(void **state)
{
	(void)state;
	struct mh_findings l;
	const struct mh_finding *x;

	sample("email-upper.eml", &l);
	assert_int_equal(l.n, 1);
	x = l.v[0];
	assert_string_equal(x->rule_id, "MH-FWD-GMAIL");
	assert_string_equal(x->technique, "T1114.003");
	assert_int_equal(x->external, 1);
	assert_string_equal(x->mailbox, "palmer@sifive.com");
	assert_string_equal(x->destination, "palmer@dabbelt.com");
	assert_string_equal(x->evidence[0].header,
	                    "X-Forwarded-To: palmer@dabbelt.com");
	assert_true(x->evidence[0].line > 1);
	mh_findings_release(&l);

	sample("fp-bug5882-att4299.eml", &l);
	assert_int_equal(l.n, 2);
	assert_non_null(x = find(&l, "MH-FWD-GMAIL", "admin.schedule@gmail.com",
	                         "board@eurodoc.net"));
	assert_int_equal(x->external, 1);
	assert_non_null(find(&l, "MH-FWD-GMAIL", "admin.schedule@gmail.com",
	                     "consultation@council.eurodoc.net"));
	mh_findings_release(&l);

	static const char *const benign[] = {"bounce.eml", "mail_test_17.eml",
	                                     "nice_001.eml", "nice_005.eml",
	                                     "nice_mailman_message.eml"};
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		sample(benign[i], &l);
		if (l.n)
			fail_msg("%s: unexpected %s", benign[i],
			         l.v[0]->rule_id);
		mh_findings_release(&l);
	}
}

/* The whole corpus through the real readers: which files give a finding,
 * compared with AUTOFORWARDED.tsv. */
struct corpus {
	struct mh_buf flagged; /* "\n<relative path>\n..." */
	struct mh_buf low;     /* linux-pwm findings, any level */
	size_t files, events, skipped;
	size_t root_len;
};

static int corpus_source(const struct mh_source *src,
                         const struct mh_reader_ops *ops, void *ctx)
{
	struct corpus *c = ctx;
	struct mh_reader *r = NULL;
	struct mh_reader_opts ro;
	struct mh_err err;
	struct mh_event ev;
	int rc;

	mh_reader_opts_default(&ro);
	mh_err_clear(&err);
	c->files++;
	if (ops->open(&r, src, &ro, &err) < 0)
		return 0; /* unreadable files are the readers' tests' business */
	struct mh_fwd *f = new_fwd(NULL, 0, 0);
	while ((rc = ops->next(r, &ev, &err)) != 0) {
		if (rc == MH_ESKIP) {
			c->skipped++;
			continue;
		}
		if (rc < 0)
			break;
		c->events++;
		assert_int_equal(mh_fwd_event(f, &ev, &err), MH_OK);
	}
	ops->close(r);
	struct mh_findings l;
	findings_of(f, &l);
	const char *rel = src->path + c->root_len;
	if (l.n)
		mh_buf_printf(&c->flagged, "%s\n", rel);
	if (l.n && strstr(rel, "pi-linux-pwm/"))
		mh_buf_printf(&c->low, "%s %s\n", rel, l.v[0]->rule_id);
	mh_findings_release(&l);
	mh_fwd_free(f);
	return 0;
}

static void corpus_error(const struct mh_err *err, int named, void *ctx)
{
	(void)err;
	(void)named;
	(void)ctx;
}

static void test_corpus_verdicts(void **state)
{
	(void)state;
	char root[4200], tsv[4300];
	snprintf(root, sizeof(root), "%s/data/mail-corpus", shared);
	snprintf(tsv, sizeof(tsv), "%s/AUTOFORWARDED.tsv", root);

	struct corpus c;
	memset(&c, 0, sizeof(c));
	mh_buf_init(&c.flagged, (size_t)1 << 20);
	mh_buf_init(&c.low, (size_t)1 << 20);
	mh_buf_addc(&c.flagged, '\n');
	c.root_len = strlen(root) + 1;
	const char *paths[] = {root};
	struct mh_walk_cb cb = {corpus_source, corpus_error, &c};
	assert_int_equal(mh_walk(paths, 1, &cb, NULL), MH_OK);
	assert_true(c.files >= 2600);
	/* 2,577 eml + 19 emlx + the messages of 7 mboxes. */
	assert_true(c.events + c.skipped >= 2643);
	assert_true(c.events >= 2600);

	/* Expected: the files assessed "auto-forwarded". */
	size_t n;
	char *t = slurp(tsv, &n);
	size_t expected = 0;
	struct mh_buf want = MH_BUF_INIT((size_t)1 << 20);
	mh_buf_addc(&want, '\n');
	char *p = t;
	while (p && *p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *cols[6] = {0};
		size_t k = 0;
		char *q = p;
		while (k < 6 && q) {
			cols[k++] = q;
			char *tab = strchr(q, '\t');
			if (tab)
				*tab = '\0';
			q = tab ? tab + 1 : NULL;
		}
		if (k >= 5 && !strncmp(cols[4], "auto-forwarded", 14)) {
			mh_buf_printf(&want, "%s\n", cols[0]);
			expected++;
		}
		p = nl ? nl + 1 : NULL;
	}
	free(t);
	assert_true(expected >= 6);

	/* Every flagged file is expected ... */
	const char *s = mh_buf_cstr(&c.flagged) + 1;
	while (*s) {
		const char *e = strchr(s, '\n');
		char needle[4200];
		snprintf(needle, sizeof(needle), "\n%.*s\n", (int)(e - s), s);
		if (!strstr(mh_buf_cstr(&want), needle))
			fail_msg("false positive: %.*s", (int)(e - s), s);
		s = e + 1;
	}
	/* ... and every expected file is flagged. */
	s = mh_buf_cstr(&want) + 1;
	while (*s) {
		const char *e = strchr(s, '\n');
		char needle[4200];
		snprintf(needle, sizeof(needle), "\n%.*s\n", (int)(e - s), s);
		if (!strstr(mh_buf_cstr(&c.flagged), needle))
			fail_msg("missed: %.*s", (int)(e - s), s);
		s = e + 1;
	}
	/* The linux-pwm hard negatives give nothing at all. */
	assert_int_equal(c.low.len, 0);
	mh_buf_release(&want);
	mh_buf_release(&c.flagged);
	mh_buf_release(&c.low);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exchange_inbox_rule),
	        cmocka_unit_test(test_exchange_mailbox_forwarding),
	        cmocka_unit_test(test_autofwd_mailbox_from_store),
	        cmocka_unit_test(test_generic_artefacts),
	        cmocka_unit_test(test_gmail),
	        cmocka_unit_test(test_redirects),
	        cmocka_unit_test(test_exclusions),
	        cmocka_unit_test(test_looks_forwarded),
	        cmocka_unit_test(test_internal_external),
	        cmocka_unit_test(test_org_inference_hostile),
	        cmocka_unit_test(test_consumer_domains),
	        cmocka_unit_test(test_undecided_external),
	        cmocka_unit_test(test_quoted_local_part),
	        cmocka_unit_test(test_message_time),
	        cmocka_unit_test(test_journal_report),
	        cmocka_unit_test(test_journal_hardening),
	        cmocka_unit_test(test_ratio),
	        cmocka_unit_test(test_ratio_mechanisms),
	        cmocka_unit_test(test_evidence),
	        cmocka_unit_test(test_merge_determinism),
	        cmocka_unit_test(test_stats),
	};
	const struct CMUnitTest real[] = {
	        cmocka_unit_test(test_real_samples),
	        cmocka_unit_test(test_corpus_verdicts),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (!have_shared("data/mail-corpus/AUTOFORWARDED.tsv")) {
		fprintf(stderr, "shared samples not found: real-data tests "
		                "skipped\n");
		return rc ? rc : 77;
	}
	return rc + cmocka_run_group_tests(real, NULL, NULL);
}
