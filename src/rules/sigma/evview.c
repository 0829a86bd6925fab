#include "rules/sigma/evview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/time.h"

#define MAX_ALIASES 32

/* The ONE place event fields are read. Returns 0 past the last field. */
static int mh_sg_event_field(const struct mh_event *ev, size_t i,
                             struct mh_slice *name, struct mh_slice *value)
{
	if (i >= ev->nfields)
		return 0;
	*name = ev->fields[i].name;
	*value = ev->fields[i].value;
	return 1;
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
	return MH_OK;
}

void mh_sg_view_release(struct mh_sg_view *v)
{
	free(v->v);
	free(v->head);
	free(v->tail);
	free(v->touched);
	mh_arena_release(&v->scratch);
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
	e->s = s;
	e->n = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
	e->low = NULL;
	e->slot = -1;
	e->next = -1;
	e->name = name;
	e->nlen = (uint32_t)nlen;
	e->dup = (uint8_t)dup;
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
		if (e->dup)
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
		if (!name_is(e, al->field))
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
		if (!push(v, al->sigma, strlen(al->sigma), s, n, fmt_plain))
			return MH_ENOMEM;
	}
	return MH_OK;
}

/* ASCII lower case, eight bytes at a time: a byte gets 0x20 when it is
 * in 'A'..'Z' (bit 7 clear, >= 'A', <= 'Z'). */
static void lower(char *dst, const char *src, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, src + i, 8);
		uint64_t ascii = ~w & (ones * 0x80);
		uint64_t ge_a = (w & (ones * 0x7f)) + ones * (0x80 - 'A');
		uint64_t gt_z = (w & (ones * 0x7f)) + ones * (0x80 - 'Z' - 1);
		uint64_t up = ascii & ge_a & ~gt_z & (ones * 0x80);
		w |= up >> 2;
		memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++) {
		char c = src[i];
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
}

int mh_sg_view_lower(struct mh_sg_view *v, int all)
{
	for (size_t i = 0; i < v->n; i++) {
		struct mh_sg_val *e = &v->v[i];
		if (!e->s || e->low ||
		    !(all ? !e->dup || e->slot >= 0 : e->slot >= 0))
			continue;
		if (i > 0 && v->v[i - 1].s == e->s && v->v[i - 1].low &&
		    v->v[i - 1].n == e->n) {
			e->low = v->v[i - 1].low;
			continue;
		}
		char *lo = mh_arena_alloc(&v->scratch, (size_t)e->n + 1);
		if (!lo)
			return MH_ENOMEM;
		lower(lo, e->s, e->n);
		lo[e->n] = '\0';
		e->low = lo;
		/* the raw entry before a renamed one shares the value */
		if (i > 0 && v->v[i - 1].s == e->s && !v->v[i - 1].low &&
		    v->v[i - 1].n == e->n)
			v->v[i - 1].low = lo;
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

int mh_sg_view_build(struct mh_sg_view *v, const struct mh_event *ev)
{
	for (size_t i = 0; i < v->ntouched; i++)
		v->head[v->touched[i]] = v->tail[v->touched[i]] = -1;
	v->ntouched = 0;
	v->n = 0;
	mh_arena_reset(&v->scratch);
	v->shape = MH_SHAPE_NONE;
	v->ts = ev->ts;

	size_t nrows = mh_sg_ls_audit_rows();
	const char *aval[64];
	size_t alen[64];
	if (nrows > 64)
		nrows = 64;
	memset(aval, 0, sizeof(aval));
	struct mh_ls_input in;
	memset(&in, 0, sizeof(in));
	in.event_id = -1;
	in.mail = ev->kind == MH_EV_MAIL;
	in.audit_val = aval;
	in.audit_len = alen;
	int ps_hits = 0, ps_win = 0;
	const char *provider = NULL, *timefield = NULL;
	size_t provider_n = 0, timefield_n = 0;

	struct mh_slice fname, fval;
	char canon[256];
	for (size_t i = 0; mh_sg_event_field(ev, i, &fname, &fval); i++) {
		int shape;
		const char *cn;
		size_t cl = mh_sg_ls_winname(fname.p, fname.n, canon,
		                             sizeof(canon), &cn, &shape);
		if (!push(v, fname.p, fname.n, fval.p, fval.n, 0))
			return MH_ENOMEM;
		if (cl) {
			const char *c = cn;
			if (cn == canon) { /* rewritten: keep a copy */
				c = mh_arena_strndup(&v->scratch, canon, cl);
				if (!c)
					return MH_ENOMEM;
			}
			if (!push(v, c, cl, fval.p, fval.n, 1))
				return MH_ENOMEM;
			if (shape == MH_SHAPE_PS) {
				ps_hits++;
				if ((cl == 7 && !memcmp(c, "Channel", 7)) ||
				    (cl == 13 &&
				     !memcmp(c, "Provider_Name", 13)))
					ps_win = 1;
			} else {
				v->shape = shape;
			}
			struct mh_sg_val *e = &v->v[v->n - 1];
			if (name_is(e, "Channel")) {
				in.channel = fval.p;
				in.channel_n = fval.n;
			} else if (name_is(e, "EventID")) {
				in.event_id = parse_long(fval.p, fval.n);
			} else if (name_is(e, "Provider_Name")) {
				provider = fval.p;
				provider_n = fval.n;
			} else if (name_is(e, "TimeCreated_SystemTime")) {
				timefield = fval.p;
				timefield_n = fval.n;
			}
		}
		for (size_t r = 0;
		     r < nrows && fname.n && fval.p &&
		     mh_sg_ls_audit_first((unsigned char)fname.p[0]);
		     r++) {
			size_t al;
			const char *af = mh_sg_ls_audit_field(r, &al);
			if (!aval[r] && fval.p && fname.n == al &&
			    !strncasecmp(fname.p, af, fname.n)) {
				aval[r] = fval.p;
				alen[r] = fval.n;
			}
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
	if (v->shape == MH_SHAPE_NONE && ps_hits && ps_win)
		v->shape = MH_SHAPE_PS;
	in.windows = v->shape != MH_SHAPE_NONE;
	if (in.windows && !in.channel && provider && provider_n == 24 &&
	    !strncasecmp(provider, "Microsoft-Windows-Sysmon", 24)) {
		in.channel = "Microsoft-Windows-Sysmon/Operational";
		in.channel_n = strlen(in.channel);
	}
	/* parsed only when a rule matches (mh_sg_view_ts) */
	v->timefield = v->ts == MH_TS_NONE ? timefield : NULL;
	v->timefield_n = timefield_n;
	mh_sg_ls_classify(&in, &v->cls);

	/* Derived names. */
	size_t base = v->n;
	int rc = MH_OK;
	if (v->shape == MH_SHAPE_PS && in.channel) {
		const char *pos = mh_sg_ls_positions(in.channel, in.channel_n,
		                                     in.event_id);
		if (pos)
			rc = positional(v, base, pos);
		else if (provider && provider_n == 24 &&
		         !strncasecmp(provider, "Microsoft-Windows-Sysmon", 24))
			for (size_t i = 0; i < base && rc == MH_OK; i++)
				if (name_is(&v->v[i], "Message") && v->v[i].s)
					rc = message_lines(v, v->v[i].s,
					                   v->v[i].n);
	}
	int src_active[MH_LS_NSOURCES] = {0};
	for (size_t r = 0; r < nrows; r++)
		if (aval[r])
			src_active[mh_sg_ls_audit_source(r)] = 1;
	struct mh_ls_alias al[MAX_ALIASES];
	size_t nal = mh_sg_ls_aliases(&in, src_active, al, MAX_ALIASES);
	size_t upto = v->n;
	for (size_t k = 0; k < nal && rc == MH_OK; k++)
		rc = apply_alias(v, upto, &al[k]);
	if (rc)
		return rc;

	/* Slots (lower-cased copies come later: mh_sg_view_lower). */
	const struct mh_sigma *set = v->set;
	for (size_t i = 0; i < v->n; i++) {
		struct mh_sg_val *e = &v->v[i];
		int hidden = 0;
		if (i < upto)
			for (size_t k = 0; k < nal && !hidden; k++)
				hidden = al[k].hide && name_is(e, al[k].sigma);
		if (hidden)
			continue;
		int slot = mh_sigma_slot(set, e->name, e->nlen);
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
