/* flatten.c - JSON text to fields (see flatten.h).
 *
 * A cursor walks the text once per nesting level: the JSON text of a
 * composite is a field before its members, so its end is found (a skip)
 * before they are walked. Depth is bounded by MH_JSON_MAX_DEPTH, which
 * the parser enforced already; the bound is kept here too so that the
 * walk is safe on any bytes.
 */
#include "json/flatten.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"
#include "json/json.h"

#define DEFAULT_MAX_FIELDS 65536
/* Longest key path kept; deeper or longer names are cut there. */
#define PATH_MAX_LEN 4096

struct cur {
	const char *p;
	size_t n, i;
};

struct path {
	char b[PATH_MAX_LEN];
	size_t n;
};

void mh_flat_init(struct mh_flat *fl, struct mh_arena *arena, size_t max_fields)
{
	memset(fl, 0, sizeof(*fl));
	fl->arena = arena;
	fl->max_fields = max_fields ? max_fields : DEFAULT_MAX_FIELDS;
}

void mh_flat_reset(struct mh_flat *fl)
{
	fl->n = 0;
	fl->truncated = 0;
}

void mh_flat_release(struct mh_flat *fl)
{
	free(fl->v);
	fl->v = NULL;
	fl->n = fl->cap = 0;
}

int mh_flat_add(struct mh_flat *fl, struct mh_slice name, struct mh_slice value)
{
	if (fl->n >= fl->max_fields) {
		fl->truncated = 1;
		return MH_ETOOBIG;
	}
	if (fl->n == fl->cap) {
		size_t nc = fl->cap ? fl->cap * 2 : 64;
		struct mh_field *nv = realloc(fl->v, nc * sizeof(*nv));
		if (!nv) {
			fl->truncated = 1;
			return MH_ENOMEM;
		}
		fl->v = nv;
		fl->cap = nc;
	}
	fl->v[fl->n].name = name;
	fl->v[fl->n].value = value;
	fl->n++;
	return MH_OK;
}

/* MARK: - strings */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at p (n bytes available), or -1. */
static long hex4(const char *p, size_t n)
{
	if (n < 4)
		return -1;
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(p[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

int mh_json_unescape(struct mh_arena *a, const char *p, size_t n,
                     struct mh_slice *out)
{
	const char *bs = memchr(p, '\\', n);
	if (!bs) {
		*out = mh_slice_make(p, n);
		return MH_OK;
	}
	/* An escape never grows: \uXXXX (6) gives at most 3 bytes, a pair
	 * (12) 4, and U+FFFD (3) stands for at least 2 input bytes. */
	char *o = mh_arena_alloc(a, n + 1);
	if (!o)
		return MH_ENOMEM;
	size_t k = (size_t)(bs - p);
	memcpy(o, p, k);
	size_t i = k;
	while (i < n) {
		if (p[i] != '\\') {
			o[k++] = p[i++];
			continue;
		}
		if (i + 1 >= n) {
			i++;
			break;
		}
		char e = p[i + 1];
		i += 2;
		switch (e) {
		case '"': o[k++] = '"'; continue;
		case '\\': o[k++] = '\\'; continue;
		case '/': o[k++] = '/'; continue;
		case 'b': o[k++] = '\b'; continue;
		case 'f': o[k++] = '\f'; continue;
		case 'n': o[k++] = '\n'; continue;
		case 'r': o[k++] = '\r'; continue;
		case 't': o[k++] = '\t'; continue;
		case 'u': break;
		default: o[k++] = e; continue;
		}
		long cp = hex4(p + i, n - i);
		if (cp < 0) {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
			continue;
		}
		i += 4;
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && p[i] == '\\' &&
		    p[i + 1] == 'u') {
			long lo = hex4(p + i + 2, n - i - 2);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				i += 6;
			}
		}
		unsigned char u[4];
		size_t ul = mh_utf8_put((uint32_t)cp, u);
		if (ul == 0) { /* a lone surrogate: U+FFFD */
			u[0] = 0xef;
			u[1] = 0xbf;
			u[2] = 0xbd;
			ul = 3;
		}
		memcpy(o + k, u, ul);
		k += ul;
	}
	o[k] = '\0';
	*out = mh_slice_make(o, k);
	return MH_OK;
}

/* MARK: - cursor */

static void ws(struct cur *c)
{
	while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\n' ||
	                       c->p[c->i] == '\r' || c->p[c->i] == '\t'))
		c->i++;
}

static int at(struct cur *c)
{
	ws(c);
	return c->i < c->n ? (unsigned char)c->p[c->i] : -1;
}

/* At '"': the raw contents in *raw, cursor past the closing quote. The
 * next quote found with memchr closes the string unless an odd number of
 * backslashes precedes it. */
static int str(struct cur *c, struct mh_slice *raw)
{
	size_t s = c->i + 1;
	for (size_t k = s; k < c->n;) {
		const char *q = memchr(c->p + k, '"', c->n - k);
		if (!q)
			return MH_EFORMAT;
		size_t e = (size_t)(q - c->p), b = e;
		while (b > s && c->p[b - 1] == '\\')
			b--;
		if ((e - b) % 2 == 0) {
			*raw = mh_slice_make(c->p + s, e - s);
			c->i = e + 1;
			return MH_OK;
		}
		k = e + 1;
	}
	return MH_EFORMAT;
}

/* A byte that ends a number, true, false or null. */
static int ends_scalar(char ch)
{
	switch (ch) {
	case ' ':
	case '\t':
	case '\r':
	case '\n':
	case ',':
	case ']':
	case '}':
	case ':':
	case '\0': return 1;
	default: return 0;
	}
}

/* Past the value at the cursor; *span its text. */
static int skip(struct cur *c, struct mh_slice *span, int depth)
{
	int ch = at(c);
	size_t s = c->i;
	if (ch < 0 || depth > MH_JSON_MAX_DEPTH)
		return MH_EFORMAT;
	if (ch == '"') {
		struct mh_slice raw;
		if (str(c, &raw))
			return MH_EFORMAT;
	} else if (ch == '{' || ch == '[') {
		int close = ch == '{' ? '}' : ']';
		c->i++;
		if (at(c) == close) {
			c->i++;
		} else {
			for (;;) {
				if (ch == '{') {
					struct mh_slice k;
					if (at(c) != '"' || str(c, &k) ||
					    at(c) != ':')
						return MH_EFORMAT;
					c->i++;
				}
				if (skip(c, &(struct mh_slice){0}, depth + 1))
					return MH_EFORMAT;
				int d = at(c);
				c->i++;
				if (d == close)
					break;
				if (d != ',')
					return MH_EFORMAT;
			}
		}
	} else {
		while (c->i < c->n && !ends_scalar(c->p[c->i]))
			c->i++;
		if (c->i == s)
			return MH_EFORMAT;
	}
	*span = mh_slice_make(c->p + s, c->i - s);
	return MH_OK;
}

/* MARK: - fields */

struct walk {
	struct mh_flat *fl;
	struct path path;
	int stop; /* MH_ETOOBIG / MH_ENOMEM: no more fields */
};

static int emit(struct walk *w, struct mh_slice value)
{
	char *name = mh_arena_strndup(w->fl->arena, w->path.b, w->path.n);
	if (!name) {
		w->fl->truncated = 1;
		return w->stop = MH_ENOMEM;
	}
	int rc = mh_flat_add(w->fl, mh_slice_make(name, w->path.n), value);
	if (rc)
		w->stop = rc;
	return rc;
}

/* Append ".key" (or "key" at the top) to the path; returns the old
 * length to restore. A name that does not fit is cut. */
static size_t push(struct path *pa, struct mh_slice key)
{
	size_t old = pa->n;
	if (pa->n && pa->n < sizeof(pa->b))
		pa->b[pa->n++] = '.';
	size_t room = sizeof(pa->b) - pa->n;
	size_t k = key.n < room ? key.n : room;
	if (k)
		memcpy(pa->b + pa->n, key.p, k);
	pa->n += k;
	return old;
}

static int unesc(struct walk *w, struct mh_slice raw, struct mh_slice *out)
{
	if (mh_json_unescape(w->fl->arena, raw.p, raw.n, out) != MH_OK) {
		w->fl->truncated = 1;
		return w->stop = MH_ENOMEM;
	}
	return MH_OK;
}

/* A scalar or composite value as a field value: strings unescaped,
 * composites and numbers as written, null as {NULL, 0}. */
static int scalar_value(struct walk *w, struct mh_slice span,
                        struct mh_slice *out)
{
	if (span.n >= 2 && span.p[0] == '"')
		return unesc(w, mh_slice_make(span.p + 1, span.n - 2), out);
	if (span.n == 4 && !memcmp(span.p, "null", 4)) {
		*out = MH_SLICE_NULL;
		return MH_OK;
	}
	*out = span;
	return MH_OK;
}

static int is_name_key(struct mh_slice k)
{
	return k.n == 4 && (!memcmp(k.p, "Name", 4) || !memcmp(k.p, "name", 4));
}

/* What a value key of a name/value element becomes: 0 not one, 1 the
 * plain name, 2 the name + ".OldValue", 3 one field per array element. */
static int value_key(struct mh_slice k)
{
	static const struct {
		const char *k;
		int kind;
	} keys[] = {
	        {"Value", 1},         {"value", 1},
	        {"NewValue", 1},      {"OldValue", 2},
	        {"boolValue", 1},     {"intValue", 1},
	        {"messageValue", 1},  {"multiValue", 3},
	        {"multiIntValue", 3}, {"multiMessageValue", 3},
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].k) == k.n && !memcmp(keys[i].k, k.p, k.n))
			return keys[i].kind;
	return 0;
}

/* The normalised fields of one name/value element (an object). */
static void nv_element(struct walk *w, struct mh_slice obj)
{
	struct cur c = {obj.p, obj.n, 1};
	struct mh_slice name = MH_SLICE_NULL;
	struct mh_slice vals[4];
	int kinds[4];
	size_t nv = 0;
	if (at(&c) == '}')
		return;
	for (;;) {
		struct mh_slice k, span;
		if (at(&c) != '"' || str(&c, &k) || at(&c) != ':')
			return;
		c.i++;
		if (skip(&c, &span, 1))
			return;
		if (is_name_key(k) && span.n >= 2 && span.p[0] == '"') {
			if (unesc(w, mh_slice_make(span.p + 1, span.n - 2),
			          &name))
				return;
		} else if (value_key(k) && nv < 4) {
			kinds[nv] = value_key(k);
			vals[nv++] = span;
		}
		int d = at(&c);
		c.i++;
		if (d != ',')
			break;
	}
	if (!name.n)
		return;
	for (size_t i = 0; i < nv && !w->stop; i++) {
		size_t old = push(&w->path, name);
		if (kinds[i] == 2)
			push(&w->path, MH_SLICE_LIT("OldValue"));
		if (kinds[i] == 3 && vals[i].n && vals[i].p[0] == '[') {
			struct cur e = {vals[i].p, vals[i].n, 1};
			if (at(&e) != ']') {
				for (;;) {
					struct mh_slice sp, v;
					if (skip(&e, &sp, 1))
						break;
					if (scalar_value(w, sp, &v) ||
					    emit(w, v))
						break;
					int d = at(&e);
					e.i++;
					if (d != ',')
						break;
				}
			}
		} else {
			struct mh_slice v;
			if (!scalar_value(w, vals[i], &v))
				emit(w, v);
		}
		w->path.n = old;
	}
}

/* An array of objects that each have a "Name"/"name" string: a name/value
 * list. Judged on its first element. */
static void nv_list(struct walk *w, struct mh_slice arr)
{
	struct cur c = {arr.p, arr.n, 1};
	if (at(&c) != '{')
		return;
	for (;;) {
		struct mh_slice el;
		if (at(&c) != '{' || skip(&c, &el, 1))
			return;
		nv_element(w, el);
		if (w->stop)
			return;
		int d = at(&c);
		c.i++;
		if (d != ',')
			return;
	}
}

static int walk_value(struct walk *w, struct cur *c, int depth);

static int walk_members(struct walk *w, struct cur *c, int ch, int depth)
{
	int close = ch == '{' ? '}' : ']';
	size_t start = c->i;
	c->i++;
	if (at(c) == close) {
		c->i++;
		return MH_OK;
	}
	for (;;) {
		size_t old = w->path.n;
		if (ch == '{') {
			struct mh_slice raw, key;
			if (at(c) != '"' || str(c, &raw) || at(c) != ':')
				return MH_EFORMAT;
			c->i++;
			if (unesc(w, raw, &key))
				return w->stop;
			push(&w->path, key);
		}
		int rc = walk_value(w, c, depth + 1);
		w->path.n = old;
		if (rc)
			return rc;
		int d = at(c);
		c->i++;
		if (d == close)
			break;
		if (d != ',')
			return MH_EFORMAT;
	}
	if (ch == '[' && !w->stop)
		nv_list(w, mh_slice_make(c->p + start, c->i - start));
	return w->stop;
}

static int walk_value(struct walk *w, struct cur *c, int depth)
{
	if (w->stop)
		return w->stop;
	if (depth > MH_JSON_MAX_DEPTH)
		return MH_EFORMAT;
	int ch = at(c);
	if (ch == '{' || ch == '[') {
		/* The composite's field comes before its members; its text
		 * is known once they are walked (one pass over the text, not
		 * one per level). */
		size_t start = c->i, idx = w->fl->n;
		if (emit(w, mh_slice_make(c->p + start, 1)))
			return w->stop;
		int rc = walk_members(w, c, ch, depth);
		if (idx < w->fl->n)
			w->fl->v[idx].value =
			        mh_slice_make(c->p + start, c->i - start);
		return rc;
	}
	struct mh_slice span, v;
	if (skip(c, &span, depth))
		return MH_EFORMAT;
	if (scalar_value(w, span, &v))
		return w->stop;
	emit(w, v);
	return w->stop;
}

/* 1 when the raw key k (escapes not undone: keys the normalisers look
 * for have none) is name, ignoring ASCII case. */
static int key_is(struct mh_slice k, const char *name)
{
	size_t n = strlen(name);
	if (k.n != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char a = k.p[i], b = name[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a | 0x20);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b | 0x20);
		if (a != b)
			return 0;
	}
	return 1;
}

int mh_json_member_text(const char *p, size_t n, const char *const *path,
                        size_t np, struct mh_slice *out)
{
	struct cur c = {p, n, 0};
	for (size_t d = 0; d < np; d++) {
		if (at(&c) != '{')
			return d ? MH_ENOTFOUND : MH_EFORMAT;
		c.i++;
		if (at(&c) == '}')
			return MH_ENOTFOUND;
		for (;;) {
			struct mh_slice k, span;
			if (at(&c) != '"' || str(&c, &k) || at(&c) != ':')
				return MH_EFORMAT;
			c.i++;
			if (key_is(k, path[d])) {
				at(&c);
				break; /* descend into this value */
			}
			if (skip(&c, &span, 1))
				return MH_EFORMAT;
			int ch = at(&c);
			c.i++;
			if (ch == '}')
				return MH_ENOTFOUND;
			if (ch != ',')
				return MH_EFORMAT;
		}
	}
	struct mh_slice span;
	if (skip(&c, &span, 1))
		return MH_EFORMAT;
	*out = span;
	return MH_OK;
}

int mh_flat_json(struct mh_flat *fl, const char *p, size_t n,
                 struct mh_slice prefix)
{
	struct walk *w = malloc(sizeof(*w));
	if (!w) {
		fl->truncated = 1;
		return MH_ENOMEM;
	}
	w->fl = fl;
	w->stop = 0;
	w->path.n = 0;
	if (prefix.n)
		push(&w->path, prefix);
	struct cur c = {p, n, 0};
	int ch = at(&c);
	int rc = MH_EFORMAT;
	if (ch == '{' || ch == '[')
		rc = walk_members(w, &c, ch, 0);
	free(w);
	return rc;
}
