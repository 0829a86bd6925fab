/* Fuzz target: the Windows event normalisers (norm_win.c), each driven
 * with any record (fuzz_norm.h); and the Sigma view of every Windows
 * event read from the parsed record (evview.c) equals its view from the
 * fields, but for objects' own JSON texts no rule names. */
#include "fuzz_norm.h"
#include "rules/sigma/evview.h"
#include "rules/sigma/ruleset.h"

extern const struct mh_norm mh_norm_win_evtx, mh_norm_win_ecs, mh_norm_win_ps;

/* Rules naming Sigma names, raw paths and an object, with a keyword. */
static const char rules[] =
        "title: a\nid: a1\nlogsource:\n    product: windows\n"
        "detection:\n    s:\n        Image|endswith: '.exe'\n"
        "        CommandLine|contains: 'a'\n"
        "        Event.EventData.User: 'u'\n"
        "        winlog.event_data.ParentImage: 'p'\n"
        "        Event.System.Security: 'x'\n"
        "    k:\n        - 'mimikatz'\n    condition: s or k\n";

static struct mh_sigma *set;
static struct mh_sg_view view;

static void free_set(void)
{
	mh_sg_view_release(&view);
	mh_sigma_free(set);
}

static void load_set(void)
{
	char path[] = "/tmp/mh-fuzz-win-rule-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, rules, sizeof(rules) - 1) ==
	      (ssize_t)sizeof(rules) - 1);
	close(fd);
	struct mh_sigma_opts o = {0};
	const char *p[1] = {path};
	struct mh_err err;
	mh_err_clear(&err);
	CHECK(mh_sigma_load(p, 1, &o, &set, &err) == MH_OK);
	unlink(path);
	CHECK(mh_sg_view_init(&view, set) == MH_OK);
	atexit(free_set);
}

/* The values of the view, but objects' texts no rule names, as lines. */
static void view_text(struct mh_buf *b)
{
	for (size_t i = 0; i < view.n; i++) {
		const struct mh_sg_val *e = &view.v[i];
		if (e->comp && e->dup && e->slot < 0)
			continue;
		CHECK(mh_buf_add(b, e->name, e->nlen) == MH_OK);
		CHECK(mh_buf_addc(b, '=') == MH_OK);
		if (e->s)
			CHECK(mh_buf_add(b, e->s, e->n) == MH_OK);
		CHECK(mh_buf_printf(b, "|%d%d%d|%d\n", !e->s, e->dup, e->comp,
		                    e->slot) == MH_OK);
	}
}

static void same_view(const struct mh_event *ev)
{
	if (!ev->win)
		return;
	struct mh_buf a = MH_BUF_INIT((size_t)64 << 20);
	struct mh_buf b = MH_BUF_INIT((size_t)64 << 20);
	CHECK(mh_sg_view_classify(&view, ev) == MH_OK);
	CHECK(mh_sg_view_build(&view, ev) == MH_OK);
	view_text(&a);
	struct mh_event e2 = *ev;
	e2.json = NULL;
	CHECK(mh_sg_view_classify(&view, &e2) == MH_OK);
	CHECK(mh_sg_view_build(&view, &e2) == MH_OK);
	view_text(&b);
	CHECK(a.len == b.len && (a.len == 0 || !memcmp(a.p, b.p, a.len)));
	mh_buf_release(&a);
	mh_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mh_norm *const norms[] = {
	        &mh_norm_win_evtx,
	        &mh_norm_win_ecs,
	        &mh_norm_win_ps,
	};
	if (!set)
		load_set();
	fn_extra = same_view;
	return fn_run(data, size, norms, sizeof(norms) / sizeof(norms[0]));
}
