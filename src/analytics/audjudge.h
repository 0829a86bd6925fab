/* audjudge.h - the audit judgement's shared part: the accumulator of the
 * "audit" analytic (analytic.h), the text helpers and tables its rule
 * modules read, and how a rule module hands over a finding.
 *
 * Internal to src/analytics/aud*.c; docs/AUDIT.md ("Rules: hiding,
 * permissions, exports, posture") describes the rules.
 *
 * The analytic sees every MH_EV_AUDIT event (and MH_EV_RECORD events
 * for vendor alerts kept as plain records) and passes it to three rule
 * modules, each stateless per record except where a rule joins records:
 *
 *   audhide.c     MH-AUD-HIDE, MH-AUD-RULENAME, MH-AUD-BEC-SEQ
 *   audadmin.c    MH-AUD-PERM, -IMPERSONATION, -EDISCOVERY, -EXPORT,
 *                 -ALERT, -ACTIVESYNC
 *   audposture.c  MH-CFG-REMOTEDOMAIN, -GMAILFWD, -AUDITBYPASS
 *
 * A rule module makes one finding per record that matches (aj_new, then
 * aj_push). The same (rule, mailbox, subject) seen in several records
 * (an inbox rule created, then listed by Get-InboxRule; one export in
 * two overlapping audit files) becomes one finding at the end (the
 * highest level, every time span, evidence up to max_evidence), whatever
 * the worker threads and the order of merges.
 *
 * Joins across records (a rule, a send and a move within 12 minutes; an
 * export request removed by its maker within the hour) are kept as
 * "steps": small owned copies of what the join needs, matched when the
 * findings are made.
 */
#ifndef MH_AUDJUDGE_H
#define MH_AUDJUDGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analytics/analytic.h"
#include "core/buf.h"
#include "core/slice.h"
#include "event/audit.h"
#include "event/event.h"
#include "finding/finding.h"

/* MARK: - tables (the .def files) */

enum aj_rule {
#define AUD_RULE(e, id, title, tech, tactic) AJ_##e,
#include "analytics/audrules.def"
#undef AUD_RULE
	AJ_R__COUNT
};

struct aj_rule_info {
	const char *id, *title, *technique, *tactic;
};
extern const struct aj_rule_info aj_rules[AJ_R__COUNT];

enum aj_folder_kind {
	F_NONE = 0,
	F_RSS,
	F_CONVHIST,
	F_NOTES,
	F_JUNK,
	F_DELETED,
	F_ARCHIVE,
	F_SENT,
	F_CALENDAR,
};

/* The kind of a folder named by the last element of a path
 * ("\\Inbox\\RSS Feeds", "user:\\Junk Email", "RSS Feeds"), compared
 * case-folded; any name holding the word "RSS" is F_RSS. F_NONE for
 * anything else (also for an empty name). */
enum aj_folder_kind aj_folder_kind(struct mh_slice path);
/* "RSS Feeds", "Conversation History", ... (for summaries). */
const char *aj_folder_kind_name(enum aj_folder_kind k);
/* 0 when text (a record's raw JSON) cannot name a folder of kind: no
 * \u escape, and no run of ASCII of a name of that kind in it, any case
 * (so no string value of it has such a leaf: aj_folder_kind); 1 maybe. */
int aj_text_may_name(struct mh_slice text, enum aj_folder_kind kind);
/* The last element of a folder path (after the last '\\', '/' or ':'). */
struct mh_slice aj_folder_leaf(struct mh_slice path);

enum aj_word_class { W_FIN = 1, W_IR = 2, W_SECRET = 4 };

/* The first word of class cls (audword.def) found in text, case-folded
 * (ASCII and Latin-1), at the start of a word (and, for whole-word
 * entries, ending one); NULL when none. The result is the table's
 * spelling. */
const char *aj_word_find(struct mh_slice text, unsigned cls);

/* Parameter classes (audparam.def). */
enum aj_param_class {
	P_NONE = 0,
#define AUD_PCLASS(e) e,
#include "analytics/audparam.def"
#undef AUD_PCLASS
	P__COUNT
};
/* The class of a parameter name (ASCII case-insensitive), P_NONE when it
 * is none of the table's. */
enum aj_param_class aj_param_class(struct mh_slice name);

/* MARK: - values */

/* 1 when the record's operation is op (ASCII case-insensitive). Asked
 * once per rule of every record, with op a literal: inline, so that
 * its length is known when compiled and the first letter and the
 * length rule out most without a call. */
static inline int aj_is_op(const struct mh_audit *a, const char *op)
{
	struct mh_slice o = a->operation;
	if (!o.n)
		return !*op;
	if (((unsigned char)o.p[0] | 0x20) != ((unsigned char)op[0] | 0x20))
		return 0;
	size_t n = strlen(op);
	return o.n == n && mh_slice_ieq(o, mh_slice_make(op, n));
}
/* The first non-empty value (trimmed) of a parameter of class c, of any
 * operation of the record (aj_pval) or of operation op (aj_pval_op);
 * empty when none. aj_pnamed: the same by name. */
struct mh_slice aj_pval(const struct mh_audit *a, enum aj_param_class c);
struct mh_slice aj_pval_op(const struct mh_audit *a, enum aj_param_class c,
                           unsigned op);
struct mh_slice aj_pnamed(const struct mh_audit *a, const char *name);
/* One level lower (not below info); one higher (not above cap). */
enum mh_level aj_down(enum mh_level l);
enum mh_level aj_up(enum mh_level l, enum mh_level cap);
/* s as PowerShell single-quoted text ('' for ', no line breaks), cut to
 * fit n bytes with its NUL. */
void aj_ps_quote(struct mh_slice s, char *out, size_t n);
/* *dst = a NUL-terminated copy of v (the old value freed). MH_OK or
 * MH_ENOMEM (*dst unchanged). */
int aj_set_str(char **dst, struct mh_slice v);

/* 1 for "True", "$true", "1", "Yes" (any case, trimmed), else 0. */
int aj_true(struct mh_slice v);
/* 1 when a and b name the same identity: equal ignoring ASCII case, or
 * one is the local part of the other's address ("user1" and
 * "user1@corp.example"). Empty never matches. */
int aj_same_identity(struct mh_slice a, struct mh_slice b);
/* 1 for identities of the system rather than a person: S-1-5-18 and
 * the other well-known service SIDs, NT AUTHORITY\\..., NT SERVICE\\...,
 * and the names of audadmin.def's AUD_SYSTEM entries. */
int aj_system_identity(struct mh_slice s);

/* MARK: - the accumulator */

struct aj_hit {
	struct mh_finding *f; /* owned; exactly one evidence item */
	char *key;            /* rule id, mailbox and subject: findings
	                       * with one key become one */
	char *actor;          /* lower case, for joins; or NULL */
	int64_t ts;
	int join;  /* AJ_JOIN_* */
	char *rid; /* the record's own id (event.h record_id), or NULL */
};

enum aj_join {
	AJ_JOIN_NONE = 0,
	AJ_JOIN_EXPORT, /* New-MailboxExportRequest: removed after? */
	AJ_JOIN_ROLE,   /* New-ManagementRoleAssignment: removed after? */
	AJ_JOIN_RULE,   /* an inbox rule changed: removed or disabled after? */
};

enum aj_step_kind {
	S_RULE = 1,      /* New-InboxRule (BEC sequence) */
	S_SEND,          /* Send */
	S_SENTMOVE,      /* a move or delete out of Sent Items */
	S_EXPORT_REMOVE, /* Remove-MailboxExportRequest */
	S_ROLE_REMOVE,   /* Remove-ManagementRoleAssignment */
	S_RULE_REMOVE,   /* Remove-InboxRule, Disable-InboxRule: user is the
	                  * mailbox, what the rule's name */
	S_RULE_ENABLE,   /* Enable-InboxRule, as S_RULE_REMOVE */
};

/* One record a join needs: who, when, and where it is. A Send (the
 * commonest) keeps no key fields: they are rebuilt from kind and user
 * when it becomes evidence, so a log of many sends costs little. */
struct aj_step {
	int kind;
	char *user; /* lower case */
	int64_t ts;
	struct mh_evidence ev; /* file: in aj_acc.paths; fields owned */
	char *what;            /* a few words for the summary, or NULL */
	char *rid;             /* the record's own id, or NULL */
};

struct aj_acc {
	size_t max_evidence;
	struct aj_hit *hits;
	size_t nhits, ahits;
	struct aj_step *steps;
	size_t nsteps, asteps;
	char **paths; /* the files steps were read from, owned, once each */
	size_t npaths, apaths;
	struct mh_buf tmp; /* scratch for the modules */
	/* The id of the record being judged (event or duplicate), copied
	 * into every hit and step it makes. Copies of one record read from
	 * several exports are all judged (the duplicate hook) and only the
	 * one found first in file order is kept at the end, so findings and
	 * their evidence do not depend on which copy a thread read first. */
	struct mh_slice cur_rid;
};

/* MARK: - making findings */

/* A new finding of rule r at level for the event: rule id, title,
 * technique and tactic from audrules.def (technique/tactic override
 * when not NULL), mailbox, actor (when not the mailbox), client IP, app,
 * time, and one evidence item (file, record number, line, offset, the
 * key fields of the record). NULL when out of memory. */
struct mh_finding *aj_new(const struct mh_event *ev, enum aj_rule r,
                          enum mh_level level, const char *technique,
                          const char *tactic);

/* Set the summary and remediation (copied, printf-style summary). MH_OK
 * or MH_ENOMEM. */
int aj_summary(struct mh_finding *f, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
int aj_remedy(struct mh_finding *f, const char *text);
/* mh_finding_attr for a slice (nothing added for an empty one). */
int aj_attr(struct mh_finding *f, const char *key, struct mh_slice v);

/* Hand f to the accumulator under key (rule id + mailbox + subject;
 * subject may be empty), with the actor and time for joins. Takes f
 * (freed on failure). MH_OK or MH_ENOMEM. */
int aj_push(struct aj_acc *acc, struct mh_finding *f, struct mh_slice subject,
            const struct mh_audit *a, int join);

/* Keep a step of the event for a join. MH_OK or MH_ENOMEM. */
int aj_step(struct aj_acc *acc, const struct mh_event *ev, int kind,
            struct mh_slice user, const char *what);

/* Copy the evidence of a step into f (when f has room under max). */
int aj_add_step_evidence(struct mh_finding *f, const struct aj_step *s,
                         size_t max);

/* The rule modules: per event, and at the end (joins over the sorted
 * steps; steps are sorted by user, time, file and offset first). */
int aj_hide_event(struct aj_acc *acc, const struct mh_event *ev);
int aj_hide_join(struct aj_acc *acc); /* before hits are coalesced */
int aj_hide_findings(struct aj_acc *acc, struct mh_findings *out);
int aj_admin_event(struct aj_acc *acc, const struct mh_event *ev);
int aj_admin_join(struct aj_acc *acc); /* before hits are coalesced */
int aj_posture_event(struct aj_acc *acc, const struct mh_event *ev);

/* The Microsoft 365 operations each rule module reads (analytic.h
 * audit_ops: "*text" and "#N" forms), NULL-terminated: every operation
 * its *_event function looks at, kept next to it. */
extern const char *const aj_hide_ops[];
extern const char *const aj_admin_ops[];
extern const char *const aj_posture_ops[];

#endif
