/* norm_win.c - Windows event log records as JSON, filled into the typed
 * view of event/winevent.h (event kind MH_EV_WINEVENT).
 *
 * Three forms, one normaliser each:
 *  - evtx_dump and the SigmaHQ regression JSON: {"Event": {"System": {...},
 *    "EventData": {...}}}, XML attributes under "#attributes" (or, with
 *    evtx_dump --separate-json-attributes, "<Element>_attributes"), an
 *    element with attributes and text as {"#attributes": .., "#text": ..};
 *  - Winlogbeat / Elastic Agent (ECS): winlog.channel, winlog.event_id,
 *    winlog.provider_name, winlog.computer_name, winlog.record_id, time
 *    in @timestamp (event.code, event.provider, host.name as fallbacks);
 *  - Get-WinEvent | ConvertTo-Json: Id, LogName, ProviderName,
 *    MachineName, RecordId, TimeCreated ("/Date(ms)/" from Windows
 *    PowerShell, ISO 8601 from PowerShell 7).
 *
 * None of them reads the event data: that stays in the fields, where the
 * rule engine finds it by the form (rules/sigma/logsource.def WIN_SHAPE).
 * Values of the wrong type (an object where the channel should be) skip
 * the record with the key's name; a missing value is just unknown.
 */
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "readers/record/rec.h"

static const char *type_word(enum mh_jtype t)
{
	return t == MH_JOBJ ? "an object" : "a list";
}

/* A scalar as text ({NULL, 0} when absent or null); a composite skips the
 * record naming what. */
static int rv_text(struct nctx *c, struct rv v, const char *what,
                   struct mh_slice *out)
{
	*out = MH_SLICE_NULL;
	if (v.t == MH_JOBJ || v.t == MH_JARR)
		return nc_skip(c, MH_SKIP_MALFORMED,
		               "'%s' is %s where text is expected, record "
		               "skipped",
		               what, type_word(v.t));
	return nc_text(c, v, -1, out);
}

static int text(struct nctx *c, struct mh_jv v, const char *what,
                struct mh_slice *out)
{
	return rv_text(c, nc_rv(v), what, out);
}

/* "4688" -> 4688; anything else -1 (event ids are 16-bit). */
static long event_id(struct mh_slice s)
{
	s = mh_slice_trim(s);
	if (s.n == 0 || s.n > 9)
		return -1;
	long v = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	return v;
}

static struct mh_winevent *win_begin(struct nctx *c, enum mh_win_shape shape)
{
	struct mh_winevent *w = &c->rs->win;
	c->kind = MH_EV_WINEVENT;
	w->shape = shape;
	w->event_id = -1;
	return w;
}

/* MARK: - evtx_dump */

/* The value of XML attribute name of element el of sys: el.#attributes.
 * name, el.name (exporters that fold attributes in), or
 * sys.el_attributes.name (evtx_dump --separate-json-attributes). */
static struct mh_jv xml_attr(struct mh_jv sys, const char *el, const char *name)
{
	struct mh_jv e = mh_jv_get(sys, el);
	struct mh_jv v = mh_jv_get(mh_jv_get(e, "#attributes"), name);
	if (mh_jv_type(v) == MH_JNONE)
		v = mh_jv_get(e, name);
	if (mh_jv_type(v) == MH_JNONE) {
		char k[64];
		snprintf(k, sizeof(k), "%s_attributes", el);
		v = mh_jv_get(mh_jv_get(sys, k), name);
	}
	return v;
}

/* An element's text: the value, or its "#text" when it has attributes
 * (<EventID Qualifiers="0">4624</EventID>); an object without "#text" is
 * returned as it is (the wrong type, said by text()). */
static struct mh_jv xml_text(struct mh_jv sys, const char *el)
{
	struct mh_jv e = mh_jv_get(sys, el);
	if (mh_jv_type(e) != MH_JOBJ)
		return e;
	struct mh_jv t = mh_jv_get(e, "#text");
	return mh_jv_type(t) == MH_JNONE ? e : t;
}

static int evtx_match(const struct nctx *c)
{
	struct rv ev = nc_get(c->top, K_EVENT);
	if (ev.t != MH_JOBJ)
		return 0;
	return mh_jv_type(mh_jv_get(ev.jv, "System")) == MH_JOBJ ? 95 : 0;
}

static int evtx_fill(struct nctx *c)
{
	struct mh_winevent *w = win_begin(c, MH_WS_EVTX);
	struct mh_jv sys = mh_jv_get(nc_get(c->top, K_EVENT).jv, "System");
	struct mh_slice id, t;
	int rc;
	if ((rc = text(c, xml_text(sys, "EventID"), "Event.System.EventID",
	               &id)) ||
	    (rc = text(c, xml_text(sys, "Channel"), "Event.System.Channel",
	               &w->channel)) ||
	    (rc = text(c, xml_text(sys, "Computer"), "Event.System.Computer",
	               &w->computer)) ||
	    (rc = text(c, xml_text(sys, "EventRecordID"),
	               "Event.System.EventRecordID", &w->record_id)) ||
	    (rc = text(c, xml_attr(sys, "Provider", "Name"),
	               "Event.System.Provider Name", &w->provider)) ||
	    (rc = text(c, xml_attr(sys, "TimeCreated", "SystemTime"),
	               "Event.System.TimeCreated SystemTime", &t)))
		return rc;
	w->event_id = event_id(id);
	w->ts = mh_audit_time(t);
	return MH_OK;
}

const struct mh_norm mh_norm_win_evtx = {"win-evtx-json", evtx_match,
                                         evtx_fill};

/* MARK: - Winlogbeat / Elastic Agent */

static int ecs_match(const struct nctx *c)
{
	return nc_get(c->top, K_WINLOG).t == MH_JOBJ ? 95 : 0;
}

/* First non-empty text of key under obj, or of fallback under fobj. */
static int ecs_text(struct nctx *c, struct mh_jv obj, const char *key,
                    const char *what, struct mh_jv fobj, const char *fkey,
                    const char *fwhat, struct mh_slice *out)
{
	int rc = text(c, mh_jv_get(obj, key), what, out);
	if (rc || out->n || !fkey)
		return rc;
	return text(c, mh_jv_get(fobj, fkey), fwhat, out);
}

static int ecs_fill(struct nctx *c)
{
	struct mh_winevent *w = win_begin(c, MH_WS_ECS);
	struct mh_jv wl = nc_get(c->top, K_WINLOG).jv;
	struct mh_jv ev = nc_get(c->top, K_EVENT).jv;
	struct mh_jv host = mh_jv_get(c->top->root, "host");
	struct mh_slice id, t;
	int rc;
	if ((rc = ecs_text(c, wl, "event_id", "winlog.event_id", ev, "code",
	                   "event.code", &id)) ||
	    (rc = ecs_text(c, wl, "channel", "winlog.channel", ev, NULL, NULL,
	                   &w->channel)) ||
	    (rc = ecs_text(c, wl, "provider_name", "winlog.provider_name", ev,
	                   "provider", "event.provider", &w->provider)) ||
	    (rc = ecs_text(c, wl, "computer_name", "winlog.computer_name", host,
	                   "name", "host.name", &w->computer)) ||
	    (rc = ecs_text(c, wl, "record_id", "winlog.record_id", ev, NULL,
	                   NULL, &w->record_id)) ||
	    (rc = nc_key_text(c, c->top, K_ATTIMESTAMP, &t)))
		return rc;
	w->event_id = event_id(id);
	w->ts = mh_audit_time(t);
	return MH_OK;
}

const struct mh_norm mh_norm_win_ecs = {"win-winlogbeat", ecs_match, ecs_fill};

/* MARK: - Get-WinEvent | ConvertTo-Json */

static int ps_match(const struct nctx *c)
{
	const struct robj *o = c->top;
	if (!nc_has(o, K_ID) || !nc_has(o, K_LOGNAME) ||
	    !nc_has(o, K_PROVIDERNAME) || nc_has(o, K_PROTOPAYLOAD))
		return 0;
	return 95;
}

static int ps_fill(struct nctx *c)
{
	struct mh_winevent *w = win_begin(c, MH_WS_PS);
	const struct robj *o = c->top;
	struct mh_slice id, t;
	int rc;
	/* CSV cells (Export-Csv) come as text: read through struct rv. */
	if ((rc = rv_text(c, nc_get(o, K_ID), "Id", &id)) ||
	    (rc = rv_text(c, nc_get(o, K_LOGNAME), "LogName", &w->channel)) ||
	    (rc = rv_text(c, nc_get(o, K_PROVIDERNAME), "ProviderName",
	                  &w->provider)) ||
	    (rc = rv_text(c, nc_get(o, K_MACHINENAME), "MachineName",
	                  &w->computer)) ||
	    (rc = rv_text(c, nc_get(o, K_RECORDID), "RecordId",
	                  &w->record_id)) ||
	    (rc = rv_text(c, nc_get(o, K_TIMECREATED), "TimeCreated", &t)))
		return rc;
	w->event_id = event_id(id);
	w->ts = mh_audit_time(t);
	return MH_OK;
}

const struct mh_norm mh_norm_win_ps = {"win-get-winevent", ps_match, ps_fill};
