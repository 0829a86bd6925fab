/* audremote.c - remote mail collection (T1114.002) from audit records:
 * which records each rule (audremote.h) looks at, and what each counts
 * into which aggregate (audragg.h; the findings are made by audrfind.c).
 *
 * Rules and their keys: MH-AUD-APPREAD per application, MH-AUD-VOLUME per
 * mailbox, MH-AUD-OTHERMBX per identity, MH-AUD-LOGIN per identity and
 * mailbox, MH-AUD-SEARCH per user, MH-AUD-HARDDELETE per mailbox,
 * MH-AUD-CONSENT per application, MH-GWS-TAKEOUT and MH-GWS-ADMINACCESS
 * per mailbox. Records are judged on the typed view (event/audit.h);
 * the full fields are made only for the few records that need them
 * (queries, deleted subjects, consents, folders of another's mailbox).
 */
#include "analytics/audremote.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audragg.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "finding/finding.h"

/* MARK: - judging records */

static int is_system(const struct mh_audit *a)
{
	struct mh_slice s = a->actor;
	return a->user_type == 4 || mh_audr_ieq(s, "S-1-5-18") ||
	       mh_audr_ieq(s, "S-1-5-19") || mh_audr_ieq(s, "S-1-5-20") ||
	       mh_slice_istarts(s, "NT AUTHORITY\\SYSTEM");
}

static int is_app_identity(const struct mh_audit *a)
{
	if (a->user_type == 5 || a->user_type == 6)
		return 1;
	if (mh_audr_ieq(a->actor_type, "Application") ||
	    mh_audr_ieq(a->actor_type, "ServicePrincipal"))
		return 1;
	struct mh_slice id = a->app_id.p ? a->app_id : a->client_app_id;
	if (!id.p || !id.n)
		return 0;
	return !a->actor.p || !a->actor.n || mh_slice_ieq(a->actor, id);
}

/* The application that read: ClientAppId when AppId is Graph itself. */
static struct mh_slice read_app(const struct mh_audit *a)
{
	if (a->app_id.p && a->app_id.n && !mh_audr_ieq(a->app_id, GRAPH_APP))
		return a->app_id;
	if (a->client_app_id.p && a->client_app_id.n)
		return a->client_app_id;
	return a->app_id;
}

static int via_api(const struct mh_audit *a)
{
	struct mh_slice ci = a->client_info;
	return mh_audr_ieq(a->app_id, GRAPH_APP) ||
	       mh_slice_ifind(ci, "Client=REST") != (size_t)-1 ||
	       mh_slice_ifind(ci, "WebServices") != (size_t)-1;
}

static int throttled(const struct mh_audit *a)
{
	/* mh_audit_param(a, "IsThrottled"), asked of every read */
	for (size_t i = 0; i < a->nparams; i++) {
		const struct mh_audit_param *p = &a->params[i];
		if (p->name.n == 11 &&
		    (!memcmp(p->name.p, "IsThrottled", 11) ||
		     mh_slice_ieq(p->name, MH_SLICE_LIT("IsThrottled"))))
			return mh_audr_ieq(p->value, "true");
	}
	return 0;
}

static int64_t hour_of(int64_t ts)
{
	if (ts == MH_TS_NONE)
		return INT64_MIN;
	return ts >= 0 ? ts / 3600 : (ts - 3599) / 3600;
}

/* The folders a read names (Folders[].Path), as "mailbox:path". */
static void add_folders(struct agg *g, const struct mh_event *ev,
                        const char *mbx, int *oom)
{
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	for (size_t i = 0; f && i < n; i++) {
		if (!f[i].value.p || !mh_audr_ieq(f[i].name, "Folders.Path"))
			continue;
		char b[2 * TXT_CAP + 2], v[TXT_CAP];
		mh_audr_tcopy(v, sizeof(v), f[i].value, 0);
		snprintf(b, sizeof(b), "%s:%s", mbx, v);
		mh_audr_set_add_c(g, S_X2, b, oom);
	}
}

/* a and b (lower case) name the same user: equal, or one is a bare
 * name and the local part of the other ("user1" and "user1@x.example",
 * as anonymised exports and some on-premises records write them). */
static int same_identity(const char *a, const char *b)
{
	if (!strcmp(a, b))
		return 1;
	const char *at_a = strchr(a, '@'), *at_b = strchr(b, '@');
	if (!at_a == !at_b)
		return 0;
	const char *full = at_a ? a : b, *bare = at_a ? b : a;
	size_t n = (size_t)((at_a ? at_a : at_b) - full);
	return strlen(bare) == n && !memcmp(full, bare, n);
}

static int on_read(struct acc *c, const struct mh_event *ev,
                   const struct mh_audit *a, int bind_only)
{
	int oom = 0;
	char mbx[TXT_CAP], actb[TXT_CAP], app[TXT_CAP];
	mh_audr_tcopy(mbx, sizeof(mbx), a->mailbox, 1);
	/* most reads are the owner's: UserId is MailboxOwnerUPN */
	const char *act = mbx;
	if (a->actor.n != a->mailbox.n || !a->actor.p || !a->mailbox.p ||
	    memcmp(a->actor.p, a->mailbox.p, a->actor.n) != 0) {
		mh_audr_tcopy(actb, sizeof(actb), a->actor, 1);
		act = actb;
	}
	struct mh_slice appid = read_app(a);
	mh_audr_tcopy(app, sizeof(app), appid, 1);
	uint64_t items = a->op_count > 0 ? (uint64_t)a->op_count : 1;
	int thr = throttled(a);
	int appident = is_app_identity(a);
	int sys = is_system(a);
	struct agg *g;

	if (!bind_only && mbx[0]) {
		struct obs o = {R_VOLUME, MH_LEVEL_MEDIUM, 0, items, 0, 0, 0,
		                0,        hour_of(ev->ts), 0, 0};
		o.c0 = thr;
		o.c1 = a->op_count >= VOL_MIN;
		o.op = a->op_count > 0 ? (uint64_t)a->op_count : 0;
		o.flags = (thr ? F_THROTTLED : 0) | (o.c1 ? F_BIGOP : 0);
		/* evidence: the throttled records, then the largest */
		o.evidence = 1;
		/* the order of magnitude only: ties go to the earliest
		 * record, so few records are ever formatted as evidence */
		unsigned mag = 0;
		for (uint64_t v = o.op; v; v >>= 1)
			mag++;
		o.weight = (thr ? (uint64_t)1 << 40 : 0) + mag;
		if ((g = mh_audr_observe(c, ev, mbx, &o, &oom))) {
			mh_audr_set_add_c(g, S_MBX, mbx, &oom);
			mh_audr_set_add_c(g, S_ACTOR, act, &oom);
			mh_audr_set_add_c(g, S_APP, app, &oom);
		}
	}
	int nonowner = mbx[0] && act[0] && !same_identity(mbx, act) &&
	               a->logon_type != 0 && a->logon_type != 3 &&
	               a->logon_type != 4;
	/* most reads are the owner's: look the app up only when it counts */
	const char *fp =
	        appident || nonowner ? mh_audr_first_party(appid) : NULL;
	if (!bind_only && !sys &&
	    (appident || (nonowner && via_api(a) && !fp))) {
		struct obs o = {R_APPREAD, MH_LEVEL_MEDIUM, 0, items, 0, 0, 0,
		                1,         INT64_MIN,       0, 0};
		if (appident && fp)
			o.level = MH_LEVEL_LOW;
		o.c0 = thr;
		o.flags = (thr ? F_THROTTLED : 0) |
		          (appident ? F_APPIDENT : F_NONOWNER) |
		          (fp ? F_FIRSTPARTY : 0);
		if ((g = mh_audr_observe(c, ev, app[0] ? app : "(no app id)",
		                         &o, &oom))) {
			mh_audr_set_add_c(g, S_MBX, mbx, &oom);
			/* an app reading as itself: UserId is the mailbox,
			 * the actor is the app */
			mh_audr_set_add_c(
			        g, S_ACTOR,
			        !appident || strcmp(act, mbx) != 0 ? act : app,
			        &oom);
			mh_audr_set_add_c(g, S_APP, app, &oom);
			mh_audr_agg_name(g, fp, &oom);
			mh_audr_set_add_s(g, S_X1, a->client_info, 0, &oom);
		}
	}
	if (!sys && !appident && nonowner) {
		struct obs o = {R_OTHERMBX, MH_LEVEL_MEDIUM, 0, items, 0, 0, 0,
		                1,          INT64_MIN,       0, 0};
		if ((g = mh_audr_observe(c, ev, act, &o, &oom))) {
			mh_audr_set_add_c(g, S_MBX, mbx, &oom);
			mh_audr_set_add_c(g, S_ACTOR, act, &oom);
			mh_audr_set_add_c(g, S_APP, app, &oom);
			mh_audr_set_add_c(
			        g, S_X1,
			        mh_audr_logon_name(a->logon_type)
			                ? mh_audr_logon_name(a->logon_type)
			                : "unknown",
			        &oom);
			add_folders(g, ev, mbx, &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int on_login(struct acc *c, const struct mh_event *ev,
                    const struct mh_audit *a)
{
	if (is_system(a))
		return MH_OK;
	struct mh_slice ci = a->client_info;
	int ps = mh_slice_ifind(ci, "Microsoft.Exchange.Powershell") !=
	                 (size_t)-1 ||
	         mh_slice_ifind(ci, "WinRM") != (size_t)-1;
	int t = a->logon_type;
	int nonowner = t == 1 || t == 2 || t == 5 || t == 6;
	if (!ps && !nonowner)
		return MH_OK;
	char mbx[TXT_CAP], act[TXT_CAP], key[2 * TXT_CAP + 2];
	mh_audr_tcopy(mbx, sizeof(mbx), a->mailbox, 1);
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	snprintf(key, sizeof(key), "%s\x1f%s", act, mbx);
	int oom = 0;
	struct obs o = {R_LOGIN, MH_LEVEL_LOW, 0, 1, 0, 0, 0,
	                1,       INT64_MIN,    0, 0};
	o.flags = (ps ? F_POWERSHELL : 0) | (nonowner ? F_NONOWNER : 0);
	struct agg *g = mh_audr_observe(c, ev, key, &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_MBX, mbx, &oom);
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		mh_audr_set_add_s(g, S_APP, read_app(a), 1, &oom);
		mh_audr_set_add_c(g, S_X1,
		                  mh_audr_logon_name(t) ? mh_audr_logon_name(t)
		                                        : "unknown",
		                  &oom);
		mh_audr_set_add_s(g, S_X2, ci, 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static uint64_t fnv(struct mh_slice s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < s.n; i++)
		h = (h ^ (unsigned char)mh_audr_lc((unsigned char)s.p[i])) *
		    0x100000001b3ULL;
	return h ? h : 1;
}

static int on_search(struct acc *c, const struct mh_event *ev,
                     const struct mh_audit *a)
{
	const struct mh_field *q = mh_event_field(ev, "QueryText");
	struct mh_slice qt = q ? mh_slice_trim(q->value) : MH_SLICE_NULL;
	const char *w =
	        qt.p && qt.n ? mh_audr_secret(qt, MH_AUDR_Q_SEARCH) : NULL;
	char act[TXT_CAP];
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	if (!act[0])
		return MH_OK;
	int oom = 0;
	struct obs o = {R_SEARCH, MH_LEVEL_MEDIUM, 0, 1, 0, 0, 0,
	                0,        hour_of(ev->ts), 0, 0};
	o.c0 = w != NULL;
	o.flags = w ? F_SECRET : 0;
	o.evidence = 1;
	o.weight = w != NULL; /* searches for secrets first */
	o.hash = qt.p && qt.n ? fnv(qt) : 0;
	struct agg *g = mh_audr_observe(c, ev, act, &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		mh_audr_set_add_s(g, S_MBX, a->mailbox, 1, &oom);
		if (w) {
			mh_audr_set_add_s(g, S_X1, qt, 0, &oom);
			mh_audr_set_add_c(g, S_X2, w, &oom);
		}
		mh_audr_set_add_s(g, S_APP, a->workload, 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int on_harddelete(struct acc *c, const struct mh_event *ev,
                         const struct mh_audit *a)
{
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	const char *hit[8];
	struct mh_slice subj[8];
	size_t nh = 0;
	for (size_t i = 0; f && i < n && nh < 8; i++) {
		struct mh_slice nm = f[i].name;
		if (!f[i].value.p)
			continue;
		if (!mh_audr_ieq(nm, "AffectedItems.Subject") &&
		    !mh_audr_ieq(nm, "Subject") &&
		    !mh_audr_ieq(nm, "Item.Subject"))
			continue;
		const char *w = mh_audr_secret(f[i].value, MH_AUDR_Q_SUBJECT);
		if (w) {
			hit[nh] = w;
			subj[nh++] = f[i].value;
		}
	}
	if (!nh)
		return MH_OK;
	char mbx[TXT_CAP], act[TXT_CAP];
	mh_audr_tcopy(mbx, sizeof(mbx), a->mailbox, 1);
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_HARDDELETE,
	                MH_LEVEL_MEDIUM,
	                F_SECRET,
	                nh,
	                0,
	                0,
	                0,
	                1,
	                INT64_MIN,
	                0,
	                0};
	struct agg *g = mh_audr_observe(c, ev, mbx[0] ? mbx : act, &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_MBX, mbx, &oom);
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		mh_audr_set_add_s(g, S_APP, read_app(a), 1, &oom);
		for (size_t i = 0; i < nh; i++) {
			mh_audr_set_add_s(g, S_X1, subj[i], 0, &oom);
			mh_audr_set_add_c(g, S_X2, hit[i], &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int app_only_scope(const char *s)
{
	return !strcmp(s, "full_access_as_app") ||
	       !strcmp(s, "IMAP.AccessAsApp") ||
	       !strcmp(s, "POP.AccessAsApp") ||
	       !strcmp(s, "810c84a8-4a9e-49e6-bf7d-12d183f40d01");
}

static int on_consent(struct acc *c, const struct mh_event *ev,
                      const struct mh_audit *a, int approle)
{
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	const char *found[16];
	size_t nf = 0;
	int appwide = approle;
	/* the new values of the record (ModifiedProperties NewValue,
	 * Parameters, ExtendedProperties): what a change removed (OldValue)
	 * is not a grant */
	for (size_t i = 0; i < a->nparams; i++) {
		if (!a->params[i].value.p)
			continue;
		size_t pos = 0;
		const char *s;
		while ((s = mh_audr_scope(a->params[i].value, &pos))) {
			if (app_only_scope(s))
				appwide = 1;
			size_t k = 0;
			while (k < nf && found[k] != s)
				k++;
			if (k == nf && nf < 16)
				found[nf++] = s;
		}
	}
	if (!nf)
		return MH_OK;
	const struct mh_audit_param *p =
	        mh_audit_param(a, "ConsentContext.IsAdminConsent", NULL);
	if (p && mh_audr_ieq(p->value, "true"))
		appwide = 1;
	p = mh_audit_param(a, "ConsentContext.OnBehalfOfAll", NULL);
	if (p && mh_audr_ieq(p->value, "true"))
		appwide = 1;
	for (size_t i = 0; f && i < n; i++)
		if (f[i].value.p &&
		    mh_slice_ifind(f[i].value, "AllPrincipals") != (size_t)-1)
			appwide = 1;
	char key[TXT_CAP], act[TXT_CAP];
	p = mh_audit_param(a, "TargetId.ServicePrincipalNames", NULL);
	mh_audr_tcopy(key, sizeof(key),
	              p && p->value.p ? p->value
	                              : (a->object.p ? a->object : a->app_id),
	              1);
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_CONSENT,
	                appwide ? MH_LEVEL_HIGH : MH_LEVEL_MEDIUM,
	                appwide ? F_APPWIDE : 0,
	                1,
	                0,
	                0,
	                0,
	                1,
	                INT64_MIN,
	                0,
	                0};
	struct agg *g = mh_audr_observe(c, ev, key[0] ? key : "(unknown app)",
	                                &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		/* a delegated grant opens the consenting user's own mail */
		if (!appwide)
			mh_audr_set_add_c(g, S_MBX, act, &oom);
		mh_audr_set_add_c(g, S_APP, key, &oom);
		for (size_t i = 0; i < nf; i++)
			mh_audr_set_add_c(g, S_X1, found[i], &oom);
		mh_audr_set_add_s(g, S_X2, a->operation, 0, &oom);
		/* the app's display name: the Target entry that is neither
		 * an id nor "ServicePrincipal_<id>" */
		for (size_t i = 0; f && i < n; i++) {
			struct mh_slice v = f[i].value;
			if (!v.p || !v.n ||
			    !mh_audr_ieq(f[i].name, "Target.ID") ||
			    mh_slice_istarts(v, "ServicePrincipal_") ||
			    (v.n == 36 && v.p[8] == '-' && v.p[13] == '-'))
				continue;
			char nm[TXT_CAP];
			mh_audr_tcopy(nm, sizeof(nm), v, 0);
			mh_audr_agg_name(g, nm, &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

/* GWS: the value of parameter name of event op, or NULL. */
static const struct mh_audit_param *gparam(const struct mh_audit *a, size_t op,
                                           const char *name,
                                           const struct mh_audit_param *prev)
{
	const struct mh_audit_param *p = prev;
	while ((p = mh_audit_param(a, name, p)))
		if (p->op == op)
			return p;
	return NULL;
}

static int on_gws_token(struct acc *c, const struct mh_event *ev,
                        const struct mh_audit *a, size_t op)
{
	const char *found[8];
	size_t nf = 0;
	const struct mh_audit_param *p = NULL;
	while ((p = gparam(a, op, "scope", p)) && nf < 8) {
		size_t pos = 0;
		const char *s;
		while ((s = mh_audr_scope(p->value, &pos)) && nf < 8)
			if (!strncmp(s, "https://", 8))
				found[nf++] = s;
	}
	if (!nf)
		return MH_OK;
	const struct mh_audit_param *cid = gparam(a, op, "client_id", NULL);
	const struct mh_audit_param *an = gparam(a, op, "app_name", NULL);
	char key[TXT_CAP], act[TXT_CAP], name[TXT_CAP];
	mh_audr_tcopy(key, sizeof(key),
	              cid ? cid->value : (an ? an->value : MH_SLICE_NULL), 0);
	mh_audr_tcopy(name, sizeof(name), an ? an->value : MH_SLICE_NULL, 0);
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_CONSENT, MH_LEVEL_MEDIUM, 0, 1, 0, 0, 0,
	                1,         INT64_MIN,       0, 0};
	struct agg *g = mh_audr_observe(c, ev, key[0] ? key : "(unknown app)",
	                                &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		mh_audr_set_add_c(g, S_MBX, act, &oom);
		mh_audr_set_add_c(g, S_APP, key, &oom);
		mh_audr_agg_name(g, name, &oom);
		for (size_t i = 0; i < nf; i++)
			mh_audr_set_add_c(g, S_X1, found[i], &oom);
		mh_audr_set_add_s(g, S_X2, a->ops[op], 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

static int on_gws_takeout(struct acc *c, const struct mh_event *ev,
                          const struct mh_audit *a, size_t op, int customer)
{
	const struct mh_audit_param *pr =
	        gparam(a, op, "PRODUCTS_REQUESTED", NULL);
	int mail = !pr || !pr->value.p ||
	           mh_slice_ifind(pr->value, "mail") != (size_t)-1;
	if (!mail)
		return MH_OK;
	const struct mh_audit_param *st = gparam(a, op, "TAKEOUT_STATUS", NULL);
	int failed = st && (mh_audr_ieq(st->value, "FAILED") ||
	                    mh_audr_ieq(st->value, "CANCELED"));
	const struct mh_audit_param *ue = gparam(a, op, "USER_EMAIL", NULL);
	char who[TXT_CAP], act[TXT_CAP];
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	if (customer)
		snprintf(who, sizeof(who), "(every user)");
	else
		mh_audr_tcopy(who, sizeof(who),
		              ue && ue->value.p ? ue->value : a->actor, 1);
	int oom = 0;
	/* a user's own takeout is medium; one of every user, or one that
	 * someone else started for the user, high */
	int level = customer || strcmp(who, act) != 0 ? MH_LEVEL_HIGH
	                                              : MH_LEVEL_MEDIUM;
	if (failed)
		level--;
	struct obs o = {R_TAKEOUT, level, failed ? F_FAILED : 0,
	                1,         0,     0,
	                0,         1,     INT64_MIN,
	                0,         0};
	struct agg *g =
	        mh_audr_observe(c, ev, who[0] ? who : "(unknown)", &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_MBX, who, &oom);
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		mh_audr_set_add_s(g, S_X1, a->ops[op], 0, &oom);
		const struct mh_audit_param *d =
		        gparam(a, op, "TAKEOUT_DESTINATION", NULL);
		if (d)
			mh_audr_set_add_s(g, S_X2, d->value, 0, &oom);
		if (pr)
			mh_audr_set_add_s(g, S_APP, pr->value, 0, &oom);
	}
	return oom ? MH_ENOMEM : MH_OK;
}

/* The address in "(<message-id> user@domain)": the last word with '@'
 * outside angle brackets. */
static struct mh_slice entity_user(struct mh_slice v)
{
	struct mh_slice best = MH_SLICE_NULL;
	size_t i = 0;
	while (v.p && i < v.n) {
		while (i < v.n && (v.p[i] == ' ' || v.p[i] == '(' ||
		                   v.p[i] == ')' || v.p[i] == ','))
			i++;
		size_t b = i;
		while (i < v.n && v.p[i] != ' ' && v.p[i] != ')' &&
		       v.p[i] != ',')
			i++;
		struct mh_slice w = mh_slice_make(v.p + b, i - b);
		if (w.n && w.p[0] != '<' && memchr(w.p, '@', w.n))
			best = w;
	}
	return best;
}

static int on_gws_admin_access(struct acc *c, const struct mh_event *ev,
                               const struct mh_audit *a, size_t op)
{
	const struct mh_audit_param *ds =
	        gparam(a, op, "INVESTIGATION_DATA_SOURCE", NULL);
	if (!ds || !mh_audr_ieq(ds->value, "GMAIL"))
		return MH_OK;
	const struct mh_audit_param *en =
	        gparam(a, op, "INVESTIGATION_CONTENT_ACCESS_ENTITY_ID", NULL);
	struct mh_slice user = en ? entity_user(en->value) : MH_SLICE_NULL;
	char mbx[TXT_CAP], act[TXT_CAP];
	mh_audr_tcopy(mbx, sizeof(mbx), user, 1);
	mh_audr_tcopy(act, sizeof(act), a->actor, 1);
	int oom = 0;
	struct obs o = {R_ADMINACCESS,
	                MH_LEVEL_MEDIUM,
	                0,
	                1,
	                0,
	                0,
	                0,
	                1,
	                INT64_MIN,
	                0,
	                0};
	struct agg *g = mh_audr_observe(
	        c, ev, mbx[0] ? mbx : "(unknown mailbox)", &o, &oom);
	if (g) {
		mh_audr_set_add_c(g, S_MBX, mbx, &oom);
		mh_audr_set_add_c(g, S_ACTOR, act, &oom);
		mh_audr_set_add_s(g, S_X2, a->ops[op], 0, &oom);
		for (size_t i = 0; i < a->nparams; i++) {
			const struct mh_audit_param *p = &a->params[i];
			if (p->op == op && p->value.p &&
			    mh_slice_ifind(p->name, "JUSTIFICATION") !=
			            (size_t)-1)
				mh_audr_set_add_s(g, S_X1, p->value, 0, &oom);
		}
	}
	return oom ? MH_ENOMEM : MH_OK;
}

/* MARK: - the analytic */

static int create(void **out, const struct mh_analytic_conf *conf,
                  struct mh_err *err)
{
	struct acc *c = calloc(1, sizeof(*c));
	if (!c)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	mh_strmap_init(&c->files);
	c->max_ev = conf && conf->max_evidence ? conf->max_evidence : 5;
	*out = c;
	return MH_OK;
}

static int observe_event(struct acc *c, const struct mh_event *ev,
                         struct mh_err *err);

static int on_event(void *p, const struct mh_event *ev, struct mh_err *err)
{
	struct acc *c = p;
	c->rid_key = ev->record_id;
	c->rid_done = 0;
	c->dup = 0;
	return observe_event(c, ev, err);
}

/* Another copy of a record read before: evidence only (acc.dup). A
 * partial export's copy (a Sentinel row) is never better evidence. */
static int on_duplicate(void *p, const struct mh_event *ev, struct mh_err *err)
{
	struct acc *c = p;
	if (!ev->audit || mh_audit_shape_partial(ev->audit->shape))
		return MH_OK;
	c->rid_key = ev->record_id;
	c->rid_done = 0;
	c->dup = 1;
	int rc = observe_event(c, ev, err);
	c->dup = 0;
	return rc;
}

/* Every Microsoft 365 operation observe_event reads (the literal
 * prefilter passes over the rest unparsed). */
static const char *const remote_ops[] = {
        "MailItemsAccessed",
        "FolderBind",
        "MessageBind",
        "MailboxLogin",
        "SearchQueryInitiatedExchange",
        "SearchQueryInitiatedSharePoint",
        "HardDelete",
        "Consent to application.",
        "Add delegated permission grant.",
        "Add app role assignment to service principal.",
        NULL,
};

static const char *const *audit_ops(const struct mh_analytic_conf *conf)
{
	(void)conf;
	return remote_ops;
}

static int observe_event(struct acc *c, const struct mh_event *ev,
                         struct mh_err *err)
{
	if (ev->kind != MH_EV_AUDIT || !ev->audit)
		return MH_OK;
	const struct mh_audit *a = ev->audit;
	if (a->snapshot || !a->operation.p)
		return MH_OK;
	struct mh_slice op = a->operation;
	int rc = MH_OK;
	if (a->source == MH_AUDIT_M365) {
		/* most records: MailItemsAccessed as the API writes it */
		if ((op.n == 17 && !memcmp(op.p, "MailItemsAccessed", 17)) ||
		    mh_audr_ieq(op, "MailItemsAccessed"))
			rc = on_read(c, ev, a, 0);
		else if (mh_audr_ieq(op, "FolderBind") ||
		         mh_audr_ieq(op, "MessageBind"))
			rc = on_read(c, ev, a, 1);
		else if (mh_audr_ieq(op, "MailboxLogin"))
			rc = on_login(c, ev, a);
		else if (mh_audr_ieq(op, "SearchQueryInitiatedExchange") ||
		         mh_audr_ieq(op, "SearchQueryInitiatedSharePoint"))
			rc = on_search(c, ev, a);
		else if (mh_audr_ieq(op, "HardDelete"))
			rc = on_harddelete(c, ev, a);
		else if (mh_audr_ieq(op, "Consent to application.") ||
		         mh_audr_ieq(op, "Add delegated permission grant."))
			rc = on_consent(c, ev, a, 0);
		else if (mh_audr_ieq(op, "Add app role assignment to service "
		                         "principal."))
			rc = on_consent(c, ev, a, 1);
	} else if (a->source == MH_AUDIT_GWS) {
		for (size_t i = 0; !rc && i < a->nops; i++) {
			struct mh_slice o = a->ops[i];
			if (mh_audr_ieq(a->workload, "token") &&
			    mh_audr_ieq(o, "authorize"))
				rc = on_gws_token(c, ev, a, i);
			else if (mh_audr_ieq(a->workload, "takeout") &&
			         mh_slice_ifind(o, "TAKEOUT") != (size_t)-1)
				rc = on_gws_takeout(c, ev, a, i, 0);
			else if (mh_slice_istarts(o, "CUSTOMER_TAKEOUT"))
				rc = on_gws_takeout(c, ev, a, i, 1);
			else if (mh_audr_ieq(o, "SECURITY_INVESTIGATION_"
			                        "CONTENT_ACCESS"))
				rc = on_gws_admin_access(c, ev, a, i);
		}
	}
	if (rc == MH_ENOMEM)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	return MH_OK;
}

static int merge(void *pinto, void *pfrom)
{
	struct acc *into = pinto, *from = pfrom;
	for (int r = 0; r < R__N; r++) {
		struct amap *m = &from->map[r];
		if (m->capped)
			into->map[r].capped = 1;
		for (size_t i = 0; i < m->n; i++) {
			int oom = 0;
			struct agg *x =
			        mh_audr_amap_get(&into->map[r], m->v[i].key,
			                         mh_audr_key_cap[r], &oom);
			if (oom)
				return MH_ENOMEM;
			if (x && mh_audr_merge_agg(into, r, x, m->v[i].a))
				return MH_ENOMEM;
		}
	}
	return MH_OK;
}

static int findings(void *p, struct mh_findings *out)
{
	return mh_audr_findings(p, out);
}

static void destroy(void *p)
{
	struct acc *c = p;
	if (!c)
		return;
	for (int r = 0; r < R__N; r++)
		mh_audr_amap_release(&c->map[r]);
	mh_strmap_release(&c->files, NULL);
	free(c);
}

const struct mh_analytic_ops mh_analytic_audremote = {
        .name = "audit-remote",
        .create = create,
        .event = on_event,
        .merge = merge,
        .findings = findings,
        .destroy = destroy,
        .duplicate = on_duplicate,
        .audit_ops = audit_ops,
};
