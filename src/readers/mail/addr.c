/* addr.c - RFC 5322 3.4 address lists.
 *
 *   address      = mailbox / group
 *   mailbox      = name-addr / addr-spec
 *   name-addr    = [display-name] angle-addr
 *   angle-addr   = "<" [obs-route] addr-spec ">"
 *   group        = display-name ":" [group-list] ";"
 * One pass over the value with a small state machine. Comments are dropped,
 * except that "addr (Name)" with no display name takes the comment as the
 * name, as MUAs show it. Garbage is skipped to the next top-level ','.
 */
#include "readers/mail/addr.h"

#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "readers/mail/rfc2047.h"

struct st {
	struct mh_buf disp;    /* display phrase, quotes removed */
	struct mh_buf spec;    /* addr-spec as written, no WSP/comments */
	struct mh_buf angle;   /* inside <...> */
	struct mh_buf comment; /* last comment text */
	int in_angle, had_angle;
	const char *group; /* current group name (arena), or NULL */
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void st_reset(struct st *s)
{
	mh_buf_reset(&s->disp);
	mh_buf_reset(&s->spec);
	mh_buf_reset(&s->angle);
	mh_buf_reset(&s->comment);
	s->in_angle = s->had_angle = 0;
}

/* Append a word to the display phrase with one separating space. */
static int disp_word(struct st *s, const char *p, size_t n)
{
	if (s->disp.len && s->disp.p[s->disp.len - 1] != ' ') {
		int rc = mh_buf_addc(&s->disp, ' ');
		if (rc)
			return rc;
	}
	return mh_buf_add(&s->disp, p, n);
}

static char *decode_name(struct mh_arena *a, const struct mh_buf *b)
{
	struct mh_buf out = MH_BUF_INIT(65536);
	char *r = NULL;
	if (mh_rfc2047_decode(mh_slice_make(b->p ? b->p : "", b->len), NULL,
	                      &out, NULL) == MH_OK) {
		/* Trim. */
		size_t s = 0, e = out.len;
		while (s < e && is_wsp(out.p[s]))
			s++;
		while (e > s && is_wsp(out.p[e - 1]))
			e--;
		r = mh_arena_strndup(a, out.p ? out.p + s : "", e - s);
	}
	mh_buf_release(&out);
	return r;
}

struct list {
	struct mh_addr *v;
	size_t n, cap, max;
	struct mh_arena *a;
};

static int push(struct list *l, struct st *s, size_t *bad)
{
	const struct mh_buf *spec = s->had_angle ? &s->angle : &s->spec;
	if (!spec->len && !s->had_angle) {
		if (s->disp.len || s->comment.len)
			(*bad)++;
		return MH_OK;
	}
	if (l->n == l->max)
		return MH_ETOOBIG;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		struct mh_addr *nv = mh_arena_alloc(l->a, nc * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = nc;
	}
	struct mh_addr *ad = &l->v[l->n];
	/* Strip an obsolete route "@a,@b:" from inside the angle. */
	const char *sp = spec->p ? spec->p : "";
	size_t sn = spec->len;
	if (s->had_angle && sn && sp[0] == '@') {
		const char *colon = memchr(sp, ':', sn);
		if (colon) {
			sn -= (size_t)(colon + 1 - sp);
			sp = colon + 1;
		}
	}
	ad->addr = mh_arena_strndup(l->a, sp, sn);
	const struct mh_buf *nm =
	        s->had_angle || s->disp.len ? &s->disp : &s->comment;
	if (!s->had_angle && s->disp.len) {
		/* No angle: the phrase was the address itself. */
		nm = &s->comment;
	}
	ad->name = decode_name(l->a, nm);
	ad->group = s->group;
	if (!ad->addr || !ad->name)
		return MH_ENOMEM;
	const char *at = strrchr(ad->addr, '@');
	if (at) {
		char *dom = mh_arena_strndup(l->a, at + 1, strlen(at + 1));
		if (!dom)
			return MH_ENOMEM;
		for (char *c = dom; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c | 0x20);
		ad->domain = dom;
	} else {
		ad->domain = "";
	}
	l->n++;
	return MH_OK;
}

int mh_addr_parse_list(struct mh_slice value, struct mh_arena *arena,
                       size_t max, struct mh_addr **out, size_t *n, size_t *bad)
{
	struct st s;
	struct list l = {NULL, 0, 0, max, arena};
	size_t nbad = 0;
	int rc = MH_OK;
	const char *p = value.p, *e = value.p + value.n;

	memset(&s, 0, sizeof(s));
	mh_buf_init(&s.disp, 65536);
	mh_buf_init(&s.spec, 65536);
	mh_buf_init(&s.angle, 65536);
	mh_buf_init(&s.comment, 65536);
	while (p < e && rc == MH_OK) {
		char c = *p;
		if (is_wsp(c)) {
			p++;
			continue;
		}
		if (c == '(') {
			/* Comment, nested, with quoted pairs. */
			int depth = 0;
			const char *start = p + 1;
			const char *stop = e;
			while (p < e) {
				if (*p == '\\' && p + 1 < e) {
					p += 2;
					continue;
				}
				if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					stop = p;
					p++;
					break;
				}
				p++;
			}
			mh_buf_reset(&s.comment);
			rc = mh_buf_add(&s.comment, start,
			                (size_t)((stop > start ? stop : start) -
			                         start));
			continue;
		}
		if (c == '"') {
			const char *q = p + 1;
			struct mh_buf *tgt = s.in_angle ? &s.angle : &s.spec;
			rc = mh_buf_addc(tgt, '"');
			if (!rc && !s.in_angle && s.disp.len &&
			    s.disp.p[s.disp.len - 1] != ' ')
				rc = mh_buf_addc(&s.disp, ' ');
			while (!rc && q < e && *q != '"') {
				if (*q == '\\' && q + 1 < e)
					q++;
				if (*q == '\r' || *q == '\n') {
					q++;
					continue;
				}
				rc = mh_buf_addc(tgt, *q);
				if (!rc && !s.in_angle)
					rc = mh_buf_addc(&s.disp, *q);
				q++;
			}
			if (!rc)
				rc = mh_buf_addc(tgt, '"');
			p = q < e ? q + 1 : e;
			continue;
		}
		if (c == '<' && !s.in_angle) {
			s.in_angle = 1;
			s.had_angle = 1;
			mh_buf_reset(&s.angle);
			p++;
			continue;
		}
		if (c == '>' && s.in_angle) {
			s.in_angle = 0;
			p++;
			continue;
		}
		if (s.in_angle) {
			if (c == ',' && s.angle.len && s.angle.p[0] == '@') {
				rc = mh_buf_addc(&s.angle, c); /* route list */
			} else if (c == ',' || c == ';') {
				/* Unclosed angle: take what we have. */
				s.in_angle = 0;
				continue;
			} else {
				rc = mh_buf_addc(&s.angle, c);
			}
			p++;
			continue;
		}
		if (c == ':' && !s.group && !s.had_angle) {
			/* Group start: the phrase so far names the group. */
			char *g = decode_name(arena, &s.disp);
			if (!g) {
				rc = MH_ENOMEM;
				break;
			}
			s.group = g;
			st_reset(&s);
			p++;
			continue;
		}
		if (c == ',' || c == ';') {
			rc = push(&l, &s, &nbad);
			st_reset(&s);
			if (c == ';' && s.group) {
				/* An empty group still says who was there. */
				s.group = NULL;
			}
			p++;
			continue;
		}
		/* An atom (or special we tolerate) up to a delimiter. */
		const char *a = p;
		while (p < e && !is_wsp(*p) && *p != '(' && *p != '"' &&
		       *p != '<' && *p != '>' && *p != ',' && *p != ';' &&
		       !(*p == ':' && !s.group && !s.had_angle))
			p++;
		if (p == a) {
			/* A stray '>' or ':' in a group: skip it. */
			p++;
			nbad++;
			continue;
		}
		rc = mh_buf_add(&s.spec, a, (size_t)(p - a));
		if (!rc)
			rc = disp_word(&s, a, (size_t)(p - a));
	}
	if (rc == MH_OK)
		rc = push(&l, &s, &nbad);
	mh_buf_release(&s.disp);
	mh_buf_release(&s.spec);
	mh_buf_release(&s.angle);
	mh_buf_release(&s.comment);
	*out = l.v;
	*n = l.n;
	if (bad)
		*bad = nbad;
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
