/* winevent.h - the typed view of a Windows event log record (event kind
 * MH_EV_WINEVENT, ev->win).
 *
 * The JSON reader's Windows normalisers (readers/record/norm_win.c) fill
 * it from the three JSON forms of an event: an evtx_dump-style export
 * ({"Event":{"System":...,"EventData":...}}), Winlogbeat / Elastic Agent
 * (ECS, winlog.*) and Get-WinEvent | ConvertTo-Json. It holds what is
 * needed to decide which rules an event concerns (channel, provider,
 * event id) and to name it in evidence (computer, record id); the event's
 * data (EventData, UserData, Properties, Message) stays in the fields
 * (event.h), where each form names it its own way (docs/AUDIT.md).
 *
 * Lifetime: like the event: slices point into reader memory, valid until
 * the reader's next next()/close(). A slice with p == NULL means "not in
 * the record". Text is attacker-controlled: escape it when writing.
 */
#ifndef MH_WINEVENT_H
#define MH_WINEVENT_H

#include <stdint.h>

#include "core/slice.h"

enum mh_win_shape {
	MH_WS_UNKNOWN = 0,
	MH_WS_EVTX, /* evtx_dump / SigmaHQ regression JSON: Event.System,
	             * Event.EventData, Event.UserData */
	MH_WS_ECS,  /* Winlogbeat / Elastic Agent: winlog.channel,
	             * winlog.event_data, ... */
	MH_WS_PS,   /* Get-WinEvent | ConvertTo-Json: Id, LogName,
	             * ProviderName, Properties[] by position, Message */
	MH_WS__COUNT
};

/* "evtx-json", "winlogbeat", "get-winevent"; never NULL. */
const char *mh_win_shape_name(int shape);

struct mh_winevent {
	enum mh_win_shape shape;
	long event_id;             /* EventID, -1 when absent or not a number */
	struct mh_slice channel;   /* "Security",
	                           * "Microsoft-Windows-Sysmon/Operational" */
	struct mh_slice provider;  /* "Microsoft-Windows-Sysmon" */
	struct mh_slice computer;  /* as recorded ("ws1.corp.example") */
	struct mh_slice record_id; /* EventRecordID as written (digits) */
	int64_t ts;                /* == the event's ts */
};

#endif
