/* Unit tests for the audit typed view's helpers (event/audit.h): the
 * address-list splitter on every recipient form Exchange writes, client
 * IP forms, result variants, audit timestamps and type names; and the
 * JSON flattener (json/flatten.h) that makes the fields of records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/time.h"
#include "event/audit.h"
#include "json/flatten.h"

static struct mh_slice S(const char *s) {
	return mh_slice_cstr(s);
}

static void
assert_slice(struct mh_slice s, const char *want)
{
	if (!want) {
		assert_null(s.p);
		return;
	}
	if (!s.p || s.n != strlen(want) || memcmp(s.p, want, s.n))
		fail_msg("got '%.*s', want '%s'", (int)s.n,
		         s.p ? s.p : "(null)", want);
}

/* MARK: - addresses */

struct want_addr {
	const char *addr, *display;
	enum mh_audit_addr_kind kind;
};

static void check_addrs(const char *in, const struct want_addr *w, size_t n)
{
	struct mh_audit_addr a[8];
	size_t k = mh_audit_addrs(S(in), a, 8);
	if (k != n)
		fail_msg("'%s': %zu addresses, want %zu", in, k, n);
	for (size_t i = 0; i < n; i++) {
		assert_slice(a[i].addr, w[i].addr);
		assert_slice(a[i].display, w[i].display);
		assert_int_equal(a[i].kind, w[i].kind);
	}
}

static void test_addrs(void **state)
{
	(void)state;
	check_addrs("smtp:peter.griffin@familyguy.com",
	            (struct want_addr[]){{"peter.griffin@familyguy.com", NULL,
	                                  MH_AADDR_SMTP}},
	            1);
	check_addrs("SMTP:a@b.example;smtp:c@d.example, e@f.example",
	            (struct want_addr[]){{"a@b.example", NULL, MH_AADDR_SMTP},
	                                 {"c@d.example", NULL, MH_AADDR_SMTP},
	                                 {"e@f.example", NULL, MH_AADDR_SMTP}},
	            3);
	/* Get-InboxRule's forms, also two in a row without a separator
	 * (real: Microsoft-Extractor-Suite MailboxRules.csv). */
	check_addrs("\"Law1234567890@protonmail.com\" "
	            "[SMTP:Law1234567890@protonmail.com]",
	            (struct want_addr[]){{"Law1234567890@protonmail.com",
	                                  "Law1234567890@protonmail.com",
	                                  MH_AADDR_SMTP}},
	            1);
	check_addrs("\"William Jackson\" [EX:/o=ExchangeLabs/ou=Exchange "
	            "Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
	            "cn=0f72-43]"
	            " \"richardd16@bauscn.com\" [SMTP:richardd16@bauscn.com]",
	            (struct want_addr[]){
	                    {"/o=ExchangeLabs/ou=Exchange Administrative Group "
	                     "(FYDIBOHF23SPDLT)/cn=Recipients/cn=0f72-43",
	                     "William Jackson", MH_AADDR_X500},
	                    {"richardd16@bauscn.com", "richardd16@bauscn.com",
	                     MH_AADDR_SMTP}},
	            2);
	check_addrs(
	        "\"Doe, John\" [SMTP:jd@x.example]; Jane Roe <jr@y.example>",
	        (struct want_addr[]){
	                {"jd@x.example", "Doe, John", MH_AADDR_SMTP},
	                {"jr@y.example", "Jane Roe", MH_AADDR_SMTP}},
	        2);
	/* Bare DNs keep their spaces; X500 proxies; aliases unresolved. */
	check_addrs(
	        "/o=Org/ou=Exchange Administrative Group/cn=Recipients/"
	        "cn=bob;X500:/o=Org/cn=eve;bob.smith",
	        (struct want_addr[]){{"/o=Org/ou=Exchange Administrative Group/"
	                              "cn=Recipients/cn=bob",
	                              NULL, MH_AADDR_X500},
	                             {"/o=Org/cn=eve", NULL, MH_AADDR_X500},
	                             {"bob.smith", NULL, MH_AADDR_OTHER}},
	        3);
	/* A JSON list (RuleActions Recipients), PowerShell's {a, b},
	 * space-separated addresses. */
	check_addrs(
	        "[\"john.doe@mail.fr\",\"user@email.fr\"]",
	        (struct want_addr[]){{"john.doe@mail.fr", NULL, MH_AADDR_SMTP},
	                             {"user@email.fr", NULL, MH_AADDR_SMTP}},
	        2);
	check_addrs("{a@x.example, b@y.example}",
	            (struct want_addr[]){{"a@x.example", NULL, MH_AADDR_SMTP},
	                                 {"b@y.example", NULL, MH_AADDR_SMTP}},
	            2);
	check_addrs("a@x.example b@y.example",
	            (struct want_addr[]){{"a@x.example", NULL, MH_AADDR_SMTP},
	                                 {"b@y.example", NULL, MH_AADDR_SMTP}},
	            2);
	check_addrs(
	        "Marketing Team",
	        (struct want_addr[]){{"Marketing Team", NULL, MH_AADDR_OTHER}},
	        1);
	check_addrs("", NULL, 0);
	check_addrs(" ; , ", NULL, 0);
	check_addrs("@", (struct want_addr[]){{"@", NULL, MH_AADDR_OTHER}}, 1);
	/* More than max: counted, not written. */
	struct mh_audit_addr one[1];
	assert_int_equal(mh_audit_addrs(S("a@b.c;d@e.f;g@h.i"), one, 1), 3);
	assert_slice(one[0].addr, "a@b.c");
}

/* MARK: - client IPs */

static void check_ip(const char *raw, const char *want, unsigned port)
{
	char out[MH_AUDIT_IP_MAX];
	unsigned p = 99;
	size_t n = mh_audit_ip(S(raw), out, &p);
	if (!want) {
		if (n)
			fail_msg("'%s' gave '%s'", raw, out);
		return;
	}
	if (strcmp(out, want) || n != strlen(want))
		fail_msg("'%s' gave '%s', want '%s'", raw, out, want);
	assert_int_equal(p, port);
}

static void test_ips(void **state)
{
	(void)state;
	check_ip("1.2.3.4", "1.2.3.4", 0);
	check_ip("1.2.3.4:63070", "1.2.3.4", 63070);
	check_ip("[::ffff:1.2.3.4]:5678", "1.2.3.4", 5678);
	check_ip("::ffff:175.45.176.99", "175.45.176.99", 0);
	check_ip("[2001:DB8:0:0::1]:443", "2001:db8::1", 443);
	check_ip("2603:10b6:5:345::11", "2603:10b6:5:345::11", 0);
	check_ip("fe80:0011:2233:4455:6677:8899:AABB:CCDD",
	         "fe80:11:2233:4455:6677:8899:aabb:ccdd", 0);
	check_ip("FE80:000:333:1111:7777:5555:6666:ddd",
	         "fe80:0:333:1111:7777:5555:6666:ddd", 0);
	check_ip("::1", "::1", 0);
	check_ip("fe80::1%eth0", "fe80::1", 0);
	check_ip("\"10.0.0.1\"", "10.0.0.1", 0);
	check_ip("1.2.3.4, 5.6.7.8", "1.2.3.4", 0);
	check_ip("", NULL, 0);
	check_ip("<null>", NULL, 0);
	check_ip("1.2.3.4:99999", NULL, 0);
	check_ip("[::1", NULL, 0);
	check_ip("300.1.1.1", NULL, 0);
	check_ip("QWERTY (1.2.3.4)", NULL, 0);
	/* the plain dotted quad's one pass: leading zeros dropped, a
	 * fourth digit, a fifth part or a missing one is no address */
	check_ip("010.001.2.03", "10.1.2.3", 0);
	check_ip("0.0.0.0", "0.0.0.0", 0);
	check_ip("255.255.255.255", "255.255.255.255", 0);
	check_ip("1.2.3.1234", NULL, 0);
	check_ip("1.2.3.4.5", NULL, 0);
	check_ip("1.2.3.", NULL, 0);
	check_ip("1..2.3", NULL, 0);
	check_ip("256.1.1.1", NULL, 0);
}

/* MARK: - results, types, times */

static void test_results_types(void **state)
{
	(void)state;
	assert_int_equal(mh_audit_result(S("True")), MH_AR_OK);
	assert_int_equal(mh_audit_result(S("TRUE")), MH_AR_OK);
	assert_int_equal(mh_audit_result(S("Succeeded")), MH_AR_OK);
	assert_int_equal(mh_audit_result(S("Success")), MH_AR_OK);
	assert_int_equal(mh_audit_result(S("PartiallySucceeded")),
	                 MH_AR_PARTIAL);
	assert_int_equal(mh_audit_result(S("Failed")), MH_AR_FAILED);
	assert_int_equal(mh_audit_result(S("False")), MH_AR_FAILED);
	assert_int_equal(mh_audit_result(S("\"failure\"")), MH_AR_FAILED);
	assert_int_equal(mh_audit_result(S("")), MH_AR_UNKNOWN);
	assert_int_equal(mh_audit_result(S("Maybe")), MH_AR_UNKNOWN);

	assert_int_equal(mh_audit_record_type(S("50")), 50);
	assert_int_equal(mh_audit_record_type(S("ExchangeAdmin")), 1);
	assert_int_equal(mh_audit_record_type(S("ExchangeItemAggregated")), 50);
	assert_int_equal(mh_audit_record_type(S("SomethingNew")), -1);
	assert_int_equal(mh_audit_user_type(S("Regular")), 0);
	assert_int_equal(mh_audit_user_type(S("DcAdmin")), 3);
	assert_int_equal(mh_audit_user_type(S("Application")), 5);
	assert_int_equal(mh_audit_user_type(S("5")), 5);
	assert_int_equal(mh_audit_logon_type(S("Owner")), 0);
	assert_int_equal(mh_audit_logon_type(S("Delegated")), 2);
	assert_int_equal(mh_audit_logon_type(S("")), -1);
}

static void check_time(const char *s, int y, int mo, int d, int h, int mi,
                       int sec, int off_min)
{
	int64_t want = mh_time_from_civil(y, mo, d, h, mi, sec) -
	               (int64_t)off_min * 60;
	int64_t got = mh_audit_time(S(s));
	if (got != want)
		fail_msg("'%s': %lld, want %lld", s, (long long)got,
		         (long long)want);
}

static void test_times(void **state)
{
	(void)state;
	check_time("2024-10-28T10:34:13", 2024, 10, 28, 10, 34, 13, 0);
	check_time("2022-12-12 22:19:00", 2022, 12, 12, 22, 19, 0, 0);
	check_time("2025-07-07 09:11:11.000000000", 2025, 7, 7, 9, 11, 11, 0);
	check_time("2026-01-06T11:21:54.304Z", 2026, 1, 6, 11, 21, 54, 0);
	check_time("2024-10-03T11:29:06.6566759Z", 2024, 10, 3, 11, 29, 6, 0);
	check_time("2024-03-01T10:00:03+01:00", 2024, 3, 1, 10, 0, 3, 60);
	check_time("2024-03-01T10:00:03-0530", 2024, 3, 1, 10, 0, 3, -330);
	check_time("2024-03-01", 2024, 3, 1, 0, 0, 0, 0);
	check_time("4/28/2021, 3:05:26.000 PM", 2021, 4, 28, 15, 5, 26, 0);
	check_time("4/28/2021, 12:05:26.000 AM", 2021, 4, 28, 0, 5, 26, 0);
	check_time("3/1/2024 10:00:03 AM", 2024, 3, 1, 10, 0, 3, 0);
	check_time("28/04/2021 15:05:26", 2021, 4, 28, 15, 5, 26, 0);
	check_time("/Date(1709287203000)/", 2024, 3, 1, 10, 0, 3, 0);
	check_time("\\/Date(1709287203000+0100)\\/", 2024, 3, 1, 10, 0, 3, 0);
	check_time("1709287203", 2024, 3, 1, 10, 0, 3, 0);
	check_time("1709287203123", 2024, 3, 1, 10, 0, 3, 0);
	assert_int_equal(mh_audit_time(S("2023-02-29T00:00:00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("yesterday")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-03-01T25:00:00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-03-01T10:00:00 junk")),
	                 MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("13/13/2024 1:00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("")), MH_TS_NONE);
	/* The API's form read with the last day remembered: the same day
	 * at other times, another day, and bad times after a good day. */
	check_time("2024-03-01T00:00:00", 2024, 3, 1, 0, 0, 0, 0);
	check_time("2024-03-01T23:59:60", 2024, 3, 1, 23, 59, 60, 0);
	check_time("2024-03-01T12:34:56Z", 2024, 3, 1, 12, 34, 56, 0);
	check_time("2024-02-29T12:34:56z", 2024, 2, 29, 12, 34, 56, 0);
	assert_int_equal(mh_audit_time(S("2024-02-29T24:00:00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-02-29T12:60:00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-02-29T12:00:61")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-02-29T1a:00:00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-02-29T12-00-00")), MH_TS_NONE);
	assert_int_equal(mh_audit_time(S("2024-02-30T12:00:00")), MH_TS_NONE);
	check_time("2024-02-29T12:00:00", 2024, 2, 29, 12, 0, 0, 0);
	assert_int_equal(mh_audit_time(S("2024-0a-29T12:00:00")), MH_TS_NONE);
	check_time("1970-01-01T00:00:01", 1970, 1, 1, 0, 0, 1, 0);
}

static void test_param_lookup(void **state)
{
	(void)state;
	struct mh_audit_param p[] = {
	        {S("Identity"), S("x"), MH_SLICE_NULL, MH_AP_PARAMETERS, 0},
	        {S("ForwardTo"), S("a@b"), MH_SLICE_NULL, MH_AP_RULE_ACTION, 0},
	        {S("forwardto"), S("c@d"), MH_SLICE_NULL, MH_AP_RULE_ACTION, 0},
	};
	struct mh_audit a;
	memset(&a, 0, sizeof(a));
	a.params = p;
	a.nparams = 3;
	const struct mh_audit_param *f = mh_audit_param(&a, "FORWARDTO", NULL);
	assert_ptr_equal(f, &p[1]);
	f = mh_audit_param(&a, "ForwardTo", f);
	assert_ptr_equal(f, &p[2]);
	assert_null(mh_audit_param(&a, "ForwardTo", f));
	assert_null(mh_audit_param(&a, "RedirectTo", NULL));
	assert_string_equal(mh_audit_shape_name(MH_AS_UAL_API), "m365-ual-api");
	assert_string_equal(mh_audit_shape_name(-3), "unknown");
}

/* MARK: - flattening */

struct want_field {
	const char *name, *value;
};

static void check_flat(const char *json, const char *prefix,
                       const struct want_field *w, size_t n)
{
	struct mh_arena a;
	mh_arena_init(&a, 4096, 0);
	struct mh_flat fl;
	mh_flat_init(&fl, &a, 0);
	assert_int_equal(mh_flat_json(&fl, json, strlen(json), S(prefix)),
	                 MH_OK);
	if (fl.n != n) {
		for (size_t i = 0; i < fl.n; i++)
			fprintf(stderr, "  %.*s = %.*s\n", (int)fl.v[i].name.n,
			        fl.v[i].name.p, (int)fl.v[i].value.n,
			        fl.v[i].value.p ? fl.v[i].value.p : "(null)");
		fail_msg("%zu fields, want %zu", fl.n, n);
	}
	for (size_t i = 0; i < n; i++) {
		assert_slice(fl.v[i].name, w[i].name);
		assert_slice(fl.v[i].value, w[i].value);
	}
	mh_flat_release(&fl);
	mh_arena_release(&a);
}

static void test_flatten(void **state)
{
	(void)state;
	check_flat(
	        "{\"Operation\":\"New-InboxRule\",\"n\":1.50,\"t\":true,"
	        "\"z\":null,\"e\":\"\",\"s\":\"a\\\"b\\u00e9\\ud83d\\ude00\","
	        "\"o\":{\"k\":[1,{\"x\":\"y\"}]}}",
	        "",
	        (struct want_field[]){
	                {"Operation", "New-InboxRule"},
	                {"n", "1.50"},
	                {"t", "true"},
	                {"z", NULL},
	                {"e", ""},
	                {"s", "a\"b\xc3\xa9\xf0\x9f\x98\x80"},
	                {"o", "{\"k\":[1,{\"x\":\"y\"}]}"},
	                {"o.k", "[1,{\"x\":\"y\"}]"},
	                {"o.k", "1"},
	                {"o.k", "{\"x\":\"y\"}"},
	                {"o.k.x", "y"},
	        },
	        11);
	/* Name/value lists: Parameters, ModifiedProperties, GWS. */
	check_flat(
	        "{\"Parameters\":[{\"Name\":\"ForwardTo\",\"Value\":"
	        "\"smtp:x@y\"},{\"Name\":\"Flag\"}],\"ModifiedProperties\":"
	        "[{\"Name\":\"F\",\"NewValue\":\"new\",\"OldValue\":\"old\"}]}",
	        "",
	        (struct want_field[]){
	                {"Parameters",
	                 "[{\"Name\":\"ForwardTo\",\"Value\":\"smtp:x@y\"},"
	                 "{\"Name\":\"Flag\"}]"},
	                {"Parameters", "{\"Name\":\"ForwardTo\",\"Value\":"
	                               "\"smtp:x@y\"}"},
	                {"Parameters.Name", "ForwardTo"},
	                {"Parameters.Value", "smtp:x@y"},
	                {"Parameters", "{\"Name\":\"Flag\"}"},
	                {"Parameters.Name", "Flag"},
	                {"Parameters.ForwardTo", "smtp:x@y"},
	                {"ModifiedProperties",
	                 "[{\"Name\":\"F\",\"NewValue\":\"new\",\"OldValue\":"
	                 "\"old\"}]"},
	                {"ModifiedProperties",
	                 "{\"Name\":\"F\",\"NewValue\":\"new\",\"OldValue\":"
	                 "\"old\"}"},
	                {"ModifiedProperties.Name", "F"},
	                {"ModifiedProperties.NewValue", "new"},
	                {"ModifiedProperties.OldValue", "old"},
	                {"ModifiedProperties.F", "new"},
	                {"ModifiedProperties.F.OldValue", "old"},
	        },
	        14);
	check_flat(
	        "[{\"name\":\"scopes\",\"multiValue\":[\"a\",\"b\"]},"
	        "{\"name\":\"ok\",\"boolValue\":true}]",
	        "events.parameters",
	        (struct want_field[]){
	                {"events.parameters",
	                 "{\"name\":\"scopes\",\"multiValue\":[\"a\",\"b\"]}"},
	                {"events.parameters.name", "scopes"},
	                {"events.parameters.multiValue", "[\"a\",\"b\"]"},
	                {"events.parameters.multiValue", "a"},
	                {"events.parameters.multiValue", "b"},
	                {"events.parameters",
	                 "{\"name\":\"ok\",\"boolValue\":true}"},
	                {"events.parameters.name", "ok"},
	                {"events.parameters.boolValue", "true"},
	                {"events.parameters.scopes", "a"},
	                {"events.parameters.scopes", "b"},
	                {"events.parameters.ok", "true"},
	        },
	        11);
	/* Pretty text: composites as written, white space and all. */
	check_flat("{ \"a\" : [ 1 , 2 ] }", "",
	           (struct want_field[]){
	                   {"a", "[ 1 , 2 ]"}, {"a", "1"}, {"a", "2"}},
	           3);
}

static void test_flatten_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "{\"a\":", "{\"a\" 1}", "[1,",           "{\"a\":\"x",
	        "x",       "",          "{\"a\":[1 2]}", "{\"a\":1,}",
	};
	struct mh_arena a;
	mh_arena_init(&a, 4096, 0);
	struct mh_flat fl;
	mh_flat_init(&fl, &a, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mh_flat_reset(&fl);
		assert_int_equal(mh_flat_json(&fl, bad[i], strlen(bad[i]),
		                              MH_SLICE_NULL),
		                 MH_EFORMAT);
	}
	/* The field limit cuts, says so. */
	mh_flat_release(&fl);
	mh_flat_init(&fl, &a, 3);
	assert_int_equal(mh_flat_json(&fl, "[1,2,3,4,5]", 11, S("x")),
	                 MH_ETOOBIG);
	assert_int_equal(fl.n, 3);
	assert_int_equal(fl.truncated, 1);
	mh_flat_release(&fl);
	mh_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_addrs),
	        cmocka_unit_test(test_ips),
	        cmocka_unit_test(test_results_types),
	        cmocka_unit_test(test_times),
	        cmocka_unit_test(test_param_lookup),
	        cmocka_unit_test(test_flatten),
	        cmocka_unit_test(test_flatten_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
