/* idset.h - a set of file identities (device, inode).
 *
 * The walker remembers every directory it lists and every file it hands
 * to a reader, so that overlapping inputs (a directory and a file in it,
 * the same path spelt twice) are read once: counting a message twice
 * would double the forwarding counts. Open addressing, grows by doubling;
 * 16 bytes a member.
 */
#ifndef MH_IDSET_H
#define MH_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct mh_idset {
	uint64_t *v; /* 2 words a slot: dev+1 (0 = empty), ino */
	size_t cap;  /* slots, a power of two, or 0 */
	size_t n;    /* members */
};

#define MH_IDSET_INIT                                                          \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* Adds (dev, ino). Returns 1 when it was new, 0 when already a member,
 * MH_ENOMEM (negative) when the set could not grow (the member is then
 * treated as new by callers: reading twice beats not reading). */
int mh_idset_add(struct mh_idset *s, uint64_t dev, uint64_t ino);

/* 1 when (dev, ino) is a member. */
int mh_idset_has(const struct mh_idset *s, uint64_t dev, uint64_t ino);

/* Frees the storage; s is empty and reusable. NULL allowed. */
void mh_idset_release(struct mh_idset *s);

#endif
