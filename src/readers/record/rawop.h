/* rawop.h - the literal prefilter of the record readers: what a
 * Management Activity API record (Microsoft 365 unified audit log, the
 * shape whose operation is its top-level "Operation" key) is, read from
 * its raw text without parsing it, so that records whose operation no
 * analytic reads are passed over (reader.h audit_ops, analytic.h).
 *
 * The peek is conservative: anything it is not sure of ("when in doubt,
 * parse") makes it answer 0 and the record is parsed as usual. It walks
 * the top-level members from the start (skipping nested values) until it
 * has seen "CreationTime", "Id", "Operation" and "RecordType" or the
 * object ends; the first three must be plain strings (no escapes).
 * Then it looks through the rest of the text for any other key spelled
 * like "Operation" in any case, raw or inside a JSON string (a second or
 * nested operation, a record held in a string): one is doubt. A key named
 * like one of the four in another case, or twice, is doubt too.
 *
 * Pure functions of (ptr, len): never read outside p[0..n).
 */
#ifndef MH_RAWOP_H
#define MH_RAWOP_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

struct mh_rawop {
	struct mh_slice op;   /* Operation's value, as written */
	struct mh_slice id;   /* Id's value */
	struct mh_slice time; /* CreationTime's value */
	int64_t rtype;        /* RecordType (number or digits), -1 if none */
};

/* 1 with out filled when p[0..n) is a JSON object whose top-level
 * Operation, Id and CreationTime (plain strings) and RecordType were
 * found by the walk; 0 otherwise. Not yet sure: see mh_rawop_sure. */
int mh_rawop_peek(const char *p, size_t n, struct mh_rawop *out);

/* After mh_rawop_peek said 1: 1 when the operation it found is the only
 * key like "Operation" in the whole text (a pass over all of it, so
 * asked only of records about to be passed over); 0: parse it. */
int mh_rawop_sure(const char *p, size_t n);

/* The analytics' list (analytic.h: names compared ASCII
 * case-insensitively, "*text" an operation holding text, "#N" RecordType
 * N), made ready for a lookup per record. */
#define MH_RAWOP_MAX 256
#define MH_RAWOP_LEN 64 /* names this long or longer: in e[] too */
struct mh_rawop_set {
	int on; /* 0: no list, every record is read */
	size_t n;
	struct {
		const char *s;
		size_t len;
		char kind; /* '=' name, '*' substring, '#' RecordType */
		int64_t rtype;
	} e[MH_RAWOP_MAX];
	/* Names shorter than MH_RAWOP_LEN, by length: byname[at[len] ..
	 * at[len + 1]) index e[]; the rest (substrings, RecordTypes, long
	 * names) are in other[0..nother). */
	unsigned short at[MH_RAWOP_LEN + 1], byname[MH_RAWOP_MAX];
	unsigned short other[MH_RAWOP_MAX], nother;
};

/* set from ops (NULL: off). Entries past MH_RAWOP_MAX turn it off. */
void mh_rawop_set_init(struct mh_rawop_set *set, const char *const *ops);

/* 1 when an analytic reads a record of operation op and RecordType
 * rtype (-1: unknown); 1 for every record when set is off. */
int mh_rawop_wanted(const struct mh_rawop_set *set, struct mh_slice op,
                    int64_t rtype);

/* The dedup key of a Microsoft 365 record no analytic reads, with the
 * prefilter on: "m365raw", Id, the time (16 hex digits) and the
 * operation, each followed by 0x1f. Made alike from the raw text
 * (a record passed over) and from the typed view (a record parsed: the
 * reader's first, one the peek was not sure of, a copy in a Purview or
 * Sentinel export), so that all copies of one record have one key.
 * mh_rawop_key_len bytes are written to d. */
size_t mh_rawop_key_len(struct mh_slice id, struct mh_slice op);
void mh_rawop_key_put(char *d, struct mh_slice id, int64_t ts,
                      struct mh_slice op);

#endif
