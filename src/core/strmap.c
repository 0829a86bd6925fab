/* strmap.c - linear probing over a power-of-two table, load <= 1/2.
 * No deletion: the maps here only grow and are released whole, which keeps
 * probing free of tombstones.
 */
#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

uint64_t mh_strmap_hash(const char *p, size_t n)
{
	/* Eight bytes a step (keys are addresses, GUIDs, paths, looked up
	 * for every record), mixed so that the low bits (the slot) depend
	 * on every byte. */
	const uint64_t k = 0x9e3779b97f4a7c15ULL;
	uint64_t h = 0xcbf29ce484222325ULL ^ (n * k), w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	if (n > i && n >= 8)
		memcpy(&w, p + n - 8, 8); /* the last eight, over some done */
	else if (n > i)
		memcpy(&w, p + i, n - i);
	h = (h ^ w) * k;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

void mh_strmap_init(struct mh_strmap *m)
{
	m->slot = NULL;
	m->cap = 0;
	m->n = 0;
}

void mh_strmap_release(struct mh_strmap *m, void (*free_val)(void *))
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slot[i].key)
			continue;
		free(m->slot[i].key);
		if (free_val)
			free_val(m->slot[i].val);
	}
	free(m->slot);
	mh_strmap_init(m);
}

static struct mh_strmap_slot *probe(const struct mh_strmap *m, const char *key,
                                    size_t klen, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct mh_strmap_slot *s = &m->slot[i];
		if (!s->key)
			return s;
		if (s->hash == h && s->klen == klen &&
		    memcmp(s->key, key, klen) == 0)
			return s;
	}
}

void **mh_strmap_find(const struct mh_strmap *m, const char *key, size_t klen)
{
	if (!m->n)
		return NULL;
	struct mh_strmap_slot *s =
	        probe(m, key, klen, mh_strmap_hash(key, klen));
	return s->key ? &s->val : NULL;
}

void **mh_strmap_get(const struct mh_strmap *m, const char *key)
{
	return mh_strmap_find(m, key, strlen(key));
}

static int grow(struct mh_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	if (ncap < m->cap || ncap > SIZE_MAX / sizeof(struct mh_strmap_slot))
		return MH_ENOMEM;
	struct mh_strmap_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return MH_ENOMEM;
	struct mh_strmap old = *m;
	m->slot = ns;
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].key)
			*probe(m, old.slot[i].key, old.slot[i].klen,
			       old.slot[i].hash) = old.slot[i];
	free(old.slot);
	return MH_OK;
}

int mh_strmap_upsert(struct mh_strmap *m, const char *key, size_t klen,
                     void ***slot, int *created)
{
	uint64_t h = mh_strmap_hash(key, klen);
	if (created)
		*created = 0;
	if (m->cap) {
		struct mh_strmap_slot *s = probe(m, key, klen, h);
		if (s->key) {
			*slot = &s->val;
			return MH_OK;
		}
	}
	if ((m->n + 1) * 2 > m->cap && grow(m) != MH_OK)
		return MH_ENOMEM;
	char *k = malloc(klen + 1);
	if (!k)
		return MH_ENOMEM;
	if (klen)
		memcpy(k, key, klen);
	k[klen] = '\0';
	struct mh_strmap_slot *s = probe(m, key, klen, h);
	s->key = k;
	s->klen = klen;
	s->hash = h;
	s->val = NULL;
	m->n++;
	*slot = &s->val;
	if (created)
		*created = 1;
	return MH_OK;
}

int mh_strmap_add(struct mh_strmap *m, const char *key, void ***slot,
                  int *created)
{
	return mh_strmap_upsert(m, key, strlen(key), slot, created);
}

const struct mh_strmap_slot *mh_strmap_next(const struct mh_strmap *m,
                                            size_t *pos)
{
	while (*pos < m->cap) {
		const struct mh_strmap_slot *s = &m->slot[(*pos)++];
		if (s->key)
			return s;
	}
	return NULL;
}

static int cmp_slot(const void *pa, const void *pb)
{
	const struct mh_strmap_slot *a =
	        *(const struct mh_strmap_slot *const *)pa;
	const struct mh_strmap_slot *b =
	        *(const struct mh_strmap_slot *const *)pb;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = n ? memcmp(a->key, b->key, n) : 0;
	if (c)
		return c;
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

int mh_strmap_sorted(const struct mh_strmap *m,
                     const struct mh_strmap_slot ***out, size_t *out_n)
{
	*out = NULL;
	*out_n = 0;
	if (!m->n)
		return MH_OK;
	const struct mh_strmap_slot **v = malloc(m->n * sizeof(*v));
	if (!v)
		return MH_ENOMEM;
	size_t k = 0, pos = 0;
	const struct mh_strmap_slot *s;
	while ((s = mh_strmap_next(m, &pos)) != NULL)
		v[k++] = s;
	qsort(v, k, sizeof(*v), cmp_slot);
	*out = v;
	*out_n = k;
	return MH_OK;
}
