/* scan_dump.h - --dump-events lines of the later byte ranges of a split
 * file, held until the ranges before them are counted.
 *
 * A range that does not start at 0 numbers its events' records and
 * lines from its own start (scan_ranges.h); the ranges before it are
 * counted only once they are read. So that the dumped events carry the
 * record and line one read of the file gives them (as the findings'
 * evidence does), each worker writes the lines of such ranges to a spill
 * of its own (an unlinked temporary file in $TMPDIR or /tmp: memory stays
 * bounded however big the file) and, after the workers are joined and the
 * ranges counted, every spilled line goes to the dump numbered as the
 * file numbers it (null when a range before it was not read to its end).
 * Those lines therefore come after the others.
 *
 * Threads: one spill per worker; _write after the workers are joined.
 */
#ifndef MH_SCAN_DUMP_H
#define MH_SCAN_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "cmd/scan_ranges.h"
#include "event/event.h"

struct mh_dump_spill;

/* MH_OK or MH_ENOMEM. The temporary file is made on the first _add. */
int mh_dump_spill_new(struct mh_dump_spill **out);
/* NULL allowed. */
void mh_dump_spill_free(struct mh_dump_spill *sp);

/* Hold ev (an event of the range of path starting at lo, its index and
 * line counted from the range's start) for _write. MH_OK; MH_EIO when the
 * temporary file cannot be made or written (the event is not held: the
 * caller dumps it without record and line and says the dump is
 * incomplete); MH_ENOMEM. */
int mh_dump_spill_add(struct mh_dump_spill *sp, const char *path, uint64_t lo,
                      const struct mh_event *ev);

/* Write every held line to out, numbered with the counts of rs (after
 * mh_scan_ranges_fix). MH_OK, or MH_EIO (a read or write error). */
int mh_dump_spill_write(struct mh_dump_spill *sp,
                        const struct mh_scan_ranges *rs, FILE *out);

#endif
