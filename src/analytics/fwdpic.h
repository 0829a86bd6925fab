/* fwdpic.h - the forwarding picture, as its sources see it. Internal to
 * src/analytics (forwarding.h is the interface; docs/FORWARDING.md the
 * contract).
 *
 * The analysis is one picture fed by several sources:
 *   fwdmail.c     mail artefacts: header fields -> facts (one message)
 *   fwdjournal.c  Exchange journal reports: envelope and original
 *   fwdaudit.c    audit records and configuration snapshots -> facts
 *   fwdalias.c    other names of a mailbox (alias, DN) -> its address
 *   fwdpic.c      the picture: facts -> pairs per (kind, mailbox,
 *                 destination) and per mailbox, evidence, merge,
 *                 statistics, the analytic
 *   fwdorg.c      organisation domains, internal/external
 *   fwdfind.c     the rules: pairs -> MH-FWD-* findings
 *   fwdjoin.c     findings of pairs with an audit side, MH-FWD-MANY
 * A source turns what it reads into facts; only the picture aggregates
 * them, so every source is judged by the same rules.
 */
#ifndef MH_FWDPIC_H
#define MH_FWDPIC_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/analytic.h"
#include "analytics/forwarding.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/strmap.h"
#include "event/event.h"
#include "finding/finding.h"

#define ADDR_MAX      320 /* RFC 5321 path limit is 256; room for junk */
#define TSEEN_SLOTS   512 /* struct mh_fwd tseen */
#define TSEEN_MAX     63
#define MAX_DEST      8 /* destinations kept per artefact */
#define MAX_DELIVERED 8 /* Delivered-To fields looked at */
#define MAX_FACTS     3 /* one per kind and analysis */
/* A journal report: its own header, its attached original, and one fact
 * per envelope "Forwarded:" mailbox. */
#define FACTS_CAP  (2 * MAX_FACTS + MAX_DEST)
#define HEADER_CAP 512 /* evidence "Name: value" limit, bytes */
#define UNKNOWN    "unknown"

/* What aggregates together: each kind is judged by its own rule. */
enum kind { K_EXCH = 0, K_GMAIL, K_REDIRECT, K__COUNT };

enum mech {
	M_INBOX_RULE = 0,
	M_MBX_FWD,
	M_GMAIL,
	M_SIEVE,
	M_SERVER,
	M_RESENT,
	M_GENERIC,
	/* Only named by audit records and configuration snapshots. */
	M_TRANSPORT,
	M_GWS_MONITOR,
	M_GWS_ROUTING,
	M__COUNT
};

/* "exchange-inbox-rule", ... indexed by enum mech. */
extern const char *const mh_fw_mech_names[M__COUNT];

/* The artefacts a message carried (spec "Per-message artefacts"); the
 * rules read them back (MH-FWD-RATIO names the mechanism from them). */
enum {
	A_EXO_AUTOFWD = 1u << 0,
	A_EXO_RULES_LOOP = 1u << 1,
	A_EXO_RULES_AGENT = 1u << 2,
	A_EXO_FWD_LOOP = 1u << 3,
	A_MAILFWDBY = 1u << 4,
	A_FWD_TO = 1u << 5,
	A_FWD_FOR = 1u << 6,
	A_GMAIL_CAF = 1u << 7,
	A_RESENT = 1u << 8,
	A_SIEVE = 1u << 9,
	A_DELIVERED_CHAIN = 1u << 10,
	/* Not a header: a journal envelope's "Forwarded:" note. */
	A_JOURNAL_NOTE = 1u << 11,
};

/* One piece of evidence as kept: owned strings. A message has msgid and
 * header; an audit record has record (1-based) and fields. */
struct ev_item {
	char *file;
	uint64_t offset;
	unsigned line;
	char *msgid;
	char *header;
	int64_t ts;
	uint64_t record;
	char *fields;
	/* Hash of the audit record's own id (event.h record_id), 0 for mail:
	 * the copies of one record in several exports are one item, the copy
	 * first in file order. */
	uint64_t rid;
};

/* Where a pair was seen (struct agg srcs). */
enum { S_MAIL = 1u << 0, S_AUDIT = 1u << 1, S_SNAPSHOT = 1u << 2 };

/* What the rule or setting does besides forwarding (struct agg aflags). */
enum {
	AF_NOKEEP = 1u << 0,   /* DeliverToMailboxAndForward False */
	AF_DELETE = 1u << 1,   /* DeleteMessage, SoftDeleteMessage */
	AF_MARKREAD = 1u << 2, /* MarkAsRead */
	AF_STOP = 1u << 3,     /* StopProcessingRules */
	AF_X500 = 1u << 4,     /* destination is an X.500 DN of the tenant */
	AF_DISABLED = 1u << 5, /* snapshot: the rule exists, not enabled */
};

/* The audit record that best tells who set a pair up: the earliest
 * successful change (snapshots, then attempts, after), ties by (file,
 * offset), so the same whatever the order of arrival. Owned strings. */
struct aud_lead {
	int rank; /* 0 change, 1 snapshot, 2 attempt; -1 none */
	int64_t ts;
	char *file;
	uint64_t offset;
	char *operation, *actor, *client_ip, *app, *rule, *conditions, *actions;
};

/* One (kind, mailbox, destination). */
struct agg {
	enum kind kind;
	char *mailbox, *dest; /* one allocation, mailbox first */
	uint64_t autofwd, looks;
	int64_t first, last;
	unsigned mechs; /* bit per enum mech */
	unsigned arts;  /* A_* artefacts of its messages, for MH-FWD-RATIO */
	struct ev_item *ev;
	size_t nev;
	/* The audit side (fwdaudit.c): changes that set the pair, failed
	 * attempts, configuration snapshots that show it, their times. */
	unsigned srcs;   /* S_* */
	unsigned aflags; /* AF_* */
	uint64_t configured, attempts, snapshots;
	int64_t afirst, alast;
	struct aud_lead lead;
	char *rules; /* names of the inbox or transport rules that set it,
	              * lower case, sorted, 0x1f-separated, at most 8 */
	struct ev_item *aev;
	size_t naev;
};

/* One forwarding mailbox; messages counted once whatever the number of
 * destinations. The exch_* counts feed the ratio heuristic. */
struct mbox_acc {
	uint64_t autofwd, looks;
	int64_t first, last;
	uint64_t exch_autofwd, exch_looks;
	int64_t exch_first, exch_last;
};

struct mh_fwd;
struct fact;

/* Fills *out with the evidence item of fact x (owned strings). Called
 * only when the item is among those kept, so that the thousands of
 * messages whose evidence would be dropped cost no copy. MH_OK or
 * MH_ENOMEM (out released). */
typedef int (*mh_fw_evidence_fn)(struct mh_fwd *f, const struct fact *x,
                                 struct ev_item *out);

/* What one message says. */
struct fact {
	enum kind kind;
	enum mech mech;
	char mailbox[ADDR_MAX];
	char dest[MAX_DEST][ADDR_MAX];
	size_t ndest;
	const struct mh_field *evidence;
	unsigned arts; /* the A_* artefacts that made it */
	/* The analysed (part of the) message: its line numbers, its
	 * Message-ID and whether it looks forwarded. */
	const struct mh_event *ev;
	const struct mh_field *msgid;
	int looks;
	mh_fw_evidence_fn fill; /* the evidence item of this fact */
};

/* Why a journal report's original could not be analysed (spec "Journal
 * reports"), in the order of the MH-FWD-JOURNAL counts. */
enum jwhy { J_CUT = 0, J_ENCODED, J_NOATTACH, J_BADINNER, J__WHY };
extern const char *const mh_fw_jwhy_names[J__WHY];

struct mh_fwd {
	size_t max_evidence;
	struct mh_strmap given_org; /* --org-domain, lower case */
	struct mh_strmap aggs;      /* key: kind 0x1f mailbox 0x1f dest */
	struct mh_strmap mboxes;    /* key: mailbox; val: struct mbox_acc */
	struct mh_strmap owner_dom; /* store owners' domains; val unused */
	struct mh_strmap mdom;      /* forwarding mailbox domain -> messages
	                        * naming it (uintptr_t) */
	uint64_t messages, autofwd, looks;

	/* Per-message scratch, reused: allocation only at warm-up. */
	struct mh_arena arena;
	struct mh_arena jarena; /* fields of a journal report's message */
	struct mh_buf ubuf, dbuf;
	struct fact facts[FACTS_CAP];
	char last_owner[ADDR_MAX]; /* owner whose domain is recorded */

	/* Derived on demand, dropped by event/merge. */
	int org_ready;
	struct mh_strmap org; /* given or inferred org domains; val:
	                       * (uintptr_t) index + 1 into orgv */
	struct mh_fwd_org_domain *orgv;
	size_t norgv;
	struct mh_arena stats_arena;
	struct mh_fwd_pair_stat *pairs;
	size_t npairs;
	struct mh_fwd_mailbox_stat *mstats;
	size_t nmstats;

	/* Audit records read, and those that made forwarding facts. */
	uint64_t audit_records, audit_facts;
	/* Forwarding removed: key mech 0x1f mailbox 0x1f rule ("" for
	 * mailbox forwarding); val: malloc'd int64_t, the latest time. */
	struct mh_strmap removals;
	/* Inbox rules enabled (Enable-InboxRule), keyed as removals: a
	 * rule disabled and enabled again forwards again. */
	struct mh_strmap enables;
	/* Other names of a mailbox (alias, legacy DN, GUID: lower case)
	 * -> its address, learnt from records that give both (fwdalias.c);
	 * val: malloc'd address, or mh_fw_alias_ambiguous. */
	struct mh_strmap aliases;
	/* learn_guid (fwdaudit.c): (MailboxGuid, mailbox) pairs as written
	 * that it found taught already, by a hash of the GUID; a pair once
	 * taught stays so (an alias only ever becomes ambiguous). NULL
	 * until the first; freed with the accumulator. */
	struct fw_guid_seen *guid_seen;
	/* Out of memory where no error could be returned (passed_over):
	 * findings then fail with MH_ENOMEM rather than be incomplete. */
	int oom;
	/* The tenant's own domains from audit records (OrganizationName,
	 * UPN domains of its users, GWS actor domains): val unused. */
	struct mh_strmap tenant_dom;
	struct mh_strmap not_tenant; /* free-mail domains seen: a cache */
	/* The last organisation noted: records of one export repeat it. */
	char last_torg[ADDR_MAX];
	/* Actors and mailboxes whose domain was noted (a cache, one entry
	 * per hash slot; len 0: empty): a log of a few hundred users names
	 * each again and again, each noted once. */
	struct {
		unsigned char len;
		char a[TSEEN_MAX];
	} tseen[TSEEN_SLOTS];

	/* Journal reports whose original could not be analysed: autofwd
	 * is their number, evidence the reports (MH-FWD-JOURNAL). */
	struct agg jr;
	uint64_t jr_why[J__WHY];
};

/* MARK: - small helpers (fwdpic.c) */

int mh_fw_lc(int c);
void mh_fw_lower(char *s);
/* The part after the last '@', "" when there is none. */
const char *mh_fw_domain_of(const char *addr);
/* Widen [*first, *last] to ts (MH_TS_NONE: unchanged). */
void mh_fw_span(int64_t *first, int64_t *last, int64_t ts);
/* Cut at most cap bytes without splitting a UTF-8 sequence. */
size_t mh_fw_utf8_cut(const char *s, size_t n, size_t cap);
/* d equals or is a subdomain of parent (both lower case). */
int mh_fw_under(const char *d, const char *parent);

/* MARK: - evidence (fwdpic.c) */

void mh_fw_ev_release(struct ev_item *e);
/* Order of evidence: (file, offset). */
int mh_fw_ev_cmp(const struct ev_item *a, const struct ev_item *b);
/* Would an item at (file, offset) be among the max smallest of a? Saves
 * copying strings for the thousands of messages that would be dropped. */
int mh_fw_ev_wanted(const struct ev_item *v, size_t n, size_t max,
                    const char *file, uint64_t offset);
/* Keep the max smallest items by (file, offset): the same set whatever
 * the order of arrival, hence across threads and merges. Takes *e (it is
 * released when not kept). MH_OK or MH_ENOMEM. */
int mh_fw_ev_keep(struct ev_item **v, size_t *n, size_t max, struct ev_item *e);
void mh_fw_agg_free(void *p);

/* MARK: - the picture (fwdpic.c) */

/* The pair (k, mailbox, dest), created empty when new; NULL: no memory. */
struct agg *mh_fw_agg_get(struct mh_fwd *f, enum kind k, const char *mailbox,
                          const char *dest);
/* Derived state (org domains, statistics) is dropped on any change. */
void mh_fw_drop_derived(struct mh_fwd *f);
/* Add the facts of one message (all its analyses) to the accumulator:
 * each pair and each forwarding mailbox counts the message once. Every
 * fact has its fill. MH_OK or MH_ENOMEM. */
int mh_fw_record(struct mh_fwd *f, const struct fact *facts, size_t nf);
/* A store owner seen (its domain may be an org domain). */
int mh_fw_note_owner(struct mh_fwd *f, const char *owner);
/* fwdorg.c: drop the org domains built (they are derived). */
void mh_fw_org_drop(struct mh_fwd *f);
/* Build the org domains (given or inferred) once after the last change;
 * MH_OK or MH_ENOMEM. */
int mh_fw_org_build(struct mh_fwd *f);
/* Spec "Internal or external", rules 1-6: 1 external, 0 internal, -1
 * undecided. mh_fw_org_build must have run. */
int mh_fw_externality(struct mh_fwd *f, const char *mailbox, const char *dest);

/* MARK: - the sources */

/* fwdmail.c: one mail event (kind MH_EV_MAIL; without msg: ignored).
 * MH_OK or MH_ENOMEM (err set). */
int mh_fw_mail_event(struct mh_fwd *f, const struct mh_event *ev,
                     struct mh_err *err);

/* fwdaudit.c: one audit event (kind MH_EV_AUDIT with audit). dup: a copy
 * of a record already counted (another export): only where it was read
 * is kept, so that evidence and the lead record do not depend on which
 * copy a thread read first. MH_OK or MH_ENOMEM (err set). */
/* The operations mh_fw_audit_event reads (analytic.h audit_ops), or
 * NULL when conf makes it read every audit record. */
const char *const *mh_fw_audit_ops(const struct mh_analytic_conf *conf);
/* What a record passed over must tell (analytic.h audit_need): the
 * tenant's facts (its domains without --org-domain, a mailbox's GUID). */
unsigned mh_fw_audit_need(const struct mh_analytic_conf *conf);
/* The tenant's domains a record names (OrganizationName, the actor's
 * and the mailbox's domains) and the GUID beside a mailbox's address,
 * for one passed over unparsed. MH_OK or MH_ENOMEM. */
int mh_fw_audit_tenant(struct mh_fwd *f, const struct mh_audit *a);
int mh_fw_audit_event(struct mh_fwd *f, const struct mh_event *ev, int dup,
                      struct mh_err *err);
/* Merge the audit side of pair a into t (a's evidence moved). */
void mh_fw_audit_add(struct agg *t, struct agg *a, size_t max);
void mh_fw_lead_release(struct aud_lead *l);
/* The removal time of (mech, mailbox, rule), MH_TS_NONE when none or
 * when the rule was enabled again at or after it. */
int64_t mh_fw_removed(const struct mh_fwd *f, enum mech m, const char *mailbox,
                      const char *rule);
/* The time (mech, mailbox, rule) was enabled again at or after its
 * last removal (Disable-InboxRule), *disabled that removal's time;
 * MH_TS_NONE when it was not. */
int64_t mh_fw_reenabled(const struct mh_fwd *f, enum mech m,
                        const char *mailbox, const char *rule,
                        int64_t *disabled);
/* Keep the latest time of key in a removals-like map (val malloc'd
 * int64_t). MH_OK or MH_ENOMEM. */
int mh_fw_time_note(struct mh_strmap *m, const char *key, size_t klen,
                    int64_t ts);
/* Merge pair a into t (a's evidence moved; a is then freed by the
 * caller). */
void mh_fw_agg_add(struct agg *t, struct agg *a, size_t max);

/* MARK: - other names of a mailbox (fwdalias.c) */

extern char mh_fw_alias_ambiguous[];
/* Learn the other names of mailbox (an address, lower case) that the
 * Microsoft 365 cmdlet record a writes beside it: the owner part of its
 * ObjectId and of its Identity or Mailbox parameters, when they are not
 * addresses. Only inbox rule cmdlets and Set-Mailbox, whose objects are
 * the mailbox or a rule in it. MH_OK or MH_ENOMEM. */
int mh_fw_alias_learn(struct mh_fwd *f, const struct mh_audit *a,
                      const char *mailbox);
/* Learn that name (lower case: an alias, a GUID) is another name of
 * the mailbox addr (an address, lower case). MH_OK or MH_ENOMEM. */
int mh_fw_alias_teach(struct mh_fwd *f, const char *name, const char *addr);
/* Merge from's names into into's (a name learnt with two addresses is
 * ambiguous). MH_OK or MH_ENOMEM. */
int mh_fw_alias_merge(struct mh_fwd *into, struct mh_fwd *from);
void mh_fw_alias_free(void *p);
/* Before the findings: every pair, removal and enable whose mailbox is
 * an unambiguous other name of an address is moved to that address, so
 * that a rule set on "alice" and the mail alice@corp.example sent are one
 * pair. MH_OK or MH_ENOMEM. */
int mh_fw_alias_resolve(struct mh_fwd *f);

/* MARK: - the rules (fwdfind.c) */

/* "exchange-inbox-rule,resent": the mechanisms of a bit set (enum mech),
 * malloc'd, or NULL. */
char *mh_fw_mechs_text(unsigned mechs);
/* mh_fwd_findings (forwarding.h) is defined there. */
struct mh_finding *mh_fw_new_finding(const char *rule, const char *title,
                                     enum mh_level level, int external,
                                     const char *mailbox, const char *dest,
                                     unsigned mechs);
/* Sets the summary (taken), the evidence of evidence_from, and appends fd
 * to out; on MH_ENOMEM fd is freed. */
int mh_fw_push(struct mh_findings *out, struct mh_finding *fd, char *summary,
               const struct agg *evidence_from);
void mh_fw_when_text(int64_t first, int64_t last, char *out, size_t n);
/* A mailbox as a shell argument ('x@y') or "<mailbox>". */
void mh_fw_shell_arg(const char *mailbox, char *out, size_t n);

/* fwdjoin.c: the finding of a pair with an audit side (rule, title,
 * level and externality as the mail rule chose them), and MH-FWD-MANY
 * over the sorted pairs v. MH_OK or MH_ENOMEM. */
int mh_fw_audit_finding(struct mh_fwd *f, const struct agg *a, const char *rule,
                        const char *title, enum mh_level level, int external,
                        struct mh_findings *out);
int mh_fw_many_findings(struct mh_fwd *f, const struct mh_strmap_slot *const *v,
                        size_t n, struct mh_findings *out);

#endif
