/* core/dirref: shared directory handles for openat(), bounded in number,
 * closed with the last reference; and the walker hands them out with
 * Maildir entries so that readers open messages relative to them. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define TESTDIR_NAME "mh-test-dirref"
#include "testdir.h"

#include "core/dirref.h"
#include "readers/reader.h"
#include "readers/walk.h"

static void test_refcount_and_bound(void **state)
{
	(void)state;
	unsigned base = mh_dirref_open_count();
	struct mh_dirref *d = mh_dirref_open(tmpdir);
	assert_non_null(d);
	assert_int_equal(mh_dirref_open_count(), base + 1);
	int fd = mh_dirref_fd(d);
	assert_true(fd >= 0);
	assert_ptr_equal(mh_dirref_get(d), d);
	mh_dirref_put(d);
	/* Still open: one reference left. */
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	mh_dirref_put(d);
	assert_int_equal(mh_dirref_open_count(), base);
	assert_null(mh_dirref_get(NULL));
	mh_dirref_put(NULL);

	/* Not a directory, or missing: NULL, nothing counted. */
	char f[256];
	snprintf(f, sizeof(f), "%s", tpath("plain"));
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_null(mh_dirref_open(f));
	assert_null(mh_dirref_open("/nonexistent/mh-dirref"));
	assert_int_equal(mh_dirref_open_count(), base);
	unlink(f);

	/* The bound: beyond MH_DIRREF_MAX callers fall back to paths. */
	struct mh_dirref *v[MH_DIRREF_MAX + 1];
	size_t n = 0;
	while (n < MH_DIRREF_MAX + 1 && (v[n] = mh_dirref_open(tmpdir)) != NULL)
		n++;
	assert_int_equal(n, MH_DIRREF_MAX - base);
	assert_int_equal(mh_dirref_open_count(), MH_DIRREF_MAX);
	while (n)
		mh_dirref_put(v[--n]);
	assert_int_equal(mh_dirref_open_count(), base);
}

struct seen {
	unsigned n, with_dir;
	int opened_all;
};

static int on_source(const struct mh_source *src,
                     const struct mh_reader_ops *ops, void *ctx)
{
	struct seen *s = ctx;
	(void)ops;
	s->n++;
	if (!src->dir)
		return 0;
	s->with_dir++;
	/* name is the last component of path and opens the same file. */
	size_t pl = strlen(src->path), nl = strlen(src->name);
	if (nl >= pl || strcmp(src->path + pl - nl, src->name) != 0 ||
	    src->path[pl - nl - 1] != '/')
		s->opened_all = 0;
	int fd = openat(mh_dirref_fd(src->dir), src->name, O_RDONLY);
	if (fd < 0)
		s->opened_all = 0;
	else
		close(fd);
	return 0;
}

static void on_error(const struct mh_err *err, int named, void *ctx)
{
	(void)err;
	(void)named;
	(void)ctx;
}

static void test_walker_hands_out_dirs(void **state)
{
	(void)state;
	char p[512];
	const char *mk[] = {"md", "md/cur", "md/new", "md/tmp"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s", tpath(mk[i]));
		assert_int_equal(mkdir(p, 0700), 0);
	}
	const char *msgs[] = {"md/cur/1.h:2,S", "md/cur/2.h:2,", "md/new/3.h"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s", tpath(msgs[i]));
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs("From: a@b.example\nSubject: x\n\nbody\n", f);
		fclose(f);
	}
	unsigned base = mh_dirref_open_count();
	struct seen s = {0, 0, 1};
	struct mh_walk_cb cb = {on_source, on_error, &s};
	snprintf(p, sizeof(p), "%s", tpath("md"));
	const char *paths[] = {p};
	assert_int_equal(mh_walk(paths, 1, &cb, NULL), MH_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.with_dir, 3);
	assert_true(s.opened_all);
	/* The walker dropped its references when each folder was done. */
	assert_int_equal(mh_dirref_open_count(), base);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s", tpath(msgs[i]));
		unlink(p);
	}
	for (size_t i = 4; i-- > 0;) {
		snprintf(p, sizeof(p), "%s", tpath(mk[i]));
		rmdir(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_refcount_and_bound),
	        cmocka_unit_test(test_walker_hands_out_dirs),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
