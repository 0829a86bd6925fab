/* match.h - matching events against a loaded rule set.
 *
 * One mh_sigma_ctx per thread (it owns the event view, the Vectorscan
 * scratch spaces and the candidate marks); the rule set is shared
 * read-only. mh_sigma_match builds the event's view (evview.h), finds
 * the logsource buckets the event satisfies, gets the candidate rules from
 * the prefilter (prefilter.h) plus the bucket's always-rules, evaluates
 * each candidate's condition and the Sigma filters attached to it, and
 * returns the indices of the detection rules that match, ascending.
 */
#ifndef MH_SIGMA_MATCH_H
#define MH_SIGMA_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "rules/sigma/evview.h"
#include "rules/sigma/ruleset.h"

struct mh_sigma_ctx;

int mh_sigma_ctx_new(const struct mh_sigma *set, struct mh_sigma_ctx **out);
void mh_sigma_ctx_free(struct mh_sigma_ctx *c);

/* Match ev. *matched (owned by c, valid until the next call) lists *n rule
 * indices. MH_OK or MH_ENOMEM. */
int mh_sigma_match(struct mh_sigma_ctx *c, const struct mh_event *ev,
                   const uint32_t **matched, size_t *n);

/* The view of the last event matched (for evidence and correlation
 * values). */
struct mh_sg_view *mh_sigma_ctx_view(struct mh_sigma_ctx *c);

/* Buckets (logsource groups) the last event satisfied: a bitset of
 * set->nbuckets bits. */
const uint64_t *mh_sigma_ctx_buckets(const struct mh_sigma_ctx *c);

/* Evaluate rule r (detection or filter) on the current view without the
 * prefilter: for tests. 1 match, 0 not. */
int mh_sigma_eval_rule(struct mh_sigma_ctx *c, uint32_t r);

/* Counters since creation: events, candidate evaluations, matches. */
void mh_sigma_ctx_stats(const struct mh_sigma_ctx *c, uint64_t *events,
                        uint64_t *evals, uint64_t *matches);

#endif
