#!/usr/bin/env python3
"""MiniLM benchmark: our WordPiece + encoder (imgsearch-bench minilm) beside the peers, same captions.

Peers: HF `tokenizers` (Rust) for tokenisation; ONNX Runtime for the encoder, running the graph that
minilm_onnx.py builds from the same model.safetensors (padded batches with an attention mask, as
sentence-transformers feeds them). Both encoders are first checked to give the same embeddings (max
|Δ| < 1e-4) on a query and 31 captions. Then one short query (median latency of 50) and batches of 32,
on 1 and 2 threads; prints ours, the peer and the ratio (> 1: ours is faster), in wall-clock and in
process CPU time.

    python3 scripts/bench/minilm.py [--bench .build/release/imgsearch-bench] [--texts 1024] [--threads 1,2]
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
sys.path[:0] = [str(ROOT / "scripts" / "reference"), str(Path(__file__).resolve().parent)]


def captions(limit):
    from minilm_fixtures import clipart_texts
    texts = [t.replace("\n", " ") for t in clipart_texts() if t.strip()]
    return texts[:limit]


def ours(bench, *args):
    out = subprocess.run([bench, "minilm", *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    import numpy as np
    import minilm_onnx
    from minilm_numpy import reference_tokenizer
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=str(ROOT / ".build" / "release" / "imgsearch-bench"))
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",")]
    texts = captions(args.texts)
    tokenizer = reference_tokenizer()
    with tempfile.TemporaryDirectory() as tmp:
        texts_path, onnx_path = os.path.join(tmp, "texts.txt"), os.path.join(tmp, "minilm.onnx")
        Path(texts_path).write_text("\n".join(texts) + "\n")
        minilm_onnx.build(onnx_path)

        # Same embeddings from the same weights.
        embeddings_path = os.path.join(tmp, "ours.json")
        ours(args.bench, texts_path, "--embeddings", embeddings_path)
        mine = json.load(open(embeddings_path))
        theirs = minilm_onnx.session(onnx_path, 1).run(None, minilm_onnx.feeds(tokenizer, mine["texts"]))[0]
        delta = np.abs(np.array(mine["embeddings"]).reshape(theirs.shape) - theirs).max()
        print(json.dumps({"bench": "minilm_check", "max_abs_difference": float(delta), "texts": len(mine["texts"]),
                          "ok": bool(delta < 1e-4)}))

        rows = ours(args.bench, texts_path, "--threads", ",".join(map(str, thread_counts)))
        print(json.dumps({"bench": "kernels", "ours": next(r["note"] for r in rows if r["bench"] == "kernels")}))
        start = time.perf_counter()
        for text in texts:
            tokenizer.encode(text)
        peer_tokenize = len(texts) / (time.perf_counter() - start)
        mine_tokenize = next(r["figures"]["texts_per_s"] for r in rows if r["bench"] == "wordpiece_tokenize")
        print(json.dumps({"bench": "wordpiece_tokenize", "metric": "texts_per_s", "ours": round(mine_tokenize, 1),
                          "peer": round(peer_tokenize, 1), "ratio": round(mine_tokenize / peer_tokenize, 3),
                          "peer_name": "HF tokenizers"}))
        # Wall clock, and CPU time of the process (all threads), which stays comparable when other jobs share
        # the cores; ORT's idle workers spin, which counts against it on 2 threads.
        for threads in thread_counts:
            session = minilm_onnx.session(onnx_path, threads)
            query = ["a red leather handbag"]
            for _ in range(5):
                session.run(None, minilm_onnx.feeds(tokenizer, query))
            walls, cpus = [], []
            for _ in range(50):
                start, cpu = time.perf_counter(), time.process_time()
                session.run(None, minilm_onnx.feeds(tokenizer, query))
                walls.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
            batches = [texts[b * 32:(b + 1) * 32] for b in range(len(texts) // 32)]
            session.run(None, minilm_onnx.feeds(tokenizer, batches[0]))
            start, cpu = time.perf_counter(), time.process_time()
            for batch in batches:
                session.run(None, minilm_onnx.feeds(tokenizer, batch))
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            peer = {"minilm_query": (sorted(walls)[25] * 1000, sorted(cpus)[25] * 1000),
                    "minilm_batch32": (len(batches) * 32 / wall, len(batches) * 32 / cpu)}
            mine = {r["bench"]: r["figures"] for r in rows if r["figures"].get("threads") == threads}
            for bench, key, cpu_key, lower_is_better in [("minilm_query", "ms_median", "cpu_ms_median", True),
                                                         ("minilm_batch32", "sentences_per_s", "sentences_per_cpu_s", False)]:
                (a, a_cpu), (b, b_cpu) = (mine[bench][key], mine[bench][cpu_key]), peer[bench]
                ratio = (lambda x, y: y / x) if lower_is_better else (lambda x, y: x / y)
                print(json.dumps({"bench": bench, "threads": threads, "metric": key, "ours": round(a, 2), "peer": round(b, 2),
                                  "ratio": round(ratio(a, b), 3), "ours_cpu": round(a_cpu, 2), "peer_cpu": round(b_cpu, 2),
                                  "cpu_ratio": round(ratio(a_cpu, b_cpu), 3),
                                  "peer_name": f"ONNX Runtime {__import__('onnxruntime').__version__}, tokenizing included"}))

if __name__ == "__main__":
    main()
