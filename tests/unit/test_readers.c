/* Unit tests for the mail-store readers through reader.h: mbox (mboxo,
 * mboxrd, Content-Length, CRLF, gzip, chunk ranges), eml, emlx, Maildir
 * entries and content-based probing, on small files written to a fresh
 * temporary directory, plus a few real files from $MH_SHARED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "core/err.h"
#include "core/slice.h"
#include "core/stream.h"
#include "event/event.h"
#include "event/msg.h"
#include "readers/reader.h"

#define TESTDIR_NAME "mh-test-readers"
#include "testdir.h"
#include "shared.h"

/* MARK: - files */

static const char *put(const char *name, const void *p, size_t n)
{
	const char *path = tpath(name);
	testdir_write(path, p, n, "wb");
	return path;
}

static const char *put_str(const char *name, const char *s)
{
	return put(name, s, strlen(s));
}

static const char *put_gz(const char *name, const void *p, size_t n)
{
	const char *path = tpath(name);
	gzFile g = gzopen(path, "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, p, (unsigned)n), (int)n);
	assert_int_equal(gzclose(g), Z_OK);
	return path;
}

/* s with every "\n" turned into "\r\n" (caller frees). */
static char *to_crlf(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *o = malloc(2 * n + 1);
	assert_non_null(o);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			o[k++] = '\r';
		o[k++] = s[i];
	}
	o[k] = '\0';
	return o;
}

static uint64_t off_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	assert_non_null(p);
	return (uint64_t)(p - hay);
}

/* MARK: - driving a reader */

#define MAXREC 64

struct got {
	size_t n;                  /* events */
	uint64_t off[MAXREC];      /* ev.offset */
	uint64_t index[MAXREC];    /* ev.index */
	unsigned line[MAXREC];     /* ev.line */
	int64_t ts[MAXREC];        /* ev.ts */
	char subj[MAXREC][64];     /* trimmed Subject, "" when none */
	size_t body_n[MAXREC];     /* msg->body.n */
	int complete[MAXREC];      /* msg->body_complete */
	unsigned flags[MAXREC];    /* msg->flags */
	int has_quoted[MAXREC];    /* body holds ">From " verbatim */
	size_t nskip;              /* MH_ESKIP returns */
	int skip_reason[MAXREC];   /* err.reason of each skip */
	uint64_t skip_off[MAXREC]; /* err.offset of each skip */
	int end_rc;                /* 0, or the fatal negative code */
	uint64_t pos;              /* pos() after the last next() */
	char reader[16];           /* ev.reader of the first event */
	char mailbox[64];          /* ev.mailbox of the first event */
	char folder[64];           /* ev.folder of the first event */
	char first_field[64];      /* name of the first field, 1st event */
	char from[128];            /* trimmed From of the first event */
	char env[MAXREC][64];      /* msg->envelope_from, "" when NULL */
	int64_t env_t[MAXREC];     /* msg->envelope_time */
};

static void copy_slice(char *dst, size_t dn, struct mh_slice s)
{
	s = mh_slice_trim(s);
	size_t k = s.n < dn - 1 ? s.n : dn - 1;
	memcpy(dst, s.p, k);
	dst[k] = '\0';
}

static void read_src(const char *reader, const struct mh_source *src,
                     const struct mh_reader_opts *opts, struct got *g)
{
	const struct mh_reader_ops *ops = mh_reader_by_name(reader);
	struct mh_reader_opts def;
	struct mh_reader *r = NULL;
	struct mh_err err;
	assert_non_null(ops);
	if (!opts) {
		mh_reader_opts_default(&def);
		opts = &def;
	}
	memset(g, 0, sizeof(*g));
	mh_err_clear(&err);
	assert_int_equal(ops->open(&r, src, opts, &err), MH_OK);
	assert_non_null(r);
	/* Every call must make progress: a bounded loop proves the reader
	 * terminates. */
	for (int guard = 0;; guard++) {
		struct mh_event ev;
		assert_true(guard < 10000);
		memset(&ev, 0, sizeof(ev));
		mh_err_clear(&err);
		int rc = ops->next(r, &ev, &err);
		if (rc == 0)
			break;
		if (rc == MH_ESKIP) {
			assert_true(g->nskip < MAXREC);
			assert_true(err.reason > MH_SKIP_NONE &&
			            err.reason < MH_SKIP__COUNT);
			g->skip_reason[g->nskip] = err.reason;
			g->skip_off[g->nskip++] = err.offset;
			continue;
		}
		if (rc < 0) {
			g->end_rc = rc;
			break;
		}
		assert_int_equal(rc, 1);
		assert_true(g->n < MAXREC);
		assert_int_equal(ev.kind, MH_EV_MAIL);
		assert_non_null(ev.msg);
		assert_string_equal(ev.path, src->path);
		size_t i = g->n++;
		g->off[i] = ev.offset;
		g->index[i] = ev.index;
		g->line[i] = ev.line;
		g->ts[i] = ev.ts;
		g->body_n[i] = ev.msg->body.n;
		g->complete[i] = ev.msg->body_complete;
		g->flags[i] = ev.msg->flags;
		snprintf(g->env[i], sizeof(g->env[i]), "%s",
		         ev.msg->envelope_from ? ev.msg->envelope_from : "");
		g->env_t[i] = ev.msg->envelope_time;
		g->has_quoted[i] = ev.msg->body.n >= 6 &&
		                   memmem(ev.msg->body.p, ev.msg->body.n,
		                          ">From ", 6) != NULL;
		const struct mh_field *f = mh_event_field(&ev, "Subject");
		if (f)
			copy_slice(g->subj[i], sizeof(g->subj[i]), f->value);
		if (i == 0) {
			snprintf(g->reader, sizeof(g->reader), "%s", ev.reader);
			snprintf(g->mailbox, sizeof(g->mailbox), "%s",
			         ev.mailbox ? ev.mailbox : "(null)");
			snprintf(g->folder, sizeof(g->folder), "%s",
			         ev.folder ? ev.folder : "(null)");
			if (ev.nfields)
				copy_slice(g->first_field,
				           sizeof(g->first_field),
				           ev.fields[0].name);
			f = mh_event_field(&ev, "From");
			if (f)
				copy_slice(g->from, sizeof(g->from), f->value);
		}
	}
	g->pos = ops->pos(r);
	ops->close(r);
}

static void read_path(const char *reader, const char *path, struct got *g)
{
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.range_end = UINT64_MAX;
	read_src(reader, &src, NULL, g);
}

/* Offsets of the messages read from [lo, hi) of path. */
static void read_range(const char *path, uint64_t lo, uint64_t hi,
                       const struct mh_reader_opts *o, struct got *g)
{
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.range_start = lo;
	src.range_end = hi;
	read_src("mbox", &src, o, g);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* MARK: - mbox */

/* 2024-01-01T00:00:00Z */
#define T2024 INT64_C(1704067200)

/* mboxo/mboxrd: quoted ">From " and ">>From " lines, an unquoted
 * "From Russia" line after an empty line that is no From_ line, a
 * message without Date (time from the From_ line). */
static const char MBOX[] = "From alice@example.com Mon Jan  1 10:00:00 2024\n"
                           "Return-Path: <alice@example.com>\n"
                           "From: Alice <alice@example.com>\n"
                           "To: bob@example.org\n"
                           "Subject: one\n"
                           "Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
                           "\n"
                           "Hello Bob.\n"
                           ">From the archive: a quoted line\n"
                           "\n"
                           ">>From alice@example.com Mon Jan  1 09:00:00 2024\n"
                           "\n"
                           "From Russia with love, a body line\n"
                           "From here on, no empty line before\n"
                           "\n"
                           "From bob@example.org Tue Jan  2 11:30:00 2024\n"
                           "From: Bob <bob@example.org>\n"
                           "Subject: two\n"
                           "\n"
                           "Body two\n"
                           "\n"
                           "From carol@example.net Wed Jan  3 12:00:00 2024\n"
                           "From: carol@example.net\n"
                           "Subject: three\n"
                           "Date: Wed, 03 Jan 2024 13:00:00 +0100\n"
                           "\n"
                           "Three.\n";

static void check_mbox_events(const char *buf, const struct got *g,
                              const char *eol)
{
	assert_int_equal(g->nskip, 0);
	assert_int_equal(g->end_rc, 0);
	assert_int_equal(g->n, 3);
	assert_int_equal(g->off[0], 0);
	assert_int_equal(g->off[1], off_of(buf, "From bob@"));
	assert_int_equal(g->off[2], off_of(buf, "From carol@"));
	assert_string_equal(g->subj[0], "one");
	assert_string_equal(g->subj[1], "two");
	assert_string_equal(g->subj[2], "three");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(g->index[i], i);
		/* mbox does not count lines (bodies are skipped unread). */
		assert_int_equal(g->line[i], 0);
		assert_true(g->complete[i]);
	}
	assert_int_equal(g->ts[0], T2024 + 10 * 3600);
	/* No Date: the From_ line's time. */
	assert_int_equal(g->ts[1], T2024 + 86400 + 11 * 3600 + 30 * 60);
	assert_int_equal(g->ts[2], T2024 + 2 * 86400 + 12 * 3600);
	/* Quoted lines are body text, handed over as written. */
	assert_true(g->has_quoted[0]);
	/* Body one runs from after its empty line to the next From_. */
	size_t b0 = (size_t)(strstr(buf, "Hello Bob.") - buf);
	assert_int_equal(g->body_n[0], g->off[1] - b0);
	size_t b1 = (size_t)(strstr(buf, "Body two") - buf);
	assert_int_equal(g->body_n[1], g->off[2] - b1);
	assert_int_equal(g->body_n[2], strlen("Three.") + strlen(eol));
	assert_string_equal(g->from, "Alice <alice@example.com>");
	assert_string_equal(g->first_field, "Return-Path");
}

static void test_mbox_lf(void **state)
{
	(void)state;
	const char *path = put_str("lf.mbox", MBOX);
	struct got g;
	read_path("mbox", path, &g);
	check_mbox_events(MBOX, &g, "\n");
	assert_string_equal(g.reader, "mbox");
	assert_int_equal(g.flags[0] & MH_MSG_CRLF, 0);
	assert_int_equal(g.pos, sizeof(MBOX) - 1);
}

static void test_mbox_crlf(void **state)
{
	(void)state;
	char *crlf = to_crlf(MBOX);
	const char *path = put_str("crlf.mbox", crlf);
	struct got g;
	read_path("mbox", path, &g);
	check_mbox_events(crlf, &g, "\r\n");
	assert_true(g.flags[0] & MH_MSG_CRLF);
	assert_int_equal(g.pos, strlen(crlf));
	free(crlf);
}

/* mboxo: an unquoted From_ line with a valid date after an empty line is
 * a separator (the format's known ambiguity); the same line quoted
 * (mboxrd) is not. */
static void test_mbox_unquoted_from(void **state)
{
	(void)state;
	static const char quoted[] = "From a@example.com Mon Jan  1 10:00:00 "
	                             "2024\n"
	                             "Subject: q\n"
	                             "\n"
	                             "text\n"
	                             "\n"
	                             ">From b@example.com Mon Jan  1 09:00:00 "
	                             "2024\n"
	                             "Subject: not a header\n"
	                             "\n"
	                             "more\n";
	char unq[sizeof(quoted)];
	memcpy(unq, quoted, sizeof(quoted));
	/* Drop the '>' by shifting the rest left one byte. */
	char *gt = strchr(unq, '>');
	memmove(gt, gt + 1, strlen(gt + 1) + 1);
	struct got g;
	read_path("mbox", put_str("quoted.mbox", quoted), &g);
	assert_int_equal(g.n, 1);
	assert_true(g.has_quoted[0]);
	assert_int_equal(g.pos, strlen(quoted));
	read_path("mbox", put_str("unquoted.mbox", unq), &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.off[1], off_of(unq, "From b@"));
	assert_string_equal(g.subj[1], "not a header");
}

/* Netscape "From - " lines right before a header field split even with
 * no empty line before (whole-file reading). */
static void test_mbox_netscape_no_blank(void **state)
{
	(void)state;
	static const char s[] = "From - Mon Jan  1 10:00:00 2024\n"
	                        "Subject: a\n"
	                        "\n"
	                        "body a\n"
	                        "From - Tue Jan  2 10:00:00 2024\n"
	                        "Subject: b\n"
	                        "\n"
	                        "body b\n";
	struct got g;
	read_path("mbox", put_str("netscape.mbox", s), &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.off[1], off_of(s, "From - Tue"));
	assert_string_equal(g.subj[1], "b");
	assert_int_equal(g.body_n[0], strlen("body a\n"));
}

/* Content-Length is trusted when it lands on a From_ line or the end of
 * input, and ignored when it does not. */
/* The From_ line gives the envelope: the sender token (a quoted local
 * part with a space is one token) and the asctime date, also after the
 * Netscape "From -" marker, which needs no date. */
static void test_mbox_envelope(void **state)
{
	(void)state;
	static const char m[] = "From \"jo doe\"@a.example Tue Jan  2 11:30:00 "
	                        "2024\n"
	                        "Subject: quoted\n\nx\n\n"
	                        "From - Wed Jan  3 12:00:00 2024\n"
	                        "Subject: netscape\n\nx\n\n"
	                        "From -\n"
	                        "Subject: netscape-undated\n\nx\n";
	struct got g;
	read_path("mbox", put_str("env.mbox", m), &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.env[0], "\"jo doe\"@a.example");
	assert_int_equal(g.env_t[0], T2024 + 86400 + 11 * 3600 + 30 * 60);
	assert_string_equal(g.env[1], "-");
	assert_int_equal(g.env_t[1], T2024 + 2 * 86400 + 12 * 3600);
	assert_string_equal(g.subj[2], "netscape-undated");
	assert_int_equal(g.env_t[2], MH_TS_NONE);
	/* Without a Date field the envelope time dates the message. */
	assert_int_equal(g.ts[0], g.env_t[0]);
}

static void test_mbox_content_length(void **state)
{
	(void)state;
	static const char body1[] = "Line one\n"
	                            "\n"
	                            "From bob@example.org Tue Jan  2 11:30:00 "
	                            "2024\n"
	                            "Subject: inside the body\n"
	                            "\n"
	                            "still message one\n";
	static const char body3[] = "last\n"
	                            "\n"
	                            "From eve@example.org Fri Jan  5 00:00:00 "
	                            "2024\n"
	                            "Subject: inside the last body\n";
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
	                 "From - Mon Jan  1 10:00:00 2024\n"
	                 "Subject: cl-one\n"
	                 "Content-Length: %zu\n"
	                 "\n"
	                 "%s"
	                 "\n"
	                 "From - Tue Jan  2 10:00:00 2024\n"
	                 "Subject: cl-bad\n"
	                 "Content-Length: 3\n"
	                 "\n"
	                 "bad length body\n"
	                 "\n"
	                 "From - Wed Jan  3 10:00:00 2024\n"
	                 "Subject: cl-last\n"
	                 "Content-Length: %zu\n"
	                 "\n"
	                 "%s",
	                 strlen(body1), body1, strlen(body3), body3);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	const char *path = put_str("cl.mbox", buf);
	struct got g;
	read_path("mbox", path, &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.subj[0], "cl-one");
	assert_string_equal(g.subj[1], "cl-bad");
	assert_string_equal(g.subj[2], "cl-last");
	assert_int_equal(g.off[1], off_of(buf, "From - Tue"));
	assert_int_equal(g.off[2], off_of(buf, "From - Wed"));
	/* Body one is exactly Content-Length bytes plus the empty line. */
	assert_int_equal(g.body_n[0], strlen(body1) + 1);
	assert_int_equal(g.body_n[2], strlen(body3));
	assert_int_equal(g.pos, (uint64_t)n);

	/* Chunked reading gives the same (an mboxcl file is read whole by
	 * its first chunk; the others read nothing but count their bytes). */
	struct got w;
	read_range(path, 0, UINT64_MAX - 1, NULL, &w);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.subj[1], "cl-bad");
	uint64_t mid = (uint64_t)off_of(buf, "From bob@");
	read_range(path, 0, mid, NULL, &w);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.subj[2], "cl-last");
	read_range(path, mid, UINT64_MAX, NULL, &w);
	assert_int_equal(w.n, 0);
	assert_int_equal(w.pos, (uint64_t)n);
	read_range(path, 10, mid, NULL, &w);
	assert_int_equal(w.n, 0);
	assert_int_equal(w.pos, mid);
	/* The field name is case-insensitive: "content-length" counts. */
	char low[2048];
	int ln = snprintf(low, sizeof(low),
	                  "From - Mon Jan  1 10:00:00 2024\n"
	                  "Subject: cl-lower\n"
	                  "content-length: %zu\n"
	                  "\n"
	                  "%s"
	                  "\n"
	                  "From - Tue Jan  2 10:00:00 2024\n"
	                  "Subject: after\n"
	                  "\n"
	                  "x\n",
	                  strlen(body1), body1);
	assert_true(ln > 0 && (size_t)ln < sizeof(low));
	read_path("mbox", put_str("cl-lower.mbox", low), &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.subj[0], "cl-lower");
	assert_string_equal(g.subj[1], "after");
}

/* An mboxcl message whose body is larger than the read window (an
 * attachment): its Content-Length is followed by seeking, so unescaped
 * From_ lines deep in the body (with artefact headers after them) do not
 * split it; a length that does not end at a From_ line makes the body
 * searched after all. Plain file, gzip, and a pipe (read forward; a lying
 * length there is said and counted, as the pipe cannot go back). */
static char *cl_big_mbox(size_t extra, size_t *len)
{
	size_t body_n = (size_t)3 << 20;
	char *body = malloc(body_n + 1);
	assert_non_null(body);
	static const char planted[] =
	        "\nFrom fake@evil.example Mon Mar  4 10:00:00 2024\n"
	        "X-MS-Exchange-Organization-AutoForwarded: true\n"
	        "Subject: planted\n\nx\n";
	for (size_t i = 0; i < body_n; i++)
		body[i] = (i % 72 == 71) ? '\n' : 'a';
	for (size_t at = (size_t)1 << 20; at + sizeof(planted) < body_n;
	     at += (size_t)200 << 10)
		memcpy(body + at, planted, sizeof(planted) - 1);
	body[body_n - 1] = '\n';
	body[body_n] = '\0';
	size_t cap = body_n + 1024;
	char *buf = malloc(cap);
	assert_non_null(buf);
	int n = snprintf(buf, cap,
	                 "From - Mon Jan  1 10:00:00 2024\n"
	                 "Subject: cl-small\n"
	                 "Content-Length: 2\n"
	                 "\n"
	                 "x\n"
	                 "\n"
	                 "From - Tue Jan  2 10:00:00 2024\n"
	                 "Subject: cl-big\n"
	                 "Content-Length: %zu\n"
	                 "\n"
	                 "%s"
	                 "\n"
	                 "From - Wed Jan  3 10:00:00 2024\n"
	                 "Subject: cl-after\n"
	                 "Content-Length: 2\n"
	                 "\n"
	                 "y\n",
	                 body_n + extra, body);
	assert_true(n > 0 && (size_t)n < cap);
	free(body);
	*len = (size_t)n;
	return buf;
}

/* Reads buf through a pipe fed by a child process. */
static void read_pipe(const char *buf, size_t len, struct got *g)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		size_t done = 0;
		while (done < len) {
			ssize_t w = write(fds[1], buf + done, len - done);
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	struct mh_stream *st = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(
	        mh_stream_open_fd(&st, fds[0], "<pipe>", 4096, 4096, 0, &err),
	        MH_OK);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = "<pipe>";
	src.range_end = UINT64_MAX;
	src.stream = st;
	read_src("mbox", &src, NULL, g);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void test_mbox_content_length_large(void **state)
{
	(void)state;
	size_t n;
	char *buf = cl_big_mbox(0, &n);
	struct got g;
	const char *path = put("cl-big.mbox", buf, n);
	read_path("mbox", path, &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.subj[1], "cl-big");
	assert_string_equal(g.subj[2], "cl-after");
	assert_int_equal(g.off[2], off_of(buf, "From - Wed"));
	read_path("mbox", put_gz("cl-big.mbox.gz", buf, n), &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.subj[2], "cl-after");
	read_pipe(buf, n, &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.subj[2], "cl-after");
	free(buf);

	/* The length lies (10 bytes too long): the body is searched, which
	 * finds the planted From_ lines too (as without Content-Length) and
	 * the real next message. */
	buf = cl_big_mbox(10, &n);
	path = put("cl-lie.mbox", buf, n);
	read_path("mbox", path, &g);
	assert_int_equal(g.nskip, 0);
	assert_true(g.n > 3);
	assert_string_equal(g.subj[1], "cl-big");
	assert_string_equal(g.subj[2], "planted");
	assert_string_equal(g.subj[g.n - 1], "cl-after");
	assert_int_equal(g.off[g.n - 1], off_of(buf, "From - Wed"));
	read_path("mbox", put_gz("cl-lie.mbox.gz", buf, n), &g);
	assert_string_equal(g.subj[g.n - 1], "cl-after");
	/* A pipe cannot go back: said and counted, not silent. */
	read_pipe(buf, n, &g);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_string_equal(g.subj[1], "cl-big");
	free(buf);
}

/* Many lying Content-Lengths over large bodies in one .gz: going back
 * re-inflates from the start, so after a few the reader goes on like a
 * pipe (said and counted) instead of taking quadratic time; a plain file
 * goes back every time. */
static void test_mbox_content_length_lies_gz(void **state)
{
	(void)state;
	size_t body_n = (size_t)5 << 19, cap = 12 * (body_n + 256);
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = 0;
	for (int i = 0; i < 10; i++) {
		n += (size_t)snprintf(buf + n, cap - n,
		                      "From - Mon Jan  1 10:00:%02d 2024\n"
		                      "Subject: lie-%d\n"
		                      "Content-Length: %zu\n\n",
		                      i, i, body_n + 10);
		for (size_t k = 0; k < body_n; k++)
			buf[n++] = (k % 72 == 71) ? '\n' : 'b';
		buf[n++] = '\n';
	}
	n += (size_t)snprintf(buf + n, cap - n,
	                      "From - Tue Jan  2 10:00:00 2024\n"
	                      "Subject: end\n\nx\n");
	struct got g;
	read_path("mbox", put("lies.mbox", buf, n), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 11);
	read_path("mbox", put_gz("lies.mbox.gz", buf, n), &g);
	assert_true(g.nskip >= 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_string_equal(g.subj[7], "lie-7");
	assert_string_equal(g.subj[g.n - 1], "end");
	free(buf);
}

static void test_mbox_no_from_line(void **state)
{
	(void)state;
	static const char s[] = "Subject: plain message\n"
	                        "From: a@example.com\n"
	                        "\n"
	                        "no envelope\n";
	struct got g;
	read_path("mbox", put_str("nofrom.mbox", s), &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_int_equal(g.skip_off[0], 0);
	assert_int_equal(g.end_rc, 0);
	assert_int_equal(g.pos, strlen(s));
}

static void test_mbox_truncated(void **state)
{
	(void)state;
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
	                 "%sFrom dave@example.com Thu Jan  4 00:00:00 2024\n"
	                 "Subject: cut\n"
	                 "X-Cut: in the mid",
	                 MBOX);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	struct got g;
	read_path("mbox", put_str("trunc.mbox", buf), &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_TRUNCATED);
	assert_int_equal(g.skip_off[0], off_of(buf, "From dave@"));
	assert_int_equal(g.end_rc, 0);
	assert_int_equal(g.pos, (uint64_t)n);
	/* The message before the cut is complete. */
	assert_string_equal(g.subj[2], "three");
	assert_true(g.complete[2]);
}

static void test_mbox_header_only(void **state)
{
	(void)state;
	static const char s[] = "From a@example.com Mon Jan  1 10:00:00 2024\n"
	                        "Subject: header only\n"
	                        "\n"
	                        "From b@example.com Mon Jan  1 11:00:00 2024\n"
	                        "\n"
	                        "no header at all\n"
	                        "\n"
	                        "From c@example.com Mon Jan  1 12:00:00 2024\n"
	                        "Subject: last, no empty line\n";
	struct got g;
	read_path("mbox", put_str("hdronly.mbox", s), &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.subj[0], "header only");
	assert_int_equal(g.body_n[0], 0);
	assert_true(g.complete[0]);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_NO_HEADER);
	assert_string_equal(g.subj[1], "last, no empty line");
	assert_int_equal(g.off[1], off_of(s, "From c@"));
	assert_int_equal(g.body_n[1], 0);
	assert_int_equal(g.ts[1], T2024 + 12 * 3600);
	/* Index counts events and skipped records alike. */
	assert_int_equal(g.index[1], 2);
	assert_int_equal(g.pos, strlen(s));
}

static void test_mbox_bom_and_source(void **state)
{
	(void)state;
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "\xef\xbb\xbf%s", MBOX);
	assert_true(n > 0);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = put_str("bom.mbox", buf);
	src.mailbox = "alice@corp.example";
	src.folder = "Sent";
	src.range_end = UINT64_MAX;
	struct got g;
	read_src("mbox", &src, NULL, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.off[0], 0);
	assert_int_equal(g.off[1], off_of(buf, "From bob@"));
	assert_string_equal(g.subj[0], "one");
	assert_string_equal(g.mailbox, "alice@corp.example");
	assert_string_equal(g.folder, "Sent");
	/* No mailbox in the source: none in the events. */
	read_path("mbox", src.path, &g);
	assert_string_equal(g.mailbox, "(null)");
	assert_string_equal(g.folder, "(null)");
}

/* A file big enough for skip_body's window logic: one body longer than
 * the body prefix, with separators all preceded by empty lines. */
static char *big_mbox(size_t *len)
{
	size_t cap = 400000, k = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	for (int m = 0; m < 12; m++) {
		k += (size_t)snprintf(b + k, cap - k,
		                      "From u%d@example.com Mon Jan  1 "
		                      "%02d:00:00 2024\n"
		                      "Subject: m%d\n"
		                      "\n",
		                      m, m, m);
		size_t lines = m == 4 ? 5000 : (size_t)(m * 3 + 1);
		for (size_t l = 0; l < lines; l++)
			k += (size_t)snprintf(
			        b + k, cap - k, "%s line %zu of body %d\n",
			        l % 7 == 3 ? "From no date," : "text", l, m);
		k += (size_t)snprintf(b + k, cap - k, "\n");
	}
	assert_true(k < cap);
	*len = k;
	return b;
}

static void assert_same_offsets(const struct got *whole,
                                const struct got *parts, size_t nparts)
{
	size_t k = 0;
	for (size_t p = 0; p < nparts; p++) {
		assert_int_equal(parts[p].nskip, 0);
		assert_int_equal(parts[p].end_rc, 0);
		for (size_t i = 0; i < parts[p].n; i++) {
			assert_true(k < whole->n);
			assert_int_equal(parts[p].off[i], whole->off[k]);
			assert_string_equal(parts[p].subj[i], whole->subj[k]);
			k++;
		}
	}
	assert_int_equal(k, whole->n);
}

static void check_splits(const char *path, uint64_t size,
                         const struct mh_reader_opts *o, uint64_t step)
{
	struct got whole, parts[3];
	read_range(path, 0, UINT64_MAX, o, &whole);
	assert_true(whole.n >= 2);
	for (uint64_t s = 1; s < size; s += step) {
		read_range(path, 0, s, o, &parts[0]);
		read_range(path, s, UINT64_MAX, o, &parts[1]);
		assert_same_offsets(&whole, parts, 2);
	}
	/* Three ranges with both cuts inside messages. */
	for (uint64_t a = 1; a < size; a += step * 5 + 3) {
		uint64_t b = a + (size - a) / 2 + 1;
		read_range(path, 0, a, o, &parts[0]);
		read_range(path, a, b, o, &parts[1]);
		read_range(path, b, UINT64_MAX, o, &parts[2]);
		assert_same_offsets(&whole, parts, 3);
	}
}

static void test_mbox_chunks_small(void **state)
{
	(void)state;
	const char *path = put_str("chunks.mbox", MBOX);
	check_splits(path, sizeof(MBOX) - 1, NULL, 1);
	/* Tiny body prefix: bodies are skipped by the window scanner. */
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	o.body_prefix = 5;
	check_splits(path, sizeof(MBOX) - 1, &o, 1);
	char *crlf = to_crlf(MBOX);
	path = put_str("chunks-crlf.mbox", crlf);
	check_splits(path, strlen(crlf), NULL, 1);
	free(crlf);
}

/* CRLF, a message with no body right before the next From_ line, and a
 * From_ line longer than the body prefix: the body scan must still see
 * the "\n\r\n" before it in chunked mode (found by fuzz_mbox). */
static void test_mbox_chunks_crlf_empty_body(void **state)
{
	(void)state;
	char *crlf = to_crlf("From a@example.com Mon Jan  1 10:00:00 2024\n"
	                     "Subject: h\n"
	                     "\n"
	                     "From b@example.com Mon Jan  1 11:00:00 2024\n"
	                     "Subject: two\n"
	                     "\n"
	                     "x\n");
	const char *path = put_str("crlf-empty.mbox", crlf);
	struct mh_reader_opts o;
	mh_reader_opts_default(&o);
	o.body_prefix = 5;
	struct got g;
	read_range(path, 0, UINT64_MAX - 1, &o, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.off[1], off_of(crlf, "From b@"));
	check_splits(path, strlen(crlf), &o, 1);
	free(crlf);
}

static void test_mbox_chunks_big(void **state)
{
	(void)state;
	size_t n;
	char *b = big_mbox(&n);
	const char *path = put("big.mbox", b, n);
	struct got whole;
	read_path("mbox", path, &whole);
	assert_int_equal(whole.n, 12);
	assert_int_equal(whole.off[5], off_of(b, "From u5@"));
	/* The long body was cut at the prefix. */
	assert_false(whole.complete[4]);
	assert_int_equal(whole.body_n[4], (size_t)64 << 10);
	assert_int_equal(whole.pos, n);
	check_splits(path, n, NULL, 4999);
	free(b);
}

/* An mbox whose first line is empty (then a From_ line): the messages are
 * read, not lost as one record without a header field. */
static void test_mbox_leading_blank(void **state)
{
	(void)state;
	static const char *const lead[] = {
	        "\n",   "\r\n", "\n\n\n", "\xef\xbb\xbf\n", "\r\n\n  \n\t\n",
	        " \r\n"};
	for (size_t k = 0; k < sizeof(lead) / sizeof(lead[0]); k++) {
		char buf[4096];
		int n = snprintf(buf, sizeof(buf), "%s%s", lead[k], MBOX);
		assert_true(n > 0 && (size_t)n < sizeof(buf));
		const char *path = put_str("lead.mbox", buf);
		struct got g;
		read_path("mbox", path, &g);
		assert_int_equal(g.nskip, 0);
		assert_int_equal(g.n, 3);
		assert_string_equal(g.subj[0], "one");
		assert_int_equal(g.off[1], off_of(buf, "From bob@"));
		assert_int_equal(g.pos, (uint64_t)n);
		check_splits(path, (uint64_t)n, NULL, 1);
		assert_ptr_equal(mh_reader_detect(buf, (size_t)n, "x"),
		                 mh_reader_by_name("mbox"));
	}
}

/* A From_ line longer than the 4 KiB probe head (a 5000-byte sender):
 * still an mbox, and its messages are read. A "From " line longer than
 * the reader's limit (32 KiB) is body text. */
static void test_mbox_long_from_line(void **state)
{
	(void)state;
	size_t sl = 5000, cap = 200000;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = 0;
	for (int m = 0; m < 2; m++) {
		n += (size_t)snprintf(buf + n, cap - n, "%sFrom ",
		                      m ? "\n" : "");
		memset(buf + n, 'a', sl);
		n += sl;
		n += (size_t)snprintf(
		        buf + n, cap - n,
		        "@corp.example Mon Jan  1 10:00:0%d 2024\n"
		        "From: a@corp.example\nSubject: m%d\n\n"
		        "body %d\n",
		        m, m, m);
	}
	/* A 40000-byte "From " line after an empty line, then a header. */
	n += (size_t)snprintf(buf + n, cap - n, "\nFrom ");
	memset(buf + n, 'b', 40000);
	n += 40000;
	n += (size_t)snprintf(buf + n, cap - n,
	                      " Mon Jan  1 10:00:09 2024\nSubject: no\n\nx\n");
	const char *path = put("long.mbox", buf, n);
	assert_ptr_equal(mh_reader_detect(buf, 4096, "long"),
	                 mh_reader_by_name("mbox"));
	struct got g;
	read_path("mbox", path, &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.subj[1], "m1");
	assert_int_equal(strlen(g.env[0]), sizeof(g.env[0]) - 1);
	assert_int_equal(g.pos, (uint64_t)n);
	check_splits(path, (uint64_t)n, NULL, 997);
	free(buf);
}

/* From_ lines with an RFC 5322 date separate messages after an empty line
 * and before a header field, at the start and later alike; without the
 * empty line, or without a header after, they are body text. */
static void test_mbox_rfc5322_date(void **state)
{
	(void)state;
	static const char m[] =
	        "From boss@corp.example Mon, 04 Mar 2024 10:00:00 +0000\n"
	        "From: boss@corp.example\nSubject: one\n\nbody one\n"
	        "\n"
	        "From boss@corp.example Mon, 04 Mar 2024 11:00:00 +0000\n"
	        "From: boss@corp.example\nSubject: two\n\nbody two\n"
	        "From boss@corp.example Mon, 04 Mar 2024 11:30:00 +0000\n"
	        "From: boss@corp.example\nSubject: no-blank\n\n"
	        "\n"
	        "From boss@corp.example Mon, 04 Mar 2024 11:45:00 +0000\n"
	        "no header after\n"
	        "\n"
	        "From boss@corp.example 4 Mar 2024 12:00:00 GMT\n"
	        "Subject: three\n\nbody three\n";
	const char *path = put_str("rfc5322.mbox", m);
	struct got g;
	read_path("mbox", path, &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.subj[0], "one");
	assert_string_equal(g.subj[1], "two");
	assert_string_equal(g.subj[2], "three");
	assert_int_equal(g.off[1], off_of(m, "From boss@corp.example Mon, 04 "
	                                     "Mar 2024 11:00"));
	assert_int_equal(g.env_t[0], INT64_C(1709546400));
	assert_string_equal(g.env[0], "boss@corp.example");
	check_splits(path, sizeof(m) - 1, NULL, 1);
	assert_ptr_equal(mh_reader_detect(m, sizeof(m) - 1, "x"),
	                 mh_reader_by_name("mbox"));
}

static void test_mbox_gzip(void **state)
{
	(void)state;
	struct got plain, gz;
	read_path("mbox", put_str("p.mbox", MBOX), &plain);
	const char *path = put_gz("p.mbox.gz", MBOX, sizeof(MBOX) - 1);
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = path;
	src.gzip = 1;
	src.size = file_size(path);
	src.range_end = UINT64_MAX;
	read_src("mbox", &src, NULL, &gz);
	assert_int_equal(gz.n, plain.n);
	for (size_t i = 0; i < plain.n; i++) {
		assert_int_equal(gz.off[i], plain.off[i]);
		assert_int_equal(gz.ts[i], plain.ts[i]);
		assert_int_equal(gz.body_n[i], plain.body_n[i]);
		assert_string_equal(gz.subj[i], plain.subj[i]);
	}
	/* Offsets and pos are in decompressed bytes. */
	assert_int_equal(gz.pos, sizeof(MBOX) - 1);
	/* Chunks of a gzip file meet too (seek inflates forward). */
	check_splits(path, sizeof(MBOX) - 1, NULL, 37);
}

/* MARK: - eml, emlx, Maildir */

static void test_eml_crlf(void **state)
{
	(void)state;
	static const char s[] = "Return-Path: <a@example.com>\r\n"
	                        "From: A <a@example.com>\r\n"
	                        "Subject: crlf\r\n"
	                        "Date: Tue, 2 Jan 2024 00:00:00 +0000\r\n"
	                        "\r\n"
	                        "Body\r\n";
	const char *path = put_str("crlf.eml", s);
	struct got g;
	read_path("eml", path, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.reader, "eml");
	assert_string_equal(g.subj[0], "crlf");
	assert_string_equal(g.from, "A <a@example.com>");
	assert_int_equal(g.off[0], 0);
	assert_int_equal(g.line[0], 1);
	assert_int_equal(g.index[0], 0);
	assert_int_equal(g.ts[0], T2024 + 86400);
	assert_true(g.flags[0] & MH_MSG_CRLF);
	assert_int_equal(g.body_n[0], 6);
	assert_true(g.complete[0]);
	assert_int_equal(g.pos, strlen(s));
	/* A message far larger than the window (an attachment): only the
	 * header and body prefix are read, but its bytes count whole. */
	size_t big = (size_t)3 << 20, hl = strlen("Subject: big\n\n");
	char *b = malloc(big);
	assert_non_null(b);
	memcpy(b, "Subject: big\n\n", hl);
	memset(b + hl, 'x', big - hl);
	read_path("eml", put("big.eml", b, big), &g);
	free(b);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.subj[0], "big");
	assert_false(g.complete[0]);
	assert_int_equal(g.pos, big);
	/* A header longer than the first window (64 KiB) is read whole:
	 * the Subject after 200 KiB of other fields is found. */
	size_t hn = 200 << 10;
	b = malloc(hn + 64);
	assert_non_null(b);
	size_t o = 0;
	while (o + 80 < hn) {
		memcpy(b + o, "X-Pad: ", 7);
		memset(b + o + 7, 'p', 72);
		b[o + 79] = '\n';
		o += 80;
	}
	o += (size_t)snprintf(b + o, 64, "Subject: after the pad\n\nbody\n");
	read_path("eml", put("longhdr.eml", b, o), &g);
	free(b);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 0);
	assert_string_equal(g.subj[0], "after the pad");
	assert_true(g.complete[0]);
	assert_int_equal(g.pos, o);
}

static void test_eml_bom(void **state)
{
	(void)state;
	static const char s[] = "\xef\xbb\xbf"
	                        "From: A <a@example.com>\n"
	                        "Subject: bom\n"
	                        "\n"
	                        "x\n";
	struct got g;
	read_path("eml", put_str("bom.eml", s), &g);
	assert_int_equal(g.n, 1);
	/* The BOM is not part of the first field's name. */
	assert_string_equal(g.first_field, "From");
	assert_string_equal(g.from, "A <a@example.com>");
	assert_string_equal(g.subj[0], "bom");
	/* The record starts at its first field, after the BOM. */
	assert_int_equal(g.off[0], 3);
	assert_int_equal(g.body_n[0], 2);
	assert_int_equal(g.pos, strlen(s));
}

static void test_eml_from_line(void **state)
{
	(void)state;
	static const char s[] = "From a@example.com Mon Jan  1 10:00:00 2024\n"
	                        "From: A <a@example.com>\n"
	                        "Subject: leading envelope\n"
	                        "Date: Mon, 1 Jan 2024 09:00:00 +0000\n"
	                        "\n"
	                        "x\n";
	struct got g;
	read_path("eml", put_str("fromline.eml", s), &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 0);
	assert_string_equal(g.first_field, "From");
	assert_string_equal(g.from, "A <a@example.com>");
	assert_string_equal(g.subj[0], "leading envelope");
	assert_int_equal(g.ts[0], T2024 + 9 * 3600);
}

static void test_eml_binary(void **state)
{
	(void)state;
	unsigned char bin[3000];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 37 + (i >> 3));
	bin[10] = 0;
	bin[500] = 0;
	const char *path = put("image.eml", bin, sizeof(bin));
	/* The name claims mail, so eml takes it ... */
	assert_ptr_equal(
	        mh_reader_detect((const char *)bin, sizeof(bin), "image.eml"),
	        mh_reader_by_name("eml"));
	assert_null(
	        mh_reader_detect((const char *)bin, sizeof(bin), "image.jpg"));
	/* ... and skips it with a reason. */
	struct got g;
	read_path("eml", path, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_BINARY);
	assert_int_equal(g.end_rc, 0);
}

static void test_eml_huge_header_line(void **state)
{
	(void)state;
	size_t n = (size_t)10 << 20;
	char *b = malloc(n);
	assert_non_null(b);
	static const char head[] = "From: a@example.com\nX-Long: ";
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, 'a', n - sizeof(head) - 8);
	static const char etail[] = "\n\nbody!\n\n";
	memcpy(b + n - (sizeof(etail) - 1), etail, sizeof(etail) - 1);
	const char *path = put("huge.eml", b, n);
	free(b);
	struct got g;
	read_path("eml", path, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_OVERSIZED);
	assert_int_equal(g.skip_off[0], 0);
	assert_int_equal(g.end_rc, 0);

	/* The same in an mbox: skipped, and the next message still read. */
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	const char *mpath = tpath("huge.mbox");
	FILE *o = fopen(mpath, "wb");
	assert_non_null(o);
	fputs("From a@example.com Mon Jan  1 10:00:00 2024\n", o);
	char blk[65536];
	size_t k;
	while ((k = fread(blk, 1, sizeof(blk), f)) > 0)
		assert_int_equal(fwrite(blk, 1, k, o), k);
	fclose(f);
	static const char tail[] =
	        "From b@example.com Mon Jan  1 11:00:00 2024\n"
	        "Subject: after the big one\n\nx\n";
	fputs("\n", o);
	fputs(tail, o);
	assert_int_equal(fclose(o), 0);
	read_path("mbox", mpath, &g);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_OVERSIZED);
	assert_int_equal(g.skip_off[0], 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.subj[0], "after the big one");
	assert_int_equal(g.off[0], file_size(mpath) - strlen(tail));
	assert_int_equal(g.pos, file_size(mpath));
}

static void test_emlx(void **state)
{
	(void)state;
	static const char msg[] = "From: A <a@example.com>\n"
	                          "Subject: emlx\n"
	                          "\n"
	                          "message body\n";
	static const char plist[] =
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<plist version=\"1.0\">\n<dict>\n"
	        "\t<key>flags</key>\n\t<integer>8590195713</integer>\n"
	        "</dict>\n</plist>\n";
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%zu\n%s%s", strlen(msg), msg,
	                 plist);
	assert_true(n > 0);
	assert_ptr_equal(mh_reader_detect(buf, (size_t)n, "12.emlx"),
	                 mh_reader_by_name("emlx"));
	const char *path = put_str("12.emlx", buf);
	struct got g;
	read_path("emlx", path, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.reader, "emlx");
	assert_string_equal(g.subj[0], "emlx");
	assert_int_equal(g.off[0], 3);
	assert_int_equal(g.line[0], 2);
	/* The plist after the counted bytes is not body. */
	assert_int_equal(g.body_n[0], strlen("message body\n"));
	assert_true(g.complete[0]);
	assert_int_equal(g.flags[0] & MH_MSG_EMLX_PARTIAL, 0);
	assert_int_equal(g.pos, (uint64_t)n);

	/* A count larger than the file: partial, still read. */
	assert_true(snprintf(buf, sizeof(buf), "9999\n%s", msg) > 0);
	read_path("emlx", put_str("13.partial.emlx", buf), &g);
	assert_int_equal(g.n, 1);
	assert_true(g.flags[0] & MH_MSG_EMLX_PARTIAL);
	assert_int_equal(g.body_n[0], strlen("message body\n"));

	/* No count line. */
	assert_true(snprintf(buf, sizeof(buf), "12ab\n%s", msg) > 0);
	read_path("emlx", put_str("14.emlx", buf), &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_int_equal(g.end_rc, 0);
}

/* Defect: empty lines before the first field (LF or CRLF, as some
 * exports write them) ended the header block at once: "no header field",
 * the message and its artefacts lost. */
static void test_eml_leading_blank_lines(void **state)
{
	(void)state;
	static const char msg[] = "\n\n"
	                          "From: A <a@example.com>\n"
	                          "X-Forwarded-To: exfil@proton.example\n"
	                          "Subject: after blank lines\n"
	                          "\n"
	                          "x\n";
	struct got g;
	read_path("eml", put_str("blank.eml", msg), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.first_field, "From");
	assert_string_equal(g.subj[0], "after blank lines");
	/* The record starts at its first field, on line 3. */
	assert_int_equal(g.off[0], 2);
	assert_int_equal(g.line[0], 3);
	assert_int_equal(g.pos, strlen(msg));
	/* CRLF, a line of blanks, and a BOM before them. */
	char *crlf = to_crlf(msg + 1);
	char buf[512];
	snprintf(buf, sizeof(buf), "\xef\xbb\xbf \t\r\n%s", crlf);
	free(crlf);
	read_path("eml", put_str("blank-crlf.eml", buf), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.first_field, "From");
	assert_string_equal(g.subj[0], "after blank lines");
	assert_int_equal(g.off[0], 3 + 4 + 2);
	/* The same inside an emlx, after its byte count. */
	int n = snprintf(buf, sizeof(buf), "%zu\n%s", strlen(msg), msg);
	assert_true(n > 0);
	read_path("emlx", put_str("15.emlx", buf), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.subj[0], "after blank lines");
	assert_int_equal(g.line[0], 4);
	/* Only empty lines: still no header field, skipped with a reason. */
	read_path("eml", put_str("blank-only.eml", "\n\r\n\n"), &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_NO_HEADER);
}

/* Defect: an emlx byte count smaller than the message cut its header
 * block, silently losing the fields after the cut. A count that does not
 * end where the plist starts is not trusted. */
static void test_emlx_bad_count(void **state)
{
	(void)state;
	/* The artefact is the last field: lost when the count is short. */
	static const char msg[] = "From: A <a@example.com>\n"
	                          "To: alice@example.com\n"
	                          "Date: Tue, 2 Jan 2024 00:00:00 +0000\n"
	                          "Message-ID: <count@example.com>\n"
	                          "X-Forwarded-To: exfil@proton.example\n"
	                          "Subject: last field\n"
	                          "\n"
	                          "the body of the message, which is long "
	                          "enough to hold the cut\n";
	static const char plist[] =
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	        "<plist version=\"1.0\">\n<dict>\n"
	        "\t<key>flags</key>\n\t<integer>8590195713</integer>\n"
	        "</dict>\n</plist>\n";
	size_t ml = strlen(msg), body = strlen(strstr(msg, "\n\n") + 2);
	char buf[2048];
	struct got g;
	/* The count 100 short ends inside the header block. */
	int n = snprintf(buf, sizeof(buf), "%zu\n%s%s", ml - 100, msg, plist);
	assert_true(n > 0);
	read_path("emlx", put_str("16.emlx", buf), &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.subj[0], "last field");
	/* Read up to the plist, not into it. */
	assert_int_equal(g.body_n[0], body);
	assert_true(g.complete[0]);
	/* Noted and counted, never silent. */
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_int_equal(g.skip_off[0], 4 + ml - 100);
	assert_int_equal(g.end_rc, 0);
	assert_int_equal(g.pos, (uint64_t)n);

	/* Short and no plist: read to the end of the file. */
	assert_true(snprintf(buf, sizeof(buf), "%zu\n%s", ml - 100, msg) > 0);
	read_path("emlx", put_str("17.emlx", buf), &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.subj[0], "last field");
	assert_int_equal(g.body_n[0], body);
	assert_int_equal(g.nskip, 1);

	/* Too large, but ending inside the plist: cut at the plist. */
	assert_true(snprintf(buf, sizeof(buf), "%zu\n%s%s", ml + 30, msg,
	                     plist) > 0);
	read_path("emlx", put_str("18.emlx", buf), &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.body_n[0], body);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.flags[0] & MH_MSG_EMLX_PARTIAL, 0);

	/* Plausible ends are trusted and not noted: right at "<?xml", after
	 * one more newline (Apple Mail writes both), or at the end. */
	assert_true(snprintf(buf, sizeof(buf), "%zu\n%s\n%s", ml, msg, plist) >
	            0);
	read_path("emlx", put_str("19.emlx", buf), &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.body_n[0], body);
	assert_true(snprintf(buf, sizeof(buf), "%zu\n%s\n%s", ml + 1, msg,
	                     plist) > 0);
	read_path("emlx", put_str("20.emlx", buf), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.body_n[0], body + 1);
	assert_true(snprintf(buf, sizeof(buf), "%zu\n%s\n", ml, msg) > 0);
	read_path("emlx", put_str("21.emlx", buf), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.body_n[0], body);
	/* The count of a body that holds XML is still trusted. */
	assert_true(snprintf(buf, sizeof(buf),
	                     "%zu\n%s<?xml version=\"1.0\"?>\n%s", ml + 22, msg,
	                     plist) > 0);
	read_path("emlx", put_str("22.emlx", buf), &g);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.body_n[0], body + 22);
}

/* A gzip-compressed .eml cut in its trailer, with a bad CRC or with
 * trailing garbage: the message is read, then the damage reported. */
static void test_eml_gzip_damage(void **state)
{
	(void)state;
	static const char msg[] = "From: A <a@example.com>\n"
	                          "X-Forwarded-To: exfil@proton.example\n"
	                          "Subject: gzipped\n"
	                          "\n"
	                          "body\n";
	const char *full = put_gz("g.eml.gz", msg, strlen(msg));
	uint64_t zn = file_size(full);
	FILE *f = fopen(full, "rb");
	assert_non_null(f);
	char z[512];
	assert_true(zn < sizeof(z));
	assert_int_equal(fread(z, 1, zn, f), zn);
	fclose(f);
	struct got g;
	/* The 8-byte trailer cut: all bytes inflate, none may be lost. */
	read_path("eml", put("cut.eml.gz", z, zn - 8), &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.subj[0], "gzipped");
	assert_int_equal(g.body_n[0], 5);
	assert_int_equal(g.end_rc, MH_ETRUNC);
	/* A flipped CRC byte. */
	z[zn - 8] = (char)(z[zn - 8] ^ 1);
	read_path("eml", put("crc.eml.gz", z, zn), &g);
	z[zn - 8] = (char)(z[zn - 8] ^ 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.end_rc, MH_EFORMAT);
	/* Only the header of the gzip: nothing to read, reported. */
	read_path("eml", put("hdr.eml.gz", z, 5), &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.end_rc, MH_ETRUNC);
	/* Trailing garbage: a warning, counted once. */
	memcpy(z + zn, "junk", 4);
	read_path("eml", put("junk.eml.gz", z, zn + 4), &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	assert_int_equal(g.end_rc, 0);
	/* And a clean one ends clean. */
	read_path("eml", full, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.end_rc, 0);
}

static void test_maildir_entry(void **state)
{
	(void)state;
	assert_int_equal(mkdir(tpath("md"), 0700), 0);
	assert_int_equal(mkdir(tpath("md/cur"), 0700), 0);
	static const char s[] = "From: bob@example.org\n"
	                        "Subject: in cur\n"
	                        "Date: Mon, 1 Jan 2024 00:00:05 +0000\n"
	                        "\n"
	                        "seen message\n";
	struct mh_source src;
	memset(&src, 0, sizeof(src));
	src.path = put_str("md/cur/1704067205.M1P2.host:2,FRS", s);
	src.mailbox = "bob@example.org";
	src.folder = "INBOX";
	src.range_end = UINT64_MAX;
	struct got g;
	read_src("maildir", &src, NULL, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.reader, "maildir");
	assert_string_equal(g.mailbox, "bob@example.org");
	assert_string_equal(g.folder, "INBOX");
	assert_string_equal(g.subj[0], "in cur");
	assert_int_equal(g.ts[0], T2024 + 5);
	assert_int_equal(g.pos, strlen(s));
}

/* MARK: - probing */

static void test_probe_content_decides(void **state)
{
	(void)state;
	const struct mh_reader_ops *mbox = mh_reader_by_name("mbox");
	const struct mh_reader_ops *eml = mh_reader_by_name("eml");
	const struct mh_reader_ops *emlx = mh_reader_by_name("emlx");
	assert_non_null(mbox);
	assert_non_null(eml);
	assert_non_null(emlx);
	assert_non_null(mh_reader_by_name("maildir"));
	assert_null(mh_reader_by_name("pst"));
	static const char eml_s[] = "Received: from x by y; Mon, 1 Jan 2024\n"
	                            "Subject: hi\n\nbody\n";
	static const char emlx_s[] = "42\nFrom: a@b\nSubject: x\n\n";
	static const char text[] = "Just some notes.\nNothing else.\n";
	assert_ptr_equal(mh_reader_detect(MBOX, sizeof(MBOX) - 1, "x.eml"),
	                 mbox);
	assert_ptr_equal(mh_reader_detect(MBOX, sizeof(MBOX) - 1, "INBOX"),
	                 mbox);
	assert_ptr_equal(mh_reader_detect(eml_s, strlen(eml_s), "x.mbox"), eml);
	assert_ptr_equal(mh_reader_detect(emlx_s, strlen(emlx_s), "x.eml"),
	                 emlx);
	assert_null(mh_reader_detect(text, strlen(text), "README"));
	assert_null(mh_reader_detect(text, strlen(text), "x.mbox"));
	/* The name breaks a tie only: text named .emlx is claimed. */
	assert_ptr_equal(mh_reader_detect(text, strlen(text), "1.emlx"), emlx);
	assert_null(mh_reader_detect("", 0, "empty"));
	/* A bare "From sender" line counts only before a header field. */
	assert_ptr_equal(
	        mh_reader_detect("From a@b\nSubject: x\n\n", 21, "takeout"),
	        mbox);
	assert_null(mh_reader_detect("From a@b\nhello\n", 15, "notes"));
	/* "From Russia with love" is prose, not an mbox. */
	assert_null(mh_reader_detect("From Russia with love\n", 22, "book"));
}

/* MARK: - real samples */

static const char *corpus(const char *rel)
{
	static char p[4300];
	snprintf(p, sizeof(p), "%s/data/%s", shared, rel);
	return p;
}

static void test_real_mboxes(void **state)
{
	(void)state;
	struct got g;
	/* 5 messages, all From_ lines after empty lines. */
	const char *rlug = corpus("mail-corpus/james-mime4j/examples/src/main/"
	                          "resources/mbox-example/mbox.rlug.mbox");
	read_path("mbox", rlug, &g);
	assert_int_equal(g.n, 5);
	assert_int_equal(g.nskip, 0);
	assert_int_equal(g.pos, file_size(rlug));
	check_splits(rlug, file_size(rlug), NULL, 211);
	/* 29 messages when Content-Length is honoured (MimeKit's
	 * content-length-summary.txt), 19 by the blank-line rule. */
	const char *cl = corpus("mail-corpus/mimekit/mbox/content-length.mbox");
	read_path("mbox", cl, &g);
	assert_int_equal(g.n + g.nskip, 29);
	assert_int_equal(g.pos, file_size(cl));
	/* Netscape separators without empty lines: 3 messages. */
	read_path("mbox", corpus("mail-corpus/mimekit/mbox/simple.mbox"), &g);
	assert_int_equal(g.n, 3);
	/* BOM, and "From Russia" body lines after empty lines: those are
	 * no From_ lines, so the author's 2 messages. */
	read_path("mbox", corpus("mail-corpus/mimekit/mbox/unmunged.mbox"), &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.off[0], 0);
}

static void test_real_emlx(void **state)
{
	(void)state;
	struct got g;
	/* Byte count 497, plist trailer present. */
	const char *p = corpus("mail-corpus/emlx-rs/2.emlx");
	read_path("emlx", p, &g);
	assert_int_equal(g.n, 1);
	/* "497" padded with blanks to 9 bytes, then LF. */
	assert_int_equal(g.off[0], 10);
	assert_true(g.complete[0]);
	assert_int_equal(g.pos, file_size(p));
	/* First line is not a byte count. */
	read_path("emlx", corpus("mail-corpus/emlx-rs/broken2.emlx"), &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.nskip, 1);
	assert_int_equal(g.skip_reason[0], MH_SKIP_MALFORMED);
	/* A BOM before "From:" (the field used to be lost). */
	read_path(
	        "eml",
	        corpus("mail-corpus/mimekit/messages/feedback-report.txt.eml"),
	        &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.first_field, "From");
	assert_non_null(strstr(g.from, "abusedesk@example.com"));
	/* An eml with an mbox From_ line first. */
	read_path("eml", corpus("mail/nice_001.eml"), &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.first_field[0] != '\0', 1);
	assert_true(g.ts[0] != MH_TS_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_mbox_lf),
	        cmocka_unit_test(test_mbox_crlf),
	        cmocka_unit_test(test_mbox_unquoted_from),
	        cmocka_unit_test(test_mbox_netscape_no_blank),
	        cmocka_unit_test(test_mbox_envelope),
	        cmocka_unit_test(test_mbox_content_length),
	        cmocka_unit_test(test_mbox_content_length_large),
	        cmocka_unit_test(test_mbox_content_length_lies_gz),
	        cmocka_unit_test(test_mbox_no_from_line),
	        cmocka_unit_test(test_mbox_truncated),
	        cmocka_unit_test(test_mbox_header_only),
	        cmocka_unit_test(test_mbox_bom_and_source),
	        cmocka_unit_test(test_mbox_chunks_small),
	        cmocka_unit_test(test_mbox_chunks_crlf_empty_body),
	        cmocka_unit_test(test_mbox_chunks_big),
	        cmocka_unit_test(test_mbox_leading_blank),
	        cmocka_unit_test(test_mbox_long_from_line),
	        cmocka_unit_test(test_mbox_rfc5322_date),
	        cmocka_unit_test(test_mbox_gzip),
	        cmocka_unit_test(test_eml_crlf),
	        cmocka_unit_test(test_eml_bom),
	        cmocka_unit_test(test_eml_from_line),
	        cmocka_unit_test(test_eml_binary),
	        cmocka_unit_test(test_eml_huge_header_line),
	        cmocka_unit_test(test_emlx),
	        cmocka_unit_test(test_eml_leading_blank_lines),
	        cmocka_unit_test(test_emlx_bad_count),
	        cmocka_unit_test(test_eml_gzip_damage),
	        cmocka_unit_test(test_maildir_entry),
	        cmocka_unit_test(test_probe_content_decides),
	};
	const struct CMUnitTest real[] = {
	        cmocka_unit_test(test_real_mboxes),
	        cmocka_unit_test(test_real_emlx),
	};
	int rc = cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
	if (!have_shared("data/mail-corpus/MANIFEST.tsv")) {
		fprintf(stderr, "shared samples not found: real-data tests "
		                "skipped\n");
		return rc ? rc : 77;
	}
	return rc + cmocka_run_group_tests(real, NULL, NULL);
}
