#include "cmd/scan_stats.h"

#include <inttypes.h>

#include "event/event.h"
#include "readers/reader.h"

void mh_scan_stats_add(struct mh_scan_stats *a, const struct mh_scan_stats *b)
{
	a->files += b->files;
	a->files_failed += b->files_failed;
	a->files_unknown += b->files_unknown;
	a->files_dup += b->files_dup;
	a->bytes += b->bytes;
	a->events += b->events;
	a->dups += b->dups;
	a->passed += b->passed;
	for (int i = 0; i < MH_SKIP__COUNT; i++)
		a->skipped[i] += b->skipped[i];
	for (int i = 0; i < 8; i++) {
		a->per_reader[i] += b->per_reader[i];
		a->per_kind[i] += b->per_kind[i];
	}
	for (int i = 0; i < MH_AS__COUNT; i++)
		a->per_shape[i] += b->per_shape[i];
}

uint64_t mh_scan_stats_skipped(const struct mh_scan_stats *s)
{
	uint64_t n = 0;
	for (int i = 0; i < MH_SKIP__COUNT; i++)
		n += s->skipped[i];
	return n;
}

static void human_bytes(uint64_t b, char *out, size_t n)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	int u = 0;
	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(out, n, "%" PRIu64 " B", b);
	else
		snprintf(out, n, "%.1f %s", v, unit[u]);
}

/* "events: 3 messages, 120 audit, 2 records" (after duplicates). */
static void print_kinds(FILE *f, const struct mh_scan_stats *s)
{
	fputs("mailhunt: events:", f);
	const char *sep = " ";
	if (s->per_kind[MH_EV_MAIL]) {
		fprintf(f, "%s%" PRIu64 " messages", sep,
		        s->per_kind[MH_EV_MAIL]);
		sep = ", ";
	}
	if (s->per_kind[MH_EV_AUDIT]) {
		fprintf(f, "%s%" PRIu64 " audit", sep,
		        s->per_kind[MH_EV_AUDIT]);
		sep = ", ";
	}
	if (s->per_kind[MH_EV_WINEVENT]) {
		fprintf(f, "%s%" PRIu64 " Windows events", sep,
		        s->per_kind[MH_EV_WINEVENT]);
		sep = ", ";
	}
	if (s->per_kind[MH_EV_RECORD]) {
		fprintf(f,
		        "%s%" PRIu64 " records of no known kind (fields only)",
		        sep, s->per_kind[MH_EV_RECORD]);
		sep = ", ";
	}
	if (*sep == ' ')
		fputs(" none", f);
	fputc('\n', f);
}

/* Records read per reader and audit records read per shape. The copies
 * of a duplicated record count in every export that holds them: which
 * copy became the event depends on the threads. */
static void print_sources(FILE *f, const struct mh_scan_stats *s)
{
	const char *end = s->dups ? " (duplicates included)\n" : "\n";
	/* The labels avoid "records read", which scripts grep for the
	 * totals line. */
	const char *sep = "mailhunt: by reader: ";
	int any = 0;
	for (int i = 0; i < 8 && mh_readers[i]; i++) {
		if (!s->per_reader[i])
			continue;
		fprintf(f, "%s%s %" PRIu64, sep, mh_readers[i]->name,
		        s->per_reader[i]);
		sep = ", ";
		any = 1;
	}
	if (any)
		fputs(end, f);
	sep = "mailhunt: audit by source: ";
	any = 0;
	for (int i = 1; i < MH_AS__COUNT; i++) {
		if (!s->per_shape[i])
			continue;
		fprintf(f, "%s%s %" PRIu64, sep, mh_audit_shape_name(i),
		        s->per_shape[i]);
		sep = ", ";
		any = 1;
	}
	if (any)
		fputs(end, f);
}

void mh_scan_stats_print(FILE *f, const struct mh_scan_stats *s,
                         double elapsed_s, size_t nfindings)
{
	char hb[32];
	human_bytes(s->bytes, hb, sizeof(hb));
	uint64_t skipped = mh_scan_stats_skipped(s);
	uint64_t records = s->events + skipped + s->dups;
	/* Mail only: the summary of the mail stores, word for word. */
	int mail_only = s->dups == 0 && s->per_kind[MH_EV_MAIL] == s->events;
	fprintf(f,
	        "mailhunt: %" PRIu64 " files (%" PRIu64 " unreadable, %" PRIu64
	        " of unknown type",
	        s->files + s->files_unknown, s->files_failed, s->files_unknown);
	if (s->files_dup)
		fprintf(f, ", %" PRIu64 " given twice, read once",
		        s->files_dup);
	fprintf(f, "), %s\n", hb);
	fprintf(f,
	        "mailhunt: %" PRIu64 " records read = %" PRIu64 " %s + %" PRIu64
	        " skipped",
	        records, s->events, mail_only ? "messages" : "events", skipped);
	if (skipped) {
		const char *sep = " (";
		for (int i = 1; i < MH_SKIP__COUNT; i++) {
			if (!s->skipped[i])
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, mh_skip_reason_name(i),
			        s->skipped[i]);
			sep = ", ";
		}
		fputc(')', f);
	}
	if (s->dups)
		fprintf(f,
		        " + %" PRIu64 " duplicates (the same record read "
		        "before, dropped)",
		        s->dups);
	fputc('\n', f);
	if (!mail_only)
		print_kinds(f, s);
	if (s->passed)
		fprintf(f,
		        "mailhunt: %" PRIu64
		        " records passed over unparsed: no "
		        "analytic reads their operation%s",
		        s->passed, s->dups ? " (duplicates included)\n" : "\n");
	print_sources(f, s);
	double mbps = elapsed_s > 0 ? (double)s->bytes / 1e6 / elapsed_s : 0;
	fprintf(f, "mailhunt: %zu findings in %.2f s (%.0f MB/s)\n", nfindings,
	        elapsed_s, mbps);
}
