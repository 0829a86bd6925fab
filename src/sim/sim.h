/* sim.h - deterministic synthetic mail stores for tests, demos and
 * benchmarks (`mailhunt simulate`). Writes only into out_dir; sends
 * nothing. Same seed and options give byte-identical output.
 *
 * Layout (docs/SIMULATE.md): user stores as Maildir
 * (maildir/<domain>/<user>/Maildir) and/or mbox (mbox/<user>@<domain>.mbox),
 * an outbound gateway journal (journal/outbound.mbox), and
 * ground-truth.tsv with one line per finding a correct scan must report.
 */
#ifndef MH_SIM_H
#define MH_SIM_H

#include <stdint.h>

#include "core/err.h"

enum mh_sim_format {
	MH_SIM_MBOX = 1,
	MH_SIM_MAILDIR = 2,
};

struct mh_sim_opts {
	uint64_t seed;
	const char *out_dir;    /* must exist and be empty (caller checks) */
	unsigned formats;       /* MH_SIM_* bits */
	uint64_t messages;      /* benign messages (0: use target_bytes) */
	uint64_t target_bytes;  /* total size to reach (0: use messages) */
	unsigned mailboxes;     /* users in the org, >= 8 */
	const char *org_domain; /* default corp.example */
	int scenarios;          /* 1: inject the labelled scenarios */
	int single_mbox;        /* everything in mbox/all.mbox (benchmarks) */
};

struct mh_sim_stats {
	uint64_t files, messages, bytes, scenario_messages;
	unsigned scenarios;
};

int mh_sim_run(const struct mh_sim_opts *o, struct mh_sim_stats *st,
               struct mh_err *err);

#endif
