/* fwdjournal.c - Exchange envelope journal reports (docs/FORWARDING.md
 * "Journal reports"): the envelope's recipient lines and "Forwarded:"
 * notes, and the attached original message, analysed like any message by
 * fwdmail.c.
 */
#include "analytics/fwdmail.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "event/msg.h"
#include "mail/rfc5322.h"

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
	int ok = mh_fwm_addr1(f, &tf, a);
	if (ok && env->nrcpt < MAX_DEST &&
	    !mh_fwm_in_list(env->rcpt, env->nrcpt, a))
		mh_fwm_put_addr(env->rcpt[env->nrcpt++], a);
	if (at == (size_t)-1)
		return;
	tf.value = mh_slice_make(rest.p + at + 10, rest.n - at - 10);
	if (!mh_fwm_addr1(f, &tf, src))
		return;
	if (!*env->fwd)
		mh_fwm_put_addr(env->fwd, src);
	if (ok && strcmp(src, a) != 0 && env->nfwds < MAX_DEST) {
		struct env_fwd *w = &env->fwds[env->nfwds++];
		mh_fwm_put_addr(w->mbox, src);
		mh_fwm_put_addr(w->dest, a);
		w->line.name = mh_slice_make(line.p, nl - 1);
		w->line.value = v;
	}
}

/* The value of a part header field starts with prefix (unfolded). */
static int part_value_starts(struct mh_fwd *f, const struct mh_field *fd,
                             const char *prefix)
{
	return fd && mh_slice_istarts(mh_fwm_unfolded(f, fd->value), prefix);
}

/* Spec "Journal reports": the envelope (the "Sender:" line and the
 * recipient lines after it) and the first message/rfc822 MIME part of a
 * report, within the body prefix. Returns -1 when the body has no report
 * structure (an ordinary message); J_FOUND when the original was found,
 * then *iev / *imsg are an event of its own (same file, offset and time
 * as the report); else why it cannot be analysed (enum jwhy). */
int mh_fwm_journal_scan(struct mh_fwd *f, const struct mh_event *ev,
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
		imsg->header_line =
		        msg->header_line +
		        mh_fwm_lines_in(msg->header.p, msg->header.n) + 1 +
		        mh_fwm_lines_in(p, (size_t)(in - p));
	*iev = *ev;
	iev->fields = fl;
	iev->nfields = nfl;
	iev->msg = imsg;
	return J_FOUND;
}

/* Spec "Journal reports": one fact per envelope "Forwarded:" mailbox,
 * its destinations the recipients of its lines. At most MAX_DEST. */
size_t mh_fwm_envelope_facts(const struct env *env, const struct mh_event *ev,
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
			mh_fwm_put_addr(x->mailbox, w->mbox);
			x->evidence = &w->line;
			x->ev = ev;
			x->msgid = msgid;
			x->looks = looks;
			nf++;
		}
		if (x->ndest < MAX_DEST &&
		    !mh_fwm_in_list(x->dest, x->ndest, w->dest))
			mh_fwm_put_addr(x->dest[x->ndest++], w->dest);
	}
	return nf;
}

/* A journal report whose original could not be analysed (MH-FWD-JOURNAL):
 * counted, its time spanned, the report kept as evidence. */
int mh_fwm_journal_unread(struct mh_fwd *f, const struct mh_event *ev,
                          const struct hdrs *h, const struct mh_field *msgid,
                          int why)
{
	struct agg *a = &f->jr;
	a->autofwd++;
	f->jr_why[why]++;
	mh_fw_span(&a->first, &a->last, ev->ts);
	return mh_fwm_add_evidence(f, a, ev, h->journal, msgid);
}
