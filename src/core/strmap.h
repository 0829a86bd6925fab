/* strmap.h - a small string-keyed hash map (open addressing).
 *
 * Keys are byte strings (any bytes, NUL included) that the map copies and
 * owns; every stored key is also NUL-terminated for convenience. Values are
 * opaque pointers the map never dereferences: the caller owns them and
 * frees them (mh_strmap_release takes an optional destructor).
 *
 * Iteration order depends on hashing and insertion history, not on the
 * keys alone: callers that need deterministic output sort the keys
 * (mh_strmap_sorted). Not thread-safe; one map per thread or a lock.
 */
#ifndef MH_STRMAP_H
#define MH_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct mh_strmap_slot {
	char *key;     /* owned, NUL-terminated copy; NULL: empty slot */
	size_t klen;   /* key length without the NUL */
	uint64_t hash; /* mh_strmap_hash of the key */
	void *val;     /* caller's value, may be NULL */
};

struct mh_strmap {
	struct mh_strmap_slot *slot; /* cap entries, or NULL */
	size_t cap;                  /* 0 or a power of two */
	size_t n;                    /* keys stored */
};

#define MH_STRMAP_INIT                                                         \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void mh_strmap_init(struct mh_strmap *m);
/* Free the keys and the table; free_val (may be NULL) is called on every
 * value. m is left empty and reusable. NULL m allowed. */
void mh_strmap_release(struct mh_strmap *m, void (*free_val)(void *));

/* The map's hash of p[0..n) (eight bytes a step, every byte reaching
 * the low bits), for other tables of short keys that compare the keys
 * they find. */
uint64_t mh_strmap_hash(const char *p, size_t n);

/* The value slot of key, or NULL when the key is absent. */
void **mh_strmap_find(const struct mh_strmap *m, const char *key, size_t klen);
/* The value slot of key, inserting the key with a NULL value when absent
 * (*created set to 1, else 0; created may be NULL). The slot pointer is
 * valid until the next insertion. MH_OK or MH_ENOMEM (map unchanged). */
int mh_strmap_upsert(struct mh_strmap *m, const char *key, size_t klen,
                     void ***slot, int *created);
/* Convenience for NUL-terminated keys. */
int mh_strmap_add(struct mh_strmap *m, const char *key, void ***slot,
                  int *created);
void **mh_strmap_get(const struct mh_strmap *m, const char *key);

/* Iterate: start with *pos = 0; returns the next occupied slot or NULL at
 * the end. Inserting while iterating may skip or repeat keys. */
const struct mh_strmap_slot *mh_strmap_next(const struct mh_strmap *m,
                                            size_t *pos);

/* The occupied slots sorted by key (bytewise, shorter first on a common
 * prefix) in a new array of m->n pointers the caller frees; NULL with
 * *out_n == 0 for an empty map. MH_OK or MH_ENOMEM. */
int mh_strmap_sorted(const struct mh_strmap *m,
                     const struct mh_strmap_slot ***out, size_t *out_n);

#endif
