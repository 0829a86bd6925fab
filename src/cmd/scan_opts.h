/* scan_opts.h - the options of `mailhunt scan`: what the command line
 * says, parsed and checked, and the --help text that teaches them.
 */
#ifndef MH_SCAN_OPTS_H
#define MH_SCAN_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "rules/sigma/sigma.h"

#define MAX_ORG_DOMAINS 64
#define MAX_RULE_PATHS  64
#define MAX_TAGS        32

struct scan_opts {
	const char *format;
	const char *out_path;
	const char *org[MAX_ORG_DOMAINS];
	size_t norg;
	int min_level;
	int fail_on;          /* -1: never exit 1 for findings */
	int64_t since, until; /* MH_TS_NONE when unset */
	int jobs;
	int color; /* -1 auto */
	int quiet;
	int progress; /* -1 auto */
	size_t max_header;
	size_t body_prefix;
	size_t max_record;
	const char *dump_path;             /* --dump-events */
	const char *rules[MAX_RULE_PATHS]; /* --rules */
	size_t nrules;
	const char *tags[MAX_TAGS]; /* --tags, lower case */
	size_t ntags;
	int no_builtin;
	struct mh_sigma_phs ph; /* --placeholder */
};

/* Parse argv into o (defaults first; strings point into argv). 0 with
 * *first the index of the first PATH; -1 after --help was printed to
 * stdout (exit 0); else the exit code of a usage error already printed
 * to stderr (MH_EXIT_USAGE). */
int mh_scan_parse_opts(int argc, char **argv, struct scan_opts *o, int *first);

/* "mailhunt scan: " + the message + a pointer to --help on stderr;
 * returns MH_EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int mh_scan_usage_error(const char *fmt,
                                                              ...);

#endif
