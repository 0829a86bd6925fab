/* utf8.c - UTF-8 validation and repair (RFC 3629).
 *
 * Mail headers are mostly ASCII, so both loops skip ASCII eight bytes at a
 * time before looking at sequences.
 */
#include "core/utf8.h"

#include <stdint.h>
#include <string.h>

#include "core/err.h"

size_t mh_utf8_seq(const unsigned char *p, size_t n)
{
	if (!n)
		return 0;
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		if (n < 2 || (p[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
	    (p[3] & 0xc0) != 0x80)
		return 0;
	if (c == 0xf0 && p[1] < 0x90)
		return 0; /* overlong */
	if (c == 0xf4 && p[1] >= 0x90)
		return 0; /* above U+10FFFF */
	return 4;
}

uint32_t mh_utf8_cp(const unsigned char *p, size_t k)
{
	switch (k) {
	case 1: return p[0];
	case 2: return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	case 3:
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
		       (p[2] & 0x3fu);
	default:
		return ((uint32_t)(p[0] & 0x07u) << 18) |
		       ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) |
		       (p[3] & 0x3fu);
	}
}

size_t mh_utf8_put(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp < 0x110000) {
		out[0] = (unsigned char)(0xf0 | (cp >> 18));
		out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (unsigned char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

/* Bytes of ASCII at the start of s[0..n). */
static inline size_t ascii_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
		i += 8;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

int mh_utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	while (i < n) {
		i += ascii_run(s + i, n - i);
		if (i >= n)
			break;
		size_t k = mh_utf8_seq(s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

int mh_utf8_sanitize(const char *p, size_t n, struct mh_buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t before = out->len;
	size_t i = 0, run = 0;
	int rc = MH_OK;
	if (!n)
		return MH_OK;
	while (i < n) {
		i += ascii_run(s + i, n - i);
		if (i >= n)
			break;
		size_t k = mh_utf8_seq(s + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		rc = mh_buf_add(out, p + run, i - run);
		if (!rc)
			rc = mh_buf_add(out, "\xef\xbf\xbd", 3);
		if (rc)
			goto fail;
		i++;
		run = i;
	}
	rc = mh_buf_add(out, p + run, n - run);
	if (!rc)
		return MH_OK;
fail:
	mh_buf_truncate(out, before);
	return rc;
}
