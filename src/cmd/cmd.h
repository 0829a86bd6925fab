/* cmd.h - subcommands of the mailhunt front end and the exit codes.
 *
 * Each command parses its own options (getopt_long), writes data to stdout
 * (or -o), diagnostics to stderr, and returns one of the MH_EXIT_* codes.
 */
#ifndef MH_CMD_H
#define MH_CMD_H

enum {
	MH_EXIT_OK = 0,       /* ran; no finding at or above --fail-on */
	MH_EXIT_FINDINGS = 1, /* --fail-on LEVEL matched a finding */
	MH_EXIT_USAGE = 2,    /* bad command line */
	MH_EXIT_INPUT = 3, /* ran, but some input was unreadable or skipped */
	MH_EXIT_INTERNAL = 4, /* internal error (out of memory, bug) */
};

int mh_cmd_scan(int argc, char **argv);
int mh_cmd_simulate(int argc, char **argv);
int mh_cmd_rules(int argc, char **argv);

#endif
