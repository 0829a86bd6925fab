/* outpath.c - see outpath.h. */
#include "core/outpath.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int resolve_out_depth(const char *out, char *buf, size_t cap, int depth);

/* The canonical absolute path of out, also when out does not exist yet:
 * its parent resolved, its last component appended; a dangling symbolic
 * link is followed to where fopen would create the file. 0 on success. */
static int resolve_out(const char *out, char *buf, size_t cap)
{
	return resolve_out_depth(out, buf, cap, 0);
}

static int resolve_out_depth(const char *out, char *buf, size_t cap, int depth)
{
	if (realpath(out, buf))
		return 0;
	struct stat ls;
	if (depth < 16 && lstat(out, &ls) == 0 && S_ISLNK(ls.st_mode)) {
		char target[PATH_MAX], next[2 * PATH_MAX];
		ssize_t tl = readlink(out, target, sizeof(target) - 1);
		if (tl <= 0)
			return -1;
		target[tl] = '\0';
		const char *slash = strrchr(out, '/');
		if (target[0] == '/' || !slash)
			snprintf(next, sizeof(next), "%s", target);
		else
			snprintf(next, sizeof(next), "%.*s/%s",
			         (int)(slash - out), out, target);
		return resolve_out_depth(next, buf, cap, depth + 1);
	}
	const char *slash = strrchr(out, '/');
	char parent[PATH_MAX];
	const char *base = out;
	if (slash) {
		size_t n = (size_t)(slash - out);
		if (n >= sizeof(parent))
			return -1;
		memcpy(parent, out, n);
		parent[n] = '\0';
		if (n == 0)
			strcpy(parent, "/");
		base = slash + 1;
	} else {
		strcpy(parent, ".");
	}
	char rp[PATH_MAX];
	if (!realpath(parent, rp))
		return -1;
	size_t rl = strlen(rp);
	const char *sep = rl && rp[rl - 1] == '/' ? "" : "/";
	int w = snprintf(buf, cap, "%s%s%s", rp, sep, base);
	return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* 1 when path lies strictly inside dir (both canonical). */
static int is_inside(const char *path, const char *dir)
{
	size_t dl = strlen(dir);
	if (dl == 1 && dir[0] == '/')
		return path[0] == '/' && path[1] != '\0';
	return strncmp(path, dir, dl) == 0 && path[dl] == '/';
}

int mh_outpath_check(const char *out, const char *const *inputs, size_t n,
                     struct mh_err *err)
{
	struct stat os;
	int out_exists = stat(out, &os) == 0;
	char ro[PATH_MAX];
	int have_ro = resolve_out(out, ro, sizeof(ro)) == 0;

	for (size_t i = 0; i < n; i++) {
		const char *in = inputs[i];
		if (!strcmp(in, "-"))
			continue;
		struct stat is;
		if (stat(in, &is) != 0)
			continue; /* reported by the walker as unreadable */
		if (out_exists && os.st_dev == is.st_dev &&
		    os.st_ino == is.st_ino)
			return mh_err_set(err, MH_EINVAL,
			                  "output '%s' is the input '%s': "
			                  "refusing to overwrite evidence",
			                  out, in);
		if (!S_ISDIR(is.st_mode) || !have_ro)
			continue;
		char ri[PATH_MAX];
		if (!realpath(in, ri))
			continue;
		if (is_inside(ro, ri))
			return mh_err_set(err, MH_EINVAL,
			                  "output '%s' lies inside the input "
			                  "directory '%s': write it outside "
			                  "the evidence",
			                  out, in);
	}
	return MH_OK;
}
