/* audjudge.c - the "audit" analytic: the accumulator, the tables, the
 * text helpers and the making of findings shared by the rule modules
 * (audjudge.h). */
#include "analytics/audjudge.h"

#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/memfind.h"
#include "core/time.h"

/* MARK: - tables */

const struct aj_rule_info aj_rules[AJ_R__COUNT] = {
#define AUD_RULE(e, id, title, tech, tactic) {id, title, tech, tactic},
#include "analytics/audrules.def"
#undef AUD_RULE
};

struct folder_ent {
	const char *name;
	enum aj_folder_kind kind;
};

static const struct folder_ent folders[] = {
#define AUD_FOLDER(name, kind, lang, src) {name, kind},
#include "analytics/audfolder.def"
#undef AUD_FOLDER
};

enum word_match { M_PREFIX, M_WORD };

struct word_ent {
	const char *w;
	unsigned cls;
	enum word_match m;
};

static const struct word_ent words[] = {
#define AUD_WORD(w, cls, m, lang) {w, cls, m},
#include "analytics/audword.def"
#undef AUD_WORD
};

struct param_ent {
	const char *name;
	enum aj_param_class cls;
};

static const struct param_ent params[] = {
#define AUD_PARAM(n, c) {n, c},
#include "analytics/audparam.def"
};

static const char *const system_names[] = {
#define AUD_SYSTEM(n) n,
#include "analytics/audadmin.def"
};

/* MARK: - text */

/* Case-fold UTF-8 into out (ASCII and the Latin-1 capitals U+00C0 to
 * U+00DE but U+00D7, which stay two bytes: C3 80..9E -> C3 A0..BE).
 * Returns the length written (at most cap). */
static size_t fold(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o < cap; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		else if (c == 0xC3 && i + 1 < n && o + 1 < cap) {
			unsigned char d = (unsigned char)p[i + 1];
			if (d >= 0x80 && d <= 0x9E && d != 0x97)
				d = (unsigned char)(d + 0x20);
			out[o++] = (char)c;
			out[o++] = (char)d;
			i++;
			continue;
		}
		out[o++] = (char)c;
	}
	return o;
}

/* A byte that is part of a word: ASCII letters and digits, and any byte
 * of a multi-byte UTF-8 sequence (letters of other scripts). */
static int wordish(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80;
}

#define FOLD_CAP 4096

const char *aj_word_find(struct mh_slice text, unsigned cls)
{
	char buf[FOLD_CAP];
	size_t n = fold(text.p, text.n, buf, sizeof(buf));
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		if (!(words[w].cls & cls))
			continue;
		const char *wd = words[w].w;
		size_t wl = strlen(wd);
		for (size_t i = 0; i + wl <= n; i++) {
			if (memcmp(buf + i, wd, wl) != 0)
				continue;
			if (i > 0 && wordish((unsigned char)buf[i - 1]))
				continue;
			if (words[w].m == M_WORD && i + wl < n &&
			    wordish((unsigned char)buf[i + wl]))
				continue;
			return wd;
		}
	}
	return NULL;
}

struct mh_slice aj_folder_leaf(struct mh_slice path)
{
	struct mh_slice s = mh_slice_trim(path);
	/* A trailing separator names the folder before it. */
	while (s.n && (s.p[s.n - 1] == '\\' || s.p[s.n - 1] == '/'))
		s.n--;
	for (size_t i = s.n; i > 0; i--)
		if (s.p[i - 1] == '\\' || s.p[i - 1] == '/' ||
		    s.p[i - 1] == ':')
			return mh_slice_trim(mh_slice_make(s.p + i, s.n - i));
	return s;
}

enum aj_folder_kind aj_folder_kind(struct mh_slice path)
{
	struct mh_slice leaf = aj_folder_leaf(path);
	if (!leaf.n)
		return F_NONE;
	char a[512], b[512];
	size_t an = fold(leaf.p, leaf.n, a, sizeof(a));
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		const char *nm = folders[i].name;
		size_t bn = fold(nm, strlen(nm), b, sizeof(b));
		if (an == bn && !memcmp(a, b, an))
			return folders[i].kind;
	}
	/* "RSS" as a word in any language's name. */
	for (size_t i = 0; i + 3 <= an; i++)
		if (!memcmp(a + i, "rss", 3) &&
		    (i == 0 || !wordish((unsigned char)a[i - 1])) &&
		    (i + 3 == an || !wordish((unsigned char)a[i + 3])))
			return F_RSS;
	return F_NONE;
}

/* The names of each folder kind as aj_text_may_name looks for them:
 * each name's longest run of ASCII, lower case, once each. A name
 * without a run of three (or with one too long to keep) makes any text
 * a maybe. */
#define RUN_MAX  64
#define RUNS_MAX 16
static struct kind_runs {
	int always;
	size_t n;
	struct {
		char s[RUN_MAX];
		size_t len;
	} r[RUNS_MAX];
} kind_runs[F_CALENDAR + 1];
static pthread_once_t runs_once = PTHREAD_ONCE_INIT;

static void runs_build(void)
{
	for (size_t f = 0; f < sizeof(folders) / sizeof(folders[0]); f++) {
		if ((size_t)folders[f].kind > F_CALENDAR)
			continue;
		struct kind_runs *kr = &kind_runs[folders[f].kind];
		const char *nm = folders[f].name;
		size_t best = 0, bat = 0;
		for (size_t a = 0; nm[a];) {
			size_t b = a;
			while (nm[b] && (unsigned char)nm[b] < 0x80)
				b++;
			if (b - a > best) {
				best = b - a;
				bat = a;
			}
			a = nm[b] ? b + 1 : b;
		}
		if (best < 3 || best >= RUN_MAX || kr->n == RUNS_MAX) {
			kr->always = 1;
			continue;
		}
		char run[RUN_MAX];
		for (size_t k = 0; k < best; k++) {
			unsigned char c = (unsigned char)nm[bat + k];
			run[k] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
		}
		size_t i = 0;
		while (i < kr->n && !(kr->r[i].len == best &&
		                      !memcmp(kr->r[i].s, run, best)))
			i++;
		if (i < kr->n)
			continue; /* the same run as another name's */
		memcpy(kr->r[kr->n].s, run, best);
		kr->r[kr->n].len = best;
		kr->n++;
	}
}

int aj_text_may_name(struct mh_slice text, enum aj_folder_kind kind)
{
	/* A \\u escape may spell any name; a text too long for the buffer
	 * is not looked at: maybe. */
	char low[8192];
	if (!text.p || text.n > sizeof(low) ||
	    mh_memfind(text.p, text.n, "\\u", 2))
		return 1;
	pthread_once(&runs_once, runs_build);
	if ((size_t)kind > F_CALENDAR)
		return 0;
	const struct kind_runs *kr = &kind_runs[kind];
	if (kr->always)
		return 1;
	if (!kr->n)
		return 0;
	/* Otherwise a leaf that folds to a name of the table is in the text
	 * as it is (a JSON string's other escapes spell no letter), and so
	 * is each run of ASCII of that name, up to case. */
	size_t i = 0;
#ifdef __SSE2__
	/* 'A'..'Z' moved to the sixteen lowest signed bytes, found with one
	 * compare, given their 0x20 bit. */
	const __m128i shift = _mm_set1_epi8((char)(0x80 - 'A')),
	              lim = _mm_set1_epi8((char)(0x80 + 26)),
	              bit = _mm_set1_epi8(0x20);
	for (; i + 16 <= text.n; i += 16) {
		__m128i v = _mm_loadu_si128(
		        (const __m128i *)(const void *)(text.p + i));
		__m128i up = _mm_cmplt_epi8(_mm_add_epi8(v, shift), lim);
		_mm_storeu_si128((__m128i *)(void *)(low + i),
		                 _mm_or_si128(v, _mm_and_si128(up, bit)));
	}
#endif
	for (; i < text.n; i++) {
		unsigned char c = (unsigned char)text.p[i];
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	for (size_t r = 0; r < kr->n; r++)
		if (mh_memfind(low, text.n, kr->r[r].s, kr->r[r].len))
			return 1;
	return 0;
}

const char *aj_folder_kind_name(enum aj_folder_kind k)
{
	static const char *const names[] = {
	        "",        "RSS Feeds",  "Conversation History",
	        "Notes",   "Junk Email", "Deleted Items",
	        "Archive", "Sent Items", "Calendar"};
	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "";
}

enum aj_param_class aj_param_class(struct mh_slice name)
{
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (mh_slice_ieq(name, mh_slice_cstr(params[i].name)))
			return params[i].cls;
	return P_NONE;
}

int aj_true(struct mh_slice v)
{
	v = mh_slice_trim(v);
	return mh_slice_ieq(v, MH_SLICE_LIT("True")) ||
	       mh_slice_ieq(v, MH_SLICE_LIT("$true")) ||
	       mh_slice_ieq(v, MH_SLICE_LIT("1")) ||
	       mh_slice_ieq(v, MH_SLICE_LIT("Yes"));
}

static struct mh_slice local_part(struct mh_slice s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '@')
			return mh_slice_make(s.p, i);
	return s;
}

int aj_same_identity(struct mh_slice a, struct mh_slice b)
{
	a = mh_slice_trim(a);
	b = mh_slice_trim(b);
	if (!a.n || !b.n)
		return 0;
	if (mh_slice_ieq(a, b))
		return 1;
	int aa = memchr(a.p, '@', a.n) != NULL;
	int ba = memchr(b.p, '@', b.n) != NULL;
	if (aa == ba)
		return 0;
	return mh_slice_ieq(local_part(a), local_part(b));
}

int aj_system_identity(struct mh_slice s)
{
	s = mh_slice_trim(s);
	if (!s.n)
		return 0;
	/* S-1-5-18 LocalSystem, -19, -20 and the S-1-5-80 services; not
	 * S-1-5-21 (domain accounts). */
	if (mh_slice_istarts(s, "S-1-5-") && !mh_slice_istarts(s, "S-1-5-21"))
		return 1;
	if (mh_slice_istarts(s, "NT AUTHORITY\\") ||
	    mh_slice_istarts(s, "NT SERVICE\\"))
		return 1;
	for (size_t i = 0; i < sizeof(system_names) / sizeof(system_names[0]);
	     i++) {
		const char *nm = system_names[i];
		size_t l = strlen(nm);
		int prefix = !wordish((unsigned char)nm[l - 1]);
		if (prefix ? mh_slice_istarts(s, nm)
		           : mh_slice_ieq(s, mh_slice_make(nm, l)))
			return 1;
	}
	return 0;
}

struct mh_slice aj_pval(const struct mh_audit *a, enum aj_param_class c)
{
	for (size_t i = 0; i < a->nparams; i++)
		if (a->params[i].value.n &&
		    aj_param_class(a->params[i].name) == c)
			return mh_slice_trim(a->params[i].value);
	return MH_SLICE_NULL;
}

struct mh_slice aj_pval_op(const struct mh_audit *a, enum aj_param_class c,
                           unsigned op)
{
	for (size_t i = 0; i < a->nparams; i++)
		if (a->params[i].op == op && a->params[i].value.n &&
		    aj_param_class(a->params[i].name) == c)
			return mh_slice_trim(a->params[i].value);
	return MH_SLICE_NULL;
}

struct mh_slice aj_pnamed(const struct mh_audit *a, const char *name)
{
	const struct mh_audit_param *p = mh_audit_param(a, name, NULL);
	return p && p->value.n ? mh_slice_trim(p->value) : MH_SLICE_NULL;
}

enum mh_level aj_down(enum mh_level l)
{
	return l > MH_LEVEL_INFO ? l - 1 : l;
}

enum mh_level aj_up(enum mh_level l, enum mh_level cap)
{
	return l < cap ? l + 1 : l;
}

void aj_ps_quote(struct mh_slice s, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < s.n && o + 3 < n; i++) {
		char c = s.p[i];
		if (c == '\n' || c == '\r')
			c = ' ';
		out[o++] = c;
		if (c == '\'')
			out[o++] = '\'';
	}
	out[o] = '\0';
}

int aj_set_str(char **dst, struct mh_slice v)
{
	char *s = malloc(v.n + 1);
	if (!s)
		return MH_ENOMEM;
	if (v.n)
		memcpy(s, v.p, v.n);
	s[v.n] = '\0';
	free(*dst);
	*dst = s;
	return MH_OK;
}

/* MARK: - findings */

static char *sdup(struct mh_slice s)
{
	char *d = malloc(s.n + 1);
	if (!d)
		return NULL;
	if (s.n)
		memcpy(d, s.p, s.n);
	d[s.n] = '\0';
	return d;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

#define FIELDS_CAP 1024

/* "Operation=...; UserId=...; ...; <param>=<value>": what identifies the
 * record and what the judgement read from it. */
static char *key_fields(const struct mh_audit *a)
{
	struct mh_buf b;
	mh_buf_init(&b, FIELDS_CAP);
	struct {
		const char *k;
		struct mh_slice v;
	} top[] = {
	        {"Operation", a->operation},
	        {"UserId", a->actor},
	        {"Mailbox", a->mailbox},
	        {"ObjectId", a->object},
	        {"ClientIP", a->client_ip_raw},
	        {"ClientInfoString", a->client_info},
	        {"ResultStatus", a->result_raw},
	        {"Id", a->id},
	};
	int first = 1;
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		if (!top[i].v.n)
			continue;
		if (mh_buf_printf(&b, "%s%s=%.*s", first ? "" : "; ", top[i].k,
		                  (int)top[i].v.n, top[i].v.p))
			break;
		first = 0;
	}
	for (size_t i = 0; i < a->nparams; i++) {
		const struct mh_audit_param *p = &a->params[i];
		if (aj_param_class(p->name) == P_NONE)
			continue;
		/* The Mailbox parameter is the typed view's mailbox, said. */
		if (mh_slice_ieq(p->name, MH_SLICE_LIT("Mailbox")) &&
		    mh_slice_eq(mh_slice_trim(p->value), a->mailbox))
			continue;
		if (mh_buf_printf(&b, "%s%.*s=%.*s", first ? "" : "; ",
		                  (int)p->name.n, p->name.p, (int)p->value.n,
		                  p->value.p ? p->value.p : ""))
			break;
		first = 0;
	}
	if (!b.p) {
		mh_buf_release(&b);
		return strdup("");
	}
	return mh_buf_detach(&b, NULL);
}

struct mh_finding *aj_new(const struct mh_event *ev, enum aj_rule r,
                          enum mh_level level, const char *technique,
                          const char *tactic)
{
	const struct mh_audit *a = ev->audit;
	const struct aj_rule_info *ri = &aj_rules[r];
	struct mh_finding *f = mh_finding_new();
	if (!f)
		return NULL;
	if (mh_finding_set_rule(f, ri->id, ri->title,
	                        technique ? technique : ri->technique,
	                        tactic ? tactic : ri->tactic))
		goto oom;
	f->level = level;
	f->first_seen = f->last_seen = ev->ts;
	f->evidence = calloc(1, sizeof(*f->evidence));
	if (!f->evidence)
		goto oom;
	f->nevidence = 1;
	struct mh_evidence *e = &f->evidence[0];
	e->file = strdup(ev->path ? ev->path : "-");
	e->offset = ev->offset;
	e->line = ev->line;
	e->ts = ev->ts;
	e->record = ev->index != UINT64_MAX ? ev->index + 1 : 0;
	if (!e->file)
		goto oom;
	if (!a)
		return f;
	if ((e->fields = key_fields(a)) == NULL)
		goto oom;
	if (a->mailbox.n && !(f->mailbox = sdup(a->mailbox)))
		goto oom;
	if (a->actor.n && !aj_same_identity(a->actor, a->mailbox) &&
	    !(f->actor = sdup(a->actor)))
		goto oom;
	struct mh_slice ip = a->client_ip.n ? a->client_ip : a->client_ip_raw;
	if (ip.n && !(f->client_ip = sdup(ip)))
		goto oom;
	struct mh_slice app = a->client_info.n ? a->client_info : a->app_id;
	if (app.n && !(f->app = sdup(app)))
		goto oom;
	if (a->result == MH_AR_FAILED &&
	    mh_finding_attr(f, "result", "failed (an attempt)"))
		goto oom;
	return f;
oom:
	mh_finding_free(f);
	return NULL;
}

int aj_summary(struct mh_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MH_ENOMEM;
	free(f->summary);
	f->summary = s;
	return MH_OK;
}

int aj_remedy(struct mh_finding *f, const char *text)
{
	char *s = strdup(text);
	if (!s)
		return MH_ENOMEM;
	free(f->remediation);
	f->remediation = s;
	return MH_OK;
}

int aj_attr(struct mh_finding *f, const char *key, struct mh_slice v)
{
	if (!v.n)
		return MH_OK;
	char *s = sdup(v);
	if (!s)
		return MH_ENOMEM;
	int rc = mh_finding_attr(f, key, s);
	free(s);
	return rc == MH_ETOOBIG ? MH_OK : rc;
}

int aj_push(struct aj_acc *acc, struct mh_finding *f, struct mh_slice subject,
            const struct mh_audit *a, int join)
{
	if (acc->nhits == acc->ahits) {
		size_t na = acc->ahits ? acc->ahits * 2 : 16;
		struct aj_hit *v = realloc(acc->hits, na * sizeof(*v));
		if (!v) {
			mh_finding_free(f);
			return MH_ENOMEM;
		}
		acc->hits = v;
		acc->ahits = na;
	}
	struct aj_hit *h = &acc->hits[acc->nhits];
	memset(h, 0, sizeof(*h));
	char *key = NULL;
	if (asprintf(&key, "%s\x1f%s\x1f%.*s", f->rule_id,
	             f->mailbox ? f->mailbox : "", (int)subject.n,
	             subject.p ? subject.p : "") < 0) {
		mh_finding_free(f);
		return MH_ENOMEM;
	}
	lower(key);
	h->key = key;
	h->f = f;
	h->ts = f->first_seen;
	h->join = join;
	if (acc->cur_rid.n) {
		h->rid = sdup(acc->cur_rid);
		if (!h->rid) {
			free(key);
			mh_finding_free(f);
			return MH_ENOMEM;
		}
	}
	if (a && a->actor.n) {
		h->actor = sdup(a->actor);
		if (!h->actor) {
			free(h->rid);
			free(key);
			mh_finding_free(f);
			return MH_ENOMEM;
		}
		lower(h->actor);
	}
	/* The id names the key (rule, mailbox, subject): two hiding rules
	 * of one mailbox are two findings with two ids. FNV-1a, as
	 * mh_finding_set_id. */
	uint64_t hv = 0xcbf29ce484222325ULL;
	for (const char *k = key; *k; k++)
		hv = (hv ^ (unsigned char)*k) * 0x100000001b3ULL;
	snprintf(f->id, sizeof(f->id), "%016llx", (unsigned long long)hv);
	acc->nhits++;
	return MH_OK;
}

static void evidence_release(struct mh_evidence *e)
{
	free(e->file);
	free(e->message_id);
	free(e->header);
	free(e->fields);
	memset(e, 0, sizeof(*e));
}

/* The accumulator's copy of path (one per file). */
static char *intern(struct aj_acc *acc, const char *path)
{
	for (size_t i = acc->npaths; i > 0; i--)
		if (!strcmp(acc->paths[i - 1], path))
			return acc->paths[i - 1];
	if (acc->npaths == acc->apaths) {
		size_t na = acc->apaths ? acc->apaths * 2 : 8;
		char **v = realloc(acc->paths, na * sizeof(*v));
		if (!v)
			return NULL;
		acc->paths = v;
		acc->apaths = na;
	}
	char *d = strdup(path);
	if (d)
		acc->paths[acc->npaths++] = d;
	return d;
}

int aj_step(struct aj_acc *acc, const struct mh_event *ev, int kind,
            struct mh_slice user, const char *what)
{
	user = mh_slice_trim(user);
	if (!user.n)
		return MH_OK;
	if (acc->nsteps == acc->asteps) {
		size_t na = acc->asteps ? acc->asteps * 2 : 16;
		struct aj_step *v = realloc(acc->steps, na * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		acc->steps = v;
		acc->asteps = na;
	}
	struct aj_step *s = &acc->steps[acc->nsteps];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->ts = ev->ts;
	s->user = sdup(user);
	s->ev.file = intern(acc, ev->path ? ev->path : "-");
	s->ev.offset = ev->offset;
	s->ev.line = ev->line;
	s->ev.ts = ev->ts;
	s->ev.record = ev->index != UINT64_MAX ? ev->index + 1 : 0;
	int fields = ev->audit && kind != S_SEND;
	s->ev.fields = fields ? key_fields(ev->audit) : NULL;
	s->what = what ? strdup(what) : NULL;
	s->rid = acc->cur_rid.n ? sdup(acc->cur_rid) : NULL;
	if (!s->user || !s->ev.file || (fields && !s->ev.fields) ||
	    (what && !s->what) || (acc->cur_rid.n && !s->rid)) {
		free(s->user);
		free(s->what);
		free(s->ev.fields);
		free(s->rid);
		return MH_ENOMEM;
	}
	lower(s->user);
	acc->nsteps++;
	return MH_OK;
}

static int evidence_copy(struct mh_evidence *d, const struct mh_evidence *s)
{
	*d = *s;
	d->file = s->file ? strdup(s->file) : NULL;
	d->message_id = s->message_id ? strdup(s->message_id) : NULL;
	d->header = s->header ? strdup(s->header) : NULL;
	d->fields = s->fields ? strdup(s->fields) : NULL;
	if ((s->file && !d->file) || (s->message_id && !d->message_id) ||
	    (s->header && !d->header) || (s->fields && !d->fields)) {
		evidence_release(d);
		return MH_ENOMEM;
	}
	return MH_OK;
}

int aj_add_step_evidence(struct mh_finding *f, const struct aj_step *s,
                         size_t max)
{
	if (s->ts != MH_TS_NONE) {
		if (f->first_seen == MH_TS_NONE || s->ts < f->first_seen)
			f->first_seen = s->ts;
		if (f->last_seen == MH_TS_NONE || s->ts > f->last_seen)
			f->last_seen = s->ts;
	}
	if (f->nevidence >= max)
		return MH_OK;
	struct mh_evidence *v =
	        realloc(f->evidence, (f->nevidence + 1) * sizeof(*v));
	if (!v)
		return MH_ENOMEM;
	f->evidence = v;
	if (evidence_copy(&v[f->nevidence], &s->ev))
		return MH_ENOMEM;
	f->nevidence++;
	if (!s->ev.fields && s->kind == S_SEND &&
	    asprintf(&v[f->nevidence - 1].fields, "Operation=Send; UserId=%s",
	             s->user) < 0) {
		v[f->nevidence - 1].fields = NULL;
		return MH_ENOMEM;
	}
	return MH_OK;
}

/* MARK: - the analytic */

static int acc_create(void **out, const struct mh_analytic_conf *conf,
                      struct mh_err *err)
{
	(void)err;
	struct aj_acc *acc = calloc(1, sizeof(*acc));
	if (!acc)
		return MH_ENOMEM;
	acc->max_evidence = conf && conf->max_evidence ? conf->max_evidence : 5;
	mh_buf_init(&acc->tmp, 0);
	*out = acc;
	return MH_OK;
}

static int acc_event(void *p, const struct mh_event *ev, struct mh_err *err)
{
	(void)err;
	struct aj_acc *acc = p;
	if (ev->kind != MH_EV_AUDIT && ev->kind != MH_EV_RECORD)
		return MH_OK;
	acc->cur_rid = ev->record_id;
	int rc = MH_OK;
	if (ev->kind == MH_EV_AUDIT && ev->audit)
		rc = aj_hide_event(acc, ev);
	if (!rc && ev->kind == MH_EV_AUDIT && ev->audit)
		rc = aj_posture_event(acc, ev);
	if (!rc)
		rc = aj_admin_event(acc, ev);
	acc->cur_rid = (struct mh_slice){0};
	return rc;
}

/* A copy of a record already read: judged like the first (see
 * aj_acc.cur_rid); drop_copies keeps one of them. */
static int acc_duplicate(void *p, const struct mh_event *ev, struct mh_err *err)
{
	return acc_event(p, ev, err);
}

static void acc_destroy(void *p)
{
	struct aj_acc *acc = p;
	if (!acc)
		return;
	for (size_t i = 0; i < acc->nhits; i++) {
		mh_finding_free(acc->hits[i].f);
		free(acc->hits[i].key);
		free(acc->hits[i].actor);
		free(acc->hits[i].rid);
	}
	free(acc->hits);
	for (size_t i = 0; i < acc->nsteps; i++) {
		free(acc->steps[i].user);
		free(acc->steps[i].what);
		free(acc->steps[i].ev.fields);
		free(acc->steps[i].rid);
	}
	free(acc->steps);
	for (size_t i = 0; i < acc->npaths; i++)
		free(acc->paths[i]);
	free(acc->paths);
	mh_buf_release(&acc->tmp);
	free(acc);
}

static int acc_merge(void *into, void *from)
{
	struct aj_acc *a = into, *b = from;
	if (b->npaths) {
		/* b's steps point at b's paths: the paths move first. */
		char **v =
		        realloc(a->paths, (a->npaths + b->npaths) * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		memcpy(v + a->npaths, b->paths, b->npaths * sizeof(*v));
		a->paths = v;
		a->npaths += b->npaths;
		a->apaths = a->npaths;
		b->npaths = 0;
	}
	if (b->nhits) {
		struct aj_hit *v =
		        realloc(a->hits, (a->nhits + b->nhits) * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		memcpy(v + a->nhits, b->hits, b->nhits * sizeof(*v));
		a->hits = v;
		a->nhits += b->nhits;
		a->ahits = a->nhits;
		b->nhits = 0;
	}
	if (b->nsteps) {
		struct aj_step *v =
		        realloc(a->steps, (a->nsteps + b->nsteps) * sizeof(*v));
		if (!v)
			return MH_ENOMEM;
		memcpy(v + a->nsteps, b->steps, b->nsteps * sizeof(*v));
		a->steps = v;
		a->nsteps += b->nsteps;
		a->asteps = a->nsteps;
		b->nsteps = 0;
	}
	return MH_OK;
}

static int ev_cmp(const struct mh_evidence *a, const struct mh_evidence *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static int hit_cmp(const void *x, const void *y)
{
	const struct aj_hit *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	if (c)
		return c;
	if (a->f->level != b->f->level)
		return a->f->level > b->f->level ? -1 : 1;
	return ev_cmp(&a->f->evidence[0], &b->f->evidence[0]);
}

static int step_cmp(const void *x, const void *y)
{
	const struct aj_step *a = x, *b = y;
	int c = strcmp(a->user, b->user);
	if (c)
		return c;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = ev_cmp(&a->ev, &b->ev);
	return c ? c : a->kind - b->kind;
}

/* Fold the findings of one key into the first (the highest level). */
static int coalesce(struct aj_acc *acc, struct aj_hit *h, size_t n)
{
	struct mh_finding *f = h[0].f;
	for (size_t i = 1; i < n; i++) {
		struct mh_finding *g = h[i].f;
		if (g->first_seen != MH_TS_NONE &&
		    (f->first_seen == MH_TS_NONE ||
		     g->first_seen < f->first_seen))
			f->first_seen = g->first_seen;
		if (g->last_seen != MH_TS_NONE &&
		    (f->last_seen == MH_TS_NONE || g->last_seen > f->last_seen))
			f->last_seen = g->last_seen;
		for (size_t k = 0; k < g->nevidence; k++) {
			if (f->nevidence >= acc->max_evidence)
				break;
			struct mh_evidence *v = realloc(
			        f->evidence, (f->nevidence + 1) * sizeof(*v));
			if (!v)
				return MH_ENOMEM;
			f->evidence = v;
			v[f->nevidence++] = g->evidence[k];
			memset(&g->evidence[k], 0, sizeof(g->evidence[k]));
		}
		/* Details only the others hold (a search's query, from the
		 * record that created it). */
		for (size_t k = 0; k < g->nattrs; k++)
			if (!mh_finding_attr_get(f, g->attrs[k].key) &&
			    mh_finding_attr(f, g->attrs[k].key,
			                    g->attrs[k].value) == MH_ENOMEM)
				return MH_ENOMEM;
		mh_finding_free(g);
		h[i].f = NULL;
	}
	/* Evidence in file order, whatever the level order was. */
	for (size_t i = 1; i < f->nevidence; i++)
		for (size_t j = i;
		     j > 0 && ev_cmp(&f->evidence[j - 1], &f->evidence[j]) > 0;
		     j--) {
			struct mh_evidence t = f->evidence[j];
			f->evidence[j] = f->evidence[j - 1];
			f->evidence[j - 1] = t;
		}
	if (n > 1)
		mh_finding_count(f, "records", n);
	return MH_OK;
}

/* Copies of one record (same id) that made the same hit or step: the
 * one first in file order stays. */
static int rid_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int hit_copy_cmp(const void *x, const void *y)
{
	const struct aj_hit *a = x, *b = y;
	int c = rid_cmp(a->rid, b->rid);
	if (!c)
		c = strcmp(a->key, b->key);
	return c ? c : ev_cmp(&a->f->evidence[0], &b->f->evidence[0]);
}

static int step_copy_cmp(const void *x, const void *y)
{
	const struct aj_step *a = x, *b = y;
	int c = rid_cmp(a->rid, b->rid);
	if (!c)
		c = a->kind - b->kind;
	return c ? c : ev_cmp(&a->ev, &b->ev);
}

static void drop_copies(struct aj_acc *acc)
{
	if (acc->nhits)
		qsort(acc->hits, acc->nhits, sizeof(*acc->hits), hit_copy_cmp);
	size_t n = 0;
	for (size_t i = 0; i < acc->nhits; i++) {
		struct aj_hit *h = &acc->hits[i];
		if (n && h->rid && acc->hits[n - 1].rid &&
		    !strcmp(h->rid, acc->hits[n - 1].rid) &&
		    !strcmp(h->key, acc->hits[n - 1].key)) {
			mh_finding_free(h->f);
			free(h->key);
			free(h->actor);
			free(h->rid);
			continue;
		}
		acc->hits[n++] = *h;
	}
	acc->nhits = n;
	if (acc->nsteps)
		qsort(acc->steps, acc->nsteps, sizeof(*acc->steps),
		      step_copy_cmp);
	n = 0;
	for (size_t i = 0; i < acc->nsteps; i++) {
		struct aj_step *st = &acc->steps[i];
		if (n && st->rid && acc->steps[n - 1].rid &&
		    !strcmp(st->rid, acc->steps[n - 1].rid) &&
		    st->kind == acc->steps[n - 1].kind) {
			free(st->user);
			free(st->what);
			free(st->ev.fields);
			free(st->rid);
			continue;
		}
		acc->steps[n++] = *st;
	}
	acc->nsteps = n;
}

static int acc_findings(void *p, struct mh_findings *out)
{
	struct aj_acc *acc = p;
	drop_copies(acc);
	if (acc->nsteps)
		qsort(acc->steps, acc->nsteps, sizeof(*acc->steps), step_cmp);
	int rc;
	if ((rc = aj_admin_join(acc)) || (rc = aj_hide_join(acc)) ||
	    (rc = aj_hide_findings(acc, out)))
		return rc;
	if (acc->nhits)
		qsort(acc->hits, acc->nhits, sizeof(*acc->hits), hit_cmp);
	for (size_t i = 0; i < acc->nhits;) {
		size_t j = i + 1;
		while (j < acc->nhits &&
		       !strcmp(acc->hits[i].key, acc->hits[j].key))
			j++;
		if ((rc = coalesce(acc, acc->hits + i, j - i)))
			return rc;
		if ((rc = mh_findings_push(out, acc->hits[i].f))) {
			mh_finding_free(acc->hits[i].f);
			acc->hits[i].f = NULL;
			return rc;
		}
		acc->hits[i].f = NULL;
		i = j;
	}
	return MH_OK;
}

/* The union of the rule modules' lists (audjudge.h), made once. */
static const char *judge_ops[128];
static pthread_once_t judge_ops_once = PTHREAD_ONCE_INIT;

static void judge_ops_build(void)
{
	const char *const *const lists[] = {aj_hide_ops, aj_admin_ops,
	                                    aj_posture_ops};
	size_t n = 0;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; lists[l][i]; i++)
			if (n + 1 < sizeof(judge_ops) / sizeof(judge_ops[0]))
				judge_ops[n++] = lists[l][i];
	judge_ops[n] = NULL;
}

static const char *const *acc_audit_ops(const struct mh_analytic_conf *conf)
{
	(void)conf;
	pthread_once(&judge_ops_once, judge_ops_build);
	return judge_ops;
}

const struct mh_analytic_ops mh_analytic_audit = {
        .name = "audit",
        .create = acc_create,
        .event = acc_event,
        .merge = acc_merge,
        .findings = acc_findings,
        .destroy = acc_destroy,
        .duplicate = acc_duplicate,
        .audit_ops = acc_audit_ops,
};
