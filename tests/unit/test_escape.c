/* Escapers against hostile input: terminal control sequences, OSC 8
 * hyperlinks, bidi overrides, spreadsheet formulas, invalid UTF-8, NUL,
 * U+2028 and </script>. Every expectation is the exact output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/escape.h"

enum { TERM, JSON, CSV, HTML };

/* Escapes n bytes of in with the chosen escaper and compares the whole
 * output (which may itself contain NUL-free bytes only) with want. */
static void check_n(int kind, const char *in, size_t n, size_t cols,
                    const char *want)
{
	struct mh_buf b = MH_BUF_INIT(1 << 20);
	int rc = MH_EINVAL;
	switch (kind) {
	case TERM: rc = mh_escape_term(in, n, cols, &b); break;
	case JSON: rc = mh_escape_json(in, n, &b); break;
	case CSV: rc = mh_escape_csv(in, n, &b); break;
	case HTML: rc = mh_escape_html(in, n, &b); break;
	default: break;
	}
	assert_int_equal(rc, MH_OK);
	assert_int_equal(strlen(mh_buf_cstr(&b)), b.len);
	assert_string_equal(mh_buf_cstr(&b), want);
	mh_buf_release(&b);
}

static void check(int kind, const char *in, const char *want)
{
	check_n(kind, in, strlen(in), 0, want);
}

/* MARK: - terminal */

static void test_term_escape_sequences(void **state)
{
	(void)state;
	/* Clear screen, colour, cursor moves: ESC always visible. */
	check(TERM, "\x1b[2J\x1b[31mred\x1b[0m",
	      "\\x1b[2J\\x1b[31mred\\x1b[0m");
	/* OSC 8 hyperlink with the ST terminator (ESC backslash). */
	check(TERM, "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
	      "\\x1b]8;;http://evil.example/\\x1b\\\\click\\x1b]8;;\\x1b\\\\");
	/* OSC 0 window title ended by BEL. */
	check(TERM, "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
	/* 8-bit CSI as a C1 control in UTF-8, and as a lone byte. */
	check(TERM,
	      "\xc2\x9b"
	      "2J",
	      "\\u009b2J");
	check(TERM,
	      "\x9b"
	      "2J",
	      "\\x9b2J");
	check(TERM,
	      "a\x7f"
	      "b",
	      "a\\x7fb");
}

static void test_term_whitespace_nul_backslash(void **state)
{
	(void)state;
	check(TERM, "a\tb\nc\rd", "a\\tb\\nc\\rd");
	check_n(TERM, "a\0b", 3, 0, "a\\x00b");
	/* A literal backslash is doubled so escapes stay unambiguous. */
	check(TERM, "C:\\x1b", "C:\\\\x1b");
	check(TERM, "\v\f\x01\x1f", "\\x0b\\x0c\\x01\\x1f");
}

static void test_term_unicode(void **state)
{
	(void)state;
	/* Right-to-left override (Trojan Source) and isolates. */
	check(TERM, "evil\xe2\x80\xaetxt.exe", "evil\\u202etxt.exe");
	check(TERM, "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
	check(TERM, "\xe2\x80\x8f\xd8\x9c", "\\u200f\\u061c");
	/* Zero-width space, BOM, line and paragraph separators. */
	check(TERM,
	      "a\xe2\x80\x8b"
	      "b\xef\xbb\xbf",
	      "a\\u200bb\\ufeff");
	check(TERM, "x\xe2\x80\xa8y\xe2\x80\xa9", "x\\u2028y\\u2029");
	/* Tag characters (invisible "ASCII smuggling"). */
	check(TERM, "\xf3\xa0\x81\x81", "\\U000e0041");
	/* Ordinary text in any script is kept. */
	check(TERM,
	      "Gr\xc3\xbc\xc3\x9f"
	      "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	      "Gr\xc3\xbc\xc3\x9f"
	      "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}

static void test_term_invalid_utf8(void **state)
{
	(void)state;
	check(TERM, "\xff\xfe", "\\xff\\xfe");
	/* Overlong '/', a surrogate, a code point past U+10FFFF. */
	check(TERM, "\xc0\xaf", "\\xc0\\xaf");
	check(TERM, "\xed\xa0\x80", "\\xed\\xa0\\x80");
	check(TERM, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	/* Truncated sequence at the end; a lead byte before ASCII. */
	check(TERM, "ok\xe2\x80", "ok\\xe2\\x80");
	check(TERM,
	      "\xe2"
	      "ab",
	      "\\xe2ab");
}

static void test_term_width(void **state)
{
	(void)state;
	check_n(TERM, "abcdefghij", 10, 10, "abcdefghij");
	check_n(TERM, "abcdefghij", 10, 9, "abcdef...");
	check_n(TERM, "abcdefghij", 10, 8, "abcde...");
	check_n(TERM, "abcdefghij", 10, 11, "abcdefghij");
	/* Below 3 the ellipsis alone; short text still fits. */
	check_n(TERM, "abcdefghij", 10, 2, "...");
	check_n(TERM, "ab", 2, 2, "ab");
	/* Wide characters take two columns and are never split. */
	const char *jp = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86";
	check_n(TERM, jp, strlen(jp), 8, jp);
	check_n(TERM, jp, strlen(jp), 7, "\xe6\x97\xa5\xe6\x9c\xac...");
	check_n(TERM, jp, strlen(jp), 6, "\xe6\x97\xa5...");
	/* A multi-byte character at the cut goes whole or not at all. */
	check_n(TERM,
	        "ab\xc3\xa9"
	        "cdefgh",
	        10, 6, "ab\xc3\xa9...");
	/* Escapes count their own length and are never cut in half. */
	check_n(TERM, "\x1b\x1b\x1b", 3, 10, "\\x1b...");
	check_n(TERM, "\x1b\x1b", 2, 8, "\\x1b\\x1b");
	/* Zalgo: combining marks still use up the budget. */
	check_n(TERM, "a\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81", 11, 4,
	        "a...");
}

static void test_term_append_and_failure(void **state)
{
	(void)state;
	struct mh_buf b = MH_BUF_INIT(16);
	assert_int_equal(mh_buf_adds(&b, "pre:"), MH_OK);
	assert_int_equal(mh_escape_term("\x1b", 1, 0, &b), MH_OK);
	assert_string_equal(mh_buf_cstr(&b), "pre:\\x1b");
	/* Past the cap: an error and the buffer exactly as before. */
	assert_int_equal(mh_escape_term("\x1b\x1b\x1b", 3, 0, &b), MH_ETOOBIG);
	assert_string_equal(mh_buf_cstr(&b), "pre:\\x1b");
	assert_int_equal(mh_escape_json("\x01\x01\x01", 3, &b), MH_ETOOBIG);
	assert_int_equal(mh_escape_csv("=,aaaaaaaaaaa", 13, &b), MH_ETOOBIG);
	assert_int_equal(mh_escape_html("<<<", 3, &b), MH_ETOOBIG);
	assert_string_equal(mh_buf_cstr(&b), "pre:\\x1b");
	assert_int_equal(b.len, 8);
	/* Empty input, NULL pointer with zero length. */
	assert_int_equal(mh_escape_term(NULL, 0, 5, &b), MH_OK);
	assert_int_equal(mh_escape_json(NULL, 0, &b), MH_OK);
	assert_int_equal(mh_escape_csv(NULL, 0, &b), MH_OK);
	assert_int_equal(mh_escape_html(NULL, 0, &b), MH_OK);
	assert_string_equal(mh_buf_cstr(&b), "pre:\\x1b");
	mh_buf_release(&b);
}

/* MARK: - JSON */

static void test_json(void **state)
{
	(void)state;
	check(JSON, "say \"hi\" \\ bye", "say \\\"hi\\\" \\\\ bye");
	check(JSON, "\b\f\n\r\t\x01\x1f\x7f",
	      "\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f");
	check(JSON, "\x1b[2J\x1b]0;x\x07", "\\u001b[2J\\u001b]0;x\\u0007");
	check_n(JSON, "a\0b", 3, 0, "a\\u0000b");
	/* Invalid UTF-8: one U+FFFD per byte, valid text around kept. */
	check(JSON,
	      "a\xff"
	      "b",
	      "a\xef\xbf\xbd"
	      "b");
	check(JSON, "\xc0\xaf\xed\xa0\x80",
	      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check(JSON, "end\xe2\x80", "end\xef\xbf\xbd\xef\xbf\xbd");
	/* Separators break JavaScript string literals: escaped. */
	check(JSON, "x\xe2\x80\xa8y\xe2\x80\xa9z", "x\\u2028y\\u2029z");
	check(JSON, "\xe2\x80\xae\xc2\x85", "\\u202e\\u0085");
	/* Above U+FFFF as a surrogate pair. */
	check(JSON, "\xf3\xa0\x81\x81", "\\udb40\\udc41");
	/* Not special in JSON: kept as is. */
	check(JSON, "</script>", "</script>");
	check(JSON,
	      "Gr\xc3\xbc\xc3\x9f"
	      "e \xf0\x9f\x98\x80",
	      "Gr\xc3\xbc\xc3\x9f"
	      "e \xf0\x9f\x98\x80");
	check(JSON, "", "");
}

/* MARK: - CSV */

static void test_csv_quoting(void **state)
{
	(void)state;
	check(CSV, "plain", "plain");
	check(CSV, "a,b", "\"a,b\"");
	check(CSV, "say \"hi\"", "\"say \"\"hi\"\"\"");
	check(CSV, " lead", "\" lead\"");
	check(CSV, "trail ", "\"trail \"");
	/* CR/LF/TAB are escaped: one record is one physical line. */
	check(CSV, "a\r\nb", "a\\r\\nb");
	check(CSV, "x\x1b[31mred", "x\\x1b[31mred");
	check(CSV, "evil\xe2\x80\xaetxt", "evil\\u202etxt");
	check(CSV, "'quoted already", "'quoted already");
	check(CSV, "x=1+1", "x=1+1");
	check(CSV, "", "");
}

static void test_csv_formulas(void **state)
{
	(void)state;
	check(CSV, "=HYPERLINK(\"http://evil.example\",\"x\")",
	      "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"");
	check(CSV, "@SUM(1+1)*cmd|' /C calc'!A0",
	      "'@SUM(1+1)*cmd|' /C calc'!A0");
	check(CSV, "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0");
	check(CSV, "-2+3", "'-2+3");
	/* Tab- or CR-led, and formulas after leading white space. */
	check(CSV, "\t=1+1", "'\\t=1+1");
	check(CSV, "\tplain", "'\\tplain");
	check(CSV, "\rplain", "'\\rplain");
	check(CSV, "  =1+1", "\"'  =1+1\"");
	check(CSV, "\n@x", "'\\n@x");
	check(CSV, " \v\f-1", "\"' \\x0b\\x0c-1\"");
	/* A NUL first is escaped to text starting with a backslash. */
	check_n(CSV, "\0=x", 3, 0, "\\x00=x");
}

/* MARK: - HTML */

static void test_html(void **state)
{
	(void)state;
	check(HTML, "</script><script>alert('x')</script>",
	      "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	check(HTML, "a & b \"c\"", "a &amp; b &quot;c&quot;");
	check(HTML, "\x1b[2J\xe2\x80\xae\xff", "\\x1b[2J\\u202e\\xff");
	check(HTML, "<a href=\"javascript:x\">\\</a>",
	      "&lt;a href=&quot;javascript:x&quot;&gt;\\\\&lt;/a&gt;");
	check(HTML, "caf\xc3\xa9", "caf\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_term_escape_sequences),
	        cmocka_unit_test(test_term_whitespace_nul_backslash),
	        cmocka_unit_test(test_term_unicode),
	        cmocka_unit_test(test_term_invalid_utf8),
	        cmocka_unit_test(test_term_width),
	        cmocka_unit_test(test_term_append_and_failure),
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_csv_quoting),
	        cmocka_unit_test(test_csv_formulas),
	        cmocka_unit_test(test_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
