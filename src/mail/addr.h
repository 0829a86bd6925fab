/* addr.h - RFC 5322 3.4 address lists: display names, angle addresses,
 * groups, comments, obsolete route addresses.
 */
#ifndef MH_ADDR_H
#define MH_ADDR_H

#include <stddef.h>

#include "core/arena.h"
#include "core/slice.h"

struct mh_addr {
	const char *name;   /* decoded display name (UTF-8, RFC 2047 applied),
	                      * "" when none; NUL-terminated, in the arena */
	const char *addr;   /* addr-spec "local@domain" as written, with
	                      * comments and whitespace removed, quoted local
	                      * parts kept quoted; "" for an empty group */
	const char *group;  /* group display name, or NULL outside a group */
	const char *domain; /* points into addr after '@' (lower-cased copy
	                      * in the arena), "" when there is no '@' */
};

/* Parse an unfolded address-list value. Entries go to *out (arena),
 * *n gets the count. Unparseable pieces are skipped and counted in *bad
 * (may be NULL); parsing always continues at the next ',' outside quotes,
 * comments and angle brackets. Returns MH_OK or MH_ENOMEM/MH_ETOOBIG
 * (more than max entries). */
int mh_addr_parse_list(struct mh_slice value, struct mh_arena *arena,
                       size_t max, struct mh_addr **out, size_t *n,
                       size_t *bad);

/* Lower-case copy of the address's domain into dst (size dstn, NUL-
 * terminated, truncated); returns length or 0 when none. */
size_t mh_addr_domain(const char *addr, char *dst, size_t dstn);

#endif
