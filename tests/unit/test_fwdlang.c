/* test_fwdlang.c - "looks forwarded": subject prefixes and body separators
 * as real mail clients write them (docs/FORWARDING.md, "Looks forwarded").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analytics/fwdlang.h"
#include "analytics/fwdscan.h"

static int subj(const char *s)
{
	return mh_fwdlang_subject(s, strlen(s));
}

static void strcat_safe(char *dst, size_t n, const char *s)
{
	size_t k = strlen(dst), m = strlen(s);
	if (k + m < n)
		memcpy(dst + k, s, m + 1);
}

static int sep(const char *s)
{
	return mh_fwdlang_separator(s, strlen(s));
}

static int body(const char *s)
{
	return mh_fwdlang_body(s, strlen(s), 0);
}

static void test_subject_languages(void **state)
{
	(void)state;
	static const char *const yes[] = {
	        "Fwd: budget",
	        "FW: budget",
	        "Fw: budget",
	        "fwd:budget",
	        "WG: Angebot",
	        "Wtr: Angebot",
	        "TR: devis",
	        "TR : devis", /* French spacing */
	        "I: preventivo",
	        "Inoltro: preventivo",
	        "RV: presupuesto",
	        "Reenv: presupuesto",
	        "ENC: proposta",
	        "Doorst: offerte",
	        "VS: tilbud",
	        "VB: offert",
	        "VL: tarjous",
	        "Edelleenl: tarjous",
	        "PD: oferta",
	        "Fwd[2]: budget",
	        "Fwd(3): budget",
	        "Re: Fwd: budget",
	        "RE: FW: budget",
	        "AW: WG: Angebot",
	        "SV: VS: tilbud",
	        "Odp: PD: oferta",
	        "[list] FW: budget",
	        "[EXT] [list] Re: Fwd: budget",
	        "Re[2]: Fwd: budget",
	        "  \t Fwd: leading space",
	        "FW\xef\xbc\x9a budget", /* full-width colon */
	        "Fwd:\r\n budget",       /* folded raw value */
	        "[Fwd: old netscape]",
	        "budget (fwd)",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!subj(yes[i]))
			fail_msg("should look forwarded: '%s'", yes[i]);
	}
	static const char *const no[] = {
	        "",
	        "budget",
	        "Re: budget",
	        "AW: Angebot",
	        "Forward planning", /* no colon */
	        "Fwd budget",       /* no colon */
	        "FYI: budget",
	        "Fwdx: budget",
	        "Re: [list] budget",
	        "[unclosed tag Fwd: x",
	        "Meeting: Fwd: later", /* prefix not at the start */
	        "Out of office: Fwd",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (subj(no[i]))
			fail_msg("should not look forwarded: '%s'", no[i]);
	}
	/* A hostile chain of reply prefixes is given up on, not walked to
	 * the end. */
	char chain[400] = "";
	for (int i = 0; i < 40; i++)
		strcat_safe(chain, sizeof(chain), "Re: ");
	strcat_safe(chain, sizeof(chain), "Fwd: x");
	assert_int_equal(subj(chain), 0);
	assert_int_equal(mh_fwdlang_subject(NULL, 0), 0);
	/* Bounded: "Fwd:" cut off before the colon. */
	assert_int_equal(mh_fwdlang_subject("Fwd:", 3), 0);
}

static void test_separators(void **state)
{
	(void)state;
	static const char *const yes[] = {
	        "---------- Forwarded message ---------",
	        "-------- Forwarded Message --------",
	        "-----Original Message-----",
	        "Begin forwarded message:",
	        "> -----Original Message-----",
	        "-------- Weitergeleitete Nachricht --------",
	        "-----Urspr\xc3\xbcngliche Nachricht-----",
	        "-----Urspr\xfcngliche Nachricht-----", /* ISO-8859-1 */
	        "-----URSPR\303\234NGLICHE NACHRICHT-----",
	        "Anfang der weitergeleiteten Nachricht:",
	        "-------- Message transf\xc3\xa9r\xc3\xa9 --------",
	        "-----Message d'origine-----",
	        "-----Message d\xe2\x80\x99origine-----", /* U+2019 */
	        "-------- Messaggio inoltrato --------",
	        "-----Messaggio originale-----",
	        "---------- Mensaje reenviado ----------",
	        "-----Mensaje original-----",
	        "---------- Mensagem encaminhada ---------",
	        "-------- Doorgestuurd bericht --------",
	        "-----Oorspronkelijk bericht-----",
	        "-------- Videresendt meddelelse --------",
	        "---------- Videresendt melding ----------",
	        "-------- Vidarebefordrat meddelande --------",
	        "-----Ursprungligt meddelande-----",
	        "-----Alkuper\xc3\xa4inen viesti-----",
	        "-----Oprindelig meddelelse-----",
	        "-----Opprinnelig melding-----",
	        "---------- V\xc3\xa4litetty viesti ----------",
	        "---------- Przekazana wiadomo\xc5\x9b\xc4\x87 ---------",
	        "-----Wiadomo\xb6\xe6 oryginalna-----", /* ISO-8859-2 */
	        "-----Original Message-----\r",
	        "________________ Forwarded message ________________",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!sep(yes[i]))
			fail_msg("should be a separator: '%s'", yes[i]);
	}
	static const char *const no[] = {
	        "",
	        "--------------------------------",
	        "I read the original message yesterday.",
	        "See the forwarded message below for details",
	        "Original Message-ID: <x@y>",
	        "-----Original Message----- and more text after it",
	        "-----Ursprungliche Nachrich-----",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (sep(no[i]))
			fail_msg("should not be a separator: '%s'", no[i]);
	}
	assert_int_equal(mh_fwdlang_separator(NULL, 0), 0);
}

static void test_body_plain_and_rfc822(void **state)
{
	(void)state;
	assert_int_equal(body("Hi,\n\nsee below.\n\n"
	                      "---------- Forwarded message ---------\n"
	                      "From: A <a@example.com>\n"),
	                 1);
	assert_int_equal(body("Hi,\r\n\r\n-----Original Message-----\r\n"
	                      "From: x\r\n"),
	                 1);
	assert_int_equal(body("--b1\nContent-Type: text/plain\n\nsee att\n"
	                      "--b1\nContent-Type: message/rfc822\n\n"
	                      "From: a@b\nSubject: x\n\nbody\n--b1--\n"),
	                 1);
	assert_int_equal(body("--b1\ncontent-type:message/rfc822; name=x\n\n"),
	                 1);
	/* Prose that mentions the words is not a separator. */
	assert_int_equal(body("The MIME type message/rfc822 is used for "
	                      "forwarded message attachments.\n"
	                      "Content-Type: text/plain says the original "
	                      "message\n"),
	                 0);
	assert_int_equal(body("Content-Type: message/rfc822x\n"), 0);
	assert_int_equal(body(""), 0);
	assert_int_equal(mh_fwdlang_body(NULL, 0, 0), 0);
	/* The last line without a line end still counts. */
	assert_int_equal(body("text\n-----Original Message-----"), 1);
}

static void test_body_encodings(void **state)
{
	(void)state;
	/* Quoted-printable: escapes and a soft line break in the line. */
	assert_int_equal(body("Hallo,\n\n-----Urspr=C3=BCngliche Nach=\n"
	                      "richt-----\nVon: x\n"),
	                 1);
	/* HTML with tags on the same line and entities. */
	assert_int_equal(body("<div dir=\"ltr\">fyi<br><div class=\"gmail_quote"
	                      "\"><div>---------- Forwarded message ---------"
	                      "<br>From: <b>A</b></div>"),
	                 1);
	assert_int_equal(body("<p>-----Message d&#39;origine-----</p>"), 1);
	assert_int_equal(body("<p>-------- Message transf&eacute;r&eacute; "
	                      "--------</p>"),
	                 1);
	assert_int_equal(body("<p>&nbsp;-----Original Message-----&nbsp;</p>"),
	                 1);
	/* Base64 part: "-----Original Message-----\nFrom: x\n". */
	assert_int_equal(body("--b\nContent-Type: text/plain; charset=utf-8\n"
	                      "Content-Transfer-Encoding: base64\n\n"
	                      "LS0tLS1PcmlnaW5hbCBNZXNzYWdlLS0tLS0KRnJvbTog"
	                      "eAo=\n--b--\n"),
	                 1);
	/* Top-level base64 body. */
	const char *b64 = "LS0tLS1PcmlnaW5hbCBNZXNzYWdlLS0tLS0KRnJvbTogeAo=\n";
	assert_int_equal(mh_fwdlang_body(b64, strlen(b64), 1), 1);
	assert_int_equal(mh_fwdlang_body(b64, strlen(b64), 0), 0);
	/* An unclosed '<' in plain text does not hide the next lines
	 * forever. */
	char big[4096];
	memset(big, 'x', sizeof(big));
	memcpy(big, "a < b ", 6);
	big[sizeof(big) - 1] = '\0';
	char msg[4200];
	snprintf(msg, sizeof(msg), "%s\n-----Original Message-----\n", big);
	assert_int_equal(body(msg), 1);
	/* Lines over the limit are not separators. */
	char longl[600];
	memset(longl, '-', sizeof(longl));
	memcpy(longl + 250, "Original Message", 16);
	longl[sizeof(longl) - 2] = '\n';
	longl[sizeof(longl) - 1] = '\0';
	assert_int_equal(body(longl), 0);
}

/* What the fast scan (fwdbody.c) reads around instead of decoding: each
 * case is checked against the full machine too. */
static void test_body_hidden_letters(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int want;
	} cases[] = {
	        /* A soft line break between '&' and the '#' of an entity
	         * that gives the noun's first letter. */
	        {"-----Original &=\n#77;essage-----\n", 1},
	        {"-----Original &=\r\n#77;essage-----\r\n", 1},
	        {"-----Original &#=\n77;essage-----\n", 1},
	        {"-----Original =26#77;essage-----\n", 1},
	        {"-----Original &=23=37=37;essage-----\n", 1},
	        /* A noun across soft line breaks, over three lines. */
	        {"-----Original M=\ne=\nssage-----\n", 1},
	        {"-----Original Mes=\nsage-----\n", 1},
	        {"-----Original Mass=\nage-----\n", 0},
	        /* In a base64 part: an entity that gives a letter. */
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "LS0tLS1PcmlnaW5hbCAmIzc3O2Vzc2FnZS0tLS0tCg==\n--b--\n",
	         1},
	        /* An entity open at the end of a part ("<p>binary &#4"),
	         * then an empty line, a boundary, or text that finishes it
	         * ("&#45;" is '-': a separator line). */
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "PHA+YmluYXJ5ICYjNA==\n\n--b--\n",
	         0},
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "PHA+YmluYXJ5ICYjNA==\n--b--\n",
	         0},
	        {"--b\nContent-Transfer-Encoding: base64\n\naGVsbG8gJiM0\n"
	         "5;-----Original Message-----\n",
	         1},
	        {"--b\nContent-Transfer-Encoding: base64\n\naGVsbG8gJiM0", 0},
	        /* A noun cut by the end of the part, the rest in text. */
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "LS0tLS1PcmlnaW5hbCAmIzc3O2Vzcw==\nage-----\n",
	         0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		assert_int_equal(mh_fwdlang_body_ref(cases[i].s, n, 0),
		                 cases[i].want);
		assert_int_equal(mh_fwdlang_body(cases[i].s, n, 0),
		                 cases[i].want);
		assert_int_equal(mh_fwdlang_body(cases[i].s, n, 1),
		                 mh_fwdlang_body_ref(cases[i].s, n, 1));
	}
}

/* A noun the fast scan sets aside from what follows it on its line (a
 * byte or more letters than a separator line holds after its phrase
 * starts), each checked against the full machine. */
static void test_body_noun_context(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int want;
	} cases[] = {
	        /* Disclaimers: the noun in prose. */
	        {"Ce message et ses pi=C3=A8ces jointes sont confidentiels "
	         "et destin=C3=A9s\n",
	         0},
	        {"If you have received this message in error, please\n", 0},
	        {"Diese Nachricht und ihre Anh=C3=A4nge sind vertraulich "
	         "und nur f=C3=BCr den\n",
	         0},
	        {"<p>Diese Nach=\nricht ist vertraulich.</p>\n", 0},
	        /* The longest phrases after their noun, with what may be
	         * stripped after them: found. */
	        {"--- Mensagem reencaminhada ---:\n", 1},
	        {"-----Mensaje   reenviado-----\n", 1},
	        {"-- Messaggio originale ---\r\n", 1},
	        {"-- Message d'origine -- ~~ ## ** >>\n", 1},
	        {"-----Wiadomo\xc5\x9b\xc4\x87 przekazana-----\n", 1},
	        {"<div>-----Original Message-----<br>", 1},
	        {"-----Original Message=\n-----\n", 1},
	        {"-----Original Mess=\nage=2D=2D=2D\n", 1},
	        /* One byte or letter too many. */
	        {"-----Original Message-----.\n", 0},
	        {"-----Original Message----- 2\n", 0},
	        {"-----Original Message x-----\n", 0},
	        {"-- Mensagem reencaminhada ja --\n", 0},
	        /* "Content-Type: message/..." keeps its noun, whatever
	         * follows. */
	        {"Content-Type: message/rfc822; name=\"fwd.eml\"\n", 1},
	        {"Content-Type: Message=2Frfc822; name=3D\"a.eml\"\n", 1},
	        {"Content-Type: text/plain; x=message/rfc822\n", 0},
	        /* A 'b' after '=' is an escape's digit, not a noun. */
	        {"-----Urspr=FCngliches =\nbericht-----\n", 0},
	        {"---- Doorgestuurd =bericht ----\n", 0},
	        {"---- Doorgestuurd bericht ----\n", 1},
	        /* What ends the line before the bytes that would set the
	         * noun aside: a tag, an entity, a line end. */
	        {"<p>Forwarded message<br>Hi, all. 1 2 3</p>\n", 1},
	        {"Forwarded message&#10;and more, text.\n", 1},
	        {"Forwarded message=0Aand more, text.\n", 1},
	        {"Forwarded message=3Cbr>and more, text.\n", 1},
	        /* The same in the decoded bytes of a base64 part: "Ce
	         * message et ses pieces.", "this message, please",
	         * "<p>-----Original Message-----</p>", "Content-Type:
	         * message/rfc822", "&#77;essage" (an entity before the
	         * noun). */
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "Q2UgbWVzc2FnZSBldCBzZXMgcGllY2VzLgo=\n--b--\n",
	         0},
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "dGhpcyBtZXNzYWdlLCBwbGVhc2UK\n--b--\n",
	         0},
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "PHA+LS0tLS1PcmlnaW5hbCBNZXNzYWdlLS0tLS08L3A+Cg==\n--b--\n",
	         1},
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "Q29udGVudC1UeXBlOiBtZXNzYWdlL3JmYzgyMgo=\n--b--\n",
	         1},
	        {"--b\nContent-Transfer-Encoding: base64\n\n"
	         "LS0tLS1PcmlnaW5hbCAmIzc3O2Vzc2FnZS0tLS0tCg==\n--b--\n",
	         1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		if (mh_fwdlang_body_ref(cases[i].s, n, 0) != cases[i].want)
			fail_msg("machine: case %zu '%s'", i, cases[i].s);
		if (mh_fwdlang_body(cases[i].s, n, 0) != cases[i].want)
			fail_msg("fast scan: case %zu '%s'", i, cases[i].s);
	}
}

static void test_body_bounds(void **state)
{
	(void)state;
	/* Truncated escapes and entities at the very end must not read
	 * past n: check with a buffer whose tail is not terminated. */
	static const char *const tails[] = {"abc=", "abc=C", "&eac",  "<div",
	                                    "=\r",  "Zm9v",  "&#x1F6"};
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char b[16];
		size_t n = strlen(tails[i]);
		memcpy(b, tails[i], n);
		memset(b + n, '-', sizeof(b) - n);
		assert_int_equal(mh_fwdlang_body(b, n, 0), 0);
		assert_int_equal(mh_fwdlang_body(b, n, 1), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_subject_languages),
	        cmocka_unit_test(test_separators),
	};
	/* The body tests once with each SIMD kernel of fwdscan.h this
	 * machine has (AVX2, SSE2, plain C). */
	const struct CMUnitTest body_tests[] = {
	        cmocka_unit_test(test_body_plain_and_rfc822),
	        cmocka_unit_test(test_body_encodings),
	        cmocka_unit_test(test_body_hidden_letters),
	        cmocka_unit_test(test_body_noun_context),
	        cmocka_unit_test(test_body_bounds),
	};
	static const enum mh_fwdscan_kernel kernels[] = {
	        MH_FWDSCAN_AVX2, MH_FWDSCAN_SSE2, MH_FWDSCAN_SCALAR};
	static const char *const names[] = {"avx2", "sse2", "scalar"};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t k = 0; k < 3; k++) {
		if (mh_fwdscan_use(kernels[k]) != 0) {
			printf("# body tests: no %s kernel on this machine\n",
			       names[k]);
			continue;
		}
		printf("# body tests with the %s kernel\n", names[k]);
		rc |= cmocka_run_group_tests(body_tests, NULL, NULL);
	}
	(void)mh_fwdscan_use(MH_FWDSCAN_AUTO);
	return rc;
}
