/* scan_stats.h - counters of one scan, so that every record read is either
 * an event or a skip with a reason, and the totals reconcile.
 */
#ifndef MH_SCAN_STATS_H
#define MH_SCAN_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "event/audit.h"

struct mh_scan_stats {
	uint64_t files;         /* inputs opened by a reader */
	uint64_t files_failed;  /* inputs not (fully) readable */
	uint64_t files_unknown; /* inputs of no supported type */
	uint64_t files_dup; /* inputs skipped as already read (not records) */
	uint64_t bytes;     /* bytes consumed by readers */
	uint64_t events;    /* records turned into events */
	uint64_t skipped[MH_SKIP__COUNT]; /* records skipped, by reason */
	uint64_t dups; /* records dropped as read before (event.h record_id);
	                * records read = events + skipped + dups */
	/* Records read (events, skipped and duplicates) per reader, index
	 * in mh_readers, and audit records read per shape: both independent
	 * of which copy of a duplicated record a thread read first. */
	uint64_t per_reader[8];
	uint64_t per_shape[MH_AS__COUNT];
	uint64_t per_kind[8]; /* events per enum mh_event_kind */
	uint64_t passed;      /* records passed over unparsed (event.h
	                  * unparsed), duplicates included: each is an
	                  * event no analytic sees, a duplicate or skipped */
};

/* Add b into a. */
void mh_scan_stats_add(struct mh_scan_stats *a, const struct mh_scan_stats *b);
uint64_t mh_scan_stats_skipped(const struct mh_scan_stats *s);
/* The end-of-run summary (stderr). */
void mh_scan_stats_print(FILE *f, const struct mh_scan_stats *s,
                         double elapsed_s, size_t nfindings);

#endif
