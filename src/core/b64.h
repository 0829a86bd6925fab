/* b64.h - the base64 alphabet (RFC 4648 section 4) as a lookup table,
 * the one copy for every decoder (RFC 2047 encoded words, the body
 * test's base64 parts).
 *
 * mh_b64_val[c] is the value of byte c plus one, 0 when c is not in the
 * alphabet ('=' padding, line ends and everything else), so that one
 * load both tests and decodes. */
#ifndef MH_B64_H
#define MH_B64_H

extern const unsigned char mh_b64_val[256];

#endif
