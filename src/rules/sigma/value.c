/* value.c - Sigma value modifiers (Sigma modifiers appendix).
 *
 * Strings go through an escaped "glob form" while modifiers apply: byte
 * 0x01 followed by a byte is that byte literally, a bare '*' or '?' is a
 * wildcard, every other byte is itself. Encodings (base64, utf16) work on
 * the literal bytes; contains/startswith/endswith add '*'; at the end the
 * form is classified (EQ, PREFIX, SUFFIX, CONTAINS or GLOB) and, for the
 * literal kinds, unescaped.
 */
#include "rules/sigma/value.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "rules/sigma/regex.h"

#define ESC 0x01
/* windash permutations: 5 dash forms per dash; 4 dashes = 625 values */
#define MAX_VARIANTS 640

struct gs {
	char *p;
	size_t n, alloc;
};

/* Values a modifier chain has produced so far; grows on demand (most
 * values stay one). */
struct glist {
	struct gs *v;
	size_t n, alloc;
};

/* A zeroed new slot at the end, or NULL (ENOMEM or MAX_VARIANTS). */
static struct gs *glist_push(struct glist *l)
{
	if (l->n == MAX_VARIANTS)
		return NULL;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 4 : 4;
		if (na > MAX_VARIANTS)
			na = MAX_VARIANTS;
		struct gs *nv = realloc(l->v, na * sizeof(*nv));
		if (!nv)
			return NULL;
		l->v = nv;
		l->alloc = na;
	}
	struct gs *g = &l->v[l->n++];
	memset(g, 0, sizeof(*g));
	return g;
}

static int gs_add(struct gs *g, const void *p, size_t n)
{
	if (!g->p || g->n + n + 1 > g->alloc) {
		size_t na = (g->n + n + 1) * 2;
		char *np = realloc(g->p, na);
		if (!np)
			return MH_ENOMEM;
		g->p = np;
		g->alloc = na;
	}
	if (n == 1) /* most calls: one byte, no call to memcpy */
		g->p[g->n] = *(const char *)p;
	else if (n)
		memcpy(g->p + g->n, p, n);
	g->n += n;
	g->p[g->n] = '\0';
	return MH_OK;
}

/* Room for n more bytes (and the NUL) in one step. */
static int gs_reserve(struct gs *g, size_t n)
{
	if (g->p && g->n + n + 1 <= g->alloc)
		return MH_OK;
	size_t na = g->n + n + 1;
	char *np = realloc(g->p, na);
	if (!np)
		return MH_ENOMEM;
	g->p = np;
	g->alloc = na;
	return MH_OK;
}

static int gs_lit(struct gs *g, unsigned char c)
{
	if (c == '*' || c == '?' || c == ESC) {
		char e[2] = {ESC, (char)c};
		return gs_add(g, e, 2);
	}
	return gs_add(g, &c, 1);
}

/* Free the strings, keep the array. */
static void glist_clear(struct glist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].p);
	l->n = 0;
}

static void glist_free(struct glist *l)
{
	glist_clear(l);
	free(l->v);
	l->v = NULL;
	l->alloc = 0;
}

static void lower_ascii(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] | 0x20);
}

/* MARK: - modifiers */

static const struct {
	const char *name;
	unsigned flag;
	char chain;
	uint8_t cmp, tpart;
} mods[] = {
        {"contains", MH_MOD_CONTAINS, 0, 0, 0},
        {"startswith", MH_MOD_STARTS, 0, 0, 0},
        {"endswith", MH_MOD_ENDS, 0, 0, 0},
        {"all", MH_MOD_ALL, 0, 0, 0},
        {"re", MH_MOD_RE, 0, 0, 0},
        {"cidr", MH_MOD_CIDR, 0, 0, 0},
        {"exists", MH_MOD_EXISTS, 0, 0, 0},
        {"fieldref", MH_MOD_FIELDREF, 0, 0, 0},
        {"expand", MH_MOD_EXPAND, 0, 0, 0},
        {"cased", MH_MOD_CASED, 0, 0, 0},
        {"neq", MH_MOD_NEQ, 0, 0, 0},
        {"gt", MH_MOD_NUM, 0, MH_CMP_GT, 0},
        {"gte", MH_MOD_NUM, 0, MH_CMP_GTE, 0},
        {"lt", MH_MOD_NUM, 0, MH_CMP_LT, 0},
        {"lte", MH_MOD_NUM, 0, MH_CMP_LTE, 0},
        {"windash", 0, 'w', 0, 0},
        {"base64", 0, 'b', 0, 0},
        {"base64offset", 0, 'o', 0, 0},
        {"utf16le", 0, 'l', 0, 0},
        {"wide", 0, 'l', 0, 0},
        {"utf16be", 0, 'B', 0, 0},
        {"utf16", 0, 'u', 0, 0},
        {"minute", 0, 0, 0, MH_TP_MINUTE},
        {"hour", 0, 0, 0, MH_TP_HOUR},
        {"day", 0, 0, 0, MH_TP_DAY},
        {"week", 0, 0, 0, MH_TP_WEEK},
        {"month", 0, 0, 0, MH_TP_MONTH},
        {"year", 0, 0, 0, MH_TP_YEAR},
};

int mh_sv_mods(const char *s, struct mh_svmods *m, struct mh_err *err)
{
	memset(m, 0, sizeof(*m));
	while (*s) {
		const char *e = strchr(s, '|');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		size_t i;
		int found = 0;
		for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
			if (strlen(mods[i].name) == n &&
			    !memcmp(mods[i].name, s, n)) {
				found = 1;
				break;
			}
		if (!found && (m->flags & MH_MOD_RE) && n == 1 &&
		    (s[0] == 'i' || s[0] == 'm' || s[0] == 's')) {
			m->re_flags |= s[0] == 'i' ? 1 : s[0] == 'm' ? 2 : 4;
		} else if (!found) {
			return mh_err_set(err, MH_EFORMAT,
			                  "unknown modifier '%.*s'",
			                  (int)(n > 40 ? 40 : n), s);
		} else {
			m->flags |= mods[i].flag;
			if (mods[i].cmp)
				m->cmp = mods[i].cmp;
			if (mods[i].tpart)
				m->tpart = mods[i].tpart;
			if (mods[i].chain) {
				if (m->nchain == MH_SV_MAX_CHAIN)
					return mh_err_set(err, MH_EFORMAT,
					                  "too many modifiers");
				m->chain[m->nchain++] = mods[i].chain;
			}
		}
		s += n;
		if (*s == '|')
			s++;
	}
	unsigned f = m->flags;
	int pos = !!(f & MH_MOD_CONTAINS) + !!(f & MH_MOD_STARTS) +
	          !!(f & MH_MOD_ENDS);
	if (pos > 1)
		return mh_err_set(err, MH_EFORMAT,
		                  "contains, startswith and endswith exclude "
		                  "each other");
	unsigned special = f & (MH_MOD_RE | MH_MOD_CIDR | MH_MOD_EXISTS |
	                        MH_MOD_FIELDREF | MH_MOD_NUM);
	if (special & (special - 1))
		return mh_err_set(
		        err, MH_EFORMAT,
		        "re, cidr, exists, fieldref and gt/gte/lt/lte "
		        "exclude each other");
	if ((f & (MH_MOD_RE | MH_MOD_CIDR | MH_MOD_EXISTS | MH_MOD_NUM)) &&
	    (pos || m->nchain))
		return mh_err_set(err, MH_EFORMAT,
		                  "re, cidr, exists and gt/gte/lt/lte take no "
		                  "string modifier");
	if ((f & MH_MOD_FIELDREF) && m->nchain)
		return mh_err_set(err, MH_EFORMAT,
		                  "fieldref takes no encoding modifier");
	if (m->tpart && (f & ~(MH_MOD_NUM | MH_MOD_NEQ | MH_MOD_ALL)))
		return mh_err_set(err, MH_EFORMAT,
		                  "time modifiers combine only with "
		                  "gt/gte/lt/lte and neq");
	return MH_OK;
}

/* MARK: - building */

/* Sigma escapes: '\' before '*', '?' or '\' makes it literal; any other
 * '\' is itself. */
static int parse_sigma_string(const char *s, size_t n, struct gs *g)
{
	/* at most two bytes each (an escape): written in place, as gs_lit
	 * (a literal) and gs_add (a wildcard) would */
	if (gs_reserve(g, 2 * n))
		return MH_ENOMEM;
	char *o = g->p + g->n;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < n &&
		    (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			c = (unsigned char)s[++i];
		} else if (c == '*' || c == '?') {
			*o++ = (char)c;
			continue;
		}
		if (c == '*' || c == '?' || c == ESC)
			*o++ = ESC;
		*o++ = (char)c;
	}
	g->n = (size_t)(o - g->p);
	g->p[g->n] = '\0';
	return MH_OK;
}

/* The literal bytes of g, or -1 when it holds a wildcard. */
static int plain_bytes(const struct gs *g, struct gs *out)
{
	for (size_t i = 0; i < g->n; i++) {
		unsigned char c = (unsigned char)g->p[i];
		if (c == ESC && i + 1 < g->n)
			c = (unsigned char)g->p[++i];
		else if (c == '*' || c == '?')
			return -1;
		if (gs_add(out, &c, 1))
			return MH_ENOMEM;
	}
	return gs_add(out, "", 0);
}

static const char b64tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64(const unsigned char *p, size_t n, struct gs *out, int *rc)
{
	for (size_t i = 0; i < n && !*rc; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {b64tab[(v >> 18) & 63], b64tab[(v >> 12) & 63],
		             i + 1 < n ? b64tab[(v >> 6) & 63] : '=',
		             i + 2 < n ? b64tab[v & 63] : '='};
		for (int k = 0; k < 4 && !*rc; k++)
			*rc = gs_lit(out, (unsigned char)q[k]);
	}
}

/* Decode one UTF-8 character at p (n > 0); invalid bytes are taken as
 * Latin-1 so that every input encodes to something. */
size_t mh_sv_utf8_cp(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0];
	size_t len = c < 0x80         ? 1
	             : (c >> 5) == 6  ? 2
	             : (c >> 4) == 14 ? 3
	             : (c >> 3) == 30 ? 4
	                              : 0;
	if (len == 0 || len > n) {
		*cp = c;
		return 1;
	}
	if (len == 1) {
		*cp = c;
		return 1;
	}
	unsigned v = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = c;
			return 1;
		}
		v = (v << 6) | (p[i] & 0x3f);
	}
	*cp = v;
	return len;
}

static int put16(struct gs *out, unsigned u, int be)
{
	int rc = gs_lit(out, (unsigned char)(be ? u >> 8 : u & 0xff));
	return rc ? rc : gs_lit(out, (unsigned char)(be ? u & 0xff : u >> 8));
}

/* UTF-16 of the literal runs of g; wildcards stay wildcards. */
static int utf16(const struct gs *g, int be, int bom, struct gs *out)
{
	int rc = MH_OK;
	if (bom)
		rc = put16(out, 0xfeff, be);
	unsigned char run[4];
	size_t nrun = 0;
	for (size_t i = 0; i <= g->n && !rc; i++) {
		int wild = 0;
		unsigned char c = 0;
		if (i < g->n) {
			c = (unsigned char)g->p[i];
			if (c == ESC && i + 1 < g->n)
				c = (unsigned char)g->p[++i];
			else if (c == '*' || c == '?')
				wild = 1;
		}
		if (!wild && i < g->n) {
			run[nrun++] = c;
			unsigned cp;
			if (mh_sv_utf8_cp(run, nrun, &cp) == nrun ||
			    nrun == 4) {
				size_t used = mh_sv_utf8_cp(run, nrun, &cp);
				if (cp >= 0x10000) {
					cp -= 0x10000;
					rc = put16(out, 0xd800 | (cp >> 10),
					           be);
					if (!rc)
						rc = put16(out,
						           0xdc00 |
						                   (cp & 0x3ff),
						           be);
				} else {
					rc = put16(out, cp, be);
				}
				memmove(run, run + used, nrun - used);
				nrun -= used;
			}
			continue;
		}
		while (nrun && !rc) { /* a cut-off sequence: bytes as is */
			rc = put16(out, run[0], be);
			memmove(run, run + 1, --nrun);
		}
		if (wild && !rc)
			rc = gs_add(out, &c, 1);
	}
	return rc ? rc : gs_add(out, "", 0);
}

static const char *const dashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94",
                                     "\xe2\x80\x95"};

/* Length of a dash at p (one of dashes[]), 0 if none. */
static size_t dash_at(const char *p, size_t n)
{
	if (n >= 1 && (p[0] == '-' || p[0] == '/'))
		return 1;
	if (n >= 3 && (unsigned char)p[0] == 0xe2 &&
	    (unsigned char)p[1] == 0x80 &&
	    ((unsigned char)p[2] >= 0x93 && (unsigned char)p[2] <= 0x95))
		return 3;
	return 0;
}

static int windash(const struct gs *g, struct glist *out, struct mh_err *err)
{
	size_t pos[8], len[8], nd = 0;
	for (size_t i = 0; i < g->n;) {
		if ((unsigned char)g->p[i] == ESC) {
			i += 2;
			continue;
		}
		size_t d = dash_at(g->p + i, g->n - i);
		if (d) {
			if (nd == 4)
				return mh_err_set(
				        err, MH_EFORMAT,
				        "windash: more than 4 dashes in "
				        "one value (%d variants)",
				        5 * 5 * 5 * 5 * 5);
			pos[nd] = i;
			len[nd++] = d;
			i += d;
		} else {
			i++;
		}
	}
	size_t total = 1;
	for (size_t k = 0; k < nd; k++)
		total *= 5;
	if (out->n + total > MAX_VARIANTS)
		return mh_err_set(err, MH_ETOOBIG, "too many value variants");
	for (size_t v = 0; v < total; v++) {
		struct gs *o = glist_push(out);
		if (!o)
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		size_t at = 0, code = v;
		int rc = MH_OK;
		for (size_t k = 0; k < nd && !rc; k++) {
			rc = gs_add(o, g->p + at, pos[k] - at);
			if (!rc)
				rc = gs_add(o, dashes[code % 5],
				            strlen(dashes[code % 5]));
			code /= 5;
			at = pos[k] + len[k];
		}
		if (!rc)
			rc = gs_add(o, g->p + at, g->n - at);
		if (rc)
			return mh_err_set(err, rc, "out of memory");
	}
	return MH_OK;
}

/* One transformation over every value of in, into out. */
static int transform(char op, struct glist *in, struct glist *out,
                     struct mh_err *err)
{
	static const int start_off[3] = {0, 2, 3};
	static const int end_off[3] = {0, -3, -2};
	for (size_t i = 0; i < in->n; i++) {
		struct gs *g = &in->v[i];
		if (op == 'w') {
			int rc = windash(g, out, err);
			if (rc)
				return rc;
			continue;
		}
		if (op == 'l' || op == 'B' || op == 'u') {
			struct gs *o = glist_push(out);
			if (!o)
				return mh_err_set(err, MH_ETOOBIG,
				                  "too many value variants");
			if (utf16(g, op == 'B', op == 'u', o))
				return mh_err_set(err, MH_ENOMEM,
				                  "out of memory");
			continue;
		}
		struct gs raw = {0};
		int prc = plain_bytes(g, &raw);
		if (prc < 0 || prc) {
			free(raw.p);
			if (prc == MH_ENOMEM)
				return mh_err_set(err, MH_ENOMEM,
				                  "out of memory");
			return mh_err_set(
			        err, MH_EFORMAT, "%s of a value with wildcards",
			        op == 'b' ? "base64" : "base64offset");
		}
		int nv = op == 'b' ? 1 : 3;
		if (out->n + (size_t)nv > MAX_VARIANTS) {
			free(raw.p);
			return mh_err_set(err, MH_ETOOBIG,
			                  "too many value variants");
		}
		for (int k = 0; k < nv; k++) {
			struct gs tmp = {0}, pad = {0};
			int rc = MH_OK;
			for (int s = 0; s < k && !rc; s++)
				rc = gs_add(&pad, " ", 1);
			if (!rc)
				rc = gs_add(&pad, raw.p, raw.n);
			if (!rc)
				b64((const unsigned char *)pad.p, pad.n, &tmp,
				    &rc);
			struct gs *o = glist_push(out);
			if (!o)
				rc = MH_ENOMEM;
			if (!rc && op == 'b') {
				rc = gs_add(o, tmp.p ? tmp.p : "", tmp.n);
			} else if (!rc) {
				/* tmp is escape-free (base64 alphabet) */
				size_t from = (size_t)start_off[k];
				int e = end_off[(raw.n + (size_t)k) % 3];
				size_t to = e ? tmp.n - (size_t)(-e) : tmp.n;
				if (to < from)
					to = from;
				rc = gs_add(o, tmp.p + from, to - from);
			}
			free(tmp.p);
			free(pad.p);
			if (rc) {
				free(raw.p);
				return mh_err_set(err, MH_ENOMEM,
				                  "out of memory");
			}
		}
		free(raw.p);
	}
	return MH_OK;
}

/* Placeholders: %name% replaced by each of its values (all combinations
 * when a value holds several); '\%' is a literal '%'. */
static int expand(const char *s, size_t n, const struct mh_sv_ctx *ctx,
                  struct glist *out, struct mh_err *err)
{
	/* Start with one empty string and extend every variant. */
	struct glist cur = {0};
	struct gs *first = glist_push(&cur);
	int rc = first ? gs_add(first, "", 0) : MH_ENOMEM;
	for (size_t i = 0; i < n && !rc;) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '%') {
			for (size_t k = 0; k < cur.n && !rc; k++)
				rc = gs_add(&cur.v[k], "%", 1);
			i += 2;
			continue;
		}
		const char *end =
		        s[i] == '%' ? memchr(s + i + 1, '%', n - i - 1) : NULL;
		if (!end) {
			for (size_t k = 0; k < cur.n && !rc; k++)
				rc = gs_add(&cur.v[k], s + i, 1);
			i++;
			continue;
		}
		const char *name = s + i + 1;
		size_t nl = (size_t)(end - name);
		const struct mh_placeholder *ph = NULL;
		for (size_t k = 0; k < ctx->nph; k++)
			if (strlen(ctx->ph[k].name) == nl &&
			    !strncasecmp(ctx->ph[k].name, name, nl))
				ph = &ctx->ph[k];
		if (!ph || !ph->nvalues) {
			glist_free(&cur);
			return mh_err_set(err, MH_EFORMAT,
			                  "placeholder '%%%.*s%%' has no value "
			                  "(give --placeholder %.*s=VALUE)",
			                  (int)(nl > 40 ? 40 : nl), name,
			                  (int)(nl > 40 ? 40 : nl), name);
		}
		if (cur.n * ph->nvalues > MAX_VARIANTS) {
			glist_free(&cur);
			return mh_err_set(err, MH_ETOOBIG,
			                  "too many placeholder values");
		}
		struct glist nx = {0};
		for (size_t k = 0; k < cur.n && !rc; k++)
			for (size_t v = 0; v < ph->nvalues && !rc; v++) {
				struct gs *o = glist_push(&nx);
				rc = o ? gs_add(o, cur.v[k].p, cur.v[k].n)
				       : MH_ENOMEM;
				if (!rc)
					rc = gs_add(o, ph->values[v],
					            strlen(ph->values[v]));
			}
		glist_free(&cur);
		cur = nx;
		i = (size_t)(end - s) + 1;
	}
	if (rc) {
		glist_free(&cur);
		return mh_err_set(err, rc, "out of memory");
	}
	/* Each expanded text is then a Sigma string (its wildcards count). */
	for (size_t k = 0; k < cur.n && !rc; k++) {
		struct gs *o = glist_push(out);
		rc = o ? parse_sigma_string(cur.v[k].p, cur.v[k].n, o)
		       : MH_ENOMEM;
	}
	glist_free(&cur);
	return rc ? mh_err_set(err, rc, "out of memory") : MH_OK;
}

/* The final pattern of one glob form. */
static int classify(const struct gs *g, const struct mh_svmods *m,
                    const struct mh_sv_ctx *ctx, struct mh_sv *sv)
{
	struct gs w = {0};
	int rc = MH_OK;
	const char *gp = g->p ? g->p : "";
	size_t gn = g->p ? g->n : 0;
	if ((m->flags & (MH_MOD_CONTAINS | MH_MOD_ENDS)) &&
	    !(gn && gp[0] == '*'))
		rc = gs_add(&w, "*", 1);
	if (!rc)
		rc = gs_add(&w, gp, gn);
	int ends_star = gn && gp[gn - 1] == '*' &&
	                !(gn >= 2 && (unsigned char)gp[gn - 2] == ESC);
	if (!rc && (m->flags & (MH_MOD_CONTAINS | MH_MOD_STARTS)) && !ends_star)
		rc = gs_add(&w, "*", 1);
	if (!rc)
		rc = gs_add(&w, "", 0);
	if (rc || !w.p) {
		free(w.p);
		return rc ? rc : MH_ENOMEM;
	}
	/* Where are the wildcards? */
	size_t nw = 0, first = (size_t)-1, last = 0, nq = 0;
	for (size_t i = 0; i < w.n; i++) {
		unsigned char c = (unsigned char)w.p[i];
		if (c == ESC) {
			i++;
			continue;
		}
		if (c == '*' || c == '?') {
			if (first == (size_t)-1)
				first = i;
			last = i;
			nw++;
			nq += c == '?';
		}
	}
	size_t lo = 0, hi = w.n;
	if (nw == 0) {
		sv->kind = MH_SV_EQ;
	} else if (nq == 0 && nw == 1 && first == 0) {
		sv->kind = MH_SV_SUFFIX;
		lo = 1;
	} else if (nq == 0 && nw == 1 && first == w.n - 1) {
		sv->kind = MH_SV_PREFIX;
		hi = w.n - 1;
	} else if (nq == 0 && nw == 2 && first == 0 && last == w.n - 1) {
		sv->kind = MH_SV_CONTAINS;
		lo = 1;
		hi = w.n - 1;
	} else {
		sv->kind = MH_SV_GLOB;
	}
	char *o = mh_arena_alloc(ctx->a, w.n + 1);
	if (!o) {
		free(w.p);
		return MH_ENOMEM;
	}
	size_t on = 0;
	for (size_t i = lo; i < hi; i++) {
		unsigned char c = (unsigned char)w.p[i];
		if (c == ESC && sv->kind != MH_SV_GLOB && i + 1 < hi)
			c = (unsigned char)w.p[++i];
		else if (c == ESC && i + 1 < hi) /* keep escapes for glob */
			o[on++] = (char)c, c = (unsigned char)w.p[++i];
		o[on++] = (char)c;
	}
	o[on] = '\0';
	free(w.p);
	sv->cased = !!(m->flags & MH_MOD_CASED);
	if (!sv->cased)
		lower_ascii(o, on);
	sv->s = o;
	sv->n = on;
	sv->rare = sv->kind == MH_SV_CONTAINS ? mh_sv_rare(o, on) : 0;
	sv->neq = !!(m->flags & MH_MOD_NEQ);
	return MH_OK;
}

static int parse_cidr(const char *s, struct mh_sv *sv)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	if (al == 0 || al >= sizeof(buf))
		return -1;
	memcpy(buf, s, al);
	buf[al] = '\0';
	memset(sv->ip, 0, sizeof(sv->ip));
	if (inet_pton(AF_INET, buf, sv->ip) == 1)
		sv->v6 = 0;
	else if (inet_pton(AF_INET6, buf, sv->ip) == 1)
		sv->v6 = 1;
	else
		return -1;
	int max = sv->v6 ? 128 : 32, bits = max;
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || b < 0 || b > max)
			return -1;
		bits = (int)b;
	}
	sv->bits = (uint8_t)bits;
	sv->kind = MH_SV_CIDR;
	return 0;
}

int mh_sv_num(const char *s, size_t n, double *out)
{
	char buf[64];
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	double v;
	if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		v = (double)strtoull(buf + 2, &end, 16);
	else
		v = strtod(buf, &end);
	if (*end || end == buf || isnan(v))
		return 0;
	*out = v;
	return 1;
}

static int push(struct mh_sv *out, size_t *n, size_t cap, struct mh_sv *sv,
                struct mh_err *err)
{
	if (*n == cap)
		return mh_err_set(err, MH_ETOOBIG,
		                  "too many values in one detection item (over "
		                  "%zu)",
		                  cap);
	out[(*n)++] = *sv;
	return MH_OK;
}

int mh_sv_build(const struct mh_svmods *m, const struct mh_yn *v,
                const struct mh_sv_ctx *ctx, struct mh_sv *out, size_t *n,
                size_t cap, struct mh_err *err)
{
	struct mh_sv sv;
	memset(&sv, 0, sizeof(sv));
	sv.neq = !!(m->flags & MH_MOD_NEQ);
	sv.tpart = m->tpart;
	sv.cased = !!(m->flags & MH_MOD_CASED);
	if (!v || v->type != MH_YN_SCALAR)
		return mh_err_set(err, MH_EFORMAT,
		                  "a value must be a string, number, boolean "
		                  "or null");
	if (m->flags & MH_MOD_EXISTS) {
		if (!v->plain ||
		    (strcmp(v->s, "true") != 0 && strcmp(v->s, "false") != 0 &&
		     strcmp(v->s, "True") != 0 && strcmp(v->s, "False") != 0))
			return mh_err_set(
			        err, MH_EFORMAT,
			        "exists takes true or false, not '%.40s'",
			        v->s);
		sv.kind = MH_SV_EXISTS;
		sv.exists = v->s[0] == 't' || v->s[0] == 'T';
		return push(out, n, cap, &sv, err);
	}
	if (mh_yn_is_null(v)) {
		if (m->flags || m->nchain || m->tpart)
			return mh_err_set(err, MH_EFORMAT,
			                  "null takes no modifier");
		sv.kind = MH_SV_NULL;
		return push(out, n, cap, &sv, err);
	}
	if (m->flags & MH_MOD_NUM || m->tpart) {
		double d;
		if (!mh_sv_num(v->s, v->len, &d))
			return mh_err_set(err, MH_EFORMAT,
			                  "'%.40s' is not a number", v->s);
		sv.kind = MH_SV_NUM;
		sv.cmp = m->cmp;
		sv.num = d;
		return push(out, n, cap, &sv, err);
	}
	if (m->flags & MH_MOD_CIDR) {
		if (parse_cidr(v->s, &sv))
			return mh_err_set(
			        err, MH_EFORMAT,
			        "'%.60s' is not an IPv4 or IPv6 network", v->s);
		return push(out, n, cap, &sv, err);
	}
	if (m->flags & MH_MOD_RE) {
		if (memchr(v->s, '\0', v->len))
			return mh_err_set(
			        err, MH_EFORMAT,
			        "regular expression holds a NUL byte");
		int idx = ctx->add_re(ctx->ud, v->s, v->len, m->re_flags, err);
		if (idx < 0)
			return idx;
		sv.kind = MH_SV_RE;
		sv.re = idx;
		/* s: a literal the value must contain, for the prefilter */
		char lit[256];
		sv.n = mh_sg_regex_literal(v->s, v->len, lit, sizeof(lit));
		sv.s = sv.n ? mh_arena_strndup(ctx->a, lit, sv.n) : NULL;
		if (sv.n && !sv.s)
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		return push(out, n, cap, &sv, err);
	}
	if (m->flags & MH_MOD_FIELDREF) {
		sv.kind = MH_SV_FIELDREF;
		sv.s = mh_arena_strndup(ctx->a, v->s, v->len);
		if (!sv.s)
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		sv.n = v->len;
		sv.slot = -1;
		return push(out, n, cap, &sv, err);
	}
	/* Strings: parse, transform in order, classify. */
	struct glist la = {0}, lb = {0}, *a = &la, *b = &lb;
	int rc = MH_OK;
	if (m->flags & MH_MOD_EXPAND) {
		rc = expand(v->s, v->len, ctx, a, err);
	} else {
		struct gs *g = glist_push(a);
		rc = g ? parse_sigma_string(v->s, v->len, g) : MH_ENOMEM;
		if (rc)
			mh_err_set(err, rc, "out of memory");
	}
	for (size_t k = 0; k < m->nchain && rc == MH_OK; k++) {
		rc = transform(m->chain[k], a, b, err);
		glist_clear(a);
		struct glist *t = a;
		a = b;
		b = t;
	}
	for (size_t k = 0; k < a->n && rc == MH_OK; k++) {
		struct mh_sv one = sv;
		rc = classify(&a->v[k], m, ctx, &one);
		if (rc)
			mh_err_set(err, rc, "out of memory");
		else
			rc = push(out, n, cap, &one, err);
	}
	glist_free(a);
	glist_free(b);
	return rc;
}
