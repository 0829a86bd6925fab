/* rdfile.h - a reader of the tree opened on a temporary file holding a
 * given text, for unit tests that read records the way scan does (the
 * reader, its normalisers and the typed views), not through a shortcut.
 *
 * Include after cmocka.h; the functions are static. rdfile_open writes
 * text to a new file under /tmp (or $TMPDIR) and opens the reader named
 * `reader` on it with the default options (asserts on failure);
 * rdfile_close closes the reader and removes the file.
 */
#ifndef MH_TEST_RDFILE_H
#define MH_TEST_RDFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "readers/reader.h"

struct rdfile {
	char path[4096];
	const struct mh_reader_ops *ops;
	struct mh_reader *r;
	struct mh_err err; /* the reader's last error (ops->next) */
};

static void rdfile_open(struct rdfile *f, const char *reader, const char *text)
{
	const char *base = getenv("TMPDIR");
	snprintf(f->path, sizeof(f->path), "%s/mh-rdfile-XXXXXX",
	         base && *base ? base : "/tmp");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	f->ops = mh_reader_by_name(reader);
	assert_non_null(f->ops);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = f->path;
	src.range_end = UINT64_MAX;
	src.regular = 1;
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	f->r = NULL;
	mh_err_clear(&f->err);
	assert_int_equal(f->ops->open(&f->r, &src, &o, &f->err), MH_OK);
}

static void rdfile_close(struct rdfile *f)
{
	f->ops->close(f->r);
	f->r = NULL;
	unlink(f->path);
}

#endif
