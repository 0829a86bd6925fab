/* rec.h - what the JSON and CSV readers share with the normalisers.
 *
 * Both readers hand every record to mh_rec_event(): it finds the record's
 * known keys (keys.def) in one pass, picks the normaliser whose match()
 * scores highest (norm.c: the table), lets it fill the typed view
 * (event/audit.h) and builds the event. A record no normaliser takes
 * becomes an MH_EV_RECORD event with fields only. Fields are made on
 * first use (mh_event_fields) from the record's text.
 *
 * A normaliser sees the record as a struct robj: its known keys, each a
 * struct rv (a JSON value, or a CSV cell's text). Values that hold JSON
 * in a string (a Sentinel row's Parameters, a Purview row's AuditData,
 * RuleActions) are parsed on demand with nc_json(). Everything a
 * normaliser makes lives in the record arena until the reader's next
 * record.
 *
 * Fields (event.h convention, made by json/flatten.h) carry normalised
 * names on top of the key paths: "Parameters.ForwardTo" for a name/value
 * list element, "ModifiedProperties.X.OldValue", "RuleActions.ForwardTo"
 * for recipients found inside UpdateInboxRules; a record held in another
 * (AuditData, RawEventData, auditData, a test case's record) gives its
 * fields first, without prefix. docs/AUDIT.md lists them.
 *
 * Internal to readers/record/; consumers see only event.h and audit.h.
 */
#ifndef MH_REC_H
#define MH_REC_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/slice.h"
#include "csv/csv.h"
#include "event/audit.h"
#include "event/event.h"
#include "event/winevent.h"
#include "json/flatten.h"
#include "json/json.h"
#include "readers/record/rawop.h"

enum {
#define MH_KEY(id, name) id,
#include "readers/record/keys.def"
#undef MH_KEY
	K__COUNT
};

/* The spelling of key k in keys.def. */
const char *mh_rec_key_name(int k);
/* The key id of name (ASCII case-insensitive), or -1. */
int mh_rec_key_find(const char *name, size_t n);

/* A value of a record. CSV cells are MH_JSTR (empty cells MH_JNONE). */
struct rv {
	enum mh_jtype t;
	struct mh_jv jv;   /* JSON values */
	struct mh_slice s; /* MH_JSTR: the text (JSON unescaped; CSV cell
	                    * with doubled quotes undone) */
	int64_t i;         /* MH_JINT, MH_JBOOL: the value */
};

/* One object with its known keys found: the record, or a record inside
 * it (AuditData, RawEventData, auditData, a test case's record). */
struct robj {
	struct mh_jv root;            /* JSON object (doc NULL for CSV) */
	const struct mh_csv_row *row; /* CSV row, else NULL */
	unsigned char have[K__COUNT];
	struct mh_jmember slot[K__COUNT]; /* the value of each key present */
};

#define NC_POOL 6 /* parsers for JSON held in strings, per record */
#define NC_OBJS 4 /* objects of one record indexed at once */

/* Per reader: memory reused from record to record. */
struct mh_recstate {
	struct mh_arena arena;
	struct mh_json *pool[NC_POOL];
	size_t pool_used;
	struct mh_audit audit;
	struct mh_winevent win; /* Windows events (norm_win.c) */
	struct mh_audit_param *params;
	size_t nparams, cap_params;
	struct mh_slice *ops;
	size_t nops, cap_ops;
	/* What the fields are made of, in order: JSON texts flattened
	 * under a prefix, then (CSV) the row's cells. */
	struct {
		struct mh_slice text, prefix;
	} src[4];
	size_t nsrc;
	struct mh_slice text;         /* JSON: the record's text */
	struct mh_jv root;            /* JSON: the record parsed (ev->json) */
	const struct mh_csv_row *row; /* CSV: the row */
	const struct mh_slice *cols;
	size_t ncols;
	struct mh_flat flat;
	int flat_done;
	struct robj objs[NC_OBJS]; /* objs[0] is the record */
	size_t nobjs;
	/* Records per normaliser shape and generic ones, for tests. */
	uint64_t shapes[MH_AS__COUNT];
	uint64_t win_shapes[MH_WS__COUNT];
	uint64_t generic;
	/* The literal prefilter (reader.h audit_ops; off: no list): a
	 * Microsoft 365 record no analytic reads gets the key a record
	 * passed over gets (rawop.h), whoever read it. Set by the reader. */
	struct mh_rawop_set audit_ops;
	/* reader.h opts seen (NULL: none): mh_rec_prefetch asks it for the
	 * slot of a record's key. Set by the reader. */
	const struct mh_keyset *seen;
	/* The last Id mh_rec_prefetch hashed (a copy) and its hash, which
	 * the key's hash reuses when the key has that Id. */
	char pf_id[64];
	size_t pf_idn;
	uint64_t pf_a;
};

int mh_recstate_init(struct mh_recstate *rs);
void mh_recstate_release(struct mh_recstate *rs);

/* Where a record is, for messages and the event. */
struct mh_recpos {
	const char *reader; /* static: "json", "csv" */
	const char *path;
	uint64_t offset;
	unsigned line;
	uint64_t index;
	const char *mailbox, *folder; /* from the source, or NULL */
};

/* One JSON record (root, with its text p[0..n) kept for the fields) or
 * one CSV row (row with the file's columns, col = the key of each). 1
 * with ev filled; MH_ESKIP with err (position set); MH_ENOMEM. The
 * previous record's memory is released first. */
int mh_rec_event_json(struct mh_recstate *rs, struct mh_jv root,
                      struct mh_slice text, const struct mh_recpos *pos,
                      struct mh_event *ev, struct mh_err *err);
int mh_rec_event_csv(struct mh_recstate *rs, const struct mh_csv_row *row,
                     const struct mh_slice *cols, size_t ncols, const int *col,
                     const struct mh_recpos *pos, struct mh_event *ev,
                     struct mh_err *err);

/* The events of Microsoft 365 and Google Workspace records carry their
 * key's hash (event.h record_hash) with the key's second field, the
 * record's Id as written, as its lead (core/keyset.h): a reader that has
 * the Id (the prefilter's peek) calls this to have the slot of the key
 * fetched while it reads the rest of the record. A hint: nothing when
 * rs->seen is NULL or id is empty or holds a 0x1f byte. */
void mh_rec_prefetch(struct mh_recstate *rs, struct mh_slice id);

/* A record the literal prefilter passes over (rawop.h mh_rawop_pass said
 * 1 with o): ev an unparsed event of shape (MH_AS_*) with its dedup key,
 * time and the few members of the typed view the raw text gave (event.h
 * unparsed). The previous record's memory is released first. 1, or
 * MH_ENOMEM. */
int mh_rec_unparsed(struct mh_recstate *rs, const struct mh_rawop *o, int shape,
                    const struct mh_recpos *pos, struct mh_event *ev);

/* A Management Activity API record from its raw text p[0..n), without
 * the JSON parser (rawrec.c, for records an analytic reads): 1 with ev
 * filled exactly as mh_rec_event_json would fill it from the parsed
 * record (typed view, parameters, dedup key, fields made on first use
 * from the text, raw; only ev->json is NULL); 0 when the text is not
 * sure to give that (parse it: the reader then calls mh_rec_event_json,
 * which also says why a bad record is skipped); MH_ENOMEM. */
int mh_rec_event_raw(struct mh_recstate *rs, struct mh_slice text,
                     const struct mh_recpos *pos, struct mh_event *ev,
                     struct mh_err *err);

/* rawrec.c: o's known keys (have, slot) from the raw text p[0..n) of a
 * JSON object, checked to be JSON the parser takes; each known key once,
 * its value a string without escapes (MH_JSTR), an integer (MH_JINT) or
 * null, except list_key's when it is a list of {"Name", "Value"} objects
 * of such strings: its slot is then MH_JNONE and the pairs with a name
 * are in nv[2 * i] (name), nv[2 * i + 1] (value), *nnv <= max_nv of
 * them. 1, or 0 on any doubt. o->root is none. */
int mh_rawrec_index(const char *p, size_t n, struct robj *o, int list_key,
                    struct mh_slice *nv, size_t max_nv, size_t *nnv);

/* The known keys' table (keys.def), for mh_jkeys_find. */
const struct mh_jkeys *mh_rec_keys(void);

/* MARK: - for normalisers */

struct nctx {
	struct mh_recstate *rs;
	struct robj *top;   /* the record (or the one a wrapper holds) */
	struct mh_audit *a; /* being filled (zeroed, -1 for unknowns) */
	struct mh_err *err;
	const struct mh_recpos *pos;
	int kind; /* event kind: MH_EV_AUDIT unless the normaliser says
	           * (MH_EV_WINEVENT: it fills rs->win, not a) */
	struct mh_slice text; /* the JSON text top was parsed from (a record
	                       * held in a string has its own), or empty */
};

struct mh_norm {
	const char *name; /* for docs and tests */
	/* 0..100: how sure it is that c->top is its kind of record. Reads
	 * key presence only (cheap: every normaliser is asked). */
	int (*match)(const struct nctx *c);
	/* Fill c->a (and c->kind). MH_OK; MH_ESKIP with c->err's message
	 * and reason set (nc_skip); MH_ENOMEM. */
	int (*fill)(struct nctx *c);
};

/* norm.c: the table, in order of preference on equal scores. */
extern const struct mh_norm *const mh_norms[];

int nc_has(const struct robj *o, int k);
struct rv nc_get(const struct robj *o, int k);

/* A value as text: strings as they are, numbers and booleans as written
 * (into the arena), null and absent {NULL, 0}. A composite value is the
 * wrong type: MH_ESKIP with a message naming key k. */
int nc_text(struct nctx *c, struct rv v, int k, struct mh_slice *out);
/* nc_text of key k of o (strings, the usual case, inline). */
int nc_key_text_slow(struct nctx *c, const struct robj *o, int k,
                     struct mh_slice *out);
static inline int nc_key_text(struct nctx *c, const struct robj *o, int k,
                              struct mh_slice *out)
{
	if (!o->have[k] || o->slot[k].t == MH_JNONE ||
	    o->slot[k].t == MH_JNULL) {
		*out = MH_SLICE_NULL;
		return MH_OK;
	}
	if (o->slot[k].t == MH_JSTR) {
		*out = o->slot[k].s;
		return MH_OK;
	}
	return nc_key_text_slow(c, o, k, out);
}

/* The JSON composite in v: v itself, or a string that holds JSON (parsed
 * with a parser of the pool, valid until the next record). MH_OK;
 * MH_ENOTFOUND (v holds no JSON composite); MH_EFORMAT (it starts like
 * JSON but does not parse: err has why, reason truncated or malformed);
 * MH_ENOMEM. */
int nc_json(struct nctx *c, struct rv v, struct mh_jv *out);

/* A JSON object of the record with its known keys found (a record held
 * in it); NULL when obj is not an object or NC_OBJS are in use. */
struct robj *nc_descend(struct nctx *c, struct mh_jv obj);

/* A JSON member as a struct rv. */
struct rv nc_rv(struct mh_jv v);

/* Copy into the arena (NUL-terminated); NULL on ENOMEM. */
char *nc_dup(struct nctx *c, const char *p, size_t n);

int nc_param(struct nctx *c, struct mh_slice name, struct mh_slice value,
             struct mh_slice old, int src, int op);
int nc_op(struct nctx *c, struct mh_slice op);

/* The fields of the record are also made from the JSON text (flattened
 * without prefix, before the record's own fields): a record held in a
 * string or cell. Called again for a record held deeper, whose fields
 * then come first. */
int nc_fields_from(struct nctx *c, struct mh_slice text);

/* Set c->err for a skipped record and return MH_ESKIP. */
int nc_skip(struct nctx *c, int reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The text of the member at path below top, in the JSON text top was
 * parsed from (a record held as an object: its fields are made from this
 * text), or NULL. */
struct mh_slice nc_member_text(struct nctx *c, const char *const *path,
                               size_t np);

/* Client address: raw kept, normalised into the arena. */
int nc_client_ip(struct nctx *c, struct mh_slice raw);

/* norm.c: choose and run the normaliser (wrappers unwrapped); *which is
 * its index in mh_norms, -1 for none (a generic record). MH_OK, MH_ESKIP
 * (c->err says why), MH_ENOMEM. */
int mh_norm_dispatch(struct nctx *c, int *which);

/* norm.c: the normaliser mh_norm_dispatch would choose for c->top by its
 * keys, without looking into wrappers; NULL for none. */
const struct mh_norm *mh_norm_pick(const struct nctx *c);

/* When not NULL, every record of this thread goes to this normaliser,
 * whatever its keys (the fuzz targets drive each normaliser with any
 * record this way). */
void mh_rec_force(const struct mh_norm *norm);

/* MARK: - shared by the normalisers (norm_m365.c) */

/* Fill the typed view from a Management Activity API record (o may be
 * the top object or one inside it). */
int mh_norm_ual_fill(struct nctx *c, const struct robj *o);

#endif
