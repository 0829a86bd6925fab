/* fuzz_sigma_rule.c - the Sigma rule loader (YAML, rule model, modifiers,
 * compiler, prefilter) on arbitrary bytes written as a rule file: no
 * crash, no leak, and every refusal has a reason. Then the loaded rules
 * match one small event without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/sigma/match.h"
#include "rules/sigma/ruleset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/mh-fuzz-rule-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	static const char *const vals[] = {"a", "b"};
	struct mh_placeholder ph = {"x", vals, 2};
	struct mh_sigma_opts o = {0};
	o.ph = &ph;
	o.nph = 1;
	const char *paths[1] = {path};
	struct mh_sigma *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	int rc = mh_sigma_load(paths, 1, &o, &s, &err);
	unlink(path);
	if (rc)
		return 0;
	for (size_t i = 0; i < s->nrefused; i++)
		CHECK(s->refused[i].reason && *s->refused[i].reason);
	struct mh_field f[] = {
	        {MH_SLICE_LIT("Event.System.Channel"),
	         MH_SLICE_LIT("Microsoft-Windows-Sysmon/Operational")},
	        {MH_SLICE_LIT("Event.System.EventID"), MH_SLICE_LIT("1")},
	        {MH_SLICE_LIT("Event.EventData.Image"),
	         MH_SLICE_LIT("C:\\Windows\\System32\\cmd.exe")},
	        {MH_SLICE_LIT("Event.EventData.CommandLine"),
	         MH_SLICE_LIT("cmd /c whoami -all")},
	        {MH_SLICE_LIT("Nothing"), {NULL, 0}},
	};
	struct mh_event ev = {0};
	ev.kind = MH_EV_WINEVENT;
	ev.path = "fuzz";
	ev.ts = 1700000000;
	ev.fields = f;
	ev.nfields = sizeof(f) / sizeof(f[0]);
	struct mh_sigma_ctx *c = NULL;
	if (mh_sigma_ctx_new(s, &c) == MH_OK) {
		const uint32_t *m;
		size_t n;
		CHECK(mh_sigma_match(c, &ev, &m, &n) == MH_OK);
		for (size_t i = 0; i < n; i++)
			CHECK(m[i] < s->nrules);
		mh_sigma_ctx_free(c);
	}
	mh_sigma_free(s);
	return 0;
}
