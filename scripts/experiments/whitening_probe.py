#!/usr/bin/env python3
"""Image→image within groups: raw max-pooled cosine vs PCA-whitened GeM, with a bootstrap interval for the gain.

An independent numpy re-implementation of `imgsearch`'s default whitening (signed square root and L2 of GeM, PCA
whitening to one direction per 4 items up to 1,024, L2), on features an `imgsearch index` or `train` run cached:

    python3 scripts/experiments/whitening_probe.py --data data/demo --cache ~/.cache/imgsearch/features [--split catalog]

Queries are the items whose group holds other items; the others of the group are correct. The interval resamples
whole groups (queries of one group are not independent).
"""
import argparse
import numpy as np
from head_ablation import Data


def whiten(x, dim):
    x = np.sign(x) * np.sqrt(np.abs(x))
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    centred = x - x.mean(0)
    values, vectors = np.linalg.eigh(centred.T @ centred / len(x))
    keep = np.argsort(values)[::-1][:dim]
    y = centred @ vectors[:, keep] / np.sqrt(values[keep] + 1e-9)
    return y / np.linalg.norm(y, axis=1, keepdims=True)


def first_hits(vectors, groups):
    scores = vectors @ vectors.T
    np.fill_diagonal(scores, -np.inf)
    same = groups[:, None] == groups[None]
    np.fill_diagonal(same, False)
    queries = np.flatnonzero(same.any(1))
    best = scores[queries].argmax(1)
    return same[queries, best].astype(float), groups[queries]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", required=True, help="the feature cache directory (IMGSEARCH_CACHE)")
    parser.add_argument("--split", default="catalog", help="catalog, train or val")
    parser.add_argument("--draws", type=int, default=5000)
    args = parser.parse_args()
    items, feats = Data(args.data, args.cache).load(args.split)
    groups = np.unique([d["group"] for d in items], return_inverse=True)[1]
    raw = feats["max"] / np.linalg.norm(feats["max"], axis=1, keepdims=True)
    raw_hits, query_groups = first_hits(raw, groups)
    white_hits, _ = first_hits(whiten(feats["gem"], min(1024, len(items) // 4)), groups)
    gain = white_hits - raw_hits
    members = [np.flatnonzero(query_groups == g) for g in np.unique(query_groups)]
    rng = np.random.default_rng(0)
    draws = [gain[np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])].mean()
             for _ in range(args.draws)]
    low, high = np.percentile(draws, [2.5, 97.5])
    print(f"{len(gain)} queries: raw R@1 {raw_hits.mean():.3f}, whitened {white_hits.mean():.3f}, "
          f"gain {gain.mean():+.3f} (95 % {low:+.3f}…{high:+.3f}; wins {int((gain > 0).sum())}, losses {int((gain < 0).sum())})")


if __name__ == "__main__":
    main()
