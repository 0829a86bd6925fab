/* Unit tests for the core helpers: buffers with caps, the arena, slices,
 * error records, and the finding model's ids, levels and sorting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "core/err.h"
#include "core/slice.h"
#include "finding/finding.h"

/* Encode, check and decode agree on every boundary of the UTF-8 forms;
 * surrogates and values past U+10FFFF are not encoded. */
static void test_utf8_codec(void **state)
{
	(void)state;
	static const uint32_t cps[] = {0,      0x7f,    0x80,    0x7ff,
	                               0x800,  0xd7ff,  0xe000,  0xfffd,
	                               0xffff, 0x10000, 0x10ffff};
	static const size_t lens[] = {1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4};
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		unsigned char u[4];
		size_t k = mh_utf8_put(cps[i], u);
		assert_int_equal(k, lens[i]);
		assert_int_equal(mh_utf8_seq(u, k), k);
		assert_int_equal(mh_utf8_cp(u, k), cps[i]);
	}
	unsigned char u[4];
	assert_int_equal(mh_utf8_put(0xd800, u), 0);
	assert_int_equal(mh_utf8_put(0xdfff, u), 0);
	assert_int_equal(mh_utf8_put(0x110000, u), 0);
	assert_int_equal(mh_utf8_cp((const unsigned char *)"\xc3\xa9", 2),
	                 0xe9);
}

static void test_buf_cap(void **state)
{
	(void)state;
	struct mh_buf b = MH_BUF_INIT(8);
	assert_string_equal(mh_buf_cstr(&b), "");
	assert_int_equal(mh_buf_adds(&b, "hello"), MH_OK);
	assert_int_equal(mh_buf_adds(&b, "!!!"), MH_OK);
	assert_int_equal(b.len, 8);
	/* Past the cap: refused, contents kept. */
	assert_int_equal(mh_buf_addc(&b, 'x'), MH_ETOOBIG);
	assert_string_equal(mh_buf_cstr(&b), "hello!!!");
	mh_buf_reset(&b);
	assert_int_equal(mh_buf_printf(&b, "%d-%s", 42, "ab"), MH_OK);
	assert_string_equal(mh_buf_cstr(&b), "42-ab");
	assert_int_equal(mh_buf_printf(&b, "%s", "toolong"), MH_ETOOBIG);
	/* Truncate cuts back (a C string still), never grows. */
	mh_buf_truncate(&b, 2);
	assert_string_equal(mh_buf_cstr(&b), "42");
	mh_buf_truncate(&b, 5);
	assert_int_equal(b.len, 2);
	assert_int_equal(mh_buf_adds(&b, "-ab"), MH_OK);
	size_t n;
	char *p = mh_buf_detach(&b, &n);
	assert_string_equal(p, "42-ab");
	assert_int_equal(n, 5);
	assert_null(b.p);
	free(p);
	mh_buf_release(&b);
	mh_buf_release(NULL);
}

static void test_buf_overflow(void **state)
{
	(void)state;
	struct mh_buf b = MH_BUF_INIT(SIZE_MAX);
	assert_int_equal(mh_buf_adds(&b, "x"), MH_OK);
	/* len + n would wrap: must fail, not allocate a tiny block. */
	assert_int_equal(mh_buf_reserve(&b, SIZE_MAX), MH_ETOOBIG);
	mh_buf_release(&b);
}

static void test_arena(void **state)
{
	(void)state;
	struct mh_arena a;
	mh_arena_init(&a, 64, 1024);
	char *s = mh_arena_strndup(&a, "abcdef", 3);
	assert_string_equal(s, "abc");
	assert_int_equal((uintptr_t)s % 16, 0);
	/* A request bigger than a block gets its own block. */
	void *big = mh_arena_alloc(&a, 500);
	assert_non_null(big);
	memset(big, 'x', 500);
	/* The per-cycle cap holds. */
	assert_null(mh_arena_alloc(&a, 600));
	mh_arena_reset(&a);
	assert_non_null(mh_arena_alloc(&a, 600));
	assert_null(mh_arena_alloc(&a, SIZE_MAX));
	mh_arena_release(&a);
	mh_arena_release(NULL);
}

static void test_slice(void **state)
{
	(void)state;
	struct mh_slice a = mh_slice_cstr("X-Forwarded-To");
	assert_true(mh_slice_ieq(a, mh_slice_cstr("x-forwarded-to")));
	assert_false(mh_slice_ieq(a, mh_slice_cstr("x-forwarded-t")));
	/* eight bytes a step: only 'A'..'Z' fold, in every lane, and a
	 * difference in the last bytes counts */
	assert_true(mh_slice_ieq(mh_slice_cstr("MailItemsAccessed"),
	                         mh_slice_cstr("mailitemsACCESSED")));
	assert_false(mh_slice_ieq(mh_slice_cstr("MailItemsAccessed"),
	                          mh_slice_cstr("MailItemsAccessee")));
	assert_false(mh_slice_ieq(mh_slice_cstr("@[\\]^_AZ"),
	                          mh_slice_cstr("`{|}~\x7f"
	                                        "az")));
	assert_false(mh_slice_ieq(mh_slice_cstr("abcdefgh\xc1"),
	                          mh_slice_cstr("ABCDEFGH\xe1")));
	assert_true(mh_slice_ieq(mh_slice_cstr("\xc1\xc2"
	                                       "ABCDEFGHIJ"),
	                         mh_slice_cstr("\xc1\xc2"
	                                       "abcdefghij")));
	assert_true(mh_slice_istarts(a, "x-FORW"));
	assert_false(mh_slice_istarts(mh_slice_cstr("X-"), "x-forw"));
	struct mh_slice t = mh_slice_trim(mh_slice_cstr(" \t a b\r\n"));
	assert_int_equal(t.n, 3);
	assert_memory_equal(t.p, "a b", 3);
	assert_int_equal(mh_slice_ifind(a, "WARDED"), 5);
	assert_int_equal(mh_slice_ifind(a, "nope"), (size_t)-1);
	assert_int_equal(mh_slice_trim(mh_slice_cstr("   ")).n, 0);
}

static void test_err(void **state)
{
	(void)state;
	struct mh_err e;
	mh_err_clear(&e);
	assert_int_equal(mh_err_at(&e, MH_ETRUNC, MH_SKIP_TRUNCATED, "f.mbox",
	                           1234, 7, "message ends in '%s'", "header"),
	                 MH_ETRUNC);
	assert_string_equal(e.msg, "message ends in 'header'");
	assert_int_equal(e.offset, 1234);
	assert_int_equal(e.line, 7);
	assert_string_equal(mh_skip_reason_name(e.reason), "truncated");
	assert_string_equal(mh_skip_reason_name(999), "unknown");
	assert_int_equal(mh_err_set(NULL, MH_EIO, "x"), MH_EIO);
	assert_string_equal(mh_strerror(MH_ENOMEM), "out of memory");
}

static struct mh_finding *mk(const char *rule, int level, const char *mbx,
                             const char *dst)
{
	struct mh_finding *f = mh_finding_new();
	assert_int_equal(mh_finding_set_rule(f, rule, NULL, NULL, NULL), MH_OK);
	f->level = level;
	f->mailbox = mbx ? strdup(mbx) : NULL;
	f->destination = dst ? strdup(dst) : NULL;
	mh_finding_set_id(f);
	return f;
}

static void test_finding(void **state)
{
	(void)state;
	assert_int_equal(mh_level_parse("informational"), MH_LEVEL_INFO);
	assert_int_equal(mh_level_parse("info"), MH_LEVEL_INFO);
	assert_int_equal(mh_level_parse("critical"), MH_LEVEL_CRITICAL);
	assert_int_equal(mh_level_parse("severe"), -1);
	assert_string_equal(mh_level_name(MH_LEVEL_HIGH), "high");

	struct mh_findings l = {0};
	mh_findings_push(&l, mk("MH-FWD-INT", MH_LEVEL_LOW, "a@x", "b@x"));
	mh_findings_push(&l, mk("MH-FWD-EXT", MH_LEVEL_HIGH, "b@x", "e@y"));
	mh_findings_push(&l, mk("MH-FWD-EXT", MH_LEVEL_HIGH, "a@x", "e@y"));
	mh_findings_sort(&l);
	assert_string_equal(l.v[0]->mailbox, "a@x");
	assert_string_equal(l.v[1]->mailbox, "b@x");
	assert_int_equal(l.v[2]->level, MH_LEVEL_LOW);
	/* Ids are stable (same inputs, same id) and separate the fields. */
	struct mh_finding *x = mk("MH-FWD-EXT", MH_LEVEL_HIGH, "a@x", "e@y");
	struct mh_finding *y = mk("MH-FWD-EXT", MH_LEVEL_HIGH, "a@xe", "@y");
	assert_string_equal(x->id, l.v[0]->id);
	assert_string_not_equal(x->id, y->id);
	assert_int_equal(strlen(x->id), 16);
	mh_finding_count(x, "auto_forwarded", 3);
	assert_int_equal(x->ncounts, 1);
	mh_finding_free(x);
	mh_finding_free(y);
	mh_finding_free(NULL);
	mh_findings_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buf_cap),
	        cmocka_unit_test(test_utf8_codec),
	        cmocka_unit_test(test_buf_overflow),
	        cmocka_unit_test(test_arena),
	        cmocka_unit_test(test_slice),
	        cmocka_unit_test(test_err),
	        cmocka_unit_test(test_finding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
