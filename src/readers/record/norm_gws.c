/* norm_gws.c - Google Workspace audit activities: the Admin SDK Reports
 * API (admin, gmail, login, user_accounts, token, takeout, ...), one per
 * line or inside API responses (jframe unwraps the pages), also in the
 * forms other tools keep them in ("events" as one object; Panther's with
 * the event's name, type and a parameter map at the top), and the Cloud
 * Logging form (protoPayload.metadata.event[]) that SigmaHQ's gworkspace
 * rules are written for.
 *
 * One activity is one event; its events[] are its operations (ops[]),
 * their parameters carry the index of their event (mh_audit_param.op).
 */
#include <string.h>

#include "readers/record/rec.h"

static struct mh_slice text_of(struct nctx *c, struct mh_jv v)
{
	struct mh_slice t = MH_SLICE_NULL;
	enum mh_jtype ty = mh_jv_type(v);
	if (ty != MH_JARR && ty != MH_JOBJ)
		(void)nc_text(c, nc_rv(v), -1, &t);
	return t;
}

static struct mh_slice member(struct nctx *c, struct mh_jv obj, const char *key)
{
	return text_of(c, mh_jv_get(obj, key));
}

/* "prefix.name" in the arena. */
static struct mh_slice joined(struct nctx *c, struct mh_slice a,
                              struct mh_slice b)
{
	char *d = mh_arena_alloc(&c->rs->arena, a.n + b.n + 2);
	if (!d)
		return MH_SLICE_NULL;
	memcpy(d, a.p, a.n);
	d[a.n] = '.';
	if (b.n)
		memcpy(d + a.n + 1, b.p, b.n);
	d[a.n + 1 + b.n] = '\0';
	return mh_slice_make(d, a.n + 1 + b.n);
}

static int gws_params(struct nctx *c, struct mh_jv params, int op,
                      struct mh_slice prefix, int depth);

/* One parameter: {"name": N, "value" | "boolValue" | "intValue" |
 * "multiValue" | "multiIntValue" | "multiStrValue" | "messageValue"}. */
static int gws_param(struct nctx *c, struct mh_jv p, int op,
                     struct mh_slice prefix, int depth)
{
	struct mh_slice name = member(c, p, "name");
	if (!name.n)
		return MH_OK;
	if (prefix.n) {
		name = joined(c, prefix, name);
		if (!name.p)
			return MH_ENOMEM;
	}
	static const char *const single[] = {"value", "boolValue", "intValue"};
	for (size_t i = 0; i < 3; i++) {
		struct mh_jv v = mh_jv_get(p, single[i]);
		if (mh_jv_type(v) != MH_JNONE)
			return nc_param(c, name, text_of(c, v), MH_SLICE_NULL,
			                MH_AP_GWS, op);
	}
	static const char *const multi[] = {"multiValue", "multiIntValue",
	                                    "multiStrValue"};
	for (size_t i = 0; i < 3; i++) {
		struct mh_jv v = mh_jv_get(p, multi[i]);
		if (mh_jv_type(v) != MH_JARR)
			continue;
		struct mh_jit it;
		struct mh_jv el;
		(void)mh_jv_iter(v, &it);
		while (mh_jit_next(&it, NULL, &el))
			if (nc_param(c, name, text_of(c, el), MH_SLICE_NULL,
			             MH_AP_GWS, op))
				return MH_ENOMEM;
		return MH_OK;
	}
	struct mh_jv msg = mh_jv_get(p, "messageValue");
	if (mh_jv_type(msg) == MH_JOBJ && depth < 4)
		return gws_params(c, mh_jv_get(msg, "parameter"), op, name,
		                  depth + 1);
	return nc_param(c, name, MH_SLICE_NULL, MH_SLICE_NULL, MH_AP_GWS, op);
}

/* A list of parameters, or a map {name: value} (Panther's form). */
static int gws_params(struct nctx *c, struct mh_jv params, int op,
                      struct mh_slice prefix, int depth)
{
	struct mh_jit it;
	struct mh_slice key;
	struct mh_jv el;
	enum mh_jtype t = mh_jv_type(params);
	if (t == MH_JARR) {
		(void)mh_jv_iter(params, &it);
		while (mh_jit_next(&it, NULL, &el)) {
			int rc = gws_param(c, el, op, prefix, depth);
			if (rc)
				return rc;
		}
	} else if (t == MH_JOBJ) {
		(void)mh_jv_iter(params, &it);
		while (mh_jit_next(&it, &key, &el)) {
			if (mh_jv_type(el) == MH_JARR) {
				struct mh_jit vi;
				struct mh_jv x;
				(void)mh_jv_iter(el, &vi);
				while (mh_jit_next(&vi, NULL, &x))
					if (nc_param(c, key, text_of(c, x),
					             MH_SLICE_NULL, MH_AP_GWS,
					             op))
						return MH_ENOMEM;
			} else if (nc_param(c, key, text_of(c, el),
			                    MH_SLICE_NULL, MH_AP_GWS, op)) {
				return MH_ENOMEM;
			}
		}
	}
	return MH_OK;
}

/* One event {"type", "name", "parameters"} as operation op. */
static int gws_event(struct nctx *c, struct mh_jv ev, const char *name_key,
                     const char *type_key, const char *params_key)
{
	int op = (int)c->rs->nops;
	struct mh_slice name = member(c, ev, name_key);
	if (!name.n)
		return MH_OK;
	if (nc_op(c, name))
		return MH_ENOMEM;
	if (op == 0)
		c->a->event_type = member(c, ev, type_key);
	return gws_params(c, mh_jv_get(ev, params_key), op, MH_SLICE_NULL, 0);
}

static int gws_events(struct nctx *c, struct mh_jv events, const char *name_key,
                      const char *type_key, const char *params_key)
{
	if (mh_jv_type(events) == MH_JOBJ)
		return gws_event(c, events, name_key, type_key, params_key);
	struct mh_jit it;
	struct mh_jv ev;
	if (mh_jv_iter(events, &it) != MH_OK)
		return MH_OK;
	while (mh_jit_next(&it, NULL, &ev)) {
		int rc = gws_event(c, ev, name_key, type_key, params_key);
		if (rc)
			return rc;
	}
	return MH_OK;
}

/* The mailbox the activity is about: a USER_EMAIL parameter (admin
 * events on a user), else for the user's own applications the actor. */
static void gws_mailbox(struct nctx *c)
{
	struct mh_audit *a = c->a;
	static const char *const keys[] = {"USER_EMAIL", "user_email",
	                                   "EMAIL_ADDRESS"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (size_t i = 0; i < c->rs->nparams; i++)
			if (c->rs->params[i].value.n &&
			    mh_slice_ieq(c->rs->params[i].name,
			                 mh_slice_cstr(keys[k]))) {
				a->mailbox = c->rs->params[i].value;
				return;
			}
	if (!mh_slice_ieq(a->workload, MH_SLICE_LIT("admin")))
		a->mailbox = a->actor;
}

/* MARK: - Reports API */

static int reports_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (!nc_has(o, K_ID) || nc_has(o, K_OPERATION) ||
	    nc_has(o, K_PROTOPAYLOAD))
		return 0;
	if (nc_has(o, K_EVENTS) && (nc_has(o, K_ACTOR) || nc_has(o, K_KIND)))
		return 90;
	if (nc_has(o, K_ACTOR) && nc_has(o, K_NAME))
		return 70; /* Panther: the event at the top */
	return 0;
}

static int reports_fill(struct nctx *c)
{
	const struct robj *o = c->top;
	struct mh_audit *a = c->a;
	int rc;
	a->source = MH_AUDIT_GWS;
	a->shape = MH_AS_GWS_REPORTS;
	struct rv idv = nc_get(o, K_ID), actv = nc_get(o, K_ACTOR);
	if (idv.t != MH_JOBJ || (actv.t != MH_JOBJ && actv.t != MH_JNONE))
		return nc_skip(c, MH_SKIP_MALFORMED, "%s",
		               "'id' or 'actor' is not an object, record "
		               "skipped");
	a->workload = member(c, idv.jv, "applicationName");
	a->ts = mh_audit_time(member(c, idv.jv, "time"));
	a->id = member(c, idv.jv, "uniqueQualifier");
	a->org = member(c, idv.jv, "customerId");
	if (actv.t == MH_JOBJ) {
		a->actor = member(c, actv.jv, "email");
		a->actor_type = member(c, actv.jv, "callerType");
	}
	struct mh_slice t;
	if ((rc = nc_key_text(c, o, K_OWNERDOMAIN, &t)))
		return rc;
	if (t.n)
		a->org = t;
	if ((rc = nc_key_text(c, o, K_IPADDRESS, &t)) ||
	    (rc = nc_client_ip(c, t)))
		return rc;
	if (nc_has(o, K_EVENTS))
		rc = gws_events(c, nc_get(o, K_EVENTS).jv, "name", "type",
		                "parameters");
	else
		rc = gws_event(c, o->root, "name", "type", "parameters");
	if (rc)
		return rc;
	gws_mailbox(c);
	return MH_OK;
}

const struct mh_norm mh_norm_gws_reports = {"gws-reports", reports_match,
                                            reports_fill};

/* MARK: - Cloud Logging */

static int cloud_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (nc_has(o, K_PROTOPAYLOAD) &&
	    (nc_has(o, K_INSERTID) || nc_has(o, K_LOGNAME)))
		return 75;
	return 0;
}

static int cloud_fill(struct nctx *c)
{
	const struct robj *o = c->top;
	struct mh_audit *a = c->a;
	int rc;
	a->source = MH_AUDIT_GWS;
	a->shape = MH_AS_GWS_CLOUD_LOGGING;
	struct rv pp = nc_get(o, K_PROTOPAYLOAD);
	if (pp.t != MH_JOBJ)
		return nc_skip(c, MH_SKIP_MALFORMED, "%s",
		               "'protoPayload' is not an object, record "
		               "skipped");
	struct mh_jv p = pp.jv;
	a->workload = member(c, p, "serviceName");
	a->actor =
	        member(c, mh_jv_get(p, "authenticationInfo"), "principalEmail");
	if ((rc = nc_client_ip(c, member(c, mh_jv_get(p, "requestMetadata"),
	                                 "callerIp"))))
		return rc;
	struct mh_slice t;
	if ((rc = nc_key_text(c, o, K_TIMESTAMP, &t)))
		return rc;
	a->ts = mh_audit_time(t);
	if ((rc = nc_key_text(c, o, K_INSERTID, &a->id)))
		return rc;
	struct mh_jv meta = mh_jv_get(p, "metadata");
	if ((rc = gws_events(c, mh_jv_get(meta, "event"), "eventName",
	                     "eventType", "parameter")))
		return rc;
	if (c->rs->nops == 0 && (rc = nc_op(c, member(c, p, "methodName"))))
		return rc;
	gws_mailbox(c);
	return MH_OK;
}

const struct mh_norm mh_norm_gws_cloud_logging = {"gws-cloud-logging",
                                                  cloud_match, cloud_fill};
