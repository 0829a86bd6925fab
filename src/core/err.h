/* err.h - return codes and the error record every fallible call fills.
 *
 * Functions return int: 0 (MH_OK) on success, a negative MH_E* code on
 * failure. The details go into a caller-provided struct mh_err, which may be
 * NULL when the caller does not want them. Messages follow git's wording
 * rules: lower case, no full stop, the subject in single quotes.
 */
#ifndef MH_ERR_H
#define MH_ERR_H

#include <stdint.h>

enum {
	MH_OK = 0,
	MH_ENOMEM = -1,  /* allocation failed */
	MH_EIO = -2,     /* read/open/stat failed (errno in msg) */
	MH_EFORMAT = -3, /* input is not what it claims to be */
	MH_ETOOBIG = -4, /* a size limit was hit */
	MH_ENOTFOUND = -5,
	MH_EINVAL = -6, /* bad argument (a bug or bad usage) */
	MH_ETRUNC = -7, /* input ends in the middle of a record */
	MH_EUNSUP = -8, /* valid but not supported */
	MH_ESKIP = -9,  /* reader: one record skipped; call next() again */
};

/* Why a record was not turned into an event. Counted per reason and printed
 * at the end of a scan so that read = events + skipped reconciles. */
enum mh_skip_reason {
	MH_SKIP_NONE = 0,
	MH_SKIP_TRUNCATED,    /* input ends inside the record */
	MH_SKIP_OVERSIZED,    /* header block or line over the limit */
	MH_SKIP_BINARY,       /* NUL bytes / not text where text is required */
	MH_SKIP_NO_HEADER,    /* no header field before the body */
	MH_SKIP_MALFORMED,    /* structure broken beyond tolerance */
	MH_SKIP_UNREADABLE,   /* open/read failed */
	MH_SKIP_UNKNOWN_TYPE, /* file of no supported type */
	MH_SKIP_FILTERED,     /* outside --since/--until */
	MH_SKIP_DUPLICATE,    /* walker: an input already read (same file) */
	MH_SKIP__COUNT
};

struct mh_err {
	int code;        /* MH_E* or MH_OK */
	int reason;      /* enum mh_skip_reason when a record was skipped */
	char msg[256];   /* NUL-terminated text, "" when none */
	const char *src; /* file name (borrowed), or NULL */
	uint64_t offset; /* byte offset in src where the problem is */
	unsigned line;   /* 1-based line in src, 0 if unknown */
	unsigned col;    /* 1-based column, 0 if unknown */
};

/* Clear err (NULL allowed). */
void mh_err_clear(struct mh_err *err);

/* Set code and message; keep src/offset/line as they are. Returns code so
 * callers can write: return mh_err_set(err, MH_EFORMAT, "bad '%s'", x);
 * err may be NULL. */
int mh_err_set(struct mh_err *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Set everything at once, including the position and skip reason. */
int mh_err_at(struct mh_err *err, int code, int reason, const char *src,
              uint64_t offset, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));

/* Static name of a code ("format error") and of a skip reason
 * ("truncated"). Never NULL. */
const char *mh_strerror(int code);
const char *mh_skip_reason_name(int reason);

#endif
