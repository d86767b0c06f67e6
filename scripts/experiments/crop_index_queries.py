#!/usr/bin/env python3
"""Image→image search on an index built plain and one built with `--crop-to-content`, through the CLI.

    imgsearch index --catalog data/demo/catalog.jsonl --model models/demo --index indexes/demo
    imgsearch index --catalog data/demo/catalog.jsonl --model models/demo --index indexes/crop --crop-to-content
    python3 scripts/experiments/crop_index_queries.py --data data/demo --index plain=indexes/demo --index crop=indexes/crop

Prints, per index, R@1/5/10 of two tasks: more like a validation item (`search --id`: a hit is another item of
its group anywhere in the index), on each validation split; and each photo of `val-photos.jsonl` pasted on a
white square twice its size (`search --image-queries`: a hit is the photo itself). Needs Pillow.
"""
import argparse, json, os, subprocess, tempfile
from PIL import Image


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def search(binary, args):
    out = subprocess.run([binary, "search", *args, "-k", "10", "--json"], capture_output=True, text=True, check=True).stdout
    return [[r["id"] for r in json.loads(line)["results"]] for line in out.splitlines()]


def recalls(answers):
    """answers: one list of booleans (hit at rank r) per query."""
    return " / ".join(f"{sum(any(a[:k]) for a in answers) / len(answers):.3f}" for k in (1, 5, 10))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--index", action="append", required=True, help="NAME=DIR, more than once")
    parser.add_argument("--binary", default=".build/release/imgsearch")
    args = parser.parse_args()
    indexes = dict(entry.split("=", 1) for entry in args.index)
    group_of = {item["id"]: item.get("group", "") for item in lines(os.path.join(args.data, "catalog.jsonl"))}
    members = {}
    for item_id, group in group_of.items():
        if group:
            members[group] = members.get(group, 0) + 1

    for split in ("val-photos.jsonl", "val.jsonl"):
        queries = [q["id"] for q in lines(os.path.join(args.data, split)) if members.get(q.get("group", ""), 0) >= 2]
        for name, index in indexes.items():
            answers = [[group_of.get(i) == group_of[q] for i in search(args.binary, ["--index", index, "--id", q])[0]] for q in queries]
            print(f"more like this item, {split}, {name}: {len(queries)} queries, R@1/5/10 {recalls(answers)}", flush=True)

    photos = lines(os.path.join(args.data, "val-photos.jsonl"))
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for photo in photos:
            image = Image.open(os.path.join(args.data, photo["image"])).convert("RGB")
            side = 2 * max(image.size)
            canvas = Image.new("RGB", (side, side), (255, 255, 255))
            canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
            paths.append(os.path.join(scratch, f"{len(paths)}.png"))
            canvas.save(paths[-1])
        query_file = os.path.join(scratch, "queries.txt")
        with open(query_file, "w") as f:
            f.write("\n".join(paths) + "\n")
        for name, index in indexes.items():
            results = search(args.binary, ["--index", index, "--image-queries", query_file])
            answers = [[i == photo["id"] for i in ids] for photo, ids in zip(photos, results)]
            print(f"bordered photo finds itself, {name}: {len(photos)} queries, R@1/5/10 {recalls(answers)}", flush=True)


if __name__ == "__main__":
    main()
