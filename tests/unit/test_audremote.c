/* Unit tests for the remote-collection analytic (analytics/audremote.c):
 * the tables it reads (first-party apps, secret words, mail scopes), and
 * each rule on Management Activity API and Google Workspace records
 * shaped like the real ones (../shared/data/audit), read through the
 * JSON reader and its normalisers as scan reads them: a positive and a
 * look-alike negative per rule, the caps, and the merge of accumulators
 * (the same findings however the records are spread over workers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audremote.h"
#include "core/buf.h"
#include "core/err.h"
#include "event/event.h"
#include "finding/finding.h"
#include "readers/reader.h"

#define TESTDIR_NAME "mh-test-audremote"
#include "testdir.h"

/* MARK: - records */

static struct mh_buf in = MH_BUF_INIT(64 << 20);
static unsigned nid;

static void rec_begin(void)
{
	mh_buf_reset(&in);
}

/* MailItemsAccessed as the Management Activity API writes it. */
static void mia(const char *when, const char *user, const char *mbx, int utype,
                int logon, const char *app, const char *client, int count,
                int throttled, const char *folder)
{
	mh_buf_printf(
	        &in,
	        "{\"CreationTime\":\"%s\",\"Id\":\"0000%04x-1111-2222-3333-"
	        "444455556666\",\"Operation\":\"MailItemsAccessed\","
	        "\"OrganizationId\":\"o1\",\"RecordType\":50,\"ResultStatus\":"
	        "\"Succeeded\",\"UserKey\":\"k\",\"UserType\":%d,\"Version\":1,"
	        "\"Workload\":\"Exchange\",\"UserId\":\"%s\",\"AppId\":\"%s\","
	        "\"ClientAppId\":\"%s\",\"ClientIPAddress\":\"203.0.113.7\","
	        "\"ClientInfoString\":\"%s\",\"ExternalAccess\":false,"
	        "\"InternalLogonType\":0,\"LogonType\":%d,\"MailboxOwnerUPN\":"
	        "\"%s\",\"OperationProperties\":[{\"Name\":\"MailAccessType\","
	        "\"Value\":\"Bind\"},{\"Name\":\"IsThrottled\",\"Value\":\"%"
	        "s\"}],"
	        "\"OrganizationName\":\"corp.onmicrosoft.com\",\"Folders\":[{"
	        "\"FolderItems\":[{\"InternetMessageId\":\"<a@b>\"}],\"Path\":"
	        "\"%s\"}],\"OperationCount\":%d}\n",
	        when, nid++, utype, user, app, app, client, logon, mbx,
	        throttled ? "True" : "False", folder, count);
}

static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...)
{
	char b[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	mh_buf_adds(&in, b);
	mh_buf_addc(&in, '\n');
}

#define OWA     "Client=OWA;Action=ViaProxy"
#define REST    "Client=REST;Client=RESTSystem;;"
#define EXO_APP "00000002-0000-0ff1-ce00-000000000000"
#define ROGUE   "5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
#define ROGUE2  "8a18aa92-0a1e-4e06-abd0-e118fa4787b1"

/* MARK: - running the analytic */

typedef size_t (*assign_fn)(size_t i, size_t nacc);

static size_t one(size_t i, size_t n)
{
	(void)i;
	(void)n;
	return 0;
}
static size_t alternate(size_t i, size_t n)
{
	return i % n;
}
static size_t halves(size_t i, size_t n)
{
	(void)n;
	return i < 7 ? 1 : 2; /* all of the first records in the last */
}

/* The findings of the current records, read from a file through the
 * reader scan uses and spread over nacc accumulators, merged in the
 * order given, as one text ("rule|level|mailbox|actor|ip|app|counts|
 * summary|details|evidence" per line, sorted). */
static char *run(size_t nacc, assign_fn assign)
{
	static unsigned k;
	char name[64];
	snprintf(name, sizeof(name), "r%u.jsonl", k++);
	const char *path = tpath(name);
	testdir_write(path, in.p ? in.p : "", in.len, "wb");
	const struct mh_reader_ops *ops =
	        mh_reader_detect(in.p ? in.p : "", in.len, name);
	assert_non_null(ops);
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
	const struct mh_analytic_ops *an = &mh_analytic_audremote;
	struct mh_analytic_conf conf;
	memset(&conf, 0, sizeof(conf));
	void *acc[4] = {0};
	for (size_t i = 0; i < nacc; i++)
		assert_int_equal(an->create(&acc[i], &conf, &err), MH_OK);
	for (size_t i = 0;; i++) {
		struct mh_event ev;
		int rc = ops->next(r, &ev, &err);
		if (rc == 0)
			break;
		assert_int_equal(rc, 1);
		assert_int_equal(an->event(acc[assign(i, nacc)], &ev, &err),
		                 MH_OK);
	}
	ops->close(r);
	for (size_t i = nacc; i-- > 1;)
		assert_int_equal(an->merge(acc[0], acc[i]), MH_OK);
	struct mh_findings fs = {0};
	assert_int_equal(an->findings(acc[0], &fs), MH_OK);
	for (size_t i = 0; i < nacc; i++)
		an->destroy(acc[i]);
	mh_findings_sort(&fs);
	struct mh_buf b = MH_BUF_INIT(64 << 20);
	for (size_t i = 0; i < fs.n; i++) {
		const struct mh_finding *f = fs.v[i];
		assert_string_equal(f->technique, "T1114.002");
		assert_non_null(f->remediation);
		mh_buf_printf(&b, "%s|%s|%s|%s|%s|%s|", f->rule_id,
		              mh_level_name(f->level),
		              f->mailbox ? f->mailbox : "-",
		              f->actor ? f->actor : "-",
		              f->client_ip ? f->client_ip : "-",
		              f->app ? f->app : "-");
		for (size_t c = 0; c < f->ncounts; c++)
			mh_buf_printf(&b, "%s=%llu,", f->counts[c].name,
			              (unsigned long long)f->counts[c].value);
		mh_buf_printf(&b, "|%s|", f->summary);
		for (size_t a = 0; a < f->nattrs; a++)
			mh_buf_printf(&b, "%s=%s;", f->attrs[a].key,
			              f->attrs[a].value);
		for (size_t e = 0; e < f->nevidence; e++) {
			assert_true(f->evidence[e].record > 0);
			mh_buf_printf(
			        &b, "|#%llu",
			        (unsigned long long)f->evidence[e].record);
		}
		mh_buf_addc(&b, '\n');
	}
	mh_findings_release(&fs);
	return mh_buf_detach(&b, NULL);
}

static size_t count_rule(const char *out, const char *rule)
{
	size_t n = 0;
	size_t l = strlen(rule);
	for (const char *p = out; p && *p;) {
		if (!strncmp(p, rule, l) && p[l] == '|')
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* The line of the first finding of rule, or fail. */
static const char *find_rule(const char *out, const char *rule)
{
	size_t l = strlen(rule);
	for (const char *p = out; p && *p;) {
		if (!strncmp(p, rule, l) && p[l] == '|')
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	fail_msg("no %s finding in:\n%s", rule, out);
	return NULL;
}

static void has(const char *lin, const char *want)
{
	const char *e = strchr(lin, '\n');
	size_t n = e ? (size_t)(e - lin) : strlen(lin);
	char *c = strndup(lin, n);
	if (!strstr(c, want))
		fail_msg("'%s' not in: %s", want, c);
	free(c);
}

/* MARK: - tables */

static void test_tables(void **state)
{
	(void)state;
	/* every id of audapp.def is found (the table is sorted for the
	 * binary search), in any case */
	assert_string_equal(mh_audr_first_party(mh_slice_cstr(EXO_APP)),
	                    "Office 365 Exchange Online");
	assert_string_equal(mh_audr_first_party(mh_slice_cstr(
	                            "A3883EBA-FBE9-48BD-9ED3-DCA3E0E84250")),
	                    "Exchange Online");
	assert_non_null(mh_audr_first_party(
	        mh_slice_cstr("ffcb16e8-f789-467c-8ce9-f826a080d987")));
	assert_non_null(mh_audr_first_party(
	        mh_slice_cstr("00000002-0000-0000-c000-000000000000")));
	assert_null(mh_audr_first_party(mh_slice_cstr(ROGUE)));
	assert_null(mh_audr_first_party(
	        mh_slice_cstr("00000003-0000-0000-c000-000000000000")));
	assert_null(mh_audr_first_party(mh_slice_cstr("")));

	/* secret words: prefix and whole-word matches, folded */
	assert_string_equal(mh_audr_secret(mh_slice_cstr("Reset Passwords"),
	                                   MH_AUDR_Q_SEARCH),
	                    "password");
	assert_string_equal(mh_audr_secret(mh_slice_cstr("wire transfer"),
	                                   MH_AUDR_Q_SEARCH),
	                    "wire");
	assert_null(mh_audr_secret(mh_slice_cstr("wireless mouse"),
	                           MH_AUDR_Q_SEARCH));
	assert_string_equal(
	        mh_audr_secret(mh_slice_cstr("MFA setup"), MH_AUDR_Q_SEARCH),
	        "mfa");
	assert_null(mh_audr_secret(mh_slice_cstr("mfaq"), MH_AUDR_Q_SEARCH));
	assert_null(
	        mh_audr_secret(mh_slice_cstr("xpassword"), MH_AUDR_Q_SEARCH));
	assert_string_equal(mh_audr_secret(mh_slice_cstr("ÜBERWEISUNG März"),
	                                   MH_AUDR_Q_SEARCH),
	                    "überweisung");
	assert_string_equal(
	        mh_audr_secret(mh_slice_cstr("Code de Vérification"),
	                       MH_AUDR_Q_SUBJECT),
	        "code de vérification");
	assert_string_equal(mh_audr_secret(mh_slice_cstr("la busta paga"),
	                                   MH_AUDR_Q_SEARCH),
	                    "busta paga");
	/* a search word that is not a subject word */
	assert_null(
	        mh_audr_secret(mh_slice_cstr("invoice 42"), MH_AUDR_Q_SUBJECT));
	assert_null(mh_audr_secret(mh_slice_cstr("team lunch"),
	                           MH_AUDR_Q_SEARCH | MH_AUDR_Q_SUBJECT));

	/* scopes: whole tokens only */
	struct mh_slice t =
	        mh_slice_cstr("[[Scope:  openid Mail.Read, Mail.ReadWrite.All "
	                      "mail.send offline_access]]");
	size_t pos = 0;
	assert_string_equal(mh_audr_scope(t, &pos), "Mail.Read");
	assert_string_equal(mh_audr_scope(t, &pos), "Mail.Send");
	assert_null(mh_audr_scope(t, &pos));
	pos = 0;
	assert_null(
	        mh_audr_scope(mh_slice_cstr("https://www.googleapis.com/auth/"
	                                    "admin.reports.audit.readonly"),
	                      &pos));
	pos = 0;
	assert_string_equal(
	        mh_audr_scope(mh_slice_cstr("https://mail.google.com/"), &pos),
	        "https://mail.google.com/");
}

/* MARK: - MH-AUD-APPREAD, MH-AUD-VOLUME, MH-AUD-OTHERMBX */

static void test_appread(void **state)
{
	(void)state;
	/* an application identity (UserType 5) reads two mailboxes */
	rec_begin();
	mia("2024-03-14T23:18:20", "alice@corp.example", "alice@corp.example",
	    5, 0, ROGUE, REST, 20, 0, "\\\\Inbox");
	mia("2024-03-14T23:48:20", "bob@corp.example", "bob@corp.example", 5, 0,
	    ROGUE, REST, 30, 0, "\\\\Inbox");
	char *out = run(1, one);
	const char *f = find_rule(out, "MH-AUD-APPREAD");
	has(f, "|medium|alice@corp.example, bob@corp.example|" ROGUE
	       "|203.0.113.7|" ROGUE "|");
	has(f, "records=2,items=50,mailboxes=2,");
	has(f, "application identity " ROGUE " read 50 item(s) in 2 "
	       "mailboxes");
	has(f, "|#1|#2");
	assert_int_equal(count_rule(out, "MH-AUD-OTHERMBX"), 0);
	assert_int_equal(count_rule(out, "MH-AUD-VOLUME"), 0);
	free(out);

	/* five mailboxes: high */
	rec_begin();
	const char *u[] = {"a@corp.example", "b@corp.example", "c@corp.example",
	                   "d@corp.example", "e@corp.example"};
	for (int i = 0; i < 5; i++)
		mia("2024-03-15T01:00:00", u[i], u[i], 5, 0, ROGUE, REST, 3, 0,
		    "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-APPREAD"), "MH-AUD-APPREAD|high|");
	free(out);

	/* throttled: high, and a bulk read for the mailbox */
	rec_begin();
	mia("2024-03-15T01:00:00", "a@corp.example", "a@corp.example", 5, 0,
	    ROGUE, REST, 3, 1, "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-APPREAD"), "MH-AUD-APPREAD|high|");
	has(find_rule(out, "MH-AUD-VOLUME"), "1 throttled record(s)");
	free(out);

	/* a delegate reading another mailbox through a third-party app
	 * over REST: the app and the identity are both named */
	rec_begin();
	mia("2024-03-15T01:00:00", "dave@corp.example", "bob@corp.example", 0,
	    2, ROGUE2, REST, 4, 0, "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-APPREAD"),
	    "third-party app " ROGUE2 " read 4 item(s) in 1 mailbox");
	has(find_rule(out, "MH-AUD-OTHERMBX"),
	    "|medium|bob@corp.example|dave@corp.example|");
	free(out);

	/* look-alikes: the owner reading through a third-party REST app
	 * (the Sentinel training row), OWA with the Exchange app id, an
	 * application identity of Microsoft's own list (low) */
	rec_begin();
	mia("2021-04-28T10:00:00", "AdeleV@corp.example", "AdeleV@corp.example",
	    0, 0, ROGUE2, REST, 1, 0, "\\\\Inbox");
	mia("2021-04-28T10:01:00", "AdeleV@corp.example", "adelev@corp.example",
	    0, 0, EXO_APP, OWA, 3, 0, "\\\\Inbox");
	out = run(1, one);
	assert_string_equal(out, "");
	free(out);
	rec_begin();
	mia("2021-04-28T10:00:00", "x@corp.example", "x@corp.example", 5, 0,
	    EXO_APP, REST, 1, 0, "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-APPREAD"),
	    "|low|x@corp.example|" EXO_APP "|");
	has(find_rule(out, "MH-AUD-APPREAD"), "Office 365 Exchange Online");
	free(out);
}

static void test_othermbx(void **state)
{
	(void)state;
	/* a delegate reads seven folders of one mailbox: high */
	rec_begin();
	const char *fo[] = {"\\\\Inbox", "\\\\Sent Items", "\\\\Finance",
	                    "\\\\HR",    "\\\\Legal",      "\\\\Board",
	                    "\\\\Drafts"};
	for (int i = 0; i < 7; i++)
		mia("2024-03-16T22:28:13", "dave@corp.example",
		    "bob@corp.example", 0, 2, EXO_APP, OWA, 5, 0, fo[i]);
	char *out = run(1, one);
	const char *f = find_rule(out, "MH-AUD-OTHERMBX");
	has(f, "MH-AUD-OTHERMBX|high|bob@corp.example|dave@corp.example|");
	has(f, "read 1 other mailbox, 7 folder(s)");
	has(f, "logon_types=Delegated;");
	has(f, "folders=bob@corp.example:\\Board,");
	free(out);

	/* an admin reads five mailboxes, one folder each: high */
	rec_begin();
	const char *u[] = {"a@corp.example", "b@corp.example", "c@corp.example",
	                   "d@corp.example", "e@corp.example"};
	for (int i = 0; i < 5; i++)
		mia("2024-03-16T22:28:13", "admin@corp.example", u[i], 2, 1,
		    EXO_APP, OWA, 1, 0, "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-OTHERMBX"), "MH-AUD-OTHERMBX|high|");
	has(find_rule(out, "MH-AUD-OTHERMBX"), "logon Admin");
	free(out);

	/* one mailbox, one folder: medium */
	rec_begin();
	mia("2024-03-16T22:28:13", "dave@corp.example", "bob@corp.example", 0,
	    2, EXO_APP, OWA, 5, 0, "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-OTHERMBX"), "MH-AUD-OTHERMBX|medium|");
	free(out);

	/* not findings: the system account, the owner (in another case),
	 * a transport logon */
	rec_begin();
	mia("2024-03-16T22:28:13", "S-1-5-18", "bob@corp.example", 2, 1, "",
	    "Client=WebServices;Action=ConfigureGroupMailbox", 1, 0,
	    "\\\\Calendar");
	mia("2024-03-16T22:28:13", "NT AUTHORITY\\\\SYSTEM (w3wp)",
	    "bob@corp.example", 3, 1, "", OWA, 1, 0, "\\\\Inbox");
	mia("2024-03-16T22:28:13", "Bob@Corp.example", "bob@corp.example", 0, 0,
	    EXO_APP, OWA, 1, 0, "\\\\Inbox");
	mia("2024-03-16T22:28:13", "relay@corp.example", "bob@corp.example", 0,
	    3, EXO_APP, OWA, 1, 0, "\\\\Inbox");
	/* the same user as a bare name, LogonType not recorded */
	line("{\"CreationTime\":\"2024-03-16T22:28:13\",\"Id\":\"9999aaaa-"
	     "0000-0000-0000-000000000000\",\"Operation\":"
	     "\"MailItemsAccessed\",\"RecordType\":50,\"UserType\":0,"
	     "\"Workload\":\"Exchange\",\"UserId\":\"bob\","
	     "\"MailboxOwnerUPN\":\"bob@corp.example\","
	     "\"ClientInfoString\":\"Client=OWA\",\"OperationCount\":1}");
	out = run(1, one);
	assert_string_equal(out, "");
	free(out);
}

static void test_volume(void **state)
{
	(void)state;
	/* eight quiet hours of two items, then 300 in one hour: the
	 * mailbox's hourly median is 2, the hour is 150x it */
	rec_begin();
	char t[32];
	for (int h = 0; h < 8; h++) {
		snprintf(t, sizeof(t), "2024-03-20T%02d:10:00", h);
		mia(t, "erin@corp.example", "erin@corp.example", 0, 0, EXO_APP,
		    OWA, 2, 0, "\\\\Inbox");
	}
	for (int k = 0; k < 6; k++) {
		snprintf(t, sizeof(t), "2024-03-20T09:%02d:00", k * 5);
		mia(t, "erin@corp.example", "erin@corp.example", 0, 0, EXO_APP,
		    "Client=IMAP4", 50, 0, "\\\\Inbox");
	}
	char *out = run(1, one);
	const char *f = find_rule(out, "MH-AUD-VOLUME");
	has(f, "MH-AUD-VOLUME|medium|erin@corp.example|");
	has(f, "1 hour(s) at 10x or more its hourly median of 2 over 9 "
	       "active hours (peak 300)");
	has(f, "hours=2024-03-20T09:00:00Z 300;");
	/* evidence: the largest reads, in the order of the file */
	has(f, "|#9|#10|#11|#12|#13");
	free(out);

	/* one record of 150 items */
	rec_begin();
	mia("2024-03-20T01:00:00", "erin@corp.example", "erin@corp.example", 0,
	    0, EXO_APP, OWA, 150, 0, "\\\\Inbox");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-VOLUME"),
	    "1 record(s) of 100 items or more (largest 150)");
	free(out);

	/* steady reading, 60 items every hour, and a quiet mailbox with
	 * one hour of 90 (below the floor of 100): nothing */
	rec_begin();
	for (int h = 0; h < 12; h++) {
		snprintf(t, sizeof(t), "2024-03-20T%02d:10:00", h);
		mia(t, "erin@corp.example", "erin@corp.example", 0, 0, EXO_APP,
		    OWA, 60, 0, "\\\\Inbox");
		mia(t, "frank@corp.example", "frank@corp.example", 0, 0,
		    EXO_APP, OWA, h == 5 ? 90 : 1, 0, "\\\\Inbox");
	}
	out = run(1, one);
	assert_string_equal(out, "");
	free(out);
}

/* MARK: - MH-AUD-LOGIN, MH-AUD-SEARCH, MH-AUD-HARDDELETE */

static void login(const char *user, const char *mbx, int logon,
                  const char *client)
{
	line("{\"CreationTime\":\"2024-03-01T09:00:00\",\"Id\":\"1000%04x-"
	     "0000-0000-0000-000000000000\",\"Operation\":\"MailboxLogin\","
	     "\"RecordType\":2,\"ResultStatus\":\"Succeeded\",\"UserType\":0,"
	     "\"Workload\":\"Exchange\",\"UserId\":\"%s\",\"ClientIPAddress\":"
	     "\"192.0.2.15\",\"ClientInfoString\":\"%s\",\"LogonType\":%d,"
	     "\"MailboxOwnerUPN\":\"%s\"}",
	     nid++, user, client, logon, mbx);
}

static void test_login(void **state)
{
	(void)state;
	rec_begin();
	login("dave@corp.example", "bob@corp.example", 2,
	      "Client=MSExchangeRPC");
	login("frank@corp.example", "frank@corp.example", 0,
	      "Client=Microsoft.Exchange.Powershell; Microsoft WinRM Client");
	/* the owner in Outlook, the system account: not findings */
	login("frank@corp.example", "frank@corp.example", 0,
	      "Client=MSExchangeRPC");
	login("S-1-5-18", "frank@corp.example", 1, "Client=MSExchangeRPC");
	char *out = run(1, one);
	assert_int_equal(count_rule(out, "MH-AUD-LOGIN"), 2);
	/* two lines: nothing else */
	assert_non_null(strchr(strchr(out, '\n') + 1, '\n'));
	assert_null(strchr(strchr(strchr(out, '\n') + 1, '\n') + 1, '\n'));
	assert_non_null(strstr(out, "dave@corp.example logged in to "
	                            "bob@corp.example 1 time(s) as a "
	                            "non-owner"));
	assert_non_null(strstr(out, "MH-AUD-LOGIN|low|frank@corp.example|"
	                            "frank@corp.example|"));
	assert_non_null(strstr(out, "through PowerShell/WinRM"));
	free(out);
}

static void search(const char *when, const char *user, const char *q)
{
	line("{\"CreationTime\":\"%s\",\"Id\":\"2000%04x-0000-0000-0000-"
	     "000000000000\",\"Operation\":\"SearchQueryInitiatedExchange\","
	     "\"RecordType\":101,\"UserType\":0,\"Workload\":\"Exchange\","
	     "\"UserId\":\"%s\",\"ClientIPAddress\":\"192.0.2.12\","
	     "\"ClientInfoString\":\"Client=OWA;Action=ViaProxy\","
	     "\"MailboxOwnerUPN\":\"%s\",\"QueryText\":\"%s\","
	     "\"QuerySource\":\"Owa\"}",
	     when, nid++, user, user, q);
}

static void test_search(void **state)
{
	(void)state;
	rec_begin();
	search("2024-03-08T22:30:00", "alice@corp.example", "password");
	search("2024-03-08T22:31:10", "alice@corp.example", "VPN access");
	search("2024-03-08T22:32:00", "alice@corp.example", "lunch");
	/* an ordinary user */
	for (int i = 0; i < 10; i++) {
		char q[32];
		snprintf(q, sizeof(q), "project %d", i);
		search("2024-03-08T10:00:00", "carol@corp.example", q);
	}
	char *out = run(1, one);
	assert_int_equal(count_rule(out, "MH-AUD-SEARCH"), 1);
	const char *f = find_rule(out, "MH-AUD-SEARCH");
	has(f, "|medium|alice@corp.example|alice@corp.example|");
	has(f, "ran 3 search(es); 2 for secrets (password)");
	has(f, "queries=VPN access, password;words=password, vpn;");
	has(f, "|#1|#2");
	free(out);

	/* 25 distinct queries in one hour, 20 in the next (with repeats):
	 * only the first hour is above the rate */
	rec_begin();
	for (int i = 0; i < 25; i++) {
		char q[32], t[32];
		snprintf(q, sizeof(q), "term %d", i);
		snprintf(t, sizeof(t), "2024-03-08T11:%02d:00", i);
		search(t, "mallory@corp.example", q);
	}
	for (int i = 0; i < 30; i++) {
		char q[32];
		snprintf(q, sizeof(q), "other %d", i % 20);
		search("2024-03-08T12:00:00", "mallory@corp.example", q);
	}
	out = run(1, one);
	has(find_rule(out, "MH-AUD-SEARCH"),
	    "ran 55 search(es); more than 20 distinct queries in 1 hour(s)");
	has(find_rule(out, "MH-AUD-SEARCH"), "hours=2024-03-08T11:00:00Z >20;");
	free(out);
}

static void harddelete(const char *mbx, const char *subject)
{
	line("{\"CreationTime\":\"2024-03-09T08:00:00\",\"Id\":\"3000%04x-"
	     "0000-0000-0000-000000000000\",\"Operation\":\"HardDelete\","
	     "\"RecordType\":3,\"ResultStatus\":\"Succeeded\",\"UserType\":0,"
	     "\"Workload\":\"Exchange\",\"UserId\":\"%s\",\"ClientIPAddress\":"
	     "\"203.0.113.9\",\"ClientInfoString\":\"Client=OWA\","
	     "\"LogonType\":0,\"MailboxOwnerUPN\":\"%s\",\"AffectedItems\":[{"
	     "\"Id\":\"x\",\"Subject\":\"%s\",\"ParentFolder\":{\"Path\":"
	     "\"\\\\Deleted Items\"}}]}",
	     nid++, mbx, mbx, subject);
}

static void test_harddelete(void **state)
{
	(void)state;
	rec_begin();
	harddelete("alice@corp.example", "Your Microsoft verification code");
	harddelete("alice@corp.example", "Änderung der Bankverbindung");
	harddelete("alice@corp.example", "Team lunch on Friday");
	harddelete("bob@corp.example", "Re: wireless keyboard");
	char *out = run(1, one);
	assert_int_equal(count_rule(out, "MH-AUD-HARDDELETE"), 1);
	const char *f = find_rule(out, "MH-AUD-HARDDELETE");
	has(f, "|medium|alice@corp.example|alice@corp.example|");
	has(f, "2 item(s) that look like security, MFA or payroll mail");
	has(f, "words=bank, verification code;");
	free(out);
}

/* MARK: - MH-AUD-CONSENT */

static void consent(const char *op, const char *admin, const char *perm)
{
	line("{\"CreationTime\":\"2024-03-11T14:09:16\",\"Id\":\"4000%04x-"
	     "0000-0000-0000-000000000000\",\"Operation\":\"%s\","
	     "\"RecordType\":8,\"ResultStatus\":\"Success\",\"UserType\":0,"
	     "\"Workload\":\"AzureActiveDirectory\",\"ClientIP\":"
	     "\"198.51.100.26\",\"ObjectId\":\"ea0621a4-1d7d-4d3d-9626-"
	     "e9a529622fab\",\"UserId\":\"grace@corp.example\","
	     "\"ModifiedProperties\":[{\"Name\":"
	     "\"ConsentContext.IsAdminConsent\",\"NewValue\":\"%s\","
	     "\"OldValue\":\"\"},{\"Name\":\"ConsentAction.Permissions\","
	     "\"NewValue\":\"%s\",\"OldValue\":\"\"},{\"Name\":"
	     "\"TargetId.ServicePrincipalNames\",\"NewValue\":\"" ROGUE2
	     "\",\"OldValue\":\"\"}],\"Target\":[{\"ID\":\"ServicePrincipal_"
	     "75e5cce2\",\"Type\":2},{\"ID\":\"PDF Converter Online\","
	     "\"Type\":1}]}",
	     nid++, op, admin, perm);
}

static void test_consent(void **state)
{
	(void)state;
	rec_begin();
	consent("Consent to application.", "False",
	        "[] => [[ConsentType: Principal, Scope:  Mail.Read Mail.Send "
	        "offline_access]]; ");
	char *out = run(1, one);
	const char *f = find_rule(out, "MH-AUD-CONSENT");
	has(f, "|medium|grace@corp.example|grace@corp.example|198.51.100."
	       "26|" ROGUE2 " (PDF Converter Online)|");
	has(f, "delegated mail permission Mail.Read and more granted");
	has(f, "scopes=Mail.Read, Mail.Send;");
	free(out);

	rec_begin();
	consent("Consent to application.", "True",
	        "Scope: openid EWS.AccessAsUser.All");
	out = run(1, one);
	has(find_rule(out, "MH-AUD-CONSENT"), "|high|");
	has(find_rule(out, "MH-AUD-CONSENT"), "tenant-wide");
	free(out);

	rec_begin();
	line("{\"CreationTime\":\"2024-03-14T21:18:20\",\"Id\":\"4100aaaa-"
	     "0000-0000-0000-000000000000\",\"Operation\":\"Add app role "
	     "assignment to service principal.\",\"RecordType\":8,"
	     "\"ResultStatus\":\"Failure\",\"UserType\":0,\"Workload\":"
	     "\"AzureActiveDirectory\",\"UserId\":\"it.admin@corp.example\","
	     "\"ObjectId\":\"obj\",\"ModifiedProperties\":[{\"Name\":"
	     "\"AppRole.Id\",\"NewValue\":\"810c84a8-4a9e-49e6-bf7d-"
	     "12d183f40d01\",\"OldValue\":\"\"},{\"Name\":\"AppRole.Value\","
	     "\"NewValue\":\"Mail.Read\",\"OldValue\":\"\"}]}");
	out = run(1, one);
	/* app-wide is high; a failed attempt one lower */
	has(find_rule(out, "MH-AUD-CONSENT"), "MH-AUD-CONSENT|medium|");
	has(find_rule(out, "MH-AUD-CONSENT"), "attempted: tenant-wide");
	free(out);

	/* a grant whose mail scope was only in the old value (removed) */
	rec_begin();
	line("{\"CreationTime\":\"2024-03-11T14:09:16\",\"Id\":\"4200aaaa-"
	     "0000-0000-0000-000000000000\",\"Operation\":\"Add delegated "
	     "permission grant.\",\"RecordType\":8,\"ResultStatus\":"
	     "\"Success\",\"UserType\":0,\"Workload\":"
	     "\"AzureActiveDirectory\",\"UserId\":\"grace@corp.example\","
	     "\"ObjectId\":\"obj\",\"ModifiedProperties\":[{\"Name\":"
	     "\"DelegatedPermissionGrant.Scope\",\"NewValue\":\" User.Read\","
	     "\"OldValue\":\" User.Read Mail.Read\"}]}");
	out = run(1, one);
	assert_string_equal(out, "");
	free(out);

	/* consent without a mail scope */
	rec_begin();
	consent("Consent to application.", "True",
	        "Scope:  openid profile User.Read offline_access "
	        "Mail.ReadWrite.Everything");
	out = run(1, one);
	assert_string_equal(out, "");
	free(out);
}

/* MARK: - Google Workspace */

static void gws(const char *app, const char *actor, const char *type,
                const char *name, const char *params)
{
	line("{\"kind\":\"admin#reports#activity\",\"id\":{\"time\":"
	     "\"2025-12-01T11:00:20.000Z\",\"uniqueQualifier\":\"%u\","
	     "\"applicationName\":\"%s\",\"customerId\":\"C01\"},\"actor\":{"
	     "\"callerType\":\"USER\",\"email\":\"%s\",\"profileId\":\"1\"},"
	     "\"ipAddress\":\"1.2.3.4\",\"events\":[{\"type\":\"%s\","
	     "\"name\":\"%s\",\"parameters\":[%s]}]}",
	     5000 + nid++, app, actor, type, name, params);
}

static void test_gws(void **state)
{
	(void)state;
	rec_begin();
	gws("token", "bob@corp.example", "auth", "authorize",
	    "{\"name\":\"client_id\",\"value\":\"8877.apps.googleusercontent."
	    "com\"},{\"name\":\"app_name\",\"value\":\"Inbox Helper\"},{"
	    "\"name\":\"scope\",\"multiValue\":[\"openid\",\"https://www."
	    "googleapis.com/auth/gmail.readonly\"]}");
	gws("token", "carol@corp.example", "auth", "authorize",
	    "{\"name\":\"client_id\",\"value\":\"user1\"},{\"name\":"
	    "\"app_name\",\"value\":\"Test Log Workspace\"},{\"name\":"
	    "\"scope\",\"multiValue\":[\"https://www.googleapis.com/auth/"
	    "admin.reports.audit.readonly\"]}");
	gws("takeout", "dave@corp.example", "USER_TAKEOUT",
	    "COMPLETED_USER_TAKEOUT",
	    "{\"name\":\"PRODUCTS_REQUESTED\",\"value\":\"Gmail, Drive\"},{"
	    "\"name\":\"TAKEOUT_DESTINATION\",\"value\":\"EMAIL\"},{\"name\":"
	    "\"TAKEOUT_STATUS\",\"value\":\"COMPLETED\"},{\"name\":"
	    "\"USER_EMAIL\",\"value\":\"dave@corp.example\"}");
	gws("takeout", "erin@corp.example", "USER_TAKEOUT",
	    "COMPLETED_USER_TAKEOUT",
	    "{\"name\":\"PRODUCTS_REQUESTED\",\"value\":\"Drive, Photos\"},{"
	    "\"name\":\"USER_EMAIL\",\"value\":\"erin@corp.example\"}");
	gws("admin", "admin@corp.example", "SECURITY_INVESTIGATION",
	    "SECURITY_INVESTIGATION_CONTENT_ACCESS",
	    "{\"name\":\"INVESTIGATION_DATA_SOURCE\",\"value\":\"GMAIL\"},{"
	    "\"name\":\"INVESTIGATION_CONTENT_ACCESS_ENTITY_ID\",\"value\":"
	    "\"(<m1@x.example> jane@corp.example)\"},{\"name\":"
	    "\"INVESTIGATION_CONTENT_ACCESS_JUSTIFICATION\",\"value\":"
	    "\"SEC-1\"}");
	gws("admin", "admin@corp.example", "SECURITY_INVESTIGATION",
	    "SECURITY_INVESTIGATION_CONTENT_ACCESS",
	    "{\"name\":\"INVESTIGATION_DATA_SOURCE\",\"value\":\"DRIVE\"},{"
	    "\"name\":\"INVESTIGATION_CONTENT_ACCESS_ENTITY_ID\",\"value\":"
	    "\"(doc1 jane@corp.example)\"}");
	char *out = run(1, one);
	assert_int_equal(count_rule(out, "MH-AUD-CONSENT"), 1);
	has(find_rule(out, "MH-AUD-CONSENT"),
	    "|medium|bob@corp.example|bob@corp.example|1.2.3.4|8877.apps."
	    "googleusercontent.com (Inbox Helper)|");
	assert_int_equal(count_rule(out, "MH-GWS-TAKEOUT"), 1);
	has(find_rule(out, "MH-GWS-TAKEOUT"),
	    "|medium|dave@corp.example|dave@corp.example|");
	has(find_rule(out, "MH-GWS-TAKEOUT"), "destinations=EMAIL;");
	assert_int_equal(count_rule(out, "MH-GWS-ADMINACCESS"), 1);
	has(find_rule(out, "MH-GWS-ADMINACCESS"),
	    "|medium|jane@corp.example|admin@corp.example|");
	has(find_rule(out, "MH-GWS-ADMINACCESS"), "justification: SEC-1");
	free(out);
}

/* MARK: - merging and caps */

static void test_merge(void **state)
{
	(void)state;
	/* a mix of every M365 rule, spread over one, two and three
	 * accumulators in different ways: the same text each time */
	rec_begin();
	for (int i = 0; i < 70; i++) {
		char mbx[64], t[32];
		snprintf(mbx, sizeof(mbx), "user%02d@corp.example", i);
		snprintf(t, sizeof(t), "2024-03-%02dT%02d:00:00", 1 + i % 20,
		         i % 24);
		mia(t, mbx, mbx, 5, 0, ROGUE, REST, 1 + i, i == 33,
		    "\\\\Inbox");
		mia(t, "dave@corp.example", mbx, 0, 2, EXO_APP, OWA, 2, 0,
		    "\\\\Inbox");
	}
	search("2024-03-08T22:30:00", "alice@corp.example", "password");
	harddelete("alice@corp.example", "MFA code");
	consent("Consent to application.", "False", "Scope: Mail.Read");
	login("dave@corp.example", "bob@corp.example", 2, "Client=OWA");
	char *a = run(1, one);
	char *b = run(2, alternate);
	char *c = run(3, halves);
	char *d = run(3, alternate);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_string_equal(a, d);
	/* 70 mailboxes: the set keeps 64 and says it was capped */
	const char *f = find_rule(a, "MH-AUD-APPREAD");
	has(f, "MH-AUD-APPREAD|high|");
	has(f, "mailboxes=64,");
	has(f, "in 64+ mailboxes");
	has(f, "list capped");
	has(find_rule(a, "MH-AUD-OTHERMBX"), "read 64+ other mailboxes");
	free(a);
	free(b);
	free(c);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tables),
	        cmocka_unit_test(test_appread),
	        cmocka_unit_test(test_othermbx),
	        cmocka_unit_test(test_volume),
	        cmocka_unit_test(test_login),
	        cmocka_unit_test(test_search),
	        cmocka_unit_test(test_harddelete),
	        cmocka_unit_test(test_consent),
	        cmocka_unit_test(test_gws),
	        cmocka_unit_test(test_merge),
	};
	int rc = cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
	mh_buf_release(&in);
	return rc;
}
