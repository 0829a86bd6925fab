/* main.c - command table and global flags (libgit2's cli style). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

struct mh_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct mh_command commands[] = {
        {"scan", mh_cmd_scan,
         "find email collection in mail stores and audit logs"},
        {"simulate", mh_cmd_simulate,
         "write a synthetic case (mail and audit logs) with its truth"},
        {"rules", mh_cmd_rules,
         "list, show and check Sigma rules (lint) before a scan"},
};

static void usage(FILE *f)
{
	fputs("usage: mailhunt <command> [options] [args]\n"
	      "\n"
	      "mailhunt finds email collection (MITRE ATT&CK T1114) in the "
	      "evidence you\nalready have. It only reads its inputs; it never "
	      "logs in anywhere or\nchanges anything.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		        commands[i].summary);
	fputs("\n"
	      "examples:\n"
	      "  mailhunt simulate --seed 1 --out case1   # make a demo case\n"
	      "  mailhunt scan case1                      # scan it\n"
	      "  mailhunt scan --format jsonl -o out.jsonl /var/mail "
	      "~/Maildir\n"
	      "  mailhunt scan --rules ~/sigma/rules evidence/   # add Sigma "
	      "rules\n"
	      "  mailhunt rules lint ~/sigma/rules          # check rules "
	      "first\n"
	      "\n"
	      "'mailhunt <command> --help' explains each command.\n"
	      "exit codes: 0 ok, 1 findings at --fail-on level, 2 usage, "
	      "3 some input\nunreadable, 4 internal error.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MH_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("mailhunt %s\n", MH_VERSION);
		return MH_EXIT_OK;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			for (size_t i = 0;
			     i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(argv[2], commands[i].name)) {
					static char help_flag[] = "--help";
					char *hargv[] = {argv[2], help_flag,
					                 NULL};
					return commands[i].fn(2, hargv);
				}
		}
		usage(stdout);
		return MH_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr,
	        "mailhunt: '%s' is not a command; see 'mailhunt --help'\n",
	        cmd);
	return MH_EXIT_USAGE;
}
