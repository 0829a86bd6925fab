/* Unit tests for the literal prefilter (readers/record/rawop.h): the raw
 * peek at a Management Activity API record's Operation, Id, CreationTime
 * and RecordType (key order, whitespace, escapes, nested and repeated
 * operations, missing keys: parse), the lists analytics give, and the
 * JSON reader passing records over with the dedup key a parsed copy of
 * the same record gets (JSON Lines and a Purview CSV). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "event/audit.h"
#include "event/event.h"
#include "readers/reader.h"
#include "readers/record/rawop.h"

#define TESTDIR_NAME "mh-test-rawop"
#include "testdir.h"

static char *copy; /* the last text peeked at: o's slices point in it */

static int peek(const char *s, struct mh_rawop *o)
{
	/* Exactly strlen(s) bytes, from a copy of its own size: ASan sees
	 * any read past the end. */
	size_t n = strlen(s);
	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	return mh_rawop_peek(copy, n, o) && mh_rawop_sure(copy, n);
}

static void eq(struct mh_slice s, const char *want)
{
	if (s.n != strlen(want) || memcmp(s.p, want, s.n) != 0)
		fail_msg("got '%.*s', want '%s'", (int)s.n, s.p ? s.p : "",
		         want);
}

static void test_peek_found(void **state)
{
	(void)state;
	struct mh_rawop o;
	/* The API's own key order. */
	assert_int_equal(
	        peek("{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a-1\","
	             "\"Operation\":\"FileAccessed\",\"OrganizationId\":\"x\","
	             "\"RecordType\":6,\"UserId\":\"u@corp.example\"}",
	             &o),
	        1);
	eq(o.op, "FileAccessed");
	eq(o.id, "a-1");
	eq(o.time, "2024-03-01T10:00:03");
	assert_int_equal(o.rtype, 6);
	/* Another order, spaces and line breaks around ':' and ',', nested
	 * values (without an operation) before the keys. */
	assert_int_equal(peek(" {\n  \"Item\" : {\"a\":[1,{\"b\":\"}\"}]},\n"
	                      "  \"RecordType\" : \"15\" ,\n  \"Operation\" "
	                      ":\t\"UserLoggedIn\","
	                      "\"Id\":\"b\", \"CreationTime\": "
	                      "\"2024-03-01T10:00:03Z\"\n}",
	                      &o),
	                 1);
	eq(o.op, "UserLoggedIn");
	eq(o.id, "b");
	assert_int_equal(o.rtype, 15);
	/* No RecordType: unknown. Escapes in other values are fine. */
	assert_int_equal(peek("{\"Id\":\"c\",\"Name\":\"a \\\"q\\\" b\","
	                      "\"CreationTime\":\"2024-03-01T10:00:03\","
	                      "\"Operation\":\"Send\"}",
	                      &o),
	                 1);
	eq(o.op, "Send");
	assert_int_equal(o.rtype, -1);
	/* OperationCount, OperationProperties and Operations are other
	 * keys. */
	assert_int_equal(
	        peek("{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"d\","
	             "\"Operation\":\"MailItemsAccessed\",\"OperationCount\":3,"
	             "\"OperationProperties\":[{\"Name\":\"MailAccessType\"}],"
	             "\"Operations\":\"x\"}",
	             &o),
	        1);
	eq(o.op, "MailItemsAccessed");
}

static void test_peek_doubt(void **state)
{
	(void)state;
	struct mh_rawop o;
	static const char *const doubt[] = {
	        /* not an object, empty, cut */
	        "",
	        "[1]",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"Fi",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\"",
	        /* a key missing */
	        "{\"Id\":\"a\",\"Operation\":\"FileAccessed\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\","
	        "\"Operation\":\"FileAccessed\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\"}",
	        /* the operation nested only (Defender's RawEventData) */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"RawEventData\":{\"Operation\":\"New-InboxRule\"}}",
	        /* a nested operation besides the top-level one, before or
	         * after it */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"X\":{\"Operation\":\"New-InboxRule\"},"
	        "\"Operation\":\"FileAccessed\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"FileAccessed\","
	        "\"X\":[{\"Operation\":\"New-InboxRule\"}]}",
	        /* a record held in a string (Purview's AuditData) */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"FileAccessed\",\"AuditData\":\"{\\\"Operation"
	        "\\\":\\\"New-InboxRule\\\"}\"}",
	        /* the key twice, or in another case */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"FileAccessed\",\"Operation\":\"Set-Mailbox\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"FileAccessed\",\"operation\":\"Set-Mailbox\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"OPERATION\":\"FileAccessed\"}",
	        "{\"creationTime\":\"2024-03-01T10:00:03\",\"id\":\"a\","
	        "\"operation\":\"FileAccessed\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Id\":\"b\",\"Operation\":\"FileAccessed\"}",
	        /* escapes in the values read or in a key */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"New-Inbox\\u0052ule\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\\\"\","
	        "\"Operation\":\"FileAccessed\"}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Op\\u0065ration\":\"New-InboxRule\","
	        "\"Operation\":\"FileAccessed\"}",
	        /* the operation not a string, or empty */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":null}",
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"\"}",
	        /* a RecordType by name (Sentinel) */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"FileAccessed\",\"RecordType\":\"SharePoint\"}",
	        /* not JSON after the keys */
	        "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	        "\"Operation\":\"FileAccessed\" \"RecordType\":6}",
	};
	for (size_t i = 0; i < sizeof(doubt) / sizeof(doubt[0]); i++)
		if (peek(doubt[i], &o) != 0)
			fail_msg("case %zu: not in doubt: %s", i, doubt[i]);
}

static void test_wanted(void **state)
{
	(void)state;
	static const char *const ops[] = {"New-InboxRule", "*Permission", "#40",
	                                  NULL};
	static const char *const none[] = {NULL};
	static struct mh_rawop_set set, empty, off;
	mh_rawop_set_init(&set, ops, 0);
	mh_rawop_set_init(&empty, none, 0);
	mh_rawop_set_init(&off, NULL, 0);
	assert_true(mh_rawop_wanted(&set, MH_SLICE_LIT("new-inboxrule"), 1));
	assert_true(mh_rawop_wanted(
	        &set, MH_SLICE_LIT("Add-MailboxFolderPermission"), 1));
	assert_true(mh_rawop_wanted(&set, MH_SLICE_LIT("AlertUpdated"), 40));
	assert_false(mh_rawop_wanted(&set, MH_SLICE_LIT("New-InboxRul"), 1));
	assert_false(mh_rawop_wanted(&set, MH_SLICE_LIT("New-InboxRules"), 1));
	assert_false(mh_rawop_wanted(&set, MH_SLICE_LIT("FileAccessed"), 6));
	assert_false(mh_rawop_wanted(&set, MH_SLICE_LIT("FileAccessed"), -1));
	assert_false(mh_rawop_wanted(&set, MH_SLICE_LIT("FileAccessed"), 4));
	assert_false(mh_rawop_wanted(&empty, MH_SLICE_LIT("New-InboxRule"), 1));
	assert_true(mh_rawop_wanted(&off, MH_SLICE_LIT("FileAccessed"), 6));
	/* Names of every length, long ones too, and the same length as
	 * another. */
	static const char long_name[] =
	        "Add app role assignment grant to user and service principal."
	        "x";
	static const char *const more[] = {"Send", "Move", long_name, "A",
	                                   NULL};
	static struct mh_rawop_set m;
	mh_rawop_set_init(&m, more, 0);
	assert_true(mh_rawop_wanted(&m, MH_SLICE_LIT("move"), -1));
	assert_true(mh_rawop_wanted(&m, MH_SLICE_LIT("SEND"), -1));
	assert_true(mh_rawop_wanted(&m, MH_SLICE_LIT("a"), -1));
	assert_true(mh_rawop_wanted(&m, mh_slice_cstr(long_name), -1));
	assert_false(mh_rawop_wanted(&m, MH_SLICE_LIT("Mov"), -1));
	assert_false(mh_rawop_wanted(&m, MH_SLICE_LIT("Sent"), -1));
	assert_false(mh_rawop_wanted(&m, MH_SLICE_LIT(""), -1));
}

/* Each event of file name (content) read with the prefilter ops: kind,
 * unparsed, operation (parsed ones) and dedup key. */
struct got {
	size_t n;
	int unparsed[8];
	char op[8][64];
	char key[8][256];
	size_t keyn[8];
	uint64_t offset[8];
};

static void read_with(const char *name, const char *content,
                      const char *const *ops, struct got *g)
{
	const char *path = tpath(name);
	testdir_write(path, content, strlen(content), "wb");
	const struct mh_reader_ops *r_ops =
	        mh_reader_detect(content, strlen(content), name);
	assert_non_null(r_ops);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.range_end = UINT64_MAX;
	src.regular = 1;
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	o.audit_ops = ops;
	struct mh_reader *r = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(r_ops->open(&r, &src, &o, &err), MH_OK);
	memset(g, 0, sizeof(*g));
	struct mh_event ev;
	int rc;
	while ((rc = r_ops->next(r, &ev, &err)) == 1) {
		assert_true(g->n < 8);
		assert_int_equal(ev.kind, MH_EV_AUDIT);
		g->unparsed[g->n] = ev.unparsed;
		if (ev.unparsed) {
			/* The few members the raw text gave. */
			assert_non_null(ev.audit);
			assert_int_equal(ev.audit->shape, ev.unparsed);
			assert_int_equal(ev.audit->source, MH_AUDIT_M365);
			assert_int_equal(ev.audit->ts, ev.ts);
			assert_true(ev.unparsed == MH_AS_UAL_API ||
			            ev.unparsed == MH_AS_UAL_SEARCH);
			assert_int_equal(ev.audit->nops, 1);
			assert_ptr_equal(ev.audit->ops, &ev.audit->operation);
			snprintf(g->op[g->n], 64, "%.*s",
			         (int)ev.audit->operation.n,
			         ev.audit->operation.p);
		} else {
			snprintf(g->op[g->n], 64, "%.*s",
			         (int)ev.audit->operation.n,
			         ev.audit->operation.p);
		}
		assert_true(ev.record_id.n < 256);
		memcpy(g->key[g->n], ev.record_id.p, ev.record_id.n);
		g->keyn[g->n] = ev.record_id.n;
		g->offset[g->n] = ev.offset;
		g->n++;
	}
	assert_int_equal(rc, 0);
	r_ops->close(r);
}

#define REC(id, op)                                                            \
	"{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"" id               \
	"\",\"Operation\":\"" op "\",\"OrganizationId\":\"o\",\"RecordType\":" \
	"1,\"UserId\":\"u@corp.example\",\"Workload\":\"Exchange\"}"

static void test_reader(void **state)
{
	(void)state;
	static const char *const ops[] = {"New-InboxRule", NULL};
	/* The first record of a reader is always parsed; the same record
	 * again is passed over with the same key; a record an analytic
	 * reads is parsed and keyed as before (not "m365raw"). */
	struct got g;
	read_with(
	        "ual.jsonl",
	        REC("a", "FileAccessed") "\n" REC("a", "FileAccessed") "\n" REC(
	                "b", "New-InboxRule") "\n" REC("c",
	                                               "UserLoggedIn") "\n",
	        ops, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(g.unparsed[0], 0);
	assert_string_equal(g.op[0], "FileAccessed");
	assert_int_equal(g.unparsed[1], 1);
	assert_int_equal(g.unparsed[2], 0);
	assert_string_equal(g.op[2], "New-InboxRule");
	assert_int_equal(g.unparsed[3], 1);
	assert_true(g.keyn[0] > 8 && !memcmp(g.key[0], "m365raw\x1f", 8));
	assert_int_equal(g.keyn[0], g.keyn[1]);
	assert_memory_equal(g.key[0], g.key[1], g.keyn[0]);
	assert_true(memcmp(g.key[2], "m365raw", 7) != 0);
	assert_true(g.offset[1] > 0);
	struct got off;
	read_with("ual2.jsonl",
	          REC("a", "FileAccessed") "\n" REC("a", "FileAccessed") "\n",
	          NULL, &off);
	assert_int_equal(off.unparsed[0] + off.unparsed[1], 0);
	assert_true(memcmp(off.key[0], "m365raw", 7) != 0);

	/* The same records in a Purview audit search CSV: the first row
	 * parsed, the next passed over, each with the key of its JSON
	 * Lines copy; a row an analytic reads is parsed. */
#define PV(id, op)                                                             \
	"2024-03-01T10:00:03.0000000Z,u@corp.example," op ",\"{\"\"Creation"   \
	"Time\"\":\"\"2024-03-01T10:00:03\"\",\"\"Id\"\":\"\"" id "\"\",\"\""  \
	"Operation\"\":\"\"" op                                                \
	"\"\",\"\"OrganizationId\"\":\"\"o\"\",\"\"Record"                     \
	"Type\"\":1,\"\"UserId\"\":\"\"u@corp.example\"\",\"\"Workload\"\":"   \
	"\"\"Exchange\"\"}\"\r\n"
	struct got c;
	read_with(
	        "purview.csv",
	        "CreationDate,UserIds,Operations,AuditData\r\n" PV(
	                "c", "UserLoggedIn") PV("a", "FileAccessed")
	                PV("b", "New-InboxRule") "2024-03-01T10:00:03.0000000Z,"
	                                         "u,FileAccessed,"
	                                         "\"{\"\"CreationTime\"\":"
	                                         "\"\"2024-03-01T10:00:"
	                                         "03\"\",\"\"Id\"\":\"\"d\"\","
	                                         "\"\"Operation\"\":"
	                                         "\"\"FileAccessed\"\","
	                                         "\"\"X\"\":{\"\"Operation"
	                                         "\"\":\"\"New-InboxRule\"\"}}"
	                                         "\"\r\n",
	        ops, &c);
	assert_int_equal(c.n, 4);
	/* A second operation inside AuditData (doubled quotes): parsed. */
	assert_int_equal(c.unparsed[3], 0);
	assert_int_equal(c.unparsed[0], 0);
	assert_int_equal(c.keyn[0], g.keyn[3]);
	assert_memory_equal(c.key[0], g.key[3], g.keyn[3]);
	assert_int_equal(c.unparsed[1], MH_AS_UAL_SEARCH);
	assert_int_equal(c.keyn[1], g.keyn[0]);
	assert_memory_equal(c.key[1], g.key[0], g.keyn[0]);
	assert_int_equal(c.unparsed[2], 0);
	assert_string_equal(c.op[2], "New-InboxRule");
	assert_memory_equal(c.key[2], g.key[2], g.keyn[2]);
}

/* mh_rawop_pass with the tenant's facts asked for (no --org-domain): the
 * walk on to the end for UserId, MailboxOwnerUPN and OrganizationName
 * (else OrganizationId); the doubts that make a record parsed. */
static int pass_t(const char *s, unsigned flags, struct mh_rawop *o)
{
	static const char *const ops[] = {"New-InboxRule", NULL};
	static struct mh_rawop_set set;
	mh_rawop_set_init(&set, ops, MH_RAWOP_TENANT);
	size_t n = strlen(s);
	free(copy);
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	return mh_rawop_pass(&set, copy, n, copy, n, mh_slice_make(copy, n),
	                     flags, o);
}

#define HEAD                                                                   \
	"{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a-1\","            \
	"\"Operation\":\"MailItemsAccessed\",\"RecordType\":50,"

static void test_tenant(void **state)
{
	(void)state;
	struct mh_rawop o;
	/* The keys after the four of the decision, nested values skipped. */
	assert_int_equal(
	        pass_t(HEAD
	               "\"OrganizationId\":\"9f-1\",\"UserId\":\"u@a.example\","
	               "\"Folders\":[{\"Id\":\"x\",\"UserId\":\"no\"}],"
	               "\"MailboxOwnerUPN\":\"m@b.example\","
	               "\"MailboxGuid\":\"dac2d42c-0e87-410c\","
	               "\"OrganizationName\":\"corp.onmicrosoft.com\"}",
	               0, &o),
	        1);
	eq(o.actor, "u@a.example");
	eq(o.mailbox, "m@b.example");
	eq(o.org, "corp.onmicrosoft.com");
	eq(o.guid, "dac2d42c-0e87-410c");
	assert_true(o.ts != INT64_MIN);
	/* A second MailboxGuid, or one escaped: doubt. */
	assert_int_equal(pass_t(HEAD "\"MailboxGuid\":\"a\",\"MailboxGuid\":"
	                             "\"b\"}",
	                        0, &o),
	                 0);
	assert_int_equal(pass_t(HEAD "\"MailboxGuid\":\"a\\u002d\"}", 0, &o),
	                 0);
	/* Facts before the decision's keys count too; OrganizationId when
	 * there is no OrganizationName; none at all is no doubt. */
	assert_int_equal(
	        pass_t("{\"UserId\":\"u@a.example\",\"OrganizationId\":"
	               "\"9f-1\",\"CreationTime\":\"2024-03-01T10:00:03\","
	               "\"Id\":\"a-1\",\"Operation\":\"FileAccessed\"}",
	               0, &o),
	        1);
	eq(o.actor, "u@a.example");
	eq(o.org, "9f-1");
	assert_null(o.mailbox.p);
	assert_int_equal(pass_t(HEAD "\"Workload\":\"Exchange\"}", 0, &o), 1);
	assert_null(o.actor.p);
	/* ...but a Purview cell without UserId is parsed (its UserIds
	 * column stands in). */
	assert_int_equal(
	        pass_t(HEAD "\"Workload\":\"Exchange\"}", MH_RAWOP_CELL, &o),
	        0);
	/* Doubt: a fact escaped, not a string, twice, in another case. */
	assert_int_equal(
	        pass_t(HEAD "\"UserId\":\"u\\u0040a.example\"}", 0, &o), 0);
	assert_int_equal(pass_t(HEAD "\"UserId\":[\"u@a.example\"]}", 0, &o),
	                 0);
	assert_int_equal(
	        pass_t(HEAD "\"UserId\":\"u@a\",\"UserId\":\"v@b\"}", 0, &o),
	        0);
	assert_int_equal(pass_t(HEAD "\"userid\":\"u@a.example\"}", 0, &o), 0);
	assert_int_equal(pass_t(HEAD "\"OrganizationName\":null}", 0, &o), 0);
	/* The mailbox in the parameters, or an inbox rule's caller. */
	assert_int_equal(pass_t(HEAD "\"Parameters\":[{\"Name\":\"Identity\","
	                             "\"Value\":\"m@b.example\"}]}",
	                        0, &o),
	                 0);
	assert_int_equal(pass_t(HEAD "\"MailboxOwnerUPN\":\"m@b.example\","
	                             "\"Parameters\":[]}",
	                        0, &o),
	                 1);
	eq(o.mailbox, "m@b.example");
	assert_int_equal(
	        pass_t("{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	               "\"Operation\":\"Get-InboxRule\",\"UserId\":\"u@a\"}",
	               0, &o),
	        0);
	/* Broken text after the decision's keys: parsed (the parser says
	 * why). */
	assert_int_equal(pass_t(HEAD "\"UserId\":\"u@a.example\"", 0, &o), 0);
	assert_int_equal(pass_t(HEAD "\"UserId\" \"u@a.example\"}", 0, &o), 0);
	/* The operation wanted: parsed, whatever the facts. */
	assert_int_equal(
	        pass_t("{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	               "\"Operation\":\"New-InboxRule\",\"UserId\":\"u@a\"}",
	               0, &o),
	        0);
}

/* mh_rawop_sigma: the Sigma gate's keys, read by the walk on to the
 * end; never a doubt of the peek's. */
static int sigma_t(const char *rest, struct mh_rawop *o)
{
	char s[1024];
	snprintf(s, sizeof(s),
	         "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":\"a\","
	         "\"Operation\":\"FileAccessed\",\"RecordType\":6%s}",
	         rest);
	assert_int_equal(peek(s, o), 1);
	return mh_rawop_sigma(copy, strlen(s), o);
}

static void test_sigma(void **st)
{
	(void)st;
	struct mh_rawop o;
	assert_int_equal(mh_rawop_selfcheck(), 1);
	assert_int_equal(sigma_t(",\"Workload\":\"SharePoint\","
	                         "\"EventSource\":\"SharePoint\","
	                         "\"Item\":{\"Workload\":1}",
	                         &o),
	                 1);
	eq(o.op, "FileAccessed");
	eq(o.workload, "SharePoint");
	eq(o.ev_source, "SharePoint");
	assert_null(o.ev_name.p);
	assert_int_equal(o.rtype, 6);
	/* any case of the name is the field (Sigma's names are) */
	assert_int_equal(sigma_t(",\"WORKLOAD\":\"x\",\"eventname\":\"\"", &o),
	                 1);
	eq(o.workload, "x");
	eq(o.ev_name, "");
	/* twice, not a plain string, missing, or another shape's key: 0 */
	static const char *const no[] = {
	        ",\"Workload\":\"x\",\"workload\":\"y\"",
	        ",\"Workload\":\"x\\u0041\"",
	        ",\"Workload\":\"x\",\"eventSource\":2",
	        ",\"Workload\":\"\"",
	        "",
	        ",\"Workload\":\"x\",\"CmdletName\":\"Set-Mailbox\"",
	        ",\"Workload\":\"x\",\"officeworkload\":\"x\"",
	        ",\"Workload\":\"x\",\"AuditData\":{}",
	        ",\"Workload\":\"x\",\"RawEventData\":{}",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		assert_int_equal(sigma_t(no[i], &o), 0);
	/* no RecordType */
	const char *nr = "{\"CreationTime\":\"2024-03-01T10:00:03\",\"Id\":"
	                 "\"a\",\"Operation\":\"x\",\"Workload\":\"x\"}";
	assert_int_equal(peek(nr, &o), 1);
	assert_int_equal(mh_rawop_sigma(copy, strlen(nr), &o), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_peek_found),
	        cmocka_unit_test(test_peek_doubt),
	        cmocka_unit_test(test_wanted),
	        cmocka_unit_test(test_reader),
	        cmocka_unit_test(test_tenant),
	        cmocka_unit_test(test_sigma),
	};
	int rc = cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
	free(copy);
	return rc;
}
