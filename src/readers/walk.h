/* walk.h - turns command-line paths into inputs for the readers.
 *
 * "-" is standard input (a pipe is fine; gzip is detected), read once; so
 * is a FIFO or character device named on the command line (`<(zcat x)`).
 * Directories are walked recursively in sorted order (deterministic
 * output). A directory with cur/ and new/ or tmp/ is a Maildir, and so is
 * one with only cur/ or only new/ whose entries carry Maildir names
 * ("<digits>.<rest>": copies drop empty directories). Its entries go to
 * the "maildir" reader with the owner and folder taken from the path:
 * Maildir++ ".Folder" subdirectories and Dovecot LAYOUT=fs folders at any
 * depth ("Archive/2024"); tmp/ holds deliveries in progress and is not
 * read. Other files are typed by content: the first 4 KiB (inflated when
 * gzip) go to mh_reader_detect, also the files beside the folders of a
 * Maildir (server control files excepted). Symbolic links to files are
 * followed, links to directories are not (no loops, no walk out of the
 * evidence): they are reported as unknown-type, not named. Every file and
 * directory is read once, whatever the overlap of the paths: a repeat
 * (same device and inode) is reported as MH_SKIP_DUPLICATE, which is not
 * a lost record.
 */
#ifndef MH_WALK_H
#define MH_WALK_H

#include <stddef.h>

#include "core/err.h"
#include "readers/reader.h"

/* How standard input ("-" among the paths) is named in sources and
 * messages. */
#define MH_STDIN_NAME "<stdin>"

struct mh_walk_cb {
	/* One input with its reader. src and its strings are borrowed for
	 * the duration of the call; src->stream (standard input), when set,
	 * is handed over: the callback must pass it to the reader's open or
	 * close it. A negative return stops the walk. */
	int (*source)(const struct mh_source *src,
	              const struct mh_reader_ops *ops, void *ctx);
	/* A path that could not be read or typed: err has the path (src),
	 * the reason (MH_SKIP_UNREADABLE, MH_SKIP_UNKNOWN_TYPE) and text;
	 * named is 1 when the path was given by the user rather than found
	 * in a directory (a README beside a mail store is not an error). */
	void (*error)(const struct mh_err *err, int named, void *ctx);
	void *ctx;
};

/* Walk paths[0..n). Returns MH_OK, or the first negative value returned
 * by cb->source, or MH_ENOMEM. Unreadable paths are reported through
 * cb->error and do not stop the walk. */
int mh_walk(const char *const *paths, size_t n, const struct mh_walk_cb *cb,
            struct mh_err *err);

/* Owner of a Maildir at dir: ".../<domain>/<user>/Maildir" gives
 * user@domain, ".../<user>/Maildir" gives user, a last component with '@'
 * gives itself. Writes into out (NUL-terminated); returns its length. */
size_t mh_walk_maildir_owner(const char *dir, char *out, size_t outn);

#endif
