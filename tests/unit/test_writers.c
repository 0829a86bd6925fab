/* Writers end to end in memory: findings shaped like the forwarding
 * analysis makes them (MH-FWD-EXT, alice@corp.example forwarding to
 * attacker@evil.example) with hostile header lines, written as table,
 * JSONL and CSV to a memory stream and compared byte for byte. JSONL lines
 * also go through a strict JSON validator written here, CSV through a
 * strict RFC 4180 record parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "event/event.h"
#include "finding/finding.h"
#include "writers/writer.h"

/* MARK: - findings */

static char *dup(const char *s)
{
	if (!s)
		return NULL;
	char *p = strdup(s);
	assert_non_null(p);
	return p;
}

static void add_evidence(struct mh_finding *f, const char *file, uint64_t off,
                         unsigned line, const char *mid, const char *hdr,
                         int64_t ts)
{
	struct mh_evidence *v =
	        realloc(f->evidence, (f->nevidence + 1) * sizeof(*v));
	assert_non_null(v);
	f->evidence = v;
	v += f->nevidence++;
	memset(v, 0, sizeof(*v));
	v->file = dup(file);
	v->offset = off;
	v->line = line;
	v->message_id = dup(mid);
	v->header = dup(hdr);
	v->ts = ts;
}

#define T0 INT64_C(1709632800) /* 2024-03-05T10:00:00Z */
#define T1 INT64_C(1710064800) /* 2024-03-10T10:00:00Z */

/* The header an attacker controls: a formula as the local part, a screen
 * clear, a window-title OSC ended by BEL and a right-to-left override. */
#define HOSTILE_HDR                                                            \
	"X-Forwarded-To: "                                                     \
	"\"=HYPERLINK(\\\"http://evil.example\\\")\"@evil.example"             \
	" (\x1b[2J\x1b]0;pwned\x07 \xe2\x80\xae)"

static struct mh_finding *mk_ext(void)
{
	struct mh_finding *f = mh_finding_new();
	assert_non_null(f);
	assert_int_equal(mh_finding_set_rule(f, "MH-FWD-EXT",
	                                     "External auto-forwarding",
	                                     "T1114.003", "collection"),
	                 MH_OK);
	f->level = MH_LEVEL_HIGH;
	f->mailbox = dup("alice@corp.example");
	f->destination = dup("attacker@evil.example");
	f->dest_domain = dup("evil.example");
	f->mechanism = dup("exchange-inbox-rule");
	f->external = 1;
	mh_finding_count(f, "auto_forwarded", 4);
	mh_finding_count(f, "looks_forwarded", 3);
	f->first_seen = T0;
	f->last_seen = T1;
	f->summary = dup("4 messages auto-forwarded from alice@corp.example "
	                 "to attacker@evil.example between 2024-03-05 and "
	                 "2024-03-10 (external); 3 of them look forwarded");
	f->remediation = dup("Get-InboxRule -Mailbox <mailbox> -IncludeHidden"
	                     " | fl Name,ForwardTo; remove the rule, revoke "
	                     "sessions (ATT&CK M1047).");
	add_evidence(f, "/cases/alice,inbox.mbox", 0, 7, "\x1b[2Jid@x",
	             HOSTILE_HDR, T0);
	add_evidence(f, "/cases/alice.mbox", 4096, 0, NULL,
	             "X-Forwarded-For: alice@corp.example "
	             "attacker@evil.example",
	             MH_TS_NONE);
	add_evidence(f,
	             "/cases/\xff"
	             "bad.eml",
	             0, 3, "4@corp.example",
	             "Subject: -2+3 \xe2\x80\xa8 </script>", T1);
	add_evidence(f, "/cases/alice.mbox", 9000, 12, "3@corp.example", NULL,
	             T1);
	mh_finding_set_id(f);
	return f;
}

static struct mh_finding *mk_int(void)
{
	struct mh_finding *f = mh_finding_new();
	assert_non_null(f);
	assert_int_equal(mh_finding_set_rule(f, "MH-FWD-INT",
	                                     "Internal auto-forwarding",
	                                     "T1114.003", "collection"),
	                 MH_OK);
	f->level = MH_LEVEL_LOW;
	f->mailbox = dup("bob@corp.example");
	f->destination = dup("carol@corp.example");
	f->dest_domain = dup("corp.example");
	f->external = 0;
	mh_finding_count(f, "auto_forwarded", 1);
	f->first_seen = MH_TS_NONE;
	f->last_seen = MH_TS_NONE;
	f->summary = dup("1 message auto-forwarded from bob@corp.example to "
	                 "carol@corp.example (internal)");
	f->remediation = dup("Confirm with the mailbox owner.");
	mh_finding_set_id(f);
	return f;
}

/* Unknown mailbox and direction; formula-shaped strings everywhere. */
static struct mh_finding *mk_odd(void)
{
	struct mh_finding *f = mh_finding_new();
	assert_non_null(f);
	assert_int_equal(
	        mh_finding_set_rule(f, "MH-FWD-UNKNOWN",
	                            "Forwarding header without a mailbox",
	                            "T1114.003", "collection"),
	        MH_OK);
	f->level = MH_LEVEL_INFO;
	f->destination = dup("=cmd|' /C calc'!A0@evil.example");
	f->mechanism = dup("@SUM(1+1)");
	f->external = -1;
	f->first_seen = T1;
	f->last_seen = MH_TS_NONE;
	f->summary = dup("-2+3\tforwarded");
	f->actor = dup("\x1b]0;x\x07"
	               "admin");
	f->client_ip = dup("[::ffff:1.2.3.4]:443");
	f->app = dup("=1+1");
	assert_int_equal(mh_finding_attr(f, "rule_name", "..\"}"), MH_OK);
	assert_int_equal(mh_finding_attr(f, "actions", "ForwardTo=a@x"), MH_OK);
	assert_int_equal(mh_finding_attr(f, "rule_name", NULL), MH_OK);
	assert_int_equal(mh_finding_attr(f, "actions", "DeleteMessage=True"),
	                 MH_OK);
	add_evidence(f, "/cases/x.eml", 0, 0, NULL, NULL, MH_TS_NONE);
	f->evidence[0].record = 7;
	f->evidence[0].fields = dup("Operation=New-InboxRule; Name=\x1b[2J");
	mh_finding_set_id(f);
	return f;
}

static void mk_all(struct mh_findings *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(mh_findings_push(l, mk_odd()), MH_OK);
	assert_int_equal(mh_findings_push(l, mk_int()), MH_OK);
	assert_int_equal(mh_findings_push(l, mk_ext()), MH_OK);
	mh_findings_sort(l);
}

static size_t render_hidden; /* opts.hidden for the next render() */
static int render_nothing;   /* opts.nothing_read for the next render() */

/* Runs a writer over the list into memory; returns malloc'd output. */
static char *render(const char *fmt, int color, const struct mh_findings *l,
                    size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	assert_non_null(out);
	struct mh_writer w;
	struct mh_writer_opts o = {.color = color,
	                           .tool_version = "test",
	                           .hidden = render_hidden,
	                           .nothing_read = render_nothing};
	assert_int_equal(mh_writer_init(&w, fmt, out, &o), MH_OK);
	assert_int_equal(w.ops->begin(&w), MH_OK);
	for (size_t i = 0; l && i < l->n; i++)
		assert_int_equal(w.ops->finding(&w, l->v[i]), MH_OK);
	assert_int_equal(w.ops->finish(&w, l ? l->n : 0), MH_OK);
	assert_null(w.state);
	mh_writer_release(&w);
	assert_int_equal(fclose(out), 0);
	*len = n;
	return text;
}

/* MARK: - strict JSON validator (RFC 8259) */

struct jp {
	const unsigned char *p, *e;
	int depth;
	const char *keys[32]; /* top-level keys in order (into the input) */
	size_t keylen[32];
	int nkeys;
};

/* Length of a valid UTF-8 sequence (RFC 3629 table), 0 when invalid. */
static size_t u8len(const unsigned char *p, const unsigned char *e)
{
	unsigned c = p[0];
	size_t k;
	unsigned lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	if (c == 0xed)
		hi = 0x9f;
	if (c == 0xf0)
		lo = 0x90;
	if (c == 0xf4)
		hi = 0x8f;
	if ((size_t)(e - p) < k || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return k;
}

static void j_ws(struct jp *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	                       *j->p == '\r'))
		j->p++;
}

static int j_hex4(struct jp *j, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, j->p++) {
		if (j->p >= j->e)
			return -1;
		unsigned c = *j->p, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v * 16 + d;
	}
	return 0;
}

static int j_string(struct jp *j)
{
	if (j->p >= j->e || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->e) {
		unsigned c = *j->p;
		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			size_t k = u8len(j->p, j->e);
			if (!k)
				return -1;
			j->p += k;
			continue;
		}
		if (++j->p >= j->e)
			return -1;
		c = *j->p++;
		if (c == 'u') {
			unsigned v, w;
			if (j_hex4(j, &v))
				return -1;
			if (v >= 0xdc00 && v <= 0xdfff)
				return -1; /* lone low surrogate */
			if (v >= 0xd800 && v <= 0xdbff) {
				if (j->e - j->p < 2 || j->p[0] != '\\' ||
				    j->p[1] != 'u')
					return -1;
				j->p += 2;
				if (j_hex4(j, &w) || w < 0xdc00 || w > 0xdfff)
					return -1;
			}
		} else if (!strchr("\"\\/bfnrt", (int)c) || !c) {
			return -1;
		}
	}
	return -1;
}

static int j_digits(struct jp *j)
{
	const unsigned char *s = j->p;
	while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : -1;
}

static int j_number(struct jp *j)
{
	if (j->p < j->e && *j->p == '-')
		j->p++;
	if (j->p < j->e && *j->p == '0')
		j->p++;
	else if (j_digits(j))
		return -1;
	if (j->p < j->e && *j->p == '.') {
		j->p++;
		if (j_digits(j))
			return -1;
	}
	if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->e && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j_digits(j))
			return -1;
	}
	return 0;
}

static int j_lit(struct jp *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->e - j->p) < n || memcmp(j->p, w, n))
		return -1;
	j->p += n;
	return 0;
}

static int j_value(struct jp *j);

static int j_object(struct jp *j)
{
	j->p++;
	j_ws(j);
	if (j->p < j->e && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		j_ws(j);
		const unsigned char *k = j->p;
		if (j_string(j))
			return -1;
		if (j->depth == 1 && j->nkeys < 32) {
			j->keys[j->nkeys] = (const char *)k + 1;
			j->keylen[j->nkeys++] = (size_t)(j->p - k) - 2;
		}
		j_ws(j);
		if (j->p >= j->e || *j->p++ != ':')
			return -1;
		if (j_value(j))
			return -1;
		j_ws(j);
		if (j->p >= j->e)
			return -1;
		if (*j->p == '}') {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

static int j_array(struct jp *j)
{
	j->p++;
	j_ws(j);
	if (j->p < j->e && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		if (j_value(j))
			return -1;
		j_ws(j);
		if (j->p >= j->e)
			return -1;
		if (*j->p == ']') {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

static int j_value(struct jp *j)
{
	int rc;
	j_ws(j);
	if (j->p >= j->e || j->depth > 64)
		return -1;
	j->depth++;
	switch (*j->p) {
	case '{': rc = j_object(j); break;
	case '[': rc = j_array(j); break;
	case '"': rc = j_string(j); break;
	case 't': rc = j_lit(j, "true"); break;
	case 'f': rc = j_lit(j, "false"); break;
	case 'n': rc = j_lit(j, "null"); break;
	default: rc = j_number(j); break;
	}
	j->depth--;
	return rc;
}

/* 0 when [p, p+n) is exactly one JSON value (with optional white space). */
static int json_valid(const char *p, size_t n, struct jp *j)
{
	memset(j, 0, sizeof(*j));
	j->p = (const unsigned char *)p;
	j->e = j->p + n;
	if (j_value(j))
		return -1;
	j_ws(j);
	return j->p == j->e ? 0 : -1;
}

static void test_json_validator_rejects(void **state)
{
	(void)state;
	struct jp j;
	static const char *const bad[] = {
	        "{\"a\":1,}",   "{\"a\" 1}",
	        "[1,]",         "\"\x01\"",
	        "\"\\x41\"",    "\"\\ud800\"",
	        "\"\\udc00\"",  "\"\xff\"",
	        "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
	        "01",           "1.",
	        "tru",          "{} {}",
	        "\"abc",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(json_valid(bad[i], strlen(bad[i]), &j), -1);
	static const char *const good[] = {
	        "{\"a\":[1,-2.5e+3,true,false,null],\"b\":{}}",
	        "\"\\ud83d\\ude00 \\u00e9 \xc3\xa9 \\/\"",
	        " [ ] ",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(json_valid(good[i], strlen(good[i]), &j), 0);
}

/* MARK: - strict CSV record parser (RFC 4180) */

/* Parses text as CSV records, each of which must be exactly one physical
 * line ending in CRLF. Stores the field count of each record in nf (up to
 * max records); returns the number of records or -1 when malformed. Also
 * fails when any field value starts like a spreadsheet formula. */
static int csv_records(const char *s, size_t n, int *nf, int max)
{
	size_t i = 0;
	int nrec = 0;
	while (i < n) {
		int fields = 0;
		for (;;) {
			char val0 = 0;
			size_t vlen = 0;
			if (i < n && s[i] == '"') {
				for (i++;; i++) {
					if (i >= n)
						return -1;
					if (s[i] == '\r' || s[i] == '\n')
						return -1; /* one line */
					if (s[i] != '"') {
						val0 = vlen++ ? val0 : s[i];
						continue;
					}
					if (i + 1 < n && s[i + 1] == '"') {
						val0 = vlen++ ? val0 : '"';
						i++;
						continue;
					}
					i++;
					break;
				}
			} else {
				for (; i < n && s[i] != ',' && s[i] != '\r';
				     i++) {
					if (s[i] == '"' || s[i] == '\n')
						return -1;
					val0 = vlen++ ? val0 : s[i];
				}
			}
			fields++;
			if (val0 && strchr("=+-@\t\r", val0))
				return -1;
			if (i < n && s[i] == ',') {
				i++;
				continue;
			}
			if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n') {
				i += 2;
				break;
			}
			return -1;
		}
		if (nrec < max)
			nf[nrec] = fields;
		nrec++;
	}
	return nrec;
}

static void test_csv_parser_rejects(void **state)
{
	(void)state;
	int nf[4];
	assert_int_equal(csv_records("a,b\r\n", 5, nf, 4), 1);
	assert_int_equal(nf[0], 2);
	assert_int_equal(csv_records("\"a\"\"b\",c\r\n", 10, nf, 4), 1);
	assert_int_equal(csv_records("a,b\n", 4, nf, 4), -1);
	assert_int_equal(csv_records("\"a\r\nb\"\r\n", 9, nf, 4), -1);
	assert_int_equal(csv_records("a\"b\r\n", 5, nf, 4), -1);
	assert_int_equal(csv_records("x,=1+1\r\n", 8, nf, 4), -1);
	assert_int_equal(csv_records("\"@x\"\r\n", 6, nf, 4), -1);
	assert_int_equal(csv_records("'=1\r\n", 5, nf, 4), 1);
}

/* MARK: - expected outputs */

static const char want_jsonl[] =
        "{\"schema\":2,\"type\":\"finding\",\"id\":\"ID_EXT\","
        "\"rule_id\":\"MH-FWD-EXT\",\"title\":\"External auto-forwarding\","
        "\"technique\":\"T1114.003\",\"tactic\":\"collection\","
        "\"level\":\"high\",\"mailbox\":\"alice@corp.example\","
        "\"destination\":\"attacker@evil.example\","
        "\"dest_domain\":\"evil.example\",\"external\":true,"
        "\"mechanism\":\"exchange-inbox-rule\","
        "\"actor\":null,\"client_ip\":null,\"app\":null,"
        "\"counts\":{\"auto_forwarded\":4,\"looks_forwarded\":3},"
        "\"first_seen\":\"2024-03-05T10:00:00Z\","
        "\"last_seen\":\"2024-03-10T10:00:00Z\","
        "\"summary\":\"4 messages auto-forwarded from alice@corp.example to "
        "attacker@evil.example between 2024-03-05 and 2024-03-10 "
        "(external); 3 of them look forwarded\","
        "\"remediation\":\"Get-InboxRule -Mailbox <mailbox> -IncludeHidden "
        "| fl Name,ForwardTo; remove the rule, revoke sessions (ATT&CK "
        "M1047).\",\"details\":{},"
        "\"evidence\":["
        "{\"file\":\"/cases/alice,inbox.mbox\",\"offset\":0,\"line\":7,"
        "\"message_id\":\"\\u001b[2Jid@x\","
        "\"header\":\"X-Forwarded-To: "
        "\\\"=HYPERLINK(\\\\\\\"http://evil.example\\\\\\\")\\\"@evil.example"
        " (\\u001b[2J\\u001b]0;pwned\\u0007 \\u202e)\","
        "\"ts\":\"2024-03-05T10:00:00Z\",\"record\":null,\"fields\":null},"
        "{\"file\":\"/cases/alice.mbox\",\"offset\":4096,\"line\":0,"
        "\"message_id\":null,\"header\":\"X-Forwarded-For: "
        "alice@corp.example attacker@evil.example\",\"ts\":null,"
        "\"record\":null,\"fields\":null},"
        "{\"file\":\"/cases/\xef\xbf\xbd"
        "bad.eml\",\"offset\":0,\"line\":3,"
        "\"message_id\":\"4@corp.example\","
        "\"header\":\"Subject: -2+3 \\u2028 </script>\","
        "\"ts\":\"2024-03-10T10:00:00Z\",\"record\":null,\"fields\":null},"
        "{\"file\":\"/cases/alice.mbox\",\"offset\":9000,\"line\":12,"
        "\"message_id\":\"3@corp.example\",\"header\":null,"
        "\"ts\":\"2024-03-10T10:00:00Z\",\"record\":null,\"fields\":null}]}\n"
        "{\"schema\":2,\"type\":\"finding\",\"id\":\"ID_INT\","
        "\"rule_id\":\"MH-FWD-INT\",\"title\":\"Internal auto-forwarding\","
        "\"technique\":\"T1114.003\",\"tactic\":\"collection\","
        "\"level\":\"low\",\"mailbox\":\"bob@corp.example\","
        "\"destination\":\"carol@corp.example\","
        "\"dest_domain\":\"corp.example\",\"external\":false,"
        "\"mechanism\":null,\"actor\":null,\"client_ip\":null,"
        "\"app\":null,\"counts\":{\"auto_forwarded\":1},"
        "\"first_seen\":null,\"last_seen\":null,"
        "\"summary\":\"1 message auto-forwarded from bob@corp.example to "
        "carol@corp.example (internal)\","
        "\"remediation\":\"Confirm with the mailbox owner.\","
        "\"details\":{},\"evidence\":[]}\n"
        "{\"schema\":2,\"type\":\"finding\",\"id\":\"ID_ODD\","
        "\"rule_id\":\"MH-FWD-UNKNOWN\","
        "\"title\":\"Forwarding header without a mailbox\","
        "\"technique\":\"T1114.003\",\"tactic\":\"collection\","
        "\"level\":\"informational\",\"mailbox\":null,"
        "\"destination\":\"=cmd|' /C calc'!A0@evil.example\","
        "\"dest_domain\":null,\"external\":null,"
        "\"mechanism\":\"@SUM(1+1)\",\"actor\":\"\\u001b]0;x\\u0007admin\","
        "\"client_ip\":\"[::ffff:1.2.3.4]:443\",\"app\":\"=1+1\",\"counts\":{},"
        "\"first_seen\":\"2024-03-10T10:00:00Z\",\"last_seen\":null,"
        "\"summary\":\"-2+3\\tforwarded\",\"remediation\":null,"
        "\"details\":{\"rule_name\":\"..\\\"}\",\"actions\":\"ForwardTo=a@x; "
        "DeleteMessage=True\"},"
        "\"evidence\":[{\"file\":\"/cases/x.eml\",\"offset\":0,\"line\":0,"
        "\"message_id\":null,\"header\":null,\"ts\":null,\"record\":7,"
        "\"fields\":\"Operation=New-InboxRule; Name=\\u001b[2J\"}]}\n";

static const char want_csv[] =
        "id,level,rule_id,title,technique,tactic,mailbox,destination,"
        "dest_domain,external,mechanism,counts,first_seen,last_seen,summary,"
        "evidence_count,evidence_file,evidence_offset,evidence_message_id,"
        "evidence_header,remediation,actor,client_ip,app,details,"
        "evidence_record,evidence_fields\r\n"
        "ID_EXT,high,MH-FWD-EXT,External auto-forwarding,T1114.003,"
        "collection,alice@corp.example,attacker@evil.example,evil.example,"
        "true,exchange-inbox-rule,auto_forwarded=4;looks_forwarded=3,"
        "2024-03-05T10:00:00Z,2024-03-10T10:00:00Z,"
        "4 messages auto-forwarded from alice@corp.example to "
        "attacker@evil.example between 2024-03-05 and 2024-03-10 "
        "(external); 3 of them look forwarded,"
        "4,\"/cases/alice,inbox.mbox\",0,\\x1b[2Jid@x,"
        "\"X-Forwarded-To: \"\"=HYPERLINK(\\\\\"\"http://evil.example"
        "\\\\\"\")\"\"@evil.example (\\x1b[2J\\x1b]0;pwned\\x07 \\u202e)\","
        "\"Get-InboxRule -Mailbox <mailbox> -IncludeHidden | fl "
        "Name,ForwardTo; remove the rule, revoke sessions (ATT&CK "
        "M1047).\",,,,,,\r\n"
        "ID_INT,low,MH-FWD-INT,Internal auto-forwarding,T1114.003,"
        "collection,bob@corp.example,carol@corp.example,corp.example,false,,"
        "auto_forwarded=1,,,1 message auto-forwarded from bob@corp.example "
        "to carol@corp.example (internal),0,,,,,"
        "Confirm with the mailbox owner.,,,,,,\r\n"
        "ID_ODD,informational,MH-FWD-UNKNOWN,"
        "Forwarding header without a mailbox,T1114.003,collection,,"
        "'=cmd|' /C calc'!A0@evil.example,,,'@SUM(1+1),,"
        "2024-03-10T10:00:00Z,,'-2+3\\tforwarded,1,/cases/x.eml,0,,,,"
        "\\x1b]0;x\\x07admin,[::ffff:1.2.3.4]:443,'=1+1,"
        "\"rule_name: ..\"\"} | actions: ForwardTo=a@x; DeleteMessage=True\","
        "7,Operation=New-InboxRule; Name=\\x1b[2J\r\n";

static const char want_table[] =
        "== HIGH ==\n"
        "[high] External auto-forwarding  (MH-FWD-EXT, T1114.003 "
        "collection)\n"
        "  alice@corp.example -> attacker@evil.example  [external]\n"
        "  mechanism: exchange-inbox-rule\n"
        "  counts: auto_forwarded=4 looks_forwarded=3\n"
        "  seen: 2024-03-05T10:00:00Z .. 2024-03-10T10:00:00Z\n"
        "  4 messages auto-forwarded from alice@corp.example to "
        "attacker@evil.example between 2024-03-05 and 2024-03-10 "
        "(external); 3 of them look forwarded\n"
        "  evidence: /cases/alice,inbox.mbox @0 <\\x1b[2Jid@x>\n"
        "    X-Forwarded-To: \"=HYPERLINK(\\\\\"http://evil.example\\\\\")\""
        "@evil.example (\\x1b[2J\\x1b]0;pwned\\x07 \\u202e)\n"
        "  evidence: /cases/alice.mbox @4096\n"
        "    X-Forwarded-For: alice@corp.example attacker@evil.example\n"
        "  evidence: /cases/\\xffbad.eml @0 <4@corp.example>\n"
        "    Subject: -2+3 \\u2028 </script>\n"
        "  (1 more evidence items in --format jsonl)\n"
        "  what to do: Get-InboxRule -Mailbox <mailbox> -IncludeHidden | fl "
        "Name,ForwardTo; remove the rule, revoke sessions (ATT&CK M1047).\n"
        "\n"
        "\n"
        "== LOW ==\n"
        "[low] Internal auto-forwarding  (MH-FWD-INT, T1114.003 "
        "collection)\n"
        "  bob@corp.example -> carol@corp.example  [internal]\n"
        "  counts: auto_forwarded=1\n"
        "  1 message auto-forwarded from bob@corp.example to "
        "carol@corp.example (internal)\n"
        "  what to do: Confirm with the mailbox owner.\n"
        "\n"
        "\n"
        "== INFORMATIONAL ==\n"
        "[informational] Forwarding header without a mailbox  "
        "(MH-FWD-UNKNOWN, T1114.003 collection)\n"
        "  - -> =cmd|' /C calc'!A0@evil.example\n"
        "  mechanism: @SUM(1+1)\n"
        "  by: \\x1b]0;x\\x07admin from: [::ffff:1.2.3.4]:443 app: =1+1\n"
        "  rule_name: ..\"}\n"
        "  actions: ForwardTo=a@x; DeleteMessage=True\n"
        "  seen: 2024-03-10T10:00:00Z .. unknown\n"
        "  -2+3\\tforwarded\n"
        "  evidence: /cases/x.eml #7 @0\n"
        "    Operation=New-InboxRule; Name=\\x1b[2J\n"
        "\n"
        "3 findings\n";

/* The expected texts name findings ID_EXT, ID_INT, ID_ODD: put the real
 * ids (hashes) in. */
static char *with_ids(const char *tmpl, const struct mh_findings *l)
{
	size_t n = strlen(tmpl);
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, tmpl, n + 1);
	static const char *const names[] = {"ID_EXT", "ID_INT", "ID_ODD"};
	for (size_t i = 0; i < 3; i++) {
		char *p = strstr(s, names[i]);
		if (!p)
			continue;
		/* Each placeholder stands for a 16-hex id: widen in place. */
		size_t at = (size_t)(p - s), tail = strlen(p + 6);
		s = realloc(s, strlen(s) + 11);
		assert_non_null(s);
		memmove(s + at + 16, s + at + 6, tail + 1);
		memcpy(s + at, l->v[i]->id, 16);
	}
	return s;
}

/* MARK: - tests */

static void test_jsonl(void **state)
{
	(void)state;
	struct mh_findings l;
	mk_all(&l);
	size_t n;
	char *got = render("jsonl", 0, &l, &n);
	char *want = with_ids(want_jsonl, &l);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));

	/* Every line one strict JSON object, keys in the documented order. */
	static const char *const order[] = {
	        "schema",      "type",        "id",          "rule_id",
	        "title",       "technique",   "tactic",      "level",
	        "mailbox",     "destination", "dest_domain", "external",
	        "mechanism",   "actor",       "client_ip",   "app",
	        "counts",      "first_seen",  "last_seen",   "summary",
	        "remediation", "details",     "evidence",
	};
	const size_t nk = sizeof(order) / sizeof(order[0]);
	int lines = 0;
	for (char *p = got, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		struct jp j;
		assert_int_equal(json_valid(p, (size_t)(nl - p), &j), 0);
		assert_int_equal(j.nkeys, (int)nk);
		for (size_t k = 0; k < nk; k++) {
			assert_int_equal(j.keylen[k], strlen(order[k]));
			assert_memory_equal(j.keys[k], order[k], j.keylen[k]);
		}
		lines++;
	}
	assert_int_equal(lines, 3);
	/* No raw control character of any kind, C1 included. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)got[i];
		assert_true(c >= 0x20 || c == '\n');
		assert_true(c != 0x7f);
		assert_false(c == 0xc2 && i + 1 < n &&
		             (unsigned char)got[i + 1] < 0xa0);
	}
	free(got);
	free(want);
	mh_findings_release(&l);
}

static void test_csv(void **state)
{
	(void)state;
	struct mh_findings l;
	mk_all(&l);
	size_t n;
	char *got = render("csv", 0, &l, &n);
	char *want = with_ids(want_csv, &l);
	assert_string_equal(got, want);
	int nf[8];
	assert_int_equal(csv_records(got, n, nf, 8), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(nf[i], 27);
	free(got);
	free(want);
	mh_findings_release(&l);
}

static void test_table(void **state)
{
	(void)state;
	struct mh_findings l;
	mk_all(&l);
	size_t n;
	char *got = render("table", 0, &l, &n);
	assert_string_equal(got, want_table);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)got[i];
		assert_true((c >= 0x20 && c != 0x7f) || c == '\n');
	}

	/* With colour: the same text once the SGR sequences are removed,
	 * and no other ESC. */
	size_t cn;
	char *col = render("table", 1, &l, &cn);
	assert_non_null(strstr(col, "\033[1;31m== HIGH ==\033[0m\n"));
	assert_non_null(strstr(col, "\033[36m[low]\033[0m Internal"));
	char *plain = malloc(cn + 1);
	assert_non_null(plain);
	size_t k = 0;
	for (size_t i = 0; i < cn; i++) {
		if (col[i] == '\033') {
			assert_true(i + 1 < cn && col[i + 1] == '[');
			i += 2;
			while (i < cn && ((col[i] >= '0' && col[i] <= '9') ||
			                  col[i] == ';'))
				i++;
			assert_true(i < cn && col[i] == 'm');
			continue;
		}
		plain[k++] = col[i];
	}
	plain[k] = '\0';
	assert_string_equal(plain, want_table);
	free(plain);
	free(col);
	free(got);
	mh_findings_release(&l);
}

static void test_no_findings(void **state)
{
	(void)state;
	size_t n;
	char *t = render("table", 0, NULL, &n);
	assert_string_equal(t, "no findings: no sign of auto-forwarding "
	                       "(T1114.003) in the mail read\n");
	free(t);
	t = render("jsonl", 0, NULL, &n);
	assert_int_equal(n, 0);
	free(t);
	t = render("csv", 0, NULL, &n);
	int nf[2];
	assert_int_equal(csv_records(t, n, nf, 2), 1);
	assert_int_equal(nf[0], 27);
	free(t);
}

/* Findings left out by --min-level: the table must not claim there are
 * none; the machine formats stay empty (they carry data only). */
static void test_no_findings_hidden(void **state)
{
	(void)state;
	size_t n;
	render_hidden = 2;
	char *t = render("table", 0, NULL, &n);
	assert_string_equal(t, "no findings at or above --min-level; 2 lower "
	                       "findings not shown\n");
	free(t);
	t = render("jsonl", 0, NULL, &n);
	assert_int_equal(n, 0);
	free(t);
	render_hidden = 0;
	/* Nothing could be read: not a clean result. */
	render_nothing = 1;
	t = render("table", 0, NULL, &n);
	assert_string_equal(t, "no findings, and no message could be read: "
	                       "nothing was checked (see the messages "
	                       "above)\n");
	free(t);
	render_nothing = 0;
}

static void test_registry(void **state)
{
	(void)state;
	assert_string_equal(mh_writer_by_name("table")->name, "table");
	assert_string_equal(mh_writer_by_name("jsonl")->name, "jsonl");
	assert_string_equal(mh_writer_by_name("csv")->name, "csv");
	assert_null(mh_writer_by_name("json"));
	assert_null(mh_writer_by_name(NULL));
	struct mh_writer w;
	assert_int_equal(mh_writer_init(&w, "xml", stdout, NULL), MH_ENOTFOUND);
	assert_null(w.ops);
	assert_int_equal(mh_writer_init(&w, "csv", NULL, NULL), MH_EINVAL);
	mh_writer_release(&w);
	mh_writer_release(NULL);

	/* Error path: begin, then release without finish (ASan: no leak). */
	assert_int_equal(mh_writer_init(&w, "table", stdout, NULL), MH_OK);
	assert_int_equal(w.opts.color, 0);
	assert_int_equal(w.ops->begin(&w), MH_OK);
	assert_non_null(w.state);
	mh_writer_release(&w);
	assert_null(w.state);
	/* finding() without begin() is refused, not a crash. */
	struct mh_finding *f = mk_int();
	assert_int_equal(w.ops->finding(&w, f), MH_EINVAL);
	mh_finding_free(f);
}

static void test_iso_time(void **state)
{
	(void)state;
	char s[21];
	assert_int_equal(mh_writer_iso_time(0, s), 1);
	assert_string_equal(s, "1970-01-01T00:00:00Z");
	assert_int_equal(mh_writer_iso_time(-1, s), 1);
	assert_string_equal(s, "1969-12-31T23:59:59Z");
	assert_int_equal(mh_writer_iso_time(951782400, s), 1);
	assert_string_equal(s, "2000-02-29T00:00:00Z");
	assert_int_equal(mh_writer_iso_time(INT64_C(-62167219200), s), 1);
	assert_string_equal(s, "0000-01-01T00:00:00Z");
	assert_int_equal(mh_writer_iso_time(INT64_C(253402300799), s), 1);
	assert_string_equal(s, "9999-12-31T23:59:59Z");
	/* Unknown or beyond four digits: not written. */
	assert_int_equal(mh_writer_iso_time(INT64_C(253402300800), s), 0);
	assert_string_equal(s, "");
	assert_int_equal(mh_writer_iso_time(INT64_C(-62167219201), s), 0);
	assert_int_equal(mh_writer_iso_time(MH_TS_NONE, s), 0);
	assert_int_equal(mh_writer_iso_time(INT64_MAX, s), 0);
	assert_int_equal(mh_writer_iso_time(INT64_MIN + 1, s), 0);
}

/* A stream that refuses writes: every writer reports MH_EIO. */
static void test_write_error(void **state)
{
	(void)state;
	static const char *const fmts[] = {"table", "jsonl", "csv"};
	struct mh_finding *f = mk_ext();
	for (size_t i = 0; i < 3; i++) {
		FILE *ro = fopen("/dev/null", "r");
		assert_non_null(ro);
		struct mh_writer w;
		assert_int_equal(mh_writer_init(&w, fmts[i], ro, NULL), MH_OK);
		int rc = w.ops->begin(&w);
		if (rc == MH_OK)
			rc = w.ops->finding(&w, f);
		if (rc == MH_OK)
			rc = w.ops->finish(&w, 1);
		assert_int_equal(rc, MH_EIO);
		mh_writer_release(&w);
		fclose(ro);
	}
	mh_finding_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_json_validator_rejects),
	        cmocka_unit_test(test_csv_parser_rejects),
	        cmocka_unit_test(test_jsonl),
	        cmocka_unit_test(test_csv),
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_no_findings),
	        cmocka_unit_test(test_no_findings_hidden),
	        cmocka_unit_test(test_registry),
	        cmocka_unit_test(test_iso_time),
	        cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
