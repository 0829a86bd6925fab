/* mbox.c - mbox reader: mboxo, mboxrd, Content-Length (mboxcl/cl2).
 *
 * A message starts at a From_ line that validates (Netscape "From -", or
 * "From <sender> <asctime date>") and stands at the start of the file,
 * after an empty line, or right before a header field. So "From Russia
 * with love" in a body is text, and Netscape stores without blank lines
 * still split. When Content-Length is present and points at the end of
 * input or at a valid From_ line, it is trusted, so bodies may hold
 * unescaped From_ lines (mboxcl). See docs/VIOLATIONS.md.
 *
 * Speed: only header blocks and a bounded body prefix are looked at; the
 * rest of each body is skipped with memmem() for "\nFrom ".
 *
 * Chunks (src->range_*): a worker starts at the first From_ line preceded by
 * an empty line at or after range_start and stops before the first such
 * message at or after range_end, so adjacent chunks meet exactly.
 * Content-Length is ignored in chunked mode so both sides agree.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/stream.h"
#include "readers/mail/date.h"
#include "readers/mail/mailmsg.h"
#include "readers/mail/rfc5322.h"
#include "readers/reader.h"

/* Windows asked of the stream. The stream refills by moving what is left
 * to the front of its buffer, so asking for little (it hands out all it
 * has) keeps those moves small: the body scan asks for SCAN_WINDOW, a
 * message first for HDR_WINDOW of header and only when its header is
 * longer for max_header. */
#define SCAN_WINDOW   ((size_t)64 << 10)
#define HDR_WINDOW    ((size_t)64 << 10)
#define FROM_LINE_MAX 4096

enum state { AT_START, AT_SEP, SKIP_BODY, DONE };

struct mh_reader {
	struct mh_stream *st;
	struct mh_reader_opts o;
	struct mh_mailmsg mm;
	char *path;
	uint64_t range_end;
	uint64_t min_start; /* first offset a message may start at */
	int chunked;
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
 * exporters), which only counts when a header field follows. */
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
	int ok = mh_date_parse_asctime(mh_slice_make(s, (size_t)(e - s)),
	                               &tt) == MH_OK;
	if (ok && t)
		*t = tt;
	return netscape || ok ? 2 : 0;
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

/* Does a header field start at p? ("Name:" with a printable name) */
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

/* Is there a message separator at buf[i] (start of a line)? strong: only
 * From_ lines after an empty line (or at offset 0 of the window when
 * at_start). */
static int separator_at(const char *buf, size_t n, size_t i, int strong)
{
	size_t ll = line_len(buf + i, n - i);
	if (i + ll >= n && ll < 5)
		return 0;
	int kind = from_kind(buf + i, strip_cr(buf + i, ll), NULL, NULL);
	if (!kind)
		return 0;
	int blank_before = i == 0 || (i >= 2 && buf[i - 2] == '\n') ||
	                   (i >= 3 && buf[i - 2] == '\r' && buf[i - 3] == '\n');
	size_t next = i + ll + 1;
	int header_after = next < n && header_like(buf + next, n - next);
	if (kind == 1)
		return blank_before && header_after;
	if (blank_before)
		return 1;
	if (strong)
		return 0;
	return header_after;
}

/* First separator at or after `from` in buf[0..n); returns its offset or
 * (size_t)-1. Positions whose line is cut by the window end are not
 * judged (caller refills). */
static size_t find_sep(const char *buf, size_t n, size_t from, int strong)
{
	const char *p = buf + from, *e = buf + n;
	while (p < e) {
		const char *q = memmem(p, (size_t)(e - p), "\nFrom ", 6);
		if (!q)
			return (size_t)-1;
		size_t i = (size_t)(q - buf) + 1;
		const char *nl = memchr(buf + i, '\n', n - i);
		if (!nl && e - (buf + i) < FROM_LINE_MAX)
			return (size_t)-1; /* line incomplete: refill */
		if (separator_at(buf, n, i, strong))
			return i;
		p = q + 1;
	}
	return (size_t)-1;
}

static int mbox_probe(const char *head, size_t n, const char *name)
{
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) {
		head += 3;
		n -= 3;
	}
	size_t ll = line_len(head, n);
	int kind = from_kind(head, strip_cr(head, ll), NULL, NULL);
	if (kind == 2)
		return 90;
	if (kind == 1 && ll + 1 < n && header_like(head + ll + 1, n - ll - 1))
		return 80;
	return 0;
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
	/* The buffer holds the largest window; a small file gets one of its
	 * own size (one read sees all of it, and its end). */
	size_t cap = FROM_LINE_MAX + opts->max_header + opts->body_prefix +
	             SCAN_WINDOW;
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
	r->range_end = src->range_end ? src->range_end : UINT64_MAX;
	r->chunked = src->range_start > 0 || r->range_end != UINT64_MAX;
	r->state = AT_START;
	if (src->range_start > 0) {
		/* Back a few bytes so a separator right at range_start is
		 * seen with the empty line before it. */
		r->min_start = src->range_start;
		rc = mh_stream_seek(
		        r->st, src->range_start >= 3 ? src->range_start - 3 : 0,
		        err);
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
	return mh_stream_tell(r->st);
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
		size_t i = 0;
		for (;;) {
			i = find_sep(p, n, i, r->chunked);
			/* A chunk starts at or after its range_start only. */
			if (i == (size_t)-1 || base + i >= r->min_start)
				break;
		}
		if (i != (size_t)-1) {
			mh_stream_advance(r->st, i);
			r->state = AT_SEP;
			return MH_OK;
		}
		if (mh_stream_all_buffered(r->st) || n <= FROM_LINE_MAX) {
			mh_stream_advance(r->st, n);
			r->state = DONE;
			return MH_OK;
		}
		/* Keep the tail: a separator may straddle the window end. */
		mh_stream_advance(r->st, n - FROM_LINE_MAX);
	}
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

/* Where the header block of the message at the window start ends, as
 * window_enough found it (so mbox_next need not search again). */
struct hdr_end {
	int ok; /* set: the fields below hold */
	size_t hlen, boff;
};

/* 1 when the window p[0..n), which does not reach the end of input, gives
 * the same message as the largest window would: the From_ line, the whole
 * header block with its empty line, more than the body prefix after it,
 * and no Content-Length (whose check looks further). Then *he holds the
 * header end: the search in the largest window would find the same. */
static int window_enough(const struct mh_reader *r, const char *p, size_t n,
                         struct hdr_end *he)
{
	size_t i = 0;
	if (r->state == AT_START && n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		i = 3;
	size_t ll = line_len(p + i, n - i);
	size_t hs = i + ll + 1;
	if (hs >= n)
		return 0;
	size_t hlen, boff;
	if (mh_hdr_end(p + hs, n - hs, 0, &hlen, &boff) != MH_OK ||
	    hlen > r->o.max_header)
		return 0;
	if (hs + boff + r->o.body_prefix + FROM_LINE_MAX >= n)
		return 0;
	if (hlen >= 15 && has_content_length(p + hs, hlen))
		return 0;
	he->ok = 1;
	he->hlen = hlen;
	he->boff = boff;
	return 1;
}

static int mbox_next(struct mh_reader *r, struct mh_event *ev,
                     struct mh_err *err)
{
	const char *p;
	size_t n;
	int rc;

	for (;;) {
		if (r->state == DONE)
			return 0;
		if (r->state == SKIP_BODY) {
			rc = skip_body(r, err);
			if (rc)
				return rc;
			continue;
		}
		break;
	}
	uint64_t off = mh_stream_tell(r->st);
	if (off >= r->range_end) {
		r->state = DONE;
		return 0;
	}
	/* One window holds the From_ line, the header and the body prefix:
	 * a small one when that is enough, else the largest allowed. */
	size_t want_max =
	        FROM_LINE_MAX + r->o.max_header + r->o.body_prefix + 1;
	size_t want = FROM_LINE_MAX + HDR_WINDOW + r->o.body_prefix + 1;
	if (want > want_max)
		want = want_max;
	struct hdr_end he = {0};
	rc = mh_stream_peek(r->st, want, &p, &n, err);
	if (rc)
		return rc;
	if (want < want_max && n >= want && !mh_stream_all_buffered(r->st) &&
	    !window_enough(r, p, n, &he)) {
		want = want_max;
		rc = mh_stream_peek(r->st, want, &p, &n, err);
		if (rc)
			return rc;
	}
	if (n == 0) {
		r->state = DONE;
		return 0;
	}
	size_t i = 0;
	if (r->state == AT_START && n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		i = 3; /* UTF-8 BOM before the first From_ line */
	size_t ll = line_len(p + i, n - i);
	r->mm.msg.envelope_from = NULL;
	r->mm.msg.envelope_time = MH_TS_NONE;
	struct mh_slice env;
	int64_t env_t;
	if (!from_kind(p + i, strip_cr(p + i, ll), &env, &env_t)) {
		/* Not at a separator (only possible at the start). */
		r->state = SKIP_BODY;
		mh_stream_advance(r->st, i + ll);
		return mh_err_at(err, MH_ESKIP, MH_SKIP_MALFORMED, r->path, off,
		                 0,
		                 "no From_ line where a message should "
		                 "start");
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
	/* peek returns fewer bytes than asked only at the end of input. */
	int eof = n < want || mh_stream_all_buffered(r->st);
	size_t lim = hn < r->o.max_header + 2 ? hn : r->o.max_header + 2;
	if (he.ok) {
		hlen = he.hlen;
		boff = he.boff;
		rc = MH_OK;
	} else {
		rc = mh_hdr_end(h, lim, 1, &hlen, &boff);
	}
	/* A sloppy writer may start the next message with no empty line. */
	size_t ns = find_sep(h - 1, hlen + 1, 0, r->chunked);
	if (ns != (size_t)-1) {
		hlen = ns - 1;
		boff = ns - 1;
	}
	if (rc == MH_OK && hlen > r->o.max_header) {
		r->state = SKIP_BODY;
		mh_stream_advance(r->st, hs);
		return mh_err_at(err, MH_ESKIP, MH_SKIP_OVERSIZED, r->path, off,
		                 0, "header block longer than %zu bytes",
		                 r->o.max_header);
	}
	if (hlen == hn && eof && (hn == 0 || h[hn - 1] != '\n')) {
		r->state = DONE;
		mh_stream_advance(r->st, n);
		return mh_err_at(err, MH_ESKIP, MH_SKIP_TRUNCATED, r->path, off,
		                 0, "input ends inside a header block");
	}
	/* Body: trust Content-Length when it lands on a boundary. */
	size_t bs = hs + boff; /* body start within window */
	size_t body_end = (size_t)-1;
	int complete = 0;
	if (!r->chunked) {
		const struct mh_field *cl = NULL;
		struct mh_field *f = NULL;
		size_t nf = 0;
		/* Cheap check first: most mboxes carry no Content-Length
		 * (and window_enough has looked already). */
		if (!he.ok && hlen >= 15 && has_content_length(h, hlen) &&
		    mh_hdr_split(h, hlen, &r->mm.arena, 20000, &f, &nf, NULL) ==
		            MH_OK)
			cl = mh_hdr_find(f, nf, "Content-Length");
		if (cl) {
			struct mh_slice v = mh_slice_trim(cl->value);
			uint64_t len = 0;
			size_t k = 0;
			for (; k < v.n && k < 15 && v.p[k] >= '0' &&
			       v.p[k] <= '9';
			     k++)
				len = len * 10 + (uint64_t)(v.p[k] - '0');
			if (k == v.n && k > 0) {
				const char *q;
				size_t qn;
				/* Look at the bytes at body + len. */
				if (bs + len + FROM_LINE_MAX <= n ||
				    (eof && bs + len <= n)) {
					q = p + bs + len;
					qn = n - bs - (size_t)len;
					if (qn > 0 && q[0] == '\n') {
						q++;
						qn--;
					} else if (qn > 1 && q[0] == '\r' &&
					           q[1] == '\n') {
						q += 2;
						qn -= 2;
					}
					size_t ql = line_len(q, qn);
					if ((qn == 0 && eof) ||
					    valid_from_line(q,
					                    strip_cr(q, ql))) {
						body_end = (size_t)(q - p);
					}
				}
			}
		}
	}
	size_t prefix_end = bs + r->o.body_prefix;
	if (prefix_end > n)
		prefix_end = n;
	if (body_end == (size_t)-1) {
		size_t sep = find_sep(p, prefix_end, bs > 0 ? bs - 1 : 0,
		                      r->chunked);
		if (sep != (size_t)-1) {
			body_end = sep;
		} else if (eof && prefix_end == n) {
			body_end = n;
		}
	}
	size_t body_len;
	if (body_end != (size_t)-1 && body_end >= bs) {
		body_len = body_end - bs;
		if (body_len > r->o.body_prefix)
			body_len = r->o.body_prefix;
		else
			complete = 1;
	} else {
		body_len = prefix_end > bs ? prefix_end - bs : 0;
	}
	rc = mh_mailmsg_build(&r->mm, ev, "mbox", r->path, h, hlen, p + bs,
	                      body_len, complete, off + hs, 0, err);
	ev->index = r->index++;
	ev->offset = off;
	if (body_end != (size_t)-1 && body_end >= bs) {
		/* Stays valid: advance does not move the buffer. */
		mh_stream_advance(r->st, body_end);
		r->state = body_end >= n && eof ? DONE : AT_SEP;
	} else {
		/* A From_ line may straddle the prefix end, and skip_body
		 * needs the newline before it: back up by a From_ line's
		 * length (and three bytes for the empty line before it:
		 * "\n\r\n" in CRLF files, or a separator right at bs is
		 * missed in chunked mode). */
		size_t adv = bs + body_len;
		adv = adv > bs + FROM_LINE_MAX ? adv - FROM_LINE_MAX : bs;
		mh_stream_advance(r->st, adv >= 3 ? adv - 3 : 0);
		r->state = SKIP_BODY;
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
