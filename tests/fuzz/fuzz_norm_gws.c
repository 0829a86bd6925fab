/* Fuzz target: the Google Workspace normalisers (norm_gws.c), each driven
 * with any record (fuzz_norm.h). */
#include "fuzz_norm.h"

extern const struct mh_norm mh_norm_gws_reports, mh_norm_gws_cloud_logging;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mh_norm *const norms[] = {
	        &mh_norm_gws_reports,
	        &mh_norm_gws_cloud_logging,
	};
	return fn_run(data, size, norms, sizeof(norms) / sizeof(norms[0]));
}
