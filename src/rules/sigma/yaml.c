#include "rules/sigma/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* A node under construction: children collect in a growable array that is
 * copied into the arena once the collection ends. */
struct frame {
	struct mh_yn *node;
	struct mh_yn **kids;
	size_t n, alloc;
};

struct parse {
	struct mh_arena *a;
	struct frame stack[MH_YAML_MAX_DEPTH + 1];
	size_t depth;
	size_t nodes;
	struct mh_yn **docs;
	size_t ndocs, docs_alloc;
	struct mh_yn *root;
};

static int push_kid(struct frame *f, struct mh_yn *kid)
{
	if (f->n == f->alloc) {
		size_t na = f->alloc ? f->alloc * 2 : 8;
		struct mh_yn **nk = realloc(f->kids, na * sizeof(*nk));
		if (!nk)
			return MH_ENOMEM;
		f->kids = nk;
		f->alloc = na;
	}
	f->kids[f->n++] = kid;
	return MH_OK;
}

static int attach(struct parse *p, struct mh_yn *node)
{
	if (p->depth == 0) {
		p->root = node;
		return MH_OK;
	}
	return push_kid(&p->stack[p->depth - 1], node);
}

/* A zeroed node of type t at (line, col), 1-based, from the arena;
 * NULL when out of memory. Both parsers make their nodes here, so their
 * trees are alike by construction (test_sigma_yaml compares them). */
static struct mh_yn *node_at(struct mh_arena *a, enum mh_yn_type t,
                             unsigned line, unsigned col)
{
	struct mh_yn *n = mh_arena_alloc(a, sizeof(*n));
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->line = line;
	n->col = col;
	return n;
}

static struct mh_yn *new_node(struct parse *p, enum mh_yn_type t,
                              const yaml_event_t *ev)
{
	if (++p->nodes > MH_YAML_MAX_NODES)
		return NULL;
	return node_at(p->a, t, (unsigned)ev->start_mark.line + 1,
	               (unsigned)ev->start_mark.column + 1);
}

static int close_frame(struct parse *p)
{
	if (p->depth == 0 || !p->stack[p->depth - 1].node)
		return MH_EFORMAT; /* libyaml balances them; be safe */
	struct frame *f = &p->stack[--p->depth];
	struct mh_yn *node = f->node;
	if (node->type == MH_YN_MAP && (f->n & 1))
		f->n--; /* cannot happen with libyaml; keep pairs whole */
	node->n = node->type == MH_YN_MAP ? f->n / 2 : f->n;
	if (f->n) {
		node->kv = mh_arena_alloc(p->a, f->n * sizeof(*node->kv));
		if (!node->kv)
			return MH_ENOMEM;
		memcpy(node->kv, f->kids, f->n * sizeof(*node->kv));
	}
	free(f->kids);
	memset(f, 0, sizeof(*f));
	return attach(p, node);
}

static int add_doc(struct parse *p)
{
	if (p->ndocs == p->docs_alloc) {
		size_t na = p->docs_alloc ? p->docs_alloc * 2 : 4;
		struct mh_yn **nd = realloc(p->docs, na * sizeof(*nd));
		if (!nd)
			return MH_ENOMEM;
		p->docs = nd;
		p->docs_alloc = na;
	}
	p->docs[p->ndocs++] = p->root;
	p->root = NULL;
	return MH_OK;
}

static int fail_at(struct mh_err *err, int code, const yaml_mark_t *m,
                   const char *what)
{
	mh_err_set(err, code, "%s", what);
	if (err) {
		err->line = (unsigned)m->line + 1;
		err->col = (unsigned)m->column + 1;
		err->offset = m->index;
	}
	return code;
}

/* MARK: - the fast path: the block subset rule files are written in */

/* SigmaHQ's rules use a small part of YAML: block mappings and
 * sequences, plain, single- and double-quoted scalars on one line,
 * literal block scalars ('|', '|-') and comments. libyaml spent most of
 * the load of its 3,780 rules tokenising them. This path reads that
 * subset into the same tree libyaml's events make (the same nodes,
 * text, style, lines and columns: a unit test compares both on every
 * rule of SigmaHQ's set) and declines anything else (a tab, a CR,
 * non-ASCII bytes, flow collections, anchors, tags, '>' scalars,
 * multi-line plain or quoted scalars, several documents, any
 * construct it is not sure of, an error): libyaml then reads the file
 * as before. */

#define FP_NO 1 /* declined: libyaml reads the file */

struct fline {
	const char *p;
	size_t n;   /* without the '\n' */
	size_t ind; /* leading spaces */
	int empty;  /* only spaces */
	int blank;  /* only spaces, or a comment */
};

struct fp {
	struct mh_arena *a;
	struct fline *ln;
	size_t nl, li;
	size_t nodes;
	int depth;
};

static int fp_node(struct fp *f, enum mh_yn_type t, size_t li, size_t off,
                   struct mh_yn **out)
{
	if (++f->nodes > MH_YAML_MAX_NODES)
		return FP_NO;
	/* ASCII only: bytes are columns */
	struct mh_yn *n = node_at(f->a, t, (unsigned)li + 1, (unsigned)off + 1);
	if (!n)
		return MH_ENOMEM;
	*out = n;
	return MH_OK;
}

static int fp_scalar(struct fp *f, size_t li, size_t off, const char *s,
                     size_t len, int plain, struct mh_yn **out)
{
	int rc = fp_node(f, MH_YN_SCALAR, li, off, out);
	if (rc)
		return rc;
	(*out)->s = mh_arena_strndup(f->a, s, len);
	(*out)->len = len;
	(*out)->plain = plain;
	return (*out)->s ? MH_OK : MH_ENOMEM;
}

static void fp_skip(struct fp *f)
{
	while (f->li < f->nl && f->ln[f->li].blank)
		f->li++;
}

/* The end of a plain scalar's text in l from off: before a comment
 * (" #") and trailing spaces. */
static size_t fp_plain_end(const struct fline *l, size_t off)
{
	size_t e = off;
	while (e < l->n && !(l->p[e] == '#' && e > off && l->p[e - 1] == ' '))
		e++;
	while (e > off && l->p[e - 1] == ' ')
		e--;
	return e;
}

/* 1 when only spaces or a comment follow p[off..] on the line. */
static int fp_rest_empty(const struct fline *l, size_t off)
{
	while (off < l->n && l->p[off] == ' ')
		off++;
	return off == l->n || l->p[off] == '#';
}

/* The offset of the ':' that makes l from off a mapping key (plain,
 * followed by a space or the line's end), or 0 when it is none. */
static size_t fp_key_colon(const struct fline *l, size_t off)
{
	char c = l->p[off];
	if (strchr("-?:,[]{}#&*!|>'\"%@`", c))
		return 0;
	for (size_t i = off; i < l->n && i < off + 1024; i++) {
		if (l->p[i] == '#' && l->p[i - 1] == ' ')
			return 0;
		if (l->p[i] == ':' && (i + 1 == l->n || l->p[i + 1] == ' '))
			return i;
	}
	return 0;
}

static int fp_dash(const struct fline *l, size_t off)
{
	return off < l->n && l->p[off] == '-' &&
	       (off + 1 == l->n || l->p[off + 1] == ' ');
}

static int fp_block(struct fp *f, size_t li, struct mh_yn **out);
static int fp_map(struct fp *f, size_t li, size_t off, struct mh_yn **out);

/* A literal block scalar whose '|' is at (li, off); its content must be
 * indented past col. */
static int fp_literal(struct fp *f, size_t li, size_t off, size_t col,
                      struct mh_yn **out)
{
	const struct fline *l = &f->ln[li];
	size_t i = off + 1;
	int strip = 0;
	if (i < l->n && l->p[i] == '-') {
		strip = 1;
		i++;
	}
	if (i < l->n && l->p[i] != ' ')
		return FP_NO; /* '+', an indentation digit */
	if (!fp_rest_empty(l, i))
		return FP_NO;
	size_t first = li + 1;
	if (first >= f->nl || f->ln[first].empty)
		return FP_NO; /* empty, or leading empty lines */
	size_t ci = f->ln[first].ind;
	if (ci <= col)
		return FP_NO;
	size_t last = first, k;
	size_t bytes = 0;
	for (k = first; k < f->nl; k++) {
		const struct fline *c = &f->ln[k];
		if (c->empty) {
			if (c->n > ci)
				return FP_NO; /* spaces that are content */
			continue;
		}
		if (c->ind < ci)
			break;
		last = k;
	}
	for (k = first; k <= last; k++)
		bytes += (f->ln[k].empty ? 0 : f->ln[k].n - ci) + 1;
	char *s = mh_arena_alloc(f->a, bytes + 1);
	if (!s)
		return MH_ENOMEM;
	size_t n = 0;
	for (k = first; k <= last; k++) {
		const struct fline *c = &f->ln[k];
		if (!c->empty) {
			memcpy(s + n, c->p + ci, c->n - ci);
			n += c->n - ci;
		}
		s[n++] = '\n';
	}
	if (strip)
		n--;
	s[n] = '\0';
	int rc = fp_node(f, MH_YN_SCALAR, li, off, out);
	if (rc)
		return rc;
	(*out)->s = s;
	(*out)->len = n;
	f->li = last + 1;
	return MH_OK;
}

/* A quoted scalar at (li, off), on this line only; *end past it. */
static int fp_quoted(struct fp *f, size_t li, size_t off, size_t *end,
                     struct mh_yn **out)
{
	const struct fline *l = &f->ln[li];
	char q = l->p[off];
	char *s = mh_arena_alloc(f->a, l->n - off + 1);
	if (!s)
		return MH_ENOMEM;
	size_t n = 0, i = off + 1;
	for (;; i++) {
		if (i >= l->n)
			return FP_NO; /* goes on on the next line */
		char c = l->p[i];
		if (c == q) {
			if (q == '\'' && i + 1 < l->n && l->p[i + 1] == '\'') {
				s[n++] = '\'';
				i++;
				continue;
			}
			break;
		}
		if (q == '"' && c == '\\') {
			if (++i >= l->n)
				return FP_NO;
			switch (l->p[i]) {
			case '\\': s[n++] = '\\'; break;
			case '"': s[n++] = '"'; break;
			case '/': s[n++] = '/'; break;
			case 'n': s[n++] = '\n'; break;
			case 't': s[n++] = '\t'; break;
			default: return FP_NO;
			}
			continue;
		}
		s[n++] = c;
	}
	s[n] = '\0';
	*end = i + 1;
	int rc = fp_node(f, MH_YN_SCALAR, li, off, out);
	if (rc)
		return rc;
	(*out)->s = s;
	(*out)->len = n;
	return MH_OK;
}

/* The value of a key or a sequence entry whose indicator ends at (li,
 * mark) and whose text starts at off (after spaces); what follows on
 * later lines must be indented past col (the key's or the dash's
 * column). inmap: a mapping's value (a sequence may then be at col). */
static int fp_value(struct fp *f, size_t li, size_t mark, size_t off,
                    size_t col, int inmap, struct mh_yn **out)
{
	const struct fline *l = &f->ln[li];
	int rc;
	f->li = li + 1;
	if (fp_rest_empty(l, off)) {
		fp_skip(f);
		if (f->li < f->nl) {
			const struct fline *nx = &f->ln[f->li];
			if (nx->ind > col)
				return fp_block(f, f->li, out);
			if (inmap && nx->ind == col && fp_dash(nx, nx->ind))
				return fp_block(f, f->li, out);
		}
		return fp_scalar(f, li, mark, "", 0, 1, out);
	}
	char c = l->p[off];
	if (c == '|') {
		rc = fp_literal(f, li, off, col, out);
	} else if (c == '\'' || c == '"') {
		size_t end;
		rc = fp_quoted(f, li, off, &end, out);
		if (rc == MH_OK && !fp_rest_empty(l, end))
			return FP_NO;
	} else {
		if (strchr(">[]{},#&*!%@`", c) ||
		    ((c == '-' || c == '?' || c == ':') &&
		     (off + 1 == l->n || l->p[off + 1] == ' ')))
			return FP_NO;
		size_t e = fp_plain_end(l, off);
		for (size_t i = off; i < e; i++)
			if (l->p[i] == ':' &&
			    (i + 1 == e || l->p[i + 1] == ' '))
				return FP_NO; /* a key, or an error */
		rc = fp_scalar(f, li, off, l->p + off, e - off, 1, out);
	}
	if (rc)
		return rc;
	/* a line indented past col would continue it (or be an error) */
	fp_skip(f);
	if (f->li < f->nl && f->ln[f->li].ind > col)
		return FP_NO;
	return MH_OK;
}

/* Collect kids into node n (a map's keys and values in turn). */
static int fp_close(struct fp *f, struct mh_yn *n, struct mh_yn **kids,
                    size_t nk)
{
	n->n = n->type == MH_YN_MAP ? nk / 2 : nk;
	if (!nk)
		return MH_OK;
	n->kv = mh_arena_alloc(f->a, nk * sizeof(*n->kv));
	if (!n->kv)
		return MH_ENOMEM;
	memcpy(n->kv, kids, nk * sizeof(*n->kv));
	return MH_OK;
}

/* Kids of one collection: a small array on the stack, then the heap. */
struct fkids {
	struct mh_yn *st[32], **v;
	size_t n, alloc;
};

static int fk_push(struct fkids *k, struct mh_yn *x)
{
	if (!k->v) {
		k->v = k->st;
		k->alloc = 32;
	}
	if (k->n == k->alloc) {
		size_t na = k->alloc * 2;
		struct mh_yn **nv = malloc(na * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		memcpy(nv, k->v, k->n * sizeof(*nv));
		if (k->v != k->st)
			free(k->v);
		k->v = nv;
		k->alloc = na;
	}
	k->v[k->n++] = x;
	return MH_OK;
}

static void fk_free(struct fkids *k)
{
	if (k->v && k->v != k->st)
		free(k->v);
}

/* A block mapping whose first key is at (li, off). */
static int fp_map(struct fp *f, size_t li, size_t off, struct mh_yn **out)
{
	if (++f->depth > MH_YAML_MAX_DEPTH)
		return FP_NO;
	struct mh_yn *m = NULL;
	int rc = fp_node(f, MH_YN_MAP, li, off, &m);
	struct fkids k = {0};
	size_t col = off;
	while (rc == MH_OK) {
		const struct fline *l = &f->ln[li];
		size_t colon = fp_key_colon(l, off);
		if (!colon) {
			rc = FP_NO;
			break;
		}
		size_t ke = colon;
		while (ke > off && l->p[ke - 1] == ' ')
			ke--;
		struct mh_yn *key, *val;
		rc = fp_scalar(f, li, off, l->p + off, ke - off, 1, &key);
		if (rc || (rc = fk_push(&k, key)))
			break;
		size_t v = colon + 1;
		while (v < l->n && l->p[v] == ' ')
			v++;
		rc = fp_value(f, li, colon + 1, v, col, 1, &val);
		if (rc || (rc = fk_push(&k, val)))
			break;
		fp_skip(f);
		if (f->li >= f->nl || f->ln[f->li].ind < col)
			break;
		li = f->li;
		off = col;
		if (f->ln[li].ind > col || fp_dash(&f->ln[li], off)) {
			rc = FP_NO;
			break;
		}
	}
	if (rc == MH_OK)
		rc = fp_close(f, m, k.v, k.n);
	fk_free(&k);
	f->depth--;
	*out = m;
	return rc;
}

/* A block sequence whose first '-' is at (li, col). */
static int fp_seq(struct fp *f, size_t li, size_t col, struct mh_yn **out)
{
	if (++f->depth > MH_YAML_MAX_DEPTH)
		return FP_NO;
	struct mh_yn *sq = NULL;
	int rc = fp_node(f, MH_YN_SEQ, li, col, &sq);
	struct fkids k = {0};
	while (rc == MH_OK) {
		const struct fline *l = &f->ln[li];
		size_t off = col + 1;
		while (off < l->n && l->p[off] == ' ')
			off++;
		struct mh_yn *it;
		if (off < l->n && l->p[off] != '#' && fp_key_colon(l, off)) {
			if (off == col + 1) {
				rc = FP_NO; /* "-a: b" */
				break;
			}
			rc = fp_map(f, li, off, &it);
		} else {
			if (off < l->n && fp_dash(l, off)) {
				rc = FP_NO; /* "- - a" */
				break;
			}
			rc = fp_value(f, li, col + 1, off, col, 0, &it);
		}
		if (rc || (rc = fk_push(&k, it)))
			break;
		fp_skip(f);
		if (f->li >= f->nl || f->ln[f->li].ind < col)
			break;
		li = f->li;
		if (f->ln[li].ind > col) {
			rc = FP_NO;
			break;
		}
		if (!fp_dash(&f->ln[li], col))
			break; /* a key of the map holding it at col */
	}
	if (rc == MH_OK)
		rc = fp_close(f, sq, k.v, k.n);
	fk_free(&k);
	f->depth--;
	*out = sq;
	return rc;
}

/* The block node whose first line is li (at its indentation). */
static int fp_block(struct fp *f, size_t li, struct mh_yn **out)
{
	const struct fline *l = &f->ln[li];
	if (fp_dash(l, l->ind))
		return fp_seq(f, li, l->ind, out);
	if (fp_key_colon(l, l->ind))
		return fp_map(f, li, l->ind, out);
	return FP_NO;
}

/* The fast path: MH_OK with the one document's root, FP_NO, or
 * MH_ENOMEM. */
static int fp_parse(const char *buf, size_t n, struct mh_arena *a,
                    struct mh_yn **root)
{
	/* the bytes first: ASCII, printable, no tab, no CR; and the
	 * lines counted */
	size_t nl = 1, b = 0;
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f),
	              lf = _mm_set1_epi8('\n');
	for (; b + 16 <= n; b += 16) {
		__m128i v = _mm_loadu_si128(
		        (const __m128i *)(const void *)(buf + b));
		/* signed: bytes from 0x80 are below 0x20 too */
		__m128i eol = _mm_cmpeq_epi8(v, lf);
		__m128i bad = _mm_or_si128(
		        _mm_andnot_si128(eol, _mm_cmplt_epi8(v, sp)),
		        _mm_cmpeq_epi8(v, del));
		if (_mm_movemask_epi8(bad))
			return FP_NO;
		nl += (size_t)__builtin_popcount(
		        (unsigned)_mm_movemask_epi8(eol));
	}
#endif
	for (; b < n; b++) {
		unsigned char c = (unsigned char)buf[b];
		if ((c < 0x20 && c != '\n') || c >= 0x7f)
			return FP_NO;
		nl += c == '\n';
	}
	struct fline *ln = malloc(nl * sizeof(*ln));
	if (!ln)
		return MH_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i <= n && k < nl;) {
		const char *e = i < n ? memchr(buf + i, '\n', n - i) : NULL;
		size_t end = e ? (size_t)(e - buf) : n;
		struct fline *l = &ln[k++];
		l->p = buf + i;
		l->n = end - i;
		l->ind = 0;
		while (l->ind < l->n && l->p[l->ind] == ' ')
			l->ind++;
		l->empty = l->ind == l->n;
		l->blank = l->empty || l->p[l->ind] == '#';
		i = end + 1;
		if (!e)
			break;
	}
	int rc = MH_OK;
	/* directives, document markers: libyaml */
	for (size_t i = 0; i < k && rc == MH_OK; i++)
		if (ln[i].n && (ln[i].p[0] == '%' ||
		                (ln[i].n >= 3 && (!memcmp(ln[i].p, "---", 3) ||
		                                  !memcmp(ln[i].p, "...", 3)))))
			rc = FP_NO;
	struct fp f = {a, ln, k, 0, 0, 0};
	fp_skip(&f);
	if (rc == MH_OK && f.li == f.nl)
		rc = FP_NO; /* no document */
	if (rc == MH_OK && ln[f.li].ind != 0)
		rc = FP_NO;
	if (rc == MH_OK)
		rc = fp_block(&f, f.li, root);
	if (rc == MH_OK) {
		fp_skip(&f);
		if (f.li < f.nl)
			rc = FP_NO;
	}
	free(ln);
	return rc;
}

/* MARK: - libyaml */

static int parse_libyaml(const char *buf, size_t n, struct mh_arena *a,
                         struct mh_yn ***docs, size_t *ndocs,
                         struct mh_err *err)
{
	yaml_parser_t yp;
	struct parse p;
	int rc = MH_OK;

	*docs = NULL;
	*ndocs = 0;
	if (n > MH_YAML_MAX_BYTES)
		return mh_err_set(err, MH_ETOOBIG,
		                  "file of %zu bytes is over the %zu MiB limit "
		                  "for a rule file",
		                  n, MH_YAML_MAX_BYTES >> 20);
	memset(&p, 0, sizeof(p));
	p.a = a;
	if (!yaml_parser_initialize(&yp))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, n);
	for (int done = 0; !done && rc == MH_OK;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			char what[200];
			snprintf(what, sizeof(what),
			         "YAML syntax error: %s%s%s",
			         yp.problem ? yp.problem : "unknown",
			         yp.context ? " " : "",
			         yp.context ? yp.context : "");
			rc = fail_at(err, MH_EFORMAT, &yp.problem_mark, what);
			break;
		}
		struct mh_yn *node = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT: done = 1; break;
		case YAML_DOCUMENT_END_EVENT: rc = add_doc(&p); break;
		case YAML_ALIAS_EVENT:
			rc = fail_at(err, MH_EFORMAT, &ev.start_mark,
			             "YAML aliases are not supported in rules");
			break;
		case YAML_SCALAR_EVENT:
			node = new_node(&p, MH_YN_SCALAR, &ev);
			if (!node) {
				rc = fail_at(err, MH_EFORMAT, &ev.start_mark,
				             "too many YAML nodes");
				break;
			}
			node->len = ev.data.scalar.length;
			node->s = mh_arena_strndup(
			        a, (const char *)ev.data.scalar.value,
			        node->len);
			node->plain =
			        ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			rc = node->s ? attach(&p, node) : MH_ENOMEM;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (p.depth == MH_YAML_MAX_DEPTH) {
				rc = fail_at(err, MH_EFORMAT, &ev.start_mark,
				             "YAML nested too deeply");
				break;
			}
			node = new_node(&p,
			                ev.type == YAML_MAPPING_START_EVENT
			                        ? MH_YN_MAP
			                        : MH_YN_SEQ,
			                &ev);
			if (!node) {
				rc = fail_at(err, MH_EFORMAT, &ev.start_mark,
				             "too many YAML nodes");
				break;
			}
			p.stack[p.depth++].node = node;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: rc = close_frame(&p); break;
		default: break;
		}
		yaml_event_delete(&ev);
	}
	if (rc == MH_ENOMEM)
		mh_err_set(err, MH_ENOMEM, "out of memory");
	while (p.depth) {
		free(p.stack[p.depth - 1].kids);
		p.depth--;
	}
	yaml_parser_delete(&yp);
	if (rc == MH_OK && p.ndocs) {
		*docs = mh_arena_alloc(a, p.ndocs * sizeof(**docs));
		if (!*docs)
			rc = mh_err_set(err, MH_ENOMEM, "out of memory");
		else {
			memcpy(*docs, p.docs, p.ndocs * sizeof(**docs));
			*ndocs = p.ndocs;
		}
	}
	free(p.docs);
	return rc;
}

int mh_yaml_parse_how(const char *buf, size_t n, struct mh_arena *a,
                      struct mh_yn ***docs, size_t *ndocs, struct mh_err *err,
                      int how)
{
	*docs = NULL;
	*ndocs = 0;
	if (how != MH_YAML_LIBYAML && n <= MH_YAML_MAX_BYTES) {
		struct mh_yn *root = NULL;
		int rc = fp_parse(buf, n, a, &root);
		if (rc == MH_OK) {
			*docs = mh_arena_alloc(a, sizeof(**docs));
			if (!*docs)
				return mh_err_set(err, MH_ENOMEM,
				                  "out of memory");
			(*docs)[0] = root;
			*ndocs = 1;
			return MH_OK;
		}
		if (rc != FP_NO)
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		if (how == MH_YAML_FAST)
			return 1;
	}
	return parse_libyaml(buf, n, a, docs, ndocs, err);
}

int mh_yaml_parse(const char *buf, size_t n, struct mh_arena *a,
                  struct mh_yn ***docs, size_t *ndocs, struct mh_err *err)
{
	return mh_yaml_parse_how(buf, n, a, docs, ndocs, err, MH_YAML_ANY);
}

const struct mh_yn *mh_yn_get(const struct mh_yn *m, const char *key)
{
	if (!m || m->type != MH_YN_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct mh_yn *k = m->kv[2 * i];
		if (k->type == MH_YN_SCALAR && !strcmp(k->s, key))
			return m->kv[2 * i + 1];
	}
	return NULL;
}

const char *mh_yn_str(const struct mh_yn *m, const char *key)
{
	const struct mh_yn *v = mh_yn_get(m, key);
	return v && v->type == MH_YN_SCALAR ? v->s : NULL;
}

int mh_yn_is_null(const struct mh_yn *n)
{
	if (!n)
		return 1;
	if (n->type != MH_YN_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || !strcmp(n->s, "~") || !strcmp(n->s, "null") ||
	       !strcmp(n->s, "Null") || !strcmp(n->s, "NULL");
}
