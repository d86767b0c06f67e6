#!/usr/bin/env bash
# Indexing throughput benchmark (not a test): end-to-end `imgsearch index` pipeline (hash, decode,
# resize, encode, embed, store + fsync) vs the bare EfficientNet-Lite0 encoder, same run, same batch.
# Target: pipeline overhead < 15%.
#
#   scripts/bench/indexing.sh [CATALOG] [MODEL_DIR]
#
# CATALOG defaults to data/demo/catalog.jsonl (`imgsearch dataset demo --out data/demo`), MODEL_DIR to
# models/demo when it exists (else an untrained head of the default shape stands in).
# Environment: IMAGES (256), BATCH (32), RUNS (3).
set -euo pipefail
cd "$(dirname "$0")/../.."

BENCH_BIN=${BENCH_BIN:-.build/release/imgsearch-bench}
CATALOG=${1:-data/demo/catalog.jsonl}
MODEL=${2:-models/demo}
[ -f "$CATALOG" ] || { echo "indexing.sh: no catalog at $CATALOG (imgsearch dataset demo --out data/demo)" >&2; exit 2; }

ARGS=("$CATALOG" --images "${IMAGES:-256}" --batch-size "${BATCH:-32}" --runs "${RUNS:-3}")
[ -d "$MODEL" ] && ARGS+=(--model "$MODEL")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
"$BENCH_BIN" indexing "${ARGS[@]}"
