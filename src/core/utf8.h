/* utf8.h - UTF-8 validation and repair (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
#ifndef MH_UTF8_H
#define MH_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when p[0..n) does
 * not start with one. */
size_t mh_utf8_seq(const unsigned char *p, size_t n);
/* Code point of the valid sequence of length k (1..4, from mh_utf8_seq)
 * at p. */
uint32_t mh_utf8_cp(const unsigned char *p, size_t k);
/* UTF-8 of code point cp into out; returns its length (1..4), or 0 for a
 * surrogate or a value past U+10FFFF (nothing written). */
size_t mh_utf8_put(uint32_t cp, unsigned char out[4]);
/* 1 when all of p[0..n) is valid UTF-8. */
int mh_utf8_valid(const char *p, size_t n);
/* Append p[0..n) to out with every invalid byte replaced by U+FFFD.
 * Returns MH_OK, MH_ENOMEM or MH_ETOOBIG. */
int mh_utf8_sanitize(const char *p, size_t n, struct mh_buf *out);

#endif
