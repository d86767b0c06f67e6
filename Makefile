# imgsearch — the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?= -c release
BIN := .build/release/imgsearch

.PHONY: setup build test demo bench

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch

# Release mode: the tests run real networks. No testable imports (tests use public API), so the
# test build shares its objects with `make build` instead of compiling everything twice.
test: setup
	$(SWIFT) test $(BUILD_FLAGS) --disable-testable-imports --disable-swift-testing

demo: build
	$(BIN) demo

bench: setup
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch-bench
	scripts/bench.sh
