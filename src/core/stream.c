#include "core/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Small start: one-message files stay cheap; mbox readers grow it. */
#define INIT_CAP ((size_t)64 << 10)
#define ZIN_CAP  ((size_t)256 << 10)

struct mh_stream {
	int fd; /* -1 for memory streams */
	int gz;
	z_stream z;
	unsigned char *zin; /* compressed input buffer */
	int zdone;          /* compressed input exhausted */
	char *buf;          /* window buffer (owned unless mem) */
	size_t cap;         /* allocated size of buf */
	size_t maxcap;
	size_t pos;    /* current position within buf */
	size_t len;    /* valid bytes in buf */
	uint64_t base; /* input offset of buf[0] */
	int eof;       /* no more bytes after buf[len] */
	int mem;       /* buf is caller memory */
	char *name;
};

static int fail(struct mh_stream *s, struct mh_err *err, int code,
                const char *what)
{
	return mh_err_at(err, code, MH_SKIP_UNREADABLE, s->name,
	                 s->base + s->len, 0, "%s", what);
}

int mh_stream_open(struct mh_stream **out, const char *path, size_t bufcap,
                   struct mh_err *err)
{
	struct mh_stream *s = NULL;
	int rc = MH_ENOMEM;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	s->fd = -1;
	s->name = strdup(path);
	if (!s->name)
		goto fail;
	s->maxcap = bufcap < ((size_t)64 << 10) ? ((size_t)64 << 10) : bufcap;
	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0) {
		rc = mh_err_at(err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
		               "cannot open: %s", strerror(errno));
		goto fail;
	}
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	unsigned char magic[2];
	ssize_t r = pread(s->fd, magic, 2, 0);
	if (r < 0) {
		rc = mh_err_at(err, MH_EIO, MH_SKIP_UNREADABLE, path, 0, 0,
		               "cannot read: %s", strerror(errno));
		goto fail;
	}
	s->cap = s->maxcap < INIT_CAP ? s->maxcap : INIT_CAP;
	s->buf = malloc(s->cap);
	if (!s->buf)
		goto fail;
	if (r == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		s->gz = 1;
		s->zin = malloc(ZIN_CAP);
		if (!s->zin)
			goto fail;
		/* 16 + MAX_WBITS: gzip wrapper only. */
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
			goto fail;
	}
	*out = s;
	return MH_OK;
fail:
	if (rc == MH_ENOMEM)
		mh_err_set(err, MH_ENOMEM, "out of memory");
	mh_stream_close(s);
	return rc;
}

int mh_stream_open_mem(struct mh_stream **out, const char *p, size_t n,
                       const char *name)
{
	struct mh_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return MH_ENOMEM;
	s->fd = -1;
	s->mem = 1;
	s->buf = (char *)p; /* never written: mem streams only read */
	s->cap = s->len = n;
	s->maxcap = n;
	s->eof = 1;
	s->name = strdup(name ? name : "<memory>");
	if (!s->name) {
		free(s);
		return MH_ENOMEM;
	}
	*out = s;
	return MH_OK;
}

void mh_stream_close(struct mh_stream *s)
{
	if (!s)
		return;
	if (s->gz)
		inflateEnd(&s->z);
	if (s->fd >= 0)
		close(s->fd);
	if (!s->mem)
		free(s->buf);
	free(s->zin);
	free(s->name);
	free(s);
}

/* Append up to room bytes at buf+len; returns bytes added, 0 at EOF. */
static int fill(struct mh_stream *s, struct mh_err *err)
{
	size_t room = s->cap - s->len;
	if (!s->gz) {
		ssize_t r;
		do
			r = read(s->fd, s->buf + s->len, room);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return fail(s, err, MH_EIO, strerror(errno));
		if (r == 0)
			s->eof = 1;
		s->len += (size_t)r;
		return MH_OK;
	}
	size_t before = s->len;
	while (s->len == before && !s->eof) {
		if (s->z.avail_in == 0 && !s->zdone) {
			ssize_t r;
			do
				r = read(s->fd, s->zin, ZIN_CAP);
			while (r < 0 && errno == EINTR);
			if (r < 0)
				return fail(s, err, MH_EIO, strerror(errno));
			if (r == 0)
				s->zdone = 1;
			s->z.next_in = s->zin;
			s->z.avail_in = (uInt)r;
		}
		if (s->z.avail_in == 0 && s->zdone) {
			/* Input ended: fine between members, else truncated. */
			s->eof = 1;
			if (s->z.total_in != 0 || s->z.total_out != 0)
				return mh_err_at(err, MH_ETRUNC,
				                 MH_SKIP_TRUNCATED, s->name,
				                 s->base + s->len, 0,
				                 "gzip data ends early");
			break;
		}
		s->z.next_out = (unsigned char *)s->buf + s->len;
		s->z.avail_out = (uInt)(s->cap - s->len);
		int zr = inflate(&s->z, Z_NO_FLUSH);
		s->len = s->cap - s->z.avail_out;
		if (zr == Z_STREAM_END) {
			/* Concatenated members are one stream (RFC 1952). */
			inflateReset(&s->z);
			if (s->z.avail_in == 0 && s->zdone)
				s->eof = 1;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			s->eof = 1;
			return mh_err_at(
			        err, MH_EFORMAT, MH_SKIP_MALFORMED, s->name,
			        s->base + s->len, 0, "corrupt gzip data: %s",
			        s->z.msg ? s->z.msg : "inflate failed");
		}
	}
	return MH_OK;
}

int mh_stream_peek(struct mh_stream *s, size_t want, const char **p,
                   size_t *avail, struct mh_err *err)
{
	while (s->len - s->pos < want && !s->eof) {
		if (s->pos) {
			/* Move the unread tail to the front. */
			memmove(s->buf, s->buf + s->pos, s->len - s->pos);
			s->base += s->pos;
			s->len -= s->pos;
			s->pos = 0;
		}
		if (want > s->cap) {
			if (want > s->maxcap)
				return mh_err_at(err, MH_ETOOBIG,
				                 MH_SKIP_OVERSIZED, s->name,
				                 s->base, 0,
				                 "window of %zu bytes over the "
				                 "%zu limit",
				                 want, s->maxcap);
			size_t nc = s->cap * 2;
			if (nc < want)
				nc = want;
			if (nc > s->maxcap)
				nc = s->maxcap;
			char *nb = realloc(s->buf, nc);
			if (!nb)
				return mh_err_set(err, MH_ENOMEM,
				                  "out of memory");
			s->buf = nb;
			s->cap = nc;
		}
		int rc = fill(s, err);
		if (rc)
			return rc;
	}
	*p = s->buf + s->pos;
	*avail = s->len - s->pos;
	return MH_OK;
}

void mh_stream_advance(struct mh_stream *s, size_t n)
{
	if (n > s->len - s->pos)
		n = s->len - s->pos;
	s->pos += n;
}

uint64_t mh_stream_tell(const struct mh_stream *s)
{
	return s->base + s->pos;
}

int mh_stream_eof(const struct mh_stream *s)
{
	return s->eof && s->pos == s->len;
}

int mh_stream_all_buffered(const struct mh_stream *s)
{
	return s->eof;
}

int mh_stream_is_gzip(const struct mh_stream *s)
{
	return s->gz;
}

const char *mh_stream_name(const struct mh_stream *s)
{
	return s->name;
}

int mh_stream_seek(struct mh_stream *s, uint64_t off, struct mh_err *err)
{
	if (off >= s->base && off <= s->base + s->len) {
		s->pos = (size_t)(off - s->base);
		return MH_OK;
	}
	if (s->mem) {
		s->pos = s->len;
		return MH_OK;
	}
	if (!s->gz) {
		if (lseek(s->fd, (off_t)off, SEEK_SET) < 0)
			return fail(s, err, MH_EIO, strerror(errno));
		s->base = off;
		s->pos = s->len = 0;
		s->eof = 0;
		return MH_OK;
	}
	if (off < s->base) {
		/* Back to the start of the compressed stream. */
		if (lseek(s->fd, 0, SEEK_SET) < 0)
			return fail(s, err, MH_EIO, strerror(errno));
		inflateReset(&s->z);
		s->z.avail_in = 0;
		s->zdone = 0;
		s->base = 0;
		s->pos = s->len = 0;
		s->eof = 0;
	}
	while (s->base + s->len < off && !s->eof) {
		s->base += s->len;
		s->pos = s->len = 0;
		int rc = fill(s, err);
		if (rc)
			return rc;
	}
	if (off > s->base + s->len)
		off = s->base + s->len;
	s->pos = (size_t)(off - s->base);
	return MH_OK;
}
