/* events.c - events as JSON Lines (see events.h). */
#include "writers/events.h"

#include <inttypes.h>
#include <string.h>

#include "core/err.h"
#include "core/escape.h"
#include "event/audit.h"
#include "event/winevent.h"
#include "writers/writer.h"

static int jslice(struct mh_buf *b, struct mh_slice s)
{
	if (!s.p)
		return mh_buf_add(b, "null", 4);
	int rc = mh_buf_addc(b, '"');
	rc = rc ? rc : mh_escape_json(s.p, s.n, b);
	return rc ? rc : mh_buf_addc(b, '"');
}

static int key(struct mh_buf *b, const char *k, int first)
{
	return mh_buf_printf(b, "%s\"%s\":", first ? "" : ",", k);
}

static int kslice(struct mh_buf *b, const char *k, struct mh_slice s)
{
	int rc = key(b, k, 0);
	return rc ? rc : jslice(b, s);
}

/* A number, null when negative (unknown). */
static int knum(struct mh_buf *b, const char *k, int64_t v)
{
	int rc = key(b, k, 0);
	if (rc)
		return rc;
	if (v < 0)
		return mh_buf_add(b, "null", 4);
	return mh_buf_printf(b, "%" PRId64, v);
}

static const char *result_name(enum mh_audit_result r)
{
	switch (r) {
	case MH_AR_OK: return "ok";
	case MH_AR_PARTIAL: return "partial";
	case MH_AR_FAILED: return "failed";
	default: return "unknown";
	}
}

static const char *param_src_name(int s)
{
	static const char *const names[] = {
	        "",
	        "parameters",
	        "operation_properties",
	        "modified_properties",
	        "extended_properties",
	        "rule_action",
	        "gws",
	        "column",
	};
	return s > 0 && s < (int)(sizeof(names) / sizeof(names[0])) ? names[s]
	                                                            : "";
}

static const char *kind_name(enum mh_event_kind k)
{
	switch (k) {
	case MH_EV_MAIL: return "mail";
	case MH_EV_AUDIT: return "audit";
	case MH_EV_WINEVENT: return "winevent";
	case MH_EV_LOGLINE: return "logline";
	case MH_EV_RECORD: return "record";
	default: return "none";
	}
}

static int audit(struct mh_buf *b, const struct mh_audit *a)
{
	int rc = mh_buf_printf(
	        b, "{\"source\":\"%s\",\"shape\":\"%s\",\"snapshot\":%s",
	        a->source == MH_AUDIT_GWS ? "gws" : "m365",
	        mh_audit_shape_name(a->shape), a->snapshot ? "true" : "false");
	rc = rc ? rc : kslice(b, "operation", a->operation);
	rc = rc ? rc : key(b, "operations", 0);
	rc = rc ? rc : mh_buf_addc(b, '[');
	for (size_t i = 0; !rc && i < a->nops; i++) {
		if (i)
			rc = mh_buf_addc(b, ',');
		rc = rc ? rc : jslice(b, a->ops[i]);
	}
	rc = rc ? rc : mh_buf_addc(b, ']');
	rc = rc ? rc : kslice(b, "event_type", a->event_type);
	rc = rc ? rc : kslice(b, "workload", a->workload);
	rc = rc ? rc : knum(b, "record_type", a->record_type);
	rc = rc ? rc : kslice(b, "actor", a->actor);
	rc = rc ? rc : knum(b, "user_type", a->user_type);
	rc = rc ? rc : kslice(b, "actor_type", a->actor_type);
	rc = rc ? rc : kslice(b, "mailbox", a->mailbox);
	rc = rc ? rc : kslice(b, "object", a->object);
	rc = rc ? rc : kslice(b, "client_ip", a->client_ip);
	rc = rc ? rc : kslice(b, "client_ip_raw", a->client_ip_raw);
	rc = rc ? rc
	        : knum(b, "client_port",
	               a->client_port ? (int64_t)a->client_port : -1);
	rc = rc ? rc : kslice(b, "app_id", a->app_id);
	rc = rc ? rc : kslice(b, "client_app_id", a->client_app_id);
	rc = rc ? rc : kslice(b, "client_info", a->client_info);
	rc = rc ? rc
	        : mh_buf_printf(b, ",\"result\":\"%s\"",
	                        result_name(a->result));
	rc = rc ? rc : kslice(b, "result_raw", a->result_raw);
	rc = rc ? rc : knum(b, "logon_type", a->logon_type);
	rc = rc ? rc : knum(b, "op_count", a->op_count);
	rc = rc ? rc : kslice(b, "org", a->org);
	rc = rc ? rc : kslice(b, "id", a->id);
	rc = rc ? rc : key(b, "params", 0);
	rc = rc ? rc : mh_buf_addc(b, '[');
	for (size_t i = 0; !rc && i < a->nparams; i++) {
		const struct mh_audit_param *p = &a->params[i];
		rc = mh_buf_add(b, i ? ",{" : "{", i ? 2 : 1);
		rc = rc ? rc : key(b, "name", 1);
		rc = rc ? rc : jslice(b, p->name);
		rc = rc ? rc : kslice(b, "value", p->value);
		if (!rc && p->old.p)
			rc = kslice(b, "old", p->old);
		rc = rc ? rc
		        : mh_buf_printf(b, ",\"src\":\"%s\",\"op\":%u}",
		                        param_src_name(p->src), p->op);
	}
	rc = rc ? rc : mh_buf_add(b, "]}", 2);
	return rc;
}

static int win(struct mh_buf *b, const struct mh_winevent *w)
{
	int rc = mh_buf_printf(b, "{\"shape\":\"%s\"",
	                       mh_win_shape_name(w->shape));
	rc = rc ? rc : knum(b, "event_id", w->event_id);
	rc = rc ? rc : kslice(b, "channel", w->channel);
	rc = rc ? rc : kslice(b, "provider", w->provider);
	rc = rc ? rc : kslice(b, "computer", w->computer);
	rc = rc ? rc : kslice(b, "record_id", w->record_id);
	return rc ? rc : mh_buf_addc(b, '}');
}

int mh_event_jsonl(const struct mh_event *ev, int fields, struct mh_buf *out)
{
	struct mh_buf *b = out;
	int rc = mh_buf_add(b, "{\"file\":", 8);
	rc = rc ? rc : jslice(b, mh_slice_cstr(ev->path));
	rc = rc ? rc : mh_buf_printf(b, ",\"offset\":%" PRIu64, ev->offset);
	rc = rc ? rc : knum(b, "line", ev->line ? (int64_t)ev->line : -1);
	rc = rc ? rc
	        : knum(b, "record",
	               ev->index == UINT64_MAX ? -1 : (int64_t)ev->index + 1);
	rc = rc ? rc : kslice(b, "reader", mh_slice_cstr(ev->reader));
	rc = rc ? rc
	        : mh_buf_printf(b, ",\"kind\":\"%s\"", kind_name(ev->kind));
	char iso[21];
	rc = rc ? rc : key(b, "time", 0);
	if (!rc)
		rc = mh_writer_iso_time(ev->ts, iso)
		             ? mh_buf_printf(b, "\"%s\"", iso)
		             : mh_buf_add(b, "null", 4);
	rc = rc ? rc
	        : kslice(b, "dedup_key",
	                 ev->record_id.n ? ev->record_id : MH_SLICE_NULL);
	rc = rc ? rc : key(b, "audit", 0);
	if (!rc)
		rc = ev->audit ? audit(b, ev->audit) : mh_buf_add(b, "null", 4);
	if (!rc && ev->win) {
		rc = key(b, "win", 0);
		rc = rc ? rc : win(b, ev->win);
	}
	if (!rc && fields) {
		size_t n = 0;
		const struct mh_field *f = mh_event_fields(ev, &n);
		rc = key(b, "fields", 0);
		rc = rc ? rc : mh_buf_addc(b, '[');
		for (size_t i = 0; !rc && i < n; i++) {
			rc = mh_buf_add(b, i ? ",[" : "[", i ? 2 : 1);
			rc = rc ? rc : jslice(b, f[i].name);
			rc = rc ? rc : mh_buf_addc(b, ',');
			rc = rc ? rc : jslice(b, f[i].value);
			rc = rc ? rc : mh_buf_addc(b, ']');
		}
		rc = rc ? rc : mh_buf_addc(b, ']');
	}
	return rc ? rc : mh_buf_add(b, "}\n", 2);
}
