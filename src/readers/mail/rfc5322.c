/* rfc5322.c - header block end, field splitting, unfolding.
 *
 * Hot path: every message of every store goes through mh_hdr_end and
 * mh_hdr_split, so both walk the block with memchr and touch each byte a
 * constant number of times. Grammar (RFC 5322 2.2, 3.2.2):
 *     field = name ":" unstructured CRLF
 *     name  = 1*(%d33-57 / %d59-126)
 *     fold  = CRLF 1*WSP            ; WSP = SP / HTAB
 */
#include "readers/mail/rfc5322.h"

#include <string.h>

int mh_hdr_end(const char *p, size_t n, int eof, size_t *hdr_len,
               size_t *body_off)
{
	/* An empty first line means an empty header block. */
	if (n >= 1 && p[0] == '\n') {
		*hdr_len = 0;
		*body_off = 1;
		return MH_OK;
	}
	if (n >= 2 && p[0] == '\r' && p[1] == '\n') {
		*hdr_len = 0;
		*body_off = 2;
		return MH_OK;
	}
	const char *s = p, *end = p + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		const char *next = nl + 1;
		if (next < end && *next == '\n') {
			*hdr_len = (size_t)(nl - p) + 1;
			*body_off = (size_t)(next - p) + 1;
			return MH_OK;
		}
		if (next + 1 < end && next[0] == '\r' && next[1] == '\n') {
			*hdr_len = (size_t)(nl - p) + 1;
			*body_off = (size_t)(next - p) + 2;
			return MH_OK;
		}
		if (!eof &&
		    (next >= end || (next[0] == '\r' && next + 1 >= end))) {
			/* Cannot tell yet whether the next line is empty. */
			break;
		}
		s = next;
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

/* Length of the line at s (up to and including '\n'), or to end. */
static inline const char *line_end(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	return nl ? nl + 1 : end;
}

/* Strip a trailing CRLF/LF from [s, e). */
static inline const char *strip_eol(const char *s, const char *e)
{
	if (e > s && e[-1] == '\n')
		e--;
	if (e > s && e[-1] == '\r')
		e--;
	return e;
}

int mh_hdr_split(const char *p, size_t n, struct mh_arena *arena,
                 size_t max_fields, struct mh_field **out, size_t *out_n,
                 size_t *bad_lines)
{
	const char *s = p, *end = p + n;
	size_t cap = 32, count = 0, bad = 0;
	struct mh_field *v = NULL;

	*out = NULL;
	*out_n = 0;
	/* An mbox From_ line (or a stray ">From ") is not a field. */
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		s = line_end(s, end);
		bad++;
	}
	v = mh_arena_alloc(arena, cap * sizeof(*v));
	if (!v)
		return MH_ENOMEM;
	while (s < end) {
		const char *le = line_end(s, end);
		if (is_wsp(*s)) {
			/* Continuation of the previous field, or junk before
			 * the first one. */
			if (count) {
				struct mh_field *f = &v[count - 1];
				f->value.n =
				        (size_t)(strip_eol(s, le) - f->value.p);
			} else {
				bad++;
			}
			s = le;
			continue;
		}
		/* The name runs to ':'; a line without one is not a field. */
		const char *colon = memchr(s, ':', (size_t)(le - s));
		const char *ne = colon;
		if (colon) {
			while (ne > s && is_wsp(ne[-1]))
				ne--;
			for (const char *q = s; q < ne; q++)
				if ((unsigned char)*q <= ' ' || *q == 0x7f) {
					colon = NULL;
					break;
				}
		}
		if (!colon || ne == s) {
			bad++;
			s = le;
			continue;
		}
		if (count == cap) {
			if (count >= max_fields)
				goto toobig;
			size_t ncap = cap * 2;
			struct mh_field *nv =
			        mh_arena_alloc(arena, ncap * sizeof(*nv));
			if (!nv)
				return MH_ENOMEM;
			memcpy(nv, v, count * sizeof(*v));
			v = nv;
			cap = ncap;
		}
		if (count >= max_fields)
			goto toobig;
		v[count].name = mh_slice_make(s, (size_t)(ne - s));
		v[count].value = mh_slice_make(
		        colon + 1,
		        (size_t)(strip_eol(colon + 1, le) - colon - 1));
		count++;
		s = le;
	}
	*out = v;
	*out_n = count;
	if (bad_lines)
		*bad_lines = bad;
	return MH_OK;
toobig:
	*out = v;
	*out_n = count;
	if (bad_lines)
		*bad_lines = bad;
	return MH_ETOOBIG;
}

int mh_hdr_unfold(struct mh_slice raw, struct mh_buf *out)
{
	const char *s = raw.p, *end = raw.p + raw.n;
	while (s < end && (is_wsp(*s) || *s == '\r' || *s == '\n'))
		s++;
	while (end > s &&
	       (is_wsp(end[-1]) || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) {
			return mh_buf_add(out, s, (size_t)(end - s));
		}
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
	struct mh_slice want = mh_slice_cstr(name);
	for (size_t i = 0; i < n; i++)
		if (mh_slice_ieq(f[i].name, want))
			return &f[i];
	return NULL;
}

const struct mh_field *mh_hdr_find_next(const struct mh_field *f, size_t n,
                                        const struct mh_field *prev)
{
	if (!prev || prev < f || prev >= f + n)
		return NULL;
	for (const struct mh_field *q = prev + 1; q < f + n; q++)
		if (mh_slice_ieq(q->name, prev->name))
			return q;
	return NULL;
}
