#include "readers/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dirref.h"
#include "core/idset.h"
#include "core/stream.h"

#define HEAD_SIZE 4096
#define MAX_DEPTH 64

extern const struct mh_reader_ops mh_reader_maildir;

struct walker {
	const struct mh_walk_cb *cb;
	int stop;  /* negative return from cb->source */
	int depth; /* 0: the path the user named */
	int stdin_read;
	/* Read-once bookkeeping: directories listed and files outside
	 * Maildir folders (seen), the cur/ and new/ directories read
	 * (mdirs), and how many files were named on the command line (only
	 * then are Maildir entries looked up: one lookup per message, with
	 * its cache misses, would cost a large Maildir about 8 %). */
	struct mh_idset seen, mdirs;
	size_t named_files;
};

static void report(struct walker *w, const char *path, int reason,
                   const char *msg)
{
	struct mh_err e;
	mh_err_clear(&e);
	mh_err_at(&e, reason == MH_SKIP_UNKNOWN_TYPE ? MH_EFORMAT : MH_EIO,
	          reason, path, 0, 0, "%s", msg);
	if (w->cb->error)
		w->cb->error(&e, w->depth == 0, w->cb->ctx);
}

static void report_errno(struct walker *w, const char *path, int reason,
                         const char *what, int e)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
	report(w, path, reason, msg);
}

static void report_dup(struct walker *w, const char *path)
{
	report(w, path, MH_SKIP_DUPLICATE,
	       "already read (the same file as an earlier input); not read "
	       "again");
}

/* Links to directories are not followed: no loops, and no walk out of
 * the evidence tree. Said, not silent. */
static void report_dir_link(struct walker *w, const char *path)
{
	report(w, path, MH_SKIP_UNKNOWN_TYPE,
	       "symbolic link to a directory, not followed (name it to scan "
	       "it)");
}

/* 1 the first time the file (dev, ino) comes by; later it is reported
 * as a duplicate (overlapping inputs, links: a message counted twice
 * would double the forwarding counts). A message hard-linked into two
 * Maildir folders is two messages of the store, as a copy would be. */
static int first_time(struct walker *w, const char *path, uint64_t dev,
                      uint64_t ino)
{
	if (mh_idset_add(&w->seen, dev, ino) != 0)
		return 1; /* new, or no memory to remember: read it */
	report_dup(w, path);
	return 0;
}

/* 1 when path's directory is a cur/ or new/ that was read already. */
static int in_read_mdir(struct walker *w, const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	struct stat ds;
	return stat(dir, &ds) == 0 &&
	       mh_idset_has(&w->mdirs, (uint64_t)ds.st_dev,
	                    (uint64_t)ds.st_ino);
}

static int emit(struct walker *w, struct mh_source *src,
                const struct mh_reader_ops *ops)
{
	int rc = w->cb->source(src, ops, w->cb->ctx);
	if (rc < 0)
		w->stop = rc;
	return rc;
}

/* Read the first bytes (inflated for gzip) for type detection, through
 * the same stream the readers use, so that damaged gzip is named as they
 * name it. -1 with e filled (its src is path) when nothing could be read. */
static ssize_t read_head(const char *path, char *buf, size_t n, int *gz,
                         struct mh_err *e)
{
	struct mh_stream *st = NULL;
	*gz = 0;
	if (mh_stream_open_flags(&st, path, n, n, MH_STREAM_REGULAR, e) !=
	    MH_OK) {
		e->src = path;
		return -1;
	}
	const char *p = NULL;
	size_t got = 0;
	int rc = mh_stream_peek(st, n, &p, &got, e);
	*gz = mh_stream_is_gzip(st);
	if (got > n)
		got = n;
	if (got)
		memcpy(buf, p, got);
	mh_stream_close(st);
	e->src = path; /* it named the stream's copy, freed by close */
	if (rc < 0 && got == 0)
		return -1;
	return (ssize_t)got;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void file(struct walker *w, const char *path, uint64_t size)
{
	char head[HEAD_SIZE];
	int gz = 0;
	struct mh_err e;
	mh_err_clear(&e);
	ssize_t n = read_head(path, head, sizeof(head), &gz, &e);
	if (n < 0) {
		if (!e.reason)
			e.reason = MH_SKIP_UNREADABLE;
		if (w->cb->error)
			w->cb->error(&e, w->depth == 0, w->cb->ctx);
		return;
	}
	const struct mh_reader_ops *ops =
	        mh_reader_detect(head, (size_t)n, base_name(path));
	if (!ops) {
		report(w, path, MH_SKIP_UNKNOWN_TYPE,
		       n == 0 ? "empty file" : "not a mail store or audit log");
		return;
	}
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.size = size;
	src.gzip = gz;
	src.regular = 1; /* file() is only called for S_ISREG */
	src.range_end = UINT64_MAX;
	/* An mbox named after its owner ("alice@corp.example.mbox"). */
	char owner[256] = "";
	if (ops == mh_reader_by_name("mbox")) {
		const char *b = base_name(path);
		size_t bl = strcspn(b, ".");
		const char *at = strchr(b, '@');
		if (at) {
			const char *ext = strstr(b, ".mbox");
			bl = ext ? (size_t)(ext - b) : strlen(b);
		}
		if (bl < sizeof(owner)) {
			memcpy(owner, b, bl);
			owner[bl] = '\0';
			src.mailbox = owner;
		}
	}
	emit(w, &src, ops);
}

/* A directory entry; type is d_type (DT_UNKNOWN when the file system
 * does not say). */
struct dent {
	char *name;
	unsigned char type;
	uint64_t ino; /* d_ino */
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
	              ((const struct dent *)b)->name);
}

/* Sorted entries of dir (excluding . and ..); NULL on error. */
static struct dent *list_dir(const char *dir, size_t *count, int *err_no)
{
	DIR *d = opendir(dir);
	if (!d) {
		*err_no = errno;
		return NULL;
	}
	size_t n = 0, cap = 64;
	struct dent *v = malloc(cap * sizeof(*v));
	struct dirent *e;
	while (v && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			struct dent *nv = realloc(v, cap * 2 * sizeof(*v));
			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		v[n].name = strdup(e->d_name);
		v[n].type = e->d_type;
		v[n].ino = (uint64_t)e->d_ino;
		if (!v[n].name)
			break;
		n++;
	}
	closedir(d);
	if (!v) {
		*err_no = ENOMEM;
		return NULL;
	}
	qsort(v, n, sizeof(*v), cmp_names);
	*count = n;
	return v;
}

static void free_list(struct dent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 when name is a Maildir message name: "<digits>.<anything>" (the
 * time of delivery first, as every MDA writes it). */
static int maildir_name(const char *name)
{
	size_t d = strspn(name, "0123456789");
	return d > 0 && name[d] == '.' && name[d + 1];
}

/* 1 when dir/sub's first entries (sorted readdir order does not matter:
 * up to 8 are looked at) are Maildir message names. */
static int entries_look_maildir(const char *dir, const char *sub)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	DIR *d = opendir(p);
	if (!d)
		return 0;
	int seen = 0, good = 0;
	struct dirent *e;
	while (seen < 8 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		seen++;
		good += maildir_name(e->d_name);
	}
	closedir(d);
	return seen > 0 && good == seen;
}

/* A Maildir folder has cur/, new/ and tmp/. Copies of evidence (zip, tar,
 * git) often drop the empty ones, so cur/ with new/ or tmp/ is enough, and
 * cur/ or new/ alone is when its entries carry Maildir names (a directory
 * called "new" full of other files is not mail). */
static int is_maildir(const char *dir)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/cur", dir);
	int cur = is_dir(p);
	snprintf(p, sizeof(p), "%s/new", dir);
	int nw = is_dir(p);
	snprintf(p, sizeof(p), "%s/tmp", dir);
	int tmp = is_dir(p);
	if (cur && (nw || tmp))
		return 1;
	if (cur)
		return entries_look_maildir(dir, "cur");
	if (nw)
		return entries_look_maildir(dir, "new");
	return 0;
}

size_t mh_walk_maildir_owner(const char *dir, char *out, size_t outn)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", dir);
	size_t n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	/* Split the last three components. */
	char *c[3] = {NULL, NULL, NULL};
	for (int k = 0; k < 3; k++) {
		char *s = strrchr(buf, '/');
		if (!s) {
			c[k] = buf;
			break;
		}
		c[k] = s + 1;
		*s = '\0';
	}
	const char *last = c[0] ? c[0] : "";
	if (strchr(last, '@'))
		return (size_t)snprintf(out, outn, "%s", last);
	if (!strcasecmp(last, "Maildir") && c[1] && *c[1]) {
		if (strchr(c[1], '@') || !c[2] || !strchr(c[2], '.'))
			return (size_t)snprintf(out, outn, "%s", c[1]);
		return (size_t)snprintf(out, outn, "%s@%s", c[1], c[2]);
	}
	if (c[1] && strchr(c[1], '.') && !strchr(last, '.'))
		return (size_t)snprintf(out, outn, "%s@%s", last, c[1]);
	return (size_t)snprintf(out, outn, "%s", last);
}

/* Entries of one Maildir folder's cur/ and new/. */
static void maildir_folder(struct walker *w, const char *dir, const char *owner,
                           const char *folder)
{
	static const char *const subs[] = {"cur", "new"};
	for (int k = 0; k < 2 && !w->stop; k++) {
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[k]);
		size_t n = 0;
		int e = 0;
		struct stat dst;
		if (stat(sub, &dst) != 0 && errno == ENOENT)
			continue; /* an empty cur/ or new/ lost in a copy */
		if (!first_time(w, sub, (uint64_t)dst.st_dev,
		                (uint64_t)dst.st_ino))
			continue;
		(void)mh_idset_add(&w->mdirs, (uint64_t)dst.st_dev,
		                   (uint64_t)dst.st_ino);
		struct dent *v = list_dir(sub, &n, &e);
		if (!v && e == ENOENT)
			continue;
		if (!v) {
			report_errno(w, sub, MH_SKIP_UNREADABLE,
			             "cannot read directory", e);
			continue;
		}
		/* NULL (too many open, or it vanished) means full paths. */
		struct mh_dirref *dr = n ? mh_dirref_open(sub) : NULL;
		for (size_t i = 0; i < n && !w->stop; i++) {
			if (v[i].name[0] == '.')
				continue;
			char path[4096];
			int pl = snprintf(path, sizeof(path), "%s/%s", sub,
			                  v[i].name);
			if (pl < 0 || (size_t)pl >= sizeof(path)) {
				report(w, v[i].name, MH_SKIP_UNREADABLE,
				       "path too long");
				continue;
			}
			/* d_ino names the file itself (a link: the link). */
			if (w->named_files && v[i].type == DT_REG &&
			    mh_idset_has(&w->seen, (uint64_t)dst.st_dev,
			                 v[i].ino)) {
				report_dup(w, path);
				continue;
			}
			if (v[i].type != DT_REG && v[i].type != DT_LNK &&
			    v[i].type != DT_UNKNOWN) {
				/* A directory, FIFO or device among messages
				 * is not mail (and a FIFO could block). */
				report(w, path, MH_SKIP_UNKNOWN_TYPE,
				       "not a regular file");
				continue;
			}
			struct mh_source src;
			memset(&src, 0, sizeof(src));
			src.path = path;
			src.mailbox = owner;
			src.folder = folder;
			src.range_end = UINT64_MAX;
			src.regular = v[i].type == DT_REG;
			src.dir = dr;
			src.name = dr ? path + pl - strlen(v[i].name) : NULL;
			emit(w, &src, &mh_reader_maildir);
		}
		mh_dirref_put(dr);
		free_list(v, n);
	}
}

static void walk_path(struct walker *w, const char *path, int depth);

/* Files a mail server keeps beside the messages of a Maildir (indexes,
 * quota, subscriptions): not mail, not worth a note. */
static int maildir_control(const char *name)
{
	return !strncmp(name, "dovecot", 7) || !strncmp(name, "courier", 7) ||
	       !strcmp(name, "subscriptions") ||
	       !strcmp(name, "maildirfolder") || !strcmp(name, "maildirsize");
}

/* The folders of a Maildir: Maildir++ ".Folder" directories at the top
 * (depth 1), and those nested in Dovecot's LAYOUT=fs ("Archive/2024" is
 * dir/Archive/2024/cur): every subdirectory is looked into, also one
 * that is not a folder itself, up to MAX_DEPTH. Other files there (an
 * mbox export beside the Maildir, a home directory that is a Maildir)
 * are read by their content like anywhere else. */
static void maildir_nested(struct walker *w, const char *dir, const char *owner,
                           const char *prefix, int depth)
{
	if (depth > MAX_DEPTH)
		return;
	size_t n = 0;
	int e = 0;
	struct dent *v = list_dir(dir, &n, &e);
	if (!v)
		return;
	for (size_t i = 0; i < n && !w->stop; i++) {
		const char *name = v[i].name;
		if (!strcmp(name, "cur") || !strcmp(name, "new") ||
		    !strcmp(name, "tmp") || maildir_control(name))
			continue;
		char sub[4096], folder[1024];
		int pl = snprintf(sub, sizeof(sub), "%s/%s", dir, name);
		if (pl < 0 || (size_t)pl >= sizeof(sub)) {
			report(w, name, MH_SKIP_UNREADABLE, "path too long");
			continue;
		}
		if (name[0] == '.') {
			/* Maildir++ folder ".Sent" or ".Archive.2024" at the
			 * top; other hidden entries are not mail. */
			if (depth == 1 && is_maildir(sub))
				maildir_folder(w, sub, owner, name + 1);
			continue;
		}
		if (v[i].type == DT_LNK) {
			struct stat tst;
			if (stat(sub, &tst) == 0 && S_ISDIR(tst.st_mode)) {
				report_dir_link(w, sub);
				continue;
			}
		}
		if ((v[i].type != DT_DIR && v[i].type != DT_UNKNOWN) ||
		    !is_dir(sub)) {
			walk_path(w, sub, depth + 1);
			continue;
		}
		snprintf(folder, sizeof(folder), "%s%s%s", prefix,
		         *prefix ? "/" : "", name);
		if (is_maildir(sub))
			maildir_folder(w, sub, owner, folder);
		maildir_nested(w, sub, owner, folder, depth + 1);
	}
	free_list(v, n);
}

static void maildir(struct walker *w, const char *dir)
{
	w->depth = 1;
	char owner[512];
	mh_walk_maildir_owner(dir, owner, sizeof(owner));
	maildir_folder(w, dir, owner, "INBOX");
	maildir_nested(w, dir, owner, "", 1);
}

/* A FIFO or character device named on the command line (`<(zcat x)`,
 * /dev/fd/N): read once as a stream, like standard input. */
static void stream_input(struct walker *w, const char *name, int fd);

static void walk_path(struct walker *w, const char *path, int depth)
{
	struct stat st;
	w->depth = depth;
	if (stat(path, &st) != 0) {
		report_errno(w, path, MH_SKIP_UNREADABLE, "cannot open", errno);
		return;
	}
	if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
	    !first_time(w, path, (uint64_t)st.st_dev, (uint64_t)st.st_ino))
		return;
	if (S_ISREG(st.st_mode) && depth == 0) {
		/* Named, and already read as a message of a Maildir folder? */
		if (in_read_mdir(w, path)) {
			report_dup(w, path);
			return;
		}
		w->named_files++;
	}
	if (S_ISREG(st.st_mode)) {
		file(w, path, (uint64_t)st.st_size);
		return;
	}
	if (depth == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			report_errno(w, path, MH_SKIP_UNREADABLE, "cannot open",
			             errno);
			return;
		}
		stream_input(w, path, fd);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		report(w, path, MH_SKIP_UNKNOWN_TYPE,
		       "not a regular file or directory");
		return;
	}
	if (depth > MAX_DEPTH) {
		report(w, path, MH_SKIP_UNREADABLE, "directory tree too deep");
		return;
	}
	if (is_maildir(path)) {
		maildir(w, path);
		return;
	}
	size_t n = 0;
	int e = 0;
	struct dent *v = list_dir(path, &n, &e);
	if (!v) {
		report_errno(w, path, MH_SKIP_UNREADABLE,
		             "cannot read directory", e);
		return;
	}
	for (size_t i = 0; i < n && !w->stop; i++) {
		char sub[4096];
		/* What is found here was not named by the user, dangling
		 * links included. */
		w->depth = depth + 1;
		int pl = snprintf(sub, sizeof(sub), "%s/%s", path, v[i].name);
		if (pl < 0 || (size_t)pl >= sizeof(sub)) {
			report(w, v[i].name, MH_SKIP_UNREADABLE,
			       "path too long");
			continue;
		}
		struct stat lst;
		if (lstat(sub, &lst) == 0 && S_ISLNK(lst.st_mode)) {
			struct stat tst;
			if (stat(sub, &tst) != 0) {
				report_errno(w, sub, MH_SKIP_UNREADABLE,
				             "dangling symbolic link", errno);
				continue;
			}
			if (S_ISDIR(tst.st_mode)) {
				report_dir_link(w, sub);
				continue;
			}
		}
		walk_path(w, sub, depth + 1);
		w->depth = depth;
	}
	free_list(v, n);
}

/* A stream read once (standard input, a FIFO): its type is detected from
 * the first bytes in the stream's buffer (peek does not consume), and the
 * open stream goes to the reader with the source. Takes fd. */
static void stream_input(struct walker *w, const char *name, int fd)
{
	struct mh_stream *st = NULL;
	struct mh_err e;
	mh_err_clear(&e);
	if (mh_stream_open_fd(&st, fd, name, HEAD_SIZE, HEAD_SIZE, 0, &e) !=
	    MH_OK) {
		report(w, name, MH_SKIP_UNREADABLE, e.msg);
		return;
	}
	const char *head;
	size_t n = 0;
	if (mh_stream_peek(st, HEAD_SIZE, &head, &n, &e) < 0 && n == 0) {
		report(w, name, MH_SKIP_UNREADABLE, e.msg);
		mh_stream_close(st);
		return;
	}
	const struct mh_reader_ops *ops = mh_reader_detect(head, n, name);
	if (!ops) {
		report(w, name, MH_SKIP_UNKNOWN_TYPE,
		       n == 0 ? "empty input"
		              : "not a mail store or audit log");
		mh_stream_close(st);
		return;
	}
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = name;
	src.gzip = mh_stream_is_gzip(st);
	src.range_end = UINT64_MAX;
	src.stream = st; /* the callback owns it now (walk.h) */
	emit(w, &src, ops);
}

/* "-": standard input, read once. */
static void standard_input(struct walker *w)
{
	int fd = dup(STDIN_FILENO);
	if (fd < 0) {
		report_errno(w, MH_STDIN_NAME, MH_SKIP_UNREADABLE,
		             "cannot read", errno);
		return;
	}
	stream_input(w, MH_STDIN_NAME, fd);
}

int mh_walk(const char *const *paths, size_t n, const struct mh_walk_cb *cb,
            struct mh_err *err)
{
	struct walker w = {cb, 0, 0, 0, MH_IDSET_INIT, MH_IDSET_INIT, 0};
	for (size_t i = 0; i < n && !w.stop; i++) {
		if (!strcmp(paths[i], "-")) {
			w.depth = 0;
			if (w.stdin_read++)
				report(&w, MH_STDIN_NAME, MH_SKIP_DUPLICATE,
				       "standard input given twice: read once");
			else
				standard_input(&w);
			continue;
		}
		char p[4096];
		snprintf(p, sizeof(p), "%s", paths[i]);
		size_t l = strlen(p);
		while (l > 1 && p[l - 1] == '/')
			p[--l] = '\0';
		walk_path(&w, p, 0);
	}
	mh_idset_release(&w.seen);
	mh_idset_release(&w.mdirs);
	if (w.stop)
		return mh_err_set(err, w.stop, "walk stopped");
	return MH_OK;
}
