/* forwarding.h - auto-forwarding (T1114.003) evidence in mail stores.
 *
 * One accumulator per worker thread consumes mail events; accumulators are
 * merged and turned into findings at the end. What counts as an artefact,
 * who forwards to whom, internal/external and the rules are specified in
 * docs/FORWARDING.md. Nothing here allocates for messages that carry no
 * artefact; such messages cost a scan of their header names and a subject
 * prefix check.
 */
#ifndef MH_FORWARDING_H
#define MH_FORWARDING_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "event/event.h"
#include "finding/finding.h"

struct mh_fwd;

struct mh_fwd_opts {
	const char *const *org_domains; /* lower case; none: inferred */
	size_t norg;
	size_t max_evidence; /* per finding; 0: 5 */
};

/* New accumulator; opts is copied (the strings must outlive it). */
int mh_fwd_new(struct mh_fwd **out, const struct mh_fwd_opts *o);
/* NULL allowed. */
void mh_fwd_free(struct mh_fwd *f);

/* Consume one event (kinds other than MH_EV_MAIL are ignored). The event
 * is not kept: what is needed is copied. MH_OK or MH_ENOMEM. */
int mh_fwd_event(struct mh_fwd *f, const struct mh_event *ev,
                 struct mh_err *err);

/* Move everything from `from` into `into`; `from` is left empty. The result
 * does not depend on the order of merges or on how messages were spread
 * over accumulators. MH_OK or MH_ENOMEM. */
int mh_fwd_merge(struct mh_fwd *into, struct mh_fwd *from);

/* Append the findings (owned by out) in a deterministic order. */
int mh_fwd_findings(struct mh_fwd *f, struct mh_findings *out);

/* Messages seen / with an auto-forward artefact / of those, looking
 * forwarded. */
void mh_fwd_totals(const struct mh_fwd *f, uint64_t *messages,
                   uint64_t *auto_forwarded, uint64_t *looks_forwarded);

/* Exposed for tests: 1 when an (unfolded, decoded) subject starts with a
 * forward prefix in one of the supported languages. */
int mh_fwd_subject_looks_forwarded(const char *s, size_t n);
/* 1 when a body prefix holds a forwarded-message separator line or a
 * message/rfc822 part. */
int mh_fwd_body_looks_forwarded(const char *s, size_t n);

#endif
