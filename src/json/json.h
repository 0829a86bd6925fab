/* json.h - parse one JSON record and walk it, from C.
 *
 * The one C++ file of the project (json_simd.cpp) wraps simdjson's DOM
 * parser behind this API; nothing else sees C++. DOM was measured against
 * on-demand on audit-shaped JSON Lines (one core, 200 MB of Management
 * Activity API records): DOM parse plus a walk of the top-level keys 2.7
 * GB/s, on-demand 2.1-2.9 GB/s depending on how many values are read, so
 * the DOM's full validation (a record is either well-formed or skipped)
 * and random access cost nothing.
 *
 * Padding: simdjson reads up to MH_JSON_PADDING bytes past the end of the
 * text it parses (their values do not matter). mh_json_parse needs
 * p[n .. n + MH_JSON_PADDING) readable; the record framer (jframe.h)
 * guarantees that for the records it hands out, so they are parsed in
 * place. mh_json_parse_copy copies first, for text that is not padded (a
 * CSV cell, a string that holds JSON).
 *
 * Values (struct mh_jv) are handles into the parser's document: valid
 * until the next parse on the same parser or its free. Strings are the
 * parser's unescaped copies (UTF-8, may hold NUL bytes, not
 * NUL-terminated). One parser is used by one thread at a time; to hold two
 * documents at once (a record and the JSON string inside it) use two.
 *
 * Limits: nesting deeper than MH_JSON_MAX_DEPTH is an error (real audit
 * records nest less than ten levels; this also bounds every walk of the
 * text); invalid UTF-8 is an error (the caller may repair and retry).
 */
#ifndef MH_JSON_H
#define MH_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The core headers are C: their names keep C linkage for json_simd.cpp. */
#ifdef __cplusplus
extern "C" {
#endif

#include "core/err.h"
#include "core/slice.h"

#define MH_JSON_PADDING   64
#define MH_JSON_MAX_DEPTH 128

enum mh_jtype {
	MH_JNONE = 0, /* absent: no such key, end of an iteration */
	MH_JNULL,
	MH_JBOOL,
	MH_JINT,  /* integer that fits int64 */
	MH_JUINT, /* integer above INT64_MAX that fits uint64 */
	MH_JREAL, /* any other number */
	MH_JSTR,
	MH_JARR,
	MH_JOBJ,
};

/* A value in a parsed document; {NULL, 0} is absent (MH_JNONE). */
struct mh_jv {
	const void *doc;
	size_t idx;
};

/* An iteration over the members of an object or the elements of an
 * array; opaque. */
struct mh_jit {
	uint64_t opaque[10];
};

struct mh_json; /* a parser with its document */

/* New parser in *out. MH_OK or MH_ENOMEM. */
int mh_json_new(struct mh_json **out);
/* NULL allowed. */
void mh_json_free(struct mh_json *j);

/* Parse p[0..n) (p[n..n+MH_JSON_PADDING) readable) into the parser's
 * document; *root is the top value. MH_OK, or MH_EFORMAT with err->msg
 * saying what is wrong ("unclosed string", "nesting deeper than 128
 * levels", "invalid UTF-8") and err->code/reason set (MH_SKIP_MALFORMED);
 * MH_ENOMEM. err's position is left to the caller (it knows the record).
 * Invalidates every value of the previous document. */
int mh_json_parse(struct mh_json *j, const char *p, size_t n,
                  struct mh_jv *root, struct mh_err *err);

/* Same for text without padding: copied into the parser's own padded
 * buffer first. */
int mh_json_parse_copy(struct mh_json *j, const char *p, size_t n,
                       struct mh_jv *root, struct mh_err *err);

/* 1 when err (from mh_json_parse) says the text ended inside a value
 * (an unclosed string, object or array): truncation rather than damage. */
int mh_json_err_incomplete(const struct mh_json *j);
/* 1 when the last error was invalid UTF-8. */
int mh_json_err_utf8(const struct mh_json *j);

/* Give back memory after a very large record (the parser keeps its
 * largest allocation otherwise). */
void mh_json_trim(struct mh_json *j);

enum mh_jtype mh_jv_type(struct mh_jv v);

/* MH_JSTR: the unescaped bytes; otherwise {NULL, 0}. */
struct mh_slice mh_jv_str(struct mh_jv v);

/* MH_JINT (or a MH_JUINT / MH_JREAL with an int64 value): MH_OK with
 * *out set; else MH_EFORMAT. */
int mh_jv_i64(struct mh_jv v, int64_t *out);

/* MH_JBOOL: MH_OK with *out 0 or 1; else MH_EFORMAT. */
int mh_jv_bool(struct mh_jv v, int *out);

/* A scalar as text: a string's bytes; a number formatted into buf (an
 * integer exactly, a real with %.17g); "true"/"false"; null and
 * composites give {NULL, 0}. buf must hold 32 bytes; the slice points
 * into the document or buf. */
struct mh_slice mh_jv_text(struct mh_jv v, char buf[32]);

/* Member of object obj whose key equals key (ASCII case-insensitive,
 * first match), or absent. obj not an object: absent. */
struct mh_jv mh_jv_get(struct mh_jv obj, const char *key);

/* Members (obj) or elements (arr) of v; 0 for other types. */
size_t mh_jv_count(struct mh_jv v);

/* A member or element with its type and scalar value read out, so that a
 * walk over a record costs one call per object, not several per value. */
struct mh_jmember {
	struct mh_slice key; /* the member's name; {NULL, 0} in arrays */
	struct mh_jv v;
	enum mh_jtype t;
	struct mh_slice s; /* MH_JSTR: the string */
	int64_t i;         /* MH_JINT: the value; MH_JBOOL: 0 or 1 */
};

/* A fixed set of member names looked up ASCII case-insensitively: the
 * keys a reader wants from every record, matched in one pass over an
 * object (mh_jv_index) instead of one search per key. */
#define MH_JKEYS_MAX 255
#define MH_JKEYS_TAB 1024 /* slots, a power of two, 4x the most keys */

struct mh_jkeys {
	const char *const *names; /* n names, as spelt by the caller */
	size_t n;
	unsigned char len[MH_JKEYS_MAX];
	short tab[MH_JKEYS_TAB]; /* key index + 1, 0 empty */
};

/* Set k up for names[0..n) (borrowed; n <= MH_JKEYS_MAX, no two equal
 * ignoring case). MH_OK or MH_EINVAL. */
int mh_jkeys_init(struct mh_jkeys *k, const char *const *names, size_t n);

static inline unsigned mh_jkeys_lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20u : c;
}

/* Length and three letters: the keys of one record rarely collide. */
static inline unsigned mh_jkeys_hash(const char *p, size_t n)
{
	unsigned h = (unsigned)n * 0x9e3779b1u;
	h ^= mh_jkeys_lc((unsigned char)p[0]) * 0x85ebca77u;
	h ^= mh_jkeys_lc((unsigned char)p[n - 1]) * 0xc2b2ae3du;
	h ^= mh_jkeys_lc((unsigned char)p[n / 2]) * 0x27d4eb2fu;
	h ^= h >> 15;
	return h & (MH_JKEYS_TAB - 1);
}

/* The index of name p[0..n) in k, or -1. */
static inline int mh_jkeys_find(const struct mh_jkeys *k, const char *p,
                                size_t n)
{
	if (n == 0 || n > 64)
		return -1;
	for (unsigned h = mh_jkeys_hash(p, n);;
	     h = (h + 1) & (MH_JKEYS_TAB - 1)) {
		int e = k->tab[h];
		if (!e)
			return -1;
		const char *name = k->names[e - 1];
		if (k->len[e - 1] != n)
			continue;
		/* The usual spelling first: one memcmp. */
		if (!memcmp(name, p, n))
			return e - 1;
		size_t i = 0;
		while (i < n && mh_jkeys_lc((unsigned char)name[i]) ==
		                        mh_jkeys_lc((unsigned char)p[i]))
			i++;
		if (i == n)
			return e - 1;
	}
}

/* The members of object obj whose names are in k, read out: for each key
 * index i found, have[i] = 1 and out[i] the first such member (have[] is
 * not cleared first: the caller zeroes it). MH_OK, or MH_EFORMAT when obj
 * is not an object. */
int mh_jv_index(struct mh_jv obj, const struct mh_jkeys *k, unsigned char *have,
                struct mh_jmember *out);

/* The members of object v, or the elements of array v, into
 * out[0..min(count, max)); returns the count (0 for other types). A
 * count above max: call again with room for count. */
size_t mh_jv_members(struct mh_jv v, struct mh_jmember *out, size_t max);

/* Start iterating v (object or array); MH_OK, or MH_EFORMAT when v is
 * neither (it then yields nothing). */
int mh_jv_iter(struct mh_jv v, struct mh_jit *it);

/* The next member or element: 1 with *val set (and *key, when key is not
 * NULL, the member's unescaped name, {NULL, 0} for array elements), 0 at
 * the end. */
int mh_jit_next(struct mh_jit *it, struct mh_slice *key, struct mh_jv *val);

#ifdef __cplusplus
}
#endif

#endif
