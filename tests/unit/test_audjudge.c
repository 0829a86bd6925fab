/* Unit tests for the audit judgement (the "audit" analytic: audjudge.c,
 * audhide.c, audadmin.c, audposture.c): real-shaped records (Management
 * Activity API JSON, Get-InboxRule CSV, Get-RemoteDomain JSON, Google
 * Workspace Reports activities) read by the real readers and fed to the
 * analytic; for every rule a positive and the look-alike that must stay
 * quiet, the levels, the localized folder names and words, the joins, the
 * merging of one rule seen twice, and the same findings whatever the
 * split over workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytic.h"
#include "analytics/audjudge.h"
#include "core/err.h"
#include "event/event.h"
#include "finding/finding.h"
#include "readers/reader.h"

#define TESTDIR_NAME "mh-test-audjudge"
#include "testdir.h"

extern const struct mh_analytic_ops mh_analytic_audit;

/* Read name (written with content) and feed its events to nacc
 * accumulators in turn (the n-th event read to accumulator n % nacc). */
static void feed(void **acc, size_t nacc, size_t *n, const char *name,
                 const char *content)
{
	const char *path = tpath(name);
	testdir_write(path, content, strlen(content), "wb");
	const struct mh_reader_ops *ops =
	        mh_reader_detect(content, strlen(content), name);
	if (!ops)
		fail_msg("'%s': no reader", name);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.range_end = UINT64_MAX;
	src.regular = 1;
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	struct mh_reader *r = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(ops->open(&r, &src, &o, &err), MH_OK);
	for (;;) {
		struct mh_event ev;
		mh_err_clear(&err);
		int rc = ops->next(r, &ev, &err);
		if (rc == 0)
			break;
		if (rc != 1)
			fail_msg("'%s': record skipped: %s", name, err.msg);
		assert_int_equal(
		        mh_analytic_audit.event(acc[*n % nacc], &ev, &err),
		        MH_OK);
		(*n)++;
	}
	ops->close(r);
}

/* Files names[0..nf) with their contents, judged by nacc accumulators
 * merged into the first; the findings, sorted, in out. */
static void judge_files(const char *const *names, const char *const *contents,
                        size_t nf, size_t nacc, struct mh_findings *out)
{
	struct mh_analytic_conf conf;
	memset(&conf, 0, sizeof(conf));
	struct mh_err err;
	mh_err_clear(&err);
	void *acc[4] = {NULL};
	assert_true(nacc >= 1 && nacc <= 4);
	for (size_t i = 0; i < nacc; i++)
		assert_int_equal(mh_analytic_audit.create(&acc[i], &conf, &err),
		                 MH_OK);
	size_t n = 0;
	for (size_t i = 0; i < nf; i++)
		feed(acc, nacc, &n, names[i], contents[i]);
	for (size_t i = 1; i < nacc; i++)
		assert_int_equal(mh_analytic_audit.merge(acc[0], acc[i]),
		                 MH_OK);
	memset(out, 0, sizeof(*out));
	assert_int_equal(mh_analytic_audit.findings(acc[0], out), MH_OK);
	for (size_t i = 0; i < nacc; i++)
		mh_analytic_audit.destroy(acc[i]);
	mh_findings_sort(out);
}

static void judge_split(const char *name, const char *content, size_t nacc,
                        struct mh_findings *out)
{
	judge_files(&name, &content, 1, nacc, out);
}

static void judge(const char *name, const char *content,
                  struct mh_findings *out)
{
	judge_split(name, content, 1, out);
}

/* The only finding of rule, or a failure. */
static const struct mh_finding *only(const struct mh_findings *l,
                                     const char *rule)
{
	const struct mh_finding *f = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i]->rule_id, rule)) {
			if (f)
				fail_msg("two %s findings", rule);
			f = l->v[i];
		}
	if (!f)
		fail_msg("no %s finding (of %zu)", rule, l->n);
	return f;
}

static size_t count(const struct mh_findings *l, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += !strcmp(l->v[i]->rule_id, rule);
	return n;
}

/* A Management Activity API record, one line. */
static char *ual(char *buf, size_t n, const char *op, const char *user,
                 const char *time, const char *params, const char *extra)
{
	snprintf(buf, n,
	         "{\"CreationTime\":\"%s\",\"Id\":\"id-%s-%s-%zu\","
	         "\"Operation\":\"%s\",\"OrganizationId\":\"o\","
	         "\"RecordType\":1,\"ResultStatus\":\"True\",\"UserKey\":\"k\","
	         "\"UserType\":2,\"Version\":1,\"Workload\":\"Exchange\","
	         "\"ClientIP\":\"203.0.113.7:51000\",\"UserId\":\"%s\","
	         "\"OrganizationName\":\"corp.onmicrosoft.com\","
	         "\"Parameters\":[%s]%s%s}\n",
	         time, op, time, strlen(params), op, user, params,
	         extra && *extra ? "," : "", extra ? extra : "");
	return buf;
}

#define P(n, v) "{\"Name\":\"" n "\",\"Value\":\"" v "\"}"

/* MARK: - MH-AUD-HIDE */

static void test_hide_sekoia_shape(void **state)
{
	(void)state;
	char b[4096];
	ual(b, sizeof(b), "New-InboxRule", "user1@corp.example",
	    "2023-05-24T15:10:53",
	    P("ForwardTo", "bob@example.org") "," P("Name", "RULE_NAME") "," P(
	            "DeleteMessage", "True") "," P("MarkAsRead",
	                                           "True") "," P("MoveToFolder",
	                                                         "Historique "
	                                                         "des "
	                                                         "conversatio"
	                                                         "ns"),
	    NULL);
	struct mh_findings l;
	judge("a.jsonl", b, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
	assert_int_equal(f->level, MH_LEVEL_CRITICAL);
	/* Hiding: the forward is the forwarding picture's finding. */
	assert_string_equal(f->technique, "T1564.008");
	assert_string_equal(mh_finding_attr_get(f, "rule_name"), "RULE_NAME");
	assert_non_null(strstr(mh_finding_attr_get(f, "actions"),
	                       "Historique des conversations"));
	assert_non_null(strstr(f->summary, "Conversation History"));
	assert_string_equal(f->mailbox, "user1@corp.example");
	assert_null(f->actor); /* the owner did it */
	assert_string_equal(f->client_ip, "203.0.113.7");
	assert_null(f->destination);
	assert_non_null(strstr(mh_finding_attr_get(f, "forward_to"),
	                       "bob@example.org"));
	assert_int_equal(f->nevidence, 1);
	assert_int_equal(f->evidence[0].record, 1);
	assert_int_equal(f->evidence[0].line, 1);
	assert_non_null(strstr(f->evidence[0].fields, "DeleteMessage=True"));
	assert_non_null(strstr(f->remediation, "Remove-InboxRule"));
	assert_true(mh_finding_has_tag(f, (const char *[]){"attack.t1564"}, 1));
	mh_findings_release(&l);
}

/* Each localized hiding folder, its kind's level. */
static void test_hide_folders(void **state)
{
	(void)state;
	static const struct {
		const char *folder;
		enum mh_level level;
	} c[] = {
	        {"RSS-Abonnements", MH_LEVEL_MEDIUM},
	        {"Flux RSS", MH_LEVEL_MEDIUM},
	        {"Fuentes RSS", MH_LEVEL_MEDIUM},
	        {"user1:\\\\RSS Feeds", MH_LEVEL_MEDIUM},
	        {"Cronologia conversazioni", MH_LEVEL_MEDIUM},
	        {"UNTERHALTUNGSVERLAUF", MH_LEVEL_MEDIUM},
	        {"Historial de conversaciones", MH_LEVEL_MEDIUM},
	        {"Notizen", MH_LEVEL_MEDIUM},
	        {"COURRIER IND\xc3\x89SIRABLE", MH_LEVEL_LOW},
	        {"Junk-E-Mail", MH_LEVEL_LOW},
	        {"Posta indesiderata", MH_LEVEL_LOW},
	        {"\\\\Gel\xc3\xb6schte Elemente", MH_LEVEL_LOW},
	        {"Elementos eliminados", MH_LEVEL_LOW},
	        {"\xc3\x89l\xc3\xa9ments supprim\xc3\xa9s", MH_LEVEL_LOW},
	        {"Archivio", MH_LEVEL_LOW},
	        /* look-alikes: ordinary folders are filing (reported at
	         * informational only with StopProcessingRules, below) */
	        {"Feeds", (enum mh_level) - 1},
	        {"Projects RSSI", (enum mh_level) - 1},
	        {"Archived projects", (enum mh_level) - 1},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char p[512], b[4096];
		snprintf(p, sizeof(p),
		         P("Name", "filing") ",{\"Name\":\"MoveToFolder\","
		                             "\"Value\":\"%s\"}",
		         c[i].folder);
		ual(b, sizeof(b), "New-InboxRule", "u@corp.example",
		    "2024-01-02T10:00:00", p, NULL);
		struct mh_findings l;
		judge("f.jsonl", b, &l);
		if ((int)c[i].level < 0) {
			if (l.n)
				fail_msg("'%s': %zu findings, want none",
				         c[i].folder, l.n);
			mh_findings_release(&l);
			continue;
		}
		const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
		if (f->level != c[i].level)
			fail_msg("'%s': level %s, want %s", c[i].folder,
			         mh_level_name(f->level),
			         mh_level_name(c[i].level));
		assert_string_equal(f->technique, "T1564.008");
		mh_findings_release(&l);
	}
}

static enum mh_level level_of(const char *params)
{
	char b[4096];
	ual(b, sizeof(b), "New-InboxRule", "u@corp.example",
	    "2024-01-02T10:00:00", params, NULL);
	struct mh_findings l;
	judge("w.jsonl", b, &l);
	enum mh_level lv =
	        l.n ? only(&l, "MH-AUD-HIDE")->level : (enum mh_level) - 1;
	mh_findings_release(&l);
	return lv;
}

/* A move to an ordinary folder that stops later rules: informational. */
static void test_hide_filing_stop(void **state)
{
	(void)state;
	char b[4096];
	ual(b, sizeof(b), "New-InboxRule", "homer@corp.example",
	    "2025-07-07T09:11:11",
	    P("Name", "Move emails") "," P("MoveToFolder", "MYFolder") "," P(
	            "FromAddressContainsWords",
	            "specialsender") "," P("StopProcessingRules", "True"),
	    NULL);
	struct mh_findings l;
	judge("stop.jsonl", b, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
	assert_int_equal(f->level, MH_LEVEL_INFO);
	assert_string_equal(f->technique, "T1564.008");
	assert_non_null(strstr(f->summary, "files mail away"));
	mh_findings_release(&l);
}

/* Finance and incident words in four languages raise a hiding rule. */
static void test_hide_words(void **state)
{
	(void)state;
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P("DeleteMessage", "True")),
	        MH_LEVEL_MEDIUM);
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P(
	                "DeleteMessage", "True") "," P("SubjectContainsWords",
	                                               "Rechnungsnummer")),
	        MH_LEVEL_HIGH);
	assert_int_equal(level_of(P("Name", "my rule") "," P(
	                         "DeleteMessage",
	                         "True") "," P("SubjectOrBodyContainsWords",
	                                       "\xc3\x9c"
	                                       "berweisung")),
	                 MH_LEVEL_HIGH);
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P("MarkAsRead", "True") "," P(
	                "MoveToFolder", "Archive") "," P("BodyContainsWords",
	                                                 "mot de passe")),
	        MH_LEVEL_HIGH);
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P(
	                "DeleteMessage", "True") "," P("From", "security@"
	                                                       "contoso."
	                                                       "com")),
	        MH_LEVEL_HIGH);
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P(
	                "DeleteMessage", "True") "," P("SubjectContainsWords",
	                                               "fattura")),
	        MH_LEVEL_HIGH);
	/* look-alikes: a whole-word entry inside a longer word, a word
	 * inside another word */
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P(
	                "DeleteMessage", "True") "," P("SubjectContainsWords",
	                                               "wireless "
	                                               "offers")),
	        MH_LEVEL_MEDIUM);
	assert_int_equal(
	        level_of(P("Name", "my rule") "," P(
	                "DeleteMessage", "True") "," P("SubjectContainsWords",
	                                               "webinars, "
	                                               "unbanked")),
	        MH_LEVEL_MEDIUM);
	/* a failed change is an attempt, one level lower */
	char b[4096], b2[4096];
	ual(b, sizeof(b), "New-InboxRule", "u@corp.example",
	    "2024-01-02T10:00:00",
	    P("Name", "my rule") "," P("DeleteMessage", "True"), NULL);
	char *rs = strstr(b, "\"ResultStatus\":\"True\"");
	assert_non_null(rs);
	snprintf(b2, sizeof(b2), "%.*s\"ResultStatus\":\"Failed\"%s",
	         (int)(rs - b), b, rs + strlen("\"ResultStatus\":\"True\""));
	struct mh_findings l;
	judge("fail.jsonl", b2, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
	assert_int_equal(f->level, MH_LEVEL_LOW);
	assert_non_null(strstr(f->summary, "attempt"));
	mh_findings_release(&l);
}

/* Rules that neither hide nor forward: nothing (the Sentinel lab's
 * 'junk' rule pins messages), and Set-InboxRule turning hiding off. */
static void test_hide_negatives(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	o += strlen(ual(
	        b + o, sizeof(b) - o, "New-InboxRule", "adelev@corp.example",
	        "2021-04-28T15:05:26",
	        P("Name", "junk") "," P("SubjectContainsWords", "legal") "," P(
	                "PinMessage", "True") "," P("StopProcessingRules",
	                                            "True"),
	        NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Set-InboxRule",
	                "adelev@corp.example", "2021-04-28T15:06:26",
	                P("Identity",
	                  "adelev\\\\old rule") "," P("DeleteMessage", "False"),
	                NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Remove-InboxRule",
	                "adelev@corp.example", "2021-04-28T15:07:26",
	                P("Identity", "adelev\\\\old rule"), NULL));
	struct mh_findings l;
	judge("neg.jsonl", b, &l);
	assert_int_equal(l.n, 0);
	mh_findings_release(&l);
}

/* UpdateInboxRules from Outlook: DeferAction alone is a client-side
 * rule; Delete in RuleActions hides; a move by folder id is filing,
 * unless the id names a default folder (EWS DistinguishedFolderId:
 * "junkemail" hides a little, "conversationhistory" more). */
static void test_hide_update_inbox_rules(void **state)
{
	(void)state;
	static const char fmt[] =
	        "{\"CreationTime\":\"2025-02-13T09:53:%02d\",\"Id\":\"u%d\","
	        "\"Operation\":\"UpdateInboxRules\",\"RecordType\":2,"
	        "\"ResultStatus\":\"Succeeded\",\"UserType\":0,"
	        "\"Workload\":\"Exchange\",\"ClientIP\":\"1.2.3.4\","
	        "\"UserId\":\"user1@corp.example\",\"ClientInfoString\":"
	        "\"Client=MSExchangeRPC\",\"LogonType\":0,"
	        "\"MailboxOwnerUPN\":\"user1@corp.example\","
	        "\"OperationProperties\":[{\"Name\":\"RuleOperation\","
	        "\"Value\":\"AddMailboxRule\"},{\"Name\":\"RuleState\","
	        "\"Value\":\"Enabled, ExitAfterExecution\"},{\"Name\":"
	        "\"RuleCondition\",\"Value\":\"{(SubString IgnoreCase("
	        "SubjectProperty)=%s)}\"},{\"Name\":\"RuleName\",\"Value\":"
	        "\"%s\"},{\"Name\":\"RuleActions\",\"Value\":\"%s\"}]}\n";
	char b[8192];
	size_t o = 0;
	o += (size_t)snprintf(
	        b + o, sizeof(b) - o, fmt, 1, 1, "Incident - ", "MyRule",
	        "[{\\\"ActionType\\\":\\\"DeferAction\\\",\\\"LengthOfDeferData"
	        "\\\":\\\"1453\\\"}]");
	o += (size_t)snprintf(b + o, sizeof(b) - o, fmt, 2, 2, "phishing",
	                      "zap", "[{\\\"ActionType\\\":\\\"Delete\\\"}]");
	o += (size_t)snprintf(
	        b + o, sizeof(b) - o, fmt, 3, 3, "newsletter", "filing",
	        "[{\\\"ActionType\\\":\\\"Move\\\",\\\"DestinationFolderId\\\":"
	        "\\\"AAMk\\\",\\\"FolderIsInThisStore\\\":\\\"True\\\"}]");
	o += (size_t)snprintf(
	        b + o, sizeof(b) - o, fmt, 4, 4, "weekly digest", "junky",
	        "[{\\\"ActionType\\\":\\\"Move\\\",\\\"DestinationFolderId\\\":"
	        "\\\"junkemail\\\"}]");
	o += (size_t)snprintf(b + o, sizeof(b) - o, fmt, 5, 5, "weekly digest",
	                      "hist",
	                      "[{\\\"ActionType\\\":\\\"MoveToFolder\\\","
	                      "\\\"DistinguishedFolderId"
	                      "\\\":\\\"conversationhistory\\\"}]");
	struct mh_findings l;
	judge("uir.jsonl", b, &l);
	assert_int_equal(count(&l, "MH-AUD-HIDE"), 4);
	for (size_t i = 0; i < l.n; i++) {
		const struct mh_finding *f = l.v[i];
		const char *n = mh_finding_attr_get(f, "rule_name");
		assert_non_null(n);
		assert_string_not_equal(n, "MyRule");
		if (!strcmp(n, "zap")) {
			/* deletes, keyed on 'phish' */
			assert_int_equal(f->level, MH_LEVEL_HIGH);
			assert_string_equal(f->app, "Client=MSExchangeRPC");
		} else if (!strcmp(n, "junky")) {
			assert_int_equal(f->level, MH_LEVEL_LOW);
			assert_non_null(strstr(f->summary,
			                       "hides mail: moves to "
			                       "'junkemail' (Junk "
			                       "Email)"));
		} else if (!strcmp(n, "hist")) {
			assert_int_equal(f->level, MH_LEVEL_MEDIUM);
			assert_non_null(
			        strstr(f->summary, "(Conversation History)"));
		} else {
			assert_string_equal(n, "filing");
			assert_int_equal(f->level, MH_LEVEL_INFO);
		}
	}
	mh_findings_release(&l);
}

/* A hiding rule removed later says so, with the removal as evidence;
 * another rule's removal, or one before it was made, does not count. */
static void test_hide_removed_later(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	o += strlen(ual(b + o, sizeof(b) - o, "Remove-InboxRule",
	                "kim@corp.example", "2024-04-01T08:00:00",
	                P("Identity", "kim\\\\zz"), NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule",
	                "kim@corp.example", "2024-04-01T09:00:00",
	                P("Name", "zz") "," P("DeleteMessage", "True"), NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Remove-InboxRule",
	                "kim@corp.example", "2024-04-01T09:30:00",
	                P("Identity", "kim\\\\other"), NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Disable-InboxRule",
	                "kim@corp.example", "2024-04-01T10:00:00",
	                P("Identity", "kim\\\\ZZ"), NULL));
	struct mh_findings l;
	judge("removed.jsonl", b, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
	assert_int_equal(l.n, 1);
	assert_string_equal(mh_finding_attr_get(f, "removed"),
	                    "removed or disabled at 2024-04-01T10:00:00Z "
	                    "(3600 s later)");
	assert_int_equal(f->nevidence, 2);
	assert_int_equal(f->evidence[1].record, 4);
	mh_findings_release(&l);
}

/* A hiding rule disabled and enabled again hides mail again: said with
 * both times (details disabled_at, enabled_again_at) and both records,
 * not as removed. Disabled again after the enable, it is removed at that
 * disable; a failed Enable-InboxRule changes nothing; an enable in the
 * same second as the disable is the reading kept (as for forwarding). */
static void test_hide_enabled_again(void **state)
{
	(void)state;
	struct {
		const char *dis, *en, *dis2;
		int en_failed;
		const char *removed, *disabled_at, *enabled_at;
		size_t nev;
		uint64_t last_record;
	} c[] = {
	        {"2024-04-01T10:00:00", "2024-04-01T11:00:00", NULL, 0, NULL,
	         "2024-04-01T10:00:00Z", "2024-04-01T11:00:00Z", 3, 3},
	        {"2024-04-01T10:00:00", "2024-04-01T11:00:00",
	         "2024-04-01T12:00:00", 0,
	         "removed or disabled at 2024-04-01T12:00:00Z (10800 s later)",
	         NULL, NULL, 2, 4},
	        {"2024-04-01T10:00:00", "2024-04-01T11:00:00", NULL, 1,
	         "removed or disabled at 2024-04-01T10:00:00Z (3600 s later)",
	         NULL, NULL, 2, 2},
	        {"2024-04-01T10:00:00", "2024-04-01T10:00:00", NULL, 0, NULL,
	         "2024-04-01T10:00:00Z", "2024-04-01T10:00:00Z", 3, 3},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char b[8192];
		size_t o = 0;
		o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule",
		                "kim@corp.example", "2024-04-01T09:00:00",
		                P("Name", "zz") "," P("DeleteMessage", "True"),
		                NULL));
		o += strlen(ual(b + o, sizeof(b) - o, "Disable-InboxRule",
		                "kim@corp.example", c[i].dis,
		                P("Identity", "kim\\\\zz"), NULL));
		char *en = b + o;
		o += strlen(ual(b + o, sizeof(b) - o, "Enable-InboxRule",
		                "kim@corp.example", c[i].en,
		                P("Identity", "kim\\\\ZZ"), NULL));
		if (c[i].en_failed) {
			char *st = strstr(en, "\"ResultStatus\":\"True\"");
			assert_non_null(st);
			memcpy(st + 16, "Fail",
			       4); /* "True" -> "Fail": failed */
		}
		if (c[i].dis2)
			o += strlen(ual(b + o, sizeof(b) - o,
			                "Disable-InboxRule", "kim@corp.example",
			                c[i].dis2, P("Identity", "kim\\\\Zz"),
			                NULL));
		struct mh_findings l;
		judge("enabled.jsonl", b, &l);
		const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
		assert_int_equal(l.n, 1);
		const char *rm = mh_finding_attr_get(f, "removed"),
		           *da = mh_finding_attr_get(f, "disabled_at"),
		           *ea = mh_finding_attr_get(f, "enabled_again_at");
		if (c[i].removed) {
			assert_non_null(rm);
			assert_string_equal(rm, c[i].removed);
		} else {
			assert_null(rm);
		}
		if (c[i].disabled_at) {
			assert_non_null(da);
			assert_non_null(ea);
			assert_string_equal(da, c[i].disabled_at);
			assert_string_equal(ea, c[i].enabled_at);
		} else {
			assert_null(da);
			assert_null(ea);
		}
		assert_int_equal(f->nevidence, c[i].nev);
		assert_int_equal(f->evidence[f->nevidence - 1].record,
		                 c[i].last_record);
		mh_findings_release(&l);
	}
}

/* MARK: - MH-AUD-RULENAME */

static void test_rulename(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	/* forwards only, named '..': the name alone is said */
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule", "a@corp.example",
	                "2024-03-01T10:00:00",
	                P("Name", "..") "," P("ForwardTo", "x@evil.example"),
	                NULL));
	/* marks read, named 'dd': the hiding finding one level up */
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule", "b@corp.example",
	                "2024-03-01T10:00:00",
	                P("Name", "dd") "," P("MarkAsRead", "True"), NULL));
	/* files mail into a folder of its own, named '.': the name */
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule", "e@corp.example",
	                "2024-03-01T10:00:00",
	                P("Name", ".") "," P("MoveToFolder", "Projects"),
	                NULL));
	/* look-alikes: a CJK one-character name, a three-letter name */
	o += strlen(ual(
	        b + o, sizeof(b) - o, "New-InboxRule", "c@corp.example",
	        "2024-03-01T10:00:00",
	        P("Name", "\xe5\x8f\x91") "," P("ForwardTo", "x@corp.example"),
	        NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule", "d@corp.example",
	                "2024-03-01T10:00:00",
	                P("Name", "ABC") "," P("ForwardTo", "x@corp.example"),
	                NULL));
	struct mh_findings l;
	judge("name.jsonl", b, &l);
	assert_int_equal(count(&l, "MH-AUD-RULENAME"), 2);
	for (size_t i = 0; i < l.n; i++)
		if (!strcmp(l.v[i]->rule_id, "MH-AUD-RULENAME")) {
			assert_int_equal(l.v[i]->level, MH_LEVEL_LOW);
			assert_true(
			        !strcmp(l.v[i]->mailbox, "a@corp.example") ||
			        !strcmp(l.v[i]->mailbox, "e@corp.example"));
		}
	const struct mh_finding *f = only(&l, "MH-AUD-HIDE");
	assert_int_equal(f->level, MH_LEVEL_MEDIUM);
	assert_string_equal(mh_finding_attr_get(f, "obfuscated_name"), "true");
	assert_int_equal(l.n, 3);
	mh_findings_release(&l);
}

/* MARK: - MH-AUD-BEC-SEQ */

static char *item_op(char *buf, size_t n, const char *op, const char *user,
                     const char *time, const char *folder)
{
	snprintf(buf, n,
	         "{\"CreationTime\":\"%s\",\"Id\":\"%s-%s-%s\",\"Operation\":"
	         "\"%s\",\"RecordType\":2,\"ResultStatus\":\"Succeeded\","
	         "\"UserType\":0,\"Workload\":\"Exchange\",\"UserId\":\"%s\","
	         "\"ClientIP\":\"198.51.100.9\",\"MailboxOwnerUPN\":\"%s\","
	         "\"LogonType\":0,\"Folder\":{\"Id\":\"f\",\"Path\":\"%s\"},"
	         "\"DestFolder\":{\"Id\":\"g\",\"Path\":\"\\\\Deleted Items\"}"
	         "}\n",
	         time, op, user, time, op, user, user, folder);
	return buf;
}

static void test_bec_sequence(void **state)
{
	(void)state;
	char b[16384];
	size_t o = 0;
	/* victim: rule, send 3 min later, move from Sent Items 5 min later */
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule",
	                "victim@corp.example", "2024-05-01T08:00:00",
	                P("Name", "my rule") "," P("MoveToFolder", "RSS Feeds"),
	                NULL));
	o += strlen(item_op(b + o, sizeof(b) - o, "Send", "victim@corp.example",
	                    "2024-05-01T08:03:00", "\\\\Sent Items"));
	o += strlen(item_op(b + o, sizeof(b) - o, "MoveToDeletedItems",
	                    "victim@corp.example", "2024-05-01T08:05:00",
	                    "\\\\Sent Items"));
	/* look-alike: the move comes 13 minutes after the rule */
	o += strlen(ual(b + o, sizeof(b) - o, "New-InboxRule",
	                "slow@corp.example", "2024-05-01T08:00:00",
	                P("Name", "y") "," P("MoveToFolder", "RSS Feeds"),
	                NULL));
	o += strlen(item_op(b + o, sizeof(b) - o, "Send", "slow@corp.example",
	                    "2024-05-01T08:03:00", "\\\\Sent Items"));
	o += strlen(item_op(b + o, sizeof(b) - o, "Move", "slow@corp.example",
	                    "2024-05-01T08:13:01", "\\\\Sent Items"));
	/* look-alike: another user's move; a move out of the Inbox */
	o += strlen(item_op(b + o, sizeof(b) - o, "Move", "other@corp.example",
	                    "2024-05-01T08:04:00", "\\\\Sent Items"));
	o += strlen(item_op(b + o, sizeof(b) - o, "Move", "victim@corp.example",
	                    "2024-05-01T08:04:00", "\\\\Inbox"));
	struct mh_findings l;
	judge_split("bec.jsonl", b, 3, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-BEC-SEQ");
	assert_int_equal(f->level, MH_LEVEL_HIGH);
	assert_string_equal(f->mailbox, "victim@corp.example");
	assert_int_equal(f->nevidence, 3);
	assert_int_equal(f->evidence[0].record, 1);
	assert_int_equal(f->evidence[1].record, 2);
	assert_int_equal(f->evidence[2].record, 3);
	assert_non_null(strstr(f->summary, "300 s"));
	mh_findings_release(&l);
}

/* MARK: - section C */

static void test_permissions(void **state)
{
	(void)state;
	char b[16384];
	size_t o = 0;
	o += strlen(ual(
	        b + o, sizeof(b) - o, "Add-MailboxPermission",
	        "admin@corp.example", "2024-06-01T09:00:00",
	        P("Identity", "ceo@corp.example") "," P(
	                "User",
	                "intruder@corp."
	                "example") "," P("AccessRights",
	                                 "FullAccess") "," P("InheritanceType",
	                                                     "All"),
	        NULL));
	/* provisioning by the system: not a finding */
	o += strlen(
	        ual(b + o, sizeof(b) - o, "Add-MailboxPermission",
	            "NT AUTHORITY\\\\SYSTEM (Microsoft.Exchange.Servicehost)",
	            "2024-06-01T09:00:01",
	            P("Identity", "DiscoverySearchMailbox{D919BA05}") "," P(
	                    "User", "Discovery Management") "," P("AccessRi"
	                                                          "ghts",
	                                                          "FullAcce"
	                                                          "ss"),
	            NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Add-MailboxFolderPermission",
	                "admin@corp.example", "2024-06-01T09:01:00",
	                P("Identity", "cfo@corp.example:\\\\Inbox") "," P(
	                        "User", "Defaul"
	                                "t") "," P("AccessRights", "Reviewer"),
	                NULL));
	/* a calendar shared with everyone: not mail */
	o += strlen(ual(b + o, sizeof(b) - o, "Add-MailboxFolderPermission",
	                "admin@corp.example", "2024-06-01T09:02:00",
	                P("Identity", "cfo@corp.example:\\\\Calendar") "," P(
	                        "Use"
	                        "r",
	                        "Def"
	                        "aul"
	                        "t") "," P("AccessRights", "Reviewer"),
	                NULL));
	/* visibility only: no ReadItems */
	o += strlen(ual(
	        b + o, sizeof(b) - o, "Add-MailboxFolderPermission",
	        "admin@corp.example", "2024-06-01T09:03:00",
	        P("Identity", "cfo@corp.example:\\\\Inbox") "," P(
	                "User", "bob") "," P("AccessRights", "FolderVisible"),
	        NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Add-RecipientPermission",
	                "admin@corp.example", "2024-06-01T09:04:00",
	                P("Identity", "ceo@corp.example") "," P(
	                        "Trustee",
	                        "intruder@corp."
	                        "example") "," P("AccessRights", "SendAs"),
	                NULL));
	struct mh_findings l;
	judge("perm.jsonl", b, &l);
	assert_int_equal(count(&l, "MH-AUD-PERM"), 3);
	const struct mh_finding *f = l.v[0];
	assert_string_equal(f->rule_id, "MH-AUD-PERM");
	assert_int_equal(f->level, MH_LEVEL_MEDIUM);
	size_t low = 0, folder = 0;
	for (size_t i = 0; i < l.n; i++) {
		f = l.v[i];
		assert_string_equal(f->technique, "T1114.002");
		assert_string_equal(f->actor, "admin@corp.example");
		if (f->level == MH_LEVEL_LOW)
			low++;
		if (mh_finding_attr_get(f, "folder")) {
			folder++;
			assert_string_equal(f->mailbox, "cfo@corp.example");
			assert_string_equal(mh_finding_attr_get(f, "grantee"),
			                    "Default");
			assert_non_null(strstr(f->summary, "everyone"));
		}
	}
	assert_int_equal(low, 1); /* SendAs */
	assert_int_equal(folder, 1);
	mh_findings_release(&l);
}

/* The mailbox audit's folder-permission records: the Elastic and
 * Sentinel samples' system provisioning stays quiet, a user opening an
 * Inbox to everyone does not. */
static void test_folder_permission_records(void **state)
{
	(void)state;
	static const char fmt[] =
	        "{\"OrganizationName\":\"t.onmicrosoft.com\",\"Operation\":"
	        "\"ModifyFolderPermissions\",\"ClientIPAddress\":\"::1\","
	        "\"Item\":{\"Id\":\"i\",\"ParentFolder\":{\"Path\":\"%s\","
	        "\"MemberRights\":\"ReadAny, Visible\",\"MemberSid\":\"S-1-8\","
	        "\"Id\":\"p\",\"MemberUpn\":\"%s\",\"Name\":\"n\"}},"
	        "\"RecordType\":2,\"ClientInfoString\":\"%s\","
	        "\"MailboxOwnerUPN\":\"AllCompany@t.onmicrosoft.com\","
	        "\"ResultStatus\":\"Succeeded\",\"LogonType\":1,\"ClientIP\":"
	        "\"::1\",\"Workload\":\"Exchange\",\"UserId\":\"%s\","
	        "\"CreationTime\":\"2020-02-17T08:53:4%d\",\"Id\":\"mf%d\","
	        "\"UserType\":2}\n";
	char b[8192];
	size_t o = 0;
	o += (size_t)snprintf(b + o, sizeof(b) - o, fmt, "\\\\Calendar",
	                      "Member@local",
	                      "Client=WebServices;Action=ConfigureGroupMailbox",
	                      "S-1-5-18", 1, 1);
	o += (size_t)snprintf(b + o, sizeof(b) - o, fmt, "\\\\Inbox",
	                      "Default@local",
	                      "Client=WebServices;Action=ConfigureGroupMailbox",
	                      "S-1-5-18", 2, 2);
	o += (size_t)snprintf(b + o, sizeof(b) - o, fmt, "\\\\Inbox",
	                      "Default@local", "Client=OWA;Action=ViaProxy",
	                      "mallory@t.onmicrosoft.com", 3, 3);
	struct mh_findings l;
	judge("mfp.jsonl", b, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-PERM");
	assert_int_equal(l.n, 1);
	assert_string_equal(f->actor, "mallory@t.onmicrosoft.com");
	assert_string_equal(mh_finding_attr_get(f, "folder"), "\\Inbox");
	mh_findings_release(&l);
}

/* Get-MailboxPermission and Get-MailboxFolderPermission exports: standing
 * grants, no time; inherited, denied, self and system rows are quiet. */
static void test_permission_snapshots(void **state)
{
	(void)state;
	struct mh_findings l;
	judge("mbxperm.csv",
	      "\"Identity\",\"User\",\"AccessRights\",\"IsInherited\","
	      "\"Deny\"\r\n"
	      "\"ceo\",\"CORP\\\\eve\",\"{FullAccess}\",\"False\","
	      "\"False\"\r\n"
	      "\"ceo\",\"NT AUTHORITY\\SELF\",\"{FullAccess, ReadPermission}\","
	      "\"False\",\"False\"\r\n"
	      "\"ceo\",\"CORP\\\\Domain Admins\",\"{FullAccess}\",\"True\","
	      "\"False\"\r\n"
	      "\"ceo\",\"CORP\\\\bob\",\"{FullAccess}\",\"False\","
	      "\"True\"\r\n"
	      "\"ceo\",\"CORP\\\\amy\",\"{ReadPermission}\",\"False\","
	      "\"False\"\r\n",
	      &l);
	const struct mh_finding *f = only(&l, "MH-AUD-PERM");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_LOW);
	assert_string_equal(f->mailbox, "ceo");
	assert_int_equal(f->first_seen, MH_TS_NONE);
	assert_non_null(strstr(f->summary, "standing grant"));
	mh_findings_release(&l);

	judge("folderperm.json",
	      "[{\"Identity\":\"cfo:\\\\Inbox\",\"FolderName\":\"Inbox\","
	      "\"User\":\"Default\",\"AccessRights\":[\"Reviewer\"]},"
	      "{\"Identity\":\"cfo:\\\\Calendar\",\"FolderName\":\"Calendar\","
	      "\"User\":\"Default\",\"AccessRights\":[\"Reviewer\"]},"
	      "{\"Identity\":\"cfo:\\\\Inbox\",\"FolderName\":\"Inbox\","
	      "\"User\":\"Anonymous\",\"AccessRights\":[\"None\"]},"
	      "{\"Identity\":\"cfo:\\\\Inbox\",\"FolderName\":\"Inbox\","
	      "\"User\":\"assistant\",\"AccessRights\":[\"Editor\"]}]\n",
	      &l);
	f = only(&l, "MH-AUD-PERM");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_MEDIUM);
	assert_string_equal(f->mailbox, "cfo");
	assert_string_equal(mh_finding_attr_get(f, "folder"), "Inbox");
	mh_findings_release(&l);
}

static void test_impersonation(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	o += strlen(ual(b + o, sizeof(b) - o, "New-ManagementRoleAssignment",
	                "admin@corp.example", "2024-07-01T10:00:00",
	                P("Name", "imp1") "," P(
	                        "Role",
	                        "ApplicationImpersonati"
	                        "on") "," P("User", "svc-sniper@corp.example"),
	                NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Remove-ManagementRoleAssignment",
	                "admin@corp.example", "2024-07-01T10:09:00",
	                P("Identity", "imp1"), NULL));
	/* look-alike: another role */
	o += strlen(
	        ual(b + o, sizeof(b) - o, "New-ManagementRoleAssignment",
	            "admin@corp.example", "2024-07-01T11:00:00",
	            P("Role", "Mail Recipients") "," P("User", "helpdesk@corp."
	                                                       "example"),
	            NULL));
	struct mh_findings l;
	judge("imp.jsonl", b, &l);
	const struct mh_finding *f = only(&l, "MH-AUD-IMPERSONATION");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_HIGH);
	assert_string_equal(mh_finding_attr_get(f, "grantee"),
	                    "svc-sniper@corp.example");
	assert_non_null(mh_finding_attr_get(f, "removed"));
	assert_non_null(strstr(f->summary, "540 s"));
	assert_int_equal(f->nevidence, 2);
	mh_findings_release(&l);
}

static void test_export(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	/* ProxyShell: a PST written where IIS serves it */
	o += strlen(ual(b + o, sizeof(b) - o, "New-MailboxExportRequest",
	                "admin@corp.example", "2024-08-01T10:00:00",
	                P("Mailbox", "ceo@corp.example") "," P("FilePath",
	                                                       "\\\\\\\\exch01"
	                                                       "\\\\c$\\\\inet"
	                                                       "pub\\\\wwwroot"
	                                                       "\\\\aspnet_cli"
	                                                       "ent\\\\x.aspx"),
	                NULL));
	/* a share, then the request removed 20 minutes later */
	o += strlen(ual(b + o, sizeof(b) - o, "New-MailboxExportRequest",
	                "ops@corp.example", "2024-08-01T11:00:00",
	                P("Mailbox", "cfo@corp.example") "," P("FilePath",
	                                                       "\\\\\\\\fs01"
	                                                       "\\\\pst\\\\cfo."
	                                                       "pst"),
	                NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Remove-MailboxExportRequest",
	                "ops@corp.example", "2024-08-01T11:20:00",
	                P("Identity", "cfo\\\\MailboxExport"), NULL));
	/* a share, removed two hours later: not joined */
	o += strlen(ual(b + o, sizeof(b) - o, "New-MailboxExportRequest",
	                "legal@corp.example", "2024-08-01T12:00:00",
	                P("Mailbox", "leaver@corp.example") "," P("FilePath",
	                                                          "\\\\\\\\fs01"
	                                                          "\\\\pst\\\\l"
	                                                          ".pst"),
	                NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "Remove-MailboxExportRequest",
	                "legal@corp.example", "2024-08-01T14:00:01",
	                P("Identity", "leaver\\\\MailboxExport"), NULL));
	struct mh_findings l;
	judge("exp.jsonl", b, &l);
	assert_int_equal(count(&l, "MH-AUD-EXPORT"), 3);
	for (size_t i = 0; i < l.n; i++) {
		const struct mh_finding *f = l.v[i];
		if (!strcmp(f->mailbox, "ceo@corp.example")) {
			assert_int_equal(f->level, MH_LEVEL_CRITICAL);
			assert_non_null(strstr(f->summary, "web server"));
		} else if (!strcmp(f->mailbox, "cfo@corp.example")) {
			assert_int_equal(f->level, MH_LEVEL_CRITICAL);
			assert_non_null(mh_finding_attr_get(f, "removed"));
			assert_int_equal(f->nevidence, 2);
		} else {
			assert_string_equal(f->mailbox, "leaver@corp.example");
			assert_int_equal(f->level, MH_LEVEL_HIGH);
			assert_null(mh_finding_attr_get(f, "removed"));
		}
	}
	mh_findings_release(&l);
}

static void test_ediscovery(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	o += strlen(ual(b + o, sizeof(b) - o, "New-ComplianceSearch",
	                "inv@corp.example", "2024-09-01T10:00:00",
	                P("Name", "s1") "," P("ExchangeLocation", "All") "," P(
	                        "ContentMatchQuery", "password OR "
	                                             "invoice"),
	                NULL));
	o += strlen(ual(b + o, sizeof(b) - o, "New-ComplianceSearchAction",
	                "inv@corp.example", "2024-09-01T10:30:00",
	                P("SearchName",
	                  "s1") "," P("Export", "True") "," P("Format", "FxStre"
	                                                                "am"),
	                NULL));
	/* look-alike: a purge deletes, it does not collect */
	o += strlen(
	        ual(b + o, sizeof(b) - o, "New-ComplianceSearchAction",
	            "inv@corp.example", "2024-09-01T11:00:00",
	            P("SearchName", "phish-cleanup") "," P(
	                    "Purge", "True") "," P("PurgeType", "SoftDelete"),
	            NULL));
	struct mh_findings l;
	judge("ed.jsonl", b, &l);
	/* the search and its export: one finding, the export's level, the
	 * query from the record that made the search */
	const struct mh_finding *f = only(&l, "MH-AUD-EDISCOVERY");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_HIGH);
	assert_string_equal(mh_finding_attr_get(f, "format"), "FxStream");
	assert_string_equal(mh_finding_attr_get(f, "query"),
	                    "password OR invoice");
	assert_string_equal(mh_finding_attr_get(f, "search"), "s1");
	assert_null(f->mailbox); /* ExchangeLocation All */
	assert_int_equal(f->nevidence, 2);
	mh_findings_release(&l);
}

static void test_alert_and_activesync(void **state)
{
	(void)state;
	char b[8192];
	size_t o = 0;
	o += (size_t)snprintf(
	        b + o, sizeof(b) - o,
	        "{\"CreationTime\":\"2024-10-01T10:00:00\",\"Id\":\"al1\","
	        "\"Operation\":\"AlertTriggered\",\"RecordType\":40,"
	        "\"ResultStatus\":\"Succeeded\",\"UserId\":"
	        "\"SecurityComplianceAlerts\","
	        "\"Workload\":\"SecurityComplianceCenter\",\"Name\":"
	        "\"Suspicious email forwarding "
	        "activity\",\"Severity\":\"High\","
	        "\"AlertId\":\"a-1\",\"Category\":\"ThreatManagement\"}\n");
	o += (size_t)snprintf(
	        b + o, sizeof(b) - o,
	        "{\"CreationTime\":\"2024-10-01T10:00:01\",\"Id\":\"al2\","
	        "\"Operation\":\"AlertTriggered\",\"RecordType\":40,"
	        "\"ResultStatus\":\"Succeeded\",\"UserId\":"
	        "\"SecurityComplianceAlerts\","
	        "\"Workload\":\"SecurityComplianceCenter\",\"Name\":"
	        "\"Unusual volume of file deletion\",\"Severity\":\"Medium\","
	        "\"AlertId\":\"a-2\"}\n");
	o += strlen(ual(b + o, sizeof(b) - o, "Set-CASMailbox",
	                "admin@corp.example", "2024-10-01T11:00:00",
	                P("Identity", "ceo@corp.example") "," P(
	                        "ActiveSyncAllowedDeviceIDs", "SEC1A2B3C4D5E6"),
	                NULL));
	o += strlen(ual(
	        b + o, sizeof(b) - o, "Set-CASMailbox", "admin@corp.example",
	        "2024-10-01T11:01:00",
	        P("Identity", "ceo@corp.example") "," P("OWAEnabled", "False"),
	        NULL));
	struct mh_findings l;
	judge("alert.jsonl", b, &l);
	assert_int_equal(l.n, 2);
	const struct mh_finding *f = only(&l, "MH-AUD-ALERT");
	assert_int_equal(f->level, MH_LEVEL_HIGH);
	assert_string_equal(f->technique, "T1114.003");
	f = only(&l, "MH-AUD-ACTIVESYNC");
	assert_int_equal(f->level, MH_LEVEL_LOW);
	assert_string_equal(f->mailbox, "ceo@corp.example");
	mh_findings_release(&l);
}

/* An Entra ID Protection risk detection, exported as JSON (no audit
 * normaliser knows it: a plain record). */
static void test_entra_risk_detection(void **state)
{
	(void)state;
	struct mh_findings l;
	judge("risk.jsonl",
	      "{\"id\":\"rd1\",\"riskEventType\":\"suspiciousInboxForwarding\","
	      "\"riskLevel\":\"medium\",\"riskState\":\"atRisk\","
	      "\"userPrincipalName\":\"alice@corp.example\",\"ipAddress\":"
	      "\"198.51.100.4\",\"detectedDateTime\":\"2024-10-02T10:00:00Z\"}"
	      "\n"
	      "{\"id\":\"rd2\",\"riskEventType\":\"unfamiliarFeatures\","
	      "\"riskLevel\":\"low\",\"userPrincipalName\":\"bob@corp."
	      "example\"}\n",
	      &l);
	const struct mh_finding *f = only(&l, "MH-AUD-ALERT");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_MEDIUM);
	assert_string_equal(f->technique, "T1114.003");
	assert_string_equal(f->mailbox, "alice@corp.example");
	assert_string_equal(f->client_ip, "198.51.100.4");
	assert_int_equal(f->evidence[0].record, 1);
	assert_non_null(strstr(f->evidence[0].fields, "id=rd1"));
	mh_findings_release(&l);
}

/* MARK: - section D */

static void test_posture(void **state)
{
	(void)state;
	struct mh_findings l;
	judge("rd.json",
	      "[{\"Name\":\"Default\",\"DomainName\":\"*\","
	      "\"AutoForwardEnabled\":true,\"AutoReplyEnabled\":true},"
	      "{\"Name\":\"partner\",\"DomainName\":\"partner.example\","
	      "\"AutoForwardEnabled\":true},"
	      "{\"Name\":\"other\",\"DomainName\":\"other.example\","
	      "\"AutoForwardEnabled\":false}]\n",
	      &l);
	assert_int_equal(count(&l, "MH-CFG-REMOTEDOMAIN"), 2);
	assert_int_equal(l.v[0]->level, MH_LEVEL_MEDIUM);
	assert_string_equal(mh_finding_attr_get(l.v[0], "remote_domain"), "*");
	assert_int_equal(l.v[1]->level, MH_LEVEL_LOW);
	assert_int_equal(l.v[0]->first_seen, MH_TS_NONE);
	mh_findings_release(&l);

	static const char gws[] =
	        "{\"kind\":\"admin#reports#activity\",\"id\":{\"time\":"
	        "\"2024-11-01T10:00:0%d.000Z\",\"uniqueQualifier\":\"%d\","
	        "\"applicationName\":\"admin\",\"customerId\":\"C01\"},"
	        "\"actor\":{\"email\":\"admin@corp.example\"},\"ipAddress\":"
	        "\"192.0.2.1\",\"events\":[{\"type\":\"APPLICATION_SETTINGS\","
	        "\"name\":\"CHANGE_APPLICATION_SETTING\",\"parameters\":["
	        "{\"name\":\"APPLICATION_NAME\",\"value\":\"Gmail\"},"
	        "{\"name\":\"SETTING_NAME\",\"value\":\"%s\"},"
	        "{\"name\":\"NEW_VALUE\",\"value\":\"%s\"}]}]}\n";
	char b[8192];
	size_t o = 0;
	o += (size_t)snprintf(b + o, sizeof(b) - o, gws, 1, 1,
	                      "ENABLE_EMAIL_AUTOFORWARDING", "true");
	o += (size_t)snprintf(b + o, sizeof(b) - o, gws, 2, 2,
	                      "ENABLE_EMAIL_AUTOFORWARDING", "false");
	o += (size_t)snprintf(b + o, sizeof(b) - o, gws, 3, 3,
	                      "ENABLE_IMAP_ACCESS", "true");
	judge("gws.jsonl", b, &l);
	const struct mh_finding *f = only(&l, "MH-CFG-GMAILFWD");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_LOW);
	assert_string_equal(f->actor, "admin@corp.example");
	mh_findings_release(&l);

	o = 0;
	o += strlen(ual(b + o, sizeof(b) - o,
	                "Set-MailboxAuditBypassAssociation",
	                "admin@corp.example", "2024-12-01T10:00:00",
	                P("Identity", "svc-backup@corp.example") "," P(
	                        "AuditBypassEnabled", "True"),
	                NULL));
	o += strlen(ual(b + o, sizeof(b) - o,
	                "Set-MailboxAuditBypassAssociation",
	                "admin@corp.example", "2024-12-01T11:00:00",
	                P("Identity", "svc-old@corp.example") "," P(
	                        "AuditBypassEnabled", "False"),
	                NULL));
	judge("bypass.jsonl", b, &l);
	f = only(&l, "MH-CFG-AUDITBYPASS");
	assert_int_equal(l.n, 1);
	assert_int_equal(f->level, MH_LEVEL_HIGH);
	assert_string_equal(f->mailbox, "svc-backup@corp.example");
	mh_findings_release(&l);
}

/* MARK: - one rule seen twice; workers */

/* The New-InboxRule record and the Get-InboxRule export of the same rule
 * are one finding with both pieces of evidence. */
static void test_same_rule_two_sources(void **state)
{
	(void)state;
	char b[4096];
	ual(b, sizeof(b), "New-InboxRule", "eve@corp.example",
	    "2024-02-01T10:00:00",
	    P("Name", "Invoices") "," P("DeleteMessage", "True") "," P(
	            "SubjectContainsWords", "invoice"),
	    NULL);
	struct mh_findings l;
	judge("new.jsonl", b, &l);
	assert_int_equal(only(&l, "MH-AUD-HIDE")->level, MH_LEVEL_HIGH);
	mh_findings_release(&l);

	static const char csv[] =
	        "\"UserName\",\"RuleName\",\"Enabled\",\"Priority\","
	        "\"RuleIdentity\",\"DeleteMessage\",\"SubjectContainsWords\","
	        "\"ForwardTo\"\r\n"
	        "\"eve@corp.example\",\"Invoices\",\"True\",\"1\",\"1\","
	        "\"True\",\"invoice\",\r\n"
	        "\"eve@corp.example\",\"Old\",\"False\",\"2\",\"2\",\"True\","
	        "\"\",\r\n";
	const char *names[] = {"new.jsonl", "rules.csv"};
	const char *contents[] = {b, csv};
	judge_files(names, contents, 2, 2, &l);
	assert_int_equal(count(&l, "MH-AUD-HIDE"), 2);
	for (size_t i = 0; i < l.n; i++) {
		const struct mh_finding *f = l.v[i];
		if (!strcmp(mh_finding_attr_get(f, "rule_name"), "Old")) {
			/* disabled: one level lower */
			assert_int_equal(f->level, MH_LEVEL_LOW);
			continue;
		}
		/* the change and the export: one finding, two records */
		assert_int_equal(f->level, MH_LEVEL_HIGH);
		assert_int_equal(f->nevidence, 2);
		assert_int_equal(f->first_seen, f->last_seen);
		assert_int_equal(f->counts[0].value, 2);
		assert_string_equal(f->counts[0].name, "records");
	}
	mh_findings_release(&l);
}

/* Whatever the split over workers, the same findings in the same order
 * with the same ids and evidence. */
static void test_split_invariance(void **state)
{
	(void)state;
	char b[16384];
	size_t o = 0;
	for (int i = 0; i < 6; i++) {
		char t[32];
		snprintf(t, sizeof(t), "2024-02-0%dT10:00:00", i + 1);
		o += strlen(ual(
		        b + o, sizeof(b) - o, "New-InboxRule",
		        i % 2 ? "a@corp.example" : "b@corp.example", t,
		        i % 3 ? P("Name", "r") "," P("DeleteMessage", "True")
		              : P("Name", "r") "," P("MarkAsRead", "True"),
		        NULL));
	}
	struct mh_findings one, three;
	judge_split("s.jsonl", b, 1, &one);
	judge_split("s.jsonl", b, 3, &three);
	assert_int_equal(one.n, three.n);
	assert_int_equal(one.n, 2); /* one rule per mailbox */
	for (size_t i = 0; i < one.n; i++) {
		assert_string_equal(one.v[i]->id, three.v[i]->id);
		assert_int_equal(one.v[i]->level, three.v[i]->level);
		assert_string_equal(one.v[i]->summary, three.v[i]->summary);
		assert_int_equal(one.v[i]->nevidence, three.v[i]->nevidence);
		assert_int_equal(one.v[i]->nevidence, 3);
		for (size_t k = 0; k < one.v[i]->nevidence; k++)
			assert_int_equal(one.v[i]->evidence[k].offset,
			                 three.v[i]->evidence[k].offset);
		assert_int_equal(one.v[i]->first_seen, three.v[i]->first_seen);
		assert_int_equal(one.v[i]->last_seen, three.v[i]->last_seen);
	}
	assert_string_not_equal(one.v[0]->id, one.v[1]->id);
	mh_findings_release(&one);
	mh_findings_release(&three);
}

/* MARK: - helpers */

static void test_helpers(void **state)
{
	(void)state;
	/* The raw text's answer before the fields are made: no Sent folder
	 * can be named without one of its names' ASCII runs (any case) or
	 * a \u escape; each name of the table is seen. */
	assert_int_equal(aj_text_may_name(MH_SLICE_LIT("{\"Folder\":{\"Path\":"
	                                               "\"\\\\Inbox\"}}"),
	                                  F_SENT),
	                 0);
	assert_int_equal(aj_text_may_name(MH_SLICE_LIT("{\"Path\":\"\\\\SENT "
	                                               "ITEMS\"}"),
	                                  F_SENT),
	                 1);
	assert_int_equal(
	        aj_text_may_name(
	                MH_SLICE_LIT("{\"Path\":\"\\\\\xc3\x89l\xc3\xa9"
	                             "ments envoy\xc3\xa9s\"}"),
	                F_SENT),
	        1);
	assert_int_equal(aj_text_may_name(MH_SLICE_LIT("{\"Path\":\"Posta "
	                                               "inviata\"}"),
	                                  F_SENT),
	                 1);
	assert_int_equal(aj_text_may_name(MH_SLICE_LIT("{\"Path\":\"\\u0053ent "
	                                               "Items\"}"),
	                                  F_SENT),
	                 1);
	assert_int_equal(aj_text_may_name(MH_SLICE_NULL, F_SENT), 1);
	assert_int_equal(aj_folder_kind(MH_SLICE_LIT("\\Inbox\\RSS Feeds")),
	                 F_RSS);
	assert_int_equal(aj_folder_kind(MH_SLICE_LIT("Mes flux RSS")), F_RSS);
	assert_int_equal(aj_folder_kind(MH_SLICE_LIT("CROSSING")), F_NONE);
	assert_int_equal(aj_folder_kind(MH_SLICE_LIT("\\Sent Items\\")),
	                 F_SENT);
	assert_int_equal(aj_folder_kind(MH_SLICE_LIT("")), F_NONE);
	assert_string_equal(
	        aj_word_find(MH_SLICE_LIT("Re: IBAN change"), W_FIN), "iban");
	assert_null(aj_word_find(MH_SLICE_LIT("Libanon"), W_FIN));
	assert_string_equal(
	        aj_word_find(MH_SLICE_LIT("N\xc3\x93MINA marzo"), W_FIN),
	        "n\xc3\xb3mina");
	assert_null(aj_word_find(MH_SLICE_LIT("hello"), W_FIN | W_IR));
	assert_true(aj_same_identity(MH_SLICE_LIT("user1"),
	                             MH_SLICE_LIT("User1@corp.example")));
	assert_false(aj_same_identity(MH_SLICE_LIT("user1@a.example"),
	                              MH_SLICE_LIT("user1@b.example")));
	assert_true(aj_system_identity(MH_SLICE_LIT("S-1-5-18")));
	assert_false(aj_system_identity(MH_SLICE_LIT("S-1-5-21-1-2-3-500")));
	assert_true(aj_system_identity(MH_SLICE_LIT("NT AUTHORITY\\SYSTEM")));
	assert_false(aj_system_identity(MH_SLICE_LIT("systems@corp.example")));
	assert_true(aj_true(MH_SLICE_LIT(" $True ")));
	assert_false(aj_true(MH_SLICE_LIT("False")));
	assert_int_equal(aj_param_class(MH_SLICE_LIT("movetofolder")), P_MOVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hide_sekoia_shape),
	        cmocka_unit_test(test_hide_folders),
	        cmocka_unit_test(test_hide_filing_stop),
	        cmocka_unit_test(test_hide_words),
	        cmocka_unit_test(test_hide_negatives),
	        cmocka_unit_test(test_hide_update_inbox_rules),
	        cmocka_unit_test(test_hide_removed_later),
	        cmocka_unit_test(test_hide_enabled_again),
	        cmocka_unit_test(test_rulename),
	        cmocka_unit_test(test_bec_sequence),
	        cmocka_unit_test(test_permissions),
	        cmocka_unit_test(test_folder_permission_records),
	        cmocka_unit_test(test_permission_snapshots),
	        cmocka_unit_test(test_impersonation),
	        cmocka_unit_test(test_export),
	        cmocka_unit_test(test_ediscovery),
	        cmocka_unit_test(test_alert_and_activesync),
	        cmocka_unit_test(test_entra_risk_detection),
	        cmocka_unit_test(test_posture),
	        cmocka_unit_test(test_same_rule_two_sources),
	        cmocka_unit_test(test_split_invariance),
	        cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
