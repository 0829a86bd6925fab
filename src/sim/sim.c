/* sim.c - the generator behind `mailhunt simulate`: options, users,
 * stores and the run (sim_int.h: the parts).
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
#include "sim/sim_int.h"
#include "sim/simaudit.h"
#include "sim/simexo.h"
#include "sim/simtext.h"

/* MARK: - people */

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
		if ((rc = sm_mkdirs(s, path)))
			return rc;
		snprintf(path, sizeof(path), "%s/mbox/all.mbox%s", o->out_dir,
		         gz);
		return sm_out_open(s, &s->all, path, (size_t)4 << 20);
	}
	snprintf(path, sizeof(path), "%s/journal", o->out_dir);
	if ((rc = sm_mkdirs(s, path)))
		return rc;
	snprintf(path, sizeof(path), "%s/journal/outbound.mbox%s", o->out_dir,
	         gz);
	if ((rc = sm_out_open(s, &s->journal, path, (size_t)1 << 20)))
		return rc;
	if (o->format & MH_SIM_MBOX) {
		/* Many open files: keep their buffers modest. */
		size_t bs = s->nusers > 64 ? (size_t)64 << 10 : (size_t)1 << 20;
		snprintf(path, sizeof(path), "%s/mbox", o->out_dir);
		if ((rc = sm_mkdirs(s, path)))
			return rc;
		for (unsigned u = 0; u < s->nusers; u++) {
			snprintf(path, sizeof(path), "%s/mbox/%s.mbox%s",
			         o->out_dir, s->users[u].addr, gz);
			if ((rc = sm_out_open(s, &s->users[u].mbox, path, bs)))
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
				if ((rc = sm_mkdirs(s, path)))
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
				return sm_ioerr(s, "write", path);
			if (!fo)
				fputs("Sent\nArchive\nLists\n", f);
			if (fclose(f) != 0)
				return sm_ioerr(s, "write", path);
			s->st->files++;
		}
	}
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
	if ((rc = sm_mkdirs(&s, o->out_dir)) || (rc = setup_users(&s)) ||
	    (!audit_only && (rc = setup_stores(&s))) ||
	    (rc = sm_plan_scenarios(&s, &plan, &nplan, &reserved)))
		goto done;
	if (copy.exchange_journal)
		sm_journal_setups(&s);

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
		rc = sm_write_truth(&s);
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
			if ((rc = sm_sc_message(&s, &s.sc[e->sc], e->i, e->t)))
				goto done;
		}
		uint64_t before = st->messages;
		uint64_t room = by_size ? UINT64_MAX : budget - used;
		if ((rc = o->exchange_journal ? sm_journal_event(&s, t, room)
		                              : sm_benign(&s, t, room)))
			goto done;
		used += st->messages - before;
	}
	/* Small cases end before the scenario window: append the rest. */
	while (next < nplan) {
		struct scev *e = &plan[next++];
		if ((rc = sm_sc_message(&s, &s.sc[e->sc], e->i, e->t)))
			goto done;
	}
	for (unsigned k = 0; k < s.nsc; k++)
		if (s.sc[k].written)
			st->scenarios++;
	rc = sm_write_truth(&s);
audit:
	if (!rc && o->audit != MH_SIM_AUDIT_NONE && !o->exchange_journal)
		rc = write_audit(&s);
done:
	if (s.users) {
		for (unsigned u = 0; u < s.nusers; u++) {
			int c = sm_out_close(&s, &s.users[u].mbox);
			if (!rc)
				rc = c;
		}
	}
	int c1 = sm_out_close(&s, &s.journal), c2 = sm_out_close(&s, &s.all);
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
