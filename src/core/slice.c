#include "core/slice.h"

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

int mh_slice_ieq(struct mh_slice a, struct mh_slice b)
{
	if (a.n != b.n)
		return 0;
	for (size_t i = 0; i < a.n; i++)
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
