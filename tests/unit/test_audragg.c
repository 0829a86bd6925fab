/* Unit tests for the remote-collection analytic's aggregates
 * (analytics/audragg.c): the bounded map of aggregates by key, whose
 * hash index must stay the sorted array's own through insertions and
 * evictions at the cap, and the bounded copy of a value (tcopy), checked
 * against a plain byte-at-a-time copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audragg.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keys in random order into a map capped at cap: it keeps the cap
 * smallest, sorted, each found again as the same aggregate, and a key
 * beyond them is not taken. */
static void check_map(size_t nkeys, size_t cap)
{
	struct amap m;
	memset(&m, 0, sizeof(m));
	char **keys = calloc(nkeys, sizeof(*keys));
	assert_non_null(keys);
	for (size_t i = 0; i < nkeys; i++) {
		char b[64];
		/* addresses of several lengths, some sharing a prefix */
		snprintf(b, sizeof(b), "user%llu%s@corp%llu.example",
		         (unsigned long long)(next() % 100000),
		         i % 3 ? "" : ".long.name",
		         (unsigned long long)(i % 7));
		keys[i] = strdup(b);
		assert_non_null(keys[i]);
	}
	int oom = 0;
	for (size_t round = 0; round < 2; round++)
		for (size_t i = 0; i < nkeys; i++) {
			struct agg *g =
			        mh_audr_amap_get(&m, keys[i], cap, &oom);
			assert_int_equal(oom, 0);
			if (g)
				g->records++;
		}
	qsort(keys, nkeys, sizeof(*keys), cmp_str);
	size_t distinct = 0;
	for (size_t i = 0; i < nkeys; i++)
		if (!distinct || strcmp(keys[i], keys[distinct - 1]))
			keys[distinct++] = keys[i];
		else
			free(keys[i]);
	size_t keep = distinct < cap ? distinct : cap;
	assert_int_equal(m.n, keep);
	assert_int_equal(m.capped, distinct > cap);
	for (size_t i = 0; i < keep; i++) {
		assert_string_equal(m.v[i].key, keys[i]);
		/* the same aggregate, found by the index */
		assert_ptr_equal(mh_audr_amap_get(&m, keys[i], cap, &oom),
		                 m.v[i].a);
		assert_true(m.v[i].a->records >= 1);
	}
	if (distinct > cap)
		assert_null(
		        mh_audr_amap_get(&m, keys[distinct - 1], cap, &oom));
	assert_int_equal(m.n, keep);
	/* a key smaller than all takes a place, the largest goes */
	if (distinct >= cap) {
		struct agg *g = mh_audr_amap_get(&m, "a", cap, &oom);
		assert_non_null(g);
		assert_string_equal(m.v[0].key, "a");
		assert_int_equal(m.n, cap);
		for (size_t i = 0; i + 1 < cap; i++)
			assert_ptr_equal(
			        mh_audr_amap_get(&m, keys[i], cap, &oom),
			        m.v[i + 1].a);
		if (cap > 1)
			assert_null(
			        mh_audr_amap_get(&m, keys[cap - 1], cap, &oom));
	}
	mh_audr_amap_release(&m);
	assert_int_equal(m.n, 0);
	for (size_t i = 0; i < distinct; i++)
		free(keys[i]);
	free(keys);
}

static void test_amap(void **state)
{
	(void)state;
	check_map(10, 4096);  /* no eviction */
	check_map(300, 4096); /* the index grows */
	check_map(2000, 16);  /* evictions move entries back in the index */
	check_map(500, 1);
	check_map(3000, 700);
}

/* tcopy as it is specified (audragg.h): trimmed, NULs dropped, lower
 * case when asked, at most cap - 1 bytes. */
static void ref_tcopy(char *out, size_t cap, struct mh_slice s, int lower)
{
	s = mh_slice_trim(s);
	size_t k = 0;
	for (size_t i = 0; s.p && i < s.n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!c)
			continue;
		out[k++] = (char)(lower && c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	out[k] = '\0';
}

static void test_tcopy(void **state)
{
	(void)state;
	static const char alpha[] = "aZ@[`{ \t\r\n\0\x80\xc1\xdaM.-_9";
	for (int i = 0; i < 200000; i++) {
		char in[300], a[TXT_CAP], b[TXT_CAP];
		size_t n = (size_t)(next() % (i % 10 ? 40 : 300));
		for (size_t k = 0; k < n; k++)
			in[k] = alpha[next() % (sizeof(alpha) - 1)];
		size_t cap = i % 7 ? sizeof(a) : 1 + (size_t)(next() % 20);
		int lower = (int)(next() & 1);
		memset(a, 'x', sizeof(a));
		memset(b, 'y', sizeof(b));
		mh_audr_tcopy(a, cap, mh_slice_make(in, n), lower);
		ref_tcopy(b, cap, mh_slice_make(in, n), lower);
		assert_string_equal(a, b);
	}
	char o[TXT_CAP];
	mh_audr_tcopy(o, sizeof(o), MH_SLICE_NULL, 1);
	assert_string_equal(o, "");
	mh_audr_tcopy(o, sizeof(o), mh_slice_cstr("  Mallory8@Corp.Example "),
	              1);
	assert_string_equal(o, "mallory8@corp.example");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_amap),
	        cmocka_unit_test(test_tcopy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
