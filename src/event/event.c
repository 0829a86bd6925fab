#include "event/event.h"

const struct mh_field *mh_event_fields(const struct mh_event *ev, size_t *n)
{
	if (ev->fields_fn && !ev->fields) {
		const struct mh_field *f = ev->fields_fn(ev->fields_ctx, n);
		if (!f)
			*n = 0;
		return f;
	}
	*n = ev->nfields;
	return ev->fields;
}

const struct mh_field *mh_event_field(const struct mh_event *ev,
                                      const char *name)
{
	struct mh_slice want = mh_slice_cstr(name);
	size_t n = 0;
	const struct mh_field *f = mh_event_fields(ev, &n);
	for (size_t i = 0; i < n; i++)
		if (mh_slice_ieq(f[i].name, want))
			return &f[i];
	return NULL;
}
