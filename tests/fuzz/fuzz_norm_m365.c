/* Fuzz target: the Microsoft 365 activity normalisers (norm_m365.c), each
 * driven with any record (fuzz_norm.h). */
#include "fuzz_norm.h"

extern const struct mh_norm mh_norm_ual_api, mh_norm_purview, mh_norm_sentinel,
        mh_norm_defender, mh_norm_graph_audit, mh_norm_admin_audit;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mh_norm *const norms[] = {
	        &mh_norm_ual_api,  &mh_norm_purview,     &mh_norm_sentinel,
	        &mh_norm_defender, &mh_norm_graph_audit, &mh_norm_admin_audit,
	};
	return fn_run(data, size, norms, sizeof(norms) / sizeof(norms[0]));
}
