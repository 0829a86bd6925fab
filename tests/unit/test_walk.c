/* Unit tests for readers/walk.h: sorted deterministic walks, Maildir and
 * Maildir++ detection, owners from paths, files that are not mail,
 * unreadable files and directories, symbolic links (followed to files,
 * never to directories: no loops), and stopping the walk. */
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
#include "core/stream.h"
#include "readers/reader.h"
#include "readers/walk.h"

#define TESTDIR_NAME "mh-test-walk"
#include "testdir.h"

static void mkdirs(const char *rel)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	for (char *s = p + strlen(tmpdir) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		(void)mkdir(p, 0700);
		*s = '/';
	}
	(void)mkdir(p, 0700);
}

static void put(const char *rel, const char *text)
{
	testdir_write(tpath(rel), text, strlen(text), "wb");
}

static void put_gz(const char *rel, const char *text)
{
	gzFile g = gzopen(tpath(rel), "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)),
	                 (int)strlen(text));
	assert_int_equal(gzclose(g), Z_OK);
}

static const char MBOX[] = "From a@example.com Mon Jan  1 10:00:00 2024\n"
                           "Subject: m\n"
                           "\n"
                           "x\n";
static const char EML[] = "From: a@example.com\n"
                          "Subject: e\n"
                          "\n"
                          "x\n";

/* MARK: - recording a walk */

struct log {
	char text[16384]; /* one line per callback */
	size_t len;
	const char *root; /* stripped from paths */
	int stop_after;   /* source() returns -42 after this many, 0: never */
	int sources;
	int errors;
};

static const char *rel(const struct log *l, const char *path)
{
	size_t n = strlen(l->root);
	if (!strncmp(path, l->root, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static void logf_(struct log *l, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void logf_(struct log *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	assert_true(k > 0 && (size_t)k < sizeof(l->text) - l->len);
	l->len += (size_t)k;
}

static int on_source(const struct mh_source *src,
                     const struct mh_reader_ops *ops, void *ctx)
{
	struct log *l = ctx;
	l->sources++;
	/* A stream input (a named FIFO) is handed over: ours to close. */
	if (src->stream)
		mh_stream_close(src->stream);
	assert_int_equal(src->range_start, 0);
	assert_int_equal(src->range_end, UINT64_MAX);
	logf_(l, "%s %s%s%s%s%s%s\n", ops->name, rel(l, src->path),
	      src->mailbox ? " mb=" : "", src->mailbox ? src->mailbox : "",
	      src->folder ? " f=" : "", src->folder ? src->folder : "",
	      src->gzip ? " gz" : "");
	if (l->stop_after && l->sources >= l->stop_after)
		return -42;
	return 0;
}

static void on_error(const struct mh_err *err, int named, void *ctx)
{
	struct log *l = ctx;
	l->errors++;
	assert_non_null(err->src);
	assert_true(err->msg[0] != '\0');
	logf_(l, "ERR %s %s%s\n", mh_skip_reason_name(err->reason),
	      rel(l, err->src), named ? " named" : "");
}

static int walk(struct log *l, const char *root, const char *const *paths,
                size_t n)
{
	memset(l, 0, sizeof(*l));
	l->root = root;
	struct mh_walk_cb cb = {on_source, on_error, l};
	struct mh_err err;
	mh_err_clear(&err);
	return mh_walk(paths, n, &cb, &err);
}

/* MARK: - tests */

static void test_owner(void **state)
{
	(void)state;
	char o[256];
	size_t n = mh_walk_maildir_owner("/srv/mail/corp.example/carol/Maildir",
	                                 o, sizeof(o));
	assert_string_equal(o, "carol@corp.example");
	assert_int_equal(n, strlen(o));
	mh_walk_maildir_owner("/home/dave/Maildir/", o, sizeof(o));
	assert_string_equal(o, "dave");
	mh_walk_maildir_owner("/home/dave/maildir", o, sizeof(o));
	assert_string_equal(o, "dave");
	mh_walk_maildir_owner("/x/erin@x.example", o, sizeof(o));
	assert_string_equal(o, "erin@x.example");
	mh_walk_maildir_owner("/var/vmail/corp.example/frank", o, sizeof(o));
	assert_string_equal(o, "frank@corp.example");
	mh_walk_maildir_owner("/x/y@z.example/Maildir", o, sizeof(o));
	assert_string_equal(o, "y@z.example");
	mh_walk_maildir_owner("relative", o, sizeof(o));
	assert_string_equal(o, "relative");
	/* Truncated to the buffer, still terminated. */
	char small[5];
	mh_walk_maildir_owner("/a/corp.example/carol/Maildir", small,
	                      sizeof(small));
	assert_string_equal(small, "caro");
}

static void build_tree(void)
{
	mkdirs("t/corp.example/carol/Maildir/cur");
	mkdirs("t/corp.example/carol/Maildir/new");
	mkdirs("t/corp.example/carol/Maildir/tmp");
	mkdirs("t/corp.example/carol/Maildir/.Sent/cur");
	mkdirs("t/corp.example/carol/Maildir/.Sent/new");
	mkdirs("t/corp.example/carol/Maildir/.Archive.2024/cur");
	mkdirs("t/corp.example/carol/Maildir/.Archive.2024/new");
	mkdirs("t/corp.example/carol/Maildir/.NotAFolder");
	mkdirs("t/corp.example/carol/Maildir/Lists/cur");
	mkdirs("t/corp.example/carol/Maildir/Lists/new");
	put("t/corp.example/carol/Maildir/cur/1704067200.M1.h:2,S", EML);
	put("t/corp.example/carol/Maildir/cur/1704067100.M9.h:2,RS", EML);
	put("t/corp.example/carol/Maildir/cur/.hidden", EML);
	put("t/corp.example/carol/Maildir/new/1704067300.M2.h", EML);
	put("t/corp.example/carol/Maildir/tmp/1704067400.M3.h", EML);
	put("t/corp.example/carol/Maildir/.Sent/cur/1704067500.M4.h:2,S", EML);
	put("t/corp.example/carol/Maildir/.Archive.2024/new/1704067600.M5.h",
	    EML);
	put("t/corp.example/carol/Maildir/.NotAFolder/x.eml", EML);
	put("t/corp.example/carol/Maildir/Lists/new/1704067700.M6.h", EML);
	put("t/corp.example/carol/Maildir/dovecot-uidlist", "3 V1 N2\n");
	mkdirs("t/home/dave/Maildir/cur");
	mkdirs("t/home/dave/Maildir/new");
	put("t/home/dave/Maildir/new/1.h", EML);
	put("t/alice@corp.example.mbox", MBOX);
	put("t/bob.mbox.txt", MBOX);
	put("t/Archive", MBOX); /* no extension: content decides */
	put("t/README.md", "# Mail export\n\nSee the folders.\n");
	put("t/msg.eml", EML);
	put_gz("t/zipped.eml.gz", EML);
	put("t/zz-empty", "");
	mkdirs("t/sub/deeper");
	put("t/sub/deeper/m.mbox", MBOX);
	assert_int_equal(symlink("..", tpath("t/sub/loop")), 0);
	assert_int_equal(symlink("../msg.eml", tpath("t/sub/link.eml")), 0);
	assert_int_equal(symlink("nowhere", tpath("t/sub/dangling")), 0);
}

static const char EXPECTED[] =
        "mbox Archive mb=Archive\n"
        "ERR unknown-type README.md\n"
        "mbox alice@corp.example.mbox mb=alice@corp.example\n"
        "mbox bob.mbox.txt mb=bob\n"
        "maildir corp.example/carol/Maildir/cur/1704067100.M9.h:2,RS "
        "mb=carol@corp.example f=INBOX\n"
        "maildir corp.example/carol/Maildir/cur/1704067200.M1.h:2,S "
        "mb=carol@corp.example f=INBOX\n"
        "maildir corp.example/carol/Maildir/new/1704067300.M2.h "
        "mb=carol@corp.example f=INBOX\n"
        "maildir corp.example/carol/Maildir/.Archive.2024/new/"
        "1704067600.M5.h mb=carol@corp.example f=Archive.2024\n"
        "maildir corp.example/carol/Maildir/.Sent/cur/1704067500.M4.h:2,S "
        "mb=carol@corp.example f=Sent\n"
        "maildir corp.example/carol/Maildir/Lists/new/1704067700.M6.h "
        "mb=carol@corp.example f=Lists\n"
        "maildir home/dave/Maildir/new/1.h mb=dave f=INBOX\n"
        "eml msg.eml\n"
        "ERR unreadable sub/dangling\n"
        "mbox sub/deeper/m.mbox mb=m\n"
        "ERR duplicate sub/link.eml\n"
        "ERR unknown-type sub/loop\n"
        "eml zipped.eml.gz gz\n"
        "ERR unknown-type zz-empty\n";

static void test_tree(void **state)
{
	(void)state;
	build_tree();
	const char *root = tpath("t");
	char rootc[4096];
	snprintf(rootc, sizeof(rootc), "%s", root);
	struct log l;
	const char *paths[] = {rootc};
	assert_int_equal(walk(&l, rootc, paths, 1), MH_OK);
	assert_string_equal(l.text, EXPECTED);
	/* Deterministic: the same again, and with a trailing slash. */
	char again[sizeof(l.text)];
	memcpy(again, l.text, sizeof(again));
	char slash[4200];
	snprintf(slash, sizeof(slash), "%s//", rootc);
	paths[0] = slash;
	assert_int_equal(walk(&l, rootc, paths, 1), MH_OK);
	assert_string_equal(l.text, again);
}

/* Entries created in the opposite order come out in the same order. */
static void test_sorted(void **state)
{
	(void)state;
	static const char *const names[] = {"b",      "B", "a.mbox", "_x", "a",
	                                    "A.mbox", "0", "ab",     "a-b"};
	mkdirs("s1");
	mkdirs("s2");
	char rel1[64], rel2[64];
	size_t k = sizeof(names) / sizeof(names[0]);
	for (size_t i = 0; i < k; i++) {
		snprintf(rel1, sizeof(rel1), "s1/%s", names[i]);
		snprintf(rel2, sizeof(rel2), "s2/%s", names[k - 1 - i]);
		put(rel1, MBOX);
		put(rel2, MBOX);
	}
	char r1[4096], r2[4096];
	snprintf(r1, sizeof(r1), "%s", tpath("s1"));
	snprintf(r2, sizeof(r2), "%s", tpath("s2"));
	struct log a, b;
	const char *p1[] = {r1}, *p2[] = {r2};
	assert_int_equal(walk(&a, r1, p1, 1), MH_OK);
	assert_int_equal(walk(&b, r2, p2, 1), MH_OK);
	assert_string_equal(a.text, b.text);
	/* Byte order (strcmp), not locale or creation order. */
	assert_string_equal(a.text, "mbox 0 mb=0\n"
	                            "mbox A.mbox mb=A\n"
	                            "mbox B mb=B\n"
	                            "mbox _x mb=_x\n"
	                            "mbox a mb=a\n"
	                            "mbox a-b mb=a-b\n"
	                            "mbox a.mbox mb=a\n"
	                            "mbox ab mb=ab\n"
	                            "mbox b mb=b\n");
}

static void test_named_paths(void **state)
{
	(void)state;
	mkdirs("n");
	put("n/notes.txt", "just text\n");
	put("n/one.eml", EML);
	char a[4096], b[4096], c[4096], root[4096];
	snprintf(root, sizeof(root), "%s", tpath("n"));
	snprintf(a, sizeof(a), "%s", tpath("n/notes.txt"));
	snprintf(b, sizeof(b), "%s", tpath("n/missing.mbox"));
	snprintf(c, sizeof(c), "%s", tpath("n/one.eml"));
	const char *paths[] = {a, b, c};
	struct log l;
	/* Errors on named paths are flagged and do not stop the walk. */
	assert_int_equal(walk(&l, root, paths, 3), MH_OK);
	assert_string_equal(l.text, "ERR unknown-type notes.txt named\n"
	                            "ERR unreadable missing.mbox named\n"
	                            "eml one.eml\n");
	/* A Maildir named directly. */
	mkdirs("n/Maildir/cur");
	mkdirs("n/Maildir/new");
	put("n/Maildir/cur/7:2,", EML);
	snprintf(a, sizeof(a), "%s", tpath("n/Maildir"));
	assert_int_equal(walk(&l, root, paths, 1), MH_OK);
	assert_string_equal(l.text, "maildir Maildir/cur/7:2, mb=n f=INBOX\n");
}

static void test_stop(void **state)
{
	(void)state;
	mkdirs("st");
	put("st/1.eml", EML);
	put("st/2.eml", EML);
	put("st/3.eml", EML);
	char root[4096];
	snprintf(root, sizeof(root), "%s", tpath("st"));
	const char *paths[] = {root, root};
	struct log l;
	memset(&l, 0, sizeof(l));
	l.root = root;
	l.stop_after = 2;
	struct mh_walk_cb cb = {on_source, on_error, &l};
	struct mh_err err;
	mh_err_clear(&err);
	/* The callback's value comes back and nothing else is walked,
	 * not even the second path. */
	assert_int_equal(mh_walk(paths, 2, &cb, &err), -42);
	assert_int_equal(l.sources, 2);
	assert_string_equal(l.text, "eml 1.eml\neml 2.eml\n");
	/* A walk without an error callback does not crash on errors. */
	put("st/4.txt", "not mail\n");
	struct mh_walk_cb quiet = {on_source, NULL, &l};
	memset(&l, 0, sizeof(l));
	l.root = root;
	assert_int_equal(mh_walk(paths, 1, &quiet, &err), MH_OK);
	assert_int_equal(l.sources, 3);
}

static void test_unreadable(void **state)
{
	(void)state;
	mkdirs("u/closed");
	put("u/a.eml", EML);
	put("u/b.eml", EML);
	put("u/closed/c.eml", EML);
	put("u/d.eml", EML);
	assert_int_equal(chmod(tpath("u/b.eml"), 0), 0);
	assert_int_equal(chmod(tpath("u/closed"), 0), 0);
	char root[4096];
	snprintf(root, sizeof(root), "%s", tpath("u"));
	const char *paths[] = {root};
	struct log l;
	assert_int_equal(walk(&l, root, paths, 1), MH_OK);
	if (geteuid() == 0) {
		/* root reads everything: only the walk order is checked. */
		assert_string_equal(l.text, "eml a.eml\n"
		                            "eml b.eml\n"
		                            "eml closed/c.eml\n"
		                            "eml d.eml\n");
		return;
	}
	assert_string_equal(l.text, "eml a.eml\n"
	                            "ERR unreadable b.eml\n"
	                            "ERR unreadable closed\n"
	                            "eml d.eml\n");
}

/* A symlink cycle through directories ends (links to directories are not
 * followed), even when every directory links back to the root. */
static void test_symlink_loops(void **state)
{
	(void)state;
	mkdirs("loop/a/b");
	put("loop/a/b/m.eml", EML);
	assert_int_equal(symlink("../..", tpath("loop/a/b/up")), 0);
	assert_int_equal(symlink("..", tpath("loop/a/back")), 0);
	assert_int_equal(symlink("self", tpath("loop/self")), 0);
	assert_int_equal(symlink(tpath("loop"), tpath("loop/abs")), 0);
	char root[4096];
	snprintf(root, sizeof(root), "%s", tpath("loop"));
	const char *paths[] = {root};
	struct log l;
	assert_int_equal(walk(&l, root, paths, 1), MH_OK);
	assert_string_equal(l.text, "eml a/b/m.eml\n"
	                            "ERR unknown-type a/b/up\n"
	                            "ERR unknown-type a/back\n"
	                            "ERR unknown-type abs\n"
	                            "ERR unreadable self\n");
}

/* Maildir folders as copies leave them: Dovecot LAYOUT=fs folders nested
 * below folders that are no folders themselves, folders whose empty new/
 * or cur/ was lost, and a lone new/ that holds no Maildir names (not
 * mail). */
static void test_maildir_layouts(void **state)
{
	(void)state;
	mkdirs("ml/alice@corp.example/Maildir/cur");
	mkdirs("ml/alice@corp.example/Maildir/new");
	mkdirs("ml/alice@corp.example/Maildir/Archive/2024/cur");
	mkdirs("ml/alice@corp.example/Maildir/Archive/2024/new");
	mkdirs("ml/alice@corp.example/Maildir/Work/cur");
	mkdirs("ml/alice@corp.example/Maildir/Work/Deep/cur");
	mkdirs("ml/alice@corp.example/Maildir/.OnlyCur/cur");
	mkdirs("ml/bob@corp.example/Maildir/cur");
	mkdirs("ml/carol@corp.example/Maildir/new");
	mkdirs("ml/project/new");
	put("ml/alice@corp.example/Maildir/cur/1704067200.M1.h:2,S", EML);
	put("ml/alice@corp.example/Maildir/Archive/2024/cur/"
	    "1704067201.M2.h:2,S",
	    EML);
	put("ml/alice@corp.example/Maildir/Work/cur/1704067202.M3.h:2,", EML);
	put("ml/alice@corp.example/Maildir/Work/Deep/cur/1704067203.M4.h:2,",
	    EML);
	put("ml/alice@corp.example/Maildir/.OnlyCur/cur/1704067204.M5.h:2,",
	    EML);
	put("ml/bob@corp.example/Maildir/cur/1704067205.M6.h:2,S", EML);
	put("ml/carol@corp.example/Maildir/new/1704067206.M7.h", EML);
	put("ml/project/new/notes.txt", "not mail\n");
	char root[4096];
	snprintf(root, sizeof(root), "%s", tpath("ml"));
	const char *paths[] = {root};
	struct log l;
	assert_int_equal(walk(&l, root, paths, 1), MH_OK);
	assert_string_equal(
	        l.text,
	        "maildir alice@corp.example/Maildir/cur/1704067200.M1.h:2,S "
	        "mb=alice@corp.example f=INBOX\n"
	        "maildir alice@corp.example/Maildir/.OnlyCur/cur/"
	        "1704067204.M5.h:2, mb=alice@corp.example f=OnlyCur\n"
	        "maildir alice@corp.example/Maildir/Archive/2024/cur/"
	        "1704067201.M2.h:2,S mb=alice@corp.example f=Archive/2024\n"
	        "maildir "
	        "alice@corp.example/Maildir/Work/cur/1704067202.M3.h:2, "
	        "mb=alice@corp.example f=Work\n"
	        "maildir alice@corp.example/Maildir/Work/Deep/cur/"
	        "1704067203.M4.h:2, mb=alice@corp.example f=Work/Deep\n"
	        "maildir bob@corp.example/Maildir/cur/1704067205.M6.h:2,S "
	        "mb=bob@corp.example f=INBOX\n"
	        "maildir carol@corp.example/Maildir/new/1704067206.M7.h "
	        "mb=carol@corp.example f=INBOX\n"
	        "ERR unknown-type project/new/notes.txt\n");
	assert_int_equal(l.errors, 1);
}

/* A directory that is a Maildir (Dovecot's maildir:~ makes the home one)
 * still has its other files read: an mbox export beside the folders, a
 * backup directory; the server's control files are passed over quietly. */
static void test_maildir_with_other_files(void **state)
{
	(void)state;
	mkdirs("mo/home/erin/cur");
	mkdirs("mo/home/erin/tmp");
	mkdirs("mo/home/erin/backup");
	put("mo/home/erin/cur/1704067200.M1.h:2,S", EML);
	put("mo/home/erin/root.mbox", MBOX);
	put("mo/home/erin/backup/old.mbox", MBOX);
	put("mo/home/erin/backup/x.eml", EML);
	put("mo/home/erin/dovecot-uidlist", "3 V1 N2\n");
	put("mo/home/erin/dovecot.index.log", "\x01\x02");
	put("mo/home/erin/subscriptions", "INBOX\n");
	put("mo/home/erin/notes.txt", "not mail\n");
	/* A link to a directory there is said, not followed. */
	assert_int_equal(symlink("backup", tpath("mo/home/erin/linked")), 0);
	char root[4096];
	snprintf(root, sizeof(root), "%s", tpath("mo"));
	const char *paths[] = {root};
	struct log l;
	assert_int_equal(walk(&l, root, paths, 1), MH_OK);
	assert_string_equal(l.text,
	                    "maildir home/erin/cur/1704067200.M1.h:2,S mb=erin "
	                    "f=INBOX\n"
	                    "mbox home/erin/backup/old.mbox mb=old\n"
	                    "eml home/erin/backup/x.eml\n"
	                    "ERR unknown-type home/erin/linked\n"
	                    "ERR unknown-type home/erin/notes.txt\n"
	                    "mbox home/erin/root.mbox mb=root\n");
}

/* Overlapping inputs are read once: the same file twice (also through
 * another spelling or a link), a directory and a file in it, a Maildir
 * and its cur/ or one of its messages (either order), standard input
 * twice. The rest is reported as duplicate. A message hard-linked into
 * two folders (Dovecot copies that way) is two messages of the store,
 * as a copy would be. */
static void test_overlap(void **state)
{
	(void)state;
	mkdirs("ov/Maildir/cur");
	mkdirs("ov/Maildir/new");
	mkdirs("ov/Maildir/.Copy/cur");
	mkdirs("ov/Maildir/.Copy/new");
	put("ov/a.mbox", MBOX);
	put("ov/Maildir/cur/1704067200.M1.h:2,S", EML);
	assert_int_equal(
	        link(tpath("ov/Maildir/cur/1704067200.M1.h:2,S"),
	             tpath("ov/Maildir/.Copy/cur/1704067200.M1.h:2,S")),
	        0);
	char root[2048], file[4200], dotted[4200], cur[4200], msg[4200];
	snprintf(root, sizeof(root), "%s", tpath("ov"));
	snprintf(file, sizeof(file), "%s/a.mbox", root);
	snprintf(dotted, sizeof(dotted), "%s/./a.mbox", root);
	snprintf(cur, sizeof(cur), "%s/Maildir/cur", root);
	snprintf(msg, sizeof(msg), "%s/Maildir/cur/1704067200.M1.h:2,S", root);
	const char *paths[] = {file, dotted, root, cur, msg, "-", "-"};
	struct log l;
	/* Standard input: an empty file, so the first "-" reads nothing. */
	FILE *in = freopen("/dev/null", "r", stdin);
	assert_non_null(in);
	assert_int_equal(walk(&l, root, paths, 7), MH_OK);
	assert_string_equal(
	        l.text, "mbox a.mbox mb=a\n"
	                "ERR duplicate ./a.mbox named\n"
	                "maildir Maildir/cur/1704067200.M1.h:2,S mb=ov "
	                "f=INBOX\n"
	                "maildir Maildir/.Copy/cur/1704067200.M1.h:2,S mb=ov "
	                "f=Copy\n"
	                "ERR duplicate a.mbox\n"
	                "ERR duplicate Maildir/cur named\n"
	                "ERR duplicate Maildir/cur/1704067200.M1.h:2,S named\n"
	                "ERR unknown-type <stdin> named\n"
	                "ERR duplicate <stdin> named\n");
	/* The message named first, then its Maildir: both its names there
	 * are that named file. */
	const char *rev[] = {msg, root};
	assert_int_equal(walk(&l, root, rev, 2), MH_OK);
	assert_string_equal(
	        l.text, "eml Maildir/cur/1704067200.M1.h:2,S\n"
	                "ERR duplicate Maildir/cur/1704067200.M1.h:2,S\n"
	                "ERR duplicate Maildir/.Copy/cur/1704067200.M1.h:2,S\n"
	                "mbox a.mbox mb=a\n");
}

/* A FIFO named on the command line (a shell's <(zcat x)) is read once as
 * a stream; one found inside a directory is not opened (it could block). */
static void test_named_fifo(void **state)
{
	(void)state;
	mkdirs("ff");
	assert_int_equal(mkfifo(tpath("ff/pipe"), 0600), 0);
	char fifo[4096];
	snprintf(fifo, sizeof(fifo), "%s", tpath("ff/pipe"));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen(fifo, "w");
		if (f) {
			fputs(EML, f);
			fclose(f);
		}
		_exit(0);
	}
	struct log l;
	const char *paths[] = {fifo};
	char root[4096];
	snprintf(root, sizeof(root), "%s", tpath("ff"));
	assert_int_equal(walk(&l, root, paths, 1), MH_OK);
	assert_string_equal(l.text, "eml pipe\n");
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* The directory holding it: the FIFO is said, not opened. */
	const char *dirs[] = {root};
	assert_int_equal(walk(&l, root, dirs, 1), MH_OK);
	assert_string_equal(l.text, "ERR unknown-type pipe\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_owner),
	        cmocka_unit_test(test_tree),
	        cmocka_unit_test(test_sorted),
	        cmocka_unit_test(test_named_paths),
	        cmocka_unit_test(test_stop),
	        cmocka_unit_test(test_unreadable),
	        cmocka_unit_test(test_symlink_loops),
	        cmocka_unit_test(test_maildir_layouts),
	        cmocka_unit_test(test_named_fifo),
	        cmocka_unit_test(test_maildir_with_other_files),
	        cmocka_unit_test(test_overlap),
	};
	return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
