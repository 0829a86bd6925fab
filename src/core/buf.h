/* buf.h - growable byte buffer with a hard cap (curl's dynbuf "toobig").
 *
 * Invariant: after mh_buf_init, b->p is either NULL (len 0) or points to
 * len bytes followed by a NUL, so mh_buf_cstr() is always a C string.
 * On any failure the buffer keeps its previous contents.
 */
#ifndef MH_BUF_H
#define MH_BUF_H

#include <stddef.h>

struct mh_buf {
	char *p;      /* Owned; NULL until the first append. */
	size_t len;   /* Bytes in use, excluding the NUL. */
	size_t alloc; /* Bytes allocated. */
	size_t cap;   /* Maximum len; appends past it fail with MH_ETOOBIG. */
};

#define MH_BUF_INIT(cap_)                                                      \
	{                                                                      \
		NULL, 0, 0, (cap_)                                             \
	}

void mh_buf_init(struct mh_buf *b, size_t cap);
/* Free the memory; b is left empty and reusable. NULL allowed. */
void mh_buf_release(struct mh_buf *b);
/* Set len to 0, keep the memory. */
void mh_buf_reset(struct mh_buf *b);
/* Cut back to len bytes (len <= b->len: an earlier length, to undo what a
 * failed step appended); keeps the memory. */
void mh_buf_truncate(struct mh_buf *b, size_t len);
/* Append; 0, MH_ENOMEM or MH_ETOOBIG. */
int mh_buf_add(struct mh_buf *b, const void *p, size_t n);
int mh_buf_addc(struct mh_buf *b, char c);
int mh_buf_adds(struct mh_buf *b, const char *s);
int mh_buf_printf(struct mh_buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Ensure room for n more bytes. */
int mh_buf_reserve(struct mh_buf *b, size_t n);
/* Always a valid C string ("" when empty); borrowed. */
const char *mh_buf_cstr(const struct mh_buf *b);
/* Take the memory: caller frees the returned string (never NULL, may be
 * "" allocated); b becomes empty. NULL only on ENOMEM. */
char *mh_buf_detach(struct mh_buf *b, size_t *len_out);

#endif
