/* compile.h - a rule's `detection` section into its compiled form.
 *
 * Search identifiers become selections (ruleset.h: OR of alternatives,
 * each an AND of field tests), the condition (cond.h) becomes a node array
 * whose identifiers and `N of pattern` quantifiers are resolved to
 * selection indices once, here. Every refusal names the line of the YAML
 * node at fault (err->line, err->col).
 */
#ifndef MH_SIGMA_COMPILE_H
#define MH_SIGMA_COMPILE_H

#include "core/err.h"
#include "rules/sigma/ruleset.h"
#include "rules/sigma/yaml.h"

/* Compile det (the `detection` map, or a filter's `filter` map without its
 * `rules`) into *out, registering fields in s->slots and regexes in
 * s->re. MH_OK, MH_EFORMAT / MH_EUNSUP / MH_ETOOBIG with err set (the
 * rule is refused), or MH_ENOMEM. skip names a key of det that is not a
 * search identifier (a filter's "rules"), or NULL. */
int mh_sg_compile_det(struct mh_sigma *s, const struct mh_yn *det,
                      const char *skip, struct mh_sg_det *out,
                      struct mh_err *err);

/* The slot of name (lower-cased), added when new; -1 on ENOMEM. */
int mh_sg_slot_add(struct mh_sigma *s, const char *name, size_t n);

#endif
