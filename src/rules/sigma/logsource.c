#include "rules/sigma/logsource.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { PREFIX = 1, SKIP1, SYSTEM, EXACT };
enum { EVTX = MH_SHAPE_EVTX, ECS = MH_SHAPE_ECS, PS = MH_SHAPE_PS };
enum {
	M365 = MH_LSG_M365,
	M365_ACT = MH_LSG_M365_ACT,
	M365_ALERT = MH_LSG_M365_ALERT,
	SENTINEL = MH_LSG_SENTINEL,
	ADMIN = MH_LSG_ADMIN,
	GWS = MH_LSG_GWS,
	GCPLOG = MH_LSG_GCPLOG,
};

static const struct {
	int shape, kind;
	const char *from;
	size_t flen;
	const char *to;
	size_t tlen;
} shapes[] = {
#define WIN_SHAPE(s, k, f, t) {s, k, f, sizeof(f) - 1, t, sizeof(t) - 1},
#include "rules/sigma/logsource.def"
#undef WIN_SHAPE
};

static const struct {
	const char *svc, *channel;
} services[] = {
#define WIN_SERVICE(s, c) {s, c},
#include "rules/sigma/logsource.def"
#undef WIN_SERVICE
};

static const struct {
	const char *cat, *channel;
	long eid;
} categories[] = {
#define WIN_CATEGORY(c, ch, e) {c, ch, e},
#include "rules/sigma/logsource.def"
#undef WIN_CATEGORY
};

static const struct {
	const char *channel;
	long eid;
	const char *sigma, *field;
} winalias[] = {
#define WIN_ALIAS(ch, e, s, f) {ch, e, s, f},
#include "rules/sigma/logsource.def"
#undef WIN_ALIAS
};

static const struct {
	const char *channel;
	long eid;
	const char *names;
} winpos[] = {
#define WIN_POS(ch, e, n) {ch, e, n},
#include "rules/sigma/logsource.def"
#undef WIN_POS
};

static const struct {
	int group;
	const char *prod, *svc, *workload;
} audit[] = {
#define AUDIT_SOURCE(g, p, s, w) {g, p, s, w},
#include "rules/sigma/logsource.def"
#undef AUDIT_SOURCE
};

static const struct {
	int group;
	const char *sigma, *field, *format;
	size_t sigma_n,
	        field_n; /* lengths, so that none is counted per event */
} auditalias[] = {
#define AUDIT_ALIAS(g, s, f, fmt) {g, s, f, fmt, sizeof(s) - 1, sizeof(f) - 1},
#include "rules/sigma/logsource.def"
#undef AUDIT_ALIAS
};

static const struct {
	const char *prod, *svc, *cat;
} other[] = {
#define OTHER_SOURCE(p, s, c) {p, s, c},
#include "rules/sigma/logsource.def"
#undef OTHER_SOURCE
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int mh_sg_ls_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcasecmp(a, b);
}

static int eqn(const char *a, const char *b, size_t bn)
{
	return strlen(a) == bn && !strncasecmp(a, b, bn);
}

int mh_sg_ls_known(const char *cat, const char *prod, const char *svc)
{
	if (!cat && !prod && !svc)
		return 1;
	if (!prod || !strcasecmp(prod, "windows")) {
		int cat_ok = !cat, svc_ok = !svc;
		for (size_t i = 0; i < N(categories) && !cat_ok; i++)
			cat_ok = !strcasecmp(categories[i].cat, cat);
		for (size_t i = 0; i < N(services) && !svc_ok; i++)
			svc_ok = !strcasecmp(services[i].svc, svc);
		/* a category and a service together must come from the
		 * same channel */
		if (cat_ok && svc_ok && cat && svc) {
			int both = 0;
			for (size_t i = 0; i < N(categories) && !both; i++)
				for (size_t j = 0; j < N(services) && !both;
				     j++)
					both = !strcasecmp(categories[i].cat,
					                   cat) &&
					       !strcasecmp(services[j].svc,
					                   svc) &&
					       !strcmp(categories[i].channel,
					               services[j].channel);
			cat_ok = both;
		}
		if (cat_ok && svc_ok)
			return 1;
	}
	if (!cat) {
		for (size_t i = 0; i < N(audit); i++)
			if (prod && !strcasecmp(audit[i].prod, prod) &&
			    (!svc || !strcasecmp(audit[i].svc, svc)))
				return 1;
	}
	for (size_t i = 0; i < N(other); i++)
		if (!mh_sg_ls_eq(other[i].prod, prod) &&
		    !mh_sg_ls_eq(other[i].svc, svc) &&
		    !mh_sg_ls_eq(other[i].cat, cat))
			return 1;
	return 0;
}

static void add(const char **v, uint8_t *n, const char *s)
{
	for (uint8_t i = 0; i < *n; i++)
		if (v[i] == s || !strcmp(v[i], s))
			return;
	if (*n < MH_LS_MAX)
		v[(*n)++] = s;
}

void mh_sg_ls_classify(const struct mh_ls_input *in, struct mh_ls_class *out)
{
	memset(out, 0, sizeof(*out));
	if (in->mail)
		add(out->cat, &out->ncat, "mail");
	if (in->windows) {
		add(out->prod, &out->nprod, "windows");
		if (in->channel) {
			for (size_t i = 0; i < N(services); i++)
				if (eqn(services[i].channel, in->channel,
				        in->channel_n))
					add(out->svc, &out->nsvc,
					    services[i].svc);
			for (size_t i = 0; i < N(categories); i++)
				if (categories[i].eid == in->event_id &&
				    eqn(categories[i].channel, in->channel,
				        in->channel_n))
					add(out->cat, &out->ncat,
					    categories[i].cat);
		}
	}
	for (size_t i = 0; in->groups && i < N(audit); i++) {
		if (!(in->groups & (1u << audit[i].group)))
			continue;
		if (audit[i].workload &&
		    !eqn(audit[i].workload, in->workload, in->workload_n))
			continue;
		add(out->prod, &out->nprod, audit[i].prod);
		add(out->svc, &out->nsvc, audit[i].svc);
	}
}

static int in_set(const char *const *v, uint8_t n, const char *s)
{
	for (uint8_t i = 0; i < n; i++)
		if (!strcasecmp(v[i], s))
			return 1;
	return 0;
}

int mh_sg_ls_match(const struct mh_ls_class *c, const char *cat,
                   const char *prod, const char *svc)
{
	return (!cat || in_set(c->cat, c->ncat, cat)) &&
	       (!prod || in_set(c->prod, c->nprod, prod)) &&
	       (!svc || in_set(c->svc, c->nsvc, svc));
}

unsigned mh_sg_ls_record_group(const char *name, size_t n)
{
	static const struct {
		const char *field;
		unsigned groups;
	} by[] = {
	        {"Workload", 1u << M365 | 1u << M365_ACT},
	        {"id.applicationName", 1u << GWS},
	        {"protoPayload.serviceName", 1u << GCPLOG},
	};
	for (size_t i = 0; i < N(by); i++)
		if (eqn(by[i].field, name, n))
			return by[i].groups;
	return 0;
}

size_t mh_sg_ls_workloads(unsigned groups, const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < N(audit) && n < cap; i++)
		if ((groups & (1u << audit[i].group)) && audit[i].workload)
			out[n++] = audit[i].workload;
	return n;
}

size_t mh_sg_ls_aliases(const struct mh_ls_input *in, struct mh_ls_alias *out,
                        size_t cap)
{
	size_t n = 0;
	if (in->windows && in->channel)
		for (size_t i = 0; i < N(winalias) && n < cap; i++)
			if (winalias[i].eid == in->event_id &&
			    eqn(winalias[i].channel, in->channel,
			        in->channel_n)) {
				memset(&out[n], 0, sizeof(out[n]));
				out[n].sigma = winalias[i].sigma;
				out[n].sigma_n = strlen(winalias[i].sigma);
				out[n].field = winalias[i].field;
				out[n].field_n = strlen(winalias[i].field);
				out[n].format = "%s";
				out[n++].hide = 1;
			}
	for (size_t i = 0; in->groups && i < N(auditalias) && n < cap; i++) {
		if (!(in->groups & (1u << auditalias[i].group)))
			continue;
		struct mh_ls_alias *a = &out[n++];
		memset(a, 0, sizeof(*a));
		a->sigma = auditalias[i].sigma;
		a->field = auditalias[i].field;
		a->format = auditalias[i].format;
		a->sigma_n = auditalias[i].sigma_n;
		a->field_n = auditalias[i].field_n;
		if (a->field_n && a->field[a->field_n - 1] == '*') {
			a->prefix = 1;
			a->field_n--;
			if (a->sigma_n)
				a->sigma_n--;
		}
	}
	return n;
}

const char *mh_sg_ls_positions(const char *channel, size_t channel_n, long eid)
{
	for (size_t i = 0; i < N(winpos); i++)
		if (winpos[i].eid == eid &&
		    eqn(winpos[i].channel, channel, channel_n))
			return winpos[i].names;
	return NULL;
}

size_t mh_sg_ls_winname(const char *name, size_t n, int want, char *out,
                        size_t cap, const char **res, int *shape)
{
	*shape = MH_SHAPE_NONE;
	*res = NULL;
	if (n == 0)
		return 0;
	/* Cheap dispatch: every shape's names start with E, w, I, L, P, M
	 * or R. */
	char c = name[0];
	if (c != 'E' && c != 'w' && c != 'I' && c != 'L' && c != 'P' &&
	    c != 'M' && c != 'R')
		return 0;
	for (size_t i = 0; i < N(shapes); i++) {
		const char *f = shapes[i].from;
		size_t fl = shapes[i].flen;
		if (fl > n || f[0] != c || (want && shapes[i].shape != want))
			continue;
		if (shapes[i].kind == EXACT) {
			if (n != fl || memcmp(name, f, fl) != 0)
				continue;
			*res = shapes[i].to;
			*shape = shapes[i].shape;
			return shapes[i].tlen;
		}
		if (n == fl || memcmp(name, f, fl) != 0)
			continue;
		const char *r = name + fl;
		size_t rl = n - fl;
		*shape = shapes[i].shape;
		if (shapes[i].kind == SKIP1) {
			const char *dot = memchr(r, '.', rl);
			if (!dot) {
				*shape = MH_SHAPE_NONE;
				return 0;
			}
			rl -= (size_t)(dot + 1 - r);
			r = dot + 1;
		}
		if (shapes[i].kind != SYSTEM || !memchr(r, '.', rl)) {
			*res = r; /* a tail of the name itself */
			return rl;
		}
		size_t o = 0;
		for (size_t k = 0; k < rl && o + 1 < cap; k++) {
			if (r[k] == '.') {
				static const char attr[] = ".#attributes.";
				static const char text[] = ".#text";
				if (rl - k >= sizeof(attr) - 1 &&
				    !memcmp(r + k, attr, sizeof(attr) - 1)) {
					out[o++] = '_';
					k += sizeof(attr) - 2;
					continue;
				}
				if (rl - k == sizeof(text) - 1 &&
				    !memcmp(r + k, text, sizeof(text) - 1))
					break;
				out[o++] = '_';
				continue;
			}
			out[o++] = r[k];
		}
		*res = out;
		return o;
	}
	return 0;
}
