/* memfind.h - fast substring search for the mbox body scan.
 *
 * mh_memfind is memmem() for short needles in long haystacks where the
 * first two needle bytes are rarely adjacent (the mbox reader looks for
 * "\nFrom " in message bodies). It filters 16 (SSE2) or 32 (AVX2, chosen
 * at run time) positions at a time on those two bytes and compares the
 * rest only at the positions that pass. Other architectures use a
 * memchr()-based loop. Never reads outside hay[0..n) or needle[0..m).
 */
#ifndef MH_MEMFIND_H
#define MH_MEMFIND_H

#include <stddef.h>

/* First occurrence of needle[0..m) in hay[0..n), or NULL. m == 0 gives
 * hay. hay may be NULL only when n == 0. */
const char *mh_memfind(const char *hay, size_t n, const char *needle, size_t m);

/* The portable loop, whatever the CPU (for tests and comparison). */
const char *mh_memfind_generic(const char *hay, size_t n, const char *needle,
                               size_t m);

#endif
