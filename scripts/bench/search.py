#!/usr/bin/env python3
"""Search benchmark: ours (imgsearch-bench search) vs faiss and hnswlib on the same vectors.

1. Exact kNN (k=10) vs faiss IndexFlatL2: one query (median of --repeats) and a batch of 256,
   at 70,000×256 and 1,000,000×256, all cores for both. Our run also measures the read bandwidth
   (STREAM-like sum) and reports the single-query time over the floor = bytes scanned / bandwidth.
2. HNSW vs hnswlib and faiss IndexHNSWFlat: same M / efConstruction, 1 thread, 200,000 clustered
   256-d vectors, 1,000 queries; queries/s at each ef (best of --rounds sweeps) and at recall@10 = 0.95
   (against exact ground truth, interpolated between efs), and build time; wall and CPU seconds.
3. int8 scalar quantisation: recall@10 against float exact search, memory ratio.

Vectors are generated once into bench-data/search/ (gitignored) as raw float32 and read by both sides.

usage: scripts/bench/search.py [--bench .build/release/imgsearch-bench] [--skip-1m] [--hnsw-n 200000]
                               [--m 16] [--ef-construction 100] [--ef 12,14,…] [--rounds 3] [--only exact|hnsw|hnsw-threads|int8]
"""
import argparse, json, os, platform, subprocess, time
import numpy as np

DATA = "bench-data/search"
D = 256


def ensure(path, make):
    if not os.path.exists(path):
        array = make()
        array.tofile(path + ".tmp")
        os.replace(path + ".tmp", path)
    return path


def gaussian(n, seed):
    rng = np.random.default_rng(seed)
    out = np.empty((n, D), np.float32)
    for start in range(0, n, 100_000):  # chunks keep the float64 temporaries small
        out[start:start + 100_000] = rng.standard_normal((min(100_000, n - start), D), dtype=np.float32)
    return out


def clustered(n, seed, clusters=2000):
    rng = np.random.default_rng(1234)  # same centres for data and queries
    centres = rng.standard_normal((clusters, D), dtype=np.float32)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, clusters, n)
    return (centres[labels] + 0.5 * rng.standard_normal((n, D), dtype=np.float32)).astype(np.float32)


def load(path, n):
    return np.fromfile(path, np.float32, n * D).reshape(n, D)


def ours(bench, *args):
    out = subprocess.run([bench, "search", *map(str, args)], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def timed(fn):
    """(wall, CPU) seconds of fn(); CPU is user + system of every thread of this process."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def median_times(fn, repeats):
    walls, cpus = zip(*(timed(fn) for _ in range(repeats)))
    return float(np.median(walls)), float(np.median(cpus))


def row(name, mine, peer, unit, higher_better=False):
    ratio = (mine / peer) if higher_better else (peer / mine)
    print(f"  {name:<40} ours {mine:>10.4g} {unit:<4} peer {peer:>10.4g} {unit:<4} ratio {ratio:5.2f}×")


def exact(args, n, label):
    import faiss
    vectors = ensure(f"{DATA}/gauss{label}.f32", lambda: gaussian(n, 1))
    queries = ensure(f"{DATA}/gauss_queries.f32", lambda: gaussian(256, 2))
    mine = ours(args.bench, "exact", vectors, n, queries, 256, D, "--repeats", args.repeats)[0]["figures"]
    x, q = load(vectors, n), load(queries, 256)
    faiss.omp_set_num_threads(os.cpu_count())
    index = faiss.IndexFlatL2(D); index.add(x)
    faiss_batch, faiss_batch_cpu = median_times(lambda: index.search(q, 10), 3)
    # One query: faiss's OpenMP threads can spin against other jobs, so it also gets a 1-thread try and
    # the faster of the two counts.
    singles = {}
    for threads in sorted({1, os.cpu_count()}):
        faiss.omp_set_num_threads(threads)
        single = [timed(lambda i=i: index.search(q[i:i + 1], 10)) for i in range(args.repeats)]
        singles[threads] = tuple(float(np.median(column)) for column in zip(*single))
    faiss_single, faiss_single_cpu = min(singles.values())
    print(f"exact k=10, {n:,}×{D} ({os.cpu_count()} threads, our kernels: {mine['kernel']}); faiss 1 query: "
          + ", ".join(f"{t} thread(s) {w * 1e3:.2f} ms" for t, (w, _) in singles.items()) + " (the faster counts):")
    row("1 query, wall (s)", mine["single_seconds"], faiss_single, "s")
    row("1 query, CPU (s)", mine["single_cpu_seconds"], faiss_single_cpu, "s")
    row("batch of 256, wall (s)", mine["batch256_seconds"], faiss_batch, "s")
    row("batch of 256, CPU (s)", mine["batch256_cpu_seconds"], faiss_batch_cpu, "s")
    print(f"  read bandwidth {mine['bandwidth_gbs']:.1f} GB/s → floor {mine['floor_seconds'] * 1e3:.1f} ms; "
          f"our single query = {mine['single_over_floor']:.2f}× the floor (target ≤ 1.5×), "
          f"i.e. it reads {mine['floor_seconds'] * mine['bandwidth_gbs'] / mine['single_seconds']:.1f} GB/s")
    del index, x


def hnsw_data(n, nq=1000, k=10):
    """The clustered vectors and queries (files, arrays) and the exact top k, written on first use."""
    import faiss
    vectors = ensure(f"{DATA}/clustered{n}.f32", lambda: clustered(n, 3))
    queries = ensure(f"{DATA}/clustered_queries.f32", lambda: clustered(nq, 4))
    x, q = load(vectors, n), load(queries, nq)
    truth_path = f"{DATA}/clustered{n}_truth.i32"
    if not os.path.exists(truth_path):
        flat = faiss.IndexFlatL2(D); flat.add(x)
        flat.search(q, k)[1].astype(np.int32).tofile(truth_path)
    return vectors, queries, truth_path, x, q, np.fromfile(truth_path, np.int32).reshape(nq, k)


def hnsw(args):
    import faiss, hnswlib
    n, nq, k = args.hnsw_n, 1000, 10
    vectors, queries, truth_path, x, q, truth = hnsw_data(n, nq, k)
    efs = [int(e) for e in args.ef.split(",")]

    def recall(found):
        return float(np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth)]))

    def best(rounds):
        """Per ef, the best wall and the best CPU q/s over the rounds (other jobs only ever slow a round down)."""
        return {ef: (max(r[ef][0] for r in rounds), max(r[ef][1] for r in rounds), rounds[0][ef][2]) for ef in efs}

    def sweep(search):
        rounds = []
        for _ in range(args.rounds):
            results = {}
            for ef in efs:
                found = []
                wall, cpu = timed(lambda: found.extend(search(q[i:i + 1], ef)[0] for i in range(nq)))
                results[ef] = (nq / wall, nq / cpu, recall(found))
            rounds.append(results)
        return best(rounds)

    # hnswlib
    hl = hnswlib.Index(space="l2", dim=D)
    hl.init_index(max_elements=n, M=args.m, ef_construction=args.ef_construction, random_seed=42)
    hl.set_num_threads(1)
    hl_build = timed(lambda: hl.add_items(x, num_threads=1))

    def hl_search(v, ef):
        hl.set_ef(max(ef, k)); return hl.knn_query(v, k=k, num_threads=1)[0]
    hl_sweep = sweep(hl_search)
    # One call for all queries, still 1 thread: the same search without Python's per-call overhead.
    hl_batch = {ef: (0, 0) for ef in efs}
    for _ in range(args.rounds):
        for ef in efs:
            hl.set_ef(max(ef, k))
            wall, cpu = timed(lambda: hl.knn_query(q, k=k, num_threads=1))
            hl_batch[ef] = (max(hl_batch[ef][0], nq / wall), max(hl_batch[ef][1], nq / cpu))
    del hl

    # faiss HNSW
    faiss.omp_set_num_threads(1)
    fi = faiss.IndexHNSWFlat(D, args.m)
    fi.hnsw.efConstruction = args.ef_construction
    fi_build = timed(lambda: fi.add(x))

    def fi_search(v, ef):
        fi.hnsw.efSearch = max(ef, k); return fi.search(v, k)[1]
    fi_sweep = sweep(fi_search)
    del fi

    lines = ours(args.bench, "hnsw", vectors, n, queries, nq, D, truth_path, "--threads", 1, "--m", args.m,
                 "--ef-construction", args.ef_construction, "--ef", ",".join([args.ef] * args.rounds))
    built = next(l["figures"] for l in lines if l["bench"] == "search_hnsw_build")
    our_build = (built["build_seconds"], built["build_cpu_seconds"])
    swept = [l["figures"] for l in lines if l["bench"] == "search_hnsw_search"]
    our_sweep = best([{int(f["ef"]): (f["qps"], f["cpu_qps"], f["recall10"]) for f in swept[r * len(efs):(r + 1) * len(efs)]}
                      for r in range(args.rounds)])

    print(f"HNSW {n:,}×{D} clustered, M={args.m}, efConstruction={args.ef_construction}, 1 thread, {nq} queries "
          f"one call each (our kernels: {built['kernel']}); q/s as wall / CPU, best of {args.rounds} rounds:")
    print(f"  {'ef':>4}  {'ours q/s':>13} {'recall':>6}  {'hnswlib q/s':>13} {'recall':>6}  {'faiss q/s':>13} {'recall':>6}"
          f"  {'hnswlib 1 call':>14}")
    for ef in efs:
        (a, ac, ra), (b, bc, rb), (c, cc, rc) = our_sweep[ef], hl_sweep[ef], fi_sweep[ef]
        print(f"  {ef:>4}  {a:>6.0f}/{ac:<6.0f} {ra:>6.3f}  {b:>6.0f}/{bc:<6.0f} {rb:>6.3f}  {c:>6.0f}/{cc:<6.0f} {rc:>6.3f}"
              f"  {hl_batch[ef][0]:>6.0f}/{hl_batch[ef][1]:<6.0f}")

    def at_target(sweep_, target=0.95):
        """Wall and CPU q/s at recall@10 = target, interpolated between the two efs around it (in log q/s),
        and the smallest ef reaching it: (wall q/s, CPU q/s, ef, recall at that ef)."""
        points = sorted(sweep_.items())
        for (ef0, (w0, c0, r0)), (ef1, (w1, c1, r1)) in zip(points, points[1:]):
            if r0 < target <= r1:
                t = (target - r0) / (r1 - r0)
                return w0 ** (1 - t) * w1 ** t, c0 ** (1 - t) * c1 ** t, ef1, r1
        ef, (w, c, r) = points[0]
        return (w, c, ef, r) if r >= target else None
    mine = at_target(our_sweep)
    for name, peer in (("hnswlib", at_target(hl_sweep)), ("faiss HNSW", at_target(fi_sweep))):
        if mine and peer:
            print(f"  q/s at recall@10 = 0.95 (interpolated); smallest ef reaching it: ours {mine[2]} ({mine[3]:.3f}), "
                  f"{name} {peer[2]} ({peer[3]:.3f})")
            row(f"q/s vs {name}, wall", mine[0], peer[0], "q/s", higher_better=True)
            row(f"q/s vs {name}, CPU", mine[1], peer[1], "q/s", higher_better=True)
    for name, peer in (("hnswlib", hl_build), ("faiss HNSW", fi_build)):
        row(f"build vs {name}, wall (s)", our_build[0], peer[0], "s")
        row(f"build vs {name}, CPU (s)", our_build[1], peer[1], "s")


def hnsw_threads(args):
    """HNSW build on every core, ours vs hnswlib (add_items with num_threads), then recall@10 at ef 64."""
    import hnswlib
    n, nq, k, cores = args.hnsw_n, 1000, 10, os.cpu_count()
    vectors, queries, truth_path, x, q, truth = hnsw_data(n, nq, k)
    hl = hnswlib.Index(space="l2", dim=D)
    hl.init_index(max_elements=n, M=args.m, ef_construction=args.ef_construction, random_seed=42)
    hl_build = timed(lambda: hl.add_items(x, num_threads=cores))
    hl.set_ef(64)
    hl_recall = float(np.mean([len(set(f) & set(t)) / k for f, t in zip(hl.knn_query(q, k=k, num_threads=1)[0], truth)]))
    lines = ours(args.bench, "hnsw", vectors, n, queries, nq, D, truth_path, "--threads", cores, "--build-threads", cores,
                 "--m", args.m, "--ef-construction", args.ef_construction, "--ef", "64")
    built = next(l["figures"] for l in lines if l["bench"] == "search_hnsw_build")
    recall = next(l["figures"] for l in lines if l["bench"] == "search_hnsw_search")["recall10"]
    print(f"HNSW build on {cores} threads, {n:,}×{D} clustered, M={args.m}, efConstruction={args.ef_construction}; "
          f"recall@10 at ef 64: ours {recall:.3f}, hnswlib {hl_recall:.3f}")
    row("build vs hnswlib, wall (s)", built["build_seconds"], hl_build[0], "s")
    row("build vs hnswlib, CPU (s)", built["build_cpu_seconds"], hl_build[1], "s")


def int8(args):
    n = 70_000
    vectors = ensure(f"{DATA}/clustered{n}.f32", lambda: clustered(n, 5))
    queries = ensure(f"{DATA}/clustered_queries.f32", lambda: clustered(1000, 4))
    f = ours(args.bench, "int8", vectors, n, queries, 1000, D)[0]["figures"]
    print(f"int8 scalar quantisation, {n:,}×{D} clustered: recall@10 {f['recall10']:.3f} vs float exact, "
          f"{f['bytes_ratio']:.2f}× less memory, 1 query {f['single_seconds'] * 1e3:.2f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=".build/release/imgsearch-bench")
    ap.add_argument("--skip-1m", action="store_true")
    ap.add_argument("--hnsw-n", type=int, default=200_000)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--ef", default="12,14,16,18,20,24,32,48,64,128")
    ap.add_argument("--rounds", type=int, default=3, help="HNSW query sweeps per side; the best of each is kept")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--only", choices=["exact", "hnsw", "hnsw-threads", "int8"])
    args = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    if args.only in (None, "exact"):
        exact(args, 70_000, "70k")
        if not args.skip_1m:
            exact(args, 1_000_000, "1m")
    if args.only in (None, "hnsw"):
        hnsw(args)
    if args.only in (None, "hnsw", "hnsw-threads"):
        hnsw_threads(args)
    if args.only in (None, "int8"):
        int8(args)


if __name__ == "__main__":
    main()
