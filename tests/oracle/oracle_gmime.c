/* oracle_gmime.c - our header parser against GMime 3 on every real message.
 *
 * For every .eml, the message inside every .emlx and every message of
 * every .mbox under $MH_SHARED/data/{mail-corpus,mail} compare:
 *   fields   header names and unfolded raw values, in order
 *            (g_mime_header_get_raw_value vs mh_hdr_split + mh_hdr_unfold)
 *   Subject  decoded (g_mime_message_get_subject vs mh_rfc2047_decode)
 *   From/To/Cc  addr-spec and decoded display name of every address
 *            (GMime InternetAddressList vs mh_addr_parse_list)
 *   Date     UTC time and zone offset (g_mime_message_get_date vs
 *            mh_date_parse), "none" when a side finds no date
 * Prints per-category agreement and every mismatch. Fails when a mismatch
 * is on a (file, category) not listed in tests/oracle/gmime-known-diffs.tsv.
 * Both sides read the same bytes: for mboxes GMime's mbox parser finds the
 * message boundaries and we parse from its headers_begin offset.
 * Exit 77 when the shared directory is missing.
 */
#include <errno.h>
#include <ftw.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/charset.h"
#include "core/utf8.h"
#include "mail/addr.h"
#include "core/time.h"
#include "mail/date.h"
#include "mail/rfc2047.h"
#include "mail/rfc5322.h"

enum { C_FIELDS, C_SUBJECT, C_FROM, C_TO, C_CC, C_DATE, C__N };
static const char *const cat_name[C__N] = {"fields", "Subject", "From",
                                           "To",     "Cc",      "Date"};

struct stats {
	unsigned long same[C__N], diff[C__N], known[C__N];
	unsigned long clean_same[C__N], clean_diff[C__N];
	unsigned long messages, unexpected;
};

static struct stats st;
static GPtrArray *files;      /* paths found under the data dirs */
static GHashTable *known;     /* "file\tcategory" -> reason */
static GHashTable *malformed; /* manifest-relative file -> 1 */
static GMimeParserOptions *opts;
static int verbose = 1;

static int collect(const char *path, const struct stat *sb, int type,
                   struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	size_t n = strlen(path);
	if ((n > 4 && !strcmp(path + n - 4, ".eml")) ||
	    (n > 5 && !strcmp(path + n - 5, ".emlx")) ||
	    (n > 5 && !strcmp(path + n - 5, ".mbox")))
		g_ptr_array_add(files, g_strdup(path));
	return 0;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Escaped copy for printing: valid UTF-8 kept, controls and invalid bytes
 * as \xNN, backslash doubled. */
static void put_esc(FILE *o, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	fputc('"', o);
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80 ? 1 : mh_utf8_seq(s + i, n - i);
		if (s[i] == '\\' || s[i] == '"') {
			fprintf(o, "\\%c", s[i]);
			i++;
		} else if (k == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
			fprintf(o, "\\x%02x", s[i]);
			i++;
		} else if (!k) {
			fprintf(o, "\\x%02x", s[i]);
			i++;
		} else {
			fwrite(s + i, 1, k, o);
			i += k;
		}
	}
	fputc('"', o);
}

static const char *known_reason(const char *file, int cat)
{
	char key[4096];
	snprintf(key, sizeof(key), "%s\t%s", file, cat_name[cat]);
	const char *r = g_hash_table_lookup(known, key);
	if (!r) {
		/* "x.mbox#3" may be listed as the whole "x.mbox". */
		const char *hash = strrchr(file, '#');
		if (hash) {
			snprintf(key, sizeof(key), "%.*s\t%s",
			         (int)(hash - file), file, cat_name[cat]);
			r = g_hash_table_lookup(known, key);
		}
	}
	return r;
}

static int is_clean(const char *file)
{
	char base[4096];
	snprintf(base, sizeof(base), "%s", file);
	char *hash = strrchr(base, '#');
	if (hash)
		*hash = '\0';
	return !g_hash_table_contains(malformed, base);
}

static void record(const char *file, int cat, const char *what,
                   const char *ours, size_t on, const char *theirs, size_t tn)
{
	int same = on == tn && (on == 0 || !memcmp(ours, theirs, on));
	int clean = is_clean(file);
	if (same) {
		st.same[cat]++;
		if (clean)
			st.clean_same[cat]++;
		return;
	}
	st.diff[cat]++;
	if (clean)
		st.clean_diff[cat]++;
	const char *why = known_reason(file, cat);
	if (why)
		st.known[cat]++;
	else
		st.unexpected++;
	if (!verbose && why)
		return;
	printf("%s %s %s %s\n  ours:  ", why ? "KNOWN" : "MISMATCH", file,
	       cat_name[cat], what);
	put_esc(stdout, ours, on);
	printf("\n  gmime: ");
	put_esc(stdout, theirs, tn);
	printf("\n");
}

/* Unfold the same way on both sides. */
static void unfold_str(const char *p, size_t n, struct mh_buf *out)
{
	mh_buf_reset(out);
	mh_hdr_unfold(mh_slice_make(p, n), out);
}

static void append_addr(GString *g, const char *group, const char *name,
                        const char *addr)
{
	if (g->len)
		g_string_append(g, "\n");
	if (group)
		g_string_append_printf(g, "[%s] ", group);
	/* GMime keeps line folds inside quoted display names ("Doe,\r\n
	 * John"); RFC 5322 2.2.3 says a fold is not part of the text, so
	 * names are compared unfolded. */
	struct mh_buf u = MH_BUF_INIT(1u << 30), v = MH_BUF_INIT(1u << 30);
	mh_hdr_unfold(mh_slice_cstr(name ? name : ""), &u);
	mh_hdr_unfold(mh_slice_cstr(addr ? addr : ""), &v);
	g_string_append_printf(g, "%s <%s>", mh_buf_cstr(&u), mh_buf_cstr(&v));
	mh_buf_release(&u);
	mh_buf_release(&v);
}

static void gmime_addrs(InternetAddressList *l, const char *group, GString *g)
{
	if (!l)
		return;
	int n = internet_address_list_length(l);
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *m =
			        internet_address_group_get_members(
			                INTERNET_ADDRESS_GROUP(a));
			const char *gn = internet_address_get_name(a);
			if (!m || internet_address_list_length(m) == 0)
				append_addr(g, gn ? gn : "", NULL, "");
			else
				gmime_addrs(m, gn ? gn : "", g);
		} else {
			append_addr(g, group, internet_address_get_name(a),
			            internet_address_mailbox_get_addr(
			                    INTERNET_ADDRESS_MAILBOX(a)));
		}
	}
}

static void our_addrs(const struct mh_field *f, size_t nf, const char *name,
                      GString *g, struct mh_buf *ub)
{
	struct mh_arena a;
	mh_arena_init(&a, 0, 0);
	for (const struct mh_field *x = mh_hdr_find(f, nf, name); x;
	     x = mh_hdr_find_next(f, nf, x)) {
		unfold_str(x->value.p, x->value.n, ub);
		struct mh_addr *v;
		size_t n, bad;
		if (mh_addr_parse_list(mh_slice_make(ub->p, ub->len), &a, 10000,
		                       &v, &n, &bad) != MH_OK)
			g_string_append(g, "(parse error)");
		for (size_t i = 0; i < n; i++)
			append_addr(g, v[i].group,
			            v[i].name[0] ? v[i].name : NULL, v[i].addr);
	}
	mh_arena_release(&a);
}

/* Compare one message: bytes p[0..n) hold its header block (and more). */
static void compare(const char *file, GMimeMessage *m, const char *p, size_t n)
{
	struct mh_arena a;
	struct mh_buf ub = MH_BUF_INIT(1u << 30), gb = MH_BUF_INIT(1u << 30);
	struct mh_buf dec = MH_BUF_INIT(1u << 30);
	struct mh_field *f = NULL;
	size_t nf = 0, hl = 0, bo = 0;
	GString *ours = g_string_new(NULL), *theirs = g_string_new(NULL);

	st.messages++;
	mh_arena_init(&a, 0, 0);
	mh_hdr_end(p, n, 1, &hl, &bo);
	mh_hdr_split(p, hl, &a, 100000, &f, &nf, NULL);

	/* (a) names and unfolded raw values, in order. GMime moves the
	 * Content-* fields to the top MIME part, so both sides list the
	 * other fields first, then the Content-* ones, each in order. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nf; i++) {
			int content =
			        mh_slice_istarts(f[i].name, "Content-") != 0;
			if (content != pass)
				continue;
			unfold_str(f[i].value.p, f[i].value.n, &ub);
			g_string_append_len(ours, f[i].name.p,
			                    (gssize)f[i].name.n);
			g_string_append(ours, ": ");
			g_string_append_len(ours, ub.p ? ub.p : "",
			                    (gssize)ub.len);
			g_string_append(ours, "\n");
		}
		GMimeObject *o = pass ? g_mime_message_get_mime_part(m)
		                      : GMIME_OBJECT(m);
		GMimeHeaderList *hl_g =
		        o ? g_mime_object_get_header_list(o) : NULL;
		int gn = hl_g ? g_mime_header_list_get_count(hl_g) : 0;
		for (int i = 0; i < gn; i++) {
			GMimeHeader *h =
			        g_mime_header_list_get_header_at(hl_g, i);
			const char *raw = g_mime_header_get_raw_value(h);
			const char *name = g_mime_header_get_name(h);
			if (pass && g_ascii_strncasecmp(name, "Content-", 8))
				continue;
			unfold_str(raw ? raw : "", raw ? strlen(raw) : 0, &ub);
			g_string_append(theirs, name);
			g_string_append(theirs, ": ");
			g_string_append_len(theirs, ub.p ? ub.p : "",
			                    (gssize)ub.len);
			g_string_append(theirs, "\n");
		}
	}
	if (strcmp(ours->str, theirs->str) != 0) {
		/* Report the first differing field only. */
		const char *o = ours->str, *t = theirs->str;
		while (*o && *o == *t) {
			o++;
			t++;
		}
		while (o > ours->str && o[-1] != '\n') {
			o--;
			t--;
		}
		const char *oe = strchr(o, '\n'), *te = strchr(t, '\n');
		record(file, C_FIELDS, "(first differing field)", o,
		       oe ? (size_t)(oe - o) : strlen(o), t,
		       te ? (size_t)(te - t) : strlen(t));
	} else {
		record(file, C_FIELDS, "", "", 0, "", 0);
	}

	/* (b) Subject, decoded. GMime keeps the last Subject field. */
	const struct mh_field *sf = NULL;
	for (const struct mh_field *x = mh_hdr_find(f, nf, "Subject"); x;
	     x = mh_hdr_find_next(f, nf, x))
		sf = x;
	const char *gs = g_mime_message_get_subject(m);
	if (sf || gs) {
		mh_buf_reset(&dec);
		if (sf) {
			unfold_str(sf->value.p, sf->value.n, &ub);
			mh_rfc2047_decode(mh_slice_make(ub.p, ub.len), NULL,
			                  &dec, NULL);
		}
		record(file, C_SUBJECT, "", dec.p ? dec.p : "", dec.len,
		       gs ? gs : "", gs ? strlen(gs) : 0);
	}

	/* (c) addresses. */
	static const char *const an[3] = {"From", "To", "Cc"};
	static const GMimeAddressType at[3] = {GMIME_ADDRESS_TYPE_FROM,
	                                       GMIME_ADDRESS_TYPE_TO,
	                                       GMIME_ADDRESS_TYPE_CC};
	for (int k = 0; k < 3; k++) {
		g_string_truncate(ours, 0);
		g_string_truncate(theirs, 0);
		our_addrs(f, nf, an[k], ours, &ub);
		gmime_addrs(g_mime_message_get_addresses(m, at[k]), NULL,
		            theirs);
		if (!mh_hdr_find(f, nf, an[k]) && !theirs->len)
			continue;
		record(file, C_FROM + k, "", ours->str, ours->len, theirs->str,
		       theirs->len);
	}

	/* (d) Date: GMime keeps the last Date field. */
	const struct mh_field *df = NULL;
	for (const struct mh_field *x = mh_hdr_find(f, nf, "Date"); x;
	     x = mh_hdr_find_next(f, nf, x))
		df = x;
	GDateTime *gd = g_mime_message_get_date(m);
	if (df || gd) {
		char a[64] = "none", b[64] = "none", iso[21];
		int64_t t;
		int tz;
		if (df) {
			unfold_str(df->value.p, df->value.n, &ub);
			if (mh_date_parse(mh_slice_make(ub.p, ub.len), &t,
			                  &tz) == MH_OK) {
				mh_time_iso(t, iso);
				snprintf(a, sizeof(a), "%s %+d", iso, tz);
			}
		}
		if (gd) {
			mh_time_iso(g_date_time_to_unix(gd), iso);
			snprintf(b, sizeof(b), "%s %+d", iso,
			         (int)(g_date_time_get_utc_offset(gd) /
			               G_TIME_SPAN_MINUTE));
		}
		record(file, C_DATE, ub.p ? ub.p : "", a, strlen(a), b,
		       strlen(b));
	}

	g_string_free(ours, TRUE);
	g_string_free(theirs, TRUE);
	mh_buf_release(&ub);
	mh_buf_release(&gb);
	mh_buf_release(&dec);
	mh_arena_release(&a);
}

static GMimeMessage *parse_mem(const char *p, size_t n)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(p, n);
	GMimeParser *ps = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(ps, GMIME_FORMAT_MESSAGE);
	GMimeMessage *m = g_mime_parser_construct_message(ps, opts);
	g_object_unref(ps);
	g_object_unref(s);
	return m;
}

static void one_message(const char *rel, const char *p, size_t n)
{
	GMimeMessage *m = parse_mem(p, n);
	if (!m) {
		/* GMime gives up (e.g. a first line of blanks); we do not,
		 * so there is nothing to compare. */
		printf("NOTE %s: GMime returned no message\n", rel);
		return;
	}
	compare(rel, m, p, n);
	g_object_unref(m);
}

static void do_emlx(const char *rel, const char *p, size_t n)
{
	char *end;
	errno = 0;
	unsigned long long len = strtoull(p, &end, 10);
	const char *nl = memchr(p, '\n', n);
	if (errno || end == p || !nl) {
		printf("NOTE %s: no emlx byte count\n", rel);
		return;
	}
	size_t off = (size_t)(nl + 1 - p);
	if (len > n - off) {
		printf("NOTE %s: emlx byte count %llu past the end, using "
		       "%zu\n",
		       rel, len, n - off);
		len = n - off;
	}
	one_message(rel, p + off, (size_t)len);
}

static void do_mbox(const char *rel, const char *p, size_t n)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(p, n);
	GMimeParser *ps = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(ps, GMIME_FORMAT_MBOX);
	unsigned idx = 0;
	while (!g_mime_parser_eos(ps)) {
		GMimeMessage *m = g_mime_parser_construct_message(ps, opts);
		if (!m)
			break;
		gint64 hb = g_mime_parser_get_headers_begin(ps);
		char name[4096];
		snprintf(name, sizeof(name), "%s#%u", rel, idx++);
		if (hb >= 0 && (guint64)hb <= n)
			compare(name, m, p + hb, n - (size_t)hb);
		g_object_unref(m);
	}
	g_object_unref(ps);
	g_object_unref(s);
}

static void load_known(const char *src)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/oracle/gmime-known-diffs.tsv",
	         src);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return;
	char line[8192];
	while (fgets(line, sizeof(line), fp)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *t1 = strchr(line, '\t');
		if (!t1)
			continue;
		char *t2 = strchr(t1 + 1, '\t');
		if (!t2)
			continue;
		*t2 = '\0';
		char *nl = strchr(t2 + 1, '\n');
		if (nl)
			*nl = '\0';
		g_hash_table_insert(known, g_strdup(line), g_strdup(t2 + 1));
	}
	fclose(fp);
}

static void load_manifest(const char *data)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/mail-corpus/MANIFEST.tsv", data);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return;
	char line[65536];
	while (fgets(line, sizeof(line), fp)) {
		if (!strstr(line, "MALFORMED") && !strstr(line, "BROKEN-EW") &&
		    !strstr(line, "8-bit non-UTF-8 in headers") &&
		    !strstr(line, "NUL"))
			continue;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		char *k = g_strdup_printf("mail-corpus/%s", line);
		g_hash_table_insert(malformed, k, k);
	}
	fclose(fp);
}

int main(int argc, char **argv)
{
	const char *shared = getenv("MH_SHARED");
	const char *src = getenv("MH_SOURCE_DIR");
	char buf[4096], data[4096];
	if (!src)
		src = ".";
	if (!shared) {
		snprintf(buf, sizeof(buf), "%s/../shared", src);
		shared = buf;
	}
	snprintf(data, sizeof(data), "%s/data", shared);
	if (argc > 1 && !strcmp(argv[1], "-q"))
		verbose = 0;

	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/mail-corpus", data);
	if (access(dir, R_OK) != 0) {
		printf("skip: %s missing\n", dir);
		return 77;
	}
	g_mime_init();
	opts = g_mime_parser_options_new();
	/* Same policy as ours: raw 8-bit text is UTF-8 when valid, else
	 * windows-1252. */
	const char *fb[] = {"UTF-8", "windows-1252", NULL};
	g_mime_parser_options_set_fallback_charsets(opts, fb);
	files = g_ptr_array_new_with_free_func(g_free);
	known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	malformed =
	        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	load_known(src);
	load_manifest(data);
	nftw(dir, collect, 16, FTW_PHYS);
	snprintf(dir, sizeof(dir), "%s/mail", data);
	nftw(dir, collect, 16, FTW_PHYS);
	g_ptr_array_sort(files, cmp_str);

	size_t dl = strlen(data) + 1;
	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		const char *rel = path + dl;
		gchar *p = NULL;
		gsize n = 0;
		if (!g_file_get_contents(path, &p, &n, NULL)) {
			printf("NOTE %s: unreadable\n", rel);
			continue;
		}
		size_t l = strlen(rel);
		if (l > 5 && !strcmp(rel + l - 5, ".mbox"))
			do_mbox(rel, p, n);
		else if (l > 5 && !strcmp(rel + l - 5, ".emlx"))
			do_emlx(rel, p, n);
		else
			one_message(rel, p, n);
		g_free(p);
	}

	printf("\n%lu files, %lu messages\n", (unsigned long)files->len,
	       st.messages);
	printf("%-8s %8s %8s %8s %9s   %s\n", "category", "agree", "differ",
	       "known", "agree%", "well-formed agree%");
	for (int c = 0; c < C__N; c++) {
		unsigned long t = st.same[c] + st.diff[c];
		unsigned long ct = st.clean_same[c] + st.clean_diff[c];
		printf("%-8s %8lu %8lu %8lu %8.2f%%   %.2f%% of %lu\n",
		       cat_name[c], st.same[c], st.diff[c], st.known[c],
		       t ? 100.0 * (double)st.same[c] / (double)t : 100.0,
		       ct ? 100.0 * (double)st.clean_same[c] / (double)ct
		          : 100.0,
		       ct);
	}
	printf("%lu unexpected mismatches\n", st.unexpected);

	g_ptr_array_free(files, TRUE);
	g_hash_table_destroy(known);
	g_hash_table_destroy(malformed);
	g_mime_parser_options_free(opts);
	mh_charset_thread_cleanup();
	g_mime_shutdown();
	return st.unexpected ? 1 : 0;
}
