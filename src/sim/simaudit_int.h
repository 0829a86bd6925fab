/* simaudit_int.h - what the parts of the audit generator share (private
 * to simaudit.c, simaudm365.c and simaudgws.c).
 *
 * simaudit.c is the driver: people, files, the time line, the truth.
 * simaudm365.c and simaudgws.c compose records (benign and planted) into
 * s->r and hand each to sa_emit().
 */
#ifndef MH_SIMAUDIT_INT_H
#define MH_SIMAUDIT_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "sim/simaudit.h"
#include "sim/simaudrec.h"
#include "sim/simtext.h"

#define SA_MINUTE ((int64_t)60)
#define SA_HOUR   ((int64_t)3600)
#define SA_DAY    ((int64_t)86400)

/* Mailbox languages: the names of default folders (simaudm365.c). */
enum sa_locale { SA_EN, SA_DE, SA_FR, SA_IT, SA_ES, SA__LOCALES };

struct sa_user {
	char local[32], addr[160], name[96];
	char puid[17]; /* UserKey of Exchange and SharePoint records */
	char sid[64];  /* S-1-5-21-... */
	char guid[37]; /* MailboxGuid */
	char oid[37];  /* Entra object id */
	char ip[48];   /* usual client address */
	enum sa_locale loc;
	int gws; /* also has a Google Workspace account */
};

struct sa_out {
	FILE *f;
	char *path;
	const char *name; /* relative to out_dir, for audit-files.tsv */
	const char *shape;
	uint64_t records, bytes;
};

/* A planted record, composed ahead and written at its time. */
struct sa_frozen {
	int64_t t;
	unsigned seq;
	int gws;
	char *json, *raw;
	size_t jn, rn;
	struct mh_simrec_member m[MH_SIMREC_MEMBERS];
	unsigned nm;
};

/* One line of audit-truth.tsv: a planted activity (or a benign one the
 * rules report) and the finding it should give. */
struct sa_truth {
	char activity[64];
	const char *source; /* "m365", "gws" */
	char ops[96];       /* operations, comma-separated, distinct */
	const char *expect; /* rule id, or "-": no finding */
	const char *level;  /* or "-" */
	char mailbox[160], actor[160], dest[200];
	unsigned records;
	int64_t first, last;
	struct mh_buf ids; /* record ids, comma-separated */
	const char *note;
};

struct sa {
	const struct mh_simaudit_opts *o;
	struct mh_simaudit_stats *st;
	struct mh_err *err;
	struct mh_simgen g; /* randomness only */
	struct mh_simrec r;
	struct mh_buf line; /* an output line being composed */
	struct sa_user *u;
	unsigned nu;
	const char *org;
	char tenant[37];   /* OrganizationId */
	char orgname[160]; /* OrganizationName (x.onmicrosoft.com) */
	char admin[160];   /* the Exchange administrator */
	char gws_admin[160];
	char gws_customer[16];
	int64_t start, end;
	int64_t rerun0, rerun1; /* the collector's second run */
	struct sa_out ual, rerun, purview, sentinel, gws, page;
	unsigned page_items;
	/* planted records, sorted by time before the stream starts */
	struct sa_frozen *fz;
	size_t nfz, capfz, nextfz;
	int freezing;
	/* truth */
	struct sa_truth *tr;
	size_t ntr, captr;
	int cur; /* truth line the records being made belong to, or -1 */
	/* benign rules: per user, the truth line of its internal forward
	 * (-1 none) and how many rules it has */
	int *fwd_truth;
	unsigned *rules;
	uint64_t seq; /* record counter: ids and ordering */
};

/* MARK: - driver (simaudit.c) */

/* A random GUID (lower case) into out. */
void sa_guid(struct sa *s, char out[37]);
/* Write the record in s->r (time t; id and operation for the truth) to
 * the files, or keep it when planting. gws: a Reports API activity.
 * MH_OK, MH_EIO, MH_ENOMEM. */
int sa_emit(struct sa *s, int64_t t, int gws, const char *id, const char *op);
/* Start a truth line; records made until sa_truth_end belong to it.
 * Returns its index. */
int sa_truth_begin(struct sa *s, const char *activity, const char *source,
                   const char *expect, const char *level, const char *mailbox,
                   const char *actor, const char *dest, const char *note);
void sa_truth_end(struct sa *s);
/* The truth line index of a benign internal forward of user u (made on
 * first use). */
int sa_truth_fwd(struct sa *s, unsigned u, unsigned dest);
/* A client address of the organisation's offices or users' homes, in
 * one of the forms the UAL records (with a port, IPv4-mapped). */
void sa_client_ip(struct sa *s, const struct sa_user *u, char out[64]);

/* MARK: - Microsoft 365 (simaudm365.c: records, benign mix;
 * simaudplant.c: planted activities) */

/* First-party applications (an owner's usual clients) and others. */
#define SA_APP_EXO     "00000002-0000-0ff1-ce00-000000000000" /* EXO, OWA */
#define SA_APP_SPO     "00000003-0000-0ff1-ce00-000000000000" /* SharePoint */
#define SA_APP_GRAPH   "00000003-0000-0000-c000-000000000000"
#define SA_APP_MOBILE  "27922004-5251-4030-b22d-91ecd9a37ea4" /* Outlook */
#define SA_APP_OFFICE  "d3590ed6-52b3-4102-aeff-aad2292ab01c" /* Office */
#define SA_ATTACKER_IP "203.0.113.77"
#define SA_ATTACKER_V6 "2001:db8:bad:1::17"
#define SA_ADMIN_IP    "192.0.2.5"
#define SA_ADMIN_KEY   "10032001A2B3C4D5"

/* The common schema of a record. */
struct sa_hd {
	const char *op;
	int rtype;
	const char *workload;
	const char *user; /* UserId */
	int utype;
	const char *ukey;
	const char *result; /* NULL: none */
	const char *ip;     /* ClientIP, NULL: none */
	const char *obj;    /* ObjectId, NULL: none */
};

/* A MailItemsAccessed record. */
struct sa_read {
	const struct sa_user *owner; /* the mailbox */
	const char *user;            /* UserId */
	const char *ukey;
	int utype, logon;
	const char *app, *client_app; /* NULL: none */
	const char *client_info;
	const char *ip;
	const char *access; /* Bind, Sync */
	int throttled;
	const char *const *folders;
	unsigned nfolders;
	unsigned items;  /* listed per folder */
	int64_t count;   /* OperationCount */
	const char *api; /* AppAccessContext APIId, or NULL */
};

/* Folder names of a mailbox in language l. */
const char *sa_folder_inbox(enum sa_locale l);
const char *sa_folder_sent(enum sa_locale l);
const char *sa_folder_archive(enum sa_locale l);

/* Start s->r with the common schema; a new Id in id. */
void sa_head(struct sa *s, int64_t t, const struct sa_hd *h, char id[37]);
void sa_server(struct sa *s); /* OriginatingServer */
/* The Exchange admin schema's tail (AppId ... SessionId). */
void sa_admin_tail(struct sa *s);
/* A cmdlet record: head, admin tail, Parameters from nv (name, value
 * pairs, NULL-terminated; a NULL value: the name alone). */
void sa_cmdlet(struct sa *s, int64_t t, const char *op, const char *user,
               int utype, const char *ukey, const char *ip, const char *obj,
               const char *result, const char *const *nv, char id[37]);
/* The mailbox schema's tail of u acting on owner's mailbox. */
void sa_mailbox_tail(struct sa *s, const struct sa_user *u,
                     const struct sa_user *owner, int logon,
                     const char *client);
void sa_mail_read(struct sa *s, int64_t t, const struct sa_read *m,
                  char id[37]);
/* An ExchangeItem object (key NULL: an array element). */
void sa_item(struct sa *s, const char *key, const char *path,
             const char *subject);
void sa_item_id(struct sa *s, char out[64]);
void sa_msgid(struct sa *s, char out[128]);
/* An inbox rule's ObjectId. */
void sa_rule_obj(struct sa *s, const struct sa_user *u, const char *rule,
                 char out[512]);
/* An Entra ID sign-in of u from ip (UserLoggedIn, or UserLoginFailed). */
int sa_signin(struct sa *s, int64_t t, const struct sa_user *u, const char *ip,
              int failed);
/* SearchQueryInitiatedExchange by u from ip. */
int sa_search(struct sa *s, int64_t t, const struct sa_user *u, const char *ip,
              const char *query);
/* Close s->r and emit it as an M365 record. */
int sa_emit_m365(struct sa *s, int64_t t, const char *id, const char *op);

/* One benign record at t (the mix of docs/SIMULATE.md). */
int sa_m365_noise(struct sa *s, int64_t t);
/* The planted activities whose bits are in o->scenarios, the audit side
 * of the mail scenarios, and the look-alikes. */
int sa_m365_plant(struct sa *s);

/* MARK: - Google Workspace (simaudgws.c) */

int sa_gws_noise(struct sa *s, int64_t t);
int sa_gws_plant(struct sa *s);

#endif
