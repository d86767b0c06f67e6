#!/usr/bin/env bash
# The PostgreSQL backend beside the embedded store (make bench postgres): ingestion items/s, then pgvector's HNSW
# vs ours at 200,000 × 256 clustered rows (recall@10, queries/s with 1 and 8 clients) and exact-scan latency.
#
#   scripts/bench/postgres.sh [URL]
#
# Without URL it starts a local server (scripts/postgres.sh, data in .postgres/bench, port $PORT) and stops it after.
# Environment: ITEMS (100000), SEARCH_ITEMS (200000), DIMENSION (256), QUERIES (500), PORT (55440).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_BIN=${BENCH_BIN:-.build/release/imgsearch-bench}
PORT=${PORT:-55440}
URL=${1:-}
if [ -z "$URL" ]; then
  scripts/postgres.sh start --dir .postgres/bench --port "$PORT" >&2
  trap 'scripts/postgres.sh stop --dir .postgres/bench >&2' EXIT
  URL=$(scripts/postgres.sh url --dir .postgres/bench)
fi
echo "server: $("${PGBIN:-assets/pgserver-0.1.4/pgserver/pginstall/bin}/psql" "$URL" -Atc "select version()" 2>/dev/null | cut -d, -f1)," \
     "pgvector $("${PGBIN:-assets/pgserver-0.1.4/pgserver/pginstall/bin}/psql" "$URL" -Atc "select extversion from pg_extension where extname='vector'" 2>/dev/null)" >&2
"$BENCH_BIN" postgres "$URL" --items "${ITEMS:-100000}" --search-items "${SEARCH_ITEMS:-200000}" \
  --dimension "${DIMENSION:-256}" --queries "${QUERIES:-500}"
