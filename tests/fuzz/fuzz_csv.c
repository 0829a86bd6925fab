/* Fuzz target: the CSV framer on arbitrary bytes, from a file and from
 * memory, with a small and the default row limit. Invariants: next()
 * returns a bounded number of times; rows lie inside the input in order
 * on increasing lines; cells lie inside their row; unescaped cell text is
 * never longer than the cell; the two reads agree; the probe and the
 * header cells read only the head; a file cut where mh_csv_find_row says
 * reads, range by range, the rows the whole read gives. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/stream.h"
#include "csv/csv.h"
#include "fuzz.h"

#define MAXROW 4096

struct run {
	size_t n;
	uint64_t off[MAXROW];
	size_t ncells[MAXROW];
	int end_rc;
};

static char path[64];
static int fd = -1;
static struct mh_arena arena;

static void write_input(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/mh-fuzz-csv.XXXXXX");
		fd = mkstemp(path);
		CHECK(fd >= 0);
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
	mh_arena_release(&arena);
}

static void read_range(struct mh_stream *s, size_t size, size_t max,
                       uint64_t lo, uint64_t hi, struct run *out)
{
	struct mh_csv *c = NULL;
	struct mh_err err;
	struct mh_csv_opts o = {max, lo, hi};
	mh_err_clear(&err);
	out->n = 0;
	out->end_rc = mh_csv_open(&c, s, &o, &err);
	if (out->end_rc)
		return;
	size_t ncols;
	const struct mh_slice *cols = mh_csv_columns(c, &ncols);
	for (size_t i = 0; i < ncols; i++)
		CHECK(cols[i].p != NULL || cols[i].n == 0);
	uint64_t last = 0;
	unsigned last_line = 0;
	for (size_t calls = 0;; calls++) {
		CHECK(calls <= size + 4);
		struct mh_csv_row row;
		mh_err_clear(&err);
		int rc = mh_csv_next(c, &row, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			CHECK(err.reason > MH_SKIP_NONE &&
			      err.reason < MH_SKIP__COUNT);
			continue;
		}
		if (rc < 0) {
			out->end_rc = rc;
			break;
		}
		CHECK(row.offset + row.n <= size);
		CHECK(row.offset >= lo && row.offset < hi);
		CHECK(out->n == 0 || row.offset > last);
		CHECK(row.line > last_line);
		last = row.offset;
		last_line = row.line;
		mh_arena_reset(&arena);
		for (size_t i = 0; i < row.ncells; i++) {
			const struct mh_csv_cell *cell = &row.cells[i];
			CHECK(cell->p >= row.p &&
			      cell->p + cell->n <= row.p + row.n);
			struct mh_slice t;
			CHECK(mh_csv_text(cell, &arena, &t) == MH_OK);
			CHECK(t.n <= cell->n);
		}
		if (out->n < MAXROW) {
			out->off[out->n] = row.offset;
			out->ncells[out->n] = row.ncells;
		}
		out->n++;
	}
	mh_csv_free(c);
}

static void read_all(struct mh_stream *s, size_t size, size_t max,
                     struct run *out)
{
	read_range(s, size, max, 0, UINT64_MAX, out);
}

static struct run a, b, r0, r1;

/* Cut data where the finder says (from at) and read both ranges: the
 * rows of the whole read (whole), in order, each once. */
static void check_cut(const uint8_t *data, size_t size, size_t max, uint64_t at,
                      const struct run *whole)
{
	struct mh_stream *s = NULL;
	struct mh_err err;
	struct mh_csv *c = NULL;
	struct mh_csv_opts o = {max, 0, 0};
	mh_err_clear(&err);
	CHECK(mh_stream_open_mem(&s, (const char *)data, size, "m") == MH_OK);
	uint64_t cut = UINT64_MAX;
	if (mh_csv_open(&c, s, &o, &err) == MH_OK)
		CHECK(mh_csv_find_row(c, at, size, &cut, &err) == MH_OK);
	mh_csv_free(c);
	mh_stream_close(s);
	if (cut == UINT64_MAX)
		return;
	CHECK(cut >= at && cut <= size);
	CHECK(mh_stream_open_mem(&s, (const char *)data, size, "m") == MH_OK);
	read_range(s, size, max, 0, cut, &r0);
	mh_stream_close(s);
	CHECK(mh_stream_open_mem(&s, (const char *)data, size, "m") == MH_OK);
	read_range(s, size, max, cut, UINT64_MAX, &r1);
	mh_stream_close(s);
	CHECK(r0.end_rc == whole->end_rc && r1.end_rc == whole->end_rc);
	CHECK(r0.n + r1.n == whole->n);
	for (size_t i = 0; i < whole->n && i < MAXROW; i++) {
		const struct run *r = i < r0.n ? &r0 : &r1;
		size_t k = i < r0.n ? i : i - r0.n;
		if (k < MAXROW)
			CHECK(r->off[k] == whole->off[i] &&
			      r->ncells[k] == whole->ncells[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		ready = 1;
		mh_arena_init(&arena, 1 << 16, 0);
		atexit(cleanup);
	}
	size_t head = size < 4096 ? size : 4096;
	(void)mh_csv_probe((const char *)data, head, "x.csv");
	struct mh_slice cells[8];
	(void)mh_csv_header_cells((const char *)data, head, cells, 8);
	write_input(data, size);
	for (int k = 0; k < 2; k++) {
		size_t max = k ? 0 : 64;
		struct mh_stream *s = NULL;
		struct mh_err err;
		mh_err_clear(&err);
		CHECK(mh_stream_open(&s, path, (size_t)1 << 20, &err) == MH_OK);
		read_all(s, size, max, &a);
		mh_stream_close(s);
		if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
			continue; /* the file is inflated, memory is not */
		CHECK(mh_stream_open_mem(&s, (const char *)data, size, "m") ==
		      MH_OK);
		read_all(s, size, max, &b);
		mh_stream_close(s);
		CHECK(a.end_rc == b.end_rc && a.n == b.n);
		for (size_t i = 0; i < a.n && i < MAXROW; i++)
			CHECK(a.off[i] == b.off[i] &&
			      a.ncells[i] == b.ncells[i]);
		if (b.end_rc == MH_OK && size > 1) {
			check_cut(data, size, max, size / 2 + 1, &b);
			check_cut(data, size, max, size / 5 + 1, &b);
		}
	}
	return 0;
}
