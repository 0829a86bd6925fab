#include "rules/sigma/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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

static struct mh_yn *new_node(struct parse *p, enum mh_yn_type t,
                              const yaml_event_t *ev)
{
	if (++p->nodes > MH_YAML_MAX_NODES)
		return NULL;
	struct mh_yn *n = mh_arena_alloc(p->a, sizeof(*n));
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	return n;
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

int mh_yaml_parse(const char *buf, size_t n, struct mh_arena *a,
                  struct mh_yn ***docs, size_t *ndocs, struct mh_err *err)
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
