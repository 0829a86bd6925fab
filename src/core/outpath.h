/* outpath.h - may a findings file be written here without touching evidence?
 *
 * mailhunt never changes its inputs. `scan -o FILE` opens FILE for writing
 * (truncating it) before any input is read, so FILE must not be one of the
 * inputs, nor lie inside an input directory (it would change the evidence
 * tree and be scanned itself). This check runs before the output is
 * opened.
 */
#ifndef MH_OUTPATH_H
#define MH_OUTPATH_H

#include <stddef.h>

#include "core/err.h"

/* Checks out against the n input paths (NUL-terminated; "-", standard
 * input, is ignored). Returns MH_OK when out may be written, MH_EINVAL
 * when it is an input (the same file, also through links) or lies inside
 * an input directory; err->msg then says which input. An input or output
 * that cannot be resolved (does not exist yet) is compared by what can be
 * resolved: the output's parent directory must exist for the output to be
 * writable at all. err may be NULL. */
int mh_outpath_check(const char *out, const char *const *inputs, size_t n,
                     struct mh_err *err);

#endif
