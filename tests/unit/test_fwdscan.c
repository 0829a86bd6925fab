/* test_fwdscan.c - the SIMD stages of the "looks forwarded" body test
 * (analytics/fwdscan.h): every kernel this machine has (AVX2, SSE2, plain
 * C, forced with mh_fwdscan_use) hands out every position that
 * mh_fwdscan_hit_at() takes, on bodies shaped like Exchange
 * quoted-printable HTML and on random bytes with the characters the
 * filter looks for; soft line breaks inside nouns pass the soft-break
 * test wherever they cut; base64 lines decode alike with each kernel.
 * The body test itself under each kernel is in test_fwdlang.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analytics/fwdscan.h"

static const enum mh_fwdscan_kernel kernels[] = {
        MH_FWDSCAN_SCALAR,
        MH_FWDSCAN_SSE2,
        MH_FWDSCAN_AVX2,
};
static const char *const knames[] = {"scalar", "sse2", "avx2"};

/* xorshift: the same bytes on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void missed(enum mh_fwdscan_kernel k, const char *p, size_t n, size_t j)
{
	char ctx[40];
	size_t m = 0;
	for (size_t x = j > 3 ? j - 3 : 0; x < j + 5 && x < n; x++)
		m += (size_t)snprintf(ctx + m, sizeof(ctx) - m, "%02x ",
		                      (unsigned char)p[x]);
	fail_msg("kernel %d missed the hit at %zu of %zu (bytes around: %s)",
	         (int)k, j, n, ctx);
}

/* Every hit_at position of p[0..n) is handed out by the kernel k, in
 * order; returns how many hits the kernel gave. */
static size_t check_kernel(enum mh_fwdscan_kernel k, const char *p, size_t n)
{
	struct mh_fwdscan it;
	size_t got = 0, last = 0, want = 0;
	assert_int_equal(mh_fwdscan_use(k), 0);
	mh_fwdscan_init(&it, p, n, 0);
	size_t i = 0;
	for (; (i = mh_fwdscan_next(&it, i)) < n; i++) {
		if (got && i <= last)
			fail_msg("kernel %d: hit %zu not after %zu", (int)k, i,
			         last);
		/* Every position the scalar test takes between the last hit
		 * and this one must have been handed out. */
		for (size_t j = got ? last + 1 : 0; j < i; j++)
			if (mh_fwdscan_hit_at(p, n, j))
				missed(k, p, n, j);
		last = i;
		got++;
	}
	assert_int_equal(i, n);
	for (size_t j = got ? last + 1 : 0; j < n; j++)
		if (mh_fwdscan_hit_at(p, n, j))
			missed(k, p, n, j);
	for (size_t j = 0; j < n; j++)
		want += mh_fwdscan_hit_at(p, n, j) != 0;
	assert_true(got >= want);
	assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_AUTO), 0);
	return got;
}

static int have(enum mh_fwdscan_kernel k)
{
	int ok = mh_fwdscan_use(k) == 0;
	assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_AUTO), 0);
	return ok;
}

/* Each kernel on an exact-size heap copy (ASan sees any over-read). */
static void check_all(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	assert_non_null(c);
	memcpy(c, p, n);
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++)
		if (have(kernels[k]))
			(void)check_kernel(kernels[k], c, n);
	free(c);
}

static void test_kernels_available(void **state)
{
	(void)state;
	assert_true(have(MH_FWDSCAN_SCALAR));
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++)
		printf("# fwdscan kernel %s: %s\n", knames[k],
		       have(kernels[k]) ? "tested" : "not on this machine");
	/* AUTO picks one and forcing a kernel shows. */
	assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_SCALAR), 0);
	assert_int_equal(mh_fwdscan_kernel(), MH_FWDSCAN_SCALAR);
	assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_AUTO), 0);
	assert_int_not_equal(mh_fwdscan_kernel(), MH_FWDSCAN_AUTO);
}

static void test_hits_exchange_html(void **state)
{
	(void)state;
	/* Quoted-printable HTML as Exchange writes it: a soft break on
	 * every line, escapes, entities, a hidden noun here and there. */
	static const char html[] =
	        "<p class=3D\"MsoNormal\"><span style=3D\"font-size:11.0pt;"
	        "font-family:&quot;Ca=\nlibri&quot;\">Track should three "
	        "payment in feedbac=\nk call by points. Diese Nachricht und "
	        "ihre Anh=C3=A4nge=\n sind vertraulich.&nbsp; Mes=\nsage "
	        "M=\ne=\nssage Nach=\r\nricht &=\n#77;essage =4Dessage "
	        "=6eachricht b=\nrev bericht base64<o:p></o:p></span></p>\n"
	        "-----Original Message-----\n";
	check_all(html, sizeof(html) - 1);
	/* Every prefix and suffix: the block edges fall everywhere. */
	for (size_t a = 0; a < 80; a++)
		check_all(html + a, sizeof(html) - 1 - a);
	for (size_t n = 0; n < sizeof(html) - 1; n += 3)
		check_all(html, n);
}

static void test_hits_random(void **state)
{
	(void)state;
	/* The bytes the filter cares about, and a few others. */
	static const char alpha[] = "=\n\r&#2345674DdmMeEsSaAgGnNcChHbBrRiI"
	                            "kKvVwWoOtTlLjJ dx<>;";
	char buf[700];
	for (int round = 0; round < 400; round++) {
		size_t n = 1 + rnd(sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = rnd(8) ? alpha[rnd(sizeof(alpha) - 1)]
			                : (char)rnd(256);
		check_all(buf, n);
	}
}

/* A noun cut by soft breaks ("=\n" or "=\r\n") at the given places:
 * its first break passes the soft-break test, with any letters around
 * the noun. */
/* With [a, b) skipped after the first hit at or after `set` is handed
 * out: no hit in it, and every hit_at position outside it. */
static void check_skip(enum mh_fwdscan_kernel k, const char *p, size_t n,
                       size_t set, size_t a, size_t b)
{
	struct mh_fwdscan it;
	unsigned char *got = calloc(n ? n : 1, 1);
	assert_non_null(got);
	assert_int_equal(mh_fwdscan_use(k), 0);
	mh_fwdscan_init(&it, p, n, 0);
	int armed = 0;
	for (size_t i = 0; (i = mh_fwdscan_next(&it, i)) < n; i++) {
		got[i] = 1;
		if (!armed && i >= set) {
			mh_fwdscan_skip(&it, a, b);
			armed = 1;
		} else if (armed && i >= a && i < b) {
			fail_msg("kernel %d: hit %zu in the skipped [%zu, %zu)",
			         (int)k, i, a, b);
		}
	}
	for (size_t j = 0; j < n; j++)
		if (!got[j] && mh_fwdscan_hit_at(p, n, j) &&
		    (!armed || j < a || j >= b) && (armed || j < set))
			missed(k, p, n, j);
	assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_AUTO), 0);
	free(got);
}

static void test_skip(void **state)
{
	(void)state;
	static const char alpha[] = "=\n&#4mMeEsSaAgGnNbBrRiIvVwW dx";
	char buf[900];
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + rnd(sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = alpha[rnd(sizeof(alpha) - 1)];
		size_t set = rnd((unsigned)n), a = set + 1 + rnd(200),
		       b = a + rnd(400);
		for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]);
		     k++)
			if (have(kernels[k]))
				check_skip(kernels[k], buf, n, set, a, b);
	}
}

static void test_soft_breaks_in_nouns(void **state)
{
	(void)state;
	/* The nouns as in the table; "e" follows each. */
	static const char *const nouns[] = {"Messag",  "Nachricht", "bericht",
	                                    "BREV",    "viesti",    "wiadomo",
	                                    "melding", "meddel"};
	static const char *const around[] = {"", "x", "Ur", "-", " "};
	for (size_t w = 0; w < sizeof(nouns) / sizeof(nouns[0]); w++) {
		size_t len = strlen(nouns[w]);
		for (size_t c1 = 1; c1 < len; c1++)
			for (size_t c2 = c1; c2 < len; c2++)
				for (int crlf = 0; crlf < 2; crlf++)
					for (size_t a = 0; a < 5; a++) {
						const char *br =
						        crlf ? "=\r\n" : "=\n";
						char s[64];
						size_t k = 0, first;
						k += (size_t)snprintf(
						        s + k, sizeof(s) - k,
						        "%s%.*s", around[a],
						        (int)c1, nouns[w]);
						first = k;
						k += (size_t)snprintf(
						        s + k, sizeof(s) - k,
						        "%s", br);
						if (c2 > c1)
							k += (size_t)snprintf(
							        s + k,
							        sizeof(s) - k,
							        "%.*s%s",
							        (int)(c2 - c1),
							        nouns[w] + c1,
							        br);
						k += (size_t)snprintf(
						        s + k, sizeof(s) - k,
						        "%se%s", nouns[w] + c2,
						        around[a]);
						if (!mh_fwdscan_soft_hit(s, k,
						                         first))
							fail_msg("first break "
							         "of '%s' "
							         "missed",
							         s);
						assert_true(mh_fwdscan_hit_at(
						        s, k, first));
						check_all(s, k);
					}
	}
	/* Breaks between letters that make no noun do not pass: these are
	 * most of the soft breaks of quoted-printable prose. */
	assert_false(mh_fwdscan_soft_hit("feedbac=\nk call", 15, 7));
	assert_false(mh_fwdscan_soft_hit("Ca=\nlibri", 9, 2));
	assert_false(mh_fwdscan_soft_hit("office=\n.", 9, 6));
	assert_false(mh_fwdscan_soft_hit("a=\n", 3, 1));
	assert_false(mh_fwdscan_soft_hit("=\nsage", 6, 0));
	assert_true(mh_fwdscan_soft_hit("Mes=\nsage", 9, 3));
}

static void test_b64_kernels(void **state)
{
	(void)state;
	/* Lines of every length up to 100, on and off quantum boundaries,
	 * with padding inside and bytes outside the alphabet. */
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	                         "tuvwxyz0123456789+/";
	for (int round = 0; round < 300; round++) {
		char line[100];
		size_t n = (size_t)rnd(sizeof(line) + 1);
		for (size_t i = 0; i < n; i++)
			line[i] = al[rnd(64)];
		if (n && rnd(4) == 0)
			line[rnd((unsigned)n)] = '=';
		if (n && rnd(8) == 0)
			line[rnd((unsigned)n)] = '\t';
		unsigned char want[200], got[200];
		size_t wk = 0, gk = 0;
		uint32_t wa = 0, ga = 0;
		int wb = 0, gb = 0, wr, gr;
		assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_SCALAR), 0);
		wr = mh_fwdscan_b64(line, n, &wa, &wb, want, &wk);
		for (size_t k = 1; k < sizeof(kernels) / sizeof(kernels[0]);
		     k++) {
			if (!have(kernels[k]))
				continue;
			assert_int_equal(mh_fwdscan_use(kernels[k]), 0);
			gk = 0;
			ga = 0;
			gb = 0;
			gr = mh_fwdscan_b64(line, n, &ga, &gb, got, &gk);
			assert_int_equal(gr, wr);
			if (wr) {
				assert_int_equal(gk, wk);
				assert_memory_equal(got, want, wk);
				assert_int_equal(gb, wb);
			}
		}
		assert_int_equal(mh_fwdscan_use(MH_FWDSCAN_AUTO), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kernels_available),
	        cmocka_unit_test(test_hits_exchange_html),
	        cmocka_unit_test(test_hits_random),
	        cmocka_unit_test(test_skip),
	        cmocka_unit_test(test_soft_breaks_in_nouns),
	        cmocka_unit_test(test_b64_kernels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
