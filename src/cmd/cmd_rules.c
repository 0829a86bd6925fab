/* cmd_rules.c - `mailhunt rules list|show|lint`: look at Sigma rules
 * without scanning anything. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/escape.h"
#include "finding/finding.h"
#include "rules/sigma/prefilter.h"
#include "rules/sigma/regex.h"
#include "rules/sigma/ruleset.h"
#include "analytics/analytic.h"
#include "rules/sigma/sigma.h"

static const char rules_help[] =
        "usage: mailhunt rules list [--placeholder NAME=VALUE] [PATH...]\n"
        "       mailhunt rules show ID PATH...\n"
        "       mailhunt rules lint [--placeholder NAME=VALUE] PATH...\n"
        "\n"
        "Loads Sigma rules (files, or directories walked for *.yml and "
        "*.yaml) the\nway 'mailhunt scan --rules' does, without reading "
        "any evidence.\n"
        "\n"
        "  list   one line per rule: id, level, status, logsource, title;\n"
        "         then how many loaded, were refused and would be idle;\n"
        "         without PATH the built-in analytics\n"
        "  show   everything about one rule (by id or name): its file, "
        "author,\n"
        "         link, tags, logsource and what it tests\n"
        "  lint   every problem of every rule with file, line and reason; "
        "exit 3\n"
        "         when any rule cannot be loaded, 0 when all load\n"
        "\n"
        "options:\n"
        "      --placeholder NAME=VALUE  a value for %NAME% in rules using "
        "the\n"
        "                       expand modifier (repeatable; several "
        "values for one\n"
        "                       name are OR-ed)\n"
        "  -q, --quiet          lint: problems only, no summary\n"
        "\n"
        "examples:\n"
        "  mailhunt rules lint ~/sigma/rules\n"
        "      check a rule tree before a scan; every refusal is listed\n"
        "  mailhunt rules lint my-rules/ && mailhunt scan --rules my-rules/ "
        "evidence/\n"
        "      only scan with rules that all load\n"
        "  mailhunt rules list ~/sigma/rules/cloud/m365\n"
        "      what would run on Microsoft 365 audit logs\n"
        "  mailhunt rules list\n"
        "      the built-in analytics\n"
        "  mailhunt rules show c726e007-2cd0-4a55-abfb-79730fbedee5 "
        "~/sigma/rules\n"
        "      one rule (mail forwarding in Microsoft 365): file, author, "
        "link,\n"
        "      what it tests\n"
        "  mailhunt rules lint --placeholder Admins=adm_* "
        "~/sigma/rules-placeholder\n"
        "      rules using %Admins% load once it has a value\n";

static void put_term(FILE *f, const char *s, size_t max)
{
	struct mh_buf b = MH_BUF_INIT(8192);
	if (s)
		mh_escape_term(s, strlen(s), max, &b);
	fputs(mh_buf_cstr(&b), f);
	mh_buf_release(&b);
}

static void on_refuse(const struct mh_sg_refusal *r, void *ud)
{
	FILE *f = ud;
	fputs("mailhunt: ", f);
	put_term(f, r->path, 0);
	if (r->line)
		fprintf(f, ":%u", r->line);
	if (r->col)
		fprintf(f, ":%u", r->col);
	fputs(": ", f);
	put_term(f, r->reason, 0);
	fputc('\n', f);
}

static void logsource(FILE *f, const struct mh_sg_rule *r)
{
	fprintf(f, "%s/%s/%s", r->product ? r->product : "",
	        r->category ? r->category : "", r->service ? r->service : "");
}

__attribute__((format(printf, 1, 2))) static int usage(const char *fmt, ...)
{
	va_list ap;
	fputs("mailhunt rules: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nsee 'mailhunt rules --help'\n", stderr);
	return MH_EXIT_USAGE;
}

static void show_rule(const struct mh_sigma *s, const struct mh_sg_rule *r)
{
	static const char *const kinds[] = {"?", "detection", "correlation",
	                                    "filter"};
	printf("id:        ");
	put_term(stdout, r->id ? r->id : "-", 0);
	printf("\ntitle:     ");
	put_term(stdout, r->title, 0);
	printf("\nkind:      %s\n", kinds[r->kind]);
	printf("file:      ");
	put_term(stdout, r->path, 0);
	printf(":%u\n", r->line);
	printf("level:     %s\n", mh_level_name((enum mh_level)r->level));
	printf("status:    ");
	put_term(stdout, r->status ? r->status : "-", 0);
	printf("\nauthor:    ");
	put_term(stdout, r->author ? r->author : "-", 0);
	printf("\nlink:      ");
	put_term(stdout, r->link ? r->link : "-", 0);
	printf("\ntags:     ");
	for (uint32_t i = 0; i < r->ntags; i++) {
		putchar(' ');
		put_term(stdout, r->tags[i], 0);
	}
	if (r->kind != MH_SG_CORRELATION) {
		printf("\nlogsource: ");
		logsource(stdout, r);
		printf(" (%s)\n",
		       r->bucket >= 0 && s->buckets[r->bucket].satisfiable
		               ? "mailhunt can read such events"
		               : "no input mailhunt reads has it: idle");
		printf("fields:   ");
		for (uint32_t i = 0; i < r->nslots; i++) {
			putchar(' ');
			put_term(stdout, s->slot_name[r->slots[i]], 0);
		}
		if (r->nslots == 0)
			printf(" (keywords only)");
		printf("\nselections:");
		for (uint32_t i = 0; i < r->det.nsels; i++) {
			putchar(' ');
			put_term(stdout, r->det.sels[i].name, 0);
		}
		printf("\nfilters:   %u\n", r->nfilters);
	} else {
		printf("\ncorrelates:");
		for (uint32_t i = 0; i < r->corr.nrules; i++) {
			putchar(' ');
			const struct mh_sg_rule *o =
			        &s->rules[r->corr.rules[i]];
			put_term(stdout, o->name ? o->name : o->id, 0);
		}
		printf("\ntimespan:  %llds\ngroup-by: ",
		       (long long)r->corr.span);
		for (uint32_t i = 0; i < r->corr.ngroup; i++) {
			putchar(' ');
			put_term(stdout, r->corr.group[i], 0);
		}
		putchar('\n');
	}
	if (r->description) {
		printf("description:\n  ");
		put_term(stdout, r->description, 2000);
		putchar('\n');
	}
}

int mh_cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(rules_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? MH_EXIT_USAGE : MH_EXIT_OK;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "lint") != 0)
		return usage("'%s' is not list, show or lint", sub);
	static const struct option longopts[] = {
	        {"placeholder", required_argument, NULL, 'p'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct mh_sigma_phs phs;
	mh_sigma_phs_init(&phs);
	int quiet = 0, c, ret = MH_EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":qh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			if (mh_sigma_phs_add(&phs, optarg)) {
				mh_sigma_phs_release(&phs);
				return usage("bad --placeholder '%s' (use "
				             "NAME=VALUE)",
				             optarg);
			}
			break;
		case 'q': quiet = 1; break;
		case 'h':
			fputs(rules_help, stdout);
			mh_sigma_phs_release(&phs);
			return MH_EXIT_OK;
		default:
			mh_sigma_phs_release(&phs);
			return usage("unknown option '%s'", argv[optind]);
		}
	}
	int first = optind + 1;
	const char *want = NULL;
	if (!strcmp(sub, "show")) {
		if (first >= argc) {
			mh_sigma_phs_release(&phs);
			return usage("show needs a rule id%s", "");
		}
		want = argv[first++];
	}
	if (first >= argc && !strcmp(sub, "list")) {
		/* No PATH: what runs without --rules. */
		mh_sigma_phs_release(&phs);
		for (size_t i = 0; mh_analytics[i]; i++)
			if (mh_analytics[i] != &mh_analytic_sigma)
				printf("built-in  %s\n", mh_analytics[i]->name);
		puts("(Sigma rules: 'mailhunt rules list PATH'; the built-in "
		     "rules are described in docs/FORWARDING.md)");
		return MH_EXIT_OK;
	}
	if (first >= argc) {
		mh_sigma_phs_release(&phs);
		return usage("no rules PATH given%s", "");
	}
	struct mh_sigma_opts o = {0};
	o.ph = phs.v;
	o.nph = phs.n;
	int lint = !strcmp(sub, "lint");
	if (lint) {
		o.on_refuse = on_refuse;
		o.ud = stdout;
	}
	struct mh_sigma *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	int rc = mh_sigma_load((const char *const *)argv + first,
	                       (size_t)(argc - first), &o, &s, &err);
	if (rc) {
		fprintf(stderr, "mailhunt: %s\n", err.msg);
		mh_sigma_phs_release(&phs);
		return rc == MH_ENOMEM ? MH_EXIT_INTERNAL : MH_EXIT_INPUT;
	}
	if (!strcmp(sub, "list")) {
		for (size_t i = 0; i < s->nrules; i++) {
			const struct mh_sg_rule *r = &s->rules[i];
			if (!r->kind)
				continue;
			put_term(stdout, r->id ? r->id : "-", 40);
			printf("  %-13s %-12s ",
			       mh_level_name((enum mh_level)r->level),
			       r->status ? r->status : "-");
			if (r->kind == MH_SG_CORRELATION)
				printf("correlation ");
			else
				logsource(stdout, r);
			putchar(' ');
			put_term(stdout, r->title, 120);
			putchar('\n');
		}
	} else if (want) {
		const struct mh_sg_rule *r = mh_sigma_find(s, want);
		if (!r) {
			fputs("mailhunt: no rule with id or name '", stderr);
			put_term(stderr, want, 80);
			fputs("' among the rules loaded\n", stderr);
			ret = MH_EXIT_USAGE;
		} else {
			show_rule(s, r);
		}
	}
	if (!want && (!lint || !quiet))
		mh_sigma_summary(s, lint ? stdout : stderr, 1);
	if (lint && s->nrefused)
		ret = MH_EXIT_INPUT;
	mh_sigma_free(s);
	mh_sigma_phs_release(&phs);
	return ret;
}
