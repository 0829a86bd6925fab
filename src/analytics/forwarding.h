/* forwarding.h - auto-forwarding (T1114.003) evidence in mail stores and
 * audit logs: one picture fed by both (fwdpic.h lists the modules).
 *
 * One accumulator per worker thread consumes mail events; accumulators are
 * merged and turned into findings at the end. What counts as an artefact,
 * who forwards to whom, internal/external and the rules are specified in
 * docs/FORWARDING.md, which is the contract with the simulator and the
 * tests.
 *
 * Cost: a message without any artefact costs one pass over its header
 * names (dispatch on length, then one case-insensitive compare) and, when
 * the Return-Path holds "+caf_=", one memmem; nothing is allocated,
 * unfolded or decoded for it. Messages with artefacts are parsed fully
 * (addresses, subject, body prefix) into scratch memory the accumulator
 * reuses.
 *
 * Threads: an accumulator is used by one thread at a time; different
 * accumulators share nothing.
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
	const char *const *org_domains; /* lower case (copied, lower-cased
	                                  * again); norg == 0: inferred */
	size_t norg;
	size_t max_evidence; /* evidence items per finding; 0: 5 */
};

/* New accumulator in *out. o may be NULL (all defaults); its strings are
 * copied. MH_OK or MH_ENOMEM (*out untouched). */
int mh_fwd_new(struct mh_fwd **out, const struct mh_fwd_opts *o);
/* Free f and everything it owns. NULL allowed. */
void mh_fwd_free(struct mh_fwd *f);

/* Consume one event: mail (MH_EV_MAIL with msg) or an audit record or
 * configuration snapshot (MH_EV_AUDIT with audit); other kinds are
 * ignored (MH_OK). The event is not kept: what is needed is
 * copied. Returns MH_OK, or MH_ENOMEM (err says so; the accumulator stays
 * usable but may have lost this message). Each event is one message:
 * the same message fed twice (one file reached by two paths) is counted
 * twice, so the caller feeds each file once; evidence keeps one item per
 * (path, offset). */
int mh_fwd_event(struct mh_fwd *f, const struct mh_event *ev,
                 struct mh_err *err);

/* Move everything from `from` into `into`; `from` is left empty (but must
 * still be freed). Both must have been created with the same options. The
 * merged state, and so the findings and statistics, do not depend on the
 * order of merges or on how messages were spread over accumulators.
 * MH_OK or MH_ENOMEM (into then holds a partial merge). */
int mh_fwd_merge(struct mh_fwd *into, struct mh_fwd *from);

/* Append the findings to out (which owns them afterwards), in a
 * deterministic order (by rule, mailbox, destination). f is not changed.
 * Every finding has technique "T1114.003", tactic "collection", a stable
 * id (mh_finding_set_id), counts "auto_forwarded" and "looks_forwarded",
 * a summary sentence, the mechanism(s) and a remediation text; except the
 * informational MH-FWD-JOURNAL (journal reports whose attached original
 * could not be analysed: no mailbox, destination or mechanism; counts
 * "journal_reports" and one per reason), appended last. MH_OK or
 * MH_ENOMEM (findings appended so far stay in out). */
int mh_fwd_findings(struct mh_fwd *f, struct mh_findings *out);

/* Messages seen / with an auto-forward artefact / of those, looking
 * forwarded. Any pointer may be NULL. */
void mh_fwd_totals(const struct mh_fwd *f, uint64_t *messages,
                   uint64_t *auto_forwarded, uint64_t *looks_forwarded);

/* MARK: - statistics for a summary table */

/* One forwarding pair, over every mechanism seen for it. */
struct mh_fwd_pair_stat {
	const char *mailbox;      /* forwarding mailbox, "unknown" if none */
	const char *destination;  /* destination, "unknown" if none */
	const char *dest_domain;  /* "" when the destination is unknown */
	int external;             /* 1 external, 0 internal, -1 unknown */
	const char *mechanisms;   /* comma-separated mechanism names */
	uint64_t auto_forwarded;  /* messages forwarded along this pair */
	uint64_t looks_forwarded; /* of those, looking forwarded */
	int64_t first, last;      /* message times, MH_TS_NONE if unknown */
};

/* One forwarding mailbox: every message it forwarded counted once. */
struct mh_fwd_mailbox_stat {
	const char *mailbox;
	uint64_t auto_forwarded;
	uint64_t looks_forwarded;
	size_t destinations;          /* distinct destinations (pairs) */
	size_t external_destinations; /* of those, external */
	int64_t first, last;
};

/* Snapshot of the statistics, sorted by mailbox then destination, with
 * internal/external decided as for findings (org domains given or
 * inferred from everything seen so far: call it after the last merge).
 * The arrays and strings belong to f and stay valid until the next call
 * of mh_fwd_event, mh_fwd_merge, mh_fwd_stats or mh_fwd_free on f. Any
 * output pointer pair may be NULL. MH_OK or MH_ENOMEM. */
int mh_fwd_stats(struct mh_fwd *f, const struct mh_fwd_pair_stat **pairs,
                 size_t *npairs, const struct mh_fwd_mailbox_stat **mailboxes,
                 size_t *nmailboxes);

/* 1 when domain (lower case) is internal: equal to or a subdomain of an
 * org domain (given, or inferred from what f has seen). This is rule 2 of
 * docs/FORWARDING.md "Internal or external" only; a finding's `external`
 * also looks at its own forwarding mailbox. */
int mh_fwd_domain_internal(struct mh_fwd *f, const char *domain);

/* MARK: - organisation domains */

/* One org domain in use. */
struct mh_fwd_org_domain {
	const char *domain; /* lower case */
	const char *source; /* "given" (--org-domain), "audit-tenant" (audit
	                     * records of the tenant), "store-owner" (from the
	                     * path) or "headers" (forwarding mailboxes) */
	uint64_t messages;  /* "headers": messages whose forwarding mailbox
	                     * is in the domain; else 0 */
};

/* The org domains used to decide internal/external (docs/FORWARDING.md
 * "Internal or external"): the given ones, or those inferred from
 * everything seen so far (call it after the last merge), sorted by
 * domain. *n == 0 when none is known: then findings whose mailbox is
 * unknown are undecided. The array belongs to f and stays valid until the
 * next mh_fwd_event, mh_fwd_merge or mh_fwd_free on f. v or n may be
 * NULL. MH_OK or MH_ENOMEM (*n is then 0). */
int mh_fwd_org_domains(struct mh_fwd *f, const struct mh_fwd_org_domain **v,
                       size_t *n);

/* 1 when domain (any case) is a consumer (free-mail) domain or one of its
 * subdomains (gmail.com, hotmail.co.uk, ...; the list is in
 * docs/FORWARDING.md): never inferred as an org domain. */
int mh_fwd_consumer_domain(const char *domain);

#endif
