/* simaudm365.c - Microsoft 365 unified audit log records of a simulated
 * case: the benign mix, the audit side of the mail scenarios, the audit
 * scenarios and the look-alikes (docs/SIMULATE.md "Audit logs").
 *
 * Records follow the Management Activity API schema (common, Exchange
 * admin, Exchange mailbox, SharePoint, Entra ID sign-in, Teams, Security
 * & Compliance) with the member order and value spellings real exports
 * have: ResultStatus "True" for Exchange cmdlets and "Succeeded" for
 * mailbox actions, ClientIP with or without a port, OriginatingServer
 * ending in "\r\n", RuleActions as a JSON string. Identifiers are random
 * but fixed by the seed; every name is of the case's organisation or a
 * reserved .example domain (the tenant's initial domain aside).
 */
#include <string.h>

#include "core/time.h"
#include "sim/sim.h"
#include "sim/simaudit_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* MARK: - folder names, as a mailbox of each language has them */

static const char *const f_inbox[SA__LOCALES] = {
        "Inbox", "Posteingang", "Bo\xc3\xaete de r\303\251ception",
        "Posta in arrivo", "Bandeja de entrada"};
static const char *const f_sent[SA__LOCALES] = {
        "Sent Items", "Gesendete Elemente",
        "\xc3\x89l\xc3\xa9ments envoy\xc3\xa9s", "Posta inviata",
        "Elementos enviados"};
static const char *const f_deleted[SA__LOCALES] = {
        "Deleted Items", "Gel\xc3\xb6schte Elemente",
        "\xc3\x89l\xc3\xa9ments supprim\xc3\xa9s", "Posta eliminata",
        "Elementos eliminados"};
static const char *const f_archive[SA__LOCALES] = {
        "Archive", "Archiv", "Archives", "Archivio", "Archivo"};

static const char *const projects[] = {"Falcon",  "Harbor", "Orion",
                                       "Q3 Plan", "Tender", "Rollout"};
static const char *const partners[] = {
        "s.dupont@client-co.example", "m.weber@partner.example",
        "k.olsen@lawfirm.example",    "info@supplier.example",
        "l.bianchi@univ.example",     "billing@agency.example"};

const char *sa_folder_inbox(enum sa_locale l)
{
	return f_inbox[l];
}

const char *sa_folder_sent(enum sa_locale l)
{
	return f_sent[l];
}

const char *sa_folder_archive(enum sa_locale l)
{
	return f_archive[l];
}

/* MARK: - record heads */

/* The common schema, in the order the API writes it. */
void sa_head(struct sa *s, int64_t t, const struct sa_hd *h, char id[37])
{
	struct mh_simrec *r = &s->r;
	char ct[32];
	sa_guid(s, id);
	mh_simrec_time_ual(t, ct);
	mh_simrec_begin(r);
	mh_simrec_str(r, "CreationTime", ct);
	mh_simrec_str(r, "Id", id);
	mh_simrec_str(r, "Operation", h->op);
	mh_simrec_str(r, "OrganizationId", s->tenant);
	mh_simrec_int(r, "RecordType", h->rtype);
	if (h->result)
		mh_simrec_str(r, "ResultStatus", h->result);
	mh_simrec_str(r, "UserKey", h->ukey);
	mh_simrec_int(r, "UserType", h->utype);
	mh_simrec_int(r, "Version", 1);
	mh_simrec_str(r, "Workload", h->workload);
	if (h->ip)
		mh_simrec_str(r, "ClientIP", h->ip);
	if (h->obj)
		mh_simrec_str(r, "ObjectId", h->obj);
	mh_simrec_str(r, "UserId", h->user);
}

void sa_server(struct sa *s)
{
	static const char *const pods[] = {"AM6PR07MB", "DB9PR02MB",
	                                   "PAXPR04MB", "VI1PR08MB"};
	mh_simrec_strf(&s->r, "OriginatingServer", "%s%04u (15.20.%u.%03u)\r\n",
	               pods[mh_simgen_below(&s->g, NELEM(pods))],
	               1000 + mh_simgen_below(&s->g, 9000),
	               7000 + mh_simgen_below(&s->g, 900),
	               mh_simgen_below(&s->g, 40));
}

/* The Exchange admin schema after the common part of a cmdlet record. */
void sa_admin_tail(struct sa *s)
{
	char sid[37];
	mh_simrec_str(&s->r, "AppId", SA_APP_EXO);
	mh_simrec_str(&s->r, "ClientAppId", "");
	mh_simrec_bool(&s->r, "ExternalAccess", 0);
	mh_simrec_str(&s->r, "OrganizationName", s->orgname);
	sa_server(s);
	sa_guid(s, sid);
	mh_simrec_str(&s->r, "SessionId", sid);
}

int sa_emit_m365(struct sa *s, int64_t t, const char *id, const char *op)
{
	mh_simrec_end(&s->r);
	return sa_emit(s, t, 0, id, op);
}

void sa_msgid(struct sa *s, char out[128])
{
	static const char *const hosts[] = {
	        "AM6PR07MB5763.eurprd07.prod.outlook.com",
	        "mail.partner.example", "mx2.supplier.example",
	        "DB9PR02MB7361.eurprd02.prod.outlook.com"};
	unsigned long long a = mh_simgen_next(&s->g);
	snprintf(out, 128, "<%016llX@%s>", a,
	         hosts[mh_simgen_below(&s->g, NELEM(hosts))]);
}

void sa_item_id(struct sa *s, char out[64])
{
	unsigned long long a = mh_simgen_next(&s->g), b = mh_simgen_next(&s->g);
	snprintf(out, 64, "AAMkAD%016llxAAA%012llxAAA=", a,
	         b & 0xffffffffffffULL);
}

/* MARK: - mailbox reads */

void sa_mail_read(struct sa *s, int64_t t, const struct sa_read *m, char id[37])
{
	struct mh_simrec *r = &s->r;
	char sess[37], ct[32];
	if (m->api) {
		/* The access token's context comes first in real records. */
		sa_guid(s, sess);
		mh_simrec_time_ual(t - 600, ct);
		sa_guid(s, id);
		mh_simrec_begin(r);
		mh_simrec_obj(r, "AppAccessContext");
		mh_simrec_str(r, "APIId", m->api);
		mh_simrec_str(r, "ClientAppId", m->app ? m->app : "");
		mh_simrec_str(r, "IssuedAtTime", ct);
		mh_simrec_strf(r, "UniqueTokenId", "%016llx",
		               (unsigned long long)mh_simgen_next(&s->g));
		mh_simrec_close(r);
		char ct2[32];
		mh_simrec_time_ual(t, ct2);
		mh_simrec_str(r, "CreationTime", ct2);
		mh_simrec_str(r, "Id", id);
		mh_simrec_str(r, "Operation", "MailItemsAccessed");
		mh_simrec_str(r, "OrganizationId", s->tenant);
		mh_simrec_int(r, "RecordType", 50);
		mh_simrec_str(r, "ResultStatus", "Succeeded");
		mh_simrec_str(r, "UserKey", m->ukey);
		mh_simrec_int(r, "UserType", m->utype);
		mh_simrec_int(r, "Version", 1);
		mh_simrec_str(r, "Workload", "Exchange");
		mh_simrec_str(r, "UserId", m->user);
	} else {
		struct sa_hd h = {"MailItemsAccessed",
		                  50,
		                  "Exchange",
		                  m->user,
		                  m->utype,
		                  m->ukey,
		                  "Succeeded",
		                  NULL,
		                  NULL};
		sa_head(s, t, &h, id);
	}
	if (m->app)
		mh_simrec_str(r, "AppId", m->app);
	if (m->client_app)
		mh_simrec_str(r, "ClientAppId", m->client_app);
	mh_simrec_str(r, "ClientIPAddress", m->ip);
	mh_simrec_str(r, "ClientInfoString", m->client_info);
	mh_simrec_bool(r, "ExternalAccess", 0);
	mh_simrec_int(r, "InternalLogonType", 0);
	mh_simrec_int(r, "LogonType", m->logon);
	mh_simrec_str(r, "LogonUserSid",
	              m->logon ? "S-1-5-21-3141592653-"
	                         "589793238-462643383-1000"
	                       : m->owner->sid);
	mh_simrec_str(r, "MailboxGuid", m->owner->guid);
	mh_simrec_str(r, "MailboxOwnerSid", m->owner->sid);
	mh_simrec_str(r, "MailboxOwnerUPN", m->owner->addr);
	mh_simrec_arr(r, "OperationProperties");
	mh_simrec_nv(r, "MailAccessType", m->access);
	mh_simrec_nv(r, "IsThrottled", m->throttled ? "True" : "False");
	mh_simrec_close(r);
	mh_simrec_str(r, "OrganizationName", s->orgname);
	sa_server(s);
	sa_guid(s, sess);
	mh_simrec_str(r, "SessionId", sess);
	mh_simrec_arr(r, "Folders");
	for (unsigned f = 0; f < m->nfolders; f++) {
		char fid[64];
		mh_simrec_obj(r, NULL);
		if (m->items) {
			mh_simrec_arr(r, "FolderItems");
			for (unsigned i = 0; i < m->items; i++) {
				char iid[64], mid[128];
				sa_item_id(s, iid);
				sa_msgid(s, mid);
				mh_simrec_obj(r, NULL);
				mh_simrec_str(r, "Id", iid);
				mh_simrec_str(r, "InternetMessageId", mid);
				mh_simrec_int(
				        r, "SizeInBytes",
				        4000 + mh_simgen_below(&s->g, 180000));
				mh_simrec_close(r);
			}
			mh_simrec_close(r);
		}
		sa_item_id(s, fid);
		mh_simrec_str(r, "Id", fid);
		mh_simrec_strf(r, "Path", "\\%s", m->folders[f]);
		mh_simrec_close(r);
	}
	mh_simrec_close(r);
	mh_simrec_int(r, "OperationCount", m->count);
}

/* The owner reading their own mail with one of their usual clients. */
static int noise_read(struct sa *s, int64_t t, unsigned ui)
{
	const struct sa_user *u = &s->u[ui];
	char id[37];
	const char *folders[1] = {f_inbox[u->loc]};
	struct sa_read m = {u,    u->addr, u->puid, 0,      0, NULL,
	                    NULL, NULL,    u->ip,   "Bind", 0, folders,
	                    1,    0,       1,       NULL};
	switch (mh_simgen_below(&s->g, 10)) {
	case 0:
	case 1:
	case 2: /* Outlook for Windows: folder sync */
		m.client_info = "Client=MSExchangeRPC";
		m.access = "Sync";
		if (mh_simgen_below(&s->g, 3) == 0)
			folders[0] = f_sent[u->loc];
		break;
	case 3:
	case 4:
	case 5:
	case 6: /* Outlook on the web */
		m.app = SA_APP_EXO;
		m.client_app = "";
		m.client_info = "Client=OWA;Action=ViaProxy";
		m.items = 1 + mh_simgen_below(&s->g, 6);
		m.api = SA_APP_EXO;
		break;
	case 7:
	case 8: /* Outlook mobile */
		m.app = SA_APP_MOBILE;
		m.client_app = SA_APP_MOBILE;
		m.client_info = "Client=OutlookService;Outlook-iOS/2.0;";
		m.items = 1 + mh_simgen_below(&s->g, 4);
		break;
	default: /* the new Outlook (REST) */
		m.app = SA_APP_OFFICE;
		m.client_app = SA_APP_OFFICE;
		m.client_info = "Client=REST;Client=RESTSystem;;";
		m.items = 1 + mh_simgen_below(&s->g, 3);
	}
	m.count = m.items ? m.items : 1;
	sa_mail_read(s, t, &m, id);
	return sa_emit_m365(s, t, id, "MailItemsAccessed");
}

/* MARK: - benign noise */

int sa_signin(struct sa *s, int64_t t, const struct sa_user *u, const char *ip,
              int failed)
{
	static const char *const agents[] = {
	        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	        "(KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 "
	        "Edg/122.0.0.0",
	        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 "
	        "Safari/605.1.15",
	        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook "
	        "16.0.17328; Pro)",
	        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) "
	        "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"};
	struct mh_simrec *r = &s->r;
	/* Device traits from the user (also for a copy of one). */
	unsigned ui = (unsigned char)u->puid[15] + (unsigned)strlen(u->addr);
	const char *app = mh_simgen_below(&s->g, 2) ? SA_APP_EXO : SA_APP_SPO;
	char id[37], g1[37], g2[37];
	struct sa_hd h = {failed ? "UserLoginFailed" : "UserLoggedIn",
	                  15,
	                  "AzureActiveDirectory",
	                  u->addr,
	                  0,
	                  u->oid,
	                  failed ? "Failed" : "Success",
	                  ip,
	                  app};
	sa_head(s, t, &h, id);
	mh_simrec_int(r, "AzureActiveDirectoryEventType", 1);
	mh_simrec_arr(r, "ExtendedProperties");
	mh_simrec_nv(r, "ResultStatusDetail", failed ? "UserError" : "Success");
	mh_simrec_nv(r, "UserAgent",
	             agents[mh_simgen_below(&s->g, NELEM(agents))]);
	mh_simrec_nv(r, "RequestType", "OAuth2:Authorize");
	mh_simrec_close(r);
	mh_simrec_arr(r, "ModifiedProperties");
	mh_simrec_close(r);
	mh_simrec_arr(r, "Actor");
	mh_simrec_obj(r, NULL);
	mh_simrec_str(r, "ID", u->oid);
	mh_simrec_int(r, "Type", 0);
	mh_simrec_close(r);
	mh_simrec_obj(r, NULL);
	mh_simrec_str(r, "ID", u->addr);
	mh_simrec_int(r, "Type", 5);
	mh_simrec_close(r);
	mh_simrec_close(r);
	mh_simrec_str(r, "ActorContextId", s->tenant);
	mh_simrec_str(r, "ActorIpAddress", ip);
	sa_guid(s, g1);
	sa_guid(s, g2);
	mh_simrec_str(r, "InterSystemsId", g1);
	mh_simrec_str(r, "IntraSystemId", g2);
	mh_simrec_str(r, "SupportTicketId", "");
	mh_simrec_arr(r, "Target");
	mh_simrec_obj(r, NULL);
	mh_simrec_str(r, "ID", app);
	mh_simrec_int(r, "Type", 0);
	mh_simrec_close(r);
	mh_simrec_close(r);
	mh_simrec_str(r, "TargetContextId", s->tenant);
	mh_simrec_str(r, "ApplicationId", SA_APP_OFFICE);
	mh_simrec_arr(r, "DeviceProperties");
	mh_simrec_nv(r, "OS", ui % 4 ? "Windows 10" : "MacOs");
	mh_simrec_nv(r, "BrowserType", ui % 3 ? "Edge" : "Safari");
	mh_simrec_nv(r, "IsCompliantAndManaged", "False");
	mh_simrec_nv(r, "SessionId", g1);
	mh_simrec_close(r);
	mh_simrec_str(r, "ErrorNumber", failed ? "50126" : "0");
	if (failed)
		mh_simrec_str(r, "LogonError", "InvalidUserNameOrPassword");
	return sa_emit_m365(s, t, id, h.op);
}

static int noise_sharepoint(struct sa *s, int64_t t, unsigned ui)
{
	static const char *const ops[] = {"FileAccessed",   "FileAccessed",
	                                  "FilePreviewed",  "FileModified",
	                                  "FileDownloaded", "FileUploaded",
	                                  "PageViewed"};
	static const char *const docs[] = {
	        "Budget 2024",    "Meeting notes", "Roadmap",
	        "Contract draft", "Team offsite",  "Onboarding checklist",
	        "Release plan"};
	static const char *const exts[] = {"docx", "xlsx", "pptx", "pdf"};
	const struct sa_user *u = &s->u[ui];
	struct mh_simrec *r = &s->r;
	const char *op = ops[mh_simgen_below(&s->g, NELEM(ops))];
	int page = !strcmp(op, "PageViewed");
	int odb = !page && mh_simgen_below(&s->g, 3) == 0;
	const char *doc = docs[mh_simgen_below(&s->g, NELEM(docs))];
	const char *ext = page ? "aspx" : exts[mh_simgen_below(&s->g, 4)];
	char id[37], key[80], site[256], url[700], file[128], rel[32], g[37];
	size_t l = strcspn(s->org, ".");
	if (odb)
		snprintf(site, sizeof(site),
		         "https://%.*s-my.sharepoint.example/personal/%s_%.*s/",
		         (int)l, s->org, u->local, (int)l, s->org);
	else
		snprintf(site, sizeof(site),
		         "https://%.*s.sharepoint.example/sites/Projects-%s/",
		         (int)l, s->org,
		         projects[mh_simgen_below(&s->g, NELEM(projects))]);
	snprintf(file, sizeof(file), "%s.%s", page ? "Home" : doc, ext);
	snprintf(rel, sizeof(rel), "%s",
	         page ? "SitePages" : "Shared Documents");
	snprintf(url, sizeof(url), "%s%s/%s", site, rel, file);
	snprintf(key, sizeof(key), "i:0h.f|membership|%s@live.com", u->puid);
	/* SharePoint records the address without a port. */
	struct sa_hd h = {op,
	                  page ? 4 : 6,
	                  odb ? "OneDrive" : "SharePoint",
	                  u->addr,
	                  0,
	                  key,
	                  NULL,
	                  u->ip,
	                  url};
	sa_head(s, t, &h, id);
	sa_guid(s, g);
	mh_simrec_str(r, "CorrelationId", g);
	mh_simrec_str(r, "EventSource", "SharePoint");
	mh_simrec_str(r, "ItemType", page ? "Page" : "File");
	sa_guid(s, g);
	mh_simrec_str(r, "ListId", g);
	sa_guid(s, g);
	mh_simrec_str(r, "ListItemUniqueId", g);
	sa_guid(s, g);
	mh_simrec_str(r, "Site", g);
	mh_simrec_str(r, "UserAgent",
	              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
	              "AppleWebKit/537.36 (KHTML, like Gecko) "
	              "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0");
	sa_guid(s, g);
	mh_simrec_str(r, "WebId", g);
	mh_simrec_bool(r, "HighPriorityMediaProcessing", 0);
	mh_simrec_str(r, "SourceFileExtension", ext);
	mh_simrec_str(r, "SiteUrl", site);
	mh_simrec_str(r, "SourceFileName", file);
	mh_simrec_str(r, "SourceRelativeUrl", rel);
	mh_simrec_str(r, "GeoLocation", "EUR");
	mh_simrec_bool(r, "IsManagedDevice", ui % 2);
	return sa_emit_m365(s, t, id, op);
}

static int noise_teams(struct sa *s, int64_t t, unsigned ui)
{
	static const char *const ops[] = {
	        "MessageSent",   "MessageSent",    "TeamsSessionStarted",
	        "ChatRetrieved", "MessagesListed", "ReactedToMessage"};
	const struct sa_user *u = &s->u[ui];
	struct mh_simrec *r = &s->r;
	const char *op = ops[mh_simgen_below(&s->g, NELEM(ops))];
	char id[37];
	struct sa_hd h = {op,      25,    "MicrosoftTeams",
	                  u->addr, 0,     u->oid,
	                  NULL,    u->ip, NULL};
	sa_head(s, t, &h, id);
	unsigned long long c = mh_simgen_next(&s->g);
	mh_simrec_strf(r, "ChatThreadId", "19:%016llx%016llx@thread.v2", c,
	               (unsigned long long)mh_simgen_next(&s->g));
	mh_simrec_str(r, "CommunicationType", c % 3 ? "OneOnOne" : "GroupChat");
	mh_simrec_str(r, "ClientApplication", "Teams");
	mh_simrec_str(r, "ItemName", c % 3 ? "" : "Weekly sync");
	mh_simrec_strf(r, "MessageId", "%llu",
	               1700000000000ULL + (c % 100000000000ULL));
	mh_simrec_arr(r, "ParticipantInfo");
	mh_simrec_str(r, NULL, "HasForeignTenantUsers:false");
	mh_simrec_str(r, NULL, "HasGuestUsers:false");
	mh_simrec_close(r);
	return sa_emit_m365(s, t, id, op);
}

void sa_item(struct sa *s, const char *key, const char *path,
             const char *subject)
{
	struct mh_simrec *r = &s->r;
	char iid[64], fid[64], mid[128];
	sa_item_id(s, iid);
	sa_item_id(s, fid);
	sa_msgid(s, mid);
	mh_simrec_obj(r, key);
	mh_simrec_str(r, "Id", iid);
	mh_simrec_str(r, "InternetMessageId", mid);
	mh_simrec_obj(r, "ParentFolder");
	mh_simrec_str(r, "Id", fid);
	mh_simrec_strf(r, "Path", "\\%s", path);
	mh_simrec_close(r);
	mh_simrec_int(r, "SizeInBytes", 3000 + mh_simgen_below(&s->g, 90000));
	if (subject)
		mh_simrec_str(r, "Subject", subject);
	mh_simrec_close(r);
}

/* The mailbox schema after the common part of an owner's action. */
void sa_mailbox_tail(struct sa *s, const struct sa_user *u,
                     const struct sa_user *owner, int logon, const char *client)
{
	struct mh_simrec *r = &s->r;
	char sess[37];
	mh_simrec_str(r, "ClientIPAddress", u->ip);
	mh_simrec_str(r, "ClientInfoString", client);
	mh_simrec_bool(r, "ExternalAccess", 0);
	mh_simrec_int(r, "InternalLogonType", 0);
	mh_simrec_int(r, "LogonType", logon);
	mh_simrec_str(r, "LogonUserSid", u->sid);
	mh_simrec_str(r, "MailboxGuid", owner->guid);
	mh_simrec_str(r, "MailboxOwnerSid", owner->sid);
	mh_simrec_str(r, "MailboxOwnerUPN", owner->addr);
	mh_simrec_str(r, "OrganizationName", s->orgname);
	sa_server(s);
	sa_guid(s, sess);
	mh_simrec_str(r, "SessionId", sess);
}

static const char *const subjects[] = {
        "Agenda for Thursday",     "Draft minutes",    "Q2 forecast",
        "Re: delivery schedule",   "Lunch on Friday?", "Updated slides",
        "Fwd: conference program", "Travel plans",     "Project status"};

static int noise_item(struct sa *s, int64_t t, unsigned ui)
{
	const struct sa_user *u = &s->u[ui];
	struct mh_simrec *r = &s->r;
	char id[37];
	unsigned k = mh_simgen_below(&s->g, 10);
	const char *subj = subjects[mh_simgen_below(&s->g, NELEM(subjects))];
	static const char *const client = "Client=MSExchangeRPC";
	if (k < 4) { /* Send */
		struct sa_hd h = {"Send",  2,           "Exchange", u->addr, 0,
		                  u->puid, "Succeeded", NULL,       NULL};
		sa_head(s, t, &h, id);
		mh_simrec_str(r, "AppId", SA_APP_EXO);
		mh_simrec_str(r, "ClientAppId", "");
		sa_mailbox_tail(s, u, u, 0, client);
		sa_item(s, "Item", f_sent[u->loc], subj);
		mh_simrec_bool(r, "SaveToSentItems", 1);
		return sa_emit_m365(s, t, id, "Send");
	}
	if (k < 6) { /* MailboxLogin */
		struct sa_hd h = {"MailboxLogin", 2,    "Exchange",
		                  u->addr,        0,    u->puid,
		                  "Succeeded",    NULL, NULL};
		sa_head(s, t, &h, id);
		sa_mailbox_tail(s, u, u, 0, client);
		return sa_emit_m365(s, t, id, "MailboxLogin");
	}
	if (k < 9) { /* MoveToDeletedItems, SoftDelete */
		const char *op = k < 8 ? "MoveToDeletedItems" : "SoftDelete";
		struct sa_hd h = {op,      3,           "Exchange", u->addr, 0,
		                  u->puid, "Succeeded", NULL,       NULL};
		sa_head(s, t, &h, id);
		sa_mailbox_tail(s, u, u, 0, client);
		mh_simrec_arr(r, "AffectedItems");
		unsigned n = 1 + mh_simgen_below(&s->g, 3);
		for (unsigned i = 0; i < n; i++)
			sa_item(s, NULL, f_inbox[u->loc],
			        subjects[mh_simgen_below(&s->g,
			                                 NELEM(subjects))]);
		mh_simrec_close(r);
		mh_simrec_bool(r, "CrossMailboxOperation", 0);
		char fid[64];
		sa_item_id(s, fid);
		mh_simrec_obj(r, "Folder");
		mh_simrec_str(r, "Id", fid);
		mh_simrec_strf(r, "Path", "\\%s", f_inbox[u->loc]);
		mh_simrec_close(r);
		if (k < 8) {
			sa_item_id(s, fid);
			mh_simrec_obj(r, "DestFolder");
			mh_simrec_str(r, "Id", fid);
			mh_simrec_strf(r, "Path", "\\%s", f_deleted[u->loc]);
			mh_simrec_close(r);
		}
		return sa_emit_m365(s, t, id, op);
	}
	/* An owner's search in Outlook on the web. */
	static const char *const queries[] = {"offsite agenda", "slides",
	                                      "delivery schedule",
	                                      "from:m.weber", "roadmap"};
	return sa_search(s, t, u, u->ip,
	                 queries[mh_simgen_below(&s->g, NELEM(queries))]);
}

int sa_search(struct sa *s, int64_t t, const struct sa_user *u, const char *ip,
              const char *query)
{
	struct mh_simrec *r = &s->r;
	char id[37];
	struct sa_hd h = {"SearchQueryInitiatedExchange",
	                  101,
	                  "Exchange",
	                  u->addr,
	                  0,
	                  u->puid,
	                  NULL,
	                  NULL,
	                  NULL};
	sa_head(s, t, &h, id);
	mh_simrec_str(r, "ClientIPAddress", ip);
	mh_simrec_str(r, "ClientInfoString", "Client=OWA;Action=ViaProxy");
	mh_simrec_str(r, "MailboxOwnerUPN", u->addr);
	mh_simrec_str(r, "QueryText", query);
	mh_simrec_str(r, "QuerySource", "Owa");
	mh_simrec_str(r, "OrganizationName", s->orgname);
	return sa_emit_m365(s, t, id, h.op);
}

/* An Exchange cmdlet record (admin schema) with parameters name/value
 * pairs, NULL-terminated. */
void sa_cmdlet(struct sa *s, int64_t t, const char *op, const char *user,
               int utype, const char *ukey, const char *ip, const char *obj,
               const char *result, const char *const *nv, char id[37])
{
	struct sa_hd h = {op,   1,      "Exchange", user, utype,
	                  ukey, result, ip,         obj};
	sa_head(s, t, &h, id);
	sa_admin_tail(s);
	mh_simrec_arr(&s->r, "Parameters");
	for (size_t i = 0; nv && nv[i]; i += 2)
		mh_simrec_nv(&s->r, nv[i], nv[i + 1]);
	mh_simrec_close(&s->r);
}

void sa_rule_obj(struct sa *s, const struct sa_user *u, const char *rule,
                 char out[512])
{
	snprintf(out, 512,
	         "EURPR07A010.PROD.OUTLOOK.COM/Microsoft Exchange Hosted "
	         "Organizations/%s/%s\\%s",
	         s->orgname, u->local, rule);
}

static int noise_admin(struct sa *s, int64_t t)
{
	unsigned v = mh_simgen_below(&s->g, s->nu);
	const struct sa_user *u = &s->u[v];
	char id[37];
	if (mh_simgen_below(&s->g, 2)) {
		const char *nv[] = {"Identity",
		                    u->addr,
		                    "ProhibitSendQuota",
		                    "49.5 GB (53150220288 bytes)",
		                    "IssueWarningQuota",
		                    "49 GB (52613349376 bytes)",
		                    NULL};
		sa_cmdlet(s, t, "Set-Mailbox", s->admin, 2, SA_ADMIN_KEY,
		          SA_ADMIN_IP, u->addr, "True", nv, id);
		return sa_emit_m365(s, t, id, "Set-Mailbox");
	}
	const char *nv[] = {
	        "Identity",   u->addr,      "Title", "Project Manager",
	        "Department", "Operations", NULL};
	sa_cmdlet(s, t, "Set-User", s->admin, 2, SA_ADMIN_KEY, SA_ADMIN_IP,
	          u->addr, "True", nv, id);
	return sa_emit_m365(s, t, id, "Set-User");
}

/* An ordinary rule change (docs/SIMULATE.md "Audit logs": organising
 * rules, Outlook client rules, internal forwards, newsletter rules,
 * removals). */
static int noise_rule(struct sa *s, int64_t t, unsigned ui)
{
	const struct sa_user *u = &s->u[ui];
	char id[37], obj[512], name[96], ip[64];
	unsigned k = mh_simgen_below(&s->g, 20);
	unsigned proj = mh_simgen_below(&s->g, NELEM(projects));
	const char *from = partners[mh_simgen_below(&s->g, NELEM(partners))];
	sa_client_ip(s, u, ip);
	if (k < 9 || (k == 19 && !s->rules[ui])) { /* organise */
		snprintf(name, sizeof(name), "%s", projects[proj]);
		char folder[96];
		snprintf(folder, sizeof(folder), "Projects\\%s",
		         projects[proj]);
		sa_rule_obj(s, u, name, obj);
		const char *nv[] = {"AlwaysDeleteOutlookRulesBlob",
		                    "False",
		                    "Force",
		                    "False",
		                    "Name",
		                    name,
		                    "From",
		                    from,
		                    "MoveToFolder",
		                    folder,
		                    "StopProcessingRules",
		                    "False",
		                    NULL};
		sa_cmdlet(s, t, "New-InboxRule", u->addr, 0, u->puid, ip, obj,
		          "True", nv, id);
		s->rules[ui]++;
		return sa_emit_m365(s, t, id, "New-InboxRule");
	}
	if (k < 12) { /* an Outlook client-side rule */
		struct mh_simrec *r = &s->r;
		struct sa_hd h = {"UpdateInboxRules",
		                  2,
		                  "Exchange",
		                  u->addr,
		                  0,
		                  u->puid,
		                  "Succeeded",
		                  NULL,
		                  NULL};
		sa_head(s, t, &h, id);
		mh_simrec_str(r, "ClientIPAddress", u->ip);
		mh_simrec_str(r, "ClientInfoString", "Client=MSExchangeRPC");
		mh_simrec_str(r, "ClientProcessName", "OUTLOOK.EXE");
		mh_simrec_str(r, "ClientVersion", "16.0.17328.20550");
		mh_simrec_bool(r, "ExternalAccess", 0);
		mh_simrec_int(r, "InternalLogonType", 0);
		mh_simrec_int(r, "LogonType", 0);
		mh_simrec_str(r, "LogonUserSid", u->sid);
		mh_simrec_str(r, "MailboxGuid", u->guid);
		mh_simrec_str(r, "MailboxOwnerSid", u->sid);
		mh_simrec_str(r, "MailboxOwnerUPN", u->addr);
		char rid[24], cond[200], acts[200];
		snprintf(rid, sizeof(rid), "-%u",
		         100 + mh_simgen_below(&s->g, 9000));
		snprintf(cond, sizeof(cond),
		         "{(SenderSearchKey == SMTP:%s) AND "
		         "(Exists(ItemClass))}",
		         from);
		snprintf(acts, sizeof(acts),
		         "[{\"ActionType\":\"DeferAction\","
		         "\"LengthOfDeferData\":%u}]",
		         800 + mh_simgen_below(&s->g, 900));
		mh_simrec_arr(r, "OperationProperties");
		mh_simrec_nv(r, "RuleOperation", "AddMailboxRule");
		mh_simrec_nv(r, "RuleId", rid);
		mh_simrec_nv(r, "RuleState", "Enabled");
		mh_simrec_nv(r, "RuleCondition", cond);
		mh_simrec_nv(r, "RuleName", projects[proj]);
		mh_simrec_nv(r, "RuleProvider", "RuleOrganizer");
		mh_simrec_nv(r, "RuleActions", acts);
		mh_simrec_close(r);
		mh_simrec_str(r, "OrganizationName", s->orgname);
		sa_server(s);
		return sa_emit_m365(s, t, id, "UpdateInboxRules");
	}
	if (k < 17 && s->nu > 1) { /* forward to a colleague */
		unsigned d = (ui + s->nu / 2) % s->nu;
		if (d == ui)
			d = (ui + 1) % s->nu;
		snprintf(name, sizeof(name), "Copy to %s", s->u[d].local);
		sa_rule_obj(s, u, name, obj);
		const char *nv[] = {"AlwaysDeleteOutlookRulesBlob",
		                    "False",
		                    "Force",
		                    "False",
		                    "Name",
		                    name,
		                    "From",
		                    from,
		                    "ForwardTo",
		                    s->u[d].addr,
		                    "StopProcessingRules",
		                    "False",
		                    NULL};
		int saved = s->cur;
		s->cur = sa_truth_fwd(s, ui, d);
		sa_cmdlet(s, t, "New-InboxRule", u->addr, 0, u->puid, ip, obj,
		          "True", nv, id);
		int rc = sa_emit_m365(s, t, id, "New-InboxRule");
		s->cur = saved;
		s->rules[ui]++;
		return rc;
	}
	if (k < 19) { /* newsletters: mark read, out of the inbox */
		snprintf(name, sizeof(name), "Newsletters");
		sa_rule_obj(s, u, name, obj);
		const char *nv[] = {"AlwaysDeleteOutlookRulesBlob",
		                    "False",
		                    "Force",
		                    "False",
		                    "Name",
		                    name,
		                    "From",
		                    "newsletter@news.example",
		                    "MarkAsRead",
		                    "True",
		                    "MoveToFolder",
		                    "Newsletters",
		                    NULL};
		int saved = s->cur;
		sa_truth_begin(s, "benign-newsletter-rule", "m365",
		               "MH-AUD-HIDE", "medium", u->addr, u->addr, NULL,
		               "a user's newsletter rule marks mail read: the "
		               "hiding rule's known false positive");
		sa_cmdlet(s, t, "New-InboxRule", u->addr, 0, u->puid, ip, obj,
		          "True", nv, id);
		int rc = sa_emit_m365(s, t, id, "New-InboxRule");
		s->cur = saved;
		s->rules[ui]++;
		return rc;
	}
	/* Remove an organising rule. */
	snprintf(name, sizeof(name), "%s", projects[proj]);
	sa_rule_obj(s, u, name, obj);
	char ident[256];
	snprintf(ident, sizeof(ident), "%s\\%s", u->addr, name);
	const char *nv[] = {"Identity", ident, "Confirm", "False", NULL};
	sa_cmdlet(s, t, "Remove-InboxRule", u->addr, 0, u->puid, ip, obj,
	          "True", nv, id);
	return sa_emit_m365(s, t, id, "Remove-InboxRule");
}

int sa_m365_noise(struct sa *s, int64_t t)
{
	unsigned ui = mh_simgen_below(&s->g, s->nu);
	t += mh_simgen_below(&s->g, 50);
	unsigned k = mh_simgen_below(&s->g, 10000);
	if (k < 4500)
		return noise_read(s, t, ui);
	if (k < 6000)
		return sa_signin(s, t, &s->u[ui], s->u[ui].ip,
		                 mh_simgen_below(&s->g, 12) == 0);
	if (k < 8000)
		return noise_sharepoint(s, t, ui);
	if (k < 9200)
		return noise_teams(s, t, ui);
	if (k < 9970)
		return noise_item(s, t, ui);
	if (k < 9996)
		return noise_admin(s, t);
	return noise_rule(s, t, ui);
}
