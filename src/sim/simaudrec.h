/* simaudrec.h - one audit record under construction, and the export
 * shapes it is written in (private to src/sim, used by simaudit*.c).
 *
 * A record is composed once, member by member, as compact JSON (the
 * Management Activity API or Reports API form). While it is composed, the
 * top-level members are remembered with their value as a CSV cell would
 * hold it (a string unescaped, anything else as its JSON text), so that
 * the same record can also be written as a Purview audit search row
 * (AuditData = the JSON) and as a Sentinel OfficeActivity row (one column
 * per member, some renamed) without a JSON parser.
 *
 * Appends cannot fail; an allocation failure is reported by
 * mh_simrec_failed() (the caller stops with MH_ENOMEM).
 */
#ifndef MH_SIMAUDREC_H
#define MH_SIMAUDREC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define MH_SIMREC_MEMBERS 64
#define MH_SIMREC_DEPTH   8

enum mh_simrec_vt {
	MH_SRV_STR = 1,
	MH_SRV_NUM,  /* number, boolean or null: raw is the JSON text */
	MH_SRV_COMP, /* object or array: raw is the JSON text */
};

struct mh_simrec_member {
	const char *key; /* static storage */
	enum mh_simrec_vt t;
	size_t off, len; /* of the value in raw */
};

struct mh_simrec {
	struct mh_buf json; /* the record, compact JSON */
	struct mh_buf raw;  /* member values (see above) */
	struct mh_simrec_member m[MH_SIMREC_MEMBERS];
	unsigned nm;
	/* Nesting: whether the container at each depth has a value yet. */
	unsigned char first[MH_SIMREC_DEPTH];
	char open[MH_SIMREC_DEPTH]; /* '{' or '[' at each depth */
	unsigned depth;
	size_t comp_start; /* json offset of the top-level composite */
	const char *comp_key;
	int oom;
};

void mh_simrec_init(struct mh_simrec *r);
void mh_simrec_release(struct mh_simrec *r);
/* Start a record: "{" with no members. */
void mh_simrec_begin(struct mh_simrec *r);
/* Close it: "}". */
void mh_simrec_end(struct mh_simrec *r);
int mh_simrec_failed(const struct mh_simrec *r);

/* Members (key != NULL, inside an object) or elements (key == NULL,
 * inside an array). Keys are static strings. */
void mh_simrec_str(struct mh_simrec *r, const char *key, const char *v);
void mh_simrec_strn(struct mh_simrec *r, const char *key, const char *v,
                    size_t n);
void mh_simrec_strf(struct mh_simrec *r, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void mh_simrec_int(struct mh_simrec *r, const char *key, int64_t v);
void mh_simrec_bool(struct mh_simrec *r, const char *key, int v);
void mh_simrec_null(struct mh_simrec *r, const char *key);
void mh_simrec_obj(struct mh_simrec *r, const char *key);
void mh_simrec_arr(struct mh_simrec *r, const char *key);
void mh_simrec_close(struct mh_simrec *r); /* the last obj or arr */
/* {"Name": name, "Value": value} (value NULL: no Value member), the
 * element of a Parameters or OperationProperties list. */
void mh_simrec_nv(struct mh_simrec *r, const char *name, const char *value);

/* The member called key (exact), or NULL. */
const struct mh_simrec_member *mh_simrec_member(const struct mh_simrec *r,
                                                const char *key);

/* MARK: - text helpers */

/* s as a JSON string (quotes included) appended to b. */
void mh_simrec_json_str(struct mh_buf *b, const char *s, size_t n);
/* One CSV cell (RFC 4180: quoted when it holds a delimiter, a quote or a
 * line end; quotes doubled). */
void mh_simrec_csv_cell(struct mh_buf *b, const char *s, size_t n);
/* JSON text re-indented as a pretty-printer writes it (two spaces,
 * "key": value), each line prefixed by indent spaces. */
void mh_simrec_pretty(struct mh_buf *b, const char *json, size_t n,
                      unsigned indent);

/* Times: "2024-03-12T10:04:05" (UAL CreationTime), with ".0000000Z"
 * (Purview CreationDate), "3/12/2024, 10:04:05.000 AM" (a Log Analytics
 * CSV export), "2024-03-12T10:04:05.123Z" (Reports API). */
void mh_simrec_time_ual(int64_t t, char out[32]);
void mh_simrec_time_purview(int64_t t, char out[40]);
void mh_simrec_time_us(int64_t t, char out[40]);
void mh_simrec_time_gws(int64_t t, unsigned ms, char out[40]);

#endif
