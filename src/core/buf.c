#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void mh_buf_init(struct mh_buf *b, size_t cap)
{
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void mh_buf_release(struct mh_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
}

void mh_buf_reset(struct mh_buf *b)
{
	mh_buf_truncate(b, 0);
}

void mh_buf_truncate(struct mh_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->p[len] = '\0';
}

int mh_buf_reserve(struct mh_buf *b, size_t n)
{
	if (n > b->cap || b->len > b->cap - n)
		return MH_ETOOBIG;
	size_t need = b->len + n + 1;
	if (need <= b->alloc)
		return MH_OK;
	size_t na = b->alloc ? b->alloc : 64;
	while (na < need)
		na = na > SIZE_MAX / 2 ? need : na * 2;
	char *np = realloc(b->p, na);
	if (!np)
		return MH_ENOMEM;
	b->p = np;
	b->alloc = na;
	return MH_OK;
}

int mh_buf_add(struct mh_buf *b, const void *p, size_t n)
{
	int rc = mh_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return MH_OK;
}

int mh_buf_addc(struct mh_buf *b, char c)
{
	return mh_buf_add(b, &c, 1);
}

int mh_buf_adds(struct mh_buf *b, const char *s)
{
	return mh_buf_add(b, s, strlen(s));
}

int mh_buf_printf(struct mh_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MH_EINVAL;
	int rc = mh_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return MH_OK;
}

const char *mh_buf_cstr(const struct mh_buf *b)
{
	return b->p ? b->p : "";
}

char *mh_buf_detach(struct mh_buf *b, size_t *len_out)
{
	char *p = b->p;
	size_t len = b->len;
	if (!p) {
		p = malloc(1);
		if (!p)
			return NULL;
		p[0] = '\0';
	}
	if (len_out)
		*len_out = len;
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
