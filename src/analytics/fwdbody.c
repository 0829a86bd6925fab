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
 * or '&' and a soft line break before its '#'), a soft line break between
 * two letter runs, or a base64 part. One SIMD
 * pass over the raw bytes finds all of these; most bodies have none and
 * are done. A candidate in the text before any base64 part is verified
 * by running the machine over its logical line alone (the raw lines joined
 * by soft breaks), started in the state it would have there, which at a
 * line start after a hard line break depends only on whether an HTML tag
 * is open; that is read backwards from the line. Anything less simple (a
 * base64 part whose decoded bytes hold a candidate, a candidate after one,
 * a tag longer than the machine's limit) runs the machine over the whole
 * body.
 */
#include "analytics/fwdlang.h"

#include <pthread.h>
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

/* The nouns of the separator phrases (one is in each, in ASCII letters,
 * fwdlang.c) and of "message/rfc822": a line the machine would find holds
 * one of them. Lower case; grouped by their first two letters, which the
 * SIMD pass looks for. */
static const struct noun {
	const char *s;
	size_t n;
} nouns[] = {
        {"messag", 6},  {"mensaj", 6},    {"mensag", 6},  {"meddel", 6},
        {"melding", 7}, {"nachricht", 9}, {"bericht", 7}, {"besked", 6},
        {"brev", 4},    {"viesti", 6},    {"wiadomo", 7},
};
#define NNOUNS   (sizeof(nouns) / sizeof(nouns[0]))
#define NOUN_MAX 9 /* strlen("nachricht") */
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

/* A noun starts at p[0..n): the first letter picks the few to compare. */
static int noun_at(const char *p, size_t n)
{
	if (n < 4)
		return 0;
	int c = lc((unsigned char)p[0]);
	if (c != 'm' && c != 'n' && c != 'b' && c != 'v' && c != 'w')
		return 0;
	for (size_t k = 0; k < NNOUNS; k++)
		if (nouns[k].s[0] == c && nouns[k].n <= n &&
		    ieq(p, nouns[k].s, nouns[k].n))
			return 1;
	return 0;
}

/* A noun in p[0..n) that starts before `cut` and ends after it. */
static int noun_across(const char *p, size_t n, size_t cut)
{
	for (size_t i = 0; i < cut; i++) {
		int c = lc((unsigned char)p[i]);
		if (c != 'm' && c != 'n' && c != 'b' && c != 'v' && c != 'w')
			continue;
		for (size_t k = 0; k < NNOUNS; k++) {
			size_t l = nouns[k].n;
			if (nouns[k].s[0] == c && l <= n - i && i + l > cut &&
			    ieq(p + i, nouns[k].s, l))
				return 1;
		}
	}
	return 0;
}

/* Bit b of bigram[a] ('a'..'z' as 0..25): some noun holds the letters
 * a, b one after the other. A noun across a soft line break made of
 * letters only has such a pair on its two sides. */
static uint32_t bigram[26];

static void bigrams_build(void)
{
	for (size_t k = 0; k < NNOUNS; k++)
		for (size_t i = 0; i + 1 < nouns[k].n; i++)
			bigram[nouns[k].s[i] - 'a'] |=
			        UINT32_C(1) << (nouns[k].s[i + 1] - 'a');
}

/* Letters a, b (either case) one after the other in some noun. */
static int noun_bigram(char a, char b)
{
	int x = lc((unsigned char)a) - 'a', y = lc((unsigned char)b) - 'a';
	return x >= 0 && x < 26 && y >= 0 && y < 26 &&
	       (bigram[x] >> y & 1) != 0;
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
struct teddy;
struct body {
	const char *s;
	size_t n;
	size_t tc_at, tc_start;
	int tc_open;
	const struct teddy *t; /* the SIMD filter's tables */
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
	char w[2 * NOUN_MAX];
	size_t k = 0, from = t;
	/* A '\n' is no letter: the run stays within the line. */
	while (from > 0 && t - from < NOUN_MAX - 1 &&
	       is_alpha((unsigned char)s[from - 1]))
		from--;
	if (from == t)
		return 0;
	for (size_t i = from; i < t; i++)
		w[k++] = s[i];
	size_t cut = k, ns = t + 2 + (s[t + 1] == '\r'), h = 0;
	while (ns + h < b->n && h < NOUN_MAX - 1 &&
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
	return noun_across(w, k, cut);
}

/* The positions the SIMD pass reports (a superset of what classify()
 * takes): with letters case-folded,
 *  - the first four letters of a noun ("mess", "mens", "medd", "meld",
 *    "nach", "beri", "besk", "brev", "vies", "wiad") or "base" (base64);
 *  - "&#", or '&' then a soft line break ("=\n" or "=\r\n");
 *  - '=' then '4'..'7', or "23" or "26" (an escape of a letter, '#', '&');
 *  - '=' after a letter and before "\n" or "\r\n" and a letter (a soft
 *    break between letters). */
static int hit_at(const char *p, size_t n, size_t i)
{
	unsigned char b = (unsigned char)p[i];
	unsigned char c = i + 1 < n ? (unsigned char)p[i + 1] : 0;
	unsigned char d = i + 2 < n ? (unsigned char)p[i + 2] : 0;
	unsigned char e = i + 3 < n ? (unsigned char)p[i + 3] : 0;
	if (b == '&')
		return c == '#' ||
		       (c == '=' && (d == '\n' || (d == '\r' && e == '\n')));
	if (b == '=') {
		if (c >= '4' && c <= '7')
			return 1;
		if (c == '2')
			return d == '3' || d == '6';
		if (!i || !is_alpha((unsigned char)p[i - 1]))
			return 0;
		return (c == '\n' && is_alpha(d)) ||
		       (c == '\r' && d == '\n' && is_alpha(e));
	}
	if (i + 3 >= n)
		return 0;
	char w[4] = {(char)lc(b), (char)lc(c), (char)lc(d), (char)lc(e)};
	static const char heads[][4] = {
	        {'m', 'e', 's', 's'}, {'m', 'e', 'n', 's'},
	        {'m', 'e', 'd', 'd'}, {'m', 'e', 'l', 'd'},
	        {'n', 'a', 'c', 'h'}, {'b', 'e', 'r', 'i'},
	        {'b', 'e', 's', 'k'}, {'b', 'r', 'e', 'v'},
	        {'v', 'i', 'e', 's'}, {'w', 'i', 'a', 'd'},
	        {'b', 'a', 's', 'e'},
	};
	for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		if (!memcmp(w, heads[k], 4))
			return 1;
	return 0;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) &&                                \
        (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MH_HAVE_AVX2 1
#endif

/* Offsets i with hit_at(p, n, i), in order: the vector loops test 64
 * positions at a time and hand out the hits of a block from a bit mask;
 * the first position and the last few (whose loads would pass the ends)
 * go to the scalar test. */
struct teddy;

struct pairs {
	const char *p;
	size_t n;
	size_t blk;    /* offset of the block of mask */
	uint64_t mask; /* possible hits of that block not yet handed out */
	size_t next;   /* first offset not yet tested */
	int avx2;
	const struct teddy *t; /* AVX2 tables */
};

/* The vector test of hit_at for W positions from q (W = 16 or 32): the
 * same expression with either instruction set. V is the vector type,
 * L(x) an unaligned load, E(a, b) compare bytes, A and O and, or, S(a, b)
 * subtract, M(a, b) unsigned minimum, B(c) broadcast; the loads read
 * q[-1 .. W + 3). */
#define HIT_VECTOR(V, L, E, A, O, S, M, B, q, out)                             \
	do {                                                                   \
		V x0 = L((q)-1), x1 = L(q), x2 = L((q) + 1), x3 = L((q) + 2),  \
		  x4 = L((q) + 3);                                             \
		V f1 = O(x1, B(0x20)), f2 = O(x2, B(0x20)),                    \
		  f3 = O(x3, B(0x20)), f4 = O(x4, B(0x20));                    \
		/* letter: (x | 0x20) - 'a' <= 25 unsigned */                  \
		V l0 = S(O(x0, B(0x20)), B('a')), l3 = S(f3, B('a')),          \
		  l4 = S(f4, B('a'));                                          \
		l0 = E(M(l0, B(25)), l0);                                      \
		l3 = E(M(l3, B(25)), l3);                                      \
		l4 = E(M(l4, B(25)), l4);                                      \
		V me = A(E(f1, B('m')), E(f2, B('e')));                        \
		V mm = O(O(A(E(f3, B('s')), E(f4, B('s'))),                    \
		           A(E(f3, B('n')), E(f4, B('s')))),                   \
		         A(O(E(f3, B('d')), E(f3, B('l'))), E(f4, B('d'))));   \
		V h = A(me, mm);                                               \
		h = O(h, A(A(E(f1, B('n')), E(f2, B('a'))),                    \
		           A(E(f3, B('c')), E(f4, B('h')))));                  \
		V b1 = E(f1, B('b'));                                          \
		V be = A(b1, E(f2, B('e')));                                   \
		h = O(h, A(be, O(A(E(f3, B('r')), E(f4, B('i'))),              \
		                 A(E(f3, B('s')), E(f4, B('k'))))));           \
		h = O(h, A(A(b1, E(f2, B('r'))),                               \
		           A(E(f3, B('e')), E(f4, B('v')))));                  \
		h = O(h, A(A(b1, E(f2, B('a'))),                               \
		           A(E(f3, B('s')), E(f4, B('e')))));                  \
		V vi = A(O(E(f1, B('v')), E(f1, B('w'))), E(f2, B('i')));      \
		h = O(h, A(vi, O(A(A(E(f1, B('v')), E(f3, B('e'))),            \
		                   E(f4, B('s'))),                             \
		                 A(A(E(f1, B('w')), E(f3, B('a'))),            \
		                   E(f4, B('d'))))));                          \
		h = O(h, A(E(x1, B('&')),                                      \
		           O(E(x2, B('#')),                                    \
		             A(E(x2, B('=')),                                  \
		               O(E(x3, B('\n')), E(x3, B('\r')))))));          \
		V eq = E(x1, B('='));                                          \
		V d4 = S(x2, B('4'));                                          \
		V esc = O(E(M(d4, B(3)), d4),                                  \
		          A(E(x2, B('2')), O(E(x3, B('3')), E(x3, B('6')))));  \
		V soft = A(l0, O(A(E(x2, B('\n')), l3),                        \
		                 A(A(E(x2, B('\r')), E(x3, B('\n'))), l4)));   \
		(out) = O(h, A(eq, O(esc, soft)));                             \
	} while (0)

#if defined(__SSE2__)
static uint64_t scan_sse2(const char *p, size_t n, size_t i, size_t *at)
{
#define L(a) _mm_loadu_si128((const __m128i *)(a))
	for (; i + 67 <= n; i += 64) {
		uint64_t all = 0;
		for (int k = 0; k < 4; k++) {
			const char *q = p + i + 16 * (size_t)k;
			__m128i m;
			HIT_VECTOR(__m128i, L, _mm_cmpeq_epi8, _mm_and_si128,
			           _mm_or_si128, _mm_sub_epi8, _mm_min_epu8,
			           _mm_set1_epi8, q, m);
			all |= (uint64_t)(unsigned)_mm_movemask_epi8(m)
			       << (16 * k);
		}
		if (all) {
			*at = i;
			return all;
		}
	}
#undef L
	*at = i;
	return 0;
}
#endif

/* With AVX2, a Teddy-style filter (after Hyperscan's): each of the four
 * bytes from a position is tested against eight buckets of allowed bytes
 * by two 16-entry tables (one per nibble) and a byte shuffle; a position
 * passes when some bucket allows all four. The buckets (letters in either case, NULL: any byte):
 *   "mess" "mens" | "medd" "meld" | "nach" | "beri" "besk" |
 *   "brev" "base" | "vies" "wiad" | '&', '#' or '=', then a digit, 'x',
 *   '=', '\n' or '\r' (a numeric entity that can give a letter: its
 *   number may start with an escape or a soft break, and a soft break may
 *   come before the '#') | '=', then '\n', '\r', '2' or '4'..'7', then a
 *   letter, digit or '\n' (an escape; a soft break, which classify()
 *   takes only between letters; the '\n' of "\r\n").
 * Four bytes of a noun, not three: "view", "members", "back" pass three.
 * The nibble tables let some other strings pass ("bree", "=:"), never
 * another first byte: the consumers check what they take (classify(),
 * decoded_candidate()). hit_at() also takes "&#" before any byte, which
 * cannot give a letter ("&#;", "&#<"): the entity is given back. */
struct teddy {
	unsigned char lo[4][16], hi[4][16];
};

#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static void teddy_build(struct teddy *t)
{
	static const struct {
		unsigned char bucket;
		const char *b[4];
	} lits[] = {
	        {0, {"mM", "eE", "sSnN", "sS"}},
	        {1, {"mM", "eE", "dDlL", "dD"}},
	        {2, {"nN", "aA", "cC", "hH"}},
	        {3, {"bB", "eE", "rRsS", "iIkK"}},
	        {4, {"bB", "rRaA", "eEsS", "vVeE"}},
	        {5, {"vVwW", "iI", "eEaA", "sSdD"}},
	        {6, {"&", "#=", "0123456789xX=\n\r", NULL}},
	        {7, {"=", "\n\r24567", LETTERS "0123456789\n", NULL}},
	};
	memset(t, 0, sizeof(*t));
	for (size_t k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		unsigned char bit = (unsigned char)(1u << lits[k].bucket);
		for (int j = 0; j < 4; j++) {
			const char *c = lits[k].b[j];
			if (!c) {
				for (int x = 0; x < 16; x++) {
					t->lo[j][x] |= bit;
					t->hi[j][x] |= bit;
				}
				continue;
			}
			for (; *c; c++) {
				t->lo[j][(unsigned char)*c & 15] |= bit;
				t->hi[j][(unsigned char)*c >> 4] |= bit;
			}
		}
	}
}

#if defined(MH_HAVE_AVX2)
/* From i on, 64 positions at a time while a block's loads, p[i .. i +
 * 67), stay within n: the first block with a possible hit (its offset in
 * *at) and its mask, or 0 and where it stopped. */
/* One byte position j of a Teddy step: the buckets that allow x. */
#define TEDDY_BYTE(lo, hi, x)                                                  \
	_mm256_and_si256(                                                      \
	        _mm256_shuffle_epi8(lo, _mm256_and_si256(x, nib)),             \
	        _mm256_shuffle_epi8(                                           \
	                hi, _mm256_and_si256(_mm256_srli_epi16(x, 4), nib)))

__attribute__((target("avx2"))) static uint64_t
scan_avx2(const struct teddy *t, const char *p, size_t n, size_t i, size_t *at)
{
	const __m256i zero = _mm256_setzero_si256(),
	              nib = _mm256_set1_epi8(0x0f);
#define TAB(a, j)                                                              \
	_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->a[j]))
	/* Named, not an array: GCC keeps all eight in registers. */
	const __m256i lo0 = TAB(lo, 0), lo1 = TAB(lo, 1), lo2 = TAB(lo, 2),
	              lo3 = TAB(lo, 3), hi0 = TAB(hi, 0), hi1 = TAB(hi, 1),
	              hi2 = TAB(hi, 2), hi3 = TAB(hi, 3);
#undef TAB
	for (; i + 67 <= n; i += 64) {
		uint64_t none = 0;
		/* Bodies come from memory, not cache: ask ahead. */
		_mm_prefetch(p + i + 512, _MM_HINT_T0);
		for (int k = 0; k < 2; k++) {
			const char *q = p + i + 32 * (size_t)k;
#define LD(o) _mm256_loadu_si256((const __m256i *)(q + (o)))
			__m256i m = _mm256_and_si256(
			        _mm256_and_si256(TEDDY_BYTE(lo0, hi0, LD(0)),
			                         TEDDY_BYTE(lo1, hi1, LD(1))),
			        _mm256_and_si256(TEDDY_BYTE(lo2, hi2, LD(2)),
			                         TEDDY_BYTE(lo3, hi3, LD(3))));
#undef LD
			none |= (uint64_t)(unsigned)_mm256_movemask_epi8(
			                _mm256_cmpeq_epi8(m, zero))
			        << (32 * k);
		}
		if (~none) {
			*at = i;
			return ~none;
		}
	}
	*at = i;
	return 0;
}
#undef TEDDY_BYTE

/* The last positions, whose loads would pass the end: 64 at most from
 * i, through a copy with zero bytes after it (a byte past n counts as 0
 * for hit_at too). */
__attribute__((target("avx2"))) static uint64_t
edge_avx2(const struct teddy *t, const char *p, size_t n, size_t i, size_t *len)
{
	char buf[64 + 3] = {0};
	size_t k = n - i < 64 ? n - i : 64, c = n - i < 67 ? n - i : 67;
	memcpy(buf, p + i, c);
	size_t at;
	uint64_t m = scan_avx2(t, buf, sizeof(buf), 0, &at);
	*len = k;
	return k == 64 ? m : m & ((UINT64_C(1) << k) - 1);
}
#endif

static void pairs_init(struct pairs *it, const struct teddy *t, const char *p,
                       size_t n, size_t from)
{
	it->t = t;
	it->p = p;
	it->n = n;
	it->mask = 0;
	it->blk = from;
	it->next = from;
#if defined(MH_HAVE_AVX2)
	/* libgcc has read the CPU before main(): a load and a test. */
	it->avx2 = __builtin_cpu_supports("avx2") != 0;
#else
	it->avx2 = 0;
#endif
}

/* The next hit at or after `from` (hits before it are dropped), or n. */
static size_t pairs_next(struct pairs *it, size_t from)
{
	for (;;) {
		while (it->mask) {
			size_t i = it->blk + (size_t)__builtin_ctzll(it->mask);
			it->mask &= it->mask - 1;
			if (i >= from)
				return i;
		}
		if (it->next < from)
			it->next = from;
		size_t i = it->next;
#if defined(MH_HAVE_AVX2)
		if (it->avx2 && i < it->n) {
			size_t at = i;
			if (i + 67 <= it->n) {
				it->mask =
				        scan_avx2(it->t, it->p, it->n, i, &at);
				if (it->mask) {
					it->blk = at;
					it->next = at + 64;
					continue;
				}
				if (at >= it->n) {
					it->next = it->n;
					continue;
				}
			}
			size_t len;
			it->mask = edge_avx2(it->t, it->p, it->n, at, &len);
			it->blk = at;
			it->next = at + len;
			continue;
		}
#endif
		if (i == 0 && it->n) {
			/* No byte before it: the vector loads cannot start
			 * here. */
			it->next = 1;
			if (hit_at(it->p, it->n, 0))
				return 0;
			continue;
		}
#if defined(__SSE2__)
		/* A block reads p[i - 1 .. i + 67). */
		if (i >= 1 && i + 67 <= it->n) {
			size_t at;
			it->mask = scan_sse2(it->p, it->n, i, &at);
			if (it->mask) {
				it->blk = at;
				it->next = at + 64;
				continue;
			}
			i = at; /* the rest, scalar */
		}
#endif
		for (; i < it->n; i++)
			if (hit_at(it->p, it->n, i)) {
				it->next = i + 1;
				return i;
			}
		it->next = it->n;
		return it->n;
	}
}

/* base64 value + 1 of each byte (0: not in the alphabet). */
static const unsigned char b64tab[256] = {
        ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
        ['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
        ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
        ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
        ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
        ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
        ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
        ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
        ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
        ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
        ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

#if defined(MH_HAVE_AVX2)
/* 32 base64 alphabet characters at p decoded to 24 bytes at out (32
 * written); 0, nothing meant, when one of them is outside the alphabet
 * ('=', a line end, anything else). */
__attribute__((target("avx2"))) static int b64_32(const char *p,
                                                  unsigned char *out)
{
#define RANGE(x, a, z)                                                         \
	_mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8((a)-1)),        \
	                 _mm256_cmpgt_epi8(_mm256_set1_epi8((z) + 1), x))
	__m256i x = _mm256_loadu_si256((const __m256i *)p);
	__m256i up = RANGE(x, 'A', 'Z'), low = RANGE(x, 'a', 'z'),
	        dig = RANGE(x, '0', '9'),
	        plus = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('+')),
	        sl = _mm256_cmpeq_epi8(x, _mm256_set1_epi8('/'));
#undef RANGE
	__m256i ok = _mm256_or_si256(
	        _mm256_or_si256(up, low),
	        _mm256_or_si256(dig, _mm256_or_si256(plus, sl)));
	if ((unsigned)_mm256_movemask_epi8(ok) != 0xffffffffu)
		return 0;
	/* The value: the byte plus what its class adds. */
	__m256i add = _mm256_or_si256(
	        _mm256_or_si256(
	                _mm256_and_si256(up, _mm256_set1_epi8(-'A')),
	                _mm256_and_si256(low, _mm256_set1_epi8(26 - 'a'))),
	        _mm256_or_si256(
	                _mm256_and_si256(dig, _mm256_set1_epi8(52 - '0')),
	                _mm256_or_si256(
	                        _mm256_and_si256(plus,
	                                         _mm256_set1_epi8(62 - '+')),
	                        _mm256_and_si256(sl,
	                                         _mm256_set1_epi8(63 - '/')))));
	__m256i v = _mm256_add_epi8(x, add);
	/* Four 6-bit values a b c d per 32 bits: a * 64 + b and c * 64 + d
	 * in 16 bits, then (a * 64 + b) << 12 | (c * 64 + d) in 32; its
	 * three bytes, high first, packed to the front of each half, and the
	 * halves joined. */
	v = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
	v = _mm256_madd_epi16(v, _mm256_set1_epi32(0x00011000));
	v = _mm256_shuffle_epi8(
	        v, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1,
	                            -1, -1, -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
	                            13, 12, -1, -1, -1, -1));
	v = _mm256_permutevar8x32_epi32(
	        v, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
	_mm256_storeu_si256((__m256i *)out, v);
	return 1;
}
#endif

/* One line of a base64 part as the machine takes it: 0 when it is not
 * base64 (b64_line: empty, or a byte outside the alphabet and '='),
 * else its decoded bytes appended at out (b64_decode_line: '=' ends a
 * quantum), *k advanced. */
static int b64_decode(const char *p, size_t n, uint32_t *acc, int *bits,
                      unsigned char *out, size_t *k, int avx2)
{
	uint32_t a = *acc;
	int bt = *bits;
	size_t o = *k, i = 0;
	if (!n)
		return 0;
#if defined(MH_HAVE_AVX2)
	/* On a quantum boundary, 32 characters at a time (older bits of acc
	 * never reach an output from there). */
	if (avx2 && bt == 0)
		for (; i + 32 <= n && b64_32(p + i, out + o); i += 32) {
			o += 24;
			a = 0;
		}
#else
	(void)avx2;
#endif
	for (; i < n; i++) {
		/* Four alphabet characters on a quantum boundary: three bytes
		 * at once (what the loop below would give, and acc's older
		 * bits never reach an output). */
		while (bt == 0 && i + 4 <= n) {
			unsigned c0 = b64tab[(unsigned char)p[i]],
			         c1 = b64tab[(unsigned char)p[i + 1]],
			         c2 = b64tab[(unsigned char)p[i + 2]],
			         c3 = b64tab[(unsigned char)p[i + 3]];
			if (!c0 || !c1 || !c2 || !c3)
				break;
			uint32_t q = (c0 - 1) << 18 | (c1 - 1) << 12 |
			             (c2 - 1) << 6 | (c3 - 1);
			out[o++] = (unsigned char)(q >> 16);
			out[o++] = (unsigned char)(q >> 8);
			out[o++] = (unsigned char)q;
			a = a << 24 | q;
			i += 4;
		}
		if (i >= n)
			break;
		unsigned v = b64tab[(unsigned char)p[i]];
		if (!v) {
			if (p[i] != '=')
				return 0;
			a = 0;
			bt = 0;
			continue;
		}
		a = (a << 6) | (v - 1);
		bt += 6;
		if (bt >= 8) {
			bt -= 8;
			out[o++] = (unsigned char)((a >> bt) & 0xff);
		}
	}
	*acc = a;
	*bits = bt;
	*k = o;
	return 1;
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

/* Decoded bytes that can make a line the machine finds: a noun, or a
 * numeric entity that gives a letter. */
static int decoded_candidate(const struct teddy *t, const unsigned char *d,
                             size_t n)
{
	const char *p = (const char *)d;
	struct pairs it;
	pairs_init(&it, t, p, n, 0);
	for (size_t i = 0; (i = pairs_next(&it, i)) < n; i++) {
		if (p[i] != '&') {
			if (noun_at(p + i, n - i))
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
 * swallows it in a tag): judged here as line_end() would. 1 when the
 * machine may find something, 0 when it cannot. */
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
		    content_len(b, next, line_end_at(b, next)) != 0)
			return 1;
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
#if defined(MH_HAVE_AVX2)
	int avx2 = __builtin_cpu_supports("avx2") != 0;
#else
	int avx2 = 0;
#endif
	while (p < b->n) {
		/* Lines of a part are mostly as long as the one before: try
		 * its length (a '\n' inside would make the line no base64
		 * line; then it is measured). */
		size_t le = p + guess;
#if defined(__SSE2__)
		/* Bodies come from memory, not cache: ask ahead. */
		_mm_prefetch(b->s + p + 1024, _MM_HINT_T0);
#endif
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
			if (decoded_candidate(b->t, buf, have))
				return 1;
			size_t keep = have < KEEP ? have : KEEP;
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
		if (!b64_decode(b->s + p, ln, &acc, &bits, buf, &have, avx2)) {
			if (!guessed)
				break;
			guess = 0; /* measure it */
			continue;
		}
		guess = le - p;
		p = le < b->n ? le + 1 : b->n;
	}
	*end = p;
	return decoded_candidate(b->t, buf, have) ||
	       open_entity(b, buf, have, p);
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

/* The last '<', '>' or '=' in p[0..n), or (size_t)-1. */
static size_t last_tagish(const char *p, size_t n)
{
#if defined(__SSE2__)
	const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
	              eq = _mm_set1_epi8('=');
	while (n >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + n - 16));
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, lt),
		                                  _mm_cmpeq_epi8(x, gt)),
		                     _mm_cmpeq_epi8(x, eq)));
		if (m)
			return n - 16 + (size_t)(31 - __builtin_clz(m));
		n -= 16;
	}
#endif
	while (n > 0) {
		n--;
		if (p[n] == '<' || p[n] == '>' || p[n] == '=')
			return n;
	}
	return (size_t)-1;
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
		while ((j = last_tagish(b->s + ls, j)) != (size_t)-1) {
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

enum { C_NONE, C_TEXT, C_B64 };

/* What the pair at offset i is: C_TEXT a candidate in text, C_B64 a
 * base64 part header line starts at line_start(i), else C_NONE. */
static int classify(const struct body *b, size_t i)
{
	const char *p = b->s + i;
	size_t left = b->n - i;
	switch (*p) {
	case '&':
		/* "&#", or '&' and a soft line break (the '#' after it). */
		if (left > 1 && p[1] == '#')
			return C_TEXT;
		return left > 2 && p[1] == '=' &&
		                       (p[2] == '\n' ||
		                        (p[2] == '\r' && left > 3 &&
		                         p[3] == '\n'))
		               ? C_TEXT
		               : C_NONE;
	case '=':
		if (left > 1 && (p[1] == '\n' ||
		                 (p[1] == '\r' && left > 2 && p[2] == '\n'))) {
			/* A soft line break: a noun across it has two of its
			 * letters on the two sides (hidden ones are hits of
			 * their own). */
			size_t j = p[1] == '\r' ? 3 : 2;
			return i > 0 && j < left && noun_bigram(p[-1], p[j]) &&
			                       soft_join(b, i)
			               ? C_TEXT
			               : C_NONE;
		}
		return letter_escape(p, left) ? C_TEXT : C_NONE;
	default:
		if ((*p | 0x20) == 'b' && left >= 6 && ieq(p, "base64", 6))
			return cte_line(b, line_start(b, i)) ? C_B64 : C_NONE;
		return noun_at(p, left) ? C_TEXT : C_NONE;
	}
}

/* The tables, built once for every thread. */
static struct teddy teddy_tab;
static pthread_once_t tabs_once = PTHREAD_ONCE_INIT;

static void tabs_build(void)
{
	teddy_build(&teddy_tab);
	bigrams_build();
}

int mh_fwdlang_body(const char *s, size_t n, int b64)
{
	struct body b = {s, n, 0, 0, 0, &teddy_tab};
	size_t i = 0, done = 0;
	/* [skip, skip_end): base64 lines, searched decoded already. */
	size_t skip = n, skip_end = n;
	int b64_seen = b64;
	if (!s)
		return 0;
	pthread_once(&tabs_once, tabs_build);
	struct pairs it;
	if (b64) {
		if (b64_part(&b, 0, &i))
			return mh_fwdlang_body_ref(s, n, b64);
	}
	pairs_init(&it, &teddy_tab, s, n, i);
	while ((i = pairs_next(&it, i)) < n) {
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
