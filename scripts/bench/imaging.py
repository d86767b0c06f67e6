#!/usr/bin/env python3
"""Image decode + preprocessing benchmark: ours (imgsearch-bench imaging) vs Pillow + numpy.

Both decode the same 500x500 JPEG photos (crops of scikit-image's sample photos, quality 90) and
produce the 224x224 normalised EfficientNet-Lite input (centre crop, antialiased bilinear,
(x-127)/128), one thread, with JPEG DCT downscaling (Pillow's draft mode). Prints images/s in
wall and CPU time for both and the ratios.

usage: scripts/bench/imaging.py [--bench .build/release/imgsearch-bench] [--repeat 10]
"""
import argparse, json, os, subprocess, tempfile, time
import numpy as np
import skimage.data
from PIL import Image


def photos(directory):
    paths = []
    for name in ["astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "coins"]:
        img = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        side = min(img.size)
        img = img.crop(((img.width - side) // 2, (img.height - side) // 2, (img.width + side) // 2, (img.height + side) // 2))
        path = os.path.join(directory, f"{name}.jpg")
        img.resize((500, 500), Image.BICUBIC).save(path, quality=90)
        paths.append(path)
    return paths


def pillow_pass(paths):
    for path in paths:
        img = Image.open(path)
        img.draft("RGB", (224, 224))
        img = img.convert("RGB")
        side = min(img.size)
        box = ((img.width - side) / 2, (img.height - side) / 2, (img.width + side) / 2, (img.height + side) / 2)
        x = np.asarray(img.resize((224, 224), Image.BILINEAR, box=box), dtype=np.float32)
        _ = (x - 127) / 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=".build/release/imgsearch-bench")
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = photos(tmp)
        ours = json.loads(subprocess.run([args.bench, "imaging", *paths, "--repeat", str(args.repeat)],
                                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])["figures"]
        pillow_pass(paths)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.repeat):
            pillow_pass(paths)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(paths) * args.repeat
    print(json.dumps({
        "bench": "imaging", "images": n, "size": "500x500 JPEG -> 224", "threads": 1,
        "ours_images_per_s": ours["images_per_s"], "pillow_images_per_s": n / wall,
        "ours_images_per_cpu_s": ours["images_per_cpu_s"], "pillow_images_per_cpu_s": n / cpu,
        "ratio": ours["images_per_s"] / (n / wall), "cpu_ratio": ours["images_per_cpu_s"] / (n / cpu),
    }))


if __name__ == "__main__":
    main()
