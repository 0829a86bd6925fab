/* simaudgws.c - Google Workspace Reports API activities of a simulated
 * case (docs/SIMULATE.md "Audit logs"): sign-ins and Drive use by the
 * users who also have a Workspace account, the Gmail forwarding of the
 * mail scenario, the audit scenarios (email monitor, Takeout, an OAuth
 * grant with a Gmail scope, an administrator reading a user's message)
 * and a look-alike grant without a Gmail scope.
 *
 * Activities are written as the API returns them (kind, id with time,
 * uniqueQualifier, applicationName and customerId, etag, actor,
 * ipAddress, events with typed parameters); event names and parameters
 * follow Google's activity appendices (login, drive, token, takeout,
 * user_accounts, admin).
 */
#include <string.h>

#include "sim/sim.h"
#include "sim/simaudit_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct sa_user *U(struct sa *s, unsigned i)
{
	return &s->u[i % s->nu];
}

/* Begin an activity of application app by actor; the caller adds the
 * events. qual receives the uniqueQualifier (the truth's id). */
static void activity(struct sa *s, int64_t t, const char *app,
                     const char *actor, const char *caller, const char *ip,
                     char qual[24])
{
	struct mh_simrec *r = &s->r;
	char tm[40];
	unsigned long long q = mh_simgen_next(&s->g);
	snprintf(qual, 24, "%s%llu", q & 1 ? "-" : "",
	         (q >> 1) % 9000000000000000000ULL);
	mh_simrec_time_gws(t, mh_simgen_below(&s->g, 1000), tm);
	mh_simrec_begin(r);
	mh_simrec_str(r, "kind", "admin#reports#activity");
	mh_simrec_obj(r, "id");
	mh_simrec_str(r, "time", tm);
	mh_simrec_str(r, "uniqueQualifier", qual);
	mh_simrec_str(r, "applicationName", app);
	mh_simrec_str(r, "customerId", s->gws_customer);
	mh_simrec_close(r);
	mh_simrec_strf(r, "etag", "\"%016llx/%08x\"",
	               (unsigned long long)mh_simgen_next(&s->g),
	               mh_simgen_below(&s->g, 0x7fffffff));
	mh_simrec_obj(r, "actor");
	if (caller)
		mh_simrec_str(r, "callerType", caller);
	mh_simrec_str(r, "email", actor);
	mh_simrec_strf(r, "profileId", "1%019llu",
	               (unsigned long long)(mh_simgen_next(&s->g) %
	                                    10000000000000000000ULL));
	mh_simrec_close(r);
	if (ip)
		mh_simrec_str(r, "ipAddress", ip);
	mh_simrec_arr(r, "events");
}

static void event_begin(struct sa *s, const char *type, const char *name)
{
	mh_simrec_obj(&s->r, NULL);
	if (type)
		mh_simrec_str(&s->r, "type", type);
	mh_simrec_str(&s->r, "name", name);
	mh_simrec_arr(&s->r, "parameters");
}

static void param(struct sa *s, const char *name, const char *value)
{
	mh_simrec_obj(&s->r, NULL);
	mh_simrec_str(&s->r, "name", name);
	mh_simrec_str(&s->r, "value", value);
	mh_simrec_close(&s->r);
}

static void param_bool(struct sa *s, const char *name, int v)
{
	mh_simrec_obj(&s->r, NULL);
	mh_simrec_str(&s->r, "name", name);
	mh_simrec_bool(&s->r, "boolValue", v);
	mh_simrec_close(&s->r);
}

static void param_multi(struct sa *s, const char *name,
                        const char *const *values, size_t n)
{
	mh_simrec_obj(&s->r, NULL);
	mh_simrec_str(&s->r, "name", name);
	mh_simrec_arr(&s->r, "multiValue");
	for (size_t i = 0; i < n; i++)
		mh_simrec_str(&s->r, NULL, values[i]);
	mh_simrec_close(&s->r);
	mh_simrec_close(&s->r);
}

/* Close the parameters and the event. */
static void event_end(struct sa *s)
{
	mh_simrec_close(&s->r);
	mh_simrec_close(&s->r);
}

/* Close the events and the activity, and emit it. */
static int done(struct sa *s, int64_t t, const char *qual, const char *op)
{
	mh_simrec_close(&s->r);
	mh_simrec_end(&s->r);
	return sa_emit(s, t, 1, qual, op);
}

/* MARK: - benign */

static int gws_user(struct sa *s)
{
	/* Users with a Workspace account (every fourth, from carol). */
	unsigned n = 0;
	for (unsigned i = 0; i < s->nu; i++)
		n += s->u[i].gws;
	if (!n)
		return 0;
	unsigned k = mh_simgen_below(&s->g, n);
	for (unsigned i = 0; i < s->nu; i++)
		if (s->u[i].gws && k-- == 0)
			return (int)i;
	return 0;
}

int sa_gws_noise(struct sa *s, int64_t t)
{
	const struct sa_user *u = &s->u[gws_user(s)];
	char q[24];
	t += mh_simgen_below(&s->g, 50);
	if (mh_simgen_below(&s->g, 3) == 0) {
		activity(s, t, "login", u->addr, "USER", u->ip, q);
		event_begin(s, "login", "login_success");
		param(s, "login_type", "google_password");
		const char *ch[] = {"password"};
		param_multi(s, "login_challenge_method", ch, 1);
		param_bool(s, "is_suspicious", 0);
		event_end(s);
		return done(s, t, q, "login_success");
	}
	static const char *const names[] = {"view", "view", "edit", "download"};
	static const char *const titles[] = {"Budget 2024", "Roadmap",
	                                     "Meeting notes", "Price list"};
	const char *name = names[mh_simgen_below(&s->g, NELEM(names))];
	activity(s, t, "drive", u->addr, "USER", u->ip, q);
	event_begin(s, "access", name);
	char doc[48];
	snprintf(doc, sizeof(doc), "1%016llxAbC",
	         (unsigned long long)mh_simgen_next(&s->g));
	param(s, "primary_event", "true");
	param(s, "doc_id", doc);
	param(s, "doc_type", "spreadsheet");
	param(s, "doc_title", titles[mh_simgen_below(&s->g, NELEM(titles))]);
	param(s, "visibility", "people_within_domain_with_link");
	param(s, "owner", u->addr);
	param_bool(s, "owner_is_team_drive", 0);
	event_end(s);
	return done(s, t, q, name);
}

/* MARK: - planted */

static int authorize(struct sa *s, int64_t t, const struct sa_user *u,
                     const char *client, const char *app,
                     const char *const *scopes, size_t n)
{
	char q[24];
	activity(s, t, "token", u->addr, "USER", u->ip, q);
	event_begin(s, "auth", "authorize");
	param(s, "client_id", client);
	param(s, "app_name", app);
	param(s, "client_type", "WEB");
	param_multi(s, "scope", scopes, n);
	event_end(s);
	return done(s, t, q, "authorize");
}

int sa_gws_plant(struct sa *s)
{
	const struct sa_user *g = U(s, 6), *c = U(s, 2), *d = U(s, 3),
	                     *b = U(s, 1);
	int64_t span = s->end - s->start;
	char q[24];
	int rc = MH_OK;
	if (!s->gws.f)
		return MH_OK;
	/* grace: forwarding to a private address (the mail scenario). */
	for (unsigned i = 0; i < s->o->nmail; i++) {
		const struct mh_simaudit_mail *m = &s->o->mail[i];
		if (m->bit != MH_SIM_SC_GMAIL || !m->dest)
			continue;
		const struct sa_user *v = U(s, m->victim);
		int64_t t = m->start - 2 * SA_HOUR;
		sa_truth_begin(s, "gmail-forwarding", "gws", "MH-FWD-GMAIL",
		               "high", v->addr, v->addr, m->dest,
		               "the setting behind ground-truth.tsv's line of "
		               "this scenario");
		activity(s, t, "user_accounts", v->addr, "USER", v->ip, q);
		event_begin(s, "email_forwarding_change",
		            "email_forwarding_out_of_domain");
		param(s, "email_forwarding_destination_address", m->dest);
		event_end(s);
		if ((rc = done(s, t, q, "email_forwarding_out_of_domain")))
			return rc;
	}
	if (s->o->scenarios & MH_SIM_SC_GWS_MONITOR) {
		int64_t t = s->start + span * 13 / 20 + 15 * SA_HOUR;
		char dest[200];
		snprintf(dest, sizeof(dest), "legal.hold@%s", s->org);
		sa_truth_begin(
		        s, "gws-email-monitor", "gws", "MH-FWD-INT", "high",
		        c->addr, s->gws_admin, dest,
		        "an administrator copies all of a user's mail to "
		        "another account (email monitor): no public rule "
		        "has it");
		activity(s, t, "admin", s->gws_admin, NULL, "198.51.100.4", q);
		event_begin(s, "USER_SETTINGS", "CREATE_EMAIL_MONITOR");
		param(s, "USER_EMAIL", c->addr);
		param(s, "EMAIL_MONITOR_DEST_EMAIL", dest);
		param(s, "EMAIL_MONITOR_LEVEL_INCOMING", "FULL_MESSAGE");
		param(s, "EMAIL_MONITOR_LEVEL_OUTGOING", "FULL_MESSAGE");
		event_end(s);
		if ((rc = done(s, t, q, "CREATE_EMAIL_MONITOR")))
			return rc;
		s->st->activities++;
	}
	if (s->o->scenarios & MH_SIM_SC_GWS_TAKEOUT) {
		int64_t t = s->start + span * 17 / 20 + 21 * SA_HOUR;
		sa_truth_begin(s, "gws-takeout", "gws", "MH-GWS-TAKEOUT",
		               "medium", d->addr, d->addr, NULL,
		               "a Takeout of the user's Gmail, completed and "
		               "downloaded");
		char tid[24];
		snprintf(tid, sizeof(tid), "%016llx",
		         (unsigned long long)mh_simgen_next(&s->g));
		activity(s, t, "takeout", d->addr, "USER", SA_ATTACKER_IP, q);
		event_begin(s, "USER_TAKEOUT", "COMPLETED_USER_TAKEOUT");
		param(s, "USER_EMAIL", d->addr);
		param(s, "INITIATED_BY", "USER");
		param(s, "PRODUCTS_REQUESTED", "Gmail, Drive");
		param(s, "TAKEOUT_DESTINATION", "EMAIL");
		param(s, "TAKEOUT_STATUS", "COMPLETED");
		param(s, "TAKEOUT_ID", tid);
		event_end(s);
		if ((rc = done(s, t, q, "COMPLETED_USER_TAKEOUT")))
			return rc;
		t += 12 * SA_MINUTE;
		activity(s, t, "takeout", d->addr, "USER", SA_ATTACKER_IP, q);
		event_begin(s, "USER_TAKEOUT", "DOWNLOADED_USER_TAKEOUT");
		param(s, "USER_EMAIL", d->addr);
		param(s, "PRODUCTS_REQUESTED", "Gmail, Drive");
		param(s, "TAKEOUT_ID", tid);
		event_end(s);
		if ((rc = done(s, t, q, "DOWNLOADED_USER_TAKEOUT")))
			return rc;
		s->st->activities++;
	}
	if (s->o->scenarios & MH_SIM_SC_GWS_OAUTH) {
		int64_t t = s->start + span * 9 / 20 + 16 * SA_HOUR;
		sa_truth_begin(s, "gws-oauth-gmail", "gws", "MH-AUD-CONSENT",
		               "medium", b->addr, b->addr, NULL,
		               "an app granted full Gmail access "
		               "(https://mail.google.com/)");
		const char *sc[] = {"https://mail.google.com/",
		                    "https://www.googleapis.com/auth/"
		                    "userinfo.email",
		                    "openid"};
		if ((rc = authorize(s, t, b,
		                    "887766554433-q1w2e3r4t5y6."
		                    "apps.googleusercontent.com",
		                    "Inbox Zero Helper", sc, NELEM(sc))))
			return rc;
		s->st->activities++;
	}
	if (s->o->scenarios & MH_SIM_SC_GWS_ADMIN_ACCESS) {
		int64_t t = s->start + span * 15 / 20 + 10 * SA_HOUR;
		sa_truth_begin(
		        s, "gws-admin-mail-access", "gws", "MH-GWS-ADMINACCESS",
		        "medium", g->addr, s->gws_admin, NULL,
		        "the investigation tool shows a user's message to "
		        "an administrator (justification given)");
		char ent[300];
		snprintf(ent, sizeof(ent), "(<%016llx@mail.gmail.example> %s)",
		         (unsigned long long)mh_simgen_next(&s->g), g->addr);
		activity(s, t, "admin", s->gws_admin, NULL, "198.51.100.4", q);
		event_begin(s, "SECURITY_INVESTIGATION",
		            "SECURITY_INVESTIGATION_CONTENT_ACCESS");
		param(s, "INVESTIGATION_DATA_SOURCE", "GMAIL");
		param(s, "INVESTIGATION_CONTENT_ACCESS_ENTITY_ID", ent);
		param(s, "INVESTIGATION_JUSTIFICATION",
		      "Ticket SEC-2231: reported phishing");
		event_end(s);
		if ((rc = done(s, t, q,
		               "SECURITY_INVESTIGATION_CONTENT_ACCESS")))
			return rc;
		s->st->activities++;
	}
	/* Look-alike: a grant of calendar scopes only. */
	sa_truth_begin(s, "lookalike-gws-oauth-calendar", "gws", NULL, NULL,
	               c->addr, c->addr, NULL,
	               "an OAuth grant without a Gmail scope");
	const char *sc[] = {"https://www.googleapis.com/auth/"
	                    "calendar.readonly",
	                    "openid"};
	rc = authorize(s, s->start + span / 4 + 13 * SA_HOUR, c,
	               "112233445566-a1s2d3f4g5h6.apps.googleusercontent.com",
	               "Meeting Scheduler", sc, NELEM(sc));
	sa_truth_end(s);
	return rc;
}
