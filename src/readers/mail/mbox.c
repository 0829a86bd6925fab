/* mbox.c - mbox reader: mboxo, mboxrd, Content-Length (mboxcl/cl2).
 *
 * A message starts at a From_ line that validates and stands at the start
 * of the file (after a BOM and empty lines), after an empty line, or right
 * before a header field. Valid From_ lines are Netscape "From -" and
 * "From <sender> <asctime date>"; "From <sender>" alone and "From <sender>
 * <RFC 5322 date>" count only after an empty line and before a header
 * field. So "From Russia with love" in a body is text, and Netscape stores
 * without blank lines still split. From_ lines longer than FROM_LINE_MAX
 * are text. See docs/VIOLATIONS.md.
 *
 * Content-Length is a property of the file: when the first message's
 * header carries one, the file is read as mboxcl and a Content-Length
 * that points at the end of input or at a valid From_ line is trusted, so
 * bodies may hold unescaped From_ lines. A length that reaches past the
 * read window (a large attachment) is followed by seeking there; when it
 * does not land on a From_ line the body is searched after all (seeking
 * back; a pipe that cannot is said and counted). Otherwise Content-Length
 * is ignored everywhere (mboxo/mboxrd writers do not keep it up to date).
 *
 * Speed: only header blocks and a bounded body prefix are looked at; the
 * rest of each body is skipped with mh_memfind() for "\nFrom ".
 *
 * Chunks (src->range_*): every decision above depends only on the bytes
 * around a position (at most SEP_CTX after it, three before it), never on
 * where a window starts, so the sequential reading passes through every
 * "strong" separator (a From_ line after an empty line). A worker starts
 * at the first strong separator at or after range_start and stops at the
 * first message at or after range_end that starts at a strong separator,
 * so adjacent chunks meet exactly and -jN reads what -j1 reads. An mboxcl
 * file cannot be split that way (a trusted length may jump over any
 * separator): its first chunk reads the whole file and the others read
 * nothing, reporting their range as consumed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/memfind.h"
#include "core/stream.h"
#include "mail/date.h"
#include "readers/mail/mailmsg.h"
#include "mail/rfc5322.h"
#include "readers/reader.h"

/* Longest From_ line honoured (a 5000-byte sender is still a sender). */
#define FROM_LINE_MAX ((size_t)32 << 10)
/* Lying Content-Lengths in one .gz that are gone back from (each one
 * inflates the file again from its start). */
#define CL_GZ_BACKS 8
/* Bytes after a From_ line that header_like() may look at. */
#define HDR_PEEK 82
/* Bytes from a line start that decide whether it is a separator. */
#define SEP_CTX (FROM_LINE_MAX + 1 + HDR_PEEK)
/* Windows asked of the stream: the body scan asks for SCAN_WINDOW, a
 * message first for HDR_WINDOW of header and only when its header is
 * longer for max_header. Refills move what is left of the buffer to its
 * front, so the buffer is much larger than the windows. */
#define SCAN_WINDOW ((size_t)256 << 10)
#define HDR_WINDOW  ((size_t)64 << 10)
#define BUF_MIN     ((size_t)1 << 20)

enum state { AT_START, AT_SEP, SKIP_BODY, SKIP_CL, DONE };

/* What judge() says about a line start. */
enum { SEP_NO, SEP_WEAK, SEP_STRONG, SEP_MORE };

/* The From_ line of a separator as judge() read it, so that mbox_next
 * need not parse it (and its date) again. Offsets are from the line
 * start, so they survive the buffer moving. */
struct sep_info {
	size_t ll;      /* line length without the '\n' */
	size_t snd_off; /* envelope sender */
	size_t snd_len;
	int64_t t; /* envelope time or MH_TS_NONE */
};

struct mh_reader {
	struct mh_stream *st;
	struct mh_reader_opts o;
	struct mh_mailmsg mm;
	char *path;
	uint64_t range_end; /* UINT64_MAX: read to the end */
	uint64_t min_start; /* first offset a message may start at */
	uint64_t skip_from; /* SKIP_BODY: offset of the first '\n' to try */
	uint64_t end_pos;   /* when not 0: pos() (a chunk that reads nothing) */
	uint64_t cl_body;   /* SKIP_CL: where the body starts */
	uint64_t cl_target; /* SKIP_CL: where its Content-Length ends it */
	unsigned cl_backs;  /* lying lengths gone back from in a .gz */
	int chunked;
	int synced;     /* chunked: the first strong separator was found */
	int cl_mode;    /* the file is mboxcl: trust Content-Length */
	int sep_strong; /* AT_SEP: the message starts at a strong separator */
	int have_si;    /* AT_SEP: si describes its From_ line */
	struct sep_info si;
	enum state state;
	uint64_t index;
	char env_from[256];
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* What the line at p (n bytes, without EOL) is as a From_ line: 0 not
 * one, 2 a full one (Netscape "From -", or sender and asctime date), 1 a
 * bare "From <sender>" with nothing after (Gmail Takeout and some
 * exporters), 3 "From <sender> <RFC 5322 date>"; 1 and 3 only count after
 * an empty line and before a header field. */
static int from_kind(const char *p, size_t n, struct mh_slice *sender,
                     int64_t *t)
{
	if (t)
		*t = MH_TS_NONE;
	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	const char *s = p + 5, *e = p + n;
	while (s < e && is_wsp(*s))
		s++;
	if (s == e)
		return 0;
	/* Netscape/Mozilla "From - <date>": the date is optional. */
	int netscape = *s == '-';
	/* The sender is one token (quoted local parts aside); a date that
	 * parses must follow. */
	const char *tok = s;
	if (*s == '"') {
		s++;
		while (s < e && *s != '"')
			s++;
		if (s < e)
			s++;
	}
	while (s < e && !is_wsp(*s))
		s++;
	if (sender)
		*sender = mh_slice_make(tok, (size_t)(s - tok));
	while (s < e && is_wsp(*s))
		s++;
	if (s == e)
		return netscape ? 2 : 1;
	if (netscape && !t)
		return 2; /* validation only: no need to read the date */
	int64_t tt;
	struct mh_slice d = mh_slice_make(s, (size_t)(e - s));
	if (mh_date_parse_asctime(d, &tt) == MH_OK) {
		if (t)
			*t = tt;
		return 2;
	}
	if (netscape)
		return 2;
	int tz;
	if (mh_date_parse(d, &tt, &tz) == MH_OK) {
		if (t)
			*t = tt;
		return 3;
	}
	return 0;
}

static int valid_from_line(const char *p, size_t n)
{
	return from_kind(p, n, NULL, NULL) == 2;
}

static size_t line_len(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	return nl ? (size_t)(nl - p) : n;
}

static size_t strip_cr(const char *p, size_t n)
{
	return n && p[n - 1] == '\r' ? n - 1 : n;
}

/* Does a header field start at p? ("Name:" with a printable name) Looks
 * at no more than HDR_PEEK - 1 bytes. */
static int header_like(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && i < 80 && p[i] != ':') {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7f)
			return 0;
		i++;
	}
	return i > 0 && i < n && p[i] == ':';
}

/* Is the line before the one at buf[i] empty? at0: buf starts at offset 0
 * of the input, which counts as an empty line before it. Otherwise the
 * caller keeps three bytes before i in the window. */
static int blank_before(const char *buf, size_t i, int at0)
{
	if (i == 0)
		return at0;
	if (i == 1)
		return at0; /* line 0 is empty */
	if (buf[i - 2] == '\n')
		return 1;
	if (buf[i - 2] != '\r')
		return 0;
	return i == 2 ? at0 : buf[i - 3] == '\n';
}

/* Judge the line starting at buf[i] in the window buf[0..n) (eof: the
 * input ends at n). SEP_STRONG: a separator after an empty line (or
 * start_blank: treat it as one); SEP_WEAK: one right before a header
 * field; SEP_NO; SEP_MORE: the window ends before SEP_CTX bytes and the
 * answer depends on what follows. The answer never depends on where the
 * window starts or ends beyond that. */
static int judge(const char *buf, size_t n, size_t i, int eof, int at0,
                 int start_blank, struct sep_info *si)
{
	size_t rest = n - i;
	const char *nl =
	        memchr(buf + i, '\n',
	               rest < FROM_LINE_MAX + 1 ? rest : FROM_LINE_MAX + 1);
	size_t ll;
	if (nl)
		ll = (size_t)(nl - (buf + i));
	else if (rest > FROM_LINE_MAX)
		return SEP_NO; /* too long for a From_ line */
	else if (!eof)
		return SEP_MORE;
	else
		ll = rest;
	struct mh_slice snd;
	int64_t t;
	int kind = from_kind(buf + i, strip_cr(buf + i, ll), &snd, &t);
	if (!kind)
		return SEP_NO;
	if (si) {
		si->ll = ll;
		si->snd_off = (size_t)(snd.p - (buf + i));
		si->snd_len = snd.n;
		si->t = t;
	}
	int blank = start_blank || blank_before(buf, i, at0);
	if (kind == 2 && blank)
		return SEP_STRONG;
	if (kind != 2 && !blank)
		return SEP_NO;
	size_t next = i + ll + 1;
	if (!eof && (next > n || n - next < HDR_PEEK))
		return SEP_MORE;
	if (!(next < n && header_like(buf + next, n - next)))
		return SEP_NO;
	return blank ? SEP_STRONG : SEP_WEAK;
}

/* First separator whose preceding '\n' lies in buf[from..lim) (lim <= n),
 * judged on all of buf[0..n); strong_only skips weak ones. Returns the
 * offset of its "From " with *kind set, or (size_t)-1 with *resume set to
 * the first '\n' offset not yet decided (search again from there when
 * more bytes are buffered; lim when all was decided). */
static size_t find_sep(const char *buf, size_t n, size_t from, size_t lim,
                       int eof, int at0, int strong_only, int *kind,
                       size_t *resume, struct sep_info *si)
{
	size_t end = n - lim > 5 ? lim + 5 : n; /* a match may end here */
	size_t q = from;
	while (q < lim) {
		const char *f = mh_memfind(buf + q, end - q, "\nFrom ", 6);
		if (!f)
			break;
		q = (size_t)(f - buf);
		int k = judge(buf, n, q + 1, eof, at0, 0, si);
		if (k == SEP_MORE) {
			*resume = q;
			return (size_t)-1;
		}
		if (k == SEP_STRONG || (k == SEP_WEAK && !strong_only)) {
			*kind = k;
			return q + 1;
		}
		q++;
	}
	/* A needle cut by the window end is tried again. */
	size_t rs = lim;
	if (end == n) {
		rs = n >= 5 ? n - 5 : 0;
		if (rs < q)
			rs = q;
		if (rs > lim)
			rs = lim;
	}
	*resume = rs;
	return (size_t)-1;
}

/* Bytes before the first line that may be a From_ line: a UTF-8 BOM and
 * empty lines, within the first FROM_LINE_MAX bytes. */
static size_t lead_len(const char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		i = 3;
	/* Lines that are empty or hold only blanks (as editors and exports
	 * leave them), CRLF or LF. */
	for (;;) {
		size_t j = i;
		while (j < n && j < FROM_LINE_MAX && is_wsp(p[j]))
			j++;
		if (j < n && p[j] == '\n' && j < FROM_LINE_MAX)
			i = j + 1;
		else if (j + 1 < n && p[j] == '\r' && p[j + 1] == '\n' &&
		         j < FROM_LINE_MAX)
			i = j + 2;
		else
			return i;
	}
}

static int mbox_probe(const char *head, size_t n, const char *name)
{
	(void)name;
	size_t i = lead_len(head, n);
	if (i >= n)
		return 0;
	const char *p = head + i;
	size_t m = n - i;
	size_t ll = line_len(p, m);
	if (ll == m && m >= 6 && !memcmp(p, "From ", 5) && !is_wsp(p[5]) &&
	    n >= 4096) {
		/* The first line runs past the head: a long sender. Still
		 * more likely mbox than anything else. */
		return 60;
	}
	int kind = from_kind(p, strip_cr(p, ll), NULL, NULL);
	if (kind == 2)
		return 90;
	if ((kind == 1 || kind == 3) && ll + 1 < m &&
	    header_like(p + ll + 1, m - ll - 1))
		return 80;
	return 0;
}

/* A cheap test before splitting a header: most mboxes carry no
 * Content-Length, and the field name is case-insensitive. */
static int has_content_length(const char *h, size_t n)
{
	const char *q = h, *e = h + n;
	while ((q = memchr(q, '-', (size_t)(e - q))) != NULL) {
		/* Headers are full of '-': look at the letters around it
		 * before comparing the whole name. */
		if (q - h >= 7 && (size_t)(e - q) >= 7 &&
		    (q[1] | 0x20) == 'l' && (q[-1] | 0x20) == 't' &&
		    !strncasecmp(q - 7, "Content-Length", 14))
			return 1;
		q++;
	}
	return 0;
}

/* The Content-Length field of the header h[0..hlen), or NULL. */
static const struct mh_field *find_cl(struct mh_reader *r, const char *h,
                                      size_t hlen)
{
	struct mh_field *f = NULL;
	size_t nf = 0;
	if (hlen < 15 || !has_content_length(h, hlen) ||
	    mh_hdr_split(h, hlen, &r->mm.arena, 20000, &f, &nf, NULL) != MH_OK)
		return NULL;
	return mh_hdr_find(f, nf, "Content-Length");
}

/* The largest window a message needs: leading bytes, From_ line, header
 * with its empty line, body prefix and what judges the line after it. */
static size_t want_max(const struct mh_reader *r)
{
	return 2 * FROM_LINE_MAX + 4 + r->o.max_header + r->o.body_prefix +
	       SEP_CTX;
}

/* Is the file mboxcl? Decided on the first want_max() bytes only, so that
 * every chunk of a file agrees: the first message starts the file (after
 * lead_len) and its header carries Content-Length. The stream is at
 * offset 0; it is not advanced. A read error is sticky: next() reports
 * it, so here it only means "not mboxcl". */
static int detect_cl(struct mh_reader *r)
{
	const char *p;
	size_t n, want = want_max(r);
	struct mh_err ignored;
	if (mh_stream_peek(r->st, want, &p, &n, &ignored) != MH_OK)
		return 0;
	int eof = n < want || mh_stream_all_buffered(r->st);
	if (n > want)
		n = want;
	size_t i = lead_len(p, n);
	if (i >= n || judge(p, n, i, eof, 1, 1, NULL) == SEP_NO)
		return 0;
	size_t ll = line_len(p + i, n - i);
	size_t hs = i + ll + 1, hlen, boff;
	if (hs >= n)
		return 0;
	size_t hn = n - hs;
	size_t lim = hn < r->o.max_header + 2 ? hn : r->o.max_header + 2;
	if (mh_hdr_end(p + hs, lim, 1, &hlen, &boff) != MH_OK ||
	    hlen > r->o.max_header)
		return 0;
	int cl = find_cl(r, p + hs, hlen) != NULL;
	mh_arena_reset(&r->mm.arena);
	return cl;
}

static int mbox_open(struct mh_reader **out, const struct mh_source *src,
                     const struct mh_reader_opts *opts, struct mh_err *err)
{
	struct mh_reader *r = calloc(1, sizeof(*r));
	int rc = MH_OK;
	if (!r) {
		mh_stream_close(src->stream);
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	}
	r->st = src->stream; /* taken over (reader.h), else opened below */
	r->o = *opts;
	r->path = strdup(src->path);
	if (!r->path || mh_mailmsg_init(&r->mm, src) != MH_OK) {
		rc = mh_err_set(err, MH_ENOMEM, "out of memory");
		goto fail;
	}
	/* The buffer holds the largest window and a scan window; a small
	 * file gets one of its own size (one read sees all of it, and its
	 * end). */
	size_t cap = want_max(r) + SCAN_WINDOW;
	if (cap < BUF_MIN)
		cap = BUF_MIN;
	size_t init = cap;
	if (src->size && !src->gzip && src->size < cap)
		init = (size_t)src->size + 1;
	if (r->st)
		mh_stream_set_cap(r->st, cap);
	else
		rc = mh_stream_open_flags(&r->st, src->path, init, cap,
		                          src->regular ? MH_STREAM_REGULAR : 0,
		                          err);
	if (rc)
		goto fail;
	/* A damaged .gz: read every message inflated before the damage,
	 * then report it once (mh_stream_end at DONE). */
	mh_stream_defer_damage(r->st);
	uint64_t lo = src->range_start;
	r->range_end = src->range_end ? src->range_end : UINT64_MAX;
	r->chunked = lo > 0 || r->range_end != UINT64_MAX;
	r->state = AT_START;
	r->synced = lo == 0;
	if (lo > 0) {
		rc = mh_stream_seek(r->st, 0, err);
		if (rc)
			goto fail;
	}
	r->cl_mode = detect_cl(r);
	if (r->chunked && r->cl_mode) {
		/* mboxcl: the first chunk reads everything, the others
		 * nothing (their bytes are counted as read). */
		if (lo == 0) {
			r->chunked = 0;
			r->range_end = UINT64_MAX;
		} else {
			uint64_t size = src->size;
			if (r->range_end != UINT64_MAX)
				size = r->range_end;
			else if (!size)
				rc = mh_stream_file_size(r->st, &size, err);
			if (rc)
				goto fail;
			r->end_pos = size > lo ? size : lo;
			r->state = DONE;
		}
	} else if (lo > 0) {
		/* Start three bytes early: the empty line before a separator
		 * right at range_start must be in the window. */
		r->min_start = lo;
		r->skip_from = lo - 1;
		rc = mh_stream_seek(r->st, lo >= 3 ? lo - 3 : 0, err);
		if (rc)
			goto fail;
		r->state = SKIP_BODY;
	}
	*out = r;
	return MH_OK;
fail:
	if (r) {
		mh_stream_close(r->st);
		mh_mailmsg_release(&r->mm);
		free(r->path);
		free(r);
	}
	return rc;
}

static void mbox_close(struct mh_reader *r)
{
	if (!r)
		return;
	mh_stream_close(r->st);
	mh_mailmsg_release(&r->mm);
	free(r->path);
	free(r);
}

static uint64_t mbox_pos(const struct mh_reader *r)
{
	return r->end_pos ? r->end_pos : mh_stream_tell(r->st);
}

/* Continue the search at window offset rel (a '\n' position): keep two
 * bytes before it for blank_before(). */
static void skip_at(struct mh_reader *r, uint64_t base, size_t rel)
{
	r->skip_from = base + rel;
	mh_stream_advance(r->st, rel >= 2 ? rel - 2 : 0);
	r->state = SKIP_BODY;
}

/* Skip to the next separator; state becomes AT_SEP or DONE. */
static int skip_body(struct mh_reader *r, struct mh_err *err)
{
	for (;;) {
		const char *p;
		size_t n;
		int rc = mh_stream_peek(r->st, SCAN_WINDOW, &p, &n, err);
		if (rc)
			return rc;
		uint64_t base = mh_stream_tell(r->st);
		int eof = n < SCAN_WINDOW || mh_stream_all_buffered(r->st);
		size_t from =
		        r->skip_from > base ? (size_t)(r->skip_from - base) : 0;
		size_t resume = n;
		while (from < n) {
			int kind = SEP_NO;
			size_t i = find_sep(p, n, from, n, eof, base == 0,
			                    r->chunked && !r->synced, &kind,
			                    &resume, &r->si);
			if (i == (size_t)-1)
				break;
			/* A chunk starts at or after its range_start only. */
			if (base + i < r->min_start) {
				from = i;
				resume = n;
				continue;
			}
			mh_stream_advance(r->st, i);
			r->state = AT_SEP;
			r->sep_strong = kind == SEP_STRONG;
			r->have_si = 1;
			r->synced = 1;
			return MH_OK;
		}
		if (eof) {
			mh_stream_advance(r->st, n);
			r->state = DONE;
			return MH_OK;
		}
		if (!r->synced && base + resume + 1 >= r->range_end) {
			/* No strong separator in the range: the chunk before
			 * reads through it; its bytes count as read here. */
			r->end_pos = r->range_end;
			r->state = DONE;
			return MH_OK;
		}
		skip_at(r, base, resume < n ? resume : n);
	}
}

/* SKIP_CL: go to where the Content-Length of a large body ends it. On a
 * From_ line (or the end of input) the next message starts there;
 * otherwise the length lies, and the body is searched for separators
 * from its start after all, as if Content-Length were absent. A stream
 * that cannot go back (a pipe) goes on from the target and says that the
 * bytes in between were not searched. */
static int skip_cl(struct mh_reader *r, struct mh_err *err)
{
	const char *p;
	size_t n;
	int rc = mh_stream_seek(r->st, r->cl_target, err);
	if (rc)
		return rc;
	size_t want = FROM_LINE_MAX + 2;
	rc = mh_stream_peek(r->st, want, &p, &n, err);
	if (rc)
		return rc;
	int eof = n < want || mh_stream_all_buffered(r->st);
	uint64_t at = mh_stream_tell(r->st);
	if (at == r->cl_target) {
		size_t e = n > 0 && p[0] == '\n'                   ? 1
		           : n > 1 && p[0] == '\r' && p[1] == '\n' ? 2
		                                                   : 0;
		size_t ql = line_len(p + e, n - e);
		if (eof && n == e) {
			mh_stream_advance(r->st, n);
			r->state = DONE;
			return MH_OK;
		}
		if ((e || r->cl_target == r->cl_body) &&
		    valid_from_line(p + e, strip_cr(p + e, ql))) {
			mh_stream_advance(r->st, e);
			r->state = AT_SEP;
			r->sep_strong = 1;
			r->have_si = 0;
			return MH_OK;
		}
	}
	/* The length does not end at a message: search the body. Going
	 * back in a .gz inflates it again from its start, so a file with
	 * many lying lengths would cost quadratic time: after a few, it
	 * goes on like a pipe. */
	uint64_t back = r->cl_body >= 3 ? r->cl_body - 3 : 0;
	struct mh_err serr;
	mh_err_clear(&serr);
	int gz = mh_stream_is_gzip(r->st);
	if ((!gz || r->cl_backs < CL_GZ_BACKS) &&
	    mh_stream_seek(r->st, back, &serr) == MH_OK &&
	    mh_stream_tell(r->st) == back) {
		r->cl_backs += (unsigned)gz;
		r->skip_from = r->cl_body ? r->cl_body - 1 : 0;
		r->state = SKIP_BODY;
		return MH_OK;
	}
	r->skip_from = at;
	r->state = SKIP_BODY;
	return mh_err_at(err, MH_ESKIP, MH_SKIP_MALFORMED, r->path, r->cl_body,
	                 0,
	                 "Content-Length %" PRIu64 " does not end at a From_ "
	                 "line and the input cannot be read again: bytes up "
	                 "to offset %" PRIu64 " not searched for messages",
	                 r->cl_target - r->cl_body, at);
}

/* Where the header block of the message at the window start ends, as
 * window_enough found it (so mbox_next need not search again). */
struct hdr_end {
	int ok; /* set: the fields below hold */
	size_t hlen, boff;
};

/* 1 when the window p[0..n), which does not reach the end of input, gives
 * the same message as the largest window would: the From_ line, the whole
 * header block with its empty line, the body prefix and SEP_CTX bytes
 * after it, and no Content-Length to check (whose target lies further).
 * Then *he holds the header end: the search in the largest window would
 * find the same. */
static int window_enough(const struct mh_reader *r, const char *p, size_t n,
                         size_t i, struct hdr_end *he)
{
	size_t ll = line_len(p + i, n - i);
	size_t hs = i + ll + 1;
	if (hs >= n)
		return 0;
	size_t hlen, boff;
	if (mh_hdr_end(p + hs, n - hs, 0, &hlen, &boff) != MH_OK ||
	    hlen > r->o.max_header)
		return 0;
	if (hs + boff + r->o.body_prefix + SEP_CTX >= n)
		return 0;
	if (r->cl_mode && hlen >= 15 && has_content_length(p + hs, hlen))
		return 0;
	he->ok = 1;
	he->hlen = hlen;
	he->boff = boff;
	return 1;
}

#define CL_FAR ((size_t)-2)

/* In an mboxcl file: the window offset where the body starting at bs
 * ends by the message's Content-Length, (size_t)-1 when it has none or
 * it does not land on a boundary, or CL_FAR when the end lies beyond the
 * window (*len is then the length, to be checked by skip_cl). */
static size_t cl_body_end(struct mh_reader *r, const char *p, size_t n, int eof,
                          const char *h, size_t hlen, size_t bs,
                          uint64_t *len_out)
{
	const struct mh_field *cl = find_cl(r, h, hlen);
	if (!cl)
		return (size_t)-1;
	struct mh_slice v = mh_slice_trim(cl->value);
	uint64_t len = 0;
	size_t k = 0;
	for (; k < v.n && k < 15 && v.p[k] >= '0' && v.p[k] <= '9'; k++)
		len = len * 10 + (uint64_t)(v.p[k] - '0');
	if (k != v.n || k == 0)
		return (size_t)-1;
	/* Look at the bytes at body + len. */
	if (!(bs + len + FROM_LINE_MAX <= n || (eof && bs + len <= n))) {
		*len_out = len;
		return eof ? (size_t)-1 : CL_FAR;
	}
	const char *q = p + bs + len;
	size_t qn = n - bs - (size_t)len;
	if (qn > 0 && q[0] == '\n') {
		q++;
		qn--;
	} else if (qn > 1 && q[0] == '\r' && q[1] == '\n') {
		q += 2;
		qn -= 2;
	}
	size_t ql = line_len(q, qn);
	if ((qn == 0 && eof) || valid_from_line(q, strip_cr(q, ql)))
		return (size_t)(q - p);
	return (size_t)-1;
}

static int mbox_next(struct mh_reader *r, struct mh_event *ev,
                     struct mh_err *err)
{
	const char *p;
	size_t n;
	int rc;

	for (;;) {
		if (r->state == DONE)
			return mh_stream_end(r->st, err);
		if (r->state == SKIP_BODY) {
			rc = skip_body(r, err);
			if (rc)
				return rc;
			continue;
		}
		if (r->state == SKIP_CL) {
			rc = skip_cl(r, err);
			if (rc)
				return rc;
			continue;
		}
		break;
	}
	uint64_t off = mh_stream_tell(r->st);
	/* One window holds the From_ line, the header and the body prefix:
	 * a small one when that is enough, else the largest allowed. */
	size_t wmax = want_max(r);
	size_t want =
	        2 * FROM_LINE_MAX + HDR_WINDOW + r->o.body_prefix + SEP_CTX;
	if (want > wmax)
		want = wmax;
	struct hdr_end he = {0};
	rc = mh_stream_peek(r->st, want, &p, &n, err);
	if (rc)
		return rc;
	size_t i = r->state == AT_START ? lead_len(p, n) : 0;
	if (want < wmax && n >= want && !mh_stream_all_buffered(r->st) &&
	    !window_enough(r, p, n, i, &he)) {
		want = wmax;
		rc = mh_stream_peek(r->st, want, &p, &n, err);
		if (rc)
			return rc;
	}
	/* peek returns fewer bytes than asked only at the end of input. */
	int eof = n < want || mh_stream_all_buffered(r->st);
	int at0 = off == 0;
	if (i >= n) {
		/* Nothing but a BOM and empty lines. */
		mh_stream_advance(r->st, n);
		r->state = DONE;
		return mh_stream_end(r->st, err);
	}
	int strong = r->sep_strong;
	if (r->state == AT_START) {
		if (judge(p, n, i, eof, at0, 1, NULL) == SEP_NO) {
			skip_at(r, off, i);
			return mh_err_at(err, MH_ESKIP, MH_SKIP_MALFORMED,
			                 r->path, off + i, 0,
			                 "no From_ line where a message should "
			                 "start");
		}
		strong = blank_before(p, i, at0);
	}
	/* A chunk ends before the first strong separator at or after its
	 * range_end: the next chunk starts there. */
	if (r->chunked && strong && off + i >= r->range_end) {
		r->state = DONE;
		return 0;
	}
	size_t ll;
	r->mm.msg.envelope_from = NULL;
	r->mm.msg.envelope_time = MH_TS_NONE;
	struct mh_slice env;
	int64_t env_t;
	if (r->have_si && r->state == AT_SEP) {
		/* find_sep has read this line already. */
		ll = r->si.ll;
		env = mh_slice_make(p + r->si.snd_off, r->si.snd_len);
		env_t = r->si.t;
	} else {
		ll = line_len(p + i, n - i);
		if (!from_kind(p + i, strip_cr(p + i, ll), &env, &env_t)) {
			/* Cannot happen: the line was judged a separator. */
			skip_at(r, off, i);
			return mh_err_at(err, MH_ESKIP, MH_SKIP_MALFORMED,
			                 r->path, off + i, 0,
			                 "no From_ line where a message "
			                 "should start");
		}
	}
	/* Envelope sender (cut to the buffer) and time. */
	size_t sn =
	        env.n < sizeof(r->env_from) ? env.n : sizeof(r->env_from) - 1;
	memcpy(r->env_from, env.p, sn);
	r->env_from[sn] = '\0';
	r->mm.msg.envelope_from = r->env_from;
	r->mm.msg.envelope_time = env_t;
	size_t hs = i + ll + (i + ll < n ? 1 : 0); /* header start */
	const char *h = p + hs;
	size_t hn = n - hs;
	size_t hlen, boff;
	size_t lim = hn < r->o.max_header + 2 ? hn : r->o.max_header + 2;
	if (he.ok) {
		hlen = he.hlen;
		boff = he.boff;
		rc = MH_OK;
	} else {
		rc = mh_hdr_end(h, lim, 1, &hlen, &boff);
	}
	/* A sloppy writer may start the next message with no empty line. */
	int kind = SEP_NO;
	size_t resume;
	size_t ns = find_sep(p, n, hs - 1, hs + hlen, eof, at0, 0, &kind,
	                     &resume, NULL);
	if (ns != (size_t)-1) {
		hlen = ns - hs;
		boff = ns - hs;
	}
	r->have_si = 0;
	if (rc == MH_OK && hlen > r->o.max_header) {
		skip_at(r, off, hs);
		return mh_err_at(
		        err, MH_ESKIP, MH_SKIP_OVERSIZED, r->path, off + i, 0,
		        "header block longer than %zu bytes", r->o.max_header);
	}
	if (hlen == hn && eof && (hn == 0 || h[hn - 1] != '\n')) {
		r->state = DONE;
		mh_stream_advance(r->st, n);
		return mh_err_at(err, MH_ESKIP, MH_SKIP_TRUNCATED, r->path,
		                 off + i, 0,
		                 "input ends inside a header block");
	}
	/* Body: in mboxcl, trust Content-Length when it lands on a
	 * boundary; else it ends at the next separator. */
	size_t bs = hs + boff; /* body start within window */
	size_t body_end = (size_t)-1;
	int next_strong = 0;
	int complete = 0;
	uint64_t cl_len = 0;
	int cl_far = 0;
	if (r->cl_mode)
		body_end = cl_body_end(r, p, n, eof, h, hlen, bs, &cl_len);
	if (body_end == CL_FAR) {
		/* Not searched here: its separators may be mail text. */
		cl_far = 1;
		body_end = (size_t)-1;
	}
	resume = n;
	if (body_end == (size_t)-1 && !cl_far) {
		size_t sep = find_sep(p, n, bs - 1, n, eof, at0, 0, &kind,
		                      &resume, &r->si);
		if (sep != (size_t)-1) {
			body_end = sep;
			next_strong = kind == SEP_STRONG;
			r->have_si = 1;
		} else if (eof) {
			body_end = n;
		}
	}
	size_t prefix_end = bs + r->o.body_prefix;
	if (prefix_end > n)
		prefix_end = n;
	size_t body_len;
	if (body_end != (size_t)-1) {
		body_len = body_end - bs;
		if (body_len > r->o.body_prefix)
			body_len = r->o.body_prefix;
		else
			complete = 1;
	} else {
		body_len = prefix_end - bs;
	}
	rc = mh_mailmsg_build(&r->mm, ev, "mbox", r->path, h, hlen, p + bs,
	                      body_len, complete, off + hs, 0, err);
	ev->index = r->index++;
	/* A BOM belongs to the first message; empty lines before it do not
	 * (a chunk may start at the From_ line after them). */
	ev->offset = i == 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? off : off + i;
	/* The event stays valid: advance does not move the buffer. */
	if (body_end != (size_t)-1) {
		mh_stream_advance(r->st, body_end);
		r->state = body_end >= n && eof ? DONE : AT_SEP;
		r->sep_strong = next_strong;
	} else if (cl_far) {
		r->cl_body = off + bs;
		r->cl_target = off + bs + cl_len;
		r->state = SKIP_CL;
	} else {
		skip_at(r, off, resume);
	}
	if (rc == MH_ESKIP)
		return MH_ESKIP;
	if (rc)
		return rc;
	return 1;
}

const struct mh_reader_ops mh_reader_mbox = {
        .name = "mbox",
        .probe = mbox_probe,
        .can_chunk = 1,
        .open = mbox_open,
        .next = mbox_next,
        .pos = mbox_pos,
        .close = mbox_close,
};
