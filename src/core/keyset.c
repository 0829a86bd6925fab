/* keyset.c - sharded set of 128-bit hashes (see keyset.h). */
#include "core/keyset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define SHARDS 64 /* a power of two */

struct shard {
	pthread_mutex_t mu;
	uint64_t *v; /* 2 words a slot; v[2i+1] == 0: empty */
	size_t cap;  /* slots: 0 or a power of two */
	size_t n;
};

struct mh_keyset {
	struct shard sh[SHARDS];
};

/* MARK: - hash */

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

void mh_hash128(const void *data, size_t n, uint64_t out[2])
{
	const unsigned char *p = data;
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	uint64_t h1 = 0x9e3779b97f4a7c15ULL, h2 = 0x6a09e667f3bcc909ULL;
	size_t blocks = n / 16;
	for (size_t i = 0; i < blocks; i++) {
		uint64_t k1 = rd64(p + 16 * i), k2 = rd64(p + 16 * i + 8);
		k1 *= c1;
		k1 = rotl(k1, 31);
		k1 *= c2;
		h1 ^= k1;
		h1 = rotl(h1, 27);
		h1 += h2;
		h1 = h1 * 5 + 0x52dce729;
		k2 *= c2;
		k2 = rotl(k2, 33);
		k2 *= c1;
		h2 ^= k2;
		h2 = rotl(h2, 31);
		h2 += h1;
		h2 = h2 * 5 + 0x38495ab5;
	}
	const unsigned char *t = p + 16 * blocks;
	size_t rest = n & 15;
	uint64_t k1 = 0, k2 = 0;
	for (size_t i = rest; i > 8; i--)
		k2 = (k2 << 8) | t[i - 1];
	for (size_t i = rest < 8 ? rest : 8; i > 0; i--)
		k1 = (k1 << 8) | t[i - 1];
	if (rest > 8) {
		k2 *= c2;
		k2 = rotl(k2, 33);
		k2 *= c1;
		h2 ^= k2;
	}
	if (rest) {
		k1 *= c1;
		k1 = rotl(k1, 31);
		k1 *= c2;
		h1 ^= k1;
	}
	h1 ^= (uint64_t)n;
	h2 ^= (uint64_t)n;
	h1 += h2;
	h2 += h1;
	h1 = fmix(h1);
	h2 = fmix(h2);
	h1 += h2;
	h2 += h1;
	out[0] = h1;
	out[1] = h2;
}

/* MARK: - set */

int mh_keyset_new(struct mh_keyset **out)
{
	struct mh_keyset *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return MH_ENOMEM;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&s->sh[i].mu, NULL);
	*out = s;
	return MH_OK;
}

void mh_keyset_free(struct mh_keyset *s)
{
	if (!s)
		return;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&s->sh[i].mu);
		free(s->sh[i].v);
	}
	free(s);
}

/* Slot of (a, b) in v (cap slots): its own, or the empty one to use. */
static size_t find(const uint64_t *v, size_t cap, uint64_t a, uint64_t b)
{
	size_t i = (size_t)(a ^ (a >> 29)) & (cap - 1);
	while (v[2 * i + 1] && (v[2 * i] != a || v[2 * i + 1] != b))
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct shard *sh)
{
	size_t nc = sh->cap ? sh->cap * 2 : 1024;
	uint64_t *nv = calloc(nc, 2 * sizeof(*nv));
	if (!nv)
		return MH_ENOMEM;
	for (size_t i = 0; i < sh->cap; i++) {
		if (!sh->v[2 * i + 1])
			continue;
		size_t j = find(nv, nc, sh->v[2 * i], sh->v[2 * i + 1]);
		nv[2 * j] = sh->v[2 * i];
		nv[2 * j + 1] = sh->v[2 * i + 1];
	}
	free(sh->v);
	sh->v = nv;
	sh->cap = nc;
	return MH_OK;
}

int mh_keyset_add(struct mh_keyset *s, const void *p, size_t n)
{
	uint64_t h[2];
	mh_hash128(p, n, h);
	/* The low word marks used slots: never 0. */
	uint64_t a = h[0], b = h[1] | 1;
	struct shard *sh = &s->sh[(h[0] >> 58) & (SHARDS - 1)];
	int rc = 1;
	pthread_mutex_lock(&sh->mu);
	if ((sh->n + 1) * 4 > sh->cap * 3 && grow(sh) != MH_OK) {
		rc = MH_ENOMEM;
		goto done;
	}
	size_t i = find(sh->v, sh->cap, a, b);
	if (sh->v[2 * i + 1]) {
		rc = 0;
		goto done;
	}
	sh->v[2 * i] = a;
	sh->v[2 * i + 1] = b;
	sh->n++;
done:
	pthread_mutex_unlock(&sh->mu);
	return rc;
}

size_t mh_keyset_count(struct mh_keyset *s)
{
	size_t n = 0;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&s->sh[i].mu);
		n += s->sh[i].n;
		pthread_mutex_unlock(&s->sh[i].mu);
	}
	return n;
}
