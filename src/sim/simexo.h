/* simexo.h - Exchange Online message pieces for `mailhunt simulate
 * --exchange-journal` (private to src/sim).
 *
 * What a journal of a Microsoft 365 tenant holds and a small server's
 * mail does not: long Received chains between Exchange Online servers,
 * ARC sets, the anti-spam and cross-tenant X-MS-* fields (several KiB per
 * message), and Outlook bodies: multipart/alternative with a
 * quoted-printable HTML part full of Word markup and soft line breaks,
 * sometimes an inline signature image (multipart/related). Like
 * simtext.h, everything appends to g->out and cannot fail.
 */
#ifndef MH_SIMEXO_H
#define MH_SIMEXO_H

#include <stdint.h>

#include "sim/simtext.h"

/* Received fields of hops Exchange Online servers add, top-most first:
 * the top-most is dated t (the delivery time), each lower hop a few
 * seconds earlier; the lowest comes from client_host (the submitting or
 * sending server). */
void mh_simexo_received(struct mh_simgen *g, const char *client_host,
                        unsigned hops, int64_t t);

/* One ARC set (ARC-Seal, ARC-Message-Signature,
 * ARC-Authentication-Results, instance i) sealed by domain. */
void mh_simexo_arc(struct mh_simgen *g, unsigned i, const char *domain,
                   const char *sender_domain, int64_t t);

/* The X-MS-Exchange-*, X-Microsoft-Antispam* and X-Forefront fields of
 * one message (none is a forwarding artefact: docs/FORWARDING.md).
 * inbound: directionality and authentication as for mail from outside. */
void mh_simexo_antispam(struct mh_simgen *g, const char *tenant, int inbound,
                        int64_t t);

/* An Outlook body. */
struct mh_simexo_body {
	unsigned paragraphs;
	const char *signer, *title, *org, *phone; /* signature lines */
	/* Forwarded (fwd = 1) or replied-to (fwd = 0) message shown below
	 * the text, Outlook style ("From:", "Sent:", "To:", "Subject:" under
	 * an underscore line or <hr>), or NULL. */
	const struct mh_simorig *orig;
	int fwd;
	int image; /* an inline image001.png: multipart/related */
	/* A confidentiality notice a transport rule appends at the very end
	 * (UTF-8, one paragraph), or NULL. */
	const char *disclaimer;
};

/* Content-Type field(s), the blank line and the body. */
void mh_simexo_body(struct mh_simgen *g, const struct mh_simexo_body *b);

#endif
