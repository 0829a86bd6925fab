/* date.h - RFC 5322 3.3 date-time plus obsolete forms (4.3): two-digit
 * years, alphabetic and military zones, missing seconds or weekday,
 * comments; also asctime() form as in mbox From_ lines.
 */
#ifndef MH_DATE_H
#define MH_DATE_H

#include <stdint.h>

#include "core/slice.h"

/* Parse an unfolded Date value. On success returns MH_OK, *t = Unix
 * seconds UTC, *tz_min = zone offset in minutes east of UTC (0 for -0000
 * and unknown zones). MH_EFORMAT when no date can be recovered. */
int mh_date_parse(struct mh_slice v, int64_t *t, int *tz_min);

/* asctime-style "Mon Jan  2 15:04:05 2006" optionally followed by a zone
 * or preceded by it (mbox From_ lines). Same returns. */
int mh_date_parse_asctime(struct mh_slice v, int64_t *t);

#endif
