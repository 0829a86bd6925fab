/* table.c - the human view: findings grouped by level, most severe first
 * (the caller sorts), one block per finding, every string through
 * mh_escape_term (even the static ones: they may come from rule files
 * later). ANSI colour by level only when opts.color. Layout in
 * docs/FORMATS.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"
#include "writers/writer.h"

#define EVIDENCE_SHOWN 3
#define BLOCK_CAP      ((size_t)4 << 20)

struct table {
	int last_level; /* level of the previous finding, -1 before the first */
};

static const char *colour(int level)
{
	switch (level) {
	case MH_LEVEL_CRITICAL: return "\033[1;35m";
	case MH_LEVEL_HIGH: return "\033[1;31m";
	case MH_LEVEL_MEDIUM: return "\033[33m";
	case MH_LEVEL_LOW: return "\033[36m";
	default: return "\033[2m";
	}
}

/* Appends s escaped for the terminal (at most max columns, 0 = all), or
 * dash when s is NULL. */
static int put(struct mh_buf *b, const char *s, size_t max)
{
	if (!s)
		return mh_buf_addc(b, '-');
	return mh_escape_term(s, strlen(s), max, b);
}

static int puts2(struct mh_buf *b, const char *lit, const char *s, size_t max)
{
	int rc = mh_buf_adds(b, lit);
	return rc ? rc : put(b, s, max);
}

static int heading(struct mh_buf *b, const struct mh_writer *w, int first,
                   enum mh_level level)
{
	const char *ln = mh_level_name(level);
	char up[16];
	size_t k = 0;
	for (; ln[k] && k + 1 < sizeof(up); k++)
		up[k] = (ln[k] >= 'a' && ln[k] <= 'z') ? (char)(ln[k] - 32)
		                                       : ln[k];
	up[k] = '\0';
	return mh_buf_printf(b, "%s%s== %s ==%s\n", first ? "" : "\n",
	                     w->opts.color ? colour((int)level) : "", up,
	                     w->opts.color ? "\033[0m" : "");
}

static int seen(struct mh_buf *b, const struct mh_finding *f)
{
	char x[21], y[21];
	int hx = mh_writer_iso_time(f->first_seen, x);
	int hy = mh_writer_iso_time(f->last_seen, y);
	if (!hx && !hy)
		return MH_OK;
	return mh_buf_printf(b, "  seen: %s .. %s\n", hx ? x : "unknown",
	                     hy ? y : "unknown");
}

static int evidence(struct mh_buf *b, const struct mh_evidence *e)
{
	int rc = puts2(b, "  evidence: ", e->file, 160);
	if (e->record)
		rc = rc ? rc : mh_buf_printf(b, " #%" PRIu64, e->record);
	if (e->line && e->record)
		rc = rc ? rc : mh_buf_printf(b, " line %u", e->line);
	else
		rc = rc ? rc : mh_buf_printf(b, " @%" PRIu64, e->offset);
	if (e->message_id) {
		rc = rc ? rc : puts2(b, " <", e->message_id, 120);
		rc = rc ? rc : mh_buf_addc(b, '>');
	}
	rc = rc ? rc : mh_buf_addc(b, '\n');
	if (e->header) {
		rc = rc ? rc : puts2(b, "    ", e->header, 160);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	if (e->fields) {
		rc = rc ? rc : puts2(b, "    ", e->fields, 240);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	return rc;
}

static int block(struct mh_buf *b, const struct mh_writer *w,
                 const struct mh_finding *f)
{
	const char *on = w->opts.color ? colour((int)f->level) : "";
	const char *off = w->opts.color ? "\033[0m" : "";
	int rc =
	        mh_buf_printf(b, "%s[%s]%s ", on, mh_level_name(f->level), off);
	rc = rc ? rc : put(b, f->title, 0);
	rc = rc ? rc : puts2(b, "  (", f->rule_id, 0);
	rc = rc ? rc : puts2(b, ", ", f->technique, 0);
	rc = rc ? rc : puts2(b, " ", f->tactic, 0);
	rc = rc ? rc : puts2(b, ")\n  ", f->mailbox, 200);
	rc = rc ? rc : puts2(b, " -> ", f->destination, 200);
	if (f->external >= 0)
		rc = rc ? rc
		        : mh_buf_adds(b, f->external ? "  [external]"
		                                     : "  [internal]");
	rc = rc ? rc : mh_buf_addc(b, '\n');
	if (f->mechanism) {
		rc = rc ? rc : puts2(b, "  mechanism: ", f->mechanism, 100);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	if (f->actor || f->client_ip || f->app) {
		rc = rc ? rc : mh_buf_adds(b, " ");
		if (f->actor)
			rc = rc ? rc : puts2(b, " by: ", f->actor, 200);
		if (f->client_ip)
			rc = rc ? rc : puts2(b, " from: ", f->client_ip, 64);
		if (f->app)
			rc = rc ? rc : puts2(b, " app: ", f->app, 120);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	for (size_t i = 0; i < f->nattrs && i < MH_FINDING_MAX_ATTRS; i++) {
		rc = rc ? rc : puts2(b, "  ", f->attrs[i].key, 40);
		rc = rc ? rc : puts2(b, ": ", f->attrs[i].value, 400);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	if (f->ncounts) {
		rc = rc ? rc : mh_buf_adds(b, "  counts:");
		for (size_t i = 0; i < f->ncounts && i < MH_FINDING_MAX_COUNTS;
		     i++) {
			rc = rc ? rc : puts2(b, " ", f->counts[i].name, 64);
			rc = rc ? rc
			        : mh_buf_printf(b, "=%" PRIu64,
			                        f->counts[i].value);
		}
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	rc = rc ? rc : seen(b, f);
	if (f->summary) {
		rc = rc ? rc : puts2(b, "  ", f->summary, 0);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	for (size_t i = 0; i < f->nevidence && i < EVIDENCE_SHOWN; i++)
		rc = rc ? rc : evidence(b, &f->evidence[i]);
	if (f->nevidence > EVIDENCE_SHOWN)
		rc = rc ? rc
		        : mh_buf_printf(b,
		                        "  (%zu more evidence items in "
		                        "--format jsonl)\n",
		                        f->nevidence - EVIDENCE_SHOWN);
	if (f->remediation) {
		rc = rc ? rc : puts2(b, "  what to do: ", f->remediation, 0);
		rc = rc ? rc : mh_buf_addc(b, '\n');
	}
	rc = rc ? rc : mh_buf_addc(b, '\n');
	return rc;
}

static int table_begin(struct mh_writer *w)
{
	struct table *st = malloc(sizeof(*st));
	if (!st)
		return MH_ENOMEM;
	st->last_level = -1;
	free(w->state);
	w->state = st;
	return MH_OK;
}

static int table_finding(struct mh_writer *w, const struct mh_finding *f)
{
	struct table *st = w->state;
	struct mh_buf b = MH_BUF_INIT(BLOCK_CAP);
	int rc = MH_OK;
	if (!st)
		return MH_EINVAL;
	if ((int)f->level != st->last_level)
		rc = heading(&b, w, st->last_level == -1, f->level);
	rc = rc ? rc : block(&b, w, f);
	if (!rc && fwrite(b.p, 1, b.len, w->out) != b.len)
		rc = MH_EIO;
	if (!rc)
		st->last_level = (int)f->level;
	mh_buf_release(&b);
	return rc;
}

static int table_finish(struct mh_writer *w, size_t nfindings)
{
	free(w->state);
	w->state = NULL;
	size_t hidden = w->opts.hidden;
	if (nfindings == 0 && w->opts.nothing_read)
		fputs("no findings, and no message could be read: nothing was "
		      "checked (see the messages above)\n",
		      w->out);
	else if (nfindings == 0 && hidden)
		fprintf(w->out,
		        "no findings at or above --min-level; %zu lower "
		        "finding%s not shown\n",
		        hidden, hidden == 1 ? "" : "s");
	else if (nfindings == 0)
		fputs("no findings: no sign of auto-forwarding (T1114.003) in "
		      "the mail read\n",
		      w->out);
	else
		fprintf(w->out, "%zu finding%s\n", nfindings,
		        nfindings == 1 ? "" : "s");
	return ferror(w->out) ? MH_EIO : MH_OK;
}

const struct mh_writer_ops mh_writer_table = {
        .name = "table",
        .begin = table_begin,
        .finding = table_finding,
        .finish = table_finish,
};
