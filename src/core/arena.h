/* arena.h - bump allocator for per-record scratch memory.
 *
 * Readers and parsers allocate an event's decoded fields here; the caller
 * resets the arena after each event, so nothing is freed one by one.
 * Pointers from mh_arena_alloc stay valid until mh_arena_reset/release.
 */
#ifndef MH_ARENA_H
#define MH_ARENA_H

#include <stddef.h>

struct mh_arena_block;

struct mh_arena {
	struct mh_arena_block *head; /* current block (owned chain) */
	size_t block_size;           /* default block size */
	size_t used_total;           /* bytes handed out since last reset */
	size_t cap;                  /* max bytes per reset cycle (0: none) */
};

void mh_arena_init(struct mh_arena *a, size_t block_size, size_t cap);
void mh_arena_release(struct mh_arena *a);
/* Keep the first block, drop the rest. */
void mh_arena_reset(struct mh_arena *a);
/* 16-byte aligned; NULL on ENOMEM, overflow or cap. */
void *mh_arena_alloc(struct mh_arena *a, size_t n);
/* Copy n bytes and add a NUL; NULL on failure. */
char *mh_arena_strndup(struct mh_arena *a, const char *p, size_t n);

#endif
