#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mh_arena_block {
	struct mh_arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void mh_arena_init(struct mh_arena *a, size_t block_size, size_t cap)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 16384;
	a->used_total = 0;
	a->cap = cap;
}

void mh_arena_release(struct mh_arena *a)
{
	if (!a)
		return;
	struct mh_arena_block *b = a->head;
	while (b) {
		struct mh_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used_total = 0;
}

void mh_arena_reset(struct mh_arena *a)
{
	if (!a->head)
		return;
	/* Keep the oldest block (end of the chain): it is the usual size. */
	struct mh_arena_block *b = a->head, *keep = NULL;
	while (b) {
		struct mh_arena_block *next = b->next;
		if (!next)
			keep = b;
		else
			free(b);
		b = next;
	}
	keep->used = 0;
	a->head = keep;
	a->used_total = 0;
}

void *mh_arena_alloc(struct mh_arena *a, size_t n)
{
	if (n > SIZE_MAX - 15)
		return NULL;
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (a->cap && (n > a->cap || a->used_total > a->cap - n))
		return NULL;
	struct mh_arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > a->block_size ? n : a->block_size;
		if (size > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->used_total += n;
	return p;
}

char *mh_arena_strndup(struct mh_arena *a, const char *p, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *s = mh_arena_alloc(a, n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}
