/* simscen.c - the forwarding scenarios `mailhunt simulate` injects
 * (docs/FORWARDING.md), the Exchange Online journal set-ups
 * (--exchange-journal) and ground-truth.tsv (sim_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/time.h"
#include "mail/date.h"
#include "sim/sim_int.h"
#include "sim/simaudit.h"
#include "sim/simexo.h"
#include "sim/simtext.h"

/* MARK: - scenarios */

static const struct sc_def {
	unsigned bit;
	const char *name;
	unsigned victim, dest_user;
	const char *dest;
	unsigned count;
	int keeps_original;
	double start_day, step_hours;
} sc_defs[] = {
        {MH_SIM_SC_RULE_EXT, "exchange-inbox-rule-external", 0, 0,
         "exfil.box@protonmail.example", 12, 1, 9.0, 8.0},
        {MH_SIM_SC_FWD_SMTP, "exchange-forwardingsmtpaddress", 1, 0,
         "b.keller.archive@freemail.example", 40, 1, 10.0, 6.5},
        {MH_SIM_SC_GMAIL, "gmail-forwarding", 6, 0,
         "grace.l.private@gmail.example", 8, 1, 10.5, 7.0},
        {MH_SIM_SC_RULE_INT, "exchange-inbox-rule-internal", 2, 3, NULL, 6, 1,
         11.0, 11.0},
        {MH_SIM_SC_SIEVE, "sieve-redirect", 7, 0, "heidi@home-isp.example", 5,
         0, 12.0, 5.0},
};

/* Scenarios of the audit logs only (simaudplant.c, simaudgws.c). */
static const struct {
	unsigned bit;
	const char *name;
} audit_sc[] = {
        {MH_SIM_SC_MBXFWD_HIDDEN, "m365-mailbox-forwarding-hidden"},
        {MH_SIM_SC_INBOX_RULES, "m365-inbox-rules"},
        {MH_SIM_SC_TRANSPORT, "m365-transport-rule"},
        {MH_SIM_SC_APP_READ, "m365-app-mail-read"},
        {MH_SIM_SC_DELEGATE, "m365-delegate-access"},
        {MH_SIM_SC_IMPERSONATION, "m365-impersonation"},
        {MH_SIM_SC_EDISCOVERY, "m365-ediscovery-export"},
        {MH_SIM_SC_MBX_EXPORT, "m365-mailbox-export"},
        {MH_SIM_SC_IMAP_BULK, "m365-imap-bulk-read"},
        {MH_SIM_SC_GWS_MONITOR, "gws-email-monitor"},
        {MH_SIM_SC_GWS_TAKEOUT, "gws-takeout"},
        {MH_SIM_SC_GWS_OAUTH, "gws-oauth-gmail"},
        {MH_SIM_SC_GWS_ADMIN_ACCESS, "gws-admin-mail-access"},
};

const char *mh_sim_scenario_name(unsigned bit)
{
	for (size_t i = 0; i < NELEM(sc_defs); i++)
		if (sc_defs[i].bit == bit)
			return sc_defs[i].name;
	for (size_t i = 0; i < NELEM(audit_sc); i++)
		if (audit_sc[i].bit == bit)
			return audit_sc[i].name;
	return NULL;
}

int mh_sim_scenarios_parse(const char *list, unsigned *out, struct mh_err *err)
{
	unsigned m = 0;
	const char *p = list;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (n == 3 && !strncmp(p, "all", 3)) {
			m |= MH_SIM_SC_ALL;
		} else if (n == 4 && !strncmp(p, "none", 4)) {
			/* nothing */
		} else {
			unsigned bit = 0;
			for (unsigned b = 1; b & MH_SIM_SC_ALL; b <<= 1) {
				const char *name = mh_sim_scenario_name(b);
				if (name && strlen(name) == n &&
				    !strncmp(name, p, n))
					bit = b;
			}
			if (!bit)
				return mh_err_set(err, MH_EINVAL,
				                  "unknown scenario '%.*s'",
				                  (int)(n > 64 ? 64 : n), p);
			m |= bit;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	*out = m;
	return MH_OK;
}

static void sc_dest(struct sim *s, const struct scenario *x, char *out,
                    size_t n)
{
	if (x->dest)
		snprintf(out, n, "%s", x->dest);
	else
		snprintf(out, n, "%s", s->users[x->dest_user].addr);
}

/* date is when the forwarded copy was delivered (its From_ line and top
 * Received), the time a scan reports (docs/FORWARDING.md). */
static void sc_seen(struct scenario *x, int64_t date)
{
	if (!x->written || date < x->first)
		x->first = date;
	if (!x->written || date > x->last)
		x->last = date;
	x->written++;
}

/* The original (composed by sc_original) lands in the victim's inbox at
 * t, with its Received chain from s->part under the delivery fields. */
static int deliver_original(struct sim *s, const struct scenario *x,
                            const struct ext *e, int64_t t)
{
	struct mh_simgen *g = &s->g;
	sm_trace_begin(s);
	mh_simgen_fieldf(g, "Return-Path", "<%s>", e->addr);
	mh_simgen_field(g, "Delivered-To", s->users[x->victim].addr);
	mh_simgen_addn(g, s->part.p, s->part.len);
	sm_trace_end(s);
	return sm_store_user(s, x->victim, NULL, e->addr, t);
}

/* The message a victim receives: ordinary inbound mail. Composed in
 * g.b; its inbound Received chain (without envelope) left in s->part. */
static void sc_original(struct sim *s, struct scenario *x, unsigned i,
                        int64_t t, struct ext *e, struct compose *c, char *subj,
                        size_t subjn, const char **subj_txt)
{
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	sm_pick_contact(s, e);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	struct mh_simbody bd = {0};
	struct mh_simorig orig;
	struct ext o; /* orig.from points here: same scope as bd */
	const struct mh_simfwd *fs = NULL;
	/* ForwardingSmtpAddress: 2 of 40 originals are themselves manual
	 * forwards, so a few copies look forwarded (5 %, below 10 %). */
	if (x->bit == MH_SIM_SC_FWD_SMTP && i % 20 == 7) {
		sm_pick_contact(s, &o);
		fs = mh_simgen_fwd_style(g);
		sm_fill_orig(s, &orig, &o.p, &e->p, t);
		snprintf(subj, subjn, "%s%s", fs->prefix, orig.subject);
		bd.fwd = fs;
		bd.orig = &orig;
		*subj_txt = orig.subject_txt;
	} else {
		/* Replies only: a "Re:" never makes a message look
		 * forwarded. */
		snprintf(subj, subjn, "%s%s",
		         mh_simgen_below(g, 4) ? "" : mh_simgen_reply_prefix(g),
		         topic->enc);
		*subj_txt = topic->txt;
	}
	mh_simgen_reset(g);
	memset(c, 0, sizeof(*c));
	c->from = &e->p;
	c->to[0] = &v->p;
	c->nto = 1;
	c->subject = subj;
	c->date = t - 40 - (int64_t)mh_simgen_below(g, 500);
	c->tz = sm_ext_tz(e, c->date);
	c->mua = sm_ext_mua(s);
	sm_originator(s, c);
	bd.flags = sm_body_flags(s) & ~(unsigned)MH_SIMBODY_FROMS;
	bd.paragraphs = 1 + mh_simgen_below(g, 4);
	bd.attachments = sm_n_attachments(s);
	bd.signer = e->p.txt;
	bd.org = e->dom->name;
	mh_simgen_body(g, &bd);
	mh_buf_reset(&s->part);
	mh_simgen_target(g, &s->part);
	sm_trace_inbound(s, e->addr, v->addr, e->dom, t, 0);
	mh_simgen_target(g, NULL);
}

static void exchange_hops(struct sim *s, const char *to_host, int64_t t)
{
	struct mh_simgen *g = &s->g;
	char d[80];
	mh_simgen_date(t, 0, 1, d, sizeof(d));
	mh_simgen_addf(g,
	               "Received: from EX01.%s (10.1.2.3) by %s.%s "
	               "(10.1.2.9)",
	               s->org, to_host, s->org);
	mh_simgen_eol(g);
	mh_simgen_add(g, "\twith Microsoft SMTP Server (version=TLS1_2, "
	                 "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id");
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\t15.2.1544.4; %s", d);
	mh_simgen_eol(g);
}

static void exchange_org_fields(struct sim *s)
{
	struct mh_simgen *g = &s->g;
	unsigned long long a = mh_simgen_next(g), b = mh_simgen_next(g);
	mh_simgen_fieldf(g, "X-MS-Exchange-Organization-Network-Message-Id",
	                 "%08llx-%04llx-%04llx-%04llx-%012llx", a >> 32,
	                 (a >> 16) & 0xffff, a & 0xffff, b >> 48,
	                 b & 0xffffffffffffULL);
	mh_simgen_field(g, "X-MS-Exchange-Organization-AuthAs", "Internal");
	mh_simgen_fieldf(g, "X-MS-Exchange-Organization-AuthSource", "EX01.%s",
	                 s->org);
}

/* Inbox rule (a: external, d: internal): the rule agent writes a new
 * "FW:" message from the victim with the original quoted. */
static int sc_rule(struct sim *s, struct scenario *x, unsigned i, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	struct ext e;
	struct compose oc;
	char osubj[600], dest[200], subj[700];
	const char *otxt = NULL;
	int64_t tdel = t - 30 - (int64_t)mh_simgen_below(g, 60);
	sc_original(s, x, i, tdel, &e, &oc, osubj, sizeof(osubj), &otxt);
	/* The original stays in the victim's inbox. */
	int rc = deliver_original(s, x, &e, tdel);
	if (rc)
		return rc;

	sc_dest(s, x, dest, sizeof(dest));
	struct mh_simperson to = {dest, NULL, NULL};
	struct mh_simorig orig = {0};
	orig.from = e.p;
	orig.to = v->p;
	orig.subject = osubj;
	orig.subject_txt = otxt;
	orig.t = oc.date;
	orig.tz = oc.tz;
	orig.msgid = oc.msgid;
	snprintf(subj, sizeof(subj), "FW: %s", osubj);
	struct compose c = {0};
	mh_simgen_reset(g);
	c.from = &v->p;
	c.to[0] = &to;
	c.nto = 1;
	c.subject = subj;
	c.date = t;
	c.tz = mh_simgen_zone_cet(t);
	c.mua = MUA_OUTLOOK;
	mh_simgen_field(g, "X-MS-Exchange-Organization-AutoForwarded", "true");
	mh_simgen_field(g, "X-MS-Exchange-Inbox-Rules-Loop", v->addr);
	mh_simgen_field(g, "X-MS-Exchange-Generated-Message-Source",
	                "Mailbox Rules Agent");
	exchange_org_fields(s);
	sm_originator(s, &c);
	static const struct mh_simfwd outlook = {
	        "FW: ",   "-----Original Message-----", "From", "Sent", "To",
	        "Subject"};
	struct mh_simbody bd = {0};
	bd.flags = MH_SIMBODY_8BIT | (i % 2 ? MH_SIMBODY_HTML : 0);
	bd.paragraphs = 1;
	bd.fwd = &outlook;
	bd.orig = &orig;
	bd.attachments = i % 3 == 0;
	mh_simgen_body(g, &bd);
	sm_trace_begin(s);
	if (x->dest) {
		mh_simgen_field(g, "X-Original-To", dest);
		mh_simgen_field(g, "Delivered-To", dest);
		exchange_hops(s, "mx-out", t + 1);
	} else {
		mh_simgen_fieldf(g, "Return-Path", "<%s>", v->addr);
		mh_simgen_field(g, "Delivered-To", dest);
		exchange_hops(s, "EX02", t + 1);
	}
	sm_trace_end(s);
	sc_seen(x, t + 1);
	s->st->scenario_messages++;
	if (x->dest)
		return sm_store_journal(s, v->addr, t + 1);
	return sm_store_user(s, x->dest_user, NULL, v->addr, t + 1);
}

/* Admin forwarding (b): the copy is the original message, unchanged,
 * with Exchange's forwarding fields on top. */
static int sc_fwd_smtp(struct sim *s, struct scenario *x, unsigned i, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	struct ext e;
	struct compose oc;
	char osubj[600], dest[200];
	const char *otxt = NULL;
	sc_original(s, x, i, t, &e, &oc, osubj, sizeof(osubj), &otxt);
	int rc = deliver_original(s, x, &e, t);
	if (rc)
		return rc;
	sc_dest(s, x, dest, sizeof(dest));
	sm_trace_begin(s);
	mh_simgen_field(g, "X-Original-To", dest);
	mh_simgen_field(g, "Delivered-To", dest);
	exchange_hops(s, "mx-out", t + 2);
	mh_simgen_field(g, "X-MS-Exchange-Organization-AutoForwarded", "true");
	mh_simgen_fieldf(g, "X-MS-Exchange-ForwardingLoop", "%s;%s", v->addr,
	                 s->tenant);
	exchange_org_fields(s);
	mh_simgen_addn(g, s->part.p, s->part.len);
	sm_trace_end(s);
	sc_seen(x, t + 2);
	s->st->scenario_messages++;
	return sm_store_journal(s, e.addr, t + 2);
}

/* Gmail forwarding (c): Google re-sends the message to the forwarding
 * address with its X-Forwarded-* fields and a "+caf_=" envelope. */
static int sc_gmail(struct sim *s, struct scenario *x, unsigned i, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	struct ext e;
	struct compose oc;
	char osubj[600], dest[200], d[80], caf[300];
	const char *otxt = NULL;
	sc_original(s, x, i, t, &e, &oc, osubj, sizeof(osubj), &otxt);
	int rc = deliver_original(s, x, &e, t);
	if (rc)
		return rc;
	sc_dest(s, x, dest, sizeof(dest));
	const char *at = strchr(dest, '@');
	snprintf(caf, sizeof(caf), "%s+caf_=%.*s=%s@%s", v->local,
	         (int)(at - dest), dest, at + 1, s->org);
	sm_trace_begin(s);
	mh_simgen_field(g, "Delivered-To", dest);
	mh_simgen_date(t + 3, -480, 1, d, sizeof(d));
	mh_simgen_addf(g,
	               "Received: by 2002:a05:6000:1a8c:b0:33e:%x:%x with "
	               "SMTP id %llx;",
	               mh_simgen_below(g, 0xffff), mh_simgen_below(g, 0xffff),
	               (unsigned long long)mh_simgen_next(g));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "        %s", d);
	mh_simgen_eol(g);
	mh_simgen_field(g, "X-Forwarded-To", dest);
	mh_simgen_fieldf(g, "X-Forwarded-For", "%s %s", v->addr, dest);
	mh_simgen_fieldf(g, "X-Google-Smtp-Source", "AGHT+IE%016llx",
	                 (unsigned long long)mh_simgen_next(g));
	mh_simgen_fieldf(g, "Return-Path", "<%s>", caf);
	mh_simgen_date(t + 2, -480, 1, d, sizeof(d));
	mh_simgen_add(g, "Received: from mail-sor-f41.google.example "
	                 "(mail-sor-f41.google.example. [209.85.220.41])");
	mh_simgen_eol(g);
	mh_simgen_addf(g, "        by mx.google.example with SMTPS id %llx",
	               (unsigned long long)(mh_simgen_next(g) >> 8));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "        for <%s>; %s", dest, d);
	mh_simgen_eol(g);
	mh_simgen_fieldf(g, "Received-SPF",
	                 "pass (google.example: domain of %s designates "
	                 "209.85.220.41 as permitted sender) "
	                 "client-ip=209.85.220.41;",
	                 caf);
	mh_simgen_addn(g, s->part.p, s->part.len);
	sm_trace_end(s);
	sc_seen(x, t + 3);
	s->st->scenario_messages++;
	return sm_store_journal(s, caf, t + 3);
}

/* Sieve redirect (e): Pigeonhole resends the message unchanged, adding
 * X-Sieve-Redirected-From above the victim's Delivered-To. */
static int sc_sieve(struct sim *s, struct scenario *x, unsigned i, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	struct ext e;
	struct compose oc;
	char osubj[600], dest[200], d[80];
	const char *otxt = NULL;
	sc_original(s, x, i, t, &e, &oc, osubj, sizeof(osubj), &otxt);
	sc_dest(s, x, dest, sizeof(dest));
	sm_trace_begin(s);
	mh_simgen_field(g, "X-Original-To", dest);
	mh_simgen_field(g, "Delivered-To", dest);
	mh_simgen_date(t + 1, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_addf(g, "Received: from mail.%s (mail.%s [192.0.2.25])",
	               s->org, s->org);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mx-out.%s (Postfix) with ESMTPS id %010llX",
	               s->org, sm_qid(s));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tfor <%s>; %s", dest, d);
	mh_simgen_eol(g);
	mh_simgen_field(g, "X-Sieve", "Pigeonhole Sieve 0.5.21 (f6cd4b7e)");
	mh_simgen_field(g, "X-Sieve-Redirected-From", v->addr);
	mh_simgen_field(g, "Delivered-To", v->addr);
	mh_simgen_addn(g, s->part.p, s->part.len);
	sm_trace_end(s);
	sc_seen(x, t + 1);
	s->st->scenario_messages++;
	return sm_store_journal(s, e.addr, t + 1);
}

int sm_sc_message(struct sim *s, struct scenario *x, unsigned i, int64_t t)
{
	switch (x->bit) {
	case MH_SIM_SC_RULE_EXT:
	case MH_SIM_SC_RULE_INT: return sc_rule(s, x, i, t);
	case MH_SIM_SC_FWD_SMTP: return sc_fwd_smtp(s, x, i, t);
	case MH_SIM_SC_GMAIL: return sc_gmail(s, x, i, t);
	default: return sc_sieve(s, x, i, t);
	}
}

/* MARK: - Exchange Online journal (--exchange-journal) */

/* How a journal set-up forwards (docs/SIMULATE.md "Exchange journal"). */
enum jhow {
	J_RULE_FWD,      /* inbox rule "forward": a new "FW:" message */
	J_RULE_REDIRECT, /* inbox rule "redirect": the message unchanged */
	J_FWD_SMTP,      /* ForwardingSmtpAddress (admin), external */
	J_FWD_ADDR,      /* ForwardingAddress (admin), to a colleague */
};

static const struct jfwd_def {
	const char *name;
	const char *dest; /* external, or NULL: dest_user */
	enum jhow how;
	unsigned victim, dest_user;
	unsigned weight; /* per mille of the forwarding events */
} jfwd_defs[] = {
        {"exchange-inbox-rule-forward-external", "exfil.box@protonmail.example",
         J_RULE_FWD, 0, 0, 250},
        {"exchange-forwardingsmtpaddress-external",
         "b.keller.archive@freemail.example", J_FWD_SMTP, 1, 0, 300},
        {"exchange-inbox-rule-redirect-internal", NULL, J_RULE_REDIRECT, 2, 3,
         200},
        {"exchange-inbox-rule-redirect-external",
         "erin.dubois@home-isp.example", J_RULE_REDIRECT, 4, 0, 150},
        {"exchange-forwardingaddress-internal", NULL, J_FWD_ADDR, 5, 6, 100},
};

/* The ground truth of one journal set-up: the pair finding, and the
 * ratio finding when its copies do not look forwarded (docs/FORWARDING.md
 * MH-FWD-RATIO: at least 5, high from 20 when external). */
static void journal_truth(struct sim *s, FILE *f, const struct scenario *x,
                          const char *dest, const char *a, const char *b)
{
	const char *mb = s->users[x->victim].addr;
	int external = x->dest != NULL;
	fprintf(f, "%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\n", x->name,
	        external ? "MH-FWD-EXT" : "MH-FWD-INT",
	        external ? "high" : "low", mb, dest, x->written, a, b);
	s->st->truth_lines++;
	if (x->how == J_RULE_FWD || x->written < 5)
		return;
	/* Internal only: low, as MH-FWD-INT. */
	fprintf(f, "%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\n", x->name, "MH-FWD-RATIO",
	        !external          ? "low"
	        : x->written >= 20 ? "high"
	                           : "medium",
	        mb, dest, x->written, a, b);
	s->st->truth_lines++;
}

void sm_journal_setups(struct sim *s)
{
	for (size_t k = 0; k < NELEM(jfwd_defs); k++) {
		const struct jfwd_def *d = &jfwd_defs[k];
		struct scenario *x = &s->sc[s->nsc++];
		memset(x, 0, sizeof(*x));
		x->how = (int)d->how;
		x->name = d->name;
		x->victim = d->victim;
		x->dest_user = d->dest_user;
		x->dest = d->dest;
	}
}

static const char *const titles[] = {
        "Account Manager", "Head of Finance", "Project Lead",
        "Senior Engineer", "Office Manager",  "Legal Counsel",
};

/* Confidentiality notices that transport rules append: they hold the
 * words of separator phrases ("message", "Nachricht") in ordinary text,
 * as most real business mail does. */
static const char *const disclaimers[] = {
        "This message and any attachments are confidential and intended "
        "solely for the addressee. If you have received this message in "
        "error, please notify the sender immediately and delete it. Any "
        "unauthorised use or disclosure is prohibited.",
        "Diese Nachricht und ihre Anh\xc3\xa4nge sind vertraulich und "
        "nur f\xc3\xbcr den Empf\xc3\xa4nger bestimmt. Wenn Sie diese "
        "Nachricht irrt\xc3\xbcmlich erhalten haben, benachrichtigen Sie "
        "bitte den Absender und l\xc3\xb6schen Sie die Nachricht.",
        "Ce message et ses pi\xc3\xa8"
        "ces jointes sont confidentiels et "
        "destin\xc3\xa9s exclusivement \xc3\xa0 leur destinataire. Si "
        "vous avez re\xc3\xa7u ce message par erreur, merci d'en "
        "avertir l'exp\xc3\xa9"
        "diteur et de le supprimer.",
};

/* The signature and size of an Outlook body. */
static void journal_body(struct sim *s, struct mh_simexo_body *bd,
                         const char *signer, const char *org)
{
	struct mh_simgen *g = &s->g;
	static const char *const phones[] = {
	        "+49 30 5550 123", "+44 20 7946 0958", "+33 1 70 18 99 00",
	        "+1 212 555 0142", "+39 02 555 0199",
	};
	memset(bd, 0, sizeof(*bd));
	bd->paragraphs = 11 + mh_simgen_below(g, 16);
	bd->signer = signer;
	bd->title = titles[mh_simgen_below(g, NELEM(titles))];
	bd->org = org;
	bd->phone = phones[mh_simgen_below(g, NELEM(phones))];
	bd->image = mh_simgen_below(g, 10) < 3;
	/* Most of the organisation's mail, some of the partners'. */
	if (mh_simgen_below(g, 100) < (strcmp(org, s->org) ? 40u : 70u))
		bd->disclaimer =
		        disclaimers[mh_simgen_below(g, NELEM(disclaimers))];
}

/* Trace of a journaled message: Delivered-To (the envelope recipient)
 * when given, Exchange Online hops dated t, ARC for mail from outside,
 * the anti-spam fields. */
static void journal_trace(struct sim *s, const char *rcpt, const char *client,
                          const char *sender_domain, int inbound, int64_t t)
{
	struct mh_simgen *g = &s->g;
	if (rcpt)
		mh_simgen_field(g, "Delivered-To", rcpt);
	mh_simexo_received(g, client, 6 + mh_simgen_below(g, 7), t);
	if (inbound) {
		mh_simexo_arc(g, 1, "microsoft.com", sender_domain, t);
		mh_simgen_fieldf(g, "Authentication-Results",
		                 "spf=pass (sender IP is 198.51.100.%u) "
		                 "smtp.mailfrom=%s; dkim=pass (signature was "
		                 "verified) header.d=%s;dmarc=pass action=none "
		                 "header.from=%s;compauth=pass reason=100",
		                 2 + mh_simgen_below(g, 250), sender_domain,
		                 sender_domain, sender_domain);
	}
	mh_simexo_antispam(g, s->tenant, inbound, t);
}

/* A journaled message being composed: what a copy of it needs. */
struct jmsg {
	struct compose c;
	struct ext e;
	struct mh_simorig orig;
	char subj[600], prev_id[96];
	const char *subj_txt; /* decoded subject (static storage) */
};

/* Ordinary journaled mail: from outside, to outside or internal
 * (to_victim: from outside to that user). Its message part stays in g.b
 * (a forwarding set-up re-sends it). */
static int journal_ordinary(struct sim *s, int64_t t, int to_victim,
                            unsigned victim, struct jmsg *m)
{
	struct mh_simgen *g = &s->g;
	struct compose *c = &m->c;
	struct ext *e = &m->e;
	unsigned kind = to_victim ? 0 : mh_simgen_below(g, 100);
	unsigned u = to_victim ? victim : mh_simgen_below(g, s->nusers);
	unsigned v = sm_other_user(s, u);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	int inbound = kind < 45, internal = kind >= 80;
	int reply = mh_simgen_below(g, 3) == 0;
	/* Manual "FW:" by a user: looks forwarded, no artefact. Never on
	 * mail a set-up re-sends (its copies must not look forwarded). */
	int manual_fwd = !inbound && !to_victim && mh_simgen_below(g, 20) == 0;
	sm_pick_contact(s, e);
	mh_simgen_reset(g);
	memset(c, 0, sizeof(*c));
	memset(&m->orig, 0, sizeof(m->orig));
	m->subj_txt = topic->txt;
	c->from = inbound ? &e->p : &s->users[u].p;
	c->to[0] = inbound ? &s->users[u].p : internal ? &s->users[v].p : &e->p;
	c->nto = 1;
	if (!internal && mh_simgen_below(g, 4) == 0) {
		c->cc[0] = &s->users[v].p;
		c->ncc = 1;
	}
	c->date = t - 2 - (int64_t)mh_simgen_below(g, 30);
	c->tz = inbound ? sm_ext_tz(e, c->date) : mh_simgen_zone_cet(c->date);
	c->mua = inbound ? sm_ext_mua(s) : MUA_OUTLOOK;
	if (manual_fwd || reply) {
		m->orig.from = manual_fwd ? e->p : *c->to[0];
		m->orig.to = *c->from;
		m->orig.subject = topic->enc;
		m->orig.subject_txt = topic->txt;
		m->orig.t = c->date - HOUR - (int64_t)mh_simgen_below(g, 86400);
		m->orig.tz = mh_simgen_zone_cet(m->orig.t);
	}
	if (manual_fwd)
		snprintf(m->subj, sizeof(m->subj), "FW: %s", topic->enc);
	else if (reply)
		snprintf(m->subj, sizeof(m->subj), "%s%s",
		         mh_simgen_below(g, 2) ? "RE: " : "Re: ", topic->enc);
	else
		snprintf(m->subj, sizeof(m->subj), "%s", topic->enc);
	if (reply && !manual_fwd) {
		snprintf(m->prev_id, sizeof(m->prev_id), "%016llx@%s",
		         (unsigned long long)mh_simgen_next(g),
		         inbound ? s->org : e->dom->name);
		c->in_reply_to = m->prev_id;
	}
	c->subject = m->subj;
	if (inbound)
		sm_dkim(s, e->dom->name);
	sm_originator(s, c);
	struct mh_simexo_body bd;
	journal_body(s, &bd, c->from->txt ? c->from->txt : c->from->addr,
	             inbound ? e->dom->name : s->org);
	if (manual_fwd || reply) {
		bd.orig = &m->orig;
		bd.fwd = manual_fwd;
	}
	mh_simexo_body(g, &bd);

	sm_trace_begin(s);
	journal_trace(s, NULL, inbound ? e->dom->mx : "EX01.corp.example",
	              e->dom->name, inbound, t);
	sm_trace_end(s);
	return sm_store_journal(s, c->from->addr, t);
}

/* One copy made by set-up x of the message just stored (in g.b, sent
 * by e to the victim at t0), delivered at t. */
static int journal_copy(struct sim *s, struct scenario *x, int64_t t,
                        const struct jmsg *m)
{
	const struct compose *oc = &m->c;
	const struct ext *e = &m->e;
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	char dest[200], loop[300];
	sc_dest(s, x, dest, sizeof(dest));
	if (x->how == J_RULE_FWD) {
		/* The rule agent writes a new message from the victim. */
		char subj[700];
		struct mh_simperson to = {dest, NULL, NULL};
		struct mh_simorig orig = {0};
		struct compose c = {0};
		orig.from = e->p;
		orig.to = v->p;
		orig.subject = oc->subject;
		orig.subject_txt = m->subj_txt;
		orig.t = oc->date;
		orig.tz = oc->tz;
		snprintf(subj, sizeof(subj), "FW: %s", oc->subject);
		mh_simgen_reset(g);
		c.from = &v->p;
		c.to[0] = &to;
		c.nto = 1;
		c.subject = subj;
		c.date = t - 1;
		c.tz = mh_simgen_zone_cet(c.date);
		c.mua = MUA_OUTLOOK;
		sm_originator(s, &c);
		struct mh_simexo_body bd;
		journal_body(s, &bd, v->p.txt, s->org);
		bd.paragraphs = 1;
		bd.orig = &orig;
		bd.fwd = 1;
		mh_simexo_body(g, &bd);
	}
	sm_trace_begin(s);
	journal_trace(s, dest, "EX01.corp.example", s->org, 0, t);
	mh_simgen_field(g, "X-MS-Exchange-Organization-AutoForwarded", "true");
	if (x->how == J_RULE_FWD || x->how == J_RULE_REDIRECT) {
		mh_simgen_field(g, "X-MS-Exchange-Inbox-Rules-Loop", v->addr);
		mh_simgen_field(g, "X-MS-Exchange-Generated-Message-Source",
		                "Mailbox Rules Agent");
	} else {
		snprintf(loop, sizeof(loop), "%s;%s", v->addr, s->tenant);
		mh_simgen_field(g, "X-MS-Exchange-ForwardingLoop", loop);
	}
	sm_trace_end(s);
	sc_seen(x, t);
	s->st->scenario_messages++;
	return sm_store_journal(s, x->how == J_RULE_FWD ? v->addr : e->addr, t);
}

/* One event: an ordinary message, or (one in nine events, so that one
 * message in ten is a copy) a message to a forwarding mailbox and the
 * copy its set-up makes. */
int sm_journal_event(struct sim *s, int64_t t, uint64_t room)
{
	struct mh_simgen *g = &s->g;
	struct jmsg m;
	if (room < 2 || mh_simgen_below(g, 1000) >= 111)
		return journal_ordinary(s, t, 0, 0, &m);
	unsigned w = mh_simgen_below(g, 1000), k = 0;
	while (k + 1 < NELEM(jfwd_defs) && w >= jfwd_defs[k].weight) {
		w -= jfwd_defs[k].weight;
		k++;
	}
	struct scenario *x = &s->sc[k];
	int rc = journal_ordinary(s, t, 1, x->victim, &m);
	if (!rc)
		rc = journal_copy(s, x, t + 1 + (int64_t)mh_simgen_below(g, 20),
		                  &m);
	return rc;
}

int sm_write_truth(struct sim *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ground-truth.tsv", s->o->out_dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return sm_ioerr(s, "write", path);
	fputs("scenario\trule_id\tlevel\tmailbox\tdestination\tmessages\t"
	      "first\tlast\n",
	      f);
	for (unsigned k = 0; k < s->nsc; k++) {
		const struct scenario *x = &s->sc[k];
		char dest[200], a[21], b[21];
		sc_dest(s, x, dest, sizeof(dest));
		mh_time_iso(x->first, a);
		mh_time_iso(x->last, b);
		/* No mail written (--audit-only): no mail finding expected;
		 * the audit side is in audit-truth.tsv. */
		if (!x->written)
			continue;
		if (!x->bit) {
			journal_truth(s, f, x, dest, a, b);
			continue;
		}
		const char *rule = x->bit == MH_SIM_SC_GMAIL ? "MH-FWD-GMAIL"
		                   : x->bit == MH_SIM_SC_SIEVE
		                           ? "MH-FWD-REDIRECT"
		                   : x->dest ? "MH-FWD-EXT"
		                             : "MH-FWD-INT";
		const char *level = x->bit == MH_SIM_SC_SIEVE ? "medium"
		                    : x->dest                 ? "high"
		                                              : "low";
		fprintf(f, "%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\n", x->name, rule,
		        level, s->users[x->victim].addr, dest, x->written, a,
		        b);
		s->st->truth_lines++;
		/* Admin forwarding: the copies do not look forwarded. */
		if (x->bit == MH_SIM_SC_FWD_SMTP) {
			fprintf(f, "%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\n", x->name,
			        "MH-FWD-RATIO", "high",
			        s->users[x->victim].addr, dest, x->written, a,
			        b);
			s->st->truth_lines++;
		}
	}
	if (fclose(f) != 0)
		return sm_ioerr(s, "write", path);
	s->st->files++;
	return MH_OK;
}

static int cmp_scev(const void *a, const void *b)
{
	const struct scev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->sc != y->sc)
		return x->sc < y->sc ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Scenario times, fixed per seed before any traffic is written. */
int sm_plan_scenarios(struct sim *s, struct scev **out, size_t *n,
                      uint64_t *stored)
{
	struct mh_simgen plan;
	mh_simgen_init(&plan, s->o->seed ^ 0x7363656e6172696fULL);
	size_t total = 0;
	*stored = 0;
	for (size_t k = 0; k < NELEM(sc_defs); k++) {
		if (!(s->o->scenarios & sc_defs[k].bit))
			continue;
		const struct sc_def *d = &sc_defs[k];
		struct scenario *x = &s->sc[s->nsc++];
		x->bit = d->bit;
		x->name = d->name;
		x->victim = d->victim;
		x->dest_user = d->dest_user;
		x->dest = d->dest;
		x->count = d->count;
		x->keeps_original = d->keeps_original;
		x->start = START_TIME + (int64_t)(d->start_day * (double)DAY);
		x->step = (int64_t)(d->step_hours * (double)HOUR);
		total += d->count;
		*stored += d->count * (d->keeps_original ? 2u : 1u);
	}
	*out = calloc(total ? total : 1, sizeof(**out));
	if (!*out) {
		mh_simgen_release(&plan);
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	}
	size_t j = 0;
	for (unsigned k = 0; k < s->nsc; k++) {
		struct scenario *x = &s->sc[k];
		for (unsigned i = 0; i < x->count; i++) {
			int64_t jitter = (int64_t)mh_simgen_below(&plan, 5400);
			(*out)[j].t = x->start + (int64_t)i * x->step + jitter;
			(*out)[j].sc = k;
			(*out)[j].i = i;
			j++;
		}
	}
	qsort(*out, total, sizeof(**out), cmp_scev);
	*n = total;
	/* The tenant of the admin-forwarding loop header. */
	unsigned long long a = mh_simgen_next(&plan), b = mh_simgen_next(&plan);
	snprintf(s->tenant, sizeof(s->tenant),
	         "%08llx-%04llx-4%03llx-%04llx-%012llx", a >> 32,
	         (a >> 16) & 0xffff, a & 0xfff, (b >> 48 & 0x3fff) | 0x8000,
	         b & 0xffffffffffffULL);
	mh_simgen_release(&plan);
	return MH_OK;
}
