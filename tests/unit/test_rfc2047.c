/* Unit tests for RFC 2047 decoding, charset conversion and UTF-8 repair:
 * real-shaped encoded words, broken ones, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/err.h"
#include "core/utf8.h"
#include "mail/rfc2047.h"

static unsigned dec_flags(const char *in, const char *fallback,
                          const char *want)
{
	struct mh_buf b = MH_BUF_INIT(1u << 26);
	unsigned fl = 12345;
	assert_int_equal(
	        mh_rfc2047_decode(mh_slice_cstr(in), fallback, &b, &fl), MH_OK);
	assert_string_equal(mh_buf_cstr(&b), want);
	assert_true(mh_utf8_valid(b.p ? b.p : "", b.len));
	mh_buf_release(&b);
	return fl;
}

static void dec(const char *in, const char *want)
{
	dec_flags(in, NULL, want);
}

static void test_plain(void **state)
{
	(void)state;
	assert_int_equal(dec_flags("Hello world", NULL, "Hello world"), 0);
	dec("", "");
	/* Not encoded words at all. */
	dec("a = b ?= c =? d", "a = b ?= c =? d");
	dec("  spaced  out  ", "  spaced  out  ");
	dec("100% =", "100% =");
}

static void test_b_and_q(void **state)
{
	(void)state;
	dec("=?utf-8?B?w6k=?=", "\xc3\xa9");
	dec("=?UTF-8?b?w6k=?=", "\xc3\xa9");
	dec("=?utf-8?Q?caf=C3=A9?=", "caf\xc3\xa9");
	dec("=?utf-8?q?caf=c3=a9?=", "caf\xc3\xa9");
	dec("=?UTF-8?Q?a_b?=", "a b");
	/* RFC 2231 language suffix. */
	dec("=?utf-8*en-US?q?a?=", "a");
	dec("=?ISO-8859-1*fr?Q?=E9t=E9?=", "\xc3\xa9t\xc3\xa9");
	/* '?' inside Q text, text ends at the first "?=". */
	dec("=?utf-8?q?a?b?=", "a?b");
	dec("=?utf-8?q?a?=?=", "a?=");
	/* Empty text. */
	assert_int_equal(dec_flags("=?utf-8?q?\?=", NULL, ""), 0);
}

static void test_adjacent(void **state)
{
	(void)state;
	/* White space between encoded words goes (space, tab, fold). */
	dec("=?utf-8?q?a?= =?utf-8?q?b?=", "ab");
	dec("=?utf-8?q?a?=\t =?utf-8?q?b?=", "ab");
	dec("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab");
	/* ... but not between a word and text. */
	dec("=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b");
	dec("Re: =?utf-8?q?a?=  b", "Re: a  b");
	/* Glued to text and to each other. */
	dec("x=?utf-8?q?a?=y", "xay");
	dec("=?utf-8?q?a?==?utf-8?q?b?=", "ab");
	/* A multi-byte character split across words. */
	dec("=?utf-8?q?=C3?= =?utf-8?q?=A9?=", "\xc3\xa9");
	dec("=?utf-8?B?w6?= =?utf-8?B?k=?=", "\xef\xbf\xbd");
	/* Per-word base64: padding in the first word does not swallow the
	 * next one (GMime loses "b" here). */
	dec("=?utf-8?b?YQ==?= =?utf-8?b?Yg==?=", "ab");
	/* Different charsets side by side. */
	dec("=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", "a\xc3\xa9");
	/* ISO-2022-JP: escape in one word, text in the next. */
	dec("=?iso-2022-jp?B?GyRC?= =?iso-2022-jp?B?JEgbKEI=?=",
	    "\xe3\x81\xa8");
}

static void test_charsets(void **state)
{
	(void)state;
	dec("=?windows-1252?q?=80?=", "\xe2\x82\xac");
	dec("=?cp1252?q?=80?=", "\xe2\x82\xac");
	dec("=?latin1?q?=E9?=", "\xc3\xa9");
	dec("=?ISO_8859-1?q?=E9?=", "\xc3\xa9");
	dec("=?iso-8859-15?q?=A4?=", "\xe2\x82\xac");
	dec("=?utf8?q?=C3=A9?=", "\xc3\xa9");
	dec("=?koi8-r?b?8NLJ18XU?=",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	dec("=?ks_c_5601-1987?b?x9GxuQ==?=", "\xed\x95\x9c\xea\xb5\xad");
	dec("=?euc-kr?b?x9GxuQ==?=", "\xed\x95\x9c\xea\xb5\xad");
	dec("=?gb2312?b?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87");
	dec("=?big5?b?pKSk5Q==?=", "\xe4\xb8\xad\xe6\x96\x87");
	dec("=?shift_jis?b?k/qWe4zq?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	dec("=?iso-2022-jp?b?GyRCJEgbKEI=?=", "\xe3\x81\xa8");
	dec("=?utf-7?q?+AOk-?=", "\xc3\xa9");
	dec("=?x-mac-cyrillic?q?=80?=", "\xd0\x90");
	dec("=?iso-8859-8-i?q?=E0?=", "\xd7\x90");
	/* Invalid bytes in the declared charset. */
	assert_int_equal(dec_flags("=?utf-8?q?a=E9?=", NULL, "a\xef\xbf\xbd"),
	                 MH_2047_CHARSET);
	assert_int_equal(
	        dec_flags("=?us-ascii?q?a=E9?=", NULL, "a\xef\xbf\xbd"),
	        MH_2047_CHARSET);
	assert_int_equal(dec_flags("=?shift_jis?q?=82?=", NULL, "\xef\xbf\xbd"),
	                 MH_2047_CHARSET);
}

static void test_unknown_charset(void **state)
{
	(void)state;
	/* Unknown labels: UTF-8 when valid, else the fallback. */
	assert_int_equal(dec_flags("=?x-unknown?q?a=E9?=", NULL, "a\xc3\xa9"),
	                 MH_2047_CHARSET);
	dec("=?unknown-8bit?q?=C3=A9?=", "\xc3\xa9");
	dec("=?bogus?q?=80?=", "\xe2\x82\xac");
	dec_flags("=?bogus?q?=F0?=", "koi8-r", "\xd0\x9f");
	/* Labels are never handed to iconv with suffixes or paths. */
	assert_int_equal(
	        dec_flags("=?utf-8//TRANSLIT?q?=E9?=", NULL, "\xc3\xa9"),
	        MH_2047_CHARSET);
	dec("=?../../etc/passwd?q?a?=", "a");
	assert_int_equal(mh_charset_known("UTF-8", 5), 1);
	assert_int_equal(mh_charset_known("utf-8//IGNORE", 13), 0);
	assert_int_equal(mh_charset_known("x-unknown", 9), 0);
	assert_int_equal(mh_charset_known("no-such-charset", 15), 0);
	assert_int_equal(mh_charset_known("\"Windows-1251\"", 14), 1);
}

static void test_raw_8bit(void **state)
{
	(void)state;
	assert_int_equal(dec_flags("caf\xc3\xa9", NULL, "caf\xc3\xa9"), 0);
	assert_int_equal(dec_flags("caf\xe9", NULL, "caf\xc3\xa9"),
	                 MH_2047_RAW8BIT);
	dec_flags("\xf0\xd2\xc9", "koi8-r", "\xd0\x9f\xd1\x80\xd0\xb8");
	/* An unusable fallback falls back to windows-1252. */
	dec_flags("\x80", "no-such-charset", "\xe2\x82\xac");
	/* Raw bytes next to an encoded word. */
	dec("\xe9t\xe9 =?utf-8?q?=C3=A9?=", "\xc3\xa9t\xc3\xa9 \xc3\xa9");
	/* NUL and controls are kept (valid UTF-8). */
	struct mh_buf b = MH_BUF_INIT(100);
	assert_int_equal(
	        mh_rfc2047_decode(mh_slice_make("a\0b", 3), NULL, &b, NULL),
	        MH_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, "a\0b", 3);
	mh_buf_release(&b);
}

static void test_broken(void **state)
{
	(void)state;
	/* Unknown encoding, truncated, empty charset or encoding. */
	assert_int_equal(dec_flags("=?utf-8?x?abc?=", NULL, "=?utf-8?x?abc?="),
	                 MH_2047_BROKEN);
	assert_int_equal(dec_flags("=?utf-8?q?abc", NULL, "=?utf-8?q?abc"),
	                 MH_2047_BROKEN);
	dec("=??q?a?=", "=??q?a?=");
	dec("=?utf-8??a?=", "=?utf-8??a?=");
	dec("=?utf-8?q", "=?utf-8?q");
	/* Blanks inside the text are tolerated (GMime too)... */
	dec("=?iso-8859-1?Q? =F6tzi ?=", " \xc3\xb6tzi ");
	dec("=?utf-8?q?a b?=", "a b");
	/* ... unless a new word starts after them: the first is broken. */
	assert_int_equal(dec_flags("=?utf-8?q?abc =?utf-8?q?def?=", NULL,
	                           "=?utf-8?q?abc def"),
	                 MH_2047_BROKEN);
	/* Bad base64: junk skipped, unpadded decoded, lone sixth lost. */
	assert_int_equal(dec_flags("=?utf-8?b?Y!Q==?=", NULL, "a"),
	                 MH_2047_BROKEN);
	assert_int_equal(dec_flags("=?utf-8?b?YQ?=", NULL, "a"), 0);
	assert_int_equal(dec_flags("=?utf-8?b?Y?=", NULL, ""), MH_2047_BROKEN);
	dec("=?utf-8?b?w6kx?==?utf-8?b?w6k=?=", "\xc3\xa9"
	                                        "1\xc3\xa9");
	/* Bad Q: '=' without hex stays, or goes at the end. */
	assert_int_equal(dec_flags("=?utf-8?q?a=zzb?=", NULL, "a=zzb"),
	                 MH_2047_BROKEN);
	dec("=?utf-8?q?a=4xb?=", "a=4xb");
	dec("=?utf-8?q?a=?=", "a");
	dec("=?utf-8?q?a=4?=", "a");
	/* Over-long charset label: not a word. */
	dec("=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaa?q?x?=",
	    "=?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaa?q?x?=");
}

static void test_limits(void **state)
{
	(void)state;
	/* Cap hit: MH_ETOOBIG and out unchanged. */
	struct mh_buf b = MH_BUF_INIT(8);
	assert_int_equal(mh_buf_adds(&b, "pre"), MH_OK);
	assert_int_equal(mh_rfc2047_decode(mh_slice_cstr("=?utf-8?q?abcdef?="),
	                                   NULL, &b, NULL),
	                 MH_ETOOBIG);
	assert_string_equal(mh_buf_cstr(&b), "pre");
	mh_buf_release(&b);
}

/* Deterministic pseudo-random bytes (xorshift). */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_hostile(void **state)
{
	(void)state;
	/* Random mixes of word pieces and bytes: always valid UTF-8. */
	static const char *const piece[] = {
	        "=?",   "?=",  "?q?", "?B?",  "utf-8", "iso-2022-jp",
	        "=E9",  "=1B", "$B",  "\x1b", " ",     "\xff",
	        "\xc3", "==",  "_",   "*"};
	uint32_t seed = 2463534242u;
	struct mh_buf in = MH_BUF_INIT(1u << 20), out = MH_BUF_INIT(1u << 24);
	for (int round = 0; round < 2000; round++) {
		mh_buf_reset(&in);
		mh_buf_reset(&out);
		int n = (int)(rnd(&seed) % 40);
		for (int i = 0; i < n; i++)
			mh_buf_adds(&in, piece[rnd(&seed) % 16]);
		assert_int_equal(mh_rfc2047_decode(mh_slice_make(in.p, in.len),
		                                   NULL, &out, NULL),
		                 MH_OK);
		assert_true(mh_utf8_valid(out.p ? out.p : "", out.len));
	}
	/* 10 MB of unterminated word starts: linear, not quadratic. */
	size_t big = 10u << 20;
	char *m = malloc(big);
	assert_non_null(m);
	for (size_t i = 0; i < big; i++)
		m[i] = "=?a?q?x"[i % 7];
	mh_buf_reset(&out);
	assert_int_equal(
	        mh_rfc2047_decode(mh_slice_make(m, big), NULL, &out, NULL),
	        MH_OK);
	assert_int_equal(out.len, big);
	/* Same with a blank and a new word far away. */
	memcpy(m + big - 10, " =?a?q?b?=", 10);
	mh_buf_reset(&out);
	assert_int_equal(
	        mh_rfc2047_decode(mh_slice_make(m, big), NULL, &out, NULL),
	        MH_OK);
	assert_int_equal(out.len, big - 10 + 2);
	free(m);
	mh_buf_release(&in);
	mh_buf_release(&out);
}

static void test_utf8(void **state)
{
	(void)state;
	const unsigned char ok4[] = {0xf0, 0x9f, 0x98, 0x80};
	assert_int_equal(mh_utf8_seq(ok4, 4), 4);
	assert_int_equal(mh_utf8_seq(ok4, 3), 0); /* truncated */
	const unsigned char over[] = {0xc0, 0xaf};
	assert_int_equal(mh_utf8_seq(over, 2), 0);
	const unsigned char over3[] = {0xe0, 0x80, 0xaf};
	assert_int_equal(mh_utf8_seq(over3, 3), 0);
	const unsigned char sur[] = {0xed, 0xa0, 0x80};
	assert_int_equal(mh_utf8_seq(sur, 3), 0);
	const unsigned char big[] = {0xf4, 0x90, 0x80, 0x80};
	assert_int_equal(mh_utf8_seq(big, 4), 0);
	assert_true(mh_utf8_valid("plain ascii text, long enough", 29));
	assert_true(mh_utf8_valid("caf\xc3\xa9 \xe2\x82\xac", 9));
	assert_false(mh_utf8_valid("abcdefgh\xff", 9));
	assert_false(mh_utf8_valid("abcdefghijklmnop\xc3", 17));

	struct mh_buf b = MH_BUF_INIT(64);
	assert_int_equal(mh_utf8_sanitize("a\xffz\xc3\xa9\xc3", 6, &b), MH_OK);
	assert_string_equal(mh_buf_cstr(&b),
	                    "a\xef\xbf\xbdz\xc3\xa9\xef\xbf\xbd");
	mh_buf_release(&b);
	/* All or nothing on a cap. */
	struct mh_buf c = MH_BUF_INIT(4);
	assert_int_equal(mh_utf8_sanitize("ab\xff", 3, &c), MH_ETOOBIG);
	assert_int_equal(c.len, 0);
	mh_buf_release(&c);
}

static void test_charset_api(void **state)
{
	(void)state;
	struct mh_buf b = MH_BUF_INIT(1024);
	size_t nbad = 99;
	assert_int_equal(mh_charset_convert("KOI8-R", 6, "\xf0", 1, &b, &nbad),
	                 MH_OK);
	assert_string_equal(mh_buf_cstr(&b), "\xd0\x9f");
	assert_int_equal(nbad, 0);
	mh_buf_reset(&b);
	assert_int_equal(mh_charset_to_utf8("nope", "x", 1, &b), MH_ENOTFOUND);
	assert_int_equal(b.len, 0);
	assert_int_equal(mh_charset_to_utf8(NULL, "x", 1, &b), MH_ENOTFOUND);
	/* A truncated multi-byte sequence at the end. */
	assert_int_equal(mh_charset_convert("gb2312", 6, "a\xd6", 2, &b, &nbad),
	                 MH_OK);
	assert_string_equal(mh_buf_cstr(&b), "a\xef\xbf\xbd");
	assert_int_equal(nbad, 1);
	mh_buf_release(&b);
	mh_charset_thread_cleanup();
	mh_charset_thread_cleanup(); /* twice is fine */
}

/* Threads convert at the same time with their own handles; each result
 * must be exact. */
static void *worker(void *arg)
{
	(void)arg;
	struct mh_buf b = MH_BUF_INIT(1 << 16);
	void *bad = NULL;
	for (int i = 0; i < 300 && !bad; i++) {
		mh_buf_reset(&b);
		if (mh_rfc2047_decode(
		            mh_slice_cstr("=?koi8-r?b?8NLJ18XU?= "
		                          "=?iso-2022-jp?b?GyRCJEgbKEI=?= "
		                          "=?gb2312?b?1tDOxA==?="),
		            NULL, &b, NULL) != MH_OK ||
		    strcmp(mh_buf_cstr(&b),
		           "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
		           "\xe3\x81\xa8\xe4\xb8\xad\xe6\x96\x87") != 0)
			bad = &b;
	}
	mh_buf_release(&b);
	return bad ? (void *)1 : NULL;
}

static void test_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain),
	        cmocka_unit_test(test_b_and_q),
	        cmocka_unit_test(test_adjacent),
	        cmocka_unit_test(test_charsets),
	        cmocka_unit_test(test_unknown_charset),
	        cmocka_unit_test(test_raw_8bit),
	        cmocka_unit_test(test_broken),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_hostile),
	        cmocka_unit_test(test_utf8),
	        cmocka_unit_test(test_charset_api),
	        cmocka_unit_test(test_threads),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	mh_charset_thread_cleanup();
	return rc;
}
