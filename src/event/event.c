#include "event/event.h"

const struct mh_field *mh_event_field(const struct mh_event *ev,
                                      const char *name)
{
	struct mh_slice want = mh_slice_cstr(name);
	for (size_t i = 0; i < ev->nfields; i++)
		if (mh_slice_ieq(ev->fields[i].name, want))
			return &ev->fields[i];
	return NULL;
}
