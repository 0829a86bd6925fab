/* norm_config.c - Exchange configuration snapshots: what Get-InboxRule
 * (also with -IncludeHidden), Get-Mailbox, Get-TransportRule,
 * Get-RemoteDomain, Get-MailboxPermission and Get-MailboxFolderPermission
 * list, exported with ConvertTo-Json or Export-Csv, and the files the
 * Microsoft-Extractor-Suite writes from them (MailboxRules.csv).
 *
 * A snapshot is state, not an action: snapshot = 1, no time, no record
 * Id (never deduplicated: two snapshots of one rule are two
 * observations). operation names the cmdlet that lists that state; every
 * property (column or member) is a parameter (MH_AP_COLUMN) under its
 * own name, lists one parameter per element, so the judgement reads a
 * rule's ForwardTo the same whether it came from a CSV cell or a JSON
 * array.
 */
#include <string.h>

#include "readers/record/rec.h"

/* None of the activity shapes' keys. */
static int activity(const struct robj *o)
{
	return nc_has(o, K_OPERATION) || nc_has(o, K_OPERATIONS) ||
	       nc_has(o, K_CMDLETNAME) || nc_has(o, K_AUDITDATA) ||
	       nc_has(o, K_EVENTS) || nc_has(o, K_PROTOPAYLOAD) ||
	       nc_has(o, K_RAWEVENTDATA);
}

static int any(const struct robj *o, const int *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nc_has(o, k[i]))
			return 1;
	return 0;
}

#define ANY(o, ...)                                                            \
	any(o, (const int[]){__VA_ARGS__},                                     \
	    sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* Every property as a parameter. */
static int props(struct nctx *c)
{
	const struct robj *o = c->top;
	if (o->row) {
		const struct mh_csv_row *row = o->row;
		for (size_t i = 0; i < row->ncells && i < c->rs->ncols; i++) {
			struct mh_slice v;
			if (mh_csv_text(&row->cells[i], &c->rs->arena, &v))
				return MH_ENOMEM;
			if (!v.n)
				continue;
			if (nc_param(c, c->rs->cols[i], v, MH_SLICE_NULL,
			             MH_AP_COLUMN, 0))
				return MH_ENOMEM;
		}
		return MH_OK;
	}
	struct mh_jit it;
	struct mh_slice key;
	struct mh_jv v;
	(void)mh_jv_iter(o->root, &it);
	while (mh_jit_next(&it, &key, &v)) {
		enum mh_jtype t = mh_jv_type(v);
		struct mh_slice s = MH_SLICE_NULL;
		if (t == MH_JARR) {
			struct mh_jit ei;
			struct mh_jv el;
			(void)mh_jv_iter(v, &ei);
			while (mh_jit_next(&ei, NULL, &el)) {
				if (mh_jv_type(el) == MH_JARR ||
				    mh_jv_type(el) == MH_JOBJ)
					continue;
				if (nc_text(c, nc_rv(el), -1, &s) ||
				    (s.n && nc_param(c, key, s, MH_SLICE_NULL,
				                     MH_AP_COLUMN, 0)))
					return MH_ENOMEM;
			}
			continue;
		}
		if (t == MH_JOBJ || t == MH_JNULL)
			continue;
		if (nc_text(c, nc_rv(v), -1, &s))
			return MH_ENOMEM;
		if (s.n && nc_param(c, key, s, MH_SLICE_NULL, MH_AP_COLUMN, 0))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static int first(struct nctx *c, struct mh_slice *out, const int *k, size_t n)
{
	*out = MH_SLICE_NULL;
	for (size_t i = 0; i < n; i++) {
		struct rv v = nc_get(c->top, k[i]);
		if (v.t == MH_JARR || v.t == MH_JOBJ)
			continue; /* an Identity object: not the text */
		int rc = nc_text(c, v, k[i], out);
		if (rc)
			return rc;
		if (out->n)
			return MH_OK;
	}
	return MH_OK;
}

#define FIRST(c, out, ...)                                                     \
	first(c, out, (const int[]){__VA_ARGS__},                              \
	      sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* "mailbox\\rule" or "mailbox:\\Folder": the mailbox part, or all. */
static struct mh_slice before(struct mh_slice s, const char *seps)
{
	for (size_t i = s.n; i > 0; i--)
		if (strchr(seps, s.p[i - 1]))
			return mh_slice_make(s.p, i - 1);
	return s;
}

static int snap(struct nctx *c, int shape, const char *cmdlet)
{
	struct mh_audit *a = c->a;
	a->source = MH_AUDIT_M365;
	a->shape = shape;
	a->snapshot = 1;
	a->workload = MH_SLICE_LIT("Exchange");
	a->operation = mh_slice_cstr(cmdlet);
	return props(c);
}

/* MARK: - Get-InboxRule */

static int rule_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (activity(o))
		return 0;
	if (nc_has(o, K_RULEIDENTITY))
		return 90;
	if (ANY(o, K_FORWARDTO, K_REDIRECTTO, K_FORWARDASATTACHMENTTO) &&
	    ANY(o, K_MAILBOXOWNERID, K_USERNAME, K_RULENAME, K_PRIORITY,
	        K_IDENTITY))
		return 80;
	if (nc_has(o, K_MAILBOXOWNERID) && nc_has(o, K_PRIORITY))
		return 70;
	return 0;
}

static int rule_fill(struct nctx *c)
{
	struct mh_audit *a = c->a;
	int rc = snap(c, MH_AS_CFG_INBOX_RULE, "Get-InboxRule");
	struct mh_slice id;
	if (rc ||
	    (rc = FIRST(c, &a->mailbox, K_MAILBOXOWNERID, K_USERNAME,
	                K_MAILBOX)) ||
	    (rc = FIRST(c, &id, K_IDENTITY, K_RULEIDENTITY)))
		return rc;
	a->object = id;
	if (!a->mailbox.n && id.n) {
		struct mh_slice m = before(id, "\\");
		if (m.n < id.n)
			a->mailbox = m;
	}
	return MH_OK;
}

const struct mh_norm mh_norm_cfg_inbox_rule = {"exchange-inbox-rules",
                                               rule_match, rule_fill};

/* MARK: - Get-Mailbox */

static int mailbox_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (activity(o) || nc_has(o, K_RULEIDENTITY))
		return 0;
	if (ANY(o, K_FORWARDINGSMTPADDRESS, K_FORWARDINGADDRESS,
	        K_DELIVERTOMAILBOXANDFORWARD) &&
	    ANY(o, K_PRIMARYSMTPADDRESS, K_USERPRINCIPALNAME, K_IDENTITY,
	        K_NAME))
		return 75;
	return 0;
}

static int mailbox_fill(struct nctx *c)
{
	struct mh_audit *a = c->a;
	int rc = snap(c, MH_AS_CFG_MAILBOX, "Get-Mailbox");
	if (rc ||
	    (rc = FIRST(c, &a->mailbox, K_PRIMARYSMTPADDRESS,
	                K_USERPRINCIPALNAME, K_IDENTITY, K_NAME)) ||
	    (rc = FIRST(c, &a->object, K_IDENTITY, K_NAME)))
		return rc;
	return MH_OK;
}

const struct mh_norm mh_norm_cfg_mailbox = {"exchange-mailboxes", mailbox_match,
                                            mailbox_fill};

/* MARK: - Get-TransportRule */

static int transport_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (activity(o) || ANY(o, K_FORWARDTO, K_REDIRECTTO, K_RULEIDENTITY))
		return 0;
	if (ANY(o, K_BLINDCOPYTO, K_COPYTO, K_REDIRECTMESSAGETO,
	        K_ADDTORECIPIENTS) &&
	    ANY(o, K_PRIORITY, K_NAME, K_IDENTITY))
		return 80;
	return 0;
}

static int transport_fill(struct nctx *c)
{
	int rc = snap(c, MH_AS_CFG_TRANSPORT_RULE, "Get-TransportRule");
	if (rc)
		return rc;
	return FIRST(c, &c->a->object, K_NAME, K_IDENTITY);
}

const struct mh_norm mh_norm_cfg_transport_rule = {
        "exchange-transport-rules", transport_match, transport_fill};

/* MARK: - Get-RemoteDomain */

static int remote_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (activity(o))
		return 0;
	return nc_has(o, K_DOMAINNAME) && nc_has(o, K_AUTOFORWARDENABLED) ? 85
	                                                                  : 0;
}

static int remote_fill(struct nctx *c)
{
	int rc = snap(c, MH_AS_CFG_REMOTE_DOMAIN, "Get-RemoteDomain");
	if (rc)
		return rc;
	return FIRST(c, &c->a->object, K_DOMAINNAME, K_NAME, K_IDENTITY);
}

const struct mh_norm mh_norm_cfg_remote_domain = {"exchange-remote-domains",
                                                  remote_match, remote_fill};

/* MARK: - permissions */

static int folder_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (activity(o))
		return 0;
	return nc_has(o, K_ACCESSRIGHTS) && nc_has(o, K_USER) &&
	                       nc_has(o, K_FOLDERNAME)
	               ? 85
	               : 0;
}

static int folder_fill(struct nctx *c)
{
	struct mh_audit *a = c->a;
	int rc = snap(c, MH_AS_CFG_FOLDER_PERMISSION,
	              "Get-MailboxFolderPermission");
	if (rc || (rc = FIRST(c, &a->object, K_IDENTITY)))
		return rc;
	/* The grantee is the User parameter. */
	a->mailbox = before(a->object, ":");
	return MH_OK;
}

const struct mh_norm mh_norm_cfg_folder_permission = {
        "exchange-folder-permissions", folder_match, folder_fill};

static int mbxperm_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (activity(o) || nc_has(o, K_FOLDERNAME))
		return 0;
	return nc_has(o, K_ACCESSRIGHTS) && nc_has(o, K_USER) &&
	                       ANY(o, K_IDENTITY, K_ISINHERITED)
	               ? 80
	               : 0;
}

static int mbxperm_fill(struct nctx *c)
{
	struct mh_audit *a = c->a;
	int rc = snap(c, MH_AS_CFG_MAILBOX_PERMISSION, "Get-MailboxPermission");
	if (rc || (rc = FIRST(c, &a->mailbox, K_IDENTITY)))
		return rc;
	a->object = a->mailbox;
	return MH_OK;
}

const struct mh_norm mh_norm_cfg_mailbox_permission = {
        "exchange-mailbox-permissions", mbxperm_match, mbxperm_fill};
