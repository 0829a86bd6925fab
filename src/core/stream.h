/* stream.h - read-only, windowed input over a file (plain or gzip) or a
 * memory block.
 *
 * The stream keeps one buffer and exposes a window of it: peek() makes at
 * least `want` bytes from the current position available (fewer only at the
 * end of input), advance() consumes. The buffer starts at `init` bytes and
 * grows only when a peek asks for more, never past `cap`; nothing is loaded
 * whole. Refills move only the unconsumed tail to the front and then fill
 * the rest of the buffer with one large read(), so a reader that consumes
 * what it peeked copies almost nothing.
 *
 * A plain (not gzip) regular file of at least 8 MiB, opened with a buffer
 * of at least 1 MiB (and, for a descriptor handed in, at offset 0), is not
 * read() but mapped read-only, a window of 16
 * MiB (or what a peek needs, up to cap) at a time, the one before
 * unmapped: no copy from the page cache, memory still bounded (the window
 * counts in the resident set). If such a file shrinks while it is read,
 * the bytes past its new end read as zero instead of killing the process
 * (a SIGBUS handler, installed at the first mapping and chaining to any
 * earlier one), the data ends there, and the stream has failed with
 * MH_EIO, reason MH_SKIP_TRUNCATED, "the file shrank to N bytes while it
 * was read": reported by the next peek that needs more, else by
 * mh_stream_end. Bytes a reader took from the window between the shrink
 * and that report may be zeros.
 *
 * Files are opened O_RDONLY|O_CLOEXEC|O_NOCTTY and never written. gzip is
 * detected by its magic bytes (1f 8b) in the first read, not by the name,
 * and inflated on the fly; concatenated members are one stream (RFC 1952
 * 2.2). Offsets (tell, seek, error offsets) are always in the decompressed
 * input; messages about gzip damage also name the compressed offset.
 *
 * Damaged gzip: the data ends where the damage is found, and every byte
 * inflated before it can be read. The damage is one of: the file ends
 * inside a member ("gzip header truncated", "gzip data ends inside a
 * member", MH_ETRUNC, reason MH_SKIP_TRUNCATED), "corrupt gzip header",
 * "corrupt deflate data", "gzip CRC mismatch" or "gzip length (ISIZE)
 * mismatch" (MH_EFORMAT, MH_SKIP_MALFORMED); or, only a warning, bytes
 * after the last member that do not start another one ("trailing garbage",
 * ignored as gzip(1) does; mh_stream_end reports it as MH_ESKIP with
 * MH_SKIP_MALFORMED, peek never). A reader that has called
 * mh_stream_defer_damage sees the bytes before fatal damage like a clean
 * end of input and gets the damage from mh_stream_end when it is done
 * (peek reports it only once no byte is left before it); otherwise peek
 * reports it as soon as it asks for more bytes than the data holds.
 *
 * Pointers returned by peek stay valid until the next peek, seek or close
 * on the same stream; advance never moves memory. A stream is used by one
 * thread at a time. Errors are sticky: after a read error or fatal gzip
 * damage every later peek that needs more bytes than are left returns the
 * same code (with mh_stream_defer_damage: once none are left).
 */
#ifndef MH_STREAM_H
#define MH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct mh_stream;

/* Default first buffer size of mh_stream_open (large sequential reads). */
#define MH_STREAM_INIT ((size_t)4 << 20)
/* Smallest cap accepted; smaller values are raised to it. */
#define MH_STREAM_MIN ((size_t)4 << 10)

/* Open path with a buffer of min(MH_STREAM_INIT, cap) bytes that may grow
 * to cap, and read the first buffer's worth (so mh_stream_is_gzip is known
 * on return). posix_fadvise(SEQUENTIAL) is set. On failure *out is NULL and
 * err has the path, offset 0 and reason MH_SKIP_UNREADABLE: MH_EIO (open or
 * read failed, errno text in msg), MH_EFORMAT (corrupt gzip header),
 * MH_ENOMEM. */
int mh_stream_open(struct mh_stream **out, const char *path, size_t cap,
                   struct mh_err *err);

/* Same with an explicit first buffer size (init <= cap; clamped). Small
 * inputs read whole (one message per file) use a small init so that a
 * Maildir message costs one open, one read and a close; no fadvise then. */
int mh_stream_open_sized(struct mh_stream **out, const char *path, size_t init,
                         size_t cap, struct mh_err *err);

/* Flags of mh_stream_open_flags. */
enum {
	/* The caller knows path is a regular file (not a pipe or device): a
	 * read that returns fewer bytes than asked is the end of the input,
	 * so a small file costs one read instead of two. A file that grows
	 * while it is read is then read up to its size at that read. */
	MH_STREAM_REGULAR = 1,
	/* A large plain file is mapped 4 MiB at a time instead of 16 MiB
	 * (mapped pages count as the process's memory): for readers of
	 * records much smaller than that. */
	MH_STREAM_SMALL_MAP = 2,
};

/* mh_stream_open_sized with flags (MH_STREAM_*, 0 for none). */
int mh_stream_open_flags(struct mh_stream **out, const char *path, size_t init,
                         size_t cap, unsigned flags, struct mh_err *err);

/* Same for the file called name in the directory open as dirfd (openat;
 * AT_FDCWD allowed); path names the same file in messages. */
int mh_stream_open_at(struct mh_stream **out, int dirfd, const char *name,
                      const char *path, size_t init, size_t cap, unsigned flags,
                      struct mh_err *err);

/* Same over an open descriptor (standard input, a pipe), which the stream
 * owns from this call on: closed by mh_stream_close, or here on failure.
 * path names it in messages. Seeking backwards is not possible on a pipe:
 * such inputs are read once, front to back. */
int mh_stream_open_fd(struct mh_stream **out, int fd, const char *path,
                      size_t init, size_t cap, unsigned flags,
                      struct mh_err *err);

/* A stream over p[0..n): not copied, never written, must outlive the
 * stream. Always fully buffered; gzip is not detected. name (may be NULL:
 * "<memory>") is copied and used in error messages. MH_OK or MH_ENOMEM. */
int mh_stream_open_mem(struct mh_stream **out, const char *p, size_t n,
                       const char *name);

/* Set the most the buffer may grow to (raised to what it holds already):
 * for a stream opened before its reader knew its windows (stdin). */
void mh_stream_set_cap(struct mh_stream *s, size_t cap);

/* From now on keep pad readable bytes allocated after the end of the
 * buffer, so that pad bytes after anything peek returns can be read (not
 * as input: their values are unspecified). For parsers that read ahead in
 * blocks (simdjson needs 64 bytes). Invalidates pointers from peek.
 * MH_OK, MH_ENOMEM, or MH_EUNSUP for memory streams (the caller's block
 * has no room after it: copy instead). */
int mh_stream_set_pad(struct mh_stream *s, size_t pad);

/* Close the file and free everything. NULL allowed. */
void mh_stream_close(struct mh_stream *s);

/* Make min(want, bytes left) bytes available at *p; *avail gets how many
 * bytes are buffered from the current position (may exceed want, fewer
 * than want only at the end of input). MH_OK; MH_ETOOBIG when want exceeds
 * the cap (err has reason MH_SKIP_OVERSIZED); MH_EIO on read errors;
 * MH_EFORMAT / MH_ETRUNC on fatal gzip damage (see above: err has the file,
 * the decompressed offset where the data ends, the reason and a message
 * with the compressed offset); MH_ENOMEM. On every error *p and *avail
 * still describe what is buffered. p and avail must not be NULL. */
int mh_stream_peek(struct mh_stream *s, size_t want, const char **p,
                   size_t *avail, struct mh_err *err);

/* Consume n bytes; n is clamped to the bytes buffered. */
void mh_stream_advance(struct mh_stream *s, size_t n);

/* Offset of the current position in the (decompressed) input. */
uint64_t mh_stream_tell(const struct mh_stream *s);

/* 1 when the current position is the end of input. Known only once a read
 * has hit the end, i.e. after a peek that could not get more. 0 at the
 * end of data cut by a read error or fatal gzip damage. */
int mh_stream_eof(const struct mh_stream *s);

/* 1 when the bytes buffered from the current position run to the end of
 * input (the last peek saw everything that is left); with
 * mh_stream_defer_damage also when the data ends at gzip damage. */
int mh_stream_all_buffered(const struct mh_stream *s);

/* From now on, fatal gzip damage reads as the end of the data (peek
 * reports it only once no byte is left before it, all_buffered is 1 at
 * it), so that a reader analyses every byte that could be inflated. The
 * caller promises to call mh_stream_end when it is done with the input.
 * Any time after open (also on a stream that was peeked at already). */
void mh_stream_defer_damage(struct mh_stream *s);

/* For a reader that is done with its input: MH_OK when no damage was
 * found (also when the reader stopped before the end and the rest was
 * never inflated), else the damage where the gzip data ended, with err
 * filled as for peek: MH_ETRUNC or MH_EFORMAT (the rest of the file is
 * lost: a reader returns it from next()), or MH_ESKIP for trailing
 * garbage (a warning, counted as one skipped record). Each damage is
 * reported by one call only; later calls return MH_OK, so a reader may
 * return this from every next() call once it is done. */
int mh_stream_end(struct mh_stream *s, struct mh_err *err);
/* (A mapped file that shrank is reported here once too, before any gzip
 * damage; see the top.) */

/* Move to absolute offset off. Inside the buffer: no I/O. Plain files:
 * lseek. Pipes: read and discard forward; backwards before the buffer is
 * MH_EUNSUP (the stream stays usable). gzip: decompress and discard
 * forward; backwards restarts from the beginning. Memory: reposition. An offset past the end leaves the stream
 * at the end (MH_OK; the damage code when fatal gzip damage ends the data
 * before off). Errors as for peek. */
int mh_stream_seek(struct mh_stream *s, uint64_t off, struct mh_err *err);

/* 1 when the input is gzip-compressed. */
int mh_stream_is_gzip(const struct mh_stream *s);

/* Name given at open (the path); never NULL. */
const char *mh_stream_name(const struct mh_stream *s);

/* Size of the underlying file on disk (compressed size for gzip) via
 * fstat, or the block size for memory streams. MH_OK or MH_EIO. */
int mh_stream_file_size(const struct mh_stream *s, uint64_t *size,
                        struct mh_err *err);

#endif
