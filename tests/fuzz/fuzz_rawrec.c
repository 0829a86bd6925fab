/* Fuzz target: the raw path of records an analytic reads (rec.h
 * mh_rec_event_raw). The input is one record; read from its raw text it
 * must give the event the parser and the normaliser give, member by
 * member (tests/unit/rawcmp.h), or leave it to the parser: it never
 * reads a record the parser refuses or the normaliser skips. */
#include "../unit/rawcmp.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const wanted[] = {"MailItemsAccessed", "*Inbox",
	                                     NULL};
	char why[200];
	/* Exactly size bytes: a read past the end is seen (ASan). */
	char *p = malloc(size ? size : 1);
	CHECK(p != NULL);
	if (size)
		memcpy(p, data, size);
	CHECK(rawcmp_run(p, size, wanted, why, sizeof(why)) != RAWCMP_DIFF);
	CHECK(rawcmp_run(p, size, NULL, why, sizeof(why)) != RAWCMP_DIFF);
	free(p);
	return 0;
}
