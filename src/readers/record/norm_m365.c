/* norm_m365.c - Microsoft 365 / Exchange activity records in every shape
 * they are exported in, filled into the typed view (event/audit.h).
 *
 * The Management Activity API record is the model; the other shapes hold
 * it (Purview's AuditData, Defender's RawEventData, Graph's auditData) or
 * rename its keys (Sentinel's OfficeActivity columns), so one filler,
 * mh_norm_ual_fill, reads every key and its known aliases, and the
 * wrappers add what only they carry. Name/value lists (Parameters,
 * OperationProperties, ModifiedProperties, ExtendedProperties) become
 * parameters; so do the recipients inside UpdateInboxRules' RuleActions
 * and ServerRule (MH_AP_RULE_ACTION, named like New-InboxRule's
 * parameters), and the single "-Name value" string of Security &
 * Compliance cmdlets.
 */
#include <string.h>

#include "core/time.h"
#include "readers/record/rec.h"

/* MARK: - small helpers */

static int ci_contains(struct mh_slice s, const char *w)
{
	return mh_slice_ifind(s, w) != (size_t)-1;
}

static int first_text(struct nctx *c, const struct robj *o, const int *keys,
                      size_t n, struct mh_slice *out)
{
	*out = MH_SLICE_NULL;
	for (size_t i = 0; i < n; i++) {
		int rc = nc_key_text(c, o, keys[i], out);
		if (rc)
			return rc;
		if (out->n)
			return MH_OK;
	}
	return MH_OK;
}

/* A number or a name (RecordType, UserType, LogonType) read by of()
 * from the text of key k, else of k2 (-1: none) as FIRST does; an
 * integer, the usual value, is taken as of() reads its digits (0 to
 * 100000, else -1: audit.c lookup()) without making its text. */
static int key_num_slow(struct nctx *c, const struct robj *o, int k, int k2,
                        int (*of)(struct mh_slice), int *out)
{
	struct mh_slice t = MH_SLICE_NULL;
	const int keys[2] = {k, k2};
	for (size_t i = 0; i < 2 && keys[i] >= 0; i++) {
		const struct mh_jmember *m = &o->slot[keys[i]];
		if (o->have[keys[i]] && m->t == MH_JINT) {
			*out = m->i < 0 || m->i > 100000 ? -1 : (int)m->i;
			return MH_OK;
		}
		int rc = nc_key_text(c, o, keys[i], &t);
		if (rc)
			return rc;
		if (t.n)
			break;
	}
	*out = of(t);
	return MH_OK;
}

static inline int key_num(struct nctx *c, const struct robj *o, int k, int k2,
                          int (*of)(struct mh_slice), int *out)
{
	if (o->have[k] && o->slot[k].t == MH_JINT) {
		int64_t v = o->slot[k].i;
		*out = v < 0 || v > 100000 ? -1 : (int)v;
		return MH_OK;
	}
	return key_num_slow(c, o, k, k2, of, out);
}

/* FIRST's usual case: its first key a string that is not empty. */
static inline int first_str(const struct robj *o, int k, struct mh_slice *out)
{
	if (o->have[k] && o->slot[k].t == MH_JSTR && o->slot[k].s.n) {
		*out = o->slot[k].s;
		return 1;
	}
	return 0;
}

#define FIRST(c, o, out, k0, ...)                                              \
	(first_str(o, k0, out)                                                 \
	         ? MH_OK                                                       \
	         : first_text(c, o, (const int[]){k0, __VA_ARGS__},            \
	                      sizeof((const int[]){k0, __VA_ARGS__}) /         \
	                              sizeof(int),                             \
	                      out))

static struct mh_slice member_text(struct nctx *c, struct mh_jv obj,
                                   const char *key)
{
	struct mh_slice t = MH_SLICE_NULL;
	struct mh_jv v = mh_jv_get(obj, key);
	if (mh_jv_type(v) == MH_JARR || mh_jv_type(v) == MH_JOBJ)
		return t;
	(void)nc_text(c, nc_rv(v), -1, &t);
	return t;
}

/* MARK: - parameters */

/* "-Name value -Other 'quoted value' -Switch:$true": the Parameters of a
 * Security & Compliance cmdlet record (one string). */
static int cmdlet_string(struct nctx *c, struct mh_slice s, int src)
{
	const char *p = s.p, *e = s.p + s.n;
	while (p < e) {
		while (p < e && *p != '-')
			p++;
		if (p >= e)
			break;
		const char *ns = ++p;
		while (p < e && *p != ' ' && *p != ':' && *p != '\t')
			p++;
		struct mh_slice name = mh_slice_make(ns, (size_t)(p - ns));
		if (p < e && *p == ':')
			p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		const char *vs = p, *ve;
		if (p < e && (*p == '"' || *p == '\'')) {
			char q = *p++;
			vs = p;
			while (p < e && *p != q)
				p++;
			ve = p;
			if (p < e)
				p++;
		} else {
			/* Up to the next " -Name". */
			while (p < e && !(p > vs && p[-1] == ' ' && *p == '-' &&
			                  p + 1 < e &&
			                  ((p[1] | 0x20) >= 'a' &&
			                   (p[1] | 0x20) <= 'z')))
				p++;
			ve = p;
		}
		if (!name.n)
			continue;
		struct mh_slice v =
		        mh_slice_trim(mh_slice_make(vs, (size_t)(ve - vs)));
		if (nc_param(c, name, v.n ? v : MH_SLICE_NULL, MH_SLICE_NULL,
		             src, 0))
			return MH_ENOMEM;
	}
	return MH_OK;
}

/* One element of a Name/Value list: an object, or a string that is a
 * name alone (ModifiedProperties of item records). One call reads the
 * element's members (lists are on the hot path: every MailItemsAccessed
 * has OperationProperties). */
static int nv_element(struct nctx *c, struct mh_jv el, int src)
{
	enum mh_jtype t = mh_jv_type(el);
	if (t == MH_JSTR)
		return nc_param(c, mh_jv_str(el), MH_SLICE_NULL, MH_SLICE_NULL,
		                src, 0);
	if (t != MH_JOBJ)
		return MH_OK;
	struct mh_jmember m[8];
	size_t n = mh_jv_members(el, m, 8);
	struct mh_slice name = MH_SLICE_NULL, val = MH_SLICE_NULL,
	                newv = MH_SLICE_NULL, old = MH_SLICE_NULL;
	int have_val = 0;
	for (size_t i = 0; i < n && i < 8; i++) {
		struct mh_slice *dst = NULL;
		if (mh_slice_ieq(m[i].key, MH_SLICE_LIT("Name")))
			dst = &name;
		else if (mh_slice_ieq(m[i].key, MH_SLICE_LIT("Value")))
			dst = &val, have_val = 1;
		else if (mh_slice_ieq(m[i].key, MH_SLICE_LIT("NewValue")))
			dst = &newv;
		else if (mh_slice_ieq(m[i].key, MH_SLICE_LIT("OldValue")))
			dst = &old;
		if (!dst || m[i].t == MH_JARR || m[i].t == MH_JOBJ)
			continue;
		struct rv v = {m[i].t, m[i].v, m[i].s, m[i].i};
		if (nc_text(c, v, -1, dst))
			return MH_ENOMEM;
	}
	if (n > 8) { /* more members than looked at: by name */
		name = member_text(c, el, "Name");
		val = member_text(c, el, "Value");
		have_val = val.p != NULL;
		newv = member_text(c, el, "NewValue");
		old = member_text(c, el, "OldValue");
	}
	if (src == MH_AP_MODIFIED_PROPERTIES && !have_val)
		val = newv;
	else
		old = MH_SLICE_NULL;
	return name.n ? nc_param(c, name, val, old, src, 0) : MH_OK;
}

/* A Name/Value list, as a JSON array (or a string holding one), as params
 * of src. An object is one element or, without a Name, a map of names to
 * values. A string that is not JSON is the "-Name value" form for
 * Parameters, else one name. */
static int nv_params(struct nctx *c, struct rv v, int k, int src)
{
	struct mh_jv j;
	if (v.t == MH_JNONE || v.t == MH_JNULL)
		return MH_OK;
	int rc = nc_json(c, v, &j);
	if (rc == MH_ENOMEM)
		return rc;
	if (rc == MH_EFORMAT)
		return nc_skip(c, c->err->reason,
		               "'%s' holds broken JSON (%s), record skipped",
		               mh_rec_key_name(k), c->err->msg);
	if (rc == MH_ENOTFOUND) {
		if (v.t != MH_JSTR)
			return nc_skip(
			        c, MH_SKIP_MALFORMED,
			        "'%s' is neither a list nor text, record "
			        "skipped",
			        mh_rec_key_name(k));
		if (src == MH_AP_PARAMETERS)
			return cmdlet_string(c, v.s, src);
		return nc_param(c, mh_slice_trim(v.s), MH_SLICE_NULL,
		                MH_SLICE_NULL, src, 0);
	}
	struct mh_jit it;
	struct mh_slice key;
	struct mh_jv el;
	if (mh_jv_type(j) == MH_JOBJ) {
		if (mh_jv_type(mh_jv_get(j, "Name")) != MH_JNONE)
			return nv_element(c, j, src);
		(void)mh_jv_iter(j, &it);
		while (mh_jit_next(&it, &key, &el)) {
			struct mh_slice t = MH_SLICE_NULL;
			if (mh_jv_type(el) != MH_JARR &&
			    mh_jv_type(el) != MH_JOBJ &&
			    nc_text(c, nc_rv(el), -1, &t))
				return MH_ENOMEM;
			if (nc_param(c, key, t, MH_SLICE_NULL, src, 0))
				return MH_ENOMEM;
		}
		return MH_OK;
	}
	(void)mh_jv_iter(j, &it);
	while (mh_jit_next(&it, NULL, &el))
		if ((rc = nv_element(c, el, src)))
			return rc;
	return MH_OK;
}

/* Every string below v (depth-bounded) that names a recipient. */
static int recipients(struct nctx *c, struct mh_jv v, struct mh_slice name,
                      int depth)
{
	enum mh_jtype t = mh_jv_type(v);
	if (t == MH_JSTR) {
		struct mh_slice s = mh_slice_trim(mh_jv_str(v));
		if (s.n &&
		    (memchr(s.p, '@', s.n) || mh_slice_istarts(s, "/o=") ||
		     mh_slice_istarts(s, "ex:") ||
		     mh_slice_istarts(s, "smtp:")))
			return nc_param(c, name, s, MH_SLICE_NULL,
			                MH_AP_RULE_ACTION, 0);
		return MH_OK;
	}
	if ((t != MH_JARR && t != MH_JOBJ) || depth > 6)
		return MH_OK;
	struct mh_jit it;
	struct mh_jv el;
	(void)mh_jv_iter(v, &it);
	while (mh_jit_next(&it, NULL, &el))
		if (recipients(c, el, name, depth + 1))
			return MH_ENOMEM;
	return MH_OK;
}

/* One action of an Outlook rule: {"ActionType":"Forward","Recipients":
 * [...],"ForwardFlags":"None"}. Flags in MS-OXORULE terms: PreserveSender
 * is a redirect, AsAttachment a forward as an attachment. */
static int rule_action(struct nctx *c, struct mh_jv act)
{
	struct mh_slice type = member_text(c, act, "ActionType");
	if (!type.n)
		type = member_text(c, act, "Type");
	struct mh_slice flags = member_text(c, act, "ForwardFlags");
	const char *name = NULL;
	if (ci_contains(type, "redirect") ||
	    (ci_contains(type, "forward") &&
	     (ci_contains(flags, "preservesender") ||
	      ci_contains(flags, "redirect"))))
		name = "RedirectTo";
	else if (ci_contains(type, "forward") &&
	         (ci_contains(type, "attachment") ||
	          ci_contains(flags, "attachment")))
		name = "ForwardAsAttachmentTo";
	else if (ci_contains(type, "forward"))
		name = "ForwardTo";
	if (!name)
		return MH_OK;
	return recipients(c, mh_jv_get(act, "Recipients"), mh_slice_cstr(name),
	                  0);
}

/* The forward and redirect actions of an Outlook rule (UpdateInboxRules'
 * RuleActions, ServerRule): a list of actions, one action, or an object
 * with "Actions". */
static int rule_actions(struct nctx *c, struct mh_slice value)
{
	/* The literal prefilter: most rules neither forward nor redirect,
	 * and their JSON need not be parsed. */
	if (!ci_contains(value, "forward") && !ci_contains(value, "redirect"))
		return MH_OK;
	struct mh_jv j;
	struct rv v = {MH_JSTR, {NULL, 0}, value, 0};
	int rc = nc_json(c, v, &j);
	if (rc == MH_ENOMEM)
		return rc;
	if (rc != MH_OK)
		return MH_OK; /* not JSON: the parameter keeps the text */
	if (mh_jv_type(j) == MH_JOBJ) {
		struct mh_jv acts = mh_jv_get(j, "Actions");
		if (mh_jv_type(acts) != MH_JARR)
			return rule_action(c, j);
		j = acts;
	}
	struct mh_jit it;
	struct mh_jv act;
	(void)mh_jv_iter(j, &it);
	while (mh_jit_next(&it, NULL, &act))
		if ((rc = rule_action(c, act)))
			return rc;
	return MH_OK;
}

/* MARK: - the Management Activity API record */

/* The mailbox a cmdlet acted on: its Mailbox parameter, else Identity
 * (an inbox rule's "mailbox\\rule" gives the mailbox part); an inbox rule
 * cmdlet without either works on the caller's own mailbox. */
static void cmdlet_mailbox(struct nctx *c)
{
	struct mh_audit *a = c->a;
	const struct mh_audit_param *p = NULL;
	for (size_t i = 0; i < c->rs->nparams; i++) {
		const struct mh_audit_param *q = &c->rs->params[i];
		if (q->src != MH_AP_PARAMETERS || !q->value.n)
			continue;
		if (mh_slice_ieq(q->name, MH_SLICE_LIT("Mailbox"))) {
			p = q;
			break;
		}
		if (!p && mh_slice_ieq(q->name, MH_SLICE_LIT("Identity")))
			p = q;
	}
	int rule = ci_contains(a->operation, "InboxRule");
	if (p) {
		struct mh_slice v = p->value;
		if (rule && !mh_slice_ieq(p->name, MH_SLICE_LIT("Mailbox"))) {
			const char *bs = NULL;
			for (size_t i = 0; i < v.n; i++)
				if (v.p[i] == '\\')
					bs = v.p + i;
			if (!bs)
				return; /* a rule name alone */
			v.n = (size_t)(bs - v.p);
		}
		a->mailbox = v;
	} else if (rule) {
		a->mailbox = a->actor;
	}
}

int mh_norm_ual_fill(struct nctx *c, const struct robj *o)
{
	struct mh_audit *a = c->a;
	struct mh_slice t;
	int rc;
	a->source = MH_AUDIT_M365;
	if ((rc = nc_key_text(c, o, K_OPERATION, &a->operation)) ||
	    (rc = FIRST(c, o, &a->workload, K_WORKLOAD, K_OFFICEWORKLOAD)) ||
	    (rc = nc_key_text(c, o, K_USERID, &a->actor)) ||
	    (rc = nc_key_text(c, o, K_MAILBOXOWNERUPN, &a->mailbox)) ||
	    (rc = nc_key_text(c, o, K_MAILBOXGUID, &a->mailbox_guid)) ||
	    (rc = FIRST(c, o, &a->object, K_OBJECTID, K_OFFICEOBJECTID)) ||
	    (rc = FIRST(c, o, &a->app_id, K_APPID, K_APPLICATIONID)) ||
	    (rc = nc_key_text(c, o, K_CLIENTAPPID, &a->client_app_id)) ||
	    (rc = FIRST(c, o, &a->client_info, K_CLIENTINFOSTRING, K_USERAGENT,
	                K_CLIENTAPPLICATION)) ||
	    (rc = nc_key_text(c, o, K_RESULTSTATUS, &a->result_raw)) ||
	    (rc = FIRST(c, o, &a->org, K_ORGANIZATIONNAME, K_ORGANIZATIONID)) ||
	    (rc = FIRST(c, o, &a->id, K_ID, K_OFFICEID, K_SOURCERECORDID)))
		return rc;
	a->result = mh_audit_result(a->result_raw);
	if ((rc = key_num(c, o, K_RECORDTYPE, -1, mh_audit_record_type,
	                  &a->record_type)) ||
	    (rc = key_num(c, o, K_USERTYPE, -1, mh_audit_user_type,
	                  &a->user_type)) ||
	    (rc = key_num(c, o, K_LOGONTYPE, K_LOGON_TYPE, mh_audit_logon_type,
	                  &a->logon_type)))
		return rc;
	if (o->have[K_OPERATIONCOUNT] &&
	    o->slot[K_OPERATIONCOUNT].t == MH_JINT) {
		/* what the digits below read from its text */
		int64_t v = o->slot[K_OPERATIONCOUNT].i;
		a->op_count = v >= 0 && v <= 999999999999999999LL ? v : -1;
	} else if ((rc = nc_key_text(c, o, K_OPERATIONCOUNT, &t))) {
		return rc;
	} else if (t.n) {
		int64_t v = 0;
		size_t i = 0;
		for (; i < t.n && t.p[i] >= '0' && t.p[i] <= '9' && i < 18; i++)
			v = v * 10 + (t.p[i] - '0');
		a->op_count = i == t.n ? v : -1;
	}
	if ((rc = FIRST(c, o, &t, K_CREATIONTIME, K_TIMEGENERATED_UTC,
	                K_TIMEGENERATED)))
		return rc;
	a->ts = mh_audit_time(t);
	if ((rc = FIRST(c, o, &t, K_CLIENTIP, K_CLIENTIPADDRESS,
	                K_CLIENT_IPADDRESS, K_ACTORIPADDRESS)) ||
	    (rc = nc_client_ip(c, t)))
		return rc;

	/* (most records have one of the lists, or none) */
	if ((o->have[K_PARAMETERS] &&
	     (rc = nv_params(c, nc_get(o, K_PARAMETERS), K_PARAMETERS,
	                     MH_AP_PARAMETERS))) ||
	    (o->have[K_OPERATIONPROPERTIES] &&
	     (rc = nv_params(c, nc_get(o, K_OPERATIONPROPERTIES),
	                     K_OPERATIONPROPERTIES,
	                     MH_AP_OPERATION_PROPERTIES))) ||
	    (o->have[K_MODIFIEDPROPERTIES] &&
	     (rc = nv_params(c, nc_get(o, K_MODIFIEDPROPERTIES),
	                     K_MODIFIEDPROPERTIES,
	                     MH_AP_MODIFIED_PROPERTIES))) ||
	    (o->have[K_EXTENDEDPROPERTIES] &&
	     (rc = nv_params(c, nc_get(o, K_EXTENDEDPROPERTIES),
	                     K_EXTENDEDPROPERTIES, MH_AP_EXTENDED_PROPERTIES))))
		return rc;
	/* UpdateInboxRules: the recipients inside the rule. */
	size_t np = c->rs->nparams;
	for (size_t i = 0; i < np; i++) {
		const struct mh_audit_param *p = &c->rs->params[i];
		if (p->src == MH_AP_OPERATION_PROPERTIES && p->value.n &&
		    ((p->name.n == 11 && (p->name.p[0] | 0x20) == 'r') ||
		     (p->name.n == 10 && (p->name.p[0] | 0x20) == 's')) &&
		    (mh_slice_ieq(p->name, MH_SLICE_LIT("RuleActions")) ||
		     mh_slice_ieq(p->name, MH_SLICE_LIT("ServerRule"))) &&
		    (rc = rule_actions(c, p->value)))
			return rc;
	}
	/* Cmdlet records say the mailbox in their parameters (or it is the
	 * caller's, for inbox rules); sign-ins and file events have none. */
	if (!a->mailbox.n && (c->rs->nparams || a->record_type == 1))
		cmdlet_mailbox(c);
	return MH_OK;
}

static int ual_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (!nc_has(o, K_OPERATION) || nc_has(o, K_AUDITDATA) ||
	    nc_has(o, K_RAWEVENTDATA) || nc_has(o, K_OFFICEWORKLOAD) ||
	    nc_has(o, K_CMDLETNAME))
		return 0;
	int s = 30;
	if (nc_has(o, K_CREATIONTIME))
		s += 25;
	if (nc_has(o, K_RECORDTYPE))
		s += 20;
	if (nc_has(o, K_WORKLOAD))
		s += 15;
	if (nc_has(o, K_USERID) || nc_has(o, K_ORGANIZATIONID))
		s += 10;
	return s;
}

static int ual_fill(struct nctx *c)
{
	c->a->shape = MH_AS_UAL_API;
	return mh_norm_ual_fill(c, c->top);
}

const struct mh_norm mh_norm_ual_api = {"m365-ual-api", ual_match, ual_fill};

/* MARK: - records that hold one */

/* The record in v (an object, or JSON in a string or cell), indexed;
 * its text feeds the fields. A cut or broken JSON is the record's skip. */
static int held(struct nctx *c, struct rv v, int k, const char *const *path,
                size_t np, const struct robj **out)
{
	struct mh_jv j;
	int rc = nc_json(c, v, &j);
	if (rc == MH_ENOMEM)
		return rc;
	if (rc == MH_EFORMAT)
		return nc_skip(c, c->err->reason,
		               "'%s' holds %s JSON (%s), record skipped",
		               mh_rec_key_name(k),
		               c->err->reason == MH_SKIP_TRUNCATED ? "cut"
		                                                   : "broken",
		               c->err->msg);
	struct robj *o = rc == MH_OK ? nc_descend(c, j) : NULL;
	if (!o)
		return nc_skip(c, MH_SKIP_MALFORMED,
		               "'%s' holds no JSON record, record skipped",
		               mh_rec_key_name(k));
	if (v.t == MH_JSTR)
		nc_fields_from(c, v.s);
	else if (path)
		nc_fields_from(c, nc_member_text(c, path, np));
	*out = o;
	return MH_OK;
}

/* dst, when still empty, from key k of o. */
static int fallback(struct nctx *c, const struct robj *o, struct mh_slice *dst,
                    int k)
{
	if (dst->n)
		return MH_OK;
	return nc_key_text(c, o, k, dst);
}

/* Purview audit search / Search-UnifiedAuditLog: RecordType, CreationDate,
 * UserIds, Operations, AuditData (the record). */
static int purview_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (!nc_has(o, K_AUDITDATA) || nc_has(o, K_USERPRINCIPALNAME) ||
	    nc_has(o, K_CREATEDDATETIME) || nc_has(o, K_AUDITLOGRECORDTYPE))
		return 0;
	if (nc_has(o, K_OPERATIONS) || nc_has(o, K_CREATIONDATE) ||
	    nc_has(o, K_USERIDS) || nc_has(o, K_RECORDID) ||
	    nc_has(o, K_RECORDTYPE) || nc_has(o, K_OPERATION))
		return 85;
	return 60;
}

static int purview_fill(struct nctx *c)
{
	const struct robj *in = NULL;
	const char *path[] = {"AuditData"};
	int rc =
	        held(c, nc_get(c->top, K_AUDITDATA), K_AUDITDATA, path, 1, &in);
	if (rc)
		return rc;
	c->a->shape = MH_AS_UAL_SEARCH;
	if ((rc = mh_norm_ual_fill(c, in)) ||
	    (rc = fallback(c, c->top, &c->a->operation, K_OPERATIONS)) ||
	    (rc = fallback(c, c->top, &c->a->actor, K_USERIDS)) ||
	    (rc = fallback(c, c->top, &c->a->id, K_RECORDID)))
		return rc;
	if (c->a->ts == MH_TS_NONE) {
		struct mh_slice t;
		if ((rc = nc_key_text(c, c->top, K_CREATIONDATE, &t)))
			return rc;
		c->a->ts = mh_audit_time(t);
	}
	return MH_OK;
}

const struct mh_norm mh_norm_purview = {"m365-purview", purview_match,
                                        purview_fill};

/* Graph audit log query records: camelCase, the original in auditData. */
static int graph_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (!nc_has(o, K_AUDITDATA))
		return 0;
	if (nc_has(o, K_USERPRINCIPALNAME) || nc_has(o, K_CREATEDDATETIME) ||
	    nc_has(o, K_AUDITLOGRECORDTYPE))
		return 90;
	return 0;
}

static int graph_fill(struct nctx *c)
{
	const struct robj *in = NULL;
	const char *path[] = {"auditData"};
	int rc =
	        held(c, nc_get(c->top, K_AUDITDATA), K_AUDITDATA, path, 1, &in);
	if (rc)
		return rc;
	struct mh_audit *a = c->a;
	a->shape = MH_AS_GRAPH_AUDIT;
	if ((rc = mh_norm_ual_fill(c, in)))
		return rc;
	struct mh_slice t;
	if ((rc = fallback(c, c->top, &a->operation, K_OPERATION)) ||
	    (rc = fallback(c, c->top, &a->actor, K_USERPRINCIPALNAME)) ||
	    (rc = fallback(c, c->top, &a->actor, K_USERID)) ||
	    (rc = fallback(c, c->top, &a->workload, K_SERVICE)) ||
	    (rc = fallback(c, c->top, &a->object, K_OBJECTID)) ||
	    (rc = fallback(c, c->top, &a->id, K_ID)))
		return rc;
	if (a->ts == MH_TS_NONE) {
		if ((rc = nc_key_text(c, c->top, K_CREATEDDATETIME, &t)))
			return rc;
		a->ts = mh_audit_time(t);
	}
	if (!a->client_ip_raw.n) {
		if ((rc = nc_key_text(c, c->top, K_CLIENTIP, &t)) ||
		    (rc = nc_client_ip(c, t)))
			return rc;
	}
	if (a->record_type < 0) {
		if ((rc = nc_key_text(c, c->top, K_AUDITLOGRECORDTYPE, &t)))
			return rc;
		a->record_type = mh_audit_record_type(t);
	}
	return MH_OK;
}

const struct mh_norm mh_norm_graph_audit = {"m365-graph-audit", graph_match,
                                            graph_fill};

/* Defender XDR CloudAppEvents: an Advanced Hunting row (CSV or JSON) with
 * RawEventData, or the streaming API's {"category": "AdvancedHunting-
 * CloudAppEvents", "properties": {... RawEventData}}. */
static int defender_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (nc_has(o, K_RAWEVENTDATA))
		return 85;
	if (nc_has(o, K_PROPERTIES) && nc_has(o, K_CATEGORY))
		return 60;
	return 0;
}

static int defender_fill(struct nctx *c)
{
	const struct robj *row = c->top;
	int rc;
	const char *path[] = {"RawEventData", NULL};
	size_t np = 1;
	if (!nc_has(row, K_RAWEVENTDATA)) {
		struct mh_jv props;
		if (nc_json(c, nc_get(row, K_PROPERTIES), &props) != MH_OK ||
		    !(row = nc_descend(c, props)) ||
		    !nc_has(row, K_RAWEVENTDATA))
			return nc_skip(c, MH_SKIP_MALFORMED, "%s",
			               "'properties' holds no RawEventData, "
			               "record skipped");
		path[0] = "properties";
		path[1] = "RawEventData";
		np = 2;
	}
	const struct robj *in = NULL;
	if ((rc = held(c, nc_get(row, K_RAWEVENTDATA), K_RAWEVENTDATA, path, np,
	               &in)))
		return rc;
	struct mh_audit *a = c->a;
	a->shape = MH_AS_DEFENDER;
	if ((rc = mh_norm_ual_fill(c, in)))
		return rc;
	struct mh_slice t;
	if ((rc = fallback(c, row, &a->operation, K_ACTIONTYPE)) ||
	    (rc = fallback(c, row, &a->actor, K_ACCOUNTUPN)) ||
	    (rc = fallback(c, row, &a->actor, K_ACCOUNTID)) ||
	    (rc = fallback(c, row, &a->client_info, K_USERAGENT)) ||
	    (rc = nc_key_text(c, row, K_ACCOUNTTYPE, &a->actor_type)))
		return rc;
	if (a->ts == MH_TS_NONE) {
		if ((rc = nc_key_text(c, row, K_TIMESTAMP, &t)) ||
		    (!t.n && (rc = nc_key_text(c, c->top, K_TIME, &t))))
			return rc;
		a->ts = mh_audit_time(t);
	}
	if (!a->client_ip_raw.n) {
		if ((rc = nc_key_text(c, row, K_IPADDRESS, &t)) ||
		    (rc = nc_client_ip(c, t)))
			return rc;
	}
	return MH_OK;
}

const struct mh_norm mh_norm_defender = {"m365-defender", defender_match,
                                         defender_fill};

/* Sentinel OfficeActivity rows: the record's keys with a few renamed
 * (OfficeWorkload, Logon_Type, Client_IPAddress, OfficeObjectId,
 * OfficeId, TimeGenerated; names for RecordType and UserType), composite
 * values as JSON strings. mh_norm_ual_fill reads the aliases. */
static int sentinel_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (nc_has(o, K_AUDITDATA) || nc_has(o, K_RAWEVENTDATA))
		return 0;
	if (nc_has(o, K_OFFICEWORKLOAD))
		return 90;
	if (nc_has(o, K_OPERATION) && nc_has(o, K_SOURCERECORDID) &&
	    (nc_has(o, K_TIMEGENERATED) || nc_has(o, K_TIMEGENERATED_UTC)))
		return 80;
	return 0;
}

static int sentinel_fill(struct nctx *c)
{
	c->a->shape = MH_AS_SENTINEL;
	return mh_norm_ual_fill(c, c->top);
}

const struct mh_norm mh_norm_sentinel = {"m365-sentinel", sentinel_match,
                                         sentinel_fill};

/* Search-AdminAuditLog: CmdletName, CmdletParameters, ModifiedProperties,
 * Caller, ObjectModified, RunDate, Succeeded. No record Id: not
 * deduplicated. */
static int admin_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (!nc_has(o, K_CMDLETNAME))
		return 0;
	return nc_has(o, K_CALLER) || nc_has(o, K_RUNDATE) ? 90 : 55;
}

static int admin_fill(struct nctx *c)
{
	const struct robj *o = c->top;
	struct mh_audit *a = c->a;
	struct mh_slice t;
	int rc;
	a->source = MH_AUDIT_M365;
	a->shape = MH_AS_ADMIN_AUDIT;
	a->workload = MH_SLICE_LIT("Exchange");
	if ((rc = nc_key_text(c, o, K_CMDLETNAME, &a->operation)) ||
	    (rc = nc_key_text(c, o, K_CALLER, &a->actor)) ||
	    (rc = FIRST(c, o, &a->object, K_OBJECTMODIFIED, K_OBJECTID)) ||
	    (rc = nc_key_text(c, o, K_SUCCEEDED, &a->result_raw)) ||
	    (rc = nc_key_text(c, o, K_ORGANIZATIONNAME, &a->org)))
		return rc;
	a->result = mh_audit_result(a->result_raw);
	if ((rc = nc_key_text(c, o, K_RUNDATE, &t)))
		return rc;
	a->ts = mh_audit_time(t);
	if ((rc = FIRST(c, o, &t, K_CLIENTIP, K_CLIENTIPADDRESS)) ||
	    (rc = nc_client_ip(c, t)))
		return rc;
	if ((rc = nv_params(c, nc_get(o, K_CMDLETPARAMETERS),
	                    K_CMDLETPARAMETERS, MH_AP_PARAMETERS)) ||
	    (rc = nv_params(c, nc_get(o, K_MODIFIEDPROPERTIES),
	                    K_MODIFIEDPROPERTIES, MH_AP_MODIFIED_PROPERTIES)))
		return rc;
	cmdlet_mailbox(c);
	if (!a->mailbox.n)
		a->mailbox = a->object;
	return MH_OK;
}

const struct mh_norm mh_norm_admin_audit = {"exchange-admin-audit", admin_match,
                                            admin_fill};
