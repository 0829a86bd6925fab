// json_simd.cpp - json.h on top of simdjson's DOM parser: the one C++
// file of the project. Everything here is a thin conversion between the C
// handles of json.h and simdjson's types; no exception is thrown (the
// error-code API only) and none crosses into C.
#include "json/json.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include <simdjson.h>

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

static_assert(MH_JSON_PADDING >= simdjson::SIMDJSON_PADDING,
              "json.h promises simdjson's padding");
// Handles are simdjson's own small value types, copied in and out.
static_assert(sizeof(element) == sizeof(mh_jv), "element is a tape ref");
static_assert(std::is_trivially_copyable<element>::value, "copyable");
static_assert(std::is_trivially_copyable<object::iterator>::value, "copy");
static_assert(std::is_trivially_copyable<array::iterator>::value, "copy");

namespace
{

// Initial capacity; the parser grows to the largest record it sees.
constexpr size_t INIT_CAP = 64 << 10;
// Above this the memory is given back by mh_json_trim.
constexpr size_t TRIM_CAP = 4 << 20;

struct iter_state {
	object::iterator ocur, oend;
	array::iterator acur, aend;
	int is_obj;
};
static_assert(sizeof(iter_state) <= sizeof(mh_jit), "fits mh_jit");

element to_el(mh_jv v)
{
	element e;
	std::memcpy(static_cast<void *>(&e), &v, sizeof(e));
	return e;
}

mh_jv from_el(const element &e)
{
	mh_jv v;
	std::memcpy(&v, static_cast<const void *>(&e), sizeof(v));
	return v;
}

const char *describe(simdjson::error_code e)
{
	switch (e) {
	case simdjson::DEPTH_ERROR: return "nesting deeper than 128 levels";
	case simdjson::STRING_ERROR: return "bad escape in a string";
	case simdjson::UNESCAPED_CHARS:
		return "control character inside a string";
	case simdjson::UNCLOSED_STRING: return "unclosed string";
	case simdjson::UTF8_ERROR: return "invalid UTF-8";
	case simdjson::T_ATOM_ERROR:
	case simdjson::F_ATOM_ERROR:
	case simdjson::N_ATOM_ERROR: return "bad literal (true, false, null)";
	case simdjson::NUMBER_ERROR:
	case simdjson::NUMBER_OUT_OF_RANGE: return "bad number";
	case simdjson::EMPTY: return "no JSON value";
	case simdjson::CAPACITY: return "record too large for the parser";
	case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
		return "object or array not closed";
	case simdjson::TRAILING_CONTENT: return "more than one JSON value";
	default: return "brackets, commas or colons out of place";
	}
}

} // namespace

struct mh_json {
	simdjson::dom::parser parser;
	char *copy = nullptr; // padded copy for mh_json_parse_copy
	size_t copy_cap = 0;
	simdjson::error_code last = simdjson::SUCCESS;
	int incomplete = 0;
};

extern "C" {

int mh_json_new(struct mh_json **out)
{
	*out = nullptr;
	auto *j = new (std::nothrow) mh_json;
	if (!j)
		return MH_ENOMEM;
	if (j->parser.allocate(INIT_CAP, MH_JSON_MAX_DEPTH) !=
	    simdjson::SUCCESS) {
		delete j;
		return MH_ENOMEM;
	}
	*out = j;
	return MH_OK;
}

void mh_json_free(struct mh_json *j)
{
	if (!j)
		return;
	std::free(j->copy);
	delete j;
}

// 1 when p[0..n) ends inside a string or with an object or array open:
// only looked at after a failed parse, to tell truncation from damage.
static int unbalanced(const char *p, size_t n)
{
	long depth = 0;
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
	}
	return in_str || depth > 0;
}

int mh_json_parse(struct mh_json *j, const char *p, size_t n,
                  struct mh_jv *root, struct mh_err *err)
{
	element e;
	*root = mh_jv{nullptr, 0};
	j->incomplete = 0;
	j->last = j->parser.parse(p, n, false).get(e);
	if (j->last == simdjson::MEMALLOC)
		return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE, nullptr, 0,
		                 0, "out of memory");
	if (j->last != simdjson::SUCCESS) {
		j->incomplete =
		        j->last == simdjson::UNCLOSED_STRING ||
		        (j->last != simdjson::UTF8_ERROR &&
		         j->last != simdjson::DEPTH_ERROR && unbalanced(p, n));
		return mh_err_at(err, MH_EFORMAT,
		                 j->incomplete ? MH_SKIP_TRUNCATED
		                               : MH_SKIP_MALFORMED,
		                 nullptr, 0, 0, "%s", describe(j->last));
	}
	*root = from_el(e);
	return MH_OK;
}

int mh_json_parse_copy(struct mh_json *j, const char *p, size_t n,
                       struct mh_jv *root, struct mh_err *err)
{
	if (n + MH_JSON_PADDING < n)
		return mh_err_at(err, MH_ETOOBIG, MH_SKIP_OVERSIZED, nullptr, 0,
		                 0, "text too large");
	if (j->copy_cap < n + MH_JSON_PADDING) {
		size_t cap = n + MH_JSON_PADDING;
		char *c = static_cast<char *>(std::realloc(j->copy, cap));
		if (!c)
			return mh_err_at(err, MH_ENOMEM, MH_SKIP_UNREADABLE,
			                 nullptr, 0, 0, "out of memory");
		j->copy = c;
		j->copy_cap = cap;
	}
	if (n)
		std::memcpy(j->copy, p, n);
	std::memset(j->copy + n, ' ', MH_JSON_PADDING);
	return mh_json_parse(j, j->copy, n, root, err);
}

int mh_json_err_incomplete(const struct mh_json *j)
{
	return j->incomplete;
}

int mh_json_err_utf8(const struct mh_json *j)
{
	return j->last == simdjson::UTF8_ERROR;
}

void mh_json_trim(struct mh_json *j)
{
	if (j->parser.capacity() > TRIM_CAP) {
		// A new parser: the old one's document keeps its largest
		// tape even after allocate() shrinks the rest.
		simdjson::dom::parser fresh;
		if (fresh.allocate(INIT_CAP, MH_JSON_MAX_DEPTH) ==
		    simdjson::SUCCESS)
			j->parser = std::move(fresh);
	}
	if (j->copy_cap > TRIM_CAP) {
		std::free(j->copy);
		j->copy = nullptr;
		j->copy_cap = 0;
	}
}

enum mh_jtype mh_jv_type(struct mh_jv v)
{
	if (!v.doc)
		return MH_JNONE;
	switch (to_el(v).type()) {
	case element_type::ARRAY: return MH_JARR;
	case element_type::OBJECT: return MH_JOBJ;
	case element_type::INT64: return MH_JINT;
	case element_type::UINT64: return MH_JUINT;
	case element_type::DOUBLE: return MH_JREAL;
	case element_type::STRING: return MH_JSTR;
	case element_type::BOOL: return MH_JBOOL;
	case element_type::NULL_VALUE: return MH_JNULL;
	}
	return MH_JNONE;
}

struct mh_slice mh_jv_str(struct mh_jv v)
{
	std::string_view s;
	if (!v.doc || to_el(v).get_string().get(s) != simdjson::SUCCESS)
		return mh_slice{nullptr, 0};
	return mh_slice{s.data(), s.size()};
}

int mh_jv_i64(struct mh_jv v, int64_t *out)
{
	if (!v.doc)
		return MH_EFORMAT;
	element e = to_el(v);
	int64_t i;
	if (e.get_int64().get(i) == simdjson::SUCCESS) {
		*out = i;
		return MH_OK;
	}
	double d;
	if (e.get_double().get(d) == simdjson::SUCCESS && d >= -9.2e18 &&
	    d <= 9.2e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
		*out = static_cast<int64_t>(d);
		return MH_OK;
	}
	return MH_EFORMAT;
}

int mh_jv_bool(struct mh_jv v, int *out)
{
	bool b;
	if (!v.doc || to_el(v).get_bool().get(b) != simdjson::SUCCESS)
		return MH_EFORMAT;
	*out = b ? 1 : 0;
	return MH_OK;
}

struct mh_slice mh_jv_text(struct mh_jv v, char buf[32])
{
	element e = to_el(v);
	int k = 0;
	switch (mh_jv_type(v)) {
	case MH_JSTR: return mh_jv_str(v);
	case MH_JBOOL: {
		bool b = false;
		if (e.get_bool().get(b) != simdjson::SUCCESS)
			return mh_slice{nullptr, 0};
		return b ? mh_slice{"true", 4} : mh_slice{"false", 5};
	}
	case MH_JINT: {
		int64_t i = 0;
		if (e.get_int64().get(i) != simdjson::SUCCESS)
			return mh_slice{nullptr, 0};
		auto r = std::to_chars(buf, buf + 32, i);
		k = static_cast<int>(r.ptr - buf);
		break;
	}
	case MH_JUINT: {
		uint64_t u = 0;
		if (e.get_uint64().get(u) != simdjson::SUCCESS)
			return mh_slice{nullptr, 0};
		auto r = std::to_chars(buf, buf + 32, u);
		k = static_cast<int>(r.ptr - buf);
		break;
	}
	case MH_JREAL: {
		double d = 0;
		if (e.get_double().get(d) != simdjson::SUCCESS)
			return mh_slice{nullptr, 0};
		k = std::snprintf(buf, 32, "%.17g", d);
		break;
	}
	default: return mh_slice{nullptr, 0};
	}
	return mh_slice{buf, k > 0 && k < 32 ? static_cast<size_t>(k) : 0};
}

struct mh_jv mh_jv_get(struct mh_jv obj, const char *key)
{
	object o;
	if (!obj.doc || to_el(obj).get_object().get(o) != simdjson::SUCCESS)
		return mh_jv{nullptr, 0};
	// The key length first: most members are rejected without a compare.
	size_t kl = std::strlen(key);
	for (auto it = o.begin(); it != o.end(); ++it)
		if (it.key_length() == kl &&
		    it.key_equals_case_insensitive(std::string_view(key, kl)))
			return from_el(it.value());
	return mh_jv{nullptr, 0};
}

size_t mh_jv_count(struct mh_jv v)
{
	object o;
	array a;
	if (!v.doc)
		return 0;
	element e = to_el(v);
	if (e.get_object().get(o) == simdjson::SUCCESS) {
		size_t n = 0;
		for (auto it = o.begin(); it != o.end(); ++it)
			n++;
		return n;
	}
	if (e.get_array().get(a) == simdjson::SUCCESS) {
		size_t n = 0;
		for (auto it = a.begin(); it != a.end(); ++it)
			n++;
		return n;
	}
	return 0;
}

static void read_out(const element &e, mh_jmember *m)
{
	m->v = from_el(e);
	m->s = mh_slice{nullptr, 0};
	m->i = 0;
	switch (e.type()) {
	case element_type::ARRAY: m->t = MH_JARR; break;
	case element_type::OBJECT: m->t = MH_JOBJ; break;
	case element_type::INT64: {
		m->t = MH_JINT;
		int64_t i = 0;
		if (e.get_int64().get(i) == simdjson::SUCCESS)
			m->i = i;
		break;
	}
	case element_type::UINT64: m->t = MH_JUINT; break;
	case element_type::DOUBLE: m->t = MH_JREAL; break;
	case element_type::STRING: {
		m->t = MH_JSTR;
		std::string_view sv;
		if (e.get_string().get(sv) == simdjson::SUCCESS)
			m->s = mh_slice{sv.data(), sv.size()};
		break;
	}
	case element_type::BOOL: {
		m->t = MH_JBOOL;
		bool b = false;
		if (e.get_bool().get(b) == simdjson::SUCCESS)
			m->i = b ? 1 : 0;
		break;
	}
	case element_type::NULL_VALUE: m->t = MH_JNULL; break;
	}
}

size_t mh_jv_members(struct mh_jv v, struct mh_jmember *out, size_t max)
{
	object o;
	array a;
	size_t n = 0;
	if (!v.doc)
		return 0;
	element e = to_el(v);
	if (e.get_object().get(o) == simdjson::SUCCESS) {
		for (auto it = o.begin(); it != o.end(); ++it, n++) {
			if (n >= max)
				continue;
			std::string_view k = it.key();
			out[n].key = mh_slice{k.data(), k.size()};
			read_out(it.value(), &out[n]);
		}
	} else if (e.get_array().get(a) == simdjson::SUCCESS) {
		for (auto it = a.begin(); it != a.end(); ++it, n++) {
			if (n >= max)
				continue;
			out[n].key = mh_slice{nullptr, 0};
			read_out(*it, &out[n]);
		}
	}
	return n;
}

int mh_jkeys_init(struct mh_jkeys *k, const char *const *names, size_t n)
{
	std::memset(k, 0, sizeof(*k));
	if (n > MH_JKEYS_MAX)
		return MH_EINVAL;
	k->names = names;
	k->n = n;
	for (size_t i = 0; i < n; i++) {
		size_t l = std::strlen(names[i]);
		if (l == 0 || l > 64 || mh_jkeys_find(k, names[i], l) >= 0)
			return MH_EINVAL;
		k->len[i] = static_cast<unsigned char>(l);
		unsigned h = mh_jkeys_hash(names[i], l);
		while (k->tab[h])
			h = (h + 1) & (MH_JKEYS_TAB - 1);
		k->tab[h] = static_cast<short>(i + 1);
	}
	return MH_OK;
}

int mh_jv_index(struct mh_jv obj, const struct mh_jkeys *k, unsigned char *have,
                struct mh_jmember *out)
{
	object o;
	if (!obj.doc || to_el(obj).get_object().get(o) != simdjson::SUCCESS)
		return MH_EFORMAT;
	for (auto it = o.begin(); it != o.end(); ++it) {
		std::string_view key = it.key();
		int id = mh_jkeys_find(k, key.data(), key.size());
		if (id < 0 || have[id])
			continue;
		have[id] = 1;
		out[id].key = mh_slice{key.data(), key.size()};
		read_out(it.value(), &out[id]);
	}
	return MH_OK;
}

int mh_jv_iter(struct mh_jv v, struct mh_jit *it)
{
	iter_state st{};
	object o;
	array a;
	int rc = MH_OK;
	element e = to_el(v);
	if (v.doc && e.get_object().get(o) == simdjson::SUCCESS) {
		st.is_obj = 1;
		st.ocur = o.begin();
		st.oend = o.end();
	} else if (v.doc && e.get_array().get(a) == simdjson::SUCCESS) {
		st.acur = a.begin();
		st.aend = a.end();
	} else {
		// An empty array iteration: begin == end of a default array.
		st.is_obj = 2;
		rc = MH_EFORMAT;
	}
	std::memset(it, 0, sizeof(*it));
	std::memcpy(static_cast<void *>(it), &st, sizeof(st));
	return rc;
}

int mh_jit_next(struct mh_jit *it, struct mh_slice *key, struct mh_jv *val)
{
	iter_state st;
	std::memcpy(static_cast<void *>(&st), it, sizeof(st));
	if (st.is_obj == 2)
		return 0;
	if (st.is_obj) {
		if (!(st.ocur != st.oend))
			return 0;
		if (key) {
			std::string_view k = st.ocur.key();
			*key = mh_slice{k.data(), k.size()};
		}
		*val = from_el(st.ocur.value());
		++st.ocur;
	} else {
		if (!(st.acur != st.aend))
			return 0;
		if (key)
			*key = mh_slice{nullptr, 0};
		*val = from_el(*st.acur);
		++st.acur;
	}
	std::memcpy(static_cast<void *>(it), &st, sizeof(st));
	return 1;
}

} // extern "C"
