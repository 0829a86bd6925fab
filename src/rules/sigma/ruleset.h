/* ruleset.h - a set of Sigma rules, loaded, compiled and ready to match.
 *
 * mh_sigma_load walks files and directories, parses every YAML document
 * (yaml.h), builds the rule model, compiles detections (compile.h),
 * registers regular expressions (regex.h), links filters and correlations
 * to the rules they name, assigns each rule a logsource bucket
 * (logsource.h) and builds the literal prefilter (prefilter.h). A rule
 * that cannot be used is refused with its file, line and reason; the
 * others stay usable. After loading, a set is read-only: any number of
 * threads match against it, each with its own mh_sigma_ctx (match.h).
 *
 * Memory: every rule's text and compiled form live in the set's arena;
 * the YAML trees are dropped once a file is compiled.
 */
#ifndef MH_SIGMA_RULESET_H
#define MH_SIGMA_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/strmap.h"
#include "rules/sigma/value.h"

enum mh_sg_kind {
	MH_SG_DETECTION = 1,
	MH_SG_CORRELATION,
	MH_SG_FILTER,
};

/* One field test: a field (slot) against patterns. */
struct mh_sg_test {
	int slot;          /* field slot; -1: keyword (every value) */
	uint8_t all;       /* |all: every pattern must match */
	uint8_t neg;       /* neq: holds when no value equals a pattern */
	const char *field; /* as written in the rule, without modifiers */
	struct mh_sv *pat;
	uint32_t npat;
};

/* A search identifier: OR over alternatives, each an AND of tests. */
struct mh_sg_sel {
	const char *name;
	uint32_t *alt; /* nalt + 1 offsets into tests: alt i is tests
	                 * [alt[i], alt[i+1]) */
	uint32_t nalt;
	struct mh_sg_test *tests;
};

enum { MH_SGC_SEL = 1, MH_SGC_AND, MH_SGC_OR, MH_SGC_NOT, MH_SGC_OF };

struct mh_sg_cnode {
	uint8_t op;
	int a, b;       /* AND/OR/NOT children; SEL: a = selection */
	uint32_t *sels; /* OF: selections */
	uint32_t nsels;
	uint32_t count; /* OF: 0 = all */
};

struct mh_sg_det {
	struct mh_sg_sel *sels;
	uint32_t nsels;
	struct mh_sg_cnode *cn;
	uint32_t ncn;
	int root;
};

enum mh_sg_ctype {
	MH_SGCT_EVENT_COUNT = 1,
	MH_SGCT_VALUE_COUNT,
	MH_SGCT_TEMPORAL,
	MH_SGCT_TEMPORAL_ORDERED,
	MH_SGCT_VALUE_SUM,
	MH_SGCT_VALUE_AVG,
	MH_SGCT_VALUE_PERCENTILE,
};

struct mh_sg_corr {
	uint32_t *rules;    /* referenced rules (indices) */
	const char **group; /* group-by names (aliases possible) */
	/* aliases: alias_field[g * nrules + r] is the field of rule r for
	 * group-by g (NULL: the group name itself) */
	const char **alias_field;
	int64_t span;      /* seconds */
	const char *field; /* value_* fields */
	double cval[4];
	/* as written, resolved into rules/alias_field after loading */
	const char **refs;
	const char **al_name, **al_rule, **al_field; /* alias triples */
	uint32_t nrules, ngroup, nrefs, nal;
	uint8_t type; /* enum mh_sg_ctype */
	uint8_t ncond;
	uint8_t cop[4]; /* 1 gt 2 gte 3 lt 4 lte 5 eq 6 neq */
	uint8_t has_cond;
};

struct mh_sg_rule {
	const char *path; /* file as given (walked) */
	unsigned line;    /* line of the document's first key */
	uint8_t kind;     /* enum mh_sg_kind */
	int level;        /* enum mh_level */
	const char *title, *id, *name, *status, *author, *description;
	const char *date, *modified, *link; /* link: NULL unless SigmaHQ */
	const char **tags;
	uint32_t ntags;
	const char *technique, *tactic; /* from tags, or NULL */
	const char *category, *product, *service;
	int bucket; /* logsource bucket; -1 for correlations */
	struct mh_sg_det det;
	/* filters (Sigma filter rules) that apply to this rule */
	uint32_t *filters;
	uint32_t nfilters;
	struct mh_sg_corr corr;
	/* FILTER: the rules it names, as written */
	const char **frefs;
	uint32_t nfrefs;
	uint8_t referenced; /* used by a correlation */
	uint8_t generate;   /* referenced but reported alone too */
	uint8_t needs_ts;
	/* slots the detection tests (for evidence), sorted, unique */
	int *slots;
	uint32_t nslots;
};

struct mh_sg_refusal {
	const char *path;
	unsigned line, col;
	const char *title; /* or NULL */
	const char *reason;
	const char *kind; /* short reason class, for the summary */
};

struct mh_sg_bucket {
	const char *category, *product, *service; /* NULL: any */
	uint32_t nrules;
	int satisfiable; /* some known input can produce it (logsource.h) */
};

struct mh_sg_regex;
struct mh_sg_prefilter;

struct mh_sigma {
	struct mh_arena arena;
	struct mh_sg_rule *rules;
	size_t nrules, rules_alloc;
	struct mh_sg_refusal *refused;
	size_t nrefused, refused_alloc;
	size_t files, docs;
	/* field slots: lower-cased Sigma field name -> slot + 1 */
	struct mh_strmap slots;
	const char **slot_name;
	size_t nslots, slots_alloc;
	/* the lookup table mh_sigma_slot reads while matching: open
	 * addressing on a case-insensitive hash; entry slot + 1, 0 empty */
	uint32_t *slot_tab, *slot_hash, *slot_len;
	size_t slot_mask;
	uint64_t slot_prefix[64]; /* bitmap over the first 8 bytes of names */
	struct mh_sg_bucket *buckets;
	size_t nbuckets, buckets_alloc;
	struct mh_sg_regex *re;
	struct mh_sg_prefilter *pf;
	const struct mh_placeholder *ph;
	size_t nph;
	int has_corr;
	int mail_rules; /* some rule's logsource a mail message satisfies */
	double load_seconds;
};

struct mh_sigma_opts {
	const struct mh_placeholder *ph; /* for `expand` */
	size_t nph;
	/* called for every refusal as it happens (lint prints them); NULL
	 * allowed */
	void (*on_refuse)(const struct mh_sg_refusal *r, void *ud);
	void *ud;
	/* 1: compile each logsource bucket's literal databases when an
	 * event first needs them (scan: an input that holds one kind of
	 * event does not pay for the others'); 0: all at load (lint) */
	int lazy;
};

/* Load every rule of paths[0..n) (files, or directories walked for *.yml
 * and *.yaml in name order). *out is set also when rules were refused:
 * refusals are data (out->refused). MH_OK; MH_ENOMEM; MH_EIO when a path
 * cannot be read at all (err names it; nothing is returned). */
int mh_sigma_load(const char *const *paths, size_t n,
                  const struct mh_sigma_opts *o, struct mh_sigma **out,
                  struct mh_err *err);
void mh_sigma_free(struct mh_sigma *s);

/* The slot of a Sigma field name (case-insensitive), or -1. */
int mh_sigma_slot(const struct mh_sigma *s, const char *name, size_t n);

/* The rule with this id or name, or NULL. */
const struct mh_sg_rule *mh_sigma_find(const struct mh_sigma *s,
                                       const char *id);

/* The link to a rule in SigmaHQ's repository derived from its path, or
 * NULL: the path must hold a component named rules, rules-* or
 * deprecated, as SigmaHQ's tree does; the link is
 * https://github.com/SigmaHQ/sigma/blob/master/ followed by the path from
 * that component on. Exposed for tests. Result in the arena. */
const char *mh_sigma_link(struct mh_arena *a, const char *path);

#endif
