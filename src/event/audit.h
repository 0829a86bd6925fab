/* audit.h - the typed view of a cloud audit record or configuration
 * snapshot (event kind MH_EV_AUDIT, ev->audit).
 *
 * Whatever shape the record was exported in (Management Activity API
 * JSON, a Purview CSV, a Sentinel row, a Defender row, a Graph query
 * result, an admin audit log entry, a Get-InboxRule export, a Google
 * Workspace activity), the normalisers of the JSON and CSV readers
 * (readers/record/) fill this one struct, so the judgement is written
 * once. docs/AUDIT.md ("Inputs") lists, per shape, which key fills which
 * member.
 *
 * Lifetime: like the event (event.h): every slice points into reader
 * memory, valid until the reader's next next()/close(). A slice with
 * p == NULL means "not in the record"; values are as written unless a
 * member says it is normalised. Text is UTF-8 as the source gave it
 * (attacker-controlled: escape it when writing).
 *
 * The helpers below (address lists, client IPs, results, times) are pure
 * functions for the readers and the judgement alike.
 */
#ifndef MH_AUDIT_H
#define MH_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

enum mh_audit_source {
	MH_AUDIT_M365 = 1, /* Microsoft 365 / Exchange Online / Exchange */
	MH_AUDIT_GWS,      /* Google Workspace */
};

/* How the record was exported (evidence, statistics, docs). */
enum mh_audit_shape {
	MH_AS_UNKNOWN = 0,
	/* Microsoft 365 activity */
	MH_AS_UAL_API,     /* Management Activity API record (any key case) */
	MH_AS_UAL_SEARCH,  /* Purview audit search / Search-UnifiedAuditLog
	                    * export: the record is the JSON in AuditData */
	MH_AS_SENTINEL,    /* Sentinel OfficeActivity row (CSV or JSON) */
	MH_AS_DEFENDER,    /* Defender XDR CloudAppEvents (RawEventData) */
	MH_AS_GRAPH_AUDIT, /* Graph audit log query record (auditData) */
	MH_AS_ADMIN_AUDIT, /* Search-AdminAuditLog entry */
	/* Exchange configuration snapshots: state, not actions; no time */
	MH_AS_CFG_INBOX_RULE,         /* Get-InboxRule (-IncludeHidden), MES
	                        * MailboxRules.csv */
	MH_AS_CFG_MAILBOX,            /* Get-Mailbox (forwarding fields) */
	MH_AS_CFG_TRANSPORT_RULE,     /* Get-TransportRule */
	MH_AS_CFG_REMOTE_DOMAIN,      /* Get-RemoteDomain */
	MH_AS_CFG_MAILBOX_PERMISSION, /* Get-MailboxPermission */
	MH_AS_CFG_FOLDER_PERMISSION,  /* Get-MailboxFolderPermission */
	/* Google Workspace */
	MH_AS_GWS_REPORTS,       /* Admin SDK Reports API activity */
	MH_AS_GWS_CLOUD_LOGGING, /* the same as a Cloud Logging entry
	                          * (protoPayload.metadata.event[]) */
	MH_AS__COUNT
};

/* "m365-ual-api", "m365-purview", ... (docs/AUDIT.md); never NULL. */
const char *mh_audit_shape_name(int shape);
/* 1 for a shape that keeps only part of the record it exports (a
 * Sentinel OfficeActivity row has no OperationCount, QueryText, ...),
 * so that another export of the same record, when there is one, says
 * more; else 0. */
int mh_audit_shape_partial(int shape);

/* A 64-bit hash (core/keyset.h mh_hash128) of a record's own id (event.h record_id), never
 * 0 for an id; 0 for none. The analytics key copies of one record by it. */
uint64_t mh_audit_rid_hash(struct mh_slice id);

enum mh_audit_result {
	MH_AR_UNKNOWN = 0, /* not recorded, or a value not known */
	MH_AR_OK,          /* Succeeded, True, Success */
	MH_AR_PARTIAL,     /* PartiallySucceeded */
	MH_AR_FAILED,      /* Failed, False: a change that was attempted */
};

/* Where a parameter came from. */
enum mh_audit_param_src {
	MH_AP_PARAMETERS = 1, /* Parameters list, CmdletParameters, or the
	                       * single string of an SCC cmdlet */
	MH_AP_OPERATION_PROPERTIES,
	MH_AP_MODIFIED_PROPERTIES, /* value: NewValue, old: OldValue */
	MH_AP_EXTENDED_PROPERTIES,
	MH_AP_RULE_ACTION, /* a forward/redirect inside UpdateInboxRules'
	                    * RuleActions or ServerRule, named like the
	                    * New-InboxRule parameter it equals: ForwardTo,
	                    * ForwardAsAttachmentTo or RedirectTo, one per
	                    * recipient */
	MH_AP_GWS,         /* a Google Workspace event parameter */
	MH_AP_COLUMN,      /* a configuration export's column or property */
};

struct mh_audit_param {
	struct mh_slice name;  /* as written ("ForwardTo") */
	struct mh_slice value; /* text (numbers, booleans as written; a
	                        * list or object as JSON text); p NULL for
	                        * null or no value. GWS multiValue: one
	                        * parameter per value */
	struct mh_slice old;   /* ModifiedProperties OldValue, else NULL */
	unsigned short src;    /* enum mh_audit_param_src */
	unsigned short op;     /* index in ops[] of the event it belongs to
	                        * (GWS activities), else 0 */
};

struct mh_audit {
	enum mh_audit_source source;
	enum mh_audit_shape shape;
	int snapshot; /* 1: configuration state, not an action (no time) */
	/* What was done: the UAL Operation (for Exchange admin records the
	 * cmdlet), the GWS event name, the admin audit log's CmdletName;
	 * for a snapshot the cmdlet that lists that state ("Get-InboxRule",
	 * "Get-Mailbox", ...). ops[0..nops) are all the operations of the
	 * record (a GWS activity may hold several events), ops[0] ==
	 * operation; nops >= 1 whenever operation is set. */
	struct mh_slice operation;
	const struct mh_slice *ops;
	size_t nops;
	struct mh_slice event_type; /* GWS events[].type of ops[0] */
	struct mh_slice workload;   /* Workload, OfficeWorkload, GWS
	                             * applicationName */
	int record_type;            /* UAL RecordType (names such as
	                             * "ExchangeAdmin" mapped), -1 unknown */
	struct mh_slice actor;      /* who acted: UserId, Caller,
	                             * actor.email, userPrincipalName */
	int user_type;              /* UAL UserType 0 Regular .. 10 Guest
	                             * (names mapped), -1 unknown */
	struct mh_slice actor_type; /* GWS callerType, Defender AccountType */
	/* The mailbox acted on: MailboxOwnerUPN; for cmdlets the Identity or
	 * Mailbox parameter (as written: an address, alias, DN or rule
	 * identity "mailbox\\rule"); a snapshot's owner; the GWS user the
	 * event is about (for user-level events the actor). */
	struct mh_slice mailbox;
	struct mh_slice mailbox_guid; /* MailboxGuid (mailbox audit records:
	                               * the GUID of mailbox), else NULL */
	struct mh_slice object; /* ObjectId, OfficeObjectId, rule Identity */
	/* Client address normalised: bare IPv4 (also from ::ffff:a.b.c.d)
	 * or canonical IPv6 (RFC 5952), port and brackets removed,
	 * NUL-terminated; p NULL when none or not an address. */
	struct mh_slice client_ip;
	struct mh_slice client_ip_raw; /* as recorded */
	unsigned client_port;          /* 0 when none */
	struct mh_slice app_id;        /* AppId, ApplicationId */
	struct mh_slice client_app_id; /* ClientAppId */
	struct mh_slice client_info;   /* ClientInfoString, UserAgent,
	                                * ClientApplication */
	enum mh_audit_result result;
	struct mh_slice result_raw;
	int logon_type;      /* LogonType 0 Owner, 1 Admin, 2 Delegated,
	                   * 3 Transport, 4 SystemService, 5 BestAccess,
	                   * 6 DelegatedAdmin (names mapped), -1 unknown */
	int64_t op_count;    /* OperationCount, -1 unknown */
	struct mh_slice org; /* OrganizationName, GWS ownerDomain or
	                      * customerId */
	int64_t ts;          /* == the event's ts; MH_TS_NONE for snapshots */
	struct mh_slice id;  /* the record's own Id as written, else NULL */
	const struct mh_audit_param *params;
	size_t nparams;
	/* 1 when the record was read from its raw text (a Management
	 * Activity API record) and its top level is known for sure: the
	 * keys Operation and Workload each once (in any case) with the
	 * plain strings `operation` and `workload` as written, RecordType
	 * the number `record_type`, and no eventName, eventSource,
	 * CmdletName, OfficeWorkload, AuditData or RawEventData key. A
	 * consumer that judges a record from those values alone (the Sigma
	 * rules' gate, rules/sigma/gate.h) may then do so without its text.
	 * 0: not known. */
	int top_exact;
	/* With owners_known (the record readers, when the scan gave its
	 * literal prefilter's owner masks: reader.h audit_owners): the
	 * owners of every list entry the operation and RecordType match,
	 * ORed (readers/record/rawop.h mh_rawop_owners), for a Microsoft
	 * 365 activity record that is no snapshot and has an operation. */
	uint32_t owners;
	int owners_known;
};

/* First parameter called name (ASCII case-insensitive) after prev (NULL:
 * from the start), or NULL. Loop with prev = the last result for
 * repeated names (multi-valued, several recipients). */
const struct mh_audit_param *mh_audit_param(const struct mh_audit *a,
                                            const char *name,
                                            const struct mh_audit_param *prev);

/* MARK: - address lists */

enum mh_audit_addr_kind {
	MH_AADDR_SMTP = 1, /* addr is local@domain */
	MH_AADDR_X500,     /* an X.500 / legacyExchangeDN ("/o=.../cn=..."):
	                    * a recipient of the organisation that the record
	                    * does not resolve to an address */
	MH_AADDR_OTHER,    /* anything else (an alias, a name, a GUID):
	                    * unresolved, addr is the text as written */
};

struct mh_audit_addr {
	struct mh_slice addr;    /* without "smtp:", brackets or quotes */
	struct mh_slice display; /* the display name, or NULL */
	enum mh_audit_addr_kind kind;
};

/* Split an Exchange recipient value into addresses: "smtp:a@b" and
 * "SMTP:a@b", lists separated by ';', ',' or white space, "Name
 * <a@b>", "\"Name\" [SMTP:a@b]" and "[EX:/o=...]" (Get-InboxRule), bare
 * X.500 DNs and "X500:" proxies, a JSON list of strings, PowerShell's
 * "{a, b}". Fills out[0..min(found, max)) (slices into value) and returns
 * how many were found. */
size_t mh_audit_addrs(struct mh_slice value, struct mh_audit_addr *out,
                      size_t max);

/* MARK: - values */

#define MH_AUDIT_IP_MAX 46 /* INET6_ADDRSTRLEN */

/* Normalise a recorded client address: "1.2.3.4", "1.2.3.4:5678",
 * "[::ffff:1.2.3.4]:5678", "[2001:db8::1]:443", "2001:DB8:0::1",
 * "::ffff:1.2.3.4" (IPv4-mapped gives the IPv4 address). Writes the
 * address NUL-terminated into out and returns its length, with *port set
 * (0 when none; port may be NULL); 0 when raw holds no address. */
size_t mh_audit_ip(struct mh_slice raw, char out[MH_AUDIT_IP_MAX],
                   unsigned *port);

/* ResultStatus and its variants, any case: Succeeded, Success, True, OK
 * -> MH_AR_OK; PartiallySucceeded -> MH_AR_PARTIAL; Failed, Failure,
 * False -> MH_AR_FAILED; else MH_AR_UNKNOWN. */
enum mh_audit_result mh_audit_result(struct mh_slice s);

/* An audit timestamp as Unix seconds (UTC), or MH_TS_NONE: ISO 8601
 * ("2024-03-01T10:00:03", fractions, "Z" or an offset; no zone is UTC;
 * a space for the T), PowerShell's "/Date(1709287203000)/", US
 * "3/1/2024 10:00:03 AM" and "4/28/2021, 3:05:26.000 PM" (day-first when
 * the first number is over 12), and Unix seconds or milliseconds as
 * digits. */
int64_t mh_audit_time(struct mh_slice s);

/* RecordType, UserType and LogonType as numbers or names ("50",
 * "ExchangeItemAggregated"; "Regular", "Admin", "DcAdmin"; "Owner",
 * "Delegated"): the number, or -1. */
int mh_audit_record_type(struct mh_slice s);
int mh_audit_user_type(struct mh_slice s);
int mh_audit_logon_type(struct mh_slice s);

#endif
