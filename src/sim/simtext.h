/* simtext.h - building blocks of synthetic messages (private to src/sim).
 *
 * A struct mh_simgen owns the deterministic random state and the buffer
 * the current message is composed into. Every function appends to g->b
 * using g->crlf line ends; none can fail (allocation failures leave the
 * buffer short and are reported by mh_simgen_failed()).
 */
#ifndef MH_SIMTEXT_H
#define MH_SIMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define MH_SIMGEN_RAW_MAX 4

struct mh_simgen {
	uint64_t rng;
	struct mh_buf b;    /* the message being composed */
	struct mh_buf *out; /* where appends go: &b, or a caller's buffer
	                       (trace fields composed apart) */
	int crlf;           /* 1: CRLF line ends */
	int oom;            /* an append failed */
	/* Offsets in b of body lines "From ..." that an mbox writer must
	 * leave unescaped (mboxo-style text that is not a From_ line). */
	size_t raw_from[MH_SIMGEN_RAW_MAX];
	unsigned nraw;
};

/* An RFC 2047 encoded text and what it decodes to. */
struct mh_simword {
	const char *enc, *txt;
};

/* A person as written in headers: hdr is the display name exactly as it
 * goes into the field (quoted or RFC 2047-encoded), txt the same in
 * UTF-8 for bodies. hdr NULL: derived from txt. */
struct mh_simperson {
	const char *addr;
	const char *txt;
	const char *hdr;
};

/* The forwarded or replied-to message quoted in a body. */
struct mh_simorig {
	struct mh_simperson from, to;
	const char *subject;     /* raw header form */
	const char *subject_txt; /* decoded, for bodies */
	int64_t t;
	int tz;
	const char *msgid;
};

/* A manual forward style: subject prefix, separator, header labels. */
struct mh_simfwd {
	const char *prefix, *sep;
	const char *l_from, *l_date, *l_to, *l_subject;
};

enum mh_simbody_flags {
	MH_SIMBODY_HTML = 1u << 0,   /* multipart/alternative with HTML */
	MH_SIMBODY_QP = 1u << 1,     /* quoted-printable, non-ASCII words */
	MH_SIMBODY_8BIT = 1u << 2,   /* raw UTF-8 words */
	MH_SIMBODY_RFC822 = 1u << 3, /* original as message/rfc822 part */
	MH_SIMBODY_FROMS = 1u << 4,  /* body lines starting with "From " */
	MH_SIMBODY_SIG = 1u << 5,    /* signature block */
};

struct mh_simbody {
	unsigned flags;
	unsigned paragraphs;
	unsigned attachments;
	const struct mh_simfwd *fwd;   /* inline forwarded block */
	const struct mh_simorig *orig; /* for fwd, RFC822 and quote */
	int quote;                     /* reply: quote orig below */
	const char *signer;            /* signature name (UTF-8) */
	const char *org;               /* signature organisation */
};

void mh_simgen_init(struct mh_simgen *g, uint64_t seed);
void mh_simgen_release(struct mh_simgen *g);
/* Start a new message: empty buffer, no raw From lines, LF, appends
 * to b. */
void mh_simgen_reset(struct mh_simgen *g);
/* Send appends to buf (NULL: back to g->b). buf must outlive its use. */
void mh_simgen_target(struct mh_simgen *g, struct mh_buf *buf);
int mh_simgen_failed(const struct mh_simgen *g);

uint64_t mh_simgen_next(struct mh_simgen *g);
/* Uniform in [0, n); n > 0. */
unsigned mh_simgen_below(struct mh_simgen *g, unsigned n);
/* 1 with probability pct/100. */
int mh_simgen_pct(struct mh_simgen *g, unsigned pct);

void mh_simgen_add(struct mh_simgen *g, const char *s);
void mh_simgen_addn(struct mh_simgen *g, const char *s, size_t n);
void mh_simgen_addf(struct mh_simgen *g, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void mh_simgen_eol(struct mh_simgen *g);
/* "Name: value" + eol. */
void mh_simgen_field(struct mh_simgen *g, const char *name, const char *v);
void mh_simgen_fieldf(struct mh_simgen *g, const char *name, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));
/* "Name: Display <addr>" in one of several real-world spellings. */
void mh_simgen_addr_field(struct mh_simgen *g, const char *name,
                          const struct mh_simperson *const *p, unsigned n);
/* Write "Display <addr>" for p into out. */
void mh_simgen_person(struct mh_simgen *g, const struct mh_simperson *p,
                      char *out, size_t n);

/* RFC 5322 date of t shown in zone tz (minutes east), style 0..3 varies
 * the spelling (comment, weekday, leading zero). */
void mh_simgen_date(int64_t t, int tz, unsigned style, char *out, size_t n);
/* asctime() form for mbox From_ lines: "Thu Mar  7 09:01:02 2024". */
void mh_simgen_asctime(int64_t t, char *out, size_t n);
/* Offset of Central European (Summer) Time at t: 60 or 120. */
int mh_simgen_zone_cet(int64_t t);

/* A subject: ASCII, or (allow_encoded) sometimes RFC 2047-encoded;
 * enc is the header form, txt the decoded text. Static storage. */
const struct mh_simword *mh_simgen_topic(struct mh_simgen *g,
                                         int allow_encoded);
/* Encoded display names: entry i % count. */
const struct mh_simword *mh_simgen_name_enc(unsigned i);
unsigned mh_simgen_name_enc_count(void);
/* A manual forward style (several languages), and the whole table. */
const struct mh_simfwd *mh_simgen_fwd_style(struct mh_simgen *g);
const struct mh_simfwd *mh_simgen_fwd_styles(size_t *n);
/* Reply prefix: "Re: ", "AW: ", "SV: ", ... */
const char *mh_simgen_reply_prefix(struct mh_simgen *g);

/* Body: Content-Type (and -Transfer-Encoding) fields, the blank line
 * and the body; MIME boundaries are random per message. */
void mh_simgen_body(struct mh_simgen *g, const struct mh_simbody *bd);
/* One sentence of 5..14 words from the vocabulary, capitalised, ending
 * in '.' or '?', into out (NUL-terminated, cut at n - 1 bytes); returns
 * its length. flags MH_SIMBODY_QP or _8BIT: some non-ASCII words, in raw
 * UTF-8 either way (the caller encodes). */
size_t mh_simgen_sentence(struct mh_simgen *g, unsigned flags, char *out,
                          size_t n);
/* Random base64 of `bytes` bytes starting with magic (already base64:
 * a file signature), in 76-character lines. */
void mh_simgen_base64(struct mh_simgen *g, const char *magic, size_t bytes);
/* Text paragraphs for a plain body (no MIME headers). */
void mh_simgen_text(struct mh_simgen *g, unsigned paragraphs, unsigned flags);
/* RFC 3464 bounce: multipart/report with the notification, the
 * delivery-status part and the original header block (orig_hdr). */
void mh_simgen_body_bounce(struct mh_simgen *g, const char *mta,
                           const char *remote, const char *rcpt,
                           const char *orig_hdr, size_t orig_len, int64_t t);
/* Newsletter: multipart/alternative, quoted-printable text and HTML. */
void mh_simgen_body_newsletter(struct mh_simgen *g, const char *list_name,
                               const char *unsub);
/* Meeting request: text/plain and text/calendar (METHOD:REQUEST). */
void mh_simgen_body_invite(struct mh_simgen *g, const char *organizer,
                           const char *attendee, const char *summary,
                           int64_t start);

/* Every encoded display name and subject the generator can emit, for
 * tests; *n gets the count. */
const struct mh_simword *mh_simgen_encoded_words(size_t *n);

#endif
