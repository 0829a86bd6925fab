# Thin wrapper around CMake presets. The two commands a new user needs:
#   make demo    install what is missing, build, simulate a case, scan it
#   make check   install what is missing, build, run every test (incl. ASan, TSan)
JOBS ?= $(shell nproc)
BUILD_DEV = build/dev
BUILD_ASAN = build/asan
BUILD_TSAN = build/tsan
BUILD_REL = build/release
MAILHUNT = $(BUILD_REL)/mailhunt
DEMO = demo

.PHONY: all bootstrap build release dev asan tsan demo check test test-asan test-tsan \
        format format-check tidy fuzz bench clean

all: release

bootstrap:
	@scripts/bootstrap

release: bootstrap
	@cmake --preset release >/dev/null
	@cmake --build $(BUILD_REL) -j $(JOBS)

dev: bootstrap
	@cmake --preset dev >/dev/null
	@cmake --build $(BUILD_DEV) -j $(JOBS)

asan: bootstrap
	@cmake --preset asan >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)

tsan: bootstrap
	@cmake --preset tsan >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS)

build: release

# The main job on a bundled, simulated case (deterministic: --seed 1).
demo: release
	@rm -rf $(DEMO)
	@$(MAILHUNT) simulate --seed 1 --out $(DEMO) --quiet
	@echo "== mailhunt scan $(DEMO)  (expected: $(DEMO)/ground-truth.tsv, planted audit activity: $(DEMO)/audit-truth.tsv)"
	@$(MAILHUNT) scan --org-domain corp.example $(DEMO); rc=$$?; \
	  [ $$rc -le 1 ] || exit $$rc

test: dev
	@cd $(BUILD_DEV) && ctest --output-on-failure -j $(JOBS)

test-asan: asan
	@cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS)

# The whole suite again under ThreadSanitizer: the CLI tests scan with -j2
# (worker pool, mbox chunks) and on a pseudo-terminal (progress thread).
test-tsan: tsan
	@cd $(BUILD_TSAN) && ctest --output-on-failure -j $(JOBS)

# Everything CI runs. Order: cheap style checks first.
check: bootstrap format-check tidy test test-asan test-tsan
	@echo "make check: all passed"

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' '*.cpp')

format-check:
	@clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h' '*.cpp')

tidy: dev
	@git ls-files 'src/*.c' | xargs -P $(JOBS) -n 4 clang-tidy --quiet -p $(BUILD_DEV) 2>/dev/null

fuzz: bootstrap
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j $(JOBS)
	@echo "run: build/fuzz/tests/fuzz/fuzz_NAME_libfuzzer -max_total_time=600 tests/fuzz/corpus/NAME"

bench: release
	@MAILHUNT=$(MAILHUNT) bench/run.sh

clean:
	rm -rf build $(DEMO)
