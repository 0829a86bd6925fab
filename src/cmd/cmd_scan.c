/* cmd_scan.c - `mailhunt scan`: walk inputs, read them on worker threads,
 * run the forwarding analysis, write findings.
 *
 * Threads: the main thread walks the inputs and feeds a bounded job queue;
 * each worker owns a reader at a time and its own analysis accumulator, so
 * the hot path takes no lock. Large mboxes, JSON Lines and CSV files are
 * cut into byte ranges that their readers align to record boundaries (a
 * CSV reader says where before the ranges are made: reader.h align). The
 * same audit record read twice (overlapping exports) is dropped by its
 * dedup key in a set all workers share (core/keyset.h). At the end the
 * accumulators are merged (the result does not depend on the split) and
 * written.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analytics/analytic.h"
#include "analytics/forwarding.h"
#include "cmd/cmd.h"
#include "cmd/scan_opts.h"
#include "cmd/scan_dump.h"
#include "cmd/scan_ranges.h"
#include "cmd/scan_stats.h"
#include "core/dirref.h"
#include "core/escape.h"
#include "core/keyset.h"
#include "core/outpath.h"
#include "core/stream.h"
#include "core/time.h"
#include "event/audit.h"
#include "readers/reader.h"
#include "readers/record/rawop.h"
#include "readers/walk.h"
#include "writers/events.h"
#include "rules/sigma/sigma.h"
#include "writers/writer.h"

#define MAX_ANALYTICS 8
#define QUEUE_CAP     1024
/* A plain mbox, JSON Lines or CSV file at least this big is split into
 * ranges for the workers. */
#define CHUNK_MIN ((uint64_t)64 << 20)

struct job {
	struct mh_source src;
	const struct mh_reader_ops *ops;
	char *path, *mailbox, *folder; /* owned copies for src */
	int range_slot; /* scan_ranges.h slot of a split file's range, or -1 */
	int reopenable; /* a file the reader opens by path (not a stream) */
	int deferred;   /* put back once already: read it now */
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	struct job *v[QUEUE_CAP];
	size_t head, n;
	unsigned get_waiting; /* workers blocked in queue_get */
	int put_waiting;      /* the walker is blocked in queue_put */
	int closed;
	/* Exports that keep only part of each record (a Sentinel table) are
	 * read after every other input has been: a record also exported in
	 * full is then always judged from its full copy, and the partial one
	 * is the duplicate, whatever the threads and the order of the inputs
	 * (audit.h mh_audit_shape_partial). */
	struct job **later;
	size_t nlater, alater;
	unsigned active; /* jobs taken and not yet done */
};

struct scan;

struct worker {
	pthread_t tid;
	struct scan *scan;
	void *acc[MAX_ANALYTICS]; /* one accumulator per entry of an[] */
	struct mh_scan_stats st;
	struct mh_buf dump;          /* --dump-events lines not yet written */
	struct mh_dump_spill *spill; /* and those of later ranges */
	int internal_error;
	/* the scan's, with audit_raw_ctx this worker */
	struct mh_reader_opts ropts;
};

struct scan {
	struct scan_opts o;
	struct queue q;
	struct mh_reader_opts ropts;
	const struct mh_analytic_ops *an[MAX_ANALYTICS]; /* the analytics run */
	size_t nan;
	pthread_mutex_t err_mu; /* serialises diagnostics on stderr */
	/* Progress, read by the progress thread while the walker and the
	 * workers update it. */
	atomic_uint_fast64_t bytes_done;
	atomic_uint_fast64_t bytes_total; /* input sizes seen by the walker */
	atomic_uint_fast64_t jobs_total, jobs_done;
	atomic_int size_unknown; /* a job without a size (Maildir entries) */
	struct mh_scan_stats walk_st;
	struct mh_keyset *seen;        /* dedup keys of the records read */
	struct mh_scan_ranges *ranges; /* split files' ranges */
	/* MH_TEST_CHUNK (bytes; tests only): split files this big and
	 * larger into ranges this big, to test the ranges on small files.
	 * 0: the sizes above. */
	uint64_t test_chunk;
	FILE *dump; /* --dump-events, or NULL */
	/* With the literal prefilter on: the operations each analytic reads
	 * (owner bit a for an[a]), so that a record is handed only to the
	 * analytics that read it (the others see it as passed over); NULL
	 * when off. */
	struct mh_rawop_set *ops_of;
	uint32_t *ops_own; /* the owner mask of each name of the list the
	                    * readers get (reader.h audit_owners) */
	/* The analytics that judge records by their text (audit_raw: the
	 * Sigma rules), an owner bit each: they read every record parsed. */
	uint32_t raw_owners;
	pthread_mutex_t dump_mu;
	int dump_failed;
};

/* MARK: - the literal prefilter */

/* The union of the analytics' audit operations (analytic.h audit_ops)
 * in *out (NULL-terminated, owned by the caller) and s->ops_of (which
 * analytic reads which), or *out NULL when one analytic reads every
 * audit record, --dump-events writes every event in full, or only
 * analytics that judge records by their text (the Sigma rules,
 * audit_raw) run. MH_OK or MH_ENOMEM. */
static int prefilter_ops(struct scan *s, const struct mh_analytic_conf *conf,
                         const char ***out)
{
	*out = NULL;
	if (s->o.dump_path)
		return MH_OK;
	const char *const *lists[MAX_ANALYTICS];
	size_t n = 0;
	int asks = 0;
	for (size_t a = 0; a < s->nan; a++) {
		if (!s->an[a]->audit_ops)
			return MH_OK;
		lists[a] = s->an[a]->audit_ops(conf);
		if (!lists[a])
			return MH_OK;
		for (size_t i = 0; lists[a][i]; i++)
			n++;
		if (s->an[a]->audit_raw) {
			asks = 1;
			s->raw_owners |= (uint32_t)1 << a;
		}
	}
	/* Rules alone (--no-builtin): every record is parsed, so that each
	 * keeps its full dedup key (a record passed over is known by Id,
	 * time and operation only, which test fixtures reuse). */
	if (n == 0 && asks)
		return MH_OK;
	const char **v = calloc(n + 1, sizeof(*v));
	uint32_t *own = calloc(n + 1, sizeof(*own));
	s->ops_of = malloc(sizeof(*s->ops_of));
	if (!v || !own || !s->ops_of) {
		free(v);
		free(own);
		free(s->ops_of);
		s->ops_of = NULL;
		return MH_ENOMEM;
	}
	n = 0;
	for (size_t a = 0; a < s->nan; a++)
		for (size_t i = 0; lists[a][i]; i++) {
			own[n] = (uint32_t)1 << a;
			v[n++] = lists[a][i];
		}
	mh_rawop_set_init_owned(s->ops_of, v, own, 0);
	s->ops_own = own;
	if (!s->ops_of->on) { /* too many to hand out: everyone reads all */
		free(s->ops_of);
		s->ops_of = NULL;
	}
	*out = v;
	return MH_OK;
}

/* reader.h audit_raw: a record the lists pass over is parsed after all
 * when an analytic's audit_raw wants it (the Sigma rules). */
static int audit_raw(void *ctx, struct mh_slice text, int csv,
                     const struct mh_rawop *o)
{
	struct worker *w = ctx;
	const struct scan *s = w->scan;
	for (size_t a = 0; a < s->nan; a++)
		if (s->an[a]->audit_raw &&
		    s->an[a]->audit_raw(w->acc[a], text, csv, o))
			return 1;
	return 0;
}

/* Which analytics read ev (owner bits of an[]): every one, but for a
 * Microsoft 365 activity record with the prefilter on only those whose
 * list holds its operation (the rest would pass it over unparsed: the
 * analytic.h contract of audit_ops) and those that judge records by
 * their text (audit_raw: they read every record parsed). */
static uint32_t readers_of(const struct scan *s, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (!s->ops_of || !a || a->source != MH_AUDIT_M365 || a->snapshot ||
	    !a->operation.n)
		return UINT32_MAX;
	/* the reader's look-up in the same lists (reader.h audit_owners) */
	if (a->owners_known)
		return a->owners | s->raw_owners;
	return mh_rawop_owners(s->ops_of, a->operation, a->record_type) |
	       s->raw_owners;
}

/* MARK: - diagnostics */

static void diag(struct scan *s, const struct mh_err *err, const char *path)
{
	if (s->o.quiet > 1)
		return;
	struct mh_buf b = MH_BUF_INIT(4096);
	const char *file = err->src ? err->src : path;
	mh_escape_term(file, strlen(file), 0, &b);
	pthread_mutex_lock(&s->err_mu);
	if (s->o.progress == 1)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "mailhunt: %s", mh_buf_cstr(&b));
	if (err->line)
		fprintf(stderr, ":%u", err->line);
	fprintf(stderr, ": offset %" PRIu64 ": ", err->offset);
	mh_buf_reset(&b);
	mh_escape_term(err->msg, strlen(err->msg), 0, &b);
	fprintf(stderr, "%s\n", mh_buf_cstr(&b));
	pthread_mutex_unlock(&s->err_mu);
	mh_buf_release(&b);
}

/* The writers report MH_EIO from the stdio stream; errno still says why
 * (ENOSPC, EPIPE, EIO). */
static void write_error(const char *path)
{
	int e = errno;
	struct mh_buf b = MH_BUF_INIT(4096);
	const char *name = path ? path : "standard output";
	mh_escape_term(name, strlen(name), 0, &b);
	fprintf(stderr, "mailhunt: cannot write output to %s: %s\n",
	        mh_buf_cstr(&b), e ? strerror(e) : "write error");
	mh_buf_release(&b);
}

/* MARK: - job queue */

static void queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->can_put, NULL);
	pthread_cond_init(&q->can_get, NULL);
}

static void job_free(struct job *j);

static void queue_destroy(struct queue *q)
{
	for (size_t i = 0; i < q->nlater; i++)
		job_free(q->later[i]);
	free(q->later);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->can_put);
	pthread_cond_destroy(&q->can_get);
}

/* The walker is far faster than the workers on small files. Waking it for
 * every job taken (and a worker for every job put) cost a futex round trip
 * per Maildir message; with hysteresis a full queue wakes the walker only
 * once it is half empty, and workers are signalled only when one waits. */
static void queue_put(struct queue *q, struct job *j)
{
	pthread_mutex_lock(&q->mu);
	if (q->n == QUEUE_CAP) {
		q->put_waiting = 1;
		while (q->n > QUEUE_CAP / 2)
			pthread_cond_wait(&q->can_put, &q->mu);
		q->put_waiting = 0;
	}
	q->v[(q->head + q->n) % QUEUE_CAP] = j;
	q->n++;
	if (q->get_waiting)
		pthread_cond_signal(&q->can_get);
	pthread_mutex_unlock(&q->mu);
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->can_get);
	pthread_mutex_unlock(&q->mu);
}

/* NULL when the queue is closed and empty, no job is running and none
 * is put back for later. A job taken is ended with queue_done. */
static struct job *queue_get(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	struct job *j = NULL;
	for (;;) {
		if (q->n) {
			j = q->v[q->head];
			q->head = (q->head + 1) % QUEUE_CAP;
			q->n--;
			if (q->put_waiting && q->n <= QUEUE_CAP / 2)
				pthread_cond_signal(&q->can_put);
			break;
		}
		if (q->closed && !q->active) {
			if (q->nlater) /* everything else is read */
				j = q->later[--q->nlater];
			break;
		}
		q->get_waiting++;
		pthread_cond_wait(&q->can_get, &q->mu);
		q->get_waiting--;
	}
	if (j)
		q->active++;
	pthread_mutex_unlock(&q->mu);
	return j;
}

/* The end of a job taken with queue_get. */
static void queue_done(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	if (--q->active == 0 && q->closed)
		pthread_cond_broadcast(&q->can_get);
	pthread_mutex_unlock(&q->mu);
}

/* Put j back to be read once every other job is done. 0, or -1 when out
 * of memory (j is then read now). */
static int queue_defer(struct queue *q, struct job *j)
{
	pthread_mutex_lock(&q->mu);
	int rc = 0;
	if (q->nlater == q->alater) {
		size_t na = q->alater ? q->alater * 2 : 8;
		struct job **v = realloc(q->later, na * sizeof(*v));
		if (!v)
			rc = -1;
		else {
			q->later = v;
			q->alater = na;
		}
	}
	if (!rc) {
		j->deferred = 1;
		q->later[q->nlater++] = j;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	mh_dirref_put(j->src.dir);
	mh_stream_close(j->src.stream); /* never handed to a reader */
	free(j->path);
	free(j->mailbox);
	free(j->folder);
	free(j);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct job *job_new(const struct mh_source *src,
                           const struct mh_reader_ops *ops)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->src = *src;
	j->src.dir = NULL; /* both taken below, once the copies exist */
	j->src.stream = NULL;
	j->ops = ops;
	j->range_slot = -1;
	j->reopenable = src->stream == NULL;
	j->path = dup_or_null(src->path);
	j->mailbox = dup_or_null(src->mailbox);
	j->folder = dup_or_null(src->folder);
	if (!j->path || (src->mailbox && !j->mailbox) ||
	    (src->folder && !j->folder)) {
		job_free(j);
		return NULL;
	}
	j->src.path = j->path;
	j->src.mailbox = j->mailbox;
	j->src.folder = j->folder;
	/* The name is the tail of the path; the job keeps the directory. */
	j->src.dir = mh_dirref_get(src->dir);
	j->src.stream = src->stream; /* the job owns it from here */
	j->src.name =
	        src->dir ? j->path + strlen(j->path) - strlen(src->name) : NULL;
	return j;
}

/* MARK: - workers */

static int reader_index(const struct mh_reader_ops *ops)
{
	for (int i = 0; i < 8 && mh_readers[i]; i++)
		if (mh_readers[i] == ops)
			return i;
	return 7;
}

static int in_window(const struct scan_opts *o, int64_t ts)
{
	if (o->since == MH_TS_NONE && o->until == MH_TS_NONE)
		return 1;
	if (ts == MH_TS_NONE)
		return 1; /* undated mail is kept: it may be the evidence */
	if (o->since != MH_TS_NONE && ts < o->since)
		return 0;
	if (o->until != MH_TS_NONE && ts >= o->until)
		return 0;
	return 1;
}

/* --dump-events: the worker's lines go out in blocks, under a lock. */
static void dump_flush(struct worker *w)
{
	struct scan *s = w->scan;
	if (!w->dump.len)
		return;
	pthread_mutex_lock(&s->dump_mu);
	if (fwrite(w->dump.p, 1, w->dump.len, s->dump) != w->dump.len)
		s->dump_failed = 1;
	pthread_mutex_unlock(&s->dump_mu);
	mh_buf_reset(&w->dump);
}

static void dump_event(struct worker *w, const struct mh_event *ev)
{
	size_t before = w->dump.len;
	if (mh_event_jsonl(ev, 1, &w->dump) != MH_OK) {
		/* A line over the buffer's cap: the event without fields. */
		mh_buf_truncate(&w->dump, before);
		dump_flush(w);
		if (mh_event_jsonl(ev, 0, &w->dump) != MH_OK)
			mh_buf_truncate(&w->dump, 0);
	}
	if (w->dump.len >= ((size_t)1 << 20))
		dump_flush(w);
}

/* An event of j to the dump: one of a later range of a split file waits
 * for the ranges before it to be counted (scan_dump.h); when it cannot
 * wait, it goes now without record and line (not known yet). */
static void dump_job_event(struct worker *w, const struct job *j,
                           const struct mh_event *ev)
{
	if (j->range_slot < 0 || j->src.range_start == 0) {
		dump_event(w, ev);
		return;
	}
	int rc = mh_dump_spill_add(w->spill, j->path, j->src.range_start, ev);
	if (rc == MH_OK)
		return;
	if (rc == MH_ENOMEM)
		w->internal_error = 1;
	struct mh_event d = *ev;
	d.index = UINT64_MAX;
	d.line = 0;
	dump_event(w, &d);
}

/* Position p of a reader working on range [lo, hi) clamped to it: a chunk
 * reader scans a little before its first record and reads past hi to
 * finish its last one, but each byte is counted by exactly one chunk. */
static uint64_t clamp_pos(uint64_t p, uint64_t lo, uint64_t hi)
{
	return p < lo ? lo : p > hi ? hi : p;
}

/* Add the event's record to the set of records seen: 1 new, 0 seen
 * before (keyset.h; out of memory counts as new). By the hash the reader
 * made when it has one (event.h record_hash: the slot was asked for
 * while the record was read). */
static int seen_add(struct scan *s, const struct mh_event *ev)
{
	if (ev->record_hashed)
		return mh_keyset_add_h(s->seen, &ev->record_hash);
	return mh_keyset_add(s->seen, ev->record_id.p, ev->record_id.n);
}

/* 1 when j was put back to be read later (queue_defer), else 0. */
/* A record the reader passed over unparsed (the literal prefilter): a
 * duplicate, filtered by time, or an event no analytic needs. */
static void passed_over(struct worker *w, const struct mh_event *ev)
{
	struct scan *s = w->scan;
	/* The shape the reader saw (API JSON, a Purview row). */
	if (ev->unparsed > 0 && ev->unparsed < MH_AS__COUNT)
		w->st.per_shape[ev->unparsed]++;
	/* Counted before duplicates are dropped, like the shapes: which
	 * copy of a record is read first (and so which is parsed) depends
	 * on the threads. */
	w->st.passed++;
	if (ev->record_id.n && seen_add(s, ev) == 0) {
		w->st.dups++;
		return;
	}
	if (!in_window(&s->o, ev->ts)) {
		w->st.skipped[MH_SKIP_FILTERED]++;
		return;
	}
	w->st.events++;
	w->st.per_kind[ev->kind & 7]++;
	for (size_t a = 0; a < s->nan; a++)
		if (s->an[a]->passed_over)
			s->an[a]->passed_over(w->acc[a], ev);
}

static int run_job(struct worker *w, struct job *j)
{
	struct scan *s = w->scan;
	struct mh_reader *r = NULL;
	struct mh_err err;
	const uint64_t lo = j->src.range_start, hi = j->src.range_end;
	uint64_t last_pos = lo;
	int ri = reader_index(j->ops);

	mh_err_clear(&err);
	int rc = j->ops->open(&r, &j->src, &w->ropts, &err);
	j->src.stream = NULL; /* taken over by open, also on failure */
	/* A file read as several chunks is one file: the first chunk counts
	 * it (and its failure). */
	if (rc < 0) {
		if (lo == 0)
			w->st.files_failed++;
		w->st.skipped[MH_SKIP_UNREADABLE]++;
		w->st.per_reader[ri]++;
		diag(s, &err, j->path);
		goto done;
	}
	if (lo == 0)
		w->st.files++;
	int at_end = 0;
	for (int first = 1;; first = 0) {
		struct mh_event ev;
		memset(&ev, 0, sizeof(ev));
		mh_err_clear(&err);
		rc = j->ops->next(r, &ev, &err);
		if (rc == 0) {
			at_end = 1;
			break;
		}
		/* A partial export, found by its first record: read after
		 * the rest (queue.later), nothing of it counted yet. */
		if (first && rc > 0 && ev.audit && j->reopenable &&
		    !j->deferred && mh_audit_shape_partial(ev.audit->shape)) {
			j->ops->close(r);
			j->src.stream = NULL;
			if (queue_defer(&s->q, j) == 0) {
				if (lo == 0)
					w->st.files--;
				return 1;
			}
			/* Out of memory: read it now after all. */
			if (lo == 0)
				w->st.files--;
			j->deferred = 1;
			return run_job(w, j);
		}
		if (rc == MH_ESKIP) {
			int reason =
			        err.reason > 0 && err.reason < MH_SKIP__COUNT
			                ? err.reason
			                : MH_SKIP_MALFORMED;
			w->st.skipped[reason]++;
			w->st.per_reader[ri]++;
			diag(s, &err, j->path);
			continue;
		}
		if (rc < 0) {
			/* The rest of the file is lost: say so, count it. */
			w->st.files_failed++;
			w->st.skipped[err.reason > 0 && err.reason <
			                                        MH_SKIP__COUNT
			                      ? err.reason
			                      : MH_SKIP_UNREADABLE]++;
			w->st.per_reader[ri]++;
			diag(s, &err, j->path);
			break;
		}
		/* Records read per reader and shape, before duplicates are
		 * dropped: which copy of a record is read first depends on
		 * the threads, how many copies each export holds does not. */
		w->st.per_reader[ri]++;
		if (ev.unparsed) {
			passed_over(w, &ev);
			continue;
		}
		if (ev.audit && ev.audit->shape > 0 &&
		    ev.audit->shape < MH_AS__COUNT)
			w->st.per_shape[ev.audit->shape]++;
		/* The same record read before (another export, the same
		 * file twice): counted once. ENOMEM counts it as new. */
		if (ev.record_id.n && seen_add(s, &ev) == 0) {
			w->st.dups++;
			uint32_t rd = readers_of(s, &ev);
			for (size_t a = 0; a < s->nan && !w->internal_error &&
			                   in_window(&s->o, ev.ts);
			     a++) {
				if (!s->an[a]->duplicate ||
				    !(rd & ((uint32_t)1 << a)))
					continue;
				mh_err_clear(&err);
				rc = s->an[a]->duplicate(w->acc[a], &ev, &err);
				if (rc < 0) {
					diag(s, &err, j->path);
					if (rc == MH_ENOMEM)
						w->internal_error = 1;
				}
			}
			if (w->internal_error)
				break;
			continue;
		}
		if (!in_window(&s->o, ev.ts)) {
			w->st.skipped[MH_SKIP_FILTERED]++;
			continue;
		}
		w->st.events++;
		w->st.per_kind[ev.kind & 7]++;
		if (s->dump)
			dump_job_event(w, j, &ev);
		uint32_t rd = readers_of(s, &ev);
		for (size_t a = 0; a < s->nan && !w->internal_error; a++) {
			if (!(rd & ((uint32_t)1 << a))) {
				if (s->an[a]->passed_over)
					s->an[a]->passed_over(w->acc[a], &ev);
				continue;
			}
			mh_err_clear(&err);
			rc = s->an[a]->event(w->acc[a], &ev, &err);
			if (rc < 0) {
				diag(s, &err, j->path);
				if (rc == MH_ENOMEM)
					w->internal_error = 1;
			}
		}
		if (w->internal_error)
			break;
		if ((w->st.events & 1023) == 0) {
			uint64_t p = clamp_pos(j->ops->pos(r), lo, hi);
			atomic_fetch_add(&s->bytes_done, p - last_pos);
			last_pos = p;
		}
	}
	if (j->range_slot >= 0) {
		struct mh_range_count c = {UINT64_MAX, 0, 0};
		int counted = j->ops->range(r, &c) == 1 && at_end;
		mh_scan_ranges_set(s->ranges, j->range_slot, counted, &c);
	}
	uint64_t end = clamp_pos(j->ops->pos(r), lo, hi);
	atomic_fetch_add(&s->bytes_done, end - last_pos);
	atomic_fetch_add(&s->jobs_done, 1);
	w->st.bytes += end - lo;
done:
	if (r)
		j->ops->close(r);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *j;
	while ((j = queue_get(&w->scan->q)) != NULL) {
		int later = !w->internal_error && run_job(w, j);
		if (!later)
			job_free(j);
		queue_done(&w->scan->q);
	}
	if (w->scan->dump)
		dump_flush(w);
	return NULL;
}

/* MARK: - walking */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Where a file of size bytes is cut into ranges of about chunk bytes:
 * *out (malloc'd, ascending, each in (0, size)) and *n; for a reader
 * that places its cuts (reader.h align) where it puts them, or none when
 * it cannot read the file. MH_OK or MH_ENOMEM. */
static int cuts_of(struct scan *s, const struct mh_source *src,
                   const struct mh_reader_ops *ops, uint64_t chunk,
                   uint64_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	uint64_t want = (src->size - 1) / chunk;
	if (!want || want > SIZE_MAX / sizeof(uint64_t))
		return MH_OK;
	uint64_t *v = malloc((size_t)want * sizeof(*v));
	if (!v)
		return MH_ENOMEM;
	size_t k = (size_t)want;
	for (size_t i = 0; i < k; i++)
		v[i] = (i + 1) * chunk;
	if (ops->align) {
		/* Far enough to pass a long row, not so far that a file
		 * where no cut is sure costs the walker much. */
		uint64_t limit =
		        chunk < ((uint64_t)8 << 20) ? chunk : (uint64_t)8 << 20;
		struct mh_err err;
		mh_err_clear(&err);
		if (ops->align(src, &s->ropts, v, k, limit, &err) != MH_OK)
			k = 0; /* one range: its reader says what is wrong */
		qsort(v, k, sizeof(*v), cmp_u64);
		size_t m = 0;
		for (size_t i = 0; i < k; i++)
			if (v[i] < src->size && (!m || v[i] != v[m - 1]))
				v[m++] = v[i];
		k = m;
	}
	*out = v;
	*n = k;
	return MH_OK;
}

static int on_source(const struct mh_source *src,
                     const struct mh_reader_ops *ops, void *ctx)
{
	struct scan *s = ctx;
	atomic_fetch_add(&s->bytes_total, src->size);
	if (!src->size)
		atomic_store(&s->size_unknown, 1);
	uint64_t chunk = 0;
	if (ops->can_chunk && !src->gzip && !src->stream && s->o.jobs > 1 &&
	    src->size >= (s->test_chunk ? s->test_chunk : CHUNK_MIN)) {
		/* Several ranges per worker keeps them busy to the end. */
		chunk = src->size / ((uint64_t)s->o.jobs * 4);
		if (chunk < ((uint64_t)16 << 20))
			chunk = (uint64_t)16 << 20;
		if (s->test_chunk)
			chunk = s->test_chunk;
	}
	uint64_t *cuts = NULL;
	size_t ncuts = 0;
	if (chunk && cuts_of(s, src, ops, chunk, &cuts, &ncuts) != MH_OK) {
		mh_stream_close(src->stream);
		return MH_ENOMEM;
	}
	/* Ranges [0, cuts[0]), [cuts[0], cuts[1]), ... [cuts[n-1], end). */
	for (size_t i = 0; i <= ncuts; i++) {
		uint64_t start = i ? cuts[i - 1] : 0;
		struct mh_source part = *src;
		part.range_start = start;
		part.range_end = i < ncuts ? cuts[i] : UINT64_MAX;
		struct job *j = job_new(&part, ops);
		if (!j) {
			free(cuts);
			mh_stream_close(src->stream);
			return MH_ENOMEM;
		}
		if (ncuts && ops->range) {
			j->range_slot =
			        mh_scan_ranges_add(s->ranges, j->path, start);
			if (j->range_slot < 0) {
				job_free(j);
				free(cuts);
				return MH_ENOMEM;
			}
		}
		atomic_fetch_add(&s->jobs_total, 1);
		queue_put(&s->q, j);
	}
	free(cuts);
	return MH_OK;
}

static void on_walk_error(const struct mh_err *err, int named, void *ctx)
{
	struct scan *s = ctx;
	if (err->reason == MH_SKIP_DUPLICATE) {
		/* Overlapping inputs: the file was read once already; not a
		 * lost record, said unless -q. */
		s->walk_st.files_dup++;
		if (s->o.quiet == 0)
			diag(s, err, err->src ? err->src : "?");
		return;
	}
	if (err->reason == MH_SKIP_UNKNOWN_TYPE) {
		/* Files beside the mail (a README, a hash list) are noted and
		 * counted as files, not as lost records; a file the user
		 * named explicitly that is not mail is an input error. */
		s->walk_st.files_unknown++;
		if (named)
			s->walk_st.skipped[MH_SKIP_UNKNOWN_TYPE]++;
		if (named || s->o.quiet == 0)
			diag(s, err, err->src ? err->src : "?");
		return;
	}
	s->walk_st.skipped[err->reason > 0 && err->reason < MH_SKIP__COUNT
	                           ? err->reason
	                           : MH_SKIP_UNREADABLE]++;
	s->walk_st.files_failed++;
	diag(s, err, err->src ? err->src : "?");
}

/* MARK: - progress */

struct progress {
	struct scan *scan;
	pthread_t tid;
	atomic_int stop;
};

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	struct timespec ts = {0, 200 * 1000 * 1000};
	while (!atomic_load(&p->stop)) {
		nanosleep(&ts, NULL);
		struct scan *sc = p->scan;
		uint64_t done = atomic_load(&sc->bytes_done);
		uint64_t total = atomic_load(&sc->bytes_total);
		uint64_t jd = atomic_load(&sc->jobs_done);
		uint64_t jt = atomic_load(&sc->jobs_total);
		/* By bytes when every input's size is known, else (Maildir
		 * entries are not stat'ed) by inputs done of those found so
		 * far. */
		int pct = atomic_load(&sc->size_unknown)
		                  ? (jt ? (int)(jd * 100 / jt) : 0)
		                  : (total ? (int)(done * 100 / total) : 0);
		if (pct > 100)
			pct = 100;
		char bar[41];
		int fill = pct * 40 / 100;
		for (int i = 0; i < 40; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[40] = '\0';
		pthread_mutex_lock(&p->scan->err_mu);
		fprintf(stderr,
		        "\r\033[K[%s] %3d%% %" PRIu64 " MB, %" PRIu64
		        " of %" PRIu64 " inputs",
		        bar, pct, done / 1000000, jd, jt);
		fflush(stderr);
		pthread_mutex_unlock(&p->scan->err_mu);
	}
	pthread_mutex_lock(&p->scan->err_mu);
	fputs("\r\033[K", stderr);
	pthread_mutex_unlock(&p->scan->err_mu);
	return NULL;
}

/* MARK: - main */

/* The org domains the internal/external verdicts rest on, so that a
 * reader of the summary can check them (inferred ones come from headers:
 * escaped). */
static void print_org_domains(struct mh_fwd *fwd)
{
	const struct mh_fwd_org_domain *od = NULL;
	size_t nod = 0;
	if (mh_fwd_org_domains(fwd, &od, &nod) != MH_OK)
		return;
	if (nod == 0) {
		fputs("mailhunt: org domains: none known (give --org-domain); "
		      "findings with an unknown mailbox are undecided\n",
		      stderr);
		return;
	}
	struct mh_buf b = MH_BUF_INIT(256);
	fputs("mailhunt: org domains:", stderr);
	for (size_t i = 0; i < nod; i++) {
		mh_buf_reset(&b);
		mh_escape_term(od[i].domain, strlen(od[i].domain), 80, &b);
		fprintf(stderr, "%s %s (%s", i ? "," : "", mh_buf_cstr(&b),
		        od[i].source);
		if (od[i].messages)
			fprintf(stderr, ", %" PRIu64 " message%s",
			        od[i].messages, od[i].messages == 1 ? "" : "s");
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	mh_buf_release(&b);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mh_cmd_scan(int argc, char **argv)
{
	struct scan s;
	struct worker *workers = NULL;
	struct mh_findings findings = {0};
	struct progress prog = {0};
	FILE *out = stdout;
	int nworkers = 0, ret = MH_EXIT_INTERNAL, first = 0;
	int queue_ready = 0, prog_started = 0;
	struct mh_writer w = {0}; /* released at done: whatever begin kept */
	struct mh_sigma *sigma = NULL;
	const char **pf_ops = NULL; /* the literal prefilter's list */
	double t0 = now_s();

	memset(&s, 0, sizeof(s));
	int prc = mh_scan_parse_opts(argc, argv, &s.o, &first);
	if (prc) {
		mh_sigma_phs_release(&s.o.ph);
		return prc == -1 ? MH_EXIT_OK : prc;
	}
	if (s.o.nrules) {
		struct mh_sigma_opts so = {0};
		struct mh_err serr;
		mh_err_clear(&serr);
		so.ph = s.o.ph.v;
		so.nph = s.o.ph.n;
		so.lazy = 1;
		if (mh_sigma_load(s.o.rules, s.o.nrules, &so, &sigma, &serr)) {
			fprintf(stderr, "mailhunt: %s\n", serr.msg);
			mh_sigma_phs_release(&s.o.ph);
			return MH_EXIT_USAGE;
		}
	}

	mh_reader_opts_default(&s.ropts);
	if (s.o.max_header)
		s.ropts.max_header = s.o.max_header;
	if (s.o.body_prefix)
		s.ropts.body_prefix = s.o.body_prefix;
	if (s.o.max_record)
		s.ropts.max_record = s.o.max_record;
	if (s.o.progress == -1)
		s.o.progress = !s.o.quiet && isatty(STDERR_FILENO);
	if (s.o.quiet)
		s.o.progress = 0;
	if (s.o.out_path && !strcmp(s.o.out_path, "-"))
		s.o.out_path = NULL; /* -o -: standard output */
	if (s.o.out_path) {
		struct mh_err oerr;
		mh_err_clear(&oerr);
		if (mh_outpath_check(s.o.out_path,
		                     (const char *const *)argv + first,
		                     (size_t)(argc - first), &oerr) != MH_OK)
			return mh_scan_usage_error("%s", oerr.msg);
		out = fopen(s.o.out_path, "w");
		if (!out) {
			fprintf(stderr, "mailhunt: cannot write '%s': %s\n",
			        s.o.out_path, strerror(errno));
			return MH_EXIT_USAGE;
		}
	}
	if (s.o.color == -1)
		s.o.color = !s.o.out_path && isatty(STDOUT_FILENO) &&
		            !getenv("NO_COLOR");
	if (s.o.dump_path && !strcmp(s.o.dump_path, "-")) {
		s.dump = stdout;
	} else if (s.o.dump_path) {
		struct mh_err derr;
		mh_err_clear(&derr);
		if (mh_outpath_check(s.o.dump_path,
		                     (const char *const *)argv + first,
		                     (size_t)(argc - first), &derr) != MH_OK) {
			if (out != stdout)
				fclose(out);
			return mh_scan_usage_error("%s", derr.msg);
		}
		s.dump = fopen(s.o.dump_path, "w");
		if (!s.dump) {
			fprintf(stderr, "mailhunt: cannot write '%s': %s\n",
			        s.o.dump_path, strerror(errno));
			if (out != stdout)
				fclose(out);
			return MH_EXIT_USAGE;
		}
	}
	/* One worker: the set need not lock (a lock and its release were a
	 * tenth of the set's cost). */
	struct mh_keyset_opts ko = {0, NULL, s.o.jobs == 1};
	if (mh_keyset_new_opts(&s.seen, &ko) != MH_OK ||
	    mh_scan_ranges_new(&s.ranges) != MH_OK)
		goto done;
	const char *tc = getenv("MH_TEST_CHUNK");
	if (tc && *tc)
		s.test_chunk = strtoull(tc, NULL, 10);

	pthread_mutex_init(&s.err_mu, NULL);
	pthread_mutex_init(&s.dump_mu, NULL);
	queue_init(&s.q);
	queue_ready = 1;
	atomic_init(&s.bytes_done, 0);
	atomic_init(&s.bytes_total, 0);
	atomic_init(&s.jobs_total, 0);
	atomic_init(&s.jobs_done, 0);
	atomic_init(&s.size_unknown, 0);

	workers = calloc((size_t)s.o.jobs, sizeof(*workers));
	if (!workers)
		goto done;
	struct mh_analytic_conf conf = {0};
	conf.org_domains = s.o.org;
	conf.norg = s.o.norg;
	conf.max_evidence = 5;
	conf.sigma = sigma;
	for (size_t a = 0; mh_analytics[a] && s.nan < MAX_ANALYTICS; a++) {
		int is_sigma = mh_analytics[a] == &mh_analytic_sigma;
		if (is_sigma ? !sigma : s.o.no_builtin)
			continue;
		s.an[s.nan++] = mh_analytics[a];
	}
	if (prefilter_ops(&s, &conf, &pf_ops) == MH_ENOMEM)
		goto done;
	s.ropts.audit_ops = (const char *const *)pf_ops;
	s.ropts.seen = s.seen;
	s.ropts.audit_owners = s.ops_own;
	for (size_t a = 0; a < s.nan && pf_ops; a++)
		if (s.an[a]->audit_raw)
			s.ropts.audit_raw = audit_raw;
	for (size_t a = 0; a < s.nan; a++)
		if (s.an[a]->audit_need &&
		    (s.an[a]->audit_need(&conf) & MH_AN_NEED_TENANT))
			s.ropts.audit_need |= MH_READ_TENANT;
	for (int i = 0; i < s.o.jobs; i++) {
		workers[i].scan = &s;
		workers[i].ropts = s.ropts;
		workers[i].ropts.audit_raw_ctx = &workers[i];
		mh_buf_init(&workers[i].dump, (size_t)64 << 20);
		if (s.dump && mh_dump_spill_new(&workers[i].spill) != MH_OK)
			goto join;
		for (size_t a = 0; a < s.nan; a++) {
			struct mh_err cerr;
			mh_err_clear(&cerr);
			if (s.an[a]->create(&workers[i].acc[a], &conf, &cerr) <
			    0) {
				diag(&s, &cerr, s.an[a]->name);
				goto join;
			}
		}
		if (pthread_create(&workers[i].tid, NULL, worker_main,
		                   &workers[i]) != 0)
			goto join;
		nworkers++;
	}
	if (s.o.progress) {
		prog.scan = &s;
		atomic_init(&prog.stop, 0);
		if (pthread_create(&prog.tid, NULL, progress_main, &prog) == 0)
			prog_started = 1;
	}

	struct mh_walk_cb cb = {on_source, on_walk_error, &s};
	struct mh_err err;
	mh_err_clear(&err);
	int wrc = mh_walk((const char *const *)argv + first,
	                  (size_t)(argc - first), &cb, &err);
	if (wrc < 0 && wrc != MH_ESKIP) {
		diag(&s, &err, "walk");
		if (wrc == MH_ENOMEM)
			goto join;
	}
	ret = MH_EXIT_OK;
join:
	queue_close(&s.q);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i].tid, NULL);
	if (prog_started) {
		atomic_store(&prog.stop, 1);
		pthread_join(prog.tid, NULL);
	}
	if (ret != MH_EXIT_OK)
		goto done;

	/* Merge in worker order; merges are order-independent anyway. */
	struct mh_scan_stats total = s.walk_st;
	for (int i = 0; i < nworkers; i++) {
		mh_scan_stats_add(&total, &workers[i].st);
		if (workers[i].internal_error)
			ret = MH_EXIT_INTERNAL;
		for (size_t a = 0; i > 0 && a < s.nan; a++)
			if (s.an[a]->merge(workers[0].acc[a],
			                   workers[i].acc[a]) < 0)
				ret = MH_EXIT_INTERNAL;
	}
	if (ret != MH_EXIT_OK)
		goto done;
	for (size_t a = 0; nworkers && a < s.nan; a++)
		if (s.an[a]->findings(workers[0].acc[a], &findings) < 0) {
			ret = MH_EXIT_INTERNAL;
			goto done;
		}
	if (s.o.ntags) {
		size_t k = 0;
		for (size_t i = 0; i < findings.n; i++) {
			if (mh_finding_has_tag(findings.v[i], s.o.tags,
			                       s.o.ntags))
				findings.v[k++] = findings.v[i];
			else
				mh_finding_free(findings.v[i]);
		}
		findings.n = k;
	}
	mh_scan_ranges_fix(s.ranges, &findings);
	for (int i = 0; s.dump && i < nworkers; i++)
		if (mh_dump_spill_write(workers[i].spill, s.ranges, s.dump) !=
		    MH_OK)
			s.dump_failed = 1;
	mh_findings_sort(&findings);

	struct mh_writer_opts wo = {0};
	wo.color = s.o.color;
	wo.tool_version = MH_VERSION;
	/* --fail-on judges every finding; --min-level only chooses what is
	 * written (the table says how many it left out). */
	int worst = -1;
	size_t hidden_fail = 0;
	for (size_t i = 0; i < findings.n; i++) {
		int level = (int)findings.v[i]->level;
		if (level > worst)
			worst = level;
		if (level < s.o.min_level) {
			wo.hidden++;
			if (s.o.fail_on >= 0 && level >= s.o.fail_on)
				hidden_fail++;
		}
	}
	/* Messages outside --since/--until were read and judged. */
	wo.nothing_read =
	        total.events == 0 && total.skipped[MH_SKIP_FILTERED] == 0;
	if (mh_writer_init(&w, s.o.format, out, &wo) < 0) {
		ret = MH_EXIT_INTERNAL;
		goto done;
	}
	const struct mh_writer_ops *wops = w.ops;
	size_t shown = 0;
	if (wops->begin(&w) < 0) {
		write_error(s.o.out_path);
		ret = MH_EXIT_INTERNAL;
		goto done;
	}
	for (size_t i = 0; i < findings.n; i++) {
		const struct mh_finding *f = findings.v[i];
		if ((int)f->level < s.o.min_level)
			continue;
		if (wops->finding(&w, f) < 0) {
			write_error(s.o.out_path);
			ret = MH_EXIT_INTERNAL;
			goto done;
		}
		shown++;
	}
	if (wops->finish(&w, shown) < 0 || fflush(out) != 0 || ferror(out)) {
		write_error(s.o.out_path);
		ret = MH_EXIT_INTERNAL;
		goto done;
	}
	if (s.dump &&
	    (s.dump_failed || fflush(s.dump) != 0 || ferror(s.dump))) {
		write_error(s.dump == stdout ? NULL : s.o.dump_path);
		ret = MH_EXIT_INTERNAL;
		goto done;
	}
	if (!s.o.quiet) {
		mh_scan_stats_print(stderr, &total, now_s() - t0, shown);
		const struct mh_analytic_ops *fw =
		        mh_analytic_by_name("forwarding");
		for (size_t a = 0; nworkers && a < s.nan; a++) {
			if (s.an[a] == fw)
				print_org_domains(workers[0].acc[a]);
			if (s.an[a] == &mh_analytic_sigma)
				mh_sigma_scan_summary(
				        sigma,
				        mh_sigma_acc_seen(workers[0].acc[a]),
				        stderr);
		}
	}
	if (hidden_fail && s.o.quiet < 2)
		fprintf(stderr,
		        "mailhunt: %zu finding%s at or above --fail-on %s "
		        "hidden by --min-level %s\n",
		        hidden_fail, hidden_fail == 1 ? "" : "s",
		        mh_level_name(s.o.fail_on),
		        mh_level_name(s.o.min_level));
	/* A finding asked for by --fail-on outranks unreadable input: it is
	 * what a script is waiting for. */
	if (s.o.fail_on >= 0 && worst >= s.o.fail_on)
		ret = MH_EXIT_FINDINGS;
	else if (total.files_failed || mh_scan_stats_skipped(&total) -
	                                       total.skipped[MH_SKIP_FILTERED])
		ret = MH_EXIT_INPUT;
done:
	free(pf_ops);
	free(s.ops_of);
	free(s.ops_own);
	mh_writer_release(&w);
	if (workers) {
		for (int i = 0; i < s.o.jobs; i++) {
			for (size_t a = 0; a < s.nan; a++)
				if (workers[i].acc[a])
					s.an[a]->destroy(workers[i].acc[a]);
			mh_buf_release(&workers[i].dump);
			mh_dump_spill_free(workers[i].spill);
		}
		free(workers);
	}
	mh_keyset_free(s.seen);
	mh_scan_ranges_free(s.ranges);
	mh_findings_release(&findings);
	if (queue_ready) {
		queue_destroy(&s.q);
		pthread_mutex_destroy(&s.err_mu);
		pthread_mutex_destroy(&s.dump_mu);
	}
	if (s.dump && s.dump != stdout && fclose(s.dump) != 0 &&
	    ret == MH_EXIT_OK)
		ret = MH_EXIT_INTERNAL;
	if (out && out != stdout && fclose(out) != 0 && ret == MH_EXIT_OK)
		ret = MH_EXIT_INTERNAL;
	mh_sigma_free(sigma);
	mh_sigma_phs_release(&s.o.ph);
	return ret;
}
