#include <stdio.h>

#include "cmd/cmd.h"

int mh_cmd_simulate(int argc, char **argv)
{
	fputs("mailhunt simulate: not built yet\n", stderr);
	return MH_EXIT_INTERNAL;
}
