#include "core/slice.h"

#include <stdint.h>
#include <string.h>

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* w with 'A'..'Z' made lower case, eight bytes at once (bytes >= 0x80
 * kept; the range test is made on each byte's low seven bits, with no
 * carry from one byte into the next). */
static inline uint64_t lower8(uint64_t w)
{
	const uint64_t hi = 0x8080808080808080ULL;
	uint64_t h = w & ~hi;
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3fULL; /* 0x80 - 'A' */
	uint64_t gt_z = h + 0x2525252525252525ULL; /* 0x80 - 'Z' - 1 */
	return w | (((ge_a & ~gt_z & ~w) & hi) >> 2);
}

int mh_slice_ieq(struct mh_slice a, struct mh_slice b)
{
	if (a.n != b.n)
		return 0;
	/* Names compared for every record (operations, parameters): eight
	 * bytes a step. */
	size_t i = 0;
	for (; i + 8 <= a.n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a.p + i, 8);
		memcpy(&y, b.p + i, 8);
		if (x != y && lower8(x) != lower8(y))
			return 0;
	}
	for (; i < a.n; i++)
		if (lc((unsigned char)a.p[i]) != lc((unsigned char)b.p[i]))
			return 0;
	return 1;
}

int mh_slice_istarts(struct mh_slice a, const char *prefix)
{
	size_t i = 0;
	for (; prefix[i]; i++) {
		if (i >= a.n)
			return 0;
		if (lc((unsigned char)a.p[i]) != lc((unsigned char)prefix[i]))
			return 0;
	}
	return 1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct mh_slice mh_slice_trim(struct mh_slice s)
{
	while (s.n && is_ws(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_ws(s.p[s.n - 1]))
		s.n--;
	return s;
}

size_t mh_slice_ifind(struct mh_slice hay, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0)
		return 0;
	if (m > hay.n)
		return (size_t)-1;
	unsigned char f = lc((unsigned char)needle[0]);
	for (size_t i = 0; i + m <= hay.n; i++) {
		if (lc((unsigned char)hay.p[i]) != f)
			continue;
		size_t j = 1;
		while (j < m && lc((unsigned char)hay.p[i + j]) ==
		                        lc((unsigned char)needle[j]))
			j++;
		if (j == m)
			return i;
	}
	return (size_t)-1;
}
