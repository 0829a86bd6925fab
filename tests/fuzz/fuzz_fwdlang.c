/* fuzz_fwdlang.c - the "looks forwarded" scanners on raw bytes, and the
 * whole forwarding analysis on a message: no crash, no read past the end,
 * no leak, the body scan gives the same answer however the input is cut
 * (a scan never depends on bytes past n), and the fast body scan gives
 * the answer of the full decoding machine (mh_fwdlang_body_ref) with
 * each SIMD kernel of fwdscan.h this machine has (AVX2, SSE2, plain C).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/forwarding.h"
#include "analytics/fwdlang.h"
#include "analytics/fwdscan.h"
#include "core/arena.h"
#include "core/charset.h"
#include "event/msg.h"
#include "mail/rfc5322.h"
#include "fuzz.h"

static void analyse(const char *p, size_t n)
{
	struct mh_arena a;
	struct mh_field *f = NULL;
	size_t nf = 0, hl = 0, bo = 0;
	struct mh_fwd *fwd = NULL;
	struct mh_findings l = {0};

	mh_arena_init(&a, 8192, 0);
	if (mh_hdr_end(p, n, 1, &hl, &bo) != MH_OK ||
	    mh_hdr_split(p, hl, &a, 4096, &f, &nf, NULL) != MH_OK || !nf)
		goto done;
	struct mh_msg msg = {0};
	msg.header = mh_slice_make(p, hl);
	msg.body = mh_slice_make(p + bo, n - bo);
	msg.header_line = 1;
	msg.hdrs = f;
	msg.nhdrs = nf;
	struct mh_event ev = {0};
	ev.kind = MH_EV_MAIL;
	ev.path = "fuzz";
	ev.ts = MH_TS_NONE;
	ev.mailbox = "owner@corp.example";
	ev.fields = f;
	ev.nfields = nf;
	ev.msg = &msg;
	if (mh_fwd_new(&fwd, NULL) != MH_OK)
		goto done;
	if (mh_fwd_event(fwd, &ev, NULL) != MH_OK ||
	    mh_fwd_findings(fwd, &l) != MH_OK)
		abort();
	for (size_t i = 0; i < l.n; i++)
		if (!l.v[i]->summary || !l.v[i]->remediation ||
		    strlen(l.v[i]->id) != 16 ||
		    (l.v[i]->nevidence && !l.v[i]->evidence[0].header))
			abort();
	if (mh_fwd_stats(fwd, NULL, NULL, NULL, NULL) != MH_OK)
		abort();
done:
	mh_findings_release(&l);
	mh_fwd_free(fwd);
	mh_arena_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	/* Exact-size copies so the sanitizers see any over-read. */
	char *c = malloc(size ? size : 1);
	if (!c)
		return 0;
	if (size)
		memcpy(c, p, size);
	(void)mh_fwdlang_subject(c, size);
	(void)mh_fwdlang_separator(c, size);
	int b0 = mh_fwdlang_body(c, size, 0);
	int b1 = mh_fwdlang_body(c, size, 1);
	/* Differential: the fast scan answers as the full machine does,
	 * whichever kernel filters. */
	CHECK(b0 == mh_fwdlang_body_ref(c, size, 0));
	CHECK(b1 == mh_fwdlang_body_ref(c, size, 1));
	static const enum mh_fwdscan_kernel kernels[] = {
	        MH_FWDSCAN_SCALAR, MH_FWDSCAN_SSE2, MH_FWDSCAN_AVX2};
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		if (mh_fwdscan_use(kernels[k]) != 0)
			continue;
		CHECK(mh_fwdlang_body(c, size, 0) == b0);
		CHECK(mh_fwdlang_body(c, size, 1) == b1);
	}
	(void)mh_fwdscan_use(MH_FWDSCAN_AUTO);
	/* A prefix ending at a line end scans like the whole up to there:
	 * once found in the prefix, the whole must find it too. */
	const char *nl = size ? memchr(c, '\n', size) : NULL;
	if (nl && mh_fwdlang_body(c, (size_t)(nl - c) + 1, 0) && !b0)
		abort();
	analyse(c, size);
	/* The iconv cache is per thread by design; empty it so that the
	 * leak checker sees only real leaks. */
	mh_charset_thread_cleanup();
	free(c);
	return 0;
}
