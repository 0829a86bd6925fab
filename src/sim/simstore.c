/* simstore.c - writing messages of `mailhunt simulate` to the stores
 * (mbox, Maildir, the outbound gateway journal) and the header fields
 * every message shares: trace fields, DKIM, Message-ID, the originator.
 * sim_int.h has the contract.
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

/* MARK: - output */

int sm_ioerr(struct sim *s, const char *what, const char *path)
{
	return mh_err_at(s->err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
	                 "cannot %s: %s", what, strerror(errno));
}

int sm_mkdirs(struct sim *s, const char *path)
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
			return sm_ioerr(s, "create directory", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return sm_ioerr(s, "create directory", tmp);
	return MH_OK;
}

int sm_out_open(struct sim *s, struct out *o, const char *path, size_t bufsize)
{
	o->path = strdup(path);
	if (!o->path)
		return mh_err_set(s->err, MH_ENOMEM, "out of memory");
	if (s->o->gzip) {
		/* zlib writes a gzip header without name or time: the same
		 * bytes on every run. Level 1: generation speed first. */
		o->gz = gzopen(path, "wb1");
		if (!o->gz)
			return sm_ioerr(s, "write", path);
		gzbuffer(o->gz, (unsigned)bufsize);
	} else {
		o->f = fopen(path, "wb");
		if (!o->f)
			return sm_ioerr(s, "write", path);
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
			return sm_ioerr(s, "write", o->path);
		}
	} else if (fwrite(p, 1, n, o->f) != n) {
		return sm_ioerr(s, "write", o->path);
	}
	s->st->bytes += n;
	return MH_OK;
}

int sm_out_close(struct sim *s, struct out *o)
{
	int rc = MH_OK;
	if (o->f && fclose(o->f) != 0)
		rc = sm_ioerr(s, "write", o->path);
	if (o->gz && gzclose(o->gz) != Z_OK) {
		errno = EIO;
		rc = sm_ioerr(s, "write", o->path);
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
		return sm_ioerr(s, "write", s->path.p);
	size_t w = s->tr.len ? fwrite(s->tr.p, 1, s->tr.len, f) : 0;
	w += s->g.b.len ? fwrite(s->g.b.p, 1, s->g.b.len, f) : 0;
	if (fclose(f) != 0 || w != size)
		return sm_ioerr(s, "write", s->path.p);
	s->st->files++;
	s->st->bytes += size;
	s->st->disk_bytes += size;
	return MH_OK;
}

/* Store trace + message in user u's folder (NULL: INBOX). */
int sm_store_user(struct sim *s, unsigned ui, const char *folder,
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

int sm_store_journal(struct sim *s, const char *env_from, int64_t t)
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

void sm_trace_begin(struct sim *s)
{
	mh_buf_reset(&s->tr);
	mh_simgen_target(&s->g, &s->tr);
}

void sm_trace_end(struct sim *s)
{
	mh_simgen_target(&s->g, NULL);
}

unsigned long long sm_qid(struct sim *s)
{
	return (unsigned long long)(mh_simgen_next(&s->g) >> 24);
}

/* A user's client submitting to the organisation's server. */
void sm_trace_submission(struct sim *s, int64_t t)
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
	               s->org, sm_qid(s), d);
	mh_simgen_eol(g);
}

/* Fields a receiving server adds on top (into the current target):
 * Return-Path and Delivered-To (with_envelope), the LMTP hop and the hop
 * from the sending domain's MX (dom), or the submission (dom NULL). */
void sm_trace_inbound(struct sim *s, const char *env_from, const char *rcpt,
                      const struct domain *dom, int64_t t, int with_envelope)
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
	               sm_qid(s));
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
		               s->org, sm_qid(s));
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
			               dom->mx, sm_qid(s), d);
			mh_simgen_eol(g);
		}
		mh_simgen_addf(g,
		               "Authentication-Results: mx1.%s; dkim=pass "
		               "header.d=%s; spf=pass smtp.mailfrom=%s",
		               s->org, dom->name, dom->name);
		mh_simgen_eol(g);
	} else {
		sm_trace_submission(s, t2);
	}
}

/* DKIM-Signature of a sending domain (in the message: it is signed at
 * the origin). */
void sm_dkim(struct sim *s, const char *domain)
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
void sm_originator(struct sim *s, struct compose *c)
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

int sm_deliver(struct sim *s, const char *env_from, unsigned ui,
               const struct domain *dom, const char *folder, int64_t t)
{
	sm_trace_begin(s);
	sm_trace_inbound(s, env_from, s->users[ui].addr, dom, t, 1);
	sm_trace_end(s);
	return sm_store_user(s, ui, folder, env_from, t);
}
