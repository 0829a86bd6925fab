/* Fuzz target: RFC 2047 decoding and charset conversion on arbitrary
 * bytes. Invariants: the output is always valid UTF-8; decoding is
 * deterministic; ASCII text without "=?" comes back unchanged; a failed
 * call leaves the buffer as it was. The first input byte picks the
 * fallback charset; a charset label taken from the input is converted
 * with mh_charset_convert under the same rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/err.h"
#include "core/utf8.h"
#include "mail/rfc2047.h"
#include "fuzz.h"

static const char *const fallbacks[] = {
        NULL,        "utf-8",           "koi8-r",    "iso-2022-jp",
        "shift_jis", "no-such-charset", "x-unknown", "gb2312"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *fb = fallbacks[data[0] & 7];
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	struct mh_buf a = MH_BUF_INIT(1u << 28), b = MH_BUF_INIT(1u << 28);
	unsigned fa = 0, fbits = 0;

	CHECK(mh_rfc2047_decode(mh_slice_make(p, n), fb, &a, &fa) == MH_OK);
	CHECK(mh_utf8_valid(a.p ? a.p : "", a.len));
	CHECK(mh_rfc2047_decode(mh_slice_make(p, n), fb, &b, &fbits) == MH_OK);
	CHECK(a.len == b.len && fa == fbits);
	CHECK(a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
	int ascii = 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			ascii = 0;
	int has_ew = n >= 2 && memmem(p, n, "=?", 2) != NULL;
	if (ascii && !has_ew) {
		CHECK(a.len == n && (n == 0 || !memcmp(a.p, p, n)));
		CHECK(fa == 0);
	}

	/* A small cap: MH_ETOOBIG leaves the buffer untouched. */
	struct mh_buf c = MH_BUF_INIT(16);
	mh_buf_adds(&c, "keep");
	int rc = mh_rfc2047_decode(mh_slice_make(p, n), fb, &c, NULL);
	CHECK(rc == MH_OK || rc == MH_ETOOBIG);
	if (rc != MH_OK)
		CHECK(c.len == 4 && !memcmp(c.p, "keep", 4));
	CHECK(mh_utf8_valid(c.p, c.len));

	/* Label from the input: up to the first '?', at most 40 bytes. */
	const char *q = memchr(p, '?', n < 40 ? n : 40);
	if (q) {
		size_t ln = (size_t)(q - p);
		mh_buf_reset(&b);
		size_t nbad = 0;
		rc = mh_charset_convert(p, ln, q + 1, n - ln - 1, &b, &nbad);
		CHECK(rc == MH_OK || rc == MH_ENOTFOUND);
		if (rc == MH_ENOTFOUND)
			CHECK(b.len == 0);
		CHECK(mh_utf8_valid(b.p ? b.p : "", b.len));
	}
	mh_buf_release(&a);
	mh_buf_release(&b);
	mh_buf_release(&c);
	return 0;
}
