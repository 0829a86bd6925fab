/* corr.h - Sigma correlation rules over the matches of their rules.
 *
 * Events reach the analytics from several workers in no time order, so
 * correlations are not evaluated as events arrive. Each worker keeps, for
 * every match of a rule that a correlation names, one record (time, the
 * correlation's group key for that rule with its aliases, the value of
 * its `field`, where the event is); records are merged, sorted by time
 * and then replayed per correlation through a sliding window per group:
 * the window holds the group's records of the last `timespan` seconds
 * (t - timespan, t], so a burst that straddles any boundary is seen whole.
 *
 * Memory: the records of all matches of referenced rules (about 64 bytes
 * plus the key and value texts each) live until the end of the scan; the
 * live window state is bounded by the records within one timespan per
 * group. Records without a time (MH_TS_NONE) are not correlated and are
 * counted (mh_corr untimed).
 *
 * A record read twice (the same audit record in two exports, or in a
 * collector's rerun) counts once: every copy that matches is added with
 * the record's id, and before a correlation runs the copies of one record
 * for the same rule are cut to the one first by (file, offset). So a
 * record counts when any copy of it matches (a field only one export
 * has), and the counts and evidence do not depend on which copy was read
 * first (input order, threads).
 *
 * When a window meets the condition the correlation fires and the
 * group's window starts again empty (a long burst fires once per
 * threshold reached, not once per event). Conditions that only fall as
 * events arrive (lt, lte, eq, neq) are judged when a window of `timespan`
 * from its first record closes. Firings of a correlation that another
 * correlation names are its records in turn (chains), with the group
 * values as fields.
 */
#ifndef MH_SIGMA_CORR_H
#define MH_SIGMA_CORR_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "finding/finding.h"
#include "rules/sigma/ruleset.h"

struct mh_corr_rec {
	int64_t ts;
	uint32_t corr;     /* correlation rule index */
	uint32_t k;        /* position of the matching rule in corr.rules */
	const char *key;   /* group key: values joined with 0x1f */
	const char *value; /* value of `field`, or NULL */
	const char *file;
	uint64_t offset, record;
	unsigned line;
	/* The record's own id (event.h record_id; not NUL-terminated), or
	 * NULL: copies of one record (read in two exports) with the same
	 * corr and k are one record (the copy first by file and offset). */
	const char *rid;
	size_t nrid;
};

struct mh_corr {
	struct mh_corr_rec *v;
	size_t n, alloc;
	struct mh_arena arena;
	uint64_t untimed;
};

void mh_corr_init(struct mh_corr *c);
void mh_corr_release(struct mh_corr *c);
/* Copy r (its strings too) in. MH_OK or MH_ENOMEM. */
int mh_corr_add(struct mh_corr *c, const struct mh_corr_rec *r);
/* Move from's records into into. MH_OK or MH_ENOMEM. */
int mh_corr_merge(struct mh_corr *into, struct mh_corr *from);

/* A firing: one per correlation and group, aggregated. */
struct mh_corr_hit {
	uint32_t corr;
	const char *key;
	uint64_t firings, events;
	int64_t first, last;
	struct mh_corr_rec ev[8]; /* first records of the first firing */
	size_t nev;
};

/* Evaluate every correlation of s over the records; *hits (malloc'd,
 * caller frees; strings in c's arena) gets one entry per correlation and
 * group that fired, in rule then key order. MH_OK or MH_ENOMEM. */
int mh_corr_run(const struct mh_sigma *s, struct mh_corr *c,
                struct mh_corr_hit **hits, size_t *nhits);

/* The condition of a correlation on a number. */
int mh_corr_cond(const struct mh_sg_corr *k, double v);

#endif
