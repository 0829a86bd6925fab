/* sim.h - deterministic synthetic mail stores for tests, demos and
 * benchmarks (`mailhunt simulate`). Writes only below out_dir; sends
 * nothing. Same seed and options give byte-identical output on one
 * platform (gzip output depends on the zlib build).
 *
 * Layout (docs/SIMULATE.md):
 *   maildir/<domain>/<user>/Maildir/{cur,new,tmp}, .Sent, .Archive, .Lists
 *   mbox/<user>@<domain>.mbox         (one file per user, all folders)
 *   journal/outbound.mbox             (outbound gateway copies)
 *   mbox/all.mbox                     (everything, with single_mbox or
 *                                      exchange_journal)
 *   ground-truth.tsv                  (one line per expected finding)
 *   audit/, audit-truth.tsv, audit-files.tsv (simaudit.h)
 * mbox files get a ".gz" suffix and gzip content with gzip.
 *
 * Streaming: one message is held in memory at a time, so sizes are
 * bounded by the disk only.
 */
#ifndef MH_SIM_H
#define MH_SIM_H

#include <stdint.h>

#include "core/err.h"

/* Store formats: bits, MH_SIM_BOTH = both. */
enum mh_sim_format {
	MH_SIM_MBOX = 1 << 0,
	MH_SIM_MAILDIR = 1 << 1,
	MH_SIM_BOTH = MH_SIM_MBOX | MH_SIM_MAILDIR,
};

/* Injected scenarios, bits of opts.scenarios. The first five leave mail
 * (docs/FORWARDING.md rules) and, except the Sieve one, the audit record
 * of their set-up; the others exist in the audit logs only
 * (docs/SIMULATE.md "Audit logs"). */
enum mh_sim_scenario {
	MH_SIM_SC_RULE_EXT = 1 << 0, /* Exchange inbox rule -> external */
	MH_SIM_SC_FWD_SMTP = 1 << 1, /* admin ForwardingSmtpAddress */
	MH_SIM_SC_GMAIL = 1 << 2,    /* Gmail / Workspace forwarding */
	MH_SIM_SC_RULE_INT = 1 << 3, /* inbox rule -> colleague */
	MH_SIM_SC_SIEVE = 1 << 4,    /* Dovecot Sieve redirect */
	MH_SIM_SC_MAIL = (1 << 5) - 1,
	/* audit only (simaudm365.c, simaudgws.c) */
	MH_SIM_SC_MBXFWD_HIDDEN = 1 << 5, /* Set-Mailbox, keeps no copy */
	MH_SIM_SC_INBOX_RULES = 1 << 6,   /* Set-InboxRule, Outlook rule,
	                                   * localized hiding rules */
	MH_SIM_SC_TRANSPORT = 1 << 7,     /* transport rule Bcc */
	MH_SIM_SC_APP_READ = 1 << 8,      /* Mail.Read consent, Graph app */
	MH_SIM_SC_DELEGATE = 1 << 9,      /* permission grants, reads */
	MH_SIM_SC_IMPERSONATION = 1 << 10,
	MH_SIM_SC_EDISCOVERY = 1 << 11,
	MH_SIM_SC_MBX_EXPORT = 1 << 12, /* New-MailboxExportRequest */
	MH_SIM_SC_IMAP_BULK = 1 << 13,  /* throttled IMAP download */
	MH_SIM_SC_GWS_MONITOR = 1 << 14,
	MH_SIM_SC_GWS_TAKEOUT = 1 << 15,
	MH_SIM_SC_GWS_OAUTH = 1 << 16,
	MH_SIM_SC_GWS_ADMIN_ACCESS = 1 << 17,
	MH_SIM_SC_ALL = (1 << 18) - 1,
};

#define MH_SIM_MAILBOXES_MAX 500

struct mh_sim_opts {
	uint64_t seed;
	const char *out_dir;       /* created if missing; caller decides
	                              whether a non-empty one is acceptable */
	enum mh_sim_format format; /* MH_SIM_* (0 acts as MH_SIM_MAILDIR) */
	uint64_t target_bytes;     /* stop at about this many bytes of one
	                              copy of the case (uncompressed) */
	uint64_t messages;         /* or: exactly this many messages (at least
	                              the scenario messages); both 0: 2000 */
	unsigned mailboxes;     /* users: 8..MAX (1..MAX without scenarios) */
	const char *org_domain; /* NULL: corp.example */
	unsigned scenarios;     /* MH_SIM_SC_* bits; 0 = benign only */
	int gzip;               /* write mbox files gzip-compressed */
	int single_mbox;        /* everything in mbox/all.mbox */
	/* An Exchange Online journal instead of a small server's store
	 * (docs/SIMULATE.md "Exchange journal"): everything in
	 * mbox/all.mbox, ~28 KiB Outlook messages with long Exchange
	 * header blocks, one in ten auto-forwarded by the journal's own
	 * forwarding set-ups; scenarios must be 0 (they are not used). */
	int exchange_journal;
	/* The audit logs of the case (simaudit.h; docs/SIMULATE.md "Audit
	 * logs"): MH_SIM_AUDIT_WITH (default) beside the mail,
	 * MH_SIM_AUDIT_ONLY without any mail, MH_SIM_AUDIT_NONE. Never with
	 * exchange_journal. */
	int audit;
	uint64_t audit_records; /* benign audit records (0: 2000) ... */
	uint64_t audit_bytes;   /* ... or: m365-ual.jsonl about this big */
	unsigned audit_formats; /* MH_SAF_* bits of simaudit.h (0: all) */
};

enum { MH_SIM_AUDIT_NONE = 0, MH_SIM_AUDIT_WITH, MH_SIM_AUDIT_ONLY };

struct mh_sim_stats {
	uint64_t files;             /* files written, ground truth included */
	uint64_t messages;          /* messages (a message stored both as
	                               Maildir and mbox counts once) */
	uint64_t bytes;             /* uncompressed bytes of all mail files */
	uint64_t case_bytes;        /* bytes of one copy (what target means) */
	uint64_t disk_bytes;        /* bytes on disk (differs with gzip) */
	uint64_t scenario_messages; /* messages carrying scenario artefacts */
	unsigned scenarios;         /* scenarios injected */
	unsigned truth_lines;       /* lines in ground-truth.tsv */
	/* the audit logs */
	uint64_t audit_records;     /* distinct records */
	uint64_t audit_written;     /* records in all audit files */
	uint64_t audit_bytes;       /* bytes of the audit files */
	unsigned audit_planted;     /* planted records */
	unsigned audit_scenarios;   /* audit-only scenarios written */
	unsigned audit_truth_lines; /* lines in audit-truth.tsv */
};

/* Defaults: seed 1, maildir, 2000 messages, 8 mailboxes, all scenarios. */
void mh_sim_opts_default(struct mh_sim_opts *o);

/* Write the case. Returns MH_OK; MH_EINVAL for bad options (err says
 * which); MH_EIO with the path in err when a file cannot be written;
 * MH_ENOMEM. st (may be NULL) is filled even on failure. */
int mh_sim_run(const struct mh_sim_opts *o, struct mh_sim_stats *st,
               struct mh_err *err);

/* Comma-separated scenario names ("exchange-inbox-rule-external,...",
 * "m365-transport-rule", "all", "none") to bits. MH_OK, or MH_EINVAL
 * naming the bad word. */
int mh_sim_scenarios_parse(const char *list, unsigned *out, struct mh_err *err);

/* Name of one scenario bit ("sieve-redirect"), or NULL. */
const char *mh_sim_scenario_name(unsigned bit);

#endif
