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

#define MH_JSONL_SCHEMA 2

struct mh_writer;

struct mh_writer_opts {
	int color; /* 1: ANSI colours (table only) */
	const char *tool_version;
	size_t hidden;    /* findings of the run left out by --min-level: the
	                * table says so instead of "no findings" */
	int nothing_read; /* 1: no message could be read; the table does
	                   * not claim a clean result then */
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
	void *state; /* back-end private: NULL or one malloc'd block; set by
	              * begin, freed by finish or mh_writer_release */
};

/* The back-end called name ("table", "jsonl", "csv"), or NULL. */
const struct mh_writer_ops *mh_writer_by_name(const char *name);

/* Set w up for the back-end called name, writing to out (borrowed, not
 * closed); opts may be NULL (no colour). MH_ENOTFOUND for an unknown name
 * (w is then zeroed). Then call w->ops->begin, ->finding per finding and
 * ->finish; those return MH_OK or a negative MH_E* code (MH_EIO when the
 * stream reports an error). */
int mh_writer_init(struct mh_writer *w, const char *name, FILE *out,
                   const struct mh_writer_opts *opts);
/* Free what begin allocated when finish was never reached (an error path).
 * Safe after finish and on a zeroed writer; NULL allowed. */
void mh_writer_release(struct mh_writer *w);

/* t as "2006-01-02T15:04:05Z" in out; returns 1, or 0 with out = "" when
 * t is MH_TS_NONE or outside the years 0000..9999 (written as unknown). */
int mh_writer_iso_time(int64_t t, char out[21]);

#endif
