/* Unit tests for the address-list parser: RFC 5322 3.4 forms, obsolete
 * forms (4.4), the malformations real mail has, and hostile input.
 * Each list is rendered as "name <addr>" lines, "[group] " in front of
 * group members, so one string says everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/utf8.h"
#include "mail/addr.h"

static size_t render(const char *in, size_t inlen, struct mh_buf *b, size_t max,
                     int *rc)
{
	struct mh_arena a;
	struct mh_addr *v = NULL;
	size_t n = 0, bad = 0;
	mh_arena_init(&a, 0, 0);
	*rc = mh_addr_parse_list(mh_slice_make(in, inlen), &a, max, &v, &n,
	                         &bad);
	mh_buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		if (i)
			mh_buf_adds(b, "\n");
		if (v[i].group)
			mh_buf_printf(b, "[%s] ", v[i].group);
		mh_buf_printf(b, "%s <%s>", v[i].name, v[i].addr);
		/* Invariants: UTF-8 everywhere; domain is the lower-cased
		 * text after the last '@'. */
		assert_true(mh_utf8_valid(v[i].name, strlen(v[i].name)));
		assert_true(mh_utf8_valid(v[i].addr, strlen(v[i].addr)));
		char dom[256];
		size_t dl = mh_addr_domain(v[i].addr, dom, sizeof(dom));
		if (!strchr(v[i].addr, '"') && strlen(v[i].domain) < 255) {
			assert_int_equal(dl, strlen(v[i].domain));
			assert_string_equal(dom, v[i].domain);
		}
	}
	mh_arena_release(&a);
	return bad;
}

static size_t check(const char *in, const char *want)
{
	struct mh_buf b = MH_BUF_INIT(1u << 24);
	int rc;
	size_t bad = render(in, strlen(in), &b, 1000, &rc);
	assert_int_equal(rc, MH_OK);
	assert_string_equal(mh_buf_cstr(&b), want);
	mh_buf_release(&b);
	return bad;
}

static void test_basic(void **state)
{
	(void)state;
	assert_int_equal(check("a@example.com", " <a@example.com>"), 0);
	check("Joe Q. Public <john.q.public@example.com>",
	      "Joe Q. Public <john.q.public@example.com>");
	check("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	      "Mary Smith <mary@x.test>\n <jdoe@example.org>\nWho? "
	      "<one@y.test>");
	check("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	      "Giant; \"Big\" Box <sysservices@example.net>");
	check("\"Doe, John\" <jd@x.test>, c@d.test",
	      "Doe, John <jd@x.test>\n <c@d.test>");
	check("<a@b.test>", " <a@b.test>");
	check("\"\" <a@b.test>", " <a@b.test>");
	/* Blanks inside the phrase are kept as written. */
	check("Joe   Smith <a@b.test>", "Joe   Smith <a@b.test>");
	check("\"Joe\"Smith <a@b.test>", "JoeSmith <a@b.test>");
	check("Joe \"Q\" Public <a@b.test>", "Joe Q Public <a@b.test>");
	check("\" Joe  Smith \" <a@b.test>", "Joe  Smith <a@b.test>");
	check("\"a@b\" <a@b.test>", "a@b <a@b.test>");
	check("john@x.test <john@x.test>", "john@x.test <john@x.test>");
	check("\"Joe\\\\\" <a@b.test>", "Joe\\ <a@b.test>");
}

static void test_domain_and_spec(void **state)
{
	(void)state;
	struct mh_arena a;
	struct mh_addr *v;
	size_t n, bad;
	mh_arena_init(&a, 0, 0);
	assert_int_equal(
	        mh_addr_parse_list(
	                mh_slice_cstr("Joe <Joe.Doe@Mail.EXAMPLE.com>"), &a, 10,
	                &v, &n, &bad),
	        MH_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].addr, "Joe.Doe@Mail.EXAMPLE.com");
	assert_string_equal(v[0].domain, "mail.example.com");
	assert_null(v[0].group);
	mh_arena_release(&a);

	/* Quoted local parts stay quoted, with their escapes. */
	check("\"a b\"@c.test", " <\"a b\"@c.test>");
	check("Joe <\"x\\\"y\"@b.test>", "Joe <\"x\\\"y\"@b.test>");
	check("a@[192.0.2.1]", " <a@[192.0.2.1]>");
	/* CFWS inside the addr-spec goes (obsolete forms). */
	check("a . b @ c . test", " <a.b@c.test>");
	check("Joe <a @ b.test>", "Joe <a@b.test>");
	check("Joe <a(c)@b.test>", "Joe <a@b.test>");
	/* Trailing dot dropped, address without domain kept. */
	check("a@b.test.", " <a@b.test>");
	check("nsb", " <nsb>");
	check("s..palmer@enron.com", " <s..palmer@enron.com>");
	/* The domain of a quoted local part with '@' inside. */
	mh_arena_init(&a, 0, 0);
	assert_int_equal(mh_addr_parse_list(mh_slice_cstr("\"a@b\"@C.test"), &a,
	                                    10, &v, &n, &bad),
	                 MH_OK);
	assert_string_equal(v[0].domain, "c.test");
	mh_arena_release(&a);
	char d[8];
	assert_int_equal(mh_addr_domain("x@Example.COM", d, sizeof(d)), 7);
	assert_string_equal(d, "example");
	assert_int_equal(mh_addr_domain("nodomain", d, sizeof(d)), 0);
	assert_string_equal(d, "");
	assert_int_equal(mh_addr_domain(NULL, d, sizeof(d)), 0);
}

static void test_comments(void **state)
{
	(void)state;
	/* A comment after a bare addr-spec names it. */
	check("a@b.test (Joe Bloggs)", "Joe Bloggs <a@b.test>");
	check("a@b.test (  Name  Here )", "Name  Here <a@b.test>");
	check("a@b.test (N1) (N2)", "N1 <a@b.test>");
	/* Not for an address without domain (as GMime). */
	check("nsb (Nathaniel Borenstein)", " <nsb>");
	/* ... but not one in front, nor one after an angle address. */
	check("(Comment) a@b.test", " <a@b.test>");
	check("Joe <a@b.test> (work)", "Joe <a@b.test>");
	/* Comments in a phrase go; nested, with quoted pairs. */
	check("Joe (x) Q <a@b.test>", "Joe Q <a@b.test>");
	check("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	      "Pete <pete@silly.test>");
	check("Jo(e) <a@b.test>", "Jo <a@b.test>");
	check("a@b.test (outer (inner) \\( x)",
	      "outer (inner) \\( x <a@b.test>");
	/* Encoded words in a comment name. */
	check("a@b.test (=?utf-8?q?J=C3=B6rg?=)", "J\xc3\xb6rg <a@b.test>");
}

static void test_groups(void **state)
{
	(void)state;
	check("undisclosed-recipients:;", "[undisclosed-recipients]  <>");
	check("undisclosed-recipients: ;", "[undisclosed-recipients]  <>");
	check("Undisclosed recipients:", "[Undisclosed recipients]  <>");
	check("A Group:Ed Jones <c@a.test>,joe@where.test,John "
	      "<jdoe@one.test>;",
	      "[A Group] Ed Jones <c@a.test>\n[A Group]  <joe@where.test>\n"
	      "[A Group] John <jdoe@one.test>");
	check("G: a@b.test, c@d.test;, e@f.test",
	      "[G]  <a@b.test>\n[G]  <c@d.test>\n <e@f.test>");
	check("G: a@b.test; H: c@d.test;", "[G]  <a@b.test>\n[H]  <c@d.test>");
	check("G: x@y.test", "[G]  <x@y.test>");
	check("Joe: ;, Q <a@b.test>", "[Joe]  <>\nQ <a@b.test>");
	/* Encoded group name. */
	check("=?utf-8?q?Gr=C3=BCn?=: a@b.test;", "[Gr\xc3\xbcn]  <a@b.test>");
	/* A nested group closes the outer one. */
	check("G: H: x@y.test;;", "[G]  <>\n[H]  <x@y.test>");
}

static void test_routes(void **state)
{
	(void)state;
	check("<@a.test,@b.test:x@y.test>", " <x@y.test>");
	check("Joe <@a.test,@b.test:x@y.test>", "Joe <x@y.test>");
	check("Joe <@a.test:x@y.test>, z@w.test",
	      "Joe <x@y.test>\n <z@w.test>");
	/* Without angle brackets the route still goes. */
	check("@develop:sblab!att!nsb", " <sblab!att!nsb>");
}

static void test_encoded_names(void **state)
{
	(void)state;
	check("=?utf-8?q?J=C3=B6rg?= <a@b.test>", "J\xc3\xb6rg <a@b.test>");
	check("=?utf-8?q?J=C3=B6?= =?utf-8?q?rg?= <a@b.test>",
	      "J\xc3\xb6rg <a@b.test>");
	/* Inside quotes (not RFC 2047, but everyone does it). */
	check("\"=?utf-8?q?J=C3=B6?=\" <a@b.test>", "J\xc3\xb6 <a@b.test>");
	check("=?iso-8859-1?Q? =F6tzi ?= <oetzi@web.test>",
	      "\xc3\xb6tzi <oetzi@web.test>");
	check("=?utf-8?q?a?= x =?utf-8?q?b?= <a@b.test>", "a x b <a@b.test>");
	/* Raw 8-bit: UTF-8 when valid, else windows-1252. */
	check("J\xc3\xb6rg <a@b.test>", "J\xc3\xb6rg <a@b.test>");
	check("J\xf6rg <a@b.test>", "J\xc3\xb6rg <a@b.test>");
	check("\xb4google@example.test", " <\xc2\xb4google@example.test>");
	/* Decoded names are trimmed; an encoded comma is not a separator. */
	check("=?utf-8?q?Doe=2C_John?= <jd@x.test>", "Doe, John <jd@x.test>");
}

static void test_malformed(void **state)
{
	(void)state;
	/* Missing commas (GMime loose mode does the same). */
	check("Bob Dunite <bob@extern> Bobby Dunite <bobby@extern>",
	      "Bob Dunite <bob@extern>\nBobby Dunite <bobby@extern>");
	check("tim@power.test concierge@power.test",
	      " <tim@power.test>\n <concierge@power.test>");
	check("Joe <a@b.test>junk", "Joe <a@b.test>\n <junk>");
	check("a@b.test Joe <c@d.test>", " <a@b.test>\nJoe <c@d.test>");
	/* Words before a bare addr-spec: the display name. */
	check("Big Bug bb@bug.test", "Big Bug <bb@bug.test>");
	/* Several words and no address: not an address. */
	assert_int_equal(check("Mary Smith", ""), 1);
	check("Doe, John", " <Doe>\n <John>");
	/* Unclosed angle, quote, comment. */
	check("Joe <a@b.test", "Joe <a@b.test>");
	check("Joe <a@b.test, c@d.test", "Joe <a@b.test>\n <c@d.test>");
	check("\"unterminated <a@b.test>", "unterminated <a@b.test>");
	check("Joe (unterminated <a@b.test>", "");
	/* A lone unclosed quoted string is not an address. */
	check("a@b.test, \"unterminated", " <a@b.test>");
	/* Empty entries and angle brackets. */
	check("x@y.test, , z@w.test", " <x@y.test>\n <z@w.test>");
	assert_int_equal(check("<a@b.test>, <>", " <a@b.test>"), 1);
	assert_int_equal(check("Joe <>", ""), 1);
	check(",,,", "");
	check("", "");
	/* ';' outside a group separates. */
	check("a@b.test;c@d.test", " <a@b.test>\n <c@d.test>");
	/* Junk is skipped to the next top-level comma. */
	assert_int_equal(check(">a@b.test, c@d.test", " <c@d.test>"), 1);
	check("a@b.test@c.test, d@e.test", " <a@b.test>\n <d@e.test>");
	check("a@, b@c.test", " <b@c.test>");
	check("Joe \\, Q <a@b.test>", "Q <a@b.test>");
	check("<junk a@b.test>", " <a@b.test>");
	check("\"p@\" <dom.tld p@dom.tld>", "p@ <p@dom.tld>");
	check("a@b.test>", " <a@b.test>");
	check("Joe <a@b.test>>", "Joe <a@b.test>");
	check("<Undisclosed-Recipient:@mailman.test;>",
	      " <Undisclosed-Recipient:@mailman.test>");
}

static void test_limits(void **state)
{
	(void)state;
	struct mh_buf b = MH_BUF_INIT(1u << 26);
	int rc;
	/* More than max entries: the first max with MH_ETOOBIG. */
	const char *three = "a@b.test, c@d.test, e@f.test";
	render(three, strlen(three), &b, 2, &rc);
	assert_int_equal(rc, MH_ETOOBIG);
	assert_string_equal(mh_buf_cstr(&b), " <a@b.test>\n <c@d.test>");
	/* NUL bytes cannot hide the rest of a C string: U+FFFD. */
	static const char nul[] = "Jo\0e <a\0@b.test>";
	render(nul, sizeof(nul) - 1, &b, 10, &rc);
	assert_int_equal(rc, MH_OK);
	assert_string_equal(mh_buf_cstr(&b), "Jo\xef\xbf\xbd"
	                                     "e <a\xef\xbf\xbd@b.test>");
	mh_buf_release(&b);
}

static void test_hostile(void **state)
{
	(void)state;
	/* Each of these 1 MB inputs must finish quickly (linear). */
	static const char *const unit[] = {"@,",     "(",   "\"", "<",
	                                   "=?a?q?", "a ",  "a@", ".",
	                                   ":",      "@a,", "a<"};
	size_t big = 1u << 20;
	char *m = malloc(big);
	struct mh_buf b = MH_BUF_INIT((size_t)1 << 30);
	assert_non_null(m);
	for (size_t u = 0; u < sizeof(unit) / sizeof(unit[0]); u++) {
		size_t k = strlen(unit[u]);
		for (size_t i = 0; i < big; i++)
			m[i] = unit[u][i % k];
		int rc;
		render(m, big, &b, 1u << 24, &rc);
		assert_true(rc == MH_OK || rc == MH_ETOOBIG);
	}
	/* A 1 MB display name. */
	memset(m, 'x', big);
	memcpy(m + big - 9, " <a@b.c>", 8);
	int rc;
	render(m, big - 1, &b, 10, &rc);
	assert_int_equal(rc, MH_OK);
	assert_int_equal(b.len, big - 1);
	free(m);
	mh_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_basic),
	        cmocka_unit_test(test_domain_and_spec),
	        cmocka_unit_test(test_comments),
	        cmocka_unit_test(test_groups),
	        cmocka_unit_test(test_routes),
	        cmocka_unit_test(test_encoded_names),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
