/* charset.h - conversion of MIME charsets to UTF-8 (iconv underneath).
 *
 * Thread-safe: each thread keeps its own small cache of iconv handles.
 */
#ifndef MH_CHARSET_H
#define MH_CHARSET_H

#include <stddef.h>

#include "core/buf.h"

/* Append p[0..n) converted from charset to UTF-8 to out; bytes invalid in
 * the charset become U+FFFD. Labels are matched case-insensitively, with
 * common aliases (utf8, latin1, ks_c_5601-1987, gb2312 -> GB18030, ...).
 * Returns MH_OK, MH_ENOTFOUND for an unknown charset (out unchanged),
 * MH_ENOMEM or MH_ETOOBIG. */
int mh_charset_to_utf8(const char *charset, const char *p, size_t n,
                       struct mh_buf *out);

/* Free this thread's cached handles (optional; for leak checkers). */
void mh_charset_thread_cleanup(void);

#endif
