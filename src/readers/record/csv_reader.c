/* csv_reader.c - the "csv" reader: rows of a CSV export (csv.h) to
 * events through the normalisers (rec.h). Columns are matched to the
 * known keys once per file; a column that appears twice counts by its
 * first appearance.
 *
 * With the literal prefilter on (reader.h audit_ops), a row of a Purview
 * audit search export whose AuditData record no analytic reads (rawop.h,
 * on the cell's JSON) is not parsed (unless the options' audit_raw, a
 * consumer such as the Sigma rules, asked of the row's text, wants it):
 * it becomes an unparsed event with the key the same record passed over
 * in JSON Lines gets. The first row is always parsed (scan finds
 * partial exports by it). A row's event has the row's text as its raw
 * text (event.h raw_csv).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/stream.h"
#include "csv/csv.h"
#include "readers/reader.h"
#include "readers/record/rawop.h"
#include "readers/record/rec.h"

struct mh_reader {
	struct mh_stream *st;
	struct mh_csv *csv;
	struct mh_recstate rs;
	int col[K__COUNT];
	const struct mh_slice *cols;
	size_t ncols;
	struct mh_csv_row row; /* the current row: the event's fields are
	                        * made from it (rec.h), so it lives here */
	char *path, *mailbox, *folder;
	uint64_t index;
	int chunked;        /* a range that does not start at 0 */
	int purview;        /* the columns of a Purview export: prefilter */
	int parsed_one;     /* the first row was parsed */
	struct mh_buf cell; /* AuditData unquoted, for the prefilter */
	/* A row's cells with the AuditData cell the prefilter unquoted
	 * whole: the record is parsed from that text (not unquoted
	 * again). */
	struct mh_csv_cell *cells;
	size_t acells;
};

static int has_suffix(const char *name, const char *suf)
{
	size_t n = name ? strlen(name) : 0, m = strlen(suf);
	return n >= m && !strcasecmp(name + n - m, suf);
}

/* A CSV file is read when its header names two or more columns the
 * normalisers know (an audit or configuration export), or when it is
 * called .csv (its rows become records of no known kind, for rules).
 * Other tables beside the evidence (hash lists, a case's notes) are not
 * records. */
static int csv_probe(const char *head, size_t n, const char *name)
{
	int s = mh_csv_probe(head, n, name);
	if (!s)
		return 0;
	struct mh_slice cells[256];
	size_t nc = mh_csv_header_cells(head, n, cells, 256);
	size_t known = 0;
	for (size_t i = 0; i < nc && i < 256; i++)
		if (mh_rec_key_find(cells[i].p, cells[i].n) >= 0)
			known++;
	if (known >= 2)
		return s + 25 > 100 ? 100 : s + 25;
	if (has_suffix(name, ".csv") || has_suffix(name, ".csv.gz"))
		return 51;
	return 0;
}

static void csv_close(struct mh_reader *r)
{
	if (!r)
		return;
	mh_csv_free(r->csv);
	mh_stream_close(r->st);
	mh_recstate_release(&r->rs);
	mh_buf_release(&r->cell);
	free(r->cells);
	free(r->path);
	free(r->mailbox);
	free(r->folder);
	free(r);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int csv_open(struct mh_reader **out, const struct mh_source *src,
                    const struct mh_reader_opts *opts, struct mh_err *err)
{
	struct mh_reader *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r) {
		mh_stream_close(src->stream);
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	r->st = src->stream;
	mh_recstate_init(&r->rs);
	/* the dedup key (rec.h) */
	mh_rawop_set_init(&r->rs.audit_ops, opts->audit_ops, opts->audit_need);
	r->rs.audit_ops.raw = opts->audit_raw;
	r->rs.audit_ops.raw_ctx = opts->audit_raw_ctx;
	r->rs.seen = opts->seen;
	r->path = strdup(src->path);
	r->mailbox = dup_or_null(src->mailbox);
	r->folder = dup_or_null(src->folder);
	int rc = MH_ENOMEM;
	if (!r->path || (src->mailbox && !r->mailbox) ||
	    (src->folder && !r->folder)) {
		mh_err_set(err, MH_ENOMEM, "out of memory");
		goto fail;
	}
	if (!r->st) {
		/* A small file gets a buffer of its own size: one read sees
		 * all of it (exports of one record are common). */
		size_t init = MH_STREAM_INIT;
		if (src->size && !src->gzip && src->size < MH_STREAM_INIT)
			init = (size_t)src->size + 1;
		rc = mh_stream_open_flags(
		        &r->st, src->path, init,
		        opts->max_record + ((size_t)1 << 20),
		        MH_STREAM_SMALL_MAP |
		                (src->regular ? MH_STREAM_REGULAR : 0),
		        err);
		if (rc)
			goto fail;
	}
	struct mh_csv_opts co = {opts->max_record, src->range_start,
	                         src->range_end};
	r->chunked = src->range_start > 0;
	rc = mh_csv_open(&r->csv, r->st, &co, err);
	if (rc)
		goto fail;
	r->cols = mh_csv_columns(r->csv, &r->ncols);
	for (int k = 0; k < K__COUNT; k++)
		r->col[k] = -1;
	for (size_t i = 0; i < r->ncols; i++) {
		int k = mh_rec_key_find(r->cols[i].p, r->cols[i].n);
		if (k >= 0 && r->col[k] < 0)
			r->col[k] = (int)i;
	}
	/* An AuditData column and none of another shape's (norm_m365.c:
	 * purview_match, and the shapes that would win over it): the
	 * record is the AuditData cell alone. */
	r->purview = r->col[K_AUDITDATA] >= 0;
	static const int other[] = {K_USERPRINCIPALNAME,  K_CREATEDDATETIME,
	                            K_AUDITLOGRECORDTYPE, K_RAWEVENTDATA,
	                            K_OFFICEWORKLOAD,     K_CMDLETNAME,
	                            K_SOURCERECORDID};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (r->col[other[i]] >= 0)
			r->purview = 0;
	mh_buf_init(&r->cell, opts->max_record + 17);
	*out = r;
	return MH_OK;
fail:
	/* err may name the reader's or the stream's copy of the path,
	 * both freed here: name the caller's. */
	if (err && err->src)
		err->src = src->path;
	csv_close(r);
	return rc;
}

#define PEEK_MAX 1024 /* bytes of AuditData the walk may read */

/* The row (r->row) to be parsed with its cell c as the text the
 * prefilter unquoted (r->cell, n bytes): 0, or MH_ENOMEM. */
static int undone(struct mh_reader *r, const struct mh_csv_row *row, size_t c,
                  size_t n)
{
	if (row != &r->row)
		return 0;
	if (r->acells < row->ncells) {
		struct mh_csv_cell *v =
		        realloc(r->cells, row->ncells * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		r->cells = v;
		r->acells = row->ncells;
	}
	memcpy(r->cells, row->cells, row->ncells * sizeof(*r->cells));
	r->cell.p[n] = '\0'; /* as mh_csv_text's copies */
	r->cells[c] = (struct mh_csv_cell){r->cell.p, n, 1, 0};
	r->row.cells = r->cells;
	return 0;
}

/* The literal prefilter on a Purview row (rawop.h mh_rawop_pass): 1 with
 * ev an unparsed event when no analytic reads its record, 0 to parse it,
 * MH_ENOMEM. */
static int pass_over(struct mh_reader *r, const struct mh_csv_row *row,
                     uint64_t index, struct mh_event *ev)
{
	size_t c = (size_t)r->col[K_AUDITDATA];
	if (c >= row->ncells)
		return 0;
	const struct mh_csv_cell *cell = &row->cells[c];
	/* The walk to the decision reads the first two hundred bytes or
	 * so: only a prefix is unquoted (doubled quotes undone, RFC 4180);
	 * the tenant's facts need all of it. The whole-text check reads the cell as it is: a key like
	 * "Operation" is followed by a quote, doubled or not. */
	const char *p = cell->p;
	size_t n = cell->n;
	if (!(r->rs.audit_ops.need & MH_RAWOP_TENANT) && n > PEEK_MAX)
		n = PEEK_MAX;
	int whole = n == cell->n;
	if (cell->dq) {
		/* A prefix ending inside a run of quotes of odd length may
		 * have cut a doubled quote in two: its last quote is left
		 * out. */
		if (n < cell->n) {
			size_t q = 0;
			while (q < n && p[n - 1 - q] == '"')
				q++;
			n -= q & 1;
		}
		mh_buf_reset(&r->cell);
		if (mh_buf_reserve(&r->cell, n + 16))
			return MH_ENOMEM;
		n = mh_csv_undouble(p, n, r->cell.p);
		p = r->cell.p;
	}
	struct mh_rawop o;
	o.id = MH_SLICE_NULL;
	int pass =
	        mh_rawop_pass(&r->rs.audit_ops, p, n, cell->p, cell->n,
	                      mh_slice_make(row->p, row->n), MH_RAWOP_CELL, &o);
	/* The key's slot in the set of records seen, fetched while the row
	 * is parsed (rec.h). */
	mh_rec_prefetch(&r->rs, o.id);
	if (!pass)
		return cell->dq && whole ? undone(r, row, c, n) : 0;
	struct mh_recpos pos = {"csv", r->path,    row->offset, row->line,
	                        index, r->mailbox, r->folder};
	int rc = mh_rec_unparsed(&r->rs, &o, MH_AS_UAL_SEARCH, &pos, ev);
	if (rc == 1) {
		ev->raw = mh_slice_make(row->p, row->n);
		ev->raw_csv = 1;
	}
	return rc;
}

static int csv_next(struct mh_reader *r, struct mh_event *ev,
                    struct mh_err *err)
{
	struct mh_csv_row *row = &r->row;
	int rc = mh_csv_next(r->csv, row, err);
	if (rc == MH_ESKIP) {
		r->index++;
		return rc;
	}
	if (rc <= 0)
		return rc;
	unsigned eline = r->chunked ? 0 : row->line; /* for messages */
	if (r->purview && r->rs.audit_ops.on && r->parsed_one) {
		rc = pass_over(r, row, r->index, ev);
		if (rc == MH_ENOMEM)
			return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE,
			                 r->path, row->offset, eline,
			                 "out of memory");
		if (rc) {
			r->index++;
			return 1;
		}
	}
	r->parsed_one = 1;
	struct mh_recpos pos = {"csv",      r->path,    row->offset, row->line,
	                        r->index++, r->mailbox, r->folder};
	rc = mh_rec_event_csv(&r->rs, row, r->cols, r->ncols, r->col, &pos, ev,
	                      err);
	if (rc == MH_ENOMEM)
		return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE, r->path,
		                 row->offset, eline, "out of memory");
	if (rc == MH_ESKIP)
		err->line = eline;
	return rc;
}

static uint64_t csv_pos(const struct mh_reader *r)
{
	return mh_csv_pos(r->csv);
}

static int csv_range(const struct mh_reader *r, struct mh_range_count *out)
{
	out->records = r->index;
	return mh_csv_range(r->csv, &out->first, &out->lines);
}

/* Cuts at row starts that are ones for sure (reader.h align). The header
 * is read from the file's start for the delimiter and where rows start. */
static int csv_align(const struct mh_source *src,
                     const struct mh_reader_opts *opts, uint64_t *cuts,
                     size_t n, uint64_t limit, struct mh_err *err)
{
	struct mh_stream *st = NULL;
	struct mh_csv *c = NULL;
	int rc = mh_stream_open_flags(
	        &st, src->path, MH_STREAM_INIT,
	        opts->max_record + ((size_t)1 << 20),
	        MH_STREAM_SMALL_MAP | (src->regular ? MH_STREAM_REGULAR : 0),
	        err);
	if (rc == MH_OK) {
		struct mh_csv_opts co = {opts->max_record, 0, 0};
		rc = mh_csv_open(&c, st, &co, err);
	}
	for (size_t i = 0; rc == MH_OK && i < n; i++)
		rc = mh_csv_find_row(c, cuts[i], limit, &cuts[i], err);
	mh_csv_free(c);
	mh_stream_close(st);
	return rc;
}

const struct mh_reader_ops mh_reader_csv = {
        .name = "csv",
        .probe = csv_probe,
        .can_chunk = 1,
        .open = csv_open,
        .next = csv_next,
        .pos = csv_pos,
        .close = csv_close,
        .range = csv_range,
        .align = csv_align,
};
