/* loader.h - what the two halves of mh_sigma_load share: ruleset.c reads
 * files and builds rules, link.c links and indexes them. Internal to
 * rules/sigma (ruleset.h is the interface). */
#ifndef MH_SIGMA_LOADER_H
#define MH_SIGMA_LOADER_H

#include "core/strmap.h"
#include "rules/sigma/ruleset.h"

struct loader {
	struct mh_sigma *s;
	const struct mh_sigma_opts *o;
	struct mh_strmap byid; /* id and name -> rule index + 1 */
};

/* Record a refused rule (strings copied) and tell o->on_refuse. MH_OK or
 * MH_ENOMEM. */
int mh_sg_refuse(struct loader *L, const char *path, unsigned line,
                 unsigned col, const char *title, const char *reason);

/* Link filters and correlations to the rules they name (refusing what
 * cannot be linked) and assign logsource buckets. MH_OK or MH_ENOMEM. */
int mh_sg_link(struct loader *L);

/* Build the field-name lookup table of mh_sigma_slot. MH_OK or
 * MH_ENOMEM. */
int mh_sg_slot_table(struct mh_sigma *s);

#endif
