/* jbits.h - the bytes of a JSON record's text that its raw walks stop at,
 * a bit each, found in one pass over the text (64 bytes a step with
 * AVX-512BW, 32 with AVX2, 16 with SSE2, chosen at run time), so that
 * the walks (rawop.c: the prefilter's peek, tenant walk and search for
 * keys like "Operation"; rawrec.c: the raw path of records an analytic
 * reads) find the end of each string with a bit scan and never loop over
 * its bytes, and the one pass serves them all.
 *
 * Contract: mh_jbits_find reads p[0..n) and nothing else; b is the
 * caller's (no allocation, nothing to release). Bit i of a word array is
 * bit (i % 64) of word i / 64; bits at n and past are 0.
 */
#ifndef MH_JBITS_H
#define MH_JBITS_H

#include <stddef.h>
#include <stdint.h>

/* Longer texts get no bitmap (mh_jbits_find answers 0): the walks then
 * read their bytes one by one (rawop.c) or leave them to the parser
 * (rawrec.c). Audit records are a few kilobytes. */
#define MH_JBITS_MAX ((size_t)16 << 10)
#define MH_JBITS_W   (MH_JBITS_MAX / 64)

struct mh_jbits {
	const char *p; /* the text they are of (NULL: none) */
	size_t n;
	size_t nw;      /* words that cover p[0..n) */
	int high;       /* 1 when some byte is >= 0x80 (UTF-8 to check) */
	/* '"', '\\' and the bytes below 0x20: where a string ends or is
	 * interrupted */
	uint64_t stop[MH_JBITS_W + 1];
	/* a stop right after an 'n' or 'N': where a key spelled like
	 * "Operation" may end (rawop.h mh_rawop_sure; a control byte there
	 * is no end) */
	uint64_t opn[MH_JBITS_W];
	/* The tokens' bytes, read as JSON from p[0] outside a string: the
	 * quotes that open or close a string (those not escaped: after a
	 * run of backslashes of even length, anywhere) and the brackets,
	 * colons and commas outside strings. A walk that meets these where
	 * it expects them has read the text as they do, when stray is 0. */
	uint64_t tok[MH_JBITS_W + 1];
	/* the brackets among them: where a walk skipping a nested value
	 * stops */
	uint64_t nest[MH_JBITS_W];
	/* 1 when some backslash is outside a string so read (not JSON: a
	 * walk reads such a text byte by byte) */
	int stray;
};

/* b filled for p[0..n): 1; 0 when n > MH_JBITS_MAX (b->p is then NULL).
 * stop[nw] and tok[nw] are 0 too (for mh_jbits_window). */
int mh_jbits_find(struct mh_jbits *b, const char *p, size_t n);

/* The vector width mh_jbits_find uses: MH_JBITS_AUTO (the widest the CPU
 * has, the default) or one forced (tests run each path they can). The
 * path now in use is returned; a path the CPU lacks is not taken (the
 * answer then says which one is). Set it before any thread reads. */
enum { MH_JBITS_AUTO, MH_JBITS_SSE2, MH_JBITS_AVX2, MH_JBITS_AVX512 };
int mh_jbits_path(int want);

/* The 64 bits of w (stop or tok) from bit i on, bit 0 being bit i's: the
 * next stop or token within 64 bytes without a loop over words. i / 64 <
 * nw. */
static inline uint64_t mh_jbits_window(const uint64_t *w, size_t i)
{
	size_t k = i >> 6;
	unsigned s = (unsigned)(i & 63);
	return w[k] >> s | w[k + 1] << 1 << (63 - s);
}

#endif
