/* jsonl.c - one JSON object per line per finding; schema version
 * MH_JSONL_SCHEMA, every key in docs/FORMATS.md. The key order is fixed
 * and every key is always present (null when unknown) so that outputs
 * diff cleanly and golden tests are exact. */
#include <inttypes.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"
#include "writers/writer.h"

/* A finding line is small (evidence header lines are capped at 512
 * bytes); the cap only stops a runaway. */
#define LINE_CAP ((size_t)16 << 20)

static int jstr(struct mh_buf *b, const char *v)
{
	if (!v)
		return mh_buf_add(b, "null", 4);
	int rc = mh_buf_addc(b, '"');
	if (!rc)
		rc = mh_escape_json(v, strlen(v), b);
	if (!rc)
		rc = mh_buf_addc(b, '"');
	return rc;
}

/* ,"key": with key a static ASCII name that needs no escaping. */
static int key(struct mh_buf *b, const char *k)
{
	int rc = mh_buf_add(b, ",\"", 2);
	if (!rc)
		rc = mh_buf_adds(b, k);
	if (!rc)
		rc = mh_buf_add(b, "\":", 2);
	return rc;
}

static int kstr(struct mh_buf *b, const char *k, const char *v)
{
	int rc = key(b, k);
	return rc ? rc : jstr(b, v);
}

static int ktime(struct mh_buf *b, const char *k, int64_t t)
{
	char iso[21];
	int rc = key(b, k);
	if (rc)
		return rc;
	if (!mh_writer_iso_time(t, iso))
		return mh_buf_add(b, "null", 4);
	return mh_buf_printf(b, "\"%s\"", iso);
}

static int evidence(struct mh_buf *b, const struct mh_evidence *e)
{
	int rc = mh_buf_adds(b, "{\"file\":");
	rc = rc ? rc : jstr(b, e->file);
	rc = rc ? rc
	        : mh_buf_printf(b, ",\"offset\":%" PRIu64 ",\"line\":%u",
	                        e->offset, e->line);
	rc = rc ? rc : kstr(b, "message_id", e->message_id);
	rc = rc ? rc : kstr(b, "header", e->header);
	rc = rc ? rc : ktime(b, "ts", e->ts);
	rc = rc ? rc : key(b, "record");
	rc = rc ? rc
	        : (e->record ? mh_buf_printf(b, "%" PRIu64, e->record)
	                     : mh_buf_add(b, "null", 4));
	rc = rc ? rc : kstr(b, "fields", e->fields);
	rc = rc ? rc : mh_buf_addc(b, '}');
	return rc;
}

static int line(struct mh_buf *b, const struct mh_finding *f)
{
	int rc = mh_buf_printf(b, "{\"schema\":%d,\"type\":\"finding\"",
	                       MH_JSONL_SCHEMA);
	rc = rc ? rc : kstr(b, "id", f->id);
	rc = rc ? rc : kstr(b, "rule_id", f->rule_id);
	rc = rc ? rc : kstr(b, "title", f->title);
	rc = rc ? rc : kstr(b, "technique", f->technique);
	rc = rc ? rc : kstr(b, "tactic", f->tactic);
	rc = rc ? rc : kstr(b, "level", mh_level_name(f->level));
	rc = rc ? rc : kstr(b, "mailbox", f->mailbox);
	rc = rc ? rc : kstr(b, "destination", f->destination);
	rc = rc ? rc : kstr(b, "dest_domain", f->dest_domain);
	rc = rc ? rc : key(b, "external");
	rc = rc ? rc
	        : mh_buf_adds(b, f->external < 0 ? "null"
	                         : f->external   ? "true"
	                                         : "false");
	rc = rc ? rc : kstr(b, "mechanism", f->mechanism);
	rc = rc ? rc : kstr(b, "actor", f->actor);
	rc = rc ? rc : kstr(b, "client_ip", f->client_ip);
	rc = rc ? rc : kstr(b, "app", f->app);
	rc = rc ? rc : mh_buf_adds(b, ",\"counts\":{");
	for (size_t i = 0; i < f->ncounts && i < MH_FINDING_MAX_COUNTS; i++) {
		const struct mh_count *c = &f->counts[i];
		rc = rc ? rc : (i ? mh_buf_addc(b, ',') : MH_OK);
		rc = rc ? rc : jstr(b, c->name ? c->name : "");
		rc = rc ? rc : mh_buf_printf(b, ":%" PRIu64, c->value);
	}
	rc = rc ? rc : mh_buf_addc(b, '}');
	rc = rc ? rc : ktime(b, "first_seen", f->first_seen);
	rc = rc ? rc : ktime(b, "last_seen", f->last_seen);
	rc = rc ? rc : kstr(b, "summary", f->summary);
	rc = rc ? rc : kstr(b, "remediation", f->remediation);
	rc = rc ? rc : mh_buf_adds(b, ",\"details\":{");
	for (size_t i = 0; i < f->nattrs && i < MH_FINDING_MAX_ATTRS; i++) {
		rc = rc ? rc : (i ? mh_buf_addc(b, ',') : MH_OK);
		rc = rc ? rc : jstr(b, f->attrs[i].key);
		rc = rc ? rc : mh_buf_addc(b, ':');
		rc = rc ? rc : jstr(b, f->attrs[i].value);
	}
	rc = rc ? rc : mh_buf_addc(b, '}');
	rc = rc ? rc : mh_buf_adds(b, ",\"evidence\":[");
	for (size_t i = 0; i < f->nevidence && !rc; i++) {
		rc = i ? mh_buf_addc(b, ',') : MH_OK;
		rc = rc ? rc : evidence(b, &f->evidence[i]);
	}
	rc = rc ? rc : mh_buf_add(b, "]}\n", 3);
	return rc;
}

static int jsonl_begin(struct mh_writer *w)
{
	return MH_OK;
}

static int jsonl_finding(struct mh_writer *w, const struct mh_finding *f)
{
	struct mh_buf b = MH_BUF_INIT(LINE_CAP);
	int rc = line(&b, f);
	/* All or nothing: a half line would not parse. */
	if (!rc && fwrite(b.p, 1, b.len, w->out) != b.len)
		rc = MH_EIO;
	mh_buf_release(&b);
	return rc;
}

static int jsonl_finish(struct mh_writer *w, size_t nfindings)
{
	return ferror(w->out) ? MH_EIO : MH_OK;
}

const struct mh_writer_ops mh_writer_jsonl = {
        .name = "jsonl",
        .begin = jsonl_begin,
        .finding = jsonl_finding,
        .finish = jsonl_finish,
};
