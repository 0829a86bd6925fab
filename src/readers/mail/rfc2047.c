/* rfc2047.c - encoded words (RFC 2047) in unstructured text.
 *
 *   encoded-word = "=?" charset ["*" language] "?" encoding "?" text "?="
 * Lenient like common MUAs: words longer than 75 bytes, words glued to text
 * and unpadded base64 are decoded; a malformed word stays as literal text.
 * The decoded bytes of adjacent words in the same charset are joined
 * before conversion, because senders split multi-byte characters.
 */
#include "readers/mail/rfc2047.h"

#include <string.h>

#include "core/charset.h"
#include "core/err.h"
#include "core/utf8.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 text into out; returns 1 when something was off. */
static int decode_b(const char *s, size_t n, struct mh_buf *out, int *rc)
{
	unsigned acc = 0;
	int bits = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		int v = b64val(s[i]);
		if (v < 0) {
			bad = 1;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*rc = mh_buf_addc(out, (char)((acc >> bits) & 0xff));
			if (*rc)
				return bad;
		}
	}
	return bad;
}

static int decode_q(const char *s, size_t n, struct mh_buf *out, int *rc)
{
	int bad = 0;
	for (size_t i = 0; i < n && !*rc; i++) {
		char c = s[i];
		if (c == '_') {
			*rc = mh_buf_addc(out, ' ');
		} else if (c == '=' && i + 2 < n + 0 && hexval(s[i + 1]) >= 0 &&
		           hexval(s[i + 2]) >= 0) {
			*rc = mh_buf_addc(out, (char)(hexval(s[i + 1]) * 16 +
			                              hexval(s[i + 2])));
			i += 2;
		} else {
			if (c == '=')
				bad = 1;
			*rc = mh_buf_addc(out, c);
		}
	}
	return bad;
}

/* Parse an encoded word at s[0..n). On success returns its length and
 * fills charset (NUL-terminated), enc and the text span. */
static size_t parse_ew(const char *s, size_t n, char *charset, size_t csn,
                       char *enc, const char **text, size_t *textn)
{
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	size_t i = 2, cs = 0;
	while (i < n && s[i] != '?' && s[i] != ' ' && s[i] != '\t' &&
	       s[i] != '\n')
		i++;
	if (i >= n || s[i] != '?' || i == 2)
		return 0;
	cs = i - 2;
	if (i + 3 >= n || s[i + 2] != '?')
		return 0;
	char e = s[i + 1];
	if (e == 'b' || e == 'B')
		e = 'B';
	else if (e == 'q' || e == 'Q')
		e = 'Q';
	else
		return 0;
	size_t t = i + 3, j = t;
	/* Text ends at "?="; it may not contain white space. */
	while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '=')) {
		if (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')
			return 0;
		j++;
	}
	if (j + 1 >= n)
		return 0;
	size_t k = 0;
	for (size_t q = 2; q < 2 + cs && s[q] != '*' && k + 1 < csn; q++)
		charset[k++] = s[q];
	charset[k] = '\0';
	*enc = e;
	*text = s + t;
	*textn = j - t;
	return j + 2;
}

struct dec {
	struct mh_buf raw; /* decoded bytes of the current run of words */
	char cs[40];       /* their charset */
	unsigned *flags;
	struct mh_buf *out;
};

static int flush(struct dec *d)
{
	if (!d->raw.len)
		return MH_OK;
	int rc = mh_charset_to_utf8(d->cs, d->raw.p, d->raw.len, d->out);
	if (rc == MH_ENOTFOUND) {
		if (d->flags)
			*d->flags |= MH_2047_CHARSET;
		rc = mh_charset_to_utf8("windows-1252", d->raw.p, d->raw.len,
		                        d->out);
		if (rc == MH_ENOTFOUND || mh_utf8_valid(d->raw.p, d->raw.len))
			rc = mh_utf8_sanitize(d->raw.p, d->raw.len, d->out);
	}
	mh_buf_reset(&d->raw);
	return rc;
}

static int add_text(struct dec *d, const char *s, size_t n,
                    const char *fallback)
{
	int rc = flush(d);
	if (rc || !n)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) {
			if (d->flags)
				*d->flags |= MH_2047_RAW8BIT;
			if (mh_utf8_valid(s, n))
				return mh_buf_add(d->out, s, n);
			rc = mh_charset_to_utf8(fallback, s, n, d->out);
			if (rc == MH_ENOTFOUND)
				rc = mh_utf8_sanitize(s, n, d->out);
			return rc;
		}
	return mh_utf8_sanitize(s, n, d->out);
}

int mh_rfc2047_decode(struct mh_slice in, const char *fallback_charset,
                      struct mh_buf *out, unsigned *flags)
{
	const char *fb = fallback_charset ? fallback_charset : "windows-1252";
	struct dec d;
	const char *s = in.p, *end = in.p + in.n;
	const char *lit = s; /* start of pending literal text */
	int last_ew = 0, rc = MH_OK;

	memset(&d, 0, sizeof(d));
	mh_buf_init(&d.raw, out->cap);
	d.flags = flags;
	d.out = out;
	while (s < end) {
		const char *q = memchr(s, '=', (size_t)(end - s));
		if (!q || q + 1 >= end)
			break;
		if (q[1] != '?') {
			s = q + 1;
			continue;
		}
		char cs[40], enc;
		const char *text;
		size_t textn;
		size_t len = parse_ew(q, (size_t)(end - q), cs, sizeof(cs),
		                      &enc, &text, &textn);
		if (!len) {
			if (flags)
				*flags |= MH_2047_BROKEN;
			s = q + 2;
			continue;
		}
		/* Text between two words that is only white space goes. */
		int only_ws = 1;
		for (const char *p = lit; p < q; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				only_ws = 0;
		if (!(last_ew && only_ws)) {
			rc = add_text(&d, lit, (size_t)(q - lit), fb);
			if (rc)
				goto done;
		}
		char csl[40];
		size_t k = 0;
		for (; cs[k] && k + 1 < sizeof(csl); k++)
			csl[k] = (cs[k] >= 'A' && cs[k] <= 'Z')
			                 ? (char)(cs[k] | 0x20)
			                 : cs[k];
		csl[k] = '\0';
		if (d.raw.len && strcmp(csl, d.cs) != 0) {
			rc = flush(&d);
			if (rc)
				goto done;
		}
		memcpy(d.cs, csl, k + 1);
		int bad = enc == 'B' ? decode_b(text, textn, &d.raw, &rc)
		                     : decode_q(text, textn, &d.raw, &rc);
		if (rc)
			goto done;
		if (bad && flags)
			*flags |= MH_2047_BROKEN;
		last_ew = 1;
		s = q + len;
		lit = s;
	}
	rc = add_text(&d, lit, (size_t)(end - lit), fb);
done:
	if (!rc)
		rc = flush(&d);
	mh_buf_release(&d.raw);
	return rc;
}
