#include "core/escape.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

enum { ESC_X, ESC_U, ESC_HTML };

/* \xNN, \uNNNN or &#xN; */
static int hex_esc(struct mh_buf *out, int kind, unsigned v)
{
	char tmp[16];
	int k;
	if (kind == ESC_X)
		k = snprintf(tmp, sizeof(tmp), "\\x%02x", v & 0xffu);
	else if (kind == ESC_U)
		k = snprintf(tmp, sizeof(tmp), "\\u%04x", v);
	else
		k = snprintf(tmp, sizeof(tmp), "&#x%x;", v);
	return mh_buf_add(out, tmp, (size_t)k);
}

/* Code point of a valid sequence of length k at s. */
static unsigned cp_of(const unsigned char *s, size_t k)
{
	switch (k) {
	case 1: return s[0];
	case 2: return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	case 3:
		return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) |
		       (s[2] & 0x3fu);
	default:
		return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) |
		       ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
	}
}

static int is_bidi_or_invisible(unsigned cp)
{
	return (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	       cp == 0x061c || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xfeff;
}

int mh_escape_term(const char *p, size_t n, size_t max_cols, struct mh_buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, cols = 0;
	int rc = MH_OK;
	while (i < n && !rc) {
		if (max_cols && cols >= max_cols) {
			return mh_buf_add(out, "...", 3);
		}
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f) {
			rc = mh_buf_addc(out, (char)c);
			i++;
		} else if (c == '\t') {
			rc = mh_buf_add(out, "\\t", 2);
			i++;
		} else if (c == '\n') {
			rc = mh_buf_add(out, "\\n", 2);
			i++;
		} else if (c == '\r') {
			rc = mh_buf_add(out, "\\r", 2);
			i++;
		} else if (c < 0x80) {
			rc = hex_esc(out, ESC_X, c);
			i++;
		} else {
			size_t k = mh_utf8_seq(s + i, n - i);
			if (!k) {
				rc = hex_esc(out, ESC_X, c);
				i++;
			} else {
				unsigned cp = cp_of(s + i, k);
				if (is_bidi_or_invisible(cp))
					rc = hex_esc(out, ESC_U, cp);
				else
					rc = mh_buf_add(out, p + i, k);
				i += k;
			}
		}
		cols++;
	}
	return rc;
}

int mh_escape_json(const char *p, size_t n, struct mh_buf *out)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, run = 0;
	int rc = MH_OK;
	while (i < n) {
		unsigned char c = s[i];
		const char *rep = NULL;
		size_t k = 1;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			k = mh_utf8_seq(s + i, n - i);
			if (k) {
				unsigned cp = cp_of(s + i, k);
				if (cp != 0x2028 && cp != 0x2029) {
					i += k;
					continue;
				}
			}
		}
		rc = mh_buf_add(out, p + run, i - run);
		if (rc)
			return rc;
		switch (c) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default: break;
		}
		if (rep) {
			rc = mh_buf_adds(out, rep);
		} else if (c < 0x80) {
			rc = hex_esc(out, ESC_U, c);
		} else if (!k) {
			rc = mh_buf_add(out, "\xef\xbf\xbd", 3);
			k = 1;
		} else {
			rc = hex_esc(out, ESC_U, cp_of(s + i, k));
		}
		if (rc)
			return rc;
		i += k ? k : 1;
		run = i;
	}
	return mh_buf_add(out, p + run, n - run);
}

int mh_escape_csv(const char *p, size_t n, struct mh_buf *out)
{
	struct mh_buf tmp = MH_BUF_INIT(out->cap);
	int rc = MH_OK;
	/* Controls first (keep CR/LF/TAB raw: quoting protects them). */
	const unsigned char *s = (const unsigned char *)p;
	for (size_t i = 0; i < n && !rc;) {
		unsigned char c = s[i];
		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') ||
		    c == 0x7f) {
			rc = hex_esc(&tmp, ESC_X, c);
			i++;
		} else if (c >= 0x80) {
			size_t k = mh_utf8_seq(s + i, n - i);
			if (!k) {
				rc = hex_esc(&tmp, ESC_X, c);
				i++;
			} else {
				unsigned cp = cp_of(s + i, k);
				if (is_bidi_or_invisible(cp))
					rc = hex_esc(&tmp, ESC_U, cp);
				else
					rc = mh_buf_add(&tmp, p + i, k);
				i += k;
			}
		} else {
			rc = mh_buf_addc(&tmp, (char)c);
			i++;
		}
	}
	if (rc)
		goto done;
	const char *v = tmp.p ? tmp.p : "";
	size_t vn = tmp.len, j = 0;
	while (j < vn && v[j] == ' ')
		j++;
	int formula = (j < vn && (v[j] == '=' || v[j] == '+' || v[j] == '-' ||
	                          v[j] == '@')) ||
	              (vn && (v[0] == '\t' || v[0] == '\r'));
	int quote = 0;
	for (size_t i = 0; i < vn; i++)
		if (v[i] == ',' || v[i] == '"' || v[i] == '\n' ||
		    v[i] == '\r' || v[i] == '\t')
			quote = 1;
	if (vn && (v[0] == ' ' || v[vn - 1] == ' '))
		quote = 1;
	if (quote)
		rc = mh_buf_addc(out, '"');
	if (!rc && formula)
		rc = mh_buf_addc(out, '\'');
	for (size_t i = 0; i < vn && !rc; i++) {
		if (v[i] == '"')
			rc = mh_buf_addc(out, '"');
		if (!rc)
			rc = mh_buf_addc(out, v[i]);
	}
	if (!rc && quote)
		rc = mh_buf_addc(out, '"');
done:
	mh_buf_release(&tmp);
	return rc;
}

int mh_escape_html(const char *p, size_t n, struct mh_buf *out)
{
	int rc = MH_OK;
	struct mh_buf tmp = MH_BUF_INIT(out->cap);
	/* Repair UTF-8 first, then escape. */
	rc = mh_utf8_sanitize(p, n, &tmp);
	for (size_t i = 0; i < tmp.len && !rc; i++) {
		unsigned char c = (unsigned char)tmp.p[i];
		switch (c) {
		case '&': rc = mh_buf_adds(out, "&amp;"); break;
		case '<': rc = mh_buf_adds(out, "&lt;"); break;
		case '>': rc = mh_buf_adds(out, "&gt;"); break;
		case '"': rc = mh_buf_adds(out, "&quot;"); break;
		case '\'': rc = mh_buf_adds(out, "&#39;"); break;
		default:
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				rc = hex_esc(out, ESC_HTML,
				             c == 0 ? 0xfffd : c);
			else
				rc = mh_buf_addc(out, (char)c);
		}
	}
	mh_buf_release(&tmp);
	return rc;
}
