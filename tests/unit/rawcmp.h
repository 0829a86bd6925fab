/* rawcmp.h - one record read both ways: from its raw text
 * (rec.h mh_rec_event_raw) and parsed (mh_json_parse_copy and
 * mh_rec_event_json), the events compared member by member: typed view,
 * parameters, operations, dedup key, time, raw text, every field, and
 * the shape counters. Shared by test_rawrec.c and the fuzz target
 * fuzz_rawrec.c; the functions are static.
 *
 * rawcmp_run answers RAWCMP_DOUBT when the raw path said "parse it",
 * RAWCMP_SAME when it read the record and the events are equal, and
 * RAWCMP_DIFF (why says what) when it read a record the parser refuses,
 * one the normaliser skips, or made another event.
 */
#ifndef MH_TEST_RAWCMP_H
#define MH_TEST_RAWCMP_H

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "event/audit.h"
#include "event/event.h"
#include "json/json.h"
#include "readers/record/rawop.h"
#include "readers/record/rec.h"

enum { RAWCMP_DOUBT = 0, RAWCMP_SAME = 1, RAWCMP_DIFF = 2 };

static int rawcmp_slice(struct mh_slice a, struct mh_slice b)
{
	if (!a.p != !b.p || a.n != b.n)
		return 0;
	return !a.n || !memcmp(a.p, b.p, a.n);
}

#define RAWCMP_S(m)                                                            \
	do {                                                                   \
		if (!rawcmp_slice(x->m, y->m)) {                               \
			snprintf(why, wn, "audit %s differs", #m);             \
			return 0;                                              \
		}                                                              \
	} while (0)
#define RAWCMP_I(m)                                                            \
	do {                                                                   \
		if (x->m != y->m) {                                            \
			snprintf(why, wn, "audit %s differs", #m);             \
			return 0;                                              \
		}                                                              \
	} while (0)

static int rawcmp_audit(const struct mh_audit *x, const struct mh_audit *y,
                        char *why, size_t wn)
{
	RAWCMP_I(source);
	RAWCMP_I(shape);
	RAWCMP_I(snapshot);
	RAWCMP_S(operation);
	RAWCMP_I(nops);
	for (size_t i = 0; i < x->nops; i++)
		if (!rawcmp_slice(x->ops[i], y->ops[i])) {
			snprintf(why, wn, "audit ops[%zu] differs", i);
			return 0;
		}
	RAWCMP_S(event_type);
	RAWCMP_S(workload);
	RAWCMP_I(record_type);
	RAWCMP_S(actor);
	RAWCMP_I(user_type);
	RAWCMP_S(actor_type);
	RAWCMP_S(mailbox);
	RAWCMP_S(mailbox_guid);
	RAWCMP_S(object);
	RAWCMP_S(client_ip);
	RAWCMP_S(client_ip_raw);
	RAWCMP_I(client_port);
	RAWCMP_S(app_id);
	RAWCMP_S(client_app_id);
	RAWCMP_S(client_info);
	RAWCMP_I(result);
	RAWCMP_S(result_raw);
	RAWCMP_I(logon_type);
	RAWCMP_I(op_count);
	RAWCMP_S(org);
	RAWCMP_I(ts);
	RAWCMP_S(id);
	RAWCMP_I(nparams);
	for (size_t i = 0; i < x->nparams; i++) {
		const struct mh_audit_param *p = &x->params[i],
		                            *q = &y->params[i];
		if (!rawcmp_slice(p->name, q->name) ||
		    !rawcmp_slice(p->value, q->value) ||
		    !rawcmp_slice(p->old, q->old) || p->src != q->src ||
		    p->op != q->op) {
			snprintf(why, wn, "audit params[%zu] differs", i);
			return 0;
		}
	}
	return 1;
}
#undef RAWCMP_S
#undef RAWCMP_I

/* Both events of one record: 1 when equal, else 0 with why. */
static int rawcmp_events(const struct mh_event *x, const struct mh_event *y,
                         char *why, size_t wn)
{
	if (x->kind != y->kind || x->ts != y->ts || x->unparsed ||
	    y->unparsed || !rawcmp_slice(x->record_id, y->record_id) ||
	    !rawcmp_slice(x->raw, y->raw) || x->raw_csv != y->raw_csv ||
	    x->offset != y->offset || x->line != y->line ||
	    x->index != y->index) {
		snprintf(why, wn, "event kind, ts, record_id or raw differs");
		return 0;
	}
	if (!x->audit != !y->audit) {
		snprintf(why, wn, "one event has no typed view");
		return 0;
	}
	if (x->audit && !rawcmp_audit(x->audit, y->audit, why, wn))
		return 0;
	size_t nx = 0, ny = 0;
	const struct mh_field *fx = mh_event_fields(x, &nx),
	                      *fy = mh_event_fields(y, &ny);
	if (nx != ny) {
		snprintf(why, wn, "%zu fields raw, %zu parsed", nx, ny);
		return 0;
	}
	for (size_t i = 0; i < nx; i++)
		if (!rawcmp_slice(fx[i].name, fy[i].name) ||
		    !rawcmp_slice(fx[i].value, fy[i].value)) {
			snprintf(why, wn, "field %zu differs", i);
			return 0;
		}
	return 1;
}

/* p[0..n) read both ways with the literal prefilter's list ops (NULL:
 * off), which decides the dedup key's form (rec.c build). */
static int rawcmp_run(const char *p, size_t n, const char *const *ops,
                      char *why, size_t wn)
{
	struct mh_recstate a, b;
	struct mh_json *j = NULL;
	struct mh_err err;
	struct mh_recpos pos = {"json", "t.jsonl", 10, 2, 1, NULL, NULL};
	struct mh_event ea, eb;
	int out = RAWCMP_DOUBT;
	why[0] = '\0';
	mh_recstate_init(&a);
	mh_recstate_init(&b);
	mh_rawop_set_init(&a.audit_ops, ops, 0);
	mh_rawop_set_init(&b.audit_ops, ops, 0);
	memset(&ea, 0, sizeof(ea));
	memset(&eb, 0, sizeof(eb));
	mh_err_clear(&err);
	int ra = mh_rec_event_raw(&a, mh_slice_make(p, n), &pos, &ea, &err);
	if (ra == MH_ENOMEM) {
		snprintf(why, wn, "out of memory");
		out = RAWCMP_DIFF;
		goto done;
	}
	if (ra == 0)
		goto done;
	out = RAWCMP_DIFF;
	if (mh_json_new(&j) != MH_OK) {
		snprintf(why, wn, "out of memory");
		goto done;
	}
	struct mh_jv root;
	mh_err_clear(&err);
	if (mh_json_parse_copy(j, p, n, &root, &err) != MH_OK) {
		snprintf(why, wn,
		         "raw read a record the parser refuses: %.120s",
		         err.msg);
		goto done;
	}
	if (mh_jv_type(root) != MH_JOBJ) {
		snprintf(why, wn, "raw read a record that is not an object");
		goto done;
	}
	mh_err_clear(&err);
	int rb = mh_rec_event_json(&b, root, mh_slice_make(p, n), &pos, &eb,
	                           &err);
	if (rb != 1) {
		snprintf(why, wn,
		         "raw read a record the normaliser skips: %.120s",
		         err.msg);
		goto done;
	}
	if (!rawcmp_events(&ea, &eb, why, wn))
		goto done;
	if (memcmp(a.shapes, b.shapes, sizeof(a.shapes)) ||
	    a.generic != b.generic) {
		snprintf(why, wn, "shape counters differ");
		goto done;
	}
	out = RAWCMP_SAME;
done:
	mh_json_free(j);
	mh_recstate_release(&a);
	mh_recstate_release(&b);
	return out;
}

#endif
