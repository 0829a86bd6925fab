/* csv.c - RFC 4180 CSV: a header row, then one row per finding with the
 * first evidence item inline and the number of items. Columns, encoding
 * and the formula guard are in docs/FORMATS.md. Records end in CRLF. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"
#include "writers/writer.h"

#define ROW_CAP ((size_t)16 << 20)

static const char *const columns[] = {
        "id",
        "level",
        "rule_id",
        "title",
        "technique",
        "tactic",
        "mailbox",
        "destination",
        "dest_domain",
        "external",
        "mechanism",
        "counts",
        "first_seen",
        "last_seen",
        "summary",
        "evidence_count",
        "evidence_file",
        "evidence_offset",
        "evidence_message_id",
        "evidence_header",
        "remediation",
        "actor",
        "client_ip",
        "app",
        "details",
        "evidence_record",
        "evidence_fields",
};

/* Appends one field; NULL is an empty field, like "". */
static int cell(struct mh_buf *b, const char *v, int first)
{
	int rc = first ? MH_OK : mh_buf_addc(b, ',');
	if (!rc && v)
		rc = mh_escape_csv(v, strlen(v), b);
	return rc;
}

static int emit(struct mh_writer *w, const struct mh_buf *b)
{
	if (b->len && fwrite(b->p, 1, b->len, w->out) != b->len)
		return MH_EIO;
	return MH_OK;
}

static int csv_begin(struct mh_writer *w)
{
	struct mh_buf b = MH_BUF_INIT(4096);
	int rc = MH_OK;
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		rc = rc ? rc : cell(&b, columns[i], i == 0);
	rc = rc ? rc : mh_buf_add(&b, "\r\n", 2);
	rc = rc ? rc : emit(w, &b);
	mh_buf_release(&b);
	return rc;
}

/* "key: value | key: value", the details in order. */
static int details_text(struct mh_buf *c, const struct mh_finding *f)
{
	int rc = MH_OK;
	for (size_t i = 0; i < f->nattrs && i < MH_FINDING_MAX_ATTRS; i++)
		rc = rc ? rc
		        : mh_buf_printf(c, "%s%s: %s", i ? " | " : "",
		                        f->attrs[i].key, f->attrs[i].value);
	return rc;
}

/* "name=value;name=value" in count order. */
static int counts_text(struct mh_buf *c, const struct mh_finding *f)
{
	int rc = MH_OK;
	for (size_t i = 0; i < f->ncounts && i < MH_FINDING_MAX_COUNTS; i++)
		rc = rc ? rc
		        : mh_buf_printf(c, "%s%s=%" PRIu64, i ? ";" : "",
		                        f->counts[i].name ? f->counts[i].name
		                                          : "",
		                        f->counts[i].value);
	return rc;
}

static int csv_finding(struct mh_writer *w, const struct mh_finding *f)
{
	struct mh_buf b = MH_BUF_INIT(ROW_CAP), c = MH_BUF_INIT(4096),
	              d = MH_BUF_INIT(ROW_CAP);
	char first[21], last[21], off[24] = "", nev[24], rec[24] = "";
	const struct mh_evidence *e = f->nevidence ? &f->evidence[0] : NULL;
	int rc = counts_text(&c, f);
	rc = rc ? rc : details_text(&d, f);

	mh_writer_iso_time(f->first_seen, first);
	mh_writer_iso_time(f->last_seen, last);
	snprintf(nev, sizeof(nev), "%zu", f->nevidence);
	if (e)
		snprintf(off, sizeof(off), "%" PRIu64, e->offset);
	if (e && e->record)
		snprintf(rec, sizeof(rec), "%" PRIu64, e->record);

	rc = rc ? rc : cell(&b, f->id, 1);
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
	               f->external < 0 ? NULL
	               : f->external   ? "true"
	                               : "false",
	               0);
	rc = rc ? rc : cell(&b, f->mechanism, 0);
	rc = rc ? rc : cell(&b, mh_buf_cstr(&c), 0);
	rc = rc ? rc : cell(&b, first, 0);
	rc = rc ? rc : cell(&b, last, 0);
	rc = rc ? rc : cell(&b, f->summary, 0);
	rc = rc ? rc : cell(&b, nev, 0);
	rc = rc ? rc : cell(&b, e ? e->file : NULL, 0);
	rc = rc ? rc : cell(&b, off, 0);
	rc = rc ? rc : cell(&b, e ? e->message_id : NULL, 0);
	rc = rc ? rc : cell(&b, e ? e->header : NULL, 0);
	rc = rc ? rc : cell(&b, f->remediation, 0);
	rc = rc ? rc : cell(&b, f->actor, 0);
	rc = rc ? rc : cell(&b, f->client_ip, 0);
	rc = rc ? rc : cell(&b, f->app, 0);
	rc = rc ? rc : cell(&b, mh_buf_cstr(&d), 0);
	rc = rc ? rc : cell(&b, rec, 0);
	rc = rc ? rc : cell(&b, e ? e->fields : NULL, 0);
	rc = rc ? rc : mh_buf_add(&b, "\r\n", 2);
	/* Whole rows only, so a failure never leaves a ragged record. */
	rc = rc ? rc : emit(w, &b);
	mh_buf_release(&b);
	mh_buf_release(&c);
	mh_buf_release(&d);
	return rc;
}

static int csv_finish(struct mh_writer *w, size_t nfindings)
{
	return ferror(w->out) ? MH_EIO : MH_OK;
}

const struct mh_writer_ops mh_writer_csv = {
        .name = "csv",
        .begin = csv_begin,
        .finding = csv_finding,
        .finish = csv_finish,
};
