/* norm.c - the table of record normalisers and the choice among them.
 *
 * Every record is offered to every normaliser's match() (key presence
 * only, a few loads each); the highest score of at least MATCH_MIN wins,
 * ties going to the earlier entry. A record no normaliser takes may hold
 * the real record inside (a test case, a SIEM export): the wrappers below
 * are looked into once. A record that stays unmatched is a generic record
 * (MH_EV_RECORD): its fields are still there for rules.
 */
#include "readers/record/rec.h"

#include <string.h>

#define MATCH_MIN 50

extern const struct mh_norm mh_norm_ual_api;
extern const struct mh_norm mh_norm_purview;
extern const struct mh_norm mh_norm_sentinel;
extern const struct mh_norm mh_norm_defender;
extern const struct mh_norm mh_norm_graph_audit;
extern const struct mh_norm mh_norm_admin_audit;
extern const struct mh_norm mh_norm_cfg_inbox_rule;
extern const struct mh_norm mh_norm_cfg_mailbox;
extern const struct mh_norm mh_norm_cfg_transport_rule;
extern const struct mh_norm mh_norm_cfg_remote_domain;
extern const struct mh_norm mh_norm_cfg_mailbox_permission;
extern const struct mh_norm mh_norm_cfg_folder_permission;
extern const struct mh_norm mh_norm_gws_reports;
extern const struct mh_norm mh_norm_gws_cloud_logging;
extern const struct mh_norm mh_norm_win_evtx;
extern const struct mh_norm mh_norm_win_ecs;
extern const struct mh_norm mh_norm_win_ps;

/* Order breaks ties: the more specific shapes first. */
const struct mh_norm *const mh_norms[] = {
        /* Microsoft 365 activity (norm_m365.c) */
        &mh_norm_purview,
        &mh_norm_graph_audit,
        &mh_norm_defender,
        &mh_norm_sentinel,
        &mh_norm_admin_audit,
        &mh_norm_ual_api,
        /* Exchange configuration snapshots (norm_config.c) */
        &mh_norm_cfg_inbox_rule,
        &mh_norm_cfg_transport_rule,
        &mh_norm_cfg_remote_domain,
        &mh_norm_cfg_folder_permission,
        &mh_norm_cfg_mailbox_permission,
        &mh_norm_cfg_mailbox,
        /* Google Workspace (norm_gws.c) */
        &mh_norm_gws_reports,
        &mh_norm_gws_cloud_logging,
        /* Windows events as JSON, kind MH_EV_WINEVENT (norm_win.c) */
        &mh_norm_win_evtx,
        &mh_norm_win_ecs,
        &mh_norm_win_ps,
        NULL,
};

static int best(const struct nctx *c, int *score)
{
	int bi = -1, bs = MATCH_MIN - 1;
	for (int i = 0; mh_norms[i]; i++) {
		int s = mh_norms[i]->match(c);
		if (s > bs) {
			bs = s;
			bi = i;
		}
	}
	*score = bs;
	return bi;
}

/* Records inside records: where the real one is kept. */
static const struct wrapper {
	int key;         /* a top-level key */
	const char *sub; /* a member of its value, or NULL: the value */
} wrappers[] = {
        {K_LOG, NULL},         /* Panther rule tests: {"log": {...}} */
        {K_INPUT, "message"},  /* Sekoia intake tests: the raw event as a
                               * JSON string */
        {K_EVENT, "original"}, /* Elastic ECS: event.original */
        {K_RAW, NULL},         /* Splunk exports: _raw */
        {K_RESULT, "_raw"},    /* Splunk's JSON export: result._raw */
};

/* The normaliser for a record held by c->top (c->top is then that
 * record), or -1; MH_ENOMEM in *rc. */
static int unwrap(struct nctx *c, int *rcp)
{
	*rcp = MH_OK;
	struct robj *outer = c->top;
	for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++) {
		const struct wrapper *w = &wrappers[i];
		struct rv v = nc_get(outer, w->key);
		if (v.t == MH_JNONE)
			continue;
		struct mh_slice text = MH_SLICE_NULL;
		if (w->sub) {
			struct mh_jv o;
			if (nc_json(c, v, &o) != MH_OK)
				continue;
			v = nc_rv(mh_jv_get(o, w->sub));
		}
		struct mh_jv rec;
		int rc = nc_json(c, v, &rec);
		if (rc == MH_ENOMEM) {
			*rcp = rc;
			return -1;
		}
		if (rc != MH_OK)
			continue;
		struct robj *in = nc_descend(c, rec);
		if (!in)
			continue;
		struct mh_slice outer_text = c->text;
		if (v.t == MH_JSTR) {
			text = v.s;
		} else if (!w->sub) {
			const char *path[] = {mh_rec_key_name(w->key)};
			text = nc_member_text(c, path, 1);
		}
		c->top = in;
		c->text = text;
		int s;
		int ni = best(c, &s);
		if (ni < 0) {
			c->top = outer;
			c->text = outer_text;
			continue;
		}
		if (text.n)
			nc_fields_from(c, text);
		return ni;
	}
	return -1;
}

const struct mh_norm *mh_norm_pick(const struct nctx *c)
{
	int s;
	int ni = best(c, &s);
	return ni < 0 ? NULL : mh_norms[ni];
}

int mh_norm_dispatch(struct nctx *c, int *which)
{
	int s, rc = MH_OK;
	int ni = best(c, &s);
	if (ni < 0)
		ni = unwrap(c, &rc);
	*which = ni;
	if (ni < 0)
		return rc;
	return mh_norms[ni]->fill(c);
}
