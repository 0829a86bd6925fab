/* dirref.h - a directory opened once and shared by reference count.
 *
 * The walker opens each Maildir cur/ and new/ once; the jobs that read its
 * messages hold a reference and open them with openat(), which skips the
 * path lookup of every component for every message (a tenth of the time
 * of a Maildir scan). References may be taken and dropped from any thread.
 *
 * The number of directories open at once is bounded (MH_DIRREF_MAX) so a
 * tree of many small folders cannot exhaust file descriptors: beyond it
 * mh_dirref_open returns NULL and callers use full paths as before.
 */
#ifndef MH_DIRREF_H
#define MH_DIRREF_H

#define MH_DIRREF_MAX 128

struct mh_dirref;

/* Open path as a directory (read-only). The caller holds one reference.
 * NULL when it cannot be opened, memory is short, or MH_DIRREF_MAX
 * directories are open. */
struct mh_dirref *mh_dirref_open(const char *path);

/* Take another reference; returns d. NULL allowed (returns NULL). */
struct mh_dirref *mh_dirref_get(struct mh_dirref *d);

/* Drop a reference; the last one closes the directory. NULL allowed. */
void mh_dirref_put(struct mh_dirref *d);

/* The directory's file descriptor, valid while a reference is held. */
int mh_dirref_fd(const struct mh_dirref *d);

/* Directories open now (for tests). */
unsigned mh_dirref_open_count(void);

#endif
