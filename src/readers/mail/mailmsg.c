#include "readers/mail/mailmsg.h"

#include <stdlib.h>
#include <string.h>

#include "mail/date.h"
#include "mail/rfc5322.h"

/* More fields than this is not mail, it is an attack on the parser. */
#define MAX_FIELDS 20000

int mh_mailmsg_init(struct mh_mailmsg *m, const struct mh_source *src)
{
	memset(m, 0, sizeof(*m));
	mh_arena_init(&m->arena, 32768, 0);
	if (src->mailbox && !(m->mailbox = strdup(src->mailbox)))
		return MH_ENOMEM;
	if (src->folder && !(m->folder = strdup(src->folder)))
		return MH_ENOMEM;
	return MH_OK;
}

void mh_mailmsg_release(struct mh_mailmsg *m)
{
	if (!m)
		return;
	mh_arena_release(&m->arena);
	free(m->mailbox);
	free(m->folder);
}

/* When the message arrived (docs/FORWARDING.md "Time of a message"): the
 * mbox From_ line, else the date of the top-most Received field (the last
 * hop, written by the receiving server), else Date (written by the
 * sender), else none. */
static int64_t message_time(const struct mh_field *f, size_t nf,
                            int64_t env_time)
{
	int64_t t;
	int tz;
	if (env_time != MH_TS_NONE)
		return env_time;
	const struct mh_field *r = mh_hdr_find(f, nf, "Received");
	if (r) {
		/* "... ; date-time" (RFC 5322 3.6.7): after the last ';'. */
		struct mh_slice v = r->value;
		size_t semi = v.n;
		while (semi > 0 && v.p[semi - 1] != ';')
			semi--;
		if (semi > 0) {
			struct mh_slice tail =
			        mh_slice_make(v.p + semi, v.n - semi);
			/* The date parser skips folding white space. */
			if (mh_date_parse(tail, &t, &tz) == MH_OK)
				return t;
		}
	}
	const struct mh_field *d = mh_hdr_find(f, nf, "Date");
	if (d && mh_date_parse(d->value, &t, &tz) == MH_OK)
		return t;
	return MH_TS_NONE;
}

int mh_mailmsg_build(struct mh_mailmsg *m, struct mh_event *ev,
                     const char *reader, const char *path, const char *hdr,
                     size_t hdr_len, const char *body, size_t body_len,
                     int body_complete, uint64_t offset, unsigned line,
                     struct mh_err *err)
{
	struct mh_field *f = NULL;
	size_t nf = 0, bad = 0;
	int64_t env_time = m->msg.envelope_time;
	const char *env_from = m->msg.envelope_from;

	mh_arena_reset(&m->arena);
	int rc = mh_hdr_split(hdr, hdr_len, &m->arena, MAX_FIELDS, &f, &nf,
	                      &bad);
	if (rc == MH_ENOMEM)
		return mh_err_set(err, MH_ENOMEM, "out of memory");
	if (rc == MH_ETOOBIG)
		return mh_err_at(err, MH_ESKIP, MH_SKIP_OVERSIZED, path, offset,
		                 line, "more than %d header fields",
		                 MAX_FIELDS);
	if (nf == 0)
		return mh_err_at(err, MH_ESKIP, MH_SKIP_NO_HEADER, path, offset,
		                 line,
		                 "no header field at the start of the "
		                 "message");

	memset(&m->msg, 0, sizeof(m->msg));
	m->msg.header = mh_slice_make(hdr, hdr_len);
	m->msg.body = mh_slice_make(body, body_len);
	m->msg.body_complete = body_complete;
	m->msg.header_offset = offset;
	m->msg.header_line = line;
	m->msg.hdrs = f;
	m->msg.nhdrs = nf;
	m->msg.envelope_from = env_from;
	m->msg.envelope_time = env_time;
	if (memchr(hdr, '\0', hdr_len))
		m->msg.flags |= MH_MSG_HAS_NUL;
	const char *cr = memchr(hdr, '\r', hdr_len);
	if (cr && cr + 1 < hdr + hdr_len && cr[1] == '\n')
		m->msg.flags |= MH_MSG_CRLF;

	memset(ev, 0, sizeof(*ev));
	ev->kind = MH_EV_MAIL;
	ev->reader = reader;
	ev->path = path;
	ev->offset = offset;
	ev->line = line;
	ev->mailbox = m->mailbox;
	ev->folder = m->folder;
	ev->fields = f;
	ev->nfields = nf;
	ev->msg = &m->msg;
	ev->ts = message_time(f, nf, env_time);
	return MH_OK;
}
