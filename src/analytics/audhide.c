/* audhide.c - inbox rules that hide mail (MH-AUD-HIDE), rules with
 * obfuscated names (MH-AUD-RULENAME), and the business e-mail compromise
 * sequence rule, send, move out of Sent Items (MH-AUD-BEC-SEQ).
 *
 * One rule is read the same from every source: New-InboxRule and
 * Set-InboxRule parameters (a Set-InboxRule record holds only what it
 * changes), a Get-InboxRule export's columns (the same names), and the
 * properties of UpdateInboxRules (Outlook: RuleName, RuleCondition as
 * text, RuleActions as JSON text whose ActionType says Delete,
 * MarkAsRead, Move, Forward...; a rule whose only action is DeferAction
 * runs in the client and is not judged). Names are data (audparam.def,
 * audfolder.def, audword.def); levels and why are in docs/AUDIT.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analytics/audjudge.h"
#include "core/err.h"
#include "core/time.h"

#define BEC_WINDOW (12 * 60) /* seconds from the rule to the move */

/* What one record says a rule does. */
struct rview {
	struct mh_slice name;
	int has_name;
	int del, markread;
	struct mh_slice move; /* folder as written */
	enum aj_folder_kind move_kind;
	size_t nfwd;
	struct mh_slice fwd1;
	const char *word; /* a finance or incident word of the conditions */
	int word_cls;
	int stop, disabled;
	int uir, client_side;
	struct mh_buf cond, acts;
};

static int add_text(struct mh_buf *b, const char *k, struct mh_slice v)
{
	if (!v.n)
		return MH_OK;
	int rc = mh_buf_printf(b, "%s%s=%.*s", b->len ? "; " : "", k, (int)v.n,
	                       v.p);
	return rc == MH_ETOOBIG ? MH_OK : rc;
}

/* "Name=value" with the parameter's own name. */
static int add_named(struct mh_buf *b, struct mh_slice name, struct mh_slice v)
{
	char k[64];
	snprintf(k, sizeof(k), "%.*s", (int)(name.n < 63 ? name.n : 63),
	         name.p);
	return add_text(b, k, v);
}

static void judge_words(struct rview *r, struct mh_slice v)
{
	if (r->word)
		return;
	const char *w = aj_word_find(v, W_FIN);
	if (w) {
		r->word = w;
		r->word_cls = W_FIN;
		return;
	}
	if ((w = aj_word_find(v, W_IR))) {
		r->word = w;
		r->word_cls = W_IR;
	}
}

/* The value of a JSON string member called key after p in t, or NULL:
 * enough for the flat objects of RuleActions. */
static struct mh_slice json_str_after(struct mh_slice t, size_t from,
                                      const char *key)
{
	struct mh_slice rest = mh_slice_make(t.p + from, t.n - from);
	size_t k = mh_slice_ifind(rest, key);
	if (k == (size_t)-1)
		return MH_SLICE_NULL;
	const char *p = rest.p + k + strlen(key), *e = rest.p + rest.n;
	while (p < e && (*p == '"' || *p == ' ' || *p == ':'))
		p++;
	const char *s = p;
	while (p < e && *p != '"')
		p++;
	return mh_slice_make(s, (size_t)(p - s));
}

/* UpdateInboxRules' RuleActions: [{"ActionType":"Move",...},...]. */
static int uir_actions(struct rview *r, struct mh_slice t)
{
	size_t pos = 0;
	int any = 0, defer = 0;
	for (;;) {
		struct mh_slice rest = mh_slice_make(t.p + pos, t.n - pos);
		size_t k = mh_slice_ifind(rest, "\"ActionType\"");
		if (k == (size_t)-1)
			break;
		pos += k + 12;
		struct mh_slice type = json_str_after(t, pos, "");
		any = 1;
		if (mh_slice_ifind(type, "defer") != (size_t)-1)
			defer++;
		else if (mh_slice_ifind(type, "delete") != (size_t)-1)
			r->del = 1;
		else if (mh_slice_ifind(type, "markasread") != (size_t)-1 ||
		         mh_slice_ifind(type, "markread") != (size_t)-1)
			r->markread = 1;
		else if (mh_slice_ifind(type, "move") != (size_t)-1) {
			/* Outlook records the destination by id; a name is
			 * judged when the record has one, and so is an id that
			 * names a default folder (audfolder.def ms-ews:
			 * "junkemail", "deleteditems"). A store's entry id is
			 * its mailbox's own, not known from the record. */
			static const char *const keys[] = {
			        "\"FolderName\"", "\"DestinationFolderName\"",
			        "\"Folder\"", "\"DestinationFolder\""};
			static const char *const ids[] = {
			        "\"DistinguishedFolderId\"",
			        "\"DestinationFolderId\"", "\"FolderId\""};
			for (size_t i = 0; i < 4 && !r->move.n; i++)
				r->move = json_str_after(t, pos, keys[i]);
			for (size_t i = 0; i < 3 && !r->move.n; i++) {
				struct mh_slice id =
				        json_str_after(t, pos, ids[i]);
				if (aj_folder_kind(id) != F_NONE)
					r->move = id;
			}
			if (!r->move.n)
				r->move =
				        MH_SLICE_LIT("(a folder given by id)");
		}
		int rc = add_text(&r->acts, "ActionType", type);
		if (rc)
			return rc;
	}
	/* Only DeferAction: the rule runs in Outlook, not on the server
	 * (detections.md section 3); not judged. */
	r->client_side = any && defer && !r->del && !r->markread &&
	                 !r->move.n && !r->nfwd;
	return MH_OK;
}

/* What follows the last backslash (all of s without one). */
static struct mh_slice leaf(struct mh_slice s)
{
	for (size_t k = s.n; k > 0; k--)
		if (s.p[k - 1] == '\\')
			return mh_slice_make(s.p + k, s.n - k);
	return s;
}

static int read_rule(const struct mh_audit *a, struct rview *r)
{
	int rc;
	for (size_t i = 0; i < a->nparams; i++) {
		const struct mh_audit_param *p = &a->params[i];
		struct mh_slice v = mh_slice_trim(p->value);
		enum aj_param_class c = aj_param_class(p->name);
		if (p->src == MH_AP_RULE_ACTION)
			c = P_FORWARD;
		switch (c) {
		case P_RULE_NAME:
			if (p->value.p) {
				r->name = p->value;
				r->has_name = 1;
			}
			break;
		case P_IDENTITY:
			/* "mailbox\\rule", or the rule's name alone. */
			if (!r->has_name && v.n)
				r->name = leaf(v);
			break;
		case P_DELETE:
			if (aj_true(v)) {
				r->del = 1;
				if ((rc = add_named(&r->acts, p->name, v)))
					return rc;
			}
			break;
		case P_MARKREAD:
			if (aj_true(v)) {
				r->markread = 1;
				if ((rc = add_named(&r->acts, p->name, v)))
					return rc;
			}
			break;
		case P_MOVE:
			if (v.n) {
				r->move = v;
				if ((rc = add_named(&r->acts, p->name, v)))
					return rc;
			}
			break;
		case P_FORWARD:
			if (v.n && !mh_slice_ieq(v, MH_SLICE_LIT("$null"))) {
				if (!r->nfwd++)
					r->fwd1 = v;
				if ((rc = add_named(&r->acts, p->name, v)))
					return rc;
			}
			break;
		case P_COND_WORDS:
			judge_words(r, v);
			/* fall through */
		case P_COND:
			/* An export's switch columns say False when unset. */
			if (mh_slice_ieq(v, MH_SLICE_LIT("False")))
				break;
			if ((rc = add_named(&r->cond, p->name, v)))
				return rc;
			break;
		case P_STOP: r->stop = aj_true(v); break;
		case P_ENABLED:
			if (v.n && !aj_true(v))
				r->disabled = 1;
			break;
		case P_UIR_ACTIONS:
			r->uir = 1;
			if ((rc = uir_actions(r, v)))
				return rc;
			break;
		case P_UIR_CONDITION:
			r->uir = 1;
			judge_words(r, v);
			if ((rc = add_text(&r->cond, "RuleCondition", v)))
				return rc;
			break;
		case P_UIR_STATE:
			if (v.n && mh_slice_ifind(v, "enabled") == (size_t)-1)
				r->disabled = 1;
			/* Outlook's "stop processing more rules". */
			if (mh_slice_ifind(v, "ExitAfterExecution") !=
			    (size_t)-1)
				r->stop = 1;
			break;
		default: break;
		}
	}
	if (r->move.n)
		r->move_kind = aj_folder_kind(r->move);
	/* ObjectId "server/.../tenant/guid\\rule" names it too. */
	if (!r->name.n && !r->has_name) {
		struct mh_slice o = leaf(a->object);
		if (o.n < a->object.n)
			r->name = o;
	}
	return MH_OK;
}

/* A name of punctuation, symbols or white space only, or of one or two
 * ASCII letters or digits (".", "..", "dd", " "). */
static int obfuscated(struct mh_slice name)
{
	if (!name.n)
		return 0;
	int alnum = 0, other = 0;
	for (size_t i = 0; i < name.n; i++) {
		unsigned char c = (unsigned char)name.p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			alnum++;
		else if (c >= 0x80)
			other++;
	}
	if (!alnum && !other)
		return 1;
	return !other && alnum <= 2 && mh_slice_trim(name).n <= 2;
}

static int hide_finding(struct aj_acc *acc, const struct mh_event *ev,
                        struct rview *r)
{
	const struct mh_audit *a = ev->audit;
	int hides_folder = r->move_kind == F_RSS ||
	                   r->move_kind == F_CONVHIST ||
	                   r->move_kind == F_NOTES;
	int soft_folder = r->move_kind == F_JUNK || r->move_kind == F_DELETED ||
	                  r->move_kind == F_ARCHIVE;
	int nhide = r->del + r->markread + hides_folder + soft_folder;
	int odd = r->has_name && obfuscated(r->name);
	enum mh_level lv;
	int hides = nhide > 0;
	if (r->del || hides_folder || nhide >= 2)
		lv = MH_LEVEL_MEDIUM;
	else if (hides)
		lv = MH_LEVEL_LOW;
	else
		lv = MH_LEVEL_INFO; /* files mail away: shown, not judged */
	if (!hides && odd) {
		/* A rule that does not hide: only its odd name is said. */
		struct mh_finding *f =
		        aj_new(ev, AJ_R_RULENAME, MH_LEVEL_LOW, NULL, NULL);
		if (!f || aj_attr(f, "rule_name", r->name) ||
		    aj_attr(f, "conditions",
		            mh_slice_cstr(mh_buf_cstr(&r->cond))) ||
		    aj_attr(f, "actions",
		            mh_slice_cstr(mh_buf_cstr(&r->acts))) ||
		    aj_summary(f,
		               "inbox rule named '%.*s' (punctuation, white "
		               "space or one or two characters: a name meant "
		               "not to be noticed) in %s",
		               (int)r->name.n, r->name.p,
		               f->mailbox ? f->mailbox
		                          : "an unknown mailbox") ||
		    aj_remedy(f, "Ask the mailbox owner whether they made this "
		                 "rule; list it with Get-InboxRule -Mailbox "
		                 "<mailbox> "
		                 "-IncludeHidden | fl Name,Description and "
		                 "remove it "
		                 "with Remove-InboxRule if they did not.")) {
			mh_finding_free(f);
			return MH_ENOMEM;
		}
		return aj_push(acc, f, r->name, a, AJ_JOIN_NONE);
	}
	/* Moving mail to a folder of the user's own is filing. Said (at
	 * informational) only for a change in the audit log that also stops
	 * the rules after it, as hiding rules do; a snapshot's filing rules
	 * are the owner's order, not an event. Either way, said when keyed
	 * on the words below (low). */
	if (!hides && (!r->move.n || (!r->word && (a->snapshot || !r->stop))))
		return MH_OK;
	if (r->word)
		lv = hides ? MH_LEVEL_HIGH : MH_LEVEL_LOW;
	if (hides && odd)
		lv = aj_up(lv, MH_LEVEL_HIGH);
	/* Hiding what the rule also forwards is the business-email-compromise
	 * pattern: critical. The forward itself is the forwarding picture's
	 * finding (MH-FWD-*, T1114.003, with the same bump); this one stays
	 * about the hiding, so one rule is not judged twice as collection. */
	if (hides && r->nfwd)
		lv = MH_LEVEL_CRITICAL;
	if (r->disabled)
		lv = aj_down(lv);
	if (a->result == MH_AR_FAILED)
		lv = aj_down(lv);

	struct mh_finding *f = aj_new(ev, AJ_R_HIDE, lv, NULL, NULL);
	if (!f)
		return MH_ENOMEM;
	char what[256];
	size_t w = 0;
	what[0] = '\0';
#define WHAT(s)                                                                \
	w += (size_t)snprintf(what + w, sizeof(what) - w, "%s%s",              \
	                      w ? ", " : "", s);                               \
	if (w >= sizeof(what))                                                 \
		w = sizeof(what) - 1;
	if (r->del) {
		WHAT("deletes");
	}
	if (r->markread) {
		WHAT("marks as read");
	}
	char mv[200];
	if (r->move.n) {
		if (r->move_kind != F_NONE)
			snprintf(mv, sizeof(mv), "moves to '%.*s' (%s)",
			         (int)(r->move.n < 120 ? r->move.n : 120),
			         r->move.p, aj_folder_kind_name(r->move_kind));
		else
			snprintf(mv, sizeof(mv), "moves to '%.*s'",
			         (int)(r->move.n < 120 ? r->move.n : 120),
			         r->move.p);
		WHAT(mv);
	}
#undef WHAT
	char why[256];
	why[0] = '\0';
	if (r->word)
		snprintf(why, sizeof(why), ", keyed on the %s word '%s'",
		         r->word_cls == W_FIN ? "finance" : "incident-response",
		         r->word);
	int rc = aj_attr(f, "rule_name", r->name);
	if (!rc)
		rc = aj_attr(f, "conditions",
		             mh_slice_cstr(mh_buf_cstr(&r->cond)));
	if (!rc)
		rc = aj_attr(f, "actions",
		             mh_slice_cstr(mh_buf_cstr(&r->acts)));
	if (!rc && r->stop)
		rc = mh_finding_attr(f, "stop_processing_rules", "true");
	if (!rc && odd)
		rc = mh_finding_attr(f, "obfuscated_name", "true");
	if (!rc && r->nfwd)
		rc = aj_attr(f, "forward_to", r->fwd1);
	if (!rc) {
		f->mechanism = strdup(a->snapshot ? "exchange-inbox-rule-config"
		                                  : "exchange-inbox-rule");
		if (!f->mechanism)
			rc = MH_ENOMEM;
	}
	if (!rc)
		rc = aj_summary(
		        f, "inbox rule '%.*s' of %s %s%s%s%s%s%s%s (%s%s)",
		        (int)r->name.n, r->name.p,
		        f->mailbox ? f->mailbox : "an unknown mailbox",
		        hides ? "hides mail: " : "files mail away: ", what, why,
		        odd ? "; its name is meant not to be noticed" : "",
		        r->nfwd ? "; it also forwards the mail (the MH-FWD "
		                  "finding of the same rule)"
		                : "",
		        r->disabled ? "; the rule is disabled" : "",
		        a->result == MH_AR_FAILED
		                ? "; the change failed (an attempt)"
		                : "",
		        a->snapshot ? "listed in a configuration export, time "
		                      "unknown"
		                    : "set by ",
		        a->snapshot ? "" : (f->actor ? f->actor : "the owner"));
	if (!rc) {
		char mb[160], rn[160], buf[2048];
		aj_ps_quote(a->mailbox, mb, sizeof(mb));
		aj_ps_quote(r->name, rn, sizeof(rn));
		snprintf(
		        buf, sizeof(buf),
		        "Check the rule with Get-InboxRule -Mailbox '%s' "
		        "-IncludeHidden | ? Name -eq '%s' | fl "
		        "Name,Description,"
		        "Enabled,DeleteMessage,MarkAsRead,MoveToFolder,"
		        "ForwardTo,RedirectTo. If the owner did not make it: "
		        "Remove-InboxRule -Mailbox '%s' -Identity '%s', revoke "
		        "the account's sessions, reset its password and MFA, "
		        "review its sign-ins from the client IP, and search "
		        "the "
		        "folder the rule fed for the mail it hid.",
		        mb, rn, mb, rn);
		rc = aj_remedy(f, buf);
	}
	if (rc) {
		mh_finding_free(f);
		return rc;
	}
	return aj_push(acc, f, r->name, a,
	               a->snapshot ? AJ_JOIN_NONE : AJ_JOIN_RULE);
}

static int inbox_rule(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	struct rview r;
	memset(&r, 0, sizeof(r));
	mh_buf_init(&r.cond, 2048);
	mh_buf_init(&r.acts, 2048);
	int rc = read_rule(a, &r);
	if (!rc && r.uir) {
		/* A removal, or a re-sync that records no body. */
		const struct mh_audit_param *op =
		        mh_audit_param(a, "RuleOperation", NULL);
		if (op && mh_slice_ifind(op->value, "remove") != (size_t)-1)
			goto done;
	}
	if (!rc && !r.client_side)
		rc = hide_finding(acc, ev, &r);
done:
	mh_buf_release(&r.cond);
	mh_buf_release(&r.acts);
	return rc;
}

/* MARK: - the BEC sequence */

static int sent_move(const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (!aj_is_op(a, "Move") && !aj_is_op(a, "MoveToDeletedItems") &&
	    !aj_is_op(a, "SoftDelete") && !aj_is_op(a, "HardDelete"))
		return 0;
	/* Making the fields reads all of the record: first ask its text
	 * (the record's own, when it is all there is: event.h raw). */
	if (ev->raw.p && !aj_text_may_name(ev->raw, F_SENT))
		return 0;
	const struct mh_field *fd = mh_event_field(ev, "Folder.Path");
	if (!fd)
		fd = mh_event_field(ev, "Folders.Path");
	return fd && aj_folder_kind(fd->value) == F_SENT;
}

/* Every operation aj_hide_event and sent_move read (the literal
 * prefilter passes over the rest unparsed). */
const char *const aj_hide_ops[] = {
        "New-InboxRule",
        "Set-InboxRule",
        "UpdateInboxRules",
        "Remove-InboxRule",
        "Disable-InboxRule",
        "Enable-InboxRule",
        "Send",
        "Move",
        "MoveToDeletedItems",
        "SoftDelete",
        "HardDelete",
        NULL,
};

int aj_hide_event(struct aj_acc *acc, const struct mh_event *ev)
{
	const struct mh_audit *a = ev->audit;
	if (!a->operation.n)
		return MH_OK;
	int rule = aj_is_op(a, "New-InboxRule") ||
	           aj_is_op(a, "Set-InboxRule") ||
	           aj_is_op(a, "UpdateInboxRules") ||
	           (a->snapshot && a->shape == MH_AS_CFG_INBOX_RULE);
	if (rule) {
		int rc = inbox_rule(acc, ev);
		if (rc)
			return rc;
		if (aj_is_op(a, "New-InboxRule") && a->result != MH_AR_FAILED &&
		    ev->ts != MH_TS_NONE)
			return aj_step(acc, ev, S_RULE, a->actor, NULL);
		return MH_OK;
	}
	if (ev->ts == MH_TS_NONE)
		return MH_OK;
	if (aj_is_op(a, "Send"))
		return aj_step(acc, ev, S_SEND, a->actor, NULL);
	int enable = aj_is_op(a, "Enable-InboxRule");
	if ((enable || aj_is_op(a, "Remove-InboxRule") ||
	     aj_is_op(a, "Disable-InboxRule")) &&
	    a->result != MH_AR_FAILED) {
		struct mh_slice name = MH_SLICE_NULL;
		const struct mh_audit_param *p =
		        mh_audit_param(a, "Identity", NULL);
		if (p)
			name = leaf(mh_slice_trim(p->value));
		if (!name.n)
			name = leaf(mh_slice_trim(a->object));
		if (!name.n || name.n > 255)
			return MH_OK;
		char nm[256];
		memcpy(nm, name.p, name.n);
		nm[name.n] = '\0';
		return aj_step(acc, ev, enable ? S_RULE_ENABLE : S_RULE_REMOVE,
		               a->mailbox, nm);
	}
	if (sent_move(ev))
		return aj_step(acc, ev, S_SENTMOVE, a->actor, NULL);
	return MH_OK;
}

/* 1 when step s is of the rule of hit (same mailbox and name) and at
 * or after it. */
static int step_of(const struct aj_hit *hit, const struct aj_step *s)
{
	const struct mh_finding *f = hit->f;
	const char *name = mh_finding_attr_get(f, "rule_name");
	return (s->kind == S_RULE_REMOVE || s->kind == S_RULE_ENABLE) &&
	       s->what && name && f->mailbox && s->ts >= hit->ts &&
	       !strcasecmp(name, s->what) &&
	       aj_same_identity(mh_slice_cstr(f->mailbox),
	                        mh_slice_cstr(s->user));
}

/* What became of a hiding rule after it was made, said on its finding
 * with the records as evidence (hiding for a while, then cleaning up, is
 * how a business e-mail compromise ends; the level stays):
 *  - removed or disabled (Remove-InboxRule, Disable-InboxRule) and not
 *    enabled again: details.removed, at the first removal after the
 *    last Enable-InboxRule (or after the rule, without one);
 *  - disabled and enabled again (Enable-InboxRule at or after the last
 *    removal; in the same second the records do not tell the order and
 *    the rule said to run is the safer reading, as for forwarding):
 *    details.disabled_at and enabled_again_at, it hides mail again. */
int aj_hide_join(struct aj_acc *acc)
{
	for (size_t h = 0; h < acc->nhits; h++) {
		struct aj_hit *hit = &acc->hits[h];
		struct mh_finding *f = hit->f;
		if (hit->join != AJ_JOIN_RULE || hit->ts == MH_TS_NONE ||
		    mh_finding_attr_get(f, "removed"))
			continue;
		/* The last enable; the last removal at or before it; the
		 * first removal after it (steps of one user are in time
		 * order, other names of the mailbox may not be). */
		const struct aj_step *en = NULL, *dis = NULL, *rm = NULL;
		for (size_t i = 0; i < acc->nsteps; i++) {
			const struct aj_step *s = &acc->steps[i];
			if (s->kind == S_RULE_ENABLE && step_of(hit, s) &&
			    (!en || s->ts > en->ts))
				en = s;
		}
		for (size_t i = 0; i < acc->nsteps; i++) {
			const struct aj_step *s = &acc->steps[i];
			if (s->kind != S_RULE_REMOVE || !step_of(hit, s))
				continue;
			if (en && s->ts <= en->ts) {
				if (!dis || s->ts > dis->ts)
					dis = s;
			} else if (!rm || s->ts < rm->ts) {
				rm = s;
			}
		}
		char t[21], t2[21], note[96];
		int rc = MH_OK;
		if (rm) {
			mh_time_iso(rm->ts, t);
			snprintf(note, sizeof(note),
			         "removed or disabled at %s (%lld s later)", t,
			         (long long)(rm->ts - hit->ts));
			rc = mh_finding_attr(f, "removed", note);
			if (!rc)
				rc = aj_add_step_evidence(f, rm,
				                          acc->max_evidence);
		} else if (en && dis) {
			mh_time_iso(dis->ts, t);
			mh_time_iso(en->ts, t2);
			rc = mh_finding_attr(f, "disabled_at", t);
			if (!rc)
				rc = mh_finding_attr(f, "enabled_again_at", t2);
			if (!rc)
				rc = aj_add_step_evidence(f, dis,
				                          acc->max_evidence);
			if (!rc)
				rc = aj_add_step_evidence(f, en,
				                          acc->max_evidence);
		}
		if (rc)
			return rc;
	}
	return MH_OK;
}

int aj_hide_findings(struct aj_acc *acc, struct mh_findings *out)
{
	(void)out;
	const struct aj_step *s = acc->steps;
	size_t n = acc->nsteps;
	for (size_t i = 0; i < n; i++) {
		if (s[i].kind != S_RULE)
			continue;
		const struct aj_step *send = NULL, *mv = NULL;
		for (size_t j = i + 1; j < n && !strcmp(s[j].user, s[i].user) &&
		                       s[j].ts <= s[i].ts + BEC_WINDOW;
		     j++) {
			if (!send && s[j].kind == S_SEND)
				send = &s[j];
			else if (send && s[j].kind == S_SENTMOVE) {
				mv = &s[j];
				break;
			}
		}
		if (!mv)
			continue;
		/* A later rule before the send claims the sequence: one
		 * finding per sequence, from the rule nearest to it. */
		int later = 0;
		for (size_t j = i + 1; j < n && !strcmp(s[j].user, s[i].user) &&
		                       s[j].ts <= send->ts;
		     j++)
			later |= s[j].kind == S_RULE;
		if (later)
			continue;
		struct mh_finding *f = mh_finding_new();
		if (!f)
			return MH_ENOMEM;
		const struct aj_rule_info *ri = &aj_rules[AJ_R_BECSEQ];
		int rc = mh_finding_set_rule(f, ri->id, ri->title,
		                             ri->technique, ri->tactic);
		f->level = MH_LEVEL_HIGH;
		f->first_seen = f->last_seen = s[i].ts;
		if (!rc)
			rc = aj_add_step_evidence(f, &s[i], acc->max_evidence);
		if (!rc)
			rc = aj_add_step_evidence(f, send, acc->max_evidence);
		if (!rc)
			rc = aj_add_step_evidence(f, mv, acc->max_evidence);
		if (!rc && !(f->mailbox = strdup(s[i].user)))
			rc = MH_ENOMEM;
		if (!rc && !(f->mechanism = strdup("exchange-inbox-rule")))
			rc = MH_ENOMEM;
		char t0[21], t2[21];
		mh_time_iso(s[i].ts, t0);
		mh_time_iso(mv->ts, t2);
		if (!rc)
			rc = aj_summary(
			        f,
			        "%s created an inbox rule at %s, sent mail, "
			        "then "
			        "moved or deleted mail out of Sent Items at %s "
			        "(%lld s after the rule): the pattern of a "
			        "business e-mail compromise hiding its replies",
			        s[i].user, t0, t2,
			        (long long)(mv->ts - s[i].ts));
		if (!rc)
			rc = aj_remedy(
			        f,
			        "Read the three records of the evidence: the "
			        "rule (Get-InboxRule -IncludeHidden on the "
			        "mailbox), the message sent (message trace by "
			        "sender and time), and what was moved out of "
			        "Sent Items (Recoverable Items). If the owner "
			        "did not do this, remove the rule, revoke the "
			        "sessions, reset the password and MFA, and "
			        "warn "
			        "the recipients of the message.");
		struct mh_slice subj = mh_slice_cstr(t0);
		if (rc) {
			mh_finding_free(f);
			return rc;
		}
		if ((rc = aj_push(acc, f, subj, NULL, AJ_JOIN_NONE)))
			return rc;
	}
	return MH_OK;
}
