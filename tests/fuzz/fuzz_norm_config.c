/* Fuzz target: the Exchange configuration snapshot normalisers
 * (norm_config.c), each driven with any record or row (fuzz_norm.h). */
#include "fuzz_norm.h"

extern const struct mh_norm mh_norm_cfg_inbox_rule, mh_norm_cfg_mailbox,
        mh_norm_cfg_transport_rule, mh_norm_cfg_remote_domain,
        mh_norm_cfg_mailbox_permission, mh_norm_cfg_folder_permission;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mh_norm *const norms[] = {
	        &mh_norm_cfg_inbox_rule,         &mh_norm_cfg_mailbox,
	        &mh_norm_cfg_transport_rule,     &mh_norm_cfg_remote_domain,
	        &mh_norm_cfg_mailbox_permission, &mh_norm_cfg_folder_permission,
	};
	return fn_run(data, size, norms, sizeof(norms) / sizeof(norms[0]));
}
