/* mailmsg.h - shared by the mail readers: turns a header block and a body
 * prefix into struct mh_msg and struct mh_event.
 */
#ifndef MH_MAILMSG_H
#define MH_MAILMSG_H

#include "core/arena.h"
#include "event/msg.h"
#include "readers/reader.h"

struct mh_mailmsg {
	struct mh_arena arena; /* per-message scratch, reset each build */
	struct mh_msg msg;
	char *mailbox; /* from the source, owned */
	char *folder;
};

int mh_mailmsg_init(struct mh_mailmsg *m, const struct mh_source *src);
void mh_mailmsg_release(struct mh_mailmsg *m);

/* Fill m->msg and *ev. hdr/body point into reader memory that stays valid
 * until the reader's next call. Returns MH_OK, MH_ESKIP (err says why:
 * no header field, too many fields) or MH_ENOMEM. */
int mh_mailmsg_build(struct mh_mailmsg *m, struct mh_event *ev,
                     const char *reader, const char *path, const char *hdr,
                     size_t hdr_len, const char *body, size_t body_len,
                     int body_complete, uint64_t offset, unsigned line,
                     struct mh_err *err);

#endif
