#include "rules/sigma/evview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/time.h"
#include "event/audit.h"
#include "event/winevent.h"
#include "json/json.h"

#define MAX_ALIASES MH_SG_VIEW_ALIASES
/* Name cache slots (a power of two); emptied when half full, so that
 * inputs with endless distinct names cost bounded memory. */
#define NAME_CAP 2048
/* Windows event classes kept (direct-mapped): a power of two. */
#define CLS_MEMO 64

/* The ONE place event fields are read: made on first use for record
 * inputs (event.h), so an event no rule can concern never makes them. */
static const struct mh_field *event_fields(const struct mh_event *ev, size_t *n)
{
	return mh_event_fields(ev, n);
}

int mh_sg_view_init(struct mh_sg_view *v, const struct mh_sigma *set)
{
	memset(v, 0, sizeof(*v));
	v->set = set;
	size_t ns = set->nslots ? set->nslots : 1;
	v->head = malloc(ns * sizeof(*v->head));
	v->tail = malloc(ns * sizeof(*v->tail));
	v->touched = malloc(ns * sizeof(*v->touched));
	if (!v->head || !v->tail || !v->touched) {
		mh_sg_view_release(v);
		return MH_ENOMEM;
	}
	for (size_t i = 0; i < ns; i++)
		v->head[i] = v->tail[i] = -1;
	mh_arena_init(&v->scratch, 64 * 1024, 0);
	mh_arena_init(&v->name_arena, 64 * 1024, 0);
	v->names = calloc(NAME_CAP, sizeof(*v->names));
	v->clsmemo = calloc(CLS_MEMO, sizeof(*v->clsmemo));
	if (!v->names || !v->clsmemo) {
		mh_sg_view_release(v);
		return MH_ENOMEM;
	}
	v->nnames_cap = NAME_CAP;
	return MH_OK;
}

void mh_sg_view_release(struct mh_sg_view *v)
{
	free(v->v);
	free(v->head);
	free(v->tail);
	free(v->touched);
	free(v->names);
	free(v->clsmemo);
	mh_arena_release(&v->scratch);
	mh_arena_release(&v->name_arena);
	memset(v, 0, sizeof(*v));
}

static struct mh_sg_val *push(struct mh_sg_view *v, const char *name,
                              size_t nlen, const char *s, size_t n, int dup)
{
	if (v->n == v->alloc) {
		size_t na = v->alloc ? v->alloc * 2 : 64;
		struct mh_sg_val *nv = realloc(v->v, na * sizeof(*nv));
		if (!nv)
			return NULL;
		v->v = nv;
		v->alloc = na;
	}
	struct mh_sg_val *e = &v->v[v->n++];
	v->vbytes += n;
	e->s = s;
	e->n = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
	e->low = NULL;
	e->slot = -1;
	e->next = -1;
	e->name = name;
	e->nlen = (uint32_t)nlen;
	e->dup = (uint8_t)dup;
	e->comp = 0;
	e->slotset = 0;
	return e;
}

static int name_is(const struct mh_sg_val *e, const char *s)
{
	size_t n = strlen(s);
	return e->nlen == n && !strncasecmp(e->name, s, n);
}

static long parse_long(const char *s, size_t n)
{
	long v = 0;
	if (!s || n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "2025-10-24T23:34:34.640670Z", "2025-10-24 23:34:34.634", offsets. */
static int64_t parse_ts(const char *s, size_t n)
{
	int y, mo, d, hh, mm, ss;
	char buf[48];
	if (!s || n < 19 || n >= sizeof(buf))
		return MH_TS_NONE;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &hh, &mm,
	           &ss) != 6)
		return MH_TS_NONE;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 ||
	    ss > 60)
		return MH_TS_NONE;
	int64_t t = mh_time_from_civil(y, mo, d, hh, mm, ss);
	const char *p = buf + 19;
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int oh = (p[1] - '0') * 10 + (p[2] - '0');
		int om = (p[4] - '0') * 10 + (p[5] - '0');
		int64_t off = (int64_t)(oh * 60 + om) * 60;
		t += *p == '+' ? -off : off;
	}
	return t;
}

/* Sysmon's Message: "Process Create:\r\nRuleName: -\r\nUtcTime: ..." */
static int message_lines(struct mh_sg_view *v, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *eol = memchr(s + i, '\n', n - i);
		size_t end = eol ? (size_t)(eol - s) : n;
		size_t le = end;
		if (le > i && s[le - 1] == '\r')
			le--;
		size_t k = i;
		while (k < le && ((s[k] >= 'A' && s[k] <= 'Z') ||
		                  (s[k] >= 'a' && s[k] <= 'z') ||
		                  (s[k] >= '0' && s[k] <= '9')))
			k++;
		if (k > i && k + 1 < le + 1 && k < le && s[k] == ':' &&
		    (k + 1 == le || s[k + 1] == ' ')) {
			size_t vs = k + 1 < le ? k + 2 : le;
			if (!push(v, s + i, k - i, s + vs, le - vs, 0))
				return MH_ENOMEM;
		}
		i = end + 1;
	}
	return MH_OK;
}

/* Get-WinEvent: the k-th element of Properties[] gets names[k]. */
static int positional(struct mh_sg_view *v, size_t upto, const char *names)
{
	long elem = -1;
	int taken = 1;
	for (size_t i = 0; i < upto; i++) {
		struct mh_sg_val *e = &v->v[i];
		if (e->dup && !e->comp)
			continue;
		if (name_is(e, "Properties") && e->s && e->n &&
		    e->s[0] == '{') {
			elem++;
			taken = 0;
			continue;
		}
		if (taken || !name_is(e, "Properties.Value"))
			continue;
		taken = 1;
		/* names[elem] */
		const char *p = names;
		for (long k = 0; k < elem && p; k++) {
			p = strchr(p, ',');
			if (p)
				p++;
		}
		if (!p)
			continue;
		const char *c = strchr(p, ',');
		size_t nl = c ? (size_t)(c - p) : strlen(p);
		if (!push(v, p, nl, v->v[i].s, v->v[i].n, 0))
			return MH_ENOMEM;
	}
	return MH_OK;
}

static int apply_alias(struct mh_sg_view *v, size_t upto,
                       const struct mh_ls_alias *al)
{
	int fmt_plain = !strcmp(al->format, "%s");
	for (size_t i = 0; i < upto; i++) {
		struct mh_sg_val *e = &v->v[i];
		if (e->nlen != al->field_n ||
		    strncasecmp(e->name, al->field, al->field_n) != 0)
			continue;
		const char *s = e->s;
		size_t n = e->n;
		if (!fmt_plain && s) {
			const char *pc = strstr(al->format, "%s");
			size_t pre = pc ? (size_t)(pc - al->format) : 0;
			size_t post = pc ? strlen(pc + 2) : 0;
			char *o =
			        mh_arena_alloc(&v->scratch, pre + n + post + 1);
			if (!o)
				return MH_ENOMEM;
			memcpy(o, al->format, pre);
			memcpy(o + pre, s, n);
			memcpy(o + pre + n, pc ? pc + 2 : "", post);
			o[pre + n + post] = '\0';
			s = o;
			n = pre + n + post;
		}
		if (!push(v, al->sigma, al->sigma_n, s, n, fmt_plain))
			return MH_ENOMEM;
	}
	return MH_OK;
}

int64_t mh_sg_view_ts(struct mh_sg_view *v)
{
	if (v->ts == MH_TS_NONE && v->timefield) {
		v->ts = parse_ts(v->timefield, v->timefield_n);
		v->timefield = NULL;
	}
	return v->ts;
}

static int is_sysmon(const char *p, size_t n)
{
	return p && n == 24 && !strncasecmp(p, "Microsoft-Windows-Sysmon", 24);
}

/* MARK: - class */

/* An audit record's groups (logsource.def) from its typed view. */
static unsigned audit_groups(const struct mh_audit *a)
{
	if (a->snapshot)
		return 0;
	if (a->source == MH_AUDIT_GWS)
		return 1u << (a->shape == MH_AS_GWS_CLOUD_LOGGING
		                      ? MH_LSG_GCPLOG
		                      : MH_LSG_GWS);
	if (a->source != MH_AUDIT_M365)
		return 0;
	unsigned g = 1u << MH_LSG_M365;
	struct mh_slice op = a->operation;
	int alert = a->record_type == 40 ||
	            mh_slice_ieq(op, MH_SLICE_LIT("AlertTriggered")) ||
	            mh_slice_ieq(op, MH_SLICE_LIT("AlertEntityGenerated")) ||
	            mh_slice_ieq(op, MH_SLICE_LIT("AlertUpdated"));
	g |= 1u << (alert ? MH_LSG_M365_ALERT : MH_LSG_M365_ACT);
	if (a->shape == MH_AS_SENTINEL)
		g |= 1u << MH_LSG_SENTINEL;
	if (a->shape == MH_AS_ADMIN_AUDIT)
		g |= 1u << MH_LSG_ADMIN;
	return g;
}

/* An event without a typed view (a generic record, an event built by
 * hand): the class from its fields, with any Windows shape. */
static void classify_fields(struct mh_sg_view *v, const struct mh_event *ev)
{
	struct mh_ls_input *in = &v->in;
	size_t nf;
	const struct mh_field *f = event_fields(ev, &nf);
	int ps_hits = 0, ps_win = 0, shape = MH_SHAPE_NONE;
	const char *timefield = NULL;
	size_t timefield_n = 0;
	char canon[256];
	for (size_t i = 0; i < nf; i++) {
		struct mh_slice fname = f[i].name, fval = f[i].value;
		int sh;
		const char *cn;
		size_t cl = mh_sg_ls_winname(fname.p, fname.n, MH_SHAPE_NONE,
		                             canon, sizeof(canon), &cn, &sh);
		if (cl) {
			if (sh == MH_SHAPE_PS) {
				ps_hits++;
				ps_win |= (cl == 7 &&
				           !memcmp(cn, "Channel", 7)) ||
				          (cl == 13 &&
				           !memcmp(cn, "Provider_Name", 13));
			} else {
				shape = sh;
			}
			if (cl == 7 && !strncasecmp(cn, "Channel", 7)) {
				in->channel = fval.p;
				in->channel_n = fval.n;
			} else if (cl == 7 && !strncasecmp(cn, "EventID", 7)) {
				in->event_id = parse_long(fval.p, fval.n);
			} else if (cl == 13 &&
			           !strncasecmp(cn, "Provider_Name", 13)) {
				v->provider = fval.p;
				v->provider_n = fval.n;
			} else if (cl == 22 &&
			           !strncasecmp(cn, "TimeCreated_SystemTime",
			                        22)) {
				timefield = fval.p;
				timefield_n = fval.n;
			}
		}
		unsigned g =
		        fval.p ? mh_sg_ls_record_group(fname.p, fname.n) : 0;
		if (g && !in->groups) {
			in->groups = g;
			in->workload = fval.p;
			in->workload_n = fval.n;
		}
		if (!timefield && fval.p &&
		    ((fname.n == 10 && !memcmp(fname.p, "@timestamp", 10)) ||
		     (fname.n == 12 && !memcmp(fname.p, "CreationTime", 12)) ||
		     (fname.n == 7 && !memcmp(fname.p, "id.time", 7)) ||
		     (fname.n == 11 && !memcmp(fname.p, "TimeCreated", 11)))) {
			timefield = fval.p;
			timefield_n = fval.n;
		}
	}
	if (shape == MH_SHAPE_NONE && ps_hits && ps_win)
		shape = MH_SHAPE_PS;
	v->shape = shape;
	v->any_shape = 1;
	in->windows = shape != MH_SHAPE_NONE;
	/* parsed only when a rule matches (mh_sg_view_ts) */
	v->timefield = v->ts == MH_TS_NONE ? timefield : NULL;
	v->timefield_n = timefield_n;
}

int mh_sg_view_classify(struct mh_sg_view *v, const struct mh_event *ev)
{
	for (size_t i = 0; i < v->ntouched; i++)
		v->head[v->touched[i]] = v->tail[v->touched[i]] = -1;
	v->ntouched = 0;
	v->n = 0;
	v->vbytes = 0;
	mh_arena_reset(&v->scratch);
	v->shape = MH_SHAPE_NONE;
	v->any_shape = 0;
	v->ts = ev->ts;
	v->timefield = NULL;
	v->provider = NULL;
	v->provider_n = 0;
	struct mh_ls_input *in = &v->in;
	memset(in, 0, sizeof(*in));
	in->event_id = -1;
	in->mail = ev->kind == MH_EV_MAIL;
	if (ev->win) {
		const struct mh_winevent *w = ev->win;
		v->shape = (int)w->shape;
		in->windows = 1;
		in->channel = w->channel.p;
		in->channel_n = w->channel.n;
		in->event_id = w->event_id;
		v->provider = w->provider.p;
		v->provider_n = w->provider.n;
	} else if (ev->audit) {
		in->groups = audit_groups(ev->audit);
		in->workload = ev->audit->workload.p;
		in->workload_n = ev->audit->workload.n;
	} else if (!in->mail) {
		classify_fields(v, ev);
	}
	/* Sysmon exported without its channel (Get-WinEvent from a saved
	 * log can lose it): the provider says which log it is. */
	if (in->windows && !in->channel &&
	    is_sysmon(v->provider, v->provider_n)) {
		in->channel = "Microsoft-Windows-Sysmon/Operational";
		in->channel_n = strlen(in->channel);
	}
	/* The same input as the last event's: the same class. */
	struct mh_ls_input *l = &v->last.in;
	v->cls_same =
	        v->last.ok && l->windows == in->windows &&
	        l->mail == in->mail && l->event_id == in->event_id &&
	        l->groups == in->groups && l->channel_n == in->channel_n &&
	        l->workload_n == in->workload_n &&
	        !l->channel == !in->channel && !l->workload == !in->workload &&
	        (!in->channel || !in->channel_n ||
	         !memcmp(l->channel, in->channel, in->channel_n)) &&
	        (!in->workload || !in->workload_n ||
	         !memcmp(l->workload, in->workload, in->workload_n));
	if (v->cls_same)
		return MH_OK;
	v->cls_user = NULL;
	if (in->windows && !in->groups && !in->mail && in->channel &&
	    in->channel_n <= sizeof(v->clsmemo->channel)) {
		/* A Windows event's class depends on its channel and event
		 * id alone: made once per pair (most logs have a few). */
		const char *ch = in->channel;
		size_t cn = in->channel_n;
		unsigned h = (unsigned)in->event_id * 0x9e3779b1u ^
		             (unsigned)cn * 0x85ebca77u;
		if (cn)
			h ^= (unsigned char)ch[cn - 1] * 0xc2b2ae3du ^
			     (unsigned char)ch[cn / 2] * 0x27d4eb2fu;
		h ^= h >> 15;
		struct mh_sg_clsmemo *m = &v->clsmemo[h & (CLS_MEMO - 1)];
		if (!m->used || m->event_id != in->event_id ||
		    m->channel_n != cn || memcmp(m->channel, ch, cn) != 0) {
			memcpy(m->channel, ch, cn);
			m->channel_n = cn;
			m->event_id = in->event_id;
			m->used = 1;
			m->user = NULL;
			mh_sg_ls_classify(in, &m->cls);
		}
		v->cls = m->cls;
		v->cls_user = &m->user;
	} else {
		mh_sg_ls_classify(in, &v->cls);
	}
	v->nal = mh_sg_ls_aliases(in, v->al, MAX_ALIASES);
	*l = *in;
	v->last.ok = in->channel_n <= sizeof(v->last.channel) &&
	             in->workload_n <= sizeof(v->last.workload);
	if (v->last.ok) {
		if (in->channel && in->channel_n)
			memcpy(v->last.channel, in->channel, in->channel_n);
		if (in->workload && in->workload_n)
			memcpy(v->last.workload, in->workload, in->workload_n);
		l->channel = in->channel ? v->last.channel : NULL;
		l->workload = in->workload ? v->last.workload : NULL;
	}
	return MH_OK;
}

/* MARK: - values */

/* 1 when name is a member of (or an element of the list) parent. */
static int is_member(struct mh_slice name, struct mh_slice parent)
{
	return name.n >= parent.n && !memcmp(name.p, parent.p, parent.n) &&
	       (name.n == parent.n || name.p[parent.n] == '.');
}

static int push_typed_slice(struct mh_sg_view *v, const struct mh_ls_alias *al,
                            struct mh_slice s)
{
	if (!s.p)
		return MH_OK;
	const char *fmt = al->format;
	if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) /* most: no copy */
		return push(v, al->sigma, al->sigma_n, s.p, s.n, 0) ? MH_OK
		                                                    : MH_ENOMEM;
	const char *pc = strstr(fmt, "%s");
	if (!pc)
		return push(v, al->sigma, al->sigma_n, s.p, s.n, 0) ? MH_OK
		                                                    : MH_ENOMEM;
	size_t pre = (size_t)(pc - fmt), post = strlen(pc + 2);
	char *o = mh_arena_alloc(&v->scratch, pre + s.n + post + 1);
	if (!o)
		return MH_ENOMEM;
	memcpy(o, fmt, pre);
	memcpy(o + pre, s.p, s.n);
	memcpy(o + pre + s.n, pc + 2, post);
	o[pre + s.n + post] = '\0';
	return push(v, al->sigma, al->sigma_n, o, pre + s.n + post, 0)
	               ? MH_OK
	               : MH_ENOMEM;
}

/* A typed-view member (logsource.def AUDIT_ALIAS "@..."). */
static int typed_alias(struct mh_sg_view *v, size_t upto,
                       const struct mh_ls_alias *al, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	const char *m = al->field + 1;
	/* the members' first letters differ: one strcmp per alias */
	if (m[0] == 'w' && !strcmp(m, "workload"))
		return push_typed_slice(
		        v, al,
		        a ? a->workload
		          : mh_slice_make(v->in.workload, v->in.workload_n));
	if (!a)
		return MH_OK;
	if (m[0] == 'o' && !strcmp(m, "operation")) {
		for (size_t i = 0; i < a->nops; i++) {
			int rc = push_typed_slice(v, al, a->ops[i]);
			if (rc)
				return rc;
		}
		return MH_OK;
	}
	if (m[0] == 'e' && !strcmp(m, "event_type"))
		return push_typed_slice(v, al, a->event_type);
	if (m[0] == 'r' && !strcmp(m, "result")) {
		static const char *const words[] = {
		        [MH_AR_OK] = "success",
		        [MH_AR_PARTIAL] = "partial",
		        [MH_AR_FAILED] = "failure",
		};
		if (a->result == MH_AR_UNKNOWN)
			return MH_OK;
		return push_typed_slice(v, al, mh_slice_cstr(words[a->result]));
	}
	if (m[0] == 'i' && !strcmp(m, "invocation")) {
		if (!a->operation.p)
			return MH_OK;
		struct mh_slice params = MH_SLICE_NULL;
		for (size_t i = 0; i < upto && !params.p; i++)
			if (name_is(&v->v[i], "Parameters") && v->v[i].s)
				params = mh_slice_make(v->v[i].s, v->v[i].n);
		size_t n = a->operation.n + 1 + params.n;
		char *o = mh_arena_alloc(&v->scratch, n + 1);
		if (!o)
			return MH_ENOMEM;
		memcpy(o, a->operation.p, a->operation.n);
		o[a->operation.n] = ' ';
		if (params.n)
			memcpy(o + a->operation.n + 1, params.p, params.n);
		o[n] = '\0';
		return push_typed_slice(v, al, mh_slice_make(o, n));
	}
	if (m[0] == 'p' && !strcmp(m, "params")) {
		for (size_t i = 0; i < a->nparams; i++) {
			const struct mh_audit_param *p = &a->params[i];
			if (!p->name.n || !p->value.p)
				continue;
			if (!push(v, p->name.p, p->name.n, p->value.p,
			          p->value.n, 0))
				return MH_ENOMEM;
		}
		return MH_OK;
	}
	return MH_OK;
}

/* Every value whose name starts with the alias's field prefix, also under
 * its sigma prefix. */
static int prefix_alias(struct mh_sg_view *v, size_t upto,
                        const struct mh_ls_alias *al)
{
	for (size_t i = 0; i < upto; i++) {
		const struct mh_sg_val *e = &v->v[i];
		if (e->nlen <= al->field_n ||
		    strncasecmp(e->name, al->field, al->field_n) != 0)
			continue;
		size_t rest = e->nlen - al->field_n;
		char *nm = mh_arena_alloc(&v->scratch, al->sigma_n + rest + 1);
		if (!nm)
			return MH_ENOMEM;
		memcpy(nm, al->sigma, al->sigma_n);
		memcpy(nm + al->sigma_n, e->name + al->field_n, rest);
		nm[al->sigma_n + rest] = '\0';
		const char *s = e->s;
		size_t n = e->n;
		if (!push(v, nm, al->sigma_n + rest, s, n, 1))
			return MH_ENOMEM;
	}
	return MH_OK;
}

size_t mh_sg_view_typed_texts(struct mh_sg_view *v, const struct mh_event *ev,
                              struct mh_slice *out, size_t cap)
{
	const struct mh_ls_alias *al = v->al;
	size_t nal = v->nal, n = 0;
	size_t base = v->n;
	for (size_t k = 0; k < nal; k++)
		if (al[k].field[0] == '@' && typed_alias(v, base, &al[k], ev))
			return (size_t)-1;
	for (size_t i = base; i < v->n && n < cap; i++)
		if (v->v[i].s)
			out[n++] = mh_slice_make(v->v[i].s, v->v[i].n);
	v->n = base; /* the values come again with the fields */
	return n;
}

/* A hash of name[0..n) and want, eight bytes at a time; never 0. */
static uint64_t name_hash(const char *p, size_t n, int want)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL) ^
	             (uint64_t)(unsigned)want;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 29;
	}
	if (i < n) { /* the tail: fixed-size loads, overlapping */
		uint64_t w = 0;
		if (n >= 8) {
			memcpy(&w, p + n - 8, 8);
		} else if (n >= 4) {
			uint32_t x, y;
			memcpy(&x, p, 4);
			memcpy(&y, p + n - 4, 4);
			w = (uint64_t)x << 32 | y;
		} else {
			for (size_t k = 0; k < n; k++)
				w = w << 8 | (unsigned char)p[k];
		}
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	return h ? h : 1;
}

/* A new entry for name at table slot j (hash h, cache key key); in the
 * scratch arena for this event only when the table is full. */
static const struct mh_sg_name *
name_insert(struct mh_sg_view *v, size_t j, uint64_t h, int key,
            const char *name, size_t n, int want, int any_shape,
            const struct mh_sg_name *parent, size_t kn)
{
	/* Full (emptied only between events: the names of this event's
	 * values are in name_arena): this one lives as long as the event. */
	int full = v->nnames >= v->nnames_cap / 2;
	struct mh_arena *ar = full ? &v->scratch : &v->name_arena;
	struct mh_sg_name e = {0};
	e.h = h;
	e.want = key;
	e.nlen = (uint32_t)n;
	e.parent = parent;
	e.klen = (uint32_t)kn;
	e.name = mh_arena_strndup(ar, name, n);
	if (!e.name)
		return NULL;
	e.slot = mh_sigma_slot(v->set, name, n);
	e.cslot = -1;
	if (want != MH_SHAPE_NONE) {
		char canon[256];
		int sh;
		const char *cn;
		size_t cl = mh_sg_ls_winname(name, n,
		                             any_shape ? MH_SHAPE_NONE : want,
		                             canon, sizeof(canon), &cn, &sh);
		if (cl) {
			e.canon = mh_arena_strndup(ar, cn, cl);
			if (!e.canon)
				return NULL;
			e.clen = (uint32_t)cl;
			e.cslot = mh_sigma_slot(v->set, cn, cl);
		}
	}
	if (full) {
		struct mh_sg_name *t = mh_arena_alloc(&v->scratch, sizeof(*t));
		if (t)
			*t = e;
		return t;
	}
	v->names[j] = e;
	v->nnames++;
	return &v->names[j];
}

/* What name (of a Windows event of shape want; MH_SHAPE_NONE: no Sigma
 * name wanted) gives: its slot, its Sigma name and that name's slot.
 * Made once per view and name (mh_sg_ls_winname, mh_sigma_slot), then
 * found by hash. NULL on ENOMEM. */
static const struct mh_sg_name *name_info(struct mh_sg_view *v,
                                          const char *name, size_t n, int want,
                                          int any_shape)
{
	int key = want + (any_shape ? 16 : 0);
	uint64_t h = name_hash(name, n, key);
	size_t mask = v->nnames_cap - 1, j = (size_t)h & mask;
	for (; v->names[j].h; j = (j + 1) & mask) {
		const struct mh_sg_name *e = &v->names[j];
		if (e->h == h && e->nlen == n && e->want == key &&
		    !memcmp(e->name, name, n))
			return e;
	}
	return name_insert(v, j, h, key, name, n, want, any_shape, NULL, 0);
}

/* The same for the member k[0..kn) of the object whose entry is parent
 * (NULL: the record): found by parent and key, without the whole name
 * (made only the first time). NULL on ENOMEM or a name over 4 KiB. */
static const struct mh_sg_name *name_child(struct mh_sg_view *v,
                                           const struct mh_sg_name *parent,
                                           const char *k, size_t kn, int want)
{
	int key = want + (v->any_shape ? 16 : 0) + 32;
	uint64_t h = name_hash(k, kn, key) ^
	             ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL);
	h = h ? h : 1;
	size_t mask = v->nnames_cap - 1, j = (size_t)h & mask;
	for (; v->names[j].h; j = (j + 1) & mask) {
		const struct mh_sg_name *e = &v->names[j];
		if (e->h == h && e->parent == parent && e->want == key &&
		    e->klen == kn && !memcmp(e->name + e->nlen - kn, k, kn))
			return e;
	}
	char name[4096];
	size_t pn = parent ? parent->nlen : 0;
	size_t n = pn + (pn ? 1 : 0) + kn;
	if (n >= sizeof(name))
		return NULL;
	if (pn) {
		memcpy(name, parent->name, pn);
		name[pn] = '.';
	}
	if (kn)
		memcpy(name + n - kn, k, kn);
	return name_insert(v, j, h, key, name, n, want, v->any_shape, parent,
	                   kn);
}

/* The values from the event's fields (event.h), each under its own
 * name and its Sigma name. */
static int field_values(struct mh_sg_view *v, const struct mh_event *ev)
{
	size_t nf;
	const struct mh_field *f = event_fields(ev, &nf);
	for (size_t i = 0; i < nf; i++) {
		struct mh_slice fname = f[i].name, fval = f[i].value;
		/* An object or list's own JSON text (event.h) repeats its
		 * members, escaped: tests that name it see it, keyword search
		 * and the keyword prefilter do not (as for dup). */
		int comp = fval.n && (fval.p[0] == '{' || fval.p[0] == '[') &&
		           i + 1 < nf && is_member(f[i + 1].name, fname);
		const struct mh_sg_name *ni = name_info(
		        v, fname.p, fname.n, comp ? MH_SHAPE_NONE : v->shape,
		        v->any_shape);
		if (!ni)
			return MH_ENOMEM;
		struct mh_sg_val *pe =
		        push(v, fname.p, fname.n, fval.p, fval.n, comp);
		if (!pe)
			return MH_ENOMEM;
		pe->comp = (uint8_t)comp;
		pe->slot = ni->slot;
		pe->slotset = 1;
		if (!ni->canon)
			continue;
		pe = push(v, ni->canon, ni->clen, fval.p, fval.n, 1);
		if (!pe)
			return MH_ENOMEM;
		pe->slot = ni->cslot;
		pe->slotset = 1;
	}
	return MH_OK;
}

/* MARK: - values from the parsed record */

#define DOM_BAIL  1
#define DOM_DEPTH 16
#define DOM_WIDE  128
#define DOM_PATH  512

/* The decimal text of x into the scratch arena. */
static const char *int_text(struct mh_sg_view *v, int64_t x, size_t *n)
{
	char b[24];
	size_t k = sizeof(b);
	uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
	do {
		b[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (x < 0)
		b[--k] = '-';
	*n = sizeof(b) - k;
	return mh_arena_strndup(&v->scratch, b + k, *n);
}

/* One scalar under its own name and its Sigma name, as field_values
 * would push it. */
static int dom_scalar(struct mh_sg_view *v, const struct mh_sg_name *ni,
                      const char *s, size_t n)
{
	struct mh_sg_val *pe = push(v, ni->name, ni->nlen, s, n, 0);
	if (!pe)
		return MH_ENOMEM;
	pe->slot = ni->slot;
	pe->slotset = 1;
	if (!ni->canon)
		return MH_OK;
	pe = push(v, ni->canon, ni->clen, s, n, 1);
	if (!pe)
		return MH_ENOMEM;
	pe->slot = ni->cslot;
	pe->slotset = 1;
	return MH_OK;
}

/* The members of object obj, whose entry is parent (NULL: the record),
 * in the order and under the names the fields would have them.
 * DOM_BAIL where the fields' text cannot be had from the parsed record:
 * a list (its name/value normalisation, flatten.h), an empty object (its
 * text is a value), a real number (as written), an object whose own name
 * a rule tests (its JSON text), very deep or wide records, long names.
 * (A string with a lone surrogate escape is not here: the parser refuses
 * the record.) */
static int dom_obj(struct mh_sg_view *v, struct mh_jv obj,
                   const struct mh_sg_name *parent, int depth)
{
	struct mh_jmember m[DOM_WIDE];
	size_t cnt = mh_jv_members(obj, m, DOM_WIDE);
	/* an empty object's text is its value (the record's own: none) */
	if (cnt > DOM_WIDE || depth > DOM_DEPTH || (parent && cnt == 0))
		return DOM_BAIL;
	size_t pn = parent ? parent->nlen + 1 : 0;
	for (size_t i = 0; i < cnt; i++) {
		const char *k = m[i].key.p;
		size_t kn = m[i].key.n;
		if (pn + kn >= DOM_PATH)
			return DOM_BAIL;
		enum mh_jtype t = m[i].t;
		if (t != MH_JOBJ && t != MH_JSTR && t != MH_JINT &&
		    t != MH_JBOOL && t != MH_JNULL)
			return DOM_BAIL; /* lists, reals, big integers */
		const struct mh_sg_name *ni =
		        name_child(v, parent, k, kn,
		                   t == MH_JOBJ ? MH_SHAPE_NONE : v->shape);
		if (!ni)
			return MH_ENOMEM;
		int rc;
		switch (t) {
		case MH_JOBJ:
			if (ni->slot >= 0)
				return DOM_BAIL;
			rc = dom_obj(v, m[i].v, ni, depth + 1);
			break;
		case MH_JSTR: rc = dom_scalar(v, ni, m[i].s.p, m[i].s.n); break;
		case MH_JINT: {
			size_t n;
			const char *tx = int_text(v, m[i].i, &n);
			rc = tx ? dom_scalar(v, ni, tx, n) : MH_ENOMEM;
			break;
		}
		case MH_JBOOL:
			rc = dom_scalar(v, ni, m[i].i ? "true" : "false",
			                m[i].i ? 4 : 5);
			break;
		default: rc = dom_scalar(v, ni, NULL, 0); break;
		}
		if (rc)
			return rc;
	}
	return MH_OK;
}

int mh_sg_view_build(struct mh_sg_view *v, const struct mh_event *ev)
{
	if (v->nnames >= v->nnames_cap / 2) {
		memset(v->names, 0, v->nnames_cap * sizeof(*v->names));
		v->nnames = 0;
		mh_arena_reset(&v->name_arena);
	}
	/* A Windows event read from JSON: its values straight from the
	 * parsed record, the same as its fields would give (dom_obj),
	 * without making them. Correlations look fields up by any name
	 * (sigma.c), objects' texts included: they take the fields. */
	int rc = DOM_BAIL;
	v->from_json = 0;
	if (ev->json && ev->win && !v->any_shape && !v->set->has_corr &&
	    (v->shape == MH_SHAPE_EVTX || v->shape == MH_SHAPE_ECS)) {
		rc = dom_obj(v, *ev->json, NULL, 0);
		if (rc == DOM_BAIL)
			v->n = 0;
		v->from_json = rc == MH_OK;
	}
	if (rc == DOM_BAIL)
		rc = field_values(v, ev);
	if (rc)
		return rc;
	const struct mh_ls_input *in = &v->in;

	/* Derived names. */
	size_t base = v->n;
	rc = MH_OK;
	if (v->shape == MH_SHAPE_PS && in->channel) {
		const char *pos = mh_sg_ls_positions(in->channel, in->channel_n,
		                                     in->event_id);
		if (pos)
			rc = positional(v, base, pos);
		else if (is_sysmon(v->provider, v->provider_n))
			for (size_t i = 0; i < base && rc == MH_OK; i++)
				if (name_is(&v->v[i], "Message") && v->v[i].s)
					rc = message_lines(v, v->v[i].s,
					                   v->v[i].n);
	}
	const struct mh_ls_alias *al = v->al;
	size_t nal = v->nal;
	size_t upto = v->n;
	for (size_t k = 0; k < nal && rc == MH_OK; k++) {
		if (al[k].field[0] == '@')
			rc = typed_alias(v, upto, &al[k], ev);
		else if (al[k].prefix)
			rc = prefix_alias(v, upto, &al[k]);
		else
			rc = apply_alias(v, upto, &al[k]);
	}
	if (rc)
		return rc;

	/* Slots (lower-cased copies come later: mh_sg_view_scantext). */
	const struct mh_sigma *set = v->set;
	int anyhide = 0;
	for (size_t k = 0; k < nal; k++)
		anyhide |= al[k].hide;
	for (size_t i = 0; i < v->n; i++) {
		struct mh_sg_val *e = &v->v[i];
		int hidden = 0;
		if (i < upto && anyhide)
			for (size_t k = 0; k < nal && !hidden; k++)
				hidden = al[k].hide && name_is(e, al[k].sigma);
		if (hidden) {
			e->slot = -1;
			continue;
		}
		int slot = e->slotset ? e->slot
		                      : mh_sigma_slot(set, e->name, e->nlen);
		e->slot = slot;
		if (slot < 0)
			continue;
		if (v->head[slot] < 0) {
			v->head[slot] = (int32_t)i;
			v->touched[v->ntouched++] = slot;
		} else {
			v->v[v->tail[slot]].next = (int32_t)i;
		}
		v->tail[slot] = (int32_t)i;
	}
	return MH_OK;
}

unsigned mh_sg_view_audit_groups(const struct mh_audit *a)
{
	return audit_groups(a);
}
