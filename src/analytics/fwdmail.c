/* fwdmail.c - the mail source of the forwarding picture: which header
 * fields are looked at (collect), which artefacts they make and what
 * cancels them (analyse), who forwards to whom (fallbacks), Exchange
 * journal reports (envelope and attached original), and the evidence
 * item of a message. Facts go to the picture (fwdpic.c); the contract is
 * docs/FORWARDING.md.
 */
#include "analytics/fwdmail.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/fwdlang.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/time.h"
#include "event/msg.h"
#include "mail/addr.h"
#include "mail/date.h"
#include "mail/rfc2047.h"
#include "mail/rfc5322.h"

/* n (any case) equals the lower-case literal s of length len. The caller
 * has already dispatched on the length. */
static int name_is(struct mh_slice n, const char *s, size_t len)
{
	if (n.n != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (mh_fw_lc((unsigned char)n.p[i]) != s[i])
			return 0;
	return 1;
}

#define L(lit)  (sizeof(lit) - 1)
#define IS(lit) name_is(n, lit, L(lit))
#define FIRST(slot)                                                            \
	do {                                                                   \
		if (!h->slot)                                                  \
			h->slot = f;                                           \
	} while (0)

static void collect(const struct mh_event *ev, struct hdrs *h)
{
	size_t nf = 0;
	const struct mh_field *fv = mh_event_fields(ev, &nf);
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < nf; i++) {
		const struct mh_field *f = &fv[i];
		struct mh_slice n = f->name;
		/* Length first: most fields are rejected by one switch. Names
		 * of equal length share a case; the compiler rejects a
		 * duplicate label, so a misplaced name cannot hide. */
		switch (n.n) {
		case L("to"):
			if (IS("to"))
				FIRST(to);
			break;
		case L("from"):
			if (IS("from"))
				FIRST(from);
			break;
		case L("subject"): /* == L("list-id") */
			if (IS("subject"))
				FIRST(subject);
			else if (IS("list-id"))
				FIRST(list);
			break;
		case L("resent-to"): /* == L("list-post") */
			if (IS("resent-to"))
				FIRST(resent_to);
			else if (IS("list-post"))
				FIRST(list);
			break;
		case L("message-id"): /* == L("precedence") */
			if (IS("message-id"))
				FIRST(msgid);
			else if (IS("precedence"))
				FIRST(precedence);
			break;
		case L("x-mailfwdby"): /* return-path resent-from x-autoreply */
			if (IS("x-mailfwdby"))
				FIRST(mailfwdby);
			else if (IS("return-path"))
				FIRST(return_path);
			else if (IS("resent-from"))
				FIRST(resent_from);
			else if (IS("x-autoreply"))
				FIRST(autoreply);
			break;
		case L("delivered-to"): /* content-type mailing-list */
			if (IS("delivered-to")) {
				if (h->ndelivered < MAX_DELIVERED)
					h->delivered[h->ndelivered++] = f;
			} else if (IS("content-type")) {
				FIRST(ctype);
			} else if (IS("mailing-list")) {
				FIRST(list);
			}
			break;
		case L("resent-sender"): /* x-original-to x-autorespond */
			if (IS("resent-sender"))
				FIRST(resent_sender);
			else if (IS("x-original-to"))
				FIRST(orig_to);
			else if (IS("x-autorespond"))
				FIRST(autoreply);
			break;
		case L("x-forwarded-to"): /* auto-submitted x-mailing-list */
			if (IS("x-forwarded-to"))
				FIRST(fwd_to);
			else if (IS("auto-submitted"))
				FIRST(auto_sub);
			else if (IS("x-mailing-list"))
				FIRST(list);
			break;
		case L("x-ms-journal-report"):
			if (IS("x-ms-journal-report"))
				FIRST(journal);
			break;
		case L("list-unsubscribe"):
			/* Bulk senders' mark (RFC 2369, 8058): list traffic
			 * as List-Id is. */
			if (IS("list-unsubscribe"))
				FIRST(list);
			break;
		case L("x-forwarded-for"):
			if (IS("x-forwarded-for"))
				FIRST(fwd_for);
			break;
		case L("x-sieve-redirected-from"):
			if (IS("x-sieve-redirected-from"))
				FIRST(sieve);
			break;
		case L("content-transfer-encoding"):
			if (IS("content-transfer-encoding"))
				FIRST(cte);
			break;
		case L("x-ms-exchange-forwardingloop"):
			if (IS("x-ms-exchange-forwardingloop"))
				FIRST(fwd_loop);
			break;
		case L("x-ms-exchange-inbox-rules-loop"):
			if (IS("x-ms-exchange-inbox-rules-loop"))
				FIRST(rules_loop);
			break;
		case L("x-ms-exchange-generated-message-source"):
			if (IS("x-ms-exchange-generated-message-source"))
				FIRST(rules_agent);
			break;
		case L("x-ms-exchange-organization-autoforwarded"):
			if (IS("x-ms-exchange-organization-autoforwarded"))
				FIRST(autofwd);
			break;
		default: break;
		}
	}
}

static int value_has(const struct mh_field *f, const char *needle)
{
	return f && mh_slice_ifind(f->value, needle) != (size_t)-1;
}

static int value_starts(const struct mh_field *f, const char *prefix)
{
	return f && mh_slice_istarts(mh_slice_trim(f->value), prefix);
}

/* MARK: - addresses */

/* Unfolded value in f->ubuf (reused), cut to what any address or marker
 * needs. */
struct mh_slice mh_fwm_unfolded(struct mh_fwd *f, struct mh_slice raw)
{
	mh_buf_reset(&f->ubuf);
	if (raw.n > f->ubuf.cap - 1)
		raw.n = f->ubuf.cap - 1;
	mh_hdr_unfold(raw, &f->ubuf);
	return mh_slice_make(f->ubuf.p ? f->ubuf.p : "", f->ubuf.len);
}

/* An address worth reporting: local@domain, no control character; white
 * space, ',', '<' and '>' only inside a quoted local part (RFC 5322
 * quoted-string, e.g. "john smith"@evil.example: valid, and kept with its
 * quotes; the writers escape it). */
static int addr_ok(const char *a)
{
	const char *at = strrchr(a, '@');
	size_t n = strlen(a);
	int q = 0;
	if (!at || at == a || !at[1] || n >= ADDR_MAX)
		return 0;
	for (const char *c = a; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u < ' ' || u == 0x7f)
			return 0;
		if (c > at) { /* the domain: no quoting at all */
			if (u == ' ' || u == '<' || u == '>' || u == ',' ||
			    u == '"' || u == '\\')
				return 0;
			continue;
		}
		if (u == '"') {
			q = !q;
		} else if (q && u == '\\') {
			/* quoted-pair: the next byte is literal (not the
			 * final '@', which must stay outside quotes). */
			if (c + 1 >= at || (unsigned char)c[1] < ' ' ||
			    c[1] == 0x7f)
				return 0;
			c++;
		} else if (!q &&
		           (u == ' ' || u == '<' || u == '>' || u == ',')) {
			return 0;
		}
	}
	return !q;
}

/* Addresses of a value, lower-cased, duplicates dropped, at most max.
 * space_list: white space separates addresses too (X-Forwarded-For). */
static size_t addrs_of(struct mh_fwd *f, struct mh_slice raw, int space_list,
                       char (*out)[ADDR_MAX], size_t max)
{
	struct mh_slice v = mh_fwm_unfolded(f, raw);
	size_t k = 0;
	if (space_list && v.n && !memchr(v.p, '<', v.n) &&
	    !memchr(v.p, '"', v.n) && !memchr(v.p, '(', v.n))
		for (size_t i = 0; i < v.n; i++)
			if (v.p[i] == ' ' || v.p[i] == '\t')
				f->ubuf.p[i] = ',';
	struct mh_addr *al = NULL;
	size_t n = 0;
	mh_addr_parse_list(v, &f->arena, 64, &al, &n, NULL);
	for (size_t i = 0; al && i < n && k < max; i++) {
		if (!al[i].addr || !addr_ok(al[i].addr))
			continue;
		snprintf(out[k], ADDR_MAX, "%s", al[i].addr);
		mh_fw_lower(out[k]);
		size_t j = 0;
		while (j < k && strcmp(out[j], out[k]) != 0)
			j++;
		if (j == k)
			k++;
	}
	return k;
}

int mh_fwm_addr1(struct mh_fwd *f, const struct mh_field *fd, char *out)
{
	char tmp[1][ADDR_MAX];
	out[0] = '\0';
	if (!fd || !addrs_of(f, fd->value, 0, tmp, 1))
		return 0;
	memcpy(out, tmp[0], ADDR_MAX);
	return 1;
}

/* Gmail's forwarding envelope "user+caf_=dest=domain@origdomain": the
 * destination's '@' became the last '=' before the final '@'. */
static int parse_caf(struct mh_fwd *f, const struct mh_field *rp, char *mbox,
                     char *dest)
{
	char a[ADDR_MAX];
	if (!mh_fwm_addr1(f, rp, a))
		return 0;
	char *at = strrchr(a, '@');
	char *c = strstr(a, "+caf_=");
	if (!c || c > at || c == a)
		return 0;
	char *d = c + 6, *eq = NULL;
	for (char *p = d; p < at; p++)
		if (*p == '=')
			eq = p;
	if (!eq || eq == d || eq + 1 == at)
		return 0;
	snprintf(mbox, ADDR_MAX, "%.*s@%s", (int)(c - a), a, at + 1);
	snprintf(dest, ADDR_MAX, "%.*s@%.*s", (int)(eq - d), d,
	         (int)(at - eq - 1), eq + 1);
	return addr_ok(mbox) && addr_ok(dest);
}

/* MARK: - per message */

/* Can this message carry an artefact at all? Name presence plus one
 * memmem: the only work done for the vast majority of messages. */
static int maybe_forwarded(const struct hdrs *h)
{
	if (h->autofwd || h->rules_loop || h->rules_agent || h->fwd_loop ||
	    h->mailfwdby || h->fwd_to || h->fwd_for || h->sieve)
		return 1;
	if (h->return_path && memmem(h->return_path->value.p,
	                             h->return_path->value.n, "+caf_=", 6))
		return 1;
	return (h->resent_from || h->resent_sender) && h->auto_sub;
}

static int is_list(const struct hdrs *h)
{
	return h->list || value_starts(h->precedence, "list") ||
	       value_starts(h->precedence, "bulk") ||
	       value_starts(h->precedence, "junk");
}

static int is_bounce(const struct hdrs *h)
{
	if (value_has(h->ctype, "delivery-status"))
		return 1;
	if (h->return_path && value_starts(h->return_path, "<>") &&
	    mh_slice_trim(h->return_path->value).n == 2)
		return 1;
	return value_has(h->from, "mailer-daemon");
}

static int is_autoreply(const struct hdrs *h)
{
	return value_starts(h->auto_sub, "auto-replied") || h->autoreply;
}

/* The envelope of an Exchange journal report (spec "Journal reports"). */

struct msg_ctx {
	const struct mh_event *ev;
	struct hdrs h;
	unsigned art;
	int looks;
	char top[ADDR_MAX];  /* top-most Delivered-To */
	char low[ADDR_MAX];  /* bottom-most Delivered-To */
	char orig[ADDR_MAX]; /* X-Original-To */
	char from[ADDR_MAX];
	char owner[ADDR_MAX]; /* store owner when it is an address */
	char fwd_for[MAX_DEST][ADDR_MAX];
	size_t nfor;
	char fwd_to[MAX_DEST][ADDR_MAX];
	size_t nto;
	char caf_mbox[ADDR_MAX], caf_dest[ADDR_MAX];
	char loop[ADDR_MAX], fwdloop[ADDR_MAX], fwdby[ADDR_MAX];
	char sieve[ADDR_MAX], resent[ADDR_MAX];
	char resent_to[MAX_DEST][ADDR_MAX];
	size_t nresent_to;
	/* The attached original of an Exchange envelope journal report:
	 * the report's envelope (spec "Journal reports"); else NULL. */
	const struct env *env;
};

static int looks_forwarded(struct mh_fwd *f, const struct msg_ctx *m)
{
	const struct hdrs *h = &m->h;
	if (h->subject) {
		struct mh_slice raw = h->subject->value;
		if (memmem(raw.p, raw.n, "=?", 2)) {
			struct mh_slice u = mh_fwm_unfolded(f, raw);
			mh_buf_reset(&f->dbuf);
			if (u.n > 4096)
				u.n = 4096; /* prefixes are at the start */
			mh_rfc2047_decode(u, NULL, &f->dbuf, NULL);
			if (mh_fwdlang_subject(f->dbuf.p, f->dbuf.len))
				return 1;
		} else if (mh_fwdlang_subject(raw.p, raw.n)) {
			return 1;
		}
	}
	if (value_starts(h->ctype, "message/rfc822") ||
	    value_starts(h->ctype, "message/global"))
		return 1;
	const struct mh_msg *msg = m->ev->msg;
	if (!msg || !msg->body.n)
		return 0;
	int b64 = value_starts(h->cte, "base64") &&
	          !value_starts(h->ctype, "multipart/");
	return mh_fwdlang_body(msg->body.p, msg->body.n, b64);
}

void mh_fwm_put_addr(char *dst, const char *src)
{
	size_t n = strnlen(src, ADDR_MAX - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
}

int mh_fwm_in_list(char (*v)[ADDR_MAX], size_t n, const char *a)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], a))
			return 1;
	return 0;
}

/* Artefacts and exclusions (spec: "Per-message artefacts", "Not
 * forwarding on their own"). Returns the number of facts in out (at most
 * MAX_FACTS). */
static size_t analyse(struct mh_fwd *f, struct msg_ctx *m, struct fact *out)
{
	const struct hdrs *h = &m->h;
	size_t nf = 0;

	if (value_starts(h->autofwd, "true"))
		m->art |= A_EXO_AUTOFWD;
	if (mh_fwm_addr1(f, h->rules_loop, m->loop))
		m->art |= A_EXO_RULES_LOOP;
	if (value_has(h->rules_agent, "mailbox rules agent"))
		m->art |= A_EXO_RULES_AGENT;
	if (h->fwd_loop) {
		/* "addr;tenant-guid" */
		struct mh_slice v = h->fwd_loop->value;
		const char *semi = memchr(v.p, ';', v.n);
		struct mh_field tf = *h->fwd_loop;
		if (semi)
			tf.value.n = (size_t)(semi - v.p);
		if (mh_fwm_addr1(f, &tf, m->fwdloop))
			m->art |= A_EXO_FWD_LOOP;
	}
	if (mh_fwm_addr1(f, h->mailfwdby, m->fwdby))
		m->art |= A_MAILFWDBY;
	if (h->fwd_to &&
	    (m->nto = addrs_of(f, h->fwd_to->value, 1, m->fwd_to, MAX_DEST)))
		m->art |= A_FWD_TO;
	if (h->fwd_for) {
		m->nfor =
		        addrs_of(f, h->fwd_for->value, 1, m->fwd_for, MAX_DEST);
		/* One address alone is stamped by some sending MTAs (the
		 * linux-pwm messages of the shared corpus): not forwarding. */
		if (m->nfor >= 2)
			m->art |= A_FWD_FOR;
	}
	if (h->return_path &&
	    parse_caf(f, h->return_path, m->caf_mbox, m->caf_dest))
		m->art |= A_GMAIL_CAF;
	if (mh_fwm_addr1(f, h->sieve, m->sieve))
		m->art |= A_SIEVE;

	int listy = is_list(h), bounce = is_bounce(h),
	    autoreply = is_autoreply(h);
	/* Inbox rules also send auto-replies and notifications: the rule
	 * markers alone do not make an auto-reply or a bounce a forward. */
	if ((autoreply || bounce) &&
	    !(m->art & ~(unsigned)(A_EXO_RULES_LOOP | A_EXO_RULES_AGENT)))
		m->art = 0;
	if (!m->art && (h->resent_from || h->resent_sender) && !listy &&
	    !bounce && !autoreply && value_starts(h->auto_sub, "auto-")) {
		/* A re-send by a program; a person's re-send has no
		 * Auto-Submitted (or "no") and is not forwarding. */
		mh_fwm_addr1(f,
		             h->resent_from ? h->resent_from : h->resent_sender,
		             m->resent);
		if (*m->resent) {
			m->art |= A_RESENT;
			if (h->resent_to)
				m->nresent_to =
				        addrs_of(f, h->resent_to->value, 0,
				                 m->resent_to, MAX_DEST);
		}
	}
	if (!m->art)
		return 0;

	if (h->ndelivered) {
		mh_fwm_addr1(f, h->delivered[0], m->top);
		mh_fwm_addr1(f, h->delivered[h->ndelivered - 1], m->low);
	}
	mh_fwm_addr1(f, h->orig_to, m->orig);
	mh_fwm_addr1(f, h->from, m->from);
	if (m->ev->mailbox && addr_ok(m->ev->mailbox) && !m->env) {
		mh_fwm_put_addr(m->owner, m->ev->mailbox);
		mh_fw_lower(m->owner);
	}
	/* Delivered-To chain / X-Original-To: a server-side redirect when the
	 * domains differ. Never a fact of its own; it can name the
	 * forwarding mailbox of the other artefacts. */
	if (!listy && *m->top &&
	    ((*m->low &&
	      strcmp(mh_fw_domain_of(m->top), mh_fw_domain_of(m->low)) != 0) ||
	     (*m->orig &&
	      strcmp(mh_fw_domain_of(m->top), mh_fw_domain_of(m->orig)) != 0)))
		m->art |= A_DELIVERED_CHAIN;

	if (m->art & (A_FWD_FOR | A_GMAIL_CAF)) {
		struct fact *x = &out[nf++];
		x->kind = K_GMAIL;
		x->mech = M_GMAIL;
		mh_fwm_put_addr(x->mailbox, (m->art & A_FWD_FOR) ? m->fwd_for[0]
		                                                 : m->caf_mbox);
		if (m->nto) {
			memcpy(x->dest, m->fwd_to, sizeof(x->dest));
			x->ndest = m->nto;
		} else if (m->art & A_FWD_FOR) {
			mh_fwm_put_addr(x->dest[0], m->fwd_for[m->nfor - 1]);
			x->ndest = 1;
		} else {
			mh_fwm_put_addr(x->dest[0], m->caf_dest);
			x->ndest = 1;
		}
		x->evidence = h->fwd_to              ? h->fwd_to
		              : (m->art & A_FWD_FOR) ? h->fwd_for
		                                     : h->return_path;
	}
	unsigned exch = A_EXO_AUTOFWD | A_EXO_RULES_LOOP | A_EXO_RULES_AGENT |
	                A_EXO_FWD_LOOP | A_MAILFWDBY;
	if ((m->art & exch) || ((m->art & A_FWD_TO) && !nf)) {
		struct fact *x = &out[nf++];
		x->kind = K_EXCH;
		if (m->art & (A_EXO_RULES_LOOP | A_EXO_RULES_AGENT))
			x->mech = M_INBOX_RULE;
		else if (m->art & (A_EXO_FWD_LOOP | A_EXO_AUTOFWD))
			x->mech = M_MBX_FWD;
		else
			x->mech = M_GENERIC;
		mh_fwm_put_addr(x->mailbox, *m->loop      ? m->loop
		                            : *m->fwdloop ? m->fwdloop
		                                          : m->fwdby);
		if (m->nto && out[0].kind != K_GMAIL) {
			memcpy(x->dest, m->fwd_to, sizeof(x->dest));
			x->ndest = m->nto;
		}
		x->evidence = h->rules_loop              ? h->rules_loop
		              : h->fwd_loop              ? h->fwd_loop
		              : (m->art & A_EXO_AUTOFWD) ? h->autofwd
		              : h->fwd_to                ? h->fwd_to
		              : h->mailfwdby             ? h->mailfwdby
		                                         : h->rules_agent;
	}
	if (m->art & (A_SIEVE | A_RESENT)) {
		struct fact *x = &out[nf++];
		x->kind = K_REDIRECT;
		if (m->art & A_SIEVE) {
			x->mech = M_SIEVE;
			mh_fwm_put_addr(x->mailbox, m->sieve);
			x->evidence = h->sieve;
		} else {
			x->mech = M_RESENT;
			mh_fwm_put_addr(x->mailbox, m->resent);
			memcpy(x->dest, m->resent_to, sizeof(x->dest));
			x->ndest = m->nresent_to;
			x->evidence = h->resent_from ? h->resent_from
			                             : h->resent_sender;
		}
	}
	for (size_t i = 0; i < nf; i++)
		out[i].arts = m->art;
	return nf;
}

/* The earlier address of a Delivered-To chain or of X-Original-To when
 * its domain differs from the final recipient's, else NULL. */
static const char *chain_from(const struct msg_ctx *m)
{
	if (!(m->art & A_DELIVERED_CHAIN))
		return NULL;
	if (*m->low &&
	    strcmp(mh_fw_domain_of(m->low), mh_fw_domain_of(m->top)) != 0)
		return m->low;
	if (*m->orig &&
	    strcmp(mh_fw_domain_of(m->orig), mh_fw_domain_of(m->top)) != 0)
		return m->orig;
	return NULL;
}

/* Spec "Who forwards to whom": fill what the artefacts left open from the
 * store and the envelope. */
static void fallbacks(struct mh_fwd *f, struct msg_ctx *m, struct fact *out,
                      size_t nf)
{
	const char *gmail_mbox = NULL;
	const struct env *env = m->env;
	if (nf && out[0].kind == K_GMAIL)
		gmail_mbox = out[0].mailbox;
	for (size_t i = 0; i < nf; i++) {
		struct fact *x = &out[i];
		if (!*x->mailbox) {
			/* The store owner, unless the store is the
			 * destination's (the message was delivered to it). */
			if (env && *env->fwd)
				mh_fwm_put_addr(x->mailbox, env->fwd);
			else if (*m->owner &&
			         !mh_fwm_in_list(x->dest, x->ndest, m->owner) &&
			         strcmp(m->owner, m->top) != 0 &&
			         strcmp(m->owner, m->orig) != 0)
				mh_fwm_put_addr(x->mailbox, m->owner);
			else if (chain_from(m))
				mh_fwm_put_addr(x->mailbox, chain_from(m));
			else if (x->ndest && *m->top &&
			         !mh_fwm_in_list(x->dest, x->ndest, m->top))
				/* The artefact names where the copy went and
				 * this copy was delivered elsewhere: to the
				 * mailbox that forwarded it (its kept copy,
				 * a journal). */
				mh_fwm_put_addr(x->mailbox, m->top);
			else if (m->looks && *m->from &&
			         !mh_fwm_in_list(x->dest, x->ndest, m->from))
				/* A forward is a new message from the
				 * forwarder; a redirect keeps the author. */
				mh_fwm_put_addr(x->mailbox, m->from);
			else
				mh_fwm_put_addr(x->mailbox, UNKNOWN);
		}
		if (x->ndest)
			continue;
		/* The journal's envelope recipients: where the copy went. */
		for (size_t k = 0; env && k < env->nrcpt && x->ndest < MAX_DEST;
		     k++)
			if (strcmp(env->rcpt[k], x->mailbox) != 0)
				mh_fwm_put_addr(x->dest[x->ndest++],
				                env->rcpt[k]);
		if (x->ndest)
			continue;
		const char *d = NULL;
		if (gmail_mbox && x->kind != K_GMAIL &&
		    strcmp(gmail_mbox, x->mailbox) != 0)
			d = gmail_mbox;
		else if (*m->top && strcmp(m->top, x->mailbox) != 0)
			d = m->top;
		else if (*m->orig && strcmp(m->orig, x->mailbox) != 0)
			d = m->orig;
		else if (*m->owner && strcmp(m->owner, x->mailbox) != 0)
			d = m->owner;
		if (d) {
			mh_fwm_put_addr(x->dest[0], d);
			x->ndest = 1;
		} else if (m->h.to && !strcmp(m->from, x->mailbox)) {
			/* The forwarder wrote the message: its To are where
			 * the copy went. */
			char to[MAX_DEST][ADDR_MAX];
			size_t nt =
			        addrs_of(f, m->h.to->value, 0, to, MAX_DEST);
			for (size_t k = 0; k < nt; k++)
				if (strcmp(to[k], x->mailbox) != 0)
					mh_fwm_put_addr(x->dest[x->ndest++],
					                to[k]);
		}
	}
}

/* "Name: value", unfolded, at most HEADER_CAP bytes. */
static char *header_line(struct mh_fwd *f, const struct mh_field *fd)
{
	char out[HEADER_CAP + 1];
	size_t nn = mh_fw_utf8_cut(fd->name.p, fd->name.n, 100);
	memcpy(out, fd->name.p, nn);
	out[nn++] = ':';
	out[nn++] = ' ';
	struct mh_slice raw = fd->value;
	if (raw.n > 4 * HEADER_CAP)
		raw.n = 4 * HEADER_CAP;
	struct mh_slice v = mh_fwm_unfolded(f, raw);
	size_t vn = mh_fw_utf8_cut(v.p, v.n, HEADER_CAP - nn);
	memcpy(out + nn, v.p, vn);
	out[nn + vn] = '\0';
	return strdup(out);
}

static char *msgid_of(struct mh_fwd *f, const struct mh_field *fd)
{
	if (!fd)
		return NULL;
	struct mh_slice v = mh_fwm_unfolded(f, fd->value);
	while (v.n && (v.p[0] == '<' || v.p[0] == ' ')) {
		v.p++;
		v.n--;
	}
	const char *gt = memchr(v.p, '>', v.n);
	if (gt)
		v.n = (size_t)(gt - v.p);
	while (v.n && v.p[v.n - 1] == ' ')
		v.n--;
	v.n = mh_fw_utf8_cut(v.p, v.n, HEADER_CAP);
	return v.n ? strndup(v.p, v.n) : NULL;
}

unsigned mh_fwm_lines_in(const char *p, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

/* 1-based line of a header field in the file, 0 when unknown. The field
 * is in the header block, or (a journal envelope line) in the body
 * prefix, which follows the header block and its blank line. */
static unsigned field_line(const struct mh_event *ev, const struct mh_field *fd)
{
	const struct mh_msg *msg = ev->msg;
	const char *p = fd->name.p;
	if (!msg || !msg->header_line || !msg->header.p || !p)
		return 0;
	if (p >= msg->header.p && p < msg->header.p + msg->header.n)
		return msg->header_line +
		       mh_fwm_lines_in(msg->header.p,
		                       (size_t)(p - msg->header.p));
	if (msg->body.p && p >= msg->body.p && p < msg->body.p + msg->body.n)
		return msg->header_line +
		       mh_fwm_lines_in(msg->header.p, msg->header.n) + 1 +
		       mh_fwm_lines_in(msg->body.p, (size_t)(p - msg->body.p));
	return 0;
}

/* The message ev as an evidence item of a (when it is among the
 * max_evidence kept): its file and offset, the line and text of the
 * artefact field fd, its Message-ID. */
int mh_fwm_add_evidence(struct mh_fwd *f, struct agg *a,
                        const struct mh_event *ev, const struct mh_field *fd,
                        const struct mh_field *msgid)
{
	const char *path = ev->path ? ev->path : "";
	if (!mh_fw_ev_wanted(a->ev, a->nev, f->max_evidence, path, ev->offset))
		return MH_OK;
	struct ev_item e = {0};
	e.file = strdup(path);
	e.offset = ev->offset;
	e.line = field_line(ev, fd);
	e.msgid = msgid_of(f, msgid);
	e.header = header_line(f, fd);
	e.ts = ev->ts;
	if (!e.file || !e.header) {
		mh_fw_ev_release(&e);
		return MH_ENOMEM;
	}
	return mh_fw_ev_keep(&a->ev, &a->nev, f->max_evidence, &e);
}

/* The evidence item of a message's fact (mh_fw_evidence_fn). */
static int mail_fill(struct mh_fwd *f, const struct fact *x,
                     struct ev_item *out)
{
	const struct mh_event *ev = x->ev;
	memset(out, 0, sizeof(*out));
	out->file = strdup(ev->path ? ev->path : "");
	out->offset = ev->offset;
	out->line = field_line(ev, x->evidence);
	out->msgid = msgid_of(f, x->msgid);
	out->header = header_line(f, x->evidence);
	out->ts = ev->ts;
	if (!out->file || !out->header) {
		mh_fw_ev_release(out);
		return MH_ENOMEM;
	}
	return MH_OK;
}

/* Artefacts, exclusions and fallbacks of one header block (the message's,
 * or a journal report's original with the report's envelope env): facts
 * in out (at most MAX_FACTS), their number returned. */
static size_t analyse_msg(struct mh_fwd *f, struct msg_ctx *m,
                          const struct mh_event *ev, const struct env *env,
                          struct fact *out)
{
	struct hdrs h = m->h;
	memset(m, 0, sizeof(*m));
	m->h = h;
	m->ev = ev;
	m->env = env;
	memset(out, 0, MAX_FACTS * sizeof(*out));
	mh_arena_reset(&f->arena);
	size_t nf = analyse(f, m, out);
	if (!nf)
		return 0;
	m->looks = looks_forwarded(f, m);
	fallbacks(f, m, out, nf);
	for (size_t i = 0; i < nf; i++) {
		out[i].ev = ev;
		out[i].msgid = m->h.msgid;
		out[i].looks = m->looks;
	}
	return nf;
}

int mh_fw_mail_event(struct mh_fwd *f, const struct mh_event *ev,
                     struct mh_err *err)
{
	struct msg_ctx top, in;
	struct env env;
	struct mh_event iev;
	struct mh_msg imsg;
	size_t nf = 0;
	int js = -1;

	if (ev->kind != MH_EV_MAIL || !ev->msg)
		return MH_OK;
	if (f->org_ready || f->pairs || f->mstats)
		mh_fw_drop_derived(f);
	f->messages++;
	if (ev->mailbox && mh_fw_note_owner(f, ev->mailbox))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	/* Only the header pass is done for every message. */
	collect(ev, &top.h);
	if (top.h.journal)
		js = mh_fwm_journal_scan(f, ev, &env, &iev, &imsg);
	/* The message's own header, always: any sender can write
	 * X-MS-Journal-Report, and it must hide nothing. */
	if (maybe_forwarded(&top.h))
		nf = analyse_msg(f, &top, ev, NULL, f->facts);
	if (js >= 0) {
		/* A journal report: also its original and its envelope. */
		const struct mh_field *msgid =
		        env.has_msgid ? &env.msgid : top.h.msgid;
		int looks = 0;
		if (js == J_FOUND) {
			size_t k = 0;
			collect(&iev, &in.h);
			if (maybe_forwarded(&in.h))
				k = analyse_msg(f, &in, &iev, &env,
				                f->facts + nf);
			if (k) {
				looks = in.looks;
			} else if (env.nfwds) {
				in.ev = &iev;
				looks = looks_forwarded(f, &in);
			}
			if (in.h.msgid)
				msgid = in.h.msgid;
			nf += k;
		} else if (mh_fwm_journal_unread(f, ev, &top.h, msgid, js)) {
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		}
		nf += mh_fwm_envelope_facts(&env, ev, msgid, looks,
		                            f->facts + nf);
	}
	for (size_t i = 0; i < nf; i++)
		f->facts[i].fill = mail_fill;
	if (nf && mh_fw_record(f, f->facts, nf))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	return MH_OK;
}
