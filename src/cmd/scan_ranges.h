/* scan_ranges.h - record numbers and lines of a file read in byte ranges.
 *
 * A JSON Lines or CSV file split into ranges for the workers is read by one
 * reader per range; the events of a range other than the first carry
 * their record number and line counted from the range's start
 * (reader.h struct mh_range_count). Each range's counts are kept here
 * and, after the merge, every piece of evidence in such a file is
 * numbered as one read of the file numbers it: the counts of the ranges
 * before its own are added. When a range before it was not read to its
 * end (a read error) the record number and line are cleared (unknown)
 * rather than wrong; the byte offset is exact either way.
 *
 * Threads: mh_scan_ranges_add (the walker) and _set (the workers) lock;
 * _fix runs after the workers are joined.
 */
#ifndef MH_SCAN_RANGES_H
#define MH_SCAN_RANGES_H

#include <stdint.h>

#include "finding/finding.h"
#include "readers/reader.h"

struct mh_scan_ranges;

/* MH_OK or MH_ENOMEM. */
int mh_scan_ranges_new(struct mh_scan_ranges **out);
/* NULL allowed. */
void mh_scan_ranges_free(struct mh_scan_ranges *rs);

/* One range [lo, ...) of path (copied), its counts not known yet: its
 * slot number (>= 0), or MH_ENOMEM. */
int mh_scan_ranges_add(struct mh_scan_ranges *rs, const char *path,
                       uint64_t lo);
/* What the reader of slot says (reader.h range op): c->first always,
 * the counts when counted (the range was read to its end). slot < 0 is
 * ignored. */
void mh_scan_ranges_set(struct mh_scan_ranges *rs, int slot, int counted,
                        const struct mh_range_count *c);

/* Number every piece of evidence in a file read in ranges as the file
 * does (see above). */
void mh_scan_ranges_fix(struct mh_scan_ranges *rs, struct mh_findings *fs);

/* After _fix: what the ranges of path before the one starting at lo hold
 * (add them to its events' index and line to number them as the file
 * does): 1 with *records and *lines, 0 when not known (no such range, or
 * one before it was not read to its end). */
int mh_scan_ranges_base(const struct mh_scan_ranges *rs, const char *path,
                        uint64_t lo, uint64_t *records, uint64_t *lines);

#endif
