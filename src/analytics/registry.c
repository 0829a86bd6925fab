#include <string.h>

#include "analytics/analytic.h"

extern const struct mh_analytic_ops mh_analytic_forwarding;
extern const struct mh_analytic_ops mh_analytic_audit;     /* audjudge.c */
extern const struct mh_analytic_ops mh_analytic_audremote; /* audremote.c */
extern const struct mh_analytic_ops mh_analytic_sigma;     /* rules/sigma */

const struct mh_analytic_ops *const mh_analytics[] = {
        &mh_analytic_forwarding,
        &mh_analytic_audit,
        &mh_analytic_audremote,
        &mh_analytic_sigma,
        NULL,
};

const struct mh_analytic_ops *mh_analytic_by_name(const char *name)
{
	for (size_t i = 0; mh_analytics[i]; i++)
		if (!strcmp(mh_analytics[i]->name, name))
			return mh_analytics[i];
	return NULL;
}
