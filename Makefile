# imgsearch — the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?= -c release
BIN := .build/release/imgsearch

.PHONY: setup build test demo demo-postgres bench

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch

# Release mode: the tests run real networks. No testable imports (tests use public API), so the
# test build shares its objects with `make build` instead of compiling everything twice.
# The PostgreSQL backend's tests run against a real server (scripts/postgres.sh, pgvector from the pinned wheel),
# started here and stopped after; if it cannot start, `make test` fails before any test runs.
TEST_PG_DIR := .postgres/test
TEST_PG_PORT ?= 55432
test: setup
	scripts/postgres.sh stop --dir $(TEST_PG_DIR) >/dev/null; rm -rf $(TEST_PG_DIR)
	scripts/postgres.sh start --dir $(TEST_PG_DIR) --port $(TEST_PG_PORT)
	IMGSEARCH_TEST_DATABASE_URL=postgres://imgsearch@127.0.0.1:$(TEST_PG_PORT)/imgsearch \
	  $(SWIFT) test $(BUILD_FLAGS) --disable-testable-imports --disable-swift-testing; \
	  status=$$?; scripts/postgres.sh stop --dir $(TEST_PG_DIR); exit $$status

# The demo on PostgreSQL: a local server (scripts/postgres.sh), the demo model and data, the same page.
demo-postgres: build
	$(BIN) demo --no-serve
	scripts/postgres.sh start
	$(BIN) index --catalog data/demo/catalog.jsonl --model models/demo --database "$$(scripts/postgres.sh url)?schema=demo"
	$(BIN) serve --database "$$(scripts/postgres.sh url)?schema=demo"

demo: build
	$(BIN) demo

bench: setup
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch
	$(SWIFT) build $(BUILD_FLAGS) --product imgsearch-bench
	scripts/bench.sh
