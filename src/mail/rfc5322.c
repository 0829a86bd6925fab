/* rfc5322.c - header block end, field splitting, unfolding.
 *
 * Hot path: every message of every store goes through mh_hdr_end and
 * mh_hdr_split, so both walk the block line by line with memchr and touch
 * each byte a constant number of times; no allocation but one arena array.
 * Grammar (RFC 5322 2.2, 3.2.2, 4.5):
 *     field = name *WSP ":" unstructured CRLF
 *     name  = 1*(%d33-57 / %d59-126)   ; 8-bit bytes tolerated
 *     fold  = CRLF 1*WSP               ; WSP = SP / HTAB
 * Only LF ends a line (CRLF is LF with a CR in front); a lone CR is data,
 * as in GMime. Tolerated malformations: docs/VIOLATIONS.md.
 */
#include "mail/rfc5322.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/memfind.h"

int mh_hdr_end(const char *p, size_t n, int eof, size_t *hdr_len,
               size_t *body_off)
{
	if (n == 0 || !p) {
		if (!eof)
			return MH_ETRUNC;
		*hdr_len = 0;
		*body_off = 0;
		return MH_OK;
	}
	/* An empty first line means an empty header block. */
	if (p[0] == '\n' || (n >= 2 && p[0] == '\r' && p[1] == '\n')) {
		*hdr_len = 0;
		*body_off = p[0] == '\n' ? 1 : 2;
		return MH_OK;
	}
	/* The first line end followed by an empty line: one SIMD search
	 * for each form of it (a header is mostly many short lines). A '\n'
	 * at the end, or before a lone '\r' at the end, cannot be told yet
	 * without eof; then the block is incomplete either way. */
	const char *lf = mh_memfind(p, n, "\n\n", 2);
	const char *crlf =
	        mh_memfind(p, lf ? (size_t)(lf - p) + 2 : n, "\n\r\n", 3);
	if (crlf && (!lf || crlf < lf)) {
		*hdr_len = (size_t)(crlf - p) + 1;
		*body_off = (size_t)(crlf - p) + 3;
		return MH_OK;
	}
	if (lf) {
		*hdr_len = (size_t)(lf - p) + 1;
		*body_off = (size_t)(lf - p) + 2;
		return MH_OK;
	}
	if (!eof)
		return MH_ETRUNC;
	*hdr_len = n;
	*body_off = n;
	return MH_OK;
}

static inline int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* End of the line at s: just past its '\n', or end. */
static inline const char *line_end(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	return nl ? nl + 1 : end;
}

/* [s, e) without its trailing LF or CRLF. */
static inline const char *strip_eol(const char *s, const char *e)
{
	if (e > s && e[-1] == '\n')
		e--;
	if (e > s && e[-1] == '\r')
		e--;
	return e;
}

/* Just past the end of the field that starts at s: past the first '\n'
 * not followed by a blank (a continuation line), or end. Folded values
 * (Exchange's anti-spam blobs run to 40 lines) are crossed 16 bytes at a
 * time instead of one memchr call per line. */
static const char *field_end(const char *s, const char *end)
{
#if defined(__SSE2__)
	const __m128i lf = _mm_set1_epi8('\n'), sp = _mm_set1_epi8(' '),
	              tab = _mm_set1_epi8('\t');
	/* Loads read s[i .. i + 17). */
	while (end - s >= 17) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 1));
		__m128i blank = _mm_or_si128(_mm_cmpeq_epi8(b, sp),
		                             _mm_cmpeq_epi8(b, tab));
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_andnot_si128(blank, _mm_cmpeq_epi8(a, lf)));
		if (m)
			return s + __builtin_ctz(m) + 1;
		s += 16;
	}
#endif
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl || nl + 1 == end || !is_wsp(nl[1]))
			return nl ? nl + 1 : end;
		s = nl + 1;
	}
	return end;
}

/* Lines in [s, e): one per '\n', and one more for a last line without. */
static size_t lines_in(const char *s, const char *e)
{
	size_t k = 0;
	for (const char *q = s; q < e; q++)
		k += *q == '\n';
	return k + (e > s && e[-1] != '\n');
}

/* End of a valid field name in the line [s, le), or NULL when the line is
 * not a field: the bytes before its first ':', trailing blanks aside, at
 * least one, none a control, space or DEL. *colon gets the ':' position.
 * Field names run to 45 bytes (X-MS-Exchange-Organization-...): 16 of
 * them are looked at a time for the ':' and for a byte a name may not
 * hold. */
static inline const char *field_name(const char *s, const char *le,
                                     const char **colon)
{
	const char *c = NULL, *bad = NULL; /* first ':', first bad byte */
	const char *q = s;
#if defined(__SSE2__)
	const __m128i col = _mm_set1_epi8(':'), sp = _mm_set1_epi8(' '),
	              del = _mm_set1_epi8(0x7f);
	while (!c && le - q >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)q);
		unsigned mc =
		        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, col));
		/* <= ' ' unsigned: min(x, ' ') == x */
		unsigned mb = (unsigned)_mm_movemask_epi8(
		        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x),
		                     _mm_cmpeq_epi8(x, del)));
		if (mc)
			c = q + __builtin_ctz(mc);
		if (!bad && mb)
			bad = q + __builtin_ctz(mb);
		q += 16;
	}
#endif
	for (; !c && q < le; q++) {
		unsigned char u = (unsigned char)*q;
		if (u == ':')
			c = q;
		else if (!bad && (u <= ' ' || u == 0x7f))
			bad = q;
	}
	if (!c)
		return NULL;
	const char *ne = c;
	while (ne > s && is_wsp(ne[-1]))
		ne--;
	if (ne == s || (bad && bad < ne))
		return NULL;
	*colon = c;
	return ne;
}

int mh_hdr_split(const char *p, size_t n, struct mh_arena *arena,
                 size_t max_fields, struct mh_field **out, size_t *out_n,
                 size_t *bad_lines)
{
	size_t cap = 32, count = 0, bad = 0;
	struct mh_field *v = NULL;
	int rc = MH_OK;

	*out = NULL;
	*out_n = 0;
	if (bad_lines)
		*bad_lines = 0;
	if (!p || n == 0)
		return MH_OK;

	const char *s = p, *end = p + n;
	/* An mbox From_ line is not a field; the obsolete "From :" is. */
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *q = p + 5;
		while (q < end && is_wsp(*q))
			q++;
		if (q == end || *q != ':') {
			s = line_end(s, end);
			bad++;
		}
	}
	v = mh_arena_alloc(arena, cap * sizeof(*v));
	if (!v)
		return MH_ENOMEM;
	/* A field is its line and the continuation lines after it, which
	 * go with it; those of a skipped line (junk before the first field,
	 * a line without ':') are skipped with it, as in GMime. */
	while (s < end) {
		const char *fe = field_end(s, end);
		if (is_wsp(*s)) {
			/* Continuation lines before any line: junk. */
			bad += lines_in(s, fe);
			s = fe;
			continue;
		}
		const char *le = line_end(s, fe);
		const char *colon = NULL;
		const char *ne = field_name(s, le, &colon);
		if (!ne) {
			bad += lines_in(s, fe);
			s = fe;
			continue;
		}
		if (count >= max_fields) {
			rc = MH_ETOOBIG;
			break;
		}
		if (count == cap) {
			struct mh_field *nv =
			        mh_arena_alloc(arena, 2 * cap * sizeof(*nv));
			if (!nv)
				return MH_ENOMEM;
			memcpy(nv, v, count * sizeof(*v));
			v = nv;
			cap *= 2;
		}
		v[count].name = mh_slice_make(s, (size_t)(ne - s));
		v[count].value = mh_slice_make(
		        colon + 1,
		        (size_t)(strip_eol(colon + 1, fe) - (colon + 1)));
		count++;
		s = fe;
	}
	*out = count ? v : NULL;
	*out_n = count;
	if (bad_lines)
		*bad_lines = bad;
	return rc;
}

static inline int is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int mh_hdr_unfold(struct mh_slice raw, struct mh_buf *out)
{
	if (!raw.p || !raw.n)
		return MH_OK;
	const char *s = raw.p, *end = raw.p + raw.n;
	while (s < end && is_fws(*s))
		s++;
	while (end > s && is_fws(end[-1]))
		end--;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			return mh_buf_add(out, s, (size_t)(end - s));
		const char *e = nl;
		if (e > s && e[-1] == '\r')
			e--;
		int rc = mh_buf_add(out, s, (size_t)(e - s));
		if (rc)
			return rc;
		/* The line break goes; the WSP that follows stays. */
		s = nl + 1;
	}
	return MH_OK;
}

const struct mh_field *mh_hdr_find(const struct mh_field *f, size_t n,
                                   const char *name)
{
	if (!f || !name)
		return NULL;
	struct mh_slice want = mh_slice_cstr(name);
	for (size_t i = 0; i < n; i++)
		if (mh_slice_ieq(f[i].name, want))
			return &f[i];
	return NULL;
}

const struct mh_field *mh_hdr_find_next(const struct mh_field *f, size_t n,
                                        const struct mh_field *prev)
{
	if (!f || !prev || prev < f || prev >= f + n)
		return NULL;
	for (const struct mh_field *q = prev + 1; q < f + n; q++)
		if (mh_slice_ieq(q->name, prev->name))
			return q;
	return NULL;
}
