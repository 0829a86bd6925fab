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

#include <string.h>

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

/* End of a valid field name in the line [s, le), or NULL when the line is
 * not a field. *colon gets the ':' position. */
static inline const char *field_name(const char *s, const char *le,
                                     const char **colon)
{
	const char *c = memchr(s, ':', (size_t)(le - s));
	if (!c)
		return NULL;
	const char *ne = c;
	while (ne > s && is_wsp(ne[-1]))
		ne--;
	if (ne == s)
		return NULL;
	for (const unsigned char *q = (const unsigned char *)s;
	     q < (const unsigned char *)ne; q++)
		if (*q <= ' ' || *q == 0x7f)
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
	/* Continuation lines of a skipped line (junk before the first field,
	 * a line without ':') go with it, as in GMime. */
	int in_bad = 1;
	while (s < end) {
		const char *le = line_end(s, end);
		if (is_wsp(*s)) {
			if (in_bad)
				bad++;
			else
				v[count - 1].value.n =
				        (size_t)(strip_eol(s, le) -
				                 v[count - 1].value.p);
			s = le;
			continue;
		}
		const char *colon = NULL;
		const char *ne = field_name(s, le, &colon);
		if (!ne) {
			bad++;
			in_bad = 1;
			s = le;
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
		in_bad = 0;
		v[count].name = mh_slice_make(s, (size_t)(ne - s));
		v[count].value = mh_slice_make(
		        colon + 1,
		        (size_t)(strip_eol(colon + 1, le) - (colon + 1)));
		count++;
		s = le;
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
