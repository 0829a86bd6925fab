/* cmd_simulate.c - `mailhunt simulate`: write a synthetic case. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "sim/sim.h"

static const char sim_help[] =
        "usage: mailhunt simulate --out DIR [options]\n"
        "\n"
        "Writes a synthetic, deterministic mail case for tests, demos and\n"
        "benchmarks: user mailboxes with realistic benign traffic (replies,\n"
        "manual forwards in nine languages, newsletters, bounces, "
        "auto-replies,\nre-sends), an outbound gateway journal, and injected "
        "forwarding scenarios:\n"
        "  - an Exchange inbox rule forwarding to an external address\n"
        "  - admin ForwardingSmtpAddress forwarding (copies look sent "
        "directly)\n"
        "  - Gmail / Google Workspace forwarding\n"
        "  - an internal inbox-rule forward\n"
        "  - a Sieve redirect\n"
        "DIR/ground-truth.tsv names every finding a correct scan reports. "
        "Nothing\nis sent anywhere; only files under DIR are written.\n"
        "\n"
        "options:\n"
        "  -o, --out DIR        output directory (created; must be empty "
        "unless --force)\n"
        "      --seed N         random seed (default 1); same seed, same "
        "bytes\n"
        "      --format F       maildir (default), mbox or both\n"
        "      --messages N     benign messages (default 2000)\n"
        "      --size SIZE      instead: grow to about SIZE bytes (K, M, G "
        "suffixes)\n"
        "      --mailboxes N    users in the organisation, 8..16 (default "
        "8)\n"
        "      --org-domain D   organisation domain (default corp.example)\n"
        "      --single-mbox    everything in DIR/mbox/all.mbox (for "
        "benchmarks)\n"
        "      --no-scenarios   benign traffic only\n"
        "      --force          write into a non-empty directory\n"
        "  -q, --quiet          no summary on stderr\n"
        "  -h, --help           this text\n"
        "\n"
        "examples:\n"
        "  mailhunt simulate --seed 1 --out case1 && mailhunt scan case1\n"
        "  mailhunt simulate --single-mbox --size 1G --out /tmp/big   # "
        "benchmark input\n"
        "  mailhunt simulate --format mbox --messages 200000 --out "
        "/tmp/mboxes\n";

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr,
	        "mailhunt simulate: %s '%s'\n"
	        "see 'mailhunt simulate --help'\n",
	        msg, arg);
	return MH_EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *out, int suffixes)
{
	char *end;
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
		default: return -1;
		}
		end++;
	}
	if (*end || (v && mul > UINT64_MAX / v))
		return -1;
	*out = (uint64_t)v * mul;
	return 0;
}

static int dir_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
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
		O_NOSC,
		O_FORCE
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
	        {"no-scenarios", no_argument, NULL, O_NOSC},
	        {"force", no_argument, NULL, O_FORCE},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct mh_sim_opts o;
	int quiet = 0, force = 0, c;
	uint64_t v;

	memset(&o, 0, sizeof(o));
	o.seed = 1;
	o.formats = MH_SIM_MAILDIR;
	o.mailboxes = 8;
	o.scenarios = 1;
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
			if (!strcmp(optarg, "mbox"))
				o.formats = MH_SIM_MBOX;
			else if (!strcmp(optarg, "maildir"))
				o.formats = MH_SIM_MAILDIR;
			else if (!strcmp(optarg, "both"))
				o.formats = MH_SIM_MBOX | MH_SIM_MAILDIR;
			else
				return usage("unknown format", optarg);
			break;
		case O_MESSAGES:
			if (parse_u64(optarg, &o.messages, 0) || !o.messages)
				return usage("bad message count", optarg);
			break;
		case O_SIZE:
			if (parse_u64(optarg, &o.target_bytes, 1) ||
			    !o.target_bytes)
				return usage("bad size", optarg);
			break;
		case O_MAILBOXES:
			if (parse_u64(optarg, &v, 0) || v < 8 || v > 16)
				return usage("mailboxes must be 8..16, not",
				             optarg);
			o.mailboxes = (unsigned)v;
			break;
		case O_ORG: o.org_domain = optarg; break;
		case O_SINGLE: o.single_mbox = 1; break;
		case O_NOSC: o.scenarios = 0; break;
		case O_FORCE: force = 1; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(sim_help, stdout); return MH_EXIT_OK;
		case ':':
			return usage("option needs a value", argv[optind - 1]);
		default: return usage("unknown option", argv[optind - 1]);
		}
	}
	if (!o.out_dir)
		return usage("--out is required", "");
	if (optind < argc)
		return usage("unexpected argument", argv[optind]);
	if (!force && !dir_empty(o.out_dir)) {
		fprintf(stderr,
		        "mailhunt simulate: '%s' is not empty (use "
		        "--force)\n",
		        o.out_dir);
		return MH_EXIT_USAGE;
	}
	if (mkdir(o.out_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mailhunt simulate: cannot create '%s': %s\n",
		        o.out_dir, strerror(errno));
		return MH_EXIT_INPUT;
	}
	struct mh_sim_stats st;
	struct mh_err err;
	mh_err_clear(&err);
	int rc = mh_sim_run(&o, &st, &err);
	if (rc) {
		fprintf(stderr, "mailhunt simulate: %s%s%s\n",
		        err.src ? err.src : "", err.src ? ": " : "", err.msg);
		return rc == MH_ENOMEM ? MH_EXIT_INTERNAL : MH_EXIT_INPUT;
	}
	if (!quiet)
		fprintf(stderr,
		        "mailhunt simulate: %" PRIu64 " files, %" PRIu64
		        " messages (%" PRIu64 " in %u scenarios), %" PRIu64
		        " bytes in '%s'; expected findings in "
		        "'%s/ground-truth.tsv'\n",
		        st.files, st.messages, st.scenario_messages,
		        st.scenarios, st.bytes, o.out_dir, o.out_dir);
	return MH_EXIT_OK;
}
