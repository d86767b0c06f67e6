#!/usr/bin/env bash
# `make bench`: every benchmark, ours beside a well-known peer in the same run, with the ratio.
# Results go to bench-results/<name>.txt (gitignored); BENCHMARKS.md records them with the machine.
#   scripts/bench.sh [NAME…]   NAME ∈ encoder imaging minilm search tsne whitening indexing server open-index postgres (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
BENCH=.build/release/imgsearch-bench
OUT=bench-results
mkdir -p "$OUT"
names=("$@"); ((${#names[@]})) || names=(encoder imaging minilm search tsne whitening indexing server open-index postgres)
{ echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD)"; } | tee "$OUT/machine.txt"
status=0
for name in "${names[@]}"; do
  echo "── $name"
  case "$name" in
    encoder)  cmd=(python3 scripts/bench/encoder.py --bench "$BENCH" --runs 5) ;;
    imaging)  cmd=(python3 scripts/bench/imaging.py --bench "$BENCH") ;;
    minilm)   cmd=(python3 scripts/bench/minilm.py --bench "$BENCH") ;;
    search)   cmd=(python3 scripts/bench/search.py --bench "$BENCH") ;;
    tsne)     cmd=(python3 scripts/bench/tsne.py --bench "$BENCH" --n 5000 --runs 3) ;;
    whitening) cmd=(python3 scripts/bench/whitening.py --bench "$BENCH") ;;
    indexing) cmd=(scripts/bench/indexing.sh) ;;
    server)   cmd=(scripts/bench/server.sh) ;;
    open-index) cmd=(scripts/bench/open-index.sh) ;;
    postgres) cmd=(scripts/bench/postgres.sh) ;;
    *) echo "unknown benchmark $name" >&2; status=2; continue ;;
  esac
  echo "\$ ${cmd[*]}" | tee "$OUT/$name.txt"
  "${cmd[@]}" 2>&1 | tee -a "$OUT/$name.txt" || status=1
done
exit $status
