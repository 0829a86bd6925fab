/* charset.h - conversion of MIME charsets to UTF-8 (iconv underneath).
 *
 * Thread-safe: each thread keeps its own small cache of iconv handles,
 * closed when the thread exits (or by mh_charset_thread_cleanup).
 * Output is always valid UTF-8.
 */
#ifndef MH_CHARSET_H
#define MH_CHARSET_H

#include <stddef.h>

#include "core/buf.h"

/* Append p[0..n) converted from charset to UTF-8 to out; bytes invalid in
 * the charset become U+FFFD. Labels are matched case-insensitively, with
 * common aliases (utf8, latin1, ks_c_5601-1987 -> CP949, gb2312 ->
 * GB18030, ...); a "*lang" suffix (RFC 2231) is ignored. "x-unknown",
 * "unknown-8bit" and other labels that name no charset are unknown.
 * Returns MH_OK, MH_ENOTFOUND for an unknown charset (out unchanged),
 * MH_ENOMEM or MH_ETOOBIG. */
int mh_charset_to_utf8(const char *charset, const char *p, size_t n,
                       struct mh_buf *out);

/* Same, with the label as a span and *nbad (may be NULL) set to the
 * number of U+FFFD substitutions made for invalid input. */
int mh_charset_convert(const char *label, size_t label_len, const char *p,
                       size_t n, struct mh_buf *out, size_t *nbad);

/* 1 when the label names a charset we can convert, else 0. */
int mh_charset_known(const char *label, size_t label_len);

/* Free this thread's cached handles (optional: it also happens when the
 * thread exits; useful for leak checkers in the main thread). */
void mh_charset_thread_cleanup(void);

#endif
