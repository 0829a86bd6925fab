/* test_sigma_view.c - the Sigma view of a Windows event read from the
 * parsed record (evview.c dom_obj) is the view its fields give: the same
 * values, in the same order, under the same names, with the same slots,
 * for real-shaped records of both JSON forms with escapes, numbers,
 * booleans and nulls; and the records the parsed form cannot give
 * exactly (lists, real numbers, empty objects, an object a rule names)
 * take the fields. Records are read by the json reader (its normaliser
 * gives the typed view and ev->json), each view built twice: once as
 * read, once with ev->json cleared. The one difference allowed: objects'
 * own JSON texts that no rule names are not in the first (view_text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdfile.h"

#include "readers/reader.h"
#include "rules/sigma/evview.h"
#include "rules/sigma/sigma.h"

static struct mh_sigma *load(const char *yaml)
{
	char path[] = "/tmp/mh-sgview-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	struct mh_sigma_opts o = {0};
	const char *p[1] = {path};
	struct mh_sigma *s = NULL;
	struct mh_err err;
	mh_err_clear(&err);
	assert_int_equal(mh_sigma_load(p, 1, &o, &s, &err), MH_OK);
	unlink(path);
	assert_int_equal(s->nrefused, 0);
	return s;
}

/* Rules naming raw paths, Sigma names and keywords, so that values get
 * slots both ways and the keyword prefilter wants every value. */
static const char *rules =
        "title: a\nid: a1\nlogsource:\n    category: process_creation\n"
        "    product: windows\ndetection:\n    s:\n"
        "        Image|endswith: '\\x.exe'\n"
        "        CommandLine|contains: 'zz'\n"
        "        Event.EventData.User: 'u'\n"
        "        winlog.event_data.ParentImage: 'p'\n"
        "        Flag: 'true'\n"
        "        Count: -5\n"
        "        Nothing: null\n"
        "    condition: s\n"
        "---\n"
        "title: b\nid: b1\nlogsource:\n    product: windows\n"
        "detection:\n    k:\n        - 'mimikatz'\n    condition: k\n";

struct got {
	size_t n;
	char *txt; /* one line per value: name, value, dup, comp, slot */
	int from_json;
};

static void view_text(const struct mh_sg_view *v, struct got *g)
{
	size_t cap = 1 << 16, len = 0;
	g->txt = malloc(cap);
	assert_non_null(g->txt);
	g->n = v->n;
	g->from_json = v->from_json;
	for (size_t i = 0; i < v->n; i++) {
		const struct mh_sg_val *e = &v->v[i];
		/* An object's own JSON text that no rule names: nothing reads
		 * it (keyword search and the prefilter skip dup values), and
		 * the view from the parsed record leaves it out. */
		if (e->comp && e->dup && e->slot < 0) {
			assert_false(v->from_json);
			continue;
		}
		int k = snprintf(g->txt + len, cap - len,
		                 "%.*s=%s%.*s|%d%d|%d\n", (int)e->nlen, e->name,
		                 e->s ? "" : "(null)", e->s ? (int)e->n : 0,
		                 e->s ? e->s : "", e->dup, e->comp, e->slot);
		assert_true(k > 0 && (size_t)k < cap - len);
		len += (size_t)k;
	}
}

/* The views of every record of json: as read and from the fields. Returns
 * how many records were read from the parsed record. */
static size_t compare(const struct mh_sigma *s, const char *json,
                      size_t want_records)
{
	struct rdfile rf;
	rdfile_open(&rf, "json", json);
	struct mh_sg_view v;
	assert_int_equal(mh_sg_view_init(&v, s), MH_OK);
	struct mh_event ev;
	size_t nrec = 0, dom = 0;
	int rc;
	while ((rc = rf.ops->next(rf.r, &ev, &rf.err)) != 0) {
		if (rc != 1)
			fail_msg("record skipped: %s", rf.err.msg);
		assert_non_null(ev.win);
		struct got a, b;
		assert_int_equal(mh_sg_view_classify(&v, &ev), MH_OK);
		assert_int_equal(mh_sg_view_build(&v, &ev), MH_OK);
		view_text(&v, &a);
		struct mh_event ev2 = ev;
		ev2.json = NULL;
		assert_int_equal(mh_sg_view_classify(&v, &ev2), MH_OK);
		assert_int_equal(mh_sg_view_build(&v, &ev2), MH_OK);
		view_text(&v, &b);
		assert_int_equal(b.from_json, 0);
		if (strcmp(a.txt, b.txt)) {
			fprintf(stderr,
			        "view from the parsed record:\n%s\n"
			        "from the fields:\n%s\n",
			        a.txt, b.txt);
			fail_msg("record %zu: the views differ", nrec + 1);
		}
		assert_true(a.n > 0);
		dom += (size_t)a.from_json;
		free(a.txt);
		free(b.txt);
		nrec++;
	}
	assert_int_equal(nrec, want_records);
	mh_sg_view_release(&v);
	rdfile_close(&rf);
	return dom;
}

#define EVTX(data)                                                             \
	"{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft."   \
	"com/win/2004/08/events/event\"},\"System\":{\"Provider\":{"           \
	"\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}},"            \
	"\"EventID\":1,\"EventRecordID\":10,\"Correlation\":null,"             \
	"\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":"   \
	"\"ws1\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"            \
	"\"2024-03-01T10:00:00.1Z\"}}},\"EventData\":" data "}}\n"

#define ECS(data)                                                              \
	"{\"@timestamp\":\"2024-03-01T10:00:00.1Z\",\"event\":{\"code\":"      \
	"\"1\","                                                               \
	"\"provider\":\"Microsoft-Windows-Sysmon\"},\"winlog\":{\"channel\":"  \
	"\"Microsoft-Windows-Sysmon/Operational\",\"event_id\":\"1\","         \
	"\"provider_name\":\"Microsoft-Windows-Sysmon\",\"record_id\":\"7\","  \
	"\"process\":{\"pid\":2749,\"thread\":{\"id\":4306}},\"event_"         \
	"data\":" data "}}\n"

/* Escapes of every kind, a key with an escape, negative and large
 * integers, booleans, null, an empty string. */
#define DATA_PLAIN                                                             \
	"{\"Image\":\"C:\\\\Windows\\\\x.exe\",\"CommandLine\":\"\\\"C:\\\\a " \
	"b\\\" /q \\u00e9\\ud83d\\ude00 \\/ \\t zz\",\"User\":\"NT "           \
	"AUTHORITY\\\\SYSTEM\",\"ParentImage\":\"\",\"Fl\\u0061g\":true,"      \
	"\"Other\":false,\"Count\":-5,\"Big\":9223372036854775807,"            \
	"\"Min\":-9223372036854775808,\"Zero\":0,\"Nothing\":null}"

static void test_same_view(void **st)
{
	(void)st;
	struct mh_sigma *s = load(rules);
	/* read from the parsed record, and the same as the fields */
	assert_int_equal(compare(s, EVTX(DATA_PLAIN) ECS(DATA_PLAIN), 2), 2);
	/* what the parsed record cannot give: the fields, and still the
	 * same view */
	const char *take_fields[] = {
	        EVTX("{\"Image\":\"a\",\"Hashes\":[\"x\",\"y\"]}"),
	        EVTX("{\"Image\":\"a\",\"Ratio\":1.50}"),
	        EVTX("{\"Image\":\"a\",\"Big\":18446744073709551615}"),
	        EVTX("{\"Image\":\"a\",\"Empty\":{ }}"),
	        ECS("{\"Image\":\"a\",\"Params\":[{\"Name\":\"n\","
	            "\"Value\":\"v\"}]}"),
	};
	for (size_t i = 0; i < sizeof(take_fields) / sizeof(*take_fields); i++)
		assert_int_equal(compare(s, take_fields[i], 1), 0);
	mh_sigma_free(s);
	/* a rule naming an object: its JSON text as written is a value */
	struct mh_sigma *o =
	        load("title: o\nid: o1\nlogsource:\n    product: windows\n"
	             "detection:\n    s:\n        Event.System.Provider|"
	             "contains: 'Sysmon'\n    condition: s\n");
	assert_int_equal(compare(o, EVTX(DATA_PLAIN), 1), 0);
	mh_sigma_free(o);
}

/* mh_sg_lower_ascii: 'A'..'Z' and nothing else (bytes from 0x80
 * included) lower-cased, for every length and alignment, in place too. */
static void test_lower_ascii(void **st)
{
	(void)st;
	char src[300], dst[300], want[300];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(unsigned char)((i * 7 + 3) % 256);
	for (size_t off = 0; off < 16; off++)
		for (size_t n = 0; off + n <= sizeof(src); n += 1 + n / 8) {
			for (size_t i = 0; i < n; i++) {
				unsigned char c = (unsigned char)src[off + i];
				want[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32
				                                      : c);
			}
			memset(dst, 'X', sizeof(dst));
			mh_sg_lower_ascii(dst, src + off, n);
			assert_memory_equal(dst, want, n);
			if (n < sizeof(dst))
				assert_int_equal(dst[n], 'X');
			char in[300];
			memcpy(in, src + off, n);
			mh_sg_lower_ascii(in, in, n);
			assert_memory_equal(in, want, n);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_same_view),
	        cmocka_unit_test(test_lower_ascii),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
