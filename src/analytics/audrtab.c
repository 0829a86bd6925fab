/* audrtab.c - the tables of the remote-collection analytic: Microsoft
 * first-party application ids (audapp.def), the words of secrets and of
 * security mail (audsecret.def), the scopes that read mail (audscope.def),
 * and the matching rules of each (audremote.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audragg.h"
#include "analytics/audremote.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "finding/finding.h"

/* MARK: - tables */

static const struct app {
	const char *id, *name;
} apps[] = {
#define AUD_APP(id, name) {id, name},
#include "analytics/audapp.def"
#undef AUD_APP
};

enum { Q_SEARCH = MH_AUDR_Q_SEARCH, Q_SUBJECT = MH_AUDR_Q_SUBJECT };
enum { M_PREFIX, M_WORD };

static const struct secret {
	const char *w;
	int cls, m;
} secrets[] = {
#define AUD_SECRET(w, c, m, lang) {w, c, m},
#include "analytics/audsecret.def"
#undef AUD_SECRET
};

static const struct scope {
	const char *s, *src;
} scopes[] = {
#define AUD_SCOPE(s, src) {s, src},
#include "analytics/audscope.def"
#undef AUD_SCOPE
};

/* slice s against NUL-terminated lower-case b, s folded (ASCII). */
static int icmp_sz(struct mh_slice s, const char *b)
{
	size_t i = 0;
	for (; i < s.n && b[i]; i++) {
		int d = mh_audr_lc((unsigned char)s.p[i]) - (unsigned char)b[i];
		if (d)
			return d;
	}
	if (i < s.n)
		return 1;
	return b[i] ? -1 : 0;
}

const char *mh_audr_first_party(struct mh_slice id)
{
	id = mh_slice_trim(id);
	size_t lo = 0, hi = sizeof(apps) / sizeof(apps[0]);
	if (!id.p || !id.n)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = icmp_sz(id, apps[mid].id);
		if (!c)
			return apps[mid].name;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Fold text into out (ASCII and the UTF-8 Latin-1 capitals C3 80-9E but
 * C3 97): the words of audsecret.def are lower case. Returns the length
 * (text past cap bytes is not looked at). */
static size_t fold(struct mh_slice t, char *out, size_t cap)
{
	size_t n = t.n < cap ? t.n : cap, k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t.p[i];
		if (c == 0xc3 && i + 1 < n) {
			unsigned char d = (unsigned char)t.p[i + 1];
			out[k++] = (char)c;
			out[k++] = (char)(d >= 0x80 && d <= 0x9e && d != 0x97
			                          ? d + 0x20
			                          : d);
			i++;
			continue;
		}
		out[k++] = (char)mh_audr_lc(c);
	}
	return k;
}

static int wordch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

const char *mh_audr_secret(struct mh_slice text, int cls)
{
	char f[2048] = {0};
	if (!text.p || !text.n)
		return NULL;
	size_t n = fold(text, f, sizeof(f));
	for (size_t w = 0; w < sizeof(secrets) / sizeof(secrets[0]); w++) {
		const struct secret *s = &secrets[w];
		if (!(s->cls & cls))
			continue;
		size_t wl = strlen(s->w);
		for (size_t i = 0; i + wl <= n; i++) {
			if (f[i] != s->w[0] || memcmp(f + i, s->w, wl) != 0)
				continue;
			if (i && wordch((unsigned char)f[i - 1]))
				continue;
			if (s->m == M_WORD && i + wl < n &&
			    wordch((unsigned char)f[i + wl]))
				continue;
			return s->w;
		}
	}
	return NULL;
}

static int scope_delim(unsigned char c)
{
	return c <= ' ' || c == ',' || c == ';' || c == '"' || c == '\'' ||
	       c == '[' || c == ']' || c == '(' || c == ')' || c == '{' ||
	       c == '}';
}

const char *mh_audr_scope(struct mh_slice t, size_t *pos)
{
	size_t i = *pos;
	while (t.p && i < t.n) {
		while (i < t.n && scope_delim((unsigned char)t.p[i]))
			i++;
		size_t b = i;
		while (i < t.n && !scope_delim((unsigned char)t.p[i]))
			i++;
		if (i == b)
			break;
		struct mh_slice tok = mh_slice_make(t.p + b, i - b);
		for (size_t k = 0; k < sizeof(scopes) / sizeof(scopes[0]); k++)
			if (mh_audr_ieq(tok, scopes[k].s)) {
				*pos = i;
				return scopes[k].s;
			}
	}
	*pos = t.n;
	return NULL;
}
