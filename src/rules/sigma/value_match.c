/* value_match.c - one pattern against one field value (value.h):
 * literals on the lower-cased copy, wildcards, CIDR, numbers and date
 * parts. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "rules/sigma/value.h"

#define ESC 0x01 /* value.c's escape byte in the glob form */

int mh_sv_glob(const char *g, size_t gn, const char *s, size_t n)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
	while (si < n) {
		if (pi < gn && g[pi] == '*') {
			star = ++pi;
			mark = si;
			continue;
		}
		if (pi < gn) {
			unsigned char c = (unsigned char)g[pi];
			if (c == '?') {
				/* one UTF-8 character */
				unsigned cp;
				si += mh_sv_utf8_cp((const unsigned char *)s +
				                            si,
				                    n - si, &cp);
				pi++;
				continue;
			}
			size_t plen = 1;
			if (c == ESC && pi + 1 < gn) {
				c = (unsigned char)g[pi + 1];
				plen = 2;
			}
			if (c == (unsigned char)s[si]) {
				pi += plen;
				si++;
				continue;
			}
		}
		if (star == (size_t)-1)
			return 0;
		pi = star;
		si = ++mark;
	}
	while (pi < gn && g[pi] == '*')
		pi++;
	return pi == gn;
}

static int cidr_match(const struct mh_sv *p, const char *s, size_t n)
{
	char buf[64];
	uint8_t ip[16];
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* [v6]:port, v4:port and a v6 zone are common in logs */
	char *b = buf;
	if (*b == '[') {
		char *e = strchr(b, ']');
		if (!e)
			return 0;
		*e = '\0';
		b++;
	}
	char *pct = strchr(b, '%');
	if (pct)
		*pct = '\0';
	memset(ip, 0, sizeof(ip));
	int v6;
	if (inet_pton(AF_INET, b, ip) == 1) {
		v6 = 0;
	} else if (inet_pton(AF_INET6, b, ip) == 1) {
		v6 = 1;
		/* ::ffff:a.b.c.d compares as IPv4 */
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
		                                   0, 0, 0, 0, 0xff, 0xff};
		if (!p->v6 && !memcmp(ip, mapped, 12)) {
			memmove(ip, ip + 12, 4);
			v6 = 0;
		}
	} else {
		char *colon = strrchr(b, ':');
		if (!colon || strchr(b, ':') != colon)
			return 0;
		*colon = '\0';
		if (inet_pton(AF_INET, b, ip) != 1)
			return 0;
		v6 = 0;
	}
	if (v6 != p->v6)
		return 0;
	unsigned bits = p->bits, full = bits / 8, rest = bits % 8;
	if (memcmp(ip, p->ip, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((ip[full] & mask) != (p->ip[full] & mask))
			return 0;
	}
	return 1;
}

/* The date part tp of a timestamp written as ISO 8601 or
 * "YYYY-MM-DD HH:MM:SS[.fff]"; 0 when s is no such date. */
static int date_part(const char *s, size_t n, int tp, double *out)
{
	int y, mo, d, hh = 0, mm = 0;
	char buf[40];
	if (n < 10 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return 0;
	if (n >= 16 && sscanf(buf + 11, "%2d:%2d", &hh, &mm) != 2)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	switch (tp) {
	case MH_TP_MINUTE: *out = mm; break;
	case MH_TP_HOUR: *out = hh; break;
	case MH_TP_DAY: *out = d; break;
	case MH_TP_MONTH: *out = mo; break;
	case MH_TP_YEAR: *out = y; break;
	case MH_TP_WEEK: {
		/* ISO 8601 week number */
		int64_t t = mh_time_from_civil(y, mo, d, 0, 0, 0);
		int64_t days = t / 86400;
		int wday = (int)((days + 3) % 7); /* 0 = Monday */
		int64_t jan1 = mh_time_from_civil(y, 1, 1, 0, 0, 0) / 86400;
		int yday = (int)(days - jan1);
		int w = (yday - wday + 10) / 7;
		if (w < 1)
			w = 52;
		else if (w > 52)
			w = 52;
		*out = w;
		break;
	}
	default: return 0;
	}
	return 1;
}

/* How common a byte is in event values (lower-cased paths, command
 * lines, names, hashes, GUIDs), roughly: the higher the more common; 0
 * for every byte not listed (rarer than these). */
static const uint8_t commonness[256] = {
        [' '] = 50, ['\\'] = 49, ['e'] = 48, ['.'] = 47, ['s'] = 46, ['o'] = 45,
        ['t'] = 44, ['a'] = 43,  ['i'] = 42, ['r'] = 41, ['c'] = 40, ['n'] = 39,
        ['l'] = 38, ['m'] = 37,  ['d'] = 36, ['w'] = 35, [':'] = 34, ['p'] = 33,
        ['-'] = 32, ['x'] = 31,  ['/'] = 30, ['h'] = 29, ['0'] = 28, ['u'] = 27,
        ['1'] = 26, ['_'] = 25,  ['2'] = 24, ['g'] = 23, ['3'] = 22, ['f'] = 21,
        ['4'] = 20, ['b'] = 19,  ['5'] = 18, ['y'] = 17, ['6'] = 16, ['v'] = 15,
        ['7'] = 14, ['k'] = 13,  ['8'] = 12, ['"'] = 11, ['9'] = 10, ['='] = 9,
        [','] = 8,  ['\''] = 7,  ['j'] = 6,  [';'] = 5,  ['q'] = 4,  ['('] = 3,
        [')'] = 2,  ['z'] = 1,
};

uint8_t mh_sv_rare(const char *s, size_t n)
{
	size_t best = 0;
	unsigned least = 256;
	for (size_t i = 0; i < n && i < 256; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if (commonness[c] < least) {
			best = i;
			least = commonness[c];
		}
	}
	return (uint8_t)best;
}

/* memmem for the short needles of rules (glibc's two-way setup costs
 * more than the search on values of a few hundred bytes): memchr for
 * its byte r (the rarest, mh_sv_rare), then the first and last bytes
 * before the call. */
static int contains(const char *h, size_t n, const char *nd, size_t m, size_t r)
{
	if (m == 0)
		return 1;
	if (n < m)
		return 0;
	if (r >= m)
		r = 0;
	/* where nd[r] can be: h[r .. n - m + r] */
	const char *p = h + r, *end = h + n - m + r + 1;
	const char cr = nd[r], c0 = nd[0], cl = nd[m - 1];
	while (p < end) {
		const char *q = memchr(p, cr, (size_t)(end - p));
		if (!q)
			return 0;
		const char *st = q - r;
		if (st[0] == c0 && st[m - 1] == cl && !memcmp(st, nd, m))
			return 1;
		p = q + 1;
	}
	return 0;
}

int mh_sv_match(const struct mh_sv *p, const char *s, const char *low, size_t n)
{
	if (!s)
		return 0;
	const char *t = p->cased ? s : low;
	switch (p->kind) {
	/* The first byte compared here: most values differ there, and a
	 * call to memcmp costs more than the test. */
	case MH_SV_EQ:
		return n == p->n &&
		       (n == 0 || (t[0] == p->s[0] && !memcmp(t, p->s, n)));
	case MH_SV_PREFIX:
		return n >= p->n && (p->n == 0 || (t[0] == p->s[0] &&
		                                   !memcmp(t, p->s, p->n)));
	case MH_SV_SUFFIX:
		return n >= p->n &&
		       (p->n == 0 || (t[n - p->n] == p->s[0] &&
		                      !memcmp(t + n - p->n, p->s, p->n)));
	case MH_SV_CONTAINS: return contains(t, n, p->s, p->n, p->rare);
	case MH_SV_GLOB: return mh_sv_glob(p->s, p->n, t, n);
	case MH_SV_CIDR: return cidr_match(p, s, n);
	case MH_SV_NUM: {
		double d;
		if (p->tpart ? !date_part(s, n, p->tpart, &d)
		             : !mh_sv_num(s, n, &d))
			return 0;
		switch (p->cmp) {
		case MH_CMP_LT: return d < p->num;
		case MH_CMP_LTE: return d <= p->num;
		case MH_CMP_GT: return d > p->num;
		case MH_CMP_GTE: return d >= p->num;
		default: return d == p->num;
		}
	}
	default: return 0;
	}
}
