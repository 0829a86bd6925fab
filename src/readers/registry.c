#include <string.h>

#include "readers/reader.h"

extern const struct mh_reader_ops mh_reader_mbox;
extern const struct mh_reader_ops mh_reader_maildir;
extern const struct mh_reader_ops mh_reader_eml;
extern const struct mh_reader_ops mh_reader_emlx;
extern const struct mh_reader_ops mh_reader_json;
extern const struct mh_reader_ops mh_reader_csv;

/* Order matters only for ties: the more specific format first. */
const struct mh_reader_ops *const mh_readers[] = {
        &mh_reader_mbox,
        &mh_reader_maildir,
        &mh_reader_emlx,
        &mh_reader_eml,
        &mh_reader_json,
        &mh_reader_csv,
        NULL,
};

const struct mh_reader_ops *mh_reader_detect(const char *head, size_t n,
                                             const char *name)
{
	const struct mh_reader_ops *best = NULL;
	int best_score = 49;
	for (size_t i = 0; mh_readers[i]; i++) {
		if (!mh_readers[i]->probe)
			continue;
		int s = mh_readers[i]->probe(head, n, name);
		if (s > best_score) {
			best = mh_readers[i];
			best_score = s;
		}
	}
	return best;
}

const struct mh_reader_ops *mh_reader_by_name(const char *name)
{
	for (size_t i = 0; mh_readers[i]; i++)
		if (!strcmp(mh_readers[i]->name, name))
			return mh_readers[i];
	return NULL;
}

void mh_reader_opts_default(struct mh_reader_opts *o)
{
	o->max_header = (size_t)1 << 20;
	o->body_prefix = (size_t)64 << 10;
	o->max_record = (size_t)16 << 20;
	o->audit_ops = NULL; /* every record parsed */
	o->audit_owners = NULL;
	o->audit_raw = NULL;
	o->audit_raw_ctx = NULL;
	o->audit_need = 0;
	o->seen = NULL; /* no prefetch of dedup slots */
}
