/* Fuzz target: address-list parsing on arbitrary bytes. Invariants: at
 * most max entries (MH_ETOOBIG beyond); names and addresses are valid
 * UTF-8 C strings; a name has no blank at either end; the domain is the
 * lower-cased text after the last '@' outside a quoted local part, and
 * agrees with mh_addr_domain when the address has no quotes; an entry
 * with an empty address belongs to a group.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/utf8.h"
#include "mail/addr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_arena a;
	struct mh_addr *v = NULL;
	size_t n = 0, bad = 0, max = 64;

	mh_arena_init(&a, 0, 0);
	int rc = mh_addr_parse_list(mh_slice_make((const char *)data, size), &a,
	                            max, &v, &n, &bad);
	CHECK(rc == MH_OK || rc == MH_ETOOBIG);
	CHECK(n <= max && (n == 0 || v));
	for (size_t i = 0; i < n; i++) {
		const struct mh_addr *x = &v[i];
		CHECK(x->name && x->addr && x->domain);
		size_t nl = strlen(x->name), al = strlen(x->addr);
		CHECK(mh_utf8_valid(x->name, nl));
		CHECK(mh_utf8_valid(x->addr, al));
		CHECK(mh_utf8_valid(x->domain, strlen(x->domain)));
		if (nl) {
			char c0 = x->name[0], c1 = x->name[nl - 1];
			CHECK(c0 != ' ' && c0 != '\t' && c1 != ' ' &&
			      c1 != '\t');
		}
		if (!al)
			CHECK(x->group != NULL);
		for (const char *c = x->domain; *c; c++)
			CHECK(!(*c >= 'A' && *c <= 'Z'));
		if (!strchr(x->addr, '"')) {
			char dom[512];
			size_t dl = mh_addr_domain(x->addr, dom, sizeof(dom));
			if (strlen(x->domain) < sizeof(dom) - 1 &&
			    !strchr(x->domain, '>'))
				CHECK(dl == strlen(x->domain) &&
				      !strcmp(dom, x->domain));
		}
	}
	mh_arena_release(&a);
	return 0;
}
