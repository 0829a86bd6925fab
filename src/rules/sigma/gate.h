/* gate.h - which Microsoft 365 records no rule can match, told from
 * four values the readers' peek already holds.
 *
 * SigmaHQ's Microsoft 365 rules nearly all need an operation (Operation,
 * or eventName: the typed view's operation) or a workload (Workload,
 * eventSource; the logsource's service is one too) from a short list.
 * For a Management Activity API record whose top-level Operation,
 * Workload, eventName and eventSource are known (readers/record/rawop.h
 * mh_rawop_sigma: each there once or not at all, none of another export
 * shape's keys), the gate evaluates every detection rule of the record's
 * class (logsource buckets, from its groups and workload as
 * evview.h mh_sg_view_classify makes them) three-valued: a test of one
 * of those four names (or of an alias of the class giving their values)
 * is true or false on the known values, any other test unknown, and
 * AND, OR, NOT, `1 of` and `all of` combine as in Kleene's logic. When
 * every rule is false, the record cannot match and needs no scan of its
 * text. The answer depends only on those values, the RecordType being
 * 40 or not, and the rules: it is made once per distinct tuple (a few
 * dozen in an audit log) and then costs one hash lookup.
 *
 * Nothing is hard-coded about the rules: the operations a rule needs
 * come from its compiled condition (a contains, a regex, a negation
 * included). Filters only take matches away and are not looked at. One
 * gate per thread (mh_sigma_ctx); the rule set is read only.
 */
#ifndef MH_SIGMA_GATE_H
#define MH_SIGMA_GATE_H

#include "readers/record/rawop.h"
#include "rules/sigma/regex.h"
#include "rules/sigma/ruleset.h"

struct mh_sg_gate;

/* The answer for one tuple of values, kept by the gate: the detection
 * rules (indices, ascending) that may match a record with those values,
 * and the caller's user pointer (NULL at first; freed with the gate by
 * the free_user it was made with). */
struct mh_sg_gate_ans {
	uint32_t *rules;
	size_t n;
	void *user;
};

/* free_user: frees an answer's user pointer (NULL: none). MH_OK or
 * MH_ENOMEM. */
int mh_sg_gate_new(const struct mh_sigma *s, void (*free_user)(void *),
                   struct mh_sg_gate **out);
void mh_sg_gate_free(struct mh_sg_gate *g);

/* 0 when no detection rule can match the record of which
 * mh_rawop_sigma said 1 and read o (op, workload, ev_name, ev_source,
 * rtype); 1 when some rule may (or the gate cannot tell: values over
 * 255 bytes, no memory). rs: for the rules' regular expressions. *ans
 * (when it says 1 and has it kept, else NULL) lists the rules that may
 * match. */
int mh_sg_gate_may(struct mh_sg_gate *g, struct mh_sg_rescratch *rs,
                   const struct mh_rawop *o, struct mh_sg_gate_ans **ans);

#endif
