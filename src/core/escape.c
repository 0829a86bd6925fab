/* escape.c - the visible form (terminal, CSV, HTML) and JSON strings.
 *
 * The input is walked one unit at a time: a printable ASCII byte, a valid
 * UTF-8 sequence, or one byte that is neither. Each unit is either copied
 * or replaced by an escape made of printable ASCII only, so the escaped
 * text never needs a second pass.
 */
#include "core/escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

enum vis_mode { VIS_TERM, VIS_CSV, VIS_HTML };

/* Code points that are not controls in the C0 sense but can hide text,
 * reorder it on screen (Trojan Source, CVE-2021-42574) or drive a
 * terminal (C1: CSI is U+009B, OSC U+009D on some terminals). */
int mh_escape_cp_hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb) ||
	       (cp >= 0xe0000 && cp <= 0xe007f);
}

/* Upper-bound column estimate: 2 for the East Asian wide blocks, else 1.
 * Combining marks count 1 on purpose: a pile of them (Zalgo text) must
 * still use up the width budget. */
static size_t cp_cols(uint32_t cp)
{
	if ((cp >= 0x1100 && cp <= 0x115f) ||
	    (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* The escape for a control byte, invalid byte or hidden code point, as
 * printable ASCII in tmp; returns its length. */
static size_t vis_esc(char tmp[16], int is_byte, uint32_t v)
{
	int k;
	if (is_byte) {
		switch (v) {
		case '\t': memcpy(tmp, "\\t", 3); return 2;
		case '\n': memcpy(tmp, "\\n", 3); return 2;
		case '\r': memcpy(tmp, "\\r", 3); return 2;
		default: k = snprintf(tmp, 16, "\\x%02x", (unsigned)v); break;
		}
	} else if (v > 0xffff) {
		k = snprintf(tmp, 16, "\\U%08lx", (unsigned long)v);
	} else {
		k = snprintf(tmp, 16, "\\u%04x", (unsigned)v);
	}
	return (size_t)k;
}

/* One printable ASCII byte in the given mode. */
static int vis_ascii(struct mh_buf *out, int mode, unsigned char c,
                     size_t *cols)
{
	if (c == '\\') {
		*cols += 2;
		return mh_buf_add(out, "\\\\", 2);
	}
	*cols += 1;
	if (mode == VIS_CSV && c == '"')
		return mh_buf_add(out, "\"\"", 2);
	if (mode == VIS_HTML) {
		switch (c) {
		case '&': return mh_buf_adds(out, "&amp;");
		case '<': return mh_buf_adds(out, "&lt;");
		case '>': return mh_buf_adds(out, "&gt;");
		case '"': return mh_buf_adds(out, "&quot;");
		case '\'': return mh_buf_adds(out, "&#39;");
		default: break;
		}
	}
	return mh_buf_addc(out, (char)c);
}

static int vis(const char *p, size_t n, size_t max_cols, int mode,
               struct mh_buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	const size_t start = out->len;
	/* Keep, while the text fits in max_cols - 3, the end of the last
	 * whole unit: that is where "..." goes if the rest does not fit. */
	size_t budget = max_cols > 3 ? max_cols - 3 : 0;
	size_t keep = start, cols = 0;
	int rc = MH_OK;
	char tmp[16];

	if (!n)
		return MH_OK;
	for (size_t i = 0; i < n && !rc;) {
		unsigned char c = s[i];
		size_t k = 1;
		if (c >= 0x20 && c < 0x7f) {
			rc = vis_ascii(out, mode, c, &cols);
		} else if (c < 0x80) {
			size_t e = vis_esc(tmp, 1, c);
			cols += e;
			rc = mh_buf_add(out, tmp, e);
		} else if ((k = mh_utf8_seq(s + i, n - i)) == 0) {
			size_t e = vis_esc(tmp, 1, c);
			k = 1;
			cols += e;
			rc = mh_buf_add(out, tmp, e);
		} else {
			uint32_t cp = mh_utf8_cp(s + i, k);
			if (mh_escape_cp_hidden(cp)) {
				size_t e = vis_esc(tmp, 0, cp);
				cols += e;
				rc = mh_buf_add(out, tmp, e);
			} else {
				cols += cp_cols(cp);
				rc = mh_buf_add(out, p + i, k);
			}
		}
		i += k;
		if (!max_cols || rc)
			continue;
		if (cols <= budget)
			keep = out->len;
		else if (cols > max_cols) {
			mh_buf_truncate(out, keep);
			rc = mh_buf_add(out, "...", 3);
			break;
		}
	}
	if (rc)
		mh_buf_truncate(out, start);
	return rc;
}

int mh_escape_term(const char *p, size_t n, size_t max_cols, struct mh_buf *out)
{
	return vis(p, n, max_cols, VIS_TERM, out);
}

int mh_escape_html(const char *p, size_t n, struct mh_buf *out)
{
	return vis(p, n, 0, VIS_HTML, out);
}

static int csv_formula(const unsigned char *s, size_t n)
{
	size_t i = 0;
	if (n && (s[0] == '\t' || s[0] == '\r'))
		return 1;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	                 s[i] == '\n' || s[i] == '\v' || s[i] == '\f'))
		i++;
	return i < n &&
	       (s[i] == '=' || s[i] == '+' || s[i] == '-' || s[i] == '@');
}

static int csv_quote(const char *p, size_t n)
{
	if (!n)
		return 0;
	/* Control characters are escaped, so only these remain special. */
	return p[0] == ' ' || p[n - 1] == ' ' || memchr(p, ',', n) ||
	       memchr(p, '"', n);
}

int mh_escape_csv(const char *p, size_t n, struct mh_buf *out)
{
	const size_t start = out->len;
	int quote = csv_quote(p, n);
	int rc = MH_OK;
	if (quote)
		rc = mh_buf_addc(out, '"');
	if (!rc && csv_formula((const unsigned char *)p, n))
		rc = mh_buf_addc(out, '\'');
	if (!rc)
		rc = vis(p, n, 0, VIS_CSV, out);
	if (!rc && quote)
		rc = mh_buf_addc(out, '"');
	if (rc)
		mh_buf_truncate(out, start);
	return rc;
}

/* \uxxxx, or a UTF-16 surrogate pair above U+FFFF. */
static int json_u(struct mh_buf *out, uint32_t cp)
{
	char tmp[16];
	int k;
	if (cp > 0xffff) {
		uint32_t v = cp - 0x10000;
		k = snprintf(tmp, sizeof(tmp), "\\u%04x\\u%04x",
		             (unsigned)(0xd800 + (v >> 10)),
		             (unsigned)(0xdc00 + (v & 0x3ff)));
	} else {
		k = snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
	}
	return mh_buf_add(out, tmp, (size_t)k);
}

int mh_escape_json(const char *p, size_t n, struct mh_buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	const size_t start = out->len;
	size_t i = 0, run = 0;
	int rc = MH_OK;
	if (!n)
		return MH_OK;
	/* Copy runs of safe bytes in one go; stop at anything to replace. */
	while (i < n) {
		unsigned char c = s[i];
		size_t k = 1;
		uint32_t cp = c;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			k = mh_utf8_seq(s + i, n - i);
			if (k) {
				cp = mh_utf8_cp(s + i, k);
				if (!mh_escape_cp_hidden(cp)) {
					i += k;
					continue;
				}
			}
		}
		rc = mh_buf_add(out, p + run, i - run);
		if (rc)
			goto done;
		switch (c) {
		case '"': rc = mh_buf_add(out, "\\\"", 2); break;
		case '\\': rc = mh_buf_add(out, "\\\\", 2); break;
		case '\b': rc = mh_buf_add(out, "\\b", 2); break;
		case '\f': rc = mh_buf_add(out, "\\f", 2); break;
		case '\n': rc = mh_buf_add(out, "\\n", 2); break;
		case '\r': rc = mh_buf_add(out, "\\r", 2); break;
		case '\t': rc = mh_buf_add(out, "\\t", 2); break;
		default:
			if (!k) {
				rc = mh_buf_add(out, "\xef\xbf\xbd", 3);
				k = 1;
			} else {
				rc = json_u(out, cp);
			}
			break;
		}
		if (rc)
			goto done;
		i += k;
		run = i;
	}
	rc = mh_buf_add(out, p + run, n - run);
done:
	if (rc)
		mh_buf_truncate(out, start);
	return rc;
}
