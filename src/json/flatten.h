/* flatten.h - a JSON record's text as name/value fields (event.h's field
 * convention), for rules that look at any key (Sigma) and for
 * `scan --dump-events`.
 *
 * Convention (event.h): one field per scalar leaf named by its key path
 * joined with '.'; array elements share the array's path; every object
 * and array below the top is also a field of its own path holding its
 * JSON text as written, before its members; strings unescaped (UTF-8,
 * invalid escapes and lone surrogates as U+FFFD), numbers as written,
 * true/false as text, null with value.p == NULL.
 *
 * Normalised names, added after an array of name/value objects at path P
 * (the Parameters, OperationProperties, ExtendedProperties and
 * ModifiedProperties lists of Microsoft 365, the parameters of Google
 * Workspace events): an element {"Name": N, "Value": V} also gives the
 * field "P.N" = V, so that "Parameters.ForwardTo" holds the ForwardTo
 * parameter's value. Value keys: Value, value, NewValue (and OldValue as
 * "P.N.OldValue"), GWS value, boolValue, intValue, multiValue and
 * multiIntValue (one field per element), messageValue (its JSON text). A
 * value that is itself an object or array gives its JSON text.
 *
 * The text must be well-formed JSON (parsed by json.h first); on anything
 * else the walk stops where it cannot go on, keeps the fields made so far
 * and returns MH_EFORMAT. Never reads outside p[0..n).
 *
 * Memory: names and unescaped values go to the arena; values without
 * escapes and JSON texts point into p, which must outlive the fields. The
 * field array belongs to the struct and is reused from record to record.
 */
#ifndef MH_FLATTEN_H
#define MH_FLATTEN_H

#include <stddef.h>

#include "core/arena.h"
#include "core/slice.h"
#include "event/event.h"

struct mh_flat {
	struct mh_arena *arena; /* borrowed: names, unescaped values */
	struct mh_field *v;     /* owned, n in use */
	size_t n, cap;
	size_t max_fields; /* fields beyond are dropped (truncated set) */
	int truncated;     /* 1 when max_fields or memory cut the list */
};

/* max_fields 0: 65536. */
void mh_flat_init(struct mh_flat *fl, struct mh_arena *arena,
                  size_t max_fields);
/* Forget the fields (keep the array); the arena is the caller's. */
void mh_flat_reset(struct mh_flat *fl);
void mh_flat_release(struct mh_flat *fl);

/* Append one field (slices kept as given). MH_OK, or MH_ETOOBIG past
 * max_fields / MH_ENOMEM (truncated is set; the field is not added). */
int mh_flat_add(struct mh_flat *fl, struct mh_slice name,
                struct mh_slice value);

/* Append the fields of the JSON object or array p[0..n). prefix (may be
 * empty) is prepended to every name with a '.' ("Parameters" gives
 * "Parameters.Name"); the value p itself is not a field (the caller has
 * one for it, or it is the record). MH_OK, MH_EFORMAT (not well-formed:
 * fields so far kept), MH_ETOOBIG or MH_ENOMEM (truncated set). */
int mh_flat_json(struct mh_flat *fl, const char *p, size_t n,
                 struct mh_slice prefix);

/* The text of the member reached by the keys path[0..np) (ASCII
 * case-insensitive, first match at each level) in the JSON object
 * p[0..n): MH_OK with *out pointing into p, MH_ENOTFOUND, MH_EFORMAT. */
int mh_json_member_text(const char *p, size_t n, const char *const *path,
                        size_t np, struct mh_slice *out);

/* The unescaped contents of the JSON string text p[0..n) (without the
 * quotes) in *out, pointing into p when there is nothing to unescape,
 * else into the arena. MH_OK or MH_ENOMEM. */
int mh_json_unescape(struct mh_arena *a, const char *p, size_t n,
                     struct mh_slice *out);

#endif
