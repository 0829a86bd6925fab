/* Fuzz target: header block end, field split and unfold on arbitrary
 * bytes, with the invariants the readers rely on:
 *   - mh_hdr_end: hdr_len <= body_off <= size; the bytes between are the
 *     empty line ("\n" or "\r\n") or nothing at the end of input; with
 *     more input to come (eof = 0) an answer is the same as at eof;
 *   - mh_hdr_split: every name and value lies inside the block, in order,
 *     names are non-empty without blanks, controls or ':'; values hold no
 *     line break that is not followed by a blank;
 *   - mh_hdr_unfold: no line break left, no blank at either end, never
 *     longer than the raw value;
 *   - mh_hdr_find / mh_hdr_find_next walk the fields of one name in order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/slice.h"
#include "mail/rfc5322.h"
#include "fuzz.h"

static void check_end(const char *p, size_t n, size_t *hl_out)
{
	size_t hl = 0, bo = 0, hl2 = 0, bo2 = 0;
	CHECK(mh_hdr_end(p, n, 1, &hl, &bo) == MH_OK);
	CHECK(hl <= bo && bo <= n);
	if (bo == n && hl == n) {
		/* no empty line */
	} else {
		CHECK((bo - hl == 1 && p[hl] == '\n') ||
		      (bo - hl == 2 && p[hl] == '\r' && p[hl + 1] == '\n'));
		CHECK(hl == 0 || p[hl - 1] == '\n');
	}
	int rc = mh_hdr_end(p, n, 0, &hl2, &bo2);
	CHECK(rc == MH_OK || rc == MH_ETRUNC);
	if (rc == MH_OK)
		CHECK(hl2 == hl && bo2 == bo);
	else
		CHECK(bo == n);
	*hl_out = hl;
}

static void check_fields(const char *p, size_t n, const struct mh_field *f,
                         size_t nf)
{
	const char *prev = p;
	for (size_t i = 0; i < nf; i++) {
		const struct mh_slice *nm = &f[i].name, *v = &f[i].value;
		CHECK(nm->n > 0 && nm->p >= prev && nm->p + nm->n <= p + n);
		CHECK(v->p > nm->p + nm->n - 1 && v->p + v->n <= p + n);
		for (size_t k = 0; k < nm->n; k++) {
			unsigned char c = (unsigned char)nm->p[k];
			CHECK(c > ' ' && c != 0x7f && c != ':');
		}
		for (size_t k = 0; k < v->n; k++)
			if (v->p[k] == '\n')
				CHECK(k + 1 < v->n && (v->p[k + 1] == ' ' ||
				                       v->p[k + 1] == '\t'));
		prev = v->p + v->n;
	}
}

static void check_unfold(const struct mh_field *f, size_t nf)
{
	struct mh_buf b = MH_BUF_INIT(1u << 28);
	for (size_t i = 0; i < nf; i++) {
		mh_buf_reset(&b);
		CHECK(mh_hdr_unfold(f[i].value, &b) == MH_OK);
		CHECK(b.len <= f[i].value.n);
		if (b.len) {
			CHECK(!memchr(b.p, '\n', b.len));
			char c0 = b.p[0], c1 = b.p[b.len - 1];
			CHECK(c0 != ' ' && c0 != '\t' && c0 != '\r');
			CHECK(c1 != ' ' && c1 != '\t' && c1 != '\r');
		}
	}
	mh_buf_release(&b);
}

static void check_find(const struct mh_field *f, size_t nf)
{
	for (size_t i = 0; i < nf && i < 64; i++) {
		char name[128];
		if (f[i].name.n >= sizeof(name) ||
		    memchr(f[i].name.p, 0, f[i].name.n))
			continue;
		memcpy(name, f[i].name.p, f[i].name.n);
		name[f[i].name.n] = '\0';
		const struct mh_field *x = mh_hdr_find(f, nf, name);
		CHECK(x && x <= &f[i] && mh_slice_ieq(x->name, f[i].name));
		int seen = 0;
		for (; x; x = mh_hdr_find_next(f, nf, x)) {
			CHECK(mh_slice_ieq(x->name, f[i].name));
			if (x == &f[i])
				seen = 1;
		}
		CHECK(seen);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t hl;
	struct mh_arena a;
	struct mh_field *f = NULL;
	size_t nf = 0, bad = 0;

	check_end(p, size, &hl);
	mh_arena_init(&a, 0, 0);
	int rc = mh_hdr_split(p, hl, &a, 1000, &f, &nf, &bad);
	CHECK(rc == MH_OK || rc == MH_ETOOBIG);
	CHECK(nf <= 1000 && (nf == 0 || f));
	check_fields(p, hl, f, nf);
	check_unfold(f, nf);
	check_find(f, nf);
	/* The whole input as a block (no blank-line cut) too. */
	mh_arena_reset(&a);
	rc = mh_hdr_split(p, size, &a, 1000, &f, &nf, &bad);
	CHECK(rc == MH_OK || rc == MH_ETOOBIG);
	check_fields(p, size, f, nf);
	mh_arena_release(&a);
	return 0;
}
