/* writer.h - output back-ends behind one vtable (notmuch sprinter style).
 *
 * A writer gets the run summary first, every finding in order, then
 * finish(). It writes data only to its FILE; diagnostics go to stderr
 * elsewhere. Every string from a finding is untrusted and escaped by the
 * writer for its format (terminal control characters, CSV formulas, JSON).
 */
#ifndef MH_WRITER_H
#define MH_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "finding/finding.h"

#define MH_JSONL_SCHEMA 1

struct mh_writer;

struct mh_writer_opts {
	int color; /* 1: ANSI colours (table only) */
	const char *tool_version;
};

struct mh_writer_ops {
	const char *name; /* "table", "jsonl", "csv" */
	int (*begin)(struct mh_writer *w);
	int (*finding)(struct mh_writer *w, const struct mh_finding *f);
	int (*finish)(struct mh_writer *w, size_t nfindings);
};

struct mh_writer {
	const struct mh_writer_ops *ops;
	FILE *out;
	struct mh_writer_opts opts;
	void *state; /* back-end private; freed by finish */
};

const struct mh_writer_ops *mh_writer_by_name(const char *name);

#endif
