/* msg.h - one mail message as a reader hands it over.
 *
 * The reader finds the header block and (a prefix of) the body; the header
 * fields are split by mh_hdr_split (rfc5322.h). All spans point into reader
 * memory and are valid until the reader's next next()/close().
 */
#ifndef MH_MSG_H
#define MH_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "event/event.h"

struct mh_msg {
	struct mh_slice header;      /* header block, without the blank line */
	struct mh_slice body;        /* body bytes available in memory */
	int body_complete;           /* 1 when body holds the whole body */
	uint64_t header_offset;      /* file offset of header[0] */
	unsigned header_line;        /* 1-based line of header[0] in the file */
	const struct mh_field *hdrs; /* split header fields (== event fields) */
	size_t nhdrs;
	const char *envelope_from; /* mbox From_ line sender, or NULL */
	int64_t envelope_time;     /* mbox From_ line time, or MH_TS_NONE */
	unsigned flags;            /* MH_MSG_* */
};

enum {
	MH_MSG_CRLF = 1u << 0, /* header block uses CRLF line ends */
	MH_MSG_HAS_NUL = 1u
	                 << 1, /* NUL bytes were found (and kept) in header */
	MH_MSG_8BIT = 1u << 2, /* raw 8-bit bytes in header */
	MH_MSG_EMLX_PARTIAL = 1u << 3, /* Apple Mail .partial.emlx */
	MH_MSG_NO_BLANK = 1u << 4, /* header block ended without blank line */
};

#endif
