/* rfc2047.h - encoded-word decoding (RFC 2047, RFC 2231 language tags).
 *
 * Output is always valid UTF-8: undecodable or invalid bytes become U+FFFD.
 */
#ifndef MH_RFC2047_H
#define MH_RFC2047_H

#include "core/buf.h"
#include "core/slice.h"

enum {
	MH_2047_BROKEN = 1u << 0,  /* an encoded word was malformed */
	MH_2047_CHARSET = 1u << 1, /* unknown charset or invalid bytes in it */
	MH_2047_RAW8BIT = 1u << 2, /* raw 8-bit bytes outside encoded words */
};

/* Decode an unfolded unstructured value (Subject, display names): encoded
 * words are decoded (B and Q), whitespace between adjacent encoded words is
 * dropped, raw 8-bit text is taken as UTF-8 if valid, else as
 * fallback_charset (NULL: windows-1252). Appends UTF-8 to out; *flags (may
 * be NULL) gets MH_2047_* bits. Returns MH_OK, MH_ENOMEM or MH_ETOOBIG. */
int mh_rfc2047_decode(struct mh_slice in, const char *fallback_charset,
                      struct mh_buf *out, unsigned *flags);

#endif
