#include "core/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

#define CACHE_SLOTS 8

struct slot {
	char name[40];
	iconv_t cd;    /* (iconv_t)-1 when the charset is unknown */
	unsigned used; /* last use tick, for eviction */
};

static _Thread_local struct slot cache[CACHE_SLOTS];
static _Thread_local unsigned tick;

/* Lower-case copy of label without surrounding space/quotes. */
static void norm(const char *label, char *out, size_t n)
{
	size_t j = 0;
	while (*label == ' ' || *label == '"' || *label == '\'')
		label++;
	for (; *label && j + 1 < n; label++) {
		char c = *label;
		if (c == '"' || c == '\'' || c == ' ')
			break;
		out[j++] = (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
	}
	out[j] = '\0';
}

/* Map mail-world labels to names glibc's iconv knows. */
static const char *alias(const char *n)
{
	static const struct {
		const char *from, *to;
	} a[] = {
	        {"utf8", "UTF-8"},
	        {"latin1", "ISO-8859-1"},
	        {"latin-1", "ISO-8859-1"},
	        {"ks_c_5601-1987", "CP949"},
	        {"ks_c_5601", "CP949"},
	        {"euc-kr", "CP949"},
	        {"gb2312", "GB18030"},
	        {"gbk", "GB18030"},
	        {"x-gbk", "GB18030"},
	        {"cp-850", "CP850"},
	        {"x-mac-cyrillic", "MAC-CYRILLIC"},
	        {"x-mac-roman", "MACINTOSH"},
	        {"macintosh", "MACINTOSH"},
	        {"iso-8859-8-i", "ISO-8859-8"},
	        {"shift-jis", "SHIFT_JIS"},
	        {"x-sjis", "SHIFT_JIS"},
	        {"ansi_x3.4-1968", "ASCII"},
	        {"us-ascii", "ASCII"},
	        {"ascii", "ASCII"},
	        {"unicode-1-1-utf-7", "UTF-7"},
	};
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (!strcmp(n, a[i].from))
			return a[i].to;
	return n;
}

static iconv_t lookup(const char *name)
{
	unsigned oldest = 0;
	tick++;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].name[0] && !strcmp(cache[i].name, name)) {
			cache[i].used = tick;
			return cache[i].cd;
		}
		if (cache[i].used < cache[oldest].used)
			oldest = (unsigned)i;
	}
	struct slot *s = &cache[oldest];
	if (s->name[0] && s->cd != (iconv_t)-1)
		iconv_close(s->cd);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->cd = iconv_open("UTF-8", alias(name));
	s->used = tick;
	return s->cd;
}

void mh_charset_thread_cleanup(void)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].name[0] && cache[i].cd != (iconv_t)-1)
			iconv_close(cache[i].cd);
		cache[i].name[0] = '\0';
		cache[i].used = 0;
	}
}

static int latin1(const char *p, size_t n, struct mh_buf *out)
{
	int rc = mh_buf_reserve(out, n * 2);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x80) {
			out->p[out->len++] = (char)c;
		} else {
			out->p[out->len++] = (char)(0xc0 | (c >> 6));
			out->p[out->len++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out->p[out->len] = '\0';
	return MH_OK;
}

int mh_charset_to_utf8(const char *charset, const char *p, size_t n,
                       struct mh_buf *out)
{
	char name[40];
	norm(charset ? charset : "", name, sizeof(name));
	if (!strcmp(name, "utf-8") || !strcmp(name, "utf8") ||
	    !strcmp(name, "us-ascii") || !strcmp(name, "ascii"))
		return mh_utf8_sanitize(p, n, out);
	if (!strcmp(name, "iso-8859-1") || !strcmp(name, "latin1"))
		return latin1(p, n, out);
	iconv_t cd = lookup(name);
	if (cd == (iconv_t)-1)
		return MH_ENOTFOUND;
	iconv(cd, NULL, NULL, NULL, NULL);

	char tmp[1024];
	char *in = (char *)p; /* iconv's API is not const-correct */
	size_t inleft = n;
	while (inleft > 0) {
		char *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		int rc = mh_utf8_sanitize(tmp, sizeof(tmp) - oleft, out);
		if (rc)
			return rc;
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated sequence): one replacement
		 * character, skip one byte, start over with a clean state. */
		rc = mh_buf_add(out, "\xef\xbf\xbd", 3);
		if (rc)
			return rc;
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* Flush shift states (ISO-2022-JP). */
	char *o = tmp;
	size_t oleft = sizeof(tmp);
	iconv(cd, NULL, NULL, &o, &oleft);
	return mh_utf8_sanitize(tmp, sizeof(tmp) - oleft, out);
}
