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
	int64_t ts;           /* time parsed (mh_rawop_pass), else MH_TS_NONE */
	/* The tenant's facts (mh_rawop_tenant; those seen by the peek
	 * before): UserId, MailboxOwnerUPN, OrganizationName else
	 * OrganizationId, as written, and MailboxGuid (a mailbox audit
	 * record's other name of MailboxOwnerUPN); {NULL, 0} when not
	 * there. */
	struct mh_slice actor, mailbox, org, guid;
	/* The values of the top-level keys Workload, eventName and
	 * eventSource (any case) when plain strings, {NULL, 0} when not
	 * there (seen by a walk that went past them; mh_rawop_sigma) */
	struct mh_slice workload, ev_name, ev_source;
	/* The walk's state. */
	struct mh_slice org_name, org_id;
	size_t pos;    /* where the walk stopped */
	unsigned seen; /* keys seen, a bit each */
	int done;      /* it reached the object's end */
};

/* 1 with out filled when p[0..n) is a JSON object whose top-level
 * Operation, Id and CreationTime (plain strings) and RecordType were
 * found by the walk; 0 otherwise. Not yet sure: see mh_rawop_sure. */
int mh_rawop_peek(const char *p, size_t n, struct mh_rawop *out);

/* After mh_rawop_peek said 1: the walk on to the object's end for the
 * tenant's facts (actor, mailbox, org), with the same doubts (a key
 * twice or in another case, a value that is not a plain string); also 0
 * when the record names no MailboxOwnerUPN but has Parameters or an
 * inbox rule operation (the normaliser then finds the mailbox in the
 * parameters). 1 with them filled. */
int mh_rawop_tenant(const char *p, size_t n, struct mh_rawop *out);

/* After mh_rawop_peek said 1, for the Sigma rules' judge (rules/sigma
 * match.h mh_sigma_audit_may): the walk on to the object's end (the
 * same doubts as mh_rawop_tenant's, which it may follow), then 1 when
 * the record is read as a Management Activity API record whose own
 * values under the names SigmaHQ's Microsoft 365 rules test are known:
 * its top level has RecordType and a Workload that is not empty, one
 * key named Operation (in that case), at most one named (in any case)
 * Workload, eventName or eventSource, each a plain string (in
 * out->workload, ev_name, ev_source), and no key (in any case) of
 * another export shape (CmdletName, OfficeWorkload, AuditData,
 * RawEventData). Unlike the keys above, these never make the peek
 * doubt. 0 otherwise (or on doubt). */
int mh_rawop_sigma(const char *p, size_t n, struct mh_rawop *out);

/* 1 when the walk's table of keys by length holds every key it looks
 * for (tests). */
int mh_rawop_selfcheck(void);

/* After mh_rawop_peek said 1: 1 when the operation it found is the only
 * key like "Operation" in the whole text (a pass over all of it, so
 * asked only of records about to be passed over); 0: parse it. */
int mh_rawop_sure(const char *p, size_t n);

/* The analytics' list (analytic.h: names compared ASCII
 * case-insensitively, "*text" an operation holding text, "#N" RecordType
 * N), made ready for a lookup per record: names in a hash table (one
 * probe or two), the rest in a short list. Each entry has an owner mask
 * (bit i: the list of analytic i holds it), so that one lookup tells
 * which analytics read a record. */
#define MH_RAWOP_MAX  256
#define MH_RAWOP_SLOT 1024 /* hash slots, a power of two > 2 * MAX */
struct mh_rawop_set {
	int on;        /* 0: no list, every record is read */
	unsigned need; /* MH_RAWOP_* (reader.h audit_need) */
	size_t n;
	struct {
		const char *s;
		size_t len;
		char kind; /* '=' name, '*' substring, '#' RecordType */
		int64_t rtype;
		uint32_t owners;
	} e[MH_RAWOP_MAX];
	unsigned short slot[MH_RAWOP_SLOT]; /* names: 1 + index in e[] */
	unsigned short other[MH_RAWOP_MAX], nother;
	/* A consumer's say on a record the lists pass over (reader.h
	 * audit_raw, set by the reader after mh_rawop_set_init; NULL:
	 * none): 1 parses it after all. */
	int (*raw)(void *ctx, struct mh_slice text, int csv,
	           const struct mh_rawop *o);
	void *raw_ctx;
};

/* What a record passed over must still tell (reader.h audit_need): the
 * tenant's facts (mh_rawop_tenant). */
#define MH_RAWOP_TENANT 1u

/* set from ops (NULL: off) and need (MH_RAWOP_*); owners[i] is the owner
 * mask of ops[i] (NULL: 1 for each). The same name twice is one entry
 * with both owners. Entries past MH_RAWOP_MAX turn it off. */
void mh_rawop_set_init(struct mh_rawop_set *set, const char *const *ops,
                       unsigned need);
void mh_rawop_set_init_owned(struct mh_rawop_set *set, const char *const *ops,
                             const uint32_t *owners, unsigned need);

/* The owners of every entry a record of operation op and RecordType
 * rtype (-1: unknown) matches, ORed; 0: no list holds it. */
uint32_t mh_rawop_owners(const struct mh_rawop_set *set, struct mh_slice op,
                         int64_t rtype);

/* 1 when an analytic reads a record of operation op and RecordType
 * rtype (-1: unknown); 1 for every record when set is off. */
int mh_rawop_wanted(const struct mh_rawop_set *set, struct mh_slice op,
                    int64_t rtype);

/* The pass-over decision, the one place every reader asks (the JSON
 * reader for each record, the CSV reader for a Purview row's AuditData):
 * 1 when the record at p[0..n) (JSON; a CSV cell unquoted, all of it
 * when set->need asks for the tenant's facts) is to be passed over
 * unparsed, with out filled (ts parsed; the tenant's facts when
 * set->need says so); 0 to parse it. whole[0..wn) is the text searched
 * by mh_rawop_sure (the record, or the cell as written). flags:
 * MH_RAWOP_CELL for a Purview row (whose UserIds column stands in for a
 * missing UserId: such a row is parsed). text is the record as a
 * consumer sees it (event.h raw: the JSON record, or the Purview row as
 * written), handed to set->raw, the consumers' say (the Sigma rules'
 * raw prefilter), last. A new reason to parse a record belongs here. */
#define MH_RAWOP_CELL 1u
int mh_rawop_pass(const struct mh_rawop_set *set, const char *p, size_t n,
                  const char *whole, size_t wn, struct mh_slice text,
                  unsigned flags, struct mh_rawop *out);

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
