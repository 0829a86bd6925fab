#include "core/dirref.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct mh_dirref {
	atomic_uint refs;
	int fd;
};

static atomic_uint n_open;

struct mh_dirref *mh_dirref_open(const char *path)
{
	/* Reserve a slot first so that concurrent opens respect the bound. */
	if (atomic_fetch_add(&n_open, 1) >= MH_DIRREF_MAX)
		goto full;
	struct mh_dirref *d = malloc(sizeof(*d));
	if (!d)
		goto full;
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0) {
		free(d);
		goto full;
	}
	atomic_init(&d->refs, 1);
	return d;
full:
	atomic_fetch_sub(&n_open, 1);
	return NULL;
}

struct mh_dirref *mh_dirref_get(struct mh_dirref *d)
{
	if (d)
		atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
	return d;
}

void mh_dirref_put(struct mh_dirref *d)
{
	if (!d)
		return;
	/* acq_rel: the closing thread sees every use by the others. */
	if (atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
		return;
	close(d->fd);
	free(d);
	atomic_fetch_sub(&n_open, 1);
}

int mh_dirref_fd(const struct mh_dirref *d)
{
	return d->fd;
}

unsigned mh_dirref_open_count(void)
{
	return atomic_load(&n_open);
}
