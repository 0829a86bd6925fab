/* winevent.c - names of the Windows event typed view (winevent.h). */
#include "event/winevent.h"

const char *mh_win_shape_name(int shape)
{
	static const char *const names[MH_WS__COUNT] = {
	        [MH_WS_UNKNOWN] = "unknown",
	        [MH_WS_EVTX] = "evtx-json",
	        [MH_WS_ECS] = "winlogbeat",
	        [MH_WS_PS] = "get-winevent",
	};
	if (shape < 0 || shape >= MH_WS__COUNT || !names[shape])
		return "unknown";
	return names[shape];
}
