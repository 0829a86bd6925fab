/* rfc2047.c - encoded words (RFC 2047, RFC 2231 language) in unstructured
 * text and phrases.
 *
 *   encoded-word = "=?" charset ["*" language] "?" encoding "?" text "?="
 *
 * Lenient as GMime's loose mode and common MUAs (docs/VIOLATIONS.md):
 * words glued to text, words over 75 bytes, blanks inside the encoded
 * text, '?' inside Q text, lower-case encoding letters and unpadded base64
 * are decoded; a word that does not parse stays as literal text. White
 * space between two encoded words goes. The decoded bytes of adjacent
 * words in the same charset are joined before conversion, because senders
 * split multi-byte characters (and ISO-2022-JP escapes) across words.
 */
#include "mail/rfc2047.h"

#include <string.h>

#include "core/b64.h"
#include "core/charset.h"
#include "core/err.h"
#include "core/utf8.h"

#define CHARSET_MAX 64

static const unsigned char hexv[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
}; /* value + 1; 0 = not a hex digit */

static inline int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Base64 text to bytes. '=' ends a quantum (padding; words glued by
 * broken encoders continue after it); other junk is skipped. A trailing
 * partial quantum gives the whole bytes it holds. Returns 1 when
 * something was off. */
static int decode_b(const char *s, size_t n, struct mh_buf *out, int *rc)
{
	unsigned acc = 0;
	int bits = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		int v = mh_b64_val[(unsigned char)s[i]];
		if (!v) {
			if (s[i] == '=') {
				acc = 0;
				bits = 0;
			} else if (!is_space(s[i])) {
				bad = 1;
			}
			continue;
		}
		acc = (acc << 6) | (unsigned)(v - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*rc = mh_buf_addc(out, (char)((acc >> bits) & 0xff));
			if (*rc)
				return bad;
		}
	}
	if (bits >= 6)
		bad = 1; /* a lone sixth of a byte: truncated */
	return bad;
}

/* Q text to bytes: "_" is a space, "=XX" a byte; an '=' without two hex
 * digits stays literal, or goes when the text ends first (as GMime). */
static int decode_q(const char *s, size_t n, struct mh_buf *out, int *rc)
{
	int bad = 0;
	for (size_t i = 0; i < n && !*rc; i++) {
		char c = s[i];
		if (c == '_') {
			*rc = mh_buf_addc(out, ' ');
		} else if (c != '=') {
			*rc = mh_buf_addc(out, c);
		} else if (i + 2 < n) {
			int h = hexv[(unsigned char)s[i + 1]];
			int l = hexv[(unsigned char)s[i + 2]];
			if (h && l) {
				*rc = mh_buf_addc(
				        out, (char)((h - 1) * 16 + (l - 1)));
				i += 2;
			} else {
				bad = 1;
				*rc = mh_buf_addc(out, '=');
			}
		} else {
			bad = 1;
			break;
		}
	}
	return bad;
}

struct ew {
	const char *cs; /* charset label (without "*lang") */
	size_t csn;
	char enc;         /* 'B' or 'Q' */
	const char *text; /* encoded text */
	size_t textn;
	size_t len; /* whole word, "=?" to "?=" */
};

/* Parse an encoded word at s[0..n) (s starts with "=?"). 0 when there is
 * none. The text runs to the first "?="; blanks inside are tolerated
 * unless a new "=?" starts after one (then this word is broken and the
 * next one is real). Two memos keep hostile input such as
 * "=?a?q?=?a?q?..." linear: *noterm is where a scan found no "?=" up to
 * the end (later scans from there fail at once), and *resume is that next
 * "=?" after a blank (every "=?" before it would fail the same way). */
static int parse_ew(const char *s, size_t n, struct ew *w, const char **noterm,
                    const char **resume)
{
	size_t i = 2;
	while (i < n && s[i] != '?') {
		if (is_space(s[i]) || s[i] == '=' || i - 2 >= CHARSET_MAX)
			return 0;
		i++;
	}
	if (i == 2 || i + 2 >= n || s[i + 2] != '?')
		return 0;
	w->cs = s + 2;
	w->csn = i - 2;
	const char *star = memchr(w->cs, '*', w->csn);
	if (star)
		w->csn = (size_t)(star - w->cs);
	if (!w->csn)
		return 0;
	char e = s[i + 1];
	if (e == 'b' || e == 'B')
		w->enc = 'B';
	else if (e == 'q' || e == 'Q')
		w->enc = 'Q';
	else
		return 0;
	size_t t = i + 3;
	int blank = 0;
	if (*noterm && s + t >= *noterm)
		return 0;
	for (size_t j = t; j + 1 < n; j++) {
		if (s[j] == '?' && s[j + 1] == '=') {
			w->text = s + t;
			w->textn = j - t;
			w->len = j + 2;
			return 1;
		}
		if (is_space(s[j]))
			blank = 1;
		else if (blank && s[j] == '=' && s[j + 1] == '?') {
			*resume = s + j;
			return 0;
		}
	}
	*noterm = s + t;
	return 0;
}

struct dec {
	struct mh_buf raw;        /* decoded bytes of the current run */
	char cs[CHARSET_MAX + 1]; /* their charset label */
	const char *fallback;     /* for raw 8-bit text and unknowns */
	unsigned flags;
	struct mh_buf *out;
};

/* Bytes in an unknown charset: UTF-8 when valid, else the fallback. */
static int add_unknown(struct dec *d, const char *p, size_t n)
{
	if (mh_utf8_valid(p, n))
		return mh_buf_add(d->out, p, n);
	int rc = mh_charset_to_utf8(d->fallback, p, n, d->out);
	if (rc == MH_ENOTFOUND)
		rc = mh_charset_to_utf8("windows-1252", p, n, d->out);
	return rc;
}

static int flush(struct dec *d)
{
	if (!d->raw.len)
		return MH_OK;
	size_t nbad = 0;
	int rc = mh_charset_convert(d->cs, strlen(d->cs), d->raw.p, d->raw.len,
	                            d->out, &nbad);
	if (rc == MH_ENOTFOUND) {
		d->flags |= MH_2047_CHARSET;
		rc = add_unknown(d, d->raw.p, d->raw.len);
	} else if (nbad) {
		d->flags |= MH_2047_CHARSET;
	}
	mh_buf_reset(&d->raw);
	return rc;
}

static int add_text(struct dec *d, const char *s, size_t n)
{
	int rc = flush(d);
	if (rc || !n)
		return rc;
	if (mh_utf8_valid(s, n))
		return mh_buf_add(d->out, s, n);
	d->flags |= MH_2047_RAW8BIT;
	return add_unknown(d, s, n);
}

static int only_space(const char *s, const char *e)
{
	for (; s < e; s++)
		if (!is_space(*s))
			return 0;
	return 1;
}

int mh_rfc2047_decode(struct mh_slice in, const char *fallback_charset,
                      struct mh_buf *out, unsigned *flags)
{
	struct dec d;
	int rc = MH_OK, last_ew = 0;
	size_t before = out->len;

	if (flags)
		*flags = 0;
	if (!in.p || !in.n)
		return MH_OK;
	memset(&d, 0, sizeof(d));
	mh_buf_init(&d.raw, out->cap);
	d.fallback = fallback_charset ? fallback_charset : "windows-1252";
	d.out = out;

	const char *s = in.p, *end = in.p + in.n;
	const char *lit = s; /* start of pending literal text */
	const char *noterm = NULL;
	while (s < end) {
		const char *q = memchr(s, '=', (size_t)(end - s));
		if (!q || end - q < 2)
			break;
		if (q[1] != '?') {
			s = q + 1;
			continue;
		}
		struct ew w;
		const char *resume = NULL;
		if (!parse_ew(q, (size_t)(end - q), &w, &noterm, &resume)) {
			d.flags |= MH_2047_BROKEN;
			s = resume ? resume : q + 2;
			continue;
		}
		if (!(last_ew && only_space(lit, q))) {
			rc = add_text(&d, lit, (size_t)(q - lit));
			if (rc)
				goto done;
		}
		char cs[CHARSET_MAX + 1];
		for (size_t k = 0; k < w.csn; k++)
			cs[k] = (w.cs[k] >= 'A' && w.cs[k] <= 'Z')
			                ? (char)(w.cs[k] | 0x20)
			                : w.cs[k];
		cs[w.csn] = '\0';
		if (d.raw.len && strcmp(cs, d.cs) != 0) {
			rc = flush(&d);
			if (rc)
				goto done;
		}
		memcpy(d.cs, cs, w.csn + 1);
		int bad = w.enc == 'B' ? decode_b(w.text, w.textn, &d.raw, &rc)
		                       : decode_q(w.text, w.textn, &d.raw, &rc);
		if (rc)
			goto done;
		if (bad)
			d.flags |= MH_2047_BROKEN;
		last_ew = 1;
		s = q + w.len;
		lit = s;
	}
	rc = add_text(&d, lit, (size_t)(end - lit));
	if (!rc)
		rc = flush(&d);
done:
	mh_buf_release(&d.raw);
	if (rc)
		mh_buf_truncate(out, before);
	if (flags)
		*flags = d.flags;
	return rc;
}
