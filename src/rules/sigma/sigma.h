/* sigma.h - the Sigma engine as mailhunt's commands use it.
 *
 * mh_analytic_sigma (analytics/analytic.h) runs a loaded rule set
 * (conf->sigma) over every event: one finding per matching rule (per
 * group for correlations) with the count of matching events, evidence
 * (file, record, the fields the rule tested) and, for every rule, its
 * author, status, tags and, for SigmaHQ rules, the link to the rule and
 * its licence (Detection Rule License 1.1 asks for both). Rules a
 * correlation names report alone only with `generate: true`.
 *
 * The summary says how many rules loaded, which were refused and why
 * (by kind), and how many were idle: their logsource matched no event of
 * the scan (or, without a scan, no input mailhunt reads can have it).
 */
#ifndef MH_SIGMA_H
#define MH_SIGMA_H

#include <stdint.h>
#include <stdio.h>

#include "analytics/analytic.h"
#include "rules/sigma/ruleset.h"

extern const struct mh_analytic_ops mh_analytic_sigma;

/* Placeholder values from the command line (NAME=VALUE, repeatable). */
struct mh_sigma_phs {
	struct mh_placeholder *v;
	size_t n, alloc;
};
void mh_sigma_phs_init(struct mh_sigma_phs *p);
/* Add "NAME=VALUE" (a second VALUE for a NAME is OR-ed). 0 or -1 when
 * arg has no '=' or an empty name; MH_ENOMEM. */
int mh_sigma_phs_add(struct mh_sigma_phs *p, const char *arg);
void mh_sigma_phs_release(struct mh_sigma_phs *p);

/* Print what was loaded and refused (by kind; with every refusal when
 * verbose). seen (NULL: none known) is a bitset of buckets some event
 * satisfied: rules in others are counted idle. */
void mh_sigma_summary(const struct mh_sigma *s, FILE *f, int verbose);
void mh_sigma_scan_summary(const struct mh_sigma *s, const uint64_t *seen,
                           FILE *f);

/* The bucket bitset of a sigma analytic accumulator (after merge), for
 * mh_sigma_scan_summary; NULL when acc is not one. */
const uint64_t *mh_sigma_acc_seen(void *acc);

#endif
