/* stream.c - windowed read-only input (see stream.h).
 *
 * Layout of the buffer: data[0..len) holds input bytes base..base+len,
 * data[pos] is the current position. For files data == buf (owned); for
 * memory streams data is the caller's block and buf is NULL; for mapped
 * files data points into the mapped window map[0..map_len).
 *
 * Mapped windows: read() copies every byte from the page cache, which on
 * a 1 GiB mbox cost about as much as all the parsing. A large plain file
 * (MAP_MIN) read in large blocks is instead mapped read-only, a window of
 * MAP_WIN bytes (or what a peek needs) at a time, pre-faulted; the window
 * before is unmapped, so memory stays bounded. A mapped file that shrinks
 * while it is read would kill the process with SIGBUS at the first byte
 * past its new end: a handler (installed at the first mapping, chaining
 * to any earlier one) maps zero pages over the rest of that window
 * instead and flags it, and the stream then reports the file as cut
 * where it now ends.
 */
#include "core/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Compressed input is read in blocks of this size. */
#define ZIN_CAP ((size_t)256 << 10)
/* fadvise only pays off for inputs read in large blocks. */
#define FADVISE_MIN ((size_t)1 << 20)
/* Plain files at least this large, read in blocks of at least
 * FADVISE_MIN, are mapped in windows of MAP_WIN bytes. */
#define MAP_MIN ((uint64_t)8 << 20)
#define MAP_WIN ((size_t)16 << 20)
/* With MH_STREAM_SMALL_MAP: readers of small records need no more. */
#define SMALL_MAP_WIN ((size_t)4 << 20)

struct mh_stream {
	int fd;           /* -1 for memory streams */
	int mem;          /* data is the caller's block */
	int gz;           /* gzip input */
	int eof;          /* no input after data[len] */
	int regular;      /* MH_STREAM_REGULAR: a short read is the end */
	int failed;       /* sticky MH_E* code of the first error, 0 if none */
	int failed_rs;    /* skip reason of that error */
	int zin_eof;      /* compressed input exhausted */
	int in_member;    /* inside a gzip member: input ending is truncation */
	int defer;        /* mh_stream_defer_damage: damage reads as the end */
	int dmg;          /* MH_E* of the damage where the gzip data ends (0:
	                  none; MH_ESKIP: trailing garbage, a warning) */
	int dmg_rs;       /* skip reason of the damage */
	int dmg_told;     /* mh_stream_end has reported it */
	uint64_t dmg_off; /* decompressed offset of the damage */
	z_stream z;
	gz_header zh;       /* zh.done tells a cut header from cut data */
	int z_ready;        /* inflateInit2 succeeded */
	unsigned char *zin; /* compressed input block */
	size_t zin_cap;
	uint64_t zin_total; /* compressed bytes read into zin so far */
	const char *data;   /* == buf, or the caller's block */
	char *buf;          /* owned window buffer */
	size_t cap;         /* bytes of buf that hold data */
	size_t pad;         /* readable bytes allocated after buf[cap] */
	size_t maxcap;      /* cap may grow up to this */
	size_t pos;         /* current position within data */
	size_t len;         /* valid bytes at data */
	uint64_t base;      /* input offset of data[0] */
	char *name;
	char failed_msg[160];
	char dmg_msg[200];
	/* Mapped windows (see the top): the window, the file size last
	 * seen, and the SIGBUS guard slot of this stream (-1: none). */
	int mapped;
	char *map;
	size_t map_len;
	size_t map_win; /* bytes mapped at a time, 0: MAP_WIN */
	uint64_t fsize;
	int slot;
	int fail_told; /* mh_stream_end has reported the shrink */
};

/* MARK: - the SIGBUS guard of mapped windows */

#define GUARD_SLOTS 256

static struct guard_slot {
	atomic_int used;
	atomic_int hit; /* a fault hit the window: file shrank */
	_Atomic(uintptr_t) lo, hi;
} guard[GUARD_SLOTS];

static struct sigaction guard_old;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t guard_page;

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	uintptr_t a = (uintptr_t)si->si_addr;
	for (int i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t lo = atomic_load(&guard[i].lo);
		uintptr_t hi = atomic_load(&guard[i].hi);
		if (a < lo || a >= hi)
			continue;
		/* Zero pages over the rest of the window: the faulting
		 * read sees 0 and the stream reports the cut. */
		uintptr_t pg = a & ~(guard_page - 1);
		if (mmap((void *)pg, hi - pg, PROT_READ,
		         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		         0) != MAP_FAILED) {
			atomic_store(&guard[i].hit, 1);
			errno = saved;
			return;
		}
		break;
	}
	/* Not a window of ours: what was there before. */
	errno = saved;
	if ((guard_old.sa_flags & SA_SIGINFO) && guard_old.sa_sigaction) {
		guard_old.sa_sigaction(sig, si, uc);
		return;
	}
	if (!(guard_old.sa_flags & SA_SIGINFO) &&
	    guard_old.sa_handler != SIG_DFL &&
	    guard_old.sa_handler != SIG_IGN) {
		guard_old.sa_handler(sig);
		return;
	}
	/* Default action: the faulting access runs again and kills. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGBUS, &dfl, NULL);
}

/* The handler is (again) SIGBUS's: installed at the first mapping, and
 * again when something replaced it since (a test harness does, around
 * each test), chaining to what it found. 0, or -1 when it cannot be. */
static int guard_install(void)
{
	struct sigaction cur, sa;
	int rc = -1;
	pthread_mutex_lock(&guard_lock);
	if (!guard_page) {
		long pg = sysconf(_SC_PAGESIZE);
		if (pg > 0)
			guard_page = (uintptr_t)pg;
	}
	if (guard_page && sigaction(SIGBUS, NULL, &cur) == 0) {
		if ((cur.sa_flags & SA_SIGINFO) &&
		    cur.sa_sigaction == guard_handler) {
			rc = 0;
		} else {
			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = guard_handler;
			sa.sa_flags = SA_SIGINFO | SA_RESTART;
			sigemptyset(&sa.sa_mask);
			guard_old = cur;
			rc = sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -1;
		}
	}
	pthread_mutex_unlock(&guard_lock);
	return rc;
}

/* A guard slot, or -1 when the guard cannot be had (then no mapping). */
static int guard_claim(void)
{
	if (guard_install() != 0)
		return -1;
	for (int i = 0; i < GUARD_SLOTS; i++) {
		int zero = 0;
		if (atomic_compare_exchange_strong(&guard[i].used, &zero, 1)) {
			atomic_store(&guard[i].hit, 0);
			return i;
		}
	}
	return -1;
}

static void guard_set(int i, const char *p, size_t n)
{
	atomic_store(&guard[i].hi, (uintptr_t)0);
	atomic_store(&guard[i].lo, (uintptr_t)p);
	atomic_store(&guard[i].hi, (uintptr_t)p + n);
}

static void guard_release(int i)
{
	guard_set(i, NULL, 0);
	atomic_store(&guard[i].used, 0);
}

/* Record the first error (what, and detail when not NULL) and return it. */
static int fail(struct mh_stream *s, struct mh_err *err, int code, int reason,
                const char *what, const char *detail)
{
	if (!s->failed) {
		s->failed = code;
		s->failed_rs = reason;
		/* The message is kept so a later peek reports the same. */
		snprintf(s->failed_msg, sizeof(s->failed_msg), "%s%s%s", what,
		         detail ? ": " : "", detail ? detail : "");
	}
	s->eof = 1;
	return mh_err_at(err, code, reason, s->name, s->base + s->len, 0, "%s",
	                 s->failed_msg);
}

/* Record damage in the gzip data (the first one found) and end the data
 * there; returns MH_OK: the bytes inflated before it stay readable, and
 * peek/mh_stream_end report it (stream.h). */
static int damage(struct mh_stream *s, int code, int reason, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
static int damage(struct mh_stream *s, int code, int reason, const char *fmt,
                  ...)
{
	if (!s->dmg) {
		va_list ap;
		s->dmg = code;
		s->dmg_rs = reason;
		s->dmg_off = s->base + s->len;
		va_start(ap, fmt);
		vsnprintf(s->dmg_msg, sizeof(s->dmg_msg), fmt, ap);
		va_end(ap);
	}
	s->eof = 1;
	return MH_OK;
}

/* Damage that means bytes of the input are lost (not the warning). */
static int fatal_damage(const struct mh_stream *s)
{
	return s->dmg && s->dmg != MH_ESKIP;
}

static int damage_err(const struct mh_stream *s, struct mh_err *err)
{
	return mh_err_at(err, s->dmg, s->dmg_rs, s->name, s->dmg_off, 0, "%s",
	                 s->dmg_msg);
}

/* Offset in the compressed file of the next byte inflate will read. */
static uint64_t zpos(const struct mh_stream *s)
{
	return s->zin_total - s->z.avail_in;
}

/* inflateGetHeader after every init/reset, so zh.done says whether the
 * current member's header has been read. */
static void watch_header(struct mh_stream *s)
{
	memset(&s->zh, 0, sizeof(s->zh));
	(void)inflateGetHeader(&s->z, &s->zh);
}

static ssize_t read_full(int fd, void *p, size_t n)
{
	ssize_t r;
	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static void unmap_window(struct mh_stream *s)
{
	if (!s->map)
		return;
	guard_set(s->slot, NULL, 0);
	munmap(s->map, s->map_len);
	s->map = NULL;
	s->map_len = 0;
}

static void stream_free(struct mh_stream *s)
{
	if (!s)
		return;
	unmap_window(s);
	if (s->slot >= 0)
		guard_release(s->slot);
	if (s->z_ready)
		inflateEnd(&s->z);
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s->zin);
	free(s->name);
	free(s);
}

static struct mh_stream *stream_new(const char *name)
{
	struct mh_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fd = -1;
	s->slot = -1;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		return NULL;
	}
	return s;
}

/* Switch to gzip: the bytes already read are the start of the
 * compressed input. */
static int start_gzip(struct mh_stream *s)
{
	s->zin_cap = s->len > ZIN_CAP ? s->len : ZIN_CAP;
	s->zin = malloc(s->zin_cap);
	if (!s->zin)
		return MH_ENOMEM;
	memcpy(s->zin, s->buf, s->len);
	/* 16 + MAX_WBITS: gzip wrapper only. */
	if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
		return MH_ENOMEM;
	s->z_ready = 1;
	watch_header(s);
	s->z.next_in = s->zin;
	s->z.avail_in = (uInt)s->len;
	s->zin_total = s->len;
	s->zin_eof = s->eof;
	s->in_member = 1;
	s->gz = 1;
	s->len = 0;
	s->eof = 0;
	return MH_OK;
}

/* Map the window of the file that starts at off (the current position)
 * and holds want bytes if the file does: a window of at least MAP_WIN
 * bytes from the page boundary below off, up to the file's size now. */
static int map_at(struct mh_stream *s, uint64_t off, size_t want,
                  struct mh_err *err)
{
	struct stat st;
	unmap_window(s);
	if (fstat(s->fd, &st) != 0)
		return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE, "cannot stat",
		            strerror(errno));
	s->fsize = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (off > s->fsize)
		off = s->fsize;
	s->base = off;
	s->pos = s->len = 0;
	s->data = "";
	if (off >= s->fsize) {
		s->eof = 1;
		return MH_OK;
	}
	uint64_t start = off & ~(uint64_t)(guard_page - 1);
	uint64_t need = off - start + want;
	size_t win = s->map_win ? s->map_win : MAP_WIN;
	uint64_t len = need > win ? need : win;
	if (len > s->fsize - start)
		len = s->fsize - start;
	/* With a tail pad (mh_stream_set_pad) the window is followed by
	 * readable zero pages: the file's pages are mapped over an anonymous
	 * reservation that is pad bytes longer, so a parser reading ahead
	 * past the last byte of the file (or of the window) never faults. */
	size_t flen = (size_t)len, total = flen;
	if (s->pad) {
		size_t pg = (size_t)guard_page;
		total = ((flen + pg - 1) & ~(pg - 1)) +
		        ((s->pad + pg - 1) & ~(pg - 1));
	}
	void *m = total == flen ? MAP_FAILED
	                        : mmap(NULL, total, PROT_READ,
	                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (total != flen && m == MAP_FAILED)
		return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE, "cannot map",
		            strerror(errno));
	void *f = mmap(m == MAP_FAILED ? NULL : m, flen, PROT_READ,
	               MAP_PRIVATE | MAP_POPULATE |
	                       (m == MAP_FAILED ? 0 : MAP_FIXED),
	               s->fd, (off_t)start);
	if (f == MAP_FAILED) {
		int e = errno;
		if (m != MAP_FAILED)
			munmap(m, total);
		return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE, "cannot map",
		            strerror(e));
	}
	s->map = f;
	s->map_len = total;
	/* Only the file's pages can fault when the file shrinks. */
	guard_set(s->slot, s->map, flen);
	s->data = s->map + (off - start);
	s->len = (size_t)(len - (off - start));
	s->eof = start + len >= s->fsize;
	return MH_OK;
}

/* A large plain file read in large blocks: mapped windows from here on,
 * when it is not gzip (its first bytes) and a guard slot is free. */
static int try_map(struct mh_stream *s)
{
	struct stat st;
	unsigned char magic[2];
	/* An inherited descriptor (standard input) may not be at the start:
	 * read() would begin where it is, so only a fresh one is mapped. */
	if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < MAP_MIN || lseek(s->fd, 0, SEEK_CUR) != 0 ||
	    pread(s->fd, magic, 2, 0) != 2 ||
	    (magic[0] == 0x1f && magic[1] == 0x8b))
		return 0;
	s->slot = guard_claim();
	if (s->slot < 0)
		return 0;
	s->mapped = 1;
	if (map_at(s, 0, 0, NULL) != MH_OK) {
		/* Back to read(): nothing has been handed out yet. */
		s->mapped = 0;
		s->failed = 0;
		s->eof = 0;
		s->base = 0;
		s->pos = s->len = 0;
		s->data = NULL;
		guard_release(s->slot);
		s->slot = -1;
		return 0;
	}
	return 1;
}

/* A fault in the window (the file shrank): the data ends where the file
 * now ends, and the stream has failed as after a read error (reported by
 * peek when more is asked for, or by mh_stream_end). */
static void map_check(struct mh_stream *s)
{
	if (!s->mapped || s->failed || !atomic_load(&guard[s->slot].hit))
		return;
	struct stat st;
	uint64_t now = fstat(s->fd, &st) == 0 && st.st_size > 0
	                       ? (uint64_t)st.st_size
	                       : 0;
	if (now < s->base + s->len)
		s->len = now > s->base ? (size_t)(now - s->base) : 0;
	if (s->pos > s->len)
		s->pos = s->len;
	char what[96];
	snprintf(what, sizeof(what),
	         "the file shrank to %" PRIu64 " bytes while it was read", now);
	fail(s, NULL, MH_EIO, MH_SKIP_TRUNCATED, what, NULL);
}

int mh_stream_open_sized(struct mh_stream **out, const char *path, size_t init,
                         size_t cap, struct mh_err *err)
{
	return mh_stream_open_flags(out, path, init, cap, 0, err);
}

int mh_stream_open_flags(struct mh_stream **out, const char *path, size_t init,
                         size_t cap, unsigned flags, struct mh_err *err)
{
	return mh_stream_open_at(out, AT_FDCWD, path, path, init, cap, flags,
	                         err);
}

int mh_stream_open_at(struct mh_stream **out, int dirfd, const char *name,
                      const char *path, size_t init, size_t cap, unsigned flags,
                      struct mh_err *err)
{
	*out = NULL;
	/* O_NONBLOCK: a FIFO where a file was expected must not hang the
	 * scan waiting for a writer (it reads as empty); regular files
	 * ignore the flag. */
	int fd = openat(dirfd, name,
	                O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return mh_err_at(err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
		                 "cannot open '%s': %s", path, strerror(errno));
	return mh_stream_open_fd(out, fd, path, init, cap, flags, err);
}

int mh_stream_open_fd(struct mh_stream **out, int fd, const char *path,
                      size_t init, size_t cap, unsigned flags,
                      struct mh_err *err)
{
	struct mh_stream *s = NULL;
	int rc = MH_ENOMEM;

	*out = NULL;
	s = stream_new(path);
	if (!s) {
		close(fd);
		goto fail;
	}
	s->fd = fd;
	s->regular = (flags & MH_STREAM_REGULAR) != 0;
	if (flags & MH_STREAM_SMALL_MAP)
		s->map_win = SMALL_MAP_WIN;
	s->maxcap = cap < MH_STREAM_MIN ? MH_STREAM_MIN : cap;
	if (init < MH_STREAM_MIN)
		init = MH_STREAM_MIN;
	s->cap = init < s->maxcap ? init : s->maxcap;
	if (s->cap >= FADVISE_MIN)
		(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (s->cap >= FADVISE_MIN && try_map(s)) {
		*out = s;
		return MH_OK;
	}
	s->buf = malloc(s->cap);
	if (!s->buf)
		goto fail;
	s->data = s->buf;
	/* The first read also tells gzip from plain input; a pipe may hand
	 * over a single byte first. */
	while (s->len < 2 && !s->eof) {
		size_t ask = s->cap - s->len;
		ssize_t r = read_full(s->fd, s->buf + s->len, ask);
		if (r < 0) {
			rc = mh_err_at(err, MH_EIO, MH_SKIP_UNREADABLE, path,
			               s->len, 0, "cannot read '%s': %s", path,
			               strerror(errno));
			goto fail;
		}
		if (r == 0 || (s->regular && (size_t)r < ask))
			s->eof = 1;
		s->len += (size_t)r;
		if (s->len == 1 && (unsigned char)s->buf[0] != 0x1f)
			break;
	}
	if (s->len >= 2 && (unsigned char)s->buf[0] == 0x1f &&
	    (unsigned char)s->buf[1] == 0x8b) {
		rc = start_gzip(s);
		if (rc)
			goto fail;
	}
	*out = s;
	return MH_OK;
fail:
	if (rc == MH_ENOMEM)
		mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE, path, 0, 0,
		          "out of memory");
	stream_free(s);
	return rc;
}

int mh_stream_open(struct mh_stream **out, const char *path, size_t cap,
                   struct mh_err *err)
{
	return mh_stream_open_sized(out, path, MH_STREAM_INIT, cap, err);
}

int mh_stream_open_mem(struct mh_stream **out, const char *p, size_t n,
                       const char *name)
{
	struct mh_stream *s = stream_new(name ? name : "<memory>");
	*out = NULL;
	if (!s)
		return MH_ENOMEM;
	s->mem = 1;
	s->data = n ? p : "";
	s->len = n;
	s->cap = s->maxcap = n;
	s->eof = 1;
	*out = s;
	return MH_OK;
}

void mh_stream_close(struct mh_stream *s)
{
	stream_free(s);
}

/* Read compressed input after the `have` bytes at the front of zin. */
static int read_zin(struct mh_stream *s, size_t have, struct mh_err *err)
{
	ssize_t r = read_full(s->fd, s->zin + have, s->zin_cap - have);
	if (r < 0)
		return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE, "cannot read",
		            strerror(errno));
	if (r == 0)
		s->zin_eof = 1;
	s->zin_total += (uint64_t)r;
	s->z.next_in = s->zin;
	s->z.avail_in = (uInt)(have + (size_t)r);
	return MH_OK;
}

/* Between gzip members: 1 when another member follows, 0 when the input
 * ends (bytes that do not start a member are recorded as trailing
 * garbage, as gzip(1) warns of them), <0 on error. */
static int next_member(struct mh_stream *s, struct mh_err *err)
{
	if (s->z.avail_in < 2 && !s->zin_eof) {
		/* Need two bytes to see the magic. */
		size_t have = s->z.avail_in;
		memmove(s->zin, s->z.next_in, have);
		int rc = read_zin(s, have, err);
		if (rc)
			return rc;
	}
	if (s->z.avail_in == 0)
		return 0;
	if (s->z.avail_in < 2 || s->z.next_in[0] != 0x1f ||
	    s->z.next_in[1] != 0x8b) {
		damage(s, MH_ESKIP, MH_SKIP_MALFORMED,
		       "trailing garbage after the last gzip member at "
		       "compressed offset %" PRIu64 " ignored",
		       zpos(s));
		return 0;
	}
	if (inflateReset(&s->z) != Z_OK)
		return fail(s, err, MH_EFORMAT, MH_SKIP_MALFORMED,
		            "corrupt gzip data", "reset failed");
	watch_header(s);
	s->in_member = 1;
	return 1;
}

/* Name what inflate found wrong (zr is its return code). */
static int inflate_damage(struct mh_stream *s, int zr)
{
	const char *m = s->z.msg ? s->z.msg : "inflate failed";
	uint64_t at = zpos(s);
	if (zr == Z_DATA_ERROR && !strcmp(m, "incorrect data check"))
		/* zlib has read the CRC-32; the length follows it. */
		return damage(s, MH_EFORMAT, MH_SKIP_MALFORMED,
		              "gzip CRC mismatch in member ending at "
		              "compressed offset %" PRIu64,
		              at + 4);
	if (zr == Z_DATA_ERROR && !strcmp(m, "incorrect length check"))
		return damage(s, MH_EFORMAT, MH_SKIP_MALFORMED,
		              "gzip length (ISIZE) mismatch in member ending "
		              "at compressed offset %" PRIu64,
		              at);
	if (s->zh.done == 0)
		return damage(s, MH_EFORMAT, MH_SKIP_MALFORMED,
		              "corrupt gzip header at compressed offset "
		              "%" PRIu64 ": %s",
		              at, m);
	return damage(s, MH_EFORMAT, MH_SKIP_MALFORMED,
	              "corrupt deflate data at compressed offset %" PRIu64
	              ": %s",
	              at, m);
}

/* Append input at data[len..cap); sets eof at the end. Precondition:
 * !eof, !failed, len < cap. */
static int fill(struct mh_stream *s, struct mh_err *err)
{
	if (!s->gz) {
		size_t ask = s->cap - s->len;
		ssize_t r = read_full(s->fd, s->buf + s->len, ask);
		if (r < 0)
			return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE,
			            "cannot read", strerror(errno));
		if (r == 0 || (s->regular && (size_t)r < ask))
			s->eof = 1;
		s->len += (size_t)r;
		return MH_OK;
	}
	size_t before = s->len;
	while (s->len == before && !s->eof) {
		if (!s->in_member) {
			int m = next_member(s, err);
			if (m < 0)
				return m;
			if (m == 0) {
				s->eof = 1;
				break;
			}
		}
		if (s->z.avail_in == 0 && !s->zin_eof) {
			int rc = read_zin(s, 0, err);
			if (rc)
				return rc;
		}
		if (s->z.avail_in == 0 && s->zin_eof) {
			if (s->zh.done == 0)
				return damage(s, MH_ETRUNC, MH_SKIP_TRUNCATED,
				              "gzip header truncated at "
				              "compressed offset %" PRIu64,
				              zpos(s));
			return damage(s, MH_ETRUNC, MH_SKIP_TRUNCATED,
			              "gzip data ends inside a member at "
			              "compressed offset %" PRIu64
			              " (decompressed offset %" PRIu64 ")",
			              zpos(s), s->base + s->len);
		}
		s->z.next_out = (unsigned char *)s->buf + s->len;
		s->z.avail_out = (uInt)(s->cap - s->len);
		int zr = inflate(&s->z, Z_NO_FLUSH);
		s->len = s->cap - s->z.avail_out;
		if (zr == Z_STREAM_END) {
			s->in_member = 0;
		} else if (zr == Z_BUF_ERROR) {
			/* No progress although input and room exist. */
			if (s->z.avail_in && s->z.avail_out)
				return damage(s, MH_EFORMAT, MH_SKIP_MALFORMED,
				              "corrupt deflate data at "
				              "compressed offset %" PRIu64
				              ": inflate stalled",
				              zpos(s));
		} else if (zr == Z_MEM_ERROR) {
			return fail(s, err, MH_ENOMEM, MH_SKIP_UNREADABLE,
			            "out of memory", NULL);
		} else if (zr != Z_OK) {
			return inflate_damage(s, zr);
		}
	}
	return MH_OK;
}

/* Make room for want bytes from pos: move the unread tail to the front,
 * growing the buffer if want exceeds it. Only the tail is copied. */
static int make_room(struct mh_stream *s, size_t want)
{
	size_t tail = s->len - s->pos;
	/* The unread tail to the front first; a larger buffer is then a
	 * realloc, which for large blocks remaps pages instead of holding
	 * the old and the new buffer at once (a peak of 1.5x the window). */
	if (s->pos)
		memmove(s->buf, s->buf + s->pos, tail);
	s->data = s->buf;
	s->base += s->pos;
	s->len = tail;
	s->pos = 0;
	if (want > s->cap) {
		size_t nc = s->cap;
		while (nc < want && nc < s->maxcap / 2)
			nc *= 2;
		if (nc < want)
			nc = s->maxcap;
		char *nb = realloc(s->buf, nc + s->pad);
		if (!nb)
			return MH_ENOMEM;
		memset(nb + nc, 0, s->pad);
		s->buf = nb;
		s->data = nb;
		s->cap = nc;
	}
	return MH_OK;
}

int mh_stream_peek(struct mh_stream *s, size_t want, const char **p,
                   size_t *avail, struct mh_err *err)
{
	int rc = MH_OK;
	map_check(s);
	if (s->mapped && s->len - s->pos < want && !s->eof) {
		if (want > s->maxcap)
			rc = mh_err_at(err, MH_ETOOBIG, MH_SKIP_OVERSIZED,
			               s->name, s->base + s->pos, 0,
			               "window of %zu bytes over the %zu limit",
			               want, s->maxcap);
		else
			rc = map_at(s, s->base + s->pos, want, err);
		if (rc)
			goto done;
	} else if (s->len - s->pos < want && !s->eof) {
		if (want > s->maxcap) {
			rc = mh_err_at(err, MH_ETOOBIG, MH_SKIP_OVERSIZED,
			               s->name, s->base + s->pos, 0,
			               "window of %zu bytes over the %zu limit",
			               want, s->maxcap);
			goto done;
		}
		if (s->pos + want > s->cap) {
			rc = make_room(s, want);
			if (rc) {
				mh_err_at(err, rc, MH_SKIP_UNREADABLE, s->name,
				          s->base, 0, "out of memory");
				goto done;
			}
		}
		while (s->len - s->pos < want && !s->eof) {
			rc = fill(s, err);
			if (rc)
				goto done;
		}
	}
	if (s->len - s->pos < want) {
		if (s->failed)
			/* A read failed: the input does not really end. */
			rc = mh_err_at(err, s->failed, s->failed_rs, s->name,
			               s->base + s->len, 0, "%s",
			               s->failed_msg);
		else if (fatal_damage(s) && (!s->defer || s->pos == s->len))
			rc = damage_err(s, err);
	}
done:
	*p = s->data + s->pos;
	*avail = s->len - s->pos;
	return rc;
}

int mh_stream_set_pad(struct mh_stream *s, size_t pad)
{
	if (s->mem)
		return MH_EUNSUP;
	if (pad <= s->pad)
		return MH_OK;
	if (s->mapped && s->map) {
		/* The window now mapped has no pad after it: map it again
		 * (same place in the file) with the reservation behind it. */
		size_t keep_pos = s->pos;
		uint64_t off = s->base;
		s->pad = pad;
		int rc = map_at(s, off, s->len, NULL);
		if (rc != MH_OK)
			return rc;
		s->pos = keep_pos;
	}
	char *nb = realloc(s->buf, s->cap + pad);
	if (!nb)
		return MH_ENOMEM;
	memset(nb + s->cap, 0, pad);
	s->buf = nb;
	if (!s->mapped)
		s->data = nb;
	s->pad = pad;
	return MH_OK;
}

void mh_stream_set_cap(struct mh_stream *s, size_t cap)
{
	if (cap < MH_STREAM_MIN)
		cap = MH_STREAM_MIN;
	if (!s->mem)
		s->maxcap = cap > s->cap ? cap : s->cap;
}

void mh_stream_advance(struct mh_stream *s, size_t n)
{
	size_t left = s->len - s->pos;
	s->pos += n < left ? n : left;
}

uint64_t mh_stream_tell(const struct mh_stream *s)
{
	return s->base + s->pos;
}

int mh_stream_eof(const struct mh_stream *s)
{
	return s->eof && !s->failed && !fatal_damage(s) && s->pos == s->len;
}

int mh_stream_all_buffered(const struct mh_stream *s)
{
	return s->eof && !s->failed && (s->defer || !fatal_damage(s));
}

void mh_stream_defer_damage(struct mh_stream *s)
{
	s->defer = 1;
}

int mh_stream_end(struct mh_stream *s, struct mh_err *err)
{
	map_check(s);
	if (s->mapped && s->failed && !s->fail_told) {
		/* The file shrank after the last peek had all of it. */
		s->fail_told = 1;
		return mh_err_at(err, s->failed, s->failed_rs, s->name,
		                 s->base + s->len, 0, "%s", s->failed_msg);
	}
	if (!s->dmg || s->dmg_told)
		return MH_OK;
	s->dmg_told = 1;
	return damage_err(s, err);
}

int mh_stream_is_gzip(const struct mh_stream *s)
{
	return s->gz;
}

const char *mh_stream_name(const struct mh_stream *s)
{
	return s->name;
}

int mh_stream_file_size(const struct mh_stream *s, uint64_t *size,
                        struct mh_err *err)
{
	struct stat st;
	if (s->mem) {
		*size = s->len;
		return MH_OK;
	}
	if (fstat(s->fd, &st) != 0)
		return mh_err_at(err, MH_EIO, MH_SKIP_UNREADABLE, s->name, 0, 0,
		                 "cannot stat '%s': %s", s->name,
		                 strerror(errno));
	*size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return MH_OK;
}

static int restart_gzip(struct mh_stream *s, struct mh_err *err)
{
	if (lseek(s->fd, 0, SEEK_SET) < 0)
		return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE, "cannot seek",
		            strerror(errno));
	if (inflateReset(&s->z) != Z_OK)
		return fail(s, err, MH_EFORMAT, MH_SKIP_MALFORMED,
		            "corrupt gzip data", "reset failed");
	/* Damage found before stays recorded (and told or not): the same
	 * damage is found again at the same place. */
	watch_header(s);
	s->z.avail_in = 0;
	s->zin_total = 0;
	s->zin_eof = 0;
	s->in_member = 1;
	s->base = 0;
	s->pos = s->len = 0;
	s->eof = 0;
	return MH_OK;
}

int mh_stream_seek(struct mh_stream *s, uint64_t off, struct mh_err *err)
{
	int rc;
	if (off >= s->base && off - s->base <= s->len) {
		s->pos = (size_t)(off - s->base);
		return MH_OK;
	}
	if (s->mem) {
		s->pos = s->len;
		return MH_OK;
	}
	map_check(s);
	if (s->failed)
		return mh_err_at(err, s->failed, s->failed_rs, s->name,
		                 s->base + s->len, 0, "%s", s->failed_msg);
	if (s->mapped) /* past the end is at the end */
		return map_at(s, off, 0, err);
	if (!s->gz) {
		struct stat st;
		/* Past the end is at the end: tell() must not run past the
		 * input (and offsets beyond off_t must not fail lseek). */
		if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    off > (uint64_t)st.st_size)
			off = (uint64_t)st.st_size;
		if (lseek(s->fd, (off_t)off, SEEK_SET) >= 0) {
			s->base = off;
			s->pos = s->len = 0;
			s->eof = 0;
			return MH_OK;
		}
		if (errno != ESPIPE)
			return fail(s, err, MH_EIO, MH_SKIP_UNREADABLE,
			            "cannot seek", strerror(errno));
		/* A pipe: forward is read and discard, as for gzip below;
		 * backward cannot be done (said, the stream stays usable). */
		if (off < s->base)
			return mh_err_at(err, MH_EUNSUP, MH_SKIP_UNREADABLE,
			                 s->name, off, 0,
			                 "cannot go back in a pipe");
	}
	if (s->gz && off < s->base && (rc = restart_gzip(s, err)) != MH_OK)
		return rc;
	while (s->base + s->len < off && !s->eof) {
		/* Discard what is buffered and inflate the next block. */
		s->base += s->len;
		s->pos = s->len = 0;
		rc = fill(s, err);
		if (rc)
			return rc;
	}
	uint64_t rel = off - s->base;
	s->pos = rel < s->len ? (size_t)rel : s->len;
	if (rel > s->len && fatal_damage(s))
		return damage_err(s, err);
	return MH_OK;
}
