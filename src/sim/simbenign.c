/* simbenign.c - benign traffic of `mailhunt simulate`: inbound and
 * internal mail with replies, manual forwards in many languages, lists,
 * bounces, auto-replies, re-sends, invitations, alias deliveries; and
 * the people helpers the scenarios share (sim_int.h).
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

/* MARK: - places */

static const struct domain domains[] = {
        {"partner.example", "mail.partner.example", "198.51.100", 60, 1},
        {"supplier.example", "mx2.supplier.example", "203.0.113", -300, 0},
        {"client-co.example", "smtp.client-co.example", "192.0.2", 0, 0},
        {"univ.example", "mailgw.univ.example", "198.51.100", 330, 0},
        {"lawfirm.example", "out.lawfirm.example", "203.0.113", -480, 0},
        {"agency.example", "mta7.agency.example", "192.0.2", 540, 0},
};

static const struct contact {
	const char *local;
	const char *txt;
	unsigned dom;
	int enc;
} contacts[] = {
        {"j.smith", "Smith, John", 0, -1},
        {"j.mueller", NULL, 0, 0},
        {"f.lefevre", NULL, 2, 1},
        {"l.wisniewski", NULL, 1, 2},
        {"d.ivanov", NULL, 3, 3},
        {"t.yamada", NULL, 5, 4},
        {"wang.wei", NULL, 4, 5},
        {"s.kjaergaard", NULL, 0, 6},
        {"z.angstrom", NULL, 1, 7},
        {"j.nunez", NULL, 2, 8},
        {"n.papadopoulos", NULL, 3, 9},
        {"a.yilmaz", NULL, 4, 10},
        {"m.weber", "Maria Weber", 0, -1},
        {"info", "Supplier Info Desk", 1, -1},
        {"s.dupont", "Sophie Dupont", 2, -1},
        {"l.bianchi", "Luca Bianchi", 3, -1},
        {"k.olsen", "Karen Olsen", 4, -1},
        {"billing", "Billing", 5, -1},
        {"p.obrien", "Patrick O'Brien", 0, -1},
        {"r.singh", "Dr. Ravi Singh", 3, -1},
};

static const struct list_src {
	const char *name, *local;
	const char *domain; /* NULL: lists.<org domain> */
	int discussion;     /* a mailing list (else a newsletter) */
} lists[] = {
        {"Tech Weekly", "newsletter", "news.example", 0},
        {"Supplier Updates", "updates", "supplier.example", 0},
        {"dev", "dev", NULL, 1},
        {"announce", "announce", NULL, 1},
};

/* MARK: - people helpers */

void sm_pick_contact(struct sim *s, struct ext *e)
{
	const struct contact *c =
	        &contacts[mh_simgen_below(&s->g, NELEM(contacts))];
	e->dom = &domains[c->dom];
	snprintf(e->addr, sizeof(e->addr), "%s@%s", c->local, e->dom->name);
	e->p.addr = e->addr;
	e->p.txt = c->txt;
	e->p.hdr = NULL;
	if (c->enc >= 0) {
		const struct mh_simword *w =
		        mh_simgen_name_enc((unsigned)c->enc);
		e->p.txt = w->txt;
		e->p.hdr = w->enc;
	}
}

int sm_ext_tz(const struct ext *e, int64_t t)
{
	return e->dom->cet ? mh_simgen_zone_cet(t) : e->dom->tz;
}

unsigned sm_other_user(struct sim *s, unsigned u)
{
	unsigned v = mh_simgen_below(&s->g, s->nusers - 1);
	return v >= u ? v + 1 : v;
}

static enum mua corp_mua(struct sim *s)
{
	unsigned r = mh_simgen_below(&s->g, 10);
	return r < 7 ? MUA_OUTLOOK : r < 9 ? MUA_THUNDERBIRD : MUA_APPLE;
}

enum mua sm_ext_mua(struct sim *s)
{
	return (enum mua)mh_simgen_below(&s->g, 5);
}

unsigned sm_body_flags(struct sim *s)
{
	unsigned f = 0, r = mh_simgen_below(&s->g, 100);
	if (r < 15)
		f |= MH_SIMBODY_QP;
	else if (r < 35)
		f |= MH_SIMBODY_8BIT;
	if (mh_simgen_below(&s->g, 2))
		f |= MH_SIMBODY_HTML;
	if (mh_simgen_below(&s->g, 100) < 70)
		f |= MH_SIMBODY_SIG;
	if (mh_simgen_below(&s->g, 100) < 4)
		f |= MH_SIMBODY_FROMS;
	return f;
}

unsigned sm_n_attachments(struct sim *s)
{
	unsigned r = mh_simgen_below(&s->g, 100);
	return r < 16 ? 1 : r < 19 ? 2 : 0;
}

static const char *archive_or_inbox(struct sim *s, int64_t t)
{
	if (t < START_TIME + s->span * 2 / 5 &&
	    mh_simgen_below(&s->g, 100) < 35)
		return "Archive";
	return NULL;
}

/* MARK: - benign traffic */

/* Mail from outside to a user: new thread or reply, sometimes with
 * colleagues on Cc, Gmail forwarding noise, CRLF. */
static int ev_inbound(struct sim *s, int64_t t, uint64_t room, int reply)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	sm_pick_contact(s, &e);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	char subj[512], prev_id[96];
	struct compose c = {0};
	struct mh_simorig orig = {0};
	mh_simgen_reset(g);
	g->crlf = mh_simgen_below(g, 100) < 4;
	c.from = &e.p;
	c.to[0] = &s->users[u].p;
	c.nto = 1;
	unsigned cc = u;
	if (s->nusers > 1 && mh_simgen_below(g, 100) < 20) {
		cc = sm_other_user(s, u);
		c.cc[0] = &s->users[cc].p;
		c.ncc = 1;
	}
	c.date = t - 30 - (int64_t)mh_simgen_below(g, 600);
	c.tz = sm_ext_tz(&e, c.date);
	c.mua = sm_ext_mua(s);
	if (reply) {
		snprintf(subj, sizeof(subj), "%s%s", mh_simgen_reply_prefix(g),
		         topic->enc);
		snprintf(prev_id, sizeof(prev_id), "%016llx@EX01.%s",
		         (unsigned long long)mh_simgen_next(g), s->org);
		c.in_reply_to = prev_id;
		orig.from = s->users[u].p;
		orig.to = e.p;
		orig.subject = topic->enc;
		orig.subject_txt = topic->txt;
		orig.t = c.date - HOUR - (int64_t)mh_simgen_below(g, 3 * 86400);
		orig.tz = mh_simgen_zone_cet(orig.t);
	} else {
		snprintf(subj, sizeof(subj), "%s", topic->enc);
	}
	c.subject = subj;
	/* Message part first: the trace goes on top of it per delivery. */
	if (mh_simgen_below(g, 100) < 60)
		sm_dkim(s, e.dom->name);
	sm_originator(s, &c);
	unsigned noise = mh_simgen_below(g, 100);
	if (noise < 5)
		mh_simgen_fieldf(g, "X-Forwarded-Encrypted",
		                 "i=1; AJvYcCX%016llx%08llx",
		                 (unsigned long long)mh_simgen_next(g),
		                 (unsigned long long)(mh_simgen_next(g) >> 32));
	else if (noise < 7)
		/* One address alone: stamped by some MTAs, not forwarding. */
		mh_simgen_field(g, "X-Forwarded-For", e.addr);
	struct mh_simbody bd = {0};
	bd.flags = sm_body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 6);
	bd.attachments = sm_n_attachments(s);
	bd.signer = e.p.txt;
	bd.org = e.dom->name;
	if (reply) {
		bd.orig = &orig;
		bd.quote = 1;
	}
	mh_simgen_body(g, &bd);

	const char *folder = archive_or_inbox(s, t);
	sm_trace_begin(s);
	sm_trace_inbound(s, e.addr, s->users[u].addr, e.dom, t, 1);
	if (noise >= 7 && noise < 8)
		/* "+caf_=" outside Return-Path: a sender's own Gmail
		 * forwarding seen in SPF text; not forwarding here. */
		mh_simgen_fieldf(
		        g, "Received-SPF",
		        "pass (google.example: domain of "
		        "%.*s+caf_=%s=%s@%s designates 209.85.220.41 "
		        "as permitted sender) client-ip=209.85.220.41;",
		        (int)strcspn(e.addr, "@"), e.addr, s->users[u].local,
		        s->org, e.dom->name);
	sm_trace_end(s);
	int rc = sm_store_user(s, u, folder, e.addr, t);
	if (rc || cc == u || room < 2)
		return rc;
	return sm_deliver(s, e.addr, cc, e.dom, folder, t);
}

/* A user writes to colleagues: a copy in each inbox and in Sent. */
static int ev_internal(struct sim *s, int64_t t, uint64_t room)
{
	struct mh_simgen *g = &s->g;
	if (s->nusers < 2)
		return MH_OK;
	unsigned u = mh_simgen_below(g, s->nusers), v = sm_other_user(s, u);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	char subj[512];
	int reply = mh_simgen_below(g, 3) == 0;
	snprintf(subj, sizeof(subj), "%s%s",
	         reply ? mh_simgen_reply_prefix(g) : "", topic->enc);
	struct compose c = {0};
	mh_simgen_reset(g);
	c.from = &s->users[u].p;
	c.to[0] = &s->users[v].p;
	c.nto = 1;
	c.subject = subj;
	c.date = t - 2 - (int64_t)mh_simgen_below(g, 20);
	c.tz = mh_simgen_zone_cet(c.date);
	c.mua = corp_mua(s);
	sm_originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = sm_body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 4);
	bd.attachments = sm_n_attachments(s);
	bd.signer = s->users[u].p.txt;
	bd.org = s->org;
	mh_simgen_body(g, &bd);
	sm_trace_begin(s);
	sm_trace_inbound(s, s->users[u].addr, s->users[v].addr, NULL, t, 1);
	sm_trace_end(s);
	int rc = sm_store_user(s, v, archive_or_inbox(s, t), s->users[u].addr,
	                       t);
	if (rc || room < 2)
		return rc;
	mh_buf_reset(&s->tr);
	return sm_store_user(s, u, "Sent", s->users[u].addr, c.date);
}

void sm_fill_orig(struct sim *s, struct mh_simorig *o,
                  const struct mh_simperson *from,
                  const struct mh_simperson *to, int64_t before)
{
	const struct mh_simword *topic = mh_simgen_topic(&s->g, 1);
	o->from = *from;
	o->to = *to;
	o->subject = topic->enc;
	o->subject_txt = topic->txt;
	o->t = before - HOUR - (int64_t)mh_simgen_below(&s->g, 5 * 86400);
	o->tz = mh_simgen_zone_cet(o->t);
	o->msgid = NULL;
}

/* Someone forwards a message by hand to a user: subject prefix and body
 * separator in one of many languages, sometimes the original attached
 * as message/rfc822. No auto-forward artefact. */
static int ev_manual_fwd_in(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e, o;
	unsigned u = mh_simgen_below(g, s->nusers);
	int internal = s->nusers > 1 && mh_simgen_below(g, 3) == 0;
	unsigned from_u = internal ? sm_other_user(s, u) : u;
	sm_pick_contact(s, &e);
	sm_pick_contact(s, &o);
	const struct mh_simfwd *fs = mh_simgen_fwd_style(g);
	struct mh_simorig orig;
	sm_fill_orig(s, &orig, &o.p, internal ? &s->users[from_u].p : &e.p, t);
	char subj[600], msgid[96];
	snprintf(subj, sizeof(subj), "%s%s", fs->prefix, orig.subject);
	snprintf(msgid, sizeof(msgid), "%016llx@%s",
	         (unsigned long long)mh_simgen_next(g), o.dom->name);
	orig.msgid = msgid;
	struct compose c = {0};
	mh_simgen_reset(g);
	g->crlf = mh_simgen_below(g, 100) < 4;
	c.from = internal ? &s->users[from_u].p : &e.p;
	c.to[0] = &s->users[u].p;
	c.nto = 1;
	c.subject = subj;
	c.date = t - 5 - (int64_t)mh_simgen_below(g, 300);
	c.tz = internal ? mh_simgen_zone_cet(c.date) : sm_ext_tz(&e, c.date);
	c.mua = internal ? corp_mua(s) : sm_ext_mua(s);
	sm_originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = sm_body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 2);
	bd.fwd = fs;
	bd.orig = &orig;
	if (mh_simgen_below(g, 4) == 0)
		bd.flags |= MH_SIMBODY_RFC822;
	bd.attachments = mh_simgen_below(g, 5) == 0;
	bd.signer = c.from->txt;
	bd.org = internal ? s->org : e.dom->name;
	mh_simgen_body(g, &bd);
	sm_trace_begin(s);
	sm_trace_inbound(s, c.from->addr, s->users[u].addr,
	                 internal ? NULL : e.dom, t, 1);
	sm_trace_end(s);
	return sm_store_user(s, u, archive_or_inbox(s, t), c.from->addr, t);
}

/* Outbound trace as the gateway journal records it: the envelope
 * recipient in X-Original-To/Delivered-To, the hop to the relay. */
static void trace_outbound(struct sim *s, const char *rcpt, int64_t t)
{
	struct mh_simgen *g = &s->g;
	char d[80];
	mh_simgen_date(t, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_field(g, "X-Original-To", rcpt);
	mh_simgen_field(g, "Delivered-To", rcpt);
	mh_simgen_addf(g, "Received: from mail.%s (mail.%s [192.0.2.25])",
	               s->org, s->org);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mx-out.%s (Postfix) with ESMTPS id %010llX",
	               s->org, sm_qid(s));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tfor <%s>; %s", rcpt, d);
	mh_simgen_eol(g);
}

/* A user writes outside (new, reply, manual forward or out-of-office):
 * a copy in Sent and one in the journal. */
static int ev_outbound(struct sim *s, int64_t t, uint64_t room)
{
	struct mh_simgen *g = &s->g;
	struct ext e, o;
	unsigned u = mh_simgen_below(g, s->nusers);
	unsigned kind = mh_simgen_below(g, 10);
	sm_pick_contact(s, &e);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	char subj[600], prev_id[96];
	struct compose c = {0};
	struct mh_simorig orig = {0};
	struct mh_simbody bd = {0};
	const struct mh_simfwd *fs = NULL;
	mh_simgen_reset(g);
	c.from = &s->users[u].p;
	c.to[0] = &e.p;
	c.nto = 1;
	c.date = t - 1 - (int64_t)mh_simgen_below(g, 10);
	c.tz = mh_simgen_zone_cet(c.date);
	c.mua = corp_mua(s);
	bd.flags = sm_body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 4);
	bd.signer = s->users[u].p.txt;
	bd.org = s->org;
	int autoreply = 0;
	if (kind < 4) {
		snprintf(subj, sizeof(subj), "%s", topic->enc);
		bd.attachments = sm_n_attachments(s);
	} else if (kind < 7) {
		snprintf(subj, sizeof(subj), "%s%s", mh_simgen_reply_prefix(g),
		         topic->enc);
		snprintf(prev_id, sizeof(prev_id), "%016llx@%s",
		         (unsigned long long)mh_simgen_next(g), e.dom->name);
		c.in_reply_to = prev_id;
		orig.from = e.p;
		orig.to = s->users[u].p;
		orig.subject = topic->enc;
		orig.subject_txt = topic->txt;
		orig.t = c.date - HOUR - (int64_t)mh_simgen_below(g, 86400);
		orig.tz = sm_ext_tz(&e, orig.t);
		bd.orig = &orig;
		bd.quote = 1;
	} else if (kind < 9) {
		sm_pick_contact(s, &o);
		fs = mh_simgen_fwd_style(g);
		sm_fill_orig(s, &orig, &o.p, &s->users[u].p, t);
		snprintf(subj, sizeof(subj), "%s%s", fs->prefix, orig.subject);
		bd.fwd = fs;
		bd.orig = &orig;
		if (mh_simgen_below(g, 4) == 0)
			bd.flags |= MH_SIMBODY_RFC822;
	} else {
		static const char *const ooo[] = {
		        "Automatic reply: ", "Abwesenheitsnotiz: ",
		        "Out of Office: ", "Automatisk svar: "};
		snprintf(subj, sizeof(subj), "%s%s",
		         ooo[mh_simgen_below(g, NELEM(ooo))], topic->enc);
		autoreply = 1;
		bd.flags &= ~(unsigned)MH_SIMBODY_HTML;
		bd.paragraphs = 1;
	}
	c.subject = subj;
	if (autoreply) {
		mh_simgen_field(g, "Auto-Submitted", "auto-replied");
		mh_simgen_field(g, "X-Auto-Response-Suppress", "All");
	}
	sm_originator(s, &c);
	mh_simgen_body(g, &bd);
	int rc = MH_OK;
	if (!autoreply && room >= 2) {
		mh_buf_reset(&s->tr);
		rc = sm_store_user(s, u, "Sent", s->users[u].addr, c.date);
	}
	if (rc)
		return rc;
	sm_trace_begin(s);
	trace_outbound(s, e.addr, t);
	sm_trace_submission(s, c.date);
	sm_trace_end(s);
	return sm_store_journal(s, s->users[u].addr, t);
}

/* Newsletters and mailing lists: List-* fields, Precedence. Discussion
 * lists deliver via the list address, so X-Original-To (the list) and
 * Delivered-To (the member) differ: list traffic, not a redirect. */
static int ev_list(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	const struct list_src *l = &lists[mh_simgen_below(g, NELEM(lists))];
	unsigned u = mh_simgen_below(g, s->nusers);
	char dom[160], from[200], bounce[200], id[300], unsub[300], subj[600];
	if (l->domain)
		snprintf(dom, sizeof(dom), "%s", l->domain);
	else
		snprintf(dom, sizeof(dom), "lists.%s", s->org);
	snprintf(from, sizeof(from), "%s@%s", l->local, dom);
	unsigned long long tag = mh_simgen_next(g) >> 32;
	if (l->discussion) {
		snprintf(bounce, sizeof(bounce), "%s-bounces@%s", l->local,
		         dom);
		snprintf(id, sizeof(id), "%s list <%s.%s>", l->name, l->local,
		         dom);
	} else {
		/* VERP: one bounce address per recipient and issue. */
		snprintf(bounce, sizeof(bounce), "bounce-%08llx@%s", tag, dom);
		snprintf(id, sizeof(id), "<%s.%s>", l->local, dom);
	}
	snprintf(unsub, sizeof(unsub), "https://%s/unsubscribe/%08llx", dom,
	         tag);
	const struct mh_simword *topic = mh_simgen_topic(g, 0);
	struct mh_simperson lp = {from, l->name, NULL};
	struct ext e;
	sm_pick_contact(s, &e);
	struct compose c = {0};
	mh_simgen_reset(g);
	if (l->discussion) {
		snprintf(subj, sizeof(subj), "[%s] %s%s", l->name,
		         mh_simgen_below(g, 2) ? "Re: " : "", topic->enc);
		c.from = s->nusers < 2 || mh_simgen_below(g, 2)
		                 ? &e.p
		                 : &s->users[sm_other_user(s, u)].p;
		c.to[0] = &lp;
	} else {
		snprintf(subj, sizeof(subj), "%s: %s", l->name, topic->enc);
		c.from = &lp;
		c.to[0] = &s->users[u].p;
	}
	c.nto = 1;
	c.subject = subj;
	c.date = t - 60 - (int64_t)mh_simgen_below(g, 1200);
	c.tz = 0;
	c.mua = MUA_OTHER;
	sm_originator(s, &c);
	mh_simgen_fieldf(g, "List-Id", "%s", id);
	mh_simgen_fieldf(g, "List-Unsubscribe",
	                 "<%s>, <mailto:%s?subject=unsubscribe>", unsub,
	                 bounce);
	if (l->discussion) {
		mh_simgen_fieldf(g, "List-Post", "<mailto:%s>", from);
		mh_simgen_field(g, "Precedence", "list");
		struct mh_simbody bd = {0};
		bd.flags = sm_body_flags(s) & ~(unsigned)MH_SIMBODY_HTML;
		bd.paragraphs = 1 + mh_simgen_below(g, 3);
		mh_simgen_body(g, &bd);
	} else {
		mh_simgen_field(g, "List-Unsubscribe-Post",
		                "List-Unsubscribe=One-Click");
		mh_simgen_field(g, "Precedence", "bulk");
		mh_simgen_body_newsletter(g, l->name, unsub);
	}
	/* The list server is the last hop before the organisation. */
	char mx[200];
	snprintf(mx, sizeof(mx), "%s.%s", l->discussion ? "mail" : "mta-out",
	         dom);
	struct domain ld = {dom, mx, "192.0.2", 0, 0};
	sm_trace_begin(s);
	if (l->discussion)
		mh_simgen_field(g, "X-Original-To", from);
	sm_trace_inbound(s, bounce, s->users[u].addr, &ld, t, 1);
	sm_trace_end(s);
	return sm_store_user(s, u, "Lists", bounce, t);
}

/* A bounce for a message the user sent to a mistyped address. */
static int ev_bounce(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	sm_pick_contact(s, &e);
	char bad[200], mta[200], d[80], subj[600];
	snprintf(bad, sizeof(bad), "x%s", e.addr); /* the typo */
	snprintf(mta, sizeof(mta), "mx-out.%s", s->org);
	const char *remote = e.dom->mx;
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	mh_simgen_reset(g);
	/* The original header block quoted in the report, built first in
	 * the trace buffer (free at this point). */
	sm_trace_begin(s);
	mh_simgen_date(t - 120, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_field(g, "From", s->users[u].addr);
	mh_simgen_field(g, "To", bad);
	mh_simgen_field(g, "Subject", topic->enc);
	mh_simgen_field(g, "Date", d);
	mh_simgen_fieldf(g, "Message-ID", "<%016llx@EX01.%s>",
	                 (unsigned long long)mh_simgen_next(g), s->org);
	sm_trace_end(s);
	struct mh_simperson daemon = {NULL, "Mail Delivery System", NULL};
	char daemon_addr[240];
	snprintf(daemon_addr, sizeof(daemon_addr), "MAILER-DAEMON@%s", mta);
	daemon.addr = daemon_addr;
	struct compose c = {0};
	c.from = &daemon;
	c.to[0] = &s->users[u].p;
	c.nto = 1;
	snprintf(subj, sizeof(subj), "Undelivered Mail Returned to Sender");
	c.subject = subj;
	c.date = t - 1;
	c.tz = mh_simgen_zone_cet(t);
	c.mua = MUA_OTHER;
	mh_simgen_field(g, "Auto-Submitted", "auto-replied");
	sm_originator(s, &c);
	mh_simgen_body_bounce(g, mta, remote, bad, s->tr.p ? s->tr.p : "",
	                      s->tr.len, t);
	/* Generated by the outbound relay, delivered like inbound mail. */
	sm_trace_begin(s);
	mh_simgen_field(g, "Return-Path", "<>");
	mh_simgen_field(g, "Delivered-To", s->users[u].addr);
	mh_simgen_date(t, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_addf(g, "Received: from %s (%s [192.0.2.26])", mta, mta);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mail.%s (Postfix) with ESMTPS id %010llX",
	               s->org, sm_qid(s));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tfor <%s>; %s", s->users[u].addr, d);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "Received: by %s (Postfix) id %010llX; %s", mta,
	               sm_qid(s), d);
	mh_simgen_eol(g);
	sm_trace_end(s);
	return sm_store_user(s, u, NULL, "MAILER-DAEMON", t);
}

/* Out-of-office answers from outside. */
static int ev_autoreply(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	static const char *const pre[] = {
	        "Automatic reply: ", "Abwesenheitsnotiz: ",
	        "R\xc3\xa9ponse automatique : ", "Out of Office: ",
	        "Autosvar: "};
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	sm_pick_contact(s, &e);
	const struct mh_simword *topic = mh_simgen_topic(g, 0);
	unsigned k = mh_simgen_below(g, NELEM(pre));
	char subj[600];
	if (k == 2) /* non-ASCII prefix: encode the whole subject */
		snprintf(subj, sizeof(subj),
		         "=?UTF-8?Q?R=C3=A9ponse_automatique_:_?= %s",
		         topic->enc);
	else
		snprintf(subj, sizeof(subj), "%s%s", pre[k], topic->enc);
	struct compose c = {0};
	mh_simgen_reset(g);
	c.from = &e.p;
	c.to[0] = &s->users[u].p;
	c.nto = 1;
	c.subject = subj;
	c.date = t - 3;
	c.tz = sm_ext_tz(&e, c.date);
	c.mua = MUA_OUTLOOK;
	mh_simgen_field(g, "Auto-Submitted", "auto-replied");
	if (mh_simgen_below(g, 2))
		mh_simgen_field(g, "X-Autoreply", "yes");
	else
		mh_simgen_field(g, "X-Autorespond", "yes");
	sm_originator(s, &c);
	struct mh_simbody bd = {0};
	bd.paragraphs = 1;
	mh_simgen_body(g, &bd);
	return sm_deliver(s, e.addr, u, e.dom, NULL, t);
}

/* A colleague re-sends ("bounce"/redirect in the mail client) a message
 * by hand: Resent-* fields, no automatic marker. */
static int ev_resend(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	if (s->nusers < 2)
		return MH_OK;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers), v = sm_other_user(s, u);
	sm_pick_contact(s, &e);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	char d[80], one[300];
	struct compose c = {0};
	mh_simgen_reset(g);
	mh_simgen_date(t - 4, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_person(g, &s->users[v].p, one, sizeof(one));
	mh_simgen_field(g, "Resent-From", one);
	mh_simgen_field(g, "Resent-To", s->users[u].addr);
	mh_simgen_field(g, "Resent-Date", d);
	mh_simgen_fieldf(g, "Resent-Message-ID", "<%016llx@%s>",
	                 (unsigned long long)mh_simgen_next(g), s->org);
	c.from = &e.p;
	c.to[0] = &s->users[v].p;
	c.nto = 1;
	c.subject = topic->enc;
	c.date = t - DAY - (int64_t)mh_simgen_below(g, 3 * 86400);
	c.tz = sm_ext_tz(&e, c.date);
	c.mua = sm_ext_mua(s);
	sm_originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = sm_body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 3);
	bd.attachments = sm_n_attachments(s);
	bd.signer = e.p.txt;
	bd.org = e.dom->name;
	mh_simgen_body(g, &bd);
	return sm_deliver(s, s->users[v].addr, u, NULL, NULL, t);
}

static int ev_invite(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	sm_pick_contact(s, &e);
	const struct mh_simword *topic = mh_simgen_topic(g, 0);
	char subj[600];
	snprintf(subj, sizeof(subj), "Invitation: %s", topic->enc);
	struct compose c = {0};
	mh_simgen_reset(g);
	c.from = &e.p;
	c.to[0] = &s->users[u].p;
	c.nto = 1;
	c.subject = subj;
	c.date = t - 20;
	c.tz = sm_ext_tz(&e, c.date);
	c.mua = MUA_OUTLOOK;
	sm_originator(s, &c);
	mh_simgen_body_invite(g, e.addr, s->users[u].addr, topic->txt,
	                      t + DAY * (1 + mh_simgen_below(g, 14)));
	return sm_deliver(s, e.addr, u, e.dom, NULL, t);
}

/* Mail to a user's address at the old company domain, delivered by an
 * alias: X-Original-To and Delivered-To differ in domain. A delivered
 * chain alone is never forwarding (docs/FORWARDING.md). */
static int ev_alias(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	sm_pick_contact(s, &e);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	char legacy[200];
	snprintf(legacy, sizeof(legacy), "%s@legacy-%s", s->users[u].local,
	         s->org);
	struct mh_simperson to = {legacy, s->users[u].p.txt, s->users[u].p.hdr};
	struct compose c = {0};
	mh_simgen_reset(g);
	c.from = &e.p;
	c.to[0] = &to;
	c.nto = 1;
	c.subject = topic->enc;
	c.date = t - 30;
	c.tz = sm_ext_tz(&e, c.date);
	c.mua = sm_ext_mua(s);
	sm_originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = sm_body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 3);
	bd.signer = e.p.txt;
	bd.org = e.dom->name;
	mh_simgen_body(g, &bd);
	sm_trace_begin(s);
	mh_simgen_field(g, "X-Original-To", legacy);
	sm_trace_inbound(s, e.addr, s->users[u].addr, e.dom, t, 1);
	sm_trace_end(s);
	return sm_store_user(s, u, NULL, e.addr, t);
}

int sm_benign(struct sim *s, int64_t t, uint64_t room)
{
	unsigned k = mh_simgen_below(&s->g, 1000);
	if (k < 330)
		return ev_inbound(s, t, room, 0);
	if (k < 450)
		return ev_inbound(s, t, room, 1);
	if (k < 540 && s->nusers > 1)
		return ev_internal(s, t, room);
	if (k < 620)
		return ev_manual_fwd_in(s, t);
	if (k < 740)
		return ev_list(s, t);
	if (k < 760)
		return ev_bounce(s, t);
	if (k < 780)
		return ev_autoreply(s, t);
	if (k < 790 && s->nusers > 1)
		return ev_resend(s, t);
	if (k < 810)
		return ev_invite(s, t);
	if (k < 820)
		return ev_alias(s, t);
	return ev_outbound(s, t, room);
}
