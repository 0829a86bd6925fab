/* evview.h - one event as the Sigma matcher sees it.
 *
 * For each event the view lists every (field, value) under the names
 * rules use: the event's own name, the Sigma name of a Windows JSON field
 * (logsource.def WIN_SHAPE), aliases of the event's class (Security 4688's
 * NewProcessName as Image, a Google Workspace activity's events.name as
 * protoPayload.metadata.event.eventName), Get-WinEvent's positional
 * Properties and Sysmon Message lines. Each name that some rule tests
 * has a slot (ruleset.h); values are linked per slot, so a test reads its
 * field's values in O(1). Values that tests can read get an ASCII
 * lower-cased copy for case-insensitive tests (mh_sg_view_scantext). The event's class (logsource.h) is computed
 * once.
 *
 * Event fields are read in exactly one place, event_fields in evview.c,
 * through the event's accessor (mh_event_fields: record readers make
 * them on first use), and only once the class (from the typed view) has
 * put the event in some rule's logsource.
 *
 * A view belongs to one thread and is reused from event to event; what it
 * points to is valid until the next build.
 */
#ifndef MH_SIGMA_EVVIEW_H
#define MH_SIGMA_EVVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "event/event.h"
#include "rules/sigma/logsource.h"
#include "rules/sigma/ruleset.h"

struct mh_sg_val {
	const char *s;   /* value; NULL for JSON null */
	const char *low; /* lower-cased copy, NULL until
	                  * mh_sg_view_scantext made it (and when s is
	                  * NULL) */
	uint32_t n;
	int32_t slot;     /* -1: no rule tests this name */
	int32_t next;     /* next value of the same slot, -1 at the end */
	const char *name; /* the name it is seen under */
	uint32_t nlen;
	uint8_t dup;     /* the same value as an earlier entry under another
	               * name, or (comp) the JSON text of an object or list
	               * whose members follow: skipped by keyword search and
	               * the keyword prefilter */
	uint8_t comp;    /* an object's or list's JSON text */
	uint8_t slotset; /* slot already known (the name cache) */
};

/* What a field name gives, remembered per view (evview.c names): a
 * Windows event repeats the same few dozen names in every record. */
struct mh_sg_name {
	uint64_t h; /* hash of the name and shape; 0: empty */
	const char *name;
	const char *canon; /* its Sigma name (copy), NULL when none */
	uint32_t nlen, clen;
	int32_t slot, cslot; /* of the name, of canon */
	int want;
	/* Found by the parent object's entry and the last key (the last
	 * klen bytes of name) when parent is set or klen is not 0. */
	const struct mh_sg_name *parent;
	uint32_t klen;
};

#define MH_SG_VIEW_ALIASES 32

struct mh_sg_view {
	const struct mh_sigma *set;
	struct mh_sg_val *v;
	size_t n, alloc;
	size_t vbytes;        /* bytes of the values pushed since classify */
	int32_t *head, *tail; /* per slot */
	int32_t *touched;     /* slots with values, to reset */
	size_t ntouched;
	struct mh_arena scratch;
	struct mh_ls_class cls;
	int64_t ts; /* the event's, or MH_TS_NONE: see mh_sg_view_ts */
	const char *timefield; /* a time field to parse when asked */
	size_t timefield_n;
	int shape;            /* MH_SHAPE_* of a Windows event */
	int any_shape;        /* no typed view: field names of any shape */
	const char *provider; /* a Windows event's provider */
	size_t provider_n;
	struct mh_ls_input in; /* what the class was made from */
	/* The aliases of the class (logsource.h), made with it. */
	struct mh_ls_alias al[MH_SG_VIEW_ALIASES];
	size_t nal;
	/* The input of the last class made: an event with the same input
	 * (most are: one export, one workload after another) keeps its
	 * class and aliases, and says so in cls_same. */
	struct {
		int ok; /* a class was made and its input fits below */
		struct mh_ls_input in;
		char channel[64], workload[64];
	} last;
	int cls_same;
	struct mh_sg_name *names; /* open addressing, nnames_cap slots */
	size_t nnames, nnames_cap;
	struct mh_arena name_arena; /* the names' copies */
	/* Classes of Windows events by channel and event id (classify):
	 * made once each; user is the caller's, per class (NULL at
	 * first), and cls_user points at this event's (NULL when its class
	 * is not kept). */
	struct mh_sg_clsmemo {
		char channel[96];
		size_t channel_n;
		long event_id;
		int used;
		struct mh_ls_class cls;
		void *user;
	} * clsmemo;
	void **cls_user;
	int from_json; /* the last build read the parsed record (ev->json),
	                * not the fields (tests) */
};

int mh_sg_view_init(struct mh_sg_view *v, const struct mh_sigma *set);
void mh_sg_view_release(struct mh_sg_view *v);
/* Start the view of ev: its class (cls) from its typed view (ev->win,
 * ev->audit), so that an event no rule concerns costs no field; an
 * event without a typed view is classified from its fields. MH_OK. */
int mh_sg_view_classify(struct mh_sg_view *v, const struct mh_event *ev);

/* The audit groups (1u << MH_LSG_*) of a record with typed view a, as
 * mh_sg_view_classify puts it in them. */
unsigned mh_sg_view_audit_groups(const struct mh_audit *a);
/* After classify: the values the typed view gives the event (the status
 * word of a result, a Google service name, ...; logsource.def AUDIT_ALIAS
 * "@" rows), up to cap, valid until the next classify; (size_t)-1 on
 * ENOMEM. With the event's raw text they are every value rules can see
 * (for the raw prefilter). */
size_t mh_sg_view_typed_texts(struct mh_sg_view *v, const struct mh_event *ev,
                              struct mh_slice *out, size_t cap);
/* Then its values: those of the event's fields, read from the parsed
 * record (ev->json) when it is a Windows event whose fields it gives
 * exactly (no list, real number, empty object, object whose own text a
 * rule tests; no correlation rule), else from the fields made now.
 * MH_OK or MH_ENOMEM. */
int mh_sg_view_build(struct mh_sg_view *v, const struct mh_event *ev);

/* (evscan.c) The text the prefilter scans, in b (reset first): MH_PF_START, the
 * ASCII lower-cased value, MH_PF_END, for every value that has a slot
 * (of the bit set slots, when not NULL: the slots the event's rules
 * test) (b->p[0..*tested)), then (all: keyword search) every other value not
 * dup; each value once (a raw name and its Sigma name share it). Sets
 * low of those values, pointing into b (not NUL-terminated there): b
 * must not change while the view is read. MH_OK or MH_ENOMEM. */
int mh_sg_view_scantext(struct mh_sg_view *v, int all, const uint64_t *slots,
                        struct mh_buf *b, size_t *tested);

/* The event time: the reader's, else (an event without typed view)
 * parsed once from its time field (Event.System.TimeCreated, @timestamp,
 * CreationTime, id.time); MH_TS_NONE when none. */
int64_t mh_sg_view_ts(struct mh_sg_view *v);

/* ASCII lower case of src[0..n) into dst (may be src). */
void mh_sg_lower_ascii(char *dst, const char *src, size_t n);

/* First value index of slot, or -1. */
static inline int32_t mh_sg_view_first(const struct mh_sg_view *v, int slot)
{
	return slot >= 0 ? v->head[slot] : -1;
}

#endif
