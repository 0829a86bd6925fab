/* simaudrec.c - audit records as JSON, their top-level members kept for
 * the CSV shapes (see simaudrec.h). */
#include "sim/simaudrec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"

static void add(struct mh_simrec *r, struct mh_buf *b, const char *p, size_t n)
{
	if (mh_buf_add(b, p, n) != 0)
		r->oom = 1;
}

void mh_simrec_init(struct mh_simrec *r)
{
	memset(r, 0, sizeof(*r));
	mh_buf_init(&r->json, (size_t)16 << 20);
	mh_buf_init(&r->raw, (size_t)16 << 20);
}

void mh_simrec_release(struct mh_simrec *r)
{
	mh_buf_release(&r->json);
	mh_buf_release(&r->raw);
}

int mh_simrec_failed(const struct mh_simrec *r)
{
	return r->oom;
}

void mh_simrec_begin(struct mh_simrec *r)
{
	mh_buf_reset(&r->json);
	mh_buf_reset(&r->raw);
	r->nm = 0;
	r->depth = 1;
	r->first[0] = 1;
	add(r, &r->json, "{", 1);
}

void mh_simrec_end(struct mh_simrec *r)
{
	add(r, &r->json, "}", 1);
	r->depth = 0;
}

/* JSON string escaping: quotes, backslashes and control characters; UTF-8
 * passes through. */
void mh_simrec_json_str(struct mh_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	(void)mh_buf_reserve(b, n + 2);
	(void)mh_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		(void)mh_buf_add(b, s + run, i - run);
		run = i + 1;
		char e[6] = {'\\', 0, 0, 0, 0, 0};
		size_t en = 2;
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			en = 6;
		}
		(void)mh_buf_add(b, e, en);
	}
	(void)mh_buf_add(b, s + run, n - run);
	(void)mh_buf_addc(b, '"');
}

/* The separator and key before a value; at the top level the member is
 * remembered. */
static void prefix(struct mh_simrec *r, const char *key)
{
	unsigned d = r->depth - 1;
	if (!r->first[d])
		add(r, &r->json, ",", 1);
	r->first[d] = 0;
	if (key) {
		size_t before = r->json.len;
		mh_simrec_json_str(&r->json, key, strlen(key));
		if (r->json.len == before)
			r->oom = 1;
		add(r, &r->json, ":", 1);
	}
}

static void member(struct mh_simrec *r, const char *key, enum mh_simrec_vt t,
                   const char *raw, size_t n)
{
	if (r->depth != 1 || !key || r->nm == MH_SIMREC_MEMBERS)
		return;
	struct mh_simrec_member *m = &r->m[r->nm++];
	m->key = key;
	m->t = t;
	m->off = r->raw.len;
	m->len = n;
	add(r, &r->raw, raw, n);
}

void mh_simrec_strn(struct mh_simrec *r, const char *key, const char *v,
                    size_t n)
{
	prefix(r, key);
	size_t before = r->json.len;
	mh_simrec_json_str(&r->json, v, n);
	if (r->json.len == before)
		r->oom = 1;
	member(r, key, MH_SRV_STR, v, n);
}

void mh_simrec_str(struct mh_simrec *r, const char *key, const char *v)
{
	mh_simrec_strn(r, key, v, strlen(v));
}

void mh_simrec_strf(struct mh_simrec *r, const char *key, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(tmp))
		n = (int)sizeof(tmp) - 1;
	mh_simrec_strn(r, key, tmp, (size_t)n);
}

static void scalar(struct mh_simrec *r, const char *key, const char *text,
                   size_t n)
{
	prefix(r, key);
	add(r, &r->json, text, n);
	member(r, key, MH_SRV_NUM, text, n);
}

void mh_simrec_int(struct mh_simrec *r, const char *key, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	scalar(r, key, tmp, (size_t)n);
}

void mh_simrec_bool(struct mh_simrec *r, const char *key, int v)
{
	scalar(r, key, v ? "true" : "false", v ? 4 : 5);
}

void mh_simrec_null(struct mh_simrec *r, const char *key)
{
	scalar(r, key, "null", 4);
}

static void open_comp(struct mh_simrec *r, const char *key, char c)
{
	prefix(r, key);
	if (r->depth == 1) {
		r->comp_start = r->json.len;
		r->comp_key = key;
	}
	add(r, &r->json, &c, 1);
	if (r->depth < MH_SIMREC_DEPTH) {
		r->first[r->depth] = 1;
		r->open[r->depth] = c;
	}
	r->depth++;
}

void mh_simrec_obj(struct mh_simrec *r, const char *key)
{
	open_comp(r, key, '{');
}

void mh_simrec_arr(struct mh_simrec *r, const char *key)
{
	open_comp(r, key, '[');
}

void mh_simrec_close(struct mh_simrec *r)
{
	if (r->depth <= 1)
		return;
	r->depth--;
	char c = r->depth < MH_SIMREC_DEPTH && r->open[r->depth] == '[' ? ']'
	                                                                : '}';
	add(r, &r->json, &c, 1);
	if (r->depth == 1 && r->comp_key) {
		const char *p = r->json.p ? r->json.p + r->comp_start : "";
		member(r, r->comp_key, MH_SRV_COMP, p,
		       r->json.len - r->comp_start);
		r->comp_key = NULL;
	}
}

void mh_simrec_nv(struct mh_simrec *r, const char *name, const char *value)
{
	mh_simrec_obj(r, NULL);
	mh_simrec_str(r, "Name", name);
	if (value)
		mh_simrec_str(r, "Value", value);
	mh_simrec_close(r);
}

const struct mh_simrec_member *mh_simrec_member(const struct mh_simrec *r,
                                                const char *key)
{
	for (unsigned i = 0; i < r->nm; i++)
		if (!strcmp(r->m[i].key, key))
			return &r->m[i];
	return NULL;
}

/* MARK: - text */

void mh_simrec_csv_cell(struct mh_buf *b, const char *s, size_t n)
{
	int quote = 0;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' ||
		        s[i] == '\r';
	if (!quote) {
		(void)mh_buf_add(b, s, n);
		return;
	}
	(void)mh_buf_reserve(b, n + n / 4 + 2);
	(void)mh_buf_addc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		(void)mh_buf_add(b, s + run, i + 1 - run);
		(void)mh_buf_addc(b, '"');
		run = i + 1;
	}
	(void)mh_buf_add(b, s + run, n - run);
	(void)mh_buf_addc(b, '"');
}

static void indent_to(struct mh_buf *b, unsigned n)
{
	(void)mh_buf_addc(b, '\n');
	for (unsigned i = 0; i < n; i++)
		(void)mh_buf_addc(b, ' ');
}

void mh_simrec_pretty(struct mh_buf *b, const char *json, size_t n,
                      unsigned indent)
{
	unsigned level = indent;
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = json[i];
		if (in_str) {
			(void)mh_buf_addc(b, c);
			if (c == '\\' && i + 1 < n)
				(void)mh_buf_addc(b, json[++i]);
			else if (c == '"')
				in_str = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_str = 1;
			(void)mh_buf_addc(b, c);
			break;
		case '{':
		case '[':
			(void)mh_buf_addc(b, c);
			/* An empty container stays on one line. */
			if (i + 1 < n &&
			    (json[i + 1] == '}' || json[i + 1] == ']')) {
				(void)mh_buf_addc(b, json[++i]);
				break;
			}
			level += 2;
			indent_to(b, level);
			break;
		case '}':
		case ']':
			level -= 2;
			indent_to(b, level);
			(void)mh_buf_addc(b, c);
			break;
		case ',':
			(void)mh_buf_addc(b, c);
			indent_to(b, level);
			break;
		case ':': (void)mh_buf_add(b, ": ", 2); break;
		default: (void)mh_buf_addc(b, c);
		}
	}
}

/* MARK: - times */

struct civil {
	int y, mo, d, h, mi, s;
};

static struct civil civil_of(int64_t t)
{
	char iso[21];
	struct civil c;
	mh_time_iso(t, iso);
	c.y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 +
	      (iso[2] - '0') * 10 + (iso[3] - '0');
	c.mo = (iso[5] - '0') * 10 + (iso[6] - '0');
	c.d = (iso[8] - '0') * 10 + (iso[9] - '0');
	c.h = (iso[11] - '0') * 10 + (iso[12] - '0');
	c.mi = (iso[14] - '0') * 10 + (iso[15] - '0');
	c.s = (iso[17] - '0') * 10 + (iso[18] - '0');
	return c;
}

void mh_simrec_time_ual(int64_t t, char out[32])
{
	struct civil c = civil_of(t);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d", c.y, c.mo, c.d, c.h,
	         c.mi, c.s);
}

void mh_simrec_time_purview(int64_t t, char out[40])
{
	struct civil c = civil_of(t);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.0000000Z", c.y, c.mo,
	         c.d, c.h, c.mi, c.s);
}

void mh_simrec_time_us(int64_t t, char out[40])
{
	struct civil c = civil_of(t);
	int h12 = c.h % 12 ? c.h % 12 : 12;
	snprintf(out, 40, "%d/%d/%04d, %d:%02d:%02d.000 %s", c.mo, c.d, c.y,
	         h12, c.mi, c.s, c.h < 12 ? "AM" : "PM");
}

void mh_simrec_time_gws(int64_t t, unsigned ms, char out[40])
{
	struct civil c = civil_of(t);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", c.y, c.mo, c.d,
	         c.h, c.mi, c.s, ms % 1000);
}
