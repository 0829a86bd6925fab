/* Unit tests for the Sigma YAML reader's fast path (rules/sigma/yaml.h):
 * on every rule of SigmaHQ's set in MH_SHARED (and on snippets of each
 * construct) the fast path makes the tree libyaml makes (node types,
 * text, plain style, lines, columns), or declines the file; it reads
 * nearly all of SigmaHQ's files itself, and declines what it does not
 * handle (flow collections, anchors, '>' scalars, tabs, several
 * documents, multi-line scalars, errors). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/arena.h"
#include "rules/sigma/yaml.h"

/* The first difference of a and b as text in why, 0 when the same. */
static int diff(const struct mh_yn *a, const struct mh_yn *b, char *why,
                size_t cap)
{
	if (!a || !b) {
		if (a != b)
			snprintf(why, cap, "one node is NULL");
		return a != b;
	}
	if (a->type != b->type || a->line != b->line || a->col != b->col ||
	    a->n != b->n) {
		snprintf(why, cap,
		         "node type %d/%d at %u:%u / %u:%u, %zu/%zu kids",
		         a->type, b->type, a->line, a->col, b->line, b->col,
		         a->n, b->n);
		return 1;
	}
	if (a->type == MH_YN_SCALAR) {
		if (a->len != b->len || memcmp(a->s, b->s, a->len) ||
		    a->plain != b->plain || a->s[a->len] || b->s[b->len]) {
			snprintf(why, cap,
			         "scalar at %u:%u: '%s' / '%s' (%d/%d)",
			         a->line, a->col, a->s, b->s, a->plain,
			         b->plain);
			return 1;
		}
		return 0;
	}
	size_t k = a->type == MH_YN_MAP ? 2 * a->n : a->n;
	for (size_t i = 0; i < k; i++)
		if (diff(a->kv[i], b->kv[i], why, cap))
			return 1;
	return 0;
}

/* 1 when the fast path read text (then its tree is libyaml's), 0 when
 * it declined. */
static int same(const char *text, size_t n, const char *name)
{
	struct mh_arena a1, a2;
	mh_arena_init(&a1, 64 * 1024, 0);
	mh_arena_init(&a2, 64 * 1024, 0);
	struct mh_yn **d1, **d2;
	size_t n1, n2;
	struct mh_err e1, e2;
	mh_err_clear(&e1);
	mh_err_clear(&e2);
	int r1 =
	        mh_yaml_parse_how(text, n, &a1, &d1, &n1, &e1, MH_YAML_LIBYAML);
	int r2 = mh_yaml_parse_how(text, n, &a2, &d2, &n2, &e2, MH_YAML_FAST);
	int took = r2 == MH_OK;
	if (took) {
		char why[512] = "";
		if (r1 != MH_OK)
			print_error(
			        "%s: libyaml refuses what the fast path read\n",
			        name);
		assert_int_equal(r1, MH_OK);
		assert_int_equal(n1, n2);
		int d = 0;
		for (size_t i = 0; i < n1 && !d; i++)
			d = diff(d1[i], d2[i], why, sizeof(why));
		if (d)
			print_error("%s: %s\n", name, why);
		assert_int_equal(d, 0);
	} else {
		assert_int_equal(r2, 1); /* declined, not an error */
	}
	mh_arena_release(&a1);
	mh_arena_release(&a2);
	return took;
}

static int same_s(const char *text)
{
	return same(text, strlen(text), text);
}

static void test_snippets(void **st)
{
	(void)st;
	/* read by the fast path */
	static const char *const took[] = {
	        "title: a\n",
	        "title: a",
	        "# c\n\ntitle:  a b  # c\nid: 'x''y' # c\nd: \"q\\\\\\\"\"\n",
	        "a:\nb: ~\nc: null\n",
	        "detection:\n    selection:\n        Image|endswith:\n"
	        "            - '\\a.exe'\n            - b\n"
	        "    condition: selection\n",
	        "tags:\n- a\n- b\nlevel: high\n",
	        "description: |\n    line one\n\n    # not a comment\n"
	        "      indented\nnext: x\n",
	        "description: |-\n  one\n  two\n\n\nnext: x\n",
	        "a:\n    - x: 1\n      y: 2\n    - z\n    -\n    - w:\n"
	        "        - 1\n",
	        "a: http://x/y#z\nb: c:d\nc: -1\nd: 'a: b'\n",
	        "a:\n  -\n    b: c\n",
	        "k: v\n\n\n",
	        "- a\n- b: c\n",
	};
	for (size_t i = 0; i < sizeof(took) / sizeof(*took); i++)
		assert_int_equal(same_s(took[i]), 1);
	/* declined (libyaml reads or refuses them) */
	static const char *const no[] = {
	        "a: [1, 2]\n",
	        "a: {b: c}\n",
	        "a: &x 1\nb: *x\n",
	        "a: !t 1\n",
	        "a: >\n  folded\n",
	        "a: |+\n  kept\n",
	        "a: |2\n   x\n",
	        "a:\tb\n",
	        "a: b\r\n",
	        "a: b\n---\nc: d\n",
	        "a: multi\n  line\n",
	        "a: 'multi\n  line'\n",
	        "a: b: c\n",
	        "just a scalar\n",
	        "a: caf\xc3\xa9\n",
	        "a:\n  b: 1\n c: 2\n",
	        "a: \"\\x41\"\n",
	        "? a\n: b\n",
	        "",
	        "# only a comment\n",
	        "a:\n  - - b\n",
	        "a: |\n\n  x\n",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
		int r = same_s(no[i]);
		if (r)
			print_error("read: %s\n", no[i]);
		assert_int_equal(r, 0);
	}
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long sz = ftell(fp);
	assert_true(sz >= 0);
	rewind(fp);
	char *b = malloc((size_t)sz + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*n = (size_t)sz;
	return b;
}

static void walk(const char *dir, size_t *files, size_t *took)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(p, &sb))
			continue;
		if (S_ISDIR(sb.st_mode)) {
			walk(p, files, took);
			continue;
		}
		size_t l = strlen(p);
		if (l < 4 || (strcmp(p + l - 4, ".yml") &&
		              (l < 5 || strcmp(p + l - 5, ".yaml"))))
			continue;
		size_t n;
		char *b = slurp(p, &n);
		(*files)++;
		*took += (size_t)same(b, n, p);
		free(b);
	}
	closedir(d);
}

static void test_sigmahq(void **st)
{
	(void)st;
	const char *sh = getenv("MH_SHARED");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/data/sigma-full", sh ? sh : "");
	struct stat sb;
	if (!sh || stat(dir, &sb)) {
		skip();
		return;
	}
	size_t files = 0, took = 0;
	walk(dir, &files, &took);
	print_message("sigma-full: %zu files, %zu read by the fast path\n",
	              files, took);
	assert_true(files > 3000);
	/* nearly all: a change that makes it decline them shows here */
	assert_true(took * 100 >= files * 95);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_snippets),
	        cmocka_unit_test(test_sigmahq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
