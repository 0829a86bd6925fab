/* audremote.h - remote mail collection (ATT&CK T1114.002) judged from
 * cloud audit records: the analytic "audit-remote" (mh_analytic_audremote,
 * analytic.h) and the pure table look-ups it is built on, exposed for the
 * unit tests.
 *
 * Rules (docs/AUDIT.md, "Rules: mail read remotely"): MH-AUD-APPREAD,
 * MH-AUD-VOLUME, MH-AUD-OTHERMBX, MH-AUD-LOGIN, MH-AUD-SEARCH,
 * MH-AUD-HARDDELETE, MH-AUD-CONSENT, MH-GWS-TAKEOUT, MH-GWS-ADMINACCESS.
 * Findings are aggregates (per application, identity, mailbox or user),
 * with bounded memory: every distinct set keeps its smallest members up to
 * a cap and says when it was capped, which also makes the merge of worker
 * accumulators exact and independent of how records were spread.
 */
#ifndef MH_AUDREMOTE_H
#define MH_AUDREMOTE_H

#include <stddef.h>

#include "analytics/analytic.h"
#include "core/slice.h"

extern const struct mh_analytic_ops mh_analytic_audremote;

/* The name of a Microsoft first-party application id of audapp.def (any
 * case): "" when the table gives no name, NULL when the id is not there. */
const char *mh_audr_first_party(struct mh_slice app_id);

/* Word classes of audsecret.def. */
enum { MH_AUDR_Q_SEARCH = 1, MH_AUDR_Q_SUBJECT = 2 };

/* The first audsecret.def word of class cls found in text (case-folded
 * ASCII and Latin-1, at the start of a word; whole word for M_WORD
 * entries), or NULL. */
const char *mh_audr_secret(struct mh_slice text, int cls);

/* The audscope.def scope that text holds as a whole token (tokens end at
 * white space, ',', ';', quotes and brackets; case ignored), starting the
 * search at *pos (updated past the match, so repeated calls find every
 * one), or NULL. */
const char *mh_audr_scope(struct mh_slice text, size_t *pos);

#endif
