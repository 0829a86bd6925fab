/* Fuzz target: every escaper on arbitrary bytes, checked against
 * invariants computed independently here (own UTF-8 decoder, own
 * unescapers):
 *   - terminal: no byte < 0x20 or 0x7f, valid UTF-8, no hidden code point
 *     raw, and unescaping gives back the input exactly (the visible form
 *     is unambiguous); a width-limited result is the full one, or a
 *     prefix of it followed by "...";
 *   - JSON: a valid JSON string body, valid UTF-8, no raw control (C0,
 *     DEL, C1) or hidden code point; decoding it gives the input wherever
 *     the input is valid UTF-8;
 *   - CSV: one well-formed RFC 4180 field on one line whose value never
 *     starts (after spaces) with = + - @ TAB CR, and is the visible form,
 *     optionally after one apostrophe;
 *   - HTML: no raw < > " ', every & starts an entity, and decoding the
 *     entities gives the visible form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/escape.h"
#include "fuzz.h"

/* Strict UTF-8 (RFC 3629): length of the sequence at p, 0 if invalid. */
static size_t u8dec(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c = p[0];
	size_t k;
	unsigned lo = 0x80, hi = 0xbf;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, *cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, *cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, *cp = c & 0x07;
	else
		return 0;
	lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : lo;
	hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : hi;
	if (n < k || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3fu);
	}
	return k;
}

/* Valid UTF-8 with no control byte and no hidden code point. */
static void check_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = u8dec(p + i, n - i, &cp);
		CHECK(k);
		CHECK(cp >= 0x20 && cp != 0x7f && !mh_escape_cp_hidden(cp));
		i += k;
	}
}

static void put8(struct mh_buf *b, uint32_t cp)
{
	unsigned char t[4];
	size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
	for (size_t i = k - 1; i > 0; i--) {
		t[i] = (unsigned char)(0x80 | (cp & 0x3f));
		cp >>= 6;
	}
	t[0] = (unsigned char)(lead[k] | cp);
	CHECK(mh_buf_add(b, t, k) == MH_OK);
}

static uint32_t hexn(const char *s, size_t n, size_t i, size_t digits)
{
	uint32_t v = 0;
	CHECK(i + digits <= n);
	for (size_t j = 0; j < digits; j++) {
		char c = s[i + j];
		CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
		v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

/* Inverse of the visible form. */
static void unvis(const char *s, size_t n, struct mh_buf *out)
{
	for (size_t i = 0; i < n;) {
		if (s[i] != '\\') {
			CHECK(mh_buf_addc(out, s[i]) == MH_OK);
			i++;
			continue;
		}
		CHECK(i + 1 < n);
		char c = s[i + 1];
		i += 2;
		if (c == '\\' || c == 't' || c == 'n' || c == 'r') {
			char v = c == 't'   ? '\t'
			         : c == 'n' ? '\n'
			         : c == 'r' ? '\r'
			                    : '\\';
			CHECK(mh_buf_addc(out, v) == MH_OK);
		} else if (c == 'x') {
			CHECK(mh_buf_addc(out, (char)hexn(s, n, i, 2)) ==
			      MH_OK);
			i += 2;
		} else if (c == 'u') {
			uint32_t cp = hexn(s, n, i, 4);
			CHECK(mh_escape_cp_hidden(cp));
			put8(out, cp);
			i += 4;
		} else {
			CHECK(c == 'U');
			uint32_t cp = hexn(s, n, i, 8);
			CHECK(cp > 0xffff && mh_escape_cp_hidden(cp));
			put8(out, cp);
			i += 8;
		}
	}
}

/* Decodes a JSON string body; fails on anything RFC 8259 forbids. */
static void unjson(const char *s, size_t n, struct mh_buf *out)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		CHECK(c >= 0x20 && c != '"');
		if (c != '\\') {
			CHECK(mh_buf_addc(out, (char)c) == MH_OK);
			i++;
			continue;
		}
		CHECK(i + 1 < n);
		c = (unsigned char)s[i + 1];
		i += 2;
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
		const char *m = c ? strchr(from, c) : NULL;
		if (m) {
			CHECK(mh_buf_addc(out, to[m - from]) == MH_OK);
			continue;
		}
		CHECK(c == 'u');
		uint32_t cp = hexn(s, n, i, 4);
		i += 4;
		CHECK(cp < 0xdc00 || cp > 0xdfff);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			CHECK(i + 2 <= n && s[i] == '\\' && s[i + 1] == 'u');
			uint32_t lo = hexn(s, n, i + 2, 4);
			CHECK(lo >= 0xdc00 && lo <= 0xdfff);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		}
		put8(out, cp);
	}
}

/* Input with every invalid byte replaced by U+FFFD (what JSON promises). */
static void repair(const unsigned char *p, size_t n, struct mh_buf *out)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = u8dec(p + i, n - i, &cp);
		if (!k) {
			put8(out, 0xfffd);
			i++;
		} else {
			CHECK(mh_buf_add(out, p + i, k) == MH_OK);
			i += k;
		}
	}
}

static int same(const struct mh_buf *a, const struct mh_buf *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
}

static void check_csv(const struct mh_buf *c, const struct mh_buf *vis)
{
	struct mh_buf v = MH_BUF_INIT(SIZE_MAX);
	const char *s = c->p ? c->p : "";
	size_t n = c->len;
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	if (n && s[0] == '"') {
		CHECK(n >= 2 && s[n - 1] == '"');
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '"') {
				CHECK(i + 2 < n && s[i + 1] == '"');
				i++;
			}
			CHECK(mh_buf_addc(&v, s[i]) == MH_OK);
		}
	} else {
		CHECK(!memchr(s, '"', n) && !memchr(s, ',', n));
		CHECK(mh_buf_add(&v, s, n) == MH_OK);
	}
	size_t j = 0;
	while (j < v.len && v.p[j] == ' ')
		j++;
	CHECK(j == v.len || !strchr("=+-@\t\r", v.p[j]));
	/* The value is the visible form, maybe after one apostrophe. */
	size_t skip = v.len && v.p[0] == '\'' && v.len == vis->len + 1;
	CHECK(v.len - skip == vis->len &&
	      (!vis->len || !memcmp(v.p + skip, vis->p, vis->len)));
	mh_buf_release(&v);
}

static void check_html(const struct mh_buf *h, const struct mh_buf *vis)
{
	static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;",
	                                  "&#39;"};
	static const char raw[] = "&<>\"'";
	struct mh_buf v = MH_BUF_INIT(SIZE_MAX);
	const char *s = h->p ? h->p : "";
	check_clean(s, h->len);
	for (size_t i = 0; i < h->len;) {
		CHECK(s[i] && !strchr("<>\"'", s[i]));
		if (s[i] != '&') {
			CHECK(mh_buf_addc(&v, s[i++]) == MH_OK);
			continue;
		}
		size_t e = 0;
		while (e < 5 && strncmp(s + i, ent[e], strlen(ent[e])))
			e++;
		CHECK(e < 5);
		CHECK(mh_buf_addc(&v, raw[e]) == MH_OK);
		i += strlen(ent[e]);
	}
	CHECK(same(&v, vis));
	mh_buf_release(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct mh_buf t = MH_BUF_INIT(SIZE_MAX), tw = MH_BUF_INIT(SIZE_MAX);
	struct mh_buf j = MH_BUF_INIT(SIZE_MAX), c = MH_BUF_INIT(SIZE_MAX);
	struct mh_buf h = MH_BUF_INIT(SIZE_MAX), x = MH_BUF_INIT(SIZE_MAX);
	struct mh_buf y = MH_BUF_INIT(SIZE_MAX);
	size_t cols = size ? data[0] % 48 : 0;

	/* Terminal: clean, reversible, and the cut is a clean prefix. */
	CHECK(mh_escape_term(in, size, 0, &t) == MH_OK);
	check_clean(t.p ? t.p : "", t.len);
	unvis(t.p ? t.p : "", t.len, &x);
	CHECK(x.len == size && (!size || !memcmp(x.p, data, size)));
	CHECK(mh_escape_term(in, size, cols, &tw) == MH_OK);
	check_clean(tw.p ? tw.p : "", tw.len);
	if (!same(&tw, &t)) {
		CHECK(cols && tw.len >= 3 && tw.len - 3 < t.len);
		CHECK(!memcmp(tw.p + tw.len - 3, "...", 3));
		CHECK(!memcmp(tw.p, t.p, tw.len - 3));
		/* The cut falls between units: never after a lone backslash
		 * that starts an escape. */
		mh_buf_reset(&x);
		unvis(tw.p, tw.len - 3, &x);
		CHECK(x.len <= size && (!x.len || !memcmp(x.p, data, x.len)));
	}

	if (cols) {
		/* Every code point is at least one column in the estimate. */
		size_t ncp = 0;
		for (size_t i = 0; i < tw.len; i++)
			ncp += ((unsigned char)tw.p[i] & 0xc0) != 0x80;
		CHECK(ncp <= (cols > 3 ? cols : 3));
	}

	/* JSON. */
	CHECK(mh_escape_json(in, size, &j) == MH_OK);
	check_clean(j.p ? j.p : "", j.len);
	mh_buf_reset(&x);
	unjson(j.p ? j.p : "", j.len, &x);
	repair(data, size, &y);
	CHECK(same(&x, &y));

	/* CSV and HTML against the visible form. */
	CHECK(mh_escape_csv(in, size, &c) == MH_OK);
	check_csv(&c, &t);
	CHECK(mh_escape_html(in, size, &h) == MH_OK);
	check_html(&h, &t);

	mh_buf_release(&t);
	mh_buf_release(&tw);
	mh_buf_release(&j);
	mh_buf_release(&c);
	mh_buf_release(&h);
	mh_buf_release(&x);
	mh_buf_release(&y);
	return 0;
}
