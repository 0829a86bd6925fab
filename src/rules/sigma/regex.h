/* regex.h - the regular expressions of Sigma rules (PCRE2, JIT-compiled).
 *
 * The Sigma specification allows `.`, anchors, quantifiers, classes,
 * alternation and groups. Patterns using what can make a backtracking
 * matcher take time without bound are refused when added, with the
 * construct named: back-references, lookahead and lookbehind, atomic
 * groups, possessive quantifiers, recursion and subroutine calls,
 * conditionals, callouts and backtracking verbs. What remains can still
 * backtrack on nested quantifiers (`(a+)+b`), so every match runs under a
 * step limit (MH_RE_MATCH_LIMIT) and a depth limit: a value that hits them
 * counts as not matching and is counted (mh_sg_rescratch_limits), so no
 * pattern can hang a scan.
 *
 * Why not Vectorscan here, when it never backtracks: compiling SigmaHQ's
 * ~200 patterns takes it about 0.7 s on this machine, against 10 ms for
 * PCRE2 with its JIT; load time is a goal of its own (docs/SIGMA.md).
 *
 * Patterns run on the raw bytes (no UTF mode: field values need not be
 * valid UTF-8), unanchored (a search, as Sigma means), case-sensitive
 * unless `|re|i`; `m` and `s` set multi-line and dot-all.
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

#define MH_RE_MAX_LEN     4096   /* longer patterns are refused */
#define MH_RE_MATCH_LIMIT 200000 /* backtracking steps per match */

int mh_sg_regex_new(struct mh_sg_regex **out);
void mh_sg_regex_free(struct mh_sg_regex *re);
/* Compile a pattern; returns its index (>= 0), or MH_EFORMAT with the
 * reason in err (refused), or MH_ENOMEM. */
int mh_sg_regex_add(struct mh_sg_regex *re, const char *pat, size_t n,
                    unsigned flags, struct mh_err *err);
size_t mh_sg_regex_count(const struct mh_sg_regex *re);

/* Per-thread match state. MH_OK or MH_ENOMEM. */
int mh_sg_rescratch_new(const struct mh_sg_regex *re,
                        struct mh_sg_rescratch **out);
void mh_sg_rescratch_free(struct mh_sg_rescratch *s);
/* 1 when pattern i matches somewhere in s[0..n), else 0 (also when a
 * limit was hit: counted). */
int mh_sg_regex_match(const struct mh_sg_regex *re, struct mh_sg_rescratch *sc,
                      size_t i, const char *s, size_t n);
/* Matches given up at a limit so far. */
uint64_t mh_sg_rescratch_limits(const struct mh_sg_rescratch *sc);

/* The longest run of literal bytes every match of pat must contain
 * (lower-cased), written to out[0..cap); its length, 0 when there is none
 * (a top-level alternation, extended mode, only classes). The prefilter
 * uses it as the atom of a regex test. */
size_t mh_sg_regex_literal(const char *pat, size_t n, char *out, size_t cap);

/* The construct of pat that can backtrack without bound, or NULL.
 * Exposed for tests. */
const char *mh_sg_regex_unbounded(const char *pat, size_t n);

#endif
