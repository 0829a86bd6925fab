/* rfc5322.h - header block splitting and field helpers (RFC 5322 2.2, 3.2.2).
 *
 * Zero-copy: fields are slices into the header block. Tolerated
 * malformations are listed in docs/VIOLATIONS.md.
 */
#ifndef MH_RFC5322_H
#define MH_RFC5322_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "event/event.h"

/* Find the end of the header block in p[0..n).
 * On success returns MH_OK, *hdr_len = bytes of the header block without
 * the terminating empty line, *body_off = offset of the first body byte.
 * Returns MH_ETRUNC when no empty line is found within n bytes and eof is
 * 0 (caller may supply more); with eof = 1 the whole input is the header
 * block (*body_off = n) and MH_OK is returned. Line ends are LF or CRLF;
 * a lone CR is kept as data. */
int mh_hdr_end(const char *p, size_t n, int eof, size_t *hdr_len,
               size_t *body_off);

/* Split a header block into fields. Each field's name is the text before
 * the first ':' (trailing WSP removed); value is the raw text after ':' up
 * to the end of the field, including folded continuation lines but not the
 * final line end. Lines before the first field that are not fields, and
 * lines without ':', are skipped and counted in *bad_lines (may be NULL).
 * Fields are allocated in arena (never NULL unless *out_n == 0).
 * Returns MH_OK, MH_ENOMEM, or MH_ETOOBIG when more than max_fields. */
int mh_hdr_split(const char *p, size_t n, struct mh_arena *arena,
                 size_t max_fields, struct mh_field **out, size_t *out_n,
                 size_t *bad_lines);

/* Unfold a raw value (RFC 5322 2.2.3): CRLF/LF followed by WSP becomes the
 * WSP; leading and trailing WSP are removed; NUL bytes become U+FFFD is NOT
 * done here (bytes are kept). Appends to out. */
int mh_hdr_unfold(struct mh_slice raw, struct mh_buf *out);

/* First field named name (case-insensitive) in fields[0..n), or NULL. */
const struct mh_field *mh_hdr_find(const struct mh_field *f, size_t n,
                                   const char *name);
/* Next field after prev with the same name, or NULL. */
const struct mh_field *mh_hdr_find_next(const struct mh_field *f, size_t n,
                                        const struct mh_field *prev);

#endif
