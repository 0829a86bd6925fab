/* addr.c - RFC 5322 3.4 address lists.
 *
 *   address-list = address *("," address)
 *   address      = mailbox / group
 *   mailbox      = name-addr / addr-spec
 *   name-addr    = [display-name] angle-addr
 *   angle-addr   = [CFWS] "<" [obs-route] addr-spec ">" [CFWS]
 *   group        = display-name ":" [group-list] ";" [CFWS]
 *   obs-route    = obs-domain-list ":"   ; "@a,@b:"
 *
 * One pass over the unfolded value. Words of a phrase are collected until
 * the token that says what they were: '<' (display name), ':' (group
 * name), '@' (local part), or ',' ';' end (a lone addr-spec without
 * domain). Tolerated, mostly as GMime's loose mode does (the full list is
 * in docs/VIOLATIONS.md): a missing ',' between addresses, unclosed '<',
 * unclosed quotes and comments, a missing ';' after a group, ';' as a
 * separator, words before an addr-spec without angle brackets (taken as
 * the display name), a comment after a bare addr-spec (taken as the name),
 * encoded words inside quoted strings. Anything else is skipped to the
 * next top-level ','.
 */
#include "mail/addr.h"

#include <string.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/err.h"
#include "core/utf8.h"
#include "mail/rfc2047.h"

enum wtype { W_ATOM, W_QSTR, W_DOT };

struct word {
	const char *s, *e; /* raw span; quoted strings include the quotes */
	unsigned char type;
	unsigned char space;   /* white space before this word */
	unsigned char comment; /* a comment before this word */
	unsigned char closed;  /* quoted string: has its closing quote */
	const char *gap;       /* start of the text between the words */
};

struct ps {
	const char *p, *e;
	struct mh_arena *a;
	struct mh_addr *v;
	size_t n, cap, max, bad;
	const char *group; /* current group name, or NULL */
	size_t group_members;
	struct mh_buf words;       /* struct word[] of the current phrase */
	struct mh_buf t1, t2;      /* name text, decoded name */
	struct mh_buf sp;          /* addr-spec text */
	const char *cmt_s, *cmt_e; /* first comment after a bare addr-spec */
	const char *route_fail;    /* a route scan found no ':' before this */
};

static inline int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Specials of RFC 5322 3.2.3 except '.', plus white space. */
static inline int is_special(char c)
{
	switch (c) {
	case '(':
	case ')':
	case '<':
	case '>':
	case '[':
	case ']':
	case ':':
	case ';':
	case '@':
	case '\\':
	case ',':
	case '"':
	case '.':
	case ' ':
	case '\t':
	case '\r':
	case '\n': return 1;
	default: return 0;
	}
}

/* p at '('; returns the end of the comment (past ')', or e when it is not
 * closed). *cs and *ce get the text inside the outer parentheses. */
static const char *skip_comment(const char *p, const char *e, const char **cs,
                                const char **ce)
{
	int depth = 0;
	const char *start = p + 1;
	while (p < e) {
		if (*p == '\\' && p + 1 < e) {
			p += 2;
			continue;
		}
		if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0) {
			if (cs) {
				*cs = start;
				*ce = p;
			}
			return p + 1;
		}
		p++;
	}
	if (cs) {
		*cs = start;
		*ce = e;
	}
	return e;
}

/* p at '"'; returns the end of the quoted string (past the closing quote,
 * or e when it is not closed). */
static const char *skip_quoted(const char *p, const char *e, int *closed)
{
	p++;
	while (p < e) {
		if (*p == '\\' && p + 1 < e) {
			p += 2;
			continue;
		}
		if (*p == '"') {
			if (closed)
				*closed = 1;
			return p + 1;
		}
		p++;
	}
	if (closed)
		*closed = 0;
	return e;
}

/* Skip white space and comments; flags what was seen. The first comment's
 * text goes to *cs and *ce when cs is not NULL and *cs is still NULL. */
static void skip_cfws(struct ps *s, int *space, int *comment, const char **cs,
                      const char **ce)
{
	while (s->p < s->e) {
		if (is_wsp(*s->p)) {
			s->p++;
			if (space)
				*space = 1;
		} else if (*s->p == '(') {
			const char *a = NULL, *b = NULL;
			s->p = skip_comment(s->p, s->e, &a, &b);
			if (comment)
				*comment = 1;
			if (cs && !*cs) {
				*cs = a;
				*ce = b;
			}
		} else {
			break;
		}
	}
}

/* Skip garbage up to the next top-level ',' (or ';' closing a group),
 * which is left for the caller. */
static void skip_junk(struct ps *s)
{
	s->bad++;
	while (s->p < s->e) {
		char c = *s->p;
		if (c == ',' || (c == ';' && s->group))
			return;
		if (c == '"')
			s->p = skip_quoted(s->p, s->e, NULL);
		else if (c == '(')
			s->p = skip_comment(s->p, s->e, NULL, NULL);
		else if (c == '<') {
			while (s->p < s->e && *s->p != '>')
				s->p++;
		} else
			s->p++;
	}
}

/* Append the text of a phrase (words[i0..i1)) to out: atoms as written,
 * quoted strings without quotes and quoting backslashes, the white space
 * between words as written, a comment between words as one space. */
static int phrase_text(const struct word *w, size_t i0, size_t i1,
                       struct mh_buf *out)
{
	int rc = MH_OK;
	for (size_t i = i0; i < i1 && !rc; i++) {
		if (i > i0 && w[i].comment)
			rc = mh_buf_addc(out, ' ');
		else if (i > i0 && w[i].space)
			rc = mh_buf_add(out, w[i].gap,
			                (size_t)(w[i].s - w[i].gap));
		if (rc)
			break;
		if (w[i].type != W_QSTR) {
			rc = mh_buf_add(out, w[i].s, (size_t)(w[i].e - w[i].s));
			continue;
		}
		const char *p = w[i].s + 1, *e = w[i].e - (w[i].closed ? 1 : 0);
		while (p < e && !rc) {
			const char *bs = memchr(p, '\\', (size_t)(e - p));
			const char *stop = bs ? bs : e;
			rc = mh_buf_add(out, p, (size_t)(stop - p));
			if (!bs || rc)
				break;
			if (bs + 1 < e)
				rc = mh_buf_addc(out, bs[1]);
			p = bs + 2;
		}
	}
	return rc;
}

/* NUL-terminated copy in the arena; a NUL byte inside becomes U+FFFD,
 * since the results are C strings and must not end early. */
static char *dup_cstr(struct mh_arena *a, const char *p, size_t n)
{
	size_t nul = 0;
	for (const char *q = p; (q = memchr(q, '\0', n - (size_t)(q - p))); q++)
		nul++;
	if (!nul)
		return mh_arena_strndup(a, p, n);
	if (n > ((size_t)-1 - 1) / 3)
		return NULL;
	char *r = mh_arena_alloc(a, n + 2 * nul + 1), *o = r;
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			*o++ = p[i];
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	*o = '\0';
	return r;
}

/* Decoded, trimmed copy of text in the arena. */
static char *decode_name(struct ps *s, const char *p, size_t n)
{
	mh_buf_reset(&s->t2);
	if (mh_rfc2047_decode(mh_slice_make(p, n), NULL, &s->t2, NULL) != MH_OK)
		return NULL;
	const char *b = s->t2.p ? s->t2.p : "";
	size_t i = 0, j = s->t2.len;
	while (i < j && is_wsp(b[i]))
		i++;
	while (j > i && is_wsp(b[j - 1]))
		j--;
	return dup_cstr(s->a, b + i, j - i);
}

static char *phrase_name(struct ps *s, size_t i0, size_t i1)
{
	const struct word *w = (const struct word *)(void *)s->words.p;
	mh_buf_reset(&s->t1);
	if (i1 > i0 && phrase_text(w, i0, i1, &s->t1) != MH_OK)
		return NULL;
	return decode_name(s, s->t1.p, s->t1.len);
}

/* Emit one entry. spec is the addr-spec text; 8-bit bytes that are not
 * UTF-8 are read as windows-1252 so that the result is valid UTF-8. */
static int emit(struct ps *s, const char *name, const char *spec, size_t specn)
{
	if (!name)
		return MH_ENOMEM;
	if (s->n >= s->max)
		return MH_ETOOBIG;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		if (nc > s->max)
			nc = s->max;
		struct mh_addr *nv = mh_arena_alloc(s->a, nc * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		if (s->n)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = nc;
	}
	char *addr;
	if (mh_utf8_valid(spec, specn)) {
		addr = dup_cstr(s->a, spec, specn);
	} else {
		struct mh_buf b = MH_BUF_INIT((size_t)-1);
		int rc = mh_charset_to_utf8("windows-1252", spec, specn, &b);
		addr = rc ? NULL : dup_cstr(s->a, mh_buf_cstr(&b), b.len);
		mh_buf_release(&b);
	}
	if (!addr)
		return MH_ENOMEM;
	/* The domain follows the last '@' outside a quoted local part. */
	const char *at = NULL;
	int inq = 0;
	for (const char *c = addr; *c; c++) {
		if (*c == '\\' && inq && c[1])
			c++;
		else if (*c == '"')
			inq = !inq;
		else if (*c == '@' && !inq)
			at = c;
	}
	const char *dom = "";
	if (at) {
		char *d = mh_arena_strndup(s->a, at + 1, strlen(at + 1));
		if (!d)
			return MH_ENOMEM;
		for (char *c = d; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c | 0x20);
		dom = d;
	}
	struct mh_addr *x = &s->v[s->n++];
	x->name = name;
	x->addr = addr;
	x->group = s->group;
	x->domain = dom;
	if (s->group)
		s->group_members++;
	return MH_OK;
}

static int add_word(struct ps *s, const char *ws, const char *we, int type,
                    int space, int comment, const char *gap)
{
	struct word w = {ws,
	                 we,
	                 (unsigned char)type,
	                 (unsigned char)space,
	                 (unsigned char)comment,
	                 0,
	                 gap};
	return mh_buf_add(&s->words, &w, sizeof(w));
}

/* The addr-spec inside "<...>", s->p just past '<'. Comments and blanks
 * go; an obsolete route "@a,@b:" goes; the text stops at '>', or at ','
 * ';' or the end when '>' is missing. */
static int angle_spec(struct ps *s)
{
	mh_buf_reset(&s->sp);
	int rc = MH_OK, route = 0, blank = 0;
	while (s->p < s->e && !rc) {
		char c = *s->p;
		if (c == '>') {
			s->p++;
			break;
		}
		/* "<junk a@b>": words apart with no '@' yet, the last one
		 * starts the address. */
		if (blank && s->sp.len && !is_special(c) && !route &&
		    !memchr(s->sp.p, '@', s->sp.len) &&
		    s->sp.p[s->sp.len - 1] != '.') {
			mh_buf_reset(&s->sp);
			s->bad++;
		}
		blank = 0;
		if (is_wsp(c)) {
			s->p++;
			blank = 1;
		} else if (c == '(') {
			s->p = skip_comment(s->p, s->e, NULL, NULL);
		} else if (c == '"') {
			const char *q = skip_quoted(s->p, s->e, NULL);
			rc = mh_buf_add(&s->sp, s->p, (size_t)(q - s->p));
			s->p = q;
		} else if (c == '[') {
			const char *q =
			        memchr(s->p, ']', (size_t)(s->e - s->p));
			q = q ? q + 1 : s->e;
			rc = mh_buf_add(&s->sp, s->p, (size_t)(q - s->p));
			s->p = q;
		} else if (c == '@' && s->sp.len == 0) {
			route = 1;
			rc = mh_buf_addc(&s->sp, c);
			s->p++;
		} else if (c == ',' && route) {
			rc = mh_buf_addc(&s->sp, c);
			s->p++;
		} else if (c == ':' && route) {
			/* End of the route: drop it. */
			mh_buf_reset(&s->sp);
			route = 0;
			s->p++;
		} else if (c == ',' || c == ';' || c == '<') {
			break; /* unclosed angle */
		} else {
			rc = mh_buf_addc(&s->sp, c);
			s->p++;
		}
	}
	return rc;
}

/* Parse a domain after '@' into sp (appended): dot-atom with CFWS around
 * dots, or a domain literal. Returns 1 when one was found. */
static int domain(struct ps *s, int *rc)
{
	int found = 0;
	skip_cfws(s, NULL, NULL, NULL, NULL);
	if (s->p < s->e && *s->p == '[') {
		const char *q = memchr(s->p, ']', (size_t)(s->e - s->p));
		q = q ? q + 1 : s->e;
		*rc = mh_buf_add(&s->sp, s->p, (size_t)(q - s->p));
		s->p = q;
		return 1;
	}
	for (;;) {
		const char *a = s->p;
		while (s->p < s->e && !is_special(*s->p))
			s->p++;
		if (s->p > a) {
			*rc = mh_buf_add(&s->sp, a, (size_t)(s->p - a));
			found = 1;
			if (*rc)
				return found;
		}
		const char *save = s->p;
		skip_cfws(s, NULL, NULL, NULL, NULL);
		if (s->p < s->e && *s->p == '.') {
			s->p++;
			skip_cfws(s, NULL, NULL, NULL, NULL);
			if (s->p < s->e && !is_special(*s->p)) {
				*rc = mh_buf_addc(&s->sp, '.');
				if (*rc)
					return found;
				continue;
			}
			/* "a@b." : the trailing dot goes (as GMime). */
			return found;
		}
		s->p = save;
		return found;
	}
}

/* First word of the local part that ends the phrase: words chained by
 * dots (or glued without blanks) from the end back. */
static size_t local_start(const struct word *w, size_t n)
{
	size_t i = n;
	while (i > 0) {
		i--;
		if (i == 0)
			break;
		if (w[i].type == W_DOT || w[i - 1].type == W_DOT ||
		    (!w[i].space && !w[i].comment))
			continue;
		break;
	}
	return i;
}

/* Text of words[i0..n) without blanks (an addr-spec as written). */
static int spec_text(const struct word *w, size_t i0, size_t n,
                     struct mh_buf *out)
{
	int rc = MH_OK;
	for (size_t i = i0; i < n && !rc; i++)
		rc = mh_buf_add(out, w[i].s, (size_t)(w[i].e - w[i].s));
	return rc;
}

/* After an address: skip CFWS, then take one separator. */
static void after_address(struct ps *s)
{
	skip_cfws(s, NULL, NULL, NULL, NULL);
	if (s->p < s->e && *s->p == ',')
		s->p++;
}

static int end_group(struct ps *s)
{
	int rc = MH_OK;
	if (s->group && s->group_members == 0) {
		/* An empty group still tells who the mail was for. */
		rc = emit(s, mh_arena_strndup(s->a, "", 0), "", 0);
	}
	s->group = NULL;
	s->group_members = 0;
	return rc;
}

/* One address (or a group opener/closer) at s->p. */
static int one(struct ps *s)
{
	int rc = MH_OK;
	mh_buf_reset(&s->words);
	for (;;) {
		int space = 0, comment = 0;
		const char *gap = s->p;
		skip_cfws(s, &space, &comment, NULL, NULL);
		if (s->p >= s->e) {
			if (comment && s->e > gap && s->e[-1] != ')') {
				/* An unclosed comment ate the rest. */
				s->bad++;
				return MH_OK;
			}
			break;
		}
		char c = *s->p;
		const char *ws = s->p;
		if (c == '"') {
			int closed = 0;
			s->p = skip_quoted(s->p, s->e, &closed);
			if (!closed) {
				/* '"unterminated <a@b>': the quote ends before
				 * the '<' (as GMime). No later '"' exists, so
				 * this happens once per value. */
				const char *lt =
				        memchr(ws, '<', (size_t)(s->e - ws));
				if (lt)
					s->p = lt;
			}
			rc = add_word(s, ws, s->p, W_QSTR, space, comment, gap);
			if (!rc && closed)
				((struct word *)(void *)(s->words.p +
				                         s->words.len))[-1]
				        .closed = 1;
		} else if (c == '.') {
			s->p++;
			rc = add_word(s, ws, s->p, W_DOT, space, comment, gap);
		} else if (!is_special(c)) {
			while (s->p < s->e && !is_special(*s->p))
				s->p++;
			rc = add_word(s, ws, s->p, W_ATOM, space, comment, gap);
		} else {
			break;
		}
		if (rc)
			return rc;
	}
	const struct word *w = (const struct word *)(void *)s->words.p;
	size_t nw = s->words.len / sizeof(struct word);
	char c = s->p < s->e ? *s->p : '\0';

	if (c == '<') {
		s->p++;
		rc = angle_spec(s);
		if (rc)
			return rc;
		if (s->sp.len == 0) {
			s->bad++; /* "<>" or "Name <>" */
		} else {
			rc = emit(s, phrase_name(s, 0, nw), s->sp.p, s->sp.len);
			if (rc)
				return rc;
		}
		after_address(s);
		return MH_OK;
	}
	if (c == ':' && nw) {
		s->p++;
		if (s->group)
			rc = end_group(s); /* nested group: close the outer */
		if (rc)
			return rc;
		char *g = phrase_name(s, 0, nw);
		if (!g)
			return MH_ENOMEM;
		s->group = g;
		s->group_members = 0;
		return MH_OK;
	}
	if (c == '@' && nw) {
		s->p++;
		size_t ls = local_start(w, nw);
		char *name = phrase_name(s, 0, ls);
		if (!name)
			return MH_ENOMEM;
		mh_buf_reset(&s->sp);
		rc = spec_text(w, ls, nw, &s->sp);
		if (!rc)
			rc = mh_buf_addc(&s->sp, '@');
		if (rc)
			return rc;
		int found = domain(s, &rc);
		const char *dom_end = s->p;
		if (!found) {
			if (rc)
				return rc;
			skip_junk(s); /* "a@" */
			after_address(s);
			return MH_OK;
		}
		if (rc)
			return rc;
		/* "a@b (Name)": the comment names the address. */
		s->cmt_s = s->cmt_e = NULL;
		skip_cfws(s, NULL, NULL, &s->cmt_s, &s->cmt_e);
		if (!name[0] && s->cmt_s) {
			name = decode_name(s, s->cmt_s,
			                   (size_t)(s->cmt_e - s->cmt_s));
			if (!name)
				return MH_ENOMEM;
		}
		if (s->p < s->e && *s->p == '@') {
			/* "a@b@c": the rest is junk (as GMime). */
			rc = emit(s, name, s->sp.p, s->sp.len);
			skip_junk(s);
			after_address(s);
			return rc;
		}
		if (s->p < s->e && *s->p == '<') {
			/* "john@x.com <john@x.com>": it was the name. */
			s->p++;
			name = decode_name(s, w[0].s,
			                   (size_t)(dom_end - w[0].s));
			if (!name)
				return MH_ENOMEM;
			if ((rc = angle_spec(s)) != MH_OK)
				return rc;
			if (s->sp.len == 0)
				s->bad++;
			else
				rc = emit(s, name, s->sp.p, s->sp.len);
			after_address(s);
			return rc;
		}
		rc = emit(s, name, s->sp.p, s->sp.len);
		after_address(s);
		return rc;
	}
	if (c == '@' && !nw) {
		/* A route without angle brackets ("@a,@b:x@y") goes. A scan
		 * that found no ':' is remembered: "@,@,@,..." stays
		 * linear. */
		if (s->p < s->route_fail) {
			skip_junk(s);
			after_address(s);
			return MH_OK;
		}
		const char *colon = s->p;
		while (colon < s->e && *colon != ':' && *colon != ';' &&
		       *colon != '<' && *colon != '"' && !is_wsp(*colon) &&
		       !(*colon == ',' &&
		         (colon + 1 == s->e || colon[1] != '@')))
			colon++;
		if (colon < s->e && *colon == ':') {
			s->p = colon + 1;
			s->bad++;
			return MH_OK;
		}
		s->route_fail = colon;
		skip_junk(s);
		after_address(s);
		return MH_OK;
	}
	if (c == ',' || c == ';' || c == '\0') {
		if (nw) {
			/* No '@': one dot-atom is an address without domain
			 * ("nsb"); several words are not an address. */
			size_t ls = local_start(w, nw);
			int open_quote = 0;
			for (size_t i = 0; i < nw; i++)
				if (w[i].type == W_QSTR && !w[i].closed)
					open_quote = 1;
			if (ls == 0 && w[0].type != W_DOT && !open_quote) {
				mh_buf_reset(&s->sp);
				rc = spec_text(w, 0, nw, &s->sp);
				if (rc)
					return rc;
				char *name = mh_arena_strndup(s->a, "", 0);
				rc = emit(s, name, s->sp.p, s->sp.len);
				if (rc)
					return rc;
			} else {
				s->bad++;
			}
		}
		if (c == ';') {
			s->p++;
			if (s->group)
				return end_group(s);
		} else if (c == ',') {
			s->p++;
		}
		return MH_OK;
	}
	/* Stray '>', ')', ']', '[', '\\', or ':' with no name. */
	skip_junk(s);
	if (s->p < s->e && *s->p == ',')
		s->p++;
	return MH_OK;
}

int mh_addr_parse_list(struct mh_slice value, struct mh_arena *arena,
                       size_t max, struct mh_addr **out, size_t *n, size_t *bad)
{
	struct ps s;
	int rc = MH_OK;

	memset(&s, 0, sizeof(s));
	s.p = value.p;
	s.e = value.p ? value.p + value.n : NULL;
	s.a = arena;
	s.max = max;
	mh_buf_init(&s.words, (size_t)-1);
	mh_buf_init(&s.t1, (size_t)-1);
	mh_buf_init(&s.sp, (size_t)-1);
	mh_buf_init(&s.t2, (size_t)-1);
	while (s.p < s.e && rc == MH_OK) {
		const char *before = s.p;
		rc = one(&s);
		if (rc == MH_OK && s.p == before)
			s.p++; /* cannot happen; never loop forever */
	}
	if (rc == MH_OK && s.group)
		rc = end_group(&s); /* "undisclosed-recipients:" */
	mh_buf_release(&s.words);
	mh_buf_release(&s.t1);
	mh_buf_release(&s.sp);
	mh_buf_release(&s.t2);
	*out = s.n ? s.v : NULL;
	*n = s.n;
	if (bad)
		*bad = s.bad;
	return rc;
}

size_t mh_addr_domain(const char *addr, char *dst, size_t dstn)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || !dstn) {
		if (dstn)
			dst[0] = '\0';
		return 0;
	}
	size_t k = 0;
	for (const char *c = at + 1; *c && *c != '>' && k + 1 < dstn; c++)
		dst[k++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c | 0x20) : *c;
	dst[k] = '\0';
	return k;
}
