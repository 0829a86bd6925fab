/* scan_ranges.c - record numbers and lines of a file read in byte ranges
 * (scan_ranges.h). */
#include "cmd/scan_ranges.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct range {
	char *path;
	uint64_t lo;
	int set;     /* the range was opened: c.first is known */
	int counted; /* it was read to its end: c is known */
	struct mh_range_count c;
	/* Made by _fix: what the ranges before it hold, and whether all of
	 * them were read to their end. */
	uint64_t base_records, base_lines;
	int base_ok;
};

struct mh_scan_ranges {
	pthread_mutex_t mu;
	struct range *v;
	size_t n, cap;
};

int mh_scan_ranges_new(struct mh_scan_ranges **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MH_ENOMEM;
	pthread_mutex_init(&(*out)->mu, NULL);
	return MH_OK;
}

void mh_scan_ranges_free(struct mh_scan_ranges *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].path);
	free(rs->v);
	pthread_mutex_destroy(&rs->mu);
	free(rs);
}

int mh_scan_ranges_add(struct mh_scan_ranges *rs, const char *path, uint64_t lo)
{
	char *p = strdup(path);
	if (!p)
		return MH_ENOMEM;
	pthread_mutex_lock(&rs->mu);
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct range *v = realloc(rs->v, cap * sizeof(*v));
		if (!v || rs->n >= (size_t)INT32_MAX) {
			free(v == rs->v ? NULL : v);
			pthread_mutex_unlock(&rs->mu);
			free(p);
			return MH_ENOMEM;
		}
		rs->v = v;
		rs->cap = cap;
	}
	int slot = (int)rs->n++;
	memset(&rs->v[slot], 0, sizeof(rs->v[slot]));
	rs->v[slot].path = p;
	rs->v[slot].lo = lo;
	pthread_mutex_unlock(&rs->mu);
	return slot;
}

void mh_scan_ranges_set(struct mh_scan_ranges *rs, int slot, int counted,
                        const struct mh_range_count *c)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&rs->mu);
	rs->v[slot].set = 1;
	rs->v[slot].counted = counted;
	rs->v[slot].c = *c;
	pthread_mutex_unlock(&rs->mu);
}

static int by_path_lo(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The first range of path in the sorted table, or NULL. */
static const struct range *find_file(const struct mh_scan_ranges *rs,
                                     const char *path, size_t *count)
{
	size_t lo = 0, hi = rs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(rs->v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t e = lo;
	while (e < rs->n && !strcmp(rs->v[e].path, path))
		e++;
	*count = e - lo;
	return e > lo ? &rs->v[lo] : NULL;
}

static void fix_one(const struct mh_scan_ranges *rs, struct mh_evidence *e)
{
	if (!e->file || (!e->record && !e->line))
		return;
	size_t n;
	const struct range *f = find_file(rs, e->file, &n);
	if (!f || f[0].lo != 0)
		return;
	/* The last range whose first record is at or before the evidence
	 * (a range without records has none). */
	const struct range *own = NULL;
	for (size_t k = 1; k < n; k++) {
		if (!f[k].set) {
			/* Where its records start is not known: cleared rather
			 * than numbered wrong (also some of the range before,
			 * whose last record may lie past lo). */
			if (e->offset >= f[k].lo)
				own = &f[k];
			break;
		}
		if (f[k].c.first != UINT64_MAX && f[k].c.first <= e->offset)
			own = &f[k];
	}
	if (!own)
		return; /* the first range: numbered as the file is */
	if (!own->set || !own->base_ok) {
		e->record = 0;
		e->line = 0;
		return;
	}
	if (e->record)
		e->record += own->base_records;
	if (e->line) {
		uint64_t l = e->line + own->base_lines;
		e->line = l > UINT32_MAX ? 0 : (unsigned)l;
	}
}

void mh_scan_ranges_fix(struct mh_scan_ranges *rs, struct mh_findings *fs)
{
	if (!rs || !rs->n)
		return;
	qsort(rs->v, rs->n, sizeof(*rs->v), by_path_lo);
	for (size_t i = 0; i < rs->n; i++) {
		struct range *r = &rs->v[i];
		struct range *prev =
		        i && !strcmp(rs->v[i - 1].path, r->path) ? r - 1 : NULL;
		if (!prev) {
			r->base_ok = 1;
			continue;
		}
		r->base_ok = prev->base_ok && prev->counted;
		r->base_records = prev->base_records + prev->c.records;
		r->base_lines = prev->base_lines + prev->c.lines;
	}
	for (size_t i = 0; i < fs->n; i++)
		for (size_t k = 0; k < fs->v[i]->nevidence; k++)
			fix_one(rs, &fs->v[i]->evidence[k]);
}

int mh_scan_ranges_base(const struct mh_scan_ranges *rs, const char *path,
                        uint64_t lo, uint64_t *records, uint64_t *lines)
{
	size_t n;
	const struct range *f = find_file(rs, path, &n);
	for (size_t k = 0; f && k < n; k++) {
		if (f[k].lo != lo)
			continue;
		if (f[0].lo != 0 || !f[k].base_ok)
			return 0;
		*records = f[k].base_records;
		*lines = f[k].base_lines;
		return 1;
	}
	return 0;
}
