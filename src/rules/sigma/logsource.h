/* logsource.h - which events satisfy which Sigma logsource.
 *
 * The tables are data (logsource.def): Windows channels to services,
 * (channel, event id) to categories, the field names of the three JSON
 * forms of Windows events, Security 4688's names for Sysmon's process
 * fields, Get-WinEvent's positional Properties, and the audit sources
 * (Microsoft 365, Google Workspace) with the Sigma field names their
 * rules use. evview.c classifies each event with them, from its typed
 * view (event/winevent.h, event/audit.h) before any field is made; ruleset.c asks
 * mh_sg_ls_known whether a rule's logsource can be satisfied at all.
 *
 * A rule's logsource (category, product, service; each may be absent)
 * is satisfied by an event when every attribute the rule gives is one of
 * the event's: an event has a set of categories, products and services.
 */
#ifndef MH_SIGMA_LOGSOURCE_H
#define MH_SIGMA_LOGSOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "event/winevent.h"

#define MH_LS_MAX 12 /* attributes of one kind an event may have */

struct mh_ls_class {
	const char *cat[MH_LS_MAX], *prod[MH_LS_MAX], *svc[MH_LS_MAX];
	uint8_t ncat, nprod, nsvc;
};

/* Groups of audit records (logsource.def explains them). */
enum {
	MH_LSG_M365,
	MH_LSG_M365_ACT,
	MH_LSG_M365_ALERT,
	MH_LSG_SENTINEL,
	MH_LSG_ADMIN,
	MH_LSG_GWS,
	MH_LSG_GCPLOG,
	MH_LSG__COUNT
};

/* Values that decide the class, from the event's typed view (or, for an
 * event without one, from its fields). */
struct mh_ls_input {
	int windows; /* a Windows event */
	int mail;
	const char *channel;
	size_t channel_n;
	long event_id;   /* -1 unknown */
	unsigned groups; /* audit: 1u << MH_LSG_* of each group it is in */
	const char *workload;
	size_t workload_n;
};

/* 0 when a and b are the same logsource value (both absent, or equal
 * ignoring ASCII case), else non-zero. */
int mh_sg_ls_eq(const char *a, const char *b);

/* 1 when some input mailhunt reads can satisfy this logsource. */
int mh_sg_ls_known(const char *category, const char *product,
                   const char *service);

/* Classify from in into out. */
void mh_sg_ls_classify(const struct mh_ls_input *in, struct mh_ls_class *out);

/* 1 when class c satisfies (category, product, service). */
int mh_sg_ls_match(const struct mh_ls_class *c, const char *category,
                   const char *product, const char *service);

/* The audit group a field name puts a record without a typed view in
 * (its value is then the workload): 1u << MH_LSG_*, or 0. */
unsigned mh_sg_ls_record_group(const char *name, size_t n);

/* The workloads that put records of groups (1u << MH_LSG_*) in a
 * service of their own (AUDIT_SOURCE rows with a workload), up to cap of
 * them in out; returns the count. With any other workload (or none) a
 * record gets only the services of the rows without one. */
size_t mh_sg_ls_workloads(unsigned groups, const char **out, size_t cap);

/* Aliases (WIN_ALIAS, AUDIT_ALIAS) that apply to class inputs. Fills
 * out[] with up to cap entries; returns the count. */
struct mh_ls_alias {
	const char *sigma;       /* the name rules use ("" for @params) */
	const char *field;       /* the event's field, or "@member" */
	const char *format;      /* "%s" style, one %s */
	size_t sigma_n, field_n; /* without the '*' of a prefix */
	uint8_t hide;            /* hide the event's own field named sigma */
	uint8_t prefix;          /* sigma and field are name prefixes */
};
size_t mh_sg_ls_aliases(const struct mh_ls_input *in, struct mh_ls_alias *out,
                        size_t cap);

/* Get-WinEvent positional names for (channel, event id): a
 * comma-separated list, or NULL. */
const char *mh_sg_ls_positions(const char *channel, size_t channel_n,
                               long event_id);

/* The shapes of WIN_SHAPE: those of event/winevent.h. */
enum {
	MH_SHAPE_NONE = MH_WS_UNKNOWN,
	MH_SHAPE_EVTX = MH_WS_EVTX,
	MH_SHAPE_ECS = MH_WS_ECS,
	MH_SHAPE_PS = MH_WS_PS,
};

/* The Sigma name of a Windows JSON field of shape want (MH_SHAPE_NONE:
 * any shape): sets *out to it (a tail of name, a static string, or buf
 * when it had to be rewritten: buf holds cap bytes) and returns its length
 * and the shape in *shape, or 0 when the name is not a Windows field
 * (used as it is). */
size_t mh_sg_ls_winname(const char *name, size_t n, int want, char *buf,
                        size_t cap, const char **out, int *shape);

#endif
