#!/usr/bin/env python3
"""MiniLM benchmark: our WordPiece + encoder (imgsearch-bench minilm) beside the peers, same captions.

Peers: HF `tokenizers` (Rust) for tokenisation; a batched float32 numpy BERT (OpenBLAS matmuls, padded
batches with an attention mask) for the encoder. Prints ours, the peer and the ratio (ours / peer).

    python3 scripts/bench/minilm.py [--bench .build/release/imgsearch-bench] [--texts 1024] [--threads 2]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "reference"))


def captions(limit):
    from minilm_fixtures import clipart_texts
    texts = [t.replace("\n", " ") for t in clipart_texts() if t.strip()]
    return texts[:limit]


def peers(texts, threads):
    """HF tokenizers and a batched float32 numpy encoder on the same texts."""
    import numpy as np     # OPENBLAS_NUM_THREADS is set by the caller before numpy loads
    from scipy.special import erf
    from minilm_numpy import ASSETS, HEADS, LAYER_NORM_EPS, read_safetensors, reference_tokenizer
    w = {k: v.astype(np.float32) for k, v in read_safetensors(ASSETS / "model.safetensors").items()}
    layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    tokenizer = reference_tokenizer()
    out = {}

    start = time.perf_counter()
    for text in texts:
        tokenizer.encode(text)
    out["wordpiece_tokenize"] = {"texts_per_s": len(texts) / (time.perf_counter() - start), "name": "HF tokenizers"}

    def norm(x, p):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + LAYER_NORM_EPS) * w[p + ".weight"] + w[p + ".bias"]

    def dense(x, p):
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    def encode(batch):
        encodings = tokenizer.encode_batch(batch)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        n, t = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = norm(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        d = hidden // HEADS
        bias = (1 - mask)[:, None, None, :] * np.float32(-1e9)
        for layer in range(layers):
            p = f"encoder.layer.{layer}."
            def heads(name):
                return dense(x, p + "attention.self." + name).reshape(n, t, HEADS, d).transpose(0, 2, 1, 3)
            scores = heads("query") @ heads("key").transpose(0, 1, 3, 2) / np.float32(np.sqrt(d)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ heads("value")).transpose(0, 2, 1, 3).reshape(n, t, hidden)
            x = norm(dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / np.float32(np.sqrt(2))))
            x = norm(dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    encode(["warm up"])
    latencies = []
    for _ in range(50):
        start = time.perf_counter()
        encode(["a red leather handbag"])
        latencies.append(time.perf_counter() - start)
    out["minilm_query"] = {"ms_median": sorted(latencies)[25] * 1000, "name": f"numpy float32, {threads} thread(s)"}
    for size in (32, 64):
        batches = len(texts) // size
        start = time.perf_counter()
        for b in range(batches):
            encode(texts[b * size:(b + 1) * size])
        out[f"minilm_batch{size}"] = {"sentences_per_s": batches * size / (time.perf_counter() - start),
                                      "name": f"numpy float32, padded batches, {threads} threads"}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=str(ROOT / ".build" / "release" / "imgsearch-bench"))
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--peer-only", action="store_true", help="internal: print the peers' figures as JSON")
    args = parser.parse_args()
    texts = captions(args.texts)
    if args.peer_only:
        print(json.dumps(peers(texts, args.threads)))
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(texts) + "\n")
    ours = {}
    out = subprocess.run([args.bench, "minilm", f.name, "--threads", str(args.threads)], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        row = json.loads(line)
        ours[row["bench"]] = row["figures"]
    os.unlink(f.name)
    def run_peers(threads):   # a fresh process per thread count: OpenBLAS reads it once, at load
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        command = [sys.executable, __file__, "--peer-only", "--texts", str(args.texts), "--threads", str(threads)]
        return json.loads(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)
    peer = run_peers(1)       # tokenizer and single query: one thread, as ours
    if args.threads != 1:
        batched = run_peers(args.threads)
        peer.update({k: v for k, v in batched.items() if k.startswith("minilm_batch")})
    rows = [("wordpiece_tokenize", "texts_per_s"), ("minilm_query", "ms_median"),
            ("minilm_batch32", "sentences_per_s"), ("minilm_batch64", "sentences_per_s")]
    for bench, key in rows:
        a, b = ours[bench][key], peer[bench][key]
        print(json.dumps({"bench": bench, "metric": key, "ours": round(a, 2), "peer": round(b, 2),
                          "ratio": round(a / b, 3), "peer_name": peer[bench]["name"]}))


if __name__ == "__main__":
    main()
