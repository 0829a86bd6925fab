/* finding.h - what mailhunt reports.
 *
 * A finding is produced by an analytic (the forwarding analysis, the audit
 * judgement, Sigma rules and correlations) and consumed by writers and,
 * later, the case store. Every string in a finding may come from an
 * attacker (addresses, subjects, header lines, rule files, audit records):
 * writers escape them. A finding owns all its memory, also its rule id and
 * title (Sigma rules make them at run time); mh_finding_free releases it.
 * Build one with mh_finding_new, then mh_finding_set_rule.
 */
#ifndef MH_FINDING_H
#define MH_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "core/time.h"

enum mh_level {
	MH_LEVEL_INFO = 0,
	MH_LEVEL_LOW,
	MH_LEVEL_MEDIUM,
	MH_LEVEL_HIGH,
	MH_LEVEL_CRITICAL,
};

/* One piece of evidence: where in which file, and the exact header line
 * (mail) or the key fields (records). Never a body. */
struct mh_evidence {
	char *file;       /* input path */
	uint64_t offset;  /* byte offset of the message or record
	                   * (decompressed input) */
	unsigned line;    /* 1-based line of the header field (mail) or of the
	                   * record's start (JSON, CSV), 0 if unknown */
	char *message_id; /* Message-ID value without <>, or NULL */
	char *header; /* "Name: value" unfolded, capped at 512 bytes, or NULL */
	int64_t ts;   /* message or record time, MH_TS_NONE if unknown */
	uint64_t record; /* 1-based record number in the file for record
	                  * inputs (audit logs, event logs), 0 for mail */
	char *fields;    /* the record's key fields, "Name=value; Name=value",
	               * capped at 1024 bytes, or NULL */
};

/* A named detail of a finding beyond the common columns: the name,
 * conditions and actions of an inbox rule, a Sigma rule's author and link,
 * ... Writers print them in order. */
struct mh_attr {
	const char *key; /* static, lower_snake ASCII ("rule_name") */
	char *value;     /* owned, NUL-terminated, untrusted */
};

#define MH_FINDING_MAX_ATTRS 16

struct mh_count {
	const char *name; /* static key, e.g. "auto_forwarded" */
	uint64_t value;
};

#define MH_FINDING_MAX_COUNTS 8

struct mh_finding {
	char id[17];     /* stable id: 16 hex of a hash over rule id,
	                          * mailbox and destination (no run data) */
	char *rule_id;   /* "MH-FWD-EXT", a Sigma rule's id, ... */
	char *title;     /* short */
	char *technique; /* "T1114.003", or NULL */
	char *tactic;    /* "collection", or NULL */
	enum mh_level level;
	char *mailbox;     /* the mailbox concerned (forwarding, read,
	                    * changed), or NULL */
	char *destination; /* destination address, or NULL */
	char *dest_domain; /* destination domain, or NULL */
	char *mechanism;   /* e.g. "exchange-inbox-rule", or NULL */
	char *summary;     /* one sentence with the numbers */
	char *remediation; /* what to check / do (text, never executed) */
	int external;      /* 1 external, 0 internal, -1 unknown */
	char *actor;       /* who made the change or did the access, when it
	                    * is not the mailbox itself; or NULL */
	char *client_ip;   /* the actor's address as recorded, or NULL */
	char *app;         /* client application or app id, or NULL */
	struct mh_attr attrs[MH_FINDING_MAX_ATTRS];
	size_t nattrs;
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

/* A zeroed finding with external -1 and first/last seen unknown, or NULL
 * when out of memory. */
struct mh_finding *mh_finding_new(void);
/* Set rule id, title, technique and tactic (copies; technique and tactic
 * may be NULL). MH_OK or MH_ENOMEM (the finding is unchanged then). */
int mh_finding_set_rule(struct mh_finding *f, const char *rule_id,
                        const char *title, const char *technique,
                        const char *tactic);
/* Append a detail (value copied; NULL value: nothing added). Keys stay
 * unique: a value for a key already there is joined to it with "; ". MH_OK,
 * MH_ENOMEM, or MH_ETOOBIG past MH_FINDING_MAX_ATTRS (not added). */
int mh_finding_attr(struct mh_finding *f, const char *key, const char *value);
/* The value of the first detail called key, or NULL. */
const char *mh_finding_attr_get(const struct mh_finding *f, const char *key);

/* 1 when f carries one of tags[0..n) (lower case) or a tag below one
 * ("attack.t1114" keeps "attack.t1114.003"): its "tags" detail (Sigma
 * rules, space-separated), or attack.<technique> and attack.<tactic>
 * (built-in findings). */
int mh_finding_has_tag(const struct mh_finding *f, const char *const *tags,
                       size_t n);

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
