/* sigma_replay.c - test tool: run Sigma rules over records given as
 * flattened fields, until mailhunt's own JSON reader lands.
 *
 * usage: sigma_replay [--placeholder N=V] RULES_PATH FLAT_FILE
 *
 * FLAT_FILE holds records as lines "NAME<TAB>JSON-VALUE" (the field
 * convention of event/event.h: key paths joined with '.', array elements
 * sharing the path), each record ended by an empty line; the CLI tests
 * make it from JSON with jq. Every record becomes an event (kind
 * WINEVENT, path FLAT_FILE, index = record number - 1) and goes through
 * the sigma analytic exactly as `scan` drives it. Prints one line per
 * record with the ids of the rules it matched, then one line per finding:
 * "finding RULE_ID count=N level=L author=... link=...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytic.h"
#include "rules/sigma/match.h"
#include "rules/sigma/sigma.h"

/* JSON scalar text to bytes: strings unescaped (\uXXXX to UTF-8), null
 * to NULL, numbers and booleans as written. */
static char *json_value(const char *s, size_t *n, int *is_null)
{
	*is_null = 0;
	if (!strcmp(s, "null")) {
		*is_null = 1;
		*n = 0;
		return NULL;
	}
	size_t l = strlen(s);
	char *o = malloc(l + 1), *p = o;
	if (!o)
		return NULL;
	if (s[0] != '"') {
		memcpy(o, s, l + 1);
		*n = l;
		return o;
	}
	for (size_t i = 1; i + 1 < l; i++) {
		if (s[i] != '\\') {
			*p++ = s[i];
			continue;
		}
		char c = s[++i];
		switch (c) {
		case 'n': *p++ = '\n'; break;
		case 't': *p++ = '\t'; break;
		case 'r': *p++ = '\r'; break;
		case 'b': *p++ = '\b'; break;
		case 'f': *p++ = '\f'; break;
		case 'u': {
			unsigned cp = (unsigned)strtoul(
			        (char[5]){s[i + 1], s[i + 2], s[i + 3],
			                  s[i + 4], 0},
			        NULL, 16);
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && s[i + 1] == '\\' &&
			    s[i + 2] == 'u') {
				unsigned lo = (unsigned)strtoul(
				        (char[5]){s[i + 3], s[i + 4], s[i + 5],
				                  s[i + 6], 0},
				        NULL, 16);
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				i += 6;
			}
			if (cp < 0x80) {
				*p++ = (char)cp;
			} else if (cp < 0x800) {
				*p++ = (char)(0xc0 | (cp >> 6));
				*p++ = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*p++ = (char)(0xe0 | (cp >> 12));
				*p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*p++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*p++ = (char)(0xf0 | (cp >> 18));
				*p++ = (char)(0x80 | ((cp >> 12) & 0x3f));
				*p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*p++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default: *p++ = c; break;
		}
	}
	*p = '\0';
	*n = (size_t)(p - o);
	return o;
}

int main(int argc, char **argv)
{
	struct mh_sigma_phs ph;
	mh_sigma_phs_init(&ph);
	int a = 1;
	while (a + 1 < argc && !strcmp(argv[a], "--placeholder")) {
		if (mh_sigma_phs_add(&ph, argv[a + 1]))
			return 2;
		a += 2;
	}
	if (argc - a != 2) {
		fputs("usage: sigma_replay [--placeholder N=V] RULES FLAT\n",
		      stderr);
		return 2;
	}
	struct mh_sigma_opts o = {0};
	o.ph = ph.v;
	o.nph = ph.n;
	struct mh_sigma *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	const char *rp[1] = {argv[a]};
	if (mh_sigma_load(rp, 1, &o, &s, &err)) {
		fprintf(stderr, "sigma_replay: %s\n", err.msg);
		return 3;
	}
	for (size_t i = 0; i < s->nrefused; i++)
		fprintf(stderr, "refused: %s:%u: %s\n", s->refused[i].path,
		        s->refused[i].line, s->refused[i].reason);
	FILE *f = fopen(argv[a + 1], "r");
	if (!f) {
		perror(argv[a + 1]);
		return 3;
	}
	struct mh_analytic_conf conf = {0};
	conf.sigma = s;
	conf.max_evidence = 5;
	void *acc = NULL;
	if (mh_analytic_sigma.create(&acc, &conf, &err))
		return 4;
	/* a second context only to print per-record matches */
	struct mh_sigma_ctx *ctx = NULL;
	if (mh_sigma_ctx_new(s, &ctx))
		return 4;
	struct mh_field *fields = NULL;
	char **owned = NULL;
	size_t nf = 0, af = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t rec = 0;
	int done = 0;
	while (!done) {
		len = getline(&line, &cap, f);
		if (len < 0)
			done = 1;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!done && len > 0) {
			char *tab = strchr(line, '\t');
			if (!tab)
				continue;
			*tab = '\0';
			if (nf == af) {
				af = af ? af * 2 : 64;
				fields = realloc(fields, af * sizeof(*fields));
				owned = realloc(owned, 2 * af * sizeof(*owned));
				if (!fields || !owned)
					return 4;
			}
			size_t vn;
			int isnull;
			char *v = json_value(tab + 1, &vn, &isnull);
			char *nm = strdup(line);
			owned[2 * nf] = nm;
			owned[2 * nf + 1] = v;
			fields[nf].name = mh_slice_make(nm, strlen(nm));
			fields[nf].value =
			        isnull ? MH_SLICE_NULL : mh_slice_make(v, vn);
			nf++;
			continue;
		}
		if (nf == 0)
			continue;
		struct mh_event ev = {0};
		ev.kind = MH_EV_WINEVENT;
		ev.reader = "flat";
		ev.path = argv[a + 1];
		ev.index = rec++;
		ev.line = 0;
		ev.ts = MH_TS_NONE;
		ev.fields = fields;
		ev.nfields = nf;
		const uint32_t *m;
		size_t n;
		if (mh_sigma_match(ctx, &ev, &m, &n) ||
		    mh_analytic_sigma.event(acc, &ev, &err))
			return 4;
		printf("record %llu:", (unsigned long long)rec);
		for (size_t i = 0; i < n; i++)
			printf(" %s", s->rules[m[i]].id ? s->rules[m[i]].id
			                                : s->rules[m[i]].title);
		putchar('\n');
		for (size_t i = 0; i < 2 * nf; i++)
			free(owned[i]);
		nf = 0;
	}
	struct mh_findings l = {0};
	if (mh_analytic_sigma.findings(acc, &l))
		return 4;
	mh_findings_sort(&l);
	for (size_t i = 0; i < l.n; i++) {
		const struct mh_finding *fi = l.v[i];
		const char *au = mh_finding_attr_get(fi, "author");
		const char *ln = mh_finding_attr_get(fi, "rule_link");
		printf("finding %s count=%llu level=%s author=%s link=%s "
		       "evidence=%zu fields=%s\n",
		       fi->rule_id,
		       (unsigned long long)(fi->ncounts ? fi->counts[0].value
		                                        : 0),
		       mh_level_name(fi->level), au ? au : "-", ln ? ln : "-",
		       fi->nevidence,
		       fi->nevidence && fi->evidence[0].fields
		               ? fi->evidence[0].fields
		               : "-");
	}
	mh_findings_release(&l);
	mh_analytic_sigma.destroy(acc);
	mh_sigma_ctx_free(ctx);
	free(fields);
	free(owned);
	free(line);
	fclose(f);
	mh_sigma_free(s);
	mh_sigma_phs_release(&ph);
	return 0;
}
