#!/usr/bin/env python3
"""Ablations of the MiniLM-space image head, in numpy, on features `imgsearch` has already cached.

An independent re-implementation of `imgsearch train`'s default recipe (standardise → dropout →
dense 512 → ReLU → dense 384 → L2, symmetric triplet loss with hardest negatives after 2 warm-up
epochs, Adam 1e-3, batch 64, 20 epochs), fast enough to run each variant over several seeds.
It reads the feature cache (SQLite) and the MiniLM text cache that a training run leaves behind; one
epoch of `imgsearch train` on the whole catalog fills both with every image, caption and title:

    imgsearch train --catalog data/demo/catalog.jsonl --out /tmp/scratch-model --epochs 1

    python3 scripts/experiments/head_ablation.py --data data/demo --cache ~/.cache/imgsearch/features \
        max: max:title gem:title          # pooling:text-views, e.g. gem:title,desc

Prints, per variant, validation text→image R@10 (mean ± sd over seeds, last epoch), the mean of the
seeds' embeddings as an ensemble, and the same for a cross-source split (train on emoji, query clip art).
"""
import argparse, hashlib, json, sqlite3, struct
import numpy as np

BACKBONE = "efficientnet-lite0/max,gem3,avg"


def fnv1a(text):
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    return {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], np.float32).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


class Data:
    def __init__(self, data_dir, cache_dir):
        self.root = data_dir.rstrip("/") + "/"
        self.db = sqlite3.connect(cache_dir.rstrip("/") + "/features.sqlite")
        texts = read_safetensors(cache_dir.rstrip("/") + "/minilm-texts.safetensors")
        keys = texts["keys"].view(np.uint32).astype(np.uint64)
        self.row = {int(k): i for i, k in enumerate((keys[:, 0] << np.uint64(32)) | keys[:, 1])}
        self.vectors = texts["embeddings"]

    def embed(self, texts, fallback=None):
        rows = []
        for i, t in enumerate(texts):
            r = self.row.get(fnv1a(t))
            if r is None and fallback is None:
                raise SystemExit(f"text not in the MiniLM cache (run one epoch of `imgsearch train` on the whole catalog first): {t!r}")
            rows.append(self.vectors[r] if r is not None else fallback[i])
        return np.stack(rows)

    def load(self, split):
        items = [json.loads(line) for line in open(self.root + split + ".jsonl")]
        hashes = [hashlib.sha256(open(self.root + d["image"], "rb").read()).hexdigest() for d in items]
        found = {}
        for s in range(0, len(hashes), 500):
            chunk = hashes[s:s + 500]
            for h, mx, gem in self.db.execute(
                    f"SELECT content_hash, max_pooled, gem_pooled FROM features WHERE backbone = ? AND content_hash IN ({','.join('?' * len(chunk))})",
                    [BACKBONE] + chunk):
                found[h] = (np.frombuffer(mx, np.float32), np.frombuffer(gem, np.float32))
        keep = [i for i, h in enumerate(hashes) if h in found]
        items = [items[i] for i in keep]
        feats = {"max": np.stack([found[hashes[i]][0] for i in keep]), "gem": np.stack([found[hashes[i]][1] for i in keep])}
        return items, feats


def caption(d):
    t, s = d.get("title", "").strip(), d.get("description", "").strip()
    return t if not s else s if not t else t + (" " if t.endswith(".") else ". ") + s


def title(d):
    return d.get("title", "").strip() or caption(d)


def group_index(items):
    index, groups, texts = {}, [], []
    for d in items:
        if d["group"] not in index:
            index[d["group"]] = len(texts)
            texts.append(title(d))
        groups.append(index[d["group"]])
    return np.array(groups), texts


def recall_at_10(queries, images, image_groups):
    d = (queries ** 2).sum(1)[:, None] + (images ** 2).sum(1)[None] - 2 * queries @ images.T
    top = np.argsort(d, 1, kind="stable")[:, :10]
    return float((image_groups[top] == np.arange(len(queries))[:, None]).any(1).mean())


class Head:
    def __init__(self, x, out, seed, hidden=512, dropout=0.3):
        rng = np.random.default_rng(seed)
        self.mean, self.scale, self.dropout = x.mean(0), 1 / np.maximum(x.std(0), 1e-3), dropout
        def glorot(i, o): return rng.uniform(-np.sqrt(6 / (i + o)), np.sqrt(6 / (i + o)), (i, o)).astype(np.float32)
        self.p = {"w1": glorot(x.shape[1], hidden), "b1": np.zeros(hidden, np.float32), "w2": glorot(hidden, out), "b2": np.zeros(out, np.float32)}
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0

    def forward(self, x, rng=None):
        x = (x - self.mean) * self.scale
        if rng is not None:
            x = x * (rng.random(x.shape) >= self.dropout) / (1 - self.dropout)
        h = np.maximum(x @ self.p["w1"] + self.p["b1"], 0)
        y = h @ self.p["w2"] + self.p["b2"]
        n = np.linalg.norm(y, axis=1, keepdims=True)
        return y / n, (x, h, y / n, n)

    def step(self, gz, cache, lr=1e-3):
        x, h, z, n = cache
        gy = (gz - z * (gz * z).sum(1, keepdims=True)) / n
        gh = gy @ self.p["w2"].T
        gh[h <= 0] = 0
        grads = {"w2": h.T @ gy, "b2": gy.sum(0), "w1": x.T @ gh, "b1": gh.sum(0)}
        self.t += 1
        for k, g in grads.items():
            self.m[k] = 0.9 * self.m[k] + 0.1 * g
            self.v[k] = 0.999 * self.v[k] + 0.001 * g * g
            self.p[k] -= lr * (self.m[k] / (1 - 0.9 ** self.t)) / (np.sqrt(self.v[k] / (1 - 0.999 ** self.t)) + 1e-8)


def triplet_image_gradient(images, texts, groups, hardest, rng, margin=0.4):
    """d loss / d images of the symmetric triplet loss (Euclidean distance, mean over anchors)."""
    b = len(groups)
    dist = np.sqrt(np.maximum((images ** 2).sum(1)[:, None] + (texts ** 2).sum(1)[None] - 2 * images @ texts.T, 1e-12))
    negative = groups[:, None] != groups[None]
    grad = np.zeros_like(dist)
    for image_anchor in (True, False):
        m = dist if image_anchor else dist.T
        if hardest:
            j = np.where(negative, m, np.inf).argmin(1)
        else:
            j = np.array([rng.choice(np.flatnonzero(negative[i])) if negative[i].any() else i for i in range(b)])
        active = np.flatnonzero((np.diag(m) - m[np.arange(b), j] + margin > 0) & negative.any(1))
        grad[active, active] += 1 / b
        if image_anchor:
            np.add.at(grad, (active, j[active]), -1 / b)
        else:
            np.add.at(grad, (j[active], active), -1 / b)
    c = grad / dist
    return c.sum(1)[:, None] * images - c @ texts


def train(x, captions, groups, seed, views=(), epochs=20, batch=64, warmup=2):
    head, rng = Head(x, captions.shape[1], seed), np.random.default_rng(seed + 1)
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        for s in range(0, len(order), batch):
            b = order[s:s + batch]
            if len(b) < 2:
                continue
            texts = captions[b]
            if views:
                pick = rng.integers(0, len(views) + 1, len(b))
                texts = np.stack([captions[i] if p == 0 else views[p - 1][i] for i, p in zip(b, pick)])
            z, cache = head.forward(x[b], rng)
            head.step(triplet_image_gradient(z, texts, groups[b], epoch >= warmup, rng), cache)
    return head


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", required=True, help="the feature cache directory (IMGSEARCH_CACHE)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("variants", nargs="+", help="POOLING:VIEWS, POOLING max or gem, VIEWS a comma list of title, desc")
    args = parser.parse_args()
    data = Data(args.data, args.cache)
    train_items, train_feats = data.load("train")
    val_items, val_feats = data.load("val")
    train_groups = group_index(train_items)[0]
    val_groups, val_texts = group_index(val_items)
    captions = data.embed([caption(d) for d in train_items])
    views = {"title": data.embed([title(d) for d in train_items])}
    views["desc"] = data.embed([d.get("description", "").strip() or title(d) for d in train_items], fallback=views["title"])
    emoji = np.array([d["source"] == "emoji" for d in train_items])
    everything = train_items + val_items
    clip = np.array([d["source"] != "emoji" for d in everything])
    clip_groups, clip_texts = group_index([d for d, c in zip(everything, clip) if c])
    splits = {"val": (np.ones(len(train_items), bool), val_feats, None, val_groups, data.embed(val_texts)),
              "emoji→clip art": (emoji, {k: np.concatenate([train_feats[k], val_feats[k]]) for k in train_feats}, clip,
                                 clip_groups, data.embed(clip_texts))}
    for variant in args.variants:
        pooling, _, view_list = variant.partition(":")
        chosen = [views[v] for v in view_list.split(",") if v]
        line = [f"{variant:18s}"]
        for name, (rows, query_feats, query_rows, query_groups, query_texts) in splits.items():
            x = train_feats[pooling][rows]
            gallery = query_feats[pooling] if query_rows is None else query_feats[pooling][query_rows]
            singles, embeddings = [], []
            for seed in range(1, args.seeds + 1):
                head = train(x, captions[rows], train_groups[rows], seed, [v[rows] for v in chosen])
                z = head.forward(gallery)[0]
                singles.append(recall_at_10(query_texts, z, query_groups))
                embeddings.append(z)
            mean = np.mean(embeddings, 0)
            mean /= np.linalg.norm(mean, axis=1, keepdims=True)
            line.append(f"{name}: {np.mean(singles):.3f} ± {np.std(singles):.3f}, ensemble of {args.seeds} {recall_at_10(query_texts, mean, query_groups):.3f}")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
