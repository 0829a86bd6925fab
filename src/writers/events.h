/* events.h - events as JSON Lines, for inspection (`scan --dump-events`):
 * what a reader made of each record, before any judgement. One object
 * per event; docs/AUDIT.md ("Inputs") describes the keys:
 *
 *   {"file":..., "offset":N, "line":N|null, "record":N|null,
 *    "reader":"json", "kind":"audit"|"record"|"mail"|...,
 *    "time":"2024-03-01T10:00:03Z"|null, "dedup_key":...|null,
 *    "audit":{...typed view...}|null, "fields":[[name, value], ...]}
 *
 * Every string is escaped as JSON (core/escape.h): attacker-controlled
 * text stays data. Not a versioned interface: keys may be added.
 */
#ifndef MH_EVENTS_H
#define MH_EVENTS_H

#include "core/buf.h"
#include "event/event.h"

/* Append ev as one JSON object and a newline to out. fields: 1 to
 * include the fields (made now if they were not). MH_OK, MH_ENOMEM or
 * MH_ETOOBIG (out's cap). */
int mh_event_jsonl(const struct mh_event *ev, int fields, struct mh_buf *out);

#endif
