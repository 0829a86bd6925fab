/* audrfind.c - the findings of the remote-collection analytic: one per
 * aggregate that a rule's threshold makes a finding, with its level,
 * summary, details, evidence and remediation (docs/AUDIT.md, "Rules: mail
 * read remotely"). */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/audragg.h"
#include "analytics/audremote.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "finding/finding.h"

/* MARK: - findings */

/* "a, b, c (+N more)" of a set (at most show members). */
static char *join(const struct sset *s, size_t show)
{
	if (!s->n)
		return NULL;
	struct mh_buf b = MH_BUF_INIT(8192);
	for (size_t i = 0; i < s->n && i < show; i++)
		mh_buf_printf(&b, "%s%s", i ? ", " : "", s->v[i]);
	if (s->n > show)
		mh_buf_printf(&b, " (+%zu more%s)", s->n - show,
		              s->capped ? ", list capped" : "");
	else if (s->capped)
		mh_buf_adds(&b, " (list capped)");
	return mh_buf_detach(&b, NULL);
}

static int copy_evidence(struct mh_finding *f, const struct evl *l)
{
	if (!l->n)
		return MH_OK;
	f->evidence = calloc(l->n, sizeof(*f->evidence));
	if (!f->evidence)
		return MH_ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		struct mh_evidence *e = &f->evidence[f->nevidence];
		e->file = strdup(l->v[i].file);
		e->offset = l->v[i].offset;
		e->line = l->v[i].line;
		e->record = l->v[i].record;
		e->ts = l->v[i].ts;
		e->fields = l->v[i].fields ? strdup(l->v[i].fields) : NULL;
		f->nevidence++;
		if (!e->file || (l->v[i].fields && !e->fields))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static void set_key_id(struct mh_finding *f, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *p = f->rule_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0x1f) * 0x100000001b3ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(f->id, sizeof(f->id), "%016" PRIx64, h);
}

struct fspec {
	const char *rule, *title;
	int level;
	char *summary;           /* owned, moved in */
	const char *remediation; /* static */
	char *hours;             /* owned: the hours that made it, or NULL */
};

static int attr_set(struct mh_finding *f, const char *key, const struct sset *s,
                    size_t show)
{
	char *v = join(s, show);
	if (!v)
		return s->n ? MH_ENOMEM : MH_OK;
	int rc = mh_finding_attr(f, key, v);
	free(v);
	return rc == MH_ETOOBIG ? MH_OK : rc;
}

static int emit(struct mh_findings *out, const char *key, const struct agg *g,
                struct fspec *sp, const char *x1name, const char *x2name)
{
	struct mh_finding *f = mh_finding_new();
	int rc = MH_ENOMEM;
	if (!f) {
		free(sp->summary);
		free(sp->hours);
		return MH_ENOMEM;
	}
	f->summary = sp->summary;
	sp->summary = NULL;
	if (!f->summary ||
	    mh_finding_set_rule(f, sp->rule, sp->title, TECH, TACTIC))
		goto fail;
	int lv = sp->level;
	if (lv < MH_LEVEL_LOW)
		lv = MH_LEVEL_LOW;
	if (lv > MH_LEVEL_CRITICAL)
		lv = MH_LEVEL_CRITICAL;
	f->level = (enum mh_level)lv;
	f->first_seen = g->first;
	f->last_seen = g->last;
	f->mailbox = join(&g->set[S_MBX], 8);
	f->actor = join(&g->set[S_ACTOR], 4);
	f->client_ip = join(&g->set[S_IP], 4);
	char *apps_s = join(&g->set[S_APP], 4);
	if (apps_s && g->name && *g->name) {
		size_t n = strlen(apps_s) + strlen(g->name) + 4;
		f->app = malloc(n);
		if (f->app)
			snprintf(f->app, n, "%s (%s)", apps_s, g->name);
		free(apps_s);
	} else {
		f->app = apps_s;
	}
	if (!(f->remediation = strdup(sp->remediation)))
		goto fail;
	/* the mailbox column names 8; the detail all that were kept */
	if ((g->set[S_MBX].n > 8 &&
	     (rc = attr_set(f, "mailboxes", &g->set[S_MBX], 64))) ||
	    (x1name && (rc = attr_set(f, x1name, &g->set[S_X1], 16))) ||
	    (x2name && (rc = attr_set(f, x2name, &g->set[S_X2], 16))))
		goto fail;
	if (g->name && (rc = mh_finding_attr(f, "app_name", g->name)) &&
	    rc != MH_ETOOBIG)
		goto fail;
	mh_finding_count(f, "records", g->records);
	mh_finding_count(f, "items", g->items);
	mh_finding_count(f, "mailboxes", g->set[S_MBX].n);
	if (sp->hours && (rc = mh_finding_attr(f, "hours", sp->hours)) &&
	    rc != MH_ETOOBIG)
		goto fail;
	rc = copy_evidence(f, &g->ev);
	if (rc)
		goto fail;
	set_key_id(f, key);
	free(sp->hours);
	sp->hours = NULL;
	if ((rc = mh_findings_push(out, f)))
		goto fail;
	return MH_OK;
fail:
	free(sp->hours);
	mh_finding_free(f);
	return rc ? rc : MH_ENOMEM;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *out = malloc((size_t)n + 1);
	if (!out)
		return NULL;
	va_start(ap, f);
	vsnprintf(out, (size_t)n + 1, f, ap);
	va_end(ap);
	return out;
}

static const char *first_or(const struct sset *s, const char *dflt)
{
	return s->n ? s->v[0] : dflt;
}

static const char *mbx_word(const struct sset *s)
{
	return s->n == 1 && !s->capped ? "mailbox" : "mailboxes";
}

static int f_appread(struct mh_findings *out, const char *key,
                     const struct agg *g)
{
	size_t nm = g->set[S_MBX].n;
	int lv = g->level;
	if (nm >= MANY_MBX || (g->flags & F_THROTTLED))
		lv++;
	if (lv > MH_LEVEL_HIGH)
		lv = MH_LEVEL_HIGH;
	struct fspec sp = {
	        "MH-AUD-APPREAD",
	        "mail read by an application",
	        lv,
	        fmt("%s %s read %" PRIu64 " item(s) in %zu%s %s (%" PRIu64
	            " MailItemsAccessed record(s))%s%s",
	            g->flags & F_APPIDENT ? "application identity"
	                                  : "third-party app",
	            key, g->items, nm, g->set[S_MBX].capped ? "+" : "",
	            mbx_word(&g->set[S_MBX]), g->records,
	            g->flags & F_THROTTLED ? "; throttled" : "",
	            g->flags & F_FIRSTPARTY ? "; a Microsoft first-party app id"
	                                    : ""),
	        "Check in Entra ID (Enterprise applications) which application "
	        "this id is, who consented to it and which mail permissions "
	        "it holds (Mail.Read, full_access_as_app); if it is not "
	        "sanctioned, disable the service principal, revoke its "
	        "consents and credentials, and review what it read with "
	        "MailItemsAccessed (InternetMessageId). mailhunt changes "
	        "nothing.",
	        NULL};
	return emit(out, key, g, &sp, "client_info", NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* "2024-03-20T09:00:00Z 300" for each hour of hs at or above lim (at
 * most 8 named), NULL when none; *n the number of such hours. */
static char *hour_list(const struct hours *hs, uint64_t lim, int queries,
                       size_t *n, uint64_t *peak)
{
	struct mh_buf b = MH_BUF_INIT(1024);
	*n = 0;
	for (size_t i = 0; i < hs->n; i++) {
		uint64_t v =
		        queries ? mh_audr_hour_nq(&hs->v[i]) : hs->v[i].items;
		if (v < lim)
			continue;
		if (v > *peak)
			*peak = v;
		if ((*n)++ < 8) {
			char iso[21];
			mh_time_iso((int64_t)hs->v[i].h * 3600, iso);
			/* distinct queries are counted up to HASH_CAP */
			if (queries)
				mh_buf_printf(&b, "%s%s >%d",
				              *n > 1 ? ", " : "", iso,
				              SEARCH_RATE);
			else
				mh_buf_printf(&b, "%s%s %" PRIu64,
				              *n > 1 ? ", " : "", iso, v);
		}
	}
	if (*n > 8)
		mh_buf_printf(&b, " (+%zu more)", *n - 8);
	if (!*n) {
		mh_buf_release(&b);
		return NULL;
	}
	return mh_buf_detach(&b, NULL);
}

static int f_volume(struct mh_findings *out, const char *key,
                    const struct agg *g)
{
	/* the hourly statistic: the (lower) median of the items read per
	 * active hour (an hour with at least one MailItemsAccessed record)
	 * of this mailbox in the scan; an hour is far above it at
	 * VOL_FACTOR times the median and at least VOL_MIN items */
	uint64_t med = 0, peak = 0;
	size_t ns = 0;
	char *hl = NULL;
	const struct hours *hs = &g->hrs;
	if (hs->n >= VOL_HOURS) {
		uint64_t *v = malloc(hs->n * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		for (size_t i = 0; i < hs->n; i++)
			v[i] = hs->v[i].items;
		qsort(v, hs->n, sizeof(*v), cmp_u64);
		med = v[(hs->n - 1) / 2];
		free(v);
		uint64_t lim = med * VOL_FACTOR;
		if (lim < VOL_MIN)
			lim = VOL_MIN;
		hl = hour_list(hs, lim, 0, &ns, &peak);
	}
	if (!g->c[0] && !g->c[1] && !ns)
		return MH_OK;
	struct mh_buf b = MH_BUF_INIT(2048);
	mh_buf_printf(&b,
	              "%s: %" PRIu64 " item(s) read in %" PRIu64 " record(s)",
	              key, g->items, g->records);
	if (g->c[0])
		mh_buf_printf(&b, "; %" PRIu64 " throttled record(s)", g->c[0]);
	if (g->c[1])
		mh_buf_printf(&b,
		              "; %" PRIu64 " record(s) of %d items or more "
		              "(largest %" PRIu64 ")",
		              g->c[1], VOL_MIN, g->maxop);
	if (ns)
		mh_buf_printf(&b,
		              "; %zu hour(s) at %dx or more its hourly median "
		              "of %" PRIu64 " over %zu active hours%s (peak "
		              "%" PRIu64 ")",
		              ns, VOL_FACTOR, med, hs->n,
		              hs->capped ? ", hours capped" : "", peak);
	struct fspec sp = {
	        "MH-AUD-VOLUME",
	        "mailbox read in bulk",
	        MH_LEVEL_MEDIUM,
	        mh_buf_detach(&b, NULL),
	        "Check which identity and client read this mailbox in the "
	        "hours and records named (MailItemsAccessed: UserId, AppId, "
	        "ClientIPAddress, Folders); bulk reads by an unknown app or "
	        "address are a sign of collection: revoke the sessions and "
	        "tokens of that identity, or the app's consent. A backup or "
	        "migration tool, an archiver or an eDiscovery search explains "
	        "it when sanctioned. mailhunt changes nothing.",
	        hl};
	return emit(out, key, g, &sp, NULL, NULL);
}

static int f_othermbx(struct mh_findings *out, const char *key,
                      const struct agg *g)
{
	size_t nm = g->set[S_MBX].n, nf = g->set[S_X2].n;
	struct fspec sp = {
	        "MH-AUD-OTHERMBX",
	        "mailboxes of others read",
	        nm >= MANY_MBX || nf > MANY_FOLDERS ? MH_LEVEL_HIGH
	                                            : MH_LEVEL_MEDIUM,
	        fmt("%s read %zu%s other %s, %zu%s folder(s) (%" PRIu64
	            " record(s), %" PRIu64 " item(s); logon %s)",
	            key, nm, g->set[S_MBX].capped ? "+" : "",
	            mbx_word(&g->set[S_MBX]), nf,
	            g->set[S_X2].capped ? "+" : "", g->records, g->items,
	            first_or(&g->set[S_X1], "unknown")),
	        "Check that this identity is meant to have access to these "
	        "mailboxes (Get-MailboxPermission, folder permissions, an "
	        "assistant or shared mailbox); if not, remove the permission "
	        "(Remove-MailboxPermission), revoke the identity's sessions "
	        "and review what was read (MailItemsAccessed). mailhunt "
	        "changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "logon_types", "folders");
}

static int f_login(struct mh_findings *out, const char *key,
                   const struct agg *g)
{
	(void)key;
	struct fspec sp = {
	        "MH-AUD-LOGIN",
	        g->flags & F_POWERSHELL ? "mailbox login through PowerShell"
	                                : "non-owner mailbox login",
	        MH_LEVEL_LOW,
	        fmt("%s logged in to %s %" PRIu64 " time(s)%s%s",
	            first_or(&g->set[S_ACTOR], "(unknown)"),
	            first_or(&g->set[S_MBX], "(unknown mailbox)"), g->records,
	            g->flags & F_NONOWNER ? " as a non-owner" : "",
	            g->flags & F_POWERSHELL ? " through PowerShell/WinRM" : ""),
	        "Check that the identity is an administrator or delegate "
	        "expected to open this mailbox, and that PowerShell sessions "
	        "come from known admin hosts; otherwise revoke its sessions "
	        "and review its mailbox permissions. mailhunt changes "
	        "nothing.",
	        NULL};
	return emit(out, key, g, &sp, "logon_types", "clients");
}

static int f_search(struct mh_findings *out, const char *key,
                    const struct agg *g)
{
	size_t nb = 0;
	uint64_t peak = 0;
	char *hl = hour_list(&g->hrs, SEARCH_RATE + 1, 1, &nb, &peak);
	if (!g->c[0] && !nb)
		return MH_OK;
	struct mh_buf b = MH_BUF_INIT(2048);
	mh_buf_printf(&b, "%s ran %" PRIu64 " search(es)", key, g->records);
	if (g->c[0])
		mh_buf_printf(&b, "; %" PRIu64 " for secrets (%s)", g->c[0],
		              first_or(&g->set[S_X2], "?"));
	if (nb)
		mh_buf_printf(
		        &b, "; more than %d distinct queries in %zu hour(s)%s",
		        SEARCH_RATE, nb,
		        g->hrs.capped ? " (hours capped)" : "");
	struct fspec sp = {
	        "MH-AUD-SEARCH",
	        "mailbox searched for secrets",
	        MH_LEVEL_MEDIUM,
	        mh_buf_detach(&b, NULL),
	        "Ask the user whether they ran these searches; if not, the "
	        "session is an intruder's: revoke the user's sessions and "
	        "tokens, reset the password and MFA methods, and look for "
	        "what was read next (MailItemsAccessed). mailhunt changes "
	        "nothing.",
	        hl};
	return emit(out, key, g, &sp, "queries", "words");
}

static int f_harddelete(struct mh_findings *out, const char *key,
                        const struct agg *g)
{
	struct fspec sp = {
	        "MH-AUD-HARDDELETE",
	        "security or payroll mail purged",
	        MH_LEVEL_MEDIUM,
	        fmt("%s: %" PRIu64 " item(s) that look like security, MFA or "
	            "payroll mail purged (HardDelete) in %" PRIu64 " record(s)",
	            key, g->items, g->records),
	        "Ask the owner whether they purged these messages; if not, "
	        "someone hid sign-in, MFA or payroll notices: revoke the "
	        "sessions, reset credentials and MFA methods, and check inbox "
	        "rules and payroll or bank changes. mailhunt changes "
	        "nothing.",
	        NULL};
	return emit(out, key, g, &sp, "subjects", "words");
}

static int f_consent(struct mh_findings *out, const char *key,
                     const struct agg *g)
{
	int lv = g->level;
	int attempted = !(g->flags & F_OK);
	if (attempted)
		lv--;
	struct fspec sp = {
	        "MH-AUD-CONSENT",
	        "mail permission granted to an app",
	        lv,
	        fmt("%s%s mail permission %s%s granted to app %s%s%s%s",
	            attempted ? "attempted: " : "",
	            g->flags & F_APPWIDE ? "tenant-wide" : "delegated",
	            first_or(&g->set[S_X1], "?"),
	            g->set[S_X1].n > 1 ? " and more" : "", key,
	            g->name ? " (" : "", g->name ? g->name : "",
	            g->name ? ")" : ""),
	        "Check the app in Entra ID (Enterprise applications, "
	        "Permissions) or the Google Admin console (Security, API "
	        "controls, App access control): who consented, its publisher "
	        "and reply URLs; if it is not sanctioned, revoke the grant "
	        "and the app's tokens, disable it, and review the mail it "
	        "read. mailhunt changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "scopes", "operations");
}

static int f_takeout(struct mh_findings *out, const char *key,
                     const struct agg *g)
{
	struct fspec sp = {
	        "MH-GWS-TAKEOUT",
	        "mail exported with Takeout",
	        g->level,
	        fmt("Takeout of %s by %s (%" PRIu64 " record(s)%s)", key,
	            first_or(&g->set[S_ACTOR], "?"), g->records,
	            g->flags & F_OK ? "" : ", failed or canceled"),
	        "Check with the user (or, for a customer takeout, the "
	        "administrators) that this export was intended and where it "
	        "went (TAKEOUT_DESTINATION); if not, revoke the sessions of "
	        "the actor and restrict Takeout for the organisational unit. "
	        "mailhunt changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "events", "destinations");
}

static int f_adminaccess(struct mh_findings *out, const char *key,
                         const struct agg *g)
{
	struct fspec sp = {
	        "MH-GWS-ADMINACCESS",
	        "administrator viewed a user's mail",
	        MH_LEVEL_MEDIUM,
	        fmt("%s viewed %" PRIu64 " Gmail message(s) of %s through the "
	            "security investigation tool; justification: %s",
	            first_or(&g->set[S_ACTOR], "?"), g->records, key,
	            first_or(&g->set[S_X1], "(none given)")),
	        "Check the justification (ticket) against the investigation "
	        "it names and that the administrator was entitled to view "
	        "this user's mail; unexplained access is collection by an "
	        "administrator account: review its sessions and privileges. "
	        "mailhunt changes nothing.",
	        NULL};
	return emit(out, key, g, &sp, "justifications", "events");
}

int mh_audr_findings(struct acc *c, struct mh_findings *out)
{
	static int (*const fn[R__N])(struct mh_findings *, const char *,
	                             const struct agg *) = {
	        f_appread,    f_volume,  f_othermbx, f_login,      f_search,
	        f_harddelete, f_consent, f_takeout,  f_adminaccess};
	for (int r = 0; r < R__N; r++)
		for (size_t i = 0; i < c->map[r].n; i++) {
			/* Only copies of records counted elsewhere (over a
			 * key cap): nothing to say. */
			if (!c->map[r].v[i].a->records)
				continue;
			int rc = fn[r](out, c->map[r].v[i].key,
			               c->map[r].v[i].a);
			if (rc)
				return rc;
		}
	return MH_OK;
}
