/* prefilter.h - which rules can possibly match an event, found with one
 * Vectorscan scan of the event's values against the literals of all
 * rules together.
 *
 * For every detection rule the prefilter derives a set of "atoms":
 * literals of which at least one must occur in the event for the rule to
 * match (a necessary condition; see prefilter.c for how AND, OR, NOT and
 * the modifiers combine). Atoms are lower-case (values are matched
 * lower-cased) and anchored with 0x02 before a value's start and 0x03
 * after its end where the pattern is (equals, startswith, endswith), so
 * that even short exact values ("4688") are selective. Rules without such
 * a set (a condition that is only a negation, a regex, a number
 * comparison) are "always" rules of their logsource bucket and are
 * evaluated for every event of it.
 *
 * Every logsource bucket has its own database (none for buckets no input
 * can satisfy). Per event: build "\x02value\x03" for the values rules test
 * (all values when a rule of an active bucket searches keywords), scan it
 * with the database of each bucket the event satisfies; each atom found
 * names its rules; only those (and the always rules) are evaluated. Work
 * per event grows with the bytes of the event and the number of
 * candidates, not with the number of rules.
 */
#ifndef MH_SIGMA_PREFILTER_H
#define MH_SIGMA_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "rules/sigma/ruleset.h"

struct mh_sg_prefilter;
struct mh_sg_pfscratch;

/* lazy: a bucket's databases are compiled when an event of it is first
 * matched (mh_sg_prefilter_ready; scan), not now (lint, which reports
 * the load's cost and statistics of every bucket). */
int mh_sg_prefilter_build(struct mh_sigma *s, int lazy,
                          struct mh_sg_prefilter **out);
void mh_sg_prefilter_free(struct mh_sg_prefilter *pf);

/* Statistics for docs and `rules lint`. */
void mh_sg_prefilter_stats(const struct mh_sg_prefilter *pf, size_t *atoms,
                           size_t *rules_with_atoms, size_t *always);

/* A scratch per thread. */
int mh_sg_pfscratch_new(struct mh_sg_prefilter *pf,
                        struct mh_sg_pfscratch **out);
void mh_sg_pfscratch_free(struct mh_sg_pfscratch *sc);

/* Before the other calls below on buckets[0..nb): each built (a lazy
 * prefilter compiles it now, once, whichever thread comes first; safe
 * to call from many threads) and sc big enough for it. MH_OK or
 * MH_ENOMEM. */
int mh_sg_prefilter_ready(struct mh_sg_prefilter *pf,
                          struct mh_sg_pfscratch *sc, const int32_t *buckets,
                          size_t nb);

/* The candidates of bucket b for the event whose values are buf[0..n):
 * on_rule(rule index, ud) for every rule of b without atoms and every
 * rule named by an atom found in buf (a rule may come more than once). */
void mh_sg_prefilter_scan(const struct mh_sg_prefilter *pf,
                          struct mh_sg_pfscratch *sc, int bucket,
                          const char *buf, size_t n,
                          void (*on_rule)(uint32_t rule, void *ud), void *ud);

/* The raw prefilter, before an event's fields are made, for one set of
 * buckets (the buckets an event's class gives), one per thread: one
 * database of the atoms of all their rules as a JSON writer writes them
 * (backslashes and quotes escaped), matched in any ASCII case, and "\\u".
 * *out is NULL (and MH_OK) when some bucket of the set has a rule without
 * atoms, an atom a JSON writer may spell otherwise ('/', '<', '>', '&',
 * '\'', control or non-ASCII bytes) or too many atoms to be worth it: its
 * events must be matched in full. The buckets must be ready; sc grows to
 * fit. MH_OK or MH_ENOMEM. */
struct mh_sg_rawset;
/* extra (NULL or NULL-terminated): more literals (ASCII, matched in any
 * case) whose presence keeps a text, as an atom's does. */
int mh_sg_rawset_new(struct mh_sg_prefilter *pf, struct mh_sg_pfscratch *sc,
                     const int32_t *buckets, size_t nb,
                     const char *const *extra, struct mh_sg_rawset **out);
/* The same for the atoms of the detection rules rules[0..nr) (whatever
 * their buckets: the buckets must be ready): *out NULL when one of them
 * has none, or one a JSON writer may spell otherwise. */
int mh_sg_rawset_rules(struct mh_sg_prefilter *pf, struct mh_sg_pfscratch *sc,
                       const uint32_t *rules, size_t nr,
                       const char *const *extra, struct mh_sg_rawset **out);
void mh_sg_rawset_free(struct mh_sg_rawset *rs);
/* 0 when none of the set's atoms, nor a \uXXXX escape, is in text[0..n):
 * an event whose every value is in the texts so scanned (a JSON record's
 * own text, then the values its typed view adds) and that has none in
 * any of them cannot match. 1 when one is, or rs is NULL. */
int mh_sg_rawset_may(const struct mh_sg_rawset *rs, struct mh_sg_pfscratch *sc,
                     const char *text, size_t n);

/* 1 when no atom of rs holds a quote or a backslash: then a text whose
 * quotes are doubled (a CSV row as written) or a JSON string's value
 * escaped once more can be scanned as its JSON text would be. 0 when rs
 * is NULL. */
int mh_sg_rawset_plain(const struct mh_sg_rawset *rs);
/* 1 when an atom of rs could occur across the join of left[0..n) and a
 * space followed by anything: some atom holds a space and its text
 * before that space is a suffix of left (any ASCII case), or starts
 * with a space. 1 when rs is NULL. */
int mh_sg_rawset_may_join(const struct mh_sg_rawset *rs, const char *left,
                          size_t n);

/* 1 when a rule of bucket b searches keywords (every value of the event
 * must then be in buf; otherwise the values of tested fields suffice). */
int mh_sg_prefilter_keywords(const struct mh_sg_prefilter *pf, int bucket);

#define MH_PF_START '\x02'
#define MH_PF_END   '\x03'

#endif
