/* csv.c - RFC 4180 CSV, one row per finding, first evidence inline.
 * Columns in docs/FORMATS.md. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "readers/mail/date.h"
#include "writers/writer.h"

static int cell(struct mh_buf *b, const char *v, int first)
{
	int rc = first ? 0 : mh_buf_addc(b, ',');
	if (!rc && v)
		rc = mh_escape_csv(v, strlen(v), b);
	return rc;
}

static int csv_begin(struct mh_writer *w)
{
	fputs("id,level,rule_id,title,technique,tactic,mailbox,destination,"
	      "dest_domain,external,mechanism,counts,first_seen,last_seen,"
	      "summary,evidence_count,evidence_file,evidence_offset,"
	      "evidence_message_id,evidence_header,remediation\r\n",
	      w->out);
	return ferror(w->out) ? -2 : 0;
}

static int csv_finding(struct mh_writer *w, const struct mh_finding *f)
{
	struct mh_buf b = MH_BUF_INIT((size_t)16 << 20);
	char first[21] = "", last[21] = "", off[24] = "", n[24];
	char counts[512] = "";
	size_t cl = 0;
	for (size_t i = 0; i < f->ncounts; i++) {
		int k = snprintf(counts + cl, sizeof(counts) - cl,
		                 "%s%s=%" PRIu64, i ? ";" : "",
		                 f->counts[i].name, f->counts[i].value);
		if (k < 0 || (size_t)k >= sizeof(counts) - cl)
			break;
		cl += (size_t)k;
	}
	if (f->first_seen != INT64_MIN)
		mh_date_iso(f->first_seen, first);
	if (f->last_seen != INT64_MIN)
		mh_date_iso(f->last_seen, last);
	snprintf(n, sizeof(n), "%zu", f->nevidence);
	const struct mh_evidence *e = f->nevidence ? &f->evidence[0] : NULL;
	if (e)
		snprintf(off, sizeof(off), "%" PRIu64, e->offset);
	int rc = cell(&b, f->id, 1);
	rc = rc ? rc : cell(&b, mh_level_name(f->level), 0);
	rc = rc ? rc : cell(&b, f->rule_id, 0);
	rc = rc ? rc : cell(&b, f->title, 0);
	rc = rc ? rc : cell(&b, f->technique, 0);
	rc = rc ? rc : cell(&b, f->tactic, 0);
	rc = rc ? rc : cell(&b, f->mailbox, 0);
	rc = rc ? rc : cell(&b, f->destination, 0);
	rc = rc ? rc : cell(&b, f->dest_domain, 0);
	rc = rc ? rc
	        : cell(&b,
	               f->external < 0 ? ""
	               : f->external   ? "true"
	                               : "false",
	               0);
	rc = rc ? rc : cell(&b, f->mechanism, 0);
	rc = rc ? rc : cell(&b, counts, 0);
	rc = rc ? rc : cell(&b, first, 0);
	rc = rc ? rc : cell(&b, last, 0);
	rc = rc ? rc : cell(&b, f->summary, 0);
	rc = rc ? rc : cell(&b, n, 0);
	rc = rc ? rc : cell(&b, e ? e->file : NULL, 0);
	rc = rc ? rc : cell(&b, off, 0);
	rc = rc ? rc : cell(&b, e ? e->message_id : NULL, 0);
	rc = rc ? rc : cell(&b, e ? e->header : NULL, 0);
	rc = rc ? rc : cell(&b, f->remediation, 0);
	rc = rc ? rc : mh_buf_adds(&b, "\r\n");
	if (!rc && fwrite(b.p, 1, b.len, w->out) != b.len)
		rc = -2;
	mh_buf_release(&b);
	return rc;
}

static int csv_finish(struct mh_writer *w, size_t nfindings)
{
	return 0;
}

const struct mh_writer_ops mh_writer_csv = {
        .name = "csv",
        .begin = csv_begin,
        .finding = csv_finding,
        .finish = csv_finish,
};
