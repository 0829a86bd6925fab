/* rec.c - from a parsed record to an event (see rec.h): known keys, the
 * helpers normalisers use, the dedup key, fields made on first use.
 */
#include "readers/record/rec.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/time.h"
#include "core/utf8.h"
#include "readers/record/rawop.h"

/* MARK: - known keys */

static const char *const key_names[K__COUNT] = {
#define MH_KEY(id, name) [(id)] = (name),
#include "readers/record/keys.def"
#undef MH_KEY
};

static struct mh_jkeys known;
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void keys_build(void)
{
	/* keys.def promises no duplicates; a test checks the result. */
	(void)mh_jkeys_init(&known, key_names, K__COUNT);
}

const char *mh_rec_key_name(int k)
{
	return k >= 0 && k < K__COUNT ? key_names[k] : "";
}

const struct mh_jkeys *mh_rec_keys(void)
{
	pthread_once(&keys_once, keys_build);
	return &known;
}

int mh_rec_key_find(const char *name, size_t n)
{
	pthread_once(&keys_once, keys_build);
	return mh_jkeys_find(&known, name, n);
}

/* MARK: - state */

int mh_recstate_init(struct mh_recstate *rs)
{
	pthread_once(&keys_once, keys_build);
	memset(rs, 0, sizeof(*rs));
	mh_arena_init(&rs->arena, 64 << 10, 0);
	mh_flat_init(&rs->flat, &rs->arena, 0);
	return MH_OK;
}

void mh_recstate_release(struct mh_recstate *rs)
{
	for (size_t i = 0; i < NC_POOL; i++)
		mh_json_free(rs->pool[i]);
	free(rs->params);
	free(rs->ops);
	mh_flat_release(&rs->flat);
	mh_arena_release(&rs->arena);
}

static void reset(struct mh_recstate *rs)
{
	mh_arena_reset(&rs->arena);
	rs->pool_used = 0;
	rs->nparams = rs->nops = 0;
	rs->nsrc = 0;
	rs->row = NULL;
	rs->text = MH_SLICE_NULL;
	rs->cols = NULL;
	rs->ncols = 0;
	rs->flat_done = 0;
	rs->nobjs = 0;
	memset(&rs->audit, 0, sizeof(rs->audit));
	rs->audit.record_type = -1;
	rs->audit.user_type = -1;
	rs->audit.logon_type = -1;
	rs->audit.op_count = -1;
	rs->audit.ts = MH_TS_NONE;
	memset(&rs->win, 0, sizeof(rs->win));
	rs->win.event_id = -1;
	rs->win.ts = MH_TS_NONE;
}

/* MARK: - values */

/* The known keys of obj, read out in one pass (mh_jv_index). */
static int index_json(struct mh_recstate *rs, struct robj *o, struct mh_jv obj)
{
	(void)rs;
	memset(o->have, 0, sizeof(o->have));
	o->root = obj;
	o->row = NULL;
	(void)mh_jv_index(obj, &known, o->have, o->slot);
	return MH_OK;
}

static int index_csv(struct mh_recstate *rs, struct robj *o,
                     const struct mh_csv_row *row, const int *col)
{
	memset(o->have, 0, sizeof(o->have));
	o->root = (struct mh_jv){NULL, 0};
	o->row = row;
	for (int k = 0; k < K__COUNT; k++) {
		if (col[k] < 0)
			continue;
		struct mh_jmember *v = &o->slot[k];
		o->have[k] = 1;
		memset(v, 0, sizeof(*v));
		if ((size_t)col[k] >= row->ncells)
			continue;
		if (mh_csv_text(&row->cells[col[k]], &rs->arena, &v->s))
			return MH_ENOMEM;
		v->t = v->s.n ? MH_JSTR : MH_JNONE;
	}
	return MH_OK;
}

int nc_has(const struct robj *o, int k)
{
	return o->have[k];
}

struct rv nc_rv(struct mh_jv v)
{
	struct rv r = {mh_jv_type(v), v, MH_SLICE_NULL, 0};
	if (r.t == MH_JSTR)
		r.s = mh_jv_str(v);
	else if (r.t == MH_JINT && mh_jv_i64(v, &r.i) != MH_OK)
		r.i = 0;
	return r;
}

struct rv nc_get(const struct robj *o, int k)
{
	struct rv r = {MH_JNONE, {NULL, 0}, {NULL, 0}, 0};
	if (o->have[k]) {
		r.t = o->slot[k].t;
		r.jv = o->slot[k].v;
		r.s = o->slot[k].s;
		r.i = o->slot[k].i;
	}
	return r;
}

char *nc_dup(struct nctx *c, const char *p, size_t n)
{
	return mh_arena_strndup(&c->rs->arena, p ? p : "", p ? n : 0);
}

int nc_skip(struct nctx *c, int reason, const char *fmt, ...)
{
	char msg[220];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mh_err_at(c->err, MH_ESKIP, reason, c->pos->path, c->pos->offset,
	          c->pos->line, "%s", msg);
	return MH_ESKIP;
}

static const char *type_name(enum mh_jtype t)
{
	switch (t) {
	case MH_JARR: return "a list";
	case MH_JOBJ: return "an object";
	default: return "not text";
	}
}

int nc_text(struct nctx *c, struct rv v, int k, struct mh_slice *out)
{
	char buf[32];
	*out = MH_SLICE_NULL;
	switch (v.t) {
	case MH_JNONE:
	case MH_JNULL: return MH_OK;
	case MH_JSTR: *out = v.s; return MH_OK;
	case MH_JARR:
	case MH_JOBJ:
		return nc_skip(c, MH_SKIP_MALFORMED,
		               "'%s' is %s where text is expected, record "
		               "skipped",
		               k >= 0 ? key_names[k] : "value", type_name(v.t));
	case MH_JINT: {
		/* Integers (RecordType, UserType, ...) are common: no
		 * printf. */
		char *e = buf + sizeof(buf), *q = e;
		uint64_t u =
		        v.i < 0 ? (uint64_t)0 - (uint64_t)v.i : (uint64_t)v.i;
		do {
			*--q = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (v.i < 0)
			*--q = '-';
		char *d = nc_dup(c, q, (size_t)(e - q));
		if (!d)
			return MH_ENOMEM;
		*out = mh_slice_make(d, (size_t)(e - q));
		return MH_OK;
	}
	default: {
		struct mh_slice t = mh_jv_text(v.jv, buf);
		char *d = nc_dup(c, t.p, t.n);
		if (!d)
			return MH_ENOMEM;
		*out = mh_slice_make(d, t.n);
		return MH_OK;
	}
	}
}

int nc_key_text_slow(struct nctx *c, const struct robj *o, int k,
                     struct mh_slice *out)
{
	return nc_text(c, nc_get(o, k), k, out);
}

int nc_json(struct nctx *c, struct rv v, struct mh_jv *out)
{
	if (v.t == MH_JARR || v.t == MH_JOBJ) {
		*out = v.jv;
		return MH_OK;
	}
	if (v.t != MH_JSTR)
		return MH_ENOTFOUND;
	struct mh_slice t = mh_slice_trim(v.s);
	if (!t.n || (t.p[0] != '{' && t.p[0] != '['))
		return MH_ENOTFOUND;
	struct mh_recstate *rs = c->rs;
	if (rs->pool_used == NC_POOL)
		return MH_ENOTFOUND;
	struct mh_json **j = &rs->pool[rs->pool_used];
	if (!*j && mh_json_new(j) != MH_OK)
		return MH_ENOMEM;
	rs->pool_used++;
	int rc = mh_json_parse_copy(*j, t.p, t.n, out, c->err);
	if (rc == MH_EFORMAT && mh_json_err_utf8(*j)) {
		/* As for whole records (json_reader.c): one bad byte does
		 * not make the record unreadable. */
		struct mh_buf fix = MH_BUF_INIT(t.n * 3 + 1);
		if (mh_utf8_sanitize(t.p, t.n, &fix) == MH_OK)
			rc = mh_json_parse_copy(*j, fix.p, fix.len, out,
			                        c->err);
		mh_buf_release(&fix);
	}
	if (rc == MH_OK && mh_jv_type(*out) != MH_JARR &&
	    mh_jv_type(*out) != MH_JOBJ)
		return MH_ENOTFOUND;
	return rc;
}

struct robj *nc_descend(struct nctx *c, struct mh_jv obj)
{
	struct mh_recstate *rs = c->rs;
	if (mh_jv_type(obj) != MH_JOBJ || rs->nobjs == NC_OBJS)
		return NULL;
	struct robj *o = &rs->objs[rs->nobjs++];
	if (index_json(rs, o, obj) != MH_OK)
		return NULL;
	return o;
}

int nc_param(struct nctx *c, struct mh_slice name, struct mh_slice value,
             struct mh_slice old, int src, int op)
{
	struct mh_recstate *rs = c->rs;
	if (rs->nparams == rs->cap_params) {
		size_t nc = rs->cap_params ? rs->cap_params * 2 : 32;
		struct mh_audit_param *np =
		        realloc(rs->params, nc * sizeof(*np));
		if (!np)
			return MH_ENOMEM;
		rs->params = np;
		rs->cap_params = nc;
	}
	struct mh_audit_param *p = &rs->params[rs->nparams++];
	p->name = name;
	p->value = value;
	p->old = old;
	p->src = (unsigned short)src;
	p->op = (unsigned short)op;
	return MH_OK;
}

int nc_op(struct nctx *c, struct mh_slice op)
{
	struct mh_recstate *rs = c->rs;
	if (rs->nops == rs->cap_ops) {
		size_t nc = rs->cap_ops ? rs->cap_ops * 2 : 8;
		struct mh_slice *no = realloc(rs->ops, nc * sizeof(*no));
		if (!no)
			return MH_ENOMEM;
		rs->ops = no;
		rs->cap_ops = nc;
	}
	rs->ops[rs->nops++] = op;
	return MH_OK;
}

int nc_fields_from(struct nctx *c, struct mh_slice text)
{
	struct mh_recstate *rs = c->rs;
	size_t max = sizeof(rs->src) / sizeof(rs->src[0]);
	/* The last slot is kept for the record's own text. A record found
	 * later is held deeper (a test case's Defender row's RawEventData):
	 * its fields go first. */
	if (rs->nsrc + 1 >= max)
		return MH_OK;
	memmove(&rs->src[1], &rs->src[0], rs->nsrc * sizeof(rs->src[0]));
	rs->src[0].text = text;
	rs->src[0].prefix = MH_SLICE_NULL;
	rs->nsrc++;
	return MH_OK;
}

struct mh_slice nc_member_text(struct nctx *c, const char *const *path,
                               size_t np)
{
	struct mh_slice out = MH_SLICE_NULL;
	const struct mh_slice t = c->text;
	if (!t.n || mh_json_member_text(t.p, t.n, path, np, &out) != MH_OK)
		return MH_SLICE_NULL;
	return out;
}

int nc_client_ip(struct nctx *c, struct mh_slice raw)
{
	char buf[MH_AUDIT_IP_MAX];
	unsigned port = 0;
	c->a->client_ip_raw = raw;
	size_t n = mh_audit_ip(raw, buf, &port);
	if (!n)
		return MH_OK;
	char *d = nc_dup(c, buf, n);
	if (!d)
		return MH_ENOMEM;
	c->a->client_ip = mh_slice_make(d, n);
	c->a->client_port = port;
	return MH_OK;
}

/* MARK: - fields */

static void add_field(struct mh_recstate *rs, const char *prefix,
                      struct mh_slice name, struct mh_slice value)
{
	struct mh_slice n = name;
	if (prefix) {
		size_t pl = strlen(prefix);
		char *d = mh_arena_alloc(&rs->arena, pl + 1 + name.n + 1);
		if (!d)
			return;
		memcpy(d, prefix, pl);
		d[pl] = '.';
		memcpy(d + pl + 1, name.p, name.n);
		d[pl + 1 + name.n] = '\0';
		n = mh_slice_make(d, pl + 1 + name.n);
	}
	(void)mh_flat_add(&rs->flat, n, value);
}

/* JSON text flattened under prefix; nothing kept when it is not JSON (a
 * CSV cell "[EX:/o=...]" starts like it). */
static void flat_text(struct mh_recstate *rs, struct mh_slice text,
                      struct mh_slice prefix)
{
	size_t before = rs->flat.n;
	int rc = mh_flat_json(&rs->flat, text.p, text.n, prefix);
	if (rc == MH_EFORMAT)
		rs->flat.n = before;
}

static const struct mh_field *make_fields(void *ctx, size_t *n)
{
	struct mh_recstate *rs = ctx;
	if (!rs->flat_done) {
		rs->flat_done = 1;
		mh_flat_reset(&rs->flat);
		for (size_t i = 0; i < rs->nsrc; i++)
			flat_text(rs, rs->src[i].text, rs->src[i].prefix);
		const struct mh_csv_row *row = rs->row;
		for (size_t i = 0; row && i < row->ncells; i++) {
			struct mh_slice name =
			        i < rs->ncols ? rs->cols[i] : MH_SLICE_LIT("");
			struct mh_slice v;
			if (mh_csv_text(&row->cells[i], &rs->arena, &v))
				break;
			(void)mh_flat_add(&rs->flat, name, v);
			struct mh_slice t = mh_slice_trim(v);
			if (t.n && (t.p[0] == '{' || t.p[0] == '['))
				flat_text(rs, t, name);
		}
		/* Recipients found inside UpdateInboxRules. */
		for (size_t i = 0; i < rs->nparams; i++)
			if (rs->params[i].src == MH_AP_RULE_ACTION)
				add_field(rs, "RuleActions", rs->params[i].name,
				          rs->params[i].value);
	}
	*n = rs->flat.n;
	return rs->flat.v;
}

/* MARK: - events */

/* The key by which the same record read twice is dropped: the source's
 * Id with what the typed view says the record is. Ids alone are not
 * enough: vendor test fixtures reuse one Id for different records, and a
 * Google Workspace activity's id is its time and a counter. */
static int dedup_key(struct mh_recstate *rs, struct mh_slice *out)
{
	const struct mh_audit *a = &rs->audit;
	/* The time as 16 hex digits (no printf on the hot path). */
	char ts[17];
	uint64_t t = (uint64_t)a->ts;
	for (int i = 15; i >= 0; i--, t >>= 4)
		ts[i] = "0123456789abcdef"[t & 15];
	ts[16] = '\0';
	const struct mh_slice parts[] = {
	        mh_slice_cstr(a->source == MH_AUDIT_GWS ? "gws" : "m365"),
	        a->id,
	        mh_slice_cstr(ts),
	        a->workload,
	        a->operation,
	        a->actor,
	        a->mailbox,
	        a->object,
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		n += parts[i].n + 1;
	for (size_t i = 0; i < rs->nops; i++)
		n += rs->ops[i].n + 1;
	for (size_t i = 0; i < rs->nparams; i++)
		n += rs->params[i].name.n + rs->params[i].value.n + 2;
	char *d = mh_arena_alloc(&rs->arena, n + 1);
	if (!d)
		return MH_ENOMEM;
	size_t k = 0;
#define PUT(s)                                                                 \
	do {                                                                   \
		if ((s).n)                                                     \
			memcpy(d + k, (s).p, (s).n);                           \
		k += (s).n;                                                    \
		d[k++] = '\x1f';                                               \
	} while (0)
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		PUT(parts[i]);
	for (size_t i = 0; i < rs->nops; i++)
		PUT(rs->ops[i]);
	for (size_t i = 0; i < rs->nparams; i++) {
		PUT(rs->params[i].name);
		PUT(rs->params[i].value);
	}
#undef PUT
	*out = mh_slice_make(d, k);
	return MH_OK;
}

/* A Windows event's key: the record id counts within one channel of one
 * computer; with the time, event id and provider, the same record
 * exported twice (evtx_dump and Winlogbeat) is one, and two machines'
 * record 1234 are two. No record id: no key (never dropped). */
static int win_key(struct mh_recstate *rs, struct mh_slice *out)
{
	const struct mh_winevent *w = &rs->win;
	char ts[17], id[24];
	uint64_t t = (uint64_t)w->ts;
	for (int i = 15; i >= 0; i--, t >>= 4)
		ts[i] = "0123456789abcdef"[t & 15];
	ts[16] = '\0';
	/* the event id in decimal, as "%ld" writes it (snprintf cost more
	 * than the rest of the key) */
	size_t il = sizeof(id) - 1;
	unsigned long u = w->event_id < 0 ? 0UL - (unsigned long)w->event_id
	                                  : (unsigned long)w->event_id;
	id[il] = '\0';
	do {
		id[--il] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (w->event_id < 0)
		id[--il] = '-';
	const struct mh_slice parts[] = {
	        MH_SLICE_LIT("win"), w->computer,       w->channel,
	        w->record_id,        mh_slice_cstr(ts), mh_slice_cstr(id + il),
	        w->provider,
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		n += parts[i].n + 1;
	char *d = mh_arena_alloc(&rs->arena, n);
	if (!d)
		return MH_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (parts[i].n)
			memcpy(d + k, parts[i].p, parts[i].n);
		k += parts[i].n;
		d[k++] = '\x1f';
	}
	*out = mh_slice_make(d, k);
	return MH_OK;
}

/* A time for records no normaliser knows, from common keys. */
static int64_t generic_time(struct nctx *c)
{
	static const int keys[] = {K_ATTIMESTAMP,  K_TIMESTAMP,    K_TIME,
	                           K_TIMECREATED,  K_CREATIONTIME, K_DATE,
	                           K_TIMEGENERATED};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct rv v = nc_get(c->top, keys[i]);
		if (v.t == MH_JSTR) {
			int64_t t = mh_audit_time(v.s);
			if (t != MH_TS_NONE)
				return t;
		}
	}
	return MH_TS_NONE;
}

static _Thread_local const struct mh_norm *forced;

void mh_rec_force(const struct mh_norm *norm)
{
	forced = norm;
}

/* ev emptied and placed where pos says (the record's position). */
static void event_at(struct mh_event *ev, const struct mh_recpos *pos)
{
	memset(ev, 0, sizeof(*ev));
	ev->reader = pos->reader;
	ev->path = pos->path;
	ev->offset = pos->offset;
	ev->line = pos->line;
	ev->index = pos->index;
	ev->mailbox = pos->mailbox;
	ev->folder = pos->folder;
}

/* ev->record_hash of an audit record's key (rec.h mh_rec_prefetch): the
 * lead is the bytes between its first two 0x1f (the Id; a key's bytes
 * alone say where it is, so two readers that make one key hash it
 * alike). */
static void audit_key_hash(const struct mh_recstate *rs, struct mh_event *ev)
{
	const char *p = ev->record_id.p, *e = p + ev->record_id.n;
	const char *l = memchr(p, 0x1f, ev->record_id.n);
	l = l ? l + 1 : p;
	const char *le = memchr(l, 0x1f, (size_t)(e - l));
	if (!le)
		le = e;
	size_t ln = (size_t)(le - l);
	/* The lead's hash is a function of its bytes: the prefetch's is
	 * as good when they are the same. */
	if (ln && ln == rs->pf_idn && !memcmp(l, rs->pf_id, ln))
		mh_keyset_hash_a(rs->pf_a, p, ev->record_id.n,
		                 &ev->record_hash);
	else
		mh_keyset_hash_lead(l, ln, p, ev->record_id.n,
		                    &ev->record_hash);
	ev->record_hashed = 1;
}

void mh_rec_prefetch(struct mh_recstate *rs, struct mh_slice id)
{
	if (!rs->seen || !id.n || id.n > sizeof(rs->pf_id) ||
	    memchr(id.p, 0x1f, id.n))
		return;
	struct mh_keyhash h = {mh_keyset_lead(id.p, id.n), 0};
	mh_keyset_prefetch(rs->seen, &h);
	memcpy(rs->pf_id, id.p, id.n);
	rs->pf_idn = id.n;
	rs->pf_a = h.a;
}

/* The dedup key of a record no analytic reads (rawop.h), in the arena:
 * the same for a copy parsed and a copy passed over. MH_OK or
 * MH_ENOMEM. */
static int raw_key(struct mh_recstate *rs, struct mh_slice id, int64_t ts,
                   struct mh_slice op, struct mh_slice *out)
{
	size_t kn = mh_rawop_key_len(id, op);
	char *d = mh_arena_alloc(&rs->arena, kn);
	if (!d)
		return MH_ENOMEM;
	mh_rawop_key_put(d, id, ts, op);
	*out = mh_slice_make(d, kn);
	return MH_OK;
}

/* use: the normaliser (mh_norm_pick's choice), or NULL to choose. */
static int build(struct nctx *c, struct mh_event *ev, const struct mh_norm *use)
{
	struct mh_recstate *rs = c->rs;
	int ni = -1;
	int rc;
	if (use || forced) {
		ni = 0;
		rc = (use ? use : forced)->fill(c);
	} else {
		rc = mh_norm_dispatch(c, &ni);
	}
	if (rc != MH_OK)
		return rc;
	const struct mh_recpos *pos = c->pos;
	event_at(ev, pos);
	ev->fields_fn = make_fields;
	ev->fields_ctx = rs;
	struct mh_audit *a = &rs->audit;
	if (ni < 0) {
		ev->kind = MH_EV_RECORD;
		ev->ts = generic_time(c);
		rs->generic++;
		return 1;
	}
	ev->kind = c->kind;
	if (ev->kind == MH_EV_WINEVENT) {
		ev->win = &rs->win;
		ev->ts = rs->win.ts;
		if (rs->win.shape > 0 && rs->win.shape < MH_WS__COUNT)
			rs->win_shapes[rs->win.shape]++;
		if (rs->win.record_id.n && win_key(rs, &ev->record_id))
			return MH_ENOMEM;
		return 1;
	}
	if (a->operation.p && rs->nops == 0 && nc_op(c, a->operation))
		return MH_ENOMEM;
	a->ops = rs->ops;
	a->nops = rs->nops;
	if (a->nops && !a->operation.p)
		a->operation = a->ops[0];
	a->params = rs->params;
	a->nparams = rs->nparams;
	if (a->snapshot)
		a->ts = MH_TS_NONE;
	ev->ts = a->ts;
	if (ev->kind == MH_EV_AUDIT)
		ev->audit = a;
	if (a->id.n && !a->snapshot) {
		if (rs->audit_ops.on && a->source == MH_AUDIT_M365 &&
		    a->ts != MH_TS_NONE &&
		    !mh_rawop_wanted(&rs->audit_ops, a->operation,
		                     a->record_type)) {
			if (raw_key(rs, a->id, a->ts, a->operation,
			            &ev->record_id))
				return MH_ENOMEM;
		} else if (dedup_key(rs, &ev->record_id)) {
			return MH_ENOMEM;
		}
		audit_key_hash(rs, ev);
	}
	if (a->shape > 0 && a->shape < MH_AS__COUNT)
		rs->shapes[a->shape]++;
	return 1;
}

int mh_rec_unparsed(struct mh_recstate *rs, const struct mh_rawop *o, int shape,
                    const struct mh_recpos *pos, struct mh_event *ev)
{
	reset(rs);
	struct mh_slice key;
	if (raw_key(rs, o->id, o->ts, o->op, &key))
		return MH_ENOMEM;
	struct mh_audit *a = &rs->audit;
	a->source = MH_AUDIT_M365;
	a->shape = shape;
	a->operation = o->op;
	a->ops = &a->operation;
	a->nops = 1;
	a->record_type = o->rtype > INT32_MAX ? -1 : (int)o->rtype;
	a->ts = o->ts;
	a->id = o->id;
	a->actor = o->actor;
	a->mailbox = o->mailbox;
	a->org = o->org;
	a->mailbox_guid = o->guid;
	event_at(ev, pos);
	ev->kind = MH_EV_AUDIT;
	ev->unparsed = shape;
	ev->audit = a;
	ev->record_id = key;
	audit_key_hash(rs, ev);
	ev->ts = o->ts;
	return 1;
}

/* After build said 1 for a JSON record: its fields are made from text
 * (after those of a record it holds), which is its raw text when that
 * alone makes them; root (NULL: not parsed) is the parsed record. */
static void json_done(struct mh_recstate *rs, struct mh_event *ev,
                      struct mh_slice text, const struct mh_jv *root)
{
	rs->src[rs->nsrc].text = text;
	rs->src[rs->nsrc].prefix = MH_SLICE_NULL;
	rs->nsrc++;
	/* Fields from this text alone (nothing held, no rule actions
	 * added): it is the event's raw text. */
	int extra = 0;
	for (size_t i = 0; i < rs->nparams && !extra; i++)
		extra = rs->params[i].src == MH_AP_RULE_ACTION;
	if (rs->nsrc == 1 && !extra) {
		ev->raw = text;
		if (root) {
			rs->root = *root;
			ev->json = &rs->root;
		}
	}
}

int mh_rec_event_json(struct mh_recstate *rs, struct mh_jv root,
                      struct mh_slice text, const struct mh_recpos *pos,
                      struct mh_event *ev, struct mh_err *err)
{
	reset(rs);
	struct robj *top = &rs->objs[rs->nobjs++];
	if (index_json(rs, top, root))
		return MH_ENOMEM;
	struct nctx c = {rs, top, &rs->audit, err, pos, MH_EV_AUDIT, text};
	rs->text = text;
	int rc = build(&c, ev, NULL);
	if (rc == 1)
		json_done(rs, ev, text, &root);
	return rc;
}

/* struct mh_audit top_exact of a record the raw path read: the typed
 * view's operation, workload and record type are the top-level values
 * themselves (the same bytes), and no key of another shape is there. */
static int top_exact(const struct robj *top, const struct mh_audit *a)
{
	static const int other[] = {K_EVENTNAME,  K_EVENTSOURCE,
	                            K_CMDLETNAME, K_OFFICEWORKLOAD,
	                            K_AUDITDATA,  K_RAWEVENTDATA};
	for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++)
		if (top->have[other[i]])
			return 0;
	const struct mh_jmember *op = &top->slot[K_OPERATION];
	const struct mh_jmember *wl = &top->slot[K_WORKLOAD];
	const struct mh_jmember *rt = &top->slot[K_RECORDTYPE];
	return top->have[K_OPERATION] && op->t == MH_JSTR &&
	       op->s.p == a->operation.p && op->s.n == a->operation.n &&
	       top->have[K_WORKLOAD] && wl->t == MH_JSTR &&
	       wl->s.p == a->workload.p && wl->s.n == a->workload.n &&
	       top->have[K_RECORDTYPE] && rt->t == MH_JINT &&
	       rt->i == a->record_type && a->record_type >= 0;
}

/* Name/Value pairs of OperationProperties the raw path takes (a
 * MailItemsAccessed record has two). */
#define RAW_NV 32

extern const struct mh_norm mh_norm_ual_api;

int mh_rec_event_raw(struct mh_recstate *rs, struct mh_slice text,
                     const struct mh_recpos *pos, struct mh_event *ev,
                     struct mh_err *err)
{
	if (forced)
		return 0;
	reset(rs);
	struct robj *top = &rs->objs[rs->nobjs++];
	struct mh_slice nv[2 * RAW_NV];
	size_t nnv = 0;
	if (!mh_rawrec_index(text.p, text.n, top, K_OPERATIONPROPERTIES, nv,
	                     RAW_NV, &nnv))
		return 0;
	/* The parameters come in the order of mh_norm_ual_fill:
	 * OperationProperties' are made here, so no list it reads before
	 * or after may be there. */
	if (top->have[K_PARAMETERS] || top->have[K_MODIFIEDPROPERTIES] ||
	    top->have[K_EXTENDEDPROPERTIES])
		return 0;
	struct nctx c = {rs, top, &rs->audit, err, pos, MH_EV_AUDIT, text};
	if (mh_norm_pick(&c) != &mh_norm_ual_api)
		return 0;
	for (size_t i = 0; i < nnv; i++)
		if (nc_param(&c, nv[2 * i], nv[2 * i + 1], MH_SLICE_NULL,
		             MH_AP_OPERATION_PROPERTIES, 0))
			return MH_ENOMEM;
	rs->text = text;
	int rc = build(&c, ev, &mh_norm_ual_api);
	if (rc == 1) {
		json_done(rs, ev, text, NULL);
		rs->audit.top_exact = top_exact(top, &rs->audit);
	}
	/* A record the normaliser skips: the parse says why. */
	return rc == 1 || rc == MH_ENOMEM ? rc : 0;
}

int mh_rec_event_csv(struct mh_recstate *rs, const struct mh_csv_row *row,
                     const struct mh_slice *cols, size_t ncols, const int *col,
                     const struct mh_recpos *pos, struct mh_event *ev,
                     struct mh_err *err)
{
	reset(rs);
	struct robj *top = &rs->objs[rs->nobjs++];
	if (index_csv(rs, top, row, col))
		return MH_ENOMEM;
	rs->row = row;
	rs->cols = cols;
	rs->ncols = ncols;
	struct nctx c = {rs,  top,         &rs->audit,   err,
	                 pos, MH_EV_AUDIT, MH_SLICE_NULL};
	int rc = build(&c, ev, NULL);
	if (rc == 1) {
		/* Every field is a cell's text, or made from a cell's text
		 * (a JSON cell's members, the record it holds): the row as
		 * written is the event's raw text, in CSV form. */
		ev->raw = mh_slice_make(row->p, row->n);
		ev->raw_csv = 1;
	}
	return rc;
}
