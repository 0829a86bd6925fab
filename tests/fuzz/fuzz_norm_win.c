/* Fuzz target: the Windows event normalisers (norm_win.c), each driven
 * with any record (fuzz_norm.h). */
#include "fuzz_norm.h"

extern const struct mh_norm mh_norm_win_evtx, mh_norm_win_ecs, mh_norm_win_ps;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mh_norm *const norms[] = {
	        &mh_norm_win_evtx,
	        &mh_norm_win_ecs,
	        &mh_norm_win_ps,
	};
	return fn_run(data, size, norms, sizeof(norms) / sizeof(norms[0]));
}
