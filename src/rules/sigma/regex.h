/* regex.h - the regular expressions of all rules, in one Vectorscan
 * database.
 *
 * Why Vectorscan: it never backtracks, so no pattern can make a scan take
 * more than linear time in the value (a `(a+)+$` costs what `a+$` costs).
 * The price is what it refuses: back-references, lookahead and lookbehind,
 * atomic groups, possessive quantifiers, \K, conditionals, callouts. A rule
 * using one of them is refused with Vectorscan's own reason (the Sigma
 * specification allows none of them: it lists `.`, anchors, quantifiers,
 * classes, alternation and groups only). Patterns run on the raw bytes
 * (no UTF-8 mode: field values need not be valid UTF-8), unanchored
 * (a search, as Sigma means), case-sensitive unless `|re|i`; `m` and `s`
 * set multi-line and dot-all.
 *
 * Every pattern is checked when added (hs_expression_info), then all are
 * compiled together once (mh_sg_regex_build). At match time one scan of a
 * value reports every pattern that matches it; match.c caches that per
 * value, so a value is scanned at most once per event whatever the number
 * of rules.
 */
#ifndef MH_SIGMA_REGEX_H
#define MH_SIGMA_REGEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct mh_sg_regex;
struct mh_sg_rescratch;

#define MH_RE_I 1u
#define MH_RE_M 2u
#define MH_RE_S 4u

/* A pattern this long is refused (bounded compile time and memory). */
#define MH_RE_MAX_LEN 4096

int mh_sg_regex_new(struct mh_sg_regex **out);
void mh_sg_regex_free(struct mh_sg_regex *re);
/* Register a pattern; returns its index (>= 0) or MH_EFORMAT with the
 * reason in err (refused), or MH_ENOMEM. */
int mh_sg_regex_add(struct mh_sg_regex *re, const char *pat, size_t n,
                    unsigned flags, struct mh_err *err);
size_t mh_sg_regex_count(const struct mh_sg_regex *re);
/* Compile the database. A pattern that passed the check but still fails
 * here (resource limits) is dropped and marked; mh_sg_regex_failed says
 * which. MH_OK or MH_ENOMEM. */
int mh_sg_regex_build(struct mh_sg_regex *re);
/* The reason pattern i was dropped at build, or NULL. */
const char *mh_sg_regex_failed(const struct mh_sg_regex *re, size_t i);

/* Per-thread scratch. MH_OK or MH_ENOMEM. */
int mh_sg_rescratch_new(const struct mh_sg_regex *re,
                        struct mh_sg_rescratch **out);
void mh_sg_rescratch_free(struct mh_sg_rescratch *s);
/* Scan s[0..n) and append the index of every matching pattern to ids
 * (up to cap; *nids set, in ascending order). MH_OK. */
int mh_sg_regex_scan(const struct mh_sg_regex *re,
                     struct mh_sg_rescratch *sc, const char *s, size_t n,
                     uint32_t *ids, size_t cap, size_t *nids);

#endif
