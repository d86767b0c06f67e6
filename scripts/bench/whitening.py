#!/usr/bin/env python3
"""PCA whitening benchmark: ours (imgsearch-bench whitening) vs scikit-learn's PCA(whiten=True) on the same rows.

N rows of D non-negative, correlated float32 features (like GeM-pooled CNN channels), whitened to K
directions: fit (covariance + symmetric eigendecomposition; scikit-learn with svd_solver
"covariance_eigh", the same algorithm) and transform of every row, both on all cores. Prints wall
and CPU seconds of both, the ratio, peak RSS, and the parity: the Gram matrix of the first 500
whitened rows (sign flips of directions cancel in it) from both, compared element-wise.

usage: scripts/bench/whitening.py [--bench .build/release/imgsearch-bench] [--n 200000] [--d 1280] [--k 1024]
"""
import argparse, json, os, resource, subprocess, tempfile, time
import numpy as np
from sklearn.decomposition import PCA


def rows(n, d, seed=0):
    """ReLU of a low-rank mix plus noise: positive, correlated channels of uneven variance."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(0, 1, (64, d)).astype(np.float32) * rng.uniform(0.2, 2, d).astype(np.float32)
    out = np.empty((n, d), np.float32)
    for s in range(0, n, 20_000):
        m = min(20_000, n - s)
        z = rng.normal(0, 1, (m, 64)).astype(np.float32)
        out[s:s + m] = np.maximum(z @ mix + rng.normal(0, 0.3, (m, d)).astype(np.float32), 0)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=".build/release/imgsearch-bench")
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--d", type=int, default=1280)
    parser.add_argument("--k", type=int, default=1024)
    args = parser.parse_args()
    x = rows(args.n, args.d)
    with tempfile.TemporaryDirectory() as tmp:
        data, out = os.path.join(tmp, "rows.f32"), os.path.join(tmp, "ours.f32")
        x.tofile(data)
        line = subprocess.run([args.bench, "whitening", data, str(args.n), str(args.d), out, "--components", str(args.k)],
                              check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        ours = json.loads(line)["figures"]
        ours_rows = np.fromfile(out, np.float32).reshape(-1, int(ours["components"]))

    wall, cpu = time.perf_counter(), time.process_time()
    pca = PCA(n_components=args.k, whiten=True, svd_solver="covariance_eigh").fit(x)
    fit_wall, fit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    theirs = pca.transform(x)
    apply_wall, apply_cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # scikit-learn divides by the n − 1 variance, we by the n one: scale theirs to ours before comparing.
    a = ours_rows[:500].astype(np.float64)
    b = theirs[:500].astype(np.float64) * np.sqrt((args.n - 1) / args.n)
    ga, gb = a @ a.T, b @ b.T
    parity = float(np.abs(ga - gb).max() / np.abs(gb).max())

    print(f"{args.n} rows × {args.d} → {args.k} directions, {os.cpu_count()} cores")
    print(f"{'':10s} {'ours':>10s} {'sklearn':>10s} {'ratio':>7s}")
    for name, o, t in [("fit wall", ours["fit_seconds"], fit_wall), ("fit CPU", ours["fit_cpu_seconds"], fit_cpu),
                       ("apply wall", ours["apply_seconds"], apply_wall), ("apply CPU", ours["apply_cpu_seconds"], apply_cpu)]:
        print(f"{name:10s} {o:9.2f}s {t:9.2f}s {t / o:6.2f}×")
    print(f"peak RSS   {ours['peak_rss_mb']:8.0f}MB {peak:8.0f}MB   (sklearn's includes the {x.nbytes / 2**20:.0f} MB input)")
    print(f"ours: fit {ours['fit_gflops']:.0f} GFLOP/s, apply {ours['apply_gflops']:.0f} GFLOP/s; "
          f"Gram-matrix parity (max relative difference) {parity:.2e}")
    if parity > 1e-3:
        raise SystemExit(f"parity check failed: {parity:.2e}")


if __name__ == "__main__":
    main()
