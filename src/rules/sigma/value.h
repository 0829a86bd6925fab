/* value.h - Sigma values and their modifiers, turned into patterns.
 *
 * A detection item `Field|mod1|mod2: value(s)` becomes one struct mh_sv per
 * final value (a modifier may expand one value into several: windash,
 * base64offset, expand). mh_sv_mods parses the modifier chain of a key;
 * mh_sv_build applies it to one YAML value. Matching one pattern against
 * one field value is mh_sv_match (the compiler and matcher in compile.h
 * decide which values of an event a pattern sees).
 *
 * Strings follow the specification: case-insensitive (ASCII letters) unless
 * `cased`; `*` and `?` are wildcards, `\` escapes `*`, `?` and itself, any
 * other backslash is literal. Patterns keep their text lower-cased when
 * case-insensitive, so the matcher compares with an already lower-cased
 * copy of the field value. Everything is allocated in the arena given.
 */
#ifndef MH_SIGMA_VALUE_H
#define MH_SIGMA_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "rules/sigma/yaml.h"

enum mh_sv_kind {
	MH_SV_EQ = 1,   /* whole value */
	MH_SV_PREFIX,   /* value starts with s */
	MH_SV_SUFFIX,   /* value ends with s */
	MH_SV_CONTAINS, /* s anywhere */
	MH_SV_GLOB,     /* s holds wildcards (escaped form, see value.c) */
	MH_SV_RE,       /* regular expression number re */
	MH_SV_CIDR,     /* IP address in network */
	MH_SV_NUM,      /* numeric comparison */
	MH_SV_EXISTS,   /* field present (exists != 0) or absent */
	MH_SV_NULL,     /* field absent or JSON null */
	MH_SV_FIELDREF, /* equal to another field of the event */
};

enum mh_sv_cmp { MH_CMP_LT = 1, MH_CMP_LTE, MH_CMP_GT, MH_CMP_GTE };

/* Which date part the time modifiers take from the field value. */
enum mh_sv_tpart {
	MH_TP_NONE = 0,
	MH_TP_MINUTE,
	MH_TP_HOUR,
	MH_TP_DAY,
	MH_TP_WEEK,
	MH_TP_MONTH,
	MH_TP_YEAR,
};

struct mh_sv {
	uint8_t kind;  /* enum mh_sv_kind */
	uint8_t cased; /* compare bytes as they are */
	uint8_t cmp;   /* NUM: enum mh_sv_cmp; 0 = equal */
	uint8_t neq;   /* the test holds when the field has a value that
	                * is NOT this one */
	uint8_t exists;
	uint8_t tpart; /* enum mh_sv_tpart: compare that part of a date */
	uint8_t v6, bits;
	uint8_t rare;  /* CONTAINS: the offset in s of the byte the search
	                * looks for first (mh_sv_rare); 0 will do */
	const char *s; /* EQ..GLOB: text; FIELDREF: the other field (name);
	                * RE: a literal every match contains, or NULL */
	size_t n;
	double num;
	uint8_t ip[16];
	int re;   /* RE: index into the rule set's regex table */
	int slot; /* FIELDREF: the other field's slot (compile.c sets it) */
};

/* The offset (< 256) of the byte of s[0..n) least common in event values
 * (paths, command lines, hashes), where a search for s is best anchored:
 * a value holds "\\" and "e" far more often than "w" or "k". */
uint8_t mh_sv_rare(const char *s, size_t n);

/* Modifiers of one detection key, parsed. */
enum {
	MH_MOD_CONTAINS = 1u << 0,
	MH_MOD_STARTS = 1u << 1,
	MH_MOD_ENDS = 1u << 2,
	MH_MOD_ALL = 1u << 3,
	MH_MOD_RE = 1u << 4,
	MH_MOD_CIDR = 1u << 5,
	MH_MOD_EXISTS = 1u << 6,
	MH_MOD_FIELDREF = 1u << 7,
	MH_MOD_EXPAND = 1u << 8,
	MH_MOD_CASED = 1u << 9,
	MH_MOD_NEQ = 1u << 10,
	MH_MOD_NUM = 1u << 11, /* gt, gte, lt or lte */
};

#define MH_SV_MAX_CHAIN 12

struct mh_svmods {
	unsigned flags;
	uint8_t cmp;      /* with MH_MOD_NUM */
	uint8_t re_flags; /* 1 i, 2 m, 4 s */
	uint8_t tpart;
	/* transformations in the order written: 'w' windash, 'b' base64,
	 * 'o' base64offset, 'l' utf16le, 'B' utf16be, 'u' utf16 (BOM) */
	char chain[MH_SV_MAX_CHAIN];
	size_t nchain;
};

/* Parse the modifiers of key (the part after the first '|'; "" for none).
 * MH_OK or MH_EFORMAT with a reason naming the modifier. */
int mh_sv_mods(const char *mods, struct mh_svmods *m, struct mh_err *err);

/* User-supplied placeholder values for `expand`: name without the '%'. */
struct mh_placeholder {
	const char *name;
	const char *const *values;
	size_t nvalues;
};

struct mh_sv_ctx {
	struct mh_arena *a;
	const struct mh_placeholder *ph;
	size_t nph;
	/* regexes are registered here; returns the index or a negative code
	 * with err set (refused pattern) */
	int (*add_re)(void *ud, const char *re, size_t n, unsigned flags,
	              struct mh_err *err);
	void *ud;
};

/* Append the patterns of one YAML value v (a scalar) under modifiers m to
 * out[*n..cap). MH_OK; MH_EFORMAT (a value the modifiers cannot take, a
 * placeholder without a value, a refused regex) with err set;
 * MH_ETOOBIG past cap; MH_ENOMEM. */
int mh_sv_build(const struct mh_svmods *m, const struct mh_yn *v,
                const struct mh_sv_ctx *ctx, struct mh_sv *out, size_t *n,
                size_t cap, struct mh_err *err);

/* Match p against one field value s[0..n) and its lower-cased copy low
 * (NULL s: JSON null). Only kinds EQ..GLOB, CIDR and NUM; the others need
 * the event (compile.c). */
int mh_sv_match(const struct mh_sv *p, const char *s, const char *low,
                size_t n);

/* Wildcard match of the escaped glob form g[0..gn) against s[0..n);
 * linear in practice, O(n * gn) at worst, never exponential. */
int mh_sv_glob(const char *g, size_t gn, const char *s, size_t n);

/* Decode one UTF-8 character at p (n > 0) into *cp and return its length;
 * a byte that starts no valid sequence is taken alone (as Latin-1). */
size_t mh_sv_utf8_cp(const unsigned char *p, size_t n, unsigned *cp);

/* Parse a number as written in an event ("42", "-3.5", "0x1f"); 0 when
 * s is not a number. */
int mh_sv_num(const char *s, size_t n, double *out);

#endif
