/* date.c - RFC 5322 3.3 date-time, obsolete forms (4.3) and asctime.
 *
 *   date-time = [ day-of-week "," ] day month year hour ":" minute
 *               [ ":" second ] zone
 * Tolerated: comments anywhere, missing comma, one-digit hours, two- and
 * three-digit years (4.3: < 50 -> 20xx, otherwise 19xx; three digits +
 * 1900), named and military zones, "." as time separator, a missing zone
 * (taken as UTC). No libc time functions: conversions are arithmetic.
 */
#include "readers/mail/date.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"

int64_t mh_date_timegm(int y, int mon, int d, int hh, int mm, int ss)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t yy = (int64_t)y - (mon <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = (mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
}

void mh_date_iso(int64_t t, char out[21])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	if (y < 0 || y > 9999) {
		snprintf(out, 21, "0000-00-00T00:00:00Z");
		return;
	}
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y,
	         (int)m, (int)d, (int)(secs / 3600), (int)(secs / 60 % 60),
	         (int)(secs % 60));
	memcpy(out, tmp, 20);
	out[20] = '\0';
}

struct cur {
	const char *p, *e;
};

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

/* Skip white space, commas and (nested) comments. */
static void skip_cfws(struct cur *c)
{
	while (c->p < c->e) {
		char ch = *c->p;
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
		    ch == ',') {
			c->p++;
		} else if (ch == '(') {
			int depth = 0;
			while (c->p < c->e) {
				if (*c->p == '\\' && c->p + 1 < c->e) {
					c->p += 2;
					continue;
				}
				if (*c->p == '(')
					depth++;
				else if (*c->p == ')' && --depth == 0) {
					c->p++;
					break;
				}
				c->p++;
			}
		} else {
			break;
		}
	}
}

/* Up to maxd digits; returns the count read, value in *v. */
static int digits(struct cur *c, int maxd, int *v)
{
	int n = 0, x = 0;
	while (c->p < c->e && n < maxd && *c->p >= '0' && *c->p <= '9') {
		x = x * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	*v = x;
	return n;
}

/* An alphabetic word into w (lower case, truncated); returns length. */
static size_t word(struct cur *c, char *w, size_t wn)
{
	size_t n = 0;
	while (c->p < c->e && ((*c->p >= 'a' && *c->p <= 'z') ||
	                       (*c->p >= 'A' && *c->p <= 'Z'))) {
		if (n + 1 < wn)
			w[n] = (char)lc(*c->p);
		n++;
		c->p++;
	}
	w[n < wn ? n : wn - 1] = '\0';
	return n;
}

static int month_of(const char *w)
{
	static const char *const m[] = {"jan", "feb", "mar", "apr",
	                                "may", "jun", "jul", "aug",
	                                "sep", "oct", "nov", "dec"};
	if (strlen(w) < 3)
		return 0;
	for (int i = 0; i < 12; i++)
		if (!strncmp(w, m[i], 3))
			return i + 1;
	return 0;
}

static int is_weekday(const char *w)
{
	static const char *const d[] = {"mon", "tue", "wed", "thu",
	                                "fri", "sat", "sun"};
	if (strlen(w) < 3)
		return 0;
	for (int i = 0; i < 7; i++)
		if (!strncmp(w, d[i], 3))
			return 1;
	return 0;
}

/* Zone in minutes east of UTC. Returns 1 when a zone was read. */
static int zone(struct cur *c, int *tz)
{
	skip_cfws(c);
	*tz = 0;
	if (c->p >= c->e)
		return 0;
	if (*c->p == '+' || *c->p == '-') {
		int sign = *c->p == '-' ? -1 : 1;
		c->p++;
		int v, n = digits(c, 4, &v);
		if (n == 4) {
			int hh = v / 100, mm = v % 100;
			if (hh <= 23 && mm <= 59)
				*tz = sign * (hh * 60 + mm);
			return 1;
		}
		if (n == 2 || n == 1) {
			*tz = sign * v * 60;
			return 1;
		}
		return 0;
	}
	char w[8];
	size_t n = word(c, w, sizeof(w));
	if (!n)
		return 0;
	static const struct {
		const char *name;
		int off;
	} z[] = {{"ut", 0},     {"utc", 0},    {"gmt", 0},    {"z", 0},
	         {"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300},
	         {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420},
	         {"cet", 60},   {"cest", 120}, {"met", 60},   {"mest", 120},
	         {"bst", 60},   {"ist", 330},  {"jst", 540},  {"eet", 120},
	         {"eest", 180}};
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		if (!strcmp(w, z[i].name)) {
			*tz = z[i].off;
			return 1;
		}
	/* Military zones (RFC 5322 4.3: treat as -0000, i.e. unknown). */
	return 1;
}

static int check_ranges(int y, int mon, int d, int hh, int mm, int ss)
{
	return y >= 1000 && y <= 9999 && mon >= 1 && mon <= 12 && d >= 1 &&
	       d <= 31 && hh <= 24 && mm <= 59 && ss <= 60;
}

static int fix_year(int y, int ndig)
{
	if (ndig == 2)
		return y < 50 ? 2000 + y : 1900 + y;
	if (ndig == 3)
		return 1900 + y;
	return y;
}

/* hh:mm[:ss] with ':' or '.' separators. */
static int hms(struct cur *c, int *hh, int *mm, int *ss)
{
	*ss = 0;
	if (!digits(c, 2, hh))
		return -1;
	if (c->p >= c->e || (*c->p != ':' && *c->p != '.'))
		return -1;
	c->p++;
	if (digits(c, 2, mm) != 2)
		return -1;
	if (c->p < c->e && (*c->p == ':' || *c->p == '.')) {
		c->p++;
		if (!digits(c, 2, ss))
			return -1;
	}
	return 0;
}

int mh_date_parse(struct mh_slice v, int64_t *t, int *tz_min)
{
	struct cur c = {v.p, v.p + v.n};
	char w[16];
	int d, mon = 0, y, hh, mm, ss, tz = 0;

	skip_cfws(&c);
	if (c.p < c.e &&
	    ((*c.p >= 'a' && *c.p <= 'z') || (*c.p >= 'A' && *c.p <= 'Z'))) {
		word(&c, w, sizeof(w));
		if (is_weekday(w)) {
			skip_cfws(&c);
		} else if (month_of(w) != 0) {
			/* "Jan 2 2006 15:04:05": asctime-like without weekday */
			c.p = v.p;
			return mh_date_parse_asctime(v, t) == MH_OK
			               ? (*tz_min = 0, MH_OK)
			               : MH_EFORMAT;
		} else {
			return MH_EFORMAT;
		}
		if (c.p < c.e && ((*c.p >= 'a' && *c.p <= 'z') ||
		                  (*c.p >= 'A' && *c.p <= 'Z'))) {
			/* "Mon Jan  2 15:04:05 2006": asctime. */
			if (mh_date_parse_asctime(v, t) == MH_OK) {
				*tz_min = 0;
				return MH_OK;
			}
			return MH_EFORMAT;
		}
	}
	if (!digits(&c, 2, &d))
		return MH_EFORMAT;
	skip_cfws(&c);
	if (c.p < c.e && *c.p == '-')
		c.p++;
	if (!word(&c, w, sizeof(w)) || !(mon = month_of(w)))
		return MH_EFORMAT;
	skip_cfws(&c);
	if (c.p < c.e && *c.p == '-')
		c.p++;
	int yd = digits(&c, 4, &y);
	if (yd < 2)
		return MH_EFORMAT;
	y = fix_year(y, yd);
	skip_cfws(&c);
	if (hms(&c, &hh, &mm, &ss))
		return MH_EFORMAT;
	zone(&c, &tz);
	if (!check_ranges(y, mon, d, hh, mm, ss))
		return MH_EFORMAT;
	*t = mh_date_timegm(y, mon, d, hh, mm, ss) - (int64_t)tz * 60;
	*tz_min = tz;
	return MH_OK;
}

int mh_date_parse_asctime(struct mh_slice v, int64_t *t)
{
	struct cur c = {v.p, v.p + v.n};
	char w[16];
	int mon = 0, d, y, hh, mm, ss, tz = 0, have_tz = 0;

	skip_cfws(&c);
	if (!word(&c, w, sizeof(w)))
		return MH_EFORMAT;
	if (is_weekday(w)) {
		skip_cfws(&c);
		if (!word(&c, w, sizeof(w)))
			return MH_EFORMAT;
	}
	if (!(mon = month_of(w)))
		return MH_EFORMAT;
	skip_cfws(&c);
	if (!digits(&c, 2, &d))
		return MH_EFORMAT;
	skip_cfws(&c);
	if (hms(&c, &hh, &mm, &ss))
		return MH_EFORMAT;
	skip_cfws(&c);
	/* Some writers put the zone before the year. */
	if (c.p < c.e &&
	    (*c.p == '+' || *c.p == '-' || (*c.p >= 'A' && *c.p <= 'Z'))) {
		have_tz = zone(&c, &tz);
		skip_cfws(&c);
	}
	int yd = digits(&c, 4, &y);
	if (yd < 2)
		return MH_EFORMAT;
	y = fix_year(y, yd);
	if (!have_tz)
		zone(&c, &tz);
	if (!check_ranges(y, mon, d, hh, mm, ss))
		return MH_EFORMAT;
	*t = mh_date_timegm(y, mon, d, hh, mm, ss) - (int64_t)tz * 60;
	return MH_OK;
}
