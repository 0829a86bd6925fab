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

/* The readers' literal prefilter with rules (analytic.h audit_raw): a
 * Microsoft 365 activity record the built-in analytics do not read is
 * passed over unparsed when no rule can match it, which is decided from
 * its raw text alone. One Vectorscan database holds the atoms
 * (prefilter.h) of every rule of every logsource such a record can be
 * in, whatever its workload, group and export shape; values its typed
 * view adds that are not in its text are accounted for: @workload and
 * @operation are in it, @invocation ("Operation Parameters") joins two
 * of its values with a space (an atom across that space is looked for
 * at the end of the operation), and @result's words ("success", ...)
 * must hit no atom; a record with a CmdletName key (which may be read
 * as an admin audit log entry, whose operation is that key's and whose
 * workload is "Exchange") is always parsed. 1 when c can judge, 0 when
 * those rules need the
 * fields of every record (a rule without atoms, an atom with a quote or
 * a backslash, a result word hit, a typed value of another kind): then
 * every record must be parsed. MH_ENOMEM. Built once per c. */
int mh_sigma_audit_judge(struct mh_sigma_ctx *c);

/* 0 when no rule can match the record whose raw text (a JSON record, or
 * with csv a Purview row as written) is text and of which the peek read
 * o (readers/record/rawop.h; its operation at least): it need not be
 * parsed. 1 otherwise, and always when c cannot judge.
 *
 * The gate first, for a JSON record of which mh_rawop_sigma can tell its
 * fields named Operation and Workload (and that it has no eventName nor
 * eventSource of its own): every rule of the record's class is evaluated
 * once per (operation, workload, alert or not) with those fields (and
 * their aliases, eventName and eventSource) known and every other field
 * unknown; when each is false (the rules need an operation or workload
 * this one is not), the answer is 0 with no scan of the text. Otherwise
 * the scan of the judge's atoms. */
struct mh_rawop;
int mh_sigma_audit_may(struct mh_sigma_ctx *c, struct mh_slice text, int csv,
                       const struct mh_rawop *o);

/* Counters since creation: events, candidate evaluations, matches. */
void mh_sigma_ctx_stats(const struct mh_sigma_ctx *c, uint64_t *events,
                        uint64_t *evals, uint64_t *matches);

#endif
