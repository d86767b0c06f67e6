#!/usr/bin/env bash
# What it costs to open a large index and answer one text query: a synthetic index of ITEMS items with
# label-bridge rows, searched (exact) before and after `imgsearch index --refit` saves the fused text rows.
# No peer runs the same job; the figure to compare against is the size of the fused rows themselves.
#   scripts/bench/open-index.sh [ITEMS]   (default 1000000; needs ~6 GB of disk under $TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
ITEMS=${1:-1000000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/imgsearch-open-index.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
.build/release/imgsearch-bench synthetic-index "$DIR" --items "$ITEMS" --bridge >/dev/null 2>&1
query() {  # the second of two runs: the index's files are then in the page cache for both variants
  .build/release/imgsearch search --index "$DIR/index" "red leather handbag" -k 3 --exact >/dev/null
  /usr/bin/time -f "$1: wall %e s, peak RSS %M KB" .build/release/imgsearch search --index "$DIR/index" \
    "red leather handbag" -k 3 --exact 2>&1 >/dev/null | tail -1
}
query "fused in memory"
.build/release/imgsearch index --refit --index "$DIR/index" >/dev/null
ls -l "$DIR"/index/search/joint+bridge-*.bin | awk '{printf "saved fused rows: %.0f MB\n", $5 / 1e6}'
query "saved rows mapped"
