/* audposture.c - settings that let mail leave or go unrecorded, from
 * configuration exports and from the records of their change:
 * MH-CFG-REMOTEDOMAIN (Exchange remote domains that allow automatic
 * forwarding), MH-CFG-GMAILFWD (Google Workspace lets users forward
 * automatically), MH-CFG-AUDITBYPASS (a mailbox whose actions are not
 * audited). docs/AUDIT.md gives the levels and false positives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audjudge.h"
#include "core/err.h"

static int push(struct aj_acc *acc, struct mh_finding *f, const char *mech,
                const char *remedy, struct mh_slice subject,
                const struct mh_audit *a, int rc)
{
	if (!rc && !(f->mechanism = strdup(mech)))
		rc = MH_ENOMEM;
	if (!rc)
		rc = aj_remedy(f, remedy);
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	return aj_push(acc, f, subject, a, AJ_JOIN_NONE);
}

static int remote_domain(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	struct mh_slice on = aj_pval(a, P_AUTOFWD);
	if (!aj_true(on))
		return MH_OK;
	struct mh_slice dom = aj_pval(a, P_DOMAIN);
	if (!dom.n)
		dom = a->snapshot ? a->object : aj_pval(a, P_IDENTITY);
	int all = mh_slice_ieq(dom, MH_SLICE_LIT("*")) ||
	          mh_slice_ieq(dom, MH_SLICE_LIT("Default"));
	/* The default "*" lets every inbox rule and mailbox forward
	 * anywhere; a named domain is a deliberate door (or one an
	 * intruder opened, when the change is in the log). */
	enum mh_level lv = all || !a->snapshot ? MH_LEVEL_MEDIUM : MH_LEVEL_LOW;
	if (a->result == MH_AR_FAILED)
		lv = MH_LEVEL_LOW;
	struct mh_finding *f =
	        aj_new(ev, AJ_R_CFG_REMOTEDOMAIN, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	free(f->mailbox);
	f->mailbox = NULL;
	int rc = aj_attr(f, "remote_domain", dom);
	if (!rc)
		rc = aj_summary(
		        f,
		        "remote domain '%.*s' allows automatic forwarding%s "
		        "(%s)",
		        (int)dom.n, dom.p,
		        all ? " to every outside domain" : "",
		        a->snapshot ? "configuration export, time unknown"
		                    : "changed in the audit log");
	return push(acc, f, "exchange-remote-domain",
	            "Get-RemoteDomain | ft Name,DomainName,AutoForwardEnabled: "
	            "unless the organisation forwards to that domain on "
	            "purpose, Set-RemoteDomain -Identity <name> "
	            "-AutoForwardEnabled $false, and set the outbound spam "
	            "policy's AutoForwardingMode to Off; then look for the "
	            "forwarding it let through (scan the mail and the inbox "
	            "rules).",
	            dom, a, rc);
}

/* A Google Workspace admin event that changes a Gmail setting: each
 * event of the activity (ops[]) with its SETTING_NAME and NEW_VALUE. */
static int gmail_setting(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	for (size_t k = 0; k < a->nops; k++) {
		struct mh_slice name =
		        aj_pval_op(a, P_GWS_SETTING, (unsigned)k);
		if (mh_slice_ifind(name, "ENABLE_EMAIL_AUTOFORWARDING") ==
		            (size_t)-1 &&
		    mh_slice_ifind(name, "enableAutoForwarding") == (size_t)-1)
			continue;
		struct mh_slice nv = aj_pval_op(a, P_GWS_NEWVALUE, (unsigned)k);
		if (!aj_true(nv) && !mh_slice_ieq(nv, MH_SLICE_LIT("enabled")))
			continue;
		struct mh_finding *f =
		        aj_new(ev, AJ_R_CFG_GMAILFWD, MH_LEVEL_LOW, NULL, NULL);
		if (!f)
			return MH_ENOMEM;
		free(f->mailbox);
		f->mailbox = NULL;
		int rc = aj_attr(f, "setting", name);
		if (!rc)
			rc = aj_summary(f,
			                "Gmail automatic forwarding allowed "
			                "(%.*s set to %.*s) by %s",
			                (int)name.n, name.p, (int)nv.n, nv.p,
			                f->actor ? f->actor
			                         : "an administrator");
		rc = push(acc, f, "gws-gmail-setting",
		          "Admin console, Apps > Google Workspace > Gmail > "
		          "End user access > Automatic forwarding: turn it off "
		          "unless the organisation needs it, then list users "
		          "with forwarding on (Gmail API "
		          "users.settings.autoForwarding, or the "
		          "email_forwarding_out_of_domain events).",
		          name, a, rc);
		if (rc)
			return rc;
	}
	return MH_OK;
}

static int audit_bypass(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (!aj_true(aj_pval(a, P_BYPASS)))
		return MH_OK;
	struct mh_slice id = aj_pval(a, P_IDENTITY);
	enum mh_level lv =
	        a->result == MH_AR_FAILED ? MH_LEVEL_MEDIUM : MH_LEVEL_HIGH;
	struct mh_finding *f = aj_new(ev, AJ_R_CFG_AUDITBYPASS, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	int rc = MH_OK;
	if (id.n) {
		free(f->mailbox);
		f->mailbox = strndup(id.p, id.n);
		if (!f->mailbox)
			rc = MH_ENOMEM;
	}
	if (!rc)
		rc = aj_summary(f,
		                "mailbox audit bypass turned on for %s by %s: "
		                "what this account does to any mailbox is no "
		                "longer recorded",
		                f->mailbox ? f->mailbox : "an account",
		                f->actor ? f->actor : "an administrator");
	return push(acc, f, "exchange-audit-bypass",
	            "Get-MailboxAuditBypassAssociation | ? "
	            "AuditBypassEnabled: only service accounts with a written "
	            "reason belong there; Set-MailboxAuditBypassAssociation "
	            "-Identity <account> -AuditBypassEnabled $false for the "
	            "rest, and treat what the account did meanwhile as "
	            "unrecorded.",
	            id, a, rc);
}

/* Every Microsoft 365 operation aj_posture_event reads. */
const char *const aj_posture_ops[] = {
        "Set-RemoteDomain",
        "New-RemoteDomain",
        "Set-MailboxAuditBypassAssociation",
        NULL,
};

int aj_posture_event(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (a->source == MH_AUDIT_GWS) {
		for (size_t k = 0; k < a->nops; k++)
			if (mh_slice_ifind(a->ops[k], "SETTING") != (size_t)-1)
				return gmail_setting(acc, ev);
		return MH_OK;
	}
	if ((a->snapshot && a->shape == MH_AS_CFG_REMOTE_DOMAIN) ||
	    aj_is_op(a, "Set-RemoteDomain") || aj_is_op(a, "New-RemoteDomain"))
		return remote_domain(acc, ev);
	if (aj_is_op(a, "Set-MailboxAuditBypassAssociation"))
		return audit_bypass(acc, ev);
	return MH_OK;
}
