#!/usr/bin/env bash
# `make bench`: every benchmark, ours beside a well-known peer in the same run, with the ratio.
# Results go to bench-results/<name>.txt (gitignored); BENCHMARKS.md records them with the machine.
#   scripts/bench.sh [NAME…]   NAME ∈ encoder gemm imaging minilm search tsne whitening indexing index-vs-ort server
#                              open-index postgres (default: all). IMGSEARCH_ISA=avx2|baseline measures a lower kernel path.
set -uo pipefail
cd "$(dirname "$0")/.."
BENCH=.build/release/imgsearch-bench
OUT=bench-results
mkdir -p "$OUT"
names=("$@"); ((${#names[@]})) || names=(encoder gemm imaging minilm search tsne whitening indexing index-vs-ort server open-index postgres)
{ echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|fma|avx512(f|bw|vl|dq)' | sort | tr '\n' ' ')"
  echo "date: $(date -u +%FT%TZ)  commit: $(git rev-parse --short HEAD)"; } | tee "$OUT/machine.txt"
status=0
for name in "${names[@]}"; do
  echo "── $name"
  case "$name" in
    encoder)  cmd=(python3 scripts/bench/encoder.py --bench "$BENCH" --runs 5) ;;
    gemm)     cmd=("$BENCH" gemm) ;;
    index-vs-ort) cmd=(python3 scripts/bench/index_vs_ort.py) ;;
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
