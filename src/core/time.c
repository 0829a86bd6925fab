/* time.c - calendar arithmetic without libc time functions (which
 * depend on the locale and the TZ environment, and are not all
 * thread-safe). */
#include "core/time.h"

#include <stdio.h>
#include <string.h>

int64_t mh_time_from_civil(int y, int mon, int d, int hh, int mm, int ss)
{
	/* days_from_civil: shift the year to start in March so that the
	 * leap day is last; eras of 400 years repeat. */
	int64_t yy = (int64_t)y - (mon <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = (mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
}

int mh_time_days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

void mh_time_iso(int64_t t, char out[21])
{
	/* Years 0000-9999 only: 253402300799 is 9999-12-31T23:59:59Z. */
	if (t < -62167219200 || t > 253402300799) {
		memcpy(out, "0000-00-00T00:00:00Z", 21);
		return;
	}
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
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y,
	         (int)m, (int)d, (int)(secs / 3600), (int)(secs / 60 % 60),
	         (int)(secs % 60));
	memcpy(out, tmp, 20);
	out[20] = '\0';
}
