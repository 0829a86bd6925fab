/* shared.h - where the third-party samples are (never copied into the
 * repository): $MH_SHARED, else $MH_SOURCE_DIR/../shared (CTest sets
 * both). Include once per test program.
 *
 * have_shared(probe) fills `shared` with that directory and returns 1
 * when the file probe (relative to it) is readable, else 0: the test
 * should then skip (exit 77) rather than fail, as CI machines without the
 * samples do. */
#ifndef MH_TEST_SHARED_H
#define MH_TEST_SHARED_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char shared[4096];

static int have_shared(const char *probe)
{
	const char *s = getenv("MH_SHARED");
	const char *src = getenv("MH_SOURCE_DIR");
	if (s && *s)
		snprintf(shared, sizeof(shared), "%s", s);
	else if (src && *src)
		snprintf(shared, sizeof(shared), "%s/../shared", src);
	else
		return 0;
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", shared, probe);
	return access(path, R_OK) == 0;
}

#endif
