/* testdir.h - a scratch directory for unit tests that need real files.
 *
 * Include once per test program (the functions are static; those a test
 * may not use are inline, so unused ones do not warn). Use
 * testdir_setup / testdir_teardown as the cmocka group fixtures; the
 * directory is made under $TMPDIR (or /tmp), named after TESTDIR_NAME when
 * defined before the include (no dot in the name: a dotted parent looks
 * like a mail domain to the Maildir owner inference), and removed whole
 * at the end, including files and directories a test made unreadable.
 * tpath() gives a path in it (eight rotating static buffers),
 * testdir_write() writes a file there.
 */
#ifndef MH_TESTDIR_H
#define MH_TESTDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#ifndef TESTDIR_NAME
#define TESTDIR_NAME "mh-test"
#endif

static char tmpdir[2048];

static int testdir_rm_one(const char *path, const struct stat *sb, int flag,
                          struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int testdir_setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/" TESTDIR_NAME "-XXXXXX",
	         base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int testdir_teardown(void **state)
{
	(void)state;
	/* nftw cannot descend into a directory a test made unreadable:
	 * give everything back to the owner first. */
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'", tmpdir);
	if (system(cmd) != 0)
		return -1;
	return nftw(tmpdir, testdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of name inside the scratch directory. */
static inline const char *tpath(const char *name)
{
	static char paths[8][4096];
	static int slot;
	char *p = paths[slot++ & 7];
	snprintf(p, 4096, "%s/%s", tmpdir, name);
	return p;
}

/* Write p[0..n) to path (fopen mode "wb" or "ab"); fails the test on any
 * error. */
static inline void testdir_write(const char *path, const void *p, size_t n,
                                 const char *mode)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

#endif
