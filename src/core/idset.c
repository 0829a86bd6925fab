/* idset.c - see idset.h. */
#include "core/idset.h"

#include <stdlib.h>

#include "core/err.h"

static size_t slot_of(uint64_t dev, uint64_t ino, size_t cap)
{
	/* splitmix64 finaliser over both words: inodes are dense. */
	uint64_t x = ino * 0x9e3779b97f4a7c15ULL ^ dev;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x & (cap - 1);
}

/* Slot holding (dev, ino), or the empty slot where it would go. */
static size_t find(const struct mh_idset *s, uint64_t dev, uint64_t ino)
{
	size_t i = slot_of(dev, ino, s->cap);
	while (s->v[2 * i] != 0 &&
	       (s->v[2 * i] != dev + 1 || s->v[2 * i + 1] != ino))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(struct mh_idset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 256;
	uint64_t *v = calloc(cap * 2, sizeof(*v));
	if (!v)
		return MH_ENOMEM;
	struct mh_idset t = {v, cap, 0};
	for (size_t i = 0; i < s->cap; i++) {
		if (s->v[2 * i] == 0)
			continue;
		size_t j = find(&t, s->v[2 * i] - 1, s->v[2 * i + 1]);
		v[2 * j] = s->v[2 * i];
		v[2 * j + 1] = s->v[2 * i + 1];
		t.n++;
	}
	free(s->v);
	*s = t;
	return MH_OK;
}

int mh_idset_add(struct mh_idset *s, uint64_t dev, uint64_t ino)
{
	/* Load at most one half: probes stay short. */
	if ((s->n + 1) * 2 > s->cap && grow(s) != MH_OK)
		return MH_ENOMEM;
	size_t i = find(s, dev, ino);
	if (s->v[2 * i] != 0)
		return 0;
	s->v[2 * i] = dev + 1;
	s->v[2 * i + 1] = ino;
	s->n++;
	return 1;
}

int mh_idset_has(const struct mh_idset *s, uint64_t dev, uint64_t ino)
{
	if (!s->cap)
		return 0;
	return s->v[2 * find(s, dev, ino)] != 0;
}

void mh_idset_release(struct mh_idset *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->cap = s->n = 0;
}
