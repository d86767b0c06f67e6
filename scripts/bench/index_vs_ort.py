#!/usr/bin/env python3
"""End-to-end indexing: `imgsearch index` beside an ONNX Runtime + Pillow pipeline on the same images.

Ours: the whole `imgsearch index` command on a catalog of the first N images, with an empty feature cache
(hash, decode, resize, EfficientNet-Lite0, heads, store + fsync, whitening); the label bridge's class-name
embeddings, made once per cache folder, are made before the timed run. The peer: Pillow decodes each
image, crops the central square and resizes it to 224×224 (antialiased, as ours), normalises it, and ONNX
Runtime runs the same network (encoder.py's graph from the same weights) in batches of 32. The peer does
less than ours (no hashing, no heads, no store): the ratio is a lower bound. Prints images/s, process CPU
time per image, and the ratio (> 1: ours is faster).

    python3 scripts/bench/index_vs_ort.py [--catalog data/demo/catalog.jsonl] [--model models/demo] [--images 512]
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "scripts" / "bench"), str(ROOT / "scripts" / "reference")]


def subset(catalog, count, out):
    """The first `count` items with an image, image paths made absolute."""
    rows = []
    for line in open(catalog):
        item = json.loads(line)
        if "image" in item:
            item["image"] = str((Path(catalog).parent / item["image"]).resolve())
            rows.append(item)
        if len(rows) == count:
            break
    Path(out).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return [r["image"] for r in rows]


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peer(paths, threads, onnx_path):
    import numpy as np
    from PIL import Image
    import encoder
    session = encoder.session(onnx_path, threads)

    def load(path):
        image = Image.open(path).convert("RGB")
        w, h = image.size
        side = min(w, h)
        box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
        pixels = np.asarray(image.resize((224, 224), Image.BILINEAR, box=box), dtype=np.float32)
        return ((pixels - 127) / 128).transpose(2, 0, 1)

    session.run(None, {"input": np.stack([load(paths[0])])})
    start, cpu = time.perf_counter(), time.process_time()
    for b in range(0, len(paths), 32):
        session.run(None, {"input": np.ascontiguousarray(np.stack([load(p) for p in paths[b:b + 32]]))})
    return time.perf_counter() - start, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", default=str(ROOT / "data" / "demo" / "catalog.jsonl"))
    parser.add_argument("--model", default=str(ROOT / "models" / "demo"))
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "imgsearch"))
    args = parser.parse_args()
    for needed in (args.catalog, args.model):
        if not os.path.exists(needed):
            sys.exit(f"index_vs_ort.py: {needed} is missing (make demo builds data/demo and models/demo)")
    with tempfile.TemporaryDirectory() as tmp:
        catalog = os.path.join(tmp, "catalog.jsonl")
        paths = subset(args.catalog, args.images, catalog)
        onnx_path = os.path.join(tmp, "lite0.onnx")
        import encoder
        encoder.build_onnx(onnx_path)
        cache = os.path.join(tmp, "cache")
        env = dict(os.environ, IMGSEARCH_CACHE=cache)
        # The label bridge's class-name embeddings are made once per cache folder (~3 s, kept beside the
        # feature cache): make them with a one-image index, then empty the feature cache itself.
        one = os.path.join(tmp, "one.jsonl")
        subset(args.catalog, 1, one)
        subprocess.run([args.binary, "index", "--catalog", one, "--model", args.model, "--index", os.path.join(tmp, "one"),
                        "--quiet"], env=env, check=True, capture_output=True)
        for name in os.listdir(cache):
            if name.startswith("features.sqlite"):
                os.remove(os.path.join(cache, name))
        command = [args.binary, "index", "--catalog", catalog, "--model", args.model, "--index", os.path.join(tmp, "index"),
                   "--threads", str(args.threads), "--quiet", "--verbose"]
        start, cpu = time.perf_counter(), children_cpu()
        run = subprocess.run(command, env=env, capture_output=True, text=True)
        ours_wall, ours_cpu = time.perf_counter() - start, children_cpu() - cpu
        if run.returncode != 0:
            sys.exit(f"imgsearch index failed ({run.returncode}): {run.stderr.strip()}")
        kernels = next((l for l in run.stderr.splitlines() if "kernels:" in l), "kernels: not reported")
        peer_wall, peer_cpu = peer(paths, args.threads, onnx_path)
    n = len(paths)
    print(f"{n} images, {args.threads} threads; ours: {kernels.replace('imgsearch: ', '')}")
    print(f"{'':28} {'img/s':>8} {'CPU ms/img':>11}")
    print(f"{'imgsearch index':28} {n / ours_wall:8.1f} {1000 * ours_cpu / n:11.1f}")
    print(f"{'ONNX Runtime + Pillow':28} {n / peer_wall:8.1f} {1000 * peer_cpu / n:11.1f}")
    print(f"ratio (ours / peer): {peer_wall / ours_wall:.2f} wall, {peer_cpu / ours_cpu:.2f} CPU time")


if __name__ == "__main__":
    main()
