/* escape.h - every string an attacker may control goes out through one of
 * these. Rules and rationale: docs/FORMATS.md, "Escaping".
 *
 * All functions take (p, n): n bytes at p, any content (NUL, invalid UTF-8,
 * escape sequences); p may be NULL when n is 0. They append to out and
 * return MH_OK, MH_ENOMEM or MH_ETOOBIG. On failure out is left exactly as
 * it was before the call (no half-escaped text).
 *
 * The "visible form" shared by the terminal, CSV and HTML escapers:
 *   - printable ASCII as is, except a backslash, which is doubled, so every
 *     escape below is unambiguous (a literal "\x1b" shows as "\\x1b");
 *   - TAB, LF, CR as \t \n \r; other C0 controls, ESC and DEL as \xNN;
 *   - every byte that does not start a valid UTF-8 sequence (RFC 3629: no
 *     overlongs, surrogates or code points past U+10FFFF) as \xNN;
 *   - C1 controls (U+0080..U+009F) and invisible or reordering code points
 *     as \uNNNN (\UNNNNNNNN above U+FFFF): bidi controls U+061C, U+200E,
 *     U+200F, U+202A..U+202E, U+2066..U+2069; zero-width and invisible
 *     U+180E, U+200B..U+200D, U+2060..U+2064, U+206A..U+206F, U+FEFF,
 *     U+FFF9..U+FFFB; line/paragraph separators U+2028, U+2029; tag
 *     characters U+E0000..U+E007F;
 *   - any other valid UTF-8 as is.
 * Hex digits are lower case.
 */
#ifndef MH_ESCAPE_H
#define MH_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* 1 when code point cp is one the visible form writes as \uNNNN (the C1
 * controls and invisible or reordering code points listed above). */
int mh_escape_cp_hidden(uint32_t cp);

/* Terminal: the visible form. max_cols 0 means no limit; otherwise the
 * text is cut so that it takes at most max_cols columns, and when cut it
 * ends in "..." (the ellipsis counts; max_cols below 3 acts as 3). Columns
 * are estimated: an escape takes its length, East Asian wide characters
 * take 2, every other code point 1 (combining marks too, so the estimate
 * is an upper bound). A cut never falls inside a UTF-8 sequence or an
 * escape. */
int mh_escape_term(const char *p, size_t n, size_t max_cols,
                   struct mh_buf *out);

/* JSON string contents without the surrounding quotes (RFC 8259): \" \\
 * \b \f \n \r \t, other C0 controls and DEL as \u00xx, C1 controls and
 * the invisible/reordering code points listed above as \uxxxx (surrogate
 * pairs above U+FFFF), each invalid UTF-8 byte as U+FFFD. Everything else
 * is copied, so the output is valid UTF-8 with no raw control character
 * and decodes to the input wherever the input was valid UTF-8. */
int mh_escape_json(const char *p, size_t n, struct mh_buf *out);

/* One CSV field (RFC 4180). The cell text is the visible form, so a field
 * never contains a raw CR or LF and every record is one physical line.
 * Quoted (with quotes doubled) when the text contains a comma or a double
 * quote, or starts or ends with a space. A value a spreadsheet would run
 * as a formula - first byte TAB or CR, or first character after leading
 * SP/TAB/CR/LF/VT/FF one of = + - @ - gets a leading apostrophe (OWASP CSV
 * injection advice), inside the quotes when quoted. An empty value gives
 * an empty field. */
int mh_escape_csv(const char *p, size_t n, struct mh_buf *out);

/* HTML text or attribute value (quoted with " or '): the visible form with
 * & < > " ' as &amp; &lt; &gt; &quot; &#39;. */
int mh_escape_html(const char *p, size_t n, struct mh_buf *out);

#endif
