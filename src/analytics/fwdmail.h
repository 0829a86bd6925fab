/* fwdmail.h - what the mail source's modules share (internal to
 * src/analytics): fwdmail.c reads a message's header fields, fwdjournal.c
 * an Exchange journal report's envelope and attached original
 * (docs/FORWARDING.md "Per-message artefacts", "Journal reports").
 */
#ifndef MH_FWDMAIL_H
#define MH_FWDMAIL_H

#include "analytics/fwdpic.h"

/* Found in one pass over the header names; the first occurrence (the
 * top-most, i.e. the most recent hop) of each, except Delivered-To. */
struct hdrs {
	const struct mh_field *autofwd, *rules_loop, *rules_agent, *fwd_loop,
	        *mailfwdby, *fwd_to, *fwd_for, *return_path, *resent_from,
	        *resent_sender, *resent_to, *sieve, *orig_to, *auto_sub,
	        *subject, *msgid, *ctype, *cte, *to, *from, *list, *precedence,
	        *autoreply, *journal;
	const struct mh_field *delivered[MAX_DELIVERED];
	size_t ndelivered;
};

struct env_fwd {
	char mbox[ADDR_MAX];  /* the "Forwarded:" address */
	char dest[ADDR_MAX];  /* the recipient of the line */
	struct mh_field line; /* the line, as evidence (in the body) */
};
struct env {
	int sender;    /* a "Sender:" line was seen */
	size_t nlines; /* recipient lines after it */
	char rcpt[MAX_DEST][ADDR_MAX];
	size_t nrcpt;
	char fwd[ADDR_MAX]; /* first "Forwarded:" address */
	struct env_fwd fwds[MAX_DEST];
	size_t nfwds;
	struct mh_field msgid; /* the envelope's Message-Id line */
	int has_msgid;
};

/* journal_scan's answer when the original was found (after enum jwhy). */
#define J_FOUND J__WHY

/* MARK: - fwdmail.c */

/* Unfolded value in f->ubuf (reused), cut to what any address or marker
 * needs. */
struct mh_slice mh_fwm_unfolded(struct mh_fwd *f, struct mh_slice raw);
/* The first address of a field, lower case, into out (ADDR_MAX); 1 when
 * found. */
int mh_fwm_addr1(struct mh_fwd *f, const struct mh_field *fd, char *out);
void mh_fwm_put_addr(char *dst, const char *src);
int mh_fwm_in_list(char (*v)[ADDR_MAX], size_t n, const char *a);
unsigned mh_fwm_lines_in(const char *p, size_t n);
/* The message ev as an evidence item of a (when among those kept). */
int mh_fwm_add_evidence(struct mh_fwd *f, struct agg *a,
                        const struct mh_event *ev, const struct mh_field *fd,
                        const struct mh_field *msgid);

/* MARK: - fwdjournal.c */

/* The envelope and the first message/rfc822 part of a report: -1 when
 * the body has no report structure, J_FOUND with *iev / *imsg the
 * original, else why it cannot be analysed (enum jwhy). */
int mh_fwm_journal_scan(struct mh_fwd *f, const struct mh_event *ev,
                        struct env *env, struct mh_event *iev,
                        struct mh_msg *imsg);
/* One fact per envelope "Forwarded:" mailbox into out; their number. */
size_t mh_fwm_envelope_facts(const struct env *env, const struct mh_event *ev,
                             const struct mh_field *msgid, int looks,
                             struct fact *out);
/* A report whose original could not be analysed (MH-FWD-JOURNAL). */
int mh_fwm_journal_unread(struct mh_fwd *f, const struct mh_event *ev,
                          const struct hdrs *h, const struct mh_field *msgid,
                          int why);

#endif
