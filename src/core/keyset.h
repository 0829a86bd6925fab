/* keyset.h - a set of 128-bit hashes of byte strings, shared by threads,
 * in bounded memory.
 *
 * `scan` remembers every audit record it has read by a hash of its dedup
 * key (event.h record_id), so that the same record read from two
 * overlapping exports, or twice in one, is counted once whichever worker
 * reads it. 128 bits: at a billion records the chance of two different
 * records colliding (a record dropped that was no duplicate) is about
 * 1e-21, where 64 bits would give 3 %.
 *
 * Memory is bounded, the answer exact: the set is split into shards
 * (each with its own lock, picked by the hash, so two workers rarely wait
 * for each other; no locks when the caller says one thread adds); a shard
 * keeps its newest keys in an open-addressing table (16-byte slots, four
 * to a cache line: a new key costs one line, which a caller can ask for
 * early: mh_keyset_prefetch) of at most mem_keys / 64
 * keys (7/8 of its slots) and, when that is full, writes them sorted to
 * an unlinked temporary file as a run and starts again. A key not in the
 * table is looked for in the shard's runs only when a Bloom filter of the
 * spilled keys (fixed size) says it may be there: then one 4 KiB read per
 * run (keys are uniform, so a run is searched by interpolation). A shard
 * merges its runs when it has more than eight. Nothing is forgotten and
 * nothing is dropped on a guess: a key is "seen" only when its 128 bits
 * were found. Defaults: 917,504 keys in memory (16 MiB of tables: a 1
 * GiB unified audit log's 841,413 records never touch the disk) and,
 * from the first spill only, 8 MiB of Bloom filters, whatever the input
 * size; 16 bytes a key on disk.
 * Memory follows the keys held: a shard's table starts at 256 slots (4
 * KiB) and doubles when 7/8 full, so the tables take about 16 / (7/8)
 * bytes a key, rounded up to each table's power of two (stats
 * table_bytes). With the defaults the full-size tables (16,384 slots,
 * 256 KiB a shard) share one mapping on huge pages where the system
 * gives them (no page-walk miss), eight shards to a 2 MiB page, which
 * is resident from the first of the eight to get there (about 460,000
 * keys, when the others are about to); smaller tables are allocated.
 * Without a writable temporary directory ($TMPDIR, else /tmp) the tables
 * grow in memory instead (exact, unbounded), and the stats say so.
 */
#ifndef MH_KEYSET_H
#define MH_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct mh_keyset;

struct mh_keyset_opts {
	size_t mem_keys;    /* keys held in memory before spilling (0:
	                     * 917,504); rounded to the shards' table sizes */
	const char *tmpdir; /* NULL: $TMPDIR, else /tmp */
	int single_thread;  /* 1: one thread at a time calls the set (scan
	                     * -j1): no locks taken; 0: thread-safe */
};

/* MH_OK or MH_ENOMEM. opts NULL: the defaults. */
int mh_keyset_new(struct mh_keyset **out);
int mh_keyset_new_opts(struct mh_keyset **out,
                       const struct mh_keyset_opts *opts);
/* NULL allowed. Closes (and so removes) the temporary file. */
void mh_keyset_free(struct mh_keyset *s);

/* Add the hash of p[0..n). 1 when it was not in the set, 0 when it was,
 * MH_ENOMEM when the set could not grow (the key then counts as new:
 * reading a record twice beats dropping one; so does a temporary file
 * that cannot be read back). Thread-safe unless made single_thread. */
int mh_keyset_add(struct mh_keyset *s, const void *p, size_t n);

/* The same in two steps, so that a caller can hash a key as soon as it
 * has it and ask for the cache line of its slot while other work goes
 * on: mh_keyset_add(s, p, n) is mh_keyset_hash(p, n, &h) then
 * mh_keyset_add_h(s, &h). A key is only ever compared by all 128 bits
 * (a and b).
 *
 * A key's slot is picked by a alone, and a may be the hash of a part of
 * the key known before the rest, its lead (mh_keyset_hash_lead: a from
 * the lead, b from the whole key): a reader that has a record's Id
 * before it has made the record's whole key asks for the slot with
 * {mh_keyset_lead(Id), 0} long before it adds. One key must always get
 * the same lead (or always none: mh_keyset_hash is the key as its own
 * lead), else it is not found again. Many keys with one lead (an Id
 * reused) are no trouble: a key is looked for in the 16 slots from the
 * home its lead picks, then, when those are full, from a home its
 * whole hash picks. Two keys with different leads are taken for one
 * with a chance of 2^-127, two with the same lead 2^-63.
 * mh_keyset_prefetch is a hint: it reads h->a only, no state other
 * threads change (it may see a table the shard has just left: harmless,
 * a prefetch never faults) and may do nothing. */
struct mh_keyhash {
	uint64_t a, b;
};
void mh_keyset_hash(const void *p, size_t n, struct mh_keyhash *h);
void mh_keyset_hash_lead(const void *lead, size_t ln, const void *p, size_t n,
                         struct mh_keyhash *h);
uint64_t mh_keyset_lead(const void *lead, size_t ln);
/* mh_keyset_hash_lead with the lead's hash a known (mh_keyset_lead). */
void mh_keyset_hash_a(uint64_t a, const void *p, size_t n,
                      struct mh_keyhash *h);
void mh_keyset_prefetch(const struct mh_keyset *s, const struct mh_keyhash *h);
int mh_keyset_add_h(struct mh_keyset *s, const struct mh_keyhash *h);

/* Keys in the set (a snapshot when other threads add). */
size_t mh_keyset_count(struct mh_keyset *s);

struct mh_keyset_stats {
	uint64_t keys;         /* distinct keys added */
	uint64_t spilled;      /* of them, in the temporary file */
	uint64_t runs;         /* runs written (merges included) */
	uint64_t disk_bytes;   /* bytes written to the temporary file */
	uint64_t disk_lookups; /* keys looked for in runs (Bloom said maybe) */
	uint64_t table_bytes;  /* bytes of the shards' tables now */
	int memory_only;       /* no temporary file: tables grew instead */
};

void mh_keyset_stats(struct mh_keyset *s, struct mh_keyset_stats *st);

/* A 128-bit hash of p[0..n) (MurmurHash3 x64/128's construction). */
void mh_hash128(const void *p, size_t n, uint64_t out[2]);

#endif
