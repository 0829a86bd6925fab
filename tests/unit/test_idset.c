/* core/idset: file identities are members once, across growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/idset.h"

static void test_add_has_grow(void **state)
{
	(void)state;
	struct mh_idset s = MH_IDSET_INIT;
	assert_false(mh_idset_has(&s, 1, 1));
	/* Dense inodes on two devices, as a Maildir walk produces them. */
	for (uint64_t i = 0; i < 100000; i++) {
		assert_int_equal(mh_idset_add(&s, 2049, i), 1);
		assert_int_equal(mh_idset_add(&s, 64768, i), 1);
	}
	assert_int_equal(s.n, 200000);
	for (uint64_t i = 0; i < 100000; i += 7) {
		assert_true(mh_idset_has(&s, 2049, i));
		assert_int_equal(mh_idset_add(&s, 64768, i), 0);
	}
	assert_false(mh_idset_has(&s, 2049, 100000));
	assert_false(mh_idset_has(&s, 7, 5));
	/* Device 0 and inode 0 are ordinary members (0 marks empty slots
	 * internally as dev + 1). */
	assert_int_equal(mh_idset_add(&s, 0, 0), 1);
	assert_true(mh_idset_has(&s, 0, 0));
	assert_int_equal(s.n, 200001);
	mh_idset_release(&s);
	assert_int_equal(s.n, 0);
	assert_false(mh_idset_has(&s, 2049, 1));
	assert_int_equal(mh_idset_add(&s, 2049, 1), 1);
	mh_idset_release(&s);
	mh_idset_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_add_has_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
