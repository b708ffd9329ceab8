# Basalt top-level Makefile: the fixed entry points of DESIGN.md section 10.
# meson + ninja do the building; this file only wires the steps together.

BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all deps test lab conformance clean fuzz bench

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@tools/deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true

# Every test tier on the normal build, then again under ASan+UBSan, then
# the fuzzer for a bounded time. tests/run prints the final summary line.
test:
	@tools/deps --test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	tests/run $(BUILD) $(ASAN_BUILD)

lab: all
	tools/lab up --nodes 3
	tools/lab demo

# tempest (OpenStack's own suite) against the lab, brought up if it is not:
# every suite; SUITE=identity (or network, a regex ...) for one. A suite
# with a list in tests/conformance/expected/ is checked against it: every
# listed test must pass (SUITE=compute is the one CI does not run).
SUITE ?= all
EXPECTED = $(wildcard tests/conformance/expected/$(SUITE).txt)
conformance: all
	@tools/lab status >/dev/null 2>&1 || tools/lab up --nodes 3
	tools/conformance $(if $(EXPECTED),--check $(EXPECTED)) $(SUITE)

bench: all
	bench/identity $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
