#include "rules/sigma/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mh_sg_regex {
	pcre2_code **code;
	size_t n, alloc;
};

struct mh_sg_rescratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	uint64_t limits;
};

int mh_sg_regex_new(struct mh_sg_regex **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? MH_OK : MH_ENOMEM;
}

void mh_sg_regex_free(struct mh_sg_regex *re)
{
	if (!re)
		return;
	for (size_t i = 0; i < re->n; i++)
		pcre2_code_free(re->code[i]);
	free(re->code);
	free(re);
}

const char *mh_sg_regex_unbounded(const char *p, size_t n)
{
	int in_class = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\\') {
			if (i + 1 < n && !in_class) {
				char d = p[i + 1];
				if ((d >= '1' && d <= '9') || d == 'g' ||
				    d == 'k')
					return "a back-reference";
				if (d == 'K')
					return "\\K";
			}
			i++;
			continue;
		}
		if (in_class) {
			if (c == ']')
				in_class = 0;
			continue;
		}
		if (c == '[') {
			in_class = 1;
			if (i + 1 < n && p[i + 1] == ']')
				i++; /* []...] : the ] is a member */
			else if (i + 2 < n && p[i + 1] == '^' &&
			         p[i + 2] == ']')
				i += 2;
			continue;
		}
		if ((c == '+' || c == '*' || c == '?' || c == '}') &&
		    i + 1 < n && p[i + 1] == '+')
			return "a possessive quantifier";
		if (c != '(' || i + 1 >= n)
			continue;
		if (p[i + 1] == '*')
			return "a backtracking verb";
		if (p[i + 1] != '?' || i + 2 >= n)
			continue;
		char d = p[i + 2];
		if (d == '=' || d == '!')
			return "a lookahead";
		if (d == '<' && i + 3 < n &&
		    (p[i + 3] == '=' || p[i + 3] == '!'))
			return "a lookbehind";
		if (d == '>')
			return "an atomic group";
		if (d == '(')
			return "a conditional";
		if (d == 'C')
			return "a callout";
		if (d == 'R' || d == '&' || (d >= '0' && d <= '9') ||
		    d == '+' || (d == 'P' && i + 3 < n && p[i + 3] == '>'))
			return "recursion";
		if (d == '|')
			return "a branch reset group";
	}
	return NULL;
}

int mh_sg_regex_add(struct mh_sg_regex *re, const char *pat, size_t n,
                    unsigned flags, struct mh_err *err)
{
	if (n > MH_RE_MAX_LEN)
		return mh_err_set(err, MH_EFORMAT,
		                  "regular expression of %zu bytes is over the "
		                  "limit of %d",
		                  n, MH_RE_MAX_LEN);
	const char *why = mh_sg_regex_unbounded(pat, n);
	if (why)
		return mh_err_set(err, MH_EFORMAT,
		                  "regular expression uses %s, which can "
		                  "backtrack without bound (Sigma allows ., "
		                  "anchors, quantifiers, classes, alternation "
		                  "and groups)",
		                  why);
	uint32_t opt =
	        PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C;
	if (flags & MH_RE_I)
		opt |= PCRE2_CASELESS;
	if (flags & MH_RE_M)
		opt |= PCRE2_MULTILINE;
	if (flags & MH_RE_S)
		opt |= PCRE2_DOTALL;
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, n, opt, &ec, &eo, NULL);
	if (!c) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		return mh_err_set(err, MH_EFORMAT,
		                  "regular expression does not compile: %s at "
		                  "offset %zu",
		                  (const char *)msg, (size_t)eo);
	}
	uint32_t backrefs = 0;
	pcre2_pattern_info(c, PCRE2_INFO_BACKREFMAX, &backrefs);
	if (backrefs) {
		pcre2_code_free(c);
		return mh_err_set(err, MH_EFORMAT,
		                  "regular expression uses a back-reference, "
		                  "which can backtrack without bound");
	}
	/* Without the JIT (not built for this CPU) the interpreter runs
	 * under the same limits. */
	(void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	if (re->n == re->alloc) {
		size_t na = re->alloc ? re->alloc * 2 : 64;
		pcre2_code **nc = realloc(re->code, na * sizeof(*nc));
		if (!nc) {
			pcre2_code_free(c);
			return mh_err_set(err, MH_ENOMEM, "out of memory");
		}
		re->code = nc;
		re->alloc = na;
	}
	re->code[re->n] = c;
	return (int)re->n++;
}

size_t mh_sg_regex_count(const struct mh_sg_regex *re)
{
	return re ? re->n : 0;
}

int mh_sg_rescratch_new(const struct mh_sg_regex *re,
                        struct mh_sg_rescratch **out)
{
	(void)re;
	struct mh_sg_rescratch *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return MH_ENOMEM;
	s->md = pcre2_match_data_create(1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	if (!s->md || !s->mc) {
		mh_sg_rescratch_free(s);
		return MH_ENOMEM;
	}
	pcre2_set_match_limit(s->mc, MH_RE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mc, 10000);
	pcre2_set_heap_limit(s->mc, 20000); /* KiB */
	*out = s;
	return MH_OK;
}

void mh_sg_rescratch_free(struct mh_sg_rescratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	free(s);
}

int mh_sg_regex_match(const struct mh_sg_regex *re, struct mh_sg_rescratch *sc,
                      size_t i, const char *s, size_t n)
{
	if (!re || i >= re->n || !sc)
		return 0;
	int rc = pcre2_match(re->code[i], (PCRE2_SPTR)(s ? s : ""), n, 0, 0,
	                     sc->md, sc->mc);
	if (rc >= 0)
		return 1;
	if (rc != PCRE2_ERROR_NOMATCH)
		sc->limits++;
	return 0;
}

uint64_t mh_sg_rescratch_limits(const struct mh_sg_rescratch *sc)
{
	return sc ? sc->limits : 0;
}

/* Skip a class or group starting at p[i] ('[' or '('); returns the index
 * after it, or n when it does not end. */
static size_t skip_block(const char *p, size_t n, size_t i)
{
	if (p[i] == '[') {
		i++;
		if (i < n && p[i] == '^')
			i++;
		if (i < n && p[i] == ']')
			i++;
		for (; i < n; i++) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == ']')
				return i + 1;
		}
		return n;
	}
	int depth = 0;
	for (; i < n; i++) {
		if (p[i] == '\\') {
			i++;
		} else if (p[i] == '[') {
			i = skip_block(p, n, i) - 1;
		} else if (p[i] == '(') {
			depth++;
		} else if (p[i] == ')' && --depth == 0) {
			return i + 1;
		}
	}
	return n;
}

size_t mh_sg_regex_literal(const char *p, size_t n, char *out, size_t cap)
{
	size_t best = 0, run = 0;
	char cur[256];
	/* a top-level alternation or extended mode: no literal is certain */
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\') {
			i++;
		} else if (p[i] == '[' || p[i] == '(') {
			if (p[i] == '(' && i + 2 < n && p[i + 1] == '?' &&
			    (p[i + 2] == 'x' || p[i + 2] == '#' ||
			     (i + 3 < n && p[i + 2] == '-')))
				return 0;
			if (p[i] == '(' && i + 2 < n && p[i + 1] == '?' &&
			    p[i + 2] >= 'a' && p[i + 2] <= 'z') {
				/* inline flags like (?i) or (?im): x anywhere? */
				for (size_t k = i + 2;
				     k < n && p[k] != ')' && p[k] != ':'; k++)
					if (p[k] == 'x')
						return 0;
			}
			i = skip_block(p, n, i) - 1;
		} else if (p[i] == '|') {
			return 0;
		}
	}
	for (size_t i = 0; i <= n; i++) {
		int lit = 0;
		char c = 0;
		size_t next = i + 1;
		if (i < n) {
			c = p[i];
			if (c == '\\' && i + 1 < n) {
				char d = p[i + 1];
				int alnum = (d >= '0' && d <= '9') ||
				            (d >= 'a' && d <= 'z') ||
				            (d >= 'A' && d <= 'Z');
				lit = !alnum;
				c = d;
				next = i + 2;
			} else if (c == '[' || c == '(') {
				next = skip_block(p, n, i);
			} else {
				lit = !strchr(".^$)*+?{}|", c);
			}
		}
		/* a quantifier after the atom decides */
		int optional = 0, once_then_break = 0;
		if (next < n) {
			char q = p[next];
			if (q == '*' || q == '?')
				optional = 1;
			else if (q == '{')
				optional = next + 1 < n && p[next + 1] == '0';
			if (q == '+' || (q == '{' && !optional))
				once_then_break = 1;
		}
		if (lit && !optional && run < sizeof(cur)) {
			cur[run++] =
			        (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
		}
		if (!lit || optional || once_then_break || i == n) {
			if (run > best && run <= cap) {
				best = run;
				memcpy(out, cur, run);
			}
			run = 0;
		}
		i = next - 1;
	}
	return best;
}
