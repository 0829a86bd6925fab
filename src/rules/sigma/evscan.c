/* evscan.c - the text the prefilter scans of a view (evview.h
 * mh_sg_view_scantext): the values rules test, lower-cased once, framed
 * by MH_PF_START and MH_PF_END; that copy is also the one the tests read
 * (mh_sg_val.low). Apart from the view's making (evview.c): it reads a
 * made view and writes only the copies. */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/buf.h"
#include "rules/sigma/evview.h"
#include "rules/sigma/prefilter.h"

/* ASCII lower case, sixteen bytes at a time (SSE2), then eight: a byte
 * gets 0x20 when it is in 'A'..'Z' (bit 7 clear, >= 'A', <= 'Z'). */
void mh_sg_lower_ascii(char *dst, const char *src, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	size_t i = 0;
#if defined(__SSE2__)
	/* signed compares: bytes from 0x80 are below 'A' */
	const __m128i lo = _mm_set1_epi8('A' - 1), hi = _mm_set1_epi8('Z' + 1);
	const __m128i bit = _mm_set1_epi8(0x20);
	for (; i + 16 <= n; i += 16) {
		__m128i w = _mm_loadu_si128(
		        (const __m128i *)(const void *)(src + i));
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(w, lo),
		                           _mm_cmplt_epi8(w, hi));
		w = _mm_or_si128(w, _mm_and_si128(up, bit));
		_mm_storeu_si128((__m128i *)(void *)(dst + i), w);
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, src + i, 8);
		uint64_t ascii = ~w & (ones * 0x80);
		uint64_t ge_a = (w & (ones * 0x7f)) + ones * (0x80 - 'A');
		uint64_t gt_z = (w & (ones * 0x7f)) + ones * (0x80 - 'Z' - 1);
		uint64_t up = ascii & ge_a & ~gt_z & (ones * 0x80);
		w |= up >> 2;
		memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++) {
		char c = src[i];
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
}

/* One value lower-cased into the scan text at *o (START value END). */
static void scan_put(struct mh_sg_val *e, char **o)
{
	char *p = *o;
	*p++ = MH_PF_START;
	mh_sg_lower_ascii(p, e->s, e->n);
	e->low = p;
	p += e->n;
	*p++ = MH_PF_END;
	*o = p;
}

int mh_sg_view_scantext(struct mh_sg_view *v, int all, const uint64_t *slots,
                        struct mh_buf *b, size_t *tested)
{
	mh_buf_reset(b);
	/* room for every value: more than enough, without a pass */
	size_t need = v->vbytes + 2 * v->n + 1;
	if (mh_buf_reserve(b, need))
		return MH_ENOMEM;
	char *o = b->p;
	/* The values rules test; a raw name and its Sigma name (next to
	 * each other, the same value) once. */
	for (size_t i = 0; i < v->n; i++) {
		struct mh_sg_val *e = &v->v[i];
		if (!e->s || e->slot < 0 ||
		    (slots && !((slots[e->slot / 64] >> (e->slot % 64)) & 1)))
			continue;
		const struct mh_sg_val *pr = i ? &v->v[i - 1] : NULL;
		if (pr && pr->low && pr->s == e->s && pr->n == e->n)
			e->low = pr->low;
		else
			scan_put(e, &o);
	}
	*tested = (size_t)(o - b->p);
	/* Keyword search: every other value not dup after them. */
	for (size_t i = 0; all && i < v->n; i++) {
		struct mh_sg_val *e = &v->v[i];
		if (!e->s || e->dup || e->low)
			continue;
		const struct mh_sg_val *nx = i + 1 < v->n ? &v->v[i + 1] : NULL;
		if (nx && nx->low && nx->s == e->s && nx->n == e->n)
			e->low = nx->low;
		else
			scan_put(e, &o);
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
	return MH_OK;
}
