/* scan_opts.c - `mailhunt scan` options and help (scan_opts.h). */
#include "cmd/scan_opts.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/time.h"
#include "finding/finding.h"
#include "writers/writer.h"

/* MARK: - options */

static const char scan_help[] =
        "usage: mailhunt scan [options] PATH...\n"
        "\n"
        "Finds email collection (MITRE ATT&CK T1114) in mail stores and "
        "cloud audit\nlogs, says how bad it is and what to do about it: "
        "forwarding (T1114.003:\nwhich mailbox forwards to whom, since "
        "when, by which mechanism, internal or\nexternal), inbox rules "
        "that hide mail, mail read remotely by apps, admins\nand other "
        "users, mailbox exports and eDiscovery (T1114.002), risky "
        "settings.\nThe rules and their levels: docs/FORWARDING.md, "
        "docs/AUDIT.md.\n"
        "\n"
        "PATH may be a file or a directory (walked recursively); the type "
        "of each\ninput is detected from its content. PATH '-' is "
        "standard input (read once;\na pipe is fine). Inputs are opened "
        "read-only and never modified.\n"
        "\n"
        "Mail stores: mbox (mboxo, mboxrd, Content-Length), Maildir and "
        "Maildir++,\n.eml, Apple Mail .emlx, Exchange journal reports, "
        "each optionally\ngzip-compressed.\n"
        "\n"
        "Audit logs and configuration exports, as JSON (JSON Lines, "
        "arrays,\npretty-printed, API pages) or CSV: the Microsoft "
        "365 unified audit\nlog (Management Activity API, Purview / "
        "Search-UnifiedAuditLog exports,\nSentinel OfficeActivity, Defender "
        "CloudAppEvents, Graph audit queries),\nSearch-AdminAuditLog, "
        "Get-InboxRule / Get-Mailbox / Get-TransportRule /\n"
        "Get-RemoteDomain / permission exports (also the "
        "Microsoft-Extractor-Suite's),\nGoogle Workspace Reports API "
        "activities and their Cloud Logging form.\nThe same audit record "
        "in two exports is counted once, judged from its\nfullest copy "
        "(docs/AUDIT.md).\n"
        "Windows event logs exported as JSON (evtx_dump, Winlogbeat, "
        "Get-WinEvent |\nConvertTo-Json) are read for Sigma rules "
        "(--rules).\n"
        "\n";

/* Two literals: C17 guarantees only 4095 bytes in one. */
static const char scan_help_opts[] =
        "options:\n"
        "  -f, --format FMT     table (default), jsonl or csv\n"
        "  -o, --output FILE    write findings to FILE instead of stdout\n"
        "      --org-domain D   a domain of the organisation (repeatable); "
        "forwarding\n"
        "                       to any other domain is external. Default: "
        "inferred\n"
        "                       from store owners, the tenant's own names "
        "in audit\n"
        "                       logs and, with evidence, forwarding "
        "mailboxes; never\n"
        "                       free-mail domains (the summary names "
        "them;\n"
        "                       docs/FORWARDING.md)\n"
        "      --min-level L    report findings at or above L: "
        "informational, low,\n"
        "                       medium, high, critical (default: "
        "informational)\n"
        "      --fail-on L      exit 1 when a finding at or above L exists "
        "(also one\n"
        "                       that --min-level keeps off the output)\n"
        "      --since DATE     only messages and records at or after DATE "
        "(2024-03-01,\n"
        "                       2024-03-01T12:00:00Z, "
        "2024-03-01T13:00+01:00; UTC\n"
        "                       unless a zone is given); undated ones "
        "are kept\n"
        "      --until DATE     only messages and records before DATE\n"
        "  -j, --jobs N         worker threads (default: all cores); files "
        "and large\n"
        "                       mbox chunks are read in parallel\n"
        "      --max-header N   largest header block in bytes (default "
        "1048576);\n"
        "                       bigger ones are skipped and counted\n"
        "      --body-prefix N  body bytes read per message for the "
        "forward tests and\n"
        "                       journal reports (default 64K, at most "
        "16M)\n"
        "      --max-record N   largest JSON record or CSV row in bytes "
        "(default 16M,\n"
        "                       at most 1G); bigger ones are skipped "
        "unread and counted\n"
        "      --dump-events F  write every event read (typed view and "
        "fields) as\n"
        "                       JSON Lines to F ('-': standard output) to "
        "see what\n"
        "                       mailhunt made of each record "
        "(docs/AUDIT.md)\n"
        "      --no-color       no ANSI colours in the table (default: "
        "colour when\n"
        "                       stdout is a TTY and NO_COLOR is not set)\n"
        "      --color          colours even into a file or pipe\n"
        "      --no-progress    no progress bar (default: shown when stderr "
        "is a TTY)\n"
        "  -q, --quiet          no summary or progress on stderr (-qq: no "
        "diagnostics)\n"
        "  -h, --help           this text\n"
        "\n"
        "examples:\n"
        "  mailhunt scan ~/Maildir\n"
        "      what forwards out of this Maildir, as a table\n"
        "  mailhunt scan --org-domain corp.example --min-level medium "
        "/srv/journal.mbox.gz\n"
        "      a gateway journal; only external and suspicious forwarding\n"
        "  mailhunt scan -f jsonl -o findings.jsonl --since 2024-03-01 "
        "export/\n"
        "      machine-readable findings (schema in docs/FORMATS.md)\n"
        "  mailhunt scan --fail-on high inbox.mbox || echo 'investigate'\n"
        "      for scripts: exit 1 when something high or worse is found\n"
        "  ssh mx1 cat /var/mail/alice | mailhunt scan -\n"
        "      an mbox from another host, never stored here (gzip works "
        "too)\n"
        "  mailhunt scan ual-2024-03.jsonl.gz purview-export.csv "
        "MailboxRules.csv\n"
        "      audit records and rule snapshots; overlapping exports are "
        "deduplicated\n"
        "  mailhunt scan --org-domain corp.example Maildir/ audit/\n"
        "      mail and audit logs together: the inbox rule or forwarding "
        "setting\n"
        "      (who, when, from where) and the mail that left through it "
        "are one\n"
        "      finding per mailbox and destination (docs/FORWARDING.md)\n"
        "  mailhunt scan --dump-events - -o /dev/null sentinel.csv | jq "
        "'.audit.operation'\n"
        "      what each record was read as (the typed view), for checks "
        "and scripts\n"
        "\n"
        "At the end stderr shows files, records, bytes, skipped records by "
        "reason,\nduplicates dropped and the time taken; records read = "
        "events + skipped\n+ duplicates.\n"
        "exit codes: 0 ok, 1 finding at --fail-on level, 2 usage, 3 some "
        "input\nunreadable or skipped, 4 internal error.\n";

static const char scan_help_sigma[] =
        "\n"
        "Sigma rules (docs/SIGMA.md):\n"
        "      --rules PATH     also run the Sigma rules of PATH (a file, "
        "or a\n"
        "                       directory walked for *.yml; repeatable); "
        "every rule\n"
        "                       loads or is refused with file, line and "
        "reason\n"
        "                       (docs/SIGMA.md; check them with 'mailhunt "
        "rules lint')\n"
        "      --no-builtin     only the Sigma rules, not mailhunt's own "
        "judgement\n"
        "      --tags T[,T]     only findings tagged T or below it "
        "(attack.t1114\n"
        "                       keeps attack.t1114.003), Sigma and "
        "built-in alike\n"
        "      --placeholder NAME=VALUE\n"
        "                       a value for %NAME% in rules using the "
        "expand\n"
        "                       modifier (repeatable)\n"
        "\n"
        "  mailhunt scan --rules ~/sigma/rules --min-level high logs/\n"
        "      SigmaHQ's rules beside the built-in judgement; each finding "
        "names\n"
        "      the rule's author and links to the rule\n"
        "  mailhunt scan --no-builtin --rules my-rules/ --tags attack.t1114 "
        "logs/\n"
        "      only your own rules, only findings about email "
        "collection\n"
        "  mailhunt scan --no-builtin --rules ~/sigma/rules -f jsonl "
        "sysmon.jsonl\n"
        "      SigmaHQ's rules on Windows events exported as JSON\n"
        "  mailhunt scan --rules ~/sigma/rules/cloud/m365 ual.jsonl "
        "purview.csv\n"
        "      SigmaHQ's Microsoft 365 rules on the unified audit log, "
        "any export\n"
        "  mailhunt scan --rules ~/sigma/rules-placeholder --placeholder "
        "Admins=adm_* logs/\n"
        "      rules using %Admins% (expand) with a value for it\n";

/* YYYY-MM-DD, optionally followed by T or a space and HH:MM[:SS], then
 * optionally Z or a +HH:MM / -HH:MM offset; no zone means UTC. Days are
 * checked against the month (2023-02-29 is refused, not read as March). */
static int parse_when(const char *s, int64_t *out)
{
	int y, mo, d, hh = 0, mm = 0, ss = 0, used = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
		return -1;
	const char *p = s + used;
	if (*p == 'T' || *p == ' ') {
		int u = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &u) != 2 || u != 5)
			return -1;
		p += 1 + u;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &ss, &u) != 1 || u != 2)
				return -1;
			p += 1 + u;
		}
	}
	int off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, u = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &u) != 2 || u != 5 ||
		    oh > 14 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 1 + u;
	}
	if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || hh > 23 ||
	    mm > 59 || ss > 60)
		return -1;
	if (d > mh_time_days_in(y, mo))
		return -1;
	*out = mh_time_from_civil(y, mo, d, hh, mm, ss) - off;
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9') /* strtoull would take "-5" as huge */
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	unsigned long long mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024 * 1024 * 1024, end++;
	if (*end || v == 0 || v > SIZE_MAX / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* A DNS name of two or more labels: [a-z0-9-] (lower-cased already,
 * IDNs as xn--), no empty label, no label starting or ending with '-'. */
static int domain_ok(const char *d)
{
	size_t labels = 0, len = 0;
	const char *p = d;
	for (;; p++) {
		if (*p == '.' || *p == '\0') {
			if (len == 0 || len > 63 || p[-1] == '-')
				return 0;
			labels++;
			len = 0;
			if (*p == '\0')
				break;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      (*p == '-' && len > 0)))
			return 0;
		len++;
	}
	return labels >= 2 && p - d <= 253;
}

int mh_scan_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("mailhunt scan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nsee 'mailhunt scan --help'\n", stderr);
	return MH_EXIT_USAGE;
}

int mh_scan_parse_opts(int argc, char **argv, struct scan_opts *o, int *first)
{
	enum {
		O_ORG = 256,
		O_MIN,
		O_FAIL,
		O_SINCE,
		O_UNTIL,
		O_NOCOLOR,
		O_MAXHDR,
		O_NOPROG,
		O_COLOR,
		O_BODY,
		O_MAXREC,
		O_DUMP,
		O_RULES,
		O_NOBUILTIN,
		O_TAGS,
		O_PH
	};
	static const struct option longopts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'o'},
	        {"org-domain", required_argument, NULL, O_ORG},
	        {"min-level", required_argument, NULL, O_MIN},
	        {"fail-on", required_argument, NULL, O_FAIL},
	        {"since", required_argument, NULL, O_SINCE},
	        {"until", required_argument, NULL, O_UNTIL},
	        {"jobs", required_argument, NULL, 'j'},
	        {"max-header", required_argument, NULL, O_MAXHDR},
	        {"body-prefix", required_argument, NULL, O_BODY},
	        {"max-record", required_argument, NULL, O_MAXREC},
	        {"dump-events", required_argument, NULL, O_DUMP},
	        {"rules", required_argument, NULL, O_RULES},
	        {"no-builtin", no_argument, NULL, O_NOBUILTIN},
	        {"tags", required_argument, NULL, O_TAGS},
	        {"placeholder", required_argument, NULL, O_PH},
	        {"no-color", no_argument, NULL, O_NOCOLOR},
	        {"color", no_argument, NULL, O_COLOR},
	        {"no-progress", no_argument, NULL, O_NOPROG},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->format = "table";
	o->min_level = MH_LEVEL_INFO;
	o->fail_on = -1;
	o->since = o->until = MH_TS_NONE;
	o->color = -1;
	o->progress = -1;
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	o->jobs = nproc > 0 ? (int)nproc : 1;

	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":f:o:j:qh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			if (!mh_writer_by_name(optarg))
				return mh_scan_usage_error(
				        "unknown format '%s' (table, "
				        "jsonl or csv)",
				        optarg);
			o->format = optarg;
			break;
		case 'o': o->out_path = optarg; break;
		case O_ORG: {
			if (o->norg == MAX_ORG_DOMAINS)
				return mh_scan_usage_error(
				        "too many --org-domain (max "
				        "64)%s",
				        "");
			/* Lower-case in place: argv is ours to change. */
			for (char *p = optarg; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p | 0x20);
			char *d = optarg;
			if (*d == '@')
				d++;
			size_t dl = strlen(d);
			if (dl && d[dl - 1] == '.') /* "corp.example." */
				d[--dl] = '\0';
			if (!domain_ok(d))
				return mh_scan_usage_error(
				        "'%s' is not a domain (letters, "
				        "digits, "
				        "'-' and dots, like corp.example; "
				        "subdomains are included)",
				        optarg);
			o->org[o->norg++] = d;
			break;
		}
		case O_MIN:
			o->min_level = mh_level_parse(optarg);
			if (o->min_level < 0)
				return mh_scan_usage_error("unknown level '%s'",
				                           optarg);
			break;
		case O_FAIL:
			o->fail_on = mh_level_parse(optarg);
			if (o->fail_on < 0)
				return mh_scan_usage_error("unknown level '%s'",
				                           optarg);
			break;
		case O_SINCE:
		case O_UNTIL:
			if (parse_when(optarg,
			               c == O_SINCE ? &o->since : &o->until))
				return mh_scan_usage_error(
				        "bad date '%s' (use "
				        "2024-03-01, "
				        "2024-03-01T12:00:00Z or "
				        "2024-03-01T13:00+01:00)",
				        optarg);
			break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 1024)
				return mh_scan_usage_error("bad job count '%s'",
				                           optarg);
			o->jobs = (int)v;
			break;
		}
		case O_MAXHDR:
			if (parse_size(optarg, &o->max_header))
				return mh_scan_usage_error("bad size '%s'",
				                           optarg);
			break;
		case O_BODY:
			if (parse_size(optarg, &o->body_prefix) ||
			    o->body_prefix > ((size_t)16 << 20))
				return mh_scan_usage_error(
				        "bad size '%s' (at most 16M)", optarg);
			break;
		case O_MAXREC:
			if (parse_size(optarg, &o->max_record) ||
			    o->max_record > ((size_t)1 << 30))
				return mh_scan_usage_error(
				        "bad size '%s' (at most 1G)", optarg);
			break;
		case O_DUMP: o->dump_path = optarg; break;
		case O_RULES:
			if (o->nrules == MAX_RULE_PATHS)
				return mh_scan_usage_error(
				        "too many --rules (max 64)%s", "");
			o->rules[o->nrules++] = optarg;
			break;
		case O_NOBUILTIN: o->no_builtin = 1; break;
		case O_TAGS:
			/* comma-separated, lower-cased in place */
			for (char *t = strtok(optarg, ","); t;
			     t = strtok(NULL, ",")) {
				if (o->ntags == MAX_TAGS)
					return mh_scan_usage_error(
					        "too many --tags "
					        "(max 32)%s",
					        "");
				for (char *q = t; *q; q++)
					if (*q >= 'A' && *q <= 'Z')
						*q = (char)(*q | 0x20);
				o->tags[o->ntags++] = t;
			}
			break;
		case O_PH:
			if (mh_sigma_phs_add(&o->ph, optarg))
				return mh_scan_usage_error(
				        "bad --placeholder '%s' "
				        "(use NAME=VALUE)",
				        optarg);
			break;
		case O_NOCOLOR: o->color = 0; break;
		case O_COLOR: o->color = 1; break;
		case O_NOPROG: o->progress = 0; break;
		case 'q': o->quiet++; break;
		case 'h':
			fputs(scan_help, stdout);
			fputs(scan_help_opts, stdout);
			fputs(scan_help_sigma, stdout);
			return -1;
		case ':':
			return mh_scan_usage_error("option '%s' needs a value",
			                           argv[optind - 1]);
		default:
			return mh_scan_usage_error("unknown option '%s'",
			                           argv[optind - 1]);
		}
	}
	if (o->no_builtin && o->nrules == 0)
		return mh_scan_usage_error("--no-builtin needs --rules%s", "");
	if (o->since != MH_TS_NONE && o->until != MH_TS_NONE &&
	    o->since >= o->until)
		return mh_scan_usage_error("--since must be before --until%s",
		                           "");
	if (optind >= argc)
		return mh_scan_usage_error("no input given%s", "");
	*first = optind;
	return 0;
}
