/* core/outpath: `scan -o FILE` must never be an input or lie inside an
 * input directory, however the paths are spelt (links, "..", "./"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define TESTDIR_NAME "mh-test-outpath"
#include "testdir.h"

#include "core/outpath.h"

static int check1(const char *out, const char *in, struct mh_err *err)
{
	const char *inputs[] = {in};
	mh_err_clear(err);
	return mh_outpath_check(out, inputs, 1, err);
}

static void test_same_file(void **state)
{
	(void)state;
	struct mh_err err;
	char in[4096], out[4096];
	snprintf(in, sizeof(in), "%s", tpath("inbox.mbox"));
	testdir_write(in, "From a@b Mon Jan  1 00:00:00 2024\n", 34, "wb");
	assert_int_equal(check1(in, in, &err), MH_EINVAL);
	assert_non_null(strstr(err.msg, "refusing to overwrite evidence"));
	/* The same file by another spelling and through a link. */
	snprintf(out, sizeof(out), "%s/./x/../inbox.mbox", tmpdir);
	assert_int_equal(mkdir(tpath("x"), 0700), 0);
	assert_int_equal(check1(out, in, &err), MH_EINVAL);
	snprintf(out, sizeof(out), "%s", tpath("link.mbox"));
	assert_int_equal(symlink(in, out), 0);
	assert_int_equal(check1(out, in, &err), MH_EINVAL);
	/* A hard link is the same file too. */
	snprintf(out, sizeof(out), "%s", tpath("hard.mbox"));
	assert_int_equal(link(in, out), 0);
	assert_int_equal(check1(out, in, &err), MH_EINVAL);
}

static void test_inside_input_dir(void **state)
{
	(void)state;
	struct mh_err err;
	char dir[2048], out[4096];
	snprintf(dir, sizeof(dir), "%s", tpath("case"));
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(tpath("case/sub"), 0700), 0);
	/* A new file inside the tree, directly or deeper. */
	snprintf(out, sizeof(out), "%s/findings.jsonl", dir);
	assert_int_equal(check1(out, dir, &err), MH_EINVAL);
	assert_non_null(strstr(err.msg, "inside the input directory"));
	snprintf(out, sizeof(out), "%s/sub/f.csv", dir);
	assert_int_equal(check1(out, dir, &err), MH_EINVAL);
	/* A dangling link outside whose target would be created inside
	 * (relative and absolute targets, and a link to such a link). */
	char target[4200];
	snprintf(out, sizeof(out), "%s", tpath("dang"));
	assert_int_equal(symlink("case/sub/new.jsonl", out), 0);
	assert_int_equal(check1(out, dir, &err), MH_EINVAL);
	snprintf(target, sizeof(target), "%s/sub/abs.jsonl", dir);
	snprintf(out, sizeof(out), "%s", tpath("dang-abs"));
	assert_int_equal(symlink(target, out), 0);
	assert_int_equal(check1(out, dir, &err), MH_EINVAL);
	snprintf(out, sizeof(out), "%s", tpath("dang2"));
	assert_int_equal(symlink("dang", out), 0);
	assert_int_equal(check1(out, dir, &err), MH_EINVAL);
	/* Input given with a trailing slash. */
	char dir2[4200];
	snprintf(dir2, sizeof(dir2), "%s/", dir);
	assert_int_equal(check1(out, dir2, &err), MH_EINVAL);
}

static void test_allowed(void **state)
{
	(void)state;
	struct mh_err err;
	char dir[2048], out[4096];
	snprintf(dir, sizeof(dir), "%s", tpath("evidence"));
	assert_int_equal(mkdir(dir, 0700), 0);
	/* A sibling whose name starts like the input directory is outside. */
	snprintf(out, sizeof(out), "%s-findings.jsonl", dir);
	assert_int_equal(check1(out, dir, &err), MH_OK);
	snprintf(out, sizeof(out), "%s", tpath("out.jsonl"));
	assert_int_equal(check1(out, dir, &err), MH_OK);
	/* Standard input and inputs that do not exist are not compared. */
	assert_int_equal(check1(out, "-", &err), MH_OK);
	assert_int_equal(check1(out, tpath("missing"), &err), MH_OK);
	/* Several inputs: the second one clashes. */
	const char *inputs[] = {tpath("missing"), tmpdir};
	assert_int_equal(mh_outpath_check(out, inputs, 2, &err), MH_EINVAL);
	assert_int_equal(mh_outpath_check("/dev/null", inputs, 2, &err), MH_OK);
	assert_int_equal(mh_outpath_check(out, inputs, 0, NULL), MH_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_file),
	        cmocka_unit_test(test_inside_input_dir),
	        cmocka_unit_test(test_allowed),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
