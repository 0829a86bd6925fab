/* rawshape.h - the shape of the records a raw walk read (rawrec.c, the
 * prefilter's walk in rawop.c): records of one operation from one
 * producer list the same keys in the same order. A walk keeps one shape
 * per operation (and one for the members before "Operation"): the keys
 * seen, each as its text '"Key":' with the walk's answer for that key
 * (its index in the walk's table of keys) and the member that came after
 * it last time. A member whose text is the one expected after the
 * previous member is taken without the key's scan and lookup; any other
 * is read the general way and the shape learns it.
 *
 * Memory only: a member is taken from the shape only when its bytes are
 * those of a key the general way read before with no white space before
 * its colon, so the walk's answers are the general way's, record by
 * record, whatever the shapes hold. Per walk (reader) state, zeroed at
 * first; never shared between threads. Never reads outside p[0..n).
 */
#ifndef MH_RAWSHAPE_H
#define MH_RAWSHAPE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/slice.h"

#define MH_SHAPE_MEMBERS 64
#define MH_SHAPE_OPS 16

struct mh_rawshape {
	/* each member's text, 4 to 32 bytes, compared 32 at once */
	_Alignas(16) char text[MH_SHAPE_MEMBERS][32];
	uint8_t len[MH_SHAPE_MEMBERS];  /* its length */
	uint8_t next[MH_SHAPE_MEMBERS]; /* the member after it + 1, 0: none */
	int16_t key[MH_SHAPE_MEMBERS];  /* the walk's answer for the key */
	uint8_t first;                  /* the first member + 1, 0: none */
	uint8_t nm;                     /* members known */
	uint8_t opn;                    /* the operation's length */
	char op[45];
};

struct mh_rawshapes {
	struct mh_rawshape head;              /* before "Operation" */
	struct mh_rawshape ops[MH_SHAPE_OPS]; /* by the operation's hash */
};

/* The length of member e's text (e + 1 in *link; link NULL or 0: none)
 * when p[i..) starts with it, else 0. Thirty-two bytes compared at once
 * where the text goes on that far: one branch whatever the key's
 * length. */
static inline size_t mh_rawshape_hit(const struct mh_rawshape *cur,
                                     const uint8_t *link, const char *p,
                                     size_t n, size_t i)
{
	if (!link || !*link)
		return 0;
	size_t e = *link - 1u, L = cur->len[e];
	const char *t = cur->text[e];
#ifdef __SSE2__
	if (n - i >= 32) {
		__m128i a0 =
		        _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i a1 = _mm_loadu_si128(
		        (const __m128i *)(const void *)(p + i + 16));
		__m128i b0 = _mm_load_si128((const __m128i *)(const void *)t);
		__m128i b1 =
		        _mm_load_si128((const __m128i *)(const void *)(t + 16));
		uint32_t eq =
		        (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a0, b0)) |
		        (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a1, b1))
		                << 16;
		uint32_t want = L >= 32 ? ~(uint32_t)0 : ((uint32_t)1 << L) - 1;
		return (eq & want) == want ? L : 0;
	}
#endif
	if (L > n - i || memcmp(p + i, t, L) != 0)
		return 0;
	return L;
}

/* The member '"' p[ks..ke) '"' ':' (the walk's answer k for its key)
 * read the general way: its entry in s, added when new and when it fits
 * (tight 0: white space stood before the colon, not learnt), or -1. */
static inline int mh_rawshape_learn(struct mh_rawshape *s, const char *p,
                                    size_t ks, size_t ke, int k, int tight)
{
	size_t L = ke - ks + 3;
	for (size_t e = 0; e < s->nm; e++)
		if (s->len[e] == L && !memcmp(s->text[e], p + ks - 1, L))
			return (int)e;
	if (!tight || ke == ks || s->nm >= MH_SHAPE_MEMBERS ||
	    L > sizeof(s->text[0]))
		return -1;
	size_t e = s->nm++;
	memset(s->text[e], 0, sizeof(s->text[e]));
	memcpy(s->text[e], p + ks - 1, L);
	s->len[e] = (uint8_t)L;
	s->key[e] = (int16_t)k;
	s->next[e] = 0;
	return (int)e;
}

/* The shape of the operation op's records: its slot, started afresh
 * when it held another operation; NULL when op is too long to keep. */
static inline struct mh_rawshape *mh_rawshape_of(struct mh_rawshapes *sh,
                                                 struct mh_slice op)
{
	if (op.n > sizeof(sh->ops[0].op))
		return NULL;
	unsigned h = (unsigned)op.n;
	for (size_t i = 0; i < op.n; i++)
		h = h * 31 + (unsigned char)op.p[i];
	h ^= h >> 7;
	struct mh_rawshape *s = &sh->ops[h & (MH_SHAPE_OPS - 1)];
	if (s->opn != op.n || (op.n && memcmp(s->op, op.p, op.n) != 0)) {
		s->opn = (uint8_t)op.n;
		if (op.n)
			memcpy(s->op, op.p, op.n);
		s->nm = s->first = 0;
	}
	return s;
}

#endif
