# aiot — thin wrapper over CMake/CTest. See README.md.
#   make        build everything into build/ (build/aiot, ...)
#   make test   install packages, check the format (clang-format), build, run all tests;
#               then the ASan+UBSan build (clang, with libFuzzer targets) runs them again
#   make fuzz   run every libFuzzer target for FUZZ_SECONDS each
#   make bench  benchmarks (docs/benchmarks.md)
#   make format-check  clang-format --dry-run -Werror (.clang-format) over src tests fuzz bench
#   make demo   the whole system on loopback (aiot demo; DEMO_ARGS="--devices 10000")
JOBS   ?= $(shell nproc)
BUILD  ?= build
ASAN   ?= build-asan
CMAKE_FLAGS ?=
WERROR := $(if $(AIOT_WERROR),-DAIOT_WERROR=ON,)
FUZZ_SECONDS ?= 60

.PHONY: all deps build test test-release test-asan fuzz bench demo clean format format-check

all: build

deps:
	@bash scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) $(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

test: format-check test-release test-asan

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	CC=clang cmake -S . -B $(ASAN) -DAIOT_SANITIZE=ON -DAIOT_FUZZ=ON -DAIOT_WERROR=ON \
		-DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j $(JOBS)

fuzz: deps
	CC=clang cmake -S . -B $(ASAN) -DAIOT_SANITIZE=ON -DAIOT_FUZZ=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	@for f in $(ASAN)/fuzz_*; do \
		n=$$(basename $$f); mkdir -p fuzz/artifacts; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=512 -artifact_prefix=fuzz/artifacts/$$n- \
			fuzz/corpus/$$n || exit 1; \
	done

bench: build
	bash bench/run.sh

demo: build
	$(BUILD)/aiot demo $(DEMO_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN)

format: deps
	clang-format -i $(FORMAT_FILES)

# Every C file of src tests fuzz bench as the repository's .clang-format wants it (no change
# made; each difference is printed and fails the target).
FORMAT_FILES = $(shell git ls-files 'src/*.[ch]' 'tests/*.[ch]' 'fuzz/*.[ch]' 'bench/*.[ch]' 2>/dev/null || \
		find src tests fuzz bench -name '*.[ch]')
format-check: deps
	@clang-format --dry-run -Werror $(FORMAT_FILES)
