/* sim.c - the generator behind `mailhunt simulate`: stores, benign
 * traffic, injected scenarios and the ground truth.
 *
 * Benign traffic imitates what a small organisation's mail server holds:
 * inbound and internal mail with Received chains, replies, manual
 * forwards in many languages (they look forwarded but carry no
 * auto-forward artefact), newsletters and list mail, bounces,
 * auto-replies, manual re-sends, invitations, alias deliveries, Gmail
 * X-Forwarded-Encrypted noise, body lines starting with "From ", CRLF
 * messages. Outbound mail is copied to the sender's Sent folder and to an
 * outbound gateway journal.
 *
 * Scenarios follow docs/FORWARDING.md; each one becomes one or two lines
 * of ground-truth.tsv. Their times are fixed per seed before any benign
 * message is written and they are interleaved by time.
 *
 * Determinism: one splitmix64 stream (simtext.c) drives everything; no
 * clock, no rand(), no locale. Streaming: one message in memory.
 */
#include "sim/sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/time.h"
#include "mail/date.h"
#include "sim/simaudit.h"
#include "sim/simexo.h"
#include "sim/simtext.h"

#define NELEM(a)   (sizeof(a) / sizeof((a)[0]))
#define START_TIME ((int64_t)1709251200) /* 2024-03-01T00:00:00Z */
#define DAY        ((int64_t)86400)
#define HOUR       ((int64_t)3600)

/* MARK: - people and places */

static const struct corp_user {
	const char *local, *txt;
	int enc; /* index of an encoded display name, or -1 */
} corp_users[] = {
        {"alice", "Alice Martin", -1},
        {"bob", "Bob Keller", -1},
        {"carol", "Carol Rossi", -1},
        {"dave", "Dave Jansen", -1},
        {"erin", "Erin Dubois", -1},
        {"frank", "Frank Meier", -1},
        {"grace", "Grace Lindqvist", -1},
        {"heidi", "Heidi Nielsen", -1},
        {"ivan", "Ivan Petrov", -1},
        {"judy", NULL, 11},
        {"mallory", "Mallory Brown", -1},
        {"niaj", "Niaj Patel", -1},
        {"olivia", "Olivia Costa", -1},
        {"peggy", "Peggy Moreau", -1},
        {"rupert", NULL, 12},
        {"sybil", "Sybil Larsen", -1},
        {"trent", "Trent Walker", -1},
        {"uma", "Uma Krishnan", -1},
        {"victor", "Victor Nowak", -1},
        {"walter", NULL, 13},
        {"wendy", "Wendy O'Brien", -1},
        {"yara", "Yara Haddad", -1},
        {"zoe", "Zoe Turner", -1},
        {"quinn", "Quinn Murphy", -1},
};

static const struct domain {
	const char *name, *mx, *net;
	int tz;  /* minutes east */
	int cet; /* follows Central European summer time */
} domains[] = {
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

/* MARK: - state */

struct out {
	FILE *f;
	gzFile gz;
	char *path;
};

struct user {
	char local[32];
	char addr[160];
	struct mh_simperson p;
	struct out mbox;
	unsigned delivered; /* Maildir file counter */
};

struct scenario {
	unsigned bit; /* MH_SIM_SC_*, or 0: an Exchange journal set-up */
	int how;      /* enum jhow of an Exchange journal set-up */
	const char *name;
	unsigned victim, dest_user; /* user indexes (dest_user: internal) */
	const char *dest;           /* external destination or NULL */
	unsigned count;             /* messages with artefacts */
	int keeps_original;         /* the victim's store keeps a copy */
	int64_t start, step;
	/* filled while writing */
	unsigned written;
	int64_t first, last;
};

struct scev {
	int64_t t;
	unsigned sc, i;
};

struct sim {
	const struct mh_sim_opts *o;
	struct mh_sim_stats *st;
	struct mh_err *err;
	struct mh_simgen g;
	struct mh_buf tr;   /* trace fields of the delivery being written */
	struct mh_buf part; /* a piece of trace kept for a second copy */
	struct mh_buf path;
	const char *org;
	struct user *users;
	unsigned nusers;
	struct out journal, all;
	int64_t span, end;
	uint64_t seq;
	char tenant[40];
	struct scenario sc[8];
	unsigned nsc;
};

/* MARK: - output */

static int ioerr(struct sim *s, const char *what, const char *path)
{
	return mh_err_at(s->err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
	                 "cannot %s: %s", what, strerror(errno));
}

static int mkdirs(struct sim *s, const char *path)
{
	char tmp[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return mh_err_at(s->err, MH_EINVAL, 0, path, 0, 0,
		                 "path too long");
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

static int out_open(struct sim *s, struct out *o, const char *path,
                    size_t bufsize)
{
	o->path = strdup(path);
	if (!o->path)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	if (s->o->gzip) {
		/* zlib writes a gzip header without name or time: the same
		 * bytes on every run. Level 1: generation speed first. */
		o->gz = gzopen(path, "wb1");
		if (!o->gz)
			return ioerr(s, "write", path);
		gzbuffer(o->gz, (unsigned)bufsize);
	} else {
		o->f = fopen(path, "wb");
		if (!o->f)
			return ioerr(s, "write", path);
		setvbuf(o->f, NULL, _IOFBF, bufsize);
	}
	s->st->files++;
	return MH_OK;
}

static int out_write(struct sim *s, struct out *o, const void *p, size_t n)
{
	if (!n)
		return MH_OK;
	if (o->gz) {
		if (gzwrite(o->gz, p, (unsigned)n) != (int)n) {
			errno = EIO;
			return ioerr(s, "write", o->path);
		}
	} else if (fwrite(p, 1, n, o->f) != n) {
		return ioerr(s, "write", o->path);
	}
	s->st->bytes += n;
	return MH_OK;
}

static int out_close(struct sim *s, struct out *o)
{
	int rc = MH_OK;
	if (o->f && fclose(o->f) != 0)
		rc = ioerr(s, "write", o->path);
	if (o->gz && gzclose(o->gz) != Z_OK) {
		errno = EIO;
		rc = ioerr(s, "write", o->path);
	}
	if (o->path) {
		struct stat sb;
		if (stat(o->path, &sb) == 0)
			s->st->disk_bytes += (uint64_t)sb.st_size;
	}
	o->f = NULL;
	o->gz = NULL;
	free(o->path);
	o->path = NULL;
	return rc;
}

/* Write p[0..n) quoting ">*From " at line starts (mboxrd), except the
 * lines starting at offsets in raw[] (text an mboxo writer left alone).
 * p starts at a line start. */
static int write_escaped(struct sim *s, struct out *o, const char *p, size_t n,
                         const size_t *raw, unsigned nraw)
{
	size_t pos = 0, i = 0;
	while (i + 5 <= n) {
		const char *hit = memmem(p + i, n - i, "From ", 5);
		if (!hit)
			break;
		size_t h = (size_t)(hit - p), ls = h;
		while (ls > 0 && p[ls - 1] == '>')
			ls--;
		i = h + 5;
		if (ls != 0 && p[ls - 1] != '\n')
			continue;
		int keep = 0;
		for (unsigned k = 0; k < nraw; k++)
			keep |= raw[k] == ls;
		if (keep)
			continue;
		int rc = out_write(s, o, p + pos, ls - pos);
		if (!rc)
			rc = out_write(s, o, ">", 1);
		if (rc)
			return rc;
		pos = ls;
	}
	return out_write(s, o, p + pos, n - pos);
}

static uint64_t mbox_size(struct sim *s, const char *env_from, int64_t t)
{
	(void)t;
	/* "From " sender " " 24-char date "\n" ... "\n" */
	return 5 + strlen(env_from) + 1 + 24 + 1 + s->tr.len + s->g.b.len + 1;
}

static int mbox_append(struct sim *s, struct out *o, const char *env_from,
                       int64_t t)
{
	char line[512], d[40];
	mh_simgen_asctime(t, d, sizeof(d));
	int n = snprintf(line, sizeof(line), "From %s %s\n", env_from, d);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = snprintf(line, sizeof(line), "From - %s\n", d);
	int rc = out_write(s, o, line, (size_t)n);
	if (!rc)
		rc = write_escaped(s, o, s->tr.p ? s->tr.p : "", s->tr.len,
		                   NULL, 0);
	if (!rc)
		rc = write_escaped(s, o, s->g.b.p ? s->g.b.p : "", s->g.b.len,
		                   s->g.raw_from, s->g.nraw);
	if (!rc)
		rc = out_write(s, o, "\n", 1);
	return rc;
}

static int maildir_deliver(struct sim *s, struct user *u, const char *folder,
                           int64_t t)
{
	static const char *const flags[] = {"S",  "S", "S", "S",  "RS",
	                                    "FS", "",  "S", "RS", "S"};
	size_t size = s->tr.len + s->g.b.len;
	int fresh = t > s->end - 2 * DAY && mh_simgen_below(&s->g, 2);
	const char *fl = flags[mh_simgen_below(&s->g, NELEM(flags))];
	if (folder && !strcmp(folder, "Sent"))
		fl = "S";
	mh_buf_reset(&s->path);
	mh_buf_printf(&s->path,
	              "%s/maildir/%s/%s/Maildir%s%s/%s/%lld.%llu_%u."
	              "sim.example,S=%zu%s%s",
	              s->o->out_dir, s->org, u->local, folder ? "/." : "",
	              folder ? folder : "", fresh ? "new" : "cur", (long long)t,
	              (unsigned long long)s->seq, ++u->delivered, size,
	              fresh ? "" : ":2,", fresh ? "" : fl);
	FILE *f = fopen(s->path.p, "wb");
	if (!f)
		return ioerr(s, "write", s->path.p);
	size_t w = s->tr.len ? fwrite(s->tr.p, 1, s->tr.len, f) : 0;
	w += s->g.b.len ? fwrite(s->g.b.p, 1, s->g.b.len, f) : 0;
	if (fclose(f) != 0 || w != size)
		return ioerr(s, "write", s->path.p);
	s->st->files++;
	s->st->bytes += size;
	s->st->disk_bytes += size;
	return MH_OK;
}

/* Store trace + message in user u's folder (NULL: INBOX). */
static int store_user(struct sim *s, unsigned ui, const char *folder,
                      const char *env_from, int64_t t)
{
	struct user *u = &s->users[ui];
	int rc = MH_OK;
	if (mh_simgen_failed(&s->g))
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	s->seq++;
	s->st->messages++;
	if (s->o->single_mbox) {
		s->st->case_bytes += mbox_size(s, env_from, t);
		return mbox_append(s, &s->all, env_from, t);
	}
	if (s->o->format & MH_SIM_MBOX)
		s->st->case_bytes += mbox_size(s, env_from, t);
	else
		s->st->case_bytes += s->tr.len + s->g.b.len;
	if (s->o->format & MH_SIM_MAILDIR)
		rc = maildir_deliver(s, u, folder, t);
	if (!rc && (s->o->format & MH_SIM_MBOX))
		rc = mbox_append(s, &u->mbox, env_from, t);
	return rc;
}

static int store_journal(struct sim *s, const char *env_from, int64_t t)
{
	if (mh_simgen_failed(&s->g))
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	s->seq++;
	s->st->messages++;
	s->st->case_bytes += mbox_size(s, env_from, t);
	return mbox_append(s, s->o->single_mbox ? &s->all : &s->journal,
	                   env_from, t);
}

/* MARK: - headers */

static void trace_begin(struct sim *s)
{
	mh_buf_reset(&s->tr);
	mh_simgen_target(&s->g, &s->tr);
}

static void trace_end(struct sim *s)
{
	mh_simgen_target(&s->g, NULL);
}

static unsigned long long qid(struct sim *s)
{
	return (unsigned long long)(mh_simgen_next(&s->g) >> 24);
}

/* A user's client submitting to the organisation's server. */
static void trace_submission(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	char d[80];
	mh_simgen_date(t, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_addf(g,
	               "Received: from [10.20.%u.%u] (vpn-%u.%s "
	               "[10.20.%u.%u])",
	               mh_simgen_below(g, 8), 2 + mh_simgen_below(g, 250),
	               mh_simgen_below(g, 900), s->org, mh_simgen_below(g, 8),
	               2 + mh_simgen_below(g, 250));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mail.%s (Postfix) with ESMTPSA id %010llX; %s",
	               s->org, qid(s), d);
	mh_simgen_eol(g);
}

/* Fields a receiving server adds on top (into the current target):
 * Return-Path and Delivered-To (with_envelope), the LMTP hop and the hop
 * from the sending domain's MX (dom), or the submission (dom NULL). */
static void trace_inbound(struct sim *s, const char *env_from, const char *rcpt,
                          const struct domain *dom, int64_t t,
                          int with_envelope)
{
	struct mh_simgen *g = &s->g;
	char d[80];
	int cet = mh_simgen_zone_cet(t);
	if (with_envelope) {
		mh_simgen_fieldf(g, "Return-Path", "<%s>", env_from);
		mh_simgen_field(g, "Delivered-To", rcpt);
	}
	mh_simgen_date(t, cet, 0, d, sizeof(d));
	mh_simgen_addf(g, "Received: from mx1.%s (mx1.%s [192.0.2.10])", s->org,
	               s->org);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mail.%s (Postfix) with LMTP id %010llX", s->org,
	               qid(s));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tfor <%s>; %s", rcpt, d);
	mh_simgen_eol(g);
	int64_t t2 = t - 1 - (int64_t)mh_simgen_below(g, 20);
	mh_simgen_date(t2, cet, 0, d, sizeof(d));
	if (dom) {
		unsigned ip = 2 + mh_simgen_below(g, 250);
		mh_simgen_addf(g, "Received: from %s (%s [%s.%u])", dom->mx,
		               dom->mx, dom->net, ip);
		mh_simgen_eol(g);
		mh_simgen_add(g, "\t(using TLSv1.3 with cipher "
		                 "TLS_AES_256_GCM_SHA384 (256/256 bits))");
		mh_simgen_eol(g);
		mh_simgen_addf(g,
		               "\tby mx1.%s (Postfix) with ESMTPS id %010llX",
		               s->org, qid(s));
		mh_simgen_eol(g);
		mh_simgen_addf(g, "\tfor <%s>; %s", rcpt, d);
		mh_simgen_eol(g);
		if (mh_simgen_below(g, 2)) {
			int tz = dom->cet ? mh_simgen_zone_cet(t) : dom->tz;
			int64_t t3 = t2 - 20 - (int64_t)mh_simgen_below(g, 200);
			mh_simgen_date(t3, tz, 0, d, sizeof(d));
			mh_simgen_addf(g,
			               "Received: from [10.%u.%u.%u] (unknown "
			               "[%s.%u])",
			               mh_simgen_below(g, 256),
			               mh_simgen_below(g, 256),
			               2 + mh_simgen_below(g, 250), dom->net,
			               ip);
			mh_simgen_eol(g);
			mh_simgen_addf(g,
			               "\tby %s (Submission) with ESMTPSA id "
			               "%010llX; %s",
			               dom->mx, qid(s), d);
			mh_simgen_eol(g);
		}
		mh_simgen_addf(g,
		               "Authentication-Results: mx1.%s; dkim=pass "
		               "header.d=%s; spf=pass smtp.mailfrom=%s",
		               s->org, dom->name, dom->name);
		mh_simgen_eol(g);
	} else {
		trace_submission(s, t2);
	}
}

/* DKIM-Signature of a sending domain (in the message: it is signed at
 * the origin). */
static void dkim(struct sim *s, const char *domain)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                          "opqrstuvwxyz0123456789+/";
	struct mh_simgen *g = &s->g;
	char sig[3][65];
	for (int l = 0; l < 3; l++) {
		for (int i = 0; i < 64; i++)
			sig[l][i] = b64[mh_simgen_next(g) & 63];
		sig[l][64] = '\0';
	}
	mh_simgen_addf(g,
	               "DKIM-Signature: v=1; a=rsa-sha256; "
	               "c=relaxed/relaxed; d=%s; s=sel%u;",
	               domain, 1 + mh_simgen_below(g, 2));
	mh_simgen_eol(g);
	mh_simgen_add(g, "\th=from:to:subject:date:message-id:mime-version;");
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tbh=%.43s=;", sig[0]);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tb=%s", sig[1]);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\t %s", sig[2]);
	mh_simgen_eol(g);
}

enum mua { MUA_OUTLOOK, MUA_THUNDERBIRD, MUA_GMAIL, MUA_APPLE, MUA_OTHER };

struct compose {
	const struct mh_simperson *from;
	const struct mh_simperson *to[3], *cc[3];
	unsigned nto, ncc;
	const char *subject;
	int64_t date;
	int tz;
	enum mua mua;
	const char *in_reply_to; /* without brackets, or NULL */
	char msgid[160];         /* out: generated, without brackets */
};

static void make_msgid(struct sim *s, struct compose *c)
{
	struct mh_simgen *g = &s->g;
	const char *at = strchr(c->from->addr, '@');
	const char *dom = at ? at + 1 : "sim.example";
	unsigned long long a = mh_simgen_next(g), b = mh_simgen_next(g);
	switch (c->mua) {
	case MUA_OUTLOOK:
		snprintf(c->msgid, sizeof(c->msgid), "%016llX%04llX@EX%02u.%s",
		         a, b & 0xffff, (unsigned)(b >> 60), dom);
		break;
	case MUA_GMAIL:
		snprintf(c->msgid, sizeof(c->msgid),
		         "CA+%013llx%013llxQ@mail.gmail.example",
		         a & 0xfffffffffffffULL, b & 0xfffffffffffffULL);
		break;
	case MUA_APPLE:
		snprintf(c->msgid, sizeof(c->msgid),
		         "%08llX-%04llX-%04llX-%04llX-%012llX@%s", a >> 32,
		         (a >> 16) & 0xffff, a & 0xffff, b >> 48,
		         b & 0xffffffffffffULL, dom);
		break;
	default:
		snprintf(c->msgid, sizeof(c->msgid), "%08llx-%04llx-%04llx@%s",
		         a >> 32, (a >> 16) & 0xffff, b & 0xffff, dom);
	}
}

/* Outlook's Thread-Topic: the subject without "Re: "/"FW: " tags. */
static const char *thread_topic(const char *subj)
{
	for (int k = 0; k < 3; k++) {
		size_t n = 0;
		while (n < 7 && ((subj[n] >= 'A' && subj[n] <= 'Z') ||
		                 (subj[n] >= 'a' && subj[n] <= 'z')))
			n++;
		if (n == 0 || n == 7 || subj[n] != ':' || subj[n + 1] != ' ')
			break;
		subj += n + 2;
	}
	return subj;
}

/* The originator fields of a message, up to (not including) the body's
 * Content-Type. */
static void originator(struct sim *s, struct compose *c)
{
	struct mh_simgen *g = &s->g;
	char d[80];
	mh_simgen_date(c->date, c->tz, mh_simgen_below(g, 4), d, sizeof(d));
	make_msgid(s, c);
	if (c->mua == MUA_OUTLOOK) {
		mh_simgen_addr_field(g, "From", &c->from, 1);
		mh_simgen_addr_field(g, "To", c->to, c->nto);
		if (c->ncc)
			mh_simgen_addr_field(g, "CC", c->cc, c->ncc);
		mh_simgen_field(g, "Subject", c->subject);
		mh_simgen_field(g, "Thread-Topic", thread_topic(c->subject));
		mh_simgen_fieldf(g, "Thread-Index", "AdpY%016llXw==",
		                 (unsigned long long)mh_simgen_next(g));
		mh_simgen_field(g, "Date", d);
		mh_simgen_fieldf(g, "Message-ID", "<%s>", c->msgid);
		if (c->in_reply_to) {
			mh_simgen_fieldf(g, "References", "<%s>",
			                 c->in_reply_to);
			mh_simgen_fieldf(g, "In-Reply-To", "<%s>",
			                 c->in_reply_to);
		}
		mh_simgen_field(g, "Accept-Language", "en-US, de-DE");
		mh_simgen_field(g, "Content-Language", "en-US");
		mh_simgen_field(g, "X-MS-Has-Attach", "");
		mh_simgen_field(g, "X-MS-Exchange-Organization-SCL", "-1");
		mh_simgen_field(g, "MIME-Version", "1.0");
		return;
	}
	mh_simgen_field(g, "Date", d);
	mh_simgen_addr_field(g, "From", &c->from, 1);
	mh_simgen_addr_field(g, "To", c->to, c->nto);
	if (c->ncc)
		mh_simgen_addr_field(g, "Cc", c->cc, c->ncc);
	mh_simgen_field(g, "Subject", c->subject);
	mh_simgen_fieldf(g, "Message-ID", "<%s>", c->msgid);
	if (c->in_reply_to) {
		mh_simgen_fieldf(g, "In-Reply-To", "<%s>", c->in_reply_to);
		mh_simgen_fieldf(g, "References", "<%s>", c->in_reply_to);
	}
	mh_simgen_field(g, "MIME-Version", "1.0");
	switch (c->mua) {
	case MUA_THUNDERBIRD:
		mh_simgen_field(g, "User-Agent",
		                "Mozilla Thunderbird 115.8.1 (Windows)");
		break;
	case MUA_APPLE:
		mh_simgen_field(g, "X-Mailer",
		                "Apple Mail (2.3774.500.171.1.1)");
		break;
	case MUA_GMAIL:
		mh_simgen_fieldf(g, "X-Gm-Message-State", "AOJu0Y%016llx",
		                 (unsigned long long)mh_simgen_next(g));
		break;
	default: break;
	}
}

/* MARK: - people helpers */

struct ext {
	char addr[160];
	struct mh_simperson p;
	const struct domain *dom;
};

static void pick_contact(struct sim *s, struct ext *e)
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

static int ext_tz(const struct ext *e, int64_t t)
{
	return e->dom->cet ? mh_simgen_zone_cet(t) : e->dom->tz;
}

static unsigned other_user(struct sim *s, unsigned u)
{
	unsigned v = mh_simgen_below(&s->g, s->nusers - 1);
	return v >= u ? v + 1 : v;
}

static enum mua corp_mua(struct sim *s)
{
	unsigned r = mh_simgen_below(&s->g, 10);
	return r < 7 ? MUA_OUTLOOK : r < 9 ? MUA_THUNDERBIRD : MUA_APPLE;
}

static enum mua ext_mua(struct sim *s)
{
	return (enum mua)mh_simgen_below(&s->g, 5);
}

static unsigned body_flags(struct sim *s)
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

static unsigned n_attachments(struct sim *s)
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
	pick_contact(s, &e);
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
		cc = other_user(s, u);
		c.cc[0] = &s->users[cc].p;
		c.ncc = 1;
	}
	c.date = t - 30 - (int64_t)mh_simgen_below(g, 600);
	c.tz = ext_tz(&e, c.date);
	c.mua = ext_mua(s);
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
		dkim(s, e.dom->name);
	originator(s, &c);
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
	bd.flags = body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 6);
	bd.attachments = n_attachments(s);
	bd.signer = e.p.txt;
	bd.org = e.dom->name;
	if (reply) {
		bd.orig = &orig;
		bd.quote = 1;
	}
	mh_simgen_body(g, &bd);

	const char *folder = archive_or_inbox(s, t);
	trace_begin(s);
	trace_inbound(s, e.addr, s->users[u].addr, e.dom, t, 1);
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
	trace_end(s);
	int rc = store_user(s, u, folder, e.addr, t);
	if (rc || cc == u || room < 2)
		return rc;
	trace_begin(s);
	trace_inbound(s, e.addr, s->users[cc].addr, e.dom, t, 1);
	trace_end(s);
	return store_user(s, cc, folder, e.addr, t);
}

/* A user writes to colleagues: a copy in each inbox and in Sent. */
static int ev_internal(struct sim *s, int64_t t, uint64_t room)
{
	struct mh_simgen *g = &s->g;
	if (s->nusers < 2)
		return MH_OK;
	unsigned u = mh_simgen_below(g, s->nusers), v = other_user(s, u);
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
	originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 4);
	bd.attachments = n_attachments(s);
	bd.signer = s->users[u].p.txt;
	bd.org = s->org;
	mh_simgen_body(g, &bd);
	trace_begin(s);
	trace_inbound(s, s->users[u].addr, s->users[v].addr, NULL, t, 1);
	trace_end(s);
	int rc = store_user(s, v, archive_or_inbox(s, t), s->users[u].addr, t);
	if (rc || room < 2)
		return rc;
	mh_buf_reset(&s->tr);
	return store_user(s, u, "Sent", s->users[u].addr, c.date);
}

static void fill_orig(struct sim *s, struct mh_simorig *o,
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
	unsigned from_u = internal ? other_user(s, u) : u;
	pick_contact(s, &e);
	pick_contact(s, &o);
	const struct mh_simfwd *fs = mh_simgen_fwd_style(g);
	struct mh_simorig orig;
	fill_orig(s, &orig, &o.p, internal ? &s->users[from_u].p : &e.p, t);
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
	c.tz = internal ? mh_simgen_zone_cet(c.date) : ext_tz(&e, c.date);
	c.mua = internal ? corp_mua(s) : ext_mua(s);
	originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 2);
	bd.fwd = fs;
	bd.orig = &orig;
	if (mh_simgen_below(g, 4) == 0)
		bd.flags |= MH_SIMBODY_RFC822;
	bd.attachments = mh_simgen_below(g, 5) == 0;
	bd.signer = c.from->txt;
	bd.org = internal ? s->org : e.dom->name;
	mh_simgen_body(g, &bd);
	trace_begin(s);
	trace_inbound(s, c.from->addr, s->users[u].addr,
	              internal ? NULL : e.dom, t, 1);
	trace_end(s);
	return store_user(s, u, archive_or_inbox(s, t), c.from->addr, t);
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
	               s->org, qid(s));
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
	pick_contact(s, &e);
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
	bd.flags = body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 4);
	bd.signer = s->users[u].p.txt;
	bd.org = s->org;
	int autoreply = 0;
	if (kind < 4) {
		snprintf(subj, sizeof(subj), "%s", topic->enc);
		bd.attachments = n_attachments(s);
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
		orig.tz = ext_tz(&e, orig.t);
		bd.orig = &orig;
		bd.quote = 1;
	} else if (kind < 9) {
		pick_contact(s, &o);
		fs = mh_simgen_fwd_style(g);
		fill_orig(s, &orig, &o.p, &s->users[u].p, t);
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
	originator(s, &c);
	mh_simgen_body(g, &bd);
	int rc = MH_OK;
	if (!autoreply && room >= 2) {
		mh_buf_reset(&s->tr);
		rc = store_user(s, u, "Sent", s->users[u].addr, c.date);
	}
	if (rc)
		return rc;
	trace_begin(s);
	trace_outbound(s, e.addr, t);
	trace_submission(s, c.date);
	trace_end(s);
	return store_journal(s, s->users[u].addr, t);
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
	pick_contact(s, &e);
	struct compose c = {0};
	mh_simgen_reset(g);
	if (l->discussion) {
		snprintf(subj, sizeof(subj), "[%s] %s%s", l->name,
		         mh_simgen_below(g, 2) ? "Re: " : "", topic->enc);
		c.from = s->nusers < 2 || mh_simgen_below(g, 2)
		                 ? &e.p
		                 : &s->users[other_user(s, u)].p;
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
	originator(s, &c);
	mh_simgen_fieldf(g, "List-Id", "%s", id);
	mh_simgen_fieldf(g, "List-Unsubscribe",
	                 "<%s>, <mailto:%s?subject=unsubscribe>", unsub,
	                 bounce);
	if (l->discussion) {
		mh_simgen_fieldf(g, "List-Post", "<mailto:%s>", from);
		mh_simgen_field(g, "Precedence", "list");
		struct mh_simbody bd = {0};
		bd.flags = body_flags(s) & ~(unsigned)MH_SIMBODY_HTML;
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
	trace_begin(s);
	if (l->discussion)
		mh_simgen_field(g, "X-Original-To", from);
	trace_inbound(s, bounce, s->users[u].addr, &ld, t, 1);
	trace_end(s);
	return store_user(s, u, "Lists", bounce, t);
}

/* A bounce for a message the user sent to a mistyped address. */
static int ev_bounce(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	pick_contact(s, &e);
	char bad[200], mta[200], d[80], subj[600];
	snprintf(bad, sizeof(bad), "x%s", e.addr); /* the typo */
	snprintf(mta, sizeof(mta), "mx-out.%s", s->org);
	const char *remote = e.dom->mx;
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	mh_simgen_reset(g);
	/* The original header block quoted in the report, built first in
	 * the trace buffer (free at this point). */
	trace_begin(s);
	mh_simgen_date(t - 120, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_field(g, "From", s->users[u].addr);
	mh_simgen_field(g, "To", bad);
	mh_simgen_field(g, "Subject", topic->enc);
	mh_simgen_field(g, "Date", d);
	mh_simgen_fieldf(g, "Message-ID", "<%016llx@EX01.%s>",
	                 (unsigned long long)mh_simgen_next(g), s->org);
	trace_end(s);
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
	originator(s, &c);
	mh_simgen_body_bounce(g, mta, remote, bad, s->tr.p ? s->tr.p : "",
	                      s->tr.len, t);
	/* Generated by the outbound relay, delivered like inbound mail. */
	trace_begin(s);
	mh_simgen_field(g, "Return-Path", "<>");
	mh_simgen_field(g, "Delivered-To", s->users[u].addr);
	mh_simgen_date(t, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_addf(g, "Received: from %s (%s [192.0.2.26])", mta, mta);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mail.%s (Postfix) with ESMTPS id %010llX",
	               s->org, qid(s));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tfor <%s>; %s", s->users[u].addr, d);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "Received: by %s (Postfix) id %010llX; %s", mta,
	               qid(s), d);
	mh_simgen_eol(g);
	trace_end(s);
	return store_user(s, u, NULL, "MAILER-DAEMON", t);
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
	pick_contact(s, &e);
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
	c.tz = ext_tz(&e, c.date);
	c.mua = MUA_OUTLOOK;
	mh_simgen_field(g, "Auto-Submitted", "auto-replied");
	if (mh_simgen_below(g, 2))
		mh_simgen_field(g, "X-Autoreply", "yes");
	else
		mh_simgen_field(g, "X-Autorespond", "yes");
	originator(s, &c);
	struct mh_simbody bd = {0};
	bd.paragraphs = 1;
	mh_simgen_body(g, &bd);
	trace_begin(s);
	trace_inbound(s, e.addr, s->users[u].addr, e.dom, t, 1);
	trace_end(s);
	return store_user(s, u, NULL, e.addr, t);
}

/* A colleague re-sends ("bounce"/redirect in the mail client) a message
 * by hand: Resent-* fields, no automatic marker. */
static int ev_resend(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	if (s->nusers < 2)
		return MH_OK;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers), v = other_user(s, u);
	pick_contact(s, &e);
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
	c.tz = ext_tz(&e, c.date);
	c.mua = ext_mua(s);
	originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 3);
	bd.attachments = n_attachments(s);
	bd.signer = e.p.txt;
	bd.org = e.dom->name;
	mh_simgen_body(g, &bd);
	trace_begin(s);
	trace_inbound(s, s->users[v].addr, s->users[u].addr, NULL, t, 1);
	trace_end(s);
	return store_user(s, u, NULL, s->users[v].addr, t);
}

static int ev_invite(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	pick_contact(s, &e);
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
	c.tz = ext_tz(&e, c.date);
	c.mua = MUA_OUTLOOK;
	originator(s, &c);
	mh_simgen_body_invite(g, e.addr, s->users[u].addr, topic->txt,
	                      t + DAY * (1 + mh_simgen_below(g, 14)));
	trace_begin(s);
	trace_inbound(s, e.addr, s->users[u].addr, e.dom, t, 1);
	trace_end(s);
	return store_user(s, u, NULL, e.addr, t);
}

/* Mail to a user's address at the old company domain, delivered by an
 * alias: X-Original-To and Delivered-To differ in domain. A delivered
 * chain alone is never forwarding (docs/FORWARDING.md). */
static int ev_alias(struct sim *s, int64_t t)
{
	struct mh_simgen *g = &s->g;
	struct ext e;
	unsigned u = mh_simgen_below(g, s->nusers);
	pick_contact(s, &e);
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
	c.tz = ext_tz(&e, c.date);
	c.mua = ext_mua(s);
	originator(s, &c);
	struct mh_simbody bd = {0};
	bd.flags = body_flags(s);
	bd.paragraphs = 1 + mh_simgen_below(g, 3);
	bd.signer = e.p.txt;
	bd.org = e.dom->name;
	mh_simgen_body(g, &bd);
	trace_begin(s);
	mh_simgen_field(g, "X-Original-To", legacy);
	trace_inbound(s, e.addr, s->users[u].addr, e.dom, t, 1);
	trace_end(s);
	return store_user(s, u, NULL, e.addr, t);
}

static int benign(struct sim *s, int64_t t, uint64_t room)
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
	trace_begin(s);
	mh_simgen_fieldf(g, "Return-Path", "<%s>", e->addr);
	mh_simgen_field(g, "Delivered-To", s->users[x->victim].addr);
	mh_simgen_addn(g, s->part.p, s->part.len);
	trace_end(s);
	return store_user(s, x->victim, NULL, e->addr, t);
}

/* The message a victim receives: ordinary inbound mail. Composed in
 * g.b; its inbound Received chain (without envelope) left in s->part. */
static void sc_original(struct sim *s, struct scenario *x, unsigned i,
                        int64_t t, struct ext *e, struct compose *c, char *subj,
                        size_t subjn, const char **subj_txt)
{
	struct mh_simgen *g = &s->g;
	struct user *v = &s->users[x->victim];
	pick_contact(s, e);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	struct mh_simbody bd = {0};
	struct mh_simorig orig;
	struct ext o; /* orig.from points here: same scope as bd */
	const struct mh_simfwd *fs = NULL;
	/* ForwardingSmtpAddress: 2 of 40 originals are themselves manual
	 * forwards, so a few copies look forwarded (5 %, below 10 %). */
	if (x->bit == MH_SIM_SC_FWD_SMTP && i % 20 == 7) {
		pick_contact(s, &o);
		fs = mh_simgen_fwd_style(g);
		fill_orig(s, &orig, &o.p, &e->p, t);
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
	c->tz = ext_tz(e, c->date);
	c->mua = ext_mua(s);
	originator(s, c);
	bd.flags = body_flags(s) & ~(unsigned)MH_SIMBODY_FROMS;
	bd.paragraphs = 1 + mh_simgen_below(g, 4);
	bd.attachments = n_attachments(s);
	bd.signer = e->p.txt;
	bd.org = e->dom->name;
	mh_simgen_body(g, &bd);
	mh_buf_reset(&s->part);
	mh_simgen_target(g, &s->part);
	trace_inbound(s, e->addr, v->addr, e->dom, t, 0);
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
	originator(s, &c);
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
	trace_begin(s);
	if (x->dest) {
		mh_simgen_field(g, "X-Original-To", dest);
		mh_simgen_field(g, "Delivered-To", dest);
		exchange_hops(s, "mx-out", t + 1);
	} else {
		mh_simgen_fieldf(g, "Return-Path", "<%s>", v->addr);
		mh_simgen_field(g, "Delivered-To", dest);
		exchange_hops(s, "EX02", t + 1);
	}
	trace_end(s);
	sc_seen(x, t + 1);
	s->st->scenario_messages++;
	if (x->dest)
		return store_journal(s, v->addr, t + 1);
	return store_user(s, x->dest_user, NULL, v->addr, t + 1);
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
	trace_begin(s);
	mh_simgen_field(g, "X-Original-To", dest);
	mh_simgen_field(g, "Delivered-To", dest);
	exchange_hops(s, "mx-out", t + 2);
	mh_simgen_field(g, "X-MS-Exchange-Organization-AutoForwarded", "true");
	mh_simgen_fieldf(g, "X-MS-Exchange-ForwardingLoop", "%s;%s", v->addr,
	                 s->tenant);
	exchange_org_fields(s);
	mh_simgen_addn(g, s->part.p, s->part.len);
	trace_end(s);
	sc_seen(x, t + 2);
	s->st->scenario_messages++;
	return store_journal(s, e.addr, t + 2);
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
	trace_begin(s);
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
	trace_end(s);
	sc_seen(x, t + 3);
	s->st->scenario_messages++;
	return store_journal(s, caf, t + 3);
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
	trace_begin(s);
	mh_simgen_field(g, "X-Original-To", dest);
	mh_simgen_field(g, "Delivered-To", dest);
	mh_simgen_date(t + 1, mh_simgen_zone_cet(t), 0, d, sizeof(d));
	mh_simgen_addf(g, "Received: from mail.%s (mail.%s [192.0.2.25])",
	               s->org, s->org);
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tby mx-out.%s (Postfix) with ESMTPS id %010llX",
	               s->org, qid(s));
	mh_simgen_eol(g);
	mh_simgen_addf(g, "\tfor <%s>; %s", dest, d);
	mh_simgen_eol(g);
	mh_simgen_field(g, "X-Sieve", "Pigeonhole Sieve 0.5.21 (f6cd4b7e)");
	mh_simgen_field(g, "X-Sieve-Redirected-From", v->addr);
	mh_simgen_field(g, "Delivered-To", v->addr);
	mh_simgen_addn(g, s->part.p, s->part.len);
	trace_end(s);
	sc_seen(x, t + 1);
	s->st->scenario_messages++;
	return store_journal(s, e.addr, t + 1);
}

static int sc_message(struct sim *s, struct scenario *x, unsigned i, int64_t t)
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

static void journal_setups(struct sim *s)
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
	unsigned v = other_user(s, u);
	const struct mh_simword *topic = mh_simgen_topic(g, 1);
	int inbound = kind < 45, internal = kind >= 80;
	int reply = mh_simgen_below(g, 3) == 0;
	/* Manual "FW:" by a user: looks forwarded, no artefact. Never on
	 * mail a set-up re-sends (its copies must not look forwarded). */
	int manual_fwd = !inbound && !to_victim && mh_simgen_below(g, 20) == 0;
	pick_contact(s, e);
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
	c->tz = inbound ? ext_tz(e, c->date) : mh_simgen_zone_cet(c->date);
	c->mua = inbound ? ext_mua(s) : MUA_OUTLOOK;
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
		dkim(s, e->dom->name);
	originator(s, c);
	struct mh_simexo_body bd;
	journal_body(s, &bd, c->from->txt ? c->from->txt : c->from->addr,
	             inbound ? e->dom->name : s->org);
	if (manual_fwd || reply) {
		bd.orig = &m->orig;
		bd.fwd = manual_fwd;
	}
	mh_simexo_body(g, &bd);

	trace_begin(s);
	journal_trace(s, NULL, inbound ? e->dom->mx : "EX01.corp.example",
	              e->dom->name, inbound, t);
	trace_end(s);
	return store_journal(s, c->from->addr, t);
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
		originator(s, &c);
		struct mh_simexo_body bd;
		journal_body(s, &bd, v->p.txt, s->org);
		bd.paragraphs = 1;
		bd.orig = &orig;
		bd.fwd = 1;
		mh_simexo_body(g, &bd);
	}
	trace_begin(s);
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
	trace_end(s);
	sc_seen(x, t);
	s->st->scenario_messages++;
	return store_journal(s, x->how == J_RULE_FWD ? v->addr : e->addr, t);
}

/* One event: an ordinary message, or (one in nine events, so that one
 * message in ten is a copy) a message to a forwarding mailbox and the
 * copy its set-up makes. */
static int journal_event(struct sim *s, int64_t t, uint64_t room)
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

static int write_truth(struct sim *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/ground-truth.tsv", s->o->out_dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return ioerr(s, "write", path);
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
		return ioerr(s, "write", path);
	s->st->files++;
	return MH_OK;
}

/* MARK: - driver */

void mh_sim_opts_default(struct mh_sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->format = MH_SIM_MAILDIR;
	o->mailboxes = 8;
	o->scenarios = MH_SIM_SC_ALL;
	o->audit = MH_SIM_AUDIT_WITH;
}

static int setup_users(struct sim *s)
{
	s->users = calloc(s->nusers, sizeof(*s->users));
	if (!s->users)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	for (unsigned i = 0; i < s->nusers; i++) {
		const struct corp_user *c = &corp_users[i % NELEM(corp_users)];
		struct user *u = &s->users[i];
		unsigned gen = i / (unsigned)NELEM(corp_users);
		if (gen)
			snprintf(u->local, sizeof(u->local), "%s%u", c->local,
			         gen + 1);
		else
			snprintf(u->local, sizeof(u->local), "%s", c->local);
		snprintf(u->addr, sizeof(u->addr), "%s@%s", u->local, s->org);
		u->p.addr = u->addr;
		u->p.txt = c->txt;
		if (c->enc >= 0) {
			const struct mh_simword *w =
			        mh_simgen_name_enc((unsigned)c->enc);
			u->p.txt = w->txt;
			u->p.hdr = w->enc;
		}
	}
	return MH_OK;
}

static int setup_stores(struct sim *s)
{
	const struct mh_sim_opts *o = s->o;
	const char *gz = o->gzip ? ".gz" : "";
	char path[4096];
	int rc;
	if (o->single_mbox) {
		snprintf(path, sizeof(path), "%s/mbox", o->out_dir);
		if ((rc = mkdirs(s, path)))
			return rc;
		snprintf(path, sizeof(path), "%s/mbox/all.mbox%s", o->out_dir,
		         gz);
		return out_open(s, &s->all, path, (size_t)4 << 20);
	}
	snprintf(path, sizeof(path), "%s/journal", o->out_dir);
	if ((rc = mkdirs(s, path)))
		return rc;
	snprintf(path, sizeof(path), "%s/journal/outbound.mbox%s", o->out_dir,
	         gz);
	if ((rc = out_open(s, &s->journal, path, (size_t)1 << 20)))
		return rc;
	if (o->format & MH_SIM_MBOX) {
		/* Many open files: keep their buffers modest. */
		size_t bs = s->nusers > 64 ? (size_t)64 << 10 : (size_t)1 << 20;
		snprintf(path, sizeof(path), "%s/mbox", o->out_dir);
		if ((rc = mkdirs(s, path)))
			return rc;
		for (unsigned u = 0; u < s->nusers; u++) {
			snprintf(path, sizeof(path), "%s/mbox/%s.mbox%s",
			         o->out_dir, s->users[u].addr, gz);
			if ((rc = out_open(s, &s->users[u].mbox, path, bs)))
				return rc;
		}
	}
	if (!(o->format & MH_SIM_MAILDIR))
		return MH_OK;
	static const char *const folders[] = {"", "/.Sent", "/.Archive",
	                                      "/.Lists"};
	static const char *const sub[] = {"cur", "new", "tmp"};
	for (unsigned u = 0; u < s->nusers; u++) {
		for (size_t fo = 0; fo < NELEM(folders); fo++) {
			for (size_t k = 0; k < NELEM(sub); k++) {
				snprintf(path, sizeof(path),
				         "%s/maildir/%s/%s/Maildir%s/%s",
				         o->out_dir, s->org, s->users[u].local,
				         folders[fo], sub[k]);
				if ((rc = mkdirs(s, path)))
					return rc;
			}
			/* Dovecot's marker files: not mail, must be
			 * ignored by readers. */
			snprintf(path, sizeof(path),
			         "%s/maildir/%s/%s/Maildir%s/%s", o->out_dir,
			         s->org, s->users[u].local, folders[fo],
			         fo ? "maildirfolder" : "subscriptions");
			FILE *f = fopen(path, "wb");
			if (!f)
				return ioerr(s, "write", path);
			if (!fo)
				fputs("Sent\nArchive\nLists\n", f);
			if (fclose(f) != 0)
				return ioerr(s, "write", path);
			s->st->files++;
		}
	}
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
static int plan_scenarios(struct sim *s, struct scev **out, size_t *n,
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

static int check_opts(const struct mh_sim_opts *o, struct mh_err *err)
{
	if (!o->out_dir || !*o->out_dir)
		return mh_err_set(err, MH_EINVAL, "no output directory");
	if (o->exchange_journal && (o->scenarios & MH_SIM_SC_ALL))
		return mh_err_set(err, MH_EINVAL,
		                  "the Exchange journal has its own forwarding "
		                  "set-ups: no scenarios with it");
	if (o->exchange_journal && o->audit == MH_SIM_AUDIT_ONLY)
		return mh_err_set(err, MH_EINVAL,
		                  "the Exchange journal has no audit logs");
	unsigned min =
	        (o->scenarios & MH_SIM_SC_ALL) || o->exchange_journal ? 8 : 1;
	if (o->mailboxes < min || o->mailboxes > MH_SIM_MAILBOXES_MAX)
		return mh_err_set(
		        err, MH_EINVAL, "mailboxes must be %u..%u%s, not %u",
		        min, MH_SIM_MAILBOXES_MAX,
		        min > 1 ? " with scenarios" : "", o->mailboxes);
	if (o->org_domain &&
	    (!*o->org_domain || strpbrk(o->org_domain, "/@ \t\r\n<>\"") ||
	     strlen(o->org_domain) > 100))
		return mh_err_set(err, MH_EINVAL,
		                  "bad organisation domain '%s'",
		                  o->org_domain);
	return MH_OK;
}

/* The audit logs of the same case (simaudit.h): the same people, time
 * span and scenarios. */
static int write_audit(struct sim *s)
{
	const struct mh_sim_opts *o = s->o;
	struct mh_simaudit_user *users = calloc(s->nusers, sizeof(*users));
	struct mh_simaudit_mail mail[8];
	unsigned nmail = 0;
	if (!users)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	for (unsigned i = 0; i < s->nusers; i++) {
		users[i].local = s->users[i].local;
		users[i].addr = s->users[i].addr;
		users[i].name = s->users[i].p.txt;
	}
	for (unsigned k = 0; k < s->nsc && nmail < 8; k++) {
		const struct scenario *x = &s->sc[k];
		if (!x->bit)
			continue;
		mail[nmail].bit = x->bit;
		mail[nmail].victim = x->victim;
		mail[nmail].dest_user = x->dest_user;
		mail[nmail].dest = x->dest;
		mail[nmail].start = x->start;
		nmail++;
	}
	struct mh_simaudit_opts ao = {
	        .seed = o->seed,
	        .out_dir = o->out_dir,
	        .org = s->org,
	        .users = users,
	        .nusers = s->nusers,
	        .start = START_TIME,
	        .end = s->end,
	        .scenarios = o->scenarios,
	        .mail = mail,
	        .nmail = nmail,
	        .records = o->audit_records,
	        .target_bytes = o->audit_bytes,
	        .formats = o->audit_formats,
	};
	struct mh_simaudit_stats ast;
	int rc = mh_simaudit_run(&ao, &ast, s->err);
	s->st->files += ast.files;
	s->st->audit_records = ast.records;
	s->st->audit_written = ast.written;
	s->st->audit_bytes = ast.bytes;
	s->st->audit_planted = ast.planted;
	s->st->audit_scenarios = ast.activities;
	s->st->audit_truth_lines = ast.truth_lines;
	free(users);
	return rc;
}

int mh_sim_run(const struct mh_sim_opts *o, struct mh_sim_stats *st,
               struct mh_err *err)
{
	struct sim s;
	struct mh_sim_stats dummy;
	struct scev *plan = NULL;
	size_t nplan = 0, next = 0;
	uint64_t reserved = 0;
	int rc;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	if ((rc = check_opts(o, err)))
		return rc;
	s.o = o;
	s.st = st;
	s.err = err;
	s.org = o->org_domain ? o->org_domain : "corp.example";
	s.nusers = o->mailboxes;
	mh_simgen_init(&s.g, o->seed ^ 0x6d61696c68756e74ULL); /* "mailhunt" */
	mh_buf_init(&s.tr, (size_t)1 << 20);
	mh_buf_init(&s.part, (size_t)1 << 20);
	mh_buf_init(&s.path, 8192);
	struct mh_sim_opts copy = *o;
	if (!(copy.format & MH_SIM_BOTH))
		copy.format = MH_SIM_MAILDIR;
	if (copy.exchange_journal) {
		copy.single_mbox = 1;
		copy.format = MH_SIM_MBOX;
	}
	s.o = &copy;

	int audit_only = o->audit == MH_SIM_AUDIT_ONLY;
	if ((rc = mkdirs(&s, o->out_dir)) || (rc = setup_users(&s)) ||
	    (!audit_only && (rc = setup_stores(&s))) ||
	    (rc = plan_scenarios(&s, &plan, &nplan, &reserved)))
		goto done;
	if (copy.exchange_journal)
		journal_setups(&s);

	/* Count mode: exactly `messages` stored messages in the end. Size
	 * mode: until one copy of the case reaches target_bytes. */
	uint64_t budget = 0;
	int by_size = !o->messages && o->target_bytes;
	if (!by_size) {
		uint64_t want = o->messages ? o->messages : 2000;
		budget = want > reserved ? want - reserved : 0;
	}
	/* About 40 messages per user and day, at least a month. */
	uint64_t est =
	        by_size ? o->target_bytes /
	                                  (o->exchange_journal ? 28000 : 9000) +
	                          1
	                : budget + 1;
	uint64_t days = est / ((uint64_t)s.nusers * 40) + 1;
	if (days < 30)
		days = 30;
	if (audit_only && o->audit_bytes) {
		/* About 1.3 KB a record, 150 records per user and day. */
		days = o->audit_bytes / 1300 / ((uint64_t)s.nusers * 150) + 1;
		if (days < 30)
			days = 30;
	}
	if (days > 730)
		days = 730;
	s.span = (int64_t)days * DAY;
	s.end = START_TIME + s.span;
	if (audit_only) {
		rc = write_truth(&s);
		goto audit;
	}

	uint64_t used = 0;
	for (;;) {
		double progress;
		if (by_size) {
			if (st->case_bytes >= o->target_bytes)
				break;
			progress = (double)st->case_bytes /
			           (double)o->target_bytes;
		} else {
			if (used >= budget)
				break;
			progress = (double)used / (double)budget;
		}
		int64_t t = START_TIME + (int64_t)(progress * (double)s.span);
		while (next < nplan && plan[next].t <= t) {
			struct scev *e = &plan[next++];
			if ((rc = sc_message(&s, &s.sc[e->sc], e->i, e->t)))
				goto done;
		}
		uint64_t before = st->messages;
		uint64_t room = by_size ? UINT64_MAX : budget - used;
		if ((rc = o->exchange_journal ? journal_event(&s, t, room)
		                              : benign(&s, t, room)))
			goto done;
		used += st->messages - before;
	}
	/* Small cases end before the scenario window: append the rest. */
	while (next < nplan) {
		struct scev *e = &plan[next++];
		if ((rc = sc_message(&s, &s.sc[e->sc], e->i, e->t)))
			goto done;
	}
	for (unsigned k = 0; k < s.nsc; k++)
		if (s.sc[k].written)
			st->scenarios++;
	rc = write_truth(&s);
audit:
	if (!rc && o->audit != MH_SIM_AUDIT_NONE && !o->exchange_journal)
		rc = write_audit(&s);
done:
	if (s.users) {
		for (unsigned u = 0; u < s.nusers; u++) {
			int c = out_close(&s, &s.users[u].mbox);
			if (!rc)
				rc = c;
		}
	}
	int c1 = out_close(&s, &s.journal), c2 = out_close(&s, &s.all);
	if (!rc)
		rc = c1 ? c1 : c2;
	free(s.users);
	free(plan);
	mh_simgen_release(&s.g);
	mh_buf_release(&s.tr);
	mh_buf_release(&s.part);
	mh_buf_release(&s.path);
	return rc;
}
