/* fwdbody.c - the body part of "looks forwarded" (fwdlang.h,
 * docs/FORWARDING.md "Looks forwarded").
 *
 * mh_fwdlang_body_ref is the definition: a state machine that reads the
 * body as mail clients write it (quoted-printable, base64 parts, HTML tags
 * and entities) into "virtual lines" and judges each one. It touches every
 * byte through three nested calls, a few hundred MB/s.
 *
 * mh_fwdlang_body gives the same answer (tests/fuzz/fuzz_fwdlang.c checks
 * it on every input) without running the machine over most bodies. Every
 * separator phrase holds one of a few ASCII nouns ("messag", "nachricht",
 * "bericht", ...), and so does "message/rfc822". A virtual line can only
 * hold such a noun when the raw bytes hold it literally, or when the raw
 * bytes hide one of its letters: a quoted-printable escape of a letter
 * (or of '&' or '#', which can start an entity), a numeric entity ("&#",
 * or '&' and a soft line break before its '#'), a soft line break inside
 * the noun, or a base64 part. One SIMD pass over the raw bytes finds all
 * of these (fwdscan.c); most bodies have none and are done. A literal
 * noun followed on its line by what no separator line holds after its
 * phrase starts (prose: a '.', a digit, too many letters) is set aside
 * there. Another candidate in the text before any base64 part is
 * verified by running the machine over its logical line alone (the raw
 * lines joined by soft breaks), started in the state it would have
 * there, which at a line start after a hard line break depends only on
 * whether an HTML tag is open; that is read backwards from the line.
 * Anything less simple (a base64 part whose decoded bytes hold a
 * candidate, a candidate after one, a tag longer than the machine's
 * limit) runs the machine over the whole body.
 */
#include "analytics/fwdlang.h"

#include "analytics/fwdscan.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* MARK: - body */

#define VLINE_MAX 200

/* The decoded text goes through a "virtual line": bytes are collected
 * until a line end or an HTML tag, then the line is judged. Lines longer
 * than VLINE_MAX are marked and skipped, so no allocation is needed. */
struct scan {
	unsigned char line[VLINE_MAX];
	size_t n;
	int over;
	int found;
	/* HTML state */
	int in_tag;
	size_t tag_len;
	char ent[12];
	size_t nent;
	int in_ent;
	/* quoted-printable state: '=' seen, and its first hex digit */
	int qp;
	int qp_hex;
	/* base64: inside a part, a part header said base64, the decoder */
	int in_b64;
	int pend_b64;
	uint32_t acc;
	int bits;
};

static int is_ct_rfc822(const unsigned char *l, size_t n)
{
	static const char ct[] = "content-type:";
	size_t m = sizeof(ct) - 1, i = 0;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (n - i < m)
		return 0;
	for (size_t k = 0; k < m; k++)
		if (lc(l[i + k]) != ct[k])
			return 0;
	i += m;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	static const char *const types[] = {"message/rfc822", "message/global"};
	for (size_t t = 0; t < 2; t++) {
		size_t tl = strlen(types[t]), k = 0;
		if (n - i < tl)
			continue;
		while (k < tl && lc(l[i + k]) == types[t][k])
			k++;
		if (k == tl &&
		    (i + tl == n || l[i + tl] == ';' || l[i + tl] == ' ' ||
		     l[i + tl] == '\t' || l[i + tl] == '\r'))
			return 1;
	}
	return 0;
}

static void line_end(struct scan *sc)
{
	if (!sc->over && sc->n &&
	    (mh_fwdlang_separator((const char *)sc->line, sc->n) ||
	     is_ct_rfc822(sc->line, sc->n)))
		sc->found = 1;
	sc->n = 0;
	sc->over = 0;
}

static void put_line(struct scan *sc, unsigned char c)
{
	if (c == '\n') {
		line_end(sc);
		return;
	}
	if (sc->n < VLINE_MAX)
		sc->line[sc->n++] = c;
	else
		sc->over = 1;
}

static void put_utf8(struct scan *sc, uint32_t cp)
{
	unsigned char u[4];
	size_t k = mh_utf8_put(cp, u);
	for (size_t i = 0; i < k; i++)
		put_line(sc, u[i]);
}

struct entity {
	const char *name;
	uint32_t cp;
};

/* The entities that occur in separator lines of HTML mail. */
static const struct entity entities[] = {
        {"nbsp", ' '},    {"amp", '&'},     {"lt", '<'},       {"gt", '>'},
        {"quot", '"'},    {"apos", '\''},   {"rsquo", 0x2019}, {"eacute", 0xe9},
        {"Eacute", 0xc9}, {"egrave", 0xe8}, {"uuml", 0xfc},    {"Uuml", 0xdc},
        {"auml", 0xe4},   {"Auml", 0xc4},   {"ouml", 0xf6},    {"Ouml", 0xd6},
        {"aring", 0xe5},  {"oslash", 0xf8}, {"aelig", 0xe6},   {"iacute", 0xed},
        {"aacute", 0xe1}, {"oacute", 0xf3}, {"ntilde", 0xf1},  {"ccedil", 0xe7},
        {"atilde", 0xe3},
};

static int entity_cp(const char *e, size_t n, uint32_t *cp)
{
	if (n >= 2 && e[0] == '#') {
		uint32_t v = 0;
		size_t i = 1;
		int hex = (e[1] == 'x' || e[1] == 'X');
		if (hex)
			i++;
		if (i >= n)
			return 0;
		for (; i < n; i++) {
			int c = (unsigned char)e[i], d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && lc(c) >= 'a' && lc(c) <= 'f')
				d = lc(c) - 'a' + 10;
			else
				return 0;
			v = v * (hex ? 16u : 10u) + (uint32_t)d;
			if (v > 0x10ffff)
				return 0;
		}
		*cp = v;
		return 1;
	}
	for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
		if (strlen(entities[k].name) == n &&
		    memcmp(entities[k].name, e, n) == 0) {
			*cp = entities[k].cp;
			return 1;
		}
	return 0;
}

/* Stage 2: HTML tags become line breaks, entities are decoded. */
static void put_html(struct scan *sc, unsigned char c)
{
	if (sc->in_tag) {
		/* An unclosed '<' in plain text must not swallow the rest. */
		if (c == '>' || ++sc->tag_len > 2048)
			sc->in_tag = 0;
		return;
	}
	if (sc->in_ent) {
		if (c == ';') {
			uint32_t cp;
			sc->in_ent = 0;
			if (entity_cp(sc->ent, sc->nent, &cp)) {
				put_utf8(sc, cp);
				return;
			}
			put_line(sc, '&');
			for (size_t i = 0; i < sc->nent; i++)
				put_line(sc, (unsigned char)sc->ent[i]);
			put_line(sc, ';');
			return;
		}
		if ((is_alpha(c) || (c >= '0' && c <= '9') || c == '#') &&
		    sc->nent < sizeof(sc->ent)) {
			sc->ent[sc->nent++] = (char)c;
			return;
		}
		/* Not an entity after all: give the bytes back. */
		sc->in_ent = 0;
		put_line(sc, '&');
		for (size_t i = 0; i < sc->nent; i++)
			put_line(sc, (unsigned char)sc->ent[i]);
	}
	if (c == '<') {
		sc->in_tag = 1;
		sc->tag_len = 0;
		put_line(sc, '\n');
		return;
	}
	if (c == '&') {
		sc->in_ent = 1;
		sc->nent = 0;
		return;
	}
	put_line(sc, c);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lc(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Stage 1 for text: "=XX" escapes of quoted-printable. Soft line breaks
 * are handled by the caller, which knows where lines end. */
static void put_text(struct scan *sc, unsigned char c)
{
	if (sc->qp == 1) {
		if (hexval(c) >= 0) {
			sc->qp = 2;
			sc->qp_hex = hexval(c);
			return;
		}
		sc->qp = 0;
		put_html(sc, '=');
	} else if (sc->qp == 2) {
		sc->qp = 0;
		if (hexval(c) >= 0) {
			put_html(sc,
			         (unsigned char)(sc->qp_hex * 16 + hexval(c)));
			return;
		}
		put_html(sc, '=');
		put_html(sc, "0123456789abcdef"[sc->qp_hex]);
	}
	if (c == '=') {
		sc->qp = 1;
		return;
	}
	put_html(sc, c);
}

static void text_flush(struct scan *sc)
{
	if (sc->qp == 1) {
		put_html(sc, '=');
	} else if (sc->qp == 2) {
		put_html(sc, '=');
		put_html(sc, "0123456789abcdef"[sc->qp_hex]);
	}
	sc->qp = 0;
}

static int b64val(int c)
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

/* A line of a base64 body: only alphabet characters and '=' padding. */
static int b64_line(const char *p, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b64val((unsigned char)p[i]) < 0 && p[i] != '=')
			return 0;
	return 1;
}

static void b64_decode_line(struct scan *sc, const char *p, size_t n,
                            uint32_t *acc, int *bits)
{
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)p[i]);
		if (v < 0) {
			*acc = 0;
			*bits = 0; /* padding ends a quantum */
			continue;
		}
		*acc = (*acc << 6) | (uint32_t)v;
		*bits += 6;
		if (*bits >= 8) {
			*bits -= 8;
			put_html(sc, (unsigned char)((*acc >> *bits) & 0xff));
		}
	}
}

static int istarts(const char *p, size_t n, const char *prefix)
{
	size_t i = 0;
	for (; prefix[i]; i++)
		if (i >= n || lc((unsigned char)p[i]) != prefix[i])
			return 0;
	return 1;
}

/* "Content-Transfer-Encoding: base64" in a MIME part header. */
static int cte_base64(const char *p, size_t n)
{
	static const char h[] = "content-transfer-encoding:";
	if (!istarts(p, n, h))
		return 0;
	size_t i = sizeof(h) - 1;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return istarts(p + i, n - i, "base64");
}

/* The raw lines p[0..e - p), p at a line start, through the machine;
 * stops early when a line is found. */
static void run_lines(struct scan *sc, const char *p, const char *e)
{
	while (p < e && !sc->found) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		size_t ln = (size_t)(le - p);
		if (ln && p[ln - 1] == '\r')
			ln--;
		if (sc->in_b64) {
			if (b64_line(p, ln)) {
				b64_decode_line(sc, p, ln, &sc->acc, &sc->bits);
				p = nl ? nl + 1 : e;
				continue;
			}
			/* End of the base64 part: back to text. */
			sc->in_b64 = 0;
			sc->acc = 0;
			sc->bits = 0;
			put_line(sc, '\n');
		}
		if (cte_base64(p, ln))
			sc->pend_b64 = 1;
		if (ln == 0 && sc->pend_b64) {
			/* Blank line after a part header that said base64. */
			sc->pend_b64 = 0;
			sc->in_b64 = 1;
			put_line(sc, '\n');
			p = nl ? nl + 1 : e;
			continue;
		}
		/* A MIME boundary ends any HTML state. */
		if (ln >= 2 && p[0] == '-' && p[1] == '-' && !sc->pend_b64)
			sc->in_tag = 0;
		int soft = ln && p[ln - 1] == '=';
		for (size_t i = 0; i < (soft ? ln - 1 : ln); i++)
			put_text(sc, (unsigned char)p[i]);
		text_flush(sc);
		if (!soft || !nl)
			put_html(sc, '\n');
		p = nl ? nl + 1 : e;
	}
}

/* What the machine does after the last line of the body. */
static void run_end(struct scan *sc)
{
	if (!sc->found) {
		text_flush(sc);
		sc->in_tag = 0;
		put_html(sc, '\n');
	}
}

int mh_fwdlang_body_ref(const char *s, size_t n, int b64)
{
	struct scan sc;
	if (!s)
		return 0;
	memset(&sc, 0, sizeof(sc));
	sc.in_b64 = b64;
	run_lines(&sc, s, s + n);
	run_end(&sc);
	return sc.found;
}

/* MARK: - the fast path */

/* Decoded bytes kept from one chunk of a base64 part to the next: a cut
 * noun, or a cut entity ('&', 12 characters, ';'). */
#define KEEP 16

static int ieq(const char *p, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char)p[i]) != lower[i])
			return 0;
	return 1;
}

/* A quoted-printable escape at p (p[0] == '=') whose byte is a letter,
 * or '&' or '#' (which can make a numeric entity). */
static int letter_escape(const char *p, size_t n)
{
	if (n < 3 || hexval((unsigned char)p[1]) < 0 ||
	    hexval((unsigned char)p[2]) < 0)
		return 0;
	int c = hexval((unsigned char)p[1]) * 16 + hexval((unsigned char)p[2]);
	return is_alpha(c) || c == '&' || c == '#';
}

/* The body s[0..n), and what is known of the machine's HTML state at the
 * line start tc_at (nothing before it needs reading again): a tag open
 * there (tc_open), begun at tc_start. */
struct body {
	const char *s;
	size_t n;
	size_t tc_at, tc_start;
	int tc_open;
};

static size_t line_start(const struct body *b, size_t i)
{
	const char *nl = i ? memrchr(b->s, '\n', i) : NULL;
	return nl ? (size_t)(nl - b->s) + 1 : 0;
}

/* End of the line at ls: the offset of its '\n', or n. */
static size_t line_end_at(const struct body *b, size_t ls)
{
	const char *nl = memchr(b->s + ls, '\n', b->n - ls);
	return nl ? (size_t)(nl - b->s) : b->n;
}

/* Length of the line at ls without a '\r' before its '\n', as the
 * machine sees it. */
static size_t content_len(const struct body *b, size_t ls, size_t le)
{
	size_t ln = le - ls;
	if (ln && b->s[ls + ln - 1] == '\r')
		ln--;
	return ln;
}

static int is_soft(const struct body *b, size_t ls, size_t le)
{
	size_t ln = content_len(b, ls, le);
	return ln && b->s[ls + ln - 1] == '=';
}

/* The soft line break whose '=' is at t (the last byte of its line, then
 * "\n" or "\r\n"): a noun across it, or letters that run on to the next
 * soft break (three lines could make a noun: the machine decides). */
static int soft_join(const struct body *b, size_t t)
{
	const char *s = b->s;
	char w[2 * MH_FWDSCAN_NOUN_MAX];
	size_t k = 0, from = t;
	/* A '\n' is no letter: the run stays within the line. */
	while (from > 0 && t - from < MH_FWDSCAN_NOUN_MAX - 1 &&
	       is_alpha((unsigned char)s[from - 1]))
		from--;
	if (from == t)
		return 0;
	for (size_t i = from; i < t; i++)
		w[k++] = s[i];
	size_t cut = k, ns = t + 2 + (s[t + 1] == '\r'), h = 0;
	while (ns + h < b->n && h < MH_FWDSCAN_NOUN_MAX - 1 &&
	       is_alpha((unsigned char)s[ns + h])) {
		w[k++] = s[ns + h];
		h++;
	}
	if (!h)
		return 0;
	size_t q = ns + h;
	if (q < b->n && s[q] == '=' &&
	    ((q + 1 < b->n && s[q + 1] == '\n') ||
	     (q + 2 < b->n && s[q + 1] == '\r' && s[q + 2] == '\n')))
		return 1;
	return mh_fwdscan_noun_across(w, k, cut);
}

static int ent_char(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '#';
}

/* Decoded bytes of a base64 part go to the HTML stage unchanged, so the
 * letters of a noun on a virtual line are there literally or as numeric
 * entities ('&' always starts an entity; bytes of a failed one are given
 * back in place; named entities give no ASCII letter). The entity the
 * machine reads from d[i] == '&': 1 when it decodes to a letter, 0 when
 * not or when it is cut by the end of d (the next chunk holds it whole,
 * or at the end of the part the open-entity rule decides). */
static int entity_letter(const unsigned char *d, size_t n, size_t i)
{
	char ent[12];
	size_t k = 0, j = i + 1;
	while (j < n && k < sizeof(ent) && ent_char(d[j]))
		ent[k++] = (char)d[j++];
	if (j == n || d[j] != ';')
		return 0;
	uint32_t cp;
	return entity_cp(ent, k, &cp) && cp < 128 && is_alpha((int)cp);
}

static int tail_rules_out(const char *s, size_t n, size_t from, size_t slack,
                          int qp);

/* Decoded bytes that can make a line the machine finds: a noun, or a
 * numeric entity that gives a letter. */
static int decoded_candidate(const unsigned char *d, size_t n)
{
	const char *p = (const char *)d;
	struct mh_fwdscan it;
	mh_fwdscan_init(&it, p, n, 0);
	for (size_t i = 0; (i = mh_fwdscan_next(&it, i)) < n; i++) {
		if (p[i] != '&') {
			if (mh_fwdscan_noun_at(p + i, n - i) &&
			    !tail_rules_out(p, n, i, 0, 0))
				return 1;
			continue;
		}
		if (entity_letter(d, n, i))
			return 1;
	}
	return 0;
}

/* An entity still open at the end of a part's decoded bytes d[0..n) ('&'
 * and at most 12 entity characters after it), which the text after the
 * part may finish; next is where that text starts. When the part is
 * followed by an empty line or the end of the body, the machine gives
 * the entity back as a line of its own ("&" and those characters; or
 * swallows it in a tag): judged here as line_end() would. When the text
 * goes on with a byte that can neither go on with the entity nor end it
 * (a MIME boundary's '-'), the entity is given back at the start of the
 * line the part's end began: a line that starts with '&' is never
 * found. 1 when the machine may find something, 0 when it cannot. */
static int open_entity(const struct body *b, const unsigned char *d, size_t n,
                       size_t next)
{
	for (size_t i = n > 13 ? n - 13 : 0; i < n; i++) {
		if (d[i] != '&')
			continue;
		size_t j = i + 1;
		while (j < n && ent_char(d[j]))
			j++;
		if (j < n)
			continue;
		if (next < b->n &&
		    content_len(b, next, line_end_at(b, next)) != 0) {
			unsigned char c = (unsigned char)b->s[next];
			/* '=' may start an escape of one. */
			return ent_char(c) || c == ';' || c == '=';
		}
		return mh_fwdlang_separator((const char *)d + i, n - i) ||
		       is_ct_rfc822(d + i, n - i);
	}
	return 0;
}

/* After the first blank line after the line at ls (a part header that
 * said base64 makes the machine decode from there), or n. */
static size_t after_blank(const struct body *b, size_t ls)
{
	size_t p = line_end_at(b, ls);
	while (p < b->n) {
		p++; /* past the '\n' */
		size_t le = line_end_at(b, p);
		if (content_len(b, p, le) == 0)
			return le < b->n ? le + 1 : b->n;
		p = le;
	}
	return b->n;
}

/* The base64 lines from `at` on, decoded as the machine does; *end gets
 * the first line that is not base64 (text again). 1 when the decoded
 * bytes hold a candidate. */
static int b64_part(const struct body *b, size_t at, size_t *end)
{
	/* 32 bytes more than a chunk: b64_32() writes 8 past its 24. */
	unsigned char buf[16384 + 3 * KEEP + 32];
	size_t have = 0, p = at, guess = 0;
	buf[0] = 0; /* for -Wmaybe-uninitialized: only buf[0..have) is read */
	uint32_t acc = 0;
	int bits = 0;
	while (p < b->n) {
		/* Lines of a part are mostly as long as the one before: try
		 * its length (a '\n' inside would make the line no base64
		 * line; then it is measured). */
		size_t le = p + guess;
		/* Bodies come from memory, not cache: ask ahead. */
		__builtin_prefetch(b->s + p + 1024);
		int guessed = guess && le < b->n && b->s[le] == '\n';
		if (!guessed)
			le = line_end_at(b, p);
		size_t ln = content_len(b, p, le);
		if (ln > sizeof(buf) - 32 - KEEP) {
			/* Longer than the buffer: the machine, when it is a
			 * base64 line at all. */
			if (b64_line(b->s + p, ln))
				return 1;
			break;
		}
		/* Each line gives at most ln bytes; keep the last few of the
		 * previous chunk so a noun or an entity across chunks is
		 * seen. */
		if (have + ln > sizeof(buf) - 32) {
			if (decoded_candidate(buf, have))
				return 1;
			size_t keep = have < KEEP ? have : KEEP;
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
		if (!mh_fwdscan_b64(b->s + p, ln, &acc, &bits, buf, &have)) {
			if (!guessed)
				break;
			guess = 0; /* measure it */
			continue;
		}
		guess = le - p;
		p = le < b->n ? le + 1 : b->n;
	}
	*end = p;
	return decoded_candidate(buf, have) || open_entity(b, buf, have, p);
}

/* "Content-Transfer-Encoding: base64" at the start of the line at ls. */
static int cte_line(const struct body *b, size_t ls)
{
	size_t le = line_end_at(b, ls);
	return cte_base64(b->s + ls, content_len(b, ls, le));
}

/* The first of the logical line holding offset i: back over lines that
 * end in a soft break. (size_t)-1 when that takes too long. */
static size_t logical_start(const struct body *b, size_t i)
{
	size_t ls = line_start(b, i);
	for (int k = 0; ls > 0; k++) {
		size_t pls = line_start(b, ls - 1);
		if (!is_soft(b, pls, ls - 1))
			break;
		if (k == 256)
			return (size_t)-1;
		ls = pls;
	}
	return ls;
}

/* After the logical line holding offset i: after its last line. */
static size_t logical_end(const struct body *b, size_t i)
{
	size_t ls = line_start(b, i);
	for (;;) {
		size_t le = line_end_at(b, ls);
		if (le >= b->n)
			return b->n;
		if (!is_soft(b, ls, le))
			return le + 1;
		ls = le + 1;
	}
}

/* What the machine sees as a tag character at p[i], within the line that
 * starts at ls: 1 '<' (raw, or "=3C"), 2 '>' (raw or "=3E"), else 0.
 * Every '=' starts an escape (it is no hex digit), so "=3C" always
 * decodes to '<'. */
static int tag_char(const char *p, size_t ls, size_t i)
{
	char c = p[i];
	if (c == '<')
		return 1;
	if (c == '>')
		return 2;
	if ((c == 'C' || c == 'c' || c == 'E' || c == 'e') && i >= ls + 2 &&
	    p[i - 1] == '3' && p[i - 2] == '=')
		return (c == 'C' || c == 'c') ? 1 : 2;
	return 0;
}

/* Whether an HTML tag is open at the line start L when the body holds no
 * base64 part before L (its lines are all text): the last tag character
 * before L decides ('>' closes a tag or is text; '<' opens one or is
 * inside one), unless a MIME boundary line after it closed the tag; with
 * neither since the line start known from before, that line's state
 * holds. *start gets where an open tag began (the first '<' after the
 * last close), for the machine's 2048-byte limit, which the caller
 * checks. Remembered for the next call (L only grows). 0 closed, 1 open. */
static int tag_state(struct body *b, size_t L, size_t *start)
{
	size_t ls = L, open = (size_t)-1;
	int st = -1;
	while (st < 0 && ls > b->tc_at) {
		size_t le = ls - 1; /* the '\n' of the line before */
		ls = line_start(b, le);
		size_t ln = content_len(b, ls, le), j = ln;
		/* Backwards over '<', '>' and the '=' of "=3C", "=3E". */
		while ((j = mh_fwdscan_last_tagish(b->s + ls, j)) !=
		       (size_t)-1) {
			const char *q = b->s + ls + j;
			int t = *q == '<'   ? 1
			        : *q == '>' ? 2
			        : j + 2 < ln && q[1] == '3'
			                ? tag_char(b->s, ls, ls + j + 2)
			                : 0;
			if (t == 2) {
				st = open != (size_t)-1;
				break;
			}
			if (t == 1)
				open = ls + j;
		}
		if (st < 0 && ln >= 2 && b->s[ls] == '-' && b->s[ls + 1] == '-')
			st = open != (size_t)-1;
	}
	if (st < 0) {
		/* Back at the known line start: its state, unless a tag
		 * opened after it. */
		st = open != (size_t)-1 || b->tc_open;
		*start = b->tc_open ? b->tc_start : open;
	} else {
		*start = open;
	}
	b->tc_at = L;
	b->tc_open = st;
	b->tc_start = *start;
	return st;
}

/* Run the machine over the logical line holding offset i, started as it
 * would be there. 1 found, 0 not, -1 cannot tell (run it all). */
static int verify(struct body *b, size_t i, size_t *done)
{
	size_t L = logical_start(b, i);
	if (L == (size_t)-1)
		return -1;
	size_t E = logical_end(b, i);
	*done = E;
	/* A tag open at L must not reach the machine's 2048-byte limit
	 * before E: raw bytes are at least as many as the decoded ones. */
	size_t start;
	int open = tag_state(b, L, &start);
	if (open && E - start > 2048)
		return -1;
	struct scan sc;
	memset(&sc, 0, sizeof(sc));
	sc.in_tag = open;
	run_lines(&sc, b->s + L, b->s + E);
	if (E == b->n)
		run_end(&sc);
	return sc.found;
}

/* 1 when the noun that starts at most `slack` decoded letters after
 * s[from] (a letter, literal or escaped, and only letters up to the noun)
 * cannot be on a line the machine finds (s[0..n): raw text when qp, else
 * decoded bytes of a base64 part, which go to the HTML stage as they
 * are): read forward as the machine
 * decodes (escapes, soft breaks) up to the first byte that could end the
 * line or start a tag or an entity, the line holds a byte no separator
 * line holds after its phrase starts (a digit, '.', ',', '"', ...), or
 * more letters than any phrase from a noun on, and the slack.
 * A line is judged whole, so what follows the noun on it is what follows
 * in these bytes, whatever came before (a noun inside a tag is on no
 * line), unless an entity is open at s[from]: its '&' shortly before, and
 * only entity characters, escapes and soft breaks after it (it could turn
 * the letters and digits after it into a letter). A '/' near the start
 * may be "Content-Type: message/...", which keeps the noun. 0 when in
 * doubt (the machine decides). */
static int tail_rules_out(const char *s, size_t n, size_t from, size_t slack,
                          int qp)
{
	size_t letters = 0, k = 0, j = from, m = 0;
	/* A first letter 'a'..'f' may end an escape. */
	if (qp && ((from >= 1 && s[from - 1] == '=') ||
	           (from >= 2 && s[from - 2] == '=' &&
	            hexval((unsigned char)s[from - 1]) >= 0)))
		return 0;
	/* An entity holds at most 12 characters, each at most 3 raw bytes
	 * with a soft break (3 more) after it. */
	for (; j > 0 && m < 6 * 13; j--, m++) {
		unsigned char c = (unsigned char)s[j - 1];
		if (c == '&' || (c == '=' && j + 1 < n && s[j] == '2' &&
		                 (s[j + 1] == '6' || s[j + 1] == '3')))
			return 0;
		if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '#' &&
		    c != '=' && c != '\n' && c != '\r')
			break;
	}
	/* Decoded bytes in chunks: an entity may begin before the chunk. */
	if (!qp && j == 0 && m < 6 * 13)
		return 0;
	size_t tail_max = mh_fwdlang_tail_letters();
	for (size_t i = from; i < n; k++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '=' && qp) {
			if (i + 1 < n && s[i + 1] == '\n') {
				i += 2; /* soft break: nothing decoded */
				k--;
				continue;
			}
			if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
				i += 3;
				k--;
				continue;
			}
			int hi = i + 2 < n ? hexval((unsigned char)s[i + 1])
			                   : -1,
			    lo = i + 2 < n ? hexval((unsigned char)s[i + 2])
			                   : -1;
			if (hi < 0 || lo < 0)
				return 0;
			c = (unsigned char)(hi * 16 + lo);
			i += 3;
			if (c == '\n' || c == '<' || c == '&')
				return 0;
		} else {
			if (c == '\n' || c == '\r' || c == '<' || c == '&')
				return 0;
			i++;
		}
		if (c == '/' && k <= slack + 7)
			return 0;
		if (is_alpha(c)) {
			if (++letters > tail_max + slack)
				return 1;
		} else if (c < 0x80 && !mh_fwdlang_tail_byte(c)) {
			return 1;
		}
	}
	return 0;
}

static int dismissed_from(const struct body *b, size_t from, size_t slack)
{
	return tail_rules_out(b->s, b->n, from, slack, 1);
}

/* The literal or escaped letter before s[i] ('=' of an escape or a soft
 * break, or a literal letter), stepping back over letters the machine
 * decodes as such: the offset where it starts, or (size_t)-1. */
static size_t letter_before(const struct body *b, size_t i)
{
	const char *s = b->s;
	if (i >= 1 && is_alpha((unsigned char)s[i - 1]) &&
	    !(i >= 3 && s[i - 3] == '=' &&
	      hexval((unsigned char)s[i - 2]) >= 0))
		return i - 1;
	/* "=XX" right before: every '=' starts an escape. */
	if (i >= 3 && s[i - 3] == '=' && hexval((unsigned char)s[i - 2]) >= 0 &&
	    hexval((unsigned char)s[i - 1]) >= 0 &&
	    is_alpha(hexval((unsigned char)s[i - 2]) * 16 +
	             hexval((unsigned char)s[i - 1])))
		return i - 3;
	return (size_t)-1;
}

/* A hit at s[i] (a soft break, or an escape of a letter) that cannot be
 * in a noun on a line the machine finds: from up to
 * MH_FWDSCAN_NOUN_MAX - 1 letters before it (where a noun through it
 * starts), as dismissed_from() reads it. */
static int hit_dismissed(const struct body *b, size_t i)
{
	size_t from = i, slack = 0, p;
	/* An escape of '&' or '#' starts an entity, not a letter. */
	if (b->s[i + 1] != '\n' && b->s[i + 1] != '\r' &&
	    !is_alpha(hexval((unsigned char)b->s[i + 1]) * 16 +
	              hexval((unsigned char)b->s[i + 2])))
		return 0;
	while (slack < MH_FWDSCAN_NOUN_MAX - 1 &&
	       (p = letter_before(b, from)) != (size_t)-1) {
		from = p;
		slack++;
	}
	return dismissed_from(b, from, slack + 1);
}

enum { C_NONE, C_TEXT, C_B64 };

/* What the pair at offset i is: C_TEXT a candidate in text, C_B64 a
 * base64 part header line starts at line_start(i), else C_NONE. */
static int classify(const struct body *b, size_t i)
{
	const char *p = b->s + i;
	size_t left = b->n - i;
	switch (*p) {
	case '&': {
		/* "&#", or '&' and soft line breaks and the '#' (an escaped
		 * '#' is a hit of its own; named entities give no letter). */
		size_t k = 1;
		while (k + 1 < left && p[k] == '=' &&
		       (p[k + 1] == '\n' ||
		        (p[k + 1] == '\r' && k + 2 < left && p[k + 2] == '\n')))
			k += p[k + 1] == '\n' ? 2 : 3;
		return k < left && p[k] == '#' ? C_TEXT : C_NONE;
	}
	case '=':
		if (left > 1 && (p[1] == '\n' ||
		                 (p[1] == '\r' && left > 2 && p[2] == '\n'))) {
			/* A soft line break: the first one inside a noun
			 * passes both (hidden letters are hits of their
			 * own). */
			return mh_fwdscan_soft_hit(b->s, b->n, i) &&
			                       soft_join(b, i) &&
			                       !hit_dismissed(b, i)
			               ? C_TEXT
			               : C_NONE;
		}
		return letter_escape(p, left) && !hit_dismissed(b, i) ? C_TEXT
		                                                      : C_NONE;
	default:
		if ((*p | 0x20) == 'b' && left >= 6 && ieq(p, "base64", 6))
			return cte_line(b, line_start(b, i)) ? C_B64 : C_NONE;
		return mh_fwdscan_noun_at(p, left) && !dismissed_from(b, i, 0)
		               ? C_TEXT
		               : C_NONE;
	}
}

int mh_fwdlang_body(const char *s, size_t n, int b64)
{
	struct body b = {s, n, 0, 0, 0};
	size_t i = 0, done = 0;
	/* [skip, skip_end): base64 lines, searched decoded already. */
	size_t skip = n, skip_end = n;
	int b64_seen = b64;
	if (!s)
		return 0;
	struct mh_fwdscan it;
	if (b64) {
		if (b64_part(&b, 0, &i))
			return mh_fwdlang_body_ref(s, n, b64);
	}
	mh_fwdscan_init(&it, s, n, i);
	while ((i = mh_fwdscan_next(&it, i)) < n) {
		if (i >= skip && i < skip_end) {
			i = skip_end;
			continue;
		}
		int c = classify(&b, i);
		if (c == C_B64) {
			/* The machine decodes after the next blank line; from
			 * here on the text is not verified line by line (a
			 * candidate runs the whole machine). */
			size_t at = after_blank(&b, line_start(&b, i)), end;
			b64_seen = 1;
			if (at != skip) {
				if (b64_part(&b, at, &end))
					return mh_fwdlang_body_ref(s, n, b64);
				skip = at;
				skip_end = end;
				mh_fwdscan_skip(&it, at, end);
			}
		} else if (c == C_TEXT && i >= done) {
			if (b64_seen)
				return mh_fwdlang_body_ref(s, n, b64);
			int r = verify(&b, i, &done);
			if (r)
				return r > 0 ? 1
				             : mh_fwdlang_body_ref(s, n, b64);
		}
		i++;
	}
	return 0;
}
