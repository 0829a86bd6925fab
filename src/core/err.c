#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mh_err_clear(struct mh_err *err)
{
	if (!err)
		return;
	/* Called per record on the hot path: the message is made empty,
	 * not wiped (every reader of msg stops at its NUL). */
	err->code = MH_OK;
	err->reason = MH_SKIP_NONE;
	err->msg[0] = '\0';
	err->src = NULL;
	err->offset = 0;
	err->line = 0;
	err->col = 0;
}

int mh_err_set(struct mh_err *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return code;
}

int mh_err_at(struct mh_err *err, int code, int reason, const char *src,
              uint64_t offset, unsigned line, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	err->reason = reason;
	err->src = src;
	err->offset = offset;
	err->line = line;
	err->col = 0;
	return code;
}

const char *mh_strerror(int code)
{
	switch (code) {
	case MH_OK: return "ok";
	case MH_ENOMEM: return "out of memory";
	case MH_EIO: return "i/o error";
	case MH_EFORMAT: return "format error";
	case MH_ETOOBIG: return "size limit exceeded";
	case MH_ENOTFOUND: return "not found";
	case MH_EINVAL: return "invalid argument";
	case MH_ETRUNC: return "truncated input";
	case MH_EUNSUP: return "unsupported";
	case MH_ESKIP: return "record skipped";
	default: return "unknown error";
	}
}

const char *mh_skip_reason_name(int reason)
{
	static const char *const names[MH_SKIP__COUNT] = {
	        [MH_SKIP_NONE] = "none",
	        [MH_SKIP_TRUNCATED] = "truncated",
	        [MH_SKIP_OVERSIZED] = "oversized",
	        [MH_SKIP_BINARY] = "binary",
	        [MH_SKIP_NO_HEADER] = "no-header",
	        [MH_SKIP_MALFORMED] = "malformed",
	        [MH_SKIP_UNREADABLE] = "unreadable",
	        [MH_SKIP_UNKNOWN_TYPE] = "unknown-type",
	        [MH_SKIP_FILTERED] = "out-of-time-range",
	        [MH_SKIP_DUPLICATE] = "duplicate",
	};
	if (reason < 0 || reason >= MH_SKIP__COUNT || !names[reason])
		return "unknown";
	return names[reason];
}
