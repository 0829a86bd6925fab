/* audadmin.c - what an administrator (or an intruder with an
 * administrator's rights) does to reach other people's mail: mailbox and
 * folder permissions (MH-AUD-PERM), impersonation and export roles
 * (MH-AUD-IMPERSONATION), eDiscovery searches and exports
 * (MH-AUD-EDISCOVERY), mailbox exports to files (MH-AUD-EXPORT),
 * vendor alerts about mail collection (MH-AUD-ALERT) and ActiveSync
 * device allow-listing (MH-AUD-ACTIVESYNC).
 *
 * Per record, from the cmdlet's parameters (audparam.def) and the names
 * in audadmin.def; two joins: an export request removed by its maker
 * within the hour, and an impersonation role removed soon after it was
 * given (aj_admin_join). Levels and false positives: docs/AUDIT.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analytics/audjudge.h"
#include "core/err.h"
#include "core/time.h"

#define REMOVE_WINDOW 3600 /* seconds: export or role removed after */

static const char *const read_roles[] = {
#define AUD_READROLE(r) r,
#include "analytics/audadmin.def"
};

struct mbxright {
	const char *right;
	enum mh_level level;
};
static const struct mbxright mbx_rights[] = {
#define AUD_MBXRIGHT(r, l) {r, l},
#include "analytics/audadmin.def"
};

static const char *const open_to[] = {
#define AUD_OPENTO(u) u,
#include "analytics/audadmin.def"
};

static const char *const web_paths[] = {
#define AUD_WEBPATH(t) t,
#include "analytics/audadmin.def"
};

static const char *const roles[] = {
#define AUD_ROLE(r) r,
#include "analytics/audadmin.def"
};

struct edisc {
	const char *op;
	enum mh_level level;
	const char *what;
};
static const struct edisc edisc_ops[] = {
#define AUD_EDISC(o, l, w) {o, l, w},
#include "analytics/audadmin.def"
};

struct alert {
	const char *name, *technique;
};
static const struct alert alerts[] = {
#define AUD_ALERT(n, t) {n, t},
#include "analytics/audadmin.def"
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Does the list text hold one of names[] as a whole item (items end at
 * ',', ';', white space, quotes and brackets)? Returns it, or NULL. */
static const char *list_has(struct mh_slice text, const char *const *names,
                            size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		for (size_t k = 0; k + l <= text.n; k++) {
			if (strncasecmp(text.p + k, names[i], l) != 0)
				continue;
			char b = k ? text.p[k - 1] : ' ';
			char e = k + l < text.n ? text.p[k + l] : ' ';
			if (strchr(" ,;\"'[]{}()\t", b) &&
			    strchr(" ,;\"'[]{}()\t", e))
				return names[i];
		}
	}
	return NULL;
}

/* Finish a finding: attrs done by the caller; mechanism, summary (already
 * set), remediation; then to the accumulator. */
static int finish(struct aj_acc *acc, struct mh_finding *f, const char *mech,
                  const char *remedy, struct mh_slice subject,
                  const struct mh_audit *a, int join)
{
	int rc = MH_OK;
	if (mech && !(f->mechanism = strdup(mech)))
		rc = MH_ENOMEM;
	if (!rc)
		rc = aj_remedy(f, remedy);
	if (rc || !f->summary) {
		mh_finding_free(f);
		return rc ? rc : MH_ENOMEM;
	}
	return aj_push(acc, f, subject, a, join);
}

static const char *who(const struct mh_finding *f)
{
	return f->actor ? f->actor : "the mailbox owner";
}

/* MARK: - permissions */

static const char REMEDY_PERM[] =
        "Confirm with the mailbox owner and the actor that this access is "
        "wanted (Get-MailboxPermission / Get-MailboxFolderPermission / "
        "Get-RecipientPermission on the mailbox); if not, take it back "
        "(Remove-MailboxPermission, Remove-MailboxFolderPermission, "
        "Remove-RecipientPermission, Set-Mailbox -GrantSendOnBehalfTo "
        "@{remove=...}) and read the grantee's MailItemsAccessed records "
        "since the grant.";

static int perm_finding(struct aj_acc *acc, const struct mh_event *ev,
                        enum mh_level lv, struct mh_slice mailbox,
                        struct mh_slice grantee, struct mh_slice rights,
                        struct mh_slice folder, const char *extra)
{
	const struct mh_audit *a = ev->audit;
	if (a->result == MH_AR_FAILED)
		lv = aj_down(lv);
	struct mh_finding *f = aj_new(ev, AJ_R_PERM, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	int rc = MH_OK;
	if (mailbox.n)
		rc = aj_set_str(&f->mailbox, mailbox);
	if (!rc)
		rc = aj_attr(f, "grantee", grantee);
	if (!rc)
		rc = aj_attr(f, "access_rights", rights);
	if (!rc)
		rc = aj_attr(f, "folder", folder);
	if (!rc)
		rc = mh_finding_attr(f, "tags", "attack.t1098.002");
	if (!rc)
		rc = aj_summary(
		        f, "%.*s given %.*s on %s%s%.*s%s by %s%s%s",
		        (int)grantee.n, grantee.p, (int)rights.n, rights.p,
		        f->mailbox ? f->mailbox : "an unknown mailbox",
		        folder.n ? " folder '" : "", (int)folder.n, folder.p,
		        folder.n ? "'" : "",
		        a->snapshot ? "a configuration export (time unknown)"
		                    : who(f),
		        extra ? "; " : "", extra ? extra : "");
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	char subj[512];
	snprintf(subj, sizeof(subj), "%.*s\x1f%.*s\x1f%.*s",
	         (int)(grantee.n < 200 ? grantee.n : 200), grantee.p,
	         (int)(rights.n < 100 ? rights.n : 100), rights.p,
	         (int)(folder.n < 150 ? folder.n : 150), folder.p);
	return finish(acc, f,
	              a->snapshot ? "exchange-permission-config"
	                          : "exchange-permission",
	              REMEDY_PERM, mh_slice_cstr(subj), a, AJ_JOIN_NONE);
}

/* "mailbox:\\Folder" -> mailbox and folder. */
static void split_folder_id(struct mh_slice id, struct mh_slice *mbx,
                            struct mh_slice *folder)
{
	*mbx = id;
	*folder = MH_SLICE_NULL;
	for (size_t i = 0; i < id.n; i++)
		if (id.p[i] == ':') {
			*mbx = mh_slice_make(id.p, i);
			*folder = mh_slice_make(id.p + i + 1, id.n - i - 1);
			return;
		}
}

static int everyone(struct mh_slice grantee)
{
	for (size_t i = 0; i < N(open_to); i++)
		if (mh_slice_ieq(grantee, mh_slice_cstr(open_to[i])))
			return 1;
	return 0;
}

static int perm(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (!a->snapshot && aj_system_identity(a->actor))
		return MH_OK; /* provisioning (group mailboxes, discovery) */
	struct mh_slice grantee = aj_pval(a, P_GRANTEE);
	struct mh_slice rights = aj_pval(a, P_RIGHTS);
	struct mh_slice id = aj_pval(a, P_IDENTITY);
	if (aj_is_op(a, "Add-MailboxPermission") ||
	    (a->snapshot && a->shape == MH_AS_CFG_MAILBOX_PERMISSION)) {
		if (!grantee.n || aj_system_identity(grantee) ||
		    aj_same_identity(grantee, a->mailbox) ||
		    aj_system_identity(a->mailbox))
			return MH_OK;
		if (a->snapshot && aj_true(aj_pnamed(a, "IsInherited")))
			return MH_OK;
		if (a->snapshot && aj_true(aj_pnamed(a, "Deny")))
			return MH_OK;
		enum mh_level lv = MH_LEVEL_INFO;
		int hit = 0;
		for (size_t i = 0; i < N(mbx_rights); i++) {
			const char *r[1] = {mbx_rights[i].right};
			if (list_has(rights, r, 1)) {
				hit = 1;
				if (mbx_rights[i].level > lv)
					lv = mbx_rights[i].level;
			}
		}
		if (!hit)
			return MH_OK;
		if (a->snapshot)
			lv = aj_down(
			        lv); /* exists today: maybe long-standing */
		return perm_finding(acc, ev, lv, a->mailbox, grantee, rights,
		                    MH_SLICE_NULL,
		                    a->snapshot ? "a standing grant" : NULL);
	}
	if (aj_is_op(a, "Add-RecipientPermission")) {
		const char *r[] = {"SendAs"};
		if (!grantee.n || !list_has(rights, r, 1) ||
		    aj_system_identity(grantee))
			return MH_OK;
		return perm_finding(acc, ev, MH_LEVEL_LOW, id, grantee, rights,
		                    MH_SLICE_NULL,
		                    "sending as the mailbox, not reading it");
	}
	if (aj_is_op(a, "Set-Mailbox")) {
		struct mh_slice sob = aj_pnamed(a, "GrantSendOnBehalfTo");
		if (!sob.n || mh_slice_ieq(sob, MH_SLICE_LIT("$null")))
			return MH_OK;
		return perm_finding(acc, ev, MH_LEVEL_LOW, a->mailbox, sob,
		                    MH_SLICE_LIT("SendOnBehalf"), MH_SLICE_NULL,
		                    "sending on behalf of the mailbox, not "
		                    "reading it");
	}
	if (aj_is_op(a, "Add-MailboxFolderPermission") ||
	    aj_is_op(a, "Set-MailboxFolderPermission") ||
	    (a->snapshot && a->shape == MH_AS_CFG_FOLDER_PERMISSION)) {
		struct mh_slice mbx, folder;
		split_folder_id(id.n ? id : a->object, &mbx, &folder);
		if (a->snapshot) {
			struct mh_slice fn = aj_pnamed(a, "FolderName");
			if (fn.n)
				folder = fn;
		}
		const char *role = list_has(rights, read_roles, N(read_roles));
		if (!grantee.n || !role || aj_system_identity(grantee) ||
		    aj_folder_kind(folder) == F_CALENDAR)
			return MH_OK;
		int all = everyone(grantee);
		if (a->snapshot && !all)
			return MH_OK; /* named delegates: the owner's choice */
		return perm_finding(acc, ev, MH_LEVEL_MEDIUM, mbx, grantee,
		                    rights, folder,
		                    all ? "everyone in the organisation can "
		                          "read it"
		                        : NULL);
	}
	if (aj_is_op(a, "ModifyFolderPermissions") ||
	    aj_is_op(a, "AddFolderPermissions") ||
	    aj_is_op(a, "UpdateFolderPermissions")) {
		const struct mh_field *mu =
		        mh_event_field(ev, "Item.ParentFolder.MemberUpn");
		const struct mh_field *mr =
		        mh_event_field(ev, "Item.ParentFolder.MemberRights");
		const struct mh_field *fp =
		        mh_event_field(ev, "Item.ParentFolder.Path");
		if (!mu || !mr)
			return MH_OK;
		struct mh_slice folder = fp ? fp->value : MH_SLICE_NULL;
		const char *rr[] = {"ReadAny"};
		if (!everyone(mu->value) || !list_has(mr->value, rr, 1) ||
		    aj_folder_kind(folder) == F_CALENDAR)
			return MH_OK;
		return perm_finding(acc, ev, MH_LEVEL_MEDIUM, a->mailbox,
		                    mu->value, mr->value, folder,
		                    "everyone in the organisation can read it");
	}
	return MH_OK;
}

/* MARK: - roles, exports, eDiscovery */

static int impersonation(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	struct mh_slice role = aj_pval(a, P_ROLE);
	const char *r = list_has(role, roles, N(roles));
	if (!r)
		return MH_OK;
	struct mh_slice to = aj_pval(a, P_GRANTEE);
	enum mh_level lv = MH_LEVEL_HIGH;
	if (a->result == MH_AR_FAILED)
		lv = aj_down(lv);
	struct mh_finding *f = aj_new(ev, AJ_R_IMPERSONATION, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	free(f->mailbox);
	f->mailbox = NULL;
	int rc = aj_attr(f, "role", role);
	if (!rc)
		rc = aj_attr(f, "grantee", to);
	if (!rc)
		rc = aj_summary(f,
		                "role '%s' assigned to %.*s by %s: it can read "
		                "(or export) every mailbox in its scope",
		                r, (int)(to.n ? to.n : 7),
		                to.n ? to.p : "someone", who(f));
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	return finish(acc, f, "exchange-role",
	              "Check Get-ManagementRoleAssignment -Role "
	              "ApplicationImpersonation (and 'Mailbox Import Export'): "
	              "who holds it, since when, for what application. Remove "
	              "assignments nobody can account for "
	              "(Remove-ManagementRoleAssignment) and read the "
	              "grantee's EWS MailItemsAccessed records.",
	              to, a, AJ_JOIN_ROLE);
}

static int webserved(struct mh_slice path)
{
	for (size_t i = 0; i < N(web_paths); i++)
		if (mh_slice_ifind(path, web_paths[i]) != (size_t)-1)
			return 1;
	return 0;
}

static int export_req(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	struct mh_slice path = aj_pval(a, P_FILEPATH);
	struct mh_slice filter = aj_pval(a, P_FILTER);
	struct mh_slice mbx = aj_pval(a, P_MAILBOX);
	int web = webserved(path);
	enum mh_level lv = web || filter.n ? MH_LEVEL_CRITICAL : MH_LEVEL_HIGH;
	if (a->result == MH_AR_FAILED)
		lv = aj_down(lv);
	struct mh_finding *f = aj_new(ev, AJ_R_EXPORT, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	int rc = mbx.n ? aj_set_str(&f->mailbox, mbx) : MH_OK;
	if (!rc)
		rc = aj_attr(f, "file_path", path);
	if (!rc)
		rc = aj_attr(f, "content_filter", filter);
	if (!rc)
		rc = aj_summary(
		        f, "export of %s to '%.*s' requested by %s%s%s",
		        f->mailbox ? f->mailbox : "a mailbox", (int)path.n,
		        path.p ? path.p : "", who(f),
		        web ? "; the file lands where a web server serves it "
		              "(the ProxyShell way of taking mail out)"
		            : "",
		        filter.n ? "; a content filter picks what is exported"
		                 : "");
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	return finish(acc, f, "exchange-export",
	              "Get-MailboxExportRequest | fl Mailbox,FilePath,Status "
	              "and Get-MailboxExportRequestStatistics: find the PST, "
	              "who can read the share or web path, and whether it was "
	              "downloaded (IIS logs for .pst/.aspx under the path). "
	              "Remove the 'Mailbox Import Export' role from whoever "
	              "should not hold it.",
	              path, a, AJ_JOIN_EXPORT);
}

static int ediscovery(struct aj_acc *acc, const struct mh_event *ev,
                      const struct edisc *e)
{
	const struct mh_audit *a = ev->audit;
	enum mh_level lv = e->level;
	struct mh_slice act = MH_SLICE_NULL;
	if (aj_is_op(a, "New-ComplianceSearchAction")) {
		if (aj_pnamed(a, "Purge").n || mh_audit_param(a, "Purge", NULL))
			return MH_OK; /* deletes, does not collect */
		if (mh_audit_param(a, "Export", NULL)) {
			lv = MH_LEVEL_HIGH;
			act = MH_SLICE_LIT("Export");
		}
	}
	struct mh_slice scope = aj_pval(a, P_SEARCH_SCOPE);
	if (aj_is_op(a, "Search-Mailbox") && aj_pnamed(a, "TargetMailbox").n)
		lv = MH_LEVEL_HIGH; /* results copied to another mailbox */
	if (a->result == MH_AR_FAILED)
		lv = aj_down(lv);
	struct mh_finding *f = aj_new(ev, AJ_R_EDISCOVERY, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	struct mh_slice query = aj_pval(a, P_FILTER);
	struct mh_slice fmt = aj_pnamed(a, "Format");
	if (!fmt.n)
		fmt = aj_pnamed(a, "ExportFormat");
	int rc = aj_attr(f, "query", query);
	if (!rc)
		rc = aj_attr(f, "scope", scope);
	if (!rc)
		rc = aj_attr(f, "action", act);
	if (!rc)
		rc = aj_attr(f, "format", fmt);
	if (!rc)
		rc = aj_summary(f, "%s %s%s%.*s%s%s%.*s%s", who(f), e->what,
		                scope.n ? " over '" : "", (int)scope.n,
		                scope.p ? scope.p : "", scope.n ? "'" : "",
		                query.n ? " for '" : "", (int)query.n,
		                query.p ? query.p : "", query.n ? "'" : "");
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	/* One search is one finding, whatever the operation: its name
	 * (SearchName, Name, Identity, or the ObjectId without the
	 * "_Export" an action adds). */
	struct mh_slice subj = aj_pval(a, P_SEARCH_NAME);
	if (!subj.n)
		subj = aj_pnamed(a, "Name");
	if (!subj.n)
		subj = aj_pval(a, P_IDENTITY);
	if (!subj.n) {
		subj = mh_slice_trim(a->object);
		static const char *const sfx[] = {"_Export", "_Preview",
		                                  "_Purge"};
		for (size_t i = 0; i < N(sfx); i++) {
			size_t l = strlen(sfx[i]);
			if (subj.n > l &&
			    !strncasecmp(subj.p + subj.n - l, sfx[i], l))
				subj.n -= l;
		}
	}
	if (!rc)
		rc = aj_attr(f, "search", subj);
	/* The mailboxes searched, when named ("All" is every one). */
	free(f->mailbox);
	f->mailbox = NULL;
	if (!rc && scope.n && !mh_slice_ieq(scope, MH_SLICE_LIT("All")))
		rc = aj_set_str(&f->mailbox, scope);
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	return finish(acc, f, "ediscovery",
	              "Check in Purview (Content search, eDiscovery cases) "
	              "who ran this search, under which case and approval, "
	              "and whether its results were exported or downloaded "
	              "(SearchExported, SearchExportDownloaded). A search "
	              "nobody can tie to a legal or HR request is mail "
	              "collection.",
	              subj, a, AJ_JOIN_NONE);
}

static int activesync(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	struct mh_slice dev = aj_pval(a, P_DEVICE);
	if (!dev.n || mh_slice_ieq(dev, MH_SLICE_LIT("$null")))
		return MH_OK;
	enum mh_level lv = MH_LEVEL_LOW;
	if (a->result == MH_AR_FAILED)
		lv = aj_down(lv);
	struct mh_finding *f = aj_new(ev, AJ_R_ACTIVESYNC, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	int rc = aj_attr(f, "device_ids", dev);
	if (!rc)
		rc = aj_summary(
		        f,
		        "ActiveSync device '%.*s' allow-listed for %s by "
		        "%s: a phone or tool that syncs the whole mailbox",
		        (int)dev.n, dev.p,
		        f->mailbox ? f->mailbox : "a mailbox", who(f));
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	return finish(
	        acc, f, "exchange-activesync",
	        "Get-MobileDevice -Mailbox <mailbox> | fl "
	        "DeviceId,DeviceModel,FirstSyncTime,UserDisplayName: "
	        "confirm the device is the owner's; if not, "
	        "Set-CASMailbox -ActiveSyncAllowedDeviceIDs @{remove=...} "
	        "and Remove-MobileDevice, and treat the account as "
	        "compromised.",
	        dev, a, AJ_JOIN_NONE);
}

/* MARK: - alerts */

static const struct alert *alert_of(struct mh_slice name)
{
	for (size_t i = 0; i < N(alerts); i++)
		if (mh_slice_ifind(name, alerts[i].name) != (size_t)-1)
			return &alerts[i];
	return NULL;
}

static enum mh_level vendor_level(struct mh_slice s)
{
	if (mh_slice_ifind(s, "high") != (size_t)-1)
		return MH_LEVEL_HIGH;
	if (mh_slice_ifind(s, "medium") != (size_t)-1)
		return MH_LEVEL_MEDIUM;
	if (mh_slice_ifind(s, "low") != (size_t)-1)
		return MH_LEVEL_LOW;
	if (mh_slice_ifind(s, "info") != (size_t)-1)
		return MH_LEVEL_INFO;
	return MH_LEVEL_MEDIUM;
}

static struct mh_slice field(const struct mh_event *ev, const char *name)
{
	const struct mh_field *fd = mh_event_field(ev, name);
	return fd ? mh_slice_trim(fd->value) : MH_SLICE_NULL;
}

static int alert(struct aj_acc *acc, const struct mh_event *ev)
{
	struct mh_slice name = MH_SLICE_NULL;
	static const char *const keys[] = {"Name", "AlertName", "Title",
	                                   "riskEventType", "AlertType"};
	const struct alert *al = NULL;
	for (size_t i = 0; i < N(keys) && !al; i++) {
		name = field(ev, keys[i]);
		if (name.n)
			al = alert_of(name);
	}
	if (!al)
		return MH_OK;
	struct mh_slice sev = field(ev, "Severity");
	if (!sev.n)
		sev = field(ev, "riskLevel");
	enum mh_level lv = vendor_level(sev);
	struct mh_finding *f =
	        aj_new(ev, AJ_R_ALERT, lv, al->technique, "collection");
	if (!f)
		return MH_ENOMEM;
	int rc = MH_OK;
	if (!ev->audit) {
		struct mh_slice u = field(ev, "userPrincipalName");
		if (u.n)
			rc = aj_set_str(&f->mailbox, u);
		struct mh_slice ip = field(ev, "ipAddress");
		if (!rc && ip.n)
			rc = aj_set_str(&f->client_ip, ip);
		/* A plain record has no typed view: its key fields here. */
		struct mh_slice id = field(ev, "id");
		if (!rc && asprintf(&f->evidence[0].fields,
		                    "riskEventType=%.*s; riskLevel=%.*s; "
		                    "userPrincipalName=%.*s; ipAddress=%.*s; "
		                    "id=%.*s",
		                    (int)name.n, name.p ? name.p : "",
		                    (int)sev.n, sev.p ? sev.p : "", (int)u.n,
		                    u.p ? u.p : "", (int)ip.n, ip.p ? ip.p : "",
		                    (int)id.n, id.p ? id.p : "") < 0) {
			f->evidence[0].fields = NULL;
			rc = MH_ENOMEM;
		}
	}
	if (!rc)
		rc = aj_attr(f, "alert", name);
	if (!rc)
		rc = aj_attr(f, "vendor_severity", sev);
	if (!rc)
		rc = aj_summary(f, "vendor alert '%.*s' (severity %.*s)%s%s",
		                (int)name.n, name.p, (int)(sev.n ? sev.n : 7),
		                sev.n ? sev.p : "unknown",
		                f->mailbox ? " about " : "",
		                f->mailbox ? f->mailbox : "");
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	struct mh_slice id = field(ev, "AlertId");
	return finish(acc, f, "vendor-alert",
	              "Open the alert in the Microsoft Defender portal (or "
	              "Entra ID Protection) and follow its evidence; this "
	              "finding passes it through with the vendor's severity.",
	              id.n ? id : name, ev->audit, AJ_JOIN_NONE);
}

/* MARK: - per event */

/* Every operation aj_admin_event reads: any holding "Permission"
 * (Add-MailboxPermission, Add-MailboxFolderPermission, ...), the
 * eDiscovery ones of audadmin.def, and every alert record (RecordType
 * 40) whatever its operation. */
const char *const aj_admin_ops[] = {
        "*Permission",
        "Set-Mailbox",
        "New-ManagementRoleAssignment",
        "Remove-ManagementRoleAssignment",
        "New-MailboxExportRequest",
        "Remove-MailboxExportRequest",
        "Set-CASMailbox",
#define AUD_EDISC(o, l, w) o,
#include "analytics/audadmin.def"
        "AlertTriggered",
        "AlertEntityGenerated",
        "#40",
        NULL,
};

int aj_admin_event(struct aj_acc *acc, const struct mh_event *ev)
{
	if (ev->kind == MH_EV_RECORD)
		return mh_event_field(ev, "riskEventType") ? alert(acc, ev)
		                                           : MH_OK;
	const struct mh_audit *a = ev->audit;
	if (!a || !a->operation.n || a->source != MH_AUDIT_M365)
		return MH_OK;
	struct mh_slice op = a->operation;
	int rc;
	if (a->snapshot)
		return a->shape == MH_AS_CFG_MAILBOX_PERMISSION ||
		                       a->shape == MH_AS_CFG_FOLDER_PERMISSION
		               ? perm(acc, ev)
		               : MH_OK;
	if (mh_slice_ifind(op, "Permission") != (size_t)-1 ||
	    aj_is_op(a, "Set-Mailbox"))
		return perm(acc, ev);
	if (aj_is_op(a, "New-ManagementRoleAssignment"))
		return impersonation(acc, ev);
	if (aj_is_op(a, "Remove-ManagementRoleAssignment"))
		return aj_step(acc, ev, S_ROLE_REMOVE, a->actor, NULL);
	if (aj_is_op(a, "New-MailboxExportRequest"))
		return export_req(acc, ev);
	if (aj_is_op(a, "Remove-MailboxExportRequest"))
		return aj_step(acc, ev, S_EXPORT_REMOVE, a->actor, NULL);
	if (aj_is_op(a, "Set-CASMailbox"))
		return activesync(acc, ev);
	for (size_t i = 0; i < N(edisc_ops); i++)
		if (aj_is_op(a, edisc_ops[i].op))
			return ediscovery(acc, ev, &edisc_ops[i]);
	if (aj_is_op(a, "AlertTriggered") ||
	    aj_is_op(a, "AlertEntityGenerated") || a->record_type == 40) {
		if ((rc = alert(acc, ev)))
			return rc;
	}
	return MH_OK;
}

/* MARK: - joins */

/* The first step of kind by user in [t, t + REMOVE_WINDOW]. */
static const struct aj_step *removal(const struct aj_acc *acc, int kind,
                                     const char *user, int64_t t)
{
	for (size_t i = 0; i < acc->nsteps; i++) {
		const struct aj_step *s = &acc->steps[i];
		if (s->kind == kind && !strcmp(s->user, user) && s->ts >= t &&
		    s->ts <= t + REMOVE_WINDOW)
			return s;
	}
	return NULL;
}

int aj_admin_join(struct aj_acc *acc)
{
	for (size_t i = 0; i < acc->nhits; i++) {
		struct aj_hit *h = &acc->hits[i];
		if (h->join == AJ_JOIN_NONE || !h->actor || h->ts == MH_TS_NONE)
			continue;
		int kind = h->join == AJ_JOIN_EXPORT ? S_EXPORT_REMOVE
		                                     : S_ROLE_REMOVE;
		const struct aj_step *s = removal(acc, kind, h->actor, h->ts);
		if (!s)
			continue;
		struct mh_finding *f = h->f;
		char note[160];
		snprintf(note, sizeof(note),
		         "removed by the same actor %lld s later",
		         (long long)(s->ts - h->ts));
		int rc = mh_finding_attr(f, "removed", note);
		if (!rc)
			rc = aj_add_step_evidence(f, s, acc->max_evidence);
		if (!rc && h->join == AJ_JOIN_EXPORT) {
			/* Exported, then the request (and its trace in
			 * Get-MailboxExportRequest) removed. */
			f->level = MH_LEVEL_CRITICAL;
			rc = aj_summary(f,
			                "%s; the request was %s (the trace "
			                "wiped)",
			                f->summary, note);
		} else if (!rc) {
			rc = aj_summary(f,
			                "%s; %s (the MailSniper pattern: "
			                "take the role, read, give it back)",
			                f->summary, note);
		}
		if (rc)
			return rc;
	}
	return MH_OK;
}
