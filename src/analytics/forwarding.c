/* forwarding.c - per-message artefacts, aggregation, findings.
 * The contract is docs/FORWARDING.md; this file follows it section by
 * section.
 */
#include "analytics/forwarding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "readers/mail/addr.h"
#include "readers/mail/date.h"
#include "readers/mail/msg.h"
#include "readers/mail/rfc2047.h"
#include "readers/mail/rfc5322.h"

#define ADDR_MAX      320
#define MAX_DEST      8
#define MAX_DELIVERED 8

/* MARK: - artefacts of one message */

enum art {
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
};

enum kind { K_EXCH = 0, K_GMAIL, K_REDIRECT, K__COUNT };

/* Fields of interest, found in one pass over the header names. */
struct hdrs {
	const struct mh_field *autofwd, *rules_loop, *rules_agent, *fwd_loop,
	        *mailfwdby, *fwd_to, *fwd_for, *return_path, *resent_from,
	        *resent_sender, *resent_to, *sieve, *orig_to, *auto_sub,
	        *subject, *msgid, *ctype, *to, *from, *list, *precedence,
	        *autoreply;
	const struct mh_field *delivered[MAX_DELIVERED];
	size_t ndelivered;
};

static int lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

static int name_is(struct mh_slice n, const char *s, size_t len)
{
	if (n.n != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (lc((unsigned char)n.p[i]) != s[i])
			return 0;
	return 1;
}

#define IS(lit) name_is(n, lit, sizeof(lit) - 1)

static void collect(const struct mh_event *ev, struct hdrs *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct mh_field *f = &ev->fields[i];
		struct mh_slice n = f->name;
		/* Dispatch on length first: one compare for most fields. */
		switch (n.n) {
		case 2:
			if (IS("to") && !h->to)
				h->to = f;
			break;
		case 4:
			if (IS("from") && !h->from)
				h->from = f;
			break;
		case 7:
			if (IS("subject") && !h->subject)
				h->subject = f;
			else if (IS("list-id"))
				h->list = f;
			break;
		case 9:
			if (IS("resent-to") && !h->resent_to)
				h->resent_to = f;
			else if (IS("list-post"))
				h->list = f;
			break;
		case 10:
			if (IS("message-id") && !h->msgid)
				h->msgid = f;
			else if (IS("precedence"))
				h->precedence = f;
			break;
		case 11:
			if (IS("x-mailfwdby") && !h->mailfwdby)
				h->mailfwdby = f;
			else if (IS("return-path") && !h->return_path)
				h->return_path = f;
			else if (IS("resent-from") && !h->resent_from)
				h->resent_from = f;
			else if (IS("x-autoreply"))
				h->autoreply = f;
			break;
		case 12:
			if (IS("delivered-to")) {
				if (h->ndelivered < MAX_DELIVERED)
					h->delivered[h->ndelivered++] = f;
			} else if (IS("content-type") && !h->ctype) {
				h->ctype = f;
			} else if (IS("mailing-list")) {
				h->list = f;
			}
			break;
		case 13:
			if (IS("resent-sender") && !h->resent_sender)
				h->resent_sender = f;
			else if (IS("x-original-to") && !h->orig_to)
				h->orig_to = f;
			else if (IS("x-autorespond"))
				h->autoreply = f;
			break;
		case 14:
			if (IS("x-forwarded-to") && !h->fwd_to)
				h->fwd_to = f;
			else if (IS("auto-submitted") && !h->auto_sub)
				h->auto_sub = f;
			break;
		case 15:
			if (IS("x-forwarded-for") && !h->fwd_for)
				h->fwd_for = f;
			break;
		case 23:
			if (IS("x-sieve-redirected-from") && !h->sieve)
				h->sieve = f;
			break;
		case 28:
			if (IS("x-ms-exchange-forwardingloop") && !h->fwd_loop)
				h->fwd_loop = f;
			break;
		case 30:
			if (IS("x-ms-exchange-inbox-rules-loop") &&
			    !h->rules_loop)
				h->rules_loop = f;
			break;
		case 38:
			if (IS("x-ms-exchange-generated-message-source") &&
			    !h->rules_agent)
				h->rules_agent = f;
			break;
		case 40:
			if (IS("x-ms-exchange-organization-autoforwarded") &&
			    !h->autofwd)
				h->autofwd = f;
			break;
		default: break;
		}
	}
}

/* Unfolded value into a caller buffer (truncated), NUL-terminated. */
static size_t unfold_to(const struct mh_field *f, char *out, size_t outn)
{
	struct mh_buf b = MH_BUF_INIT(outn > 1 ? outn - 1 : 0);
	size_t k = 0;
	/* Values over the buffer are cut, which is fine for addresses and
	 * markers: nothing we look at is that long. */
	struct mh_slice v = f->value;
	if (v.n > outn * 4)
		v.n = outn * 4;
	if (mh_hdr_unfold(v, &b) == MH_OK || b.len) {
		k = b.len < outn - 1 ? b.len : outn - 1;
		if (k)
			memcpy(out, b.p, k);
	}
	out[k] = '\0';
	mh_buf_release(&b);
	return k;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)lc((unsigned char)*s);
}

/* First addr-spec of a value, lower-cased; "" when none. Bare addresses,
 * angle addresses and lists are all accepted. */
static void first_addr(struct mh_arena *a, const struct mh_field *f, char *out,
                       size_t outn)
{
	char v[1024];
	out[0] = '\0';
	if (!f)
		return;
	unfold_to(f, v, sizeof(v));
	struct mh_addr *al = NULL;
	size_t n = 0;
	mh_addr_parse_list(mh_slice_cstr(v), a, 16, &al, &n, NULL);
	for (size_t i = 0; i < n; i++)
		if (strchr(al[i].addr, '@')) {
			snprintf(out, outn, "%s", al[i].addr);
			lower(out);
			return;
		}
}

/* Every addr-spec of a value separated by commas or white space. */
static size_t all_addrs(struct mh_arena *a, const struct mh_field *f,
                        char (*out)[ADDR_MAX], size_t max)
{
	char v[2048];
	size_t k = 0;
	if (!f)
		return 0;
	unfold_to(f, v, sizeof(v));
	/* X-Forwarded-For separates with spaces: make them commas when no
	 * angle brackets or quotes make that unsafe. */
	if (!strpbrk(v, "<\"("))
		for (char *c = v; *c; c++)
			if (*c == ' ' || *c == '\t')
				*c = ',';
	struct mh_addr *al = NULL;
	size_t n = 0;
	mh_addr_parse_list(mh_slice_cstr(v), a, 64, &al, &n, NULL);
	for (size_t i = 0; i < n && k < max; i++) {
		if (!strchr(al[i].addr, '@'))
			continue;
		snprintf(out[k], ADDR_MAX, "%s", al[i].addr);
		lower(out[k]);
		k++;
	}
	return k;
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : "";
}

static int value_has(const struct mh_field *f, const char *needle)
{
	return f && mh_slice_ifind(f->value, needle) != (size_t)-1;
}

static int value_starts(const struct mh_field *f, const char *prefix)
{
	return f && mh_slice_istarts(mh_slice_trim(f->value), prefix);
}

/* List traffic, bounces and auto-replies: not forwarding by themselves. */
static int is_list_or_auto(const struct hdrs *h)
{
	if (h->list)
		return 1;
	if (value_starts(h->precedence, "list") ||
	    value_starts(h->precedence, "bulk") ||
	    value_starts(h->precedence, "junk"))
		return 1;
	if (value_has(h->ctype, "report-type=delivery-status") ||
	    value_has(h->ctype, "report-type=\"delivery-status\""))
		return 1;
	if (h->return_path && mh_slice_trim(h->return_path->value).n == 2 &&
	    value_starts(h->return_path, "<>"))
		return 1;
	if (value_has(h->from, "mailer-daemon"))
		return 1;
	if (value_starts(h->auto_sub, "auto-replied") || h->autoreply)
		return 1;
	return 0;
}

/* Gmail forwarding envelope: "user+caf_=dest=domain@origdomain". */
static int parse_caf(const char *rp, char *mbox, char *dest)
{
	const char *c = strstr(rp, "+caf_=");
	const char *at = strrchr(rp, '@');
	if (!c || !at || at < c)
		return 0;
	const char *user = rp;
	while (*user == '<' || *user == ' ')
		user++;
	const char *d = c + 6;
	const char *eq = memchr(d, '=', (size_t)(at - d));
	if (!eq || c <= user)
		return 0;
	snprintf(mbox, ADDR_MAX, "%.*s@%.*s", (int)(c - user), user,
	         (int)strcspn(at + 1, ">"), at + 1);
	snprintf(dest, ADDR_MAX, "%.*s@%.*s", (int)(eq - d), d,
	         (int)(at - eq - 1), eq + 1);
	lower(mbox);
	lower(dest);
	return 1;
}

struct facts {
	unsigned art;
	enum kind kind;
	const char *mechanism;
	char mailbox[ADDR_MAX];
	char dest[MAX_DEST][ADDR_MAX];
	size_t ndest;
	const struct mh_field *evidence;
	int looks_fwd;
};

/* MARK: - aggregation */

struct ev_item {
	char *file;
	uint64_t offset;
	char *msgid;
	char *header;
	int64_t ts;
};

struct agg {
	char *key; /* kind '\x1f' mailbox '\x1f' dest */
	enum kind kind;
	char *mailbox, *dest;
	uint64_t autofwd, looks;
	int64_t first, last;
	unsigned mechs; /* bit per mechanism index */
	struct ev_item *ev;
	size_t nev;
	struct agg *next; /* hash chain */
};

#define NBUCKETS 1024

struct strset {
	char **v;
	size_t n, cap;
};

struct mh_fwd {
	struct mh_fwd_opts o;
	struct agg *buckets[NBUCKETS];
	size_t nagg;
	struct strset owner_domains; /* store owners' domains */
	uint64_t messages, autofwd, looks;
	struct mh_arena scratch;
};

static const char *const mech_names[] = {
        "exchange-inbox-rule",
        "exchange-mailbox-forwarding",
        "gmail-forwarding",
        "sieve-redirect",
        "server-redirect",
        "resent",
        "generic",
};

static unsigned mech_bit(const char *m)
{
	for (unsigned i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]);
	     i++)
		if (!strcmp(m, mech_names[i]))
			return 1u << i;
	return 0;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int set_add(struct strset *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return MH_OK;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		char **nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return MH_ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	if (!(s->v[s->n] = strdup(v)))
		return MH_ENOMEM;
	s->n++;
	return MH_OK;
}

static void set_release(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int mh_fwd_new(struct mh_fwd **out, const struct mh_fwd_opts *o)
{
	struct mh_fwd *f = calloc(1, sizeof(*f));
	if (!f)
		return MH_ENOMEM;
	f->o = *o;
	if (!f->o.max_evidence)
		f->o.max_evidence = 5;
	mh_arena_init(&f->scratch, 16384, 0);
	*out = f;
	return MH_OK;
}

static void ev_item_release(struct ev_item *e)
{
	free(e->file);
	free(e->msgid);
	free(e->header);
}

static void agg_free(struct agg *a)
{
	for (size_t i = 0; i < a->nev; i++)
		ev_item_release(&a->ev[i]);
	free(a->ev);
	free(a->key);
	free(a);
}

void mh_fwd_free(struct mh_fwd *f)
{
	if (!f)
		return;
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct agg *a = f->buckets[b];
		while (a) {
			struct agg *n = a->next;
			agg_free(a);
			a = n;
		}
	}
	set_release(&f->owner_domains);
	mh_arena_release(&f->scratch);
	free(f);
}

static struct agg *agg_get(struct mh_fwd *f, enum kind kind,
                           const char *mailbox, const char *dest)
{
	char key[3 + 2 * ADDR_MAX];
	snprintf(key, sizeof(key), "%d\x1f%s\x1f%s", (int)kind, mailbox, dest);
	uint64_t h = hash_str(key) % NBUCKETS;
	for (struct agg *a = f->buckets[h]; a; a = a->next)
		if (!strcmp(a->key, key))
			return a;
	struct agg *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	/* One block: key, then mailbox, then dest, each NUL-terminated. */
	size_t kl = strlen(key), ml = strlen(mailbox), dl = strlen(dest);
	a->key = malloc(kl + ml + dl + 3);
	if (!a->key) {
		free(a);
		return NULL;
	}
	memcpy(a->key, key, kl + 1);
	a->mailbox = a->key + kl + 1;
	memcpy(a->mailbox, mailbox, ml + 1);
	a->dest = a->mailbox + ml + 1;
	memcpy(a->dest, dest, dl + 1);
	a->kind = kind;
	a->first = a->last = MH_TS_NONE;
	a->next = f->buckets[h];
	f->buckets[h] = a;
	f->nagg++;
	return a;
}

static int ev_cmp(const struct ev_item *a, const struct ev_item *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Keep the max smallest evidence items by (file, offset). Takes
 * ownership of *e (released when not kept). */
static int ev_keep(struct agg *a, size_t max, struct ev_item *e)
{
	if (max == 0) {
		ev_item_release(e);
		return MH_OK;
	}
	if (a->nev == max) {
		/* Full: replace the largest if e is smaller. */
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
	if (!a->ev) {
		a->ev = calloc(max, sizeof(*a->ev));
		if (!a->ev) {
			ev_item_release(e);
			return MH_ENOMEM;
		}
	}
	a->ev[a->nev++] = *e;
	return MH_OK;
}

/* Would an item at (file, offset) be kept? Avoids copying strings for the
 * thousands of messages that would be dropped. */
static int ev_wanted(const struct agg *a, size_t max, const char *file,
                     uint64_t offset)
{
	if (a->nev < max)
		return 1;
	struct ev_item probe = {(char *)file, offset, NULL, NULL, 0};
	for (size_t i = 0; i < a->nev; i++)
		if (ev_cmp(&probe, &a->ev[i]) < 0)
			return 1;
	return 0;
}

static void span(struct agg *a, int64_t ts)
{
	if (ts == MH_TS_NONE)
		return;
	if (a->first == MH_TS_NONE || ts < a->first)
		a->first = ts;
	if (a->last == MH_TS_NONE || ts > a->last)
		a->last = ts;
}

static char *header_line(const struct mh_field *f)
{
	if (!f)
		return NULL;
	struct mh_buf b = MH_BUF_INIT(512);
	mh_buf_add(&b, f->name.p, f->name.n < 100 ? f->name.n : 100);
	mh_buf_add(&b, ": ", 2);
	struct mh_buf v = MH_BUF_INIT(4096);
	struct mh_slice raw = f->value;
	if (raw.n > 4096)
		raw.n = 4096;
	mh_hdr_unfold(raw, &v);
	size_t room = b.cap - b.len;
	mh_buf_add(&b, v.p ? v.p : "", v.len < room ? v.len : room);
	mh_buf_release(&v);
	char *s = mh_buf_detach(&b, NULL);
	return s;
}

static char *msgid_of(const struct mh_field *f)
{
	if (!f)
		return NULL;
	char v[1024];
	unfold_to(f, v, sizeof(v));
	char *s = v;
	while (*s == ' ' || *s == '<')
		s++;
	size_t n = strcspn(s, ">");
	while (n && s[n - 1] == ' ')
		n--;
	return n ? strndup(s, n) : NULL;
}

/* MARK: - per message */

static int analyse(struct mh_fwd *f, const struct mh_event *ev,
                   const struct hdrs *h, struct facts *x)
{
	struct mh_arena *ar = &f->scratch;
	char tmp[ADDR_MAX], caf_mbox[ADDR_MAX] = "", caf_dest[ADDR_MAX] = "";
	char fwd_for[MAX_DEST][ADDR_MAX];
	size_t nfor = 0;

	memset(x, 0, sizeof(*x));
	if (h->autofwd && value_starts(h->autofwd, "true"))
		x->art |= A_EXO_AUTOFWD;
	if (h->rules_loop)
		x->art |= A_EXO_RULES_LOOP;
	if (value_has(h->rules_agent, "mailbox rules agent"))
		x->art |= A_EXO_RULES_AGENT;
	if (h->fwd_loop)
		x->art |= A_EXO_FWD_LOOP;
	if (h->mailfwdby)
		x->art |= A_MAILFWDBY;
	if (h->fwd_to)
		x->art |= A_FWD_TO;
	if (h->fwd_for) {
		nfor = all_addrs(ar, h->fwd_for, fwd_for, MAX_DEST);
		/* One address alone is stamped by some sending MTAs. */
		if (nfor >= 2)
			x->art |= A_FWD_FOR;
	}
	if (h->return_path) {
		unfold_to(h->return_path, tmp, sizeof(tmp));
		if (parse_caf(tmp, caf_mbox, caf_dest))
			x->art |= A_GMAIL_CAF;
	}
	if (h->sieve)
		x->art |= A_SIEVE;
	int listy = is_list_or_auto(h);
	if (h->resent_from || h->resent_sender) {
		/* A person re-sending is not forwarding; an automatic
		 * re-send is (Auto-Submitted other than "no"). */
		int automatic = h->auto_sub && !value_starts(h->auto_sub, "no");
		if (automatic && !listy)
			x->art |= A_RESENT;
	}
	/* Delivered-To chain / X-Original-To: a server-side redirect when
	 * the domains differ (same-domain aliases are not forwarding). */
	char top[ADDR_MAX] = "", low[ADDR_MAX] = "";
	if (h->ndelivered) {
		first_addr(ar, h->delivered[0], top, sizeof(top));
		first_addr(ar, h->delivered[h->ndelivered - 1], low,
		           sizeof(low));
	}
	if (!listy && !(x->art & ~(unsigned)A_DELIVERED_CHAIN)) {
		char orig[ADDR_MAX] = "";
		if (h->orig_to)
			first_addr(ar, h->orig_to, orig, sizeof(orig));
		const char *from_addr = NULL;
		if (h->ndelivered >= 2 && *top && *low &&
		    strcmp(domain_of(top), domain_of(low)) != 0)
			from_addr = low;
		else if (*orig && *top &&
		         strcmp(domain_of(orig), domain_of(top)) != 0)
			from_addr = orig;
		if (from_addr) {
			x->art |= A_DELIVERED_CHAIN;
			snprintf(x->mailbox, sizeof(x->mailbox), "%s",
			         from_addr);
			snprintf(x->dest[0], ADDR_MAX, "%s", top);
			x->ndest = 1;
		}
	}
	/* A Delivered-To/X-Original-To mismatch alone is how every alias
	 * and virtual map looks on real servers (see the spamassassin and
	 * ruby-mail messages in the shared corpus): too weak for a finding
	 * on its own. It only adds to a message that has another artefact. */
	if (!x->art || x->art == A_DELIVERED_CHAIN)
		return 0;

	/* Kind, mechanism, mailbox, destinations. */
	if (x->art & (A_FWD_FOR | A_GMAIL_CAF)) {
		x->kind = K_GMAIL;
		x->mechanism = "gmail-forwarding";
		if (x->art & A_FWD_FOR)
			snprintf(x->mailbox, ADDR_MAX, "%s", fwd_for[0]);
		else
			snprintf(x->mailbox, ADDR_MAX, "%s", caf_mbox);
		if (h->fwd_to)
			x->ndest = all_addrs(ar, h->fwd_to, x->dest, MAX_DEST);
		if (!x->ndest && (x->art & A_FWD_FOR)) {
			snprintf(x->dest[0], ADDR_MAX, "%s", fwd_for[nfor - 1]);
			x->ndest = 1;
		}
		if (!x->ndest && *caf_dest) {
			snprintf(x->dest[0], ADDR_MAX, "%s", caf_dest);
			x->ndest = 1;
		}
		x->evidence = h->fwd_to    ? h->fwd_to
		              : h->fwd_for ? h->fwd_for
		                           : h->return_path;
	} else if (x->art &
	           (A_EXO_AUTOFWD | A_EXO_RULES_LOOP | A_EXO_RULES_AGENT |
	            A_EXO_FWD_LOOP | A_MAILFWDBY | A_FWD_TO)) {
		x->kind = K_EXCH;
		if (x->art & (A_EXO_RULES_LOOP | A_EXO_RULES_AGENT))
			x->mechanism = "exchange-inbox-rule";
		else if (x->art & (A_EXO_FWD_LOOP | A_EXO_AUTOFWD))
			x->mechanism = "exchange-mailbox-forwarding";
		else
			x->mechanism = "generic";
		if (h->rules_loop)
			first_addr(ar, h->rules_loop, x->mailbox, ADDR_MAX);
		if (!*x->mailbox && h->fwd_loop) {
			/* "addr;tenant-guid" */
			char v[ADDR_MAX];
			unfold_to(h->fwd_loop, v, sizeof(v));
			v[strcspn(v, ";")] = '\0';
			struct mh_field tf = {MH_SLICE_LIT("x"),
			                      mh_slice_cstr(v)};
			first_addr(ar, &tf, x->mailbox, ADDR_MAX);
		}
		if (!*x->mailbox && h->mailfwdby)
			first_addr(ar, h->mailfwdby, x->mailbox, ADDR_MAX);
		if (!*x->mailbox && ev->mailbox && strchr(ev->mailbox, '@'))
			snprintf(x->mailbox, ADDR_MAX, "%s", ev->mailbox);
		if (h->fwd_to)
			x->ndest = all_addrs(ar, h->fwd_to, x->dest, MAX_DEST);
		x->evidence = h->rules_loop  ? h->rules_loop
		              : h->fwd_loop  ? h->fwd_loop
		              : h->autofwd   ? h->autofwd
		              : h->fwd_to    ? h->fwd_to
		              : h->mailfwdby ? h->mailfwdby
		                             : h->rules_agent;
	} else {
		x->kind = K_REDIRECT;
		if (x->art & A_SIEVE) {
			x->mechanism = "sieve-redirect";
			first_addr(ar, h->sieve, x->mailbox, ADDR_MAX);
			x->ndest = 0;
			x->evidence = h->sieve;
		} else if (x->art & A_RESENT) {
			x->mechanism = "resent";
			first_addr(ar,
			           h->resent_from ? h->resent_from
			                          : h->resent_sender,
			           x->mailbox, ADDR_MAX);
			x->ndest = h->resent_to ? all_addrs(ar, h->resent_to,
			                                    x->dest, MAX_DEST)
			                        : 0;
			x->evidence = h->resent_from ? h->resent_from
			                             : h->resent_sender;
		} else {
			x->mechanism = "server-redirect";
			x->evidence = h->orig_to && h->ndelivered < 2
			                      ? h->orig_to
			                      : h->delivered[h->ndelivered - 1];
		}
	}
	/* Destination fallbacks: the envelope as delivered, then To. */
	if (!x->ndest && *top && strcmp(top, x->mailbox) != 0) {
		snprintf(x->dest[0], ADDR_MAX, "%s", top);
		x->ndest = 1;
	}
	if (!x->ndest && h->orig_to) {
		first_addr(ar, h->orig_to, x->dest[0], ADDR_MAX);
		if (*x->dest[0] && strcmp(x->dest[0], x->mailbox) != 0)
			x->ndest = 1;
	}
	if (!x->ndest && ev->mailbox && strchr(ev->mailbox, '@') &&
	    strcmp(ev->mailbox, x->mailbox) != 0) {
		snprintf(x->dest[0], ADDR_MAX, "%s", ev->mailbox);
		lower(x->dest[0]);
		x->ndest = 1;
	}
	if (!x->ndest && h->to) {
		char to[MAX_DEST][ADDR_MAX];
		size_t nt = all_addrs(ar, h->to, to, MAX_DEST);
		for (size_t i = 0; i < nt; i++)
			if (strcmp(to[i], x->mailbox) != 0) {
				snprintf(x->dest[0], ADDR_MAX, "%s", to[i]);
				x->ndest = 1;
				break;
			}
	}
	if (!*x->mailbox)
		snprintf(x->mailbox, ADDR_MAX, "unknown");

	/* Does it look forwarded? Subject first (cheap), then the body. */
	if (h->subject) {
		char sub[1024];
		size_t sn = unfold_to(h->subject, sub, sizeof(sub));
		if (memmem(sub, sn, "=?", 2)) {
			struct mh_buf d = MH_BUF_INIT(4096);
			mh_rfc2047_decode(mh_slice_make(sub, sn), NULL, &d,
			                  NULL);
			x->looks_fwd = mh_fwd_subject_looks_forwarded(
			        d.p ? d.p : "", d.len);
			mh_buf_release(&d);
		} else {
			x->looks_fwd = mh_fwd_subject_looks_forwarded(sub, sn);
		}
	}
	if (!x->looks_fwd && value_has(h->ctype, "message/rfc822"))
		x->looks_fwd = 1;
	if (!x->looks_fwd && ev->msg)
		x->looks_fwd = mh_fwd_body_looks_forwarded(ev->msg->body.p,
		                                           ev->msg->body.n);
	return 1;
}

static int record(struct mh_fwd *f, const struct mh_event *ev,
                  const struct hdrs *h, const struct facts *x)
{
	size_t nd = x->ndest ? x->ndest : 1;
	for (size_t i = 0; i < nd; i++) {
		const char *dest = x->ndest ? x->dest[i] : "unknown";
		struct agg *a = agg_get(f, x->kind, x->mailbox, dest);
		if (!a)
			return MH_ENOMEM;
		a->autofwd++;
		if (x->looks_fwd)
			a->looks++;
		a->mechs |= mech_bit(x->mechanism);
		span(a, ev->ts);
		if (ev_wanted(a, f->o.max_evidence, ev->path, ev->offset)) {
			struct ev_item e;
			e.file = strdup(ev->path);
			e.offset = ev->offset;
			e.msgid = msgid_of(h->msgid);
			e.header = header_line(x->evidence);
			e.ts = ev->ts;
			if (!e.file) {
				ev_item_release(&e);
				return MH_ENOMEM;
			}
			if (ev_keep(a, f->o.max_evidence, &e))
				return MH_ENOMEM;
		}
	}
	return MH_OK;
}

int mh_fwd_event(struct mh_fwd *f, const struct mh_event *ev,
                 struct mh_err *err)
{
	struct hdrs h;
	struct facts x;
	if (ev->kind != MH_EV_MAIL)
		return MH_OK;
	f->messages++;
	if (ev->mailbox && strchr(ev->mailbox, '@')) {
		char d[256];
		snprintf(d, sizeof(d), "%s", domain_of(ev->mailbox));
		lower(d);
		if (set_add(&f->owner_domains, d))
			return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	collect(ev, &h);
	mh_arena_reset(&f->scratch);
	if (!analyse(f, ev, &h, &x))
		return MH_OK;
	f->autofwd++;
	if (x.looks_fwd)
		f->looks++;
	if (record(f, ev, &h, &x))
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	return MH_OK;
}

/* MARK: - merge */

int mh_fwd_merge(struct mh_fwd *into, struct mh_fwd *from)
{
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct agg *a = from->buckets[b];
		from->buckets[b] = NULL;
		while (a) {
			struct agg *next = a->next;
			struct agg *t =
			        agg_get(into, a->kind, a->mailbox, a->dest);
			if (!t) {
				agg_free(a);
				a = next;
				continue;
			}
			t->autofwd += a->autofwd;
			t->looks += a->looks;
			t->mechs |= a->mechs;
			span(t, a->first);
			span(t, a->last);
			for (size_t i = 0; i < a->nev; i++) {
				ev_keep(t, into->o.max_evidence, &a->ev[i]);
				memset(&a->ev[i], 0, sizeof(a->ev[i]));
			}
			a->nev = 0;
			agg_free(a);
			a = next;
		}
	}
	for (size_t i = 0; i < from->owner_domains.n; i++)
		if (set_add(&into->owner_domains, from->owner_domains.v[i]))
			return MH_ENOMEM;
	into->messages += from->messages;
	into->autofwd += from->autofwd;
	into->looks += from->looks;
	from->messages = from->autofwd = from->looks = 0;
	return MH_OK;
}

void mh_fwd_totals(const struct mh_fwd *f, uint64_t *messages,
                   uint64_t *auto_forwarded, uint64_t *looks_forwarded)
{
	*messages = f->messages;
	*auto_forwarded = f->autofwd;
	*looks_forwarded = f->looks;
}

/* MARK: - findings */

static int is_internal(const struct strset *org, const char *domain)
{
	size_t dl = strlen(domain);
	if (!dl)
		return 0;
	for (size_t i = 0; i < org->n; i++) {
		size_t ol = strlen(org->v[i]);
		if (!ol)
			continue;
		if (dl == ol && !strcmp(domain, org->v[i]))
			return 1;
		if (dl > ol && domain[dl - ol - 1] == '.' &&
		    !strcmp(domain + dl - ol, org->v[i]))
			return 1;
	}
	return 0;
}

static int cmp_agg(const void *pa, const void *pb)
{
	const struct agg *a = *(const struct agg *const *)pa;
	const struct agg *b = *(const struct agg *const *)pb;
	return strcmp(a->key, b->key);
}

static char *mechs_text(unsigned m)
{
	struct mh_buf b = MH_BUF_INIT(512);
	for (unsigned i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]);
	     i++)
		if (m & (1u << i)) {
			if (b.len)
				mh_buf_adds(&b, ",");
			mh_buf_adds(&b, mech_names[i]);
		}
	return mh_buf_detach(&b, NULL);
}

static void when_text(int64_t first, int64_t last, char *out, size_t n)
{
	if (first == MH_TS_NONE) {
		snprintf(out, n, "at unknown times");
		return;
	}
	char a[21], b[21];
	mh_date_iso(first, a);
	mh_date_iso(last, b);
	if (first == last)
		snprintf(out, n, "on %.10s", a);
	else
		snprintf(out, n, "between %.10s and %.10s", a, b);
}

static const char *remediation_for(enum kind k, unsigned mechs)
{
	if (k == K_GMAIL)
		return "Google Workspace: open the user's Gmail settings > "
		       "Forwarding and POP/IMAP and the Admin console "
		       "audit (email_forwarding_out_of_domain, "
		       "email_forwarding_change); remove the forwarding "
		       "address if not approved, then reset the password "
		       "and sign the user out of all sessions (ATT&CK M1047, "
		       "M1032).";
	if (k == K_REDIRECT)
		return "Mail server: review the user's Sieve scripts "
		       "(redirect), ~/.forward, procmail rules and the "
		       "server's alias/virtual maps for this address; remove "
		       "unapproved redirects and reset the user's credentials "
		       "(ATT&CK M1047).";
	if (mechs & 1u)
		return "Exchange / Microsoft 365: Get-InboxRule -Mailbox "
		       "<mailbox> "
		       "-IncludeHidden | fl Name,Enabled,ForwardTo,RedirectTo,"
		       "ForwardAsAttachmentTo,DeleteMessage; search the "
		       "unified audit log for New-InboxRule/Set-InboxRule/"
		       "UpdateInboxRules; remove the rule, revoke sessions and "
		       "reset credentials; check Get-RemoteDomain "
		       "AutoForwardEnabled (ATT&CK M1047, M1032). mailhunt "
		       "runs none of this.";
	return "Exchange / Microsoft 365: Get-Mailbox <mailbox> | fl "
	       "ForwardingSmtpAddress,ForwardingAddress,"
	       "DeliverToMailboxAndForward and Get-TransportRule | fl "
	       "Name,BlindCopyTo,CopyTo,RedirectMessageTo; search the audit "
	       "log for Set-Mailbox and New-/Set-TransportRule to find who "
	       "set it; remove unapproved forwarding and block external "
	       "auto-forwarding in the outbound spam policy (ATT&CK M1047). "
	       "mailhunt runs none of this.";
}

static struct mh_finding *new_finding(const struct agg *a, const char *rule,
                                      const char *title, int level,
                                      int external)
{
	struct mh_finding *fd = calloc(1, sizeof(*fd));
	if (!fd)
		return NULL;
	fd->rule_id = rule;
	fd->title = title;
	fd->technique = "T1114.003";
	fd->tactic = "collection";
	fd->level = level;
	fd->external = external;
	fd->mailbox = strdup(a->mailbox);
	fd->destination = strdup(a->dest);
	fd->dest_domain = strdup(domain_of(a->dest));
	fd->mechanism = mechs_text(a->mechs);
	fd->first_seen = a->first;
	fd->last_seen = a->last;
	fd->remediation = strdup(remediation_for(a->kind, a->mechs));
	if (!fd->mailbox || !fd->destination || !fd->dest_domain ||
	    !fd->mechanism || !fd->remediation) {
		mh_finding_free(fd);
		return NULL;
	}
	mh_finding_set_id(fd);
	return fd;
}

static int copy_evidence(struct mh_finding *fd, struct ev_item *ev, size_t n)
{
	if (!n)
		return MH_OK;
	struct ev_item *sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return MH_ENOMEM;
	memcpy(sorted, ev, n * sizeof(*sorted));
	/* Insertion sort: n is max_evidence. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i;
		     j > 0 && ev_cmp(&sorted[j - 1], &sorted[j]) > 0; j--) {
			struct ev_item t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	fd->evidence = calloc(n, sizeof(*fd->evidence));
	if (!fd->evidence) {
		free(sorted);
		return MH_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct mh_evidence *e = &fd->evidence[i];
		e->file = strdup(sorted[i].file);
		e->offset = sorted[i].offset;
		e->message_id =
		        sorted[i].msgid ? strdup(sorted[i].msgid) : NULL;
		e->header = sorted[i].header ? strdup(sorted[i].header) : NULL;
		e->ts = sorted[i].ts;
		fd->nevidence++;
		if (!e->file) {
			free(sorted);
			return MH_ENOMEM;
		}
	}
	free(sorted);
	return MH_OK;
}

/* Per forwarding mailbox: the seed's admin-level heuristic. */
struct mbox_tot {
	const char *mailbox;
	uint64_t autofwd, looks;
	int external;
	const struct agg *top; /* destination with most messages */
	int64_t first, last;
};

int mh_fwd_findings(struct mh_fwd *f, struct mh_findings *out)
{
	struct agg **v = NULL;
	struct strset org = {0};
	struct mbox_tot *mt = NULL;
	size_t n = 0, nmt = 0;
	int rc = MH_ENOMEM;

	v = malloc((f->nagg ? f->nagg : 1) * sizeof(*v));
	mt = calloc(f->nagg ? f->nagg : 1, sizeof(*mt));
	if (!v || !mt)
		goto done;
	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct agg *a = f->buckets[b]; a; a = a->next)
			v[n++] = a;
	qsort(v, n, sizeof(*v), cmp_agg);

	/* Org domains: given, or the forwarding mailboxes' and owners'. */
	for (size_t i = 0; i < f->o.norg; i++)
		if (set_add(&org, f->o.org_domains[i]))
			goto done;
	if (!f->o.norg) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i]->mailbox, "unknown") != 0 &&
			    set_add(&org, domain_of(v[i]->mailbox)))
				goto done;
		for (size_t i = 0; i < f->owner_domains.n; i++)
			if (set_add(&org, f->owner_domains.v[i]))
				goto done;
	}

	for (size_t i = 0; i < n; i++) {
		const struct agg *a = v[i];
		int unknown = !strcmp(a->dest, "unknown");
		int external =
		        unknown ? -1 : !is_internal(&org, domain_of(a->dest));
		const char *rule, *title;
		int level;
		if (a->kind == K_GMAIL) {
			rule = "MH-FWD-GMAIL";
			title = "Gmail / Google Workspace forwarding";
			level = external == 0 ? MH_LEVEL_LOW : MH_LEVEL_HIGH;
		} else if (a->kind == K_REDIRECT) {
			rule = "MH-FWD-REDIRECT";
			title = "Server-side redirect";
			level = external == 0 ? MH_LEVEL_LOW : MH_LEVEL_MEDIUM;
		} else if (external == 0) {
			rule = "MH-FWD-INT";
			title = "Internal auto-forwarding";
			level = MH_LEVEL_LOW;
		} else {
			rule = "MH-FWD-EXT";
			title = external > 0 ? "External auto-forwarding"
			                     : "Auto-forwarding to an unknown "
			                       "destination";
			level = external > 0 ? MH_LEVEL_HIGH : MH_LEVEL_MEDIUM;
		}
		struct mh_finding *fd =
		        new_finding(a, rule, title, level, external);
		if (!fd)
			goto done;
		mh_finding_count(fd, "auto_forwarded", a->autofwd);
		mh_finding_count(fd, "looks_forwarded", a->looks);
		char when[64], buf[1024];
		when_text(a->first, a->last, when, sizeof(when));
		snprintf(buf, sizeof(buf),
		         "%llu message%s auto-forwarded from %s to %s %s "
		         "(%s); %llu of them look%s forwarded",
		         (unsigned long long)a->autofwd,
		         a->autofwd == 1 ? "" : "s", a->mailbox, a->dest, when,
		         external > 0    ? "external"
		         : external == 0 ? "internal"
		                         : "destination unknown",
		         (unsigned long long)a->looks,
		         a->looks == 1 ? "s" : "");
		fd->summary = strdup(buf);
		if (!fd->summary || copy_evidence(fd, a->ev, a->nev) ||
		    mh_findings_push(out, fd)) {
			mh_finding_free(fd);
			goto done;
		}
		/* Ratio bookkeeping for Exchange-style forwarding only: Gmail
		 * forwards copies as they are, always. */
		if (a->kind != K_EXCH || !strcmp(a->mailbox, "unknown"))
			continue;
		size_t k = 0;
		while (k < nmt && strcmp(mt[k].mailbox, a->mailbox) != 0)
			k++;
		if (k == nmt) {
			mt[nmt].mailbox = a->mailbox;
			mt[nmt].first = mt[nmt].last = MH_TS_NONE;
			nmt++;
		}
		mt[k].autofwd += a->autofwd;
		mt[k].looks += a->looks;
		if (external > 0)
			mt[k].external = 1;
		if (!mt[k].top || a->autofwd > mt[k].top->autofwd)
			mt[k].top = a;
		if (a->first != MH_TS_NONE &&
		    (mt[k].first == MH_TS_NONE || a->first < mt[k].first))
			mt[k].first = a->first;
		if (a->last != MH_TS_NONE &&
		    (mt[k].last == MH_TS_NONE || a->last > mt[k].last))
			mt[k].last = a->last;
	}
	for (size_t k = 0; k < nmt; k++) {
		const struct mbox_tot *m = &mt[k];
		/* >= 5 auto-forwarded and < 25 % look forwarded. */
		if (m->autofwd < 5 || m->looks * 4 >= m->autofwd)
			continue;
		int high = m->autofwd >= 20 && m->looks * 10 < m->autofwd &&
		           m->external;
		struct mh_finding *fd = new_finding(
		        m->top, "MH-FWD-RATIO",
		        "Auto-forwarded mail that does not look forwarded",
		        high ? MH_LEVEL_HIGH : MH_LEVEL_MEDIUM,
		        m->external ? 1 : 0);
		if (!fd)
			goto done;
		fd->first_seen = m->first;
		fd->last_seen = m->last;
		mh_finding_count(fd, "auto_forwarded", m->autofwd);
		mh_finding_count(fd, "looks_forwarded", m->looks);
		char when[64], buf[1024];
		when_text(m->first, m->last, when, sizeof(when));
		snprintf(buf, sizeof(buf),
		         "%llu messages from %s carry auto-forward headers %s "
		         "but only %llu look forwarded: forwarding set by an "
		         "administrator (ForwardingSmtpAddress, transport "
		         "rule) rather than by the user; investigate at admin "
		         "level",
		         (unsigned long long)m->autofwd, m->mailbox, when,
		         (unsigned long long)m->looks);
		fd->summary = strdup(buf);
		free(fd->remediation);
		fd->remediation = strdup(remediation_for(K_EXCH, 0));
		if (!fd->summary || !fd->remediation ||
		    copy_evidence(fd, m->top->ev, m->top->nev) ||
		    mh_findings_push(out, fd)) {
			mh_finding_free(fd);
			goto done;
		}
	}
	rc = MH_OK;
done:
	free(v);
	free(mt);
	set_release(&org);
	return rc;
}
