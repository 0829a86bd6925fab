/* eml.c - one message per file: .eml, Maildir entries, and Apple Mail
 * .emlx (a byte-count line, the message, then an XML plist).
 *
 * Only the header block and a bounded body prefix are read. A file whose
 * first KiB holds NUL bytes and no header field is binary, not mail.
 * Empty lines before the first field are skipped; an emlx byte count that
 * does not end where the plist starts is not trusted (docs/VIOLATIONS.md).
 * Damage in a gzip-compressed file is reported after its message (the
 * stream's deferred damage, core/stream.h).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dirref.h"
#include "core/stream.h"
#include "readers/mail/mailmsg.h"
#include "mail/rfc5322.h"
#include "readers/reader.h"

/* First window asked for: header bytes beyond the body prefix. */
#define HDR_WINDOW ((size_t)64 << 10)

struct mh_reader {
	struct mh_stream *st;
	struct mh_reader_opts o;
	struct mh_mailmsg mm;
	char *path;
	const char *name; /* reader name reported in events */
	int emlx;
	int done;
	int has_note;       /* note is returned (MH_ESKIP) by the next call */
	struct mh_err note; /* a structural problem found beside the event */
	uint64_t end; /* file size once known to exceed the window, else 0 */
};

/* "Name:" (or obsolete "Name :") at p: looks like a header field. */
static int field_at(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && i < 100 && p[i] != ':') {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7f)
			break;
		i++;
	}
	size_t name = i;
	while (i < n && i < 100 && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return name > 0 && i < n && p[i] == ':';
}

/* A field within the first few lines (after a BOM, a From_ line, SMTP
 * envelope junk or white space lines, all tolerated: VIOLATIONS.md). */
static int field_near_start(const char *p, size_t n)
{
	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) {
		p += 3;
		n -= 3;
	}
	/* Two field lines in a row (or a field and its continuation). */
	int prev = 0;
	for (int line = 0; line < 10 && n; line++) {
		int cur = field_at(p, n);
		if (cur && prev)
			return 1;
		if (prev && (p[0] == ' ' || p[0] == '\t'))
			return 1;
		prev = cur;
		const char *nl = memchr(p, '\n', n < 4096 ? n : 4096);
		if (!nl)
			return 0;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	return 0;
}

static int has_suffix(const char *name, const char *suf)
{
	size_t n = name ? strlen(name) : 0, m = strlen(suf);
	return n >= m && !strcasecmp(name + n - m, suf);
}

static int eml_probe(const char *head, size_t n, const char *name)
{
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) {
		head += 3;
		n -= 3;
	}
	/* Leading "Received:"/"Return-Path:" etc. or any field. */
	if (field_at(head, n)) {
		/* Two field lines in a row is convincing. */
		const char *nl = memchr(head, '\n', n);
		if (nl && (size_t)(nl - head) + 1 < n &&
		    (field_at(nl + 1, n - (size_t)(nl - head) - 1) ||
		     nl[1] == ' ' || nl[1] == '\t'))
			return 70;
		return 55;
	}
	if (field_near_start(head, n))
		return 52; /* junk before the fields: tolerated */
	if (has_suffix(name, ".eml") || has_suffix(name, ".eml.gz") ||
	    has_suffix(name, ".msg.txt"))
		return 50; /* claimed mail: the reader will say what is wrong */
	return 0;
}

static int emlx_probe(const char *head, size_t n, const char *name)
{
	size_t i = 0;
	while (i < n && i < 12 && head[i] == ' ')
		i++;
	size_t d = i;
	while (i < n && i < 20 && head[i] >= '0' && head[i] <= '9')
		i++;
	int count_line = i > d && i < n && (head[i] == '\n' || head[i] == '\r');
	if (count_line)
		return 95;
	if (has_suffix(name, ".emlx"))
		return 60; /* claimed emlx: the reader reports the damage */
	return 0;
}

static int open_common(struct mh_reader **out, const struct mh_source *src,
                       const struct mh_reader_opts *opts, struct mh_err *err,
                       const char *name, int emlx)
{
	struct mh_reader *r = calloc(1, sizeof(*r));
	int rc = MH_OK;
	if (!r) {
		mh_stream_close(src->stream);
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	r->st = src->stream; /* taken over (reader.h), else opened below */
	r->o = *opts;
	r->name = name;
	r->emlx = emlx;
	r->path = strdup(src->path);
	if (!r->path || mh_mailmsg_init(&r->mm, src) != MH_OK) {
		rc = mh_err_set(err, MH_ENOMEM, "out of memory");
		goto fail;
	}
	/* Most single messages fit the first 64 KiB: one open, a read that
	 * gets the file and one that sees its end. The buffer grows when a
	 * message is larger. */
	size_t cap = opts->max_header + opts->body_prefix + 4096;
	if (r->st)
		mh_stream_set_cap(r->st, cap);
	else
		rc = mh_stream_open_at(
		        &r->st, src->dir ? mh_dirref_fd(src->dir) : AT_FDCWD,
		        src->dir ? src->name : src->path, src->path,
		        (size_t)64 << 10, cap,
		        src->regular ? MH_STREAM_REGULAR : 0, err);
	if (rc)
		goto fail;
	/* Every byte a damaged gzip inflates is read; eml_next reports the
	 * damage once it is done. */
	mh_stream_defer_damage(r->st);
	*out = r;
	return MH_OK;
fail:
	mh_stream_close(r->st);
	mh_mailmsg_release(&r->mm);
	free(r->path);
	free(r);
	return rc;
}

static int eml_open(struct mh_reader **out, const struct mh_source *src,
                    const struct mh_reader_opts *opts, struct mh_err *err)
{
	return open_common(out, src, opts, err, "eml", 0);
}

static int maildir_open(struct mh_reader **out, const struct mh_source *src,
                        const struct mh_reader_opts *opts, struct mh_err *err)
{
	return open_common(out, src, opts, err, "maildir", 0);
}

static int emlx_open(struct mh_reader **out, const struct mh_source *src,
                     const struct mh_reader_opts *opts, struct mh_err *err)
{
	return open_common(out, src, opts, err, "emlx", 1);
}

static void eml_close(struct mh_reader *r)
{
	if (!r)
		return;
	mh_stream_close(r->st);
	mh_mailmsg_release(&r->mm);
	free(r->path);
	free(r);
}

/* The rest of a large message is not read (only its header and body
 * prefix matter), but its bytes were looked at as far as the totals go. */
static uint64_t eml_pos(const struct mh_reader *r)
{
	uint64_t t = mh_stream_tell(r->st);
	return r->done && r->end > t ? r->end : t;
}

/* Does the line at p[i..n) start with the literal lit? */
static int starts_with(const char *p, size_t n, size_t i, const char *lit)
{
	size_t k = strlen(lit);
	return i <= n && n - i >= k && !memcmp(p + i, lit, k);
}

/* A line of the plist's prologue starts at p[i]. */
static int plist_line(const char *p, size_t n, size_t i)
{
	return starts_with(p, n, i, "<?xml") ||
	       starts_with(p, n, i, "<!DOCTYPE plist") ||
	       starts_with(p, n, i, "<plist");
}

/* Is the end of an emlx message's counted bytes at p[i] plausible: the
 * plist starts there, after at most one line end, or only white space
 * follows up to the end of the file (eof: p[0..n) holds all of it)? */
static int emlx_end_ok(const char *p, size_t n, size_t i, int eof)
{
	size_t j = i;
	if (j < n && p[j] == '\n')
		j++;
	else if (j + 1 < n && p[j] == '\r' && p[j + 1] == '\n')
		j += 2;
	if (plist_line(p, n, j))
		return 1;
	while (eof && i < n &&
	       (p[i] == '\n' || p[i] == '\r' || p[i] == ' ' || p[i] == '\t'))
		i++;
	return eof && i == n;
}

/* Where the plist starts in p[from..n): the line "<plist" found last,
 * backed over the "<?xml" and "<!DOCTYPE" lines before it; n when there
 * is none. The plist is the file's last part, so the last one counts. */
static size_t emlx_plist_start(const char *p, size_t n, size_t from)
{
	size_t at = n;
	for (size_t i = n; i > from; i--) {
		size_t ls = i - 1; /* candidate line start */
		if ((ls == from || p[ls - 1] == '\n') &&
		    starts_with(p, n, ls, "<plist")) {
			at = ls;
			break;
		}
	}
	for (int k = 0; k < 2 && at < n && at > from; k++) {
		/* The line before at: p[b..at) ends with its line end. */
		size_t b = at - 1;
		while (b > from && p[b - 1] != '\n')
			b--;
		if (!starts_with(p, n, b, "<?xml") &&
		    !starts_with(p, n, b, "<!DOCTYPE"))
			break;
		at = b;
	}
	return at;
}

/* Empty lines (LF or CRLF, or blanks only) before the first field, as
 * some exports and MUAs write them: skipped from m[0..n); *lines gets
 * how many. Stops at the first line that has any other byte. */
static size_t skip_blank_lines(const char *m, size_t n, unsigned *lines)
{
	size_t i = 0;
	*lines = 0;
	for (;;) {
		size_t j = i;
		while (j < n && (m[j] == ' ' || m[j] == '\t' || m[j] == '\r'))
			j++;
		if (j >= n || m[j] != '\n')
			return i;
		i = j + 1;
		(*lines)++;
	}
}

static int eml_next(struct mh_reader *r, struct mh_event *ev,
                    struct mh_err *err)
{
	const char *p;
	size_t n, start = 0, limit;
	if (r->done) {
		if (r->has_note) {
			r->has_note = 0;
			if (err)
				*err = r->note;
			return MH_ESKIP;
		}
		/* 0, or once: damage where a gzip file's data ended. */
		return mh_stream_end(r->st, err);
	}
	r->done = 1;
	/* A small window first: most headers are a few KiB, and a message
	 * with a large attachment should not cost a megabyte read. The
	 * largest window only when the header block does not end in it. */
	size_t want_max = r->o.max_header + r->o.body_prefix + 64;
	size_t want = HDR_WINDOW + r->o.body_prefix + 64;
	if (r->emlx || want > want_max)
		want = want_max;
	int rc = mh_stream_peek(r->st, want, &p, &n, err);
	if (rc)
		return rc;
	if (want < want_max && n >= want && !mh_stream_all_buffered(r->st)) {
		size_t hl, bo;
		if (mh_hdr_end(p, n, 0, &hl, &bo) != MH_OK ||
		    bo + r->o.body_prefix + 64 > n) {
			want = want_max;
			rc = mh_stream_peek(r->st, want, &p, &n, err);
			if (rc)
				return rc;
		}
	}
	int eof = n < want || mh_stream_all_buffered(r->st);
	if (!eof && !mh_stream_is_gzip(r->st)) {
		/* Only large files pay for the fstat. A gzip file's inflated
		 * size is unknown without inflating it: its total stays at
		 * what was read. */
		struct mh_err serr;
		if (mh_stream_file_size(r->st, &r->end, &serr) != MH_OK)
			r->end = 0;
	}
	limit = n;
	if (r->emlx) {
		/* First line: the byte count of the message that follows. */
		size_t i = 0;
		uint64_t count = 0;
		while (i < n && p[i] == ' ')
			i++;
		size_t d = i;
		while (i < n && i - d < 15 && p[i] >= '0' && p[i] <= '9')
			count = count * 10 + (uint64_t)(p[i++] - '0');
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (i == d || i >= n || p[i] != '\n') {
			mh_stream_advance(r->st, n);
			return mh_err_at(
			        err, MH_ESKIP, MH_SKIP_MALFORMED, r->path, 0, 1,
			        "first line is not an emlx byte count");
		}
		start = i + 1;
		/* Fewer bytes than counted: a .partial.emlx has its
		 * attachments elsewhere, and a damaged file still has its
		 * header; both are read (docs/VIOLATIONS.md). */
		if (eof && start + count > n) {
			r->mm.msg.flags |= MH_MSG_EMLX_PARTIAL;
		} else if (start + count < n &&
		           emlx_end_ok(p, n, start + (size_t)count, eof)) {
			limit = start + (size_t)count;
		} else if (start + count < n) {
			/* The count ends inside the message or the plist:
			 * cutting there would lose header fields. Up to the
			 * plist when it is in sight, else all there is. */
			size_t ps = eof ? emlx_plist_start(p, n, start) : n;
			limit = ps;
			mh_err_at(&r->note, MH_ESKIP, MH_SKIP_MALFORMED,
			          r->path, start + count, 1,
			          "emlx byte count %" PRIu64
			          " does not end where the plist starts; "
			          "message read to offset %zu%s",
			          count, limit,
			          ps < n ? " (the plist)"
			          : eof  ? " (end of file, no plist)"
			                 : " (the window read)");
			r->has_note = 1;
		}
	}

	/* A UTF-8 BOM would otherwise become part of the first field's
	 * name, losing that field (MimeKit feedback-report.txt: From). */
	if (limit - start >= 3 && !memcmp(p + start, "\xef\xbb\xbf", 3))
		start += 3;
	/* Empty lines before the first field would end the header block
	 * before it starts ("no header field"): skipped. */
	unsigned blank_lines = 0;
	start += skip_blank_lines(p + start, limit - start, &blank_lines);
	const char *m = p + start;
	size_t mn = limit - start;
	size_t probe = mn < 1024 ? mn : 1024;
	if (memchr(m, '\0', probe) && !field_near_start(m, mn)) {
		mh_stream_advance(r->st, n);
		return mh_err_at(err, MH_ESKIP, MH_SKIP_BINARY, r->path, start,
		                 0, "binary data, not a mail message");
	}
	size_t hlen, boff;
	size_t lim = mn < r->o.max_header + 2 ? mn : r->o.max_header + 2;
	mh_hdr_end(m, lim, 1, &hlen, &boff);
	if (hlen > r->o.max_header) {
		mh_stream_advance(r->st, n);
		return mh_err_at(err, MH_ESKIP, MH_SKIP_OVERSIZED, r->path,
		                 start, 0, "header block longer than %zu bytes",
		                 r->o.max_header);
	}
	size_t blen = mn - boff;
	int complete = eof || limit < n;
	if (blen > r->o.body_prefix) {
		blen = r->o.body_prefix;
		complete = 0;
	}
	r->mm.msg.envelope_from = NULL;
	r->mm.msg.envelope_time = MH_TS_NONE;
	unsigned flags = r->mm.msg.flags;
	rc = mh_mailmsg_build(&r->mm, ev, r->name, r->path, m, hlen, m + boff,
	                      blen, complete, start,
	                      (r->emlx ? 2u : 1u) + blank_lines, err);
	r->mm.msg.flags |= flags;
	ev->index = 0;
	ev->offset = start;
	mh_stream_advance(r->st, n);
	if (rc)
		return rc;
	return 1;
}

const struct mh_reader_ops mh_reader_eml = {
        .name = "eml",
        .probe = eml_probe,
        .open = eml_open,
        .next = eml_next,
        .pos = eml_pos,
        .close = eml_close,
};

/* Maildir entries are .eml files with an owner and folder from the path;
 * the walker picks this reader for them without probing. */
const struct mh_reader_ops mh_reader_maildir = {
        .name = "maildir",
        .probe = NULL,
        .open = maildir_open,
        .next = eml_next,
        .pos = eml_pos,
        .close = eml_close,
};

const struct mh_reader_ops mh_reader_emlx = {
        .name = "emlx",
        .probe = emlx_probe,
        .open = emlx_open,
        .next = eml_next,
        .pos = eml_pos,
        .close = eml_close,
};
