/* escape.h - every string an attacker may control goes out through one of
 * these. Each appends to out and returns MH_OK, MH_ENOMEM or MH_ETOOBIG.
 */
#ifndef MH_ESCAPE_H
#define MH_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

/* Terminal: C0/C1 controls, DEL, ESC and bidi controls (U+202A..U+202E,
 * U+2066..U+2069, U+200E/F, U+061C) become visible escapes (\x1b, \u202e);
 * tab and newline become \t and \n; invalid UTF-8 bytes become \xNN; a
 * backslash stays a backslash. max_cols > 0 cuts the text to that many
 * characters with "..." (never inside a UTF-8 sequence). */
int mh_escape_term(const char *p, size_t n, size_t max_cols,
                   struct mh_buf *out);

/* JSON string contents (without the quotes), RFC 8259: \" \\ \n \r \t,
 * other controls and DEL as \u00XX, U+2028/2029 escaped, invalid UTF-8 as
 * U+FFFD. */
int mh_escape_json(const char *p, size_t n, struct mh_buf *out);

/* One CSV field (RFC 4180), quoted when needed. A value that a spreadsheet
 * would run as a formula (first non-blank character = + - @ or a leading
 * TAB/CR) gets a leading apostrophe (OWASP CSV injection advice). Controls
 * other than CR/LF/TAB are shown as with mh_escape_term. */
int mh_escape_csv(const char *p, size_t n, struct mh_buf *out);

/* HTML text or attribute value: & < > " ' and controls. */
int mh_escape_html(const char *p, size_t n, struct mh_buf *out);

#endif
