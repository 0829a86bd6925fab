/* fwdjoin.c - findings of pairs that audit records or configuration
 * snapshots set up, joined with the mail that left through them, and
 * MH-FWD-MANY (docs/FORWARDING.md "One picture: audit records and mail").
 *
 * A pair is one finding whatever its sources: the audit side says who
 * set the rule or setting up, when, from where and with which conditions
 * (its lead record, struct aud_lead); the mail side how many copies left,
 * first and last, and whether they look forwarded. A pair seen in one
 * source only says so.
 */
#include "analytics/fwdpic.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strmap.h"
#include "core/time.h"

static enum mh_level level_add(enum mh_level l, int d)
{
	int v = (int)l + d;
	if (v < (int)MH_LEVEL_LOW)
		v = MH_LEVEL_LOW;
	if (v > (int)MH_LEVEL_CRITICAL)
		v = MH_LEVEL_CRITICAL;
	return (enum mh_level)v;
}

/* What set the pair up, in words: "inbox rule 'x' of m". */
static void what_text(struct mh_buf *b, const struct agg *a)
{
	const char *rule = a->lead.rule;
	if (a->mechs & (1u << M_GWS_MONITOR))
		mh_buf_printf(b, "Google Workspace email monitor on %s",
		              a->mailbox);
	else if (a->mechs & (1u << M_GWS_ROUTING))
		mh_buf_printf(b, "Google Workspace mail routing setting%s%s%s",
		              rule ? " '" : "", rule ? rule : "",
		              rule ? "'" : "");
	else if (a->mechs & (1u << M_TRANSPORT))
		mh_buf_printf(b, "Transport rule%s%s%s (scope %s)",
		              rule ? " '" : "", rule ? rule : "",
		              rule ? "'" : "", a->mailbox);
	else if (a->mechs & (1u << M_INBOX_RULE))
		mh_buf_printf(b, "Inbox rule%s%s%s of %s", rule ? " '" : "",
		              rule ? rule : "", rule ? "'" : "", a->mailbox);
	else if (a->mechs & (1u << M_MBX_FWD))
		mh_buf_printf(b, "Mailbox forwarding of %s", a->mailbox);
	else
		mh_buf_printf(b, "Gmail forwarding of %s", a->mailbox);
}

static const char *ext_text(const struct agg *a, int external)
{
	return external > 0    ? "external"
	       : external == 0 ? "internal"
	       : strcmp(a->dest, UNKNOWN)
	               ? "internal or external undecided: no organisation "
	                 "domain known, give --org-domain"
	               : "destination unknown";
}

/* A rule name or mailbox as a PowerShell single-quoted argument, or a
 * placeholder when it holds a control character (it is attacker text). */
static void ps_quote(struct mh_buf *b, const char *s, const char *placeholder)
{
	int ok = s && *s;
	for (const char *c = s; ok && *c; c++)
		ok = (unsigned char)*c >= ' ' && *c != 0x7f;
	if (!ok) {
		mh_buf_adds(b, placeholder);
		return;
	}
	mh_buf_addc(b, '\'');
	for (const char *c = s; *c; c++) {
		if (*c == '\'')
			mh_buf_addc(b, '\'');
		mh_buf_addc(b, *c);
	}
	mh_buf_addc(b, '\'');
}

/* The remediation of the mail rule plus the command for this very rule or
 * setting. */
static char *audit_remediation(const struct agg *a, const char *base)
{
	struct mh_buf b = MH_BUF_INIT(4096);
	char mb[ADDR_MAX + 2];
	mh_fw_shell_arg(a->mailbox, mb, sizeof(mb));
	if ((a->mechs & (1u << M_INBOX_RULE)) &&
	    !(a->mechs & (1u << M_TRANSPORT))) {
		mh_buf_printf(&b,
		              "To remove this rule: Remove-InboxRule "
		              "-Mailbox %s -Identity ",
		              mb);
		ps_quote(&b, a->lead.rule, "<rule name>");
		mh_buf_adds(&b, " (or Disable-InboxRule to keep it for the "
		                "investigation). ");
	} else if (a->mechs & (1u << M_MBX_FWD)) {
		mh_buf_printf(&b,
		              "To remove this forwarding: Set-Mailbox %s "
		              "-ForwardingSmtpAddress $null -ForwardingAddress "
		              "$null -DeliverToMailboxAndForward $false. ",
		              mb);
	} else if (a->mechs & (1u << M_TRANSPORT)) {
		mh_buf_adds(&b, "To remove this rule: Remove-TransportRule "
		                "-Identity ");
		ps_quote(&b, a->lead.rule, "<rule name>");
		mh_buf_adds(&b, ". ");
	} else if (a->mechs & (1u << M_GMAIL)) {
		mh_buf_printf(&b,
		              "To remove this forwarding: Gmail settings of %s "
		              "> Forwarding and POP/IMAP > Disable forwarding "
		              "and remove the address. ",
		              mb);
	}
	mh_buf_adds(&b, base);
	return mh_buf_detach(&b, NULL);
}

/* Every rule and setting that made the pair was removed after it was
 * last set and after its last message: *at is the latest removal. */
static int removed_since(const struct mh_fwd *f, const struct agg *a,
                         int64_t *at)
{
	int64_t lo = MH_TS_NONE, hi = MH_TS_NONE;
	int any = 0;
	if (a->mechs & ((1u << M_GMAIL) | (1u << M_GWS_MONITOR)))
		return 0;
	if (a->mechs & (1u << M_GWS_ROUTING)) {
		for (const char *s = a->rules; s && *s;) {
			const char *e = strchr(s, '\x1f');
			size_t k = e ? (size_t)(e - s) : strlen(s);
			char name[ADDR_MAX];
			snprintf(name, sizeof(name), "%.*s", (int)k, s);
			int64_t r = mh_fw_removed(f, M_GWS_ROUTING, a->mailbox,
			                          name);
			if (r == MH_TS_NONE)
				return 0;
			mh_fw_span(&lo, &hi, r);
			any = 1;
			s = e ? e + 1 : s + k;
		}
	}
	if (a->mechs & (1u << M_MBX_FWD)) {
		int64_t r = mh_fw_removed(f, M_MBX_FWD, a->mailbox, "");
		if (r == MH_TS_NONE)
			return 0;
		mh_fw_span(&lo, &hi, r);
		any = 1;
	}
	enum mech m =
	        (a->mechs & (1u << M_TRANSPORT)) ? M_TRANSPORT : M_INBOX_RULE;
	if (a->mechs & ((1u << M_INBOX_RULE) | (1u << M_TRANSPORT))) {
		if (!a->rules)
			return 0;
		for (const char *s = a->rules; *s;) {
			const char *e = strchr(s, '\x1f');
			size_t k = e ? (size_t)(e - s) : strlen(s);
			char name[ADDR_MAX];
			snprintf(name, sizeof(name), "%.*s", (int)k, s);
			int64_t r = mh_fw_removed(f, m, a->mailbox, name);
			if (r == MH_TS_NONE)
				return 0;
			mh_fw_span(&lo, &hi, r);
			any = 1;
			s = e ? e + 1 : s + k;
		}
	}
	if (!any || (a->alast != MH_TS_NONE && lo < a->alast) ||
	    (a->last != MH_TS_NONE && lo < a->last))
		return 0;
	*at = hi;
	return 1;
}

/* An inbox rule of the pair disabled and then enabled again (the latest
 * such): 1 with *dis and *en, else 0. */
static int reenabled(const struct mh_fwd *f, const struct agg *a, int64_t *dis,
                     int64_t *en)
{
	int any = 0;
	if (!(a->mechs & (1u << M_INBOX_RULE)) || !a->rules)
		return 0;
	for (const char *s = a->rules; *s;) {
		const char *e = strchr(s, '\x1f');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		char name[ADDR_MAX];
		snprintf(name, sizeof(name), "%.*s", (int)k, s);
		int64_t d, t = mh_fw_reenabled(f, M_INBOX_RULE, a->mailbox,
		                               name, &d);
		if (t != MH_TS_NONE && (!any || t > *en)) {
			*en = t;
			*dis = d;
			any = 1;
		}
		s = e ? e + 1 : s + k;
	}
	return any;
}

int mh_fw_audit_finding(struct mh_fwd *f, const struct agg *a, const char *rule,
                        const char *title, enum mh_level level, int external,
                        struct mh_findings *out)
{
	const struct aud_lead *l = &a->lead;
	int only_attempts =
	        !a->configured && !a->snapshots && !a->autofwd && a->attempts;
	int disabled = (a->aflags & AF_DISABLED) && !a->configured;
	int64_t rm = MH_TS_NONE;
	int removed = removed_since(f, a, &rm);

	/* An email monitor is always an administrator copying a user's
	 * mail: high whatever the destination. */
	if ((a->mechs & (1u << M_GWS_MONITOR)) && level < MH_LEVEL_HIGH)
		level = MH_LEVEL_HIGH;
	/* The owner keeps nothing, or the rule also hides what it sends:
	 * worse when the mail leaves the organisation (inside it, the same
	 * actions are the everyday shared-mailbox routing). */
	if (external != 0 &&
	    (a->aflags & (AF_NOKEEP | AF_DELETE | AF_MARKREAD | AF_STOP)))
		level = level_add(level, 1);
	if (only_attempts || removed || disabled)
		level = level_add(level, -1);

	struct mh_finding *fd = mh_fw_new_finding(
	        rule, title, level, external, a->mailbox, a->dest, a->mechs);
	if (!fd)
		return MH_ENOMEM;
	int64_t first = a->first, last = a->last;
	mh_fw_span(&first, &last, a->afirst);
	mh_fw_span(&first, &last, a->alast);
	fd->first_seen = first;
	fd->last_seen = last;
	mh_finding_count(fd, "auto_forwarded", a->autofwd);
	mh_finding_count(fd, "looks_forwarded", a->looks);
	mh_finding_count(fd, "configured", a->configured);
	mh_finding_count(fd, "snapshots", a->snapshots);
	mh_finding_count(fd, "attempts", a->attempts);

	int rc = MH_OK;
	/* The actor only when it is not the mailbox itself. */
	if (l->actor && strcasecmp(l->actor, a->mailbox) != 0 &&
	    !(fd->actor = strdup(l->actor)))
		rc = MH_ENOMEM;
	if (l->client_ip && !(fd->client_ip = strdup(l->client_ip)))
		rc = MH_ENOMEM;
	if (l->app && !(fd->app = strdup(l->app)))
		rc = MH_ENOMEM;
	const char *source = (a->srcs & S_MAIL)    ? "audit+mail"
	                     : (a->srcs & S_AUDIT) ? "audit"
	                                           : "config-snapshot";
	if (mh_finding_attr(fd, "source", source) ||
	    (l->operation && mh_finding_attr(fd, "operation", l->operation)) ||
	    (l->rule && mh_finding_attr(fd, "rule_name", l->rule)) ||
	    (l->conditions &&
	     mh_finding_attr(fd, "conditions", l->conditions)) ||
	    (l->actions && mh_finding_attr(fd, "actions", l->actions)))
		rc = MH_ENOMEM;
	char iso[21], rmiso[21], disiso[21], eniso[21];
	if (removed) {
		mh_time_iso(rm, rmiso);
		if (mh_finding_attr(fd, "removed_at", rmiso))
			rc = MH_ENOMEM;
	}
	/* Disabled for a while and enabled again: not removed, said. */
	int64_t dis = MH_TS_NONE, en = MH_TS_NONE;
	int again = !removed && reenabled(f, a, &dis, &en);
	if (again) {
		mh_time_iso(dis, disiso);
		mh_time_iso(en, eniso);
		if (mh_finding_attr(fd, "disabled_at", disiso) ||
		    mh_finding_attr(fd, "enabled_again_at", eniso))
			rc = MH_ENOMEM;
	}
	char *base = fd->remediation;
	fd->remediation = audit_remediation(a, base ? base : "");
	free(base);
	if (rc || !fd->remediation) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}

	struct mh_buf b = MH_BUF_INIT(4096);
	what_text(&b, a);
	if (a->mechs & (1u << M_GWS_ROUTING))
		mh_buf_adds(&b,
		            " changed: an organisation-wide rule that may "
		            "copy or reroute mail, whose destination the "
		            "record does not hold (check the rule's content)");
	else
		mh_buf_printf(&b, " %s to %s (%s)",
		              only_attempts ? "was attempted, forwarding"
		              : disabled    ? "(disabled) forwards"
		                            : "forwards",
		              a->dest, ext_text(a, external));
	if (l->rank == 1) {
		mh_buf_adds(&b, ": configured, time unknown (configuration "
		                "export)");
	} else {
		if (l->actor)
			mh_buf_printf(&b, ", set by %s", l->actor);
		if (l->client_ip)
			mh_buf_printf(&b, " from %s", l->client_ip);
		if (l->ts != MH_TS_NONE) {
			mh_time_iso(l->ts, iso);
			mh_buf_printf(&b, " at %s", iso);
		}
		if (l->operation)
			mh_buf_printf(&b, " (%s)", l->operation);
	}
	if (a->configured + a->attempts > 1)
		mh_buf_printf(&b,
		              "; %llu changes and %llu failed attempts "
		              "in the audit log",
		              (unsigned long long)a->configured,
		              (unsigned long long)a->attempts);
	if (only_attempts)
		mh_buf_adds(&b, "; the change failed: an attempt");
	if (a->aflags & (AF_NOKEEP | AF_DELETE | AF_MARKREAD | AF_STOP)) {
		mh_buf_adds(&b, "; it also");
		const char *sep = " ";
		if (a->aflags & AF_NOKEEP) {
			mh_buf_printf(&b, "%skeeps no copy in the mailbox",
			              sep);
			sep = ", ";
		}
		if (a->aflags & AF_DELETE) {
			mh_buf_printf(&b, "%sdeletes the message", sep);
			sep = ", ";
		}
		if (a->aflags & AF_MARKREAD) {
			mh_buf_printf(&b, "%smarks it read", sep);
			sep = ", ";
		}
		if (a->aflags & AF_STOP)
			mh_buf_printf(&b, "%sstops the rules after it", sep);
	}
	if (removed)
		mh_buf_printf(&b, "; removed at %s", rmiso);
	if (again)
		mh_buf_printf(&b,
		              "; disabled at %s and enabled again at %s: it "
		              "forwards again",
		              disiso, eniso);
	if (a->autofwd) {
		char when[64];
		mh_fw_when_text(a->first, a->last, when, sizeof(when));
		mh_buf_printf(&b,
		              "; %llu message%s left through it %s, %llu of "
		              "them look%s forwarded",
		              (unsigned long long)a->autofwd,
		              a->autofwd == 1 ? "" : "s", when,
		              (unsigned long long)a->looks,
		              a->looks == 1 ? "s" : "");
	} else if (f->messages) {
		mh_buf_printf(&b,
		              "; seen only in the %s: no message through "
		              "it in the mail scanned",
		              l->rank == 1 ? "configuration export"
		                           : "audit log");
	} else {
		mh_buf_printf(&b,
		              "; seen only in the %s: no mail store was "
		              "scanned",
		              l->rank == 1 ? "configuration export"
		                           : "audit log");
	}
	return mh_fw_push(out, fd, mh_buf_detach(&b, NULL), a);
}

/* MARK: - MH-FWD-MANY */

static int pair_cmp(const void *x, const void *y)
{
	const struct agg *a = *(const struct agg *const *)x;
	const struct agg *b = *(const struct agg *const *)y;
	int c = strcmp(a->dest, b->dest);
	return c ? c : strcmp(a->mailbox, b->mailbox);
}

/* A mailbox that names one. */
static int real_mailbox(const char *m)
{
	return strcmp(m, UNKNOWN) != 0 && strchr(m, '@') != NULL;
}

static int many_finding(struct mh_fwd *f, const struct agg *const *v, size_t n,
                        struct mh_findings *out)
{
	size_t nmb = 0;
	uint64_t copies = 0, configured = 0;
	unsigned mechs = 0;
	int external = -1;
	const struct agg *top = v[0];
	int64_t first = MH_TS_NONE, last = MH_TS_NONE;
	struct mh_buf list = MH_BUF_INIT(512);
	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i];
		if (!i || strcmp(a->mailbox, v[i - 1]->mailbox) != 0) {
			nmb++;
			if (list.len < 600)
				mh_buf_printf(&list, "%s%s",
				              list.len ? ", " : "", a->mailbox);
		}
		copies += a->autofwd;
		configured += a->configured + a->snapshots;
		mechs |= a->mechs;
		int e = (a->aflags & AF_X500)
		                ? 0
		                : mh_fw_externality(f, a->mailbox, a->dest);
		if (e > external)
			external = e;
		mh_fw_span(&first, &last, a->first);
		mh_fw_span(&first, &last, a->last);
		mh_fw_span(&first, &last, a->afirst);
		mh_fw_span(&first, &last, a->alast);
		if (a->naev + a->nev > top->naev + top->nev)
			top = a;
	}
	if (nmb < 2) {
		mh_buf_release(&list);
		return MH_OK;
	}
	enum mh_level level = external > 0    ? MH_LEVEL_HIGH
	                      : external == 0 ? MH_LEVEL_LOW
	                                      : MH_LEVEL_MEDIUM;
	struct mh_finding *fd = mh_fw_new_finding(
	        "MH-FWD-MANY", "Several mailboxes forward to one destination",
	        level, external, UNKNOWN, v[0]->dest, mechs);
	if (!fd) {
		mh_buf_release(&list);
		return MH_ENOMEM;
	}
	fd->first_seen = first;
	fd->last_seen = last;
	mh_finding_count(fd, "mailboxes", nmb);
	mh_finding_count(fd, "auto_forwarded", copies);
	mh_finding_count(fd, "configured", configured);
	if (mh_finding_attr(fd, "mailboxes", list.p ? list.p : "")) {
		mh_buf_release(&list);
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	struct mh_buf b = MH_BUF_INIT(2048);
	mh_buf_printf(&b,
	              "%zu mailboxes forward to %s (%s): %s; one destination "
	              "collecting several mailboxes' mail is a collection "
	              "point (%llu messages forwarded, %llu rules or "
	              "settings)",
	              nmb, v[0]->dest, ext_text(v[0], external),
	              list.p ? list.p : "", (unsigned long long)copies,
	              (unsigned long long)configured);
	mh_buf_release(&list);
	return mh_fw_push(out, fd, mh_buf_detach(&b, NULL), top);
}

int mh_fw_many_findings(struct mh_fwd *f, const struct mh_strmap_slot *const *v,
                        size_t n, struct mh_findings *out)
{
	const struct agg **p = malloc((n ? n : 1) * sizeof(*p));
	size_t k = 0;
	int rc = MH_OK;
	if (!p)
		return MH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i]->val;
		if (a && strcmp(a->dest, UNKNOWN) != 0 &&
		    real_mailbox(a->mailbox))
			p[k++] = a;
	}
	qsort(p, k, sizeof(*p), pair_cmp);
	for (size_t i = 0; i < k && rc == MH_OK;) {
		size_t j = i + 1;
		while (j < k && !strcmp(p[j]->dest, p[i]->dest))
			j++;
		if (j - i >= 2)
			rc = many_finding(f, p + i, j - i, out);
		i = j;
	}
	free(p);
	return rc;
}
