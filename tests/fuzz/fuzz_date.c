/* Fuzz target: date parsing on arbitrary bytes. Invariants: a parsed
 * date lies in years 1000-9999 (give or take a zone); the zone is under
 * 24 hours; the ISO form of the result parses back to the same instant
 * with zone 0; what the asctime parser accepts the general one accepts
 * too, within 36 hours (a zone and AM/PM read from junk after the year);
 * days-from-civil and its inverse agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "mail/date.h"
#include "fuzz.h"

static void check_instant(int64_t t)
{
	CHECK(t >= mh_time_from_civil(1000, 1, 1, 0, 0, 0) - 86400);
	CHECK(t <= mh_time_from_civil(9999, 12, 31, 23, 59, 59) + 86400);
	char iso[21];
	mh_time_iso(t, iso);
	int64_t back;
	int z = 1;
	if (iso[0] != '0') { /* years 1000-9999 */
		CHECK(mh_date_parse(mh_slice_make(iso, 20), &back, &z) ==
		      MH_OK);
		CHECK(back == t && z == 0);
		int y, mo, d, hh, mm, ss;
		CHECK(sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &hh,
		             &mm, &ss) == 6);
		CHECK(mh_time_from_civil(y, mo, d, hh, mm, ss) == t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_slice v = mh_slice_make((const char *)data, size);
	int64_t t = 0, t2 = 0;
	int tz = 0;

	int rc = mh_date_parse(v, &t, &tz);
	CHECK(rc == MH_OK || rc == MH_EFORMAT);
	if (rc == MH_OK) {
		CHECK(tz > -24 * 60 && tz < 24 * 60);
		check_instant(t);
	}
	int rc2 = mh_date_parse_asctime(v, &t2);
	CHECK(rc2 == MH_OK || rc2 == MH_EFORMAT);
	if (rc2 == MH_OK) {
		check_instant(t2);
		/* What the strict parser takes, the lenient one takes, and
		 * reads the same fields. Junk after the year may still mean
		 * something to the lenient one: a zone (under 24 hours) and
		 * AM/PM (12 hours), as in "jan3 1:5 20pM2023-23-1". */
		CHECK(rc == MH_OK && t - t2 < 36 * 3600 && t2 - t < 36 * 3600);
	}
	return 0;
}
