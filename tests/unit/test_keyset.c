/* core/keyset: exact answers whatever is in memory, on disk, merged, or
 * added by several threads at once; memory-only when there is no
 * temporary directory. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/keyset.h"

static size_t key(uint64_t i, char out[32])
{
	return (size_t)snprintf(out, 32, "record-%llu", (unsigned long long)i);
}

static int add(struct mh_keyset *s, uint64_t i)
{
	char k[32];
	size_t n = key(i, k);
	return mh_keyset_add(s, k, n);
}

/* With 64 keys in memory (one a shard), 20,000 keys spill hundreds of
 * runs, merged every eight: every key is new once and seen after, in
 * any order, and keys never added are never seen; with locks or (one
 * thread, scan -j1) without. */
static void spill_exact(int single)
{
	struct mh_keyset *s;
	struct mh_keyset_opts o = {.mem_keys = 64, .single_thread = single};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	for (uint64_t i = 0; i < 20000; i += 2)
		assert_int_equal(add(s, i), 1);
	/* Again, interleaved with keys not seen yet. */
	for (uint64_t i = 0; i < 20000; i++)
		assert_int_equal(add(s, i), i % 2 ? 1 : 0);
	for (uint64_t i = 19999;; i--) {
		assert_int_equal(add(s, i), 0);
		if (!i)
			break;
	}
	assert_int_equal(mh_keyset_count(s), 20000);
	struct mh_keyset_stats st;
	mh_keyset_stats(s, &st);
	assert_int_equal(st.keys, 20000);
	assert_false(st.memory_only);
	assert_true(st.spilled > 15000);
	assert_true(st.runs > 64);
	assert_true(st.disk_lookups > 0);
	/* Merges keep a shard's runs few: lookups read little. */
	assert_true(st.disk_bytes >= st.spilled * 16);
	mh_keyset_free(s);
}

static void test_spill_exact(void **state)
{
	(void)state;
	spill_exact(0);
}

static void test_spill_exact_single(void **state)
{
	(void)state;
	spill_exact(1);
}

/* The default bound: a million keys, exact, the tables capped; the
 * 841,413 records of a 1 GiB unified audit log stay in memory (no disk,
 * no Bloom filter on the way). */
static void test_default_bound(void **state)
{
	(void)state;
	struct mh_keyset *s;
	assert_int_equal(mh_keyset_new(&s), MH_OK);
	struct mh_keyset_stats st;
	for (uint64_t i = 0; i < 1000000; i++) {
		assert_int_equal(add(s, i), 1);
		if (i + 1 == 850000) {
			mh_keyset_stats(s, &st);
			assert_int_equal(st.keys, 850000);
			assert_int_equal(st.spilled, 0);
			assert_int_equal(st.disk_bytes, 0);
		}
	}
	for (uint64_t i = 0; i < 1000000; i += 997)
		assert_int_equal(add(s, i), 0);
	mh_keyset_stats(s, &st);
	assert_int_equal(st.keys, 1000000);
	/* At most 917,504 in memory (14,336 a shard), the rest on disk. */
	assert_true(st.spilled >= 1000000 - 917504);
	assert_true(st.spilled > 0);
	mh_keyset_free(s);
}

/* No temporary directory: the tables grow instead, still exact. */
static void test_memory_only(void **state)
{
	(void)state;
	struct mh_keyset *s;
	struct mh_keyset_opts o = {.mem_keys = 64,
	                           .tmpdir = "/nonexistent/mailhunt-test"};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(add(s, i), 1);
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(add(s, i), 0);
	struct mh_keyset_stats st;
	mh_keyset_stats(s, &st);
	assert_true(st.memory_only);
	assert_int_equal(st.spilled, 0);
	assert_int_equal(st.keys, 5000);
	mh_keyset_free(s);
}

/* No temporary directory and the default bound: the tables on huge
 * pages grow past it, still exact. */
static void test_memory_only_default(void **state)
{
	(void)state;
	struct mh_keyset *s;
	struct mh_keyset_opts o = {.tmpdir = "/nonexistent/mailhunt-test",
	                           .single_thread = 1};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	for (uint64_t i = 0; i < 1000000; i += 2)
		assert_int_equal(add(s, i), 1);
	for (uint64_t i = 0; i < 1000000; i++)
		assert_int_equal(add(s, i), i % 2 ? 1 : 0);
	struct mh_keyset_stats st;
	mh_keyset_stats(s, &st);
	assert_true(st.memory_only);
	assert_int_equal(st.spilled, 0);
	assert_int_equal(st.keys, 1000000);
	mh_keyset_free(s);
}

/* Resident bytes of this process (/proc/self/statm), 0 if unknown. */
static size_t resident(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* The set's memory follows the keys it holds, not its bound: 20,000
 * keys under the default bound (16 MiB of tables) take tables of 512
 * slots a shard (512 KiB), and the process grows by about that much,
 * not by the 16 MiB the full-size tables would make resident (slots
 * are touched uniformly); past about 460,000 keys the tables are full
 * size, and stay so. */
static void test_memory_follows(void **state)
{
	(void)state;
	struct mh_keyset *s;
	struct mh_keyset_stats st;
	struct mh_keyset_opts o = {.single_thread = 1};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	size_t before = resident();
	mh_keyset_stats(s, &st);
	assert_int_equal(st.table_bytes, 0);
	for (uint64_t i = 0; i < 20000; i++)
		assert_int_equal(add(s, i), 1);
	size_t after = resident();
	mh_keyset_stats(s, &st);
	/* 16 bytes a key at a load of 7/16 to 7/8. */
	assert_true(st.table_bytes >= 20000 * 16 * 8 / 7);
	assert_true(st.table_bytes <= 2 * 20000 * 16 * 8 / 7 + 64 * 4096);
	assert_true(before > 0 && after > 0);
	/* Generous (sanitizers' shadow memory grows with it), and still
	 * half of what full-size tables would take. */
	assert_true(after - before < ((size_t)8 << 20));
	for (uint64_t i = 20000; i < 850000; i++)
		assert_int_equal(add(s, i), 1);
	mh_keyset_stats(s, &st);
	assert_int_equal(st.table_bytes, (uint64_t)16 << 20);
	assert_int_equal(st.spilled, 0);
	for (uint64_t i = 0; i < 850000; i += 101)
		assert_int_equal(add(s, i), 0);
	mh_keyset_free(s);
}

static int add_h(struct mh_keyset *s, uint64_t i)
{
	char k[32];
	size_t n = key(i, k);
	struct mh_keyhash h;
	mh_keyset_hash(k, n, &h);
	mh_keyset_prefetch(s, &h);
	return mh_keyset_add_h(s, &h);
}

/* Hashing first (and prefetching) is the same set as adding the bytes:
 * a key added one way is seen the other way, on the huge-page tables of
 * the default bound and on small ones that spill. */
static void two_steps(size_t mem_keys)
{
	struct mh_keyset *s;
	struct mh_keyset_opts o = {.mem_keys = mem_keys};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	for (uint64_t i = 0; i < 20000; i++)
		assert_int_equal(i % 2 ? add(s, i) : add_h(s, i), 1);
	for (uint64_t i = 0; i < 20000; i++)
		assert_int_equal(i % 2 ? add_h(s, i) : add(s, i), 0);
	assert_int_equal(add_h(s, 20000), 1);
	assert_int_equal(mh_keyset_count(s), 20001);
	mh_keyset_free(s);
}

static void test_two_steps(void **state)
{
	(void)state;
	two_steps(0);
	two_steps(64);
}

/* A key whose lead is one of nlead Ids (the way scan hashes an audit
 * record's key: event.h record_hash), i the rest of it. */
static void lead_key(uint64_t i, uint64_t nlead, struct mh_keyhash *h)
{
	char k[64], id[24];
	int ln = snprintf(id, sizeof(id), "id-%llu",
	                  (unsigned long long)(i % nlead));
	int n = snprintf(k, sizeof(k), "m365\x1f%s\x1f%llu/%llu", id,
	                 (unsigned long long)i, (unsigned long long)nlead);
	mh_keyset_hash_lead(id, (size_t)ln, k, (size_t)n, h);
}

static int add_lead(struct mh_keyset *s, uint64_t i, uint64_t nlead)
{
	struct mh_keyhash h, early;
	lead_key(i, nlead, &h);
	char id[24];
	int ln = snprintf(id, sizeof(id), "id-%llu",
	                  (unsigned long long)(i % nlead));
	/* What a reader asks for before it has the whole key. */
	early.a = mh_keyset_lead(id, (size_t)ln);
	early.b = 0;
	assert_true(early.a == h.a);
	mh_keyset_prefetch(s, &early);
	return mh_keyset_add_h(s, &h);
}

/* Keys hashed with a lead: exact when 20,000 keys share one lead (an Id
 * reused: after its 16 slots the keys take the run their whole hash
 * picks) or a few, mixed with keys that are their own lead, in tables
 * that grow, spill and merge (64 keys in memory) or do not (default). */
static void shared_lead(size_t mem_keys, int single)
{
	struct mh_keyset *s;
	struct mh_keyset_opts o = {.mem_keys = mem_keys,
	                           .single_thread = single};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	for (uint64_t i = 0; i < 20000; i += 2) {
		assert_int_equal(add_lead(s, i, 1), 1);
		assert_int_equal(add_lead(s, i, 7), 1);
		assert_int_equal(add(s, i), 1);
	}
	for (uint64_t i = 0; i < 20000; i++) {
		assert_int_equal(add_lead(s, i, 1), i % 2 ? 1 : 0);
		assert_int_equal(add_lead(s, i, 7), i % 2 ? 1 : 0);
		assert_int_equal(add(s, i), i % 2 ? 1 : 0);
	}
	assert_int_equal(mh_keyset_count(s), 60000);
	mh_keyset_free(s);
}

static void test_shared_lead(void **state)
{
	(void)state;
	shared_lead(0, 1);
	shared_lead(0, 0);
	shared_lead(64, 1);
}

/* A key that is its own lead hashes as the plain key: mh_keyset_add and
 * mh_keyset_add_h of mh_keyset_hash_lead find each other. */
static void test_lead_hash(void **state)
{
	(void)state;
	struct mh_keyhash a, b;
	mh_keyset_hash("m365\x1fid\x1fx", 9, &a);
	mh_keyset_hash_lead("m365\x1fid\x1fx", 9, "m365\x1fid\x1fx", 9, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.a == mh_keyset_lead("m365\x1fid\x1fx", 9));
	/* Another lead: another slot, the same whole-key word. */
	mh_keyset_hash_lead("id", 2, "m365\x1fid\x1fx", 9, &b);
	assert_true(b.a != a.a && b.b == a.b);
	struct mh_keyset *s;
	assert_int_equal(mh_keyset_new(&s), MH_OK);
	mh_keyset_prefetch(s, &a); /* no table yet: nothing */
	assert_int_equal(mh_keyset_add_h(s, &a), 1);
	assert_int_equal(mh_keyset_add(s, "m365\x1fid\x1fx", 9), 0);
	mh_keyset_free(s);
}

struct job {
	struct mh_keyset *s;
	uint64_t from;
	unsigned fresh;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	/* Half of each thread's keys are shared with the next thread. */
	for (uint64_t i = j->from; i < j->from + 20000; i++)
		if ((i % 3 ? add(j->s, i) : add_lead(j->s, i, 5)) == 1)
			j->fresh++;
	return NULL;
}

/* Four threads adding overlapping keys while shards spill and merge
 * (a third of them with a lead shared by many, asked for first with
 * mh_keyset_prefetch, which takes no lock): each key is new for exactly
 * one of them. */
static void test_threads(void **state)
{
	(void)state;
	struct mh_keyset *s;
	struct mh_keyset_opts o = {.mem_keys = 256};
	assert_int_equal(mh_keyset_new_opts(&s, &o), MH_OK);
	pthread_t t[4];
	struct job j[4];
	for (int i = 0; i < 4; i++) {
		j[i] = (struct job){s, (uint64_t)i * 10000, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &j[i]), 0);
	}
	unsigned fresh = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		fresh += j[i].fresh;
	}
	assert_int_equal(fresh, 50000); /* keys 0 .. 49,999 */
	assert_int_equal(mh_keyset_count(s), 50000);
	mh_keyset_free(s);
}

/* The hash: the same bytes give the same 128 bits; one bit differs. */
static void test_hash(void **state)
{
	(void)state;
	uint64_t a[2], b[2], c[2];
	mh_hash128("abc", 3, a);
	mh_hash128("abc", 3, b);
	mh_hash128("abd", 3, c);
	assert_memory_equal(a, b, sizeof(a));
	assert_true(a[0] != c[0] && a[1] != c[1]);
	mh_keyset_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spill_exact),
	        cmocka_unit_test(test_spill_exact_single),
	        cmocka_unit_test(test_default_bound),
	        cmocka_unit_test(test_memory_only),
	        cmocka_unit_test(test_memory_only_default),
	        cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_two_steps),
	        cmocka_unit_test(test_hash),
	        cmocka_unit_test(test_shared_lead),
	        cmocka_unit_test(test_lead_hash),
	        cmocka_unit_test(test_memory_follows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
