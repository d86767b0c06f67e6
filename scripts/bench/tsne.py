#!/usr/bin/env python3
"""t-SNE benchmark: ours (imgsearch-bench tsne) vs scikit-learn's Barnes-Hut TSNE on the same points.

Same 5,000 points (clustered, 50-D), perplexity 30, 1000 iterations, PCA init, theta 0.5, learning
rate 'auto', both on all cores. Prints wall and CPU seconds of both, the speed ratio, and the final
KL divergence of both maps evaluated identically: scikit-learn's sparse P (same kNN + perplexity
search) against the exact Q over all pairs. Median of --runs runs.

usage: scripts/bench/tsne.py [--bench .build/release/imgsearch-bench] [--n 5000] [--runs 3]
"""
import argparse, json, os, subprocess, tempfile, time
import numpy as np
from sklearn.manifold import TSNE, _t_sne
from sklearn.neighbors import NearestNeighbors


def points(n, dim=50, clusters=10, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 4, (clusters, dim))
    spread = rng.uniform(0.5, 2.0, clusters)
    labels = rng.integers(0, clusters, n)
    return (centers[labels] + rng.normal(0, 1, (n, dim)) * spread[labels, None]).astype(np.float32)


def exact_kl(x, y, perplexity):
    """KL(P||Q) with scikit-learn's sparse P and the exact Student-t Q."""
    k = min(len(x) - 1, int(3 * perplexity + 1))
    nn = NearestNeighbors(n_neighbors=k).fit(x)
    d = nn.kneighbors_graph(mode="distance")
    d.data **= 2
    p = _t_sne._joint_probabilities_nn(d, perplexity, verbose=0).tocoo()
    y = y.astype(np.float64)
    sq = (y * y).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * y @ y.T, 0)
    q = 1 / (1 + d2)
    np.fill_diagonal(q, 0)
    z = q.sum()
    qij = np.maximum(q[p.row, p.col] / z, 1e-12)
    return float((p.data * np.log(np.maximum(p.data, 1e-12) / qij)).sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=".build/release/imgsearch-bench")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--perplexity", type=float, default=30)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    x = points(args.n)
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "x.f32"), os.path.join(tmp, "y.f32")
        x.tofile(src)
        for _ in range(args.runs):
            line = subprocess.run([args.bench, "tsne", src, str(args.n), str(x.shape[1]), out,
                                   "--perplexity", str(args.perplexity), "--iterations", str(args.iterations)],
                                  check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            fig = json.loads(line)["figures"]
            y = np.fromfile(out, dtype=np.float32).reshape(args.n, 2)
            ours.append((fig["seconds"], fig["cpu_seconds"], exact_kl(x, y, args.perplexity), fig["kl"]))

            tsne = TSNE(n_components=2, perplexity=args.perplexity, max_iter=args.iterations, init="pca",
                        learning_rate="auto", angle=0.5, method="barnes_hut", random_state=0, n_jobs=-1)
            wall, cpu = time.perf_counter(), time.process_time()
            y = tsne.fit_transform(x)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            theirs.append((wall, cpu, exact_kl(x, y, args.perplexity), float(tsne.kl_divergence_)))

    med = lambda rows, i: float(np.median([r[i] for r in rows]))
    result = {
        "bench": "tsne", "n": args.n, "dim": int(x.shape[1]), "perplexity": args.perplexity,
        "iterations": args.iterations, "cores": os.cpu_count(), "runs": args.runs,
        "ours_seconds": med(ours, 0), "sklearn_seconds": med(theirs, 0),
        "ours_cpu_seconds": med(ours, 1), "sklearn_cpu_seconds": med(theirs, 1),
        "speed_ratio": med(theirs, 0) / med(ours, 0), "cpu_speed_ratio": med(theirs, 1) / med(ours, 1),
        "ours_kl_exact": med(ours, 2), "sklearn_kl_exact": med(theirs, 2),
        "kl_ratio": med(ours, 2) / med(theirs, 2),
        "ours_kl_reported": med(ours, 3), "sklearn_kl_reported": med(theirs, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
