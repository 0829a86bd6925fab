/* Unit tests for the record normalisers through the json and csv readers:
 * each shape of Microsoft 365 activity (Management Activity API in any
 * key case, Purview CSV and JSON, Sentinel, Defender, Graph, admin audit
 * log, SCC cmdlet strings, UpdateInboxRules rule actions), the Exchange
 * configuration snapshots, Google Workspace (Reports API in three forms,
 * Cloud Logging), records held in test cases, generic records, wrong
 * types, and the fields made on first use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "event/audit.h"
#include "event/event.h"
#include "event/winevent.h"
#include "readers/reader.h"
#include "readers/record/rec.h"

#define TESTDIR_NAME "mh-test-norm"
#include "testdir.h"

#define MAXEV 16

/* What a file gave: events (checked by the callback while valid) and
 * skips. */
struct run {
	size_t nev, nskip;
	int skip_reason[MAXEV];
	char skip_msg[MAXEV][256];
	unsigned skip_line[MAXEV];
};

typedef void (*check_fn)(const struct mh_event *ev, size_t i);

static void read_file(const char *name, const char *content, check_fn cb,
                      struct run *run)
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
	memset(run, 0, sizeof(*run));
	for (;;) {
		struct mh_event ev;
		mh_err_clear(&err);
		int rc = ops->next(r, &ev, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			if (run->nskip < MAXEV) {
				run->skip_reason[run->nskip] = err.reason;
				run->skip_line[run->nskip] = err.line;
				snprintf(run->skip_msg[run->nskip], 256, "%s",
				         err.msg);
			}
			run->nskip++;
			continue;
		}
		assert_int_equal(rc, 1);
		if (cb)
			cb(&ev, run->nev);
		run->nev++;
	}
	ops->close(r);
}

static void eq(struct mh_slice s, const char *want)
{
	if (!want) {
		if (s.p)
			fail_msg("got '%.*s', want nothing", (int)s.n, s.p);
		return;
	}
	if (!s.p || s.n != strlen(want) || memcmp(s.p, want, s.n))
		fail_msg("got '%.*s', want '%s'", (int)s.n,
		         s.p ? s.p : "(null)", want);
}

static const char *param(const struct mh_audit *a, const char *name, int nth)
{
	static char buf[8][512];
	static int k;
	const struct mh_audit_param *p = NULL;
	for (int i = 0; i <= nth; i++) {
		p = mh_audit_param(a, name, p);
		if (!p)
			return NULL;
	}
	char *b = buf[k++ & 7];
	snprintf(b, 512, "%.*s", (int)p->value.n, p->value.p ? p->value.p : "");
	return b;
}

static const char *field(const struct mh_event *ev, const char *name)
{
	static char buf[4][1024];
	static int k;
	const struct mh_field *f = mh_event_field(ev, name);
	if (!f)
		return NULL;
	char *b = buf[k++ & 3];
	snprintf(b, 1024, "%.*s", (int)f->value.n,
	         f->value.p ? f->value.p : "(null)");
	return b;
}

/* MARK: - Management Activity API */

static const char ual_rule[] =
        "{\"CreationTime\":\"2023-05-24T15:10:53\",\"Id\":\"9cf2a1f7-90bc-"
        "494b-2784-08db5c691133\",\"Operation\":\"New-InboxRule\","
        "\"OrganizationId\":\"o1\",\"RecordType\":1,\"ResultStatus\":\"True\","
        "\"UserKey\":\"k\",\"UserType\":2,\"Version\":1,\"Workload\":"
        "\"Exchange\",\"ClientIP\":\"1.2.3.4:63070\",\"ObjectId\":\"NAM/"
        "Microsoft Exchange Hosted Organizations/example.onmicrosoft.com/"
        "user1\\\\RULE\",\"UserId\":\"user1@example.onmicrosoft.com\","
        "\"AppId\":\"00000002-0000-0ff1-ce00-000000000000\","
        "\"ExternalAccess\":false,\"OrganizationName\":\"example.onmicrosoft."
        "com\",\"OriginatingServer\":\"SRV (15.20)\\r\\n\",\"Parameters\":[{"
        "\"Name\":\"ForwardTo\",\"Value\":\"bob@example.org\"},{\"Name\":"
        "\"RedirectTo\",\"Value\":\"joe@example.org;SMTP:amy@x.example\"},{"
        "\"Name\":\"Name\",\"Value\":\"RULE\"},{\"Name\":\"DeleteMessage\","
        "\"Value\":\"True\"}],\"SessionId\":\"s\"}\n";

static void check_ual_rule(const struct mh_event *ev, size_t i)
{
	(void)i;
	assert_int_equal(ev->kind, MH_EV_AUDIT);
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	assert_int_equal(a->source, MH_AUDIT_M365);
	assert_int_equal(a->shape, MH_AS_UAL_API);
	eq(a->operation, "New-InboxRule");
	assert_int_equal(a->nops, 1);
	eq(a->workload, "Exchange");
	assert_int_equal(a->record_type, 1);
	assert_int_equal(a->user_type, 2);
	eq(a->actor, "user1@example.onmicrosoft.com");
	/* No Mailbox or Identity parameter: the caller's own mailbox. */
	eq(a->mailbox, "user1@example.onmicrosoft.com");
	eq(a->client_ip, "1.2.3.4");
	eq(a->client_ip_raw, "1.2.3.4:63070");
	assert_int_equal(a->client_port, 63070);
	assert_int_equal(a->result, MH_AR_OK);
	eq(a->org, "example.onmicrosoft.com");
	eq(a->id, "9cf2a1f7-90bc-494b-2784-08db5c691133");
	assert_int_equal(a->ts, mh_time_from_civil(2023, 5, 24, 15, 10, 53));
	assert_int_equal(ev->ts, a->ts);
	assert_string_equal(param(a, "forwardto", 0), "bob@example.org");
	assert_string_equal(param(a, "RedirectTo", 0),
	                    "joe@example.org;SMTP:amy@x.example");
	assert_int_equal(a->nparams, 4);
	assert_true(ev->record_id.n > 0);
	/* Fields, made now: the record's keys and the normalised names. */
	assert_string_equal(field(ev, "Operation"), "New-InboxRule");
	assert_string_equal(field(ev, "Parameters.ForwardTo"),
	                    "bob@example.org");
	assert_string_equal(field(ev, "OriginatingServer"), "SRV (15.20)\r\n");
	assert_string_equal(field(ev, "ExternalAccess"), "false");
}

static void test_ual(void **state)
{
	(void)state;
	struct run run;
	read_file("ual.jsonl", ual_rule, check_ual_rule, &run);
	assert_int_equal(run.nev, 1);
	assert_int_equal(run.nskip, 0);
}

/* Panther's test cases: lower-cased keys, the record under "log". */
static void check_lower(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	assert_int_equal(a->shape, MH_AS_UAL_API);
	eq(a->operation, "Set-Mailbox");
	eq(a->mailbox, i == 0 ? "homer@simpsons.example" : "marge@x.example");
	assert_string_equal(param(a, "ForwardingSmtpAddress", 0),
	                    "smtp:peter@familyguy.example");
	assert_int_equal(a->ts, mh_time_from_civil(2022, 12, 12, 22, 19, 0));
	assert_int_equal(a->result, i == 0 ? MH_AR_OK : MH_AR_FAILED);
	/* The wrapper's fields stay; the record's come first. */
	assert_string_equal(field(ev, "operation"), "Set-Mailbox");
	assert_string_equal(field(ev, "test_name"), "t");
}

static void test_lower_case_wrapped(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"test_name\":\"t\",\"log\":{\"creationtime\":\"2022-12-12 "
	        "22:19:00\",\"id\":\"111-22-33\",\"operation\":\"Set-Mailbox\","
	        "\"parameters\":[{\"Name\":\"Identity\",\"Value\":"
	        "\"homer@simpsons.example\"},{\"Name\":"
	        "\"ForwardingSmtpAddress\","
	        "\"Value\":\"smtp:peter@familyguy.example\"}],\"recordtype\":1,"
	        "\"resultstatus\":\"True\",\"userid\":\"homer@simpsons."
	        "example\","
	        "\"workload\":\"Exchange\"}}\n"
	        "{\"test_name\":\"t\",\"log\":{\"creationtime\":\"2022-12-12 "
	        "22:19:00\",\"id\":\"111-22-33\",\"operation\":\"Set-Mailbox\","
	        "\"parameters\":[{\"Name\":\"Identity\",\"Value\":"
	        "\"marge@x.example\"},{\"Name\":\"ForwardingSmtpAddress\","
	        "\"Value\":\"smtp:peter@familyguy.example\"}],\"recordtype\":1,"
	        "\"resultstatus\":\"False\",\"userid\":\"homer@simpsons."
	        "example\","
	        "\"workload\":\"Exchange\"}}\n";
	struct run run;
	read_file("panther.jsonl", in, check_lower, &run);
	assert_int_equal(run.nev, 2);
}

/* UpdateInboxRules: recipients inside RuleActions and ServerRule. */
static void check_update_rules(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	eq(a->operation, "UpdateInboxRules");
	if (i == 0) {
		eq(a->mailbox, "owner@mail.example");
		assert_int_equal(a->logon_type, 2);
		assert_string_equal(param(a, "ForwardTo", 0),
		                    "john.doe@mail.example");
		assert_string_equal(param(a, "ForwardTo", 1),
		                    "u@email.example");
		assert_string_equal(param(a, "RedirectTo", 0),
		                    "r@redirect.example");
		assert_string_equal(param(a, "ForwardAsAttachmentTo", 0),
		                    "att@x.example");
		const struct mh_audit_param *p =
		        mh_audit_param(a, "ForwardTo", NULL);
		assert_int_equal(p->src, MH_AP_RULE_ACTION);
		assert_string_equal(field(ev, "RuleActions.RedirectTo"),
		                    "r@redirect.example");
	} else if (i == 1) {
		/* ServerRule: {"Actions": [...]}, recipients nested. */
		assert_string_equal(param(a, "ForwardTo", 0), "srv@x.example");
		assert_null(param(a, "ForwardTo", 1));
	} else {
		/* A client-side rule: nothing forwards. */
		assert_null(param(a, "ForwardTo", 0));
		assert_null(param(a, "RedirectTo", 0));
		assert_string_equal(param(a, "RuleName", 0), "MyRule");
	}
}

static void test_update_inbox_rules(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"CreationTime\":\"2024-10-28T10:34:13\",\"Id\":\"a\","
	        "\"Operation\":\"UpdateInboxRules\",\"RecordType\":2,"
	        "\"ResultStatus\":\"Succeeded\",\"UserId\":\"user1\","
	        "\"Workload\":\"Exchange\",\"LogonType\":2,\"MailboxOwnerUPN\":"
	        "\"owner@mail.example\",\"OperationProperties\":[{\"Name\":"
	        "\"RuleOperation\",\"Value\":\"ModifyMailboxRule\"},{\"Name\":"
	        "\"RuleName\"},{\"Name\":\"RuleActions\",\"Value\":\"[{\\\""
	        "ActionType\\\":\\\"Forward\\\",\\\"Recipients\\\":[\\\"john."
	        "doe@"
	        "mail.example\\\",\\\"u@email.example\\\"],"
	        "\\\"ForwardFlags\\\":"
	        "\\\"None\\\"},{\\\"ActionType\\\":\\\"Forward\\\","
	        "\\\"Recipients"
	        "\\\":[\\\"r@redirect.example\\\"],\\\"ForwardFlags\\\":\\\""
	        "PreserveSender\\\"},{\\\"ActionType\\\":\\\"Forward\\\",\\\""
	        "Recipients\\\":[\\\"att@x.example\\\"],\\\"ForwardFlags\\\":"
	        "\\\""
	        "ForwardAsAttachment\\\"}]\"}]}\n"
	        "{\"CreationTime\":\"2024-10-28T10:35:13\",\"Id\":\"b\","
	        "\"Operation\":\"UpdateInboxRules\",\"RecordType\":2,"
	        "\"UserId\":\"user1\",\"Workload\":\"Exchange\","
	        "\"OperationProperties\":[{\"Name\":\"ServerRule\",\"Value\":"
	        "\"{\\\"Actions\\\":[{\\\"ActionType\\\":\\\"Forward\\\",\\\""
	        "Recipients\\\":[{\\\"Values\\\":[{\\\"PropTag\\\":\\\"x\\\","
	        "\\\"Value\\\":\\\"srv@x.example\\\"}]}]}]}\"}]}\n"
	        "{\"CreationTime\":\"2025-02-13T09:53:51\",\"Id\":\"c\","
	        "\"Operation\":\"UpdateInboxRules\",\"RecordType\":2,"
	        "\"UserId\":\"user1\",\"Workload\":\"Exchange\","
	        "\"OperationProperties\":[{\"Name\":\"RuleName\",\"Value\":"
	        "\"MyRule\"},{\"Name\":\"RuleActions\",\"Value\":\"[{\\\""
	        "ActionType\\\":\\\"DeferAction\\\",\\\"LengthOfDeferData\\\":"
	        "\\\"1453\\\"}]\"}]}\n";
	struct run run;
	read_file("update.jsonl", in, check_update_rules, &run);
	assert_int_equal(run.nev, 3);
}

/* MailItemsAccessed, an SCC cmdlet, results. */
static void check_misc(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	if (i == 0) {
		eq(a->operation, "MailItemsAccessed");
		assert_int_equal(a->record_type, 50);
		assert_int_equal(a->op_count, 6);
		assert_int_equal(a->logon_type, 0);
		assert_int_equal(a->user_type, 5);
		eq(a->client_app_id, "22222222-2222");
		eq(a->client_info, "Client=REST;Client=RESTSystem;;");
		eq(a->client_ip, "10.1.2.3");
		assert_int_equal(a->client_port, 4433);
		assert_string_equal(param(a, "MailAccessType", 0), "Bind");
		assert_int_equal(a->result, MH_AR_PARTIAL);
	} else if (i == 1) {
		eq(a->operation, "New-ComplianceSearch");
		assert_string_equal(param(a, "Name", 0), "hunt 1");
		assert_string_equal(param(a, "ExchangeLocation", 0), "All");
		assert_string_equal(param(a, "ContentMatchQuery", 0),
		                    "password -and wire");
		assert_string_equal(param(a, "Force", 0), "$true");
		eq(a->client_info, "PowerShell");
		assert_int_equal(a->result, MH_AR_FAILED);
	} else {
		/* An Operation no one knows: still an event. */
		eq(a->operation, "Frobnicate-Thing");
		eq(a->client_ip, "2001:db8::1");
		assert_int_equal(a->client_port, 443);
	}
}

static void test_misc(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"CreationTime\":\"2024-10-03T11:23:17Z\",\"Id\":\"m1\","
	        "\"Operation\":\"MailItemsAccessed\",\"RecordType\":50,"
	        "\"ResultStatus\":\"PartiallySucceeded\",\"UserId\":\"app\","
	        "\"UserType\":5,\"Workload\":\"Exchange\",\"LogonType\":0,"
	        "\"ClientAppId\":\"22222222-2222\",\"ClientInfoString\":"
	        "\"Client="
	        "REST;Client=RESTSystem;;\",\"ClientIPAddress\":\"[::ffff:"
	        "10.1.2.3]:4433\",\"OperationCount\":6,\"OperationProperties\":"
	        "[{\"Name\":\"MailAccessType\",\"Value\":\"Bind\"},{\"Name\":"
	        "\"IsThrottled\",\"Value\":\"False\"}],\"Folders\":[{\"Path\":"
	        "\"\\\\Inbox\",\"FolderItems\":[{\"Id\":\"1\"}]}]}\n"
	        "{\"CreationTime\":\"2024-10-03T11:23:18Z\",\"Id\":\"m2\","
	        "\"Operation\":\"New-ComplianceSearch\",\"RecordType\":18,"
	        "\"ResultStatus\":\"Failed\",\"UserId\":\"admin\",\"Workload\":"
	        "\"SecurityComplianceCenter\",\"ClientApplication\":"
	        "\"PowerShell\","
	        "\"Parameters\":\"-Name \\\"hunt 1\\\" -ExchangeLocation All "
	        "-ContentMatchQuery 'password -and wire' -Force:$true\"}\n"
	        "{\"CreationTime\":\"2024-10-03T11:23:19Z\",\"Id\":\"m3\","
	        "\"Operation\":\"Frobnicate-Thing\",\"RecordType\":1,"
	        "\"UserId\":"
	        "\"x\",\"ClientIP\":\"[2001:DB8::1]:443\"}\n";
	struct run run;
	read_file("misc.jsonl", in, check_misc, &run);
	assert_int_equal(run.nev, 3);
	assert_int_equal(run.nskip, 0);
}

/* Wrong types in known fields: said, skipped; the rest read. */
static void test_wrong_types(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"CreationTime\":\"2024-01-01T00:00:00\",\"Id\":\"w1\","
	        "\"Operation\":{\"x\":1},\"RecordType\":1,\"UserId\":\"u\"}\n"
	        "{\"CreationTime\":\"2024-01-01T00:00:00\",\"Id\":\"w2\","
	        "\"Operation\":\"Set-Mailbox\",\"RecordType\":1,\"UserId\":"
	        "\"u\","
	        "\"Parameters\":5}\n"
	        "{\"CreationTime\":\"2024-01-01T00:00:00\",\"Id\":\"w3\","
	        "\"Operation\":\"Set-Mailbox\",\"RecordType\":\"1\",\"UserId\":"
	        "[\"u\"]}\n"
	        "{\"CreationTime\":12345,\"Id\":\"w4\",\"Operation\":\"Set-"
	        "Mailbox\",\"RecordType\":1,\"UserId\":\"u\",\"UserType\":true}"
	        "\n";
	struct run run;
	read_file("types.jsonl", in, NULL, &run);
	assert_int_equal(run.nskip, 3);
	assert_int_equal(run.nev, 1); /* odd values of the right kind */
	assert_int_equal(run.skip_reason[0], MH_SKIP_MALFORMED);
	assert_non_null(strstr(run.skip_msg[0], "'Operation' is an object"));
	assert_non_null(strstr(run.skip_msg[1], "'Parameters' is neither"));
	assert_non_null(strstr(run.skip_msg[2], "'UserId' is a list"));
	assert_int_equal(run.skip_line[2], 3);
}

/* MARK: - exports that hold the record */

static void check_purview(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	assert_int_equal(a->shape, MH_AS_UAL_SEARCH);
	eq(a->operation, i == 0 ? "Set-Mailbox" : "MailItemsAccessed");
	if (i == 0) {
		eq(a->actor, "admin@corp.example");
		eq(a->mailbox, "alice@corp.example");
		assert_string_equal(param(a, "ForwardingSmtpAddress", 0),
		                    "smtp:out@evil.example");
		assert_int_equal(a->ts,
		                 mh_time_from_civil(2024, 3, 1, 10, 0, 3));
		/* The held record's fields come first, without prefix; the
		 * row's columns follow. */
		assert_string_equal(field(ev, "Parameters.Identity"),
		                    "alice@corp.example");
		assert_string_equal(field(ev, "Operations"), "Set-Mailbox");
		assert_string_equal(field(ev, "RecordType"), "1");
	}
}

static void test_purview_csv(void **state)
{
	(void)state;
	static const char in[] =
	        "\xef\xbb\xbf"
	        "CreationDate,UserIds,Operations,AuditData\r\n"
	        "2024-03-01T10:00:03.0000000Z,admin@corp.example,Set-Mailbox,"
	        "\"{\"\"CreationTime\"\":\"\"2024-03-01T10:00:03\"\","
	        "\"\"Id\"\":"
	        "\"\"p1\"\",\"\"Operation\"\":\"\"Set-Mailbox\"\","
	        "\"\"RecordType"
	        "\"\":1,\"\"UserId\"\":\"\"admin@corp.example\"\","
	        "\"\"Parameters"
	        "\"\":[{\"\"Name\"\":\"\"Identity\"\",\"\"Value\"\":\"\"alice@"
	        "corp.example\"\"},{\"\"Name\"\":\"\"ForwardingSmtpAddress\"\","
	        "\"\"Value\"\":\"\"smtp:out@evil.example\"\"}]}\"\r\n"
	        "2024-03-01T10:00:04.0000000Z,u,MailItemsAccessed,\"{\"\""
	        "CreationTime\"\":\"\"2024-03-01T10:00:04\"\",\"\"Id\"\":\"\"p2"
	        "\"\",\"\"Operation\"\":\"\"MailItemsAccessed\"\"}\"\r\n"
	        "2024-03-01T10:00:05.0000000Z,u,Set-Mailbox,\"{\"\"CreationTime"
	        "\"\":\"\"2024-03-01T10:00:05\"\",\"\"Operation\"\":\"\"Set-"
	        "Mail\"\r\n"
	        "2024-03-01T10:00:06.0000000Z,u,Set-Mailbox,not json at "
	        "all\r\n";
	struct run run;
	read_file("purview.csv", in, check_purview, &run);
	assert_int_equal(run.nev, 2);
	assert_int_equal(run.nskip, 2);
	/* The cut AuditData (an Excel-truncated cell) and one without. */
	assert_int_equal(run.skip_reason[0], MH_SKIP_TRUNCATED);
	assert_non_null(strstr(run.skip_msg[0], "'AuditData' holds cut JSON"));
	assert_int_equal(run.skip_line[0], 4);
	assert_int_equal(run.skip_reason[1], MH_SKIP_MALFORMED);
}

static void check_purview_json(const struct mh_event *ev, size_t i)
{
	(void)i;
	const struct mh_audit *a = ev->audit;
	assert_int_equal(a->shape, MH_AS_UAL_SEARCH);
	eq(a->operation, "New-InboxRule");
	eq(a->id, "p9");
	assert_string_equal(param(a, "ForwardTo", 0), "x@evil.example");
}

/* Search-UnifiedAuditLog | ConvertTo-Json (PowerShell 5.1: CRLF, four
 * spaces, /Date()/). */
static void test_purview_json(void **state)
{
	(void)state;
	static const char in[] =
	        "[\r\n    {\r\n        \"RecordType\":  \"ExchangeAdmin\",\r\n"
	        "        \"CreationDate\":  \"\\/Date(1709287203000)\\/\",\r\n"
	        "        \"UserIds\":  \"u@corp.example\",\r\n"
	        "        \"Operations\":  \"New-InboxRule\",\r\n"
	        "        \"AuditData\":  "
	        "\"{\\\"Id\\\":\\\"p9\\\",\\\"Operation\\\":"
	        "\\\"New-InboxRule\\\",\\\"Parameters\\\":[{\\\"Name\\\":\\\""
	        "ForwardTo\\\",\\\"Value\\\":\\\"x@evil.example\\\"}]}\",\r\n"
	        "        \"ResultIndex\":  1,\r\n        \"ResultCount\":  "
	        "1\r\n"
	        "    }\r\n]\r\n";
	struct run run;
	read_file("sual.json", in, check_purview_json, &run);
	assert_int_equal(run.nev, 1);
}

static void check_sentinel(const struct mh_event *ev, size_t i)
{
	(void)i;
	const struct mh_audit *a = ev->audit;
	assert_int_equal(a->shape, MH_AS_SENTINEL);
	eq(a->operation, "New-InboxRule");
	eq(a->workload, "Exchange");
	assert_int_equal(a->record_type, 1);
	assert_int_equal(a->user_type, 2);
	assert_int_equal(a->logon_type, 1);
	eq(a->client_ip, "175.45.176.99");
	eq(a->id, "5fe96415-d129");
	eq(a->object, "NAM/x/AdeleV\\junk");
	assert_int_equal(a->ts, mh_time_from_civil(2021, 4, 28, 14, 33, 14));
	assert_string_equal(param(a, "SubjectContainsWords", 0), "legal");
	/* A JSON cell gives its fields below the column. */
	assert_string_equal(field(ev, "Parameters.PinMessage"), "True");
}

static void test_sentinel(void **state)
{
	(void)state;
	static const char in[] =
	        "TenantId,RecordType,TimeGenerated [UTC],Operation,UserType,"
	        "OfficeWorkload,ResultStatus,OfficeObjectId,UserId,ClientIP,"
	        "Parameters,Logon_Type,OfficeId,Type\n"
	        "7c75,ExchangeAdmin,\"4/28/2021, 2:33:14.000 "
	        "PM\",New-InboxRule,"
	        "Admin,Exchange,TRUE,NAM/x/AdeleV\\junk,AdeleV@M365x.example,"
	        "175.45.176.99:17362,\"[\n  {\n    \"\"Name\"\": "
	        "\"\"SubjectContains"
	        "Words\"\",\n    \"\"Value\"\": \"\"legal\"\"\n  },\n  "
	        "{\"\"Name"
	        "\"\": \"\"PinMessage\"\", \"\"Value\"\": "
	        "\"\"True\"\"}\n]\",Admin,"
	        "5fe96415-d129,OfficeActivity\n";
	struct run run;
	read_file("sentinel.csv", in, check_sentinel, &run);
	assert_int_equal(run.nev, 1);
}

static void check_defender(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_int_equal(a->shape, MH_AS_DEFENDER);
	eq(a->operation, "MailItemsAccessed");
	eq(a->mailbox, "john.doe@example.com");
	eq(a->actor_type, "Application");
	assert_int_equal(a->user_type, 5);
	if (i == 0) {
		eq(a->client_ip, "fe80:11:2233:4455:6677:8899:aabb:ccdd");
		/* RawEventData's own fields, without prefix. */
		assert_string_equal(field(ev, "MailboxOwnerUPN"),
		                    "john.doe@example.com");
	}
}

static void test_defender(void **state)
{
	(void)state;
	static const char raw[] =
	        "{\"AppId\":\"2222\",\"ClientIPAddress\":\"fe80:0011:2233:4455:"
	        "6677:8899:AABB:CCDD\",\"CreationTime\":\"2024-10-03T11:23:"
	        "17Z\","
	        "\"Id\":\"d1\",\"LogonType\":0,\"MailboxOwnerUPN\":\"john.doe@"
	        "example.com\",\"Operation\":\"MailItemsAccessed\","
	        "\"RecordType\":"
	        "50,\"UserType\":5,\"OperationCount\":6}";
	char in[2048];
	/* An Advanced Hunting row, then the same from the streaming API
	 * (Event Hubs page) with its own Id. */
	snprintf(
	        in, sizeof(in),
	        "{\"ActionType\":\"MailItemsAccessed\",\"AccountType\":"
	        "\"Application\",\"RawEventData\":%s}\n"
	        "{\"records\":[{\"time\":\"2024-10-03T11:29:06Z\",\"category\":"
	        "\"AdvancedHunting-CloudAppEvents\",\"properties\":{"
	        "\"ActionType\":\"MailItemsAccessed\",\"AccountType\":"
	        "\"Application\",\"IPAddress\":\"1.1.1.1\",\"RawEventData\":"
	        "%.*s,\"Id\":\"d2\"}}}]}\n",
	        raw, (int)strlen(raw) - 1, raw);
	struct run run;
	read_file("defender.json", in, check_defender, &run);
	assert_int_equal(run.nev, 2);
}

static void check_graph(const struct mh_event *ev, size_t i)
{
	(void)i;
	const struct mh_audit *a = ev->audit;
	assert_int_equal(a->shape, MH_AS_GRAPH_AUDIT);
	eq(a->operation, "New-InboxRule");
	eq(a->actor, "admin@contoso.example");
	eq(a->client_ip, "20.1.2.3");
	assert_int_equal(a->ts, mh_time_from_civil(2024, 5, 1, 8, 0, 0));
	assert_string_equal(param(a, "ForwardTo", 0), "out@x.example");
	assert_string_equal(field(ev, "auditData.Operation"), "New-InboxRule");
	assert_string_equal(field(ev, "Operation"), "New-InboxRule");
}

static void test_graph(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"@odata.context\":\"https://graph.microsoft.com/...\","
	        "\"value\":[{\"id\":\"g1\",\"createdDateTime\":\"2024-05-01T08:"
	        "00:"
	        "00Z\",\"auditLogRecordType\":\"exchangeAdmin\",\"operation\":"
	        "\"New-InboxRule\",\"userPrincipalName\":\"admin@contoso."
	        "example"
	        "\",\"clientIp\":\"20.1.2.3\",\"service\":\"Exchange\","
	        "\"auditData\":{\"Operation\":\"New-InboxRule\",\"Parameters\":"
	        "[{\"Name\":\"ForwardTo\",\"Value\":\"out@x.example\"}]}}]}\n";
	struct run run;
	read_file("graph.json", in, check_graph, &run);
	assert_int_equal(run.nev, 1);
}

static void check_admin(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_int_equal(a->shape, MH_AS_ADMIN_AUDIT);
	eq(a->operation, "Set-Mailbox");
	eq(a->actor, "NAM/Users/admin");
	eq(a->mailbox, i == 0 ? "alice" : "bob");
	assert_int_equal(a->result, i == 0 ? MH_AR_OK : MH_AR_FAILED);
	assert_string_equal(param(a, "ForwardingSmtpAddress", 0),
	                    "smtp:x@evil.example");
	assert_int_equal(a->ts, mh_time_from_civil(2024, 3, 1, 10, 0, 0));
	/* No Id: never dropped as a duplicate. */
	assert_int_equal(ev->record_id.n, 0);
}

static void test_admin_audit(void **state)
{
	(void)state;
	static const char in[] =
	        "[{\"CmdletName\":\"Set-Mailbox\",\"ObjectModified\":\"alice\","
	        "\"CmdletParameters\":[{\"Name\":\"ForwardingSmtpAddress\","
	        "\"Value\":\"smtp:x@evil.example\"}],\"Caller\":\"NAM/Users/"
	        "admin\",\"Succeeded\":true,\"RunDate\":\"2024-03-01T10:00:"
	        "00\"},"
	        "{\"CmdletName\":\"Set-Mailbox\",\"ObjectModified\":\"bob\","
	        "\"CmdletParameters\":[{\"Name\":\"ForwardingSmtpAddress\","
	        "\"Value\":\"smtp:x@evil.example\"}],\"Caller\":\"NAM/Users/"
	        "admin\",\"Succeeded\":false,\"RunDate\":\"2024-03-01T10:00:"
	        "00\"}"
	        "]";
	struct run run;
	read_file("adminaudit.json", in, check_admin, &run);
	assert_int_equal(run.nev, 2);
}

/* MARK: - configuration snapshots */

static void check_config(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	assert_int_equal(a->snapshot, 1);
	assert_int_equal(ev->ts, MH_TS_NONE);
	assert_int_equal(ev->record_id.n, 0);
	switch (i) {
	case 0:
		assert_int_equal(a->shape, MH_AS_CFG_INBOX_RULE);
		eq(a->operation, "Get-InboxRule");
		eq(a->mailbox, "alice@corp.example");
		assert_string_equal(param(a, "ForwardTo", 0),
		                    "\"Ev\" [SMTP:ev@evil.example]");
		assert_string_equal(param(a, "ForwardTo", 1), "b@x.example");
		assert_string_equal(param(a, "DeleteMessage", 0), "true");
		assert_null(param(a, "RedirectTo", 0)); /* null: left out */
		break;
	case 1:
		assert_int_equal(a->shape, MH_AS_CFG_INBOX_RULE);
		/* No owner column: the Identity's mailbox part. */
		eq(a->mailbox, "bob");
		eq(a->object, "bob\\1234");
		break;
	case 2:
		assert_int_equal(a->shape, MH_AS_CFG_MAILBOX);
		eq(a->operation, "Get-Mailbox");
		eq(a->mailbox, "carol@corp.example");
		assert_string_equal(param(a, "ForwardingSmtpAddress", 0),
		                    "smtp:c@gmail.example");
		break;
	case 3:
		assert_int_equal(a->shape, MH_AS_CFG_TRANSPORT_RULE);
		eq(a->object, "bcc all");
		assert_string_equal(param(a, "BlindCopyTo", 0),
		                    "spy@x.example");
		break;
	case 4:
		assert_int_equal(a->shape, MH_AS_CFG_REMOTE_DOMAIN);
		eq(a->object, "*");
		assert_string_equal(param(a, "AutoForwardEnabled", 0), "true");
		break;
	case 5:
		assert_int_equal(a->shape, MH_AS_CFG_MAILBOX_PERMISSION);
		eq(a->mailbox, "dave");
		assert_string_equal(param(a, "User", 0), "eve@corp.example");
		assert_string_equal(param(a, "AccessRights", 0), "FullAccess");
		break;
	case 6:
		assert_int_equal(a->shape, MH_AS_CFG_FOLDER_PERMISSION);
		eq(a->mailbox, "dave");
		assert_string_equal(param(a, "AccessRights", 0), "Reviewer");
		break;
	default: fail();
	}
}

static void test_config_json(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"Name\":\"r\",\"MailboxOwnerId\":\"alice@corp.example\","
	        "\"Identity\":{\"Name\":\"x\"},\"Priority\":1,\"ForwardTo\":["
	        "\"\\\""
	        "Ev\\\" "
	        "[SMTP:ev@evil.example]\",\"b@x.example\"],\"RedirectTo\":"
	        "null,\"DeleteMessage\":true}\n"
	        "{\"Identity\":\"bob\\\\1234\",\"Name\":\"r2\",\"RedirectTo\":"
	        "\"x@y.example\"}\n"
	        "{\"PrimarySmtpAddress\":\"carol@corp.example\",\"Identity\":"
	        "\"carol\",\"ForwardingSmtpAddress\":\"smtp:c@gmail.example\","
	        "\"DeliverToMailboxAndForward\":false}\n"
	        "{\"Name\":\"bcc all\",\"Priority\":0,\"State\":\"Enabled\","
	        "\"BlindCopyTo\":[\"spy@x.example\"]}\n"
	        "{\"DomainName\":\"*\",\"Name\":\"Default\","
	        "\"AutoForwardEnabled"
	        "\":true}\n"
	        "{\"Identity\":\"dave\",\"User\":\"eve@corp.example\","
	        "\"AccessRights\":[\"FullAccess\"],\"IsInherited\":false,"
	        "\"Deny\":"
	        "false}\n"
	        "{\"Identity\":\"dave:\\\\Inbox\",\"FolderName\":\"Inbox\","
	        "\"User\":\"Eve\",\"AccessRights\":[\"Reviewer\"]}\n";
	struct run run;
	read_file("config.jsonl", in, check_config, &run);
	assert_int_equal(run.nev, 7);
	assert_int_equal(run.nskip, 0);
}

/* MARK: - Google Workspace */

static void check_gws(const struct mh_event *ev, size_t i)
{
	const struct mh_audit *a = ev->audit;
	assert_non_null(a);
	assert_int_equal(a->source, MH_AUDIT_GWS);
	switch (i) {
	case 0:
		assert_int_equal(a->shape, MH_AS_GWS_REPORTS);
		eq(a->workload, "admin");
		assert_int_equal(a->nops, 2);
		eq(a->ops[0], "CREATE_EMAIL_MONITOR");
		eq(a->ops[1], "CHANGE_GMAIL_SETTING");
		eq(a->event_type, "USER_SETTINGS");
		eq(a->mailbox, "victim@corp.example");
		eq(a->actor, "admin@corp.example");
		eq(a->client_ip, "2001:db8::7");
		assert_string_equal(param(a, "EMAIL_MONITOR_DEST_EMAIL", 0),
		                    "spy@x.example");
		assert_string_equal(param(a, "SCOPES", 1), "b");
		assert_string_equal(param(a, "REQUEST.level", 0), "FULL");
		assert_int_equal(mh_audit_param(a, "SETTING_NAME", NULL)->op,
		                 1);
		assert_int_equal(a->ts,
		                 mh_time_from_civil(2024, 2, 2, 2, 2, 2));
		break;
	case 1:
		/* Panther's form: the event at the top, a parameter map. */
		eq(a->operation, "email_forwarding_out_of_domain");
		eq(a->mailbox, "homer@springfield.example");
		assert_string_equal(
		        param(a, "email_forwarding_destination_address", 0),
		        "h@gmail.example");
		break;
	case 2:
		/* Elastic's form: "events" one object. */
		eq(a->operation, "2sv_disable");
		break;
	case 3:
		assert_int_equal(a->shape, MH_AS_GWS_CLOUD_LOGGING);
		eq(a->operation, "email_forwarding_out_of_domain");
		eq(a->actor, "u@corp.example");
		eq(a->client_ip, "9.9.9.9");
		eq(a->id, "ins1");
		assert_string_equal(
		        param(a, "email_forwarding_destination_address", 0),
		        "ext@mail.example");
		break;
	default: fail();
	}
}

static void test_gws(void **state)
{
	(void)state;
	static const char in[] =
	        "{\"kind\":\"admin#reports#activities\",\"items\":[{\"kind\":"
	        "\"admin#reports#activity\",\"id\":{\"time\":\"2024-02-02T02:"
	        "02:"
	        "02.123Z\",\"uniqueQualifier\":\"-1\",\"applicationName\":"
	        "\"admin\",\"customerId\":\"C1\"},\"actor\":{\"email\":\"admin@"
	        "corp.example\",\"callerType\":\"USER\"},\"ipAddress\":\"2001:"
	        "db8:"
	        ":7\",\"events\":[{\"type\":\"USER_SETTINGS\",\"name\":"
	        "\"CREATE_"
	        "EMAIL_MONITOR\",\"parameters\":[{\"name\":\"USER_EMAIL\","
	        "\"value\":\"victim@corp.example\"},{\"name\":\"EMAIL_MONITOR_"
	        "DEST_EMAIL\",\"value\":\"spy@x.example\"},{\"name\":"
	        "\"SCOPES\","
	        "\"multiValue\":[\"a\",\"b\"]},{\"name\":\"REQUEST\","
	        "\"messageValue\":{\"parameter\":[{\"name\":\"level\","
	        "\"value\":"
	        "\"FULL\"}]}}]},{\"type\":\"EMAIL_SETTINGS\",\"name\":\"CHANGE_"
	        "GMAIL_SETTING\",\"parameters\":[{\"name\":\"SETTING_NAME\","
	        "\"value\":\"x\"}]}]}]}\n"
	        "{\"id\":{\"applicationName\":\"user_accounts\"},\"actor\":{"
	        "\"email\":\"homer@springfield.example\"},\"type\":\"email_"
	        "forwarding_change\",\"name\":\"email_forwarding_out_of_"
	        "domain\","
	        "\"parameters\":{\"email_forwarding_destination_address\":\"h@"
	        "gmail.example\"}}\n"
	        "{\"kind\":\"admin#reports#activity\",\"id\":{\"time\":\"2020-"
	        "10-"
	        "02T15:00:00Z\",\"uniqueQualifier\":1,\"applicationName\":"
	        "\"user_"
	        "accounts\"},\"actor\":{\"email\":\"foo@bar.example\"},"
	        "\"events\":"
	        "{\"type\":\"2sv_change\",\"name\":\"2sv_disable\"}}\n"
	        "{\"insertId\":\"ins1\",\"logName\":\"organizations/1/logs/"
	        "cloudaudit.googleapis.com%2Factivity\",\"timestamp\":\"2024-"
	        "01-"
	        "01T00:00:00Z\",\"protoPayload\":{\"serviceName\":\"login."
	        "googleapis.com\",\"authenticationInfo\":{\"principalEmail\":"
	        "\"u@"
	        "corp.example\"},\"requestMetadata\":{\"callerIp\":\"9.9.9.9\"}"
	        ","
	        "\"metadata\":{\"event\":[{\"eventType\":\"email_forwarding_"
	        "change\",\"eventName\":\"email_forwarding_out_of_domain\","
	        "\"parameter\":[{\"name\":\"email_forwarding_destination_"
	        "address"
	        "\",\"value\":\"ext@mail.example\"}]}]}}}\n";
	struct run run;
	read_file("gws.jsonl", in, check_gws, &run);
	assert_int_equal(run.nev, 4);
	assert_int_equal(run.nskip, 0);
}

/* MARK: - Windows events */

static void check_win(const struct mh_event *ev, size_t i)
{
	assert_int_equal(ev->kind, MH_EV_WINEVENT);
	assert_null(ev->audit);
	assert_non_null(ev->win);
	const struct mh_winevent *w = ev->win;
	int64_t t = mh_time_from_civil(2024, 3, 1, 10, 0, 0);
	switch (i) {
	case 0: /* evtx_dump, attributes under #attributes */
		assert_int_equal(w->shape, MH_WS_EVTX);
		assert_int_equal(w->event_id, 1);
		eq(w->channel, "Microsoft-Windows-Sysmon/Operational");
		eq(w->provider, "Microsoft-Windows-Sysmon");
		eq(w->computer, "ws1.corp.example");
		eq(w->record_id, "14961");
		/* the dedup key: ..., event id in decimal, provider */
		assert_non_null(memmem(ev->record_id.p, ev->record_id.n,
		                       "\x1f"
		                       "1\x1fMicrosoft-Windows-Sysmon\x1f",
		                       28));
		assert_int_equal(ev->ts, t);
		assert_string_equal(field(ev, "Event.EventData.Image"),
		                    "C:\\Windows\\System32\\whoami.exe");
		break;
	case 1: /* evtx_dump --separate-json-attributes, EventID #text */
		assert_int_equal(w->shape, MH_WS_EVTX);
		assert_int_equal(w->event_id, 4624);
		eq(w->channel, "Security");
		eq(w->provider, "Microsoft-Windows-Security-Auditing");
		eq(w->record_id, NULL);
		assert_int_equal(ev->ts, t);
		assert_int_equal(ev->record_id.n, 0); /* no id: never dropped */
		break;
	case 2: /* Winlogbeat 8: strings; time from @timestamp */
		assert_int_equal(w->shape, MH_WS_ECS);
		assert_int_equal(w->event_id, 4104);
		eq(w->channel, "Microsoft-Windows-PowerShell/Operational");
		eq(w->provider, "Microsoft-Windows-PowerShell");
		eq(w->computer, "ws2");
		eq(w->record_id, "77");
		assert_int_equal(ev->ts, t);
		assert_string_equal(
		        field(ev, "winlog.event_data.ScriptBlockText"),
		        "Get-Mailbox");
		break;
	case 3: /* Winlogbeat 7: numbers; event.code and host.name when
	         * winlog lacks them */
		assert_int_equal(w->shape, MH_WS_ECS);
		assert_int_equal(w->event_id, 11);
		eq(w->provider, "Microsoft-Windows-Sysmon");
		eq(w->computer, "ws3");
		eq(w->record_id, "78");
		break;
	case 4: /* Get-WinEvent from Windows PowerShell: /Date()/ */
		assert_int_equal(w->shape, MH_WS_PS);
		assert_int_equal(w->event_id, 4688);
		eq(w->channel, "Security");
		eq(w->computer, "ws4");
		eq(w->record_id, "99");
		assert_non_null(memmem(ev->record_id.p, ev->record_id.n,
		                       "\x1f"
		                       "4688\x1f",
		                       6));
		assert_int_equal(ev->ts, t);
		break;
	case 5: /* Get-WinEvent from PowerShell 7: ISO time with offset */
		assert_int_equal(w->shape, MH_WS_PS);
		assert_int_equal(ev->ts, t);
		break;
	default: fail_msg("event %zu", i);
	}
}

static void test_windows(void **state)
{
	(void)state;
	const char *in =
	        /* 0: two records concatenated, pretty-printed, as SigmaHQ's
	         * regression JSON is */
	        "{\n  \"Event\": {\n    \"#attributes\": {\"xmlns\": "
	        "\"http://schemas.microsoft.com/win/2004/08/events/event\"},\n"
	        "    \"System\": {\n      \"Provider\": {\"#attributes\": "
	        "{\"Name\": \"Microsoft-Windows-Sysmon\", \"Guid\": \"5770385F-"
	        "C22A-43E0-BF4C-06F5698FFBD9\"}},\n      \"EventID\": 1,\n"
	        "      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": "
	        "\"2024-03-01T10:00:00.640670Z\"}},\n      \"EventRecordID\": "
	        "14961,\n      \"Channel\": \"Microsoft-Windows-Sysmon/"
	        "Operational\",\n      \"Computer\": \"ws1.corp.example\"\n"
	        "    },\n    \"EventData\": {\"Image\": \"C:\\\\Windows\\\\"
	        "System32\\\\whoami.exe\", \"ProcessId\": 7760}\n  }\n}\n"
	        "{\"Event\":{\"System\":{\"Provider_attributes\":{\"Name\":"
	        "\"Microsoft-Windows-Security-Auditing\"},\"EventID\":{"
	        "\"#attributes\":{\"Qualifiers\":\"\"},\"#text\":4624},"
	        "\"Channel\":\"Security\",\"TimeCreated_attributes\":{"
	        "\"SystemTime\":\"2024-03-01T10:00:00Z\"}},\"EventData\":{"
	        "\"LogonType\":3}}}\n";
	const char *ecs =
	        "{\"@timestamp\":\"2024-03-01T10:00:00.000Z\",\"event\":{"
	        "\"code\":\"4104\",\"original\":\"<Event/>\"},\"winlog\":{"
	        "\"channel\":\"Microsoft-Windows-PowerShell/Operational\","
	        "\"event_id\":\"4104\",\"provider_name\":\"Microsoft-Windows-"
	        "PowerShell\",\"computer_name\":\"ws2\",\"record_id\":\"77\","
	        "\"event_data\":{\"ScriptBlockText\":\"Get-Mailbox\"}}}\n"
	        "{\"@timestamp\":\"2024-03-01T10:00:00Z\",\"event\":{\"code\":"
	        "11,\"provider\":\"Microsoft-Windows-Sysmon\"},\"host\":{"
	        "\"name\":\"ws3\"},\"winlog\":{\"channel\":\"Microsoft-Windows-"
	        "Sysmon/Operational\",\"record_id\":78}}\n";
	char all[8192];
	snprintf(all, sizeof(all), "%s%s", in, ecs);
	struct run run;
	read_file("win.json", all, check_win, &run);
	assert_int_equal(run.nev, 4);
	assert_int_equal(run.nskip, 0);
}

/* Get-WinEvent's objects, checked in order 4, 5. */
static void check_ps(const struct mh_event *ev, size_t i)
{
	check_win(ev, i + 4);
}

static void test_windows_ps(void **state)
{
	(void)state;
	struct run run;
	read_file("ps.json",
	          "[{\"Id\":4688,\"Version\":2,\"LogName\":\"Security\","
	          "\"ProviderName\":\"Microsoft-Windows-Security-Auditing\","
	          "\"MachineName\":\"ws4\",\"RecordId\":99,\"TimeCreated\":"
	          "\"\\/Date(1709287200000)\\/\",\"Properties\":[{\"Value\":"
	          "\"S-1-5-18\"}],\"Message\":\"A new process has been "
	          "created.\"},\n{\"Id\":4688,\"LogName\":\"Security\","
	          "\"ProviderName\":\"Microsoft-Windows-Security-Auditing\","
	          "\"RecordId\":100,\"TimeCreated\":\"2024-03-01T11:00:00+01:"
	          "00\"}]\n",
	          check_ps, &run);
	assert_int_equal(run.nev, 2);
	assert_int_equal(run.nskip, 0);
}

static void check_not_win(const struct mh_event *ev, size_t i)
{
	assert_null(ev->win);
	assert_int_equal(ev->kind, i == 0 ? MH_EV_RECORD : MH_EV_AUDIT);
}

/* The dedup key: the same record in two forms is one; two computers'
 * record 5 are two. */
static char keys[4][256];

static void keep_key(const struct mh_event *ev, size_t i)
{
	assert_true(ev->record_id.n > 0 && ev->record_id.n < 256);
	memcpy(keys[i], ev->record_id.p, ev->record_id.n);
	keys[i][ev->record_id.n] = '\0';
}

static void test_windows_keys_and_types(void **state)
{
	(void)state;
	struct run run;
	read_file(
	        "keys.json",
	        "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{"
	        "\"Name\":\"P\"}},\"EventID\":1,\"EventRecordID\":5,"
	        "\"Channel\":\"C\",\"Computer\":\"a\",\"TimeCreated\":{"
	        "\"#attributes\":{\"SystemTime\":\"2024-03-01T10:00:00Z\"}}}}}"
	        "\n{\"@timestamp\":\"2024-03-01T10:00:00.000Z\",\"winlog\":{"
	        "\"channel\":\"C\",\"event_id\":1,\"provider_name\":\"P\","
	        "\"computer_name\":\"a\",\"record_id\":\"5\"}}\n"
	        "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{"
	        "\"Name\":\"P\"}},\"EventID\":1,\"EventRecordID\":5,"
	        "\"Channel\":\"C\",\"Computer\":\"b\",\"TimeCreated\":{"
	        "\"#attributes\":{\"SystemTime\":\"2024-03-01T10:00:00Z\"}}}}}"
	        "\n",
	        keep_key, &run);
	assert_int_equal(run.nev, 3);
	assert_string_equal(keys[0], keys[1]);
	assert_string_not_equal(keys[0], keys[2]);
	/* a Windows record's key is not an audit record's */
	assert_true(strncmp(keys[0], "win\x1f", 4) == 0);
	/* wrong types: skipped, naming the key */
	read_file("bad.json",
	          "{\"Event\":{\"System\":{\"Channel\":{\"x\":1},\"EventID\":"
	          "1}}}\n{\"winlog\":{\"channel\":[\"a\"]}}\n"
	          "{\"Id\":1,\"LogName\":\"Security\",\"ProviderName\":{}}\n",
	          NULL, &run);
	assert_int_equal(run.nev, 0);
	assert_int_equal(run.nskip, 3);
	assert_non_null(strstr(run.skip_msg[0], "'Event.System.Channel'"));
	assert_non_null(strstr(run.skip_msg[1], "'winlog.channel'"));
	assert_non_null(strstr(run.skip_msg[2], "'ProviderName'"));
	assert_int_equal(run.skip_line[1], 2);
	/* not Windows: "Event" that is no evtx record, a Cloud Logging
	 * entry with logName, a UAL record with an Id */
	read_file("notwin.json",
	          "{\"Event\":{\"name\":\"x\"}}\n"
	          "{\"insertId\":\"i\",\"logName\":\"l\",\"Id\":\"x\","
	          "\"ProviderName\":\"p\",\"protoPayload\":{\"serviceName\":"
	          "\"admin.googleapis.com\"}}\n",
	          check_not_win, &run);
	assert_int_equal(run.nev, 2);
}

/* MARK: - generic records, keys */

static void check_generic(const struct mh_event *ev, size_t i)
{
	(void)i;
	assert_int_equal(ev->kind, MH_EV_RECORD);
	assert_null(ev->audit);
	assert_int_equal(ev->ts, mh_time_from_civil(2024, 1, 2, 3, 4, 5));
	assert_string_equal(field(ev, "msg.text"), "hello");
	assert_string_equal(field(ev, "@timestamp"), "2024-01-02T03:04:05Z");
}

static void test_generic_and_keys(void **state)
{
	(void)state;
	struct run run;
	read_file("generic.jsonl",
	          "{\"@timestamp\":\"2024-01-02T03:04:05Z\",\"msg\":{\"text\":"
	          "\"hello\"}}\n",
	          check_generic, &run);
	assert_int_equal(run.nev, 1);
	/* Every known key is found by its name in any case, and only by
	 * it (keys.def has no duplicates). */
	for (int k = 0; k < K__COUNT; k++) {
		const char *n = mh_rec_key_name(k);
		assert_int_equal(mh_rec_key_find(n, strlen(n)), k);
		char up[64];
		size_t l = strlen(n);
		for (size_t j = 0; j <= l; j++)
			up[j] = (char)(n[j] >= 'a' && n[j] <= 'z' ? n[j] - 32
			                                          : n[j]);
		assert_int_equal(mh_rec_key_find(up, l), k);
	}
	assert_int_equal(mh_rec_key_find("NoSuchKey", 9), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ual),
	        cmocka_unit_test(test_lower_case_wrapped),
	        cmocka_unit_test(test_update_inbox_rules),
	        cmocka_unit_test(test_misc),
	        cmocka_unit_test(test_wrong_types),
	        cmocka_unit_test(test_purview_csv),
	        cmocka_unit_test(test_purview_json),
	        cmocka_unit_test(test_sentinel),
	        cmocka_unit_test(test_defender),
	        cmocka_unit_test(test_graph),
	        cmocka_unit_test(test_admin_audit),
	        cmocka_unit_test(test_config_json),
	        cmocka_unit_test(test_gws),
	        cmocka_unit_test(test_windows),
	        cmocka_unit_test(test_windows_ps),
	        cmocka_unit_test(test_windows_keys_and_types),
	        cmocka_unit_test(test_generic_and_keys),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
