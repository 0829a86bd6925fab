/* MH_STREAM_REGULAR: a short read ends a regular file, so a Maildir
 * message costs one read. The file must still be read whole whatever its
 * size is relative to the buffer, and the flag must not change what is
 * read from a regular file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define TESTDIR_NAME "mh-test-stream-flags"
#include "testdir.h"

#include "core/err.h"
#include "core/stream.h"

static void write_file(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Everything the stream yields, peeking in steps of `step` bytes. */
static size_t drain(struct mh_stream *s, size_t step, char *out, size_t cap)
{
	size_t got = 0;
	for (;;) {
		const char *p;
		size_t n;
		struct mh_err err;
		mh_err_clear(&err);
		assert_int_equal(mh_stream_peek(s, step, &p, &n, &err), MH_OK);
		if (n == 0)
			break;
		assert_true(got + n <= cap);
		memcpy(out + got, p, n);
		got += n;
		mh_stream_advance(s, n);
	}
	assert_true(mh_stream_eof(s));
	return got;
}

static void test_sizes_around_buffer(void **state)
{
	(void)state;
	/* The first buffer is MH_STREAM_MIN bytes: sizes just below, at and
	 * above it, and several buffers. */
	const size_t sizes[] = {0,
	                        1,
	                        MH_STREAM_MIN - 1,
	                        MH_STREAM_MIN,
	                        MH_STREAM_MIN + 1,
	                        3 * MH_STREAM_MIN + 7};
	size_t max = 3 * MH_STREAM_MIN + 7;
	char *data = malloc(max), *back = malloc(max + 1);
	assert_non_null(data);
	assert_non_null(back);
	for (size_t i = 0; i < max; i++)
		data[i] = (char)('a' + i % 26);
	char path[256];
	snprintf(path, sizeof(path), "%s", tpath("f"));
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		write_file(path, data, sizes[k]);
		for (unsigned flags = 0; flags <= MH_STREAM_REGULAR; flags++) {
			struct mh_stream *s = NULL;
			struct mh_err err;
			mh_err_clear(&err);
			assert_int_equal(mh_stream_open_flags(&s, path, 0,
			                                      (size_t)1 << 20,
			                                      flags, &err),
			                 MH_OK);
			size_t got = drain(s, MH_STREAM_MIN, back, max + 1);
			assert_int_equal(got, sizes[k]);
			if (got)
				assert_memory_equal(back, data, got);
			assert_int_equal(mh_stream_tell(s), sizes[k]);
			mh_stream_close(s);
		}
	}
	unlink(path);
	free(data);
	free(back);
}

/* On a pipe (standard input) a short read is not the end: without the
 * flag everything written arrives, also when the writer pauses. */
static void test_pipe_needs_no_flag(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		/* Two writes with a pause: the reader sees a short read. */
		if (write(fds[1], "first half|", 11) != 11)
			_exit(1);
		usleep(100 * 1000);
		if (write(fds[1], "second half", 11) != 11)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(
	        mh_stream_open_fd(&s, fds[0], "<pipe>", 0, 1 << 20, 0, &err),
	        MH_OK);
	char back[64];
	size_t got = drain(s, 32, back, sizeof(back));
	assert_int_equal(got, strlen("first half|second half"));
	assert_memory_equal(back, "first half|second half", got);
	mh_stream_close(s); /* closes fds[0] */
	int status = 0;
	waitpid(pid, &status, 0);
	assert_int_equal(status, 0);
}

/* A FIFO where a file was expected does not block the open waiting for
 * a writer: it reads as empty. */
static void test_fifo_does_not_block(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s", tpath("fifo"));
	assert_int_equal(mkfifo(path, 0600), 0);
	struct mh_stream *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_stream_open_flags(&s, path, 0, 1 << 20, 0, &err),
	                 MH_OK);
	char back[8];
	assert_int_equal(drain(s, 8, back, sizeof(back)), 0);
	mh_stream_close(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sizes_around_buffer),
	        cmocka_unit_test(test_pipe_needs_no_flag),
	        cmocka_unit_test(test_fifo_does_not_block),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
