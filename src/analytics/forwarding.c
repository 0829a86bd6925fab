/* forwarding.c - per-message artefacts, aggregation, findings.
 *
 * The contract is docs/FORWARDING.md; this file follows it section by
 * section: which header fields are looked at (collect), which artefacts
 * they make and what cancels them (analyse), who forwards to whom
 * (fallbacks), aggregation per (kind, mailbox, destination) and per
 * mailbox (record, merge), and the rules (findings).
 */
#include "analytics/forwarding.h"
#include "analytics/analytic.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/fwdlang.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/strmap.h"
#include "mail/addr.h"
#include "core/time.h"
#include "mail/date.h"
#include "event/msg.h"
#include "mail/rfc2047.h"
#include "mail/rfc5322.h"

#define ADDR_MAX      320 /* RFC 5321 path limit is 256; room for junk */
#define MAX_DEST      8   /* destinations kept per artefact */
#define MAX_DELIVERED 8   /* Delivered-To fields looked at */
#define MAX_FACTS     3   /* one per kind and analysis */
/* A journal report: its own header, its attached original, and one fact
 * per envelope "Forwarded:" mailbox. */
#define FACTS_CAP  (2 * MAX_FACTS + MAX_DEST)
#define HEADER_CAP 512 /* evidence "Name: value" limit, bytes */
#define UNKNOWN    "unknown"

/* MARK: - header fields of interest */

enum kind { K_EXCH = 0, K_GMAIL, K_REDIRECT, K__COUNT };

enum mech {
	M_INBOX_RULE = 0,
	M_MBX_FWD,
	M_GMAIL,
	M_SIEVE,
	M_SERVER,
	M_RESENT,
	M_GENERIC,
	M__COUNT
};

static const char *const mech_names[M__COUNT] = {
        "exchange-inbox-rule",
        "exchange-mailbox-forwarding",
        "gmail-forwarding",
        "sieve-redirect",
        "server-redirect",
        "resent",
        "generic",
};

/* Found in one pass over the header names; the first occurrence (the
 * top-most, i.e. the most recent hop) of each, except Delivered-To. */
struct hdrs {
	const struct mh_field *autofwd, *rules_loop, *rules_agent, *fwd_loop,
	        *mailfwdby, *fwd_to, *fwd_for, *return_path, *resent_from,
	        *resent_sender, *resent_to, *sieve, *orig_to, *auto_sub,
	        *subject, *msgid, *ctype, *cte, *to, *from, *list, *precedence,
	        *autoreply, *journal;
	const struct mh_field *delivered[MAX_DELIVERED];
	size_t ndelivered;
};

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

/* n (any case) equals the lower-case literal s of length len. The caller
 * has already dispatched on the length. */
static int name_is(struct mh_slice n, const char *s, size_t len)
{
	if (n.n != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (lc((unsigned char)n.p[i]) != s[i])
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

/* MARK: - accumulator */

struct ev_item {
	char *file;
	uint64_t offset;
	unsigned line;
	char *msgid;
	char *header;
	int64_t ts;
};

/* One (kind, mailbox, destination). */
struct agg {
	enum kind kind;
	char *mailbox, *dest; /* one allocation, mailbox first */
	uint64_t autofwd, looks;
	int64_t first, last;
	unsigned mechs; /* bit per enum mech */
	unsigned arts;  /* A_* artefacts of its messages, for MH-FWD-RATIO */
	struct ev_item *ev;
	size_t nev;
};

/* One forwarding mailbox; messages counted once whatever the number of
 * destinations. The exch_* counts feed the ratio heuristic. */
struct mbox_acc {
	uint64_t autofwd, looks;
	int64_t first, last;
	uint64_t exch_autofwd, exch_looks;
	int64_t exch_first, exch_last;
};

/* What one message says. */
struct fact {
	enum kind kind;
	enum mech mech;
	char mailbox[ADDR_MAX];
	char dest[MAX_DEST][ADDR_MAX];
	size_t ndest;
	const struct mh_field *evidence;
	unsigned arts; /* the A_* artefacts that made it */
	/* The analysed (part of the) message: its line numbers, its
	 * Message-ID and whether it looks forwarded. */
	const struct mh_event *ev;
	const struct mh_field *msgid;
	int looks;
};

/* Why a journal report's original could not be analysed (spec "Journal
 * reports"), in the order of the MH-FWD-JOURNAL counts. */
enum jwhy { J_CUT = 0, J_ENCODED, J_NOATTACH, J_BADINNER, J__WHY };
static const char *const jwhy_names[J__WHY] = {
        "beyond_prefix",
        "encoded",
        "no_attachment",
        "unparseable",
};

struct mh_fwd {
	size_t max_evidence;
	struct mh_strmap given_org; /* --org-domain, lower case */
	struct mh_strmap aggs;      /* key: kind 0x1f mailbox 0x1f dest */
	struct mh_strmap mboxes;    /* key: mailbox; val: struct mbox_acc */
	struct mh_strmap owner_dom; /* store owners' domains; val unused */
	struct mh_strmap mdom;      /* forwarding mailbox domain -> messages
	                        * naming it (uintptr_t) */
	uint64_t messages, autofwd, looks;

	/* Per-message scratch, reused: allocation only at warm-up. */
	struct mh_arena arena;
	struct mh_arena jarena; /* fields of a journal report's message */
	struct mh_buf ubuf, dbuf;
	struct fact facts[FACTS_CAP];
	char last_owner[ADDR_MAX]; /* owner whose domain is recorded */

	/* Derived on demand, dropped by event/merge. */
	int org_ready;
	struct mh_strmap org; /* given or inferred org domains; val:
	                       * (uintptr_t) index + 1 into orgv */
	struct mh_fwd_org_domain *orgv;
	size_t norgv;
	struct mh_arena stats_arena;
	struct mh_fwd_pair_stat *pairs;
	size_t npairs;
	struct mh_fwd_mailbox_stat *mstats;
	size_t nmstats;

	/* Journal reports whose original could not be analysed: autofwd
	 * is their number, evidence the reports (MH-FWD-JOURNAL). */
	struct agg jr;
	uint64_t jr_why[J__WHY];
};

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)lc((unsigned char)*s);
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

static void ev_item_release(struct ev_item *e)
{
	free(e->file);
	free(e->msgid);
	free(e->header);
	memset(e, 0, sizeof(*e));
}

static void agg_free(void *p)
{
	struct agg *a = p;
	if (!a)
		return;
	for (size_t i = 0; i < a->nev; i++)
		ev_item_release(&a->ev[i]);
	free(a->ev);
	free(a->mailbox);
	free(a);
}

static void org_drop(struct mh_fwd *f)
{
	f->org_ready = 0;
	mh_strmap_release(&f->org, NULL);
	for (size_t i = 0; i < f->norgv; i++)
		free((char *)f->orgv[i].domain);
	free(f->orgv);
	f->orgv = NULL;
	f->norgv = 0;
}

static void stats_drop(struct mh_fwd *f)
{
	mh_arena_release(&f->stats_arena);
	mh_arena_init(&f->stats_arena, 16384, 0);
	f->pairs = NULL;
	f->mstats = NULL;
	f->npairs = f->nmstats = 0;
}

static void drop_derived(struct mh_fwd *f)
{
	org_drop(f);
	stats_drop(f);
}

int mh_fwd_new(struct mh_fwd **out, const struct mh_fwd_opts *o)
{
	struct mh_fwd *f = calloc(1, sizeof(*f));
	if (!f)
		return MH_ENOMEM;
	f->max_evidence = o && o->max_evidence ? o->max_evidence : 5;
	mh_strmap_init(&f->given_org);
	mh_strmap_init(&f->aggs);
	mh_strmap_init(&f->mboxes);
	mh_strmap_init(&f->owner_dom);
	mh_strmap_init(&f->mdom);
	mh_strmap_init(&f->org);
	mh_arena_init(&f->arena, 16384, 0);
	mh_arena_init(&f->jarena, 16384, 0);
	mh_arena_init(&f->stats_arena, 16384, 0);
	mh_buf_init(&f->ubuf, 16384);
	mh_buf_init(&f->dbuf, 32768);
	f->jr.first = f->jr.last = MH_TS_NONE;
	for (size_t i = 0; o && i < o->norg; i++) {
		char d[256];
		void **slot;
		if (!o->org_domains[i])
			continue;
		snprintf(d, sizeof(d), "%s", o->org_domains[i]);
		lower(d);
		/* "@corp.example" and "corp.example." mean corp.example. */
		char *s = d;
		while (*s == '@' || *s == '.')
			s++;
		size_t k = strlen(s);
		while (k && s[k - 1] == '.')
			s[--k] = '\0';
		if (k &&
		    mh_strmap_add(&f->given_org, s, &slot, NULL) != MH_OK) {
			mh_fwd_free(f);
			return MH_ENOMEM;
		}
	}
	*out = f;
	return MH_OK;
}

void mh_fwd_free(struct mh_fwd *f)
{
	if (!f)
		return;
	mh_strmap_release(&f->given_org, NULL);
	mh_strmap_release(&f->aggs, agg_free);
	mh_strmap_release(&f->mboxes, free);
	mh_strmap_release(&f->owner_dom, NULL);
	mh_strmap_release(&f->mdom, NULL);
	for (size_t i = 0; i < f->jr.nev; i++)
		ev_item_release(&f->jr.ev[i]);
	free(f->jr.ev);
	org_drop(f);
	mh_arena_release(&f->arena);
	mh_arena_release(&f->jarena);
	mh_arena_release(&f->stats_arena);
	mh_buf_release(&f->ubuf);
	mh_buf_release(&f->dbuf);
	free(f);
}

void mh_fwd_totals(const struct mh_fwd *f, uint64_t *messages,
                   uint64_t *auto_forwarded, uint64_t *looks_forwarded)
{
	if (messages)
		*messages = f->messages;
	if (auto_forwarded)
		*auto_forwarded = f->autofwd;
	if (looks_forwarded)
		*looks_forwarded = f->looks;
}

/* MARK: - addresses */

/* Unfolded value in f->ubuf (reused), cut to what any address or marker
 * needs. */
static struct mh_slice unfolded(struct mh_fwd *f, struct mh_slice raw)
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
	struct mh_slice v = unfolded(f, raw);
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
		lower(out[k]);
		size_t j = 0;
		while (j < k && strcmp(out[j], out[k]) != 0)
			j++;
		if (j == k)
			k++;
	}
	return k;
}

static int addr1(struct mh_fwd *f, const struct mh_field *fd, char *out)
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
	if (!addr1(f, rp, a))
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

enum {
	A_EXO_AUTOFWD = 1u << 0,
	A_EXO_RULES_LOOP = 1u << 1,
	A_EXO_RULES_AGENT = 1u << 2,
	A_EXO_FWD_LOOP = 1u << 3,
	A_MAILFWDBY = 1u << 4,
	A_FWD_TO = 1u << 5,
	A_FWD_FOR = 1u << 6,
	A_GMAIL_CAF = 1u << 7,
	A_RESENT = 1u << 8,
	A_SIEVE = 1u << 9,
	A_DELIVERED_CHAIN = 1u << 10,
	/* Not a header: a journal envelope's "Forwarded:" note. */
	A_JOURNAL_NOTE = 1u << 11,
};

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
struct env_fwd {
	char mbox[ADDR_MAX];  /* the "Forwarded:" address */
	char dest[ADDR_MAX];  /* the recipient of the line */
	struct mh_field line; /* the line, as evidence (in the body) */
};
struct env {
	int sender;    /* a "Sender:" line was seen */
	size_t nlines; /* recipient lines after it */
	char rcpt[MAX_DEST][ADDR_MAX];
	size_t nrcpt;
	char fwd[ADDR_MAX]; /* first "Forwarded:" address */
	struct env_fwd fwds[MAX_DEST];
	size_t nfwds;
	struct mh_field msgid; /* the envelope's Message-Id line */
	int has_msgid;
};

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
			struct mh_slice u = unfolded(f, raw);
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

static void put_addr(char *dst, const char *src)
{
	size_t n = strnlen(src, ADDR_MAX - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
}

static int in_list(char (*v)[ADDR_MAX], size_t n, const char *a)
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
	if (addr1(f, h->rules_loop, m->loop))
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
		if (addr1(f, &tf, m->fwdloop))
			m->art |= A_EXO_FWD_LOOP;
	}
	if (addr1(f, h->mailfwdby, m->fwdby))
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
	if (addr1(f, h->sieve, m->sieve))
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
		addr1(f, h->resent_from ? h->resent_from : h->resent_sender,
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
		addr1(f, h->delivered[0], m->top);
		addr1(f, h->delivered[h->ndelivered - 1], m->low);
	}
	addr1(f, h->orig_to, m->orig);
	addr1(f, h->from, m->from);
	if (m->ev->mailbox && addr_ok(m->ev->mailbox) && !m->env) {
		put_addr(m->owner, m->ev->mailbox);
		lower(m->owner);
	}
	/* Delivered-To chain / X-Original-To: a server-side redirect when the
	 * domains differ. Never a fact of its own; it can name the
	 * forwarding mailbox of the other artefacts. */
	if (!listy && *m->top &&
	    ((*m->low && strcmp(domain_of(m->top), domain_of(m->low)) != 0) ||
	     (*m->orig && strcmp(domain_of(m->top), domain_of(m->orig)) != 0)))
		m->art |= A_DELIVERED_CHAIN;

	if (m->art & (A_FWD_FOR | A_GMAIL_CAF)) {
		struct fact *x = &out[nf++];
		x->kind = K_GMAIL;
		x->mech = M_GMAIL;
		put_addr(x->mailbox,
		         (m->art & A_FWD_FOR) ? m->fwd_for[0] : m->caf_mbox);
		if (m->nto) {
			memcpy(x->dest, m->fwd_to, sizeof(x->dest));
			x->ndest = m->nto;
		} else if (m->art & A_FWD_FOR) {
			put_addr(x->dest[0], m->fwd_for[m->nfor - 1]);
			x->ndest = 1;
		} else {
			put_addr(x->dest[0], m->caf_dest);
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
		put_addr(x->mailbox, *m->loop      ? m->loop
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
			put_addr(x->mailbox, m->sieve);
			x->evidence = h->sieve;
		} else {
			x->mech = M_RESENT;
			put_addr(x->mailbox, m->resent);
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
	if (*m->low && strcmp(domain_of(m->low), domain_of(m->top)) != 0)
		return m->low;
	if (*m->orig && strcmp(domain_of(m->orig), domain_of(m->top)) != 0)
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
				put_addr(x->mailbox, env->fwd);
			else if (*m->owner &&
			         !in_list(x->dest, x->ndest, m->owner) &&
			         strcmp(m->owner, m->top) != 0 &&
			         strcmp(m->owner, m->orig) != 0)
				put_addr(x->mailbox, m->owner);
			else if (chain_from(m))
				put_addr(x->mailbox, chain_from(m));
			else if (x->ndest && *m->top &&
			         !in_list(x->dest, x->ndest, m->top))
				/* The artefact names where the copy went and
				 * this copy was delivered elsewhere: to the
				 * mailbox that forwarded it (its kept copy,
				 * a journal). */
				put_addr(x->mailbox, m->top);
			else if (m->looks && *m->from &&
			         !in_list(x->dest, x->ndest, m->from))
				/* A forward is a new message from the
				 * forwarder; a redirect keeps the author. */
				put_addr(x->mailbox, m->from);
			else
				put_addr(x->mailbox, UNKNOWN);
		}
		if (x->ndest)
			continue;
		/* The journal's envelope recipients: where the copy went. */
		for (size_t k = 0; env && k < env->nrcpt && x->ndest < MAX_DEST;
		     k++)
			if (strcmp(env->rcpt[k], x->mailbox) != 0)
				put_addr(x->dest[x->ndest++], env->rcpt[k]);
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
			put_addr(x->dest[0], d);
			x->ndest = 1;
		} else if (m->h.to && !strcmp(m->from, x->mailbox)) {
			/* The forwarder wrote the message: its To are where
			 * the copy went. */
			char to[MAX_DEST][ADDR_MAX];
			size_t nt =
			        addrs_of(f, m->h.to->value, 0, to, MAX_DEST);
			for (size_t k = 0; k < nt; k++)
				if (strcmp(to[k], x->mailbox) != 0)
					put_addr(x->dest[x->ndest++], to[k]);
		}
	}
}

/* MARK: - aggregation */

static void span(int64_t *first, int64_t *last, int64_t ts)
{
	if (ts == MH_TS_NONE)
		return;
	if (*first == MH_TS_NONE || ts < *first)
		*first = ts;
	if (*last == MH_TS_NONE || ts > *last)
		*last = ts;
}

static int ev_cmp(const struct ev_item *a, const struct ev_item *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Would an item at (file, offset) be among the max smallest? Saves
 * copying strings for the thousands of messages that would be dropped. */
static int ev_wanted(const struct agg *a, size_t max, const char *file,
                     uint64_t offset)
{
	if (a->nev < max)
		return 1;
	struct ev_item probe = {(char *)file, offset, 0, NULL, NULL, 0};
	for (size_t i = 0; i < a->nev; i++)
		if (ev_cmp(&probe, &a->ev[i]) < 0)
			return 1;
	return 0;
}

/* Keep the max smallest items by (file, offset): the same set whatever
 * the order of arrival, hence across threads and merges. Takes *e (it is
 * released when not kept). */
static int ev_keep(struct agg *a, size_t max, struct ev_item *e)
{
	/* One item per (file, offset): the same message fed twice (or two
	 * analyses of one journal report) is one piece of evidence. */
	for (size_t i = 0; i < a->nev; i++)
		if (!ev_cmp(e, &a->ev[i])) {
			ev_item_release(e);
			return MH_OK;
		}
	if (a->nev == max) {
		size_t worst = 0;
		for (size_t i = 1; i < a->nev; i++)
			if (ev_cmp(&a->ev[i], &a->ev[worst]) > 0)
				worst = i;
		if (ev_cmp(e, &a->ev[worst]) >= 0) {
			ev_item_release(e);
			return MH_OK;
		}
		ev_item_release(&a->ev[worst]);
		a->ev[worst] = *e;
		return MH_OK;
	}
	if (!a->ev && !(a->ev = calloc(max, sizeof(*a->ev)))) {
		ev_item_release(e);
		return MH_ENOMEM;
	}
	a->ev[a->nev++] = *e;
	return MH_OK;
}

/* Cut at most cap bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t cap)
{
	if (n <= cap)
		return n;
	size_t k = cap;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

/* "Name: value", unfolded, at most HEADER_CAP bytes. */
static char *header_line(struct mh_fwd *f, const struct mh_field *fd)
{
	char out[HEADER_CAP + 1];
	size_t nn = utf8_cut(fd->name.p, fd->name.n, 100);
	memcpy(out, fd->name.p, nn);
	out[nn++] = ':';
	out[nn++] = ' ';
	struct mh_slice raw = fd->value;
	if (raw.n > 4 * HEADER_CAP)
		raw.n = 4 * HEADER_CAP;
	struct mh_slice v = unfolded(f, raw);
	size_t vn = utf8_cut(v.p, v.n, HEADER_CAP - nn);
	memcpy(out + nn, v.p, vn);
	out[nn + vn] = '\0';
	return strdup(out);
}

static char *msgid_of(struct mh_fwd *f, const struct mh_field *fd)
{
	if (!fd)
		return NULL;
	struct mh_slice v = unfolded(f, fd->value);
	while (v.n && (v.p[0] == '<' || v.p[0] == ' ')) {
		v.p++;
		v.n--;
	}
	const char *gt = memchr(v.p, '>', v.n);
	if (gt)
		v.n = (size_t)(gt - v.p);
	while (v.n && v.p[v.n - 1] == ' ')
		v.n--;
	v.n = utf8_cut(v.p, v.n, HEADER_CAP);
	return v.n ? strndup(v.p, v.n) : NULL;
}

static unsigned lines_in(const char *p, size_t n)
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
		       lines_in(msg->header.p, (size_t)(p - msg->header.p));
	if (msg->body.p && p >= msg->body.p && p < msg->body.p + msg->body.n)
		return msg->header_line +
		       lines_in(msg->header.p, msg->header.n) + 1 +
		       lines_in(msg->body.p, (size_t)(p - msg->body.p));
	return 0;
}

/* The message ev as an evidence item of a (when it is among the
 * max_evidence kept): its file and offset, the line and text of the
 * artefact field fd, its Message-ID. */
static int add_evidence(struct mh_fwd *f, struct agg *a,
                        const struct mh_event *ev, const struct mh_field *fd,
                        const struct mh_field *msgid)
{
	const char *path = ev->path ? ev->path : "";
	if (!ev_wanted(a, f->max_evidence, path, ev->offset))
		return MH_OK;
	struct ev_item e = {0};
	e.file = strdup(path);
	e.offset = ev->offset;
	e.line = field_line(ev, fd);
	e.msgid = msgid_of(f, msgid);
	e.header = header_line(f, fd);
	e.ts = ev->ts;
	if (!e.file || !e.header) {
		ev_item_release(&e);
		return MH_ENOMEM;
	}
	return ev_keep(a, f->max_evidence, &e);
}

static int agg_key(struct mh_buf *b, enum kind k, const char *mailbox,
                   const char *dest)
{
	mh_buf_reset(b);
	return mh_buf_printf(b, "%d\x1f%s\x1f%s", (int)k, mailbox, dest);
}

static struct agg *agg_get(struct mh_fwd *f, enum kind k, const char *mailbox,
                           const char *dest)
{
	void **slot;
	int created;
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	struct agg *a = NULL;
	if (agg_key(&key, k, mailbox, dest) ||
	    mh_strmap_upsert(&f->aggs, key.p, key.len, &slot, &created))
		goto done;
	if (!created) {
		a = *slot;
		goto done;
	}
	size_t ml = strlen(mailbox), dl = strlen(dest);
	a = calloc(1, sizeof(*a));
	char *mem = malloc(ml + dl + 2);
	if (!a || !mem) {
		free(a);
		free(mem);
		a = NULL;
		/* The key stays with a NULL value; users skip those. */
		goto done;
	}
	memcpy(mem, mailbox, ml + 1);
	memcpy(mem + ml + 1, dest, dl + 1);
	a->kind = k;
	a->mailbox = mem;
	a->dest = mem + ml + 1;
	a->first = a->last = MH_TS_NONE;
	*slot = a;
done:
	mh_buf_release(&key);
	return a;
}

static struct mbox_acc *mbox_get(struct mh_fwd *f, const char *mailbox)
{
	void **slot;
	int created;
	if (mh_strmap_add(&f->mboxes, mailbox, &slot, &created))
		return NULL;
	if (created || !*slot) {
		struct mbox_acc *b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		b->first = b->last = b->exch_first = b->exch_last = MH_TS_NONE;
		*slot = b;
	}
	return *slot;
}

/* Spec "Internal or external": the domain of fact i's forwarding
 * mailbox is counted once per message. */
static int mdom_note(struct mh_fwd *f, const struct fact *facts, size_t i)
{
	const char *mb = facts[i].mailbox;
	const char *d = domain_of(mb);
	void **slot;
	if (!strcmp(mb, UNKNOWN) || !*d)
		return MH_OK;
	for (size_t k = 0; k < i; k++)
		if (strcmp(facts[k].mailbox, UNKNOWN) != 0 &&
		    !strcmp(domain_of(facts[k].mailbox), d))
			return MH_OK;
	if (mh_strmap_add(&f->mdom, d, &slot, NULL))
		return MH_ENOMEM;
	*slot = (void *)((uintptr_t)*slot + 1);
	return MH_OK;
}

/* What one message has already added to an aggregate or a mailbox: a
 * message counts once in each, however many of its analyses (a journal
 * report's own header, its original, its envelope) name them. */
struct touched_agg {
	struct agg *a;
	int looks;
};
struct touched_mbox {
	struct mbox_acc *b;
	int looks, exch, exch_looks;
};

static int record_pair(struct mh_fwd *f, const struct fact *x, const char *dest,
                       struct touched_agg *ta, size_t *nta)
{
	const struct mh_event *ev = x->ev;
	struct agg *a = agg_get(f, x->kind, x->mailbox, dest);
	if (!a)
		return MH_ENOMEM;
	a->mechs |= 1u << x->mech;
	a->arts |= x->arts;
	for (size_t k = 0; k < *nta; k++)
		if (ta[k].a == a) {
			/* Already counted for this message. */
			if (x->looks && !ta[k].looks) {
				ta[k].looks = 1;
				a->looks++;
			}
			return MH_OK;
		}
	ta[*nta].a = a;
	ta[*nta].looks = x->looks;
	(*nta)++;
	a->autofwd++;
	if (x->looks)
		a->looks++;
	span(&a->first, &a->last, ev->ts);
	return add_evidence(f, a, ev, x->evidence, x->msgid);
}

static int record_mbox(struct mh_fwd *f, const struct fact *x,
                       struct touched_mbox *tm, size_t *ntm)
{
	int64_t ts = x->ev->ts;
	struct mbox_acc *b = mbox_get(f, x->mailbox);
	if (!b)
		return MH_ENOMEM;
	size_t k = 0;
	while (k < *ntm && tm[k].b != b)
		k++;
	if (k == *ntm) {
		memset(&tm[k], 0, sizeof(tm[k]));
		tm[k].b = b;
		(*ntm)++;
		b->autofwd++;
		span(&b->first, &b->last, ts);
	}
	if (x->looks && !tm[k].looks) {
		tm[k].looks = 1;
		b->looks++;
	}
	if (x->kind != K_EXCH)
		return MH_OK;
	if (!tm[k].exch) {
		tm[k].exch = 1;
		b->exch_autofwd++;
		span(&b->exch_first, &b->exch_last, ts);
	}
	if (x->looks && !tm[k].exch_looks) {
		tm[k].exch_looks = 1;
		b->exch_looks++;
	}
	return MH_OK;
}

/* Add the facts of one message (all its analyses) to the accumulator. */
static int record(struct mh_fwd *f, const struct fact *facts, size_t nf)
{
	struct touched_agg ta[FACTS_CAP * MAX_DEST];
	struct touched_mbox tm[FACTS_CAP];
	size_t nta = 0, ntm = 0;
	int looks = 0;
	for (size_t i = 0; i < nf; i++) {
		const struct fact *x = &facts[i];
		size_t nd = x->ndest ? x->ndest : 1;
		size_t kept = 0;
		looks |= x->looks;
		for (size_t j = 0; j < nd; j++) {
			const char *dest = x->ndest ? x->dest[j] : UNKNOWN;
			/* Forwarding to oneself is no forwarding. */
			if (!strcmp(dest, x->mailbox) && (x->ndest > 1 || kept))
				continue;
			if (!strcmp(dest, x->mailbox))
				dest = UNKNOWN;
			kept++;
			if (record_pair(f, x, dest, ta, &nta))
				return MH_ENOMEM;
		}
		if (record_mbox(f, x, tm, &ntm) || mdom_note(f, facts, i))
			return MH_ENOMEM;
	}
	f->autofwd++;
	if (looks)
		f->looks++;
	return MH_OK;
}

static int note_owner(struct mh_fwd *f, const char *owner)
{
	void **slot;
	if (!strcmp(owner, f->last_owner))
		return MH_OK;
	snprintf(f->last_owner, sizeof(f->last_owner), "%s", owner);
	const char *at = strrchr(owner, '@');
	if (!at || !at[1])
		return MH_OK;
	char d[ADDR_MAX];
	snprintf(d, sizeof(d), "%s", at + 1);
	lower(d);
	return mh_strmap_add(&f->owner_dom, d, &slot, NULL);
}

/* MARK: - journal reports */

/* One envelope line of a journal report part after its "Sender:" line:
 * "Recipient: addr", "To: addr", "Cc: addr", "Bcc: addr", each optionally
 * followed by ", Forwarded: addr" (the categorizer redirected the message
 * from that recipient to addr) or ", Expanded: ..." (a list). */
static void envelope_line(struct mh_fwd *f, struct mh_slice line,
                          struct env *env)
{
	static const char *const names[] = {"recipient:", "to:", "cc:", "bcc:"};
	size_t k = 0;
	while (k < 4 && !mh_slice_istarts(line, names[k]))
		k++;
	if (k == 4)
		return;
	size_t nl = strlen(names[k]);
	env->nlines++;
	mh_arena_reset(&f->arena); /* addresses are copied out */
	struct mh_slice v = mh_slice_make(line.p + nl, line.n - nl);
	/* Quoted local parts may hold ','; the note starts at the first ','
	 * outside quotes. */
	size_t cut = v.n;
	int q = 0;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] == '"')
			q = !q;
		else if (v.p[i] == ',' && !q) {
			cut = i;
			break;
		}
	}
	struct mh_field tf = {mh_slice_make(line.p, nl - 1),
	                      mh_slice_make(v.p, cut)};
	struct mh_slice rest =
	        mh_slice_make(v.p + cut + (cut < v.n), v.n - cut - (cut < v.n));
	size_t at = mh_slice_ifind(rest, "forwarded:");
	/* Addresses are parsed only when they are kept: a report to a large
	 * list has thousands of lines. */
	if (env->nrcpt >= MAX_DEST && at == (size_t)-1)
		return;
	char a[ADDR_MAX], src[ADDR_MAX];
	int ok = addr1(f, &tf, a);
	if (ok && env->nrcpt < MAX_DEST && !in_list(env->rcpt, env->nrcpt, a))
		put_addr(env->rcpt[env->nrcpt++], a);
	if (at == (size_t)-1)
		return;
	tf.value = mh_slice_make(rest.p + at + 10, rest.n - at - 10);
	if (!addr1(f, &tf, src))
		return;
	if (!*env->fwd)
		put_addr(env->fwd, src);
	if (ok && strcmp(src, a) != 0 && env->nfwds < MAX_DEST) {
		struct env_fwd *w = &env->fwds[env->nfwds++];
		put_addr(w->mbox, src);
		put_addr(w->dest, a);
		w->line.name = mh_slice_make(line.p, nl - 1);
		w->line.value = v;
	}
}

/* The value of a part header field starts with prefix (unfolded). */
static int part_value_starts(struct mh_fwd *f, const struct mh_field *fd,
                             const char *prefix)
{
	return fd && mh_slice_istarts(unfolded(f, fd->value), prefix);
}

#define J_FOUND J__WHY /* journal_scan: the original was found */

/* Spec "Journal reports": the envelope (the "Sender:" line and the
 * recipient lines after it) and the first message/rfc822 MIME part of a
 * report, within the body prefix. Returns -1 when the body has no report
 * structure (an ordinary message); J_FOUND when the original was found,
 * then *iev / *imsg are an event of its own (same file, offset and time
 * as the report); else why it cannot be analysed (enum jwhy). */
static int journal_scan(struct mh_fwd *f, const struct mh_event *ev,
                        struct env *env, struct mh_event *iev,
                        struct mh_msg *imsg)
{
	const struct mh_msg *msg = ev->msg;
	const char *p = msg->body.p, *in = NULL;
	size_t n = p ? msg->body.n : 0, i = 0;
	int found = 0, encoded = 0, eof = msg->body_complete;

	memset(env, 0, sizeof(*env));
	mh_arena_reset(&f->jarena);
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) : n;
		struct mh_slice line = mh_slice_make(p + i, e - i);
		if (!nl && !eof)
			break; /* a line cut by the prefix */
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n > 2 && line.p[0] == '-' && line.p[1] == '-') {
			/* A boundary: a part header follows (RFC 2046
			 * 5.1.1), its fields possibly folded. */
			size_t hs = e + 1, phl = 0, pbo = 0, npf = 0;
			struct mh_field *pf = NULL;
			if (hs >= n || mh_hdr_end(p + hs, n - hs, eof, &phl,
			                          &pbo) != MH_OK)
				break; /* cut by the prefix */
			if (phl && mh_hdr_split(p + hs, phl, &f->jarena, 256,
			                        &pf, &npf, NULL) != MH_OK)
				npf = 0;
			if (part_value_starts(
			            f, mh_hdr_find(pf, npf, "Content-Type"),
			            "message/rfc822")) {
				const struct mh_field *cte = mh_hdr_find(
				        pf, npf, "Content-Transfer-Encoding");
				found = 1;
				encoded = part_value_starts(f, cte, "base64") ||
				          part_value_starts(f, cte,
				                            "quoted-printable");
				in = p + hs + pbo;
				break;
			}
			i = hs + pbo;
			continue;
		}
		if (!env->sender) {
			env->sender = mh_slice_istarts(line, "sender:");
		} else if (mh_slice_istarts(line, "message-id:")) {
			if (!env->has_msgid) {
				env->msgid.name = mh_slice_make(line.p, 10);
				env->msgid.value =
				        mh_slice_make(line.p + 11, line.n - 11);
				env->has_msgid = 1;
			}
		} else {
			envelope_line(f, line, env);
		}
		if (!nl)
			break;
		i = e + 1;
	}
	if (!env->sender || !env->nlines)
		return -1;
	if (!found)
		return eof ? J_NOATTACH : J_CUT;
	if (encoded)
		return J_ENCODED; /* not decoded: documented */
	size_t inn = n - (size_t)(in - p), ihl, ibo;
	if (!inn)
		return eof ? J_BADINNER : J_CUT;
	int rc = mh_hdr_end(in, inn, 0, &ihl, &ibo);
	if (rc == MH_ETRUNC) /* cut by the body prefix: what there is */
		rc = mh_hdr_end(in, inn, 1, &ihl, &ibo);
	if (rc != MH_OK || !ihl)
		return J_BADINNER;
	struct mh_field *fl = NULL;
	size_t nfl = 0;
	if (mh_hdr_split(in, ihl, &f->jarena, 20000, &fl, &nfl, NULL) !=
	            MH_OK ||
	    !nfl)
		return J_BADINNER;
	*imsg = *msg;
	imsg->header = mh_slice_make(in, ihl);
	imsg->body = mh_slice_make(in + ibo, inn - ibo);
	imsg->hdrs = fl;
	imsg->nhdrs = nfl;
	/* Line of the inner header in the file: after the report's header,
	 * its blank line and the body lines before the part. */
	imsg->header_line = 0;
	if (msg->header_line && msg->header.p)
		imsg->header_line = msg->header_line +
		                    lines_in(msg->header.p, msg->header.n) + 1 +
		                    lines_in(p, (size_t)(in - p));
	*iev = *ev;
	iev->fields = fl;
	iev->nfields = nfl;
	iev->msg = imsg;
	return J_FOUND;
}

/* Spec "Journal reports": one fact per envelope "Forwarded:" mailbox,
 * its destinations the recipients of its lines. At most MAX_DEST. */
static size_t envelope_facts(const struct env *env, const struct mh_event *ev,
                             const struct mh_field *msgid, int looks,
                             struct fact *out)
{
	size_t nf = 0;
	for (size_t i = 0; i < env->nfwds; i++) {
		const struct env_fwd *w = &env->fwds[i];
		size_t k = 0;
		while (k < nf && strcmp(out[k].mailbox, w->mbox) != 0)
			k++;
		struct fact *x = &out[k];
		if (k == nf) {
			memset(x, 0, sizeof(*x));
			x->kind = K_EXCH;
			x->mech = M_MBX_FWD;
			x->arts = A_JOURNAL_NOTE;
			put_addr(x->mailbox, w->mbox);
			x->evidence = &w->line;
			x->ev = ev;
			x->msgid = msgid;
			x->looks = looks;
			nf++;
		}
		if (x->ndest < MAX_DEST && !in_list(x->dest, x->ndest, w->dest))
			put_addr(x->dest[x->ndest++], w->dest);
	}
	return nf;
}

/* A journal report whose original could not be analysed (MH-FWD-JOURNAL):
 * counted, its time spanned, the report kept as evidence. */
static int journal_unread(struct mh_fwd *f, const struct mh_event *ev,
                          const struct hdrs *h, const struct mh_field *msgid,
                          int why)
{
	struct agg *a = &f->jr;
	a->autofwd++;
	f->jr_why[why]++;
	span(&a->first, &a->last, ev->ts);
	return add_evidence(f, a, ev, h->journal, msgid);
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

int mh_fwd_event(struct mh_fwd *f, const struct mh_event *ev,
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
		drop_derived(f);
	f->messages++;
	if (ev->mailbox && note_owner(f, ev->mailbox))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	/* Only the header pass is done for every message. */
	collect(ev, &top.h);
	if (top.h.journal)
		js = journal_scan(f, ev, &env, &iev, &imsg);
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
		} else if (journal_unread(f, ev, &top.h, msgid, js)) {
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		}
		nf += envelope_facts(&env, ev, msgid, looks, f->facts + nf);
	}
	if (nf && record(f, f->facts, nf))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	return MH_OK;
}

/* MARK: - merge */

static void agg_add(struct agg *t, struct agg *a, size_t max)
{
	t->autofwd += a->autofwd;
	t->looks += a->looks;
	t->mechs |= a->mechs;
	t->arts |= a->arts;
	span(&t->first, &t->last, a->first);
	span(&t->first, &t->last, a->last);
	for (size_t i = 0; i < a->nev; i++) {
		/* ev_keep only fails before it holds anything; then the
		 * item is released and the evidence is merely shorter. */
		ev_keep(t, max, &a->ev[i]);
		memset(&a->ev[i], 0, sizeof(a->ev[i]));
	}
	a->nev = 0;
}

static void mbox_add(struct mbox_acc *t, const struct mbox_acc *b)
{
	t->autofwd += b->autofwd;
	t->looks += b->looks;
	span(&t->first, &t->last, b->first);
	span(&t->first, &t->last, b->last);
	t->exch_autofwd += b->exch_autofwd;
	t->exch_looks += b->exch_looks;
	span(&t->exch_first, &t->exch_last, b->exch_first);
	span(&t->exch_first, &t->exch_last, b->exch_last);
}

int mh_fwd_merge(struct mh_fwd *into, struct mh_fwd *from)
{
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	void **slot;
	int created, rc = MH_OK;

	if (into == from)
		return MH_OK;
	drop_derived(into);
	drop_derived(from);
	while ((s = mh_strmap_next(&from->aggs, &pos)) != NULL) {
		struct agg *a = s->val;
		if (!a)
			continue;
		if (mh_strmap_upsert(&into->aggs, s->key, s->klen, &slot,
		                     &created)) {
			rc = MH_ENOMEM;
			break;
		}
		if (!*slot) {
			*slot = a; /* moved */
		} else {
			agg_add(*slot, a, into->max_evidence);
			agg_free(a);
		}
		from->aggs.slot[pos - 1].val = NULL;
	}
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->mboxes, &pos))) {
		struct mbox_acc *b = s->val;
		if (!b)
			continue;
		if (mh_strmap_upsert(&into->mboxes, s->key, s->klen, &slot,
		                     &created)) {
			rc = MH_ENOMEM;
			break;
		}
		if (!*slot) {
			*slot = b;
		} else {
			mbox_add(*slot, b);
			free(b);
		}
		from->mboxes.slot[pos - 1].val = NULL;
	}
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->owner_dom, &pos)))
		if (mh_strmap_upsert(&into->owner_dom, s->key, s->klen, &slot,
		                     NULL))
			rc = MH_ENOMEM;
	pos = 0;
	while (rc == MH_OK && (s = mh_strmap_next(&from->mdom, &pos))) {
		if (mh_strmap_upsert(&into->mdom, s->key, s->klen, &slot,
		                     NULL)) {
			rc = MH_ENOMEM;
			break;
		}
		*slot = (void *)((uintptr_t)*slot + (uintptr_t)s->val);
	}
	into->messages += from->messages;
	into->autofwd += from->autofwd;
	into->looks += from->looks;
	from->messages = from->autofwd = from->looks = 0;
	agg_add(&into->jr, &from->jr, into->max_evidence);
	from->jr.autofwd = from->jr.looks = 0;
	from->jr.first = from->jr.last = MH_TS_NONE;
	for (size_t i = 0; i < J__WHY; i++) {
		into->jr_why[i] += from->jr_why[i];
		from->jr_why[i] = 0;
	}
	mh_strmap_release(&from->aggs, agg_free);
	mh_strmap_release(&from->mboxes, free);
	mh_strmap_release(&from->owner_dom, NULL);
	mh_strmap_release(&from->mdom, NULL);
	from->last_owner[0] = '\0';
	return rc;
}

/* MARK: - internal or external */

/* Consumer (free-mail) domains: one mailbox per person, never an
 * organisation (spec "Internal or external"). Exact names match the name
 * and its subdomains; stems match "stem.tld" and "stem.xx.tld" /
 * "stem.xxx.tld" (hotmail.co.uk, yahoo.com.br) and their subdomains. */
static const char *const consumer_exact[] = {
        "gmail.com",      "googlemail.com", "outlook.com",    "msn.com",
        "ymail.com",      "rocketmail.com", "aim.com",        "icloud.com",
        "me.com",         "mac.com",        "proton.me",      "pm.me",
        "protonmail.com", "protonmail.ch",  "tuta.io",        "web.de",
        "t-online.de",    "freenet.de",     "mailbox.org",    "mail.com",
        "mail.ru",        "inbox.ru",       "list.ru",        "bk.ru",
        "ya.ru",          "zoho.com",       "zohomail.com",   "fastmail.com",
        "fastmail.fm",    "hushmail.com",   "qq.com",         "163.com",
        "126.com",        "yeah.net",       "sina.com",       "naver.com",
        "hanmail.net",    "daum.net",       "rediffmail.com", "orange.fr",
        "wanadoo.fr",     "free.fr",        "laposte.net",    "libero.it",
        "virgilio.it",    "seznam.cz",      "wp.pl",          "o2.pl",
        "interia.pl",     "onet.pl",        "comcast.net",    "verizon.net",
        "att.net",        "sbcglobal.net",  "btinternet.com",
};
static const char *const consumer_stem[] = {
        "hotmail",  "live", "yahoo",  "aol",
        "tutanota", "gmx",  "posteo", "yandex",
};

/* "stem.tld" or "stem.xx.tld" / "stem.xxx.tld" exactly. */
static int stem_tail(const char *d, const char *stem)
{
	size_t n = strlen(stem);
	if (strncmp(d, stem, n) != 0 || d[n] != '.')
		return 0;
	const char *rest = d + n + 1;
	const char *dot = strchr(rest, '.');
	if (!*rest || rest[0] == '.')
		return 0;
	if (!dot)
		return 1;
	if (dot - rest > 3 || !dot[1] || strchr(dot + 1, '.'))
		return 0;
	return 1;
}

int mh_fwd_consumer_domain(const char *domain)
{
	char d[ADDR_MAX];
	if (!domain || !*domain)
		return 0;
	snprintf(d, sizeof(d), "%s", domain);
	lower(d);
	size_t k = strlen(d);
	while (k && d[k - 1] == '.')
		d[--k] = '\0';
	/* The domain and each of its parents. */
	for (const char *p = d; *p;) {
		for (size_t i = 0;
		     i < sizeof(consumer_exact) / sizeof(consumer_exact[0]);
		     i++)
			if (!strcmp(p, consumer_exact[i]))
				return 1;
		for (size_t i = 0;
		     i < sizeof(consumer_stem) / sizeof(consumer_stem[0]); i++)
			if (stem_tail(p, consumer_stem[i]))
				return 1;
		const char *dot = strchr(p, '.');
		if (!dot)
			break;
		p = dot + 1;
	}
	return 0;
}

/* d equals or is a subdomain of parent. */
static int under(const char *d, const char *parent)
{
	size_t n = strlen(d), pn = strlen(parent);
	if (!pn || n < pn || strcmp(d + n - pn, parent) != 0)
		return 0;
	return n == pn || d[n - pn - 1] == '.';
}

static int org_put(struct mh_fwd *f, const char *d, size_t dn,
                   const char *source, uint64_t messages)
{
	void **slot;
	int created;
	if (mh_strmap_upsert(&f->org, d, dn, &slot, &created))
		return MH_ENOMEM;
	if (!created)
		return MH_OK;
	struct mh_fwd_org_domain *v =
	        realloc(f->orgv, (f->norgv + 1) * sizeof(*v));
	char *copy = strndup(d, dn);
	if (!v || !copy) {
		free(copy);
		if (v)
			f->orgv = v;
		return MH_ENOMEM;
	}
	f->orgv = v;
	v[f->norgv].domain = copy;
	v[f->norgv].source = source;
	v[f->norgv].messages = messages;
	f->norgv++;
	*slot = (void *)(uintptr_t)f->norgv;
	return MH_OK;
}

/* Domains (and their parents, each label suffix of a destination domain)
 * that received forwarding from a mailbox outside them or from an
 * unknown mailbox: never inferred from headers (spec rule (c)). */
static int foreign_targets(struct mh_fwd *f, struct mh_strmap *out)
{
	const struct mh_strmap_slot *s;
	size_t pos = 0;
	void **slot;
	while ((s = mh_strmap_next(&f->aggs, &pos)) != NULL) {
		const struct agg *a = s->val;
		if (!a || !strcmp(a->dest, UNKNOWN))
			continue;
		const char *md = strcmp(a->mailbox, UNKNOWN)
		                         ? domain_of(a->mailbox)
		                         : "";
		for (const char *d = domain_of(a->dest); *d;) {
			if (!*md || !under(md, d))
				if (mh_strmap_add(out, d, &slot, NULL))
					return MH_ENOMEM;
			const char *dot = strchr(d, '.');
			if (!dot)
				break;
			d = dot + 1;
		}
	}
	return MH_OK;
}

static int org_cmp(const void *a, const void *b)
{
	const struct mh_fwd_org_domain *x = a, *y = b;
	return strcmp(x->domain, y->domain);
}

static int org_build(struct mh_fwd *f)
{
	const struct mh_strmap_slot **v = NULL;
	size_t n = 0;
	struct mh_strmap foreign = MH_STRMAP_INIT;
	int rc = MH_ENOMEM;
	if (f->org_ready)
		return MH_OK;
	org_drop(f);
	if (f->given_org.n) {
		if (mh_strmap_sorted(&f->given_org, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++)
			if (org_put(f, v[i]->key, v[i]->klen, "given", 0))
				goto done;
	} else {
		/* Domains that received forwarding from outside (or from an
		 * unknown mailbox): never inferred, whatever the source. A
		 * store owner comes from a path, and a file name inside the
		 * scanned tree ("x@evil.example.mbox") is no proof that the
		 * exfiltration's destination is the organisation's. */
		if (foreign_targets(f, &foreign))
			goto done;
		/* Store owners: trusted otherwise (no message count), but
		 * never a consumer domain. */
		if (mh_strmap_sorted(&f->owner_dom, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++)
			if (!mh_fwd_consumer_domain(v[i]->key) &&
			    !mh_strmap_get(&foreign, v[i]->key) &&
			    org_put(f, v[i]->key, v[i]->klen, "store-owner", 0))
				goto done;
		free(v);
		v = NULL;
		/* Forwarding mailboxes named in headers: enough messages,
		 * not consumer, and never a destination of outsiders. */
		if (mh_strmap_sorted(&f->mdom, &v, &n))
			goto done;
		for (size_t i = 0; i < n; i++) {
			uint64_t w = (uint64_t)(uintptr_t)v[i]->val;
			const char *d = v[i]->key;
			if (w < 2 || !strchr(d, '.') || d[0] == '.' ||
			    mh_fwd_consumer_domain(d) ||
			    mh_strmap_get(&foreign, d))
				continue;
			if (org_put(f, d, v[i]->klen, "headers", w))
				goto done;
		}
	}
	if (f->norgv > 1) {
		qsort(f->orgv, f->norgv, sizeof(*f->orgv), org_cmp);
		for (size_t i = 0; i < f->norgv; i++) {
			void **slot = mh_strmap_get(&f->org, f->orgv[i].domain);
			if (slot)
				*slot = (void *)(uintptr_t)(i + 1);
		}
	}
	f->org_ready = 1;
	rc = MH_OK;
done:
	free(v);
	mh_strmap_release(&foreign, NULL);
	if (rc != MH_OK)
		org_drop(f);
	return rc;
}

int mh_fwd_org_domains(struct mh_fwd *f, const struct mh_fwd_org_domain **v,
                       size_t *n)
{
	int rc = org_build(f);
	if (v)
		*v = f->orgv;
	if (n)
		*n = f->norgv;
	return rc;
}

/* Equal to or a subdomain of an org domain: try the domain and each of
 * its parents ("a.b.corp.example", "b.corp.example", "corp.example"). */
static int internal_in(const struct mh_strmap *org, const char *domain)
{
	const char *d = domain;
	while (*d) {
		if (mh_strmap_get(org, d))
			return 1;
		const char *dot = strchr(d, '.');
		if (!dot)
			break;
		d = dot + 1;
	}
	return 0;
}

int mh_fwd_domain_internal(struct mh_fwd *f, const char *domain)
{
	char d[ADDR_MAX];
	if (!domain || !*domain || org_build(f))
		return 0;
	snprintf(d, sizeof(d), "%s", domain);
	lower(d);
	return internal_in(&f->org, d);
}

/* Spec "Internal or external", rules 1-6: 1 external, 0 internal, -1
 * undecided. org_build must have run. */
static int externality(struct mh_fwd *f, const char *mailbox, const char *dest)
{
	if (!strcmp(dest, UNKNOWN) || !*domain_of(dest))
		return -1;
	const char *dd = domain_of(dest);
	if (internal_in(&f->org, dd))
		return 0;
	if (f->given_org.n)
		return 1;
	int mknown = strcmp(mailbox, UNKNOWN) != 0 && *domain_of(mailbox);
	if (mknown && !mh_fwd_consumer_domain(domain_of(mailbox)) &&
	    under(dd, domain_of(mailbox)))
		return 0;
	if (mknown || f->norgv)
		return 1;
	return -1;
}

/* MARK: - findings */

static char *mechs_text(unsigned m)
{
	struct mh_buf b = MH_BUF_INIT(512);
	for (unsigned i = 0; i < M__COUNT; i++)
		if (m & (1u << i)) {
			if (b.len)
				mh_buf_addc(&b, ',');
			mh_buf_adds(&b, mech_names[i]);
		}
	return mh_buf_detach(&b, NULL);
}

static void when_text(int64_t first, int64_t last, char *out, size_t n)
{
	char a[21], b[21];
	if (first == MH_TS_NONE) {
		snprintf(out, n, "at unknown times");
		return;
	}
	mh_time_iso(first, a);
	mh_time_iso(last, b);
	if (!memcmp(a, b, 10))
		snprintf(out, n, "on %.10s", a);
	else
		snprintf(out, n, "between %.10s and %.10s", a, b);
}

/* The mailbox as an argument a mail admin can paste into a shell: only
 * when it is made of harmless characters (the address comes from a
 * header an attacker may have written), else a placeholder. */
static void shell_arg(const char *mailbox, char *out, size_t n)
{
	int ok = strcmp(mailbox, UNKNOWN) != 0 && strchr(mailbox, '@');
	for (const char *c = mailbox; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		     *c == '@' || *c == '.' || *c == '-' || *c == '_' ||
		     *c == '+';
	snprintf(out, n, ok ? "'%s'" : "%s", ok ? mailbox : "<mailbox>");
}

static char *remediation(unsigned mechs, const char *mailbox)
{
	char mb[ADDR_MAX + 2];
	struct mh_buf b = MH_BUF_INIT(4096);
	shell_arg(mailbox, mb, sizeof(mb));
	if (mechs & (1u << M_GMAIL)) {
		mh_buf_printf(
		        &b,
		        "Google Workspace / Gmail, mailbox %s: Gmail settings "
		        "> "
		        "Forwarding and POP/IMAP (forwarding address) and "
		        "Filters (filters that forward); Admin console audit, "
		        "user log events email_forwarding_change and "
		        "email_forwarding_out_of_domain, for who set it and "
		        "when; disable automatic forwarding for the "
		        "organisational unit if not needed (Apps > Google "
		        "Workspace > Gmail > End User Access); remove an "
		        "unapproved forwarding address, then reset the "
		        "password and sign the user out of all sessions "
		        "(ATT&CK M1047, M1032). mailhunt runs none of this.",
		        mb);
	} else if (mechs & ((1u << M_SIEVE) | (1u << M_SERVER))) {
		mh_buf_printf(
		        &b,
		        "Mail server, mailbox %s: the user's Sieve scripts "
		        "(redirect actions; Dovecot: doveadm sieve list -u %s, "
		        "doveadm sieve get -u %s <script>), ~/.forward and "
		        "procmail rules, and the server's alias and virtual "
		        "maps for this address; remove unapproved redirects, "
		        "then reset the user's credentials and end their "
		        "sessions (ATT&CK M1047, M1032). mailhunt runs none of "
		        "this.",
		        mb, mb, mb);
	} else if (mechs & (1u << M_RESENT)) {
		mh_buf_printf(
		        &b,
		        "Automatic re-send (Resent-* with Auto-Submitted) by "
		        "%s: find the program or rule that re-sends "
		        "(server-side filters, Sieve redirect, procmail, a "
		        "mail "
		        "client rule) and whether it is approved; if not, "
		        "remove it and reset the credentials (ATT&CK M1047). "
		        "mailhunt runs none of this.",
		        mb);
	} else if (mechs & (1u << M_INBOX_RULE)) {
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, inbox rule: Get-InboxRule "
		        "-Mailbox %s -IncludeHidden | fl "
		        "Name,Enabled,ForwardTo,"
		        "RedirectTo,ForwardAsAttachmentTo,DeleteMessage,"
		        "StopProcessingRules; also Get-Mailbox %s | fl "
		        "ForwardingSmtpAddress,ForwardingAddress,"
		        "DeliverToMailboxAndForward; search the unified audit "
		        "log for New-InboxRule, Set-InboxRule and "
		        "UpdateInboxRules on this mailbox for who created the "
		        "rule and from where; remove an unapproved rule "
		        "(Remove-InboxRule), revoke the user's sessions, reset "
		        "the credentials and enforce MFA (ATT&CK M1047, "
		        "M1032); "
		        "block external auto-forwarding (outbound spam policy; "
		        "Get-RemoteDomain | fl Name,AutoForwardEnabled). "
		        "mailhunt runs none of this.",
		        mb, mb);
	} else if (mechs & (1u << M_MBX_FWD)) {
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, mailbox forwarding: "
		        "Get-Mailbox %s | fl ForwardingSmtpAddress,"
		        "ForwardingAddress,DeliverToMailboxAndForward; "
		        "Get-TransportRule | fl Name,State,BlindCopyTo,CopyTo,"
		        "RedirectMessageTo; Get-InboxRule -Mailbox %s "
		        "-IncludeHidden | fl Name,ForwardTo,RedirectTo,"
		        "ForwardAsAttachmentTo; search the unified audit log "
		        "for Set-Mailbox and New-/Set-TransportRule for who "
		        "set "
		        "it; clear unapproved forwarding, revoke the sessions "
		        "and reset the credentials of the accounts involved "
		        "(ATT&CK M1047, M1032); block external auto-forwarding "
		        "(outbound spam policy; Get-RemoteDomain | fl "
		        "Name,AutoForwardEnabled). mailhunt runs none of this.",
		        mb, mb);
	} else {
		mh_buf_printf(
		        &b,
		        "Find what forwards the mail of %s (X-MailFwdBy / "
		        "X-Forwarded-To): the mailbox's forwarding settings at "
		        "the mail provider, server-side filters, ~/.forward or "
		        "Sieve scripts, and mail client rules; remove "
		        "unapproved forwarding and reset the credentials "
		        "(ATT&CK M1047, M1032). mailhunt runs none of this.",
		        mb);
	}
	return mh_buf_detach(&b, NULL);
}

static struct mh_finding *new_finding(const char *rule, const char *title,
                                      enum mh_level level, int external,
                                      const char *mailbox, const char *dest,
                                      unsigned mechs)
{
	struct mh_finding *fd = mh_finding_new();
	if (!fd)
		return NULL;
	if (mh_finding_set_rule(fd, rule, title, "T1114.003", "collection")) {
		mh_finding_free(fd);
		return NULL;
	}
	fd->level = level;
	fd->external = external;
	/* Unknown sides are NULL in the finding (null in JSONL, "-" in the
	 * table, as docs/FORMATS.md says); the summary still says
	 * "unknown" in words. */
	int mknown = strcmp(mailbox, UNKNOWN) != 0;
	int dknown = strcmp(dest, UNKNOWN) != 0;
	fd->mailbox = mknown ? strdup(mailbox) : NULL;
	fd->destination = dknown ? strdup(dest) : NULL;
	fd->dest_domain = dknown ? strdup(domain_of(dest)) : NULL;
	fd->mechanism = mechs_text(mechs);
	fd->remediation = remediation(mechs, mailbox);
	fd->first_seen = fd->last_seen = MH_TS_NONE;
	if ((mknown && !fd->mailbox) || (dknown && !fd->destination) ||
	    (dknown && !fd->dest_domain) || !fd->mechanism ||
	    !fd->remediation) {
		mh_finding_free(fd);
		return NULL;
	}
	mh_finding_set_id(fd);
	return fd;
}

static int copy_evidence(struct mh_finding *fd, const struct agg *a)
{
	size_t n = a->nev;
	if (!n)
		return MH_OK;
	const struct ev_item **v = malloc(n * sizeof(*v));
	fd->evidence = calloc(n, sizeof(*fd->evidence));
	if (!v || !fd->evidence) {
		free(v);
		return MH_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &a->ev[i];
	/* Insertion sort: n is max_evidence. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ev_cmp(v[j - 1], v[j]) > 0; j--) {
			const struct ev_item *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	int rc = MH_OK;
	for (size_t i = 0; i < n; i++) {
		struct mh_evidence *e = &fd->evidence[i];
		e->file = strdup(v[i]->file);
		e->offset = v[i]->offset;
		e->line = v[i]->line;
		e->message_id = v[i]->msgid ? strdup(v[i]->msgid) : NULL;
		e->header = v[i]->header ? strdup(v[i]->header) : NULL;
		e->ts = v[i]->ts;
		fd->nevidence++;
		if (!e->file || (v[i]->msgid && !e->message_id) ||
		    (v[i]->header && !e->header))
			rc = MH_ENOMEM;
	}
	free(v);
	return rc;
}

static int push(struct mh_findings *out, struct mh_finding *fd, char *summary,
                const struct agg *evidence_from)
{
	fd->summary = summary;
	if (!summary || copy_evidence(fd, evidence_from) ||
	    mh_findings_push(out, fd)) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	return MH_OK;
}

static int pair_finding(struct mh_fwd *f, const struct agg *a,
                        struct mh_findings *out)
{
	int external = externality(f, a->mailbox, a->dest);
	const char *rule, *title;
	enum mh_level level;
	if (a->kind == K_GMAIL) {
		rule = "MH-FWD-GMAIL";
		title = "Gmail / Google Workspace forwarding";
		level = external == 0  ? MH_LEVEL_LOW
		        : external > 0 ? MH_LEVEL_HIGH
		                       : MH_LEVEL_MEDIUM;
	} else if (a->kind == K_REDIRECT) {
		rule = "MH-FWD-REDIRECT";
		title = "Server-side redirect";
		level = external == 0 ? MH_LEVEL_LOW : MH_LEVEL_MEDIUM;
	} else if (external == 0) {
		rule = "MH-FWD-INT";
		title = "Internal auto-forwarding";
		level = MH_LEVEL_LOW;
	} else if (external > 0) {
		rule = "MH-FWD-EXT";
		title = "External auto-forwarding";
		level = MH_LEVEL_HIGH;
	} else {
		rule = "MH-FWD-EXT";
		title = strcmp(a->dest, UNKNOWN)
		                ? "Auto-forwarding, internal or external "
		                  "undecided"
		                : "Auto-forwarding to an unknown destination";
		level = MH_LEVEL_MEDIUM;
	}
	struct mh_finding *fd = new_finding(rule, title, level, external,
	                                    a->mailbox, a->dest, a->mechs);
	if (!fd)
		return MH_ENOMEM;
	fd->first_seen = a->first;
	fd->last_seen = a->last;
	mh_finding_count(fd, "auto_forwarded", a->autofwd);
	mh_finding_count(fd, "looks_forwarded", a->looks);
	char when[64];
	when_text(a->first, a->last, when, sizeof(when));
	struct mh_buf b = MH_BUF_INIT(4096);
	mh_buf_printf(&b,
	              "%llu message%s auto-forwarded from %s to %s %s (%s); "
	              "%llu of them look%s forwarded",
	              (unsigned long long)a->autofwd,
	              a->autofwd == 1 ? "" : "s", a->mailbox, a->dest, when,
	              external > 0    ? "external"
	              : external == 0 ? "internal"
	              : strcmp(a->dest, UNKNOWN)
	                      ? "internal or external undecided: no "
	                        "organisation domain known, give --org-domain"
	                      : "destination unknown",
	              (unsigned long long)a->looks, a->looks == 1 ? "s" : "");
	return push(out, fd, mh_buf_detach(&b, NULL), a);
}

/* MARK: - MH-FWD-RATIO */

/* What the artefacts of a forwarding mailbox say about copies that do not
 * look forwarded (spec MH-FWD-RATIO): the mechanism they name decides
 * what the finding concludes and where its remediation points. */
enum ratio_basis {
	R_UNNAMED, /* AutoForwarded, X-MailFwdBy, X-Forwarded-To only */
	R_RULE,    /* inbox rule: a redirect rule keeps the original */
	R_MAILBOX, /* ForwardingLoop / envelope Forwarded: note */
	R_BOTH,    /* both an inbox rule and mailbox forwarding */
};

static enum ratio_basis ratio_basis(unsigned arts)
{
	int rule = (arts & (A_EXO_RULES_LOOP | A_EXO_RULES_AGENT)) != 0;
	int mbx = (arts & (A_EXO_FWD_LOOP | A_JOURNAL_NOTE)) != 0;
	return rule && mbx ? R_BOTH
	       : rule      ? R_RULE
	       : mbx       ? R_MAILBOX
	                   : R_UNNAMED;
}

/* The conclusion of the summary, after "... but only K look forwarded". */
static const char *const ratio_says[] = {
        [R_UNNAMED] = "nothing in the headers names the mechanism, and "
                      "copies that do not look forwarded point to "
                      "forwarding set by an administrator "
                      "(ForwardingSmtpAddress, transport rule) rather "
                      "than by the user; investigate at admin level",
        [R_RULE] = "the headers name an inbox rule "
                   "(X-MS-Exchange-Inbox-Rules-Loop or the Mailbox Rules "
                   "Agent), and such copies are what a redirect inbox "
                   "rule sends: it keeps the original sender and subject, "
                   "where a forward rule writes a new \"FW:\" message; "
                   "review the mailbox's inbox rules",
        [R_MAILBOX] = "the headers name mailbox forwarding "
                      "(X-MS-Exchange-ForwardingLoop or a journal "
                      "envelope's Forwarded: note): ForwardingSmtpAddress "
                      "or ForwardingAddress, which passes each message on "
                      "unchanged and is set by an administrator or in the "
                      "mailbox's own forwarding settings; investigate at "
                      "admin level",
        [R_BOTH] = "the headers name both an inbox rule and mailbox "
                   "forwarding: a redirect inbox rule (which keeps the "
                   "original sender and subject) or ForwardingSmtpAddress "
                   "/ ForwardingAddress set on the mailbox; review the "
                   "inbox rules and the mailbox's forwarding",
};

static char *ratio_remediation(enum ratio_basis basis, const char *mailbox)
{
	char mb[ADDR_MAX + 2];
	struct mh_buf b = MH_BUF_INIT(4096);
	shell_arg(mailbox, mb, sizeof(mb));
	if (basis == R_RULE || basis == R_BOTH)
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, inbox rule that redirects "
		        "(copies keep the original sender): Get-InboxRule "
		        "-Mailbox %s -IncludeHidden | fl "
		        "Name,Enabled,RedirectTo,"
		        "ForwardTo,ForwardAsAttachmentTo,DeleteMessage,"
		        "StopProcessingRules; search the unified audit log for "
		        "New-InboxRule, Set-InboxRule and UpdateInboxRules on "
		        "this "
		        "mailbox for who created the rule and from where; "
		        "remove "
		        "an unapproved rule (Remove-InboxRule), revoke the "
		        "user's "
		        "sessions, reset the credentials and enforce MFA "
		        "(ATT&CK "
		        "M1047, M1032); block external auto-forwarding "
		        "(outbound "
		        "spam policy; Get-RemoteDomain | fl "
		        "Name,AutoForwardEnabled).%s",
		        mb,
		        basis == R_BOTH ? " " : " mailhunt runs none of this.");
	if (basis == R_MAILBOX || basis == R_BOTH)
		mh_buf_printf(
		        &b,
		        "Exchange / Microsoft 365, mailbox forwarding (copies "
		        "pass on unchanged): Get-Mailbox %s | fl "
		        "ForwardingSmtpAddress,ForwardingAddress,"
		        "DeliverToMailboxAndForward; search the unified audit "
		        "log "
		        "for Set-Mailbox on this mailbox and check the "
		        "accounts "
		        "that ran it (administrators' sign-ins, MFA) or "
		        "whether "
		        "the user set it in the mailbox's settings; remove "
		        "unapproved forwarding, reset the credentials of the "
		        "accounts involved and revoke their sessions (ATT&CK "
		        "M1047, M1032). mailhunt runs none of this.",
		        mb);
	if (basis == R_UNNAMED)
		mh_buf_printf(
		        &b,
		        "Auto-forwarded copies that do not look forwarded, "
		        "with "
		        "nothing naming the mechanism, point to forwarding set "
		        "by "
		        "an administrator, not by the user: Exchange / "
		        "Microsoft "
		        "365: Get-Mailbox %s | fl ForwardingSmtpAddress,"
		        "ForwardingAddress,DeliverToMailboxAndForward; "
		        "Get-TransportRule | fl Name,State,BlindCopyTo,CopyTo,"
		        "RedirectMessageTo; search the unified audit log for "
		        "Set-Mailbox and New-/Set-TransportRule and check the "
		        "administrator accounts that ran them (sign-ins, MFA); "
		        "remove unapproved forwarding, reset the credentials "
		        "of "
		        "the accounts involved and revoke their sessions "
		        "(ATT&CK "
		        "M1047, M1032). mailhunt runs none of this.",
		        mb);
	return mh_buf_detach(&b, NULL);
}

/* Spec MH-FWD-RATIO: per forwarding mailbox, Exchange-style artefacts
 * only (Gmail and Sieve always pass the message on as it was). */
static int ratio_finding(struct mh_fwd *f, const char *mailbox,
                         const struct mbox_acc *b,
                         const struct mh_strmap_slot *const *v, size_t n,
                         struct mh_findings *out)
{
	if (!strcmp(mailbox, UNKNOWN) || b->exch_autofwd < 5 ||
	    b->exch_looks * 4 >= b->exch_autofwd)
		return MH_OK;
	const struct agg *top = NULL;
	int any_ext = 0, all_int = 1;
	unsigned arts = 0;
	size_t ndest = 0;
	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i]->val;
		if (!a || a->kind != K_EXCH || strcmp(a->mailbox, mailbox) != 0)
			continue;
		ndest++;
		int e = externality(f, a->mailbox, a->dest);
		any_ext |= e > 0;
		all_int &= e == 0;
		arts |= a->arts;
		/* Strictly more wins: ties go to the first in key order. */
		if (!top || a->autofwd > top->autofwd)
			top = a;
	}
	if (!top)
		return MH_OK;
	/* External when a destination is, internal when all are (then low,
	 * as MH-FWD-INT), else undecided. */
	int external = any_ext ? 1 : all_int ? 0 : -1;
	enum ratio_basis basis = ratio_basis(arts);
	enum mh_level level =
	        external == 0 ? MH_LEVEL_LOW
	        : external > 0 && b->exch_autofwd >= 20 &&
	                        b->exch_looks * 10 < b->exch_autofwd
	                ? MH_LEVEL_HIGH
	                : MH_LEVEL_MEDIUM;
	struct mh_finding *fd =
	        new_finding("MH-FWD-RATIO",
	                    "Auto-forwarded mail that does not look forwarded",
	                    level, external, mailbox, top->dest, top->mechs);
	if (!fd)
		return MH_ENOMEM;
	free(fd->remediation);
	if (!(fd->remediation = ratio_remediation(basis, mailbox))) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	fd->first_seen = b->exch_first;
	fd->last_seen = b->exch_last;
	mh_finding_count(fd, "auto_forwarded", b->exch_autofwd);
	mh_finding_count(fd, "looks_forwarded", b->exch_looks);
	mh_finding_count(fd, "destinations", ndest);
	char when[64];
	when_text(b->exch_first, b->exch_last, when, sizeof(when));
	struct mh_buf s = MH_BUF_INIT(4096);
	mh_buf_printf(&s,
	              "%llu messages from %s carry auto-forward headers %s "
	              "but only %llu look forwarded: %s; %s",
	              (unsigned long long)b->exch_autofwd, mailbox, when,
	              (unsigned long long)b->exch_looks, ratio_says[basis],
	              external > 0    ? "a destination is external"
	              : external == 0 ? "every destination is internal"
	              : strcmp(top->dest, UNKNOWN)
	                      ? "internal or external undecided: no "
	                        "organisation domain known, give "
	                        "--org-domain"
	                      : "the destination is unknown");
	return push(out, fd, mh_buf_detach(&s, NULL), top);
}

/* Spec MH-FWD-JOURNAL: journal reports whose original could not be
 * analysed, one informational finding. */
static int journal_finding(struct mh_fwd *f, struct mh_findings *out)
{
	const struct agg *a = &f->jr;
	if (!a->autofwd)
		return MH_OK;
	struct mh_finding *fd = mh_finding_new();
	if (!fd)
		return MH_ENOMEM;
	if (mh_finding_set_rule(
	            fd, "MH-FWD-JOURNAL",
	            "Journal report whose original could not be analysed",
	            "T1114.003", "collection")) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	fd->level = MH_LEVEL_INFO;
	fd->external = -1;
	fd->first_seen = a->first;
	fd->last_seen = a->last;
	fd->remediation = strdup(
	        "The attached original message of these Exchange journal "
	        "reports was not analysed, so auto-forwarding recorded only in "
	        "it (X-MS-Exchange-* fields of the original) is not seen: "
	        "extract the message/rfc822 attachments of the reports listed "
	        "as evidence (decoding base64 or quoted-printable) to .eml "
	        "files and scan those; the envelope's Forwarded: notes were "
	        "analysed. mailhunt runs none of this.");
	if (!fd->remediation) {
		mh_finding_free(fd);
		return MH_ENOMEM;
	}
	mh_finding_set_id(fd);
	mh_finding_count(fd, "journal_reports", a->autofwd);
	for (size_t i = 0; i < J__WHY; i++)
		mh_finding_count(fd, jwhy_names[i], f->jr_why[i]);
	char when[64];
	when_text(a->first, a->last, when, sizeof(when));
	struct mh_buf b = MH_BUF_INIT(1024);
	mh_buf_printf(&b,
	              "%llu Exchange journal report%s %s whose attached "
	              "original message could not be analysed (%llu beyond "
	              "the body prefix read, %llu encoded, %llu without an "
	              "attached message, %llu unparseable): forwarding "
	              "recorded only in the original is not seen",
	              (unsigned long long)a->autofwd,
	              a->autofwd == 1 ? "" : "s", when,
	              (unsigned long long)f->jr_why[J_CUT],
	              (unsigned long long)f->jr_why[J_ENCODED],
	              (unsigned long long)f->jr_why[J_NOATTACH],
	              (unsigned long long)f->jr_why[J_BADINNER]);
	return push(out, fd, mh_buf_detach(&b, NULL), a);
}

int mh_fwd_findings(struct mh_fwd *f, struct mh_findings *out)
{
	const struct mh_strmap_slot **v = NULL, **mb = NULL;
	size_t n = 0, nmb = 0;
	int rc = MH_ENOMEM;

	if (org_build(f) || mh_strmap_sorted(&f->aggs, &v, &n) ||
	    mh_strmap_sorted(&f->mboxes, &mb, &nmb))
		goto done;
	for (size_t i = 0; i < n; i++)
		if (v[i]->val && pair_finding(f, v[i]->val, out))
			goto done;
	for (size_t i = 0; i < nmb; i++)
		if (mb[i]->val &&
		    ratio_finding(f, mb[i]->key, mb[i]->val, v, n, out))
			goto done;
	if (journal_finding(f, out))
		goto done;
	rc = MH_OK;
done:
	free(v);
	free(mb);
	return rc;
}

/* MARK: - statistics */

static char *stats_str(struct mh_fwd *f, const char *s)
{
	return mh_arena_strndup(&f->stats_arena, s, strlen(s));
}

int mh_fwd_stats(struct mh_fwd *f, const struct mh_fwd_pair_stat **pairs,
                 size_t *npairs, const struct mh_fwd_mailbox_stat **mailboxes,
                 size_t *nmailboxes)
{
	const struct mh_strmap_slot **v = NULL, **mb = NULL;
	size_t n = 0, nmb = 0;
	struct mh_strmap idx = MH_STRMAP_INIT;
	struct mh_buf key = MH_BUF_INIT(4 * ADDR_MAX);
	unsigned *mechs = NULL;
	int rc = MH_ENOMEM;

	stats_drop(f);
	if (org_build(f) || mh_strmap_sorted(&f->aggs, &v, &n) ||
	    mh_strmap_sorted(&f->mboxes, &mb, &nmb))
		goto done;
	f->pairs = mh_arena_alloc(&f->stats_arena,
	                          (n ? n : 1) * sizeof(*f->pairs));
	f->mstats = mh_arena_alloc(&f->stats_arena,
	                           (nmb ? nmb : 1) * sizeof(*f->mstats));
	mechs = calloc(n ? n : 1, sizeof(*mechs));
	if (!f->pairs || !f->mstats || !mechs)
		goto done;
	/* Pairs over all kinds: (mailbox, destination) -> row. */
	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i]->val;
		void **slot;
		int created;
		if (!a)
			continue;
		if (mh_buf_printf(&key, "%s\x1f%s", a->mailbox, a->dest) ||
		    mh_strmap_upsert(&idx, key.p, key.len, &slot, &created))
			goto done;
		mh_buf_reset(&key);
		struct mh_fwd_pair_stat *p;
		if (created) {
			p = &f->pairs[f->npairs];
			*slot = p;
			memset(p, 0, sizeof(*p));
			p->mailbox = stats_str(f, a->mailbox);
			p->destination = stats_str(f, a->dest);
			p->dest_domain = stats_str(
			        f, strcmp(a->dest, UNKNOWN) ? domain_of(a->dest)
			                                    : "");
			if (!p->mailbox || !p->destination || !p->dest_domain)
				goto done;
			p->external = externality(f, a->mailbox, a->dest);
			p->first = p->last = MH_TS_NONE;
			f->npairs++;
		} else {
			p = *slot;
		}
		p->auto_forwarded += a->autofwd;
		p->looks_forwarded += a->looks;
		span(&p->first, &p->last, a->first);
		span(&p->first, &p->last, a->last);
		mechs[p - f->pairs] |= a->mechs;
	}
	for (size_t i = 0; i < f->npairs; i++) {
		char *m = mechs_text(mechs[i]);
		f->pairs[i].mechanisms = m ? stats_str(f, m) : NULL;
		free(m);
		if (!f->pairs[i].mechanisms)
			goto done;
	}
	/* Sorted by mailbox, then destination; keys of kinds already were,
	 * but rows of different kinds interleave. */
	for (size_t i = 1; i < f->npairs; i++)
		for (size_t j = i; j > 0; j--) {
			struct mh_fwd_pair_stat *a = &f->pairs[j - 1],
			                        *b = &f->pairs[j];
			int c = strcmp(a->mailbox, b->mailbox);
			if (!c)
				c = strcmp(a->destination, b->destination);
			if (c <= 0)
				break;
			struct mh_fwd_pair_stat t = *a;
			*a = *b;
			*b = t;
		}
	for (size_t i = 0; i < nmb; i++) {
		const struct mbox_acc *b = mb[i]->val;
		struct mh_fwd_mailbox_stat *s = &f->mstats[f->nmstats];
		if (!b)
			continue;
		memset(s, 0, sizeof(*s));
		if (!(s->mailbox = stats_str(f, mb[i]->key)))
			goto done;
		s->auto_forwarded = b->autofwd;
		s->looks_forwarded = b->looks;
		s->first = b->first;
		s->last = b->last;
		for (size_t k = 0; k < f->npairs; k++)
			if (!strcmp(f->pairs[k].mailbox, s->mailbox)) {
				s->destinations++;
				if (f->pairs[k].external > 0)
					s->external_destinations++;
			}
		f->nmstats++;
	}
	rc = MH_OK;
done:
	if (rc != MH_OK)
		stats_drop(f);
	if (pairs)
		*pairs = f->pairs;
	if (npairs)
		*npairs = f->npairs;
	if (mailboxes)
		*mailboxes = f->mstats;
	if (nmailboxes)
		*nmailboxes = f->nmstats;
	free(v);
	free(mb);
	free(mechs);
	mh_buf_release(&key);
	mh_strmap_release(&idx, NULL);
	return rc;
}

/* MARK: - as an analytic (analytic.h) */

static int an_create(void **out, const struct mh_analytic_conf *conf,
                     struct mh_err *err)
{
	struct mh_fwd_opts o = {0};
	o.org_domains = conf->org_domains;
	o.norg = conf->norg;
	o.max_evidence = conf->max_evidence;
	struct mh_fwd *f = NULL;
	int rc = mh_fwd_new(&f, &o);
	if (rc < 0)
		return mh_err_set(err, rc, "forwarding: out of memory");
	*out = f;
	return MH_OK;
}

static int an_event(void *acc, const struct mh_event *ev, struct mh_err *err)
{
	return mh_fwd_event(acc, ev, err);
}

static int an_merge(void *into, void *from)
{
	return mh_fwd_merge(into, from);
}

static int an_findings(void *acc, struct mh_findings *out)
{
	return mh_fwd_findings(acc, out);
}

static void an_destroy(void *acc)
{
	mh_fwd_free(acc);
}

const struct mh_analytic_ops mh_analytic_forwarding = {
        .name = "forwarding",
        .create = an_create,
        .event = an_event,
        .merge = an_merge,
        .findings = an_findings,
        .destroy = an_destroy,
};
