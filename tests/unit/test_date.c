/* Unit tests for dates: RFC 5322 3.3 and the obsolete forms of 4.3, the
 * shapes real mail has (asctime, ISO 8601, AM/PM), mbox From_ line dates,
 * and the arithmetic behind them. */
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
#include "mail/date.h"

/* Parse v and compare with the ISO form of the UTC time and the zone. */
static void ok(const char *v, const char *iso, int tz)
{
	int64_t t = 0;
	int z = 9999;
	char out[21];
	int rc = mh_date_parse(mh_slice_cstr(v), &t, &z);
	if (rc != MH_OK)
		fail_msg("'%s' did not parse", v);
	mh_time_iso(t, out);
	assert_string_equal(out, iso);
	assert_int_equal(z, tz);
}

static void bad(const char *v)
{
	int64_t t;
	int z;
	if (mh_date_parse(mh_slice_cstr(v), &t, &z) != MH_EFORMAT)
		fail_msg("'%s' parsed", v);
}

static void test_rfc5322(void **state)
{
	(void)state;
	/* RFC 5322 Appendix A. */
	ok("Fri, 21 Nov 1997 09:55:06 -0600", "1997-11-21T15:55:06Z", -360);
	ok("Tue, 1 Jul 2003 10:52:37 +0200", "2003-07-01T08:52:37Z", 120);
	ok("Thu, 13 Feb 1969 23:32:54 -0330", "1969-02-14T03:02:54Z", -210);
	ok("Thu,\r\n 13\r\n   Feb\r\n     1969\r\n 23:32\r\n      -0330 "
	   "(Newfoundland Time)",
	   "1969-02-14T03:02:00Z", -210);
	ok("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600",
	   "1997-11-21T15:55:06Z", -360);
	ok("21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06Z", 0);
	/* Without weekday, seconds; extra blanks; one-digit hour. */
	ok("2 Jan 2006 15:04 +0100", "2006-01-02T14:04:00Z", 60);
	ok("  Mon ,  2  Jan  2006  15:04:05  +0000  ", "2006-01-02T15:04:05Z",
	   0);
	ok("Sat, 3 Jan 2015 2:32:53 +0000", "2015-01-03T02:32:53Z", 0);
	ok("Sat, 3 Jan 2015 2:3:5 +0000", "2015-01-03T02:03:05Z", 0);
	ok("Sat, 03-Jan-2015 02:32:53 +0000", "2015-01-03T02:32:53Z", 0);
	ok("Saturday, 3 January 2015 02:32:53 +0000", "2015-01-03T02:32:53Z",
	   0);
	ok("Tue, 2 Sept 2014 10:00:00 +0000", "2014-09-02T10:00:00Z", 0);
	ok("Mon, 2 Jan 2006 15:04:05 +0000 (UTC)", "2006-01-02T15:04:05Z", 0);
	/* A second zone is ignored. */
	ok("Tue, 1 Jan 2019 10:00:00 +0100 +0200", "2019-01-01T09:00:00Z", 60);
}

static void test_years(void **state)
{
	(void)state;
	/* RFC 5322 4.3: 00-49 -> 2000s, 50-99 -> 1900s, 3 digits + 1900. */
	ok("1 Jan 49 00:00:00 +0000", "2049-01-01T00:00:00Z", 0);
	ok("1 Jan 50 00:00:00 +0000", "1950-01-01T00:00:00Z", 0);
	ok("1 Jan 00 00:00:00 +0000", "2000-01-01T00:00:00Z", 0);
	ok("1 Jan 103 00:00:00 +0000", "2003-01-01T00:00:00Z", 0);
	ok("1 Jan 999 00:00:00 +0000", "2899-01-01T00:00:00Z", 0);
	bad("1 Jan 12006 00:00:00 +0000");
}

static void test_zones(void **state)
{
	(void)state;
	static const struct {
		const char *z;
		int off;
	} zones[] = {
	        {"UT", 0},       {"GMT", 0},    {"UTC", 0},     {"EST", -300},
	        {"EDT", -240},   {"CST", -360}, {"CDT", -300},  {"MST", -420},
	        {"MDT", -360},   {"PST", -480}, {"PDT", -420},  {"pst", -480},
	        {"Cet", 60},     {"JST", 540},  {"+0530", 330}, {"-0000", 0},
	        {"+05:30", 330}, {"-08", -480}, {"+2500", 0},   {"A", 0},
	        {"Z", 0},        {"m", 0},      {"Y", 0}};
	char buf[64];
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		int64_t t;
		int z = 12345;
		snprintf(buf, sizeof(buf), "Mon, 2 Jan 2006 15:04:05 %s",
		         zones[i].z);
		assert_int_equal(mh_date_parse(mh_slice_cstr(buf), &t, &z),
		                 MH_OK);
		assert_int_equal(z, zones[i].off);
		assert_int_equal(t, 1136214245 - zones[i].off * 60);
	}
	/* Unknown, ambiguous or missing zone: UTC. */
	ok("Mon, 2 Jan 2006 15:04:05 BST", "2006-01-02T15:04:05Z", 0);
	ok("Mon, 2 Jan 2006 15:04:05", "2006-01-02T15:04:05Z", 0);
	ok("Tue, 12 Oct 2010 16:21:05 H0500", "2010-10-12T16:21:05Z", 0);
	/* An unsigned four-digit zone after the year. */
	ok("Tue, 17 Jul 2012 22:23:35.882 0000", "2012-07-17T22:23:35Z", 0);
}

static void test_other_shapes(void **state)
{
	(void)state;
	ok("Mon Jan  2 15:04:05 2006", "2006-01-02T15:04:05Z", 0);
	ok("Mon Jan  2 15:04:05 PST 2006", "2006-01-02T23:04:05Z", -480);
	ok("Jan 2 2006 15:04:05", "2006-01-02T15:04:05Z", 0);
	ok("2006-01-02T15:04:05Z", "2006-01-02T15:04:05Z", 0);
	ok("2006-01-02 15:04:05 +01:00", "2006-01-02T14:04:05Z", 60);
	ok("2012-12-08 00:48", "2012-12-08T00:48:00Z", 0);
	ok("18 Feb 01 12:29:13 AM", "2001-02-18T00:29:13Z", 0);
	ok("18 Feb 01 12:29:13 PM", "2001-02-18T12:29:13Z", 0);
	ok("January 2, 2006 3:04 PM", "2006-01-02T15:04:00Z", 0);
	ok("2 Jan 2006 13:00 PM", "2006-01-02T13:00:00Z", 0);
	ok("2 Jan 2006 15.04.05 +0000", "2006-01-02T15:04:05Z", 0);
	ok("2 Jan 2006", "2006-01-02T00:00:00Z", 0);
	/* A leap second is kept inside the minute. */
	ok("31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z", 0);
}

static void test_invalid(void **state)
{
	(void)state;
	bad("");
	bad("garbage");
	bad("Mon, 30 Feb 2006 10:00:00 +0000");
	bad("29 Feb 2001 10:00:00 +0000");
	bad("29 Feb 1900 10:00:00 +0000");
	ok("29 Feb 2000 10:00:00 +0000", "2000-02-29T10:00:00Z", 0);
	bad("2 Jan 2006 24:00:00 +0000");
	bad("2 Jan 2006 23:60:00 +0000");
	bad("2 Jan 2006 23:59:61 +0000");
	bad("32 Jan 2006 10:00:00 +0000");
	bad("2 Foo 2006 10:00:00 +0000");
	bad("2 Jan 2006 15: +0000");
	bad("Jan 2006");
	bad("13 PM 2 Jan");
	int64_t t;
	int z;
	assert_int_equal(mh_date_parse(mh_slice_make(NULL, 0), &t, &z),
	                 MH_EFORMAT);
}

static void asc_ok(const char *v, const char *iso)
{
	int64_t t = 0;
	char out[21];
	if (mh_date_parse_asctime(mh_slice_cstr(v), &t) != MH_OK)
		fail_msg("'%s' did not parse", v);
	mh_time_iso(t, out);
	assert_string_equal(out, iso);
}

static void asc_bad(const char *v)
{
	int64_t t;
	if (mh_date_parse_asctime(mh_slice_cstr(v), &t) == MH_OK)
		fail_msg("'%s' parsed", v);
}

static void test_asctime(void **state)
{
	(void)state;
	asc_ok("Mon Jan  2 15:04:05 2006", "2006-01-02T15:04:05Z");
	asc_ok("Sat Jan  3 01:05:34 1996", "1996-01-03T01:05:34Z");
	asc_ok("Fri Aug 31 13:39:16 2001", "2001-08-31T13:39:16Z");
	asc_ok("Jan 2 15:04:05 2006", "2006-01-02T15:04:05Z");
	asc_ok("Mon Jan  2 15:04:05 PST 2006", "2006-01-02T23:04:05Z");
	asc_ok("Mon Jan  2 15:04:05 -0800 2006", "2006-01-02T23:04:05Z");
	asc_ok("Mon Jan  2 15:04:05 2006 -0800", "2006-01-02T23:04:05Z");
	asc_ok("Mon Jan  2 15:04 2006", "2006-01-02T15:04:00Z");
	asc_ok("Mon Jan  2 15:04:05 96", "1996-01-02T15:04:05Z");
	asc_ok("Mon Jan  2 15:04:05 2006 remote from uunet",
	       "2006-01-02T15:04:05Z");
	/* Strict: From_ lines are told from body text with this. */
	asc_bad("here on we go");
	asc_bad("2 Jan 2006 15:04:05");
	asc_bad("Mon, 2 Jan 2006 15:04:05 +0000");
	asc_bad("Mon Jan  2 2006");
	asc_bad("Mon Jan 32 15:04:05 2006");
	asc_bad("Mon Feb 30 15:04:05 2006");
	asc_bad("Mon Jan  2 15:04:05");
	asc_bad("Mon Jan  2 15:04:05 Bogus 2006");
	asc_bad("");
	/* mh_date_parse reads asctime too. */
	ok("Sat Jan  3 01:05:34 1996", "1996-01-03T01:05:34Z", 0);
}

static void test_arith(void **state)
{
	(void)state;
	assert_int_equal(mh_time_from_civil(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(mh_time_from_civil(1969, 12, 31, 23, 59, 59), -1);
	assert_int_equal(mh_time_from_civil(2000, 2, 29, 0, 0, 0), 951782400);
	assert_int_equal(mh_time_from_civil(2038, 1, 19, 3, 14, 8),
	                 INT64_C(2147483648));
	assert_int_equal(mh_time_from_civil(9999, 12, 31, 23, 59, 59),
	                 INT64_C(253402300799));
	assert_int_equal(mh_time_from_civil(1600, 1, 1, 0, 0, 0),
	                 INT64_C(-11676096000));
	assert_int_equal(mh_time_from_civil(0, 1, 1, 0, 0, 0),
	                 INT64_C(-62167219200));
	char s[21];
	mh_time_iso(0, s);
	assert_string_equal(s, "1970-01-01T00:00:00Z");
	mh_time_iso(-1, s);
	assert_string_equal(s, "1969-12-31T23:59:59Z");
	mh_time_iso(951782400 + 86399, s);
	assert_string_equal(s, "2000-02-29T23:59:59Z");
	mh_time_iso(INT64_C(253402300799), s);
	assert_string_equal(s, "9999-12-31T23:59:59Z");
	mh_time_iso(INT64_C(253402300800), s);
	assert_string_equal(s, "0000-00-00T00:00:00Z");
	mh_time_iso(INT64_MIN, s);
	assert_string_equal(s, "0000-00-00T00:00:00Z");
	mh_time_iso(INT64_MAX, s);
	assert_string_equal(s, "0000-00-00T00:00:00Z");
	/* Round trip over four centuries, every 997th day, odd seconds. */
	for (int64_t d = -200000; d < 200000; d += 997) {
		int64_t t = d * 86400 + (d & 0xffff) % 86400;
		mh_time_iso(t, s);
		int y, mo, dd, hh, mm, ss;
		assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo,
		                        &dd, &hh, &mm, &ss),
		                 6);
		assert_int_equal(mh_time_from_civil(y, mo, dd, hh, mm, ss), t);
	}
}

static void test_hostile(void **state)
{
	(void)state;
	static const char *const unit[] = {"9",  "(", " ",          "Jan ",
	                                   "1:", "+", "1 Jan 2006 "};
	size_t big = 10u << 20;
	char *m = malloc(big);
	assert_non_null(m);
	for (size_t u = 0; u < sizeof(unit) / sizeof(unit[0]); u++) {
		size_t k = strlen(unit[u]);
		for (size_t i = 0; i < big; i++)
			m[i] = unit[u][i % k];
		int64_t t;
		int z;
		int rc = mh_date_parse(mh_slice_make(m, big), &t, &z);
		assert_true(rc == MH_OK || rc == MH_EFORMAT);
		rc = mh_date_parse_asctime(mh_slice_make(m, big), &t);
		assert_true(rc == MH_OK || rc == MH_EFORMAT);
	}
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc5322),
	        cmocka_unit_test(test_years),
	        cmocka_unit_test(test_zones),
	        cmocka_unit_test(test_other_shapes),
	        cmocka_unit_test(test_invalid),
	        cmocka_unit_test(test_asctime),
	        cmocka_unit_test(test_arith),
	        cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
