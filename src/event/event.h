/* event.h - the normalised event every reader produces.
 *
 * Readers (mail stores now; audit logs, EVTX, PST later) turn records into
 * struct mh_event; analytics and rule engines consume only this type. An
 * event and everything it points to is borrowed from the reader and valid
 * until the next call to that reader's next() or close(). Consumers that
 * keep anything copy it out.
 *
 * Generic access goes through fields (name/value pairs in input order,
 * duplicates kept), always through mh_event_fields(): record readers
 * make them only when first asked (flattening every record costs more
 * than the typed view most consumers need), mail readers have them ready.
 * Kind-specific views (msg for mail, audit for audit records) give typed
 * access on top. What the fields are, per input:
 *
 *  - mail: the header fields, raw and folded.
 *  - JSON records: one field per scalar leaf, named by its key path joined
 *    with '.' ("protoPayload.metadata.event.eventName"); the elements of
 *    an array share the array's path (no index), so a list gives repeated
 *    names in order. Every object and array below the top also appears as
 *    a field of its own path whose value is its JSON text as written,
 *    before its members (so "Parameters" holds the whole list and Sigma's
 *    `Parameters|contains` sees it). String values are unescaped UTF-8;
 *    numbers as written; true/false as "true"/"false"; JSON null has
 *    value.p == NULL (an empty string has value.p != NULL).
 *  - CSV records: one field per column, named by the header cell; a cell
 *    that holds a JSON object or array also gives the fields of that
 *    JSON below the column's name ("Parameters.Name").
 *  - Windows events (JSON): the record's own key paths as above
 *    ("Event.EventData.Image", "winlog.event_data.Image",
 *    "Properties.Value"); the typed view (event/winevent.h) says which
 *    form it is, so a consumer knows where the event data is.
 *  - Readers may add normalised fields on top (each reader's header and
 *    docs/AUDIT.md say which), e.g. an audit record's Parameters
 *    name/value list as "Parameters.ForwardTo" (json/flatten.h), and the
 *    fields of a record held inside another (a Purview export's AuditData
 *    JSON, Defender's RawEventData) without a prefix.
 *
 * Field names compare ASCII case-insensitively (mh_event_field).
 */
#ifndef MH_EVENT_H
#define MH_EVENT_H

#include <stdint.h>

#include "core/keyset.h"
#include "core/slice.h"
#include "core/time.h"

enum mh_event_kind {
	MH_EV_NONE = 0,
	MH_EV_MAIL,     /* one message in a mail store; msg is set */
	MH_EV_AUDIT,    /* cloud audit record or configuration snapshot
	                 * (M365, Exchange, Google Workspace); audit is set */
	MH_EV_WINEVENT, /* Windows event log record */
	MH_EV_LOGLINE,  /* one line of a text log (auditd, maillog) */
	MH_EV_RECORD,   /* a JSON or CSV record no normaliser recognised:
	                 * fields only (rules may still match it) */
};

struct mh_field {
	struct mh_slice name;  /* as written (case kept) */
	struct mh_slice value; /* raw, undecoded (for mail: folded) */
};

struct mh_msg;      /* event/msg.h */
struct mh_audit;    /* event/audit.h */
struct mh_winevent; /* event/winevent.h */
struct mh_jv;       /* json/json.h */

struct mh_event {
	enum mh_event_kind kind;
	const char *reader; /* static reader name: "mbox", "maildir", ... */
	const char *
	        path; /* input file (borrowed; valid while the reader is open) */
	uint64_t
	        offset; /* byte offset of the record in the (decompressed) file */
	unsigned line;  /* 1-based line of the record start, 0 if unknown */
	uint64_t index; /* 0-based ordinal of the record within the file,
	                 * UINT64_MAX when not known. In a byte range of a
	                 * split file other than the first, index and line
	                 * are counted from the range's start (reader.h
	                 * struct mh_range_count: scan numbers the findings'
	                 * evidence as the file's after the merge) */
	struct mh_slice record_id; /* the source's own id of the record (an
	                            * audit record's Id), by which the same
	                            * record read twice is dropped; n == 0
	                            * when the source has none */
	/* With record_id, when record_hashed is 1: its hash for the set of
	 * records seen (core/keyset.h), made by the reader with the lead
	 * it gives that kind of key (an audit record's Id), so that it
	 * could ask for the set's slot before it had the whole key.
	 * record_hashed 0: not made, mh_keyset_hash(record_id) is it. */
	struct mh_keyhash record_hash;
	int record_hashed;
	int64_t ts; /* record time, Unix seconds UTC, MH_TS_NONE if unknown */
	const char
	        *mailbox; /* store owner from the path/format (NUL-terminated),
	                       * or NULL when the store does not say */
	const char *
	        folder; /* folder within the store ("INBOX", ".Sent"), or NULL */
	/* The fields: read them with mh_event_fields(). A reader sets
	 * either fields/nfields (ready) or fields_fn/fields_ctx (made on
	 * the first call, by the reader, kept until its next next()). */
	const struct mh_field *fields; /* nfields entries, input order */
	size_t nfields;
	const struct mh_field *(*fields_fn)(void *ctx, size_t *n);
	void *fields_ctx;
	/* The record's own text as read, when every field is made from it
	 * alone (a JSON record not held in another), else {NULL, 0}: a
	 * consumer may rule an event out by a literal search in it before
	 * making the fields (the Sigma prefilter does). With raw_csv set it
	 * is a CSV row as written (RFC 4180 quoting: the cells' values, a
	 * JSON cell's text with its quotes doubled), not a JSON text. */
	struct mh_slice raw;
	int raw_csv;
	/* With raw: the record as parsed (json/json.h), from which the
	 * same fields can be read without making them, or NULL. */
	const struct mh_jv *json;
	/* Not 0: an audit record the reader passed over without parsing it
	 * (no analytic reads its operation: reader.h audit_ops), and the
	 * shape it has (event/audit.h MH_AS_*). kind is MH_EV_AUDIT, audit
	 * NULL, no fields; record_id ("m365raw", Id, time, operation), ts,
	 * the position and raw are set. */
	int unparsed;
	const struct mh_msg *msg;      /* kind == MH_EV_MAIL, else NULL */
	const struct mh_audit *audit;  /* kind == MH_EV_AUDIT, else NULL */
	const struct mh_winevent *win; /* kind == MH_EV_WINEVENT, else NULL */
};

/* The event's fields (*n of them, input order), made on first use for
 * record inputs. Valid as long as the event. NULL with *n == 0 when there
 * are none, or when they could not be made (out of memory). */
const struct mh_field *mh_event_fields(const struct mh_event *ev, size_t *n);

/* First field whose name equals name (ASCII case-insensitive), or NULL. */
const struct mh_field *mh_event_field(const struct mh_event *ev,
                                      const char *name);

#endif
