/* test_sigma.c - the Sigma engine: every modifier and condition form with
 * the specification's own examples, positive and negative; multi-document
 * rules; filters; every correlation type on sliding windows. Events are
 * built from flattened name/value lists (event.h's field convention),
 * except for the logsource tests, which read real-shaped records through
 * the json reader (its normalisers give the typed views the class comes
 * from). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdfile.h"

#include "analytics/analytic.h"
#include "rules/sigma/cond.h"
#include "rules/sigma/match.h"
#include "rules/sigma/regex.h"
#include "readers/reader.h"
#include "readers/record/rawop.h"
#include "rules/sigma/sigma.h"
#include "rules/sigma/value.h"

#define NUL_VALUE "\x01null"

static struct mh_sigma *load_opts(const char *yaml,
                                  const struct mh_placeholder *ph, size_t nph,
                                  int lazy)
{
	char path[] = "/tmp/mh-sigma-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	struct mh_sigma_opts o = {0};
	o.ph = ph;
	o.nph = nph;
	o.lazy = lazy;
	const char *p[1] = {path};
	struct mh_sigma *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_sigma_load(p, 1, &o, &s, &err), MH_OK);
	unlink(path);
	return s;
}

static struct mh_sigma *load_ph(const char *yaml,
                                const struct mh_placeholder *ph, size_t nph)
{
	return load_opts(yaml, ph, nph, 0);
}

static struct mh_sigma *load(const char *yaml)
{
	return load_ph(yaml, NULL, 0);
}

/* An event from "name", "value", ... NULL (NUL_VALUE: JSON null). */
static void make_event(struct mh_event *ev, struct mh_field *f, size_t cap,
                       const char *const *kv)
{
	size_t n = 0;
	for (; kv[2 * n] && n < cap; n++) {
		f[n].name = mh_slice_cstr(kv[2 * n]);
		f[n].value = strcmp(kv[2 * n + 1], NUL_VALUE)
		                     ? mh_slice_cstr(kv[2 * n + 1])
		                     : MH_SLICE_NULL;
	}
	memset(ev, 0, sizeof(*ev));
	ev->kind = MH_EV_WINEVENT;
	ev->path = "test";
	ev->ts = MH_TS_NONE;
	ev->fields = f;
	ev->nfields = n;
}

/* Number of rules of s matching the event kv. */
static size_t nmatch(const struct mh_sigma *s, const char *const *kv)
{
	struct mh_field f[64];
	struct mh_event ev;
	make_event(&ev, f, 64, kv);
	struct mh_sigma_ctx *c;
	assert_int_equal(mh_sigma_ctx_new(s, &c), MH_OK);
	const uint32_t *m;
	size_t n;
	assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
	mh_sigma_ctx_free(c);
	return n;
}

#define SYSMON1                                                                \
	"Event.System.Channel", "Microsoft-Windows-Sysmon/Operational",        \
	        "Event.System.EventID", "1"

/* A process_creation rule with the given detection body. */
static char *rule(const char *det)
{
	static char buf[8192];
	snprintf(buf, sizeof(buf),
	         "title: t\nid: r1\nlogsource:\n    category: "
	         "process_creation\n    product: windows\ndetection:\n%s",
	         det);
	return buf;
}

static void expect(const char *det, int want, const char *image,
                   const char *cmd)
{
	struct mh_sigma *s = load(rule(det));
	assert_int_equal(s->nrefused, 0);
	const char *kv[] = {SYSMON1, "Event.EventData.Image",
	                    image,   "Event.EventData.CommandLine",
	                    cmd,     NULL};
	size_t got = nmatch(s, kv);
	if ((int)got != want)
		fail_msg("%s: want %d got %zu (image %s cmd %s)", det, want,
		         got, image, cmd);
	mh_sigma_free(s);
}

static void refused(const char *det, const char *reason)
{
	struct mh_sigma *s = load(rule(det));
	assert_int_equal(s->nrefused, 1);
	if (!strstr(s->refused[0].reason, reason))
		fail_msg("reason '%s' lacks '%s'", s->refused[0].reason,
		         reason);
	mh_sigma_free(s);
}

#define SEL(x) "    selection:\n" x "    condition: selection\n"

static void test_plain_and_wildcards(void **st)
{
	(void)st;
	/* spec: Image: 'C:\Windows\System32\whoami.exe', case-insensitive */
	expect(SEL("        Image: 'C:\\Windows\\System32\\whoami.exe'\n"), 1,
	       "c:\\windows\\system32\\WHOAMI.exe", "x");
	expect(SEL("        Image: 'C:\\Windows\\System32\\whoami.exe'\n"), 0,
	       "c:\\windows\\system32\\whoami.exe2", "x");
	/* prog?.exe and antivirus_V*.exe */
	expect(SEL("        Image: 'prog?.exe'\n"), 1, "progA.exe", "");
	expect(SEL("        Image: 'prog?.exe'\n"), 0, "progAB.exe", "");
	expect(SEL("        Image: 'antivirus_V*.exe'\n"), 1,
	       "antivirus_V21.2.1.exe", "");
	expect(SEL("        Image: 'antivirus_V*.exe'\n"), 0, "antivirus.exe",
	       "");
	/* escapes: \* literal star, \\* backslash then wildcard */
	expect(SEL("        CommandLine: 'a\\*b'\n"), 1, "", "a*b");
	expect(SEL("        CommandLine: 'a\\*b'\n"), 0, "", "axxb");
	expect(SEL("        CommandLine: 'a\\\\*'\n"), 1, "", "a\\zzz");
	expect(SEL("        CommandLine: 'a\\\\\\*'\n"), 1, "", "a\\*");
	expect(SEL("        CommandLine: 'a\\\\\\*'\n"), 0, "", "a\\zz");
	/* plain backslash not before a wildcard */
	expect(SEL("        CommandLine: 'C:\\temp'\n"), 1, "", "c:\\TEMP");
	/* empty value */
	expect(SEL("        CommandLine: ''\n"), 1, "", "");
	expect(SEL("        CommandLine: ''\n"), 0, "", "x");
}

/* contains is anchored on the needle's least common byte (mh_sv_rare):
 * the same answer as memmem for every needle cut from the values (any
 * anchor, at the start, the end, overlapping) and for near misses. */
static void test_contains_anchor(void **state)
{
	(void)state;
	static const char *const vals[] = {
	        "c:\\windows\\system32\\cmd.exe /c whoami /priv",
	        "\\..\\..\\windows\\",
	        "aaaaaaab",
	        "kkkqkkkq",
	        "x",
	        "powershell -enc ^^zq^^",
	        ""};
	assert_true(mh_sv_rare("\\windows\\", 9) == 1); /* the first w */
	assert_true(mh_sv_rare("e", 1) == 0);
	size_t checked = 0, found = 0;
	for (size_t a = 0; a < sizeof(vals) / sizeof(*vals); a++)
		for (size_t b = 0; b < sizeof(vals) / sizeof(*vals); b++) {
			const char *h = vals[a], *src = vals[b];
			size_t hn = strlen(h), sn = strlen(src);
			for (size_t i = 0; i < sn; i++)
				for (size_t m = 1; i + m <= sn && m <= 12; m++)
					for (int miss = 0; miss < 2; miss++) {
						char nd[16];
						memcpy(nd, src + i, m);
						if (miss) /* the rarest byte wrong */
							nd[mh_sv_rare(nd, m)] ^=
							        1;
						struct mh_sv p = {0};
						p.kind = MH_SV_CONTAINS;
						p.s = nd;
						p.n = m;
						p.rare = mh_sv_rare(nd, m);
						int want = memmem(h, hn, nd,
						                  m) != NULL;
						assert_int_equal(
						        mh_sv_match(&p, h, h,
						                    hn),
						        want);
						checked++;
						found += (size_t)want;
					}
		}
	assert_true(checked > 1000 && found > 100 && found < checked);
}

static void test_string_modifiers(void **st)
{
	(void)st;
	expect(SEL("        Image|endswith: '\\cmd.exe'\n"), 1,
	       "C:\\x\\CMD.EXE", "");
	expect(SEL("        Image|endswith: '\\cmd.exe'\n"), 0,
	       "C:\\x\\cmd.exe.bak", "");
	expect(SEL("        Image|startswith: 'C:\\Windows\\'\n"), 1,
	       "c:\\windows\\x.exe", "");
	expect(SEL("        Image|startswith: 'C:\\Windows\\'\n"), 0,
	       "D:\\windows\\x.exe", "");
	expect(SEL("        CommandLine|contains: 'Test executable'\n"), 1, "",
	       "a test EXECUTABLE b");
	expect(SEL("        CommandLine|contains: 'Test executable'\n"), 0, "",
	       "a testexecutable b");
	/* all: every value, any order */
	expect(SEL("        CommandLine|contains|all:\n            - 'a1'\n"
	           "            - 'b2'\n"),
	       1, "", "x b2 y a1");
	expect(SEL("        CommandLine|contains|all:\n            - 'a1'\n"
	           "            - 'b2'\n"),
	       0, "", "x b2 y");
	/* list without all is OR */
	expect(SEL("        CommandLine|contains:\n            - 'a1'\n"
	           "            - 'b2'\n"),
	       1, "", "x b2 y");
	/* cased */
	expect(SEL("        CommandLine|contains|cased: 'Ab'\n"), 1, "",
	       "xAbx");
	expect(SEL("        CommandLine|contains|cased: 'Ab'\n"), 0, "",
	       "xabx");
	/* windash: - / en dash em dash horizontal bar */
	expect(SEL("        CommandLine|contains|windash: ' -f '\n"), 1, "",
	       "shutdown /f /t 0");
	expect(SEL("        CommandLine|contains|windash: ' -f '\n"), 1, "",
	       "shutdown \xe2\x80\x93"
	       "f x");
	expect(SEL("        CommandLine|contains|windash: ' -f '\n"), 0, "",
	       "shutdown +f x");
	/* base64: 'cmd' -> Y21k */
	expect(SEL("        CommandLine|base64: 'cmd'\n"), 1, "", "Y21k");
	/* base64offset|contains: http:// at every offset */
	for (int off = 0; off < 3; off++) {
		static const char *const enc[] = {
		        "aHR0cDovLw==", /* "http://" */
		        "IGh0dHA6Ly8=", /* " http://" */
		        "ICBodHRwOi8v", /* "  http://" */
		};
		expect(SEL("        CommandLine|base64offset|contains: "
		           "'http://'\n"),
		       1, "", enc[off]);
	}
	expect(SEL("        CommandLine|base64offset|contains: 'http://'\n"), 0,
	       "", "aHR0cHM6Ly8="); /* https:// */
	/* utf16le/wide, utf16be, utf16 with BOM, then base64 */
	expect(SEL("        CommandLine|wide|base64offset|contains: 'ping'\n"),
	       1, "", "cABpAG4AZwA="); /* UTF-16LE "ping" in base64 */
	expect(SEL("        CommandLine|utf16le|base64: 'cmd'\n"), 1, "",
	       "YwBtAGQA");
	expect(SEL("        CommandLine|utf16be|base64: 'cmd'\n"), 1, "",
	       "AGMAbQBk");
	expect(SEL("        CommandLine|utf16|base64: 'cmd'\n"), 1, "",
	       "//5jAG0AZAA=");
}

static void test_re(void **st)
{
	(void)st;
	expect(SEL("        CommandLine|re: '\\s-[FTd]\\s'\n"), 1, "",
	       "x -F y");
	expect(SEL("        CommandLine|re: '\\s-[FTd]\\s'\n"), 0, "",
	       "x -f y"); /* case-sensitive by default */
	expect(SEL("        CommandLine|re|i: '\\s-[FTd]\\s'\n"), 1, "",
	       "x -f y");
	expect(SEL("        CommandLine|re: '^a.b$'\n"), 0, "", "a\nb");
	expect(SEL("        CommandLine|re|s: '^a.b$'\n"), 1, "", "a\nb");
	expect(SEL("        CommandLine|re: '^b'\n"), 0, "", "a\nb");
	expect(SEL("        CommandLine|re|m: '^b'\n"), 1, "", "a\nb");
	/* no backtracking: this is linear in Vectorscan */
	char big[20001];
	memset(big, 'a', 20000);
	big[20000] = '\0';
	expect(SEL("        CommandLine|re: '(a+)+b$'\n"), 0, "", big);
	refused(SEL("        CommandLine|re: '(a)\\1'\n"), "back-reference");
	refused(SEL("        CommandLine|re: '(?<=a)b'\n"), "lookbehind");
	refused(SEL("        CommandLine|re: '(?!a)b'\n"), "lookahead");
	refused(SEL("        CommandLine|re: '(?>a+)b'\n"), "atomic group");
	refused(SEL("        CommandLine|re: 'a++b'\n"), "possessive");
	refused(SEL("        CommandLine|re: '(a'\n"), "does not compile");
	/* the same characters inside a class or escaped are fine */
	static const char *const fine[] = {"[(?=]x\\(?=", "a\\+\\+", "[]a++]",
	                                   "(?i)ab(?:c|d)+"};
	for (size_t i = 0; i < 4; i++)
		assert_null(mh_sg_regex_unbounded(fine[i], strlen(fine[i])));
	assert_non_null(mh_sg_regex_unbounded("(a)\\2", 5));
	/* the literal a regex needs, for the prefilter */
	static const struct {
		const char *re, *lit;
	} lits[] = {
	        {"ipconfig\\s+/all", "ipconfig"},
	        {"(?i)\\\\(venv|python(.+)?)\\\\lib\\\\site-packages\\\\",
	         "\\lib\\site-packages\\"},
	        {"abc|defgh", ""},
	        {"ab?cdef", "cdef"},
	        {"xy+zzzz", "zzzz"},
	        {"[a-z]{3}\\.exe$", ".exe"},
	        {"(?x) a b c d", ""},
	        {"Get-Item.{1,64}-Path", "get-item"},
	};
	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		char out[64];
		size_t l = mh_sg_regex_literal(lits[i].re, strlen(lits[i].re),
		                               out, sizeof(out));
		if (l != strlen(lits[i].lit) || memcmp(out, lits[i].lit, l))
			fail_msg("%s: got '%.*s' want '%s'", lits[i].re, (int)l,
			         out, lits[i].lit);
	}
	/* a regex rule is found through its literal and still judged by
	 * the regex: "ipconfig" present but not followed by /all */
	expect(SEL("        CommandLine|re: 'ipconfig\\s+/all'\n"), 1, "",
	       "ipconfig   /all");
	expect(SEL("        CommandLine|re: 'ipconfig\\s+/all'\n"), 0, "",
	       "ipconfig /renew");
	expect(SEL("        CommandLine|re: 'IPCONFIG'\n"), 0, "", "ipconfig");
}

static void test_special_values(void **st)
{
	(void)st;
	struct mh_sigma *s =
	        load(rule("    selection:\n        EventID: 4738\n    filter:\n"
	                  "        PasswordLastSet: null\n"
	                  "    condition: selection and not filter\n"));
	const char *with[] = {"EventID", "4738", "PasswordLastSet", "x", NULL};
	const char *nul[] = {"EventID", "4738", "PasswordLastSet", NUL_VALUE,
	                     NULL};
	const char *absent[] = {"EventID", "4738", NULL};
	/* process_creation logsource: needs a Sysmon 1 shape */
	mh_sigma_free(s);
	s = load("title: t\nlogsource:\n    product: windows\n"
	         "detection:\n    selection:\n        EventID: 4738\n"
	         "    filter:\n        PasswordLastSet: null\n"
	         "    condition: selection and not filter\n");
	const char *w1[] = {"Event.System.Channel",
	                    "Security",
	                    "Event.System.EventID",
	                    "4738",
	                    "Event.EventData.PasswordLastSet",
	                    "x",
	                    NULL};
	const char *w2[] = {"Event.System.Channel",
	                    "Security",
	                    "Event.System.EventID",
	                    "4738",
	                    "Event.EventData.PasswordLastSet",
	                    NUL_VALUE,
	                    NULL};
	const char *w3[] = {"Event.System.Channel", "Security",
	                    "Event.System.EventID", "4738", NULL};
	assert_int_equal(nmatch(s, w1), 1);
	assert_int_equal(nmatch(s, w2), 0);
	assert_int_equal(nmatch(s, w3), 0);
	(void)with;
	(void)nul;
	(void)absent;
	mh_sigma_free(s);
	/* exists */
	s = load("title: t\nlogsource:\n    product: windows\n"
	         "detection:\n    selection:\n        EventID: 4738\n"
	         "        PasswordLastSet|exists: true\n"
	         "    condition: selection\n");
	assert_int_equal(nmatch(s, w1), 1);
	assert_int_equal(nmatch(s, w2), 1); /* present, even if null */
	assert_int_equal(nmatch(s, w3), 0);
	mh_sigma_free(s);
	s = load("title: t\nlogsource:\n    product: windows\n"
	         "detection:\n    selection:\n        EventID: 4738\n"
	         "        PasswordLastSet|exists: false\n"
	         "    condition: selection\n");
	assert_int_equal(nmatch(s, w1), 0);
	assert_int_equal(nmatch(s, w3), 1);
	mh_sigma_free(s);
	refused(SEL("        Image|exists: maybe\n"), "exists takes");
	refused(SEL("        Image|contains: null\n"), "null takes no");
}

static void test_numbers_cidr_fieldref(void **st)
{
	(void)st;
#define HDR                                                                    \
	"title: t\nlogsource:\n    product: windows\n"                         \
	"detection:\n    selection:\n%s"                                       \
	"    condition: selection\n"
	char y[1024];
	const char *ev_lo[] = {"Event.System.Channel",
	                       "Security",
	                       "Event.EventData.Count",
	                       "5",
	                       "Event.EventData.IpAddress",
	                       "10.1.2.3",
	                       "Event.EventData.A",
	                       "Same",
	                       "Event.EventData.B",
	                       "same",
	                       NULL};
	const char *ev_hi[] = {"Event.System.Channel",
	                       "Security",
	                       "Event.EventData.Count",
	                       "500",
	                       "Event.EventData.IpAddress",
	                       "[::ffff:192.168.1.9]:445",
	                       "Event.EventData.A",
	                       "x",
	                       "Event.EventData.B",
	                       "y",
	                       NULL};
	static const struct {
		const char *sel;
		int lo, hi;
	} t[] = {
	        {"        Count|gt: 10\n", 0, 1},
	        {"        Count|gte: 500\n", 0, 1},
	        {"        Count|lt: 10\n", 1, 0},
	        {"        Count|lte: 5\n", 1, 0},
	        {"        IpAddress|cidr: 10.0.0.0/8\n", 1, 0},
	        {"        IpAddress|cidr: 192.168.0.0/16\n", 0, 1},
	        {"        IpAddress|cidr: '::1/128'\n", 0, 0},
	        {"        A|fieldref: B\n", 1, 0},
	        {"        A|fieldref|neq: B\n", 0, 1},
	        {"        A|neq: same\n", 0, 1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(y, sizeof(y), HDR, t[i].sel);
		struct mh_sigma *s = load(y);
		assert_int_equal(s->nrefused, 0);
		if ((int)nmatch(s, ev_lo) != t[i].lo ||
		    (int)nmatch(s, ev_hi) != t[i].hi)
			fail_msg("%s", t[i].sel);
		mh_sigma_free(s);
	}
	refused(SEL("        Image|gt: abc\n"), "not a number");
	refused(SEL("        Image|cidr: 10.0.0.0/99\n"), "network");
}

static void test_expand(void **st)
{
	(void)st;
	static const char *const adm[] = {"adm_*", "root"};
	struct mh_placeholder ph = {"Administrators", adm, 2};
	const char *y = "title: t\nlogsource:\n    product: windows\n"
	                "detection:\n    selection:\n"
	                "        User|expand: '%Administrators%'\n"
	                "    condition: selection\n";
	struct mh_sigma *s = load_ph(y, &ph, 1);
	assert_int_equal(s->nrefused, 0);
	const char *a[] = {"Event.System.Channel", "Security",
	                   "Event.EventData.User", "ADM_bob", NULL};
	const char *b[] = {"Event.System.Channel", "Security",
	                   "Event.EventData.User", "root", NULL};
	const char *c[] = {"Event.System.Channel", "Security",
	                   "Event.EventData.User", "alice", NULL};
	assert_int_equal(nmatch(s, a), 1);
	assert_int_equal(nmatch(s, b), 1);
	assert_int_equal(nmatch(s, c), 0);
	mh_sigma_free(s);
	/* without a value: refused, as the specification requires */
	s = load(y);
	assert_int_equal(s->nrefused, 1);
	assert_non_null(strstr(s->refused[0].reason, "Administrators"));
	mh_sigma_free(s);
	/* a plain %x% without expand is a literal; \% escapes */
	expect(SEL("        CommandLine: '%x%'\n"), 1, "", "%X%");
}

static void test_keywords(void **st)
{
	(void)st;
	const char *y = "title: t\nlogsource:\n    product: windows\n"
	                "detection:\n    keywords:\n        - 'event::clear'\n"
	                "        - 'event::drop'\n    condition: keywords\n";
	struct mh_sigma *s = load(y);
	const char *a[] = {"Event.System.Channel", "Security",
	                   "Event.EventData.Data", "mimikatz EVENT::Drop",
	                   NULL};
	const char *b[] = {"Event.System.Channel", "Security",
	                   "Event.EventData.Data", "mimikatz", NULL};
	assert_int_equal(nmatch(s, a), 1);
	assert_int_equal(nmatch(s, b), 0);
	mh_sigma_free(s);
	y = "title: t\nlogsource:\n    product: windows\n"
	    "detection:\n    keywords_cmdlet:\n        '|all':\n"
	    "            - 'OabVirtualDirectory'\n"
	    "            - ' -ExternalUrl '\n    condition: keywords_cmdlet\n";
	s = load(y);
	const char *c[] = {"Event.System.Channel",
	                   "Security",
	                   "Event.EventData.Data",
	                   "Set-OabVirtualDirectory",
	                   "Event.EventData.Data",
	                   "x -ExternalUrl y",
	                   NULL};
	assert_int_equal(nmatch(s, c), 1);
	assert_int_equal(nmatch(s, b), 0);
	mh_sigma_free(s);
}

static void test_conditions(void **st)
{
	(void)st;
#define D                                                                      \
	"    selection_a:\n        Image|endswith: '\\a.exe'\n"                \
	"    selection_b:\n        CommandLine|contains: 'bb'\n"               \
	"    filter_x:\n        CommandLine|contains: 'xx'\n"                  \
	"    _hidden:\n        CommandLine|contains: 'zz'\n"                   \
	"    condition: %s\n"
	static const struct {
		const char *cond, *img, *cmd;
		int want;
	} t[] = {
	        {"selection_a and selection_b", "c:\\a.exe", "bb", 1},
	        {"selection_a and selection_b", "c:\\a.exe", "b", 0},
	        {"selection_a or selection_b", "c:\\q.exe", "bb", 1},
	        {"selection_a and not filter_x", "c:\\a.exe", "xx", 0},
	        {"selection_a and not filter_x", "c:\\a.exe", "yy", 1},
	        {"1 of selection_*", "c:\\q.exe", "bb", 1},
	        {"all of selection_*", "c:\\q.exe", "bb", 0},
	        {"all of selection_*", "c:\\a.exe", "bb", 1},
	        {"1 of selection* and not 1 of filter*", "c:\\a.exe", "xx", 0},
	        {"1 of them", "c:\\q.exe", "xx", 1},
	        {"1 of them", "c:\\q.exe", "zz", 0}, /* _hidden not in them */
	        {"all of them", "c:\\a.exe", "bb xx", 1},
	        {"all of them", "c:\\a.exe", "bb", 0},
	        {"2 of selection_* or filter_x", "c:\\a.exe", "bb", 1},
	        {"2 of selection_*", "c:\\a.exe", "b", 0},
	        {"not (selection_a or selection_b)", "c:\\q.exe", "q", 1},
	        {"not selection_a and selection_b", "c:\\a.exe", "bb", 0},
	        {"selection_a and (selection_b or filter_x)", "c:\\a.exe", "xx",
	         1},
	        {"SELECTION_A", "c:\\a.exe", "", -1}, /* names are exact */
	};
	char det[2048];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(det, sizeof(det), D, t[i].cond);
		if (t[i].want < 0) {
			refused(det, "not a search identifier");
			continue;
		}
		expect(det, t[i].want, t[i].img, t[i].cmd);
	}
	/* a list of conditions is OR */
	expect("    a:\n        CommandLine: 'x'\n    b:\n        CommandLine: "
	       "'y'\n    condition:\n        - a\n        - b\n",
	       1, "", "y");
	/* list of maps: OR of ANDs */
	expect("    selection:\n        - Image|endswith: '\\example.exe'\n"
	       "        - CommandLine|contains: 'Test executable'\n"
	       "    condition: selection\n",
	       1, "c:\\q.exe", "a Test executable");
	refused("    selection:\n        Image: x\n", "no condition");
	refused("    selection:\n        Image: x\n    condition: selection "
	        "and\n",
	        "expression expected");
	refused("    selection:\n        Image: x\n    condition: selection "
	        "| count() > 5\n",
	        "aggregation");
}

static void test_cond_parser(void **st)
{
	(void)st;
	struct mh_cond c;
	struct mh_err err;
	const char *ok[] = {"a",           "a and b or c", "not not a",
	                    "(a)",         "1 of x*",      "all of them",
	                    "any of them", "3 of sel_*"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(mh_cond_parse(ok[i], strlen(ok[i]), &c, &err),
		                 MH_OK);
		mh_cond_free(&c);
	}
	/* precedence: a or b and c == a or (b and c) */
	assert_int_equal(mh_cond_parse("a or b and c", 12, &c, &err), MH_OK);
	assert_int_equal(c.v[c.root].op, MH_CN_OR);
	mh_cond_free(&c);
	const char *bad[] = {"",     "a and", "(a",     "a)", "1 of",
	                     "of x", "a b",   "0 of x", "a*", "a & b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mh_err_clear(&err);
		assert_int_not_equal(
		        mh_cond_parse(bad[i], strlen(bad[i]), &c, &err), MH_OK);
		assert_true(err.msg[0] != '\0');
	}
	char deep[4000];
	memset(deep, '(', 2000);
	deep[2000] = 'a';
	memset(deep + 2001, ')', 1998);
	deep[3999] = '\0';
	assert_int_equal(mh_cond_parse(deep, strlen(deep), &c, &err),
	                 MH_EFORMAT);
	assert_non_null(strstr(err.msg, "nested too deeply"));
}

static void test_multidoc_and_filter(void **st)
{
	(void)st;
	const char *y = "action: global\ntitle: g\nlogsource:\n"
	                "    category: process_creation\n    product: windows\n"
	                "detection:\n    condition: selection\n---\n"
	                "id: one\ndetection:\n    selection:\n"
	                "        Image|endswith: '\\a.exe'\n---\n"
	                "action: repeat\nid: two\ndetection:\n    selection:\n"
	                "        Image|endswith: '\\b.exe'\n";
	struct mh_sigma *s = load(y);
	assert_int_equal(s->nrefused, 0);
	assert_int_equal(s->nrules, 2);
	const char *a[] = {SYSMON1, "Event.EventData.Image", "c:\\a.exe", NULL};
	const char *b[] = {SYSMON1, "Event.EventData.Image", "c:\\b.exe", NULL};
	const char *c[] = {SYSMON1, "Event.EventData.Image", "c:\\c.exe", NULL};
	assert_int_equal(nmatch(s, a), 1);
	assert_int_equal(nmatch(s, b), 1);
	assert_int_equal(nmatch(s, c), 0);
	mh_sigma_free(s);
	/* reset: what follows no longer gets the global part (here: no
	 * logsource, so it is refused) */
	s = load("action: global\nlogsource:\n    product: windows\n---\n"
	         "title: a\nid: ga\ndetection:\n    s:\n        EventID: 1\n"
	         "    condition: s\n---\naction: reset\n---\n"
	         "title: b\nid: gb\ndetection:\n    s:\n        EventID: 2\n"
	         "    condition: s\n");
	assert_int_equal(s->nrules, 1);
	assert_int_equal(s->nrefused, 1);
	assert_non_null(strstr(s->refused[0].reason, "logsource"));
	mh_sigma_free(s);
	/* a Sigma filter (the specification's example) */
	y = "title: rar\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\nlogsource:\n"
	    "    category: process_creation\n    product: windows\n"
	    "detection:\n    selection:\n        Image|endswith: '\\rar.exe'\n"
	    "    condition: selection\n---\n"
	    "title: Filter Administrator account\nlogsource:\n"
	    "    category: process_creation\n    product: windows\n"
	    "filter:\n    rules:\n        - "
	    "6f3e2987-db24-4c78-a860-b4f4095a7095\n"
	    "    selection:\n        User|startswith: 'adm_'\n"
	    "    condition: selection\n";
	s = load(y);
	assert_int_equal(s->nrefused, 0);
	const char *u1[] = {SYSMON1,       "Event.EventData.Image",
	                    "c:\\rar.exe", "Event.EventData.User",
	                    "adm_bob",     NULL};
	const char *u2[] = {SYSMON1,       "Event.EventData.Image",
	                    "c:\\rar.exe", "Event.EventData.User",
	                    "bob",         NULL};
	assert_int_equal(nmatch(s, u1), 0);
	assert_int_equal(nmatch(s, u2), 1);
	mh_sigma_free(s);
}

/* Number of rule matches of s over the records of text, read by the
 * reader named `reader` and its normalisers (the production path: the
 * typed view decides the class, fields are made on demand). A Purview
 * row read by the csv reader carries its row as raw text. */
static size_t nmatch_read(const struct mh_sigma *s, const char *reader,
                          const char *text)
{
	int csv = !strcmp(reader, "csv");
	struct rdfile rf;
	rdfile_open(&rf, reader, text);
	struct mh_sigma_ctx *c;
	assert_int_equal(mh_sigma_ctx_new(s, &c), MH_OK);
	size_t total = 0, nev = 0;
	struct mh_event ev;
	int rc;
	while ((rc = rf.ops->next(rf.r, &ev, &rf.err)) != 0) {
		if (rc != 1)
			fail_msg("record skipped: %s", rf.err.msg);
		if (csv)
			assert_int_equal(ev.raw_csv, 1);
		const uint32_t *m;
		size_t n;
		assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
		total += n;
		nev++;
	}
	assert_true(nev > 0);
	mh_sigma_ctx_free(c);
	rdfile_close(&rf);
	return total;
}

static size_t nmatch_json(const struct mh_sigma *s, const char *json)
{
	return nmatch_read(s, "json", json);
}

static size_t nmatch_csv(const struct mh_sigma *s, const char *csv)
{
	return nmatch_read(s, "csv", csv);
}

/* Sysmon 1 of whoami.exe started by cmd.exe, and what must not pass for
 * it, in the three JSON forms of Windows events. */
#define EVTX_SYSMON(eid, data)                                                 \
	"{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft."   \
	"com/win/2004/08/events/event\"},\"System\":{\"Provider\":{"           \
	"\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}},"            \
	"\"EventID\":" eid ",\"EventRecordID\":10,\"Channel\":\"Microsoft-"    \
	"Windows-Sysmon/Operational\",\"Computer\":\"ws1\",\"TimeCreated\":{"  \
	"\"#attributes\":{\"SystemTime\":\"2024-03-01T10:00:00.1Z\"}}},"       \
	"\"EventData\":" data "}}\n"
#define WHOAMI_DATA                                                            \
	"{\"Image\":\"c:\\\\whoami.exe\",\"ParentImage\":\"c:\\\\cmd.exe\"}"

static void test_logsource_shapes(void **st)
{
	(void)st;
	struct mh_sigma *s =
	        load(rule(SEL("        Image|endswith: '\\whoami.exe'\n"
	                      "        ParentImage|endswith: '\\cmd.exe'\n")));
	assert_int_equal(nmatch_json(s, EVTX_SYSMON("1", WHOAMI_DATA)), 1);
	/* the same in evtx_dump --separate-json-attributes form, EventID
	 * with attributes */
	assert_int_equal(
	        nmatch_json(s,
	                    "{\"Event\":{\"System\":{\"Provider_attributes\":"
	                    "{\"Name\":\"Microsoft-Windows-Sysmon\"},"
	                    "\"EventID\":{\"#attributes\":{\"Qualifiers\":"
	                    "\"\"},\"#text\":1},\"Channel\":\"Microsoft-"
	                    "Windows-Sysmon/Operational\"},\"EventData\":"
	                    "{\"Image\":\"c:\\\\whoami.exe\","
	                    "\"ParentImage\":\"c:\\\\cmd.exe\"}}}\n"),
	        1);
	assert_int_equal(nmatch_json(s, EVTX_SYSMON("11", WHOAMI_DATA)), 0);
	assert_int_equal(
	        nmatch_json(s, EVTX_SYSMON("1", "{\"Image\":\"c:\\\\whoami."
	                                        "exe\",\"ParentImage\":\"c:"
	                                        "\\\\explorer.exe\"}")),
	        0);
	/* Winlogbeat 8 (event_id a string) */
	assert_int_equal(
	        nmatch_json(s, "{\"@timestamp\":\"2024-03-01T10:00:00.000Z\","
	                       "\"event\":{\"code\":\"1\",\"provider\":"
	                       "\"Microsoft-Windows-Sysmon\"},\"winlog\":{"
	                       "\"channel\":\"Microsoft-Windows-Sysmon/"
	                       "Operational\",\"event_id\":\"1\","
	                       "\"provider_name\":\"Microsoft-Windows-Sysmon\","
	                       "\"computer_name\":\"ws1\",\"record_id\":\"11\","
	                       "\"event_data\":" WHOAMI_DATA "}}\n"),
	        1);
	/* Get-WinEvent of Sysmon: the data is in Message */
	assert_int_equal(
	        nmatch_json(s,
	                    "{\"Id\":1,\"LogName\":\"Microsoft-Windows-"
	                    "Sysmon/Operational\",\"ProviderName\":"
	                    "\"Microsoft-Windows-Sysmon\",\"MachineName\":"
	                    "\"ws1\",\"RecordId\":12,\"TimeCreated\":"
	                    "\"/Date(1709287200000)/\",\"Message\":\"Process "
	                    "Create:\\r\\nRuleName: -\\r\\nImage: "
	                    "C:\\\\whoami.exe\\r\\nParentImage: "
	                    "C:\\\\cmd.exe\\r\\n\",\"Properties\":[{\"Value\":"
	                    "\"-\"}]}\n"),
	        1);
	/* Security 4688: NewProcessName is Image, ParentProcessName
	 * ParentImage; as evtx JSON and as Get-WinEvent (by position) */
	assert_int_equal(
	        nmatch_json(s, "{\"Event\":{\"System\":{\"Provider\":{"
	                       "\"#attributes\":{\"Name\":\"Microsoft-Windows-"
	                       "Security-Auditing\"}},\"EventID\":4688,"
	                       "\"Channel\":\"Security\"},\"EventData\":{"
	                       "\"NewProcessName\":\"c:\\\\whoami.exe\","
	                       "\"ParentProcessName\":\"c:\\\\cmd.exe\"}}}\n"),
	        1);
	assert_int_equal(
	        nmatch_json(s, "[{\"Id\":4688,\"LogName\":\"Security\","
	                       "\"ProviderName\":\"Microsoft-Windows-Security-"
	                       "Auditing\",\"Properties\":[{\"Value\":"
	                       "\"S-1-5-18\"},{\"Value\":\"bob\"},{\"Value\":"
	                       "\"DOM\"},{\"Value\":\"0x3e7\"},{\"Value\":"
	                       "\"0x1\"},{\"Value\":\"c:\\\\whoami.exe\"},"
	                       "{\"Value\":\"%%1936\"},{\"Value\":\"0x2\"},"
	                       "{\"Value\":\"whoami\"},{\"Value\":\"S-1-0-0\"},"
	                       "{\"Value\":\"-\"},{\"Value\":\"-\"},{\"Value\":"
	                       "\"0x0\"},{\"Value\":\"c:\\\\cmd.exe\"}]}]\n"),
	        1);
	/* the same names in a record of no Windows form */
	assert_int_equal(nmatch_json(s, "{\"Image\":\"c:\\\\whoami.exe\","
	                                "\"ParentImage\":\"c:\\\\cmd.exe\"}\n"),
	                 0);
	/* an event built by hand (no typed view): classified from its
	 * fields */
	const char *kv[] = {SYSMON1,          "Event.EventData.Image",
	                    "c:\\whoami.exe", "Event.EventData.ParentImage",
	                    "c:\\cmd.exe",    NULL};
	assert_int_equal(nmatch(s, kv), 1);
	mh_sigma_free(s);

	/* service: security = channel Security; System attributes */
	s = load("title: t\nlogsource:\n    product: windows\n    service: "
	         "security\ndetection:\n    selection:\n"
	         "        Provider_Name: Microsoft-Windows-Security-Auditing\n"
	         "        EventID: 4624\n    condition: selection\n");
#define LOGON(channel)                                                         \
	"{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":"     \
	"\"Microsoft-Windows-Security-Auditing\"}},\"EventID\":4624,"          \
	"\"Channel\":\"" channel "\"}}}\n"
	assert_int_equal(nmatch_json(s, LOGON("Security")), 1);
	assert_int_equal(nmatch_json(s, LOGON("System")), 0);
#undef LOGON
	mh_sigma_free(s);

	/* Google Workspace: a login-application rule on a Reports API
	 * activity, Panther's form of one, and a Cloud Logging entry */
	s = load("title: t\nlogsource:\n    product: gcp\n    service: "
	         "google_workspace.login\ndetection:\n    selection:\n"
	         "        protoPayload.serviceName: 'login.googleapis.com'\n"
	         "        protoPayload.metadata.event.eventName: "
	         "'email_forwarding_out_of_domain'\n"
	         "    condition: selection\n");
#define GWS(app)                                                               \
	"{\"kind\":\"admin#reports#activity\",\"id\":{\"time\":\"2024-03-01T"  \
	"10:00:00Z\",\"uniqueQualifier\":\"1\",\"applicationName\":\"" app     \
	"\"},\"actor\":{\"email\":\"a@x.example\"},\"events\":[{\"type\":"     \
	"\"email_forwarding_change\",\"name\":\"email_forwarding_out_of_"      \
	"domain\",\"parameters\":[{\"name\":\"email_forwarding_destination_"   \
	"address\",\"value\":\"b@y.example\"}]}]}\n"
	assert_int_equal(nmatch_json(s, GWS("login")), 1);
	assert_int_equal(nmatch_json(s, GWS("user_accounts")), 0);
#undef GWS
	assert_int_equal(
	        nmatch_json(s,
	                    "{\"log\":{\"id\":{\"applicationName\":\"login\"},"
	                    "\"actor\":{\"email\":\"a@x.example\"},\"type\":"
	                    "\"email_forwarding_change\",\"name\":"
	                    "\"email_forwarding_out_of_domain\"}}\n"),
	        1);
	assert_int_equal(
	        nmatch_json(s, "{\"protoPayload\":{\"serviceName\":\"login."
	                       "googleapis.com\",\"metadata\":{\"event\":[{"
	                       "\"eventName\":\"email_forwarding_out_of_"
	                       "domain\"}]}},\"insertId\":\"i1\",\"timestamp\":"
	                       "\"2024-03-01T10:00:00Z\"}\n"),
	        1);
	mh_sigma_free(s);
	/* google_workspace.admin rules name parameters in lower case */
	s = load("title: t\nlogsource:\n    product: gcp\n    service: "
	         "google_workspace.admin\ndetection:\n    selection:\n"
	         "        eventService: admin.googleapis.com\n"
	         "        eventName: ENFORCE_STRONG_AUTHENTICATION\n"
	         "        new_value: 'false'\n    condition: selection\n");
#define ADMIN(v)                                                               \
	"{\"kind\":\"admin#reports#activity\",\"id\":{\"time\":\"2024-03-01T"  \
	"10:00:00Z\",\"uniqueQualifier\":\"2\",\"applicationName\":\"admin\"}" \
	","                                                                    \
	"\"actor\":{\"email\":\"a@x.example\"},\"events\":[{\"type\":"         \
	"\"DOMAIN_SETTINGS\",\"name\":\"ENFORCE_STRONG_AUTHENTICATION\","      \
	"\"parameters\":[{\"name\":\"NEW_VALUE\",\"value\":\"" v "\"}]}]}\n"
	assert_int_equal(nmatch_json(s, ADMIN("false")), 1);
	assert_int_equal(nmatch_json(s, ADMIN("true")), 0);
#undef ADMIN
	mh_sigma_free(s);

	/* Microsoft 365 audit, as the API gives it and as a Sentinel row */
	s = load("title: t\nlogsource:\n    product: m365\n    service: audit\n"
	         "detection:\n    selection:\n        Operation: Set-Mailbox\n"
	         "        Parameters|contains: ForwardingSmtpAddress\n"
	         "    condition: selection\n");
	assert_int_equal(
	        nmatch_json(s, "{\"CreationTime\":\"2024-03-01T10:00:00\","
	                       "\"Id\":\"r1\",\"Operation\":\"Set-Mailbox\","
	                       "\"RecordType\":1,\"Workload\":\"Exchange\","
	                       "\"UserId\":\"adm@x.example\",\"Parameters\":[{"
	                       "\"Name\":\"ForwardingSmtpAddress\",\"Value\":"
	                       "\"smtp:b@y.example\"}]}\n"),
	        1);
	assert_int_equal(
	        nmatch_json(s, "{\"TimeGenerated\":\"2024-03-01T10:00:00Z\","
	                       "\"OfficeWorkload\":\"Exchange\",\"Operation\":"
	                       "\"Set-Mailbox\",\"OfficeId\":\"r2\","
	                       "\"Parameters\":\"[{\\\"Name\\\":\\\"Forwarding"
	                       "SmtpAddress\\\",\\\"Value\\\":\\\"smtp:b@y."
	                       "example\\\"}]\",\"SourceRecordId\":\"s2\"}\n"),
	        1);
	/* the admin audit log names them CmdletName, CmdletParameters */
	assert_int_equal(
	        nmatch_json(s, "{\"CmdletName\":\"Set-Mailbox\",\"Caller\":"
	                       "\"adm@x.example\",\"RunDate\":\"2024-03-01T10:"
	                       "00:00\",\"ObjectModified\":\"alice\","
	                       "\"Succeeded\":true,\"CmdletParameters\":[{"
	                       "\"Name\":\"ForwardingSmtpAddress\",\"Value\":"
	                       "\"smtp:b@y.example\"}]}\n"),
	        1);
	/* the raw prefilter (literals looked for in the record's text
	 * before its fields are made) reads escapes as JSON does */
	assert_int_equal(
	        nmatch_json(s, "{\"CreationTime\":\"2024-03-01T10:00:00\","
	                       "\"Id\":\"r3\",\"Operation\":\"\\u0053et-"
	                       "Mailbox\",\"RecordType\":1,\"Workload\":"
	                       "\"Exchange\",\"Parameters\":[{\"Name\":"
	                       "\"ForwardingSmtpAddress\",\"Value\":"
	                       "\"x\"}]}\n"),
	        1);
	/* no known shape: not an audit record */
	assert_int_equal(nmatch_json(s, "{\"Operation\":\"Set-Mailbox\","
	                                "\"Parameters\":\"ForwardingSmtp"
	                                "Address\"}\n"),
	                 0);
	mh_sigma_free(s);

	/* threat_management: an alert's name is eventName, its workload
	 * eventSource, ResultStatus Succeeded is status success */
	s = load("title: t\nlogsource:\n    product: m365\n    service: "
	         "threat_management\ndetection:\n    selection:\n"
	         "        eventSource: SecurityComplianceCenter\n"
	         "        eventName: 'Suspicious inbox forwarding'\n"
	         "        status: success\n    condition: selection\n");
#define ALERT(name, status)                                                    \
	"{\"CreationTime\":\"2024-03-01T10:00:00\",\"Id\":\"al-" name "\","    \
	"\"Operation\":\"AlertTriggered\",\"RecordType\":40,\"ResultStatus\":" \
	"\"" status "\",\"UserId\":\"SecurityComplianceAlerts\",\"Workload\":" \
	"\"SecurityComplianceCenter\",\"Name\":\"" name "\",\"Status\":"       \
	"\"Active\",\"Category\":\"ThreatManagement\"}\n"
	assert_int_equal(nmatch_json(s, ALERT("Suspicious inbox forwarding",
	                                      "Succeeded")),
	                 1);
	assert_int_equal(
	        nmatch_json(s, ALERT("Suspicious inbox forwarding", "Failed")),
	        0);
	assert_int_equal(nmatch_json(s, ALERT("Impossible travel activity",
	                                      "Succeeded")),
	                 0);
#undef ALERT
	mh_sigma_free(s);
	/* a Security & Compliance cmdlet: Payload is the command line */
	s = load("title: t\nlogsource:\n    product: m365\n    service: "
	         "threat_management\ndetection:\n    selection:\n"
	         "        eventSource: SecurityComplianceCenter\n"
	         "        Payload|contains|all:\n"
	         "            - 'New-ComplianceSearchAction'\n"
	         "            - 'Export'\n            - 'pst'\n"
	         "    condition: selection\n");
#define SCC(params)                                                            \
	"{\"CreationTime\":\"2024-03-01T10:00:00\",\"Id\":\"c-" params "\","   \
	"\"Operation\":\"New-ComplianceSearchAction\",\"RecordType\":18,"      \
	"\"ResultStatus\":\"True\",\"UserId\":\"adm@x.example\",\"Workload\":" \
	"\"SecurityComplianceCenter\",\"Parameters\":\"-SearchName s1 " params \
	"\"}\n"
	assert_int_equal(
	        nmatch_json(s,
	                    SCC("-Export -ExchangeArchiveFormat PerUserPst")),
	        1);
	assert_int_equal(nmatch_json(s, SCC("-Purge -PurgeType SoftDelete")),
	                 0);
#undef SCC
	mh_sigma_free(s);
	/* exchange: the operation is eventName; "True" is success */
	s = load("title: t\nlogsource:\n    product: m365\n    service: "
	         "exchange\ndetection:\n    selection:\n"
	         "        eventSource: Exchange\n"
	         "        eventName: 'Add-FederatedDomain'\n"
	         "        status: success\n    condition: selection\n");
#define FED(result)                                                            \
	"{\"CreationTime\":\"2024-03-01T10:00:00\",\"Id\":\"f-" result "\","   \
	"\"Operation\":\"Add-FederatedDomain\",\"RecordType\":1,"              \
	"\"ResultStatus\":\"" result "\",\"UserId\":\"adm@x.example\","        \
	"\"Workload\":\"Exchange\"}\n"
	assert_int_equal(nmatch_json(s, FED("True")), 1);
	assert_int_equal(nmatch_json(s, FED("False")), 0);
#undef FED
	mh_sigma_free(s);
	/* backslashes and quotes as JSON writes them, for the raw
	 * prefilter of a bucket without Windows' always-rules */
	s = load("title: t\nlogsource:\n    product: m365\n    service: "
	         "audit\ndetection:\n    selection:\n"
	         "        ObjectId|endswith: '\\share\\\"x\" y'\n"
	         "    condition: selection\n");
	assert_int_equal(
	        nmatch_json(s,
	                    "{\"CreationTime\":\"2024-03-01T10:00:00\","
	                    "\"Id\":\"o1\",\"Operation\":\"FileRead\","
	                    "\"RecordType\":6,\"Workload\":\"SharePoint\","
	                    "\"ObjectId\":\"C:\\\\Share\\\\\\\"X\\\" Y\"}\n"),
	        1);
	assert_int_equal(
	        nmatch_json(s, "{\"CreationTime\":\"2024-03-01T10:00:00\","
	                       "\"Id\":\"o2\",\"Operation\":\"FileRead\","
	                       "\"RecordType\":6,\"Workload\":\"SharePoint\","
	                       "\"ObjectId\":\"C:\\\\Share\\\\X Y\"}\n"),
	        0);
	mh_sigma_free(s);
}

/* A Purview row's text is its raw text (event.h raw_csv): the raw
 * prefilter finds atoms in every cell, and leaves a row to the full way
 * when an atom holds a quote (the row doubles it). */
static void test_purview_raw(void **st)
{
	(void)st;
#define PURVIEW_HEAD                                                           \
	"RecordId,CreationDate,RecordType,Operation,UserId,AuditData\n"
#define PURVIEW_ROW(op, obj)                                                   \
	"p1,2024-03-01T10:00:00.0000000Z,ExchangeItem," op                     \
	",alice@corp.example,\"{\"\"CreationTime\"\":\"\"2024-03-01T10:00:"    \
	"00\"\","                                                              \
	"\"\"Id\"\":\"\"p1\"\",\"\"Operation\"\":\"\"" op                      \
	"\"\",\"\"RecordType\"\":2,"                                           \
	"\"\"Workload\"\":\"\"Exchange\"\",\"\"UserId\"\":\"\"alice@corp."     \
	"example\"\","                                                         \
	"\"\"ObjectId\"\":\"\"" obj "\"\"}\"\n"
	static const struct {
		const char *test;
		size_t want;
	} cases[] = {
	        /* a value of AuditData and of a column */
	        {"        UserId|endswith: '@corp.example'\n", 1},
	        /* a column's only: RecordType by name */
	        {"        RecordType: 'ExchangeItem'\n", 1},
	        /* an atom with a quote: "x\"y" in AuditData, doubled */
	        {"        ObjectId|contains: 'x\"y'\n", 1},
	        {"        Operation: 'FileDeleted'\n", 0},
	        {"        ObjectId|contains: 'x\"z'\n", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char y[512];
		snprintf(y, sizeof(y),
		         "title: t\nlogsource:\n    product: m365\n    "
		         "service: audit\ndetection:\n    selection:\n%s"
		         "    condition: selection\n",
		         cases[i].test);
		struct mh_sigma *s = load(y);
		assert_int_equal(
		        nmatch_csv(s, PURVIEW_HEAD PURVIEW_ROW(
		                              "MailItemsAccessed", "x\\\"\"y")),
		        cases[i].want);
		mh_sigma_free(s);
	}
#undef PURVIEW_ROW
#undef PURVIEW_HEAD
}

/* MARK: - audit records judged from their text */

/* mh_sigma_audit_judge / mh_sigma_audit_may for the rules of yaml: want
 * the judge's answer, then (when it can judge) may for each text. */
static int judge_of(struct mh_sigma *s, struct mh_sigma_ctx **c)
{
	assert_int_equal(mh_sigma_ctx_new(s, c), MH_OK);
	return mh_sigma_audit_judge(*c);
}

/* As a reader asks: what the peek read of text (when it can read it,
 * else only op). */
static int may(struct mh_sigma_ctx *c, const char *text, const char *op)
{
	struct mh_rawop o;
	if (!mh_rawop_peek(text, strlen(text), &o)) {
		memset(&o, 0, sizeof(o));
		o.rtype = -1;
		o.op = mh_slice_cstr(op);
	}
	return mh_sigma_audit_may(c, mh_slice_cstr(text), 0, &o);
}

#define UALW(op, wl, rest)                                                     \
	"{\"CreationTime\":\"2024-03-01T10:00:00\",\"Id\":\"j1\","             \
	"\"Operation\":\"" op "\",\"RecordType\":1,\"Workload\":"              \
	"\"" wl "\"" rest "}"
#define UAL(op, rest) UALW(op, "Exchange", rest)

static void test_audit_judge(void **st)
{
	(void)st;
	struct mh_sigma_ctx *c;
	/* an alert's name: only records holding it may match */
	struct mh_sigma *s =
	        load("title: t\nlogsource:\n    product: m365\n    service: "
	             "threat_management\ndetection:\n    selection:\n"
	             "        eventSource: SecurityComplianceCenter\n"
	             "        eventName: 'Suspicious inbox forwarding'\n"
	             "        status: success\n    condition: selection\n");
	assert_int_equal(judge_of(s, &c), 1);
	assert_int_equal(may(c, UAL("UserLoggedIn", ""), "UserLoggedIn"), 0);
	assert_int_equal(may(c,
	                     UALW("AlertTriggered", "SecurityComplianceCenter",
	                          ",\"Name\":\"SUSPICIOUS inbox forwarding\""),
	                     "AlertTriggered"),
	                 1);
	/* the same from Exchange: not of the rule's service (the gate) */
	assert_int_equal(may(c,
	                     UAL("AlertTriggered",
	                         ",\"Name\":\"SUSPICIOUS inbox forwarding\""),
	                     "AlertTriggered"),
	                 0);
	assert_int_equal(
	        nmatch_json(
	                s,
	                UAL("AlertTriggered",
	                    ",\"Name\":\"SUSPICIOUS inbox forwarding\"") "\n"),
	        0);
	/* an escape may hide any letter */
	assert_int_equal(may(c, UAL("\\u0055serLoggedIn", ""), "x"), 1);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);

	/* Payload is "Operation Parameters": an atom across the space is
	 * looked for at the end of the operation */
	s = load("title: t\nlogsource:\n    product: m365\n    service: "
	         "audit\ndetection:\n    selection:\n"
	         "        Payload|contains: 'mailbox -identity'\n"
	         "    condition: selection\n");
	const char *rec = UAL("Set-Mailbox", ",\"Parameters\":\"-Identity a\"");
	assert_int_equal(
	        nmatch_json(s, UAL("Set-Mailbox",
	                           ",\"Parameters\":\"-Identity a\"") "\n"),
	        1);
	assert_int_equal(judge_of(s, &c), 1);
	assert_int_equal(may(c, rec, "Set-Mailbox"), 1);
	assert_int_equal(may(c,
	                     UAL("Set-User", ",\"Parameters\":\"-Identity a\""),
	                     "Set-User"),
	                 0);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);

	/* cannot judge: a result word is an atom (status is the typed
	 * view's word, not the record's), a rule without literals, an atom
	 * with a quote (a Purview row doubles it) */
	static const char *const cannot[] = {
	        "        status: success\n    condition: selection\n",
	        "        Operation: UserLoggedIn\n    condition: not "
	        "selection\n",
	        "        ObjectId|contains: 'a\"b'\n    condition: "
	        "selection\n",
	};
	for (size_t i = 0; i < sizeof(cannot) / sizeof(*cannot); i++) {
		char y[512];
		snprintf(y, sizeof(y),
		         "title: t\nlogsource:\n    product: m365\n    "
		         "service: audit\ndetection:\n    selection:\n%s",
		         cannot[i]);
		s = load(y);
		assert_int_equal(judge_of(s, &c), 0);
		assert_int_equal(may(c, UAL("UserLoggedIn", ""), "x"), 1);
		mh_sigma_ctx_free(c);
		mh_sigma_free(s);
	}

	/* no rule of an audit logsource: no record may match */
	s = load("title: t\nlogsource:\n    product: windows\n    category: "
	         "process_creation\ndetection:\n    selection:\n"
	         "        Image|endswith: '\\whoami.exe'\n"
	         "    condition: selection\n");
	assert_int_equal(judge_of(s, &c), 1);
	assert_int_equal(may(c, UAL("Set-Mailbox", ",\"x\":\"whoami.exe\""),
	                     "Set-Mailbox"),
	                 0);
	/* a record that may be read as an admin audit log entry (its
	 * operation and workload are then not those of its text) */
	assert_int_equal(
	        may(c, UAL("Set-Mailbox", ",\"cmdletNAME\":\"New-InboxRule\""),
	            "Set-Mailbox"),
	        1);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);
}

/* The gate (match.h mh_sigma_audit_may): rules that need an operation
 * rule out, without a scan, records of any other, even when an atom of
 * theirs is in the text; a rule that needs none, or a record of an
 * operation a rule needs, is judged by the scan as before; the gate
 * stays off for records whose Operation or Workload it cannot know. The
 * answers agree with matching the parsed record (nmatch_json). */
static void test_audit_gate(void **st)
{
	(void)st;
	struct mh_sigma_ctx *c;
	struct mh_sigma *s = load(
	        "title: a\nlogsource:\n    product: m365\n    service: audit\n"
	        "detection:\n    selection:\n        Workload: "
	        "ThreatIntelligence\n        Operation: TIMailData\n"
	        "        Directionality: Inbound\n    condition: selection\n"
	        "---\n"
	        "title: b\nlogsource:\n    product: m365\n    service: audit\n"
	        "detection:\n    selection:\n        Operation|contains: "
	        "'Disable Strong Authentication.'\n    condition: selection\n");
	assert_int_equal(judge_of(s, &c), 1);
	/* the atom of a is in the text, but a needs its operation */
	const char *r1 = UALW("MailItemsAccessed", "ThreatIntelligence",
	                      ",\"Subject\":\"TIMailData Inbound\"");
	assert_int_equal(may(c, r1, "MailItemsAccessed"), 0);
	assert_int_equal(nmatch_json(s, r1), 0);
	/* its operation: judged in full (the scan finds the atom) */
	const char *r2 = UALW("TIMailData", "ThreatIntelligence",
	                      ",\"Directionality\":\"Inbound\"");
	assert_int_equal(may(c, r2, "TIMailData"), 1);
	assert_int_equal(nmatch_json(s, r2), 1);
	/* b: contains, any case */
	const char *r3 = UAL("disable strong authentication.", "");
	assert_int_equal(may(c, r3, "disable strong authentication."), 1);
	assert_int_equal(nmatch_json(s, r3), 1);
	/* a second operation key (another case): no gate, the scan */
	const char *r5 = UALW("MailItemsAccessed", "ThreatIntelligence",
	                      ",\"Directionality\":\"Inbound\","
	                      "\"OPERATION\":\"TIMailData\"");
	assert_int_equal(may(c, r5, "MailItemsAccessed"), 1);
	assert_int_equal(nmatch_json(s, r5), 1);
	/* a workload in another case, or twice: no gate */
	const char *r6 = UALW("MailItemsAccessed", "ThreatIntelligence",
	                      ",\"workload\":\"x\",\"Subject\":\"timaildata\"");
	assert_int_equal(may(c, r6, "MailItemsAccessed"), 1);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);

	/* a rule that needs no operation (c) keeps every record's scan: a
	 * value only the scan reaches */
	s = load("title: a\nlogsource:\n    product: m365\n    service: audit\n"
	         "detection:\n    selection:\n        Operation: TIMailData\n"
	         "    condition: selection\n"
	         "---\n"
	         "title: c\nlogsource:\n    product: m365\n    service: audit\n"
	         "detection:\n    selection:\n        ObjectId|contains: "
	         "'hidden-share'\n    condition: selection\n");
	assert_int_equal(judge_of(s, &c), 1);
	const char *r4 =
	        UAL("MailItemsAccessed", ",\"ObjectId\":\"x/Hidden-Share\"");
	assert_int_equal(may(c, r4, "MailItemsAccessed"), 1);
	assert_int_equal(nmatch_json(s, r4), 1);
	assert_int_equal(may(c, UAL("MailItemsAccessed", ",\"ObjectId\":\"y\""),
	                     "MailItemsAccessed"),
	                 0);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);

	/* p's operation but not its atom, q's atom but not its
	 * operation: the scan looks for p's atoms alone */
	s = load("title: p\nlogsource:\n    product: m365\n    service: audit\n"
	         "detection:\n    selection:\n        Operation: UserLoggedIn\n"
	         "        ApplicationId: 9ba1a5c7-f17a-4de9-a1f1-6178c8d51223\n"
	         "    condition: selection\n---\n"
	         "title: q\nlogsource:\n    product: m365\n    service: audit\n"
	         "detection:\n    selection:\n        Operation: TIMailData\n"
	         "        Subject|contains: secret-word-q\n"
	         "    condition: selection\n");
	assert_int_equal(judge_of(s, &c), 1);
	const char *r11 = UAL("UserLoggedIn", ",\"Subject\":\"secret-word-q\"");
	assert_int_equal(may(c, r11, "UserLoggedIn"), 0);
	assert_int_equal(nmatch_json(s, r11), 0);
	const char *r12 = UAL("UserLoggedIn",
	                      ",\"ApplicationId\":\"9ba1a5c7-f17a-4de9-a1f1-"
	                      "6178c8d51223\"");
	assert_int_equal(may(c, r12, "UserLoggedIn"), 1);
	assert_int_equal(nmatch_json(s, r12), 1);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);

	/* eventName is the operation of an activity, an alert's Name: an
	 * alert of another name is judged by the scan */
	s = load("title: t\nlogsource:\n    product: m365\n    service: "
	         "threat_management\ndetection:\n    selection:\n"
	         "        eventSource: SecurityComplianceCenter\n"
	         "        eventName: 'Suspicious inbox forwarding'\n"
	         "    condition: selection\n");
	assert_int_equal(judge_of(s, &c), 1);
	const char *r7 = UALW("Suspicious inbox forwarding",
	                      "SecurityComplianceCenter", "");
	assert_int_equal(may(c, r7, "Suspicious inbox forwarding"), 1);
	assert_int_equal(nmatch_json(s, r7), 1);
	const char *r8 = UALW("SomethingElse", "SecurityComplianceCenter",
	                      ",\"Note\":\"Suspicious inbox forwarding\"");
	assert_int_equal(may(c, r8, "SomethingElse"), 0);
	assert_int_equal(nmatch_json(s, r8), 0);
	/* RecordType 40 makes it an alert: eventName is its Name */
	const char *r9 =
	        "{\"CreationTime\":\"2024-03-01T10:00:00\",\"Id\":\"j1\","
	        "\"Operation\":\"SomethingElse\",\"RecordType\":40,"
	        "\"Workload\":\"SecurityComplianceCenter\",\"Name\":"
	        "\"Suspicious inbox forwarding\"}";
	assert_int_equal(may(c, r9, "SomethingElse"), 1);
	assert_int_equal(nmatch_json(s, r9), 1);
	/* a record with an eventName of its own: no gate */
	const char *r10 = UALW("SomethingElse", "SecurityComplianceCenter",
	                       ",\"eventName\":\"Suspicious inbox "
	                       "forwarding\"");
	assert_int_equal(may(c, r10, "SomethingElse"), 1);
	assert_int_equal(nmatch_json(s, r10), 1);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);
}
#undef UAL
#undef UALW

/* MARK: - lazy prefilter */

/* Rules of three logsources, and records of two of them: an Exchange
 * cmdlet (matches), a sign-in (does not), Sysmon 1 of whoami.exe from
 * cmd.exe (matches), the same from explorer.exe (does not), one with
 * its image escaped (\u0077hoami: matches). */
static const char *lazy_rules =
        "title: a\nid: 3f1c2a4e-0000-4000-8000-000000000001\nlogsource:\n"
        "    product: m365\n    service: audit\ndetection:\n"
        "    selection:\n        Operation: Set-Mailbox\n"
        "        Parameters|contains: ForwardingSmtpAddress\n"
        "    condition: selection\n"
        "---\n"
        "title: w\nid: 3f1c2a4e-0000-4000-8000-000000000002\nlogsource:\n"
        "    product: windows\n    category: process_creation\n"
        "detection:\n    selection:\n"
        "        Image|endswith: '\\whoami.exe'\n"
        "        ParentImage|endswith: '\\cmd.exe'\n"
        "    condition: selection\n"
        "---\n"
        "title: d\nid: 3f1c2a4e-0000-4000-8000-000000000003\nlogsource:\n"
        "    product: windows\n    category: dns_query\ndetection:\n"
        "    selection:\n        QueryName|endswith: '.evil.example'\n"
        "    condition: selection\n";

static const char *lazy_records =
        "{\"CreationTime\":\"2024-03-01T10:00:00\",\"Id\":\"r1\","
        "\"Operation\":\"Set-Mailbox\",\"RecordType\":1,\"Workload\":"
        "\"Exchange\",\"UserId\":\"adm@x.example\",\"Parameters\":[{"
        "\"Name\":\"ForwardingSmtpAddress\",\"Value\":\"smtp:b@y."
        "example\"}]}\n"
        "{\"CreationTime\":\"2024-03-01T10:00:01\",\"Id\":\"r2\","
        "\"Operation\":\"UserLoggedIn\",\"RecordType\":15,\"Workload\":"
        "\"AzureActiveDirectory\",\"UserId\":\"a@x.example\"}\n" EVTX_SYSMON(
                "1", WHOAMI_DATA) EVTX_SYSMON("1", "{\"Image\":\"c:\\\\whoami."
                                                   "exe\",\"ParentImage\":\"c:"
                                                   "\\\\explorer.exe\"}")
                EVTX_SYSMON("1", "{\"Image\":\"c:\\\\\\u0077hoami.exe\","
                                 "\"ParentImage\":\"c:\\\\cmd.exe\"}");

struct lazy_job {
	const struct mh_sigma *s;
	const char *path;
	size_t total; /* matches; SIZE_MAX on an error */
};

/* nmatch_json without cmocka's asserts (it runs in threads). */
static void *lazy_worker(void *arg)
{
	struct lazy_job *j = arg;
	j->total = SIZE_MAX;
	const struct mh_reader_ops *ops = mh_reader_by_name("json");
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = j->path;
	src.range_end = UINT64_MAX;
	src.regular = 1;
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	struct mh_reader *r = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	struct mh_sigma_ctx *c = NULL;
	if (!ops || ops->open(&r, &src, &o, &err))
		return NULL;
	if (mh_sigma_ctx_new(j->s, &c) == MH_OK) {
		size_t total = 0;
		struct mh_event ev;
		int rc;
		while ((rc = ops->next(r, &ev, &err)) == 1) {
			const uint32_t *m;
			size_t n;
			if (mh_sigma_match(c, &ev, &m, &n))
				break;
			total += n;
		}
		if (rc == 0)
			j->total = total;
	}
	mh_sigma_ctx_free(c);
	ops->close(r);
	return NULL;
}

/* A lazy rule set (scan's: each bucket's databases compiled when an
 * event first needs them) matches what the eager one (lint's) matches,
 * also when threads meet the same unbuilt buckets at once. */
/* A rule's atoms come from its other test when one is part of text most
 * Windows events hold (prefilter.c common_text): an event with the
 * common text but not the other is not even evaluated, one with both
 * matches. Eight rules, so that their bucket gets a literal database. */
static void test_common_atoms(void **st)
{
	(void)st;
	char yaml[8192];
	size_t o = 0;
	for (int i = 0; i < 8; i++)
		o += (size_t)snprintf(
		        yaml + o, sizeof(yaml) - o,
		        "%stitle: c%d\nid: c%d\nlogsource:\n    category: "
		        "process_creation\n    product: windows\ndetection:\n"
		        "    selection:\n        Image|contains: '%s'\n"
		        "        CommandLine|contains: 'evl%dflg'\n"
		        "    condition: selection\n",
		        i ? "---\n" : "", i, i,
		        i ? "\\uncommon-dir\\" : "\\Windows\\", i);
	struct mh_sigma *s = load(yaml);
	assert_int_equal(s->nrules, 8);
	struct mh_sigma_ctx *c;
	assert_int_equal(mh_sigma_ctx_new(s, &c), MH_OK);
	const char *cmds[] = {"cmd /c dir", "cmd /c evl0flg"};
	for (int k = 0; k < 2; k++) {
		const char *kv[] = {SYSMON1,
		                    "Event.EventData.Image",
		                    "C:\\Windows\\System32\\cmd.exe",
		                    "Event.EventData.CommandLine",
		                    cmds[k],
		                    NULL};
		struct mh_field f[8];
		struct mh_event ev;
		make_event(&ev, f, 8, kv);
		const uint32_t *m;
		size_t n;
		uint64_t events, evals, matches;
		assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
		mh_sigma_ctx_stats(c, &events, &evals, &matches);
		assert_int_equal(n, (size_t)k);
		assert_int_equal(evals, (uint64_t)k);
	}
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);
}

/* A rule that needs an EventID (match.c eid_gate) is not evaluated for
 * an event with another, still matches one with it, and a condition with
 * a way around the EventID test is evaluated for every event. */
static void test_eventid_gate(void **st)
{
	(void)st;
	static const char *const dets[] = {
	        "    s:\n        EventID: 28\n    condition: s\n",
	        "    s:\n        EventID:\n            - 27\n            - 28\n"
	        "        Image|endswith: '.exe'\n    condition: s\n",
	        "    s:\n        EventID: 28\n    t:\n        Image|endswith: "
	        "'.exe'\n    condition: s or t\n",
	        "    s:\n        EventID: 28\n    condition: not s\n",
	};
	static const int want[4][2] = {{0, 1}, {0, 1}, {1, 1}, {1, 0}};
	static const int evals[4][2] = {{0, 1}, {0, 1}, {1, 2}, {1, 2}};
	for (size_t d = 0; d < sizeof(dets) / sizeof(*dets); d++) {
		char yaml[1024];
		snprintf(yaml, sizeof(yaml),
		         "title: e\nid: e1\nlogsource:\n    product: windows\n"
		         "    service: sysmon\ndetection:\n%s",
		         dets[d]);
		struct mh_sigma *s = load(yaml);
		assert_int_equal(s->nrules, 1);
		struct mh_sigma_ctx *c;
		assert_int_equal(mh_sigma_ctx_new(s, &c), MH_OK);
		static const char *const ids[] = {"1", "28"};
		for (int k = 0; k < 2; k++) {
			const char *kv[] = {
			        "Event.System.Channel",
			        "Microsoft-Windows-Sysmon/Operational",
			        "Event.System.EventID",
			        ids[k],
			        "Event.EventData.Image",
			        "C:\\x\\a.exe",
			        NULL};
			struct mh_field f[8];
			struct mh_event ev;
			make_event(&ev, f, 8, kv);
			const uint32_t *m;
			size_t n;
			uint64_t events, ne, matches;
			assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
			mh_sigma_ctx_stats(c, &events, &ne, &matches);
			if ((int)n != want[d][k] || (int)ne != evals[d][k])
				fail_msg(
				        "rule %zu event id %s: %zu matches, %d "
				        "evaluations",
				        d, ids[k], n, (int)ne);
		}
		mh_sigma_ctx_free(c);
		mh_sigma_free(s);
	}
}

static void test_lazy_prefilter(void **st)
{
	(void)st;
	struct mh_sigma *eager = load_opts(lazy_rules, NULL, 0, 0);
	assert_int_equal(eager->nrules, 3);
	assert_int_equal(nmatch_json(eager, lazy_records), 3);
	for (int round = 0; round < 8; round++) {
		struct mh_sigma *lazy = load_opts(lazy_rules, NULL, 0, 1);
		char path[] = "/tmp/mh-sigma-lazy-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, lazy_records, strlen(lazy_records)),
		                 (ssize_t)strlen(lazy_records));
		close(fd);
		pthread_t t[4];
		struct lazy_job j[4];
		for (int i = 0; i < 4; i++) {
			j[i].s = lazy;
			j[i].path = path;
			assert_int_equal(
			        pthread_create(&t[i], NULL, lazy_worker, &j[i]),
			        0);
		}
		for (int i = 0; i < 4; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			assert_int_equal(j[i].total, 3);
		}
		/* and one thread after the buckets are built */
		assert_int_equal(nmatch_json(lazy, lazy_records), 3);
		unlink(path);
		mh_sigma_free(lazy);
	}
	mh_sigma_free(eager);
}

/* MARK: - correlations */

struct tev {
	int64_t ts;
	const char *kv[12];
};

static struct mh_findings run(struct mh_sigma *s, const struct tev *e, size_t n)
{
	struct mh_analytic_conf conf = {0};
	conf.sigma = s;
	void *acc[2];
	struct mh_err err;
	assert_int_equal(mh_analytic_sigma.create(&acc[0], &conf, &err), MH_OK);
	assert_int_equal(mh_analytic_sigma.create(&acc[1], &conf, &err), MH_OK);
	/* two workers, events handed out alternately in reverse order: the
	 * engine must sort by time itself */
	for (size_t i = n; i-- > 0;) {
		struct mh_field f[12];
		struct mh_event ev;
		make_event(&ev, f, 12, e[i].kv);
		ev.ts = e[i].ts;
		ev.index = i;
		assert_int_equal(mh_analytic_sigma.event(acc[i & 1], &ev, &err),
		                 MH_OK);
	}
	assert_int_equal(mh_analytic_sigma.merge(acc[0], acc[1]), MH_OK);
	struct mh_findings l = {0};
	assert_int_equal(mh_analytic_sigma.findings(acc[0], &l), MH_OK);
	mh_analytic_sigma.destroy(acc[0]);
	mh_analytic_sigma.destroy(acc[1]);
	return l;
}

static const char *base_rules =
        "title: Single failed login\nid: f1\nname: failed_login\n"
        "logsource:\n    product: windows\n    service: security\n"
        "detection:\n    selection:\n        EventID:\n            - 529\n"
        "            - 4625\n    condition: selection\n---\n"
        "title: Successful login\nid: s1\nname: successful_login\n"
        "logsource:\n    product: windows\n    service: security\n"
        "detection:\n    selection:\n        EventID:\n            - 528\n"
        "            - 4624\n    condition: selection\n";

#define FAIL(u)                                                                \
	"Event.System.Channel", "Security", "Event.System.EventID", "4625",    \
	        "Event.EventData.User", u
#define OK(u)                                                                  \
	"Event.System.Channel", "Security", "Event.System.EventID", "4624",    \
	        "Event.EventData.User", u

static struct mh_sigma *corr(const char *c)
{
	static char y[8192];
	snprintf(y, sizeof(y), "%s---\n%s", base_rules, c);
	struct mh_sigma *s = load(y);
	if (s->nrefused)
		fail_msg("refused: %s", s->refused[0].reason);
	return s;
}

static const struct mh_finding *find(const struct mh_findings *l,
                                     const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i]->rule_id, id))
			return l->v[i];
	return NULL;
}

static void test_event_count_sliding(void **st)
{
	(void)st;
	struct mh_sigma *s = corr(
	        "title: Many failed\nid: c1\nlevel: high\ncorrelation:\n"
	        "    type: event_count\n    rules:\n        - failed_login\n"
	        "    group-by:\n        - User\n    timespan: 1h\n"
	        "    condition:\n        gte: 3\n");
	/* three failures straddling a full hour (10:50, 11:05, 11:20): a
	 * fixed-bucket engine sees 1 + 2 and misses it */
	int64_t t0 = 1700000000 - 1700000000 % 3600 + 3000;
	struct tev e[] = {
	        {t0, {FAIL("bob"), NULL}},
	        {t0 + 900, {FAIL("bob"), NULL}},
	        {t0 + 1800, {FAIL("bob"), NULL}},
	        {t0, {FAIL("eve"), NULL}},
	        {t0 + 3700, {FAIL("eve"), NULL}}, /* outside the hour */
	        {t0 + 7400, {FAIL("eve"), NULL}},
	};
	struct mh_findings l = run(s, e, 6);
	const struct mh_finding *f = find(&l, "c1");
	assert_non_null(f);
	assert_int_equal(f->level, MH_LEVEL_HIGH);
	assert_string_equal(mh_finding_attr_get(f, "group"), "bob");
	assert_int_equal(f->counts[0].value, 3);
	/* eve never has 3 within an hour; the base rule alone is not
	 * reported (no generate) */
	size_t c1 = 0;
	for (size_t i = 0; i < l.n; i++)
		c1 += !strcmp(l.v[i]->rule_id, "c1");
	assert_int_equal(c1, 1);
	assert_null(find(&l, "f1"));
	mh_findings_release(&l);
	mh_sigma_free(s);
}

static void test_value_count_and_metrics(void **st)
{
	(void)st;
	struct mh_sigma *s = corr(
	        "title: spray\nid: c2\ncorrelation:\n    type: value_count\n"
	        "    rules: failed_login\n    group-by: Computer\n"
	        "    timespan: 10m\n    condition:\n        field: User\n"
	        "        gte: 3\n");
	struct tev e[] = {
	        {100, {FAIL("a"), "Event.System.Computer", "h1", NULL}},
	        {110, {FAIL("a"), "Event.System.Computer", "h1", NULL}},
	        {120, {FAIL("b"), "Event.System.Computer", "h1", NULL}},
	        {130, {FAIL("c"), "Event.System.Computer", "h1", NULL}},
	        {100, {FAIL("a"), "Event.System.Computer", "h2", NULL}},
	        {130, {FAIL("b"), "Event.System.Computer", "h2", NULL}},
	};
	struct mh_findings l = run(s, e, 6);
	const struct mh_finding *f = find(&l, "c2");
	assert_non_null(f);
	assert_string_equal(mh_finding_attr_get(f, "group"), "h1");
	mh_findings_release(&l);
	mh_sigma_free(s);

	static const struct {
		const char *type, *cond;
		int fires;
	} m[] = {
	        {"value_sum", "gt: 1000", 1},
	        {"value_sum", "gt: 5000", 0},
	        {"value_avg", "gte: 500", 1},
	        {"value_avg", "gt: 900", 0},
	        {"value_percentile", "lte: 40", 1},
	        {"value_percentile", "lte: 10", 0},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char c[1024];
		snprintf(c, sizeof(c),
		         "title: m\nid: c3\ncorrelation:\n    type: %s\n"
		         "    rules: failed_login\n    group-by: User\n"
		         "    timespan: 1h\n    condition:\n"
		         "        field: Bytes\n        %s\n",
		         m[i].type, m[i].cond);
		s = corr(c);
		struct tev b[] = {
		        {10, {FAIL("u"), "Event.EventData.Bytes", "800", NULL}},
		        {20, {FAIL("u"), "Event.EventData.Bytes", "400", NULL}},
		        {30, {FAIL("u"), "Event.EventData.Bytes", "400", NULL}},
		};
		/* percentile: the value 800 is 1 of 1, then 400 is 1 of 2 (50 %),
		 * then 2 of 3 (67 %); sum 1600, avg 533 */
		l = run(s, b, 3);
		if (!!find(&l, "c3") != m[i].fires)
			fail_msg("%s %s", m[i].type, m[i].cond);
		mh_findings_release(&l);
		mh_sigma_free(s);
	}
}

static void test_temporal(void **st)
{
	(void)st;
	const char *ord =
	        "title: brute then success\nid: c4\nlevel: high\n"
	        "correlation:\n    type: temporal_ordered\n    rules:\n"
	        "        - failed_login\n        - successful_login\n"
	        "    group-by:\n        - User\n    timespan: 10m\n";
	struct mh_sigma *s = corr(ord);
	struct tev in_order[] = {
	        {100, {FAIL("bob"), NULL}},
	        {200, {OK("bob"), NULL}},
	};
	struct tev reversed[] = {
	        {100, {OK("bob"), NULL}},
	        {200, {FAIL("bob"), NULL}},
	};
	struct tev too_late[] = {
	        {100, {FAIL("bob"), NULL}},
	        {100 + 601, {OK("bob"), NULL}},
	};
	struct mh_findings l = run(s, in_order, 2);
	assert_non_null(find(&l, "c4"));
	mh_findings_release(&l);
	l = run(s, reversed, 2);
	assert_null(find(&l, "c4"));
	mh_findings_release(&l);
	l = run(s, too_late, 2);
	assert_null(find(&l, "c4"));
	mh_findings_release(&l);
	mh_sigma_free(s);
	/* temporal: any order */
	s = corr("title: both\nid: c5\ncorrelation:\n    type: temporal\n"
	         "    rules:\n        - failed_login\n        - "
	         "successful_login\n    group-by: User\n    timespan: 10m\n");
	l = run(s, reversed, 2);
	assert_non_null(find(&l, "c5"));
	mh_findings_release(&l);
	struct tev other_user[] = {
	        {100, {OK("bob"), NULL}},
	        {200, {FAIL("eve"), NULL}},
	};
	l = run(s, other_user, 2);
	assert_null(find(&l, "c5"));
	mh_findings_release(&l);
	mh_sigma_free(s);
	/* the specification's chain: many failed (event_count) then a
	 * success, with aliases on a temporal correlation */
	s = corr("title: chain\nid: c6\ncorrelation:\n    type: "
	         "temporal_ordered\n"
	         "    rules:\n        - many_failed\n        - "
	         "successful_login\n"
	         "    group-by:\n        - User\n    timespan: 10m\n---\n"
	         "title: many failed\nid: c7\nname: many_failed\ncorrelation:\n"
	         "    type: event_count\n    rules:\n        - failed_login\n"
	         "    group-by:\n        - User\n    timespan: 10m\n"
	         "    condition:\n        gte: 2\n");
	struct tev chain[] = {
	        {100, {FAIL("bob"), NULL}},
	        {110, {FAIL("bob"), NULL}},
	        {200, {OK("bob"), NULL}},
	};
	l = run(s, chain, 3);
	assert_non_null(find(&l, "c6"));
	assert_null(find(&l, "c7")); /* inner correlation: not alone */
	mh_findings_release(&l);
	l = run(s, in_order, 2); /* one failure is not many */
	assert_null(find(&l, "c6"));
	mh_findings_release(&l);
	mh_sigma_free(s);
	/* aliases */
	s = corr("title: al\nid: c8\ncorrelation:\n    type: temporal\n"
	         "    rules:\n        - failed_login\n        - "
	         "successful_login\n    group-by:\n        - who\n"
	         "    timespan: 10m\n    aliases:\n        who:\n"
	         "            failed_login: TargetUserName\n"
	         "            successful_login: SubjectUserName\n");
	struct tev al[] = {
	        {100,
	         {FAIL("x"), "Event.EventData.TargetUserName", "bob", NULL}},
	        {200,
	         {OK("y"), "Event.EventData.SubjectUserName", "BOB", NULL}},
	};
	l = run(s, al, 2);
	assert_non_null(find(&l, "c8"));
	mh_findings_release(&l);
	mh_sigma_free(s);
}

static void test_mail(void **st)
{
	(void)st;
	struct mh_sigma *s =
	        load("title: t\nlogsource:\n    category: mail\ndetection:\n"
	             "    selection:\n        X-Forwarded-To|exists: true\n"
	             "        Subject|startswith: 'FW:'\n    condition: "
	             "selection\n");
	assert_int_equal(s->mail_rules, 1);
	struct mh_field f[4];
	struct mh_event ev;
	const char *kv[] = {"Subject", "fw: numbers", "X-Forwarded-To",
	                    "x@evil.example", NULL};
	make_event(&ev, f, 4, kv);
	ev.kind = MH_EV_MAIL;
	struct mh_sigma_ctx *c;
	assert_int_equal(mh_sigma_ctx_new(s, &c), MH_OK);
	const uint32_t *m;
	size_t n;
	assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
	assert_int_equal(n, 1);
	ev.kind = MH_EV_WINEVENT; /* not mail: the logsource does not hold */
	assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
	assert_int_equal(n, 0);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);
	/* rules of no mail logsource: mail is not even looked at */
	s = load(rule(SEL("        Subject|startswith: 'FW:'\n")));
	assert_int_equal(s->mail_rules, 0);
	ev.kind = MH_EV_MAIL;
	assert_int_equal(mh_sigma_ctx_new(s, &c), MH_OK);
	assert_int_equal(mh_sigma_match(c, &ev, &m, &n), MH_OK);
	assert_int_equal(n, 0);
	mh_sigma_ctx_free(c);
	mh_sigma_free(s);
}

static void test_attribution(void **st)
{
	(void)st;
	struct mh_arena a;
	mh_arena_init(&a, 4096, 0);
	assert_string_equal(
	        mh_sigma_link(&a, "/x/sigma/rules/windows/a/b.yml"),
	        "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/a/"
	        "b.yml");
	assert_string_equal(
	        mh_sigma_link(&a, "s/rules-threat-hunting/cloud/m365/x.yml"),
	        "https://github.com/SigmaHQ/sigma/blob/master/"
	        "rules-threat-hunting/cloud/m365/x.yml");
	assert_null(mh_sigma_link(&a, "/home/me/my-rules/x.yml"));
	assert_null(mh_sigma_link(&a, "rules"));
	mh_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain_and_wildcards),
	        cmocka_unit_test(test_string_modifiers),
	        cmocka_unit_test(test_contains_anchor),
	        cmocka_unit_test(test_re),
	        cmocka_unit_test(test_special_values),
	        cmocka_unit_test(test_numbers_cidr_fieldref),
	        cmocka_unit_test(test_expand),
	        cmocka_unit_test(test_keywords),
	        cmocka_unit_test(test_conditions),
	        cmocka_unit_test(test_cond_parser),
	        cmocka_unit_test(test_multidoc_and_filter),
	        cmocka_unit_test(test_logsource_shapes),
	        cmocka_unit_test(test_purview_raw),
	        cmocka_unit_test(test_audit_judge),
	        cmocka_unit_test(test_audit_gate),
	        cmocka_unit_test(test_lazy_prefilter),
	        cmocka_unit_test(test_common_atoms),
	        cmocka_unit_test(test_eventid_gate),
	        cmocka_unit_test(test_event_count_sliding),
	        cmocka_unit_test(test_value_count_and_metrics),
	        cmocka_unit_test(test_temporal),
	        cmocka_unit_test(test_mail),
	        cmocka_unit_test(test_attribution),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
