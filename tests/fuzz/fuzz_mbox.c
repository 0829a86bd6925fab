/* Fuzz target: the mbox splitter on arbitrary bytes. The reader opens by
 * path, so the input goes to one temporary file per process (rewritten
 * with pwrite + ftruncate each run). Invariants:
 *   - next() returns 1, 0, MH_ESKIP or another negative code, and a
 *     bounded number of times (every call makes progress);
 *   - event offsets strictly increase and lie inside the input; skipped
 *     records carry a known reason;
 *   - after a clean end, pos() is the input size;
 *   - chunks meet exactly (mbox.c: "adjacent chunks meet exactly"):
 *     reading [0,s) then [s,EOF) gives the same events (offsets and
 *     header lengths) as one plain read of the whole file, for s at the
 *     middle and at a point picked by the input, and so does a chunked
 *     read of the whole file: -jN reads what -j1 reads, whatever the
 *     bytes (Content-Length, missing empty lines, long lines).
 * Each input runs with the default limits and with tiny ones that force
 * the body-skipping and oversized-header paths on small inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "event/event.h"
#include "event/msg.h"
#include "readers/reader.h"
#include "fuzz.h"

#define MAXEV 4096

struct run {
	size_t n;
	uint64_t off[MAXEV];
	size_t hdr[MAXEV];
	int end_rc;
};

static char path[64];
static int fd = -1;

static void write_input(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/mh-fuzz-mbox.XXXXXX");
		fd = mkstemp(path);
		CHECK(fd >= 0);
		/* The name is not needed after the process ends. */
	}
	CHECK(ftruncate(fd, 0) == 0);
	size_t done = 0;
	while (done < size) {
		ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
		CHECK(w > 0);
		done += (size_t)w;
	}
}

static void cleanup(void)
{
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

static void read_mbox(const struct mh_reader_ops *ops, size_t size, uint64_t lo,
                      uint64_t hi, const struct mh_reader_opts *o,
                      struct run *out)
{
	struct mh_source src;
	struct mh_reader *r = NULL;
	struct mh_err err;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.size = size;
	src.range_start = lo;
	src.range_end = hi;
	out->n = 0;
	out->end_rc = 0;
	mh_err_clear(&err);
	CHECK(ops->open(&r, &src, o, &err) == MH_OK);
	uint64_t last = 0;
	int have_last = 0;
	/* Each call consumes at least one byte or ends the read. */
	for (size_t calls = 0;; calls++) {
		CHECK(calls <= size + 2);
		struct mh_event ev;
		memset(&ev, 0, sizeof(ev));
		mh_err_clear(&err);
		int rc = ops->next(r, &ev, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			CHECK(err.reason > MH_SKIP_NONE &&
			      err.reason < MH_SKIP__COUNT);
			CHECK(err.offset <= size);
			continue;
		}
		if (rc < 0) {
			out->end_rc = rc;
			break;
		}
		CHECK(rc == 1);
		CHECK(ev.kind == MH_EV_MAIL && ev.msg);
		CHECK(ev.offset < size);
		CHECK(!have_last || ev.offset > last);
		CHECK(ev.offset >= lo);
		const struct mh_msg *m = ev.msg;
		CHECK(m->header_offset > ev.offset);
		CHECK(m->header_offset + m->header.n <= size);
		CHECK(m->header.n <= o->max_header);
		CHECK(m->body.n <= o->body_prefix);
		CHECK(ev.nfields > 0 && ev.fields);
		last = ev.offset;
		have_last = 1;
		if (out->n < MAXEV) {
			out->off[out->n] = ev.offset;
			out->hdr[out->n] = m->header.n;
		}
		out->n++;
	}
	uint64_t pos = ops->pos(r);
	if (out->end_rc == 0 && hi == UINT64_MAX)
		CHECK(pos == size);
	ops->close(r);
}

static void same(const struct run *whole, const struct run *a,
                 const struct run *b)
{
	CHECK(whole->end_rc == 0 && a->end_rc == 0 && b->end_rc == 0);
	CHECK(a->n + b->n == whole->n);
	for (size_t i = 0; i < whole->n && i < MAXEV; i++) {
		const struct run *p = i < a->n ? a : b;
		size_t k = i < a->n ? i : i - a->n;
		if (k >= MAXEV)
			break;
		CHECK(p->off[k] == whole->off[i]);
		CHECK(p->hdr[k] == whole->hdr[i]);
	}
}

static struct run whole, chunked, part1, part2, empty;

static void check_chunks(const struct mh_reader_ops *ops, size_t size,
                         const struct mh_reader_opts *o, uint64_t s)
{
	if (s == 0 || s >= size)
		return;
	read_mbox(ops, size, s, UINT64_MAX, o, &part2);
	read_mbox(ops, size, 0, s, o, &part1);
	same(&whole, &part1, &part2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;
	if (!registered) {
		registered = 1;
		atexit(cleanup);
	}
	const struct mh_reader_ops *ops = mh_reader_by_name("mbox");
	CHECK(ops && ops->can_chunk);
	/* Probing never reads past n and picks a known reader or none. */
	const struct mh_reader_ops *det = mh_reader_detect(
	        (const char *)data, size < 4096 ? size : 4096, "fuzz.mbox");
	CHECK(!det || mh_reader_by_name(det->name) == det);

	write_input(data, size);
	struct mh_reader_opts o[2];
	mh_reader_opts_default(&o[0]);
	o[1].max_header = 256;
	o[1].body_prefix = 16;
	for (int k = 0; k < 2; k++) {
		read_mbox(ops, size, 0, UINT64_MAX, &o[k], &whole);
		/* range_end below UINT64_MAX: chunked mode, whole file. */
		read_mbox(ops, size, 0, UINT64_MAX - 1, &o[k], &chunked);
		if (chunked.end_rc != 0 || whole.end_rc != 0)
			continue;
		same(&whole, &chunked, &empty);
		check_chunks(ops, size, &o[k], size / 2);
		if (size > 2)
			check_chunks(ops, size, &o[k],
			             1 + (data[size - 1] * 257u + data[0]) %
			                             (size - 1));
	}
	return 0;
}
