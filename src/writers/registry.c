/* registry.c - the writer table, set-up and tear-down, and the one time
 * format every writer uses. */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"
#include "writers/writer.h"

extern const struct mh_writer_ops mh_writer_table;
extern const struct mh_writer_ops mh_writer_jsonl;
extern const struct mh_writer_ops mh_writer_csv;

const struct mh_writer_ops *mh_writer_by_name(const char *name)
{
	static const struct mh_writer_ops *const all[] = {
	        &mh_writer_table,
	        &mh_writer_jsonl,
	        &mh_writer_csv,
	};
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

int mh_writer_init(struct mh_writer *w, const char *name, FILE *out,
                   const struct mh_writer_opts *opts)
{
	memset(w, 0, sizeof(*w));
	const struct mh_writer_ops *ops = mh_writer_by_name(name);
	if (!ops || !out)
		return ops ? MH_EINVAL : MH_ENOTFOUND;
	w->ops = ops;
	w->out = out;
	if (opts)
		w->opts = *opts;
	return MH_OK;
}

void mh_writer_release(struct mh_writer *w)
{
	if (!w)
		return;
	free(w->state);
	w->state = NULL;
}

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four year digits
 * can say. Also keeps mh_time_iso's arithmetic far from overflow. */
#define ISO_MIN INT64_C(-62167219200)
#define ISO_MAX INT64_C(253402300799)

int mh_writer_iso_time(int64_t t, char out[21])
{
	out[0] = '\0';
	if (t < ISO_MIN || t > ISO_MAX)
		return 0;
	mh_time_iso(t, out);
	return 1;
}
