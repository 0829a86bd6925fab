/* json_reader.c - the "json" reader: JSON records (jframe.h shapes) to
 * events through the normalisers (rec.h).
 *
 * A record that does not parse is skipped with its offset and line
 * (truncated when the input ends inside it, malformed otherwise); one
 * with invalid UTF-8 is repaired (each bad byte becomes U+FFFD) and read,
 * since an audit record with one mangled character is still evidence.
 * JSON Lines files can be read in byte ranges (can_chunk); the events of
 * a range other than the first carry their line and record number
 * counted from the range's start (json_range gives what to add), and
 * messages about them no line.
 *
 * With the literal prefilter on (reader.h audit_ops), a Management
 * Activity API record whose operation no analytic reads (rawop.h says so
 * for sure from its text) is not parsed: it becomes an unparsed event
 * (event.h) with a dedup key made from the raw text, unless the
 * options' audit_raw (a consumer such as the Sigma rules) wants it
 * parsed. The first record of each reader is always parsed (scan finds
 * partial exports by it).
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/stream.h"
#include "core/utf8.h"
#include "json/jframe.h"
#include "json/json.h"
#include "readers/reader.h"
#include "readers/record/rawop.h"
#include "readers/record/rec.h"

/* Give the parser's memory back after a record this large. */
#define TRIM_AFTER ((size_t)4 << 20)

struct mh_reader {
	struct mh_stream *st;
	struct mh_jframe *f;
	struct mh_json *j;
	struct mh_recstate rs;
	struct mh_buf fix; /* a record with invalid UTF-8, repaired */
	int parsed_one;    /* the first record was parsed */
	int hinted;        /* the record's key slot was asked for already */
	char *path, *mailbox, *folder;
	uint64_t index;
	int chunked;
	size_t last_n;
};

/* 1 when head starts with a UTF-16 byte-order mark followed by c. */
static int utf16_starts(const char *head, size_t n, const char *cs)
{
	if (n < 4)
		return 0;
	const unsigned char *u = (const unsigned char *)head;
	int le = u[0] == 0xff && u[1] == 0xfe,
	    be = u[0] == 0xfe && u[1] == 0xff;
	if (!le && !be)
		return 0;
	unsigned c =
	        le ? u[2] | (unsigned)u[3] << 8 : u[3] | (unsigned)u[2] << 8;
	return c < 128 && c && strchr(cs, (int)c) != NULL;
}

static int json_probe(const char *head, size_t n, const char *name)
{
	(void)name;
	/* UTF-16 JSON (Windows PowerShell's Out-File) is claimed, to say
	 * what to do with it rather than "no supported type". */
	if (utf16_starts(head, n, "{["))
		return 60;
	return mh_jframe_looks_json(head, n);
}

static void json_close(struct mh_reader *r)
{
	if (!r)
		return;
	mh_jframe_free(r->f);
	mh_stream_close(r->st);
	mh_json_free(r->j);
	mh_recstate_release(&r->rs);
	mh_buf_release(&r->fix);
	free(r->path);
	free(r->mailbox);
	free(r->folder);
	free(r);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int json_open(struct mh_reader **out, const struct mh_source *src,
                     const struct mh_reader_opts *opts, struct mh_err *err)
{
	struct mh_reader *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r) {
		mh_stream_close(src->stream);
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	r->st = src->stream; /* taken over (reader.h) */
	mh_recstate_init(&r->rs);
	mh_buf_init(&r->fix, opts->max_record * 3 + MH_JSON_PADDING + 1);
	mh_rawop_set_init(&r->rs.audit_ops, opts->audit_ops, opts->audit_need);
	r->rs.audit_ops.raw = opts->audit_raw;
	r->rs.audit_ops.raw_ctx = opts->audit_raw_ctx;
	r->rs.seen = opts->seen;
	r->path = strdup(src->path);
	r->mailbox = dup_or_null(src->mailbox);
	r->folder = dup_or_null(src->folder);
	int rc = MH_ENOMEM;
	if (!r->path || (src->mailbox && !r->mailbox) ||
	    (src->folder && !r->folder) || mh_json_new(&r->j) != MH_OK) {
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
	const char *head;
	size_t hn = 0;
	if (mh_stream_peek(r->st, 4, &head, &hn, err) == MH_OK &&
	    utf16_starts(head, hn, "{[")) {
		rc = mh_err_at(err, MH_EUNSUP, MH_SKIP_UNREADABLE, src->path, 0,
		               0,
		               "UTF-16 text is not read: convert it first "
		               "(iconv -f UTF-16 -t UTF-8 '%s' > out.json)",
		               src->path);
		goto fail;
	}
	struct mh_jframe_opts fo = {opts->max_record, src->range_start,
	                            src->range_end};
	r->chunked = src->range_start > 0;
	rc = mh_jframe_open(&r->f, r->st, &fo, err);
	if (rc)
		goto fail;
	*out = r;
	return MH_OK;
fail:
	/* err may name the reader's or the stream's copy of the path,
	 * both freed here: name the caller's. */
	if (err && err->src)
		err->src = src->path;
	json_close(r);
	return rc;
}

/* Parse the record, repairing invalid UTF-8. */
static int parse(struct mh_reader *r, const struct mh_jrec *rec,
                 struct mh_jv *root, struct mh_slice *text, struct mh_err *err)
{
	*text = mh_slice_make(rec->p, rec->n);
	int rc = mh_json_parse(r->j, rec->p, rec->n, root, err);
	if (rc != MH_EFORMAT || !mh_json_err_utf8(r->j))
		return rc;
	mh_buf_reset(&r->fix);
	if (mh_utf8_sanitize(rec->p, rec->n, &r->fix) != MH_OK ||
	    mh_buf_reserve(&r->fix, MH_JSON_PADDING) != MH_OK)
		return rc; /* keep the first error */
	memset(r->fix.p + r->fix.len, ' ', MH_JSON_PADDING);
	*text = mh_slice_make(r->fix.p, r->fix.len);
	return mh_json_parse(r->j, r->fix.p, r->fix.len, root, err);
}

/* The Id of the record after this one, when it starts as a Management
 * Activity API record does ({"CreationTime":"...","Id":"...": the
 * window after this record, jframe.h mh_jframe_after, is looked at
 * there only): its key's slot in the set of records seen is fetched
 * while the reader and the consumers work on this one (rec.h
 * mh_rec_prefetch). Only a hint: a record written otherwise misses it.
 * 1 when the slot was asked for. */
static int hint_next(struct mh_reader *r)
{
	static const char head[] = "{\"CreationTime\":\"", id[] = ",\"Id\":\"";
	const size_t hn = sizeof(head) - 1, in = sizeof(id) - 1;
	const char *p;
	size_t n;
	mh_jframe_after(r->f, &p, &n);
	if (n > 160)
		n = 160;
	if (n < hn || memcmp(p, head, hn) != 0)
		return 0;
	const char *e = p + n;
	const char *t = memchr(p + hn, '"', (size_t)(e - p - hn));
	if (!t || (size_t)(e - t) < 1 + in || memcmp(t + 1, id, in) != 0)
		return 0;
	const char *v = t + 1 + in;
	const char *q = memchr(v, '"', (size_t)(e - v));
	if (!q || memchr(v, '\\', (size_t)(q - v)))
		return 0;
	mh_rec_prefetch(&r->rs, mh_slice_make(v, (size_t)(q - v)));
	return 1;
}

/* The literal prefilter (rawop.h mh_rawop_pass): 1 with ev an unparsed
 * event when no analytic reads this record, 0 to parse it, MH_ENOMEM.
 * A record it keeps that looks like a Management Activity API record
 * (it has an Operation) is read from its raw text when that is sure
 * (rec.h mh_rec_event_raw): 1 with ev a parsed event. */
static int pass_over(struct mh_reader *r, const struct mh_jrec *rec,
                     uint64_t index, int hinted, struct mh_event *ev,
                     struct mh_err *err)
{
	struct mh_rawop o;
	o.op = MH_SLICE_NULL;
	o.id = MH_SLICE_NULL;
	struct mh_slice text = mh_slice_make(rec->p, rec->n);
	struct mh_recpos pos = {"json", r->path,    rec->offset, rec->line,
	                        index,  r->mailbox, r->folder};
	int pass = mh_rawop_pass(&r->rs.audit_ops, rec->p, rec->n, rec->p,
	                         rec->n, text, 0, &o);
	/* The key's slot in the set of records seen, fetched while the raw
	 * path walks and normalises the record (unless the record before
	 * asked for it). */
	if (!hinted)
		mh_rec_prefetch(&r->rs, o.id);
	if (!pass)
		return o.op.n ? mh_rec_event_raw(&r->rs, text, &pos, ev, err)
		              : 0;
	int rc = mh_rec_unparsed(&r->rs, &o, MH_AS_UAL_API, &pos, ev);
	if (rc == 1)
		ev->raw = text;
	return rc;
}

static int next_record(struct mh_reader *r, struct mh_event *ev,
                       struct mh_err *err)
{
	if (r->last_n > TRIM_AFTER) {
		mh_json_trim(r->j);
		r->last_n = 0;
	}
	struct mh_jrec rec;
	int rc = mh_jframe_next(r->f, &rec, err);
	if (rc == MH_ESKIP) {
		r->index++;
		return rc;
	}
	if (rc <= 0)
		return rc;
	uint64_t index = r->index;
	r->index++;
	int hinted = r->hinted;
	r->hinted = 0;
	unsigned eline = r->chunked ? 0 : rec.line; /* for messages */
	r->last_n = rec.n;
	if (r->rs.audit_ops.on && r->parsed_one) {
		rc = pass_over(r, &rec, index, hinted, ev, err);
		if (rc == MH_ENOMEM)
			return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE,
			                 r->path, rec.offset, eline,
			                 "out of memory");
		if (rc)
			return 1;
	}
	r->parsed_one = 1;
	struct mh_jv root;
	struct mh_slice text;
	rc = parse(r, &rec, &root, &text, err);
	if (rc == MH_ENOMEM)
		return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE, r->path,
		                 rec.offset, eline, "out of memory");
	if (rc != MH_OK) {
		int trunc = mh_json_err_incomplete(r->j) && rec.at_eof;
		char why[200];
		memcpy(why, err->msg, sizeof(why) - 1);
		why[sizeof(why) - 1] = '\0';
		return mh_err_at(
		        err, MH_ESKIP,
		        trunc ? MH_SKIP_TRUNCATED : MH_SKIP_MALFORMED, r->path,
		        rec.offset, eline, "%s: %s, record skipped",
		        trunc ? "input ends inside a record" : "not valid JSON",
		        why);
	}
	if (mh_jv_type(root) != MH_JOBJ)
		return mh_err_at(err, MH_ESKIP, MH_SKIP_MALFORMED, r->path,
		                 rec.offset, eline, "%s",
		                 "not a JSON object, record skipped");
	struct mh_recpos pos = {"json", r->path,    rec.offset, rec.line,
	                        index,  r->mailbox, r->folder};
	rc = mh_rec_event_json(&r->rs, root, text, &pos, ev, err);
	if (rc == MH_ENOMEM)
		return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE, r->path,
		                 rec.offset, eline, "out of memory");
	if (rc == MH_ESKIP)
		err->line = eline;
	return rc;
}

static int json_next(struct mh_reader *r, struct mh_event *ev,
                     struct mh_err *err)
{
	int rc = next_record(r, ev, err);
	/* The next record's slot, asked for once this one is done with the
	 * input (the prefetch then waits less for the memory the framer's
	 * reads keep busy). */
	if (rc == 1 && r->rs.seen && r->rs.audit_ops.on)
		r->hinted = hint_next(r);
	return rc;
}

static uint64_t json_pos(const struct mh_reader *r)
{
	return mh_jframe_pos(r->f);
}

static int json_range(const struct mh_reader *r, struct mh_range_count *out)
{
	out->records = r->index;
	return mh_jframe_range(r->f, &out->first, &out->lines);
}

const struct mh_reader_ops mh_reader_json = {
        .name = "json",
        .probe = json_probe,
        .can_chunk = 1,
        .open = json_open,
        .next = json_next,
        .pos = json_pos,
        .close = json_close,
        .range = json_range,
};
