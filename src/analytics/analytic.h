/* analytic.h - what turns events into findings, behind one interface.
 *
 * Every analytic (the forwarding picture, the audit judgement, the Sigma
 * engine) is driven the same way by `scan`: one accumulator per worker
 * thread, fed the events that thread reads, then the accumulators are
 * merged into the first and asked for findings:
 *
 *     ops->create(&acc[i], conf, &err);          // per worker
 *     ops->event(acc[i], &ev, &err);             // per event, no lock
 *     ops->merge(acc[0], acc[i]);                // after the workers end
 *     ops->findings(acc[0], &out);
 *     ops->destroy(acc[i]);
 *
 * Findings must not depend on how events were spread over workers or on
 * the order of merges (the same input gives the same output with -j1 and
 * -jN). An analytic ignores the event kinds it has nothing to say about.
 * Events are borrowed (event.h): whatever is kept is copied.
 */
#ifndef MH_ANALYTIC_H
#define MH_ANALYTIC_H

#include <stddef.h>

#include "core/err.h"
#include "event/event.h"
#include "finding/finding.h"

struct mh_rawop; /* readers/record/rawop.h: what the peek read */

/* What analytics are configured with; one per scan, read-only while the
 * workers run. Each analytic reads the members it needs. */
struct mh_sigma;

struct mh_analytic_conf {
	const char *const *org_domains; /* --org-domain, lower case; norg == 0:
	                                 * inferred by the analytics */
	size_t norg;
	size_t max_evidence; /* evidence items per finding; 0: 5 */
	/* Sigma rules loaded for --rules (rules/sigma/ruleset.h), or NULL:
	 * the sigma analytic then does nothing */
	const struct mh_sigma *sigma;
};

/* audit_need: the tenant's facts of every record (the actor's and the
 * mailbox's domains, OrganizationName: readers/record/rawop.h
 * MH_RAWOP_TENANT). */
#define MH_AN_NEED_TENANT 1u

struct mh_analytic_ops {
	const char *name; /* "forwarding", ... */
	/* New accumulator in *out. MH_OK, or a negative code with err set
	 * (*out untouched). */
	int (*create)(void **out, const struct mh_analytic_conf *conf,
	              struct mh_err *err);
	/* Consume one event. MH_OK; MH_ENOMEM ends the scan as an internal
	 * error; other negative codes are reported (err) and the scan goes
	 * on. */
	int (*event)(void *acc, const struct mh_event *ev, struct mh_err *err);
	/* Move everything of from into into (from stays valid, to be
	 * destroyed). MH_OK or MH_ENOMEM. */
	int (*merge)(void *into, void *from);
	/* Append findings to out (which owns them). MH_OK or MH_ENOMEM. */
	int (*findings)(void *acc, struct mh_findings *out);
	/* NULL allowed. */
	void (*destroy)(void *acc);
	/* NULL allowed. A record dropped as a duplicate of one already read
	 * (the same audit record in two exports): which copy comes first
	 * depends on the threads, so an analytic that keeps where a record
	 * was read (evidence) sees every copy here and keeps the same one
	 * whatever the order; it must count nothing. Same codes as event. */
	int (*duplicate)(void *acc, const struct mh_event *ev,
	                 struct mh_err *err);
	/* NULL allowed: the analytic reads every audit record. Otherwise the
	 * Microsoft 365 audit operations it reads, for the readers' literal
	 * prefilter (`scan` hands the union of every analytic's list to
	 * the readers, readers/record/rawop.h): a Management Activity API
	 * record whose operation is on no list is passed over unparsed and
	 * never reaches event(). A NULL-terminated list, kept as data next
	 * to the code that reads those operations; names compare ASCII
	 * case-insensitively, "*text" stands for every operation that
	 * holds text, "#N" for every record of RecordType N whatever its
	 * operation. The hook may return NULL (reads every audit record,
	 * which turns the prefilter off) when conf says so, e.g. when
	 * every record teaches it something. An empty list: reads none. */
	const char *const *(*audit_ops)(const struct mh_analytic_conf *conf);
	/* NULL allowed (0). What the analytic still needs of a record
	 * passed over unparsed, MH_AN_NEED_* flags, given to the readers:
	 * they parse a record whose raw text does not tell it for sure. */
	unsigned (*audit_need)(const struct mh_analytic_conf *conf);
	/* NULL allowed. A record passed over unparsed (not a duplicate):
	 * ev has its position, record_id, ts and raw, kind MH_EV_AUDIT and
	 * unparsed set, and an audit view with only source, shape,
	 * operation, id, ts, record_type and (when an analytic's
	 * audit_need asked for MH_AN_NEED_TENANT) actor, mailbox and org;
	 * it holds nothing to judge, only that an audit record was read
	 * and whose tenant it is. */
	void (*passed_over)(void *acc, const struct mh_event *ev);
	/* NULL allowed. For an analytic whose audit_ops list cannot name
	 * what it reads (Sigma rules test any field of any record): asked
	 * about every record the lists would pass over, from its raw text
	 * (reader.h audit_raw: text, csv, peek), on the worker's thread with
	 * its accumulator. 1: the record is parsed and reaches event()
	 * after all. It must never say 0 for a record the analytic could
	 * act on. */
	int (*audit_raw)(void *acc, struct mh_slice text, int csv,
	                 const struct mh_rawop *o);
};

/* registry.c: every analytic, in the order they run; NULL-terminated. */
extern const struct mh_analytic_ops *const mh_analytics[];

/* The analytic called name, or NULL. */
const struct mh_analytic_ops *mh_analytic_by_name(const char *name);

#endif
