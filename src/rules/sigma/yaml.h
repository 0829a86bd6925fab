/* yaml.h - a YAML file as a small tree with line numbers (libyaml, and a
 * fast path for the subset rule files use: yaml.c).
 *
 * Sigma rules are YAML; the rule model (rule.h) reads them through this
 * tree so that every problem can name its line. A file may hold several
 * documents ('---'). Everything (nodes, scalar text) lives in the arena the
 * caller passes and stays valid until that arena is released.
 *
 * Limits, because rule files come from anywhere: the input is at most
 * MH_YAML_MAX_BYTES, nesting at most MH_YAML_MAX_DEPTH, at most
 * MH_YAML_MAX_NODES nodes per file. Anchors may be set but aliases ('*x')
 * are refused: they let a small file expand without bound (billion laughs)
 * and no SigmaHQ rule uses them. Tags are ignored.
 */
#ifndef MH_SIGMA_YAML_H
#define MH_SIGMA_YAML_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

#define MH_YAML_MAX_BYTES ((size_t)4 << 20)
#define MH_YAML_MAX_DEPTH 64
#define MH_YAML_MAX_NODES 1000000

enum mh_yn_type {
	MH_YN_SCALAR = 1,
	MH_YN_SEQ,
	MH_YN_MAP,
};

struct mh_yn {
	enum mh_yn_type type;
	unsigned line, col; /* 1-based start */
	/* scalar: NUL-terminated text (may hold NULs before len) */
	const char *s;
	size_t len;
	int plain; /* scalar written without quotes (null, numbers, true) */
	/* seq: n items; map: n keys and n values, kv[2i] key, kv[2i+1] value */
	struct mh_yn **kv;
	size_t n;
};

/* Parse buf[0..n) into its documents: *docs is an arena array of *ndocs
 * roots (a document that is empty has a NULL root). MH_OK, MH_EFORMAT (a
 * syntax error, an alias or a limit; err->line and err->col say where),
 * MH_ETOOBIG (input over MH_YAML_MAX_BYTES) or MH_ENOMEM. */
int mh_yaml_parse(const char *buf, size_t n, struct mh_arena *a,
                  struct mh_yn ***docs, size_t *ndocs, struct mh_err *err);

/* The same with a choice of reader: MH_YAML_ANY (mh_yaml_parse: the
 * fast path for the block subset rule files are written in, libyaml for
 * anything else), MH_YAML_LIBYAML (libyaml alone) or MH_YAML_FAST (the
 * fast path alone: 1, not an error, when it declines the file). Both
 * readers make the same tree (tests compare them). */
enum { MH_YAML_ANY, MH_YAML_LIBYAML, MH_YAML_FAST };
int mh_yaml_parse_how(const char *buf, size_t n, struct mh_arena *a,
                      struct mh_yn ***docs, size_t *ndocs, struct mh_err *err,
                      int how);

/* Map lookup by key (exact, case-sensitive, as Sigma keys are); NULL when
 * m is not a map or has no such key. */
const struct mh_yn *mh_yn_get(const struct mh_yn *m, const char *key);
/* The scalar text of a map member, or NULL when absent or not a scalar. */
const char *mh_yn_str(const struct mh_yn *m, const char *key);
/* A plain scalar that YAML reads as null: "", "~", "null", "Null", "NULL". */
int mh_yn_is_null(const struct mh_yn *n);

#endif
