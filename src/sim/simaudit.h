/* simaudit.h - the audit trail of a simulated case (`mailhunt simulate`,
 * docs/SIMULATE.md "Audit logs"): what sim.c hands over and gets back.
 *
 * The generator writes, below out_dir/audit/, the Microsoft 365 unified
 * audit log of the organisation as Management Activity API JSON Lines
 * (and a collector's second run over one day, overlapping it), the same
 * records as a Purview audit search CSV and as Sentinel OfficeActivity
 * rows, and Google Workspace Reports API activities (JSON Lines and an
 * API response page); out_dir/audit-truth.tsv names the finding each
 * planted activity should give; out_dir/audit-files.tsv how many records
 * each file holds. Benign activity (sign-ins, SharePoint, Teams, owners
 * reading their mail, ordinary rules) surrounds the planted one.
 *
 * Deterministic: its own random stream from the seed (the mail of the
 * case is the same bytes with or without it). Streaming: the planted
 * records (a few hundred at most) are held; the rest is written as it is
 * made.
 */
#ifndef MH_SIMAUDIT_H
#define MH_SIMAUDIT_H

#include <stdint.h>

#include "core/err.h"

/* Export formats, bits of opts.formats. */
enum mh_simaudit_format {
	MH_SAF_UAL = 1 << 0,      /* m365-ual.jsonl (+ the rerun window) */
	MH_SAF_PURVIEW = 1 << 1,  /* purview-audit-search.csv */
	MH_SAF_SENTINEL = 1 << 2, /* sentinel-officeactivity.csv */
	MH_SAF_GWS = 1 << 3,      /* gws-activities.jsonl + the admin page */
	MH_SAF_ALL = (1 << 4) - 1,
};

struct mh_simaudit_user {
	const char *local, *addr, *name; /* "alice", "alice@corp.example" */
};

/* A forwarding scenario of the mail part whose set-up the audit trail
 * records (simscen.c's scenarios): bit is its MH_SIM_SC_* bit, start the
 * time of its first forwarded message (the set-up comes before). */
struct mh_simaudit_mail {
	unsigned bit;
	unsigned victim, dest_user;
	const char *dest; /* external destination, or NULL: dest_user */
	int64_t start;
};

struct mh_simaudit_opts {
	uint64_t seed;
	const char *out_dir;
	const char *org; /* organisation domain */
	const struct mh_simaudit_user *users;
	unsigned nusers;    /* >= 8 when any scenario is asked for */
	int64_t start, end; /* the case's time span */
	unsigned scenarios; /* MH_SIM_SC_* bits (mail and audit ones) */
	const struct mh_simaudit_mail *mail;
	unsigned nmail;
	uint64_t records;      /* benign records (0: 2000) ... */
	uint64_t target_bytes; /* ... or: until m365-ual.jsonl is this big */
	unsigned formats;      /* MH_SAF_* (0: all) */
};

struct mh_simaudit_stats {
	uint64_t records;     /* distinct records (M365 and GWS) */
	uint64_t written;     /* records written, all files */
	uint64_t files;       /* files written (truth and file list too) */
	uint64_t bytes;       /* bytes of the audit files */
	uint64_t ual_bytes;   /* bytes of m365-ual.jsonl */
	unsigned planted;     /* planted records (attacks and look-alikes) */
	unsigned activities;  /* audit scenarios written */
	unsigned truth_lines; /* lines of audit-truth.tsv */
};

/* Write the audit trail. MH_OK; MH_EIO (err names the file); MH_ENOMEM.
 * st is filled even on failure. */
int mh_simaudit_run(const struct mh_simaudit_opts *o,
                    struct mh_simaudit_stats *st, struct mh_err *err);

/* Comma-separated format names (ual, purview, sentinel, gws, all) to
 * MH_SAF_* bits. MH_OK, or MH_EINVAL naming the bad word. */
int mh_simaudit_formats_parse(const char *list, unsigned *out,
                              struct mh_err *err);

#endif
