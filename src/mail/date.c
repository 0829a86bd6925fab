/* date.c - RFC 5322 3.3 date-time, obsolete forms (4.3) and asctime.
 *
 *   date-time = [ day-of-week "," ] day month year hour ":" minute
 *               [ ":" second ] zone
 *
 * mh_date_parse reads tokens rather than a fixed sequence, so the orders
 * real mail uses all work: RFC 5322, asctime ("Mon Jan  2 15:04:05 2006"),
 * "Jan 2 2006 15:04:05", ISO 8601 ("2006-01-02 15:04:05"). A number before
 * the month is the day, the first small number after it too when the day
 * is still missing; a number of three or more digits or over 31 is the
 * year. Tolerated (docs/VIOLATIONS.md): comments and white space anywhere
 * (also around ':'), missing weekday, comma or seconds, one-digit hours,
 * minutes and seconds, '.' as time separator, fractional seconds, two- and
 * three-digit years (4.3: 00-49 -> 20xx, 50-99 -> 19xx, three digits +
 * 1900), names of zones in any case, military zones (-0000 as 4.3 says),
 * "+hh:mm" and "+hh" zones, AM/PM, a missing zone (UTC) or time (00:00).
 * Rejected: impossible dates (30 Feb), hours over 23, minutes over 59.
 * mh_date_parse_asctime is strict, since it tells mbox From_ lines from
 * body text. No libc time functions: conversions are arithmetic.
 */
#include "mail/date.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"

struct cur {
	const char *p, *e;
};

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Skip white space and (nested) comments; with commas when asked. */
static void skip_cfws(struct cur *c, int commas)
{
	while (c->p < c->e) {
		char ch = *c->p;
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
		    (commas && ch == ',')) {
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

/* A run of digits: returns how many, *v its value (saturated). */
static int digits(struct cur *c, int *v)
{
	int n = 0, x = 0;
	while (c->p < c->e && is_digit(*c->p)) {
		if (x < 100000000)
			x = x * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	*v = x;
	return n;
}

/* A run of letters, lower-cased into w (truncated); returns its length. */
static size_t word(struct cur *c, char *w, size_t wn)
{
	size_t n = 0;
	while (c->p < c->e && is_alpha(*c->p)) {
		if (n + 1 < wn)
			w[n] = (char)(*c->p | 0x20);
		n++;
		c->p++;
	}
	w[n < wn ? n : wn - 1] = '\0';
	return n;
}

/* "jan", "january", "sept": 1-12, else 0. */
static int month_of(const char *w, size_t n)
{
	static const char *const m[] = {"january", "february", "march",
	                                "april",   "may",      "june",
	                                "july",    "august",   "september",
	                                "october", "november", "december"};
	if (n < 3 || n > 9)
		return 0;
	for (int i = 0; i < 12; i++)
		if (!strncmp(w, m[i], n < 3 ? 3 : n) && strlen(m[i]) >= n)
			return i + 1;
	if (n == 4 && !strcmp(w, "sept"))
		return 9;
	return 0;
}

static int is_weekday(const char *w, size_t n)
{
	static const char *const d[] = {"monday",   "tuesday", "wednesday",
	                                "thursday", "friday",  "saturday",
	                                "sunday"};
	if (n < 3 || n > 9)
		return 0;
	for (int i = 0; i < 7; i++)
		if (!strncmp(w, d[i], n) && strlen(d[i]) >= n)
			return 1;
	/* "Tues", "Thur", "Thurs" */
	return !strcmp(w, "tues") || !strcmp(w, "thur") || !strcmp(w, "thurs");
}

/* Zone name to minutes east of UTC; 1 when known. Only unambiguous
 * names: BST or IST mean different places. */
static int zone_name(const char *w, size_t n, int *tz)
{
	static const struct {
		const char *name;
		int off;
	} z[] = {{"ut", 0},     {"utc", 0},    {"gmt", 0},     {"z", 0},
	         {"est", -300}, {"edt", -240}, {"cst", -360},  {"cdt", -300},
	         {"mst", -420}, {"mdt", -360}, {"pst", -480},  {"pdt", -420},
	         {"cet", 60},   {"cest", 120}, {"met", 60},    {"mest", 120},
	         {"eet", 120},  {"eest", 180}, {"wet", 0},     {"west", 60},
	         {"jst", 540},  {"kst", 540},  {"hkt", 480},   {"sgt", 480},
	         {"aest", 600}, {"aedt", 660}, {"nzst", 720},  {"nzdt", 780},
	         {"msk", 180},  {"hst", -600}, {"akst", -540}, {"akdt", -480}};
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		if (!strcmp(w, z[i].name)) {
			*tz = z[i].off;
			return 1;
		}
	/* Military letters (not J): RFC 5322 4.3 says -0000, since RFC 822
	 * had their signs backwards. */
	if (n == 1 && w[0] != 'j') {
		*tz = 0;
		return 1;
	}
	return 0;
}

/* Numeric zone after the sign: "hhmm", "hh:mm", "hh". */
static int zone_num(struct cur *c, int sign, int *tz)
{
	int v, n = digits(c, &v);
	int hh, mm = 0;
	if (n == 4) {
		hh = v / 100;
		mm = v % 100;
	} else if (n == 1 || n == 2) {
		hh = v;
		if (c->p + 2 < c->e && *c->p == ':' && is_digit(c->p[1]) &&
		    is_digit(c->p[2])) {
			mm = (c->p[1] - '0') * 10 + (c->p[2] - '0');
			c->p += 3;
		}
	} else {
		return 0;
	}
	*tz = (hh <= 23 && mm <= 59) ? sign * (hh * 60 + mm) : 0;
	return 1;
}

static int fix_year(int y, int ndig)
{
	if (ndig <= 2)
		return y < 50 ? 2000 + y : 1900 + y;
	if (ndig == 3)
		return 1900 + y;
	return y;
}

/* Time after its first number hh: [CFWS] (":" / ".") [CFWS] mm
 * [[CFWS] ":" [CFWS] ss] [ "." fraction ]; '.' only when dot is 1.
 * 0 on success. */
static int hms(struct cur *c, int dot, int *mm, int *ss)
{
	int v;
	*ss = 0;
	skip_cfws(c, 0);
	if (c->p >= c->e || (*c->p != ':' && !(dot && *c->p == '.')))
		return -1;
	char sep = *c->p++;
	skip_cfws(c, 0);
	int n = digits(c, &v);
	if (n < 1 || n > 2)
		return -1;
	*mm = v;
	struct cur k = *c;
	skip_cfws(&k, 0);
	if (k.p < k.e && *k.p == sep) {
		k.p++;
		skip_cfws(&k, 0);
		n = digits(&k, &v);
		if (n >= 1 && n <= 2) {
			*ss = v;
			*c = k;
			/* Fractional seconds are dropped. */
			if (c->p + 1 < c->e && *c->p == '.' &&
			    is_digit(c->p[1])) {
				c->p++;
				digits(c, &v);
			}
		}
	}
	return 0;
}

struct dt {
	int day, mon, year, ydig;
	int hh, mm, ss, pm;
	int tz, have_zone;
};

static int finish(struct dt *d, int64_t *t, int *tz_min)
{
	if (d->year < 0 || d->mon < 1 || d->day < 1)
		return MH_EFORMAT;
	int y = fix_year(d->year, d->ydig);
	if (y < 1000 || y > 9999 || d->mon > 12 ||
	    d->day > mh_time_days_in(y, d->mon))
		return MH_EFORMAT;
	if (d->hh < 0) /* date only */
		d->hh = d->mm = d->ss = 0;
	/* AM/PM after a 24-hour time ("15:04 PM") is ignored. */
	if (d->pm >= 0 && d->hh >= 1 && d->hh <= 12)
		d->hh = d->hh % 12 + (d->pm ? 12 : 0);
	if (d->ss == 60) /* leap second */
		d->ss = 59;
	if (d->hh > 23 || d->mm > 59 || d->ss > 59)
		return MH_EFORMAT;
	*t = mh_time_from_civil(y, d->mon, d->day, d->hh, d->mm, d->ss) -
	     (int64_t)d->tz * 60;
	if (tz_min)
		*tz_min = d->tz;
	return MH_OK;
}

/* "2006-01-02" after its year (c at the first '-'); then 'T' or blank
 * may lead to the time. */
static int iso_date(struct cur *c, struct dt *d, int year)
{
	int m, dd;
	struct cur k = *c;
	k.p++;
	int n = digits(&k, &m);
	if (n < 1 || n > 2 || k.p >= k.e || *k.p != '-')
		return 0;
	k.p++;
	n = digits(&k, &dd);
	if (n < 1 || n > 2)
		return 0;
	d->year = year;
	d->ydig = 4;
	d->mon = m;
	d->day = dd;
	if (k.p < k.e && (*k.p == 'T' || *k.p == 't') && k.p + 1 < k.e &&
	    is_digit(k.p[1]))
		k.p++;
	*c = k;
	return 1;
}

int mh_date_parse(struct mh_slice v, int64_t *t, int *tz_min)
{
	struct cur c = {v.p, v.p ? v.p + v.n : NULL};
	struct dt d = {-1, 0, -1, 0, -1, 0, 0, -1, 0, 0};
	char w[16];

	while (c.p < c.e) {
		skip_cfws(&c, 1);
		if (c.p >= c.e)
			break;
		char ch = *c.p;
		if (is_digit(ch)) {
			int x, n = digits(&c, &x);
			if (n == 4 && d.year < 0 && !d.mon && c.p < c.e &&
			    *c.p == '-' && iso_date(&c, &d, x))
				continue;
			if (d.hh < 0 && n <= 2) {
				struct cur k = c;
				skip_cfws(&k, 0);
				if (k.p < k.e && (*k.p == ':' ||
				                  (*k.p == '.' && k.p == c.p &&
				                   d.year >= 0))) {
					if (hms(&c, 1, &d.mm, &d.ss))
						return MH_EFORMAT;
					d.hh = x;
					continue;
				}
			}
			if (d.hh >= 0 && d.year >= 0 && !d.have_zone &&
			    n == 4 && x / 100 <= 14 && x % 100 <= 59) {
				/* "15:04:05 0000": a zone without sign (no
				 * real zone is past 14 hours) */
				d.tz = x / 100 * 60 + x % 100;
				d.have_zone = 1;
				continue;
			}
			if (n >= 3 || x > 31) {
				if (d.year < 0) {
					d.year = x;
					d.ydig = n;
				} /* else: junk after the zone ("H0500") */
			} else if (d.day < 0) {
				d.day = x;
			} else if (d.year < 0 && d.mon) {
				d.year = x;
				d.ydig = n;
			}
			/* else: a stray small number, ignored */
			continue;
		}
		if ((ch == '+' || ch == '-') && c.p + 1 < c.e &&
		    is_digit(c.p[1]) && d.hh >= 0) {
			c.p++;
			int z;
			if (!d.have_zone) {
				if (zone_num(&c, ch == '-' ? -1 : 1, &z)) {
					d.tz = z;
					d.have_zone = 1;
				}
			} else {
				int x;
				digits(&c, &x); /* a second zone: ignored */
			}
			continue;
		}
		if (is_alpha(ch)) {
			size_t n = word(&c, w, sizeof(w));
			int m, z;
			if (!d.mon && (m = month_of(w, n)) != 0) {
				d.mon = m;
			} else if (is_weekday(w, n)) {
				/* ignored; RFC 5322 does not check it */
			} else if (d.hh >= 0 &&
			           (!strcmp(w, "am") || !strcmp(w, "pm"))) {
				d.pm = w[0] == 'p';
			} else if (d.hh >= 0 && !d.have_zone &&
			           zone_name(w, n, &z)) {
				d.tz = z;
				d.have_zone = 1;
			}
			/* other words: ignored ("at", "Sent:") */
			continue;
		}
		c.p++; /* '-', '/', '.': separators or junk */
	}
	return finish(&d, t, tz_min);
}

int mh_date_parse_asctime(struct mh_slice v, int64_t *t)
{
	struct cur c = {v.p, v.p ? v.p + v.n : NULL};
	struct dt d = {-1, 0, -1, 0, -1, 0, 0, -1, 0, 0};
	char w[16];
	size_t n;
	int x, z;

	skip_cfws(&c, 0);
	n = word(&c, w, sizeof(w));
	if (!n)
		return MH_EFORMAT;
	if (is_weekday(w, n)) {
		skip_cfws(&c, 1);
		n = word(&c, w, sizeof(w));
	}
	if (!(d.mon = month_of(w, n)))
		return MH_EFORMAT;
	skip_cfws(&c, 0);
	n = (size_t)digits(&c, &d.day);
	if (n < 1 || n > 2)
		return MH_EFORMAT;
	skip_cfws(&c, 0);
	n = (size_t)digits(&c, &d.hh);
	if (n < 1 || n > 2 || hms(&c, 0, &d.mm, &d.ss))
		return MH_EFORMAT;
	skip_cfws(&c, 0);
	/* Some writers put the zone before the year. */
	if (c.p < c.e && (*c.p == '+' || *c.p == '-')) {
		int sign = *c.p == '-' ? -1 : 1;
		c.p++;
		if (!zone_num(&c, sign, &z))
			return MH_EFORMAT;
		d.tz = z;
		d.have_zone = 1;
		skip_cfws(&c, 0);
	} else if (c.p < c.e && is_alpha(*c.p)) {
		n = word(&c, w, sizeof(w));
		if (!zone_name(w, n, &z))
			return MH_EFORMAT;
		d.tz = z;
		d.have_zone = 1;
		skip_cfws(&c, 0);
	}
	int yd = digits(&c, &x);
	if (yd != 2 && yd != 4)
		return MH_EFORMAT;
	d.year = x;
	d.ydig = yd;
	if (!d.have_zone) {
		skip_cfws(&c, 0);
		if (c.p < c.e && (*c.p == '+' || *c.p == '-')) {
			int sign = *c.p == '-' ? -1 : 1;
			c.p++;
			if (zone_num(&c, sign, &z))
				d.tz = z;
		} else if (c.p < c.e && is_alpha(*c.p)) {
			/* A zone, or "remote from host" (UUCP). */
			n = word(&c, w, sizeof(w));
			if (zone_name(w, n, &z) && n > 1)
				d.tz = z;
		}
	}
	return finish(&d, t, NULL);
}
