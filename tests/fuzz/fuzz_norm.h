/* fuzz_norm.h - shared by the normaliser fuzz targets (fuzz_norm_*.c):
 * the first input byte picks one normaliser of the target's list, the
 * rest is the input file, read by the json reader (and, when it looks
 * like CSV, by the csv reader) with every record forced through that
 * normaliser (rec.h mh_rec_force), so each normaliser sees records of
 * any shape, also ones its match() would refuse. Invariants: next()
 * returns a bounded number of times, skips carry a reason; every event's
 * typed view, parameters and fields can be read in full (ASan checks the
 * bytes) and written as JSON (scan --dump-events). */
#ifndef MH_FUZZ_NORM_H
#define MH_FUZZ_NORM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "event/audit.h"
#include "event/event.h"
#include "readers/reader.h"
#include "readers/record/rec.h"
#include "writers/events.h"
#include "fuzz.h"

static char fn_path[64];
static int fn_fd = -1;

static void fn_cleanup(void)
{
	if (fn_fd >= 0) {
		close(fn_fd);
		unlink(fn_path);
	}
}

static void fn_write(const uint8_t *data, size_t size)
{
	if (fn_fd < 0) {
		snprintf(fn_path, sizeof(fn_path), "/tmp/mh-fuzz-norm.XXXXXX");
		fn_fd = mkstemp(fn_path);
		CHECK(fn_fd >= 0);
		atexit(fn_cleanup);
	}
	CHECK(ftruncate(fn_fd, 0) == 0);
	size_t done = 0;
	while (done < size) {
		ssize_t w =
		        pwrite(fn_fd, data + done, size - done, (off_t)done);
		CHECK(w > 0);
		done += (size_t)w;
	}
}

static unsigned fn_sum;

static void fn_touch(struct mh_slice s)
{
	for (size_t i = 0; i < s.n; i++)
		fn_sum += (unsigned char)s.p[i];
}

static void fn_check_event(const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (a) {
		CHECK(ev->kind == MH_EV_AUDIT);
		CHECK(a->shape > MH_AS_UNKNOWN && a->shape < MH_AS__COUNT);
		fn_touch(a->operation);
		fn_touch(a->actor);
		fn_touch(a->mailbox);
		fn_touch(a->client_ip);
		CHECK(a->client_ip.n == 0 ||
		      a->client_ip.p[a->client_ip.n] == 0);
		CHECK(a->nops == 0 || a->operation.p == a->ops[0].p);
		for (size_t i = 0; i < a->nops; i++)
			fn_touch(a->ops[i]);
		for (size_t i = 0; i < a->nparams; i++) {
			fn_touch(a->params[i].name);
			fn_touch(a->params[i].value);
			CHECK(a->params[i].op < a->nops || a->nops == 0);
			struct mh_audit_addr ad[4];
			size_t k = mh_audit_addrs(a->params[i].value, ad, 4);
			for (size_t x = 0; x < k && x < 4; x++)
				fn_touch(ad[x].addr);
		}
		if (a->snapshot)
			CHECK(ev->ts == MH_TS_NONE && ev->record_id.n == 0);
	}
	fn_touch(ev->record_id);
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	for (size_t i = 0; i < n; i++) {
		fn_touch(f[i].name);
		fn_touch(f[i].value);
	}
	struct mh_buf b = MH_BUF_INIT((size_t)64 << 20);
	CHECK(mh_event_jsonl(ev, 1, &b) == MH_OK);
	CHECK(b.len > 0 && b.p[b.len - 1] == '\n');
	mh_buf_release(&b);
}

/* Called with every event read, when a target sets it. */
static void (*fn_extra)(const struct mh_event *ev);

static void fn_read(const char *reader, size_t size)
{
	const struct mh_reader_ops *ops = mh_reader_by_name(reader);
	CHECK(ops);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = fn_path;
	src.size = size > 1 ? size - 1 : 0;
	src.range_end = UINT64_MAX;
	src.regular = 1;
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	o.max_record = 1 << 20;
	struct mh_reader *r = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	if (ops->open(&r, &src, &o, &err) != MH_OK)
		return;
	for (size_t calls = 0;; calls++) {
		CHECK(calls <= 2 * size + 4);
		struct mh_event ev;
		mh_err_clear(&err);
		int rc = ops->next(r, &ev, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			CHECK(err.reason > MH_SKIP_NONE &&
			      err.reason < MH_SKIP__COUNT);
			continue;
		}
		if (rc < 0)
			break;
		fn_check_event(&ev);
		if (fn_extra)
			fn_extra(&ev);
	}
	ops->close(r);
}

/* Drive norms[data[0] % n] with data[1..size). */
static int fn_run(const uint8_t *data, size_t size,
                  const struct mh_norm *const *norms, size_t n)
{
	if (size < 1)
		return 0;
	mh_rec_force(norms[data[0] % n]);
	fn_write(data + 1, size - 1);
	fn_read("json", size);
	if (mh_csv_probe((const char *)data + 1,
	                 size - 1 < 4096 ? size - 1 : 4096, NULL))
		fn_read("csv", size);
	mh_rec_force(NULL);
	/* And once chosen by their keys, as scan does. */
	fn_read("json", size);
	return 0;
}

#endif
