/* fwdlang.h - does a message *look* forwarded? (docs/FORWARDING.md, "Looks
 * forwarded").
 *
 * The language tables (subject prefixes and body separator lines as mail
 * clients write them in English, German, French, Italian, Spanish,
 * Portuguese, Dutch, Danish, Norwegian, Swedish, Finnish and Polish) live
 * in fwdlang.c; the body scan is fwdbody.c (its SIMD stages fwdscan.c).
 * Everything here works on borrowed bytes, never reads past
 * s[n-1], never allocates and keeps no state between calls, so it is safe
 * from any thread.
 */
#ifndef MH_FWDLANG_H
#define MH_FWDLANG_H

#include <stddef.h>

/* 1 when a subject starts with a forward prefix ("Fwd:", "FW:", "WG:",
 * "TR:", "I:", "RV:", "ENC:", "Doorst:", "VS:", "VB:", "VL:", "PD:" ...),
 * possibly after reply prefixes ("Re:", "AW:", "SV:", "R:", "Odp:" ...),
 * "[list]" tags, counters ("Fwd[2]:", "Re(3):", "Re^2:") and a full-width
 * colon (U+FF1A); also the old "[Fwd: subject]" and "subject (fwd)" forms.
 * s is a Subject value: raw (folded) or unfolded, but already RFC 2047
 * decoded when it contained encoded words (only ASCII prefixes are looked
 * at, so any charset of the rest is fine). 0 otherwise. */
int mh_fwdlang_subject(const char *s, size_t n);

/* 1 when one line (without its line end; a trailing CR is ignored) is a
 * forwarded-message separator such as "---------- Forwarded message
 * ---------", "-----Original Message-----", "Begin forwarded message:",
 * "-------- Weitergeleitete Nachricht --------" or their translations.
 * Dashes, underscores, '=', '*', '>' quoting, spaces and a trailing ':'
 * around the phrase are ignored; the phrase must make up the whole line.
 * Accented letters match in UTF-8 and in ISO-8859-1 (and -2 / windows-1250
 * for Polish). 0 otherwise. */
int mh_fwdlang_separator(const char *line, size_t n);

/* 1 when a body prefix holds a separator line (see above) or a MIME part
 * header "Content-Type: message/rfc822" (or message/global). The body is
 * read as mail clients write it: quoted-printable escapes and soft line
 * breaks are undone, base64 parts (after a "Content-Transfer-Encoding:
 * base64" part header) are decoded, HTML tags break lines and common HTML
 * entities are decoded. b64 = 1 when the top-level body itself is base64
 * (single-part message with Content-Transfer-Encoding: base64). Lines
 * longer than 200 bytes are never separators. 0 otherwise. */
int mh_fwdlang_body(const char *s, size_t n, int b64);

/* The definition of mh_fwdlang_body: the same answer for every input, by
 * running the decoding machine over the whole body (a few hundred MB/s).
 * mh_fwdlang_body runs it only around what may be a separator
 * (fwdbody.c); this one is for tests and the differential fuzzer. */
int mh_fwdlang_body_ref(const char *s, size_t n, int b64);

/* For the body scan (fwdbody.c), which sets aside a noun of fwdscan.h
 * by what follows it on its line: the most ASCII letters a separator
 * phrase holds from the start of a noun in it to its end (about 20), and
 * whether a byte < 0x80 that is no letter may follow the start of the
 * phrase on a separator line (spaces, the apostrophe, ':', '\r', frame
 * characters). */
size_t mh_fwdlang_tail_letters(void);
int mh_fwdlang_tail_byte(unsigned char c);

#endif
