/* fwdfind.c - the rules of the forwarding picture: pairs and forwarding
 * mailboxes -> MH-FWD-* findings (docs/FORWARDING.md "Rules"), with
 * their summaries and remediation texts.
 */
#include "analytics/fwdpic.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strmap.h"
#include "core/time.h"

const char *const mh_fw_jwhy_names[J__WHY] = {
        "beyond_prefix",
        "encoded",
        "no_attachment",
        "unparseable",
};

/* MARK: - findings */

char *mh_fw_mechs_text(unsigned m)
{
	struct mh_buf b = MH_BUF_INIT(512);
	for (unsigned i = 0; i < M__COUNT; i++)
		if (m & (1u << i)) {
			if (b.len)
				mh_buf_addc(&b, ',');
			mh_buf_adds(&b, mh_fw_mech_names[i]);
		}
	return mh_buf_detach(&b, NULL);
}

void mh_fw_when_text(int64_t first, int64_t last, char *out, size_t n)
{
	char a[21], b[21];
	if (first == MH_TS_NONE) {
		snprintf(out, n, "at unknown times");
		return;
	}
	mh_time_iso(first, a);
	mh_time_iso(last, b);
	if (!memcmp(a, b, 10))
		snprintf(out, n, "on %.10s", a);
	else
		snprintf(out, n, "between %.10s and %.10s", a, b);
}

/* The mailbox as an argument a mail admin can paste into a shell: only
 * when it is made of harmless characters (the address comes from a
 * header an attacker may have written), else a placeholder. */
void mh_fw_shell_arg(const char *mailbox, char *out, size_t n)
{
	int ok = strcmp(mailbox, UNKNOWN) != 0 && strchr(mailbox, '@');
	for (const char *c = mailbox; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		     *c == '@' || *c == '.' || *c == '-' || *c == '_' ||
		     *c == '+';
	snprintf(out, n, ok ? "'%s'" : "%s", ok ? mailbox : "<mailbox>");
}

static char *remediation(unsigned mechs, const char *mailbox)
{
	char mb[ADDR_MAX + 2];
	struct mh_buf b = MH_BUF_INIT(4096);
	mh_fw_shell_arg(mailbox, mb, sizeof(mb));
	if (mechs & (1u << M_GWS_ROUTING)) {
		mh_buf_adds(
		        &b,
		        "Google Workspace routing (Admin console > Apps > "
		        "Google "
		        "Workspace > Gmail > Routing, Compliance and Default "
		        "routing): open the rule named in the evidence and "
		        "check "
		        "whether it adds recipients, changes the route or "
		        "relays "
		        "mail out (Bcc, change envelope recipient, outbound "
		        "gateway); delete an unapproved rule, and review the "
		        "admin account that made it (Admin console audit, "
		        "CREATE_GMAIL_SETTING / CHANGE_GMAIL_SETTING: "
		        "sign-ins, "
		        "2SV) (ATT&CK M1047, M1032). mailhunt runs none of "
		        "this.");
	} else if (mechs & (1u << M_GWS_MONITOR)) {
		mh_buf_printf(
		        &b,
		        "Google Workspace email monitor on %s (an "
		        "administrator "
		        "copies the user's mail to another account): list the "
		        "monitors of the user with the Email Audit API (GET "
		        "https://apps-apis.google.com/a/feeds/compliance/audit/"
		        "mail/monitor/<domain>/<user>) or GAM (gam print "
		        "monitors user <user>), delete an unapproved one (GAM: "
		        "gam delete monitor <user> <destination>), and review "
		        "the admin account that created it (Admin console "
		        "audit, event CREATE_EMAIL_MONITOR: sign-ins, 2SV) "
		        "(ATT&CK M1047, M1032). mailhunt runs none of this.",
		        mb);
	} else if (mechs & (1u << M_TRANSPORT)) {
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365 transport rule that copies "
		        "or "
		        "redirects mail (scope %s): Get-TransportRule | fl "
		        "Name,State,Priority,SentTo,From,BlindCopyTo,CopyTo,"
		        "RedirectMessageTo,AddToRecipients; remove an "
		        "unapproved rule (Remove-TransportRule -Identity "
		        "<rule>) or disable it (Disable-TransportRule), search "
		        "the unified audit log for New-/Set-TransportRule for "
		        "who made it, and review that administrator's sign-ins "
		        "and MFA (ATT&CK M1047, M1032). mailhunt runs none of "
		        "this.",
		        mb);
	} else if (mechs & (1u << M_GMAIL)) {
		mh_buf_printf(
		        &b,
		        "Google Workspace / Gmail, mailbox %s: Gmail settings "
		        "> "
		        "Forwarding and POP/IMAP (forwarding address) and "
		        "Filters (filters that forward); Admin console audit, "
		        "user log events email_forwarding_change and "
		        "email_forwarding_out_of_domain, for who set it and "
		        "when; disable automatic forwarding for the "
		        "organisational unit if not needed (Apps > Google "
		        "Workspace > Gmail > End User Access); remove an "
		        "unapproved forwarding address, then reset the "
		        "password and sign the user out of all sessions "
		        "(ATT&CK M1047, M1032). mailhunt runs none of this.",
		        mb);
	} else if (mechs & ((1u << M_SIEVE) | (1u << M_SERVER))) {
		mh_buf_printf(
		        &b,
		        "Mail server, mailbox %s: the user's Sieve scripts "
		        "(redirect actions; Dovecot: doveadm sieve list -u %s, "
		        "doveadm sieve get -u %s <script>), ~/.forward and "
		        "procmail rules, and the server's alias and virtual "
		        "maps for this address; remove unapproved redirects, "
		        "then reset the user's credentials and end their "
		        "sessions (ATT&CK M1047, M1032). mailhunt runs none of "
		        "this.",
		        mb, mb, mb);
	} else if (mechs & (1u << M_RESENT)) {
		mh_buf_printf(
		        &b,
		        "Automatic re-send (Resent-* with Auto-Submitted) by "
		        "%s: find the program or rule that re-sends "
		        "(server-side filters, Sieve redirect, procmail, a "
		        "mail "
		        "client rule) and whether it is approved; if not, "
		        "remove it and reset the credentials (ATT&CK M1047). "
		        "mailhunt runs none of this.",
		        mb);
	} else if (mechs & (1u << M_INBOX_RULE)) {
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, inbox rule: Get-InboxRule "
		        "-Mailbox %s -IncludeHidden | fl "
		        "Name,Enabled,ForwardTo,"
		        "RedirectTo,ForwardAsAttachmentTo,DeleteMessage,"
		        "StopProcessingRules; also Get-Mailbox %s | fl "
		        "ForwardingSmtpAddress,ForwardingAddress,"
		        "DeliverToMailboxAndForward; search the unified audit "
		        "log for New-InboxRule, Set-InboxRule and "
		        "UpdateInboxRules on this mailbox for who created the "
		        "rule and from where; remove an unapproved rule "
		        "(Remove-InboxRule), revoke the user's sessions, reset "
		        "the credentials and enforce MFA (ATT&CK M1047, "
		        "M1032); "
		        "block external auto-forwarding (outbound spam policy; "
		        "Get-RemoteDomain | fl Name,AutoForwardEnabled). "
		        "mailhunt runs none of this.",
		        mb, mb);
	} else if (mechs & (1u << M_MBX_FWD)) {
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, mailbox forwarding: "
		        "Get-Mailbox %s | fl ForwardingSmtpAddress,"
		        "ForwardingAddress,DeliverToMailboxAndForward; "
		        "Get-TransportRule | fl Name,State,BlindCopyTo,CopyTo,"
		        "RedirectMessageTo; Get-InboxRule -Mailbox %s "
		        "-IncludeHidden | fl Name,ForwardTo,RedirectTo,"
		        "ForwardAsAttachmentTo; search the unified audit log "
		        "for Set-Mailbox and New-/Set-TransportRule for who "
		        "set "
		        "it; clear unapproved forwarding, revoke the sessions "
		        "and reset the credentials of the accounts involved "
		        "(ATT&CK M1047, M1032); block external auto-forwarding "
		        "(outbound spam policy; Get-RemoteDomain | fl "
		        "Name,AutoForwardEnabled). mailhunt runs none of this.",
		        mb, mb);
	} else {
		mh_buf_printf(
		        &b,
		        "Find what forwards the mail of %s (X-MailFwdBy / "
		        "X-Forwarded-To): the mailbox's forwarding settings at "
		        "the mail provider, server-side filters, ~/.forward or "
		        "Sieve scripts, and mail client rules; remove "
		        "unapproved forwarding and reset the credentials "
		        "(ATT&CK M1047, M1032). mailhunt runs none of this.",
		        mb);
	}
	return mh_buf_detach(&b, NULL);
}

struct mh_finding *mh_fw_new_finding(const char *rule, const char *title,
                                     enum mh_level level, int external,
                                     const char *mailbox, const char *dest,
                                     unsigned mechs)
{
	struct mh_finding *fd = mh_finding_new();
	if (!fd)
		return NULL;
	if (mh_finding_set_rule(fd, rule, title, "T1114.003", "collection")) {
		mh_finding_free(fd);
		return NULL;
	}
	fd->level = level;
	fd->external = external;
	/* Unknown sides are NULL in the finding (null in JSONL, "-" in the
	 * table, as docs/FORMATS.md says); the summary still says
	 * "unknown" in words. */
	int mknown = strcmp(mailbox, UNKNOWN) != 0;
	int dknown = strcmp(dest, UNKNOWN) != 0;
	fd->mailbox = mknown ? strdup(mailbox) : NULL;
	fd->destination = dknown ? strdup(dest) : NULL;
	fd->dest_domain = dknown ? strdup(mh_fw_domain_of(dest)) : NULL;
	fd->mechanism = mh_fw_mechs_text(mechs);
	fd->remediation = remediation(mechs, mailbox);
	fd->first_seen = fd->last_seen = MH_TS_NONE;
	if ((mknown && !fd->mailbox) || (dknown && !fd->destination) ||
	    (dknown && !fd->dest_domain) || !fd->mechanism ||
	    !fd->remediation) {
		mh_finding_free(fd);
		return NULL;
	}
	mh_finding_set_id(fd);
	return fd;
}

/* Insertion sort of v[0..n) by (file, offset): n is max_evidence. */
static void ev_sort(const struct ev_item **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && mh_fw_ev_cmp(v[j - 1], v[j]) > 0;
		     j--) {
			const struct ev_item *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Evidence of a pair: its audit records first (who set it up), then its
 * messages, each group in (file, offset) order. */
static int copy_evidence(struct mh_finding *fd, const struct agg *a)
{
	size_t n = a->naev + a->nev;
	if (!n)
		return MH_OK;
	const struct ev_item **v = malloc(n * sizeof(*v));
	fd->evidence = calloc(n, sizeof(*fd->evidence));
	if (!v || !fd->evidence) {
		free(v);
		return MH_ENOMEM;
	}
	for (size_t i = 0; i < a->naev; i++)
		v[i] = &a->aev[i];
	for (size_t i = 0; i < a->nev; i++)
		v[a->naev + i] = &a->ev[i];
	ev_sort(v, a->naev);
	ev_sort(v + a->naev, a->nev);
	int rc = MH_OK;
	for (size_t i = 0; i < n; i++) {
		struct mh_evidence *e = &fd->evidence[i];
		e->file = strdup(v[i]->file);
		e->offset = v[i]->offset;
		e->line = v[i]->line;
		e->message_id = v[i]->msgid ? strdup(v[i]->msgid) : NULL;
		e->header = v[i]->header ? strdup(v[i]->header) : NULL;
		e->ts = v[i]->ts;
		e->record = v[i]->record;
		e->fields = v[i]->fields ? strdup(v[i]->fields) : NULL;
		fd->nevidence++;
		if (!e->file || (v[i]->msgid && !e->message_id) ||
		    (v[i]->header && !e->header) ||
		    (v[i]->fields && !e->fields))
			rc = MH_ENOMEM;
	}
	free(v);
	return rc;
}

int mh_fw_push(struct mh_findings *out, struct mh_finding *fd, char *summary,
               const struct agg *evidence_from)
{
	fd->summary = summary;
	if (!summary || copy_evidence(fd, evidence_from) ||
	    mh_findings_push(out, fd)) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	return MH_OK;
}

static int pair_finding(struct mh_fwd *f, const struct agg *a,
                        struct mh_findings *out)
{
	/* An X.500 DN from the tenant's own records is one of its
	 * recipients. */
	int external = (a->aflags & AF_X500)
	                       ? 0
	                       : mh_fw_externality(f, a->mailbox, a->dest);
	const char *rule, *title;
	enum mh_level level;
	/* An email monitor is an administrator's copy, not the user's
	 * Gmail forwarding: judged as auto-forwarding. */
	if (a->mechs & (1u << M_GWS_ROUTING)) {
		rule = "MH-GWS-ROUTING";
		title = "Google Workspace mail routing changed";
		level = MH_LEVEL_MEDIUM;
	} else if (a->kind == K_GMAIL && !(a->mechs & (1u << M_GWS_MONITOR))) {
		rule = "MH-FWD-GMAIL";
		title = "Gmail / Google Workspace forwarding";
		level = external == 0  ? MH_LEVEL_LOW
		        : external > 0 ? MH_LEVEL_HIGH
		                       : MH_LEVEL_MEDIUM;
	} else if (a->kind == K_REDIRECT) {
		rule = "MH-FWD-REDIRECT";
		title = "Server-side redirect";
		level = external == 0 ? MH_LEVEL_LOW : MH_LEVEL_MEDIUM;
	} else if (external == 0) {
		rule = "MH-FWD-INT";
		title = "Internal auto-forwarding";
		level = MH_LEVEL_LOW;
	} else if (external > 0) {
		rule = "MH-FWD-EXT";
		title = "External auto-forwarding";
		level = MH_LEVEL_HIGH;
	} else {
		rule = "MH-FWD-EXT";
		title = strcmp(a->dest, UNKNOWN)
		                ? "Auto-forwarding, internal or external "
		                  "undecided"
		                : "Auto-forwarding to an unknown destination";
		level = MH_LEVEL_MEDIUM;
	}
	if (a->srcs & (S_AUDIT | S_SNAPSHOT))
		return mh_fw_audit_finding(f, a, rule, title, level, external,
		                           out);
	struct mh_finding *fd = mh_fw_new_finding(
	        rule, title, level, external, a->mailbox, a->dest, a->mechs);
	if (!fd)
		return MH_ENOMEM;
	fd->first_seen = a->first;
	fd->last_seen = a->last;
	mh_finding_count(fd, "auto_forwarded", a->autofwd);
	mh_finding_count(fd, "looks_forwarded", a->looks);
	char when[64];
	mh_fw_when_text(a->first, a->last, when, sizeof(when));
	struct mh_buf b = MH_BUF_INIT(4096);
	mh_buf_printf(&b,
	              "%llu message%s auto-forwarded from %s to %s %s (%s); "
	              "%llu of them look%s forwarded",
	              (unsigned long long)a->autofwd,
	              a->autofwd == 1 ? "" : "s", a->mailbox, a->dest, when,
	              external > 0    ? "external"
	              : external == 0 ? "internal"
	              : strcmp(a->dest, UNKNOWN)
	                      ? "internal or external undecided: no "
	                        "organisation domain known, give --org-domain"
	                      : "destination unknown",
	              (unsigned long long)a->looks, a->looks == 1 ? "s" : "");
	/* Audit records were read, and none set this pair up. */
	if (f->audit_records)
		mh_buf_adds(&b, "; seen only in mail: no rule or setting "
		                "for it in the audit records scanned");
	return mh_fw_push(out, fd, mh_buf_detach(&b, NULL), a);
}

/* MARK: - MH-FWD-RATIO */

/* What the artefacts of a forwarding mailbox say about copies that do not
 * look forwarded (spec MH-FWD-RATIO): the mechanism they name decides
 * what the finding concludes and where its remediation points. */
enum ratio_basis {
	R_UNNAMED, /* AutoForwarded, X-MailFwdBy, X-Forwarded-To only */
	R_RULE,    /* inbox rule: a redirect rule keeps the original */
	R_MAILBOX, /* ForwardingLoop / envelope Forwarded: note */
	R_BOTH,    /* both an inbox rule and mailbox forwarding */
};

static enum ratio_basis ratio_basis(unsigned arts)
{
	int rule = (arts & (A_EXO_RULES_LOOP | A_EXO_RULES_AGENT)) != 0;
	int mbx = (arts & (A_EXO_FWD_LOOP | A_JOURNAL_NOTE)) != 0;
	return rule && mbx ? R_BOTH
	       : rule      ? R_RULE
	       : mbx       ? R_MAILBOX
	                   : R_UNNAMED;
}

/* The conclusion of the summary, after "... but only K look forwarded". */
static const char *const ratio_says[] = {
        [R_UNNAMED] = "nothing in the headers names the mechanism, and "
                      "copies that do not look forwarded point to "
                      "forwarding set by an administrator "
                      "(ForwardingSmtpAddress, transport rule) rather "
                      "than by the user; investigate at admin level",
        [R_RULE] = "the headers name an inbox rule "
                   "(X-MS-Exchange-Inbox-Rules-Loop or the Mailbox Rules "
                   "Agent), and such copies are what a redirect inbox "
                   "rule sends: it keeps the original sender and subject, "
                   "where a forward rule writes a new \"FW:\" message; "
                   "review the mailbox's inbox rules",
        [R_MAILBOX] = "the headers name mailbox forwarding "
                      "(X-MS-Exchange-ForwardingLoop or a journal "
                      "envelope's Forwarded: note): ForwardingSmtpAddress "
                      "or ForwardingAddress, which passes each message on "
                      "unchanged and is set by an administrator or in the "
                      "mailbox's own forwarding settings; investigate at "
                      "admin level",
        [R_BOTH] = "the headers name both an inbox rule and mailbox "
                   "forwarding: a redirect inbox rule (which keeps the "
                   "original sender and subject) or ForwardingSmtpAddress "
                   "/ ForwardingAddress set on the mailbox; review the "
                   "inbox rules and the mailbox's forwarding",
};

static char *ratio_remediation(enum ratio_basis basis, const char *mailbox)
{
	char mb[ADDR_MAX + 2];
	struct mh_buf b = MH_BUF_INIT(4096);
	mh_fw_shell_arg(mailbox, mb, sizeof(mb));
	if (basis == R_RULE || basis == R_BOTH)
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, inbox rule that redirects "
		        "(copies keep the original sender): Get-InboxRule "
		        "-Mailbox %s -IncludeHidden | fl "
		        "Name,Enabled,RedirectTo,"
		        "ForwardTo,ForwardAsAttachmentTo,DeleteMessage,"
		        "StopProcessingRules; search the unified audit log for "
		        "New-InboxRule, Set-InboxRule and UpdateInboxRules on "
		        "this "
		        "mailbox for who created the rule and from where; "
		        "remove "
		        "an unapproved rule (Remove-InboxRule), revoke the "
		        "user's "
		        "sessions, reset the credentials and enforce MFA "
		        "(ATT&CK "
		        "M1047, M1032); block external auto-forwarding "
		        "(outbound "
		        "spam policy; Get-RemoteDomain | fl "
		        "Name,AutoForwardEnabled).%s",
		        mb,
		        basis == R_BOTH ? " " : " mailhunt runs none of this.");
	if (basis == R_MAILBOX || basis == R_BOTH)
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, mailbox forwarding (copies "
		        "pass on unchanged): Get-Mailbox %s | fl "
		        "ForwardingSmtpAddress,ForwardingAddress,"
		        "DeliverToMailboxAndForward; search the unified audit "
		        "log "
		        "for Set-Mailbox on this mailbox and check the "
		        "accounts "
		        "that ran it (administrators' sign-ins, MFA) or "
		        "whether "
		        "the user set it in the mailbox's settings; remove "
		        "unapproved forwarding, reset the credentials of the "
		        "accounts involved and revoke their sessions (ATT&CK "
		        "M1047, M1032). mailhunt runs none of this.",
		        mb);
	if (basis == R_UNNAMED)
		mh_buf_printf(
		        &b,
		        "Auto-forwarded copies that do not look forwarded, "
		        "with "
		        "nothing naming the mechanism, point to forwarding set "
		        "by "
		        "an administrator, not by the user: Exchange / "
		        "Microsoft "
		        "365: Get-Mailbox %s | fl ForwardingSmtpAddress,"
		        "ForwardingAddress,DeliverToMailboxAndForward; "
		        "Get-TransportRule | fl Name,State,BlindCopyTo,CopyTo,"
		        "RedirectMessageTo; search the unified audit log for "
		        "Set-Mailbox and New-/Set-TransportRule and check the "
		        "administrator accounts that ran them (sign-ins, MFA); "
		        "remove unapproved forwarding, reset the credentials "
		        "of "
		        "the accounts involved and revoke their sessions "
		        "(ATT&CK "
		        "M1047, M1032). mailhunt runs none of this.",
		        mb);
	return mh_buf_detach(&b, NULL);
}

/* Spec MH-FWD-RATIO: per forwarding mailbox, Exchange-style artefacts
 * only (Gmail and Sieve always pass the message on as it was). */
static int ratio_finding(struct mh_fwd *f, const char *mailbox,
                         const struct mbox_acc *b,
                         const struct mh_strmap_slot *const *v, size_t n,
                         struct mh_findings *out)
{
	if (!strcmp(mailbox, UNKNOWN) || b->exch_autofwd < 5 ||
	    b->exch_looks * 4 >= b->exch_autofwd)
		return MH_OK;
	const struct agg *top = NULL;
	int any_ext = 0, all_int = 1;
	unsigned arts = 0;
	size_t ndest = 0;
	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i]->val;
		if (!a || a->kind != K_EXCH || !a->autofwd ||
		    strcmp(a->mailbox, mailbox) != 0)
			continue;
		ndest++;
		int e = mh_fw_externality(f, a->mailbox, a->dest);
		any_ext |= e > 0;
		all_int &= e == 0;
		arts |= a->arts;
		/* Strictly more wins: ties go to the first in key order. */
		if (!top || a->autofwd > top->autofwd)
			top = a;
	}
	if (!top)
		return MH_OK;
	/* External when a destination is, internal when all are (then low,
	 * as MH-FWD-INT), else undecided. */
	int external = any_ext ? 1 : all_int ? 0 : -1;
	enum ratio_basis basis = ratio_basis(arts);
	enum mh_level level =
	        external == 0 ? MH_LEVEL_LOW
	        : external > 0 && b->exch_autofwd >= 20 &&
	                        b->exch_looks * 10 < b->exch_autofwd
	                ? MH_LEVEL_HIGH
	                : MH_LEVEL_MEDIUM;
	struct mh_finding *fd = mh_fw_new_finding(
	        "MH-FWD-RATIO",
	        "Auto-forwarded mail that does not look forwarded", level,
	        external, mailbox, top->dest, top->mechs);
	if (!fd)
		return MH_ENOMEM;
	free(fd->remediation);
	if (!(fd->remediation = ratio_remediation(basis, mailbox))) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	fd->first_seen = b->exch_first;
	fd->last_seen = b->exch_last;
	mh_finding_count(fd, "auto_forwarded", b->exch_autofwd);
	mh_finding_count(fd, "looks_forwarded", b->exch_looks);
	mh_finding_count(fd, "destinations", ndest);
	char when[64];
	mh_fw_when_text(b->exch_first, b->exch_last, when, sizeof(when));
	struct mh_buf s = MH_BUF_INIT(4096);
	mh_buf_printf(&s,
	              "%llu messages from %s carry auto-forward headers %s "
	              "but only %llu look forwarded: %s; %s",
	              (unsigned long long)b->exch_autofwd, mailbox, when,
	              (unsigned long long)b->exch_looks, ratio_says[basis],
	              external > 0    ? "a destination is external"
	              : external == 0 ? "every destination is internal"
	              : strcmp(top->dest, UNKNOWN)
	                      ? "internal or external undecided: no "
	                        "organisation domain known, give "
	                        "--org-domain"
	                      : "the destination is unknown");
	return mh_fw_push(out, fd, mh_buf_detach(&s, NULL), top);
}

/* Spec MH-FWD-JOURNAL: journal reports whose original could not be
 * analysed, one informational finding. */
static int journal_finding(struct mh_fwd *f, struct mh_findings *out)
{
	const struct agg *a = &f->jr;
	if (!a->autofwd)
		return MH_OK;
	struct mh_finding *fd = mh_finding_new();
	if (!fd)
		return MH_ENOMEM;
	if (mh_finding_set_rule(
	            fd, "MH-FWD-JOURNAL",
	            "Journal report whose original could not be analysed",
	            "T1114.003", "collection")) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	fd->level = MH_LEVEL_INFO;
	fd->external = -1;
	fd->first_seen = a->first;
	fd->last_seen = a->last;
	fd->remediation = strdup(
	        "The attached original message of these Exchange journal "
	        "reports was not analysed, so auto-forwarding recorded only in "
	        "it (X-MS-Exchange-* fields of the original) is not seen: "
	        "extract the message/rfc822 attachments of the reports listed "
	        "as evidence (decoding base64 or quoted-printable) to .eml "
	        "files and scan those; the envelope's Forwarded: notes were "
	        "analysed. mailhunt runs none of this.");
	if (!fd->remediation) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	mh_finding_set_id(fd);
	mh_finding_count(fd, "journal_reports", a->autofwd);
	for (size_t i = 0; i < J__WHY; i++)
		mh_finding_count(fd, mh_fw_jwhy_names[i], f->jr_why[i]);
	char when[64];
	mh_fw_when_text(a->first, a->last, when, sizeof(when));
	struct mh_buf b = MH_BUF_INIT(1024);
	mh_buf_printf(&b,
	              "%llu Exchange journal report%s %s whose attached "
	              "original message could not be analysed (%llu beyond "
	              "the body prefix read, %llu encoded, %llu without an "
	              "attached message, %llu unparseable): forwarding "
	              "recorded only in the original is not seen",
	              (unsigned long long)a->autofwd,
	              a->autofwd == 1 ? "" : "s", when,
	              (unsigned long long)f->jr_why[J_CUT],
	              (unsigned long long)f->jr_why[J_ENCODED],
	              (unsigned long long)f->jr_why[J_NOATTACH],
	              (unsigned long long)f->jr_why[J_BADINNER]);
	return mh_fw_push(out, fd, mh_buf_detach(&b, NULL), a);
}

int mh_fwd_findings(struct mh_fwd *f, struct mh_findings *out)
{
	const struct mh_strmap_slot **v = NULL, **mb = NULL;
	size_t n = 0, nmb = 0;
	int rc = MH_ENOMEM;

	/* Other names of a mailbox first: the pairs they make are the
	 * address's (org domains are built from what is left). */
	if (mh_fw_alias_resolve(f) || mh_fw_org_build(f) ||
	    mh_strmap_sorted(&f->aggs, &v, &n) ||
	    mh_strmap_sorted(&f->mboxes, &mb, &nmb))
		goto done;
	for (size_t i = 0; i < n; i++)
		if (v[i]->val && pair_finding(f, v[i]->val, out))
			goto done;
	for (size_t i = 0; i < nmb; i++)
		if (mb[i]->val &&
		    ratio_finding(f, mb[i]->key, mb[i]->val, v, n, out))
			goto done;
	if (mh_fw_many_findings(f, v, n, out))
		goto done;
	if (journal_finding(f, out))
		goto done;
	rc = MH_OK;
done:
	free(v);
	free(mb);
	return rc;
}
