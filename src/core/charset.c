/* charset.c - MIME charset labels to UTF-8 through iconv.
 *
 * Labels come from hostile input, so they are normalised (lower case,
 * RFC 2231 "*lang" dropped, quotes and blanks trimmed) and must consist
 * of [a-z0-9._:+()-] before anything reaches iconv_open: no "//IGNORE"
 * or "//TRANSLIT" suffixes, no paths. UTF-8, US-ASCII and ISO-8859-1 never
 * touch iconv. Other handles are cached per thread (iconv_t is not
 * thread-safe) and closed by a thread-exit destructor.
 */
#include "core/charset.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

#define CACHE_SLOTS  8
#define NAME_MAX_LEN 48

enum kind { K_UNKNOWN, K_UTF8, K_LATIN1, K_ICONV };

struct slot {
	char name[NAME_MAX_LEN];
	iconv_t cd;    /* (iconv_t)-1 when iconv does not know the name */
	unsigned used; /* last use tick, for eviction */
};

static _Thread_local struct slot cache[CACHE_SLOTS];
static _Thread_local unsigned tick;
static _Thread_local int registered;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_ok;

static void thread_exit(void *unused)
{
	(void)unused;
	mh_charset_thread_cleanup();
}

static void make_key(void)
{
	key_ok = pthread_key_create(&key, thread_exit) == 0;
}

/* Lower-cased label in out (size NAME_MAX_LEN); 0 when it cannot name a
 * charset. */
static int norm(const char *s, size_t n, char *out)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'')) {
		s++;
		n--;
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '*') /* RFC 2231 language suffix */
			break;
		if (c == '"' || c == '\'' || c == ' ' || c == '\t')
			break;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c | 0x20);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':' ||
		      c == '+' || c == '(' || c == ')'))
			return 0;
		if (j + 1 >= NAME_MAX_LEN)
			return 0;
		out[j++] = c;
	}
	out[j] = '\0';
	return j > 0;
}

static int in_list(const char *n, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(n, *list))
			return 1;
	return 0;
}

/* Classify a normalised label; *iconv_name gets the name for iconv. */
static enum kind classify(const char *n, const char **iconv_name)
{
	static const char *const utf8[] = {"utf-8",
	                                   "utf8",
	                                   "unicode-1-1-utf-8",
	                                   "x-unicode20utf8",
	                                   "us-ascii",
	                                   "ascii",
	                                   "ansi_x3.4-1968",
	                                   "iso646-us",
	                                   "us",
	                                   "646",
	                                   "cp367",
	                                   "ibm367",
	                                   "csascii",
	                                   "iso-ir-6",
	                                   "x-ascii",
	                                   NULL};
	static const char *const latin1[] = {
	        "iso-8859-1",      "iso8859-1",       "iso_8859-1",
	        "latin1",          "latin-1",         "l1",
	        "iso_8859-1:1987", "cp819",           "ibm819",
	        "iso-ir-100",      "csisolatin1",     "iso8859_1",
	        "8859-1",          "iso-8859-1:1987", NULL};
	/* Labels that name no charset: the caller's fallback applies. */
	static const char *const unknown[] = {
	        "x-unknown", "unknown-8bit", "unknown", "x-user-defined",
	        "8bit",      "7bit",         "binary",  "default",
	        "none",      "charset",      "null",    "x-binaryenc",
	        "iso",       "text",         "plain",   NULL};
	static const struct {
		const char *from, *to;
	} alias[] = {
	        {"ks_c_5601-1987", "CP949"},
	        {"ks_c_5601", "CP949"},
	        {"ks_c_5601-1989", "CP949"},
	        {"ksc5601", "CP949"},
	        {"ksc_5601", "CP949"},
	        {"euc-kr", "CP949"},
	        {"euckr", "CP949"},
	        {"x-euc-kr", "CP949"},
	        {"korean", "CP949"},
	        {"gb2312", "GB18030"},
	        {"gb_2312-80", "GB18030"},
	        {"gb_2312", "GB18030"},
	        {"csgb2312", "GB18030"},
	        {"euc-cn", "GB18030"},
	        {"euccn", "GB18030"},
	        {"x-euc-cn", "GB18030"},
	        {"chinese", "GB18030"},
	        {"gbk", "GB18030"},
	        {"x-gbk", "GB18030"},
	        {"cp936", "GB18030"},
	        {"ms936", "GB18030"},
	        {"windows-936", "GB18030"},
	        {"big5", "BIG5-HKSCS"},
	        {"x-x-big5", "BIG5-HKSCS"},
	        {"cn-big5", "BIG5-HKSCS"},
	        {"big5-hkscs", "BIG5-HKSCS"},
	        {"cp950", "BIG5-HKSCS"},
	        {"shift-jis", "CP932"},
	        {"shift_jis", "CP932"},
	        {"x-sjis", "CP932"},
	        {"sjis", "CP932"},
	        {"ms_kanji", "CP932"},
	        {"csshiftjis", "CP932"},
	        {"windows-31j", "CP932"},
	        {"cp932", "CP932"},
	        {"x-euc-jp", "EUC-JP-MS"},
	        {"euc-jp", "EUC-JP-MS"},
	        {"iso-2022-jp", "ISO-2022-JP-2"},
	        {"csiso2022jp", "ISO-2022-JP-2"},
	        {"x-mac-cyrillic", "MAC-CYRILLIC"},
	        {"x-mac-ukrainian", "MACUKRAINIAN"},
	        {"x-mac-roman", "MACINTOSH"},
	        {"macintosh", "MACINTOSH"},
	        {"mac", "MACINTOSH"},
	        {"x-mac-ce", "MAC-CENTRALEUROPE"},
	        {"x-mac-centraleurroman", "MAC-CENTRALEUROPE"},
	        {"iso-8859-8-i", "ISO-8859-8"},
	        {"iso-8859-8-e", "ISO-8859-8"},
	        {"iso-8859-6-i", "ISO-8859-6"},
	        {"iso-8859-6-e", "ISO-8859-6"},
	        {"windows-874", "CP874"},
	        {"x-windows-874", "CP874"},
	        {"tis-620", "CP874"},
	        {"iso-8859-11", "CP874"},
	        {"cp-850", "CP850"},
	        {"cp-1252", "CP1252"},
	        {"cp-1251", "CP1251"},
	        {"cp-1250", "CP1250"},
	        {"win-1251", "CP1251"},
	        {"x-cp1250", "CP1250"},
	        {"x-cp1251", "CP1251"},
	        {"x-cp1252", "CP1252"},
	        {"windows-1252", "CP1252"},
	        {"unicode-1-1-utf-7", "UTF-7"},
	        {"x-utf-7", "UTF-7"},
	        {"utf-7", "UTF-7"},
	        {"unicode", "UTF-16"},
	        {"ucs-2", "UTF-16"},
	        {"koi8", "KOI8-R"},
	        {"x-koi8-r", "KOI8-R"},
	        {"koi8r", "KOI8-R"},
	        {"koi8u", "KOI8-U"},
	};
	*iconv_name = n;
	if (in_list(n, utf8))
		return K_UTF8;
	if (in_list(n, latin1))
		return K_LATIN1;
	if (in_list(n, unknown))
		return K_UNKNOWN;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(n, alias[i].from)) {
			*iconv_name = alias[i].to;
			break;
		}
	return K_ICONV;
}

static iconv_t lookup(const char *name, const char *iconv_name)
{
	unsigned oldest = 0;
	/* An empty label marks a free slot: never cache it. */
	if (!name[0])
		return (iconv_t)-1;
	if (!registered) {
		pthread_once(&key_once, make_key);
		if (key_ok)
			pthread_setspecific(key, cache);
		registered = 1;
	}
	tick++;
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].name[0] && !strcmp(cache[i].name, name)) {
			cache[i].used = tick;
			return cache[i].cd;
		}
		if (cache[i].used < cache[oldest].used)
			oldest = i;
	}
	struct slot *s = &cache[oldest];
	if (s->name[0] && s->cd != (iconv_t)-1)
		iconv_close(s->cd);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->cd = iconv_open("UTF-8", iconv_name);
	s->used = tick;
	return s->cd;
}

void mh_charset_thread_cleanup(void)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].name[0] && cache[i].cd != (iconv_t)-1)
			iconv_close(cache[i].cd);
		cache[i].name[0] = '\0';
		cache[i].cd = (iconv_t)-1;
		cache[i].used = 0;
	}
}

static int latin1(const char *p, size_t n, struct mh_buf *out)
{
	if (n > ((size_t)-1) / 2)
		return MH_ETOOBIG;
	int rc = mh_buf_reserve(out, n * 2);
	if (rc)
		return rc;
	char *o = out->p + out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x80) {
			*o++ = (char)c;
		} else {
			*o++ = (char)(0xc0 | (c >> 6));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	out->len = (size_t)(o - out->p);
	out->p[out->len] = '\0';
	return MH_OK;
}

static int utf8(const char *p, size_t n, struct mh_buf *out, size_t *nbad)
{
	if (mh_utf8_valid(p, n))
		return mh_buf_add(out, p, n);
	int rc = mh_utf8_sanitize(p, n, out);
	if (!rc && nbad)
		(*nbad)++;
	return rc;
}

static int via_iconv(iconv_t cd, const char *p, size_t n, struct mh_buf *out,
                     size_t *nbad)
{
	char tmp[4096];
	char *in = (char *)p; /* iconv's API is not const-correct */
	size_t inleft = n;
	size_t before = out->len;
	int rc = MH_OK;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		char *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		rc = mh_utf8_sanitize(tmp, sizeof(tmp) - oleft, out);
		if (rc)
			goto fail;
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		/* EILSEQ: one replacement, skip one byte, keep the shift
		 * state (ISO-2022-JP stays in its current set). EINVAL: the
		 * input ends inside a sequence. */
		rc = mh_buf_add(out, "\xef\xbf\xbd", 3);
		if (rc)
			goto fail;
		if (nbad)
			(*nbad)++;
		if (e != EILSEQ)
			break;
		in++;
		inleft--;
	}
	/* Return to the initial shift state; may emit nothing for UTF-8. */
	char *o = tmp;
	size_t oleft = sizeof(tmp);
	iconv(cd, NULL, NULL, &o, &oleft);
	rc = mh_utf8_sanitize(tmp, sizeof(tmp) - oleft, out);
	if (!rc)
		return MH_OK;
fail:
	/* All or nothing: drop what this call appended. */
	mh_buf_truncate(out, before);
	return rc;
}

int mh_charset_convert(const char *label, size_t label_len, const char *p,
                       size_t n, struct mh_buf *out, size_t *nbad)
{
	char name[NAME_MAX_LEN];
	const char *iname;

	if (nbad)
		*nbad = 0;
	if (!label || !norm(label, label_len, name))
		return MH_ENOTFOUND;
	switch (classify(name, &iname)) {
	case K_UNKNOWN: return MH_ENOTFOUND;
	case K_UTF8: return utf8(p, n, out, nbad);
	case K_LATIN1: return latin1(p, n, out);
	case K_ICONV: break;
	}
	iconv_t cd = lookup(name, iname);
	if (cd == (iconv_t)-1)
		return MH_ENOTFOUND;
	return via_iconv(cd, p, n, out, nbad);
}

int mh_charset_to_utf8(const char *charset, const char *p, size_t n,
                       struct mh_buf *out)
{
	return mh_charset_convert(charset, charset ? strlen(charset) : 0, p, n,
	                          out, NULL);
}

int mh_charset_known(const char *label, size_t label_len)
{
	char name[NAME_MAX_LEN];
	const char *iname;
	if (!label || !norm(label, label_len, name))
		return 0;
	switch (classify(name, &iname)) {
	case K_UNKNOWN: return 0;
	case K_UTF8:
	case K_LATIN1: return 1;
	case K_ICONV: break;
	}
	return lookup(name, iname) != (iconv_t)-1;
}
