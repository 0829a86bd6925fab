/* fwdlang.c - subject prefixes and body separators of forwarded mail, as
 * mail clients write them in the languages of docs/FORWARDING.md.
 *
 * Sources for the tables: the strings Outlook, Gmail, Thunderbird and
 * Apple Mail put into forwards and replies in each language. Where a
 * prefix means "forward" in one language and "reply" in another ("VS" is
 * Danish/Norwegian videresend but Finnish vastaus), the forward reading
 * wins: looking forwarded only lowers suspicion in the ratio heuristic.
 */
#include "analytics/fwdlang.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "analytics/fwdscan.h"
#include "core/utf8.h"

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* MARK: - subject */

/* Forward prefixes, lower case: en Fwd/Fw, de WG/Wtr, fr TR, it I/Inoltro,
 * es RV/Reenv, pt ENC/Encam, nl Doorst, da/no VS/Videresend, sv VB/Vb,
 * fi VL/Edelleenl, pl PD/Przek. */
static const char *const fwd_words[] = {
        "fwd",     "fw",         "fwds",
        "wg",      "wtr",        "weitergeleitet",
        "tr",      "trans",      "i",
        "inoltro", "inol",       "rv",
        "reenv",   "reenviar",   "enc",
        "encam",   "doorst",     "doorgest",
        "vs",      "videresend", "vb",
        "vl",      "edelleenl",  "vidarebefordrat",
        "pd",      "przek",      NULL,
};

/* Reply prefixes, skipped so that "Re: Fwd:" and "AW: WG:" are seen:
 * en Re, de AW/Antw, fr RE/Réf (ASCII part only), it R/RIF, es RE/Resp,
 * pt RES/Resp, nl Antw, sv/da/no SV, fi Vast, pl Odp, tr YNT, lv ATB. */
static const char *const reply_words[] = {
        "re", "aw",   "antw", "ref", "r",   "rif", "res", "resp",
        "sv", "vast", "odp",  "ynt", "atb", "ha",  NULL,
};

static int word_in(const char *w, size_t n, const char *const *set)
{
	for (size_t i = 0; set[i]; i++) {
		const char *t = set[i];
		size_t k = 0;
		while (k < n && t[k] && lc((unsigned char)w[k]) == t[k])
			k++;
		if (k == n && t[k] == '\0')
			return 1;
	}
	return 0;
}

static int is_space(const char *s, size_t n, size_t i, size_t *len)
{
	if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		*len = 1;
		return 1;
	}
	/* U+00A0 no-break space, as some clients write after the colon. */
	if ((unsigned char)s[i] == 0xc2 && i + 1 < n &&
	    (unsigned char)s[i + 1] == 0xa0) {
		*len = 2;
		return 1;
	}
	return 0;
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
	size_t l;
	while (i < n && is_space(s, n, i, &l))
		i += l;
	return i;
}

/* At s[i]: a prefix word with optional counter and a colon. On success
 * returns 1 with the word span and *end after the colon. */
static int prefix_at(const char *s, size_t n, size_t i, size_t *w, size_t *wn,
                     size_t *end)
{
	size_t b = i;
	while (i < n && is_alpha((unsigned char)s[i]))
		i++;
	if (i == b || i - b > 16)
		return 0;
	*w = b;
	*wn = i - b;
	/* Counters: "Fwd[2]:", "Re(3):", "Re^2:". */
	if (i < n && (s[i] == '[' || s[i] == '(' || s[i] == '^')) {
		char close = s[i] == '[' ? ']' : s[i] == '(' ? ')' : '\0';
		size_t j = i + 1;
		while (j < n && j - i <= 4 && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j > i + 1) {
			if (!close)
				i = j;
			else if (j < n && s[j] == close)
				i = j + 1;
		}
	}
	/* "TR :" (French typography) and no-break spaces before the colon. */
	i = skip_space(s, n, i);
	if (i < n && s[i] == ':') {
		*end = i + 1;
		return 1;
	}
	if (i + 2 < n && (unsigned char)s[i] == 0xef &&
	    (unsigned char)s[i + 1] == 0xbc &&
	    (unsigned char)s[i + 2] == 0x9a) {
		*end = i + 3; /* U+FF1A full-width colon */
		return 1;
	}
	return 0;
}

static int ends_with_fwd_tag(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	             s[n - 1] == '\n'))
		n--;
	if (n < 5)
		return 0;
	const char *t = s + n - 5;
	return t[0] == '(' && lc((unsigned char)t[1]) == 'f' &&
	       lc((unsigned char)t[2]) == 'w' &&
	       lc((unsigned char)t[3]) == 'd' && t[4] == ')';
}

int mh_fwdlang_subject(const char *s, size_t n)
{
	size_t i = 0, w, wn, end;
	if (!s)
		return 0;
	/* Each round consumes at least one byte; the bound only limits the
	 * work on hostile "Re: Re: Re: ..." chains. */
	for (int round = 0; round < 16; round++) {
		i = skip_space(s, n, i);
		if (i >= n)
			return 0;
		if (s[i] == '[') {
			/* "[list-name]" tag, or Netscape's "[Fwd: subject]". */
			size_t j = skip_space(s, n, i + 1);
			if (j < n && prefix_at(s, n, j, &w, &wn, &end) &&
			    word_in(s + w, wn, fwd_words))
				return 1;
			const char *e = memchr(s + i, ']', n - i);
			if (!e || (size_t)(e - s) - i > 80)
				break;
			i = (size_t)(e - s) + 1;
			continue;
		}
		if (!prefix_at(s, n, i, &w, &wn, &end))
			break;
		if (word_in(s + w, wn, fwd_words))
			return 1;
		if (!word_in(s + w, wn, reply_words))
			break;
		i = end;
	}
	return ends_with_fwd_tag(s, n);
}

/* MARK: - separator lines */

/* Lower case, UTF-8, without the dashes around them. */
static const char *const separators[] = {
        /* en: Gmail, Thunderbird, Outlook, Apple Mail */
        "forwarded message",
        "original message",
        "begin forwarded message",
        /* de */
        "weitergeleitete nachricht",
        "urspr\xc3\xbcngliche nachricht",
        "anfang der weitergeleiteten nachricht",
        /* fr */
        "message transf\xc3\xa9r\xc3\xa9",
        "message d'origine",
        "message original",
        "d\303\251but du message r\303\251exp\303\251di\303\251",
        /* it */
        "messaggio inoltrato",
        "messaggio originale",
        "inizio messaggio inoltrato",
        /* es */
        "mensaje reenviado",
        "mensaje original",
        "inicio del mensaje reenviado",
        /* pt */
        "mensagem encaminhada",
        "mensagem original",
        "mensagem reencaminhada",
        "in\303\255cio da mensagem reencaminhada",
        /* nl */
        "doorgestuurd bericht",
        "oorspronkelijk bericht",
        "origineel bericht",
        "begin doorgestuurd bericht",
        /* da */
        "videresendt meddelelse",
        "videresendt besked",
        "oprindelig meddelelse",
        "original meddelelse",
        /* no */
        "videresendt melding",
        "opprinnelig melding",
        "original melding",
        /* sv */
        "vidarebefordrat meddelande",
        "vidarebefordrat brev",
        "ursprungligt meddelande",
        /* fi */
        "v\xc3\xa4litetty viesti",
        "alkuper\xc3\xa4inen viesti",
        "edelleenl\xc3\xa4hetetty viesti",
        /* pl */
        "przekazana wiadomo\xc5\x9b\xc4\x87",
        "wiadomo\xc5\x9b\xc4\x87 przekazana",
        "oryginalna wiadomo\xc5\x9b\xc4\x87",
        "wiadomo\xc5\x9b\xc4\x87 oryginalna",
        NULL,
};

/* Single-byte encodings of the non-ASCII letters in the table, for bodies
 * in ISO-8859-1/-2 or windows-1250 (lower and upper case). */
struct legacy {
	uint32_t cp;
	unsigned char b[4];
};

static const struct legacy legacy[] = {
        {0x015b, {0xb6, 0x9c, 0xa6, 0x8c}}, /* s acute: 8859-2, cp1250 */
        {0x0107, {0xe6, 0xc6, 0, 0}},       /* c acute */
};

static uint32_t upper_cp(uint32_t cp)
{
	if (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7)
		return cp - 0x20;
	if (cp >= 0x100 && cp <= 0x17f && (cp & 1))
		return cp - 1;
	return cp;
}

static int utf8_is(const unsigned char *s, size_t n, size_t i, uint32_t cp)
{
	return i + 1 < n && s[i] == (unsigned char)(0xc0 | (cp >> 6)) &&
	       s[i + 1] == (unsigned char)(0x80 | (cp & 0x3f));
}

/* Match one non-ASCII table letter at s[i]; returns bytes consumed or 0. */
static size_t match_letter(const unsigned char *s, size_t n, size_t i,
                           uint32_t cp)
{
	uint32_t up = upper_cp(cp);
	if (utf8_is(s, n, i, cp) || utf8_is(s, n, i, up))
		return 2;
	if (cp <= 0xff && (s[i] == cp || s[i] == up))
		return 1;
	for (size_t k = 0; k < sizeof(legacy) / sizeof(legacy[0]); k++)
		if (legacy[k].cp == cp)
			for (size_t j = 0; j < 4; j++)
				if (legacy[k].b[j] && s[i] == legacy[k].b[j])
					return 1;
	return 0;
}

/* Whitespace inside a line: space, tab, no-break space (UTF-8 or 0xa0). */
static size_t line_space(const unsigned char *s, size_t n, size_t i)
{
	if (s[i] == ' ' || s[i] == '\t' || s[i] == 0xa0)
		return 1;
	if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0xa0)
		return 2;
	return 0;
}

/* Apostrophe: ASCII, U+2019 in UTF-8, or 0x92 in windows-1252. */
static size_t apostrophe(const unsigned char *s, size_t n, size_t i)
{
	if (s[i] == '\'' || s[i] == 0x92)
		return 1;
	if (s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x99)
		return 3;
	return 0;
}

static int phrase_is(const unsigned char *s, size_t n, const char *phrase)
{
	const unsigned char *p = (const unsigned char *)phrase;
	size_t i = 0;
	while (*p) {
		if (i >= n)
			return 0;
		size_t k;
		if (*p == ' ') {
			if (!(k = line_space(s, n, i)))
				return 0;
			i += k;
			while (i < n && (k = line_space(s, n, i)))
				i += k;
			p++;
			continue;
		}
		if (*p == '\'') {
			if (!(k = apostrophe(s, n, i)))
				return 0;
			i += k;
			p++;
			continue;
		}
		/* The tables are valid UTF-8 (NUL-terminated). */
		size_t pl = mh_utf8_seq(p, strnlen((const char *)p, 4));
		if (!pl)
			return 0;
		uint32_t cp = mh_utf8_cp(p, pl);
		if (cp < 0x80) {
			if (lc(s[i]) != (int)cp)
				return 0;
			i++;
		} else {
			if (!(k = match_letter(s, n, i, cp)))
				return 0;
			i += k;
		}
		p += pl;
	}
	return i == n;
}

static int frame_char(unsigned char c)
{
	return c == '-' || c == '_' || c == '=' || c == '*' || c == '>' ||
	       c == '#' || c == '~';
}

int mh_fwdlang_separator(const char *line, size_t n)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t a = 0, b = n, k;
	if (!line)
		return 0;
	while (b > a &&
	       (s[b - 1] == '\r' || s[b - 1] == ':' || frame_char(s[b - 1]) ||
	        s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == 0xa0))
		b--;
	/* A UTF-8 no-break space at the end leaves its lead byte behind. */
	if (b > a && s[b - 1] == 0xc2 && b < n && s[b] == 0xa0)
		b--;
	while (a < b) {
		if (frame_char(s[a]))
			a++;
		else if ((k = line_space(s, b, a)) != 0)
			a += k;
		else
			break;
	}
	if (b - a < 12 || b - a > 64)
		return 0;
	for (size_t i = 0; separators[i]; i++)
		if (phrase_is(s + a, b - a, separators[i]))
			return 1;
	return 0;
}

/* MARK: - for the body scan */

static size_t tail_max;
static pthread_once_t tail_once = PTHREAD_ONCE_INIT;

static void tail_build(void)
{
	for (size_t i = 0; separators[i]; i++) {
		const char *ph = separators[i];
		size_t len = strlen(ph);
		for (size_t j = 0; j < len; j++) {
			if (!mh_fwdscan_noun_at(ph + j, len - j))
				continue;
			size_t k = 0;
			for (size_t x = j; x < len; x++)
				k += is_alpha((unsigned char)ph[x]) != 0;
			if (k > tail_max)
				tail_max = k;
		}
	}
}

size_t mh_fwdlang_tail_letters(void)
{
	pthread_once(&tail_once, tail_build);
	return tail_max;
}

int mh_fwdlang_tail_byte(unsigned char c)
{
	/* Spaces and the apostrophe of a phrase; what mh_fwdlang_separator
	 * strips at the end: '\r', ':' and the frame characters. */
	return c == ' ' || c == '\t' || c == '\'' || c == '\r' || c == ':' ||
	       frame_char(c);
}
