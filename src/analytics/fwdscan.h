/* fwdscan.h - the SIMD stages of the "looks forwarded" body test
 * (fwdbody.c, fwdlang.h mh_fwdlang_body).
 *
 * Every separator phrase of fwdlang.c holds one of a few ASCII nouns
 * ("messag", "nachricht", "bericht", ...; mh_fwdscan_noun_at), and so does
 * "message/rfc822". The filter here finds, in one pass over raw body
 * bytes, every position where such a noun may start or be hidden: a
 * superset of what fwdbody.c goes on to check (mh_fwdscan_hit_at is the
 * definition; the vector kernels may report more, never less). Also here:
 * base64 decoding of a part's lines as the decoding machine takes them,
 * and the backward search for HTML tag characters.
 *
 * Three kernels give the same answers: AVX2 (a Teddy-style nibble
 * filter, base64 in whole quanta; chosen at run time when the CPU has
 * it), SSE2 and plain C. mh_fwdscan_use() forces one, for tests and
 * bench/ only; every function here follows it.
 *
 * Everything works on borrowed bytes and never reads past p[n-1]; the
 * tables are built once (pthread_once) and only read after that, so all
 * of it is safe from any thread.
 */
#ifndef MH_FWDSCAN_H
#define MH_FWDSCAN_H

#include <stddef.h>
#include <stdint.h>

/* strlen("nachricht"), the longest noun. */
#define MH_FWDSCAN_NOUN_MAX 9

/* 1 when a noun starts at p[0..n) (letters in either case). */
int mh_fwdscan_noun_at(const char *p, size_t n);

/* 1 when p[0..n) holds a noun that starts before `cut` and ends after
 * it. */
int mh_fwdscan_noun_across(const char *p, size_t n, size_t cut);

/* 1 when p[i] is the '=' of a quoted-printable soft line break ("=\n" or
 * "=\r\n") that may be the first one inside a noun: letters on its two
 * sides that follow each other in a noun, and three letters around it
 * that do (two before and one after, or one before and two after), or
 * after the one letter after it another soft break (a noun over three
 * lines). A noun split by soft breaks and not otherwise hidden has its
 * first break pass. */
int mh_fwdscan_soft_hit(const char *p, size_t n, size_t i);

/* The definition of a hit at p[i], with letters case-folded:
 *  - the first four letters of a noun ("mess", "mens", "medd", "meld",
 *    "nach", "beri", "besk", "brev", "vies", "wiad") or "base" (base64);
 *  - "&#" then a digit, 'x' or '=' (a numeric entity, its number maybe
 *    escaped or after a soft break), or '&' then a soft line break
 *    ("=\n" or "=\r\n");
 *  - '=' then '4'..'7' and a hex digit, or "23" or "26" (an escape of a
 *    letter, '#', '&');
 *  - a soft line break that passes mh_fwdscan_soft_hit(). */
int mh_fwdscan_hit_at(const char *p, size_t n, size_t i);

/* Iterator over the hits of p[0..n) in order (every mh_fwdscan_hit_at
 * position, and possibly others: the caller checks what it takes). The
 * struct is the caller's (on the stack); p is borrowed. */
struct mh_fwdscan_tabs;
struct mh_fwdscan {
	const char *p;
	size_t n;
	size_t blk;                /* offset of the block of mask */
	uint64_t mask;             /* hits of that block not yet handed out */
	size_t next;               /* first offset not yet tested */
	size_t skip_from, skip_to; /* not wanted (mh_fwdscan_skip) */
	int kernel;                /* enum mh_fwdscan_kernel, never AUTO */
	const struct mh_fwdscan_tabs *t;
};

/* Start at offset `from`. */
void mh_fwdscan_init(struct mh_fwdscan *it, const char *p, size_t n,
                     size_t from);

/* The next hit at or after `from` (hits before it are dropped), or n. */
size_t mh_fwdscan_next(struct mh_fwdscan *it, size_t from);

/* Hits in [from, to) are not wanted (a base64 part the caller searched
 * decoded): the scan stops before them and goes on at `to`. One range
 * at a time: a later call replaces it. */
void mh_fwdscan_skip(struct mh_fwdscan *it, size_t from, size_t to);

/* One line p[0..n) of a base64 part as the decoding machine takes it:
 * 0 when it is not a base64 line (empty, or a byte outside the alphabet
 * and '='); else 1 with its decoded bytes appended at out + *k (*k
 * advanced; '=' ends a quantum), *acc and *bits carried from line to
 * line (start both at 0). out must have room for n + 32 bytes from *k
 * (the AVX2 kernel writes 8 past what it means). */
int mh_fwdscan_b64(const char *p, size_t n, uint32_t *acc, int *bits,
                   unsigned char *out, size_t *k);

/* The last '<', '>' or '=' in p[0..n), or (size_t)-1. */
size_t mh_fwdscan_last_tagish(const char *p, size_t n);

enum mh_fwdscan_kernel {
	MH_FWDSCAN_AUTO,   /* the best this machine has (the default) */
	MH_FWDSCAN_SCALAR, /* plain C */
	MH_FWDSCAN_SSE2,
	MH_FWDSCAN_AVX2,
};

/* For tests and bench/ only: make every later scan (all threads) use
 * kernel k. 0 on success, -1 when this build or CPU lacks it (nothing
 * changes). Not for use while scans run. */
int mh_fwdscan_use(enum mh_fwdscan_kernel k);

/* The kernel scans use now (never AUTO). */
enum mh_fwdscan_kernel mh_fwdscan_kernel(void);

#endif
