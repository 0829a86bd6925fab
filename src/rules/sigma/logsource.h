/* logsource.h - which events satisfy which Sigma logsource.
 *
 * The tables are data (logsource.def): Windows channels to services,
 * (channel, event id) to categories, the field names of the three JSON
 * forms of Windows events, Security 4688's names for Sysmon's process
 * fields, Get-WinEvent's positional Properties, and the audit sources
 * (Microsoft 365, Google Workspace) with the Sigma field names their
 * rules use. evview.c classifies each event with them; ruleset.c asks
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

#define MH_LS_MAX 12 /* attributes of one kind an event may have */

struct mh_ls_class {
	const char *cat[MH_LS_MAX], *prod[MH_LS_MAX], *svc[MH_LS_MAX];
	uint8_t ncat, nprod, nsvc;
};

/* Values that decide the class, as found in the event (NULL: absent). */
struct mh_ls_input {
	int windows; /* a Windows event shape was seen */
	int mail;
	const char *channel;
	size_t channel_n;
	long event_id; /* -1 unknown */
	/* audit: the value of each AUDIT_SOURCE field (by row), or NULL */
	const char *const *audit_val;
	const size_t *audit_len;
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

/* The AUDIT_SOURCE rows: count, field and source id of row i. */
size_t mh_sg_ls_audit_rows(void);
/* 1 when some AUDIT_SOURCE field starts with c (either case). */
int mh_sg_ls_audit_first(unsigned char c);
const char *mh_sg_ls_audit_field(size_t i, size_t *len);
int mh_sg_ls_audit_source(size_t i);

/* Aliases (WIN_ALIAS, AUDIT_ALIAS) that apply to class inputs. Fills
 * out[] with up to cap entries; returns the count. For audit aliases,
 * src_active[k] says whether audit source id k holds for the event. */
struct mh_ls_alias {
	const char *sigma;  /* the name rules use */
	const char *field;  /* the event's field */
	const char *format; /* "%s" style, one %s */
	int hide;           /* hide the event's own field named sigma */
};
size_t mh_sg_ls_aliases(const struct mh_ls_input *in, const int *src_active,
                        struct mh_ls_alias *out, size_t cap);

/* Get-WinEvent positional names for (channel, event id): a
 * comma-separated list, or NULL. */
const char *mh_sg_ls_positions(const char *channel, size_t channel_n,
                               long event_id);

enum { MH_SHAPE_NONE = 0, MH_SHAPE_EVTX, MH_SHAPE_ECS, MH_SHAPE_PS };

/* The Sigma name of a Windows JSON field: sets *out to it (a tail of name,
 * a static string, or buf when it had to be rewritten: buf holds cap
 * bytes) and returns its length and the shape in *shape, or 0 when the
 * name is not a Windows field (used as it is). */
size_t mh_sg_ls_winname(const char *name, size_t n, char *buf, size_t cap,
                        const char **out, int *shape);

#define MH_LS_NSOURCES 3 /* M365, GWS, GCPLOG */

#endif
