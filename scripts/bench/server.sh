#!/usr/bin/env bash
# Server load benchmark (not a test): wrk on loopback, 32 connections for 30 s, text queries
# through `imgsearch serve` over 70,000 items, once with exact search and once with HNSW.
#
#   scripts/bench/server.sh [INDEX_DIR]
#
# Without INDEX_DIR it builds (once) a synthetic index of $ITEMS items through the store's API
# (`imgsearch-bench synthetic-index`, an untrained GRU model so queries pay the real text-encoder
# cost) under $WORK. Prints one JSON line per method: requests/s, p50/p90/p99 latency, errors.
# Environment: ITEMS (70000), CONNECTIONS (32), DURATION (30s), WRK_THREADS (1), WORK (data/bench/server).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${BIN:-.build/release/imgsearch}
BENCH_BIN=${BENCH_BIN:-.build/release/imgsearch-bench}
ITEMS=${ITEMS:-70000}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-30s}
WRK_THREADS=${WRK_THREADS:-1}
WORK=${WORK:-data/bench/server}
command -v wrk >/dev/null || { echo "server.sh: wrk is not installed (make setup)" >&2; exit 2; }

INDEX=${1:-}
if [ -z "$INDEX" ]; then
  INDEX=$WORK/index
  if [ ! -f "$INDEX/index.sqlite" ] || [ "$(cat "$WORK/items" 2>/dev/null)" != "$ITEMS" ]; then
    "$BENCH_BIN" synthetic-index "$WORK" --items "$ITEMS" >&2
    echo "$ITEMS" > "$WORK/items"
  fi
fi

LOG=$(mktemp)
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap 'stop_server; rm -f "$LOG"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
for METHOD in exact approximate; do
  "$BIN" serve --index "$INDEX" --port 0 "--$METHOD" > "$LOG" 2>&1 &
  SERVER_PID=$!
  URL=
  for _ in $(seq 1 3000); do  # up to 10 min: the first --approximate run builds and saves the HNSW graph
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1 || true)
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
    sleep 0.2
  done
  [ -n "$URL" ] || { echo "server.sh: the server did not start" >&2; cat "$LOG" >&2; exit 1; }
  # Warm up: loads the model and, for HNSW, builds or loads the graph before the clock starts.
  curl -sf "$URL/api/search?q=warm+up&k=9" > /dev/null
  ITEMS_SERVED=$(curl -sf "$URL/healthz" | sed 's/.*"items":\([0-9]*\).*/\1/')
  # --timeout: a reply slower than 10 s counts as an error (wrk's default of 2 s is shorter than a
  # queue of 32 queries on a busy 2-core machine).
  RESULT=$(wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 10s --latency -s scripts/bench/server_queries.lua "$URL" | grep '^{')
  echo "{\"benchmark\": \"server\", \"method\": \"$METHOD\", \"items\": $ITEMS_SERVED, \"connections\": $CONNECTIONS, ${RESULT#\{}"
  stop_server
done
