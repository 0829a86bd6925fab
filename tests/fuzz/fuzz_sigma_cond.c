/* fuzz_sigma_cond.c - the Sigma condition parser on arbitrary text: no
 * crash, no unbounded recursion, and a parsed tree is well formed (every
 * child index in range, every identifier inside the text).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/sigma/cond.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *c = malloc(size ? size : 1);
	if (!c)
		return 0;
	if (size)
		memcpy(c, data, size);
	struct mh_cond cd;
	struct mh_err err;
	mh_err_clear(&err);
	if (mh_cond_parse(c, size, &cd, &err) == MH_OK) {
		CHECK(cd.root >= 0 && (size_t)cd.root < cd.n);
		for (size_t i = 0; i < cd.n; i++) {
			const struct mh_cnode *n = &cd.v[i];
			if (n->op == MH_CN_AND || n->op == MH_CN_OR)
				CHECK(n->a >= 0 && (size_t)n->a < i &&
				      n->b >= 0 && (size_t)n->b < i);
			if (n->op == MH_CN_NOT)
				CHECK(n->a >= 0 && (size_t)n->a < i);
			if (n->name)
				CHECK(n->name >= c &&
				      n->name + n->nlen <= c + size);
		}
		mh_cond_free(&cd);
	} else {
		CHECK(err.msg[0]);
	}
	free(c);
	return 0;
}
