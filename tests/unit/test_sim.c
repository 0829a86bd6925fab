/* Unit tests for `mailhunt simulate` (src/sim): byte-identical output
 * for a seed, ground truth that matches the artefacts actually written,
 * every message well-formed (blank line after the header, Date parses,
 * encoded words decode, MIME multiparts closed), mboxrd quoting, size and
 * count targets, gzip, option checks. Cases are written to a temporary
 * directory and removed afterwards. */
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
#include <unistd.h>
#include <zlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/time.h"
#include "mail/date.h"
#include "mail/rfc2047.h"
#include "mail/rfc5322.h"
#include "sim/sim.h"
#include "sim/simtext.h"

/* MARK: - files */

static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof(tmpl), "%s/mh-test-sim.XXXXXX",
	         base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Each test writing files gets a fresh directory, removed even when
 * the test fails. */
static int setup_dir(void **state)
{
	*state = make_tmpdir();
	return 0;
}

static int teardown_dir(void **state)
{
	if (*state)
		nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

/* Whole file, inflated when gzip (zlib reads plain files as they are). */
static char *slurp(const char *path, size_t *len)
{
	gzFile g = gzopen(path, "rb");
	assert_non_null(g);
	struct mh_buf b = MH_BUF_INIT((size_t)1 << 31);
	char tmp[1 << 16];
	int n;
	while ((n = gzread(g, tmp, sizeof(tmp))) > 0)
		assert_int_equal(mh_buf_add(&b, tmp, (size_t)n), MH_OK);
	assert_true(n == 0);
	gzclose(g);
	char *p = mh_buf_detach(&b, len);
	assert_non_null(p);
	return p;
}

static uint64_t file_size(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return (uint64_t)sb.st_size;
}

/* Sorted list of regular files under a directory (relative paths). */
static struct {
	char **v;
	size_t n, root;
} walk;

static int collect(const char *path, const struct stat *sb, int flag,
                   struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	walk.v = realloc(walk.v, (walk.n + 1) * sizeof(*walk.v));
	assert_non_null(walk.v);
	walk.v[walk.n++] = strdup(path + walk.root);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_files(const char *dir, size_t *n)
{
	walk.v = NULL;
	walk.n = 0;
	walk.root = strlen(dir);
	assert_int_equal(nftw(dir, collect, 16, FTW_PHYS), 0);
	qsort(walk.v, walk.n, sizeof(*walk.v), cmp_str);
	*n = walk.n;
	return walk.v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static void run_sim(struct mh_sim_opts *o, const char *dir,
                    struct mh_sim_stats *st)
{
	struct mh_err err;
	mh_err_clear(&err);
	o->out_dir = dir;
	int rc = mh_sim_run(o, st, &err);
	if (rc)
		fail_msg("mh_sim_run: %s", err.msg);
}

/* MARK: - messages */

/* What the walk over a case found. */
struct seen {
	uint64_t messages, mbox_messages, maildir_messages;
	uint64_t crlf, rfc822, report, lists, autoreplies, resent;
	uint64_t fwd_encrypted, encoded_subjects, raw_from, quoted_from;
	uint64_t autofwd_top; /* X-MS-Exchange-Organization-AutoForwarded */
	/* per artefact key ("rules:alice@corp.example"): count, dates */
	struct art {
		char key[200], dest[200];
		unsigned n;
		int64_t first, last;
		int dest_ok;
	} art[16];
	unsigned nart;
};

static struct mh_slice field(const struct mh_field *f, size_t n,
                             const char *name, struct mh_buf *tmp)
{
	const struct mh_field *x = mh_hdr_find(f, n, name);
	mh_buf_reset(tmp);
	if (!x)
		return mh_slice_make(NULL, 0);
	assert_int_equal(mh_hdr_unfold(x->value, tmp), MH_OK);
	return mh_slice_make(tmp->p ? tmp->p : "", tmp->len);
}

static void note_artefact(struct seen *s, const char *kind, struct mh_slice who,
                          const char *dest, int64_t date)
{
	char key[200];
	snprintf(key, sizeof(key), "%s:%.*s", kind, (int)who.n, who.p);
	unsigned i = 0;
	while (i < s->nart && strcmp(s->art[i].key, key) != 0)
		i++;
	if (i == s->nart) {
		assert_true(s->nart < 16);
		s->nart++;
		snprintf(s->art[i].key, sizeof(s->art[i].key), "%s", key);
		snprintf(s->art[i].dest, sizeof(s->art[i].dest), "%s", dest);
		s->art[i].first = s->art[i].last = date;
		s->art[i].dest_ok = 1;
	}
	struct art *a = &s->art[i];
	a->n++;
	if (date < a->first)
		a->first = date;
	if (date > a->last)
		a->last = date;
	if (strcmp(a->dest, dest) != 0)
		a->dest_ok = 0;
}

/* Checks one message p[0..n) and records what it carries. */
static void check_message(struct seen *s, const char *p, size_t n,
                          const char *where)
{
	size_t hl = 0, bo = 0;
	if (mh_hdr_end(p, n, 0, &hl, &bo) != MH_OK)
		fail_msg("%s: no blank line after the header", where);
	struct mh_arena a;
	mh_arena_init(&a, 1 << 14, 0);
	struct mh_field *f = NULL;
	size_t nf = 0, bad = 0;
	assert_int_equal(mh_hdr_split(p, hl, &a, 1000, &f, &nf, &bad), MH_OK);
	if (bad)
		fail_msg("%s: %zu header lines are not fields", where, bad);
	struct mh_buf v = MH_BUF_INIT(1 << 20), dec = MH_BUF_INIT(1 << 20);

	/* Date */
	int64_t date = 0;
	int tz;
	struct mh_slice d = field(f, nf, "Date", &v);
	if (!d.p || mh_date_parse(d, &date, &tz) != MH_OK)
		fail_msg("%s: Date missing or bad", where);
	if (!mh_hdr_find(f, nf, "From") || !mh_hdr_find(f, nf, "Message-ID"))
		fail_msg("%s: From or Message-ID missing", where);
	/* The delivery time, what a scan reports (docs/FORWARDING.md): the
	 * date after the last ';' of the top-most Received. */
	int64_t delivered = date;
	struct mh_slice rc = field(f, nf, "Received", &v);
	if (rc.p) {
		size_t semi = rc.n;
		while (semi > 0 && rc.p[semi - 1] != ';')
			semi--;
		if (semi == 0 ||
		    mh_date_parse(mh_slice_make(rc.p + semi, rc.n - semi),
		                  &delivered, &tz) != MH_OK)
			fail_msg("%s: top Received has no date", where);
	}
	/* Encoded words decode cleanly in Subject, From, To. */
	static const char *const enc_fields[] = {"Subject", "From", "To"};
	for (size_t k = 0; k < 3; k++) {
		struct mh_slice x = field(f, nf, enc_fields[k], &v);
		unsigned flags = 0;
		mh_buf_reset(&dec);
		assert_int_equal(mh_rfc2047_decode(x, NULL, &dec, &flags),
		                 MH_OK);
		if (flags & (MH_2047_BROKEN | MH_2047_CHARSET))
			fail_msg("%s: %s does not decode: %.*s", where,
			         enc_fields[k], (int)x.n, x.p);
		if (k == 0 && memmem(x.p, x.n, "=?", 2))
			s->encoded_subjects++;
	}
	/* A declared multipart boundary is closed in the body. */
	struct mh_slice ct = field(f, nf, "Content-Type", &v);
	const char *bnd = ct.p ? memmem(ct.p, ct.n, "boundary=\"", 10) : NULL;
	if (bnd) {
		bnd += 10;
		const char *q = memchr(bnd, '"', (size_t)(ct.p + ct.n - bnd));
		assert_non_null(q);
		char close[200];
		int cl = snprintf(close, sizeof(close), "\n--%.*s--",
		                  (int)(q - bnd), bnd);
		if (!memmem(p + bo - 1, n - bo + 1, close, (size_t)cl))
			fail_msg("%s: multipart not closed (%s)", where,
			         close + 1);
		if (memmem(ct.p, ct.n, "multipart/report", 16))
			s->report++;
	}
	if (memmem(p + bo, n - bo, "Content-Type: message/rfc822", 28))
		s->rfc822++;
	if (hl >= 2 && p[hl - 2] == '\r')
		s->crlf++;
	if (mh_hdr_find(f, nf, "List-Id"))
		s->lists++;
	if (mh_hdr_find(f, nf, "Resent-From"))
		s->resent++;
	if (mh_hdr_find(f, nf, "X-Forwarded-Encrypted"))
		s->fwd_encrypted++;
	struct mh_slice as = field(f, nf, "Auto-Submitted", &v);
	if (as.n && mh_slice_istarts(as, "auto-replied"))
		s->autoreplies++;

	/* Artefacts, top-level fields only (docs/FORWARDING.md). The
	 * destination is the top-most Delivered-To. */
	char dest[200] = "";
	struct mh_slice dt = field(f, nf, "Delivered-To", &v);
	snprintf(dest, sizeof(dest), "%.*s", (int)dt.n, dt.p ? dt.p : "");
	struct mh_slice x =
	        field(f, nf, "X-MS-Exchange-Organization-AutoForwarded", &v);
	if (x.n)
		s->autofwd_top++;
	x = field(f, nf, "X-MS-Exchange-Inbox-Rules-Loop", &v);
	if (x.n)
		note_artefact(s, "rules", x, dest, delivered);
	x = field(f, nf, "X-MS-Exchange-ForwardingLoop", &v);
	if (x.n) {
		const char *semi = memchr(x.p, ';', x.n);
		assert_non_null(semi);
		note_artefact(s, "fwdloop",
		              mh_slice_make(x.p, (size_t)(semi - x.p)), dest,
		              delivered);
	}
	x = field(f, nf, "X-Forwarded-For", &v);
	const char *sp = x.n ? memchr(x.p, ' ', x.n) : NULL;
	if (sp)
		note_artefact(s, "gmail",
		              mh_slice_make(x.p, (size_t)(sp - x.p)), dest,
		              delivered);
	x = field(f, nf, "X-Sieve-Redirected-From", &v);
	if (x.n)
		note_artefact(s, "sieve", x, dest, delivered);

	mh_buf_release(&v);
	mh_buf_release(&dec);
	mh_arena_release(&a);
	s->messages++;
}

/* "From sender asctime-date" as written by the generator. */
static int from_line(const char *p, size_t n)
{
	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	const char *sp = memchr(p + 5, ' ', n - 5);
	int64_t t;
	return sp && mh_date_parse_asctime(
	                     mh_slice_make(sp + 1, (size_t)(p + n - sp - 1)),
	                     &t) == MH_OK;
}

static void check_mbox(struct seen *s, const char *path)
{
	size_t n;
	char *p = slurp(path, &n);
	size_t ll = strcspn(p, "\n");
	if (!from_line(p, ll) || ll >= n)
		fail_msg("%s: does not start with a From_ line", path);
	size_t start = ll + 1; /* first byte of the current message */
	size_t i = start;      /* current line */
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t le = nl ? (size_t)(nl - p) : n;
		int blank_before = p[i - 1] == '\n' &&
		                   (p[i - 2] == '\n' || p[i - 2] == '\r');
		if (blank_before && p[i - 2] == '\n' &&
		    from_line(p + i, le - i)) {
			/* The writer ends each message with one extra LF. */
			check_message(s, p + start, i - 1 - start, path);
			s->mbox_messages++;
			start = le + 1;
		} else if (le - i >= 5 && !memcmp(p + i, "From ", 5)) {
			/* An unquoted body line: only the deliberate one,
			 * after a blank line, never a valid From_ line. */
			if (strncmp(p + i, "From here on the plan", 21) ||
			    !blank_before)
				fail_msg("%s: unquoted From line at %zu", path,
				         i);
			s->raw_from++;
		} else if (le - i >= 6 && !memcmp(p + i, ">From ", 6)) {
			s->quoted_from++;
		}
		i = le + 1;
	}
	assert_true(n > start && p[n - 1] == '\n');
	check_message(s, p + start, n - 1 - start, path);
	s->mbox_messages++;
	free(p);
}

static void check_case(const char *dir, struct seen *s)
{
	size_t n;
	char **files = list_files(dir, &n);
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s%s", dir, files[i]);
		if (has_suffix(files[i], ".mbox") ||
		    has_suffix(files[i], ".mbox.gz")) {
			check_mbox(s, path);
		} else if (strstr(files[i], "/cur/") ||
		           strstr(files[i], "/new/")) {
			/* <time>.<seq>_<n>.sim.example,S=<size>[:2,flags] */
			const char *b = strrchr(files[i], '/') + 1;
			const char *sz = strstr(b, ",S=");
			assert_non_null(strstr(b, ".sim.example,S="));
			assert_int_equal(strtoull(sz + 3, NULL, 10),
			                 file_size(path));
			if (strstr(files[i], "/cur/"))
				assert_non_null(strstr(b, ":2,"));
			size_t len;
			char *p = slurp(path, &len);
			check_message(s, p, len, path);
			s->maildir_messages++;
			free(p);
		}
	}
	free_list(files, n);
}

struct truth {
	char name[64], rule[32], level[16], mailbox[200], dest[200];
	unsigned count;
	char first[32], last[32];
};

static size_t read_truth(const char *dir, struct truth *t, size_t max)
{
	char path[4096], line[2048];
	snprintf(path, sizeof(path), "%s/ground-truth.tsv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(
	        strncmp(line, "scenario\trule_id\tlevel\tmailbox\t", 31), 0);
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		assert_true(n < max);
		int k = sscanf(
		        line,
		        "%63[^\t]\t%31[^\t]\t%15[^\t]\t%199[^\t]\t%199[^\t]"
		        "\t%u\t%31[^\t]\t%31[^\t\n]",
		        t[n].name, t[n].rule, t[n].level, t[n].mailbox,
		        t[n].dest, &t[n].count, t[n].first, t[n].last);
		assert_int_equal(k, 8);
		n++;
	}
	fclose(f);
	return n;
}

/* Every truth line is backed by exactly its messages, and every message
 * with an artefact is named by a truth line. */
static void check_truth(const char *dir, const struct seen *s,
                        const struct mh_sim_stats *st)
{
	struct truth t[16];
	size_t nt = read_truth(dir, t, 16);
	assert_int_equal(nt, st->truth_lines);
	uint64_t named = 0, autofwd = 0;
	unsigned matched = 0;
	for (size_t i = 0; i < nt; i++) {
		/* exchange-forwardingsmtpaddress, -forwardingaddress: the
		 * forwarding-loop field; gmail-forwarding: X-Forwarded-For. */
		const char *kind = strstr(t[i].name, "inbox-rule")   ? "rules"
		                   : strstr(t[i].name, "gmail")      ? "gmail"
		                   : strstr(t[i].name, "forwarding") ? "fwdloop"
		                                                     : "sieve";
		char key[300];
		snprintf(key, sizeof(key), "%s:%s", kind, t[i].mailbox);
		const struct art *a = NULL;
		for (unsigned k = 0; k < s->nart; k++)
			if (!strcmp(s->art[k].key, key))
				a = &s->art[k];
		if (!a)
			fail_msg("truth line %zu (%s): no such messages", i,
			         key);
		assert_int_equal(a->n, t[i].count);
		assert_true(a->dest_ok);
		assert_string_equal(a->dest, t[i].dest);
		char first[21], last[21];
		mh_time_iso(a->first, first);
		mh_time_iso(a->last, last);
		assert_string_equal(first, t[i].first);
		assert_string_equal(last, t[i].last);
		/* The ratio line repeats its scenario's messages. */
		if (strcmp(t[i].rule, "MH-FWD-RATIO") != 0) {
			named += a->n;
			matched++;
			if (!strcmp(kind, "rules") || !strcmp(kind, "fwdloop"))
				autofwd += a->n;
		}
	}
	assert_int_equal(matched, s->nart); /* none extra */
	assert_int_equal(named, st->scenario_messages);
	/* Nested (message/rfc822) auto-forward fields are not counted:
	 * top-level ones belong to the Exchange scenarios only. */
	assert_int_equal(s->autofwd_top, autofwd);
}

/* MARK: - tests */

static void same_tree(const char *a, const char *b, int *differs)
{
	size_t na, nb;
	char **fa = list_files(a, &na), **fb = list_files(b, &nb);
	*differs = na != nb;
	for (size_t i = 0; i < na && i < nb && !*differs; i++) {
		if (strcmp(fa[i], fb[i]) != 0) {
			*differs = 1;
			break;
		}
		char pa[4096], pb[4096];
		snprintf(pa, sizeof(pa), "%s%s", a, fa[i]);
		snprintf(pb, sizeof(pb), "%s%s", b, fb[i]);
		FILE *x = fopen(pa, "rb"), *y = fopen(pb, "rb");
		assert_non_null(x);
		assert_non_null(y);
		int cx, cy;
		do {
			cx = getc(x);
			cy = getc(y);
		} while (cx == cy && cx != EOF);
		*differs = cx != cy;
		fclose(x);
		fclose(y);
	}
	free_list(fa, na);
	free_list(fb, nb);
}

static void test_deterministic(void **state)
{
	const char *root = *state;
	char a[4200], b[4200], c[4200];
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	snprintf(c, sizeof(c), "%s/c", root);
	struct mh_sim_opts o;
	struct mh_sim_stats sa, sb, sc;
	mh_sim_opts_default(&o);
	o.seed = 42;
	o.format = MH_SIM_BOTH;
	o.messages = 400;
	run_sim(&o, a, &sa);
	run_sim(&o, b, &sb);
	o.seed = 43;
	run_sim(&o, c, &sc);
	int differs;
	same_tree(a, b, &differs);
	assert_false(differs);
	assert_memory_equal(&sa, &sb, sizeof(sa));
	same_tree(a, c, &differs);
	assert_true(differs);
}

static void test_maildir_case(void **state)
{
	const char *dir = *state;
	struct mh_sim_opts o;
	struct mh_sim_stats st;
	struct seen s;
	mh_sim_opts_default(&o);
	o.messages = 1500;
	run_sim(&o, dir, &st);
	check_case(dir, &s);
	/* Count mode is exact; the journal is an mbox. */
	assert_int_equal(st.messages, 1500);
	assert_int_equal(s.messages, 1500);
	assert_int_equal(s.maildir_messages + s.mbox_messages, 1500);
	assert_true(s.maildir_messages > 1000);
	assert_int_equal(st.scenarios, 5);
	assert_int_equal(st.truth_lines, 6);
	check_truth(dir, &s, &st);
	/* The benign traps are all there. */
	assert_true(s.crlf > 0);
	assert_true(s.rfc822 > 0);
	assert_true(s.report > 0);
	assert_true(s.lists > 0);
	assert_true(s.autoreplies > 0);
	assert_true(s.resent > 0);
	assert_true(s.fwd_encrypted > 0);
	assert_true(s.encoded_subjects > 0);
	/* Maildir++ folders exist for every user. */
	char p[4200];
	snprintf(p, sizeof(p),
	         "%s/maildir/corp.example/heidi/Maildir/.Sent/cur", dir);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
}

static void test_mbox_case(void **state)
{
	const char *dir = *state;
	struct mh_sim_opts o;
	struct mh_sim_stats st;
	struct seen s;
	mh_sim_opts_default(&o);
	o.seed = 7;
	o.format = MH_SIM_MBOX;
	o.messages = 2500;
	o.org_domain = "example.org";
	run_sim(&o, dir, &st);
	check_case(dir, &s);
	assert_int_equal(s.mbox_messages, 2500);
	assert_int_equal(s.maildir_messages, 0);
	check_truth(dir, &s, &st);
	/* mboxrd quoting happened, and the deliberate unquoted lines
	 * (which are no From_ lines) are there too. */
	assert_true(s.quoted_from > 0);
	assert_true(s.raw_from > 0);
	struct truth t[16];
	size_t nt = read_truth(dir, t, 16);
	assert_int_equal(nt, 6);
	assert_string_equal(t[0].mailbox, "alice@example.org");
}

static void test_size_target(void **state)
{
	const char *dir = *state;
	char sub[4200];
	struct mh_sim_opts o;
	struct mh_sim_stats st;
	struct seen s;
	const uint64_t target = (uint64_t)6 << 20;

	mh_sim_opts_default(&o);
	o.seed = 3;
	o.single_mbox = 1;
	o.format = MH_SIM_MBOX;
	o.target_bytes = target;
	snprintf(sub, sizeof(sub), "%s/one", dir);
	run_sim(&o, sub, &st);
	snprintf(sub, sizeof(sub), "%s/one/mbox/all.mbox", dir);
	uint64_t got = file_size(sub);
	assert_true(got >= target - target / 20 && got <= target + target / 20);
	snprintf(sub, sizeof(sub), "%s/one", dir);
	check_case(sub, &s);
	check_truth(sub, &s, &st);
	assert_int_equal(s.messages, st.messages);
	/* Average message of 4..12 KiB. */
	assert_true(got / st.messages >= 4096 && got / st.messages <= 12288);

	o.single_mbox = 0;
	o.format = MH_SIM_MAILDIR;
	o.target_bytes = (uint64_t)4 << 20;
	snprintf(sub, sizeof(sub), "%s/md", dir);
	run_sim(&o, sub, &st);
	size_t n;
	char **files = list_files(sub, &n);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		char p[8400];
		snprintf(p, sizeof(p), "%s%s", sub, files[i]);
		if (strstr(files[i], "/cur/") || strstr(files[i], "/new/") ||
		    has_suffix(files[i], ".mbox"))
			total += file_size(p);
	}
	free_list(files, n);
	assert_true(total >= o.target_bytes - o.target_bytes / 20 &&
	            total <= o.target_bytes + o.target_bytes / 20);
}

static void test_gzip(void **state)
{
	const char *dir = *state;
	char a[4200], b[4200];
	struct mh_sim_opts o;
	struct mh_sim_stats st;
	mh_sim_opts_default(&o);
	o.seed = 5;
	o.format = MH_SIM_MBOX;
	o.messages = 300;
	snprintf(a, sizeof(a), "%s/plain", dir);
	run_sim(&o, a, &st);
	o.gzip = 1;
	snprintf(b, sizeof(b), "%s/gz", dir);
	run_sim(&o, b, &st);
	static const char *const files[] = {"/journal/outbound.mbox",
	                                    "/mbox/alice@corp.example.mbox"};
	for (size_t i = 0; i < 2; i++) {
		char pa[4400], pb[4400];
		snprintf(pa, sizeof(pa), "%s%s", a, files[i]);
		snprintf(pb, sizeof(pb), "%s%s.gz", b, files[i]);
		FILE *f = fopen(pb, "rb");
		assert_non_null(f);
		assert_int_equal(getc(f), 0x1f);
		assert_int_equal(getc(f), 0x8b);
		fclose(f);
		size_t la, lb;
		char *x = slurp(pa, &la), *y = slurp(pb, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(x, y, la);
		assert_true(file_size(pb) < file_size(pa));
		free(x);
		free(y);
	}
	assert_true(st.disk_bytes < st.bytes);
}

static void test_counts_and_subsets(void **state)
{
	const char *dir = *state;
	char sub[4200];
	struct mh_sim_opts o;
	struct mh_sim_stats st;
	struct seen s;

	/* Fewer messages than the scenarios need: the scenarios win. */
	mh_sim_opts_default(&o);
	o.messages = 10;
	snprintf(sub, sizeof(sub), "%s/tiny", dir);
	run_sim(&o, sub, &st);
	check_case(sub, &s);
	assert_true(st.messages > 10);
	assert_int_equal(s.messages, st.messages);
	check_truth(sub, &s, &st);

	/* One scenario only; many users, generated names beyond the list. */
	mh_sim_opts_default(&o);
	o.messages = 600;
	o.mailboxes = 30;
	o.scenarios = MH_SIM_SC_GMAIL;
	snprintf(sub, sizeof(sub), "%s/gmail", dir);
	run_sim(&o, sub, &st);
	check_case(sub, &s);
	assert_int_equal(st.truth_lines, 1);
	assert_int_equal(s.nart, 1);
	check_truth(sub, &s, &st);
	snprintf(sub, sizeof(sub), "%s/gmail/maildir/corp.example/alice2", dir);
	struct stat sb;
	assert_int_equal(stat(sub, &sb), 0);

	/* Benign only: no artefact anywhere, a header-only truth file. */
	mh_sim_opts_default(&o);
	o.messages = 500;
	o.scenarios = 0;
	o.mailboxes = 1;
	o.format = MH_SIM_MBOX;
	snprintf(sub, sizeof(sub), "%s/benign", dir);
	run_sim(&o, sub, &st);
	check_case(sub, &s);
	assert_int_equal(s.messages, 500);
	assert_int_equal(s.nart, 0);
	assert_int_equal(s.autofwd_top, 0);
	assert_int_equal(st.truth_lines, 0);
	check_truth(sub, &s, &st);
}

/* --exchange-journal: one mbox of large Exchange Online messages, one in
 * ten an auto-forwarded copy of one of five set-ups, every copy named by
 * the ground truth with its ratio line where its copies do not look
 * forwarded. */
static void test_exchange_journal(void **state)
{
	const char *dir = *state;
	char sub[4200], a[4200], b[4200];
	struct mh_sim_opts o;
	struct mh_sim_stats st, st2;
	struct seen s;
	mh_sim_opts_default(&o);
	o.exchange_journal = 1;
	o.scenarios = 0;
	o.seed = 42;
	o.target_bytes = (uint64_t)24 << 20;
	snprintf(sub, sizeof(sub), "%s/exo", dir);
	run_sim(&o, sub, &st);
	snprintf(a, sizeof(a), "%s/exo/mbox/all.mbox", dir);
	uint64_t size = file_size(a);
	check_case(sub, &s);
	check_truth(sub, &s, &st);
	assert_int_equal(s.mbox_messages, st.messages);
	assert_int_equal(s.maildir_messages, 0);
	/* ~28 KiB messages; 8 to 12 % auto-forwarded copies. */
	assert_true(size / st.messages >= 24 * 1024 &&
	            size / st.messages <= 32 * 1024);
	assert_true(s.autofwd_top * 100 >= st.messages * 8 &&
	            s.autofwd_top * 100 <= st.messages * 12);
	assert_int_equal(s.autofwd_top, st.scenario_messages);
	/* Five set-ups; the four whose copies do not look forwarded also
	 * have a ratio line. */
	assert_int_equal(s.nart, 5);
	assert_int_equal(st.truth_lines, 9);
	struct truth t[16];
	size_t nt = read_truth(sub, t, 16);
	unsigned ratio = 0, internal = 0;
	for (size_t i = 0; i < nt; i++) {
		ratio += !strcmp(t[i].rule, "MH-FWD-RATIO");
		internal += !strcmp(t[i].rule, "MH-FWD-INT");
	}
	assert_int_equal(ratio, 4);
	assert_int_equal(internal, 2);
	/* Same seed, same bytes. */
	snprintf(sub, sizeof(sub), "%s/exo2", dir);
	run_sim(&o, sub, &st2);
	snprintf(b, sizeof(b), "%s/exo2/mbox/all.mbox", dir);
	size_t la, lb;
	char *x = slurp(a, &la), *y = slurp(b, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(x, y, la);
	free(x);
	free(y);
	/* Scenarios are the server case's: refused with the journal. */
	struct mh_err err;
	o.scenarios = MH_SIM_SC_GMAIL;
	snprintf(sub, sizeof(sub), "%s/exo3", dir);
	o.out_dir = sub;
	assert_int_equal(mh_sim_run(&o, NULL, &err), MH_EINVAL);
}

static void test_bad_options(void **state)
{
	(void)state;
	struct mh_sim_opts o;
	struct mh_err err;
	unsigned m = 0;
	mh_sim_opts_default(&o);
	assert_int_equal(mh_sim_run(&o, NULL, &err), MH_EINVAL); /* no dir */
	o.out_dir = "/nonexistent-dir-for-mh-test";
	o.mailboxes = 4; /* scenarios need 8 */
	assert_int_equal(mh_sim_run(&o, NULL, &err), MH_EINVAL);
	assert_non_null(strstr(err.msg, "mailboxes"));
	o.mailboxes = MH_SIM_MAILBOXES_MAX + 1;
	assert_int_equal(mh_sim_run(&o, NULL, &err), MH_EINVAL);
	o.mailboxes = 8;
	o.org_domain = "evil.example/../..";
	assert_int_equal(mh_sim_run(&o, NULL, &err), MH_EINVAL);

	assert_int_equal(mh_sim_scenarios_parse("gmail-forwarding,"
	                                        "sieve-redirect",
	                                        &m, &err),
	                 MH_OK);
	assert_int_equal(m, MH_SIM_SC_GMAIL | MH_SIM_SC_SIEVE);
	assert_int_equal(mh_sim_scenarios_parse("all", &m, &err), MH_OK);
	assert_int_equal(m, MH_SIM_SC_ALL);
	assert_int_equal(mh_sim_scenarios_parse("none", &m, &err), MH_OK);
	assert_int_equal(m, 0);
	assert_int_equal(mh_sim_scenarios_parse("gmail", &m, &err), MH_EINVAL);
	assert_non_null(strstr(err.msg, "'gmail'"));
	assert_string_equal(mh_sim_scenario_name(MH_SIM_SC_SIEVE),
	                    "sieve-redirect");
	assert_null(mh_sim_scenario_name(1u << 20));
}

/* The encoded names and subjects the generator uses decode, with the
 * project's decoder, to the text they were made from. */
static void test_encoded_words(void **state)
{
	(void)state;
	size_t n;
	const struct mh_simword *w = mh_simgen_encoded_words(&n);
	assert_true(n >= 20);
	struct mh_buf v = MH_BUF_INIT(4096), out = MH_BUF_INIT(4096);
	for (size_t i = 0; i < n; i++) {
		unsigned flags = 0;
		mh_buf_reset(&v);
		mh_buf_reset(&out);
		/* Unfold as a header reader would. */
		assert_int_equal(mh_hdr_unfold(mh_slice_cstr(w[i].enc), &v),
		                 MH_OK);
		assert_int_equal(mh_rfc2047_decode(mh_slice_make(v.p, v.len),
		                                   NULL, &out, &flags),
		                 MH_OK);
		if (flags || strcmp(mh_buf_cstr(&out), w[i].txt) != 0)
			fail_msg("%s -> '%s' (flags %u), want '%s'", w[i].enc,
			         mh_buf_cstr(&out), flags, w[i].txt);
	}
	mh_buf_release(&v);
	mh_buf_release(&out);
}

/* Dates: zones follow the EU switch; every style parses back. */
static void test_dates(void **state)
{
	(void)state;
	/* 2024-03-31 01:00Z starts CEST; 2024-10-27 01:00Z ends it. */
	int64_t on = mh_time_from_civil(2024, 3, 31, 1, 0, 0);
	int64_t off = mh_time_from_civil(2024, 10, 27, 1, 0, 0);
	assert_int_equal(mh_simgen_zone_cet(on - 1), 60);
	assert_int_equal(mh_simgen_zone_cet(on), 120);
	assert_int_equal(mh_simgen_zone_cet(off - 1), 120);
	assert_int_equal(mh_simgen_zone_cet(off), 60);
	static const int zones[] = {0, 60, 120, -300, -480, 330, 540};
	for (unsigned style = 0; style < 4; style++)
		for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
			char d[80];
			int64_t t, t0 = on + (int64_t)z * 7777;
			int tz;
			mh_simgen_date(t0, zones[z], style, d, sizeof(d));
			assert_int_equal(
			        mh_date_parse(mh_slice_cstr(d), &t, &tz),
			        MH_OK);
			assert_int_equal(t, t0);
			assert_int_equal(tz, zones[z]);
		}
	char a[40];
	int64_t t;
	mh_simgen_asctime(mh_time_from_civil(2024, 3, 7, 9, 1, 2), a,
	                  sizeof(a));
	assert_string_equal(a, "Thu Mar  7 09:01:02 2024");
	assert_int_equal(mh_date_parse_asctime(mh_slice_cstr(a), &t), MH_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_deterministic, setup_dir,
	                                        teardown_dir),
	        cmocka_unit_test_setup_teardown(test_maildir_case, setup_dir,
	                                        teardown_dir),
	        cmocka_unit_test_setup_teardown(test_mbox_case, setup_dir,
	                                        teardown_dir),
	        cmocka_unit_test_setup_teardown(test_size_target, setup_dir,
	                                        teardown_dir),
	        cmocka_unit_test_setup_teardown(test_gzip, setup_dir,
	                                        teardown_dir),
	        cmocka_unit_test_setup_teardown(test_counts_and_subsets,
	                                        setup_dir, teardown_dir),
	        cmocka_unit_test_setup_teardown(test_exchange_journal,
	                                        setup_dir, teardown_dir),
	        cmocka_unit_test(test_bad_options),
	        cmocka_unit_test(test_encoded_words),
	        cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
