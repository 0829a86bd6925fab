/* Unit tests for the header block parser: end of block, field split,
 * unfolding, lookup; malformed and hostile blocks included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "mail/rfc5322.h"

#define LIT(s) (s), (sizeof(s) - 1)

static void end_ok(const char *p, size_t n, int eof, size_t hl, size_t bo)
{
	size_t h = 999, b = 999;
	assert_int_equal(mh_hdr_end(p, n, eof, &h, &b), MH_OK);
	assert_int_equal(h, hl);
	assert_int_equal(b, bo);
}

static void test_end_basic(void **state)
{
	(void)state;
	end_ok(LIT("A: b\nC: d\n\nbody\n"), 0, 10, 11);
	end_ok(LIT("A: b\r\nC: d\r\n\r\nbody\r\n"), 0, 12, 14);
	/* Mixed: LF field lines, CRLF blank line and the reverse. */
	end_ok(LIT("A: b\nC: d\n\r\nbody"), 0, 10, 12);
	end_ok(LIT("A: b\r\n\nbody"), 0, 6, 7);
	/* Empty header block. */
	end_ok(LIT("\nbody"), 0, 0, 1);
	end_ok(LIT("\r\nbody"), 0, 0, 2);
	/* A line of blanks is a (folded) header line, not the end. */
	end_ok(LIT("A: b\n \nC: d\n\nx"), 0, 12, 13);
	/* A lone CR is data, so "\r\r\n" is not an empty line. */
	end_ok(LIT("A: b\n\r\r\nC: d\n\nx"), 0, 13, 14);
}

static void test_end_trunc(void **state)
{
	(void)state;
	size_t h, b;
	/* No blank line yet: more data may come. */
	assert_int_equal(mh_hdr_end(LIT("A: b\nC: d"), 0, &h, &b), MH_ETRUNC);
	assert_int_equal(mh_hdr_end(LIT("A: b\nC: d\n"), 0, &h, &b), MH_ETRUNC);
	assert_int_equal(mh_hdr_end(LIT("A: b\nC: d\n\r"), 0, &h, &b),
	                 MH_ETRUNC);
	assert_int_equal(mh_hdr_end(LIT("\r"), 0, &h, &b), MH_ETRUNC);
	assert_int_equal(mh_hdr_end("", 0, 0, &h, &b), MH_ETRUNC);
	/* At end of input the whole thing is the header block. */
	end_ok(LIT("A: b\nC: d\n"), 1, 10, 10);
	end_ok(LIT("A: b\nC: d"), 1, 9, 9);
	end_ok("", 0, 1, 0, 0);
	/* The first blank line counts even when more follow. */
	end_ok(LIT("A: b\n\n\n\n"), 0, 5, 6);
}

static void test_end_nul_8bit(void **state)
{
	(void)state;
	static const char m[] = "A: \0\xff\n\0B: c\n\nbody";
	end_ok(m, sizeof(m) - 1, 0, 12, 13);
}

struct split {
	struct mh_arena a;
	struct mh_field *f;
	size_t n, bad;
	int rc;
};

static void do_split(struct split *s, const char *p, size_t n)
{
	mh_arena_init(&s->a, 0, 0);
	s->rc = mh_hdr_split(p, n, &s->a, 1000, &s->f, &s->n, &s->bad);
}

static void field_is(const struct mh_field *f, const char *name,
                     const char *value)
{
	assert_int_equal(f->name.n, strlen(name));
	assert_memory_equal(f->name.p, name, f->name.n);
	assert_int_equal(f->value.n, strlen(value));
	if (f->value.n)
		assert_memory_equal(f->value.p, value, f->value.n);
}

static void test_split_basic(void **state)
{
	(void)state;
	struct split s;
	do_split(&s, LIT("From: a@b\r\nSubject: hello\r\n world\r\n\tagain\r\n"
	                 "To:x@y\r\nX-Empty:\r\n"));
	assert_int_equal(s.rc, MH_OK);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.bad, 0);
	field_is(&s.f[0], "From", " a@b");
	field_is(&s.f[1], "Subject", " hello\r\n world\r\n\tagain");
	field_is(&s.f[2], "To", "x@y");
	field_is(&s.f[3], "X-Empty", "");
	mh_arena_release(&s.a);
}

static void test_split_from_line(void **state)
{
	(void)state;
	struct split s;
	do_split(&s, LIT("From someone@example.com Mon Jan  2 15:04:05 2006\n"
	                 "From: a@b\nSubject: s"));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.bad, 1);
	field_is(&s.f[0], "From", " a@b");
	field_is(&s.f[1], "Subject", " s");
	mh_arena_release(&s.a);
	/* The obsolete "From :" (RFC 5322 4.5) is a field, not a From_. */
	do_split(&s, LIT("From : a@b\nTo: c\n"));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.bad, 0);
	field_is(&s.f[0], "From", " a@b");
	mh_arena_release(&s.a);
}

static void test_split_junk(void **state)
{
	(void)state;
	struct split s;
	/* Leading blank-started lines, no colon, a name with a space (and
	 * its continuation), an obsolete "Name :" field, an empty name. */
	do_split(&s, LIT("  leading junk\n"
	                 "Subject: a\n"
	                 "NoColonLine\n"
	                 "X-A : v\n"
	                 "Bad Name: y\n"
	                 "  continued bad\n"
	                 ": empty name\n"
	                 "To: q\n"));
	assert_int_equal(s.rc, MH_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.bad, 5);
	field_is(&s.f[0], "Subject", " a");
	field_is(&s.f[1], "X-A", " v");
	field_is(&s.f[2], "To", " q");
	mh_arena_release(&s.a);
}

static void test_split_bytes(void **state)
{
	(void)state;
	struct split s;
	/* NUL and 8-bit bytes are kept; a lone CR does not end a line; an
	 * 8-bit name is accepted (GMime does too). */
	static const char m[] = "Subject: a\0b\xe9\n"
	                        "X-C: d\rX-E: f\r\n"
	                        "X-\xc3\xa9: z\n";
	do_split(&s, m, sizeof(m) - 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.f[0].value.n, 5);
	assert_memory_equal(s.f[0].value.p, " a\0b\xe9", 5);
	field_is(&s.f[1], "X-C", " d\rX-E: f");
	field_is(&s.f[2], "X-\xc3\xa9", " z");
	mh_arena_release(&s.a);
}

static void test_split_limits(void **state)
{
	(void)state;
	struct mh_buf b = MH_BUF_INIT(1 << 20);
	for (int i = 0; i < 100; i++)
		assert_int_equal(mh_buf_printf(&b, "X-F%d: %d\n", i, i), MH_OK);
	struct mh_arena a;
	struct mh_field *f;
	size_t n, bad;
	mh_arena_init(&a, 0, 0);
	/* More than the initial array: it grows and keeps order. */
	assert_int_equal(mh_hdr_split(b.p, b.len, &a, 1000, &f, &n, &bad),
	                 MH_OK);
	assert_int_equal(n, 100);
	field_is(&f[99], "X-F99", " 99");
	field_is(&f[31], "X-F31", " 31");
	field_is(&f[32], "X-F32", " 32");
	/* Over max_fields: the first max come back with MH_ETOOBIG. */
	assert_int_equal(mh_hdr_split(b.p, b.len, &a, 40, &f, &n, &bad),
	                 MH_ETOOBIG);
	assert_int_equal(n, 40);
	field_is(&f[39], "X-F39", " 39");
	/* Arena cap hit: ENOMEM, nothing returned. */
	struct mh_arena small;
	mh_arena_init(&small, 64, 64);
	assert_int_equal(mh_hdr_split(b.p, b.len, &small, 1000, &f, &n, &bad),
	                 MH_ENOMEM);
	/* Empty input. */
	assert_int_equal(mh_hdr_split(NULL, 0, &a, 10, &f, &n, &bad), MH_OK);
	assert_int_equal(n, 0);
	assert_null(f);
	mh_arena_release(&small);
	mh_arena_release(&a);
	mh_buf_release(&b);
}

static void test_split_huge_line(void **state)
{
	(void)state;
	/* One 10 MB folded field. */
	size_t n = 10u << 20;
	char *m = malloc(n);
	assert_non_null(m);
	memcpy(m, "Subject: ", 9);
	for (size_t i = 9; i < n; i++)
		m[i] = (i % 1000 == 0) ? '\n' : (i % 1000 == 1 ? ' ' : 'x');
	m[n - 1] = '\n';
	struct split s;
	do_split(&s, m, n);
	assert_int_equal(s.rc, MH_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.f[0].value.n, n - 9);
	size_t h, b;
	assert_int_equal(mh_hdr_end(m, n, 0, &h, &b), MH_ETRUNC);
	struct mh_buf u = MH_BUF_INIT(n);
	assert_int_equal(mh_hdr_unfold(s.f[0].value, &u), MH_OK);
	assert_null(memchr(u.p, '\n', u.len));
	mh_buf_release(&u);
	mh_arena_release(&s.a);
	free(m);
}

static void unfold_is(const char *raw, const char *want)
{
	struct mh_buf b = MH_BUF_INIT(1024);
	assert_int_equal(mh_hdr_unfold(mh_slice_cstr(raw), &b), MH_OK);
	assert_string_equal(mh_buf_cstr(&b), want);
	mh_buf_release(&b);
}

static void test_unfold(void **state)
{
	(void)state;
	unfold_is(" hello\r\n world\r\n\tagain ", "hello world\tagain");
	unfold_is(" a\n b", "a b");
	unfold_is("\r\n  x  \r\n ", "x");
	unfold_is("", "");
	unfold_is("   ", "");
	unfold_is(" a\rb", "a\rb");
	/* Two breaks in a row (a line of blanks in the middle). */
	unfold_is(" a\n \n b", "a  b");
	struct mh_buf b = MH_BUF_INIT(3);
	assert_int_equal(mh_hdr_unfold(mh_slice_cstr("abcd"), &b), MH_ETOOBIG);
	mh_buf_release(&b);
}

static void test_find(void **state)
{
	(void)state;
	struct split s;
	do_split(&s, LIT("Received: 1\nSUBJECT: s\nreceived: 2\nTo: t\n"
	                 "RECEIVED: 3\n"));
	const struct mh_field *f = mh_hdr_find(s.f, s.n, "received");
	assert_non_null(f);
	field_is(f, "Received", " 1");
	f = mh_hdr_find_next(s.f, s.n, f);
	field_is(f, "received", " 2");
	f = mh_hdr_find_next(s.f, s.n, f);
	field_is(f, "RECEIVED", " 3");
	assert_null(mh_hdr_find_next(s.f, s.n, f));
	field_is(mh_hdr_find(s.f, s.n, "Subject"), "SUBJECT", " s");
	assert_null(mh_hdr_find(s.f, s.n, "Subj"));
	assert_null(mh_hdr_find(s.f, s.n, "Cc"));
	assert_null(mh_hdr_find(NULL, 0, "Cc"));
	assert_null(mh_hdr_find_next(s.f, s.n, NULL));
	mh_arena_release(&s.a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_end_basic),
	        cmocka_unit_test(test_end_trunc),
	        cmocka_unit_test(test_end_nul_8bit),
	        cmocka_unit_test(test_split_basic),
	        cmocka_unit_test(test_split_from_line),
	        cmocka_unit_test(test_split_junk),
	        cmocka_unit_test(test_split_bytes),
	        cmocka_unit_test(test_split_limits),
	        cmocka_unit_test(test_split_huge_line),
	        cmocka_unit_test(test_unfold),
	        cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
