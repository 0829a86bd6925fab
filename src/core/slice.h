/* slice.h - borrowed byte spans.
 *
 * A slice never owns its bytes and is never NUL-terminated unless a
 * function says so. Its lifetime is that of whatever it points into; each
 * producer documents that.
 */
#ifndef MH_SLICE_H
#define MH_SLICE_H

#include <stddef.h>
#include <string.h>

struct mh_slice {
	const char *p; /* First byte; may be NULL only when n == 0. */
	size_t n;      /* Number of bytes. */
};

#define MH_SLICE_NULL   ((struct mh_slice){NULL, 0})
#define MH_SLICE_LIT(s) ((struct mh_slice){(s), sizeof(s) - 1})

static inline struct mh_slice mh_slice_make(const char *p, size_t n)
{
	struct mh_slice s = {p, n};
	return s;
}

static inline struct mh_slice mh_slice_cstr(const char *s)
{
	return mh_slice_make(s, s ? strlen(s) : 0);
}

/* 1 when both spans hold the same bytes, else 0. */
static inline int mh_slice_eq(struct mh_slice a, struct mh_slice b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* ASCII case-insensitive equality (header names, domains). */
int mh_slice_ieq(struct mh_slice a, struct mh_slice b);
/* 1 when a starts with the ASCII prefix, ignoring case. */
int mh_slice_istarts(struct mh_slice a, const char *prefix);
/* Strip leading and trailing SP, HTAB, CR and LF. */
struct mh_slice mh_slice_trim(struct mh_slice s);
/* Case-insensitive substring search; returns offset or (size_t)-1. */
size_t mh_slice_ifind(struct mh_slice hay, const char *needle);

#endif
