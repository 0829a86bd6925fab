/* audragg.h - the bounded aggregates of the remote-collection analytic
 * (audremote.c judges records, audragg.c counts them, audrfind.c turns
 * them into findings). Internal to those three files.
 *
 * An aggregate counts the records of one key of one rule (an application,
 * identity, mailbox or user): records and items, first/last, the level
 * reached, flags, small sorted sets, hourly buckets where a rule needs a
 * rate, and its evidence. Every collection keeps its smallest members up
 * to a cap (bytewise keys and values, earliest hours, the heaviest records
 * then file and offset for evidence) and says when it was capped: the k
 * smallest of each worker's part hold exactly the k smallest of the
 * whole, so merging accumulators gives the same result whatever the -j.
 * At the caps: 4096 mailboxes x 744 hours of 16 bytes for MH-AUD-VOLUME
 * (48 MiB at worst: a month of 4096 mailboxes read every hour), 1024 users
 * x 168 hours x 190 bytes for MH-AUD-SEARCH (32 MiB at worst); the other
 * rules keep no hours.
 */
#ifndef MH_AUDRAGG_H
#define MH_AUDRAGG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/slice.h"
#include "core/strmap.h"
#include "event/audit.h"
#include "event/event.h"
#include "finding/finding.h"

#define TECH          "T1114.002"
#define TACTIC        "collection"
#define MAX_KEYS      4096 /* aggregates per rule (key_cap) */
#define MAX_HOURS     744  /* hourly buckets per mailbox (31 days) */
#define MAX_QHOURS    168  /* hourly buckets of searches per user (a week) */
#define MAX_SEARCHERS 1024 /* users whose search rate is followed */
#define HASH_CAP      21   /* distinct queries kept per hour: > 20 is enough */
#define TXT_CAP       256  /* bytes kept of a value (query, subject, ...) */
#define SEARCH_RATE   20   /* distinct queries in one hour above which */
#define VOL_MIN       100  /* items in one record or hour for MH-AUD-VOLUME */
#define VOL_FACTOR    10   /* hour >= factor x the mailbox's hourly median */
#define VOL_HOURS     6    /* active hours needed for a median */
#define MANY_MBX      5    /* mailboxes that make a read high */
#define MANY_FOLDERS  5    /* folders of others above which it is high */
#define GRAPH_APP     "00000003-0000-0000-c000-000000000000"

static inline int mh_audr_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

/* s equals the NUL-terminated b, ignoring ASCII case (NULL s: no). */
static inline int mh_audr_ieq(struct mh_slice s, const char *b)
{
	if (!s.n ||
	    ((unsigned char)s.p[0] | 0x20) != ((unsigned char)b[0] | 0x20))
		return s.p && !s.n && !*b;
	size_t n = strlen(b);
	return s.p && s.n == n && mh_slice_ieq(s, mh_slice_make(b, n));
}

struct sset {
	char **v;
	size_t n, alloc;
	int capped;
};
struct ref {
	uint64_t weight;  /* larger first (VOLUME: items, throttled first) */
	uint64_t rid;     /* hash of the record's own id, 0: none */
	const char *file; /* interned in the accumulator */
	uint64_t offset, record;
	unsigned line;
	int64_t ts;
	char *fields; /* owned or NULL */
};
struct evl {
	struct ref *v;
	size_t n;
};
struct hour {
	int32_t h;      /* Unix time / 3600 */
	uint32_t items; /* records or items read in it (saturating) */
	uint64_t *hash; /* SEARCH: [0] the count, then the distinct query
	                 * hashes sorted, at most HASH_CAP; else NULL */
};
struct hours {
	struct hour *v;
	size_t n, alloc;
	int capped;
};
/* MARK: - aggregates */

enum { S_MBX, S_ACTOR, S_IP, S_APP, S_X1, S_X2, NSET };

enum {
	R_APPREAD,
	R_VOLUME,
	R_OTHERMBX,
	R_LOGIN,
	R_SEARCH,
	R_HARDDELETE,
	R_CONSENT,
	R_TAKEOUT,
	R_ADMINACCESS,
	R__N
};

/* flags */
enum {
	F_THROTTLED = 1,
	F_BIGOP = 2,
	F_APPIDENT = 4,
	F_APPWIDE = 8,
	F_OK = 16,     /* at least one record that succeeded (or no result) */
	F_FAILED = 32, /* at least one failed attempt */
	F_POWERSHELL = 64,
	F_NONOWNER = 128,
	F_SECRET = 256,
	F_FIRSTPARTY = 512,
};

struct agg {
	uint64_t records, items, c[2];
	int64_t first, last;
	int level;
	unsigned flags;
	char *name; /* smallest non-empty name seen */
	uint64_t maxop;
	struct sset set[NSET];
	struct evl ev;
	struct hours hrs;
};

struct akv {
	char *key;
	struct agg *a;
};

/* An index of an amap's keys by hash (linear probing), for the lookup
 * of every record; the sorted array stays what findings and merges
 * read. The keys and aggregates it points to are the array's own. */
struct aslot {
	uint64_t h; /* 0: empty */
	const char *key;
	struct agg *a;
};

struct amap {
	struct akv *v;
	size_t n, alloc;
	int capped;
	struct aslot *ix;
	size_t ixcap; /* a power of two, > 2 n; 0: none yet */
};

struct acc {
	struct amap map[R__N];
	struct mh_strmap files; /* interned paths */
	size_t max_ev;
	const char *last_interned; /* the copy of the last path interned */
	/* The record being observed: the hash of its id, and whether it is
	 * a copy of one read before (another export of it). A copy counts
	 * nothing; it only offers itself as evidence, and of the copies of
	 * one record the evidence keeps the one first in file order, so the
	 * evidence does not depend on which copy a thread read first. The
	 * hash is made when a record is first offered as evidence (few
	 * are): rid_key is the event's record_id, rid valid with rid_done. */
	struct mh_slice rid_key;
	uint64_t rid;
	int rid_done;
	int dup;
};

struct obs {
	int rule, level;
	unsigned flags;
	uint64_t items, c0, c1, op;
	int evidence;    /* the record may be evidence */
	int64_t hour;    /* INT64_MIN: none */
	uint64_t hash;   /* query hash, 0: none */
	uint64_t weight; /* evidence order: heavier first */
};

extern const size_t mh_audr_set_cap[NSET], mh_audr_key_cap[R__N],
        mh_audr_hour_cap[R__N];

/* A copy of s (trimmed, NULs dropped, ASCII lower-cased when lower) in
 * out, at most cap - 1 bytes, NUL-terminated. */
void mh_audr_tcopy(char *out, size_t cap, struct mh_slice s, int lower);
/* Add a value to set of g (a slice copied as by tcopy, or a string);
 * *oom set when out of memory. */
void mh_audr_set_add_s(struct agg *g, int set, struct mh_slice s, int lower,
                       int *oom);
void mh_audr_set_add_c(struct agg *g, int set, const char *s, int *oom);
/* Keep the smallest non-empty name seen. */
void mh_audr_agg_name(struct agg *g, const char *name, int *oom);
/* "Owner", "Admin", ... for a LogonType number, NULL when unknown. */
const char *mh_audr_logon_name(int t);
/* Count one record of ev into the aggregate of key of o->rule; returns
 * it for the rule's own sets, NULL when the key is beyond the cap or
 * out of memory (*oom set). */
struct agg *mh_audr_observe(struct acc *c, const struct mh_event *ev,
                            const char *key, const struct obs *o, int *oom);
/* Distinct queries counted in an hour (at most HASH_CAP). */
uint32_t mh_audr_hour_nq(const struct hour *o);
/* Move y (of rule) into x of into. MH_OK or MH_ENOMEM. */
int mh_audr_merge_agg(struct acc *into, int rule, struct agg *x, struct agg *y);
/* The aggregate of key (created), NULL beyond cap or out of memory. */
struct agg *mh_audr_amap_get(struct amap *m, const char *key, size_t cap,
                             int *oom);
void mh_audr_agg_free(struct agg *a);
/* Free every key and aggregate of m and its index; m is left empty. */
void mh_audr_amap_release(struct amap *m);
/* Append the findings of every aggregate (audrfind.c). */
int mh_audr_findings(struct acc *c, struct mh_findings *out);

#endif
