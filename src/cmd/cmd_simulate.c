/* cmd_simulate.c - `mailhunt simulate`: write a synthetic, labelled case. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "cmd/cmd.h"
#include "sim/sim.h"
#include "sim/simaudit.h"

static const char sim_help[] =
        "usage: mailhunt simulate --out DIR [options]\n"
        "\n"
        "Write a synthetic case for tests, demos and benchmarks: mail "
        "stores and\n"
        "the audit logs of the same organisation. Only files under DIR "
        "are\n"
        "written; nothing is sent. The same seed and options give the "
        "same bytes.\n"
        "\n"
        "  mailhunt simulate --seed 1 --out demo    # a small case (2000 "
        "messages)\n"
        "  mailhunt scan demo                       # find what was "
        "injected\n"
        "  cat demo/ground-truth.tsv                # what a correct scan "
        "reports\n"
        "  cat demo/audit-truth.tsv                 # each planted audit "
        "activity\n"
        "\n"
        "The case holds user mailboxes with ordinary traffic (replies, "
        "manual\n"
        "forwards in 14 languages, newsletters, lists, bounces, "
        "auto-replies,\n"
        "re-sends, invitations, encoded names and subjects, attachments), "
        "an\n"
        "outbound gateway journal, and these forwarding scenarios:\n"
        "  exchange-inbox-rule-external    inbox rule to an outside "
        "address\n"
        "  exchange-forwardingsmtpaddress  admin forwarding; copies look "
        "sent directly\n"
        "  gmail-forwarding                Gmail / Google Workspace "
        "forwarding\n"
        "  exchange-inbox-rule-internal    inbox rule to a colleague\n"
        "  sieve-redirect                  Dovecot Sieve redirect\n"
        "\n"
        "Beside the mail, DIR/audit/ holds the Microsoft 365 unified audit "
        "log of\n"
        "the same people and times (m365-ual.jsonl, a collector's rerun of "
        "one day,\n"
        "the same records as a Purview search CSV and as Sentinel "
        "OfficeActivity\n"
        "rows) and Google Workspace activities (JSON Lines and an API "
        "page): the\n"
        "set-up of each scenario above (the rule, the setting), sign-ins, "
        "reads,\n"
        "SharePoint and Teams noise, ordinary rules, and look-alikes "
        "(owner reads,\n"
        "client-side rules, system provisioning, consents without mail "
        "scopes).\n"
        "These scenarios exist in the audit logs only:\n";

/* Split in two: C17 promises string literals of 4095 bytes only. */
static const char sim_help2[] =
        "  m365-mailbox-forwarding-hidden  Set-Mailbox forwarding, no "
        "copy kept;\n"
        "                                  a failed attempt first\n"
        "  m365-inbox-rules                Set-InboxRule redirect, Outlook "
        "forward,\n"
        "                                  hiding rules in DE/FR/IT/ES\n"
        "  m365-transport-rule             transport rule Bcc to an "
        "outside address\n"
        "  m365-app-mail-read              Mail.Read consents, an app "
        "reading\n"
        "                                  every mailbox through Graph\n"
        "  m365-delegate-access            FullAccess grant, non-owner "
        "reads, an\n"
        "                                  inbox opened to Default\n"
        "  m365-impersonation              ApplicationImpersonation given "
        "and removed\n"
        "  m365-ediscovery-export          content search exported as "
        "PST\n"
        "  m365-mailbox-export             New-/Remove-MailboxExportRequest "
        "to .aspx\n"
        "  m365-imap-bulk-read             throttled IMAP download\n"
        "  gws-email-monitor               CREATE_EMAIL_MONITOR\n"
        "  gws-takeout                     Takeout of a user's Gmail\n"
        "  gws-oauth-gmail                 OAuth grant of "
        "https://mail.google.com/\n"
        "  gws-admin-mail-access           an admin reads a user's "
        "message\n"
        "\n";

static const char sim_help3[] =
        "options:\n"
        "  -o, --out DIR         output directory (created; must be empty "
        "unless --force)\n"
        "      --seed N          random seed (default 1)\n"
        "      --format F        maildir (default), mbox or both\n"
        "      --messages N      this many messages (default 2000)\n"
        "      --size SIZE       instead: about SIZE bytes of mail (suffixes "
        "K, M, G)\n"
        "      --mailboxes N     users in the organisation, 8..500 (default "
        "8)\n"
        "      --org-domain D    organisation domain (default "
        "corp.example)\n"
        "      --single-mbox     everything in DIR/mbox/all.mbox "
        "(benchmarks)\n"
        "      --gzip            gzip-compress the mbox files (*.mbox.gz)\n"
        "      --exchange-journal  an Exchange Online journal instead: "
        "one mbox of\n"
        "                        ~28 KiB Outlook messages (long Received "
        "chains, ARC,\n"
        "                        HTML), one in ten auto-forwarded by five "
        "set-ups;\n"
        "                        no audit logs\n"
        "      --scenarios LIST  comma-separated names from above, all or "
        "none\n"
        "      --no-scenarios    benign traffic only (same as --scenarios "
        "none)\n"
        "      --no-audit        no audit logs\n"
        "      --audit-only      the audit logs without any mail\n"
        "      --audit-records N  benign audit records (default 2000)\n"
        "      --audit-size SIZE  instead: write until m365-ual.jsonl "
        "holds SIZE\n"
        "      --audit-formats LIST  ual, purview, sentinel, gws or all "
        "(default)\n"
        "      --force           write into a non-empty directory (old files "
        "stay)\n"
        "  -q, --quiet           no summary on stderr\n"
        "  -h, --help            this text\n"
        "\n"
        "more examples:\n"
        "  mailhunt simulate --format mbox --seed 7 --out case7\n"
        "  mailhunt simulate --single-mbox --size 1G --out /tmp/big   # "
        "benchmark input\n"
        "  mailhunt simulate --messages 200000 --mailboxes 50 --out "
        "/tmp/maildirs\n"
        "  mailhunt simulate --scenarios gmail-forwarding --out gmail-only\n"
        "  mailhunt simulate --exchange-journal --seed 42 --size 1G --out "
        "/tmp/exo\n"
        "                                  # forwarding-heavy benchmark "
        "input\n"
        "  mailhunt simulate --audit-only --audit-size 1G --mailboxes 200 "
        "\\\n"
        "      --audit-formats ual,purview --seed 42 --out /tmp/ual   # 1 "
        "GiB of UAL\n"
        "  mailhunt scan demo/audit/m365-ual.jsonl  # the audit log "
        "alone\n"
        "  mailhunt simulate --audit-only --audit-formats gws "
        "--audit-records 500 --out gws\n"
        "                                  # Google Workspace activities "
        "only\n"
        "  mailhunt simulate --no-audit --seed 7 --out mail7   # the mail "
        "alone\n"
        "\n"
        "Layout, scenarios and both truth files: docs/SIMULATE.md.\n";

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "mailhunt simulate: %s%s%s%s\n", msg, arg ? " '" : "",
	        arg ? arg : "", arg ? "'" : "");
	fputs("see 'mailhunt simulate --help'\n", stderr);
	return MH_EXIT_USAGE;
}

/* Decimal, optionally with a K/M/G/T suffix (powers of 1024, an optional
 * trailing "B" or "iB"). */
static int parse_u64(const char *s, uint64_t *out, int suffixes)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	uint64_t mul = 1;
	if (suffixes && *end) {
		switch (*end) {
		case 'k':
		case 'K': mul = 1ULL << 10; break;
		case 'm':
		case 'M': mul = 1ULL << 20; break;
		case 'g':
		case 'G': mul = 1ULL << 30; break;
		case 't':
		case 'T': mul = 1ULL << 40; break;
		default: return -1;
		}
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return -1;
	*out = (uint64_t)v * mul;
	return 0;
}

/* 1 empty or missing, 0 has entries, -1 not a directory. */
static int dir_state(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return 1;
	if (!S_ISDIR(sb.st_mode))
		return -1;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

static void human(uint64_t n, char *out, size_t len)
{
	if (n >= (1ULL << 30))
		snprintf(out, len, "%.1f GiB",
		         (double)n / (double)(1ULL << 30));
	else if (n >= (1ULL << 20))
		snprintf(out, len, "%.1f MiB",
		         (double)n / (double)(1ULL << 20));
	else
		snprintf(out, len, "%.1f KiB", (double)n / 1024.0);
}

int mh_cmd_simulate(int argc, char **argv)
{
	enum {
		O_SEED = 256,
		O_FORMAT,
		O_MESSAGES,
		O_SIZE,
		O_MAILBOXES,
		O_ORG,
		O_SINGLE,
		O_GZIP,
		O_SCEN,
		O_NOSC,
		O_FORCE,
		O_JOURNAL,
		O_NOAUDIT,
		O_AUDITONLY,
		O_AUDITREC,
		O_AUDITSIZE,
		O_AUDITFMT
	};
	static const struct option longopts[] = {
	        {"out", required_argument, NULL, 'o'},
	        {"seed", required_argument, NULL, O_SEED},
	        {"format", required_argument, NULL, O_FORMAT},
	        {"messages", required_argument, NULL, O_MESSAGES},
	        {"size", required_argument, NULL, O_SIZE},
	        {"mailboxes", required_argument, NULL, O_MAILBOXES},
	        {"org-domain", required_argument, NULL, O_ORG},
	        {"single-mbox", no_argument, NULL, O_SINGLE},
	        {"gzip", no_argument, NULL, O_GZIP},
	        {"scenarios", required_argument, NULL, O_SCEN},
	        {"no-scenarios", no_argument, NULL, O_NOSC},
	        {"force", no_argument, NULL, O_FORCE},
	        {"exchange-journal", no_argument, NULL, O_JOURNAL},
	        {"no-audit", no_argument, NULL, O_NOAUDIT},
	        {"audit-only", no_argument, NULL, O_AUDITONLY},
	        {"audit-records", required_argument, NULL, O_AUDITREC},
	        {"audit-size", required_argument, NULL, O_AUDITSIZE},
	        {"audit-formats", required_argument, NULL, O_AUDITFMT},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct mh_sim_opts o;
	struct mh_err err;
	int quiet = 0, force = 0, format_set = 0, scen_set = 0, c;
	int audit_set = 0, no_audit = 0;
	uint64_t v;

	mh_sim_opts_default(&o);
	mh_err_clear(&err);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out_dir = optarg; break;
		case O_SEED:
			if (parse_u64(optarg, &o.seed, 0))
				return usage("bad seed", optarg);
			break;
		case O_FORMAT:
			format_set = 1;
			if (!strcmp(optarg, "mbox"))
				o.format = MH_SIM_MBOX;
			else if (!strcmp(optarg, "maildir"))
				o.format = MH_SIM_MAILDIR;
			else if (!strcmp(optarg, "both"))
				o.format = MH_SIM_BOTH;
			else
				return usage("unknown format (mbox, maildir, "
				             "both)",
				             optarg);
			break;
		case O_MESSAGES:
			if (parse_u64(optarg, &o.messages, 0) || !o.messages)
				return usage("bad message count", optarg);
			break;
		case O_SIZE:
			if (parse_u64(optarg, &o.target_bytes, 1) ||
			    !o.target_bytes)
				return usage("bad size (e.g. 500K, 80M, 1G)",
				             optarg);
			break;
		case O_MAILBOXES:
			if (parse_u64(optarg, &v, 0) || !v ||
			    v > MH_SIM_MAILBOXES_MAX)
				return usage("mailboxes must be 1..500, not",
				             optarg);
			o.mailboxes = (unsigned)v;
			break;
		case O_ORG: o.org_domain = optarg; break;
		case O_SINGLE: o.single_mbox = 1; break;
		case O_GZIP: o.gzip = 1; break;
		case O_SCEN:
			scen_set = 1;
			if (mh_sim_scenarios_parse(optarg, &o.scenarios, &err))
				return usage(err.msg, NULL);
			break;
		case O_NOSC:
			scen_set = 1;
			o.scenarios = 0;
			break;
		case O_JOURNAL: o.exchange_journal = 1; break;
		case O_NOAUDIT: no_audit = 1; break;
		case O_AUDITONLY:
			audit_set = 1;
			o.audit = MH_SIM_AUDIT_ONLY;
			break;
		case O_AUDITREC:
			audit_set = 1;
			if (parse_u64(optarg, &o.audit_records, 0) ||
			    !o.audit_records)
				return usage("bad audit record count", optarg);
			break;
		case O_AUDITSIZE:
			audit_set = 1;
			if (parse_u64(optarg, &o.audit_bytes, 1) ||
			    !o.audit_bytes)
				return usage("bad audit size (e.g. 80M, 1G)",
				             optarg);
			break;
		case O_AUDITFMT:
			audit_set = 1;
			if (mh_simaudit_formats_parse(optarg, &o.audit_formats,
			                              &err))
				return usage(err.msg, NULL);
			break;
		case O_FORCE: force = 1; break;
		case 'q': quiet = 1; break;
		case 'h':
			fputs(sim_help, stdout);
			fputs(sim_help2, stdout);
			fputs(sim_help3, stdout);
			return MH_EXIT_OK;
		case ':':
			return usage("option needs a value:", argv[optind - 1]);
		default: return usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage("unexpected argument", argv[optind]);
	if (!o.out_dir || !*o.out_dir)
		return usage("--out DIR is required", NULL);
	if (o.messages && o.target_bytes)
		return usage("use --messages or --size, not both", NULL);
	if (o.audit_records && o.audit_bytes)
		return usage("use --audit-records or --audit-size, not both",
		             NULL);
	if (no_audit && audit_set)
		return usage("--no-audit with an --audit option", NULL);
	if (o.exchange_journal && audit_set)
		return usage(
		        "--exchange-journal writes no audit logs; drop the "
		        "--audit options",
		        NULL);
	if (o.audit == MH_SIM_AUDIT_ONLY &&
	    (format_set || o.messages || o.target_bytes || o.single_mbox ||
	     o.gzip))
		return usage("--audit-only writes no mail; drop the mail "
		             "options",
		             NULL);
	if (no_audit)
		o.audit = MH_SIM_AUDIT_NONE;
	if (o.single_mbox && format_set && o.format != MH_SIM_MBOX)
		return usage("--single-mbox writes one mbox; drop --format",
		             NULL);
	if (o.exchange_journal) {
		if (format_set && o.format != MH_SIM_MBOX)
			return usage("--exchange-journal writes one mbox; drop "
			             "--format",
			             NULL);
		if (scen_set)
			return usage(
			        "--exchange-journal has its own forwarding "
			        "set-ups; drop --scenarios/--no-scenarios",
			        NULL);
		o.scenarios = 0;
		o.single_mbox = 1;
	}
	if (o.single_mbox)
		o.format = MH_SIM_MBOX;
	if ((o.scenarios || o.exchange_journal) && o.mailboxes < 8)
		return usage("scenarios need 8 or more mailboxes "
		             "(or --no-scenarios)",
		             NULL);
	int ds = dir_state(o.out_dir);
	if (ds < 0)
		return usage("output exists and is not a directory:",
		             o.out_dir);
	if (ds == 0 && !force) {
		fprintf(stderr,
		        "mailhunt simulate: '%s' is not empty; choose a new "
		        "directory or add --force\n",
		        o.out_dir);
		return MH_EXIT_USAGE;
	}

	struct mh_sim_stats st;
	int rc = mh_sim_run(&o, &st, &err);
	if (rc) {
		fprintf(stderr, "mailhunt simulate: %s%s%s\n",
		        err.src ? err.src : "", err.src ? ": " : "", err.msg);
		return rc == MH_ENOMEM   ? MH_EXIT_INTERNAL
		       : rc == MH_EINVAL ? MH_EXIT_USAGE
		                         : MH_EXIT_INPUT;
	}
	if (!quiet) {
		char b[32], d[32];
		human(st.bytes, b, sizeof(b));
		human(st.disk_bytes, d, sizeof(d));
		if (st.messages) {
			fprintf(stderr,
			        "mailhunt simulate: %" PRIu64
			        " messages (%" PRIu64
			        " with forwarding artefacts, %u scenarios), "
			        "%" PRIu64 " files, %s",
			        st.messages, st.scenario_messages, st.scenarios,
			        st.files, b);
			if (o.gzip)
				fprintf(stderr, " (%s on disk)", d);
			fprintf(stderr, " in '%s'\n", o.out_dir);
		}
		if (st.audit_records) {
			human(st.audit_bytes, b, sizeof(b));
			fprintf(stderr,
			        "mailhunt simulate: %" PRIu64
			        " audit records (%u planted, %u audit-only "
			        "scenarios), %" PRIu64
			        " written to the export files, %s; %u lines "
			        "in '%s/audit-truth.tsv'\n",
			        st.audit_records, st.audit_planted,
			        st.audit_scenarios, st.audit_written, b,
			        st.audit_truth_lines, o.out_dir);
		}
		fprintf(stderr,
		        "mailhunt simulate: %u expected findings in "
		        "'%s/ground-truth.tsv'; next: mailhunt scan '%s'\n",
		        st.truth_lines, o.out_dir, o.out_dir);
	}
	return MH_EXIT_OK;
}
