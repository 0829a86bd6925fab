/* sim_int.h - what the parts of the mail generator share (private to
 * sim.c, simstore.c, simbenign.c and simscen.c; the audit logs are
 * simaudit_int.h's).
 *
 *   sim.c        options, users, stores and the run: the time line that
 *                interleaves benign traffic and scenario messages
 *   simstore.c   writing a message to the stores (mbox, Maildir, the
 *                gateway journal) and the header fields every message
 *                shares: trace fields, DKIM, Message-ID, the originator
 *   simbenign.c  benign traffic of a small organisation and the people
 *                helpers scenarios also use
 *   simscen.c    the injected forwarding scenarios, the Exchange Online
 *                journal (--exchange-journal) and the ground truth
 *
 * One splitmix64 stream (s->g) drives everything, in the order the run
 * calls these parts: moving code between them must not change the order
 * of its draws (`mailhunt simulate` output is compared byte for byte by
 * t0320 and the demo goldens). Functions return MH_OK or a negative code
 * with s->err set, as mh_sim_run does; a message is composed into s->g
 * and written by sm_store_user / sm_store_journal.
 */
#ifndef MH_SIM_INT_H
#define MH_SIM_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/err.h"
#include "sim/sim.h"
#include "sim/simtext.h"

#define NELEM(a)   (sizeof(a) / sizeof((a)[0]))
#define START_TIME ((int64_t)1709251200) /* 2024-03-01T00:00:00Z */
#define DAY        ((int64_t)86400)
#define HOUR       ((int64_t)3600)

/* An outside organisation mail comes from (simbenign.c's table). */
struct domain {
	const char *name, *mx, *net;
	int tz;  /* minutes east */
	int cet; /* follows Central European summer time */
};

struct out {
	FILE *f;
	gzFile gz;
	char *path;
};

struct user {
	char local[32];
	char addr[160];
	struct mh_simperson p;
	struct out mbox;
	unsigned delivered; /* Maildir file counter */
};

struct scenario {
	unsigned bit; /* MH_SIM_SC_*, or 0: an Exchange journal set-up */
	int how;      /* enum jhow of an Exchange journal set-up */
	const char *name;
	unsigned victim, dest_user; /* user indexes (dest_user: internal) */
	const char *dest;           /* external destination or NULL */
	unsigned count;             /* messages with artefacts */
	int keeps_original;         /* the victim's store keeps a copy */
	int64_t start, step;
	/* filled while writing */
	unsigned written;
	int64_t first, last;
};

struct scev {
	int64_t t;
	unsigned sc, i;
};

struct sim {
	const struct mh_sim_opts *o;
	struct mh_sim_stats *st;
	struct mh_err *err;
	struct mh_simgen g;
	struct mh_buf tr;   /* trace fields of the delivery being written */
	struct mh_buf part; /* a piece of trace kept for a second copy */
	struct mh_buf path;
	const char *org;
	struct user *users;
	unsigned nusers;
	struct out journal, all;
	int64_t span, end;
	uint64_t seq;
	char tenant[40];
	struct scenario sc[8];
	unsigned nsc;
};

/* What a message is composed from (sm_originator). */
enum mua { MUA_OUTLOOK, MUA_THUNDERBIRD, MUA_GMAIL, MUA_APPLE, MUA_OTHER };

struct compose {
	const struct mh_simperson *from;
	const struct mh_simperson *to[3], *cc[3];
	unsigned nto, ncc;
	const char *subject;
	int64_t date;
	int tz;
	enum mua mua;
	const char *in_reply_to; /* without brackets, or NULL */
	char msgid[160];         /* out: generated, without brackets */
};

/* An outside correspondent (sm_pick_contact). */
struct ext {
	char addr[160];
	struct mh_simperson p;
	const struct domain *dom;
};

/* MARK: - simstore.c: files, stores, header fields */

/* Report an I/O failure of what on path: MH_EIO with s->err set. */
int sm_ioerr(struct sim *s, const char *what, const char *path);
/* mkdir -p. */
int sm_mkdirs(struct sim *s, const char *path);
/* An output file, gzip-compressed with --gzip; counted in s->st. */
int sm_out_open(struct sim *s, struct out *o, const char *path, size_t bufsize);
int sm_out_close(struct sim *s, struct out *o);
/* Write the composed message (s->g) with the trace fields of s->tr into
 * user ui's folder (NULL: INBOX) of each store written, or all.mbox. */
int sm_store_user(struct sim *s, unsigned ui, const char *folder,
                  const char *env_from, int64_t t);
/* The composed message delivered in one hop from env_from to user ui
 * (dom: the sending organisation's domain, NULL for a colleague): its
 * trace fields (sm_trace_begin, sm_trace_inbound with the envelope,
 * sm_trace_end) and sm_store_user into folder. */
int sm_deliver(struct sim *s, const char *env_from, unsigned ui,
               const struct domain *dom, const char *folder, int64_t t);
/* Write the composed message into the outbound gateway journal. */
int sm_store_journal(struct sim *s, const char *env_from, int64_t t);
/* Trace fields: collected in s->tr while a delivery is composed. */
void sm_trace_begin(struct sim *s);
void sm_trace_end(struct sim *s);
unsigned long long sm_qid(struct sim *s);
void sm_trace_submission(struct sim *s, int64_t t);
void sm_trace_inbound(struct sim *s, const char *env_from, const char *rcpt,
                      const struct domain *dom, int64_t t, int with_envelope);
void sm_dkim(struct sim *s, const char *domain);
/* From, To, Cc, Subject, Date, Message-ID and the client's own fields of
 * c, into s->g; c->msgid is set. */
void sm_originator(struct sim *s, struct compose *c);

/* MARK: - simbenign.c: people helpers, benign traffic */

void sm_pick_contact(struct sim *s, struct ext *e);
int sm_ext_tz(const struct ext *e, int64_t t);
unsigned sm_other_user(struct sim *s, unsigned u);
enum mua sm_ext_mua(struct sim *s);
unsigned sm_body_flags(struct sim *s);
unsigned sm_n_attachments(struct sim *s);
void sm_fill_orig(struct sim *s, struct mh_simorig *o,
                  const struct mh_simperson *from,
                  const struct mh_simperson *to, int64_t before);
/* One benign event at t; room is how many more messages the run wants
 * (UINT64_MAX when it stops by size): under 2, no second copy. */
int sm_benign(struct sim *s, int64_t t, uint64_t room);

/* MARK: - simscen.c: scenarios, Exchange journal, ground truth */

/* Message i of scenario x at t. */
int sm_sc_message(struct sim *s, struct scenario *x, unsigned i, int64_t t);
void sm_journal_setups(struct sim *s);
int sm_journal_event(struct sim *s, int64_t t, uint64_t room);
int sm_write_truth(struct sim *s);
/* Scenario times, fixed per seed before any traffic is written: *out
 * (malloc'd, sorted by time) and *n, *stored the messages they store. */
int sm_plan_scenarios(struct sim *s, struct scev **out, size_t *n,
                      uint64_t *stored);

#endif
