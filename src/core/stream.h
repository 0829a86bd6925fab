/* stream.h - read-only, windowed input over a file (plain or gzip) or a
 * memory block.
 *
 * The stream keeps one buffer and exposes a window of it: peek() makes at
 * least `want` bytes from the current position available (fewer only at
 * end of input), advance() consumes. Memory is bounded by the buffer cap;
 * nothing is mapped or loaded whole. Files are opened O_RDONLY.
 */
#ifndef MH_STREAM_H
#define MH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct mh_stream;

/* Open path; gzip is detected by its magic bytes and inflated on the fly.
 * bufcap is the most the buffer may grow to (>= 64 KiB). */
int mh_stream_open(struct mh_stream **out, const char *path, size_t bufcap,
                   struct mh_err *err);
/* A stream over p[0..n) (not copied; must outlive the stream). */
int mh_stream_open_mem(struct mh_stream **out, const char *p, size_t n,
                       const char *name);
/* NULL allowed. */
void mh_stream_close(struct mh_stream *s);

/* Make min(want, bytes left) bytes available at *p; *avail gets how many
 * bytes are buffered from the current position (may exceed want).
 * MH_ETOOBIG when want exceeds the cap; MH_EIO/MH_EFORMAT on read or
 * gzip errors (err filled with file and offset). */
int mh_stream_peek(struct mh_stream *s, size_t want, const char **p,
                   size_t *avail, struct mh_err *err);
/* Consume n bytes (n <= the last *avail). */
void mh_stream_advance(struct mh_stream *s, size_t n);
/* Offset of the current position in the (decompressed) input. */
uint64_t mh_stream_tell(const struct mh_stream *s);
/* 1 when the current position is the end of input (after a peek). */
int mh_stream_eof(const struct mh_stream *s);
/* 1 when everything up to the end of input is buffered, i.e. the bytes
 * returned by the last peek run to the end of input. */
int mh_stream_all_buffered(const struct mh_stream *s);
/* Move to an absolute offset (plain files: lseek; gzip and memory: by
 * reading forward or re-positioning). */
int mh_stream_seek(struct mh_stream *s, uint64_t off, struct mh_err *err);
/* 1 when the input is gzip-compressed. */
int mh_stream_is_gzip(const struct mh_stream *s);
const char *mh_stream_name(const struct mh_stream *s);

#endif
