/* scan_dump.c - --dump-events lines of later byte ranges, held until
 * their ranges are numbered (scan_dump.h). */
#include "cmd/scan_dump.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "writers/events.h"

/* A dumped line's numbers as written for an event whose index and line
 * are not known (events.h): replaced when the line is written out. A
 * string value cannot hold this text (its quotes would be escaped), and
 * "file" (a string) and "offset" (a number) come before it, so the first
 * place it occurs is the keys'. */
static const char NUMBERS[] = ",\"line\":null,\"record\":null";
#define NUMBERS_LEN (sizeof(NUMBERS) - 1)

/* The largest line held: as the workers' dump buffer. */
#define LINE_CAP ((size_t)64 << 20)

/* What the spill holds, one entry after the other: a range, then the
 * lines of its events. */
enum { E_RANGE = 'R', E_LINE = 'L' };

struct mh_dump_spill {
	FILE *f;
	int failed; /* the temporary file could not be made or written */
	char *path; /* the range the last line was in */
	uint64_t lo;
	struct mh_buf line;
};

int mh_dump_spill_new(struct mh_dump_spill **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return MH_ENOMEM;
	mh_buf_init(&(*out)->line, LINE_CAP);
	return MH_OK;
}

void mh_dump_spill_free(struct mh_dump_spill *sp)
{
	if (!sp)
		return;
	if (sp->f)
		fclose(sp->f);
	free(sp->path);
	mh_buf_release(&sp->line);
	free(sp);
}

/* The temporary file, made unlinked: nothing is left behind. */
static int ready(struct mh_dump_spill *sp)
{
	if (sp->f || sp->failed)
		return !sp->failed;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/mailhunt-dump-XXXXXX", dir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	}
	if (fd >= 0 && !(sp->f = fdopen(fd, "w+b")))
		close(fd);
	sp->failed = !sp->f;
	return !sp->failed;
}

static int put(struct mh_dump_spill *sp, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, sp->f) != n)
		sp->failed = 1;
	return sp->failed ? MH_EIO : MH_OK;
}

static int get(FILE *f, void *p, size_t n)
{
	return n == 0 || fread(p, 1, n, f) == n ? MH_OK : MH_EIO;
}

int mh_dump_spill_add(struct mh_dump_spill *sp, const char *path, uint64_t lo,
                      const struct mh_event *ev)
{
	struct mh_event d = *ev;
	uint64_t index = ev->index;
	uint32_t line = ev->line;
	d.index = UINT64_MAX; /* written as null, replaced in _write */
	d.line = 0;
	mh_buf_reset(&sp->line);
	int rc = mh_event_jsonl(&d, 1, &sp->line);
	if (rc == MH_ETOOBIG) {
		/* A line over the cap: the event without fields (as the
		 * dump does). */
		mh_buf_reset(&sp->line);
		rc = mh_event_jsonl(&d, 0, &sp->line);
	}
	if (rc != MH_OK)
		return rc == MH_ENOMEM ? MH_ENOMEM : MH_EIO;
	if (!ready(sp))
		return MH_EIO;
	if (!sp->path || sp->lo != lo || strcmp(sp->path, path) != 0) {
		char *p = strdup(path);
		if (!p)
			return MH_ENOMEM;
		free(sp->path);
		sp->path = p;
		sp->lo = lo;
		uint32_t n = (uint32_t)strlen(path);
		char k = E_RANGE;
		put(sp, &k, 1);
		put(sp, &lo, sizeof(lo));
		put(sp, &n, sizeof(n));
		put(sp, path, n);
	}
	const char *at = memmem(sp->line.p, sp->line.len, NUMBERS, NUMBERS_LEN);
	uint32_t len = (uint32_t)sp->line.len,
	         pos = at ? (uint32_t)(at - sp->line.p) : UINT32_MAX;
	char k = E_LINE;
	put(sp, &k, 1);
	put(sp, &index, sizeof(index));
	put(sp, &line, sizeof(line));
	put(sp, &pos, sizeof(pos));
	put(sp, &len, sizeof(len));
	return put(sp, sp->line.p, len);
}

/* One held line to out: its numbers made the file's (base_ok: the
 * counts of the ranges before are known). */
static int write_line(FILE *out, const struct mh_buf *b, uint32_t pos,
                      uint64_t index, uint32_t line, int base_ok,
                      uint64_t base_records, uint64_t base_lines)
{
	if (pos == UINT32_MAX || pos > b->len - NUMBERS_LEN)
		return fwrite(b->p, 1, b->len, out) == b->len ? MH_OK : MH_EIO;
	char num[80];
	uint64_t l = line ? line + base_lines : 0;
	if (!base_ok)
		snprintf(num, sizeof(num), "%s", NUMBERS);
	else if (l && l <= UINT32_MAX)
		snprintf(num, sizeof(num),
		         ",\"line\":%" PRIu64 ",\"record\":%" PRIu64, l,
		         index + base_records + 1);
	else
		snprintf(num, sizeof(num), ",\"line\":null,\"record\":%" PRIu64,
		         index + base_records + 1);
	size_t rest = b->len - pos - NUMBERS_LEN;
	if (fwrite(b->p, 1, pos, out) != pos || fputs(num, out) == EOF ||
	    fwrite(b->p + pos + NUMBERS_LEN, 1, rest, out) != rest)
		return MH_EIO;
	return MH_OK;
}

int mh_dump_spill_write(struct mh_dump_spill *sp,
                        const struct mh_scan_ranges *rs, FILE *out)
{
	if (!sp || !sp->f)
		return MH_OK; /* nothing held (no file: dumped unnumbered) */
	if (sp->failed || fflush(sp->f) != 0 || fseek(sp->f, 0, SEEK_SET))
		return MH_EIO;
	char *path = NULL;
	int base_ok = 0, rc = MH_OK;
	uint64_t base_records = 0, base_lines = 0;
	for (;;) {
		int k = fgetc(sp->f);
		if (k == EOF) {
			rc = ferror(sp->f) ? MH_EIO : MH_OK;
			break;
		}
		if (k == E_RANGE) {
			uint64_t lo;
			uint32_t n;
			if ((rc = get(sp->f, &lo, sizeof(lo))) ||
			    (rc = get(sp->f, &n, sizeof(n))))
				break;
			free(path);
			if (!(path = malloc((size_t)n + 1))) {
				rc = MH_ENOMEM;
				break;
			}
			if ((rc = get(sp->f, path, n)))
				break;
			path[n] = '\0';
			base_ok = mh_scan_ranges_base(
			        rs, path, lo, &base_records, &base_lines);
			continue;
		}
		uint64_t index;
		uint32_t line, pos, len;
		if (k != E_LINE || (rc = get(sp->f, &index, sizeof(index))) ||
		    (rc = get(sp->f, &line, sizeof(line))) ||
		    (rc = get(sp->f, &pos, sizeof(pos))) ||
		    (rc = get(sp->f, &len, sizeof(len)))) {
			rc = rc ? rc : MH_EIO;
			break;
		}
		mh_buf_reset(&sp->line);
		if ((rc = mh_buf_reserve(&sp->line, len)) ||
		    (rc = get(sp->f, sp->line.p, len)))
			break;
		sp->line.len = len;
		sp->line.p[len] = '\0'; /* buf.h's invariant */
		if ((rc = write_line(out, &sp->line, pos, index, line, base_ok,
		                     base_records, base_lines)))
			break;
	}
	free(path);
	return rc == MH_ENOMEM ? MH_ENOMEM : rc ? MH_EIO : MH_OK;
}
