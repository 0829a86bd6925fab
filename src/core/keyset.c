/* keyset.c - sharded set of 128-bit hashes in bounded memory: tables,
 * sorted runs in a temporary file, Bloom filters (see keyset.h). */
#include "core/keyset.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/err.h"

#define SHARDS   64  /* a power of two */
#define MAX_RUNS 8   /* a shard merges its runs past this */
#define BLOCK    256 /* keys read at once when searching a run (4 KiB) */
/* Bloom filter of a shard's spilled keys: 2^20 bits (128 KiB) in blocks
 * of 512 bits, four bits a key inside one block (one cache line). */
#define BLOOM_WORDS  ((size_t)1 << 14)
#define BLOOM_BLOCKS (BLOOM_WORDS / 8)
#define DEFAULT_KEYS ((size_t)917504) /* 14,336 a shard: 16,384 slots */
/* A table spills (or grows) past 7/8 full: a probe reads four slots a
 * cache line, so even a long linear probe reads few lines. */
#define LOAD_NUM 7
#define LOAD_DEN 8
/* Full-size tables of all shards together this big or more share one
 * mapping on huge pages: a key's slot is a cache miss, and without them
 * a page walk that misses too (16 MiB of 4 KiB pages is far past the
 * TLB). The smaller tables they grow from are allocated. */
#define HUGE ((size_t)2 << 20)
/* A shard's first table when the full-size ones are mapped: 4 KiB. */
#define FIRST_CAP ((size_t)256)

struct run {
	uint64_t off, n; /* n keys (16 bytes each) at offset off */
};

struct shard {
	pthread_mutex_t mu;
	/* 2 words a slot, (a, b), in one array aligned to a cache line: a
	 * probe reads one line (four slots) where a separate array of tags
	 * cost a second miss for every key added. b is never 0; 0: empty. */
	uint64_t *v;
	size_t cap; /* slots: 0 or a power of two */
	size_t n;
	uint64_t *bloom; /* BLOOM_WORDS, from the first spill */
	struct run *runs;
	size_t nruns, caprun;
	uint64_t spilled, written, lookups, nrun_total;
};

struct mh_keyset {
	struct shard sh[SHARDS];
	/* Each shard's v and cap again, for mh_keyset_prefetch, which
	 * takes no lock (keyset.h), side by side: 16 cache lines for all
	 * the shards, not one each. */
	struct {
		_Atomic(uint64_t *) v;
		_Atomic size_t cap;
	} pf[SHARDS];
	size_t max_cap; /* a table's slots before it spills */
	int single;     /* one thread at a time: no locks */
	/* NULL: tables of their own, grown from small. Else a shard's
	 * table of max_cap slots is at region + shard * max_cap * 16 (huge
	 * pages), zero until the shard's table grows to it; smaller tables
	 * are allocated (slots are touched uniformly: a huge page under a
	 * table of a few keys would be resident whole; allocated, they
	 * also reuse what the process freed). A table only ever moves up:
	 * allocated, its slice, allocated again (no temporary file). */
	unsigned char *region;
	size_t region_len;
	void *map;      /* the mapping region lies in, for munmap */
	size_t map_len; /* 0: no mapping */
	pthread_mutex_t fmu;
	int fd;      /* the temporary file, -1 until the first spill */
	int no_file; /* it could not be made or written: memory only */
	uint64_t fend;
	char tmpdir[4096];
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

int mh_keyset_new_opts(struct mh_keyset **out,
                       const struct mh_keyset_opts *opts)
{
	struct mh_keyset *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return MH_ENOMEM;
	size_t keys = opts && opts->mem_keys ? opts->mem_keys : DEFAULT_KEYS;
	size_t per = keys / SHARDS ? keys / SHARDS : 1;
	/* Slots for per keys at a load of at most 7/8. */
	s->max_cap = 16;
	while (s->max_cap * LOAD_NUM / LOAD_DEN < per)
		s->max_cap *= 2;
	s->single = opts && opts->single_thread;
	size_t tables = SHARDS * s->max_cap * 16;
	if (tables >= HUGE) {
		size_t len = tables + HUGE;
		void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED) {
			uintptr_t at = ((uintptr_t)m + HUGE - 1) & ~(HUGE - 1);
			/* Advice only: small pages work, just slower. A huge
			 * page of full-size tables is touched (and so made
			 * resident) when the first of its shards fills up. */
#ifdef MADV_HUGEPAGE
			(void)madvise((void *)at, tables, MADV_HUGEPAGE);
#endif
			s->map = m;
			s->map_len = len;
			s->region = (unsigned char *)at;
			s->region_len = tables;
		}
	}
	const char *dir = opts && opts->tmpdir ? opts->tmpdir : NULL;
	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(s->tmpdir, sizeof(s->tmpdir), "%s", dir);
	s->fd = -1;
	pthread_mutex_init(&s->fmu, NULL);
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&s->sh[i].mu, NULL);
	*out = s;
	return MH_OK;
}

int mh_keyset_new(struct mh_keyset **out)
{
	return mh_keyset_new_opts(out, NULL);
}

/* 1 when table v is in the shared mapping. */
static int in_region(const struct mh_keyset *s, const uint64_t *v)
{
	return s->region && (const unsigned char *)v >= s->region &&
	       (const unsigned char *)v < s->region + s->region_len;
}

/* Where shard i's full-size table is in the mapping. */
static unsigned char *slice(const struct mh_keyset *s, size_t i)
{
	return s->region + i * s->max_cap * 16;
}

/* Give back the pages of a table the shard has left. */
static void release(const struct mh_keyset *s, const uint64_t *v, size_t cap)
{
	if (in_region(s, v))
		(void)madvise((void *)(uintptr_t)v, cap * 16, MADV_DONTNEED);
}

static void table_free(uint64_t *v, size_t cap);

void mh_keyset_free(struct mh_keyset *s)
{
	if (!s)
		return;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&s->sh[i].mu);
		if (!in_region(s, s->sh[i].v))
			table_free(s->sh[i].v, s->sh[i].cap);
		free(s->sh[i].bloom);
		free(s->sh[i].runs);
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->map_len)
		munmap(s->map, s->map_len);
	pthread_mutex_destroy(&s->fmu);
	free(s);
}

/* The first slot to probe for a (cap slots). The shard took a's top
 * six bits. */
static size_t home(uint64_t a, size_t cap)
{
	return (size_t)(a ^ (a >> 29)) & (cap - 1);
}

/* Slots tried from a key's home before its second run (keyset.h): four
 * cache lines. */
#define WIN 16

/* Slot of (a, b) (cap slots): its own, or the empty one to use. First
 * the WIN slots from home(a), the home its lead picks (the line a caller
 * may have prefetched); when all hold other keys, a run from the home b
 * picks, until the key or an empty slot. A slot once used stays used
 * until the whole table is emptied (spill), so a key is in its second
 * run only if its window was full when it came, and still is: the
 * search finds every key, and one lead shared by many keys costs a full
 * window and then an ordinary probe, not a run as long as the keys that
 * share it. */
static size_t find(const uint64_t *v, size_t cap, uint64_t a, uint64_t b)
{
	size_t i = home(a, cap);
	size_t w = cap < WIN ? cap : WIN;
	for (size_t k = 0; k < w; k++, i = (i + 1) & (cap - 1))
		if (!v[2 * i + 1] || (v[2 * i + 1] == b && v[2 * i] == a))
			return i;
	/* The table is never full (at most 7/8): the run ends. */
	i = home(b, cap);
	while (v[2 * i + 1] && (v[2 * i + 1] != b || v[2 * i] != a))
		i = (i + 1) & (cap - 1);
	return i;
}

/* Tables of this many bytes or more are mappings of their own, so that
 * one freed when its shard grows goes back to the system at once: the
 * allocator kept the pages of the last table before the huge-page slice
 * (8 MiB in all), +6 MB of peak RSS on the 1 GiB audit log at -j2. */
#define TABLE_MAP_MIN ((size_t)64 << 10)

/* A zeroed table of nc slots (a multiple of four) on a cache line. */
static uint64_t *table(size_t nc)
{
	if (nc * 16 >= TABLE_MAP_MIN) {
		void *m = mmap(NULL, nc * 16, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return m == MAP_FAILED ? NULL : (uint64_t *)m;
	}
	uint64_t *v = aligned_alloc(64, nc * 16);
	if (v)
		memset(v, 0, nc * 16);
	return v;
}

/* Frees a table of cap slots made by table(). */
static void table_free(uint64_t *v, size_t cap)
{
	if (v && cap * 16 >= TABLE_MAP_MIN)
		munmap(v, cap * 16);
	else
		free(v);
}

static void put(uint64_t *v, size_t cap, uint64_t a, uint64_t b)
{
	size_t j = find(v, cap, a, b);
	v[2 * j] = a;
	v[2 * j + 1] = b;
}

static int grow(struct mh_keyset *s, struct shard *sh)
{
	size_t max_cap = s->max_cap;
	size_t nc = sh->cap          ? sh->cap * 2
	            : s->region      ? FIRST_CAP
	            : max_cap < 1024 ? max_cap
	                             : 1024;
	if (nc < 16) /* max_cap is 16 at least (mh_keyset_new) */
		nc = 16;
	/* The slice is zero: a table only moves there once. */
	uint64_t *nv =
	        s->region && nc == max_cap
	                ? (uint64_t *)(void *)slice(s, (size_t)(sh - s->sh))
	                : table(nc);
	if (!nv)
		return MH_ENOMEM;
	for (size_t i = 0; i < sh->cap; i++)
		if (sh->v[2 * i + 1])
			put(nv, nc, sh->v[2 * i], sh->v[2 * i + 1]);
	if (in_region(s, sh->v))
		release(s, sh->v, sh->cap);
	else
		table_free(sh->v, sh->cap);
	sh->v = nv;
	sh->cap = nc;
	size_t k = (size_t)(sh - s->sh);
	atomic_store_explicit(&s->pf[k].v, nv, memory_order_relaxed);
	atomic_store_explicit(&s->pf[k].cap, nc, memory_order_relaxed);
	return MH_OK;
}

/* MARK: - Bloom filter */

static void bloom_bits(uint64_t b, size_t *block, unsigned bit[4])
{
	*block = (size_t)(b >> 53) & (BLOOM_BLOCKS - 1);
	bit[0] = (unsigned)(b >> 1) & 511;
	bit[1] = (unsigned)(b >> 10) & 511;
	bit[2] = (unsigned)(b >> 19) & 511;
	bit[3] = (unsigned)(b >> 28) & 511;
}

static void bloom_add(uint64_t *bl, uint64_t b)
{
	size_t block;
	unsigned bit[4];
	bloom_bits(b, &block, bit);
	uint64_t *w = bl + block * 8;
	for (int i = 0; i < 4; i++)
		w[bit[i] >> 6] |= (uint64_t)1 << (bit[i] & 63);
}

static int bloom_maybe(const uint64_t *bl, uint64_t b)
{
	size_t block;
	unsigned bit[4];
	bloom_bits(b, &block, bit);
	const uint64_t *w = bl + block * 8;
	for (int i = 0; i < 4; i++)
		if (!(w[bit[i] >> 6] & ((uint64_t)1 << (bit[i] & 63))))
			return 0;
	return 1;
}

/* MARK: - the temporary file */

static int file_ready(struct mh_keyset *s)
{
	if (s->fd >= 0)
		return 1;
	if (s->no_file)
		return 0;
	/* Unlinked from the start: nothing is left behind, whatever
	 * happens to the process. */
	int fd = open(s->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/mailhunt-keys-XXXXXX",
		         s->tmpdir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0) {
		s->no_file = 1;
		return 0;
	}
	s->fd = fd;
	return 1;
}

/* Room for n bytes in the file: its offset, or UINT64_MAX when there is
 * no file. */
static uint64_t reserve(struct mh_keyset *s, uint64_t n)
{
	uint64_t off = UINT64_MAX;
	pthread_mutex_lock(&s->fmu);
	if (file_ready(s)) {
		off = s->fend;
		s->fend += n;
	}
	pthread_mutex_unlock(&s->fmu);
	return off;
}

static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const char *c = p;
	while (n) {
		ssize_t w = pwrite(fd, c, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;
	while (n) {
		ssize_t r = pread(fd, c, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Give the disk space of a run back (holes; failure only wastes it). */
static void drop_run(struct mh_keyset *s, const struct run *r)
{
#ifdef FALLOC_FL_PUNCH_HOLE
	(void)fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	                (off_t)r->off, (off_t)(r->n * 16));
#else
	(void)s;
	(void)r;
#endif
}

/* MARK: - runs */

static int cmp_key(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* Sort n keys (pairs of words) by (a, b): the hashes are uniform, so two
 * counting passes over 22 bits of a (the shard's six are all equal)
 * leave them almost in order, and an insertion pass finishes. */
static void sort_keys(uint64_t *k, uint64_t *tmp, size_t n)
{
	for (int shift = 36; shift <= 47; shift += 11) {
		size_t count[2049] = {0};
		for (size_t i = 0; i < n; i++)
			count[((k[2 * i] >> shift) & 2047) + 1]++;
		for (size_t d = 1; d <= 2048; d++)
			count[d] += count[d - 1];
		for (size_t i = 0; i < n; i++) {
			size_t j = count[(k[2 * i] >> shift) & 2047]++;
			tmp[2 * j] = k[2 * i];
			tmp[2 * j + 1] = k[2 * i + 1];
		}
		memcpy(k, tmp, n * 16);
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t a = k[2 * i], b = k[2 * i + 1];
		size_t j = i;
		while (j > 0 &&
		       cmp_key(&k[2 * (j - 1)], (uint64_t[]){a, b}) > 0) {
			k[2 * j] = k[2 * (j - 1)];
			k[2 * j + 1] = k[2 * (j - 1) + 1];
			j--;
		}
		k[2 * j] = a;
		k[2 * j + 1] = b;
	}
}

static int key_lt(uint64_t a, uint64_t b, const uint64_t *k)
{
	return a < k[0] || (a == k[0] && b < k[1]);
}

/* 1 when (a, b) is in run r, 0 when not, -1 when it cannot be read.
 * Keys are uniform hashes: the estimate of its place is within a block
 * or two of it. */
static int run_has(struct mh_keyset *s, const struct run *r, uint64_t a,
                   uint64_t b)
{
	/* Zeroed: the analyser cannot see that pread_all fills k keys. */
	uint64_t buf[2 * BLOCK] = {0};
	uint64_t n = r->n;
	/* The shard's bits (the top six) are the same in every key. */
	double f = (double)(a << 6) / 18446744073709551616.0;
	uint64_t est = (uint64_t)(f * (double)n);
	uint64_t lo = est > BLOCK / 2 ? est - BLOCK / 2 : 0;
	int moved = 0; /* -1 left, 1 right */
	for (;;) {
		if (lo + BLOCK > n)
			lo = n > BLOCK ? n - BLOCK : 0;
		size_t k = (size_t)(n - lo < BLOCK ? n - lo : BLOCK);
		if (!k)
			return 0;
		if (pread_all(s->fd, buf, k * 16, r->off + lo * 16) != 0)
			return -1;
		if (key_lt(a, b, buf)) {
			if (lo == 0 || moved > 0)
				return 0;
			lo = lo > BLOCK ? lo - BLOCK : 0;
			moved = -1;
			continue;
		}
		if (key_lt(buf[2 * (k - 1)], buf[2 * (k - 1) + 1],
		           (const uint64_t[]){a, b})) {
			if (lo + k >= n || moved < 0)
				return 0;
			lo += k;
			moved = 1;
			continue;
		}
		size_t l = 0, h = k;
		while (l < h) {
			size_t m = l + (h - l) / 2;
			if (key_lt(buf[2 * m], buf[2 * m + 1],
			           (const uint64_t[]){a, b}))
				l = m + 1;
			else
				h = m;
		}
		return l < k && buf[2 * l] == a && buf[2 * l + 1] == b;
	}
}

/* Merge all of a shard's runs into one. MH_OK, or an error with the
 * runs left as they were. */
static int merge(struct mh_keyset *s, struct shard *sh)
{
	size_t nr = sh->nruns;
	uint64_t total = 0;
	for (size_t i = 0; i < nr; i++)
		total += sh->runs[i].n;
	uint64_t off = reserve(s, total * 16);
	if (off == UINT64_MAX)
		return MH_EIO;
	/* A block of each run, and one for the output. */
	uint64_t *bufs = malloc((nr + 1) * BLOCK * 16);
	size_t *pos = calloc(nr, sizeof(*pos) * 3);
	if (!bufs || !pos) {
		free(bufs);
		free(pos);
		return MH_ENOMEM;
	}
	size_t *len = pos + nr;  /* keys in each buffer */
	size_t *done = len + nr; /* keys of each run read so far */
	uint64_t *out = bufs + nr * BLOCK * 2;
	size_t nout = 0;
	uint64_t w = off;
	int rc = MH_OK;
	for (;;) {
		int best = -1;
		for (size_t i = 0; i < nr; i++) {
			if (pos[i] == len[i]) {
				uint64_t left = sh->runs[i].n - done[i];
				size_t k = left < BLOCK ? (size_t)left : BLOCK;
				pos[i] = len[i] = 0;
				if (!k)
					continue;
				if (pread_all(s->fd, bufs + i * BLOCK * 2,
				              k * 16,
				              sh->runs[i].off + done[i] * 16)) {
					rc = MH_EIO;
					goto out;
				}
				len[i] = k;
				done[i] += k;
			}
			const uint64_t *c = bufs + i * BLOCK * 2 + 2 * pos[i];
			if (best < 0 || key_lt(c[0], c[1],
			                       bufs + (size_t)best * BLOCK * 2 +
			                               2 * pos[best]))
				best = (int)i;
		}
		if (best >= 0) {
			const uint64_t *c =
			        bufs + (size_t)best * BLOCK * 2 + 2 * pos[best];
			out[2 * nout] = c[0];
			out[2 * nout + 1] = c[1];
			nout++;
			pos[best]++;
		}
		if (nout == BLOCK || (best < 0 && nout)) {
			if (pwrite_all(s->fd, out, nout * 16, w)) {
				rc = MH_EIO;
				goto out;
			}
			w += nout * 16;
			sh->written += nout * 16;
			nout = 0;
		}
		if (best < 0)
			break;
	}
	for (size_t i = 0; i < nr; i++)
		drop_run(s, &sh->runs[i]);
	sh->runs[0].off = off;
	sh->runs[0].n = total;
	sh->nruns = 1;
	sh->nrun_total++;
out:
	free(bufs);
	free(pos);
	return rc;
}

/* Write the shard's table as a sorted run and empty it. MH_OK, or an
 * error with the table as it was. */
static int spill(struct mh_keyset *s, struct shard *sh)
{
	if (sh->nruns == sh->caprun) {
		size_t nc = sh->caprun ? sh->caprun * 2 : MAX_RUNS + 2;
		struct run *nrn = realloc(sh->runs, nc * sizeof(*nrn));
		if (!nrn)
			return MH_ENOMEM;
		sh->runs = nrn;
		sh->caprun = nc;
	}
	if (!sh->bloom && !(sh->bloom = calloc(BLOOM_WORDS, sizeof(uint64_t))))
		return MH_ENOMEM;
	uint64_t off = reserve(s, (uint64_t)sh->n * 16);
	if (off == UINT64_MAX)
		return MH_EIO;
	uint64_t *keys = malloc(sh->n * 32);
	if (!keys)
		return MH_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < sh->cap; i++) {
		if (!sh->v[2 * i + 1])
			continue;
		keys[2 * k] = sh->v[2 * i];
		keys[2 * k + 1] = sh->v[2 * i + 1];
		k++;
	}
	sort_keys(keys, keys + 2 * sh->n, k);
	if (pwrite_all(s->fd, keys, k * 16, off)) {
		free(keys);
		return MH_EIO;
	}
	for (size_t i = 0; i < k; i++)
		bloom_add(sh->bloom, keys[2 * i + 1]);
	free(keys);
	sh->runs[sh->nruns].off = off;
	sh->runs[sh->nruns].n = k;
	sh->nruns++;
	sh->nrun_total++;
	sh->spilled += k;
	sh->written += k * 16;
	memset(sh->v, 0, sh->cap * 16);
	sh->n = 0;
	/* A failed merge leaves more runs: slower lookups, same answers. */
	if (sh->nruns > MAX_RUNS)
		(void)merge(s, sh);
	return MH_OK;
}

/* 1 when (a, b) was spilled, 0 when not (or its runs cannot be read). */
static int spilled(struct mh_keyset *s, struct shard *sh, uint64_t a,
                   uint64_t b)
{
	if (!sh->nruns || !bloom_maybe(sh->bloom, b))
		return 0;
	sh->lookups++;
	for (size_t i = 0; i < sh->nruns; i++)
		if (run_has(s, &sh->runs[i], a, b) == 1)
			return 1;
	return 0;
}

void mh_keyset_hash(const void *p, size_t n, struct mh_keyhash *h)
{
	uint64_t w[2];
	mh_hash128(p, n, w);
	h->a = w[0];
	/* The low word marks used slots: never 0. */
	h->b = w[1] | 1;
}

uint64_t mh_keyset_lead(const void *lead, size_t ln)
{
	uint64_t w[2];
	mh_hash128(lead, ln, w);
	return w[0];
}

void mh_keyset_hash_lead(const void *lead, size_t ln, const void *p, size_t n,
                         struct mh_keyhash *h)
{
	mh_keyset_hash_a(mh_keyset_lead(lead, ln), p, n, h);
}

void mh_keyset_hash_a(uint64_t a, const void *p, size_t n, struct mh_keyhash *h)
{
	uint64_t w[2];
	mh_hash128(p, n, w);
	h->a = a;
	h->b = w[1] | 1;
}

void mh_keyset_prefetch(const struct mh_keyset *s, const struct mh_keyhash *h)
{
	/* Takes no lock: v and cap are atomics, read relaxed, so they may
	 * be stale or out of step with each other (a table the shard has
	 * just left, the size of the one it moved to). That only makes the
	 * address useless, never harmful: a prefetch reads no data and
	 * never faults, whatever the address. */
	size_t shard = (size_t)(h->a >> 58) & (SHARDS - 1);
	size_t cap =
	        atomic_load_explicit(&s->pf[shard].cap, memory_order_relaxed);
	const uint64_t *v =
	        atomic_load_explicit(&s->pf[shard].v, memory_order_relaxed);
	if (!cap || !v)
		return;
	__builtin_prefetch((const char *)v + home(h->a, cap) * 16);
}

int mh_keyset_add(struct mh_keyset *s, const void *p, size_t n)
{
	struct mh_keyhash h;
	mh_keyset_hash(p, n, &h);
	return mh_keyset_add_h(s, &h);
}

int mh_keyset_add_h(struct mh_keyset *s, const struct mh_keyhash *h)
{
	uint64_t a = h->a, b = h->b | 1;
	struct shard *sh = &s->sh[(a >> 58) & (SHARDS - 1)];
	int rc = 1;
	if (!s->single)
		pthread_mutex_lock(&sh->mu);
	if (sh->cap) {
		size_t i = find(sh->v, sh->cap, a, b);
		if (sh->v[2 * i + 1]) {
			rc = 0;
			goto done;
		}
	}
	if (spilled(s, sh, a, b)) {
		rc = 0;
		goto done;
	}
	if ((sh->n + 1) * LOAD_DEN > sh->cap * LOAD_NUM) {
		/* Full: a bigger table while under the bound, else a run;
		 * without a file, bigger anyway (exact beats bounded). */
		int r = sh->cap >= s->max_cap ? spill(s, sh) : MH_EIO;
		if (r != MH_OK && grow(s, sh) != MH_OK) {
			rc = MH_ENOMEM;
			goto done;
		}
	}
	size_t i = find(sh->v, sh->cap, a, b);
	sh->v[2 * i] = a;
	sh->v[2 * i + 1] = b;
	sh->n++;
done:
	if (!s->single)
		pthread_mutex_unlock(&sh->mu);
	return rc;
}

size_t mh_keyset_count(struct mh_keyset *s)
{
	size_t n = 0;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&s->sh[i].mu);
		n += s->sh[i].n + (size_t)s->sh[i].spilled;
		pthread_mutex_unlock(&s->sh[i].mu);
	}
	return n;
}

void mh_keyset_stats(struct mh_keyset *s, struct mh_keyset_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < SHARDS; i++) {
		struct shard *sh = &s->sh[i];
		pthread_mutex_lock(&sh->mu);
		st->keys += sh->n + sh->spilled;
		st->spilled += sh->spilled;
		st->runs += sh->nrun_total;
		st->disk_bytes += sh->written;
		st->disk_lookups += sh->lookups;
		st->table_bytes += (uint64_t)sh->cap * 16;
		pthread_mutex_unlock(&sh->mu);
	}
	pthread_mutex_lock(&s->fmu);
	st->memory_only = s->no_file;
	pthread_mutex_unlock(&s->fmu);
}
