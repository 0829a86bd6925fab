/* simaudplant.c - the planted Microsoft 365 activity of a simulated case:
 * the audit side of the mail scenarios, the audit-only scenarios and the
 * look-alikes, each labelled in audit-truth.tsv with the finding it
 * should give (the rule catalogue of docs/AUDIT.md; docs/SIMULATE.md
 * "Audit logs" tells the story of each).
 *
 * Every record is composed here once, kept (sa_emit while planting) and
 * written among the benign ones at its time. Users are taken by index
 * (the scenarios need eight mailboxes: alice .. heidi); look-alikes are
 * written whatever the scenarios and take their users modulo the count.
 */
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/simaudit_int.h"

#define NELEM(a)       (sizeof(a) / sizeof((a)[0]))
#define MAIL_READ_ROLE "810c84a8-4a9e-49e6-bf7d-12d183f40d01"

static const struct sa_user *U(struct sa *s, unsigned i)
{
	return &s->u[s->nu ? i % s->nu : 0];
}

/* A time at fraction f of the case, on a working day's hour h. */
static int64_t at(struct sa *s, double f, int h)
{
	int64_t t = s->start + (int64_t)((double)(s->end - s->start) * f);
	t -= t % SA_DAY;
	return t + h * SA_HOUR + (int64_t)mh_simgen_below(&s->g, 1800);
}

static const struct mh_simaudit_mail *mail_sc(struct sa *s, unsigned bit)
{
	for (unsigned i = 0; i < s->o->nmail; i++)
		if (s->o->mail[i].bit == bit)
			return &s->o->mail[i];
	return NULL;
}

static int on(struct sa *s, unsigned bit)
{
	return (s->o->scenarios & bit) != 0;
}

/* An inbox rule made with a cmdlet by u's account (New-InboxRule,
 * Set-InboxRule): nv are the parameters after the usual two. */
static int rule(struct sa *s, int64_t t, const char *op,
                const struct sa_user *u, const char *ip, const char *name,
                const char *result, const char *const *nv)
{
	const char *all[32] = {"AlwaysDeleteOutlookRulesBlob", "False", "Force",
	                       "False"};
	size_t n = 4;
	for (size_t i = 0; nv[i] && n + 2 < NELEM(all); i += 2) {
		all[n++] = nv[i];
		all[n++] = nv[i + 1];
	}
	all[n] = NULL;
	char obj[512], id[37];
	sa_rule_obj(s, u, name, obj);
	sa_cmdlet(s, t, op, u->addr, 0, u->puid, ip, obj, result, all, id);
	return sa_emit_m365(s, t, id, op);
}

/* An admin's cmdlet from ip. */
static int admin_cmd(struct sa *s, int64_t t, const char *op, const char *ip,
                     const char *obj, const char *result, const char *const *nv)
{
	char id[37];
	sa_cmdlet(s, t, op, s->admin, 2, SA_ADMIN_KEY, ip, obj, result, nv, id);
	return sa_emit_m365(s, t, id, op);
}

/* An Outlook rule change (UpdateInboxRules) of owner's mailbox by u. */
static int outlook_rule(struct sa *s, int64_t t, const struct sa_user *u,
                        const struct sa_user *owner, int logon, const char *ip,
                        const char *name, const char *cond, const char *actions)
{
	struct mh_simrec *r = &s->r;
	char id[37], rid[24];
	struct sa_hd h = {
	        "UpdateInboxRules", 2,    "Exchange", u->addr, 0, u->puid,
	        "Succeeded",        NULL, NULL};
	sa_head(s, t, &h, id);
	mh_simrec_str(r, "ClientIPAddress", ip);
	mh_simrec_str(r, "ClientInfoString", "Client=MSExchangeRPC");
	mh_simrec_str(r, "ClientProcessName", "OUTLOOK.EXE");
	mh_simrec_str(r, "ClientVersion", "16.0.17328.20550");
	mh_simrec_bool(r, "ExternalAccess", 0);
	mh_simrec_int(r, "InternalLogonType", 0);
	mh_simrec_int(r, "LogonType", logon);
	mh_simrec_str(r, "LogonUserSid", u->sid);
	mh_simrec_str(r, "MailboxGuid", owner->guid);
	mh_simrec_str(r, "MailboxOwnerSid", owner->sid);
	mh_simrec_str(r, "MailboxOwnerUPN", owner->addr);
	snprintf(rid, sizeof(rid), "-%u", 100 + mh_simgen_below(&s->g, 9000));
	mh_simrec_arr(r, "OperationProperties");
	mh_simrec_nv(r, "RuleOperation", "AddMailboxRule");
	mh_simrec_nv(r, "RuleId", rid);
	mh_simrec_nv(r, "RuleState", "Enabled");
	mh_simrec_nv(r, "RuleCondition", cond);
	mh_simrec_nv(r, "RuleName", name);
	mh_simrec_nv(r, "RuleProvider", "RuleOrganizer");
	mh_simrec_nv(r, "RuleActions", actions);
	mh_simrec_close(r);
	mh_simrec_str(r, "OrganizationName", s->orgname);
	sa_server(s);
	return sa_emit_m365(s, t, id, h.op);
}

/* n reads of owner's mailbox by u (owner reads when u == owner). */
static int reads(struct sa *s, int64_t t, const struct sa_user *u,
                 const struct sa_user *owner, int logon, const char *ip,
                 const char *client, const char *const *folders,
                 unsigned nfolders, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char id[37];
		struct sa_read m = {owner,    u->addr,    u->puid, 0,
		                    logon,    SA_APP_EXO, "",      client,
		                    ip,       "Bind",     0,       folders,
		                    nfolders, 2 + i % 3,  0,       SA_APP_EXO};
		m.count = (int64_t)m.items * (int64_t)nfolders;
		int64_t ti = t + (int64_t)i * 7 * SA_MINUTE;
		sa_mail_read(s, ti, &m, id);
		int rc = sa_emit_m365(s, ti, id, "MailItemsAccessed");
		if (rc)
			return rc;
	}
	return MH_OK;
}

/* MARK: - the audit side of the mail scenarios */

/* alice: a stolen session signs in, reads, searches for secrets, forwards
 * everything out, hides the replies and covers a sent message. */
static int plant_rule_ext(struct sa *s, const struct mh_simaudit_mail *m)
{
	const struct sa_user *v = U(s, m->victim);
	int64_t t = m->start - 26 * SA_HOUR;
	int rc;
	for (int i = 0; i < 3; i++)
		if ((rc = sa_signin(s, t + i * 45, v, SA_ATTACKER_IP, i < 2)))
			return rc;
	t += 10 * SA_MINUTE;
	const char *inbox[] = {sa_folder_inbox(v->loc)};
	sa_truth_begin(s, "exchange-inbox-rule-external-owner-read", "m365",
	               NULL, NULL, v->addr, v->addr, NULL,
	               "the account reads its own mailbox (owner logon, "
	               "OWA): no T1114 rule reports an owner's read, "
	               "whatever the address");
	if ((rc = reads(s, t, v, v, 0, SA_ATTACKER_IP,
	                "Client=OWA;Action=ViaProxy", inbox, 1, 2)))
		return rc;
	t += 20 * SA_MINUTE;
	sa_truth_begin(s, "exchange-inbox-rule-external-search", "m365",
	               "MH-AUD-SEARCH", "medium", v->addr, v->addr, NULL,
	               "mailbox searches for credentials and payments");
	if ((rc = sa_search(s, t, v, SA_ATTACKER_IP, "password")) ||
	    (rc = sa_search(s, t + 70, v, SA_ATTACKER_IP, "wire transfer")))
		return rc;
	t += 25 * SA_MINUTE;
	char dest[200];
	snprintf(dest, sizeof(dest), "%s", m->dest ? m->dest : "");
	sa_truth_begin(s, "exchange-inbox-rule-external", "m365", "MH-FWD-EXT",
	               "high", v->addr, v->addr, dest,
	               "the rule behind ground-truth.tsv's line of this "
	               "scenario: one finding with the mail it sent");
	const char *fwd[] = {
	        "Name",  "Sync", "ForwardTo", dest, "StopProcessingRules",
	        "False", NULL};
	if ((rc = rule(s, t, "New-InboxRule", v, SA_ATTACKER_IP, "Sync", "True",
	               fwd)))
		return rc;
	t += 4 * SA_MINUTE;
	sa_truth_begin(s, "exchange-inbox-rule-external-hiding-rule", "m365",
	               "MH-AUD-HIDE", "high", v->addr, v->addr, NULL,
	               "moves replies about the compromise to RSS Feeds, "
	               "read; name of punctuation only");
	const char *hide[] = {"Name",
	                      "..",
	                      "SubjectOrBodyContainsWords",
	                      "hacked;phish;security;compromised",
	                      "MoveToFolder",
	                      "RSS Feeds",
	                      "MarkAsRead",
	                      "True",
	                      "StopProcessingRules",
	                      "True",
	                      NULL};
	if ((rc = rule(s, t, "New-InboxRule", v, SA_ATTACKER_IP, "..", "True",
	               hide)))
		return rc;
	/* A message sent from the session, then moved out of Sent Items. */
	sa_truth_begin(s, "exchange-inbox-rule-external-bec-sequence", "m365",
	               "MH-AUD-BEC-SEQ", "high", v->addr, v->addr, NULL,
	               "rule, send, then Sent Items -> Archive within 12 "
	               "minutes (the rule is the hiding rule's record)");
	struct mh_simrec *r = &s->r;
	char id[37];
	struct sa_hd h = {"Send",  2,           "Exchange", v->addr, 0,
	                  v->puid, "Succeeded", NULL,       NULL};
	t += 3 * SA_MINUTE;
	sa_head(s, t, &h, id);
	mh_simrec_str(r, "AppId", SA_APP_EXO);
	mh_simrec_str(r, "ClientAppId", "");
	struct sa_user at_ip = *v;
	snprintf(at_ip.ip, sizeof(at_ip.ip), "%s", SA_ATTACKER_IP);
	sa_mailbox_tail(s, &at_ip, v, 0, "Client=OWA;Action=ViaProxy");
	sa_item(s, "Item", sa_folder_sent(v->loc),
	        "Updated bank details for invoice 4471");
	mh_simrec_bool(r, "SaveToSentItems", 1);
	if ((rc = sa_emit_m365(s, t, id, "Send")))
		return rc;
	t += 2 * SA_MINUTE;
	h.op = "Move";
	h.rtype = 3;
	sa_head(s, t, &h, id);
	sa_mailbox_tail(s, &at_ip, v, 0, "Client=OWA;Action=ViaProxy");
	mh_simrec_arr(r, "AffectedItems");
	sa_item(s, NULL, sa_folder_sent(v->loc),
	        "Updated bank details for invoice 4471");
	mh_simrec_close(r);
	mh_simrec_bool(r, "CrossMailboxOperation", 0);
	char fid[64];
	sa_item_id(s, fid);
	mh_simrec_obj(r, "Folder");
	mh_simrec_str(r, "Id", fid);
	mh_simrec_strf(r, "Path", "\\%s", sa_folder_sent(v->loc));
	mh_simrec_close(r);
	sa_item_id(s, fid);
	mh_simrec_obj(r, "DestFolder");
	mh_simrec_str(r, "Id", fid);
	mh_simrec_strf(r, "Path", "\\%s", sa_folder_archive(v->loc));
	mh_simrec_close(r);
	rc = sa_emit_m365(s, t, id, "Move");
	sa_truth_end(s);
	return rc;
}

/* bob: an administrator sets ForwardingSmtpAddress (a copy is kept). */
static int plant_fwd_smtp(struct sa *s, const struct mh_simaudit_mail *m)
{
	const struct sa_user *v = U(s, m->victim);
	int64_t t = m->start - 3 * SA_HOUR;
	char fwd[220];
	snprintf(fwd, sizeof(fwd), "smtp:%s", m->dest ? m->dest : "");
	sa_truth_begin(s, "exchange-forwardingsmtpaddress", "m365",
	               "MH-FWD-EXT", "high", v->addr, s->admin, m->dest,
	               "the setting behind ground-truth.tsv's lines of this "
	               "scenario (DeliverToMailboxAndForward True: a copy "
	               "is kept)");
	const char *nv[] = {"Identity",
	                    v->addr,
	                    "ForwardingSmtpAddress",
	                    fwd,
	                    "DeliverToMailboxAndForward",
	                    "True",
	                    NULL};
	int rc = admin_cmd(s, t, "Set-Mailbox", SA_ADMIN_IP, v->addr, "True",
	                   nv);
	sa_truth_end(s);
	return rc;
}

/* carol -> dave: an Outlook rule (UpdateInboxRules) forwarding all mail. */
static int plant_rule_int(struct sa *s, const struct mh_simaudit_mail *m)
{
	const struct sa_user *v = U(s, m->victim), *d = U(s, m->dest_user);
	int64_t t = m->start - 90 * SA_MINUTE;
	char acts[300];
	snprintf(acts, sizeof(acts),
	         "[{\"ActionType\":\"Forward\",\"Recipients\":[\"%s\"],"
	         "\"ForwardFlags\":\"None\"}]",
	         d->addr);
	sa_truth_begin(s, "exchange-inbox-rule-internal", "m365", "MH-FWD-INT",
	               "low", v->addr, v->addr, d->addr,
	               "an Outlook-made rule (RuleActions Forward): the "
	               "rule behind ground-truth.tsv's line");
	int rc = outlook_rule(s, t, v, v, 0, v->ip, "FYI Dave",
	                      "{(Exists(ItemClass))}", acts);
	sa_truth_end(s);
	return rc;
}

/* MARK: - audit scenarios */

/* A compromised administrator account forwards frank's mail away and
 * keeps no copy; the first try, on dave, failed. */
static int plant_mbxfwd_hidden(struct sa *s)
{
	const struct sa_user *f = U(s, 5), *d = U(s, 3);
	int64_t t = at(s, 0.62, 22);
	struct sa_user admin = *f;
	snprintf(admin.addr, sizeof(admin.addr), "%s", s->admin);
	int rc = sa_signin(s, t - 15 * SA_MINUTE, &admin, SA_ATTACKER_V6, 0);
	if (rc)
		return rc;
	char dest1[200], dest2[200], v1[220], v2[220];
	snprintf(dest1, sizeof(dest1), "%s.j@mailbox.example", d->local);
	snprintf(dest2, sizeof(dest2), "%s.backup@mailbox.example", f->local);
	snprintf(v1, sizeof(v1), "smtp:%s", dest1);
	snprintf(v2, sizeof(v2), "smtp:%s", dest2);
	sa_truth_begin(s, "m365-mailbox-forwarding-hidden-attempt", "m365",
	               "MH-FWD-EXT", "medium", d->addr, s->admin, dest1,
	               "ResultStatus False: an attempt, one level lower");
	const char *nv1[] = {"Identity", d->addr, "ForwardingSmtpAddress", v1,
	                     NULL};
	if ((rc = admin_cmd(s, t, "Set-Mailbox", SA_ATTACKER_V6, d->addr,
	                    "False", nv1)))
		return rc;
	sa_truth_begin(s, "m365-mailbox-forwarding-hidden", "m365",
	               "MH-FWD-EXT", "critical", f->addr, s->admin, dest2,
	               "DeliverToMailboxAndForward False (nothing kept): "
	               "one level up; no mail through it in the case");
	const char *nv2[] = {"Identity",
	                     f->addr,
	                     "ForwardingSmtpAddress",
	                     v2,
	                     "DeliverToMailboxAndForward",
	                     "False",
	                     NULL};
	rc = admin_cmd(s, t + 4 * SA_MINUTE, "Set-Mailbox", SA_ATTACKER_V6,
	               f->addr, "True", nv2);
	sa_truth_end(s);
	return rc;
}

/* Rules: a redirect added to an ordinary rule, an Outlook rule
 * forwarding invoices as attachments, hiding rules in four languages. */
static int plant_inbox_rules(struct sa *s)
{
	const struct sa_user *e = U(s, 4), *h = U(s, 7);
	int rc;
	/* erin's ordinary rule, weeks before. */
	sa_truth_begin(s, "m365-inbox-rules-organising", "m365", NULL, NULL,
	               e->addr, e->addr, NULL,
	               "an ordinary rule moving a client's mail to a project "
	               "folder: not forwarding, not hiding");
	const char *org[] = {"Name",
	                     "Project Falcon",
	                     "From",
	                     "s.dupont@client-co.example",
	                     "MoveToFolder",
	                     "Projects\\Falcon",
	                     NULL};
	if ((rc = rule(s, s->start + 2 * SA_DAY + 10 * SA_HOUR, "New-InboxRule",
	               e, e->ip, "Project Falcon", "True", org)))
		return rc;
	int64_t t = at(s, 0.40, 23);
	char dest[200], ident[256];
	snprintf(dest, sizeof(dest), "%s.archive@mailbox.example", e->local);
	snprintf(ident, sizeof(ident), "%s\\Project Falcon", e->addr);
	sa_truth_begin(s, "m365-inbox-rules-set-redirect", "m365", "MH-FWD-EXT",
	               "high", e->addr, e->addr, dest,
	               "Set-InboxRule adds RedirectTo to the ordinary rule "
	               "(a delta: only the changed parameter)");
	const char *set[] = {"Identity", ident, "RedirectTo", dest, NULL};
	char obj[512], id[37];
	sa_rule_obj(s, e, "Project Falcon", obj);
	sa_cmdlet(s, t, "Set-InboxRule", e->addr, 0, e->puid, SA_ATTACKER_V6,
	          obj, "True", set, id);
	if ((rc = sa_emit_m365(s, t, id, "Set-InboxRule")))
		return rc;
	char acts[300], hdest[200];
	snprintf(hdest, sizeof(hdest), "%s.n@mailbox.example", h->local);
	snprintf(acts, sizeof(acts),
	         "[{\"ActionType\":\"Forward\",\"Recipients\":[\"%s\"],"
	         "\"ForwardFlags\":\"AsAttachment\"}]",
	         hdest);
	sa_truth_begin(s, "m365-inbox-rules-outlook-forward", "m365",
	               "MH-FWD-EXT", "high", h->addr, h->addr, hdest,
	               "an Outlook rule forwarding invoices as attachments "
	               "(RuleActions Forward, AsAttachment)");
	if ((rc = outlook_rule(s, t + 40 * SA_MINUTE, h, h, 0, SA_ATTACKER_IP,
	                       "Factures",
	                       "{(Subject Contains facture) AND "
	                       "(Exists(ItemClass))}",
	                       acts)))
		return rc;
	/* Hiding rules in the mailboxes' languages. */
	static const struct {
		unsigned user;
		const char *name, *cond, *words, *action, *value;
		const char *note;
	} hides[] = {
	        {1, "...", "SubjectContainsWords",
	         "Rechnung;Zahlung;\xc3\x9c"
	         "berweisung",
	         "MoveToFolder", "RSS-Feeds",
	         "German mailbox: finance words, moved to RSS-Feeds"},
	        {2, ".", "BodyContainsWords",
	         "pirat\xc3\xa9;hame\xc3\xa7onnage;compromis", "MoveToFolder",
	         "Historique des conversations",
	         "French mailbox: incident words, moved to Historique des "
	         "conversations"},
	        {3, "-", "SubjectOrBodyContainsWords",
	         "fattura;bonifico;pagamento", "MoveToFolder",
	         "Posta indesiderata",
	         "Italian mailbox: finance words, moved to Posta "
	         "indesiderata"},
	        {4, ",,", "SubjectContainsWords", "factura;transferencia",
	         "DeleteMessage", "True",
	         "Spanish mailbox: finance words, deleted"},
	};
	for (size_t i = 0; i < NELEM(hides); i++) {
		const struct sa_user *u = U(s, hides[i].user);
		char act[64];
		snprintf(act, sizeof(act), "m365-inbox-rules-hide-%s",
		         u->loc == SA_DE   ? "de"
		         : u->loc == SA_FR ? "fr"
		         : u->loc == SA_IT ? "it"
		         : u->loc == SA_ES ? "es"
		                           : "en");
		sa_truth_begin(s, act, "m365", "MH-AUD-HIDE", "high", u->addr,
		               u->addr, NULL, hides[i].note);
		const char *nv[] = {"Name",
		                    hides[i].name,
		                    hides[i].cond,
		                    hides[i].words,
		                    hides[i].action,
		                    hides[i].value,
		                    "StopProcessingRules",
		                    "True",
		                    NULL};
		if ((rc = rule(s, t + (int64_t)(i + 2) * 23 * SA_MINUTE,
		               "New-InboxRule", u, SA_ATTACKER_IP,
		               hides[i].name, "True", nv)))
			return rc;
	}
	sa_truth_end(s);
	return MH_OK;
}

static int plant_transport(struct sa *s)
{
	int64_t t = at(s, 0.30, 19);
	const char *dest = "records@archive-vault.example";
	sa_truth_begin(s, "m365-transport-rule", "m365", "MH-FWD-EXT", "high",
	               NULL, s->admin, dest,
	               "a transport rule Bcc's all mail sent inside the "
	               "organisation to an outside address (mailbox: all "
	               "mail)");
	const char *nv[] = {"Name",
	                    "Archive copy",
	                    "FromScope",
	                    "InOrganization",
	                    "BlindCopyTo",
	                    dest,
	                    "Mode",
	                    "Enforce",
	                    "SetAuditSeverity",
	                    "DoNotAudit",
	                    NULL};
	int rc = admin_cmd(s, t, "New-TransportRule", SA_ADMIN_IP,
	                   "Archive copy", "True", nv);
	sa_truth_end(s);
	return rc;
}

/* An Entra ID directory record (RecordType 8) by actor. */
static void aad_head(struct sa *s, int64_t t, const char *op,
                     const struct sa_user *actor, const char *ip,
                     const char *obj, char id[37])
{
	struct sa_hd h = {op,          8,  "AzureActiveDirectory",
	                  actor->addr, 0,  actor->oid,
	                  "Success",   ip, obj};
	sa_head(s, t, &h, id);
	mh_simrec_int(&s->r, "AzureActiveDirectoryEventType", 1);
	mh_simrec_arr(&s->r, "ExtendedProperties");
	mh_simrec_nv(&s->r, "additionalDetails",
	             "{\"User-Agent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; "
	             "x64)\"}");
	mh_simrec_nv(&s->r, "extendedAuditEventCategory", "ServicePrincipal");
	mh_simrec_close(&s->r);
}

static void aad_tail(struct sa *s, const char *app, const char *app_name,
                     const char *ip)
{
	struct mh_simrec *r = &s->r;
	char g1[37], g2[37];
	mh_simrec_str(r, "ActorContextId", s->tenant);
	mh_simrec_str(r, "ActorIpAddress", ip);
	sa_guid(s, g1);
	sa_guid(s, g2);
	mh_simrec_str(r, "InterSystemsId", g1);
	mh_simrec_str(r, "IntraSystemId", g2);
	mh_simrec_str(r, "SupportTicketId", "");
	mh_simrec_arr(r, "Target");
	mh_simrec_obj(r, NULL);
	mh_simrec_strf(r, "ID", "ServicePrincipal_%s", g1);
	mh_simrec_int(r, "Type", 2);
	mh_simrec_close(r);
	mh_simrec_obj(r, NULL);
	mh_simrec_str(r, "ID", app_name);
	mh_simrec_int(r, "Type", 1);
	mh_simrec_close(r);
	mh_simrec_obj(r, NULL);
	mh_simrec_str(r, "ID", app);
	mh_simrec_int(r, "Type", 2);
	mh_simrec_close(r);
	mh_simrec_close(r);
	mh_simrec_str(r, "TargetContextId", s->tenant);
}

static void mp(struct sa *s, const char *name, const char *value)
{
	mh_simrec_obj(&s->r, NULL);
	mh_simrec_str(&s->r, "Name", name);
	mh_simrec_str(&s->r, "NewValue", value);
	mh_simrec_str(&s->r, "OldValue", "");
	mh_simrec_close(&s->r);
}

/* A user's consent to a delegated-permission app. */
static int consent(struct sa *s, int64_t t, const struct sa_user *u,
                   const char *ip, const char *app, const char *app_name,
                   const char *scopes)
{
	char id[37], perm[512], g[37], obj[37];
	sa_guid(s, obj);
	aad_head(s, t, "Consent to application.", u, ip, obj, id);
	sa_guid(s, g);
	snprintf(perm, sizeof(perm),
	         "[] => [[Id: %s, ClientId: %s, PrincipalId: %s, "
	         "ResourceId: %s, ConsentType: Principal, Scope:  %s, "
	         "CreatedDateTime: , LastModifiedDateTime ]]; ",
	         g, obj, u->oid, SA_APP_GRAPH, scopes);
	mh_simrec_arr(&s->r, "ModifiedProperties");
	mp(s, "ConsentContext.IsAdminConsent", "False");
	mp(s, "ConsentContext.IsAppOnly", "False");
	mp(s, "ConsentContext.OnBehalfOfAll", "False");
	mp(s, "ConsentContext.Tags",
	   "WindowsAzureActiveDirectoryIntegratedApp");
	mp(s, "ConsentAction.Permissions", perm);
	mp(s, "TargetId.ServicePrincipalNames", app);
	mh_simrec_close(&s->r);
	aad_tail(s, app, app_name, ip);
	return sa_emit_m365(s, t, id, "Consent to application.");
}

/* An app gets Mail.Read in every mailbox and reads them through Graph;
 * a user consents to a phishing app asking for Mail.Read and Mail.Send. */
static int plant_app_read(struct sa *s)
{
	const char *app = "5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
	const char *name = "Mail Archiver Sync";
	int64_t t = at(s, 0.45, 21);
	struct sa_user admin = *U(s, 0);
	snprintf(admin.addr, sizeof(admin.addr), "%s", s->admin);
	char id[37], obj[37];
	sa_guid(s, obj);
	aad_head(s, t, "Add service principal.", &admin, SA_ATTACKER_IP, obj,
	         id);
	mh_simrec_arr(&s->r, "ModifiedProperties");
	mp(s, "AccountEnabled", "[\r\n  true\r\n]");
	mp(s, "AppPrincipalId", app);
	mp(s, "DisplayName", name);
	mh_simrec_close(&s->r);
	aad_tail(s, app, name, SA_ATTACKER_IP);
	int rc = sa_emit_m365(s, t, id, "Add service principal.");
	if (rc)
		return rc;
	t += 5 * SA_MINUTE;
	sa_truth_begin(s, "m365-app-mail-read-consent", "m365",
	               "MH-AUD-CONSENT", "high", NULL, s->admin, NULL,
	               "Graph Mail.Read application role granted to an app: "
	               "every mailbox");
	aad_head(s, t, "Add app role assignment to service principal.", &admin,
	         SA_ATTACKER_IP, obj, id);
	mh_simrec_arr(&s->r, "ModifiedProperties");
	mp(s, "AppRole.Id", MAIL_READ_ROLE);
	mp(s, "AppRole.Value", "Mail.Read");
	mp(s, "AppRole.DisplayName", "Read mail in all mailboxes");
	mp(s, "ServicePrincipal.DisplayName", "Microsoft Graph");
	mp(s, "ServicePrincipal.AppId", SA_APP_GRAPH);
	mp(s, "TargetId.ServicePrincipalNames", app);
	mh_simrec_close(&s->r);
	aad_tail(s, app, name, SA_ATTACKER_IP);
	if ((rc = sa_emit_m365(s, t, id,
	                       "Add app role assignment to service "
	                       "principal.")))
		return rc;
	/* The app reads every mailbox (up to twelve) over a day. */
	sa_truth_begin(s, "m365-app-mail-read", "m365", "MH-AUD-APPREAD",
	               "high", NULL, app, NULL,
	               "an application identity (UserType 5) reads many "
	               "mailboxes through Graph");
	unsigned n = s->nu < 12 ? s->nu : 12;
	for (unsigned i = 0; i < n; i++) {
		const struct sa_user *o = U(s, i);
		const char *folders[] = {sa_folder_inbox(o->loc),
		                         sa_folder_sent(o->loc)};
		for (unsigned k = 0; k < 2; k++) {
			int64_t ti = t + 2 * SA_HOUR +
			             (int64_t)(i * 2 + k) * 47 * SA_MINUTE;
			struct sa_read m = {o,
			                    o->addr,
			                    app,
			                    5,
			                    0,
			                    app,
			                    app,
			                    "Client=REST;Client=RESTSystem;;",
			                    "2001:db8:77:4::1d",
			                    "Bind",
			                    0,
			                    folders,
			                    2,
			                    4,
			                    20 + mh_simgen_below(&s->g, 40),
			                    SA_APP_GRAPH};
			sa_mail_read(s, ti, &m, id);
			if ((rc = sa_emit_m365(s, ti, id, "MailItemsAccessed")))
				return rc;
		}
	}
	const struct sa_user *f = U(s, 5);
	sa_truth_begin(s, "m365-app-mail-read-user-consent", "m365",
	               "MH-AUD-CONSENT", "medium", f->addr, f->addr, NULL,
	               "a user consents to an app asking for Mail.Read and "
	               "Mail.Send (delegated)");
	rc = consent(s, t + 30 * SA_HOUR, f, f->ip,
	             "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
	             "PDF Converter Online",
	             "Mail.Read Mail.Send offline_access");
	sa_truth_end(s);
	return rc;
}

/* dave gets FullAccess to bob's mailbox and reads seven folders; carol's
 * inbox is opened to everyone. */
static int plant_delegate(struct sa *s)
{
	const struct sa_user *b = U(s, 1), *d = U(s, 3), *c = U(s, 2);
	int64_t t = at(s, 0.50, 20);
	sa_truth_begin(s, "m365-delegate-access-grant", "m365", "MH-AUD-PERM",
	               "medium", b->addr, s->admin, NULL,
	               "FullAccess to another user's mailbox");
	const char *nv[] = {"Identity",
	                    b->addr,
	                    "User",
	                    d->addr,
	                    "AccessRights",
	                    "FullAccess",
	                    "InheritanceType",
	                    "All",
	                    "AutoMapping",
	                    "False",
	                    NULL};
	int rc = admin_cmd(s, t, "Add-MailboxPermission", SA_ADMIN_IP, b->addr,
	                   "True", nv);
	if (rc)
		return rc;
	static const char *const folders[] = {"Inbox",  "Sent Items", "Finance",
	                                      "HR",     "Legal",      "Board",
	                                      "Archive"};
	sa_truth_begin(s, "m365-delegate-access-read", "m365",
	               "MH-AUD-OTHERMBX", "high", b->addr, d->addr, NULL,
	               "a delegate (LogonType 2) reads seven folders of "
	               "another mailbox");
	if ((rc = reads(s, t + 2 * SA_HOUR, d, b, 2, d->ip,
	                "Client=OWA;Action=ViaProxy", folders, NELEM(folders),
	                4)))
		return rc;
	char ident[200];
	snprintf(ident, sizeof(ident), "%s:\\Inbox", c->addr);
	sa_truth_begin(s, "m365-delegate-access-folder", "m365", "MH-AUD-PERM",
	               "medium", c->addr, c->addr, NULL,
	               "the inbox opened to Default with a read role");
	const char *nv2[] = {"Identity",     ident,      "User", "Default",
	                     "AccessRights", "Reviewer", NULL};
	char obj[256], id[37];
	snprintf(obj, sizeof(obj), "%s\\Inbox", c->addr);
	sa_cmdlet(s, t + 5 * SA_HOUR, "Add-MailboxFolderPermission", c->addr, 0,
	          c->puid, SA_ATTACKER_IP, obj, "True", nv2, id);
	rc = sa_emit_m365(s, t + 5 * SA_HOUR, id,
	                  "Add-MailboxFolderPermission");
	sa_truth_end(s);
	return rc;
}

static int plant_impersonation(struct sa *s)
{
	int64_t t = at(s, 0.55, 21);
	char user[200];
	snprintf(user, sizeof(user), "svc-migration@%s", s->org);
	sa_truth_begin(s, "m365-impersonation", "m365", "MH-AUD-IMPERSONATION",
	               "high", NULL, s->admin, NULL,
	               "ApplicationImpersonation given to a service account "
	               "and removed 14 minutes later");
	const char *nv[] = {"Name", "EWS Impersonation",
	                    "Role", "ApplicationImpersonation",
	                    "User", user,
	                    NULL};
	int rc = admin_cmd(s, t, "New-ManagementRoleAssignment", SA_ATTACKER_IP,
	                   "EWS Impersonation", "True", nv);
	if (rc)
		return rc;
	const char *nv2[] = {"Identity", "EWS Impersonation", "Confirm",
	                     "False", NULL};
	rc = admin_cmd(s, t + 14 * SA_MINUTE, "Remove-ManagementRoleAssignment",
	               SA_ATTACKER_IP, "EWS Impersonation", "True", nv2);
	sa_truth_end(s);
	return rc;
}

/* A Security & Compliance cmdlet: Parameters is one string. */
static int scc(struct sa *s, int64_t t, const char *op, const char *obj,
               const char *params)
{
	struct mh_simrec *r = &s->r;
	char id[37], st[32], sess[37];
	struct sa_hd h = {op,
	                  18,
	                  "SecurityComplianceCenter",
	                  s->admin,
	                  2,
	                  SA_ADMIN_KEY,
	                  NULL,
	                  SA_ATTACKER_IP,
	                  obj};
	sa_head(s, t, &h, id);
	mh_simrec_str(r, "ClientApplication", "EMC");
	mh_simrec_str(r, "CmdletVersion", "");
	mh_simrec_str(r, "EffectiveOrganization", s->orgname);
	mh_simrec_str(r, "Parameters", params);
	sa_guid(s, sess);
	mh_simrec_str(r, "SessionId", sess);
	mh_simrec_time_ual(t - 2, st);
	mh_simrec_str(r, "StartTime", st);
	return sa_emit_m365(s, t, id, op);
}

static int plant_ediscovery(struct sa *s)
{
	int64_t t = at(s, 0.70, 22);
	sa_truth_begin(s, "m365-ediscovery-export", "m365", "MH-AUD-EDISCOVERY",
	               "high", NULL, s->admin, NULL,
	               "a content search of every mailbox for secrets, "
	               "exported as PST (FxStream)");
	int rc = scc(s, t, "New-ComplianceSearch", "Q3 review",
	             "-Name \"Q3 review\" -ExchangeLocation \"All\" "
	             "-ContentMatchQuery \"password OR invoice OR wire\"");
	if (!rc)
		rc = scc(s, t + 3 * SA_MINUTE, "Start-ComplianceSearch",
		         "Q3 review", "-Identity \"Q3 review\"");
	if (!rc)
		rc = scc(s, t + 31 * SA_MINUTE, "New-ComplianceSearchAction",
		         "Q3 review_Export",
		         "-SearchName \"Q3 review\" -Export -Format FxStream "
		         "-ExchangeArchiveFormat PerUserPst");
	if (rc)
		return rc;
	struct mh_simrec *r = &s->r;
	char id[37];
	int64_t te = t + 95 * SA_MINUTE;
	struct sa_hd h = {"SearchExported",
	                  24,
	                  "SecurityComplianceCenter",
	                  s->admin,
	                  2,
	                  SA_ADMIN_KEY,
	                  "Succeeded",
	                  SA_ATTACKER_IP,
	                  "Q3 review_Export"};
	sa_head(s, te, &h, id);
	mh_simrec_str(r, "CaseId", "");
	mh_simrec_str(r, "ExportName", "Q3 review_Export");
	mh_simrec_arr(r, "ExchangeLocations");
	mh_simrec_str(r, NULL, "All");
	mh_simrec_close(r);
	mh_simrec_str(r, "Query", "password OR invoice OR wire");
	rc = sa_emit_m365(s, te, id, "SearchExported");
	sa_truth_end(s);
	return rc;
}

static int plant_mbx_export(struct sa *s)
{
	const struct sa_user *h = U(s, 7);
	int64_t t = at(s, 0.75, 2);
	sa_truth_begin(s, "m365-mailbox-export", "m365", "MH-AUD-EXPORT",
	               "critical", h->addr, s->admin, NULL,
	               "a mailbox exported to a web-served .aspx path, the "
	               "request removed nine minutes later by the same "
	               "actor");
	/* A path the web server publishes: the export downloaded as a
	 * page. */
	static const char path[] =
	        "\\\\EXCH01\\c$\\Program Files\\Microsoft\\Exchange "
	        "Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\zmx.aspx";
	const char *nv[] = {"Mailbox",  h->addr, "Name", "MailboxExport",
	                    "FilePath", path,    NULL};
	int rc = admin_cmd(s, t, "New-MailboxExportRequest", SA_ATTACKER_IP,
	                   h->addr, "True", nv);
	if (rc)
		return rc;
	char ident[200];
	snprintf(ident, sizeof(ident), "%s\\MailboxExport", h->addr);
	const char *nv2[] = {"Identity", ident, "Confirm", "False", NULL};
	rc = admin_cmd(s, t + 9 * SA_MINUTE, "Remove-MailboxExportRequest",
	               SA_ATTACKER_IP, ident, "True", nv2);
	sa_truth_end(s);
	return rc;
}

static int plant_imap(struct sa *s)
{
	const struct sa_user *e = U(s, 4);
	int64_t t = at(s, 0.80, 3);
	const char *folders[] = {sa_folder_inbox(e->loc)};
	sa_truth_begin(s, "m365-imap-bulk-read", "m365", "MH-AUD-VOLUME",
	               "medium", e->addr, e->addr, NULL,
	               "an IMAP client downloads the mailbox: 2,412 items in "
	               "an hour, auditing throttled");
	static const int64_t counts[] = {1000, 1000, 412};
	for (unsigned i = 0; i < 3; i++) {
		char id[37];
		int64_t ti = t + (int64_t)i * 19 * SA_MINUTE;
		struct sa_read m = {e,
		                    e->addr,
		                    e->puid,
		                    0,
		                    0,
		                    NULL,
		                    NULL,
		                    "Client=IMAP4",
		                    SA_ATTACKER_IP,
		                    "Bind",
		                    i == 2,
		                    folders,
		                    1,
		                    5,
		                    counts[i],
		                    NULL};
		sa_mail_read(s, ti, &m, id);
		int rc = sa_emit_m365(s, ti, id, "MailItemsAccessed");
		if (rc)
			return rc;
	}
	sa_truth_end(s);
	return MH_OK;
}

/* MARK: - look-alikes (whatever the scenarios) */

/* The system provisions a new group mailbox: folder permission changes
 * by S-1-5-18 (as Elastic's real records). */
static int look_group_provisioning(struct sa *s)
{
	int64_t t = at(s, 0.20, 9);
	struct mh_simrec *r = &s->r;
	char group[200];
	snprintf(group, sizeof(group), "projects@%s", s->org);
	sa_truth_begin(s, "lookalike-group-mailbox-provisioning", "m365", NULL,
	               NULL, group, "S-1-5-18", NULL,
	               "system provisioning (S-1-5-18, "
	               "Action=ConfigureGroupMailbox): not a grant");
	static const char *const members[] = {"Owner@local", "Member@local"};
	for (unsigned i = 0; i < 2; i++) {
		char id[37], fid[64], sid[37];
		struct sa_hd h = {"ModifyFolderPermissions",
		                  2,
		                  "Exchange",
		                  "S-1-5-18",
		                  4,
		                  "S-1-5-18",
		                  "Succeeded",
		                  NULL,
		                  NULL};
		sa_head(s, t + i, &h, id);
		mh_simrec_str(r, "ClientIPAddress", "");
		mh_simrec_str(
		        r, "ClientInfoString",
		        "Client=WebServices;Action=ConfigureGroupMailbox");
		mh_simrec_bool(r, "ExternalAccess", 1);
		mh_simrec_int(r, "InternalLogonType", 1);
		mh_simrec_int(r, "LogonType", 1);
		mh_simrec_str(r, "LogonUserSid", "S-1-5-18");
		sa_guid(s, sid);
		mh_simrec_str(r, "MailboxGuid", sid);
		mh_simrec_str(r, "MailboxOwnerSid",
		              "S-1-5-21-3141592653-589793238-462643383-4410");
		mh_simrec_str(r, "MailboxOwnerUPN", group);
		mh_simrec_str(r, "OrganizationName", s->orgname);
		sa_server(s);
		sa_item_id(s, fid);
		mh_simrec_obj(r, "Item");
		mh_simrec_str(r, "Id", fid);
		mh_simrec_obj(r, "ParentFolder");
		mh_simrec_str(r, "Id", fid);
		mh_simrec_str(
		        r, "MemberRights",
		        i ? "ReadAny, Create, EditOwned, DeleteOwned, "
		            "Visible, FreeBusySimple, FreeBusyDetailed"
		          : "ReadAny, Create, EditOwned, DeleteOwned, "
		            "EditAny, DeleteAny, Visible, FreeBusySimple, "
		            "FreeBusyDetailed");
		mh_simrec_str(r, "MemberSid", "S-1-5-21-0-0-0-0");
		mh_simrec_str(r, "MemberUpn", members[i]);
		mh_simrec_str(r, "Name", "Calendar");
		mh_simrec_str(r, "Path", "\\Calendar");
		mh_simrec_close(r);
		mh_simrec_close(r);
		int rc = sa_emit_m365(s, t + i, id, "ModifyFolderPermissions");
		if (rc)
			return rc;
	}
	sa_truth_end(s);
	return MH_OK;
}

static int lookalikes(struct sa *s)
{
	int rc = look_group_provisioning(s);
	if (rc)
		return rc;
	const struct sa_user *f = U(s, 5), *d = U(s, 3), *g = U(s, 6);
	sa_truth_begin(s, "lookalike-organising-rule", "m365", NULL, NULL,
	               f->addr, f->addr, NULL,
	               "moves receipts from a supplier to a folder: neither "
	               "forwarding nor hiding");
	const char *nv[] = {
	        "Name",         "Receipts", "From", "billing@agency.example",
	        "MoveToFolder", "Receipts", NULL};
	if ((rc = rule(s, at(s, 0.15, 10), "New-InboxRule", f, f->ip,
	               "Receipts", "True", nv)))
		return rc;
	sa_truth_begin(s, "lookalike-outlook-client-rule", "m365", NULL, NULL,
	               d->addr, d->addr, NULL,
	               "an Outlook client-side rule (DeferAction only): not "
	               "forwarding");
	if ((rc = outlook_rule(s, at(s, 0.25, 11), d, d, 0, d->ip, "Tickets",
	                       "{(Subject Contains ticket)}",
	                       "[{\"ActionType\":\"DeferAction\","
	                       "\"LengthOfDeferData\":1453}]")))
		return rc;
	sa_truth_begin(s, "lookalike-consent-no-mail-scope", "m365", NULL, NULL,
	               g->addr, g->addr, NULL,
	               "consent to an app with sign-in scopes only: no mail "
	               "scope");
	rc = consent(s, at(s, 0.35, 14), g, g->ip,
	             "0f1e2d3c-4b5a-4697-a8b9-c0d1e2f3a4b5", "Team Planner",
	             "openid profile User.Read offline_access");
	sa_truth_end(s);
	return rc;
}

int sa_m365_plant(struct sa *s)
{
	const struct mh_simaudit_mail *m;
	int rc = MH_OK;
	if (!rc && (m = mail_sc(s, MH_SIM_SC_RULE_EXT)))
		rc = plant_rule_ext(s, m);
	if (!rc && (m = mail_sc(s, MH_SIM_SC_FWD_SMTP)))
		rc = plant_fwd_smtp(s, m);
	if (!rc && (m = mail_sc(s, MH_SIM_SC_RULE_INT)))
		rc = plant_rule_int(s, m);
	static const struct {
		unsigned bit;
		int (*fn)(struct sa *);
	} audit[] = {
	        {MH_SIM_SC_MBXFWD_HIDDEN, plant_mbxfwd_hidden},
	        {MH_SIM_SC_INBOX_RULES, plant_inbox_rules},
	        {MH_SIM_SC_TRANSPORT, plant_transport},
	        {MH_SIM_SC_APP_READ, plant_app_read},
	        {MH_SIM_SC_DELEGATE, plant_delegate},
	        {MH_SIM_SC_IMPERSONATION, plant_impersonation},
	        {MH_SIM_SC_EDISCOVERY, plant_ediscovery},
	        {MH_SIM_SC_MBX_EXPORT, plant_mbx_export},
	        {MH_SIM_SC_IMAP_BULK, plant_imap},
	};
	for (size_t i = 0; !rc && i < NELEM(audit); i++) {
		if (!on(s, audit[i].bit))
			continue;
		rc = audit[i].fn(s);
		s->st->activities++;
	}
	if (!rc)
		rc = lookalikes(s);
	sa_truth_end(s);
	return rc;
}
