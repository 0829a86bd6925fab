#include <string.h>

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
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}
