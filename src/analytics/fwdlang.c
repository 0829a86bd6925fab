/* fwdlang.c - does a message *look* forwarded? Subject prefixes and body
 * separators as MUAs write them in English, German, French, Italian,
 * Spanish, Portuguese, Dutch, the Nordic languages, Finnish and Polish.
 */
#include <stddef.h>
#include <string.h>

#include "analytics/forwarding.h"
#include "core/slice.h"

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

static int word_is(const char *w, size_t n, const char *const *set)
{
	for (size_t i = 0; set[i]; i++) {
		size_t m = strlen(set[i]);
		if (m != n)
			continue;
		size_t k = 0;
		while (k < n && lc((unsigned char)w[k]) == set[i][k])
			k++;
		if (k == n)
			return 1;
	}
	return 0;
}

/* Forward prefixes: en Fwd/Fw, de WG/Wtr, fr TR/Fwd, it I/Inoltro, es
 * RV/Reenv, pt ENC, nl Doorst/Fw, da/no VS/Videresend, sv VB/Vb, fi
 * VL/Edelleenl, pl PD. */
static const char *const fwd_words[] = {
        "fwd",     "fw", "wg",        "wtr", "tr",         "i",
        "inoltro", "rv", "reenv",     "enc", "doorst",     "vs",
        "vb",      "vl", "edelleenl", "pd",  "videresend", "vidarebefordrat",
        "trans",   NULL,
};

/* Reply prefixes, skipped so "Re: Fwd:" and "AW: WG:" are seen. */
static const char *const reply_words[] = {
        "re",  "aw",  "sv",   "antw", "ref", "r",  "rif",
        "res", "odp", "vast", "ynt",  "atb", NULL,
};

int mh_fwd_subject_looks_forwarded(const char *s, size_t n)
{
	size_t i = 0;
	for (int rounds = 0; rounds < 8; rounds++) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < n && s[i] == '[') {
			/* "[list-name]" tag */
			const char *e = memchr(s + i, ']', n - i);
			if (!e || (size_t)(e - s) - i > 64)
				return 0;
			i = (size_t)(e - s) + 1;
			continue;
		}
		size_t w = i;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
		                 (s[i] >= 'A' && s[i] <= 'Z')))
			i++;
		size_t wn = i - w;
		if (!wn || wn > 16)
			return 0;
		/* Optional counter: "Fwd[2]:" "AW(3):" */
		if (i < n && (s[i] == '[' || s[i] == '(')) {
			size_t j = i + 1;
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			if (j < n && (s[j] == ']' || s[j] == ')'))
				i = j + 1;
		}
		while (i < n && s[i] == ' ')
			i++;
		int colon = 0;
		if (i < n && s[i] == ':') {
			colon = 1;
			i++;
		} else if (i + 2 < n && !memcmp(s + i, "\xef\xbc\x9a", 3)) {
			colon = 1; /* full-width colon */
			i += 3;
		}
		if (!colon)
			return 0;
		if (word_is(s + w, wn, fwd_words))
			return 1;
		if (!word_is(s + w, wn, reply_words))
			return 0;
	}
	return 0;
}

/* Lines that introduce a forwarded message, lower-cased, without the
 * dashes around them. */
static const char *const separators[] = {
        "forwarded message",
        "original message",
        "begin forwarded message",
        "weitergeleitete nachricht",
        "urspr\xc3\xbcngliche nachricht",
        "message transf\xc3\xa9r\xc3\xa9",
        "message d'origine",
        "messaggio inoltrato",
        "messaggio originale",
        "mensaje reenviado",
        "mensaje original",
        "mensagem encaminhada",
        "doorgestuurd bericht",
        "oorspronkelijk bericht",
        "videresendt meddelelse",
        "videresendt melding",
        "vidarebefordrat meddelande",
        "ursprungligt meddelande",
        "alkuper\xc3\xa4inen viesti",
        "oprindelig meddelelse",
        "opprinnelig melding",
        "v\xc3\xa4litetty viesti",
        "wiadomo\xc5\x9b\xc4\x87 przekazana",
        NULL,
};

static int line_is_separator(const char *l, size_t n)
{
	/* Strip dashes, spaces, '>' quoting and a trailing ':'. */
	size_t a = 0, b = n;
	while (a < b && (l[a] == '-' || l[a] == ' ' || l[a] == '>' ||
	                 l[a] == '\t' || l[a] == '_' || l[a] == '='))
		a++;
	while (b > a &&
	       (l[b - 1] == '-' || l[b - 1] == ' ' || l[b - 1] == '\r' ||
	        l[b - 1] == ':' || l[b - 1] == '_' || l[b - 1] == '='))
		b--;
	if (b - a < 12 || b - a > 40)
		return 0;
	for (size_t i = 0; separators[i]; i++) {
		size_t m = strlen(separators[i]);
		if (m != b - a)
			continue;
		size_t k = 0;
		while (k < m && lc((unsigned char)l[a + k]) ==
		                        (unsigned char)separators[i][k])
			k++;
		if (k == m)
			return 1;
	}
	return 0;
}

int mh_fwd_body_looks_forwarded(const char *s, size_t n)
{
	struct mh_slice body = mh_slice_make(s, n);
	if (mh_slice_ifind(body, "message/rfc822") != (size_t)-1)
		return 1;
	const char *p = s, *e = s + n;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		if (le - p >= 12 && line_is_separator(p, (size_t)(le - p)))
			return 1;
		p = nl ? nl + 1 : e;
	}
	return 0;
}
