/* Unit tests for the raw path of records an analytic reads (rec.h
 * mh_rec_event_raw, rawrec.c): a MailItemsAccessed record and its
 * variants read from the raw text give the event the parser and the
 * normaliser give (rawcmp.h compares every member, parameter and field);
 * records it cannot give exactly so (escaped or repeated keys, odd
 * values, nested or listed known keys, other lists) and text that is not
 * JSON are left to the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawcmp.h"

/* A record as `mailhunt simulate` writes it (escapes in keys it does not
 * read: "\\Posta in arrivo", "\r\n"). %s is put in place of the marker
 * (OperationCount by default). */
#define HEAD                                                                   \
	"{\"CreationTime\":\"2024-03-01T00:00:59\",\"Id\":\"c88c90ac-f560-"    \
	"4539-805c-50d638b99f1a\",\"Operation\":\"MailItemsAccessed\","        \
	"\"OrganizationId\":\"920ef4d8-7ee3-436f-9a31-8fb9ca23c69a\","         \
	"\"RecordType\":50,\"ResultStatus\":\"Succeeded\",\"UserKey\":"        \
	"\"10032020A0ADC677\",\"UserType\":0,\"Version\":1,\"Workload\":"      \
	"\"Exchange\",\"UserId\":\"mallory8@corp.example\",\"AppId\":"         \
	"\"d3590ed6-52b3-4102-aeff-aad2292ab01c\",\"ClientAppId\":\"\","       \
	"\"ClientIPAddress\":\"[2001:db8::1]:443\",\"ClientInfoString\":"      \
	"\"Client=REST;Client=RESTSystem;;\",\"ExternalAccess\":false,"        \
	"\"InternalLogonType\":0,\"LogonType\":2,\"MailboxGuid\":\"76bd20d5-"  \
	"9e41-4e7b-9454-5add5947f6b9\",\"MailboxOwnerUPN\":"                   \
	"\"mallory8@corp.example\",\"OperationProperties\":[{\"Name\":"        \
	"\"MailAccessType\",\"Value\":\"Bind\"},{\"Name\":\"IsThrottled\","    \
	"\"Value\":\"False\"}],\"OrganizationName\":\"corp.onmicrosoft.com\"," \
	"\"OriginatingServer\":\"AM6PR07MB6467 (15.20.7287.019)\\r\\n\","      \
	"\"Folders\":[{\"FolderItems\":[{\"Id\":\"AAMkADf=\","                 \
	"\"InternetMessageId\":\"<A1@mail.partner.example>\",\"SizeInBytes\":" \
	"118388},{\"Id\":\"AAMkAD6=\",\"SizeInBytes\":1.5e3}],\"Id\":"         \
	"\"AAMkADe=\",\"Path\":\"\\\\Posta in arrivo\"}],"

static const char *const wanted[] = {"MailItemsAccessed", NULL};
static const char *const other[] = {"New-InboxRule", NULL};

/* HEAD, then tail, read both ways with each prefilter list. */
static int run(const char *tail)
{
	static char buf[8192];
	char why[200];
	snprintf(buf, sizeof(buf), "%s%s", HEAD, tail);
	size_t n = strlen(buf);
	/* Exactly n bytes: ASan sees a read past the end. */
	char *p = malloc(n);
	assert_non_null(p);
	memcpy(p, buf, n);
	int out = -1;
	const char *const *lists[] = {wanted, other, NULL};
	for (size_t i = 0; i < 3; i++) {
		int r = rawcmp_run(p, n, lists[i], why, sizeof(why));
		if (r == RAWCMP_DIFF)
			fail_msg("%s: %s", why, buf);
		assert_true(out < 0 || r == out);
		out = r;
	}
	free(p);
	return out;
}

static void same(const char *tail)
{
	if (run(tail) != RAWCMP_SAME)
		fail_msg("raw path did not read: %s%s", HEAD, tail);
}

static void doubt(const char *tail)
{
	if (run(tail) != RAWCMP_DOUBT)
		fail_msg("raw path read what it must not: %s%s", HEAD, tail);
}

static void test_read(void **state)
{
	(void)state;
	same("\"OperationCount\":3}");
	same("\"OperationCount\":3}\r\n  ");
	same("\"OperationCount\":\"7\"}");
	same("\"OperationCount\":-3}");
	same("\"OperationCount\":null}");
	same("\"OperationCount\":\"x1\"}");
	/* keys it does not read may hold anything */
	same("\"X\":{\"a\":[1,-2.5E+3,true,false,null,\"\\/\\n\\\"\"]},"
	     "\"OperationCount\":3}");
	same("\"Über\":\"Boîte de réception\",\"OperationCount\":1}");
	same("\"\":\"\",\"OperationCount\":1}");
	same("\"OperationCount\" : 3 }");
}

static void test_doubt_keys(void **state)
{
	(void)state;
	/* escaped key, repeated key (same case, other case) */
	doubt("\"Operat\\u0069onCount\":3}");
	doubt("\"Operation\\\"Count\":3}");
	doubt("\"UserId\":\"eve@corp.example\",\"OperationCount\":3}");
	doubt("\"userid\":\"eve@corp.example\",\"OperationCount\":3}");
	doubt("\"OperationCount\":3,\"OPERATIONCOUNT\":4}");
	/* lists read before or after OperationProperties */
	doubt("\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"x\"}],"
	      "\"OperationCount\":3}");
	doubt("\"ModifiedProperties\":[],\"OperationCount\":3}");
	doubt("\"ExtendedProperties\":\"x\",\"OperationCount\":3}");
	/* a record held in another */
	doubt("\"AuditData\":{\"Operation\":\"x\"},\"OperationCount\":3}");
}

static void test_doubt_values(void **state)
{
	(void)state;
	/* odd OperationCount: a fraction, an exponent, a boolean, composites,
	 * too many digits */
	doubt("\"OperationCount\":3.5}");
	doubt("\"OperationCount\":1e2}");
	doubt("\"OperationCount\":true}");
	doubt("\"OperationCount\":{\"n\":3}}");
	doubt("\"OperationCount\":[3]}");
	doubt("\"OperationCount\":1234567890123456789012}");
	/* a known key's string with an escape */
	doubt("\"ClientInfoString\":\"a\\\\b\",\"OperationCount\":3}");
	/* nested deeper than the walk goes */
	doubt("\"X\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]"
	      "]]]]]]]]]]]]]]]]]]]]]]]]],\"OperationCount\":3}");
}

static void test_doubt_list(void **state)
{
	(void)state;
	/* OperationProperties again, or of other forms */
	doubt("\"OperationProperties\":[],\"OperationCount\":3}");
}

/* A list of its own in place of the record's. */
static int list_run(const char *list)
{
	char tail[2048];
	snprintf(tail, sizeof(tail), "\"OperationCount\":3}");
	static char buf[8192];
	char why[200];
	/* HEAD holds OperationProperties: rebuild the record without it. */
	const char *h = HEAD;
	const char *at = strstr(h, "\"OperationProperties\"");
	const char *end = strstr(at, "],") + 2;
	snprintf(buf, sizeof(buf), "%.*s\"OperationProperties\":%s,%s%s",
	         (int)(at - h), h, list, end, tail);
	size_t n = strlen(buf);
	char *p = malloc(n);
	assert_non_null(p);
	memcpy(p, buf, n);
	int r = rawcmp_run(p, n, wanted, why, sizeof(why));
	if (r == RAWCMP_DIFF)
		fail_msg("%s: %s", why, buf);
	free(p);
	return r;
}

static void test_lists(void **state)
{
	(void)state;
	assert_int_equal(list_run("[]"), RAWCMP_SAME);
	assert_int_equal(list_run("[{}]"), RAWCMP_SAME);
	assert_int_equal(list_run("[{\"Name\":\"A\",\"Value\":null}]"),
	                 RAWCMP_SAME);
	assert_int_equal(list_run("[{\"Name\":\"A\"},{\"Value\":\"v\"}]"),
	                 RAWCMP_SAME);
	assert_int_equal(
	        list_run(
	                "[{\"Type\":{\"x\":1},\"Name\":\"\",\"Value\":\"v\"}]"),
	        RAWCMP_SAME);
	/* a string holding the list: the normaliser parses it */
	assert_int_equal(list_run("\"[{\\\"Name\\\":\\\"A\\\",\\\"Value\\\":"
	                          "\\\"B\\\"}]\""),
	                 RAWCMP_DOUBT);
	/* names in another case, a repeated name, NewValue, values that are
	 * not plain strings, elements that are not objects */
	assert_int_equal(list_run("[{\"name\":\"A\",\"Value\":\"B\"}]"),
	                 RAWCMP_DOUBT);
	assert_int_equal(
	        list_run("[{\"Name\":\"A\",\"Name\":\"C\",\"Value\":\"B\"}]"),
	        RAWCMP_DOUBT);
	assert_int_equal(list_run("[{\"Name\":\"A\",\"NewValue\":\"B\"}]"),
	                 RAWCMP_DOUBT);
	assert_int_equal(list_run("[{\"Name\":\"A\",\"Value\":1}]"),
	                 RAWCMP_DOUBT);
	assert_int_equal(list_run("[{\"Name\":\"A\",\"Value\":\"a\\\"b\"}]"),
	                 RAWCMP_DOUBT);
	assert_int_equal(list_run("[\"A\"]"), RAWCMP_DOUBT);
	assert_int_equal(list_run("{\"Name\":\"A\",\"Value\":\"B\"}"),
	                 RAWCMP_DOUBT);
	/* an inbox rule's actions: the normaliser reads them */
	assert_int_equal(list_run("[{\"Name\":\"RuleActions\",\"Value\":"
	                          "\"[]\"}]"),
	                 RAWCMP_SAME);
}

/* Text the parser refuses is never read raw. */
static void test_not_json(void **state)
{
	(void)state;
	doubt("\"OperationCount\":3,}");
	doubt("\"OperationCount\":3");
	doubt("\"OperationCount\":03}");
	doubt("\"OperationCount\":3.}");
	doubt("\"OperationCount\":-}");
	doubt("\"OperationCount\":3} x");
	doubt("\"OperationCount\":3}}");
	doubt("\"X\":tru,\"OperationCount\":3}");
	doubt("\"X\":nul,\"OperationCount\":3}");
	doubt("\"X\":[1,],\"OperationCount\":3}");
	doubt("\"X\":{\"a\"},\"OperationCount\":3}");
	doubt("\"X\":{\"a\":1,},\"OperationCount\":3}");
	doubt("\"X\":\"a\tb\",\"OperationCount\":3}");
	doubt("\"X\":\"a\\xb\",\"OperationCount\":3}");
	doubt("\"X\":\"\\ud800\",\"OperationCount\":3}");
	doubt("\"X\":\"\xc3\x28\",\"OperationCount\":3}");
	doubt("\"X\":\"\xed\xa0\x80\",\"OperationCount\":3}");
	doubt("\"X\":'a',\"OperationCount\":3}");
	doubt("\"X\" 1,\"OperationCount\":3}");
	doubt("\"OperationCount\":3 \"Y\":1}");
	doubt("\"X\":\"unterminated}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read),
	        cmocka_unit_test(test_doubt_keys),
	        cmocka_unit_test(test_doubt_values),
	        cmocka_unit_test(test_doubt_list),
	        cmocka_unit_test(test_lists),
	        cmocka_unit_test(test_not_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
