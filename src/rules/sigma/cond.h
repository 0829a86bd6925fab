/* cond.h - the condition of a Sigma rule, parsed.
 *
 * Grammar (Sigma rules specification, "Condition"), least to most binding:
 *
 *     expr   := and ('or' and)*
 *     and    := unary ('and' unary)*
 *     unary  := 'not' unary | quant | '(' expr ')' | IDENT
 *     quant  := ('1' | N | 'all' | 'any') 'of' ('them' | PATTERN)
 *
 * Keywords are case-insensitive; identifiers are [A-Za-z0-9_.-*]+ (a '*'
 * only in a quantifier's pattern). The nodes live in one array the caller
 * frees with mh_cond_free; node 0 is not special, root says which is the
 * top. Nesting is limited to MH_COND_MAX_DEPTH and the text to
 * MH_COND_MAX_LEN bytes: a rule cannot make the parser recurse without
 * end. Names point into the condition text, which must outlive the tree.
 */
#ifndef MH_SIGMA_COND_H
#define MH_SIGMA_COND_H

#include <stddef.h>

#include "core/err.h"

#define MH_COND_MAX_DEPTH 64
#define MH_COND_MAX_LEN   65536

enum mh_cn_op {
	MH_CN_ID = 1, /* a search identifier */
	MH_CN_AND,
	MH_CN_OR,
	MH_CN_NOT,
	MH_CN_OF, /* N of pattern / them */
};

struct mh_cnode {
	enum mh_cn_op op;
	int a, b;         /* children (AND, OR: both; NOT: a) */
	const char *name; /* ID: identifier; OF: pattern or NULL for them */
	size_t nlen;
	unsigned count; /* OF: 0 = all, else at least count */
	unsigned col;   /* 1-based column in the condition text */
};

struct mh_cond {
	struct mh_cnode *v;
	size_t n;
	int root;
};

/* Parse s[0..len). MH_OK, MH_EFORMAT (err->col and the message say where
 * and what), MH_ETOOBIG or MH_ENOMEM. */
int mh_cond_parse(const char *s, size_t len, struct mh_cond *out,
                  struct mh_err *err);
void mh_cond_free(struct mh_cond *c);

/* 1 when name[0..n) matches the glob pattern p[0..pn) ('*' any run). */
int mh_cond_glob(const char *p, size_t pn, const char *name, size_t n);

#endif
