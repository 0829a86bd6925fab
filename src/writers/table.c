/* table.c - the human view: findings grouped by level, most severe first,
 * every untrusted string through mh_escape_term. Colours only when asked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "readers/mail/date.h"
#include "writers/writer.h"

#define EVIDENCE_SHOWN 3

struct table {
	int last_level;
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

/* Escaped text for the terminal (static buffer per call site would not be
 * reentrant; use the caller's buffer). */
static const char *t(struct mh_buf *b, const char *s, size_t max)
{
	mh_buf_reset(b);
	if (!s)
		return "-";
	mh_escape_term(s, strlen(s), max, b);
	return mh_buf_cstr(b);
}

static struct table state_storage;

static int table_begin(struct mh_writer *w)
{
	state_storage.last_level = -1;
	w->state = &state_storage;
	return 0;
}

static int table_finding(struct mh_writer *w, const struct mh_finding *f)
{
	struct table *st = w->state;
	FILE *o = w->out;
	struct mh_buf a = MH_BUF_INIT(65536), b = MH_BUF_INIT(65536);
	const char *on = w->opts.color ? colour((int)f->level) : "";
	const char *off = w->opts.color ? "\033[0m" : "";
	char up[16];
	const char *ln = mh_level_name(f->level);
	size_t k = 0;
	for (; ln[k] && k + 1 < sizeof(up); k++)
		up[k] = (ln[k] >= 'a' && ln[k] <= 'z') ? (char)(ln[k] - 32)
		                                       : ln[k];
	up[k] = '\0';

	if ((int)f->level != st->last_level) {
		fprintf(o, "%s%s== %s ==%s\n", st->last_level == -1 ? "" : "\n",
		        on, up, off);
		st->last_level = (int)f->level;
	}
	fprintf(o, "%s[%s]%s %s  (%s, %s %s)\n", on, ln, off, f->title,
	        f->rule_id, f->technique, f->tactic);
	fprintf(o, "  %s -> %s", t(&a, f->mailbox, 200),
	        t(&b, f->destination, 200));
	if (f->external >= 0)
		fprintf(o, "  [%s]", f->external ? "external" : "internal");
	fputc('\n', o);
	if (f->mechanism)
		fprintf(o, "  mechanism: %s\n", t(&a, f->mechanism, 100));
	if (f->ncounts) {
		fputs("  counts:", o);
		for (size_t i = 0; i < f->ncounts; i++)
			fprintf(o, " %s=%" PRIu64, f->counts[i].name,
			        f->counts[i].value);
		fputc('\n', o);
	}
	if (f->first_seen != INT64_MIN) {
		char x[21], y[21];
		mh_date_iso(f->first_seen, x);
		mh_date_iso(f->last_seen, y);
		fprintf(o, "  seen: %s .. %s\n", x, y);
	}
	if (f->summary)
		fprintf(o, "  %s\n", t(&a, f->summary, 0));
	for (size_t i = 0; i < f->nevidence && i < EVIDENCE_SHOWN; i++) {
		const struct mh_evidence *e = &f->evidence[i];
		fprintf(o, "  evidence: %s @%" PRIu64, t(&a, e->file, 160),
		        e->offset);
		if (e->message_id)
			fprintf(o, " <%s>", t(&a, e->message_id, 120));
		fputc('\n', o);
		if (e->header)
			fprintf(o, "    %s\n", t(&a, e->header, 160));
	}
	if (f->nevidence > EVIDENCE_SHOWN)
		fprintf(o, "  (%zu more evidence items in --format jsonl)\n",
		        f->nevidence - EVIDENCE_SHOWN);
	if (f->remediation)
		fprintf(o, "  what to do: %s\n", t(&a, f->remediation, 0));
	fputc('\n', o);
	mh_buf_release(&a);
	mh_buf_release(&b);
	return ferror(o) ? -2 : 0;
}

static int table_finish(struct mh_writer *w, size_t nfindings)
{
	if (nfindings == 0)
		fputs("no findings: no sign of auto-forwarding (T1114.003) in "
		      "the mail read\n",
		      w->out);
	else
		fprintf(w->out, "%zu finding%s\n", nfindings,
		        nfindings == 1 ? "" : "s");
	w->state = NULL;
	return ferror(w->out) ? -2 : 0;
}

const struct mh_writer_ops mh_writer_table = {
        .name = "table",
        .begin = table_begin,
        .finding = table_finding,
        .finish = table_finish,
};
