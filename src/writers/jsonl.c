/* jsonl.c - one JSON object per finding; schema in docs/FORMATS.md. Key
 * order is fixed so outputs diff cleanly. */
#include <inttypes.h>
#include <string.h>

#include "core/escape.h"
#include "readers/mail/date.h"
#include "writers/writer.h"

static int str(struct mh_buf *b, const char *key, const char *v)
{
	int rc = mh_buf_printf(b, ",\"%s\":", key);
	if (rc)
		return rc;
	if (!v)
		return mh_buf_adds(b, "null");
	rc = mh_buf_addc(b, '"');
	if (!rc)
		rc = mh_escape_json(v, strlen(v), b);
	if (!rc)
		rc = mh_buf_addc(b, '"');
	return rc;
}

static int when(struct mh_buf *b, const char *key, int64_t t)
{
	if (t == INT64_MIN)
		return mh_buf_printf(b, ",\"%s\":null", key);
	char iso[21];
	mh_date_iso(t, iso);
	return mh_buf_printf(b, ",\"%s\":\"%s\"", key, iso);
}

static int jsonl_begin(struct mh_writer *w)
{
	return 0;
}

static int jsonl_finding(struct mh_writer *w, const struct mh_finding *f)
{
	struct mh_buf b = MH_BUF_INIT((size_t)16 << 20);
	int rc = mh_buf_printf(&b, "{\"schema\":%d,\"type\":\"finding\"",
	                       MH_JSONL_SCHEMA);
	rc = rc ? rc : str(&b, "id", f->id);
	rc = rc ? rc : str(&b, "rule_id", f->rule_id);
	rc = rc ? rc : str(&b, "title", f->title);
	rc = rc ? rc : str(&b, "technique", f->technique);
	rc = rc ? rc : str(&b, "tactic", f->tactic);
	rc = rc ? rc : str(&b, "level", mh_level_name(f->level));
	rc = rc ? rc : str(&b, "mailbox", f->mailbox);
	rc = rc ? rc : str(&b, "destination", f->destination);
	rc = rc ? rc : str(&b, "dest_domain", f->dest_domain);
	rc = rc ? rc
	        : mh_buf_printf(&b, ",\"external\":%s",
	                        f->external < 0 ? "null"
	                        : f->external   ? "true"
	                                        : "false");
	rc = rc ? rc : str(&b, "mechanism", f->mechanism);
	rc = rc ? rc : mh_buf_adds(&b, ",\"counts\":{");
	for (size_t i = 0; i < f->ncounts && !rc; i++)
		rc = mh_buf_printf(&b, "%s\"%s\":%" PRIu64, i ? "," : "",
		                   f->counts[i].name, f->counts[i].value);
	rc = rc ? rc : mh_buf_addc(&b, '}');
	rc = rc ? rc : when(&b, "first_seen", f->first_seen);
	rc = rc ? rc : when(&b, "last_seen", f->last_seen);
	rc = rc ? rc : str(&b, "summary", f->summary);
	rc = rc ? rc : str(&b, "remediation", f->remediation);
	rc = rc ? rc : mh_buf_adds(&b, ",\"evidence\":[");
	for (size_t i = 0; i < f->nevidence && !rc; i++) {
		const struct mh_evidence *e = &f->evidence[i];
		rc = mh_buf_adds(&b, i ? ",{\"file\":\"" : "{\"file\":\"");
		rc = rc ? rc : mh_escape_json(e->file, strlen(e->file), &b);
		rc = rc ? rc
		        : mh_buf_printf(&b,
		                        "\",\"offset\":%" PRIu64 ",\"line\":%u",
		                        e->offset, e->line);
		rc = rc ? rc : str(&b, "message_id", e->message_id);
		rc = rc ? rc : str(&b, "header", e->header);
		rc = rc ? rc : when(&b, "ts", e->ts);
		rc = rc ? rc : mh_buf_addc(&b, '}');
	}
	rc = rc ? rc : mh_buf_adds(&b, "]}\n");
	if (!rc && fwrite(b.p, 1, b.len, w->out) != b.len)
		rc = -2;
	mh_buf_release(&b);
	return rc;
}

static int jsonl_finish(struct mh_writer *w, size_t nfindings)
{
	return 0;
}

const struct mh_writer_ops mh_writer_jsonl = {
        .name = "jsonl",
        .begin = jsonl_begin,
        .finding = jsonl_finding,
        .finish = jsonl_finish,
};
