/* sim.c - the generator behind `mailhunt simulate`.
 *
 * Benign traffic: inbound and outbound mail with real-looking Received
 * chains, replies, manual forwards in several languages (they look
 * forwarded but carry no auto-forward header), newsletters and lists,
 * bounces, auto-replies, manual re-sends, Gmail X-Forwarded-Encrypted
 * noise, From_ lines in bodies, CRLF messages, encoded words, base64
 * attachments. Scenarios (docs/FORWARDING.md): (a) Exchange inbox rule to
 * an external address, (b) admin ForwardingSmtpAddress whose copies look
 * sent directly, (c) Gmail forwarding, (d) internal inbox-rule forwarding,
 * (e) a Sieve redirect. Streaming: one message in memory at a time.
 */
#include "sim/sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "readers/mail/date.h"

#define START_TIME 1709251200 /* 2024-03-01T00:00:00Z */
#define SPAN       (30 * 86400)

/* MARK: - deterministic randomness (splitmix64) */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

#define PICK(r, arr) (arr)[below((r), sizeof(arr) / sizeof((arr)[0]))]

/* MARK: - vocabulary */

static const char *const users[] = {"alice",  "bob",   "carol",   "dave",
                                    "erin",   "frank", "grace",   "heidi",
                                    "ivan",   "judy",  "mallory", "niaj",
                                    "olivia", "peggy", "rupert",  "sybil"};
static const char *const names[] = {
        "Alice Martin", "Bob Keller",   "Carol Rossi",     "Dave Jansen",
        "Erin Dubois",  "Frank Meier",  "Grace Lindqvist", "Heidi Nielsen",
        "Ivan Petrov",  "Judy Garcia",  "Mallory Brown",   "Niaj Patel",
        "Olivia Costa", "Peggy Moreau", "Rupert Vogel",    "Sybil Larsen"};
static const char *const ext_domains[] = {
        "partner.example", "supplier.example", "client-co.example",
        "univ.example",    "lawfirm.example",  "agency.example"};
static const char *const topics[] = {
        "Q1 budget review",   "Contract renewal",     "Invoice 4711",
        "Meeting notes",      "Project Atlas status", "Travel plans",
        "Server maintenance", "Offsite agenda",       "Draft proposal",
        "Payroll change",     "Security training",    "Vendor onboarding",
        "Quarterly figures",  "Customer escalation",  "Board deck",
};
static const char *const words[] = {
        "the",     "report", "please",  "review", "attached", "numbers",
        "before",  "friday", "team",    "we",     "should",   "discuss",
        "budget",  "client", "update",  "thanks", "regards",  "project",
        "meeting", "next",   "week",    "can",    "you",      "send",
        "the",     "final",  "version", "of",     "contract", "and",
        "invoice", "today",  "status",  "is",     "on",       "track",
        "risk",    "plan",   "issue",   "call",   "tomorrow", "morning",
};
/* Manual forward prefixes with the body separator that goes with them. */
static const struct {
	const char *prefix, *sep;
} manual_fwd[] = {
        {"Fwd: ", "---------- Forwarded message ---------"},
        {"FW: ", "-----Original Message-----"},
        {"WG: ", "-------- Weitergeleitete Nachricht --------"},
        {"TR: ", "-------- Message transf\xc3\xa9r\xc3\xa9 --------"},
        {"I: ", "-------- Messaggio inoltrato --------"},
        {"RV: ", "---------- Mensaje reenviado ----------"},
        {"Doorst: ", "-------- Doorgestuurd bericht --------"},
        {"VS: ", "---------- Videresendt melding ----------"},
        {"VB: ", "-------- Vidarebefordrat meddelande --------"},
};
static const char *const reply_prefix[] = {"Re: ", "AW: ", "SV: ", "RE: "};

/* MARK: - output */

struct out {
	FILE *f;
	char *path;
	int mbox;
};

struct sim {
	const struct mh_sim_opts *o;
	struct mh_sim_stats *st;
	struct rng r;
	struct mh_buf msg; /* the message being built */
	struct mh_buf path;
	unsigned nusers;
	const char *org;
	struct out *user_mbox; /* per user, when mbox format */
	struct out journal;
	struct out all; /* single-mbox mode */
	uint64_t seq;
	int crlf; /* current message uses CRLF */
	struct mh_err *err;
};

static int ioerr(struct sim *s, const char *what, const char *path)
{
	return mh_err_at(s->err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
	                 "cannot %s: %s", what, strerror(errno));
}

static int mkdirs(struct sim *s, const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return ioerr(s, "create directory", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return ioerr(s, "create directory", tmp);
	return MH_OK;
}

static int out_open(struct sim *s, struct out *o, const char *path)
{
	o->path = strdup(path);
	if (!o->path)
		return MH_ENOMEM;
	o->f = fopen(path, "wb");
	if (!o->f)
		return ioerr(s, "write", path);
	setvbuf(o->f, NULL, _IOFBF, (size_t)1 << 20);
	o->mbox = 1;
	s->st->files++;
	return MH_OK;
}

static int out_close(struct sim *s, struct out *o)
{
	int rc = MH_OK;
	if (o->f && fclose(o->f) != 0)
		rc = ioerr(s, "write", o->path);
	o->f = NULL;
	free(o->path);
	o->path = NULL;
	return rc;
}

/* MARK: - message building */

static void add(struct sim *s, const char *text)
{
	mh_buf_adds(&s->msg, text);
}

__attribute__((format(printf, 2, 3))) static void addf(struct sim *s,
                                                       const char *fmt, ...)
{
	va_list ap;
	char tmp[2048];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		mh_buf_add(&s->msg, tmp,
		           (size_t)n < sizeof(tmp) ? (size_t)n
		                                   : sizeof(tmp) - 1);
}

static void eol(struct sim *s)
{
	add(s, s->crlf ? "\r\n" : "\n");
}

/* "Tue, 5 Mar 2024 10:00:00 +0100" for time t shown in zone tz_min. */
static void rfc_date(int64_t t, int tz_min, char *out, size_t n)
{
	static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun",
	                                 "Mon", "Tue", "Wed"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr",
	                                 "May", "Jun", "Jul", "Aug",
	                                 "Sep", "Oct", "Nov", "Dec"};
	int64_t lt = t + (int64_t)tz_min * 60;
	char iso[21];
	mh_date_iso(lt, iso);
	int year = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 +
	           (iso[2] - '0') * 10 + (iso[3] - '0');
	int month = (iso[5] - '0') * 10 + (iso[6] - '0');
	int day = (iso[8] - '0') * 10 + (iso[9] - '0');
	int64_t days = lt >= 0 ? lt / 86400 : (lt - 86399) / 86400;
	int a = tz_min < 0 ? -tz_min : tz_min;
	snprintf(out, n, "%s, %d %s %d %.8s %c%02d%02d",
	         wd[((days % 7) + 7) % 7], day, mo[month - 1], year, iso + 11,
	         tz_min < 0 ? '-' : '+', a / 60, a % 60);
}

static void words_line(struct sim *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (i)
			add(s, " ");
		add(s, PICK(&s->r, words));
	}
}

static void text_body(struct sim *s, unsigned lines)
{
	for (unsigned i = 0; i < lines; i++) {
		words_line(s, 6 + below(&s->r, 9));
		eol(s);
		if (below(&s->r, 9) == 0)
			eol(s); /* paragraph */
	}
}

static void b64_block(struct sim *s, unsigned bytes)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                          "qrstuvwxyz0123456789+/";
	unsigned chars = (bytes + 2) / 3 * 4;
	char line[80];
	while (chars) {
		unsigned n = chars < 76 ? chars : 76;
		uint64_t x = 0;
		for (unsigned i = 0; i < n; i++) {
			if (i % 10 == 0)
				x = next(&s->r);
			line[i] = b64[x & 63];
			x >>= 6;
		}
		mh_buf_add(&s->msg, line, n);
		eol(s);
		chars -= n;
	}
}

static void user_addr(struct sim *s, unsigned u, char *out, size_t n)
{
	snprintf(out, n, "%s@%s", users[u], s->org);
}

static void ext_addr(struct sim *s, char *out, size_t n)
{
	static const char *const locals[] = {"j.smith",   "m.weber",
	                                     "info",      "s.dupont",
	                                     "l.bianchi", "k.olsen"};
	snprintf(out, n, "%s@%s", PICK(&s->r, locals),
	         PICK(&s->r, ext_domains));
}

/* Received chain, Return-Path and Delivered-To for a delivery to rcpt. */
static void envelope(struct sim *s, const char *from, const char *rcpt,
                     int64_t t, int delivered_to)
{
	char d[64];
	const char *fd = strchr(from, '@');
	rfc_date(t, 0, d, sizeof(d));
	addf(s, "Return-Path: <%s>", from);
	eol(s);
	if (delivered_to) {
		addf(s, "Delivered-To: %s", rcpt);
		eol(s);
	}
	addf(s, "Received: from mx1.%s (mx1.%s [192.0.2.10])", s->org, s->org);
	eol(s);
	addf(s, "\tby mail.%s (Postfix) with LMTP id %016llx", s->org,
	     (unsigned long long)next(&s->r));
	eol(s);
	addf(s, "\tfor <%s>; %s", rcpt, d);
	eol(s);
	rfc_date(t - 2 - (int64_t)below(&s->r, 30), 0, d, sizeof(d));
	addf(s, "Received: from mail.%s (mail.%s [198.51.100.%u])",
	     fd ? fd + 1 : "example", fd ? fd + 1 : "example",
	     1 + below(&s->r, 250));
	eol(s);
	addf(s, "\tby mx1.%s with ESMTPS id %08llX; %s", s->org,
	     (unsigned long long)(next(&s->r) & 0xffffffffULL), d);
	eol(s);
}

static void std_headers(struct sim *s, const char *from_name, const char *from,
                        const char *to, const char *subject, int64_t t,
                        int encoded_name)
{
	char d[64];
	int zones[] = {0, 60, 120, -300, -240, 330};
	rfc_date(t - 5, PICK(&s->r, zones), d, sizeof(d));
	if (encoded_name)
		addf(s, "From: =?UTF-8?Q?%s_=C3=A9?= <%s>", from_name, from);
	else
		addf(s, "From: \"%s\" <%s>", from_name, from);
	eol(s);
	addf(s, "To: %s", to);
	eol(s);
	addf(s, "Subject: %s", subject);
	eol(s);
	addf(s, "Date: %s", d);
	eol(s);
	addf(s, "Message-ID: <%016llx.%llu@%s>",
	     (unsigned long long)next(&s->r), (unsigned long long)s->seq,
	     strchr(from, '@') ? strchr(from, '@') + 1 : "sim.example");
	eol(s);
	add(s, "MIME-Version: 1.0");
	eol(s);
}

/* A plain or multipart body. fwd_sep: put a forwarded-message block. */
static void body(struct sim *s, const char *fwd_sep, const char *orig_from,
                 const char *orig_subject, int attach)
{
	if (!attach) {
		add(s, "Content-Type: text/plain; charset=utf-8");
		eol(s);
		add(s, "Content-Transfer-Encoding: 8bit");
		eol(s);
		eol(s);
		text_body(s, 3 + below(&s->r, 30));
	} else {
		unsigned long long b = next(&s->r);
		addf(s, "Content-Type: multipart/mixed; boundary=\"b%016llx\"",
		     b);
		eol(s);
		eol(s);
		addf(s, "--b%016llx", b);
		eol(s);
		add(s, "Content-Type: text/plain; charset=utf-8");
		eol(s);
		eol(s);
		text_body(s, 3 + below(&s->r, 20));
		if (!fwd_sep)
			goto attachment;
		/* The original as a message/rfc822 part. */
		addf(s, "--b%016llx", b);
		eol(s);
		add(s, "Content-Type: message/rfc822");
		eol(s);
		eol(s);
		addf(s, "From: %s", orig_from);
		eol(s);
		addf(s, "Subject: %s", orig_subject);
		eol(s);
		eol(s);
		text_body(s, 4);
	attachment:
		addf(s, "--b%016llx", b);
		eol(s);
		add(s, "Content-Type: application/pdf; name=\"doc.pdf\"");
		eol(s);
		add(s, "Content-Transfer-Encoding: base64");
		eol(s);
		eol(s);
		b64_block(s, 1024 + below(&s->r, 12000));
		addf(s, "--b%016llx--", b);
		eol(s);
		return;
	}
	if (fwd_sep) {
		eol(s);
		add(s, fwd_sep);
		eol(s);
		addf(s, "From: %s", orig_from);
		eol(s);
		addf(s, "Subject: %s", orig_subject);
		eol(s);
		eol(s);
		text_body(s, 5);
	}
	/* Lines an mbox writer must not split on. */
	if (below(&s->r, 20) == 0) {
		eol(s);
		add(s, ">From the archive, quoted by the writer");
		eol(s);
		eol(s);
		add(s, "From here on the plan changes.");
		eol(s);
	}
}

/* MARK: - stores */

static int deliver_maildir(struct sim *s, unsigned u, const char *folder,
                           int64_t t)
{
	mh_buf_reset(&s->path);
	mh_buf_printf(&s->path,
	              "%s/maildir/%s/%s/Maildir%s%s/%s/%lld.M%lluP1.sim",
	              s->o->out_dir, s->org, users[u], folder ? "/." : "",
	              folder ? folder : "", below(&s->r, 4) ? "cur" : "new",
	              (long long)t, (unsigned long long)s->seq);
	if (strstr(s->path.p, "/cur/"))
		mh_buf_adds(&s->path, ":2,S");
	FILE *f = fopen(s->path.p, "wb");
	if (!f)
		return ioerr(s, "write", s->path.p);
	size_t w = fwrite(s->msg.p, 1, s->msg.len, f);
	if (fclose(f) != 0 || w != s->msg.len)
		return ioerr(s, "write", s->path.p);
	s->st->files++;
	s->st->bytes += s->msg.len;
	return MH_OK;
}

static int append_mbox(struct sim *s, struct out *o, const char *env_from,
                       int64_t t)
{
	static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun",
	                                 "Mon", "Tue", "Wed"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr",
	                                 "May", "Jun", "Jul", "Aug",
	                                 "Sep", "Oct", "Nov", "Dec"};
	char iso[21];
	mh_date_iso(t, iso);
	int month = (iso[5] - '0') * 10 + (iso[6] - '0');
	int day = (iso[8] - '0') * 10 + (iso[9] - '0');
	int n = fprintf(o->f, "From %s %s %s %2d %.8s %.4s\n", env_from,
	                wd[((t / 86400) % 7 + 7) % 7], mo[month - 1], day,
	                iso + 11, iso);
	/* mboxrd: quote ">*From " at line starts in the body. */
	const char *p = s->msg.p, *e = p + s->msg.len;
	size_t written = 0;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl + 1 : e;
		const char *q = p;
		while (q < le && *q == '>')
			q++;
		if (le - q >= 5 && !memcmp(q, "From ", 5)) {
			fputc('>', o->f);
			written++;
		}
		written += fwrite(p, 1, (size_t)(le - p), o->f);
		p = le;
	}
	fputc('\n', o->f);
	if (ferror(o->f))
		return ioerr(s, "write", o->path);
	s->st->bytes += written + 1 + (n > 0 ? (size_t)n : 0);
	return MH_OK;
}

/* Store the built message for user u (inbox unless folder). */
static int to_user(struct sim *s, unsigned u, const char *folder,
                   const char *env_from, int64_t t)
{
	int rc = MH_OK;
	s->st->messages++;
	if (s->o->single_mbox)
		return append_mbox(s, &s->all, env_from, t);
	if (s->o->formats & MH_SIM_MAILDIR)
		rc = deliver_maildir(s, u, folder, t);
	if (!rc && (s->o->formats & MH_SIM_MBOX))
		rc = append_mbox(s, &s->user_mbox[u], env_from, t);
	return rc;
}

static int to_journal(struct sim *s, const char *env_from, int64_t t)
{
	s->st->messages++;
	return append_mbox(s, s->o->single_mbox ? &s->all : &s->journal,
	                   env_from, t);
}

/* MARK: - benign traffic */

static int benign(struct sim *s, int64_t t)
{
	unsigned u = below(&s->r, s->nusers);
	char me[128], other[128], subj[256], from_name[64];
	user_addr(s, u, me, sizeof(me));
	ext_addr(s, other, sizeof(other));
	snprintf(from_name, sizeof(from_name), "%s", names[below(&s->r, 16)]);
	const char *topic = PICK(&s->r, topics);
	unsigned kind = below(&s->r, 100);
	s->crlf = below(&s->r, 25) == 0;
	mh_buf_reset(&s->msg);
	s->seq++;

	if (kind < 40) { /* inbound, plain or reply */
		if (kind < 15)
			snprintf(subj, sizeof(subj), "%s%s",
			         PICK(&s->r, reply_prefix), topic);
		else if (kind < 18)
			snprintf(subj, sizeof(subj),
			         "=?UTF-8?B?w5xiZXJzaWNodA==?= %s", topic);
		else
			snprintf(subj, sizeof(subj), "%s", topic);
		envelope(s, other, me, t, 1);
		std_headers(s, from_name, other, me, subj, t, kind % 7 == 0);
		if (kind % 5 == 0) {
			add(s, "X-Forwarded-Encrypted: i=1; "
			       "AJvYcCX5simulatednoise");
			eol(s);
		}
		body(s, NULL, NULL, NULL, kind % 3 == 0);
		return to_user(s, u, NULL, other, t);
	}
	if (kind < 55) { /* manual forward by a person: looks forwarded */
		unsigned k = below(&s->r,
		                   sizeof(manual_fwd) / sizeof(manual_fwd[0]));
		snprintf(subj, sizeof(subj), "%s%s", manual_fwd[k].prefix,
		         topic);
		envelope(s, other, me, t, 1);
		std_headers(s, from_name, other, me, subj, t, 0);
		body(s, manual_fwd[k].sep, "someone@elsewhere.example", topic,
		     kind % 4 == 0);
		return to_user(s, u, NULL, other, t);
	}
	if (kind < 70) { /* newsletter / mailing list */
		envelope(s, "bounces@lists.example", me, t, 1);
		add(s, "List-Id: <announce.lists.example>");
		eol(s);
		add(s, "List-Unsubscribe: <mailto:leave@lists.example>");
		eol(s);
		add(s, "Precedence: list");
		eol(s);
		snprintf(subj, sizeof(subj), "[announce] %s", topic);
		std_headers(s, "Announce", "announce@lists.example", me, subj,
		            t, 0);
		body(s, NULL, NULL, NULL, 0);
		return to_user(s, u, "Lists", "bounces@lists.example", t);
	}
	if (kind < 75) { /* bounce */
		envelope(s, "MAILER-DAEMON@mx1.partner.example", me, t, 1);
		std_headers(s, "Mail Delivery System",
		            "MAILER-DAEMON@mx1.partner.example", me,
		            "Undelivered Mail Returned to Sender", t, 0);
		unsigned long long b = next(&s->r);
		add(s, "Auto-Submitted: auto-replied");
		eol(s);
		addf(s,
		     "Content-Type: multipart/report; "
		     "report-type=delivery-status; boundary=\"r%llx\"",
		     b);
		eol(s);
		eol(s);
		addf(s, "--r%llx", b);
		eol(s);
		add(s, "Content-Type: message/delivery-status");
		eol(s);
		eol(s);
		addf(s, "Final-Recipient: rfc822; %s", other);
		eol(s);
		add(s, "Status: 5.1.1");
		eol(s);
		addf(s, "--r%llx--", b);
		eol(s);
		return to_user(s, u, NULL, "MAILER-DAEMON", t);
	}
	if (kind < 80) { /* auto-reply */
		envelope(s, other, me, t, 1);
		add(s, "Auto-Submitted: auto-replied");
		eol(s);
		add(s, "X-Autoreply: yes");
		eol(s);
		snprintf(subj, sizeof(subj), "Out of office: %s", topic);
		std_headers(s, from_name, other, me, subj, t, 0);
		body(s, NULL, NULL, NULL, 0);
		return to_user(s, u, NULL, other, t);
	}
	if (kind < 83) { /* manual re-send by a colleague */
		char colleague[128];
		user_addr(s, (u + 1) % s->nusers, colleague, sizeof(colleague));
		envelope(s, colleague, me, t, 1);
		addf(s, "Resent-From: %s", colleague);
		eol(s);
		addf(s, "Resent-To: %s", me);
		eol(s);
		char d[64];
		rfc_date(t, 60, d, sizeof(d));
		addf(s, "Resent-Date: %s", d);
		eol(s);
		std_headers(s, from_name, other, colleague, topic, t - 3600, 0);
		body(s, NULL, NULL, NULL, 0);
		return to_user(s, u, NULL, colleague, t);
	}
	/* Outbound mail from a user, seen by the gateway journal. */
	snprintf(subj, sizeof(subj), "%s%s", kind < 90 ? "Re: " : "", topic);
	addf(s, "X-Original-To: %s", other);
	eol(s);
	addf(s, "Delivered-To: %s", other);
	eol(s);
	std_headers(s, names[u % 16], me, other, subj, t, 0);
	body(s, kind > 95 ? "-----Original Message-----" : NULL, other, topic,
	     kind % 2);
	return to_journal(s, me, t);
}

/* MARK: - scenarios */

struct scenario {
	const char *name, *rule, *level;
	unsigned victim;    /* user index */
	const char *dest;   /* "" for an internal destination */
	unsigned dest_user; /* for internal */
	unsigned count;
	int64_t first, last;
};

static int scenario_message(struct sim *s, struct scenario *sc, unsigned i,
                            char *dest)
{
	char victim[128], d[64];
	user_addr(s, sc->victim, victim, sizeof(victim));
	int64_t t = START_TIME + 9 * 86400 + (int64_t)i * 7 * 3600 +
	            (int64_t)(sc->victim * 911);
	if (i == 0)
		sc->first = t;
	sc->last = t;
	const char *topic = PICK(&s->r, topics);
	char orig[128], subj[256];
	ext_addr(s, orig, sizeof(orig));
	s->crlf = 0;
	s->seq++;
	mh_buf_reset(&s->msg);
	rfc_date(t, 0, d, sizeof(d));
	if (!strcmp(sc->name, "exchange-inbox-rule-external") ||
	    !strcmp(sc->name, "exchange-inbox-rule-internal")) {
		addf(s, "X-Original-To: %s", dest);
		eol(s);
		addf(s, "Delivered-To: %s", dest);
		eol(s);
		addf(s,
		     "Received: from EX1.%s (10.1.2.3) by EX2.%s "
		     "(10.1.2.4) with Microsoft SMTP Server; %s",
		     s->org, s->org, d);
		eol(s);
		add(s, "X-MS-Exchange-Organization-AutoForwarded: true");
		eol(s);
		addf(s, "X-MS-Exchange-Inbox-Rules-Loop: %s", victim);
		eol(s);
		add(s, "X-MS-Exchange-Generated-Message-Source: Mailbox Rules "
		       "Agent");
		eol(s);
		add(s, "X-MS-Exchange-Organization-AuthAs: Internal");
		eol(s);
		snprintf(subj, sizeof(subj), "FW: %s", topic);
		std_headers(s, names[sc->victim], victim, dest, subj, t, 0);
		body(s, "-----Original Message-----", orig, topic, i % 3 == 0);
		if (sc->dest[0])
			return to_journal(s, victim, t);
		return to_user(s, sc->dest_user, NULL, victim, t);
	}
	if (!strcmp(sc->name, "exchange-forwardingsmtpaddress")) {
		/* The copy keeps the original From/To/Subject: it looks as
		 * if sent to the victim directly. */
		addf(s, "X-Original-To: %s", dest);
		eol(s);
		addf(s, "Delivered-To: %s", dest);
		eol(s);
		addf(s,
		     "Received: from EX1.%s (10.1.2.3) by mx-out.%s "
		     "with Microsoft SMTP Server; %s",
		     s->org, s->org, d);
		eol(s);
		add(s, "X-MS-Exchange-Organization-AutoForwarded: true");
		eol(s);
		addf(s,
		     "X-MS-Exchange-ForwardingLoop: %s;"
		     "6b2c9f4e-1d3a-4c59-9e61-%012llx",
		     victim,
		     (unsigned long long)(s->o->seed & 0xffffffffffffULL));
		eol(s);
		std_headers(s, "Partner", orig, victim, topic, t, 0);
		body(s, NULL, NULL, NULL, i % 4 == 0);
		return to_journal(s, orig, t);
	}
	if (!strcmp(sc->name, "gmail-forwarding")) {
		const char *at = strchr(dest, '@');
		addf(s, "Delivered-To: %s", dest);
		eol(s);
		addf(s, "Return-Path: <%s+caf_=%.*s=%s@%s>", users[sc->victim],
		     (int)(at - dest), dest, at + 1, s->org);
		eol(s);
		addf(s,
		     "Received: by 2002:a05:6000:1a8c:b0:2f3:0:0 with SMTP "
		     "id %llx; %s",
		     (unsigned long long)next(&s->r), d);
		eol(s);
		addf(s, "X-Forwarded-To: %s", dest);
		eol(s);
		addf(s, "X-Forwarded-For: %s %s", victim, dest);
		eol(s);
		std_headers(s, "Sender", orig, victim, topic, t, 0);
		body(s, NULL, NULL, NULL, 0);
		return to_journal(s, orig, t);
	}
	/* Sieve redirect (Dovecot Pigeonhole). */
	addf(s, "Delivered-To: %s", dest);
	eol(s);
	addf(s, "Received: from mail.%s by mx-out.%s (Postfix); %s", s->org,
	     s->org, d);
	eol(s);
	addf(s, "X-Sieve-Redirected-From: %s", victim);
	eol(s);
	addf(s, "Delivered-To: %s", victim);
	eol(s);
	std_headers(s, "Sender", orig, victim, topic, t, 0);
	body(s, NULL, NULL, NULL, 0);
	return to_journal(s, orig, t);
}

static int write_truth(struct sim *s, struct scenario *sc, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ground-truth.tsv", s->o->out_dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return ioerr(s, "write", path);
	fputs("scenario\trule_id\tlevel\tmailbox\tdestination\tmessages\t"
	      "first\tlast\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		char victim[128], dest[128], a[21], b[21];
		user_addr(s, sc[i].victim, victim, sizeof(victim));
		if (sc[i].dest[0])
			snprintf(dest, sizeof(dest), "%s", sc[i].dest);
		else
			user_addr(s, sc[i].dest_user, dest, sizeof(dest));
		mh_date_iso(sc[i].first, a);
		mh_date_iso(sc[i].last, b);
		fprintf(f, "%s\t%s\t%s\t%s\t%s\t%u\t%s\t%s\n", sc[i].name,
		        sc[i].rule, sc[i].level, victim, dest, sc[i].count, a,
		        b);
	}
	if (fclose(f) != 0)
		return ioerr(s, "write", path);
	s->st->files++;
	return MH_OK;
}

/* MARK: - driver */

int mh_sim_run(const struct mh_sim_opts *o, struct mh_sim_stats *st,
               struct mh_err *err)
{
	struct sim s;
	int rc = MH_OK;
	char path[4096];

	memset(&s, 0, sizeof(s));
	memset(st, 0, sizeof(*st));
	s.o = o;
	s.st = st;
	s.err = err;
	s.r.s = o->seed ^ 0x6d61696c68756e74ULL; /* "mailhunt" */
	s.org = o->org_domain ? o->org_domain : "corp.example";
	s.nusers = o->mailboxes < 8 ? 8 : o->mailboxes > 16 ? 16 : o->mailboxes;
	mh_buf_init(&s.msg, (size_t)4 << 20);
	mh_buf_init(&s.path, 8192);

	/* Scenarios, placed in time among the benign traffic. */
	struct scenario sc[] = {
	        {"exchange-inbox-rule-external", "MH-FWD-EXT", "high", 0,
	         "exfil.box@protonmail.example", 0, 12, 0, 0},
	        {"exchange-forwardingsmtpaddress", "MH-FWD-EXT", "high", 1,
	         "b.keller.archive@freemail.example", 0, 40, 0, 0},
	        {"exchange-forwardingsmtpaddress", "MH-FWD-RATIO", "high", 1,
	         "b.keller.archive@freemail.example", 0, 40, 0, 0},
	        {"gmail-forwarding", "MH-FWD-GMAIL", "high", 6,
	         "grace.l.private@gmail.example", 0, 8, 0, 0},
	        {"exchange-inbox-rule-internal", "MH-FWD-INT", "low", 2, "", 3,
	         6, 0, 0},
	        {"sieve-redirect", "MH-FWD-REDIRECT", "medium", 7,
	         "heidi@home-isp.example", 0, 5, 0, 0},
	};
	size_t nsc = o->scenarios ? sizeof(sc) / sizeof(sc[0]) : 0;

	if (o->single_mbox) {
		snprintf(path, sizeof(path), "%s/mbox", o->out_dir);
		if ((rc = mkdirs(&s, path)))
			goto done;
		snprintf(path, sizeof(path), "%s/mbox/all.mbox", o->out_dir);
		if ((rc = out_open(&s, &s.all, path)))
			goto done;
	} else {
		snprintf(path, sizeof(path), "%s/journal", o->out_dir);
		if ((rc = mkdirs(&s, path)))
			goto done;
		snprintf(path, sizeof(path), "%s/journal/outbound.mbox",
		         o->out_dir);
		if ((rc = out_open(&s, &s.journal, path)))
			goto done;
		if (o->formats & MH_SIM_MBOX) {
			snprintf(path, sizeof(path), "%s/mbox", o->out_dir);
			if ((rc = mkdirs(&s, path)))
				goto done;
			s.user_mbox = calloc(s.nusers, sizeof(*s.user_mbox));
			if (!s.user_mbox) {
				rc = mh_err_set(err, MH_ENOMEM,
				                "out of memory");
				goto done;
			}
			for (unsigned u = 0; u < s.nusers; u++) {
				snprintf(path, sizeof(path),
				         "%s/mbox/%s@%s.mbox", o->out_dir,
				         users[u], s.org);
				if ((rc = out_open(&s, &s.user_mbox[u], path)))
					goto done;
			}
		}
		if (o->formats & MH_SIM_MAILDIR) {
			static const char *const sub[] = {"cur", "new", "tmp"};
			for (unsigned u = 0; u < s.nusers; u++)
				for (int fo = 0; fo < 2; fo++)
					for (int k = 0; k < 3; k++) {
						snprintf(path, sizeof(path),
						         "%s/maildir/%s/%s/"
						         "Maildir%s/%s",
						         o->out_dir, s.org,
						         users[u],
						         fo ? "/.Lists" : "",
						         sub[k]);
						if ((rc = mkdirs(&s, path)))
							goto done;
					}
		}
	}

	uint64_t total = o->messages;
	if (!total && !o->target_bytes)
		total = 2000;
	/* Benign messages interleaved with scenario messages in time. */
	uint64_t i = 0;
	size_t next_sc = 0;
	unsigned next_i = 0;
	uint64_t est = total ? total : o->target_bytes / 6000 + 1;
	for (;;) {
		if (total ? i >= total : st->bytes >= o->target_bytes)
			break;
		int64_t t = START_TIME +
		            (int64_t)((double)SPAN * (double)i / (double)est);
		if (t > START_TIME + SPAN)
			t = START_TIME + SPAN;
		/* Inject scenario messages once benign time passes day 9. */
		while (next_sc < nsc && t >= START_TIME + 9 * 86400) {
			struct scenario *x = &sc[next_sc];
			if (!strcmp(x->rule, "MH-FWD-RATIO")) {
				/* Same messages as the line before it. */
				x->first = sc[next_sc - 1].first;
				x->last = sc[next_sc - 1].last;
				next_sc++;
				continue;
			}
			char dest[128];
			if (x->dest[0])
				snprintf(dest, sizeof(dest), "%s", x->dest);
			else
				user_addr(&s, x->dest_user, dest, sizeof(dest));
			rc = scenario_message(&s, x, next_i, dest);
			if (rc)
				goto done;
			st->scenario_messages++;
			if (++next_i == x->count) {
				next_i = 0;
				next_sc++;
				st->scenarios++;
			}
		}
		rc = benign(&s, t);
		if (rc)
			goto done;
		i++;
	}
	/* Small cases: inject whatever is left. */
	while (next_sc < nsc) {
		struct scenario *x = &sc[next_sc];
		if (!strcmp(x->rule, "MH-FWD-RATIO")) {
			x->first = sc[next_sc - 1].first;
			x->last = sc[next_sc - 1].last;
			next_sc++;
			continue;
		}
		char dest[128];
		if (x->dest[0])
			snprintf(dest, sizeof(dest), "%s", x->dest);
		else
			user_addr(&s, x->dest_user, dest, sizeof(dest));
		rc = scenario_message(&s, x, next_i, dest);
		if (rc)
			goto done;
		st->scenario_messages++;
		if (++next_i == x->count) {
			next_i = 0;
			next_sc++;
			st->scenarios++;
		}
	}
	rc = write_truth(&s, sc, nsc);
done:
	if (s.user_mbox)
		for (unsigned u = 0; u < s.nusers; u++) {
			int c = out_close(&s, &s.user_mbox[u]);
			if (!rc)
				rc = c;
		}
	free(s.user_mbox);
	int c1 = out_close(&s, &s.journal), c2 = out_close(&s, &s.all);
	if (!rc)
		rc = c1 ? c1 : c2;
	mh_buf_release(&s.msg);
	mh_buf_release(&s.path);
	return rc;
}
