#include "rules/sigma/cond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok {
	T_END,
	T_ID,
	T_NUM,
	T_AND,
	T_OR,
	T_NOT,
	T_OF,
	T_ALL,
	T_THEM,
	T_LP,
	T_RP,
	T_BAD
};

struct ps {
	const char *s;
	size_t len, pos;
	enum tok t;
	const char *tp;
	size_t tn;
	size_t tpos;
	unsigned depth;
	struct mh_cond *c;
	size_t alloc;
	struct mh_err *err;
};

static int is_word(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
	       ch == '.' || ch == '*';
}

static int kw(const char *p, size_t n, const char *k)
{
	size_t kl = strlen(k);
	if (n != kl)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch | 0x20);
		if (ch != k[i])
			return 0;
	}
	return 1;
}

static void next(struct ps *p)
{
	while (p->pos < p->len &&
	       (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	        p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
	p->tpos = p->pos;
	p->tp = p->s + p->pos;
	p->tn = 0;
	if (p->pos >= p->len) {
		p->t = T_END;
		return;
	}
	unsigned char ch = (unsigned char)p->s[p->pos];
	if (ch == '(' || ch == ')') {
		p->t = ch == '(' ? T_LP : T_RP;
		p->tn = 1;
		p->pos++;
		return;
	}
	if (!is_word(ch)) {
		p->t = T_BAD;
		p->tn = 1;
		return;
	}
	size_t st = p->pos;
	int digits = 1;
	while (p->pos < p->len && is_word((unsigned char)p->s[p->pos])) {
		if (p->s[p->pos] < '0' || p->s[p->pos] > '9')
			digits = 0;
		p->pos++;
	}
	p->tn = p->pos - st;
	if (digits)
		p->t = T_NUM;
	else if (kw(p->tp, p->tn, "and"))
		p->t = T_AND;
	else if (kw(p->tp, p->tn, "or"))
		p->t = T_OR;
	else if (kw(p->tp, p->tn, "not"))
		p->t = T_NOT;
	else if (kw(p->tp, p->tn, "of"))
		p->t = T_OF;
	else if (kw(p->tp, p->tn, "all") || kw(p->tp, p->tn, "any"))
		p->t = T_ALL;
	else if (kw(p->tp, p->tn, "them"))
		p->t = T_THEM;
	else
		p->t = T_ID;
}

static int fail(struct ps *p, const char *what)
{
	char tok[40];
	size_t n = p->tn < 30 ? p->tn : 30;
	if (p->t == T_END)
		snprintf(tok, sizeof(tok), "the end");
	else
		snprintf(tok, sizeof(tok), "'%.*s'", (int)n, p->tp);
	mh_err_set(p->err, MH_EFORMAT, "condition: %s at column %zu (%s)", what,
	           p->tpos + 1, tok);
	if (p->err)
		p->err->col = (unsigned)p->tpos + 1;
	return -1;
}

static int add(struct ps *p, enum mh_cn_op op, int a, int b)
{
	if (p->c->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 16;
		struct mh_cnode *nv = realloc(p->c->v, na * sizeof(*nv));
		if (!nv) {
			mh_err_set(p->err, MH_ENOMEM, "out of memory");
			return -2;
		}
		p->c->v = nv;
		p->alloc = na;
	}
	struct mh_cnode *n = &p->c->v[p->c->n];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->a = a;
	n->b = b;
	n->col = (unsigned)p->tpos + 1;
	return (int)p->c->n++;
}

static int expr(struct ps *p);

static int unary(struct ps *p)
{
	if (++p->depth > MH_COND_MAX_DEPTH)
		return fail(p, "nested too deeply");
	int r;
	switch (p->t) {
	case T_NOT:
		next(p);
		r = unary(p);
		if (r >= 0)
			r = add(p, MH_CN_NOT, r, -1);
		break;
	case T_LP:
		next(p);
		r = expr(p);
		if (r < 0)
			break;
		if (p->t != T_RP) {
			r = fail(p, "')' expected");
			break;
		}
		next(p);
		break;
	case T_ID:
		r = add(p, MH_CN_ID, -1, -1);
		if (r >= 0) {
			for (size_t i = 0; i < p->tn; i++)
				if (p->tp[i] == '*')
					return fail(p, "wildcard outside "
					               "'1 of' / 'all of'");
			p->c->v[r].name = p->tp;
			p->c->v[r].nlen = p->tn;
			next(p);
		}
		break;
	case T_NUM:
	case T_ALL: {
		unsigned count = 0;
		if (p->t == T_NUM) {
			if (p->tn > 6)
				return fail(p, "count too large");
			count = (unsigned)strtoul(p->tp, NULL, 10);
			if (count == 0)
				return fail(p, "'0 of' matches nothing");
		} else if (kw(p->tp, p->tn, "any")) {
			count = 1;
		}
		next(p);
		if (p->t != T_OF)
			return fail(p, "'of' expected");
		next(p);
		if (p->t != T_THEM && p->t != T_ID)
			return fail(p, "'them' or a search identifier pattern "
			               "expected after 'of'");
		r = add(p, MH_CN_OF, -1, -1);
		if (r >= 0) {
			p->c->v[r].count = count;
			if (p->t == T_ID) {
				p->c->v[r].name = p->tp;
				p->c->v[r].nlen = p->tn;
			}
			next(p);
		}
		break;
	}
	case T_END: r = fail(p, "expression expected"); break;
	default: r = fail(p, "unexpected token"); break;
	}
	p->depth--;
	return r;
}

static int and_expr(struct ps *p)
{
	int l = unary(p);
	while (l >= 0 && p->t == T_AND) {
		next(p);
		int r = unary(p);
		if (r < 0)
			return r;
		l = add(p, MH_CN_AND, l, r);
	}
	return l;
}

static int expr(struct ps *p)
{
	int l = and_expr(p);
	while (l >= 0 && p->t == T_OR) {
		next(p);
		int r = and_expr(p);
		if (r < 0)
			return r;
		l = add(p, MH_CN_OR, l, r);
	}
	return l;
}

int mh_cond_parse(const char *s, size_t len, struct mh_cond *out,
                  struct mh_err *err)
{
	memset(out, 0, sizeof(*out));
	if (len > MH_COND_MAX_LEN)
		return mh_err_set(
		        err, MH_ETOOBIG,
		        "condition of %zu bytes is over the limit of %d", len,
		        MH_COND_MAX_LEN);
	struct ps p;
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.len = len;
	p.c = out;
	p.err = err;
	next(&p);
	int r = expr(&p);
	if (r >= 0 && p.t != T_END)
		r = fail(&p, p.t == T_RP ? "unbalanced ')'"
		                         : "'and' or 'or' expected");
	if (r < 0) {
		int code = err && err->code ? err->code : MH_EFORMAT;
		mh_cond_free(out);
		return code;
	}
	out->root = r;
	return MH_OK;
}

void mh_cond_free(struct mh_cond *c)
{
	if (!c)
		return;
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int mh_cond_glob(const char *p, size_t pn, const char *s, size_t n)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
	while (si < n) {
		if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pn && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}
