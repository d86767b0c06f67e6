# imgsearch — the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?= -c release
BIN := .build/release/imgsearch

.PHONY: setup build test demo bench

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch

test: setup
	$(SWIFT) build $(BUILD_FLAGS)
	$(SWIFT) test $(BUILD_FLAGS)

demo: build
	$(BIN) demo

bench: setup
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch-bench
	scripts/bench.sh
