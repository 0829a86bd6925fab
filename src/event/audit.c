/* audit.c - helpers of the audit typed view (see audit.h). */
#include "event/audit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/keyset.h"
#include "core/time.h"

/* MARK: - names */

const char *mh_audit_shape_name(int shape)
{
	static const char *const names[MH_AS__COUNT] = {
	        [MH_AS_UNKNOWN] = "unknown",
	        [MH_AS_UAL_API] = "m365-ual-api",
	        [MH_AS_UAL_SEARCH] = "m365-purview",
	        [MH_AS_SENTINEL] = "m365-sentinel",
	        [MH_AS_DEFENDER] = "m365-defender",
	        [MH_AS_GRAPH_AUDIT] = "m365-graph-audit",
	        [MH_AS_ADMIN_AUDIT] = "exchange-admin-audit",
	        [MH_AS_CFG_INBOX_RULE] = "exchange-inbox-rules",
	        [MH_AS_CFG_MAILBOX] = "exchange-mailboxes",
	        [MH_AS_CFG_TRANSPORT_RULE] = "exchange-transport-rules",
	        [MH_AS_CFG_REMOTE_DOMAIN] = "exchange-remote-domains",
	        [MH_AS_CFG_MAILBOX_PERMISSION] = "exchange-mailbox-permissions",
	        [MH_AS_CFG_FOLDER_PERMISSION] = "exchange-folder-permissions",
	        [MH_AS_GWS_REPORTS] = "gws-reports",
	        [MH_AS_GWS_CLOUD_LOGGING] = "gws-cloud-logging",
	};
	if (shape < 0 || shape >= MH_AS__COUNT || !names[shape])
		return "unknown";
	return names[shape];
}

int mh_audit_shape_partial(int shape)
{
	return shape == MH_AS_SENTINEL;
}

uint64_t mh_audit_rid_hash(struct mh_slice id)
{
	/* Sixteen bytes a step (a key is a few hundred bytes, hashed for
	 * every record an aggregate counts). */
	if (!id.n)
		return 0;
	uint64_t h[2];
	mh_hash128(id.p, id.n, h);
	return h[0] | 1;
}

const struct mh_audit_param *mh_audit_param(const struct mh_audit *a,
                                            const char *name,
                                            const struct mh_audit_param *prev)
{
	struct mh_slice want = mh_slice_cstr(name);
	size_t i = prev ? (size_t)(prev - a->params) + 1 : 0;
	for (; i < a->nparams; i++) {
		struct mh_slice n = a->params[i].name;
		/* the length, then the first letter, rule out most */
		if (n.n == want.n && want.n &&
		    ((unsigned char)n.p[0] | 0x20) ==
		            ((unsigned char)want.p[0] | 0x20) &&
		    mh_slice_ieq(n, want))
			return &a->params[i];
		if (!want.n && !n.n)
			return &a->params[i];
	}
	return NULL;
}

/* MARK: - small parsing helpers */

static int lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* s without leading/trailing white space and one pair of surrounding
 * double quotes. */
static struct mh_slice bare(struct mh_slice s)
{
	s = mh_slice_trim(s);
	if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"')
		s = mh_slice_trim(mh_slice_make(s.p + 1, s.n - 2));
	return s;
}

/* Equal ignoring case and any '_', '-' and ' ' (PartiallySucceeded,
 * partially_succeeded). */
static int loose_eq(struct mh_slice s, const char *w)
{
	size_t i = 0;
	for (; *w; w++) {
		while (i < s.n &&
		       (s.p[i] == '_' || s.p[i] == '-' || s.p[i] == ' '))
			i++;
		if (i >= s.n || lc((unsigned char)s.p[i]) != lc(*w))
			return 0;
		i++;
	}
	return i == s.n;
}

/* A non-negative decimal of at most 9 digits, or -1. */
static long small_num(struct mh_slice s)
{
	if (s.n == 0 || s.n > 9)
		return -1;
	long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (!digit(s.p[i]))
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	return v;
}

/* MARK: - results and types */

enum mh_audit_result mh_audit_result(struct mh_slice s)
{
	/* The two values of almost every record, exactly as written. */
	if (s.n == 9 && !memcmp(s.p, "Succeeded", 9))
		return MH_AR_OK;
	if (s.n == 4 && !memcmp(s.p, "True", 4))
		return MH_AR_OK;
	s = bare(s);
	static const char *const ok[] = {"succeeded", "success", "true", "ok",
	                                 "succeed"};
	static const char *const bad[] = {"failed", "failure", "false", "fail"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (loose_eq(s, ok[i]))
			return MH_AR_OK;
	if (loose_eq(s, "partiallysucceeded") || loose_eq(s, "partial"))
		return MH_AR_PARTIAL;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (loose_eq(s, bad[i]))
			return MH_AR_FAILED;
	return MH_AR_UNKNOWN;
}

struct name_num {
	const char *name;
	int num;
};

static int lookup(struct mh_slice s, const struct name_num *t, size_t n)
{
	s = bare(s);
	long v = small_num(s);
	if (v >= 0)
		return v > 100000 ? -1 : (int)v;
	for (size_t i = 0; i < n; i++)
		if (loose_eq(s, t[i].name))
			return t[i].num;
	return -1;
}

/* office-365-management-activity-api-schema, AuditLogRecordType (the
 * Exchange, identity and compliance types the judgement reads; other
 * names are -1, their numbers are kept). */
static const struct name_num record_types[] = {
        {"ExchangeAdmin", 1},
        {"ExchangeItem", 2},
        {"ExchangeItemGroup", 3},
        {"SharePoint", 4},
        {"SharePointFileOperation", 6},
        {"AzureActiveDirectory", 8},
        {"AzureActiveDirectoryAccountLogon", 9},
        {"DataCenterSecurityCmdlet", 10},
        {"ComplianceDLPSharePoint", 11},
        {"ComplianceDLPExchange", 13},
        {"SharePointSharingOperation", 14},
        {"AzureActiveDirectoryStsLogon", 15},
        {"SecurityComplianceCenterEOPCmdlet", 18},
        {"ExchangeAggregatedOperation", 19},
        {"Discovery", 24},
        {"MicrosoftTeams", 25},
        {"ThreatIntelligence", 28},
        {"MailSubmission", 29},
        {"SecurityComplianceAlerts", 40},
        {"ExchangeItemAggregated", 50},
        {"ExchangeSearch", 101},
};

static const struct name_num user_types[] = {
        {"Regular", 0},           {"Reserved", 1},     {"Admin", 2},
        {"DcAdmin", 3},           {"System", 4},       {"Application", 5},
        {"ServicePrincipal", 6},  {"CustomPolicy", 7}, {"SystemPolicy", 8},
        {"PartnerTechnician", 9}, {"Guest", 10},
};

static const struct name_num logon_types[] = {
        {"Owner", 0},          {"Admin", 1},         {"Delegated", 2},
        {"Transport", 3},      {"SystemService", 4}, {"BestAccess", 5},
        {"DelegatedAdmin", 6},
};

#define LOOKUP(s, t) lookup((s), (t), sizeof(t) / sizeof((t)[0]))

int mh_audit_record_type(struct mh_slice s)
{
	return LOOKUP(s, record_types);
}

int mh_audit_user_type(struct mh_slice s)
{
	return LOOKUP(s, user_types);
}

int mh_audit_logon_type(struct mh_slice s)
{
	return LOOKUP(s, logon_types);
}

/* MARK: - client addresses */

/* The four parts of an IPv4 address (each < 256) written as a dotted
 * quad into out with its NUL: its length. */
static size_t put_quad(char out[MH_AUDIT_IP_MAX], const unsigned q[4])
{
	size_t o = 0;
	for (unsigned i = 0; i < 4; i++) {
		if (i)
			out[o++] = '.';
		if (q[i] >= 100)
			out[o++] = (char)('0' + q[i] / 100);
		if (q[i] >= 10)
			out[o++] = (char)('0' + q[i] / 10 % 10);
		out[o++] = (char)('0' + q[i] % 10);
	}
	out[o] = '\0';
	return o;
}

/* A dotted quad with nothing around it (the usual ClientIP): the
 * address written into out as mh_audit_ip writes it, its length; 0 when
 * raw is anything else (the general path then reads it). */
static size_t plain_quad(struct mh_slice raw, char out[MH_AUDIT_IP_MAX])
{
	if (raw.n < 7 || raw.n > 15)
		return 0;
	const char *p = raw.p, *e = raw.p + raw.n;
	unsigned q[4];
	int canon = 1;
	for (int k = 0; k < 4; k++) {
		if (k && (p == e || *p++ != '.'))
			return 0;
		const char *s = p;
		unsigned v = 0, d;
		while (p < e && p - s < 3 &&
		       (d = (unsigned)(unsigned char)*p - '0') < 10) {
			v = v * 10 + d;
			p++;
		}
		if (p == s || v > 255)
			return 0;
		canon &= *s != '0' || p - s == 1;
		q[k] = v;
	}
	if (p != e)
		return 0;
	if (canon) { /* written as it is normalised */
		memcpy(out, raw.p, raw.n);
		out[raw.n] = '\0';
		return raw.n;
	}
	return put_quad(out, q);
}

size_t mh_audit_ip(struct mh_slice raw, char out[MH_AUDIT_IP_MAX],
                   unsigned *port)
{
	/* Digits and dots only: no white space, quotes, brackets, list or
	 * port for the steps below to take off. */
	size_t fast = plain_quad(raw, out);
	if (fast) {
		if (port)
			*port = 0;
		return fast;
	}
	char tmp[64];
	struct mh_slice s = bare(raw);
	unsigned pt = 0;
	out[0] = '\0';
	if (port)
		*port = 0;
	/* A list ("1.2.3.4, 5.6.7.8" from a proxy): the first. */
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == ',' || s.p[i] == ' ') {
			s.n = i;
			break;
		}
	if (s.n == 0 || s.n >= sizeof(tmp))
		return 0;
	const char *p = s.p;
	size_t n = s.n;
	if (p[0] == '[') {
		const char *rb = memchr(p, ']', n);
		if (!rb)
			return 0;
		size_t after = n - (size_t)(rb - p) - 1;
		if (after) {
			if (rb[1] != ':')
				return 0;
			long v = small_num(mh_slice_make(rb + 2, after - 1));
			if (v < 0 || v > 65535)
				return 0;
			pt = (unsigned)v;
		}
		n = (size_t)(rb - p) - 1;
		p++;
	} else {
		/* IPv4 with a port has one ':'; IPv6 without brackets has
		 * two or more and no port. */
		const char *c = memchr(p, ':', n);
		if (c && !memchr(c + 1, ':', n - (size_t)(c - p) - 1)) {
			long v = small_num(
			        mh_slice_make(c + 1, n - (size_t)(c - p) - 1));
			if (v < 0 || v > 65535)
				return 0;
			pt = (unsigned)v;
			n = (size_t)(c - p);
		}
	}
	/* Dotted quads, most addresses, without inet_pton/inet_ntop (their
	 * printf shows in profiles). */
	unsigned q[4], k = 0, digits = 0;
	size_t j = 0;
	q[0] = 0;
	for (; j < n; j++) {
		if (p[j] >= '0' && p[j] <= '9' && digits < 3) {
			q[k] = q[k] * 10 + (unsigned)(p[j] - '0');
			digits++;
		} else if (p[j] == '.' && digits && k < 3) {
			q[++k] = 0;
			digits = 0;
		} else {
			break;
		}
	}
	if (j == n && k == 3 && digits && q[0] < 256 && q[1] < 256 &&
	    q[2] < 256 && q[3] < 256) {
		size_t o = put_quad(out, q);
		if (port)
			*port = pt;
		return o;
	}
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	/* A zone index ("fe80::1%eth0") is not part of the address. */
	char *pc = strchr(tmp, '%');
	if (pc)
		*pc = '\0';
	unsigned char bin[16];
	if (inet_pton(AF_INET, tmp, bin) == 1) {
		if (!inet_ntop(AF_INET, bin, out, MH_AUDIT_IP_MAX))
			return 0;
	} else if (inet_pton(AF_INET6, tmp, bin) == 1) {
		static const unsigned char mapped[12] = {
		        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (!memcmp(bin, mapped, 12)) {
			if (!inet_ntop(AF_INET, bin + 12, out, MH_AUDIT_IP_MAX))
				return 0;
		} else if (!inet_ntop(AF_INET6, bin, out, MH_AUDIT_IP_MAX)) {
			return 0;
		}
	} else {
		out[0] = '\0';
		return 0;
	}
	if (port)
		*port = pt;
	return strlen(out);
}

/* MARK: - times */

struct tcur {
	const char *p, *e;
};

/* Up to max digits as a number; -1 when none. *nd gets how many. */
static long num(struct tcur *c, int max, int *nd)
{
	long v = 0;
	int k = 0;
	while (c->p < c->e && k < max && digit(*c->p)) {
		v = v * 10 + (*c->p - '0');
		c->p++;
		k++;
	}
	if (nd)
		*nd = k;
	return k ? v : -1;
}

static int eat(struct tcur *c, char ch)
{
	if (c->p < c->e && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

static void skip_frac(struct tcur *c)
{
	if (c->p < c->e && (*c->p == '.' || *c->p == ',') && c->p + 1 < c->e &&
	    digit(c->p[1])) {
		c->p++;
		while (c->p < c->e && digit(*c->p))
			c->p++;
	}
}

/* "Z", "+hh:mm", "+hhmm", "+hh", " UTC", or nothing: seconds east. -1
 * as *ok on trailing garbage. */
static long zone(struct tcur *c, int *ok)
{
	*ok = 1;
	while (c->p < c->e && *c->p == ' ')
		c->p++;
	if (c->p == c->e)
		return 0;
	if (*c->p == 'Z' || *c->p == 'z') {
		c->p++;
	} else if (c->e - c->p >= 3 && lc(c->p[0]) == 'u' &&
	           lc(c->p[1]) == 't' && lc(c->p[2]) == 'c') {
		c->p += 3;
		if (c->p == c->e)
			return 0;
		if (*c->p != '+' && *c->p != '-')
			goto trail;
	}
	if (c->p < c->e && (*c->p == '+' || *c->p == '-')) {
		int sign = *c->p == '-' ? -1 : 1;
		c->p++;
		int nd = 0;
		long hh = num(c, 2, &nd), mm = 0;
		if (nd != 2 || hh > 14) {
			*ok = 0;
			return 0;
		}
		eat(c, ':');
		if (c->p < c->e && digit(*c->p)) {
			mm = num(c, 2, &nd);
			if (nd != 2 || mm > 59) {
				*ok = 0;
				return 0;
			}
		}
		return sign * (hh * 3600 + mm * 60);
	}
trail:
	while (c->p < c->e && is_space(*c->p))
		c->p++;
	if (c->p != c->e)
		*ok = 0;
	return 0;
}

static int64_t civil(long y, long mo, long d, long h, long mi, long s)
{
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mh_time_days_in((int)y, (int)mo) || h > 23 || mi > 59 || s > 60)
		return MH_TS_NONE;
	return mh_time_from_civil((int)y, (int)mo, (int)d, (int)h, (int)mi,
	                          (int)s);
}

/* YYYY-MM-DD[Thh:mm[:ss[.f]]][zone] */
static int64_t iso(struct tcur c)
{
	int nd;
	long y = num(&c, 4, &nd);
	if (nd != 4 || !eat(&c, '-'))
		return MH_TS_NONE;
	long mo = num(&c, 2, &nd);
	if (!nd || !eat(&c, '-'))
		return MH_TS_NONE;
	long d = num(&c, 2, &nd);
	if (!nd)
		return MH_TS_NONE;
	long h = 0, mi = 0, s = 0;
	if (c.p < c.e && (*c.p == 'T' || *c.p == 't' || *c.p == ' ') &&
	    c.p + 1 < c.e && digit(c.p[1])) {
		c.p++;
		h = num(&c, 2, &nd);
		if (!nd || !eat(&c, ':'))
			return MH_TS_NONE;
		mi = num(&c, 2, &nd);
		if (!nd)
			return MH_TS_NONE;
		if (eat(&c, ':')) {
			s = num(&c, 2, &nd);
			if (!nd)
				return MH_TS_NONE;
			skip_frac(&c);
		}
	}
	int ok;
	long off = zone(&c, &ok);
	int64_t t = civil(y, mo, d, h, mi, s);
	if (!ok || t == MH_TS_NONE)
		return MH_TS_NONE;
	return t - off;
}

/* M/D/YYYY[,] h:mm[:ss[.f]] [AM|PM] (day first when M > 12). */
static int64_t slashed(struct tcur c)
{
	int nd;
	long a = num(&c, 2, &nd);
	if (!nd || !eat(&c, '/'))
		return MH_TS_NONE;
	long b = num(&c, 2, &nd);
	if (!nd || !eat(&c, '/'))
		return MH_TS_NONE;
	long y = num(&c, 4, &nd);
	if (nd != 4)
		return MH_TS_NONE;
	long mo = a, d = b;
	if (a > 12 && b <= 12) {
		mo = b;
		d = a;
	}
	eat(&c, ',');
	long h = 0, mi = 0, s = 0;
	while (c.p < c.e && *c.p == ' ')
		c.p++;
	if (c.p < c.e && digit(*c.p)) {
		h = num(&c, 2, &nd);
		if (!eat(&c, ':'))
			return MH_TS_NONE;
		mi = num(&c, 2, &nd);
		if (!nd)
			return MH_TS_NONE;
		if (eat(&c, ':')) {
			s = num(&c, 2, &nd);
			if (!nd)
				return MH_TS_NONE;
			skip_frac(&c);
		}
		while (c.p < c.e && *c.p == ' ')
			c.p++;
		if (c.e - c.p >= 2 && lc(c.p[1]) == 'm' &&
		    (lc(c.p[0]) == 'a' || lc(c.p[0]) == 'p')) {
			if (h < 1 || h > 12)
				return MH_TS_NONE;
			if (lc(c.p[0]) == 'a')
				h = h == 12 ? 0 : h;
			else
				h = h == 12 ? 12 : h + 12;
			c.p += 2;
		}
	}
	int ok;
	long off = zone(&c, &ok);
	int64_t t = civil(y, mo, d, h, mi, s);
	if (!ok || t == MH_TS_NONE)
		return MH_TS_NONE;
	return t - off;
}

/* "/Date(1709287203000)/" or "/Date(1709287203000+0100)/" (the offset
 * only says where it was written; the number is UTC milliseconds). */
static int64_t ms_date(struct tcur c)
{
	static const char pre[] = "/Date(";
	if ((size_t)(c.e - c.p) < sizeof(pre) ||
	    memcmp(c.p, pre, sizeof(pre) - 1) != 0)
		return MH_TS_NONE;
	c.p += sizeof(pre) - 1;
	int neg = eat(&c, '-');
	int64_t v = 0;
	int k = 0;
	while (c.p < c.e && digit(*c.p) && k < 18) {
		v = v * 10 + (*c.p - '0');
		c.p++;
		k++;
	}
	if (!k)
		return MH_TS_NONE;
	return (neg ? -v : v) / 1000;
}

/* The day of the last "YYYY-MM-DD" this thread read, as Unix seconds at
 * its midnight: the records of a log come day after day, so the date is
 * the same as the record before's for almost every record. */
static _Thread_local struct {
	char date[10];
	int valid;
	int64_t base;
} last_day;

static int digits_at(const char *p, const unsigned char *at, size_t n, long *v)
{
	unsigned bad = 0;
	for (size_t k = 0; k < n; k++) {
		unsigned d = (unsigned)(unsigned char)p[at[k]] - '0';
		bad |= d > 9;
		v[k] = (long)d;
	}
	return !bad;
}

/* "hh:mm:ss" read as a word: the bytes of "00:00:00" (the same either
 * way round), where its colons are, and where its digits are counted
 * from the word's lowest byte. */
static const uint64_t time_form = 0x30303a30303a3030ULL;
static const uint64_t time_colons = 0x0000ff0000ff0000ULL;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static const unsigned char tpos[6] = {7, 6, 4, 3, 1, 0};
#else
static const unsigned char tpos[6] = {0, 1, 3, 4, 6, 7};
#endif

static unsigned byte_at(uint64_t w, unsigned i)
{
	return (unsigned)(w >> (8 * i)) & 0xff;
}

/* "2024-03-01T10:00:03" (and with "Z"), the API's own form, read for
 * every record: what iso() reads it as, without its steps; -2 (not a
 * time) when s is not of that form. */
static int64_t api_time(struct mh_slice s)
{
	if (!((s.n == 19 ||
	       (s.n == 20 && (s.p[19] == 'Z' || s.p[19] == 'z'))) &&
	      s.p[4] == '-' && s.p[7] == '-' && s.p[10] == 'T' &&
	      s.p[13] == ':' && s.p[16] == ':'))
		return -2;
	/* "hh:mm:ss" as one word: each byte less '0' (':' less ':') must
	 * be a digit (a colon: 0) */
	uint64_t w;
	memcpy(&w, s.p + 11, 8);
	w ^= time_form;
	if (((w + 0x7676767676767676ULL) | w) & 0x8080808080808080ULL ||
	    (w & time_colons))
		return -2;
	long h = (long)byte_at(w, tpos[0]) * 10 + (long)byte_at(w, tpos[1]),
	     mi = (long)byte_at(w, tpos[2]) * 10 + (long)byte_at(w, tpos[3]),
	     sec = (long)byte_at(w, tpos[4]) * 10 + (long)byte_at(w, tpos[5]);
	if (!last_day.valid || memcmp(last_day.date, s.p, 10) != 0) {
		static const unsigned char dat[8] = {0, 1, 2, 3, 5, 6, 8, 9};
		long v[8];
		if (!digits_at(s.p, dat, 8, v))
			return -2;
		long y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
		long mo = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
		int64_t base = civil(y, mo, d, 0, 0, 0);
		if (base == MH_TS_NONE)
			return MH_TS_NONE;
		memcpy(last_day.date, s.p, 10);
		last_day.base = base;
		last_day.valid = 1;
	}
	/* civil()'s bounds on the time of day */
	if (h > 23 || mi > 59 || sec > 60)
		return MH_TS_NONE;
	return last_day.base + (int64_t)h * 3600 + (int64_t)mi * 60 + sec;
}

int64_t mh_audit_time(struct mh_slice s)
{
	/* A first digit and a last digit or 'Z': nothing for bare() to
	 * take off. */
	if (s.n >= 19 && s.n <= 20) {
		int64_t t = api_time(s);
		if (t != -2)
			return t;
	}
	s = bare(s);
	if (s.n < 8)
		return MH_TS_NONE;
	/* "2024-03-01T10:00:03" (and with "Z"), the API's own form, read
	 * for every record: what iso() reads it as, without its steps. */
	if ((s.n == 19 || (s.n == 20 && (s.p[19] == 'Z' || s.p[19] == 'z'))) &&
	    s.p[4] == '-' && s.p[7] == '-' && s.p[10] == 'T' &&
	    s.p[13] == ':' && s.p[16] == ':') {
		static const unsigned char at[14] = {0, 1,  2,  3,  5,  6,  8,
		                                     9, 11, 12, 14, 15, 17, 18};
		long v[14];
		size_t k = 0;
		for (; k < 14 && digit(s.p[at[k]]); k++)
			v[k] = s.p[at[k]] - '0';
		if (k == 14)
			return civil(v[0] * 1000 + v[1] * 100 + v[2] * 10 +
			                     v[3],
			             v[4] * 10 + v[5], v[6] * 10 + v[7],
			             v[8] * 10 + v[9], v[10] * 10 + v[11],
			             v[12] * 10 + v[13]);
	}
	struct tcur c = {s.p, s.p + s.n};
	if (s.p[0] == '/' || s.p[0] == '\\')
		return ms_date(
		        s.p[0] == '\\' ? (struct tcur){s.p + 1, s.p + s.n} : c);
	if (s.n >= 10 && digit(s.p[0]) && s.p[4] == '-')
		return iso(c);
	if (memchr(s.p, '/', s.n < 6 ? s.n : 6))
		return slashed(c);
	/* Unix seconds (10 digits) or milliseconds (13). */
	int nd = 0;
	long long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (!digit(s.p[i]))
			return MH_TS_NONE;
		if (++nd > 13)
			return MH_TS_NONE;
		v = v * 10 + (s.p[i] - '0');
	}
	if (nd == 13)
		return (int64_t)(v / 1000);
	if (nd == 10)
		return (int64_t)v;
	return MH_TS_NONE;
}

/* MARK: - address lists */

static int addr_sep(char c)
{
	return c == ';' || c == ',' || is_space(c);
}

/* Classify and clean one address text. */
static void classify(struct mh_slice t, struct mh_slice display,
                     struct mh_audit_addr *a)
{
	t = bare(t);
	a->display = display;
	a->kind = MH_AADDR_OTHER;
	if (t.n >= 5 && mh_slice_istarts(t, "smtp:"))
		t = mh_slice_make(t.p + 5, t.n - 5);
	if (t.n >= 3 && mh_slice_istarts(t, "ex:")) {
		a->addr = mh_slice_make(t.p + 3, t.n - 3);
		a->kind = MH_AADDR_X500;
		return;
	}
	if (t.n >= 5 && mh_slice_istarts(t, "x500:")) {
		a->addr = mh_slice_make(t.p + 5, t.n - 5);
		a->kind = MH_AADDR_X500;
		return;
	}
	if (t.n >= 3 && t.p[0] == '/' && lc((unsigned char)t.p[1]) == 'o' &&
	    t.p[2] == '=') {
		a->addr = t;
		a->kind = MH_AADDR_X500;
		return;
	}
	a->addr = t;
	const char *at = memchr(t.p, '@', t.n);
	if (at && at > t.p && at < t.p + t.n - 1 && !memchr(t.p, ' ', t.n))
		a->kind = MH_AADDR_SMTP;
}

static void add_addr(struct mh_audit_addr *out, size_t max, size_t *k,
                     struct mh_slice t, struct mh_slice display)
{
	if (bare(t).n == 0)
		return;
	if (*k < max)
		classify(t, display, &out[*k]);
	(*k)++;
}

size_t mh_audit_addrs(struct mh_slice value, struct mh_audit_addr *out,
                      size_t max)
{
	struct mh_slice v = mh_slice_trim(value);
	size_t k = 0;
	if (!v.n)
		return 0;
	/* A JSON list of strings, PowerShell's "{a, b}". */
	if (v.n >= 2 && ((v.p[0] == '[' && v.p[v.n - 1] == ']' &&
	                  (v.n == 2 || memchr(v.p, '"', v.n))) ||
	                 (v.p[0] == '{' && v.p[v.n - 1] == '}')))
		v = mh_slice_make(v.p + 1, v.n - 2);
	const char *p = v.p, *e = v.p + v.n;
	while (p < e) {
		while (p < e && addr_sep(*p))
			p++;
		if (p >= e)
			break;
		struct mh_slice display = MH_SLICE_NULL;
		if (*p == '"') {
			/* "Display Name" then [TYPE:addr] or <addr>, or a
			 * quoted address alone (a JSON list element). */
			const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
			if (!q)
				q = e;
			struct mh_slice in =
			        mh_slice_make(p + 1, (size_t)(q - p - 1));
			p = q < e ? q + 1 : e;
			const char *r = p;
			while (r < e && is_space(*r))
				r++;
			if (r < e && (*r == '[' || *r == '<')) {
				display = in;
				p = r;
			} else {
				add_addr(out, max, &k, in, MH_SLICE_NULL);
				continue;
			}
		}
		if (*p == '[' || *p == '<') {
			char close = *p == '[' ? ']' : '>';
			const char *q =
			        memchr(p + 1, close, (size_t)(e - p - 1));
			if (!q)
				q = e;
			add_addr(out, max, &k,
			         mh_slice_make(p + 1, (size_t)(q - p - 1)),
			         display);
			p = q < e ? q + 1 : e;
			continue;
		}
		/* A bare token: up to ';' or ','. An X.500 DN keeps its
		 * spaces; otherwise "Name <a@b>" or space-separated
		 * addresses. */
		const char *q = p;
		while (q < e && *q != ';' && *q != ',')
			q++;
		struct mh_slice tok =
		        mh_slice_trim(mh_slice_make(p, (size_t)(q - p)));
		const char *lt = memchr(tok.p, '<', tok.n);
		const char *lb = memchr(tok.p, '[', tok.n);
		if (tok.n && tok.p[0] != '/' && (lt || lb)) {
			/* "Name <a@b>" / "Name [SMTP:a@b]": the name, then
			 * the rest from the bracket on. */
			const char *b = lt && (!lb || lt < lb) ? lt : lb;
			display = mh_slice_trim(
			        mh_slice_make(tok.p, (size_t)(b - tok.p)));
			char close = *b == '[' ? ']' : '>';
			const char *c =
			        memchr(b, close, (size_t)(tok.p + tok.n - b));
			const char *ce = c ? c : tok.p + tok.n;
			add_addr(out, max, &k,
			         mh_slice_make(b + 1, (size_t)(ce - b - 1)),
			         display.n ? display : MH_SLICE_NULL);
			p = c ? c + 1 : q;
			continue;
		}
		if (tok.n && tok.p[0] != '/' && memchr(tok.p, ' ', tok.n)) {
			/* Words: each one with an '@' is an address; a run
			 * of words without is one unresolved name. */
			const char *w = tok.p, *te = tok.p + tok.n;
			int all_at = 1;
			for (const char *x = w; x < te;) {
				while (x < te && is_space(*x))
					x++;
				const char *y = x;
				while (y < te && !is_space(*y))
					y++;
				if (y > x && !memchr(x, '@', (size_t)(y - x)))
					all_at = 0;
				x = y;
			}
			if (all_at) {
				while (w < te) {
					while (w < te && is_space(*w))
						w++;
					const char *y = w;
					while (y < te && !is_space(*y))
						y++;
					add_addr(out, max, &k,
					         mh_slice_make(w,
					                       (size_t)(y - w)),
					         MH_SLICE_NULL);
					w = y;
				}
				p = q;
				continue;
			}
		}
		add_addr(out, max, &k, tok, MH_SLICE_NULL);
		p = q;
	}
	return k;
}
