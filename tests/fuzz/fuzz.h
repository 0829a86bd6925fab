/* fuzz.h - shared by the fuzz targets: the libFuzzer entry point and
 * CHECK, an invariant that aborts (libFuzzer and the replay driver both
 * report an abort as a crash, with the input that caused it). */
#ifndef MH_FUZZ_H
#define MH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			abort();                                               \
	} while (0)

#endif
