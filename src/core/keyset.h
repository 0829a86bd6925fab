/* keyset.h - a set of 128-bit hashes of byte strings, shared by threads.
 *
 * `scan` remembers every audit record it has read by a hash of its dedup
 * key (event.h record_id), so that the same record read from two
 * overlapping exports, or twice in one, is counted once whichever worker
 * reads it. 128 bits: at a billion records the chance of two different
 * records colliding is about 1e-21, where 64 bits would give 3 %.
 *
 * The set is split into shards, each with its own lock, picked by the
 * hash: two workers rarely wait for each other. Memory: 16 bytes a key at
 * a load of at most 3/4 (about 21 bytes a record).
 */
#ifndef MH_KEYSET_H
#define MH_KEYSET_H

#include <stddef.h>
#include <stdint.h>

struct mh_keyset;

/* MH_OK or MH_ENOMEM. */
int mh_keyset_new(struct mh_keyset **out);
/* NULL allowed. */
void mh_keyset_free(struct mh_keyset *s);

/* Add the hash of p[0..n). 1 when it was not in the set, 0 when it was,
 * MH_ENOMEM when the set could not grow (the key then counts as new:
 * reading a record twice beats dropping one). Thread-safe. */
int mh_keyset_add(struct mh_keyset *s, const void *p, size_t n);

/* Keys in the set (a snapshot when other threads add). */
size_t mh_keyset_count(struct mh_keyset *s);

/* A 128-bit hash of p[0..n) (MurmurHash3 x64/128's construction). */
void mh_hash128(const void *p, size_t n, uint64_t out[2]);

#endif
