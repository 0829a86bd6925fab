/* Unit tests for readers/record/jbits: every word of mh_jbits_find's
 * answer against a byte-by-byte reference, on each vector path this CPU
 * has (SSE2 always; AVX2, AVX-512BW when there), for random text drawn
 * from the bytes that matter (quotes, runs of backslashes, brackets,
 * colons, commas, 'n', control and high bytes), real audit records,
 * every length around the 64-byte blocks, and texts that end exactly at
 * their heap block (ASan sees a read past the end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "readers/record/jbits.h"

/* The reference: one byte at a time, the string state and the escapes
 * followed as jbits.h states them. */
static void reference(const unsigned char *p, size_t n, struct mh_jbits *r)
{
	memset(r, 0, sizeof(*r));
	r->nw = (n + 63) / 64;
	int in_str = 0, esc = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t bit = (uint64_t)1 << (i % 64);
		size_t k = i / 64;
		unsigned char c = p[i];
		int stop = c == '"' || c == '\\' || c < 0x20;
		if (stop)
			r->stop[k] |= bit;
		if (stop && i > 0 && (p[i - 1] == 'n' || p[i - 1] == 'N'))
			r->opn[k] |= bit;
		if (c >= 0x80)
			r->high = 1;
		if (c == '\\' && !in_str)
			r->stray = 1;
		if (c == '\\' && !esc) {
			esc = 1;
			/* not a token (and no bracket, colon or comma) */
		} else if (c == '"' && esc) {
			esc = 0; /* an escaped quote: no token */
		} else if (c == '"') {
			r->tok[k] |= bit;
			in_str = !in_str;
		} else {
			/* escapes matter to quotes only */
			esc = 0;
			int brk = c == '[' || c == ']' || c == '{' || c == '}';
			if (!in_str && (brk || c == ':' || c == ','))
				r->tok[k] |= bit;
			if (!in_str && brk)
				r->nest[k] |= bit;
		}
	}
}

static void check_text(const char *src, size_t n)
{
	/* exactly n bytes on the heap: a read past the end is seen */
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, src, n);
	static struct mh_jbits got, want;
	reference((const unsigned char *)p, n, &want);
	assert_int_equal(mh_jbits_find(&got, p, n), 1);
	assert_ptr_equal(got.p, p);
	assert_int_equal(got.n, n);
	assert_int_equal(got.nw, want.nw);
	assert_int_equal(got.high, want.high);
	assert_int_equal(got.stray, want.stray);
	for (size_t k = 0; k < want.nw; k++) {
		assert_int_equal(got.stop[k], want.stop[k]);
		assert_int_equal(got.opn[k], want.opn[k]);
		assert_int_equal(got.tok[k], want.tok[k]);
		assert_int_equal(got.nest[k], want.nest[k]);
	}
	assert_int_equal(got.stop[want.nw], 0);
	assert_int_equal(got.tok[want.nw], 0);
	/* the window at each place: the next 64 bits */
	for (size_t i = 0; i < n; i++) {
		uint64_t ws = 0, wt = 0;
		for (size_t j = 0; j < 64 && i + j < n; j++) {
			size_t at = i + j;
			ws |= (want.stop[at / 64] >> (at % 64) & 1) << j;
			wt |= (want.tok[at / 64] >> (at % 64) & 1) << j;
		}
		assert_int_equal(mh_jbits_window(got.stop, i), ws);
		assert_int_equal(mh_jbits_window(got.tok, i), wt);
	}
	free(p);
}

/* Each path this CPU has: the paths it lacks say so and are skipped. */
static int paths[3], npaths;

static void find_paths(void)
{
	npaths = 0;
	static const int all[] = {MH_JBITS_SSE2, MH_JBITS_AVX2,
	                          MH_JBITS_AVX512};
	for (int i = 0; i < 3; i++)
		if (mh_jbits_path(all[i]) == all[i])
			paths[npaths++] = all[i];
	mh_jbits_path(MH_JBITS_AUTO);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static void test_paths_exist(void **state)
{
	(void)state;
	find_paths();
	assert_true(npaths >= 1);
	assert_int_equal(paths[0], MH_JBITS_SSE2);
	/* AUTO takes the widest */
	assert_int_equal(mh_jbits_path(MH_JBITS_AUTO), paths[npaths - 1]);
}

static void test_random_hostile(void **state)
{
	(void)state;
	static const char alphabet[] = "\"\\\\\\{}[]:,nNab \x01\x1f\x7f\x80\xff"
	                               "\"\"\\";
	char buf[600];
	for (int pi = 0; pi < npaths; pi++) {
		assert_int_equal(mh_jbits_path(paths[pi]), paths[pi]);
		for (int round = 0; round < 3000; round++) {
			size_t n = rnd() % sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = alphabet[rnd() % (sizeof(alphabet) - 1)];
			check_text(buf, n);
		}
		/* long runs of backslashes across block ends */
		for (size_t run = 1; run < 140; run++) {
			size_t n = 0;
			buf[n++] = '"';
			for (size_t i = 0; i < run; i++)
				buf[n++] = '\\';
			buf[n++] = '"';
			buf[n++] = ',';
			buf[n++] = '"';
			buf[n++] = ':';
			check_text(buf, n);
		}
	}
	mh_jbits_path(MH_JBITS_AUTO);
}

static void test_lengths(void **state)
{
	(void)state;
	char buf[300];
	for (int pi = 0; pi < npaths; pi++) {
		mh_jbits_path(paths[pi]);
		for (size_t n = 0; n <= 260; n++) {
			for (size_t i = 0; i < n; i++)
				buf[i] = "{\"a\":\"b\\\"c\",\"n\":[1,2]}"[i % 23];
			check_text(buf, n);
		}
	}
	mh_jbits_path(MH_JBITS_AUTO);
}

static void test_record(void **state)
{
	(void)state;
	const char *rec =
	        "{\"CreationTime\":\"2024-03-01T00:00:37\",\"Id\":\"32d07d34\","
	        "\"Operation\":\"Send\",\"RecordType\":2,\"UserId\":"
	        "\"niaj5@corp.example\",\"OriginatingServer\":\"DB9PR02MB6445 "
	        "(15.20.7589.020)\\r\\n\",\"Item\":{\"ParentFolder\":{\"Path\":"
	        "\"\\\\\xc3\x89l\xc3\xa9ments envoy\xc3\xa9s\"},\"Subject\":"
	        "\"a \\\"quoted\\\" {word}\"},\"SaveToSentItems\":true}";
	for (int pi = 0; pi < npaths; pi++) {
		mh_jbits_path(paths[pi]);
		check_text(rec, strlen(rec));
	}
	mh_jbits_path(MH_JBITS_AUTO);
}

static void test_too_long(void **state)
{
	(void)state;
	struct mh_jbits *b = malloc(sizeof(*b));
	assert_non_null(b);
	char *p = malloc(MH_JBITS_MAX + 1);
	assert_non_null(p);
	memset(p, 'x', MH_JBITS_MAX + 1);
	assert_int_equal(mh_jbits_find(b, p, MH_JBITS_MAX + 1), 0);
	assert_null(b->p);
	assert_int_equal(mh_jbits_find(b, p, MH_JBITS_MAX), 1);
	assert_int_equal(b->nw, MH_JBITS_W);
	free(p);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_paths_exist),
	        cmocka_unit_test(test_random_hostile),
	        cmocka_unit_test(test_lengths),
	        cmocka_unit_test(test_record),
	        cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
