/* time.h - Unix time arithmetic shared by every layer: parsers of mail
 * dates and audit timestamps, the filters of `scan`, the writers.
 * Proleptic Gregorian calendar, UTC, no libc time functions.
 */
#ifndef MH_TIME_H
#define MH_TIME_H

#include <stdint.h>

/* A time that is not known (event, finding, evidence). */
#define MH_TS_NONE INT64_MIN

/* Days-from-civil (proleptic Gregorian) to Unix seconds. */
int64_t mh_time_from_civil(int y, int mon /* 1-12 */, int d, int hh, int mm,
                           int ss);

/* Days in month m (1-12) of year y, Gregorian leap years. */
int mh_time_days_in(int y, int m);

/* Format t as "2006-01-02T15:04:05Z" into out (>= 21 bytes); years
 * outside 0000-9999 give "0000-00-00T00:00:00Z". */
void mh_time_iso(int64_t t, char out[21]);

#endif
