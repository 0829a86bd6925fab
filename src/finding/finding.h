/* finding.h - what mailhunt reports.
 *
 * A finding is produced by an analytic (now: the forwarding analysis; later
 * Sigma rules and correlations) and consumed by writers and, later, the case
 * store. Every string in a finding may come from an attacker (addresses,
 * subjects, header lines): writers escape them. A finding owns all its
 * memory; mh_finding_free releases it.
 */
#ifndef MH_FINDING_H
#define MH_FINDING_H

#include <stddef.h>
#include <stdint.h>

enum mh_level {
	MH_LEVEL_INFO = 0,
	MH_LEVEL_LOW,
	MH_LEVEL_MEDIUM,
	MH_LEVEL_HIGH,
	MH_LEVEL_CRITICAL,
};

/* One piece of evidence: where in which file, and the exact header line.
 * Never a body. */
struct mh_evidence {
	char *file;       /* input path */
	uint64_t offset;  /* byte offset of the message (decompressed input) */
	unsigned line;    /* 1-based line of the header field, 0 if unknown */
	char *message_id; /* Message-ID value without <>, or NULL */
	char *header; /* "Name: value" unfolded, capped at 512 bytes, or NULL */
	int64_t ts;   /* message time, MH_TS_NONE if unknown */
};

struct mh_count {
	const char *name; /* static key, e.g. "auto_forwarded" */
	uint64_t value;
};

#define MH_FINDING_MAX_COUNTS 8

struct mh_finding {
	char id[17];           /* stable id: 16 hex of a hash over rule id,
	                          * mailbox and destination (no run data) */
	const char *rule_id;   /* static, e.g. "MH-FWD-EXT" */
	const char *title;     /* static, short */
	const char *technique; /* static, "T1114.003" */
	const char *tactic;    /* static, "collection" */
	enum mh_level level;
	char *mailbox;     /* forwarding mailbox address, or NULL */
	char *destination; /* destination address, or NULL */
	char *dest_domain; /* destination domain, or NULL */
	char *mechanism;   /* e.g. "exchange-inbox-rule", or NULL */
	char *summary;     /* one sentence with the numbers */
	char *remediation; /* what to check / do (text, never executed) */
	int external;      /* 1 external, 0 internal, -1 unknown */
	struct mh_count counts[MH_FINDING_MAX_COUNTS];
	size_t ncounts;
	int64_t first_seen; /* MH_TS_NONE when unknown */
	int64_t last_seen;
	struct mh_evidence *evidence;
	size_t nevidence;
};

const char *mh_level_name(enum mh_level l); /* "high" */
/* Parse "info"/"informational"/"low"/...; -1 when unknown. */
int mh_level_parse(const char *s);

/* Compute f->id from rule_id, mailbox and destination. */
void mh_finding_set_id(struct mh_finding *f);
/* Add a named count; ignored past MH_FINDING_MAX_COUNTS. */
void mh_finding_count(struct mh_finding *f, const char *name, uint64_t v);
/* Free everything the finding owns and the finding itself. NULL allowed. */
void mh_finding_free(struct mh_finding *f);

/* A growable, owning list of findings. */
struct mh_findings {
	struct mh_finding **v;
	size_t n, alloc;
};
int mh_findings_push(struct mh_findings *l, struct mh_finding *f);
/* Sort by level (highest first), then rule id, mailbox, destination. */
void mh_findings_sort(struct mh_findings *l);
void mh_findings_release(struct mh_findings *l);

#endif
