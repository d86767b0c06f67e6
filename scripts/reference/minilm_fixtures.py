#!/usr/bin/env python3
"""Parity fixtures for the Swift WordPiece tokenizer and MiniLM encoder (Tests/TextEncoderTests/Fixtures).

- wordpiece_parity.json: real captions (Open Clip Art titles/descriptions, CLDR emoji annotations in
  English and a dozen other scripts) plus Unicode edge cases, each with the token ids of the reference
  HF `tokenizers` package (tokenizer.json, truncation at max_seq_length 256, no padding).
- wordpiece_scalars.txt: how the reference treats every Unicode scalar c inside "x{c}y", run-length
  encoded as "<first scalar hex><class>": D dropped or stripped, W whitespace, S split off on its own
  (punctuation, CJK), J joined into the word.
- minilm_embeddings.safetensors: a few dozen sentences' embeddings from the independent numpy model
  (scripts/reference/minilm_numpy.py); the texts ride in the metadata as a JSON list.

    python3 scripts/reference/minilm_fixtures.py      # needs `make setup` (assets, openclipart, cldr)
"""
import glob
import html
import json
import random
import re
import struct
import unicodedata
from pathlib import Path

import numpy as np

from minilm_numpy import MAX_SEQ_LENGTH, NumpyMiniLM, reference_tokenizer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "TextEncoderTests" / "Fixtures"
CLDR = Path("/usr/share/unicode/cldr/common/annotations")
CLIPART = Path("/usr/share/openclipart/svg")
OTHER_LANGUAGES = ["fr", "de", "es", "pl", "vi", "el", "ru", "ar", "he", "hi", "th", "ja", "zh", "ko"]


# MARK: corpus

def clipart_texts():
    texts = set()
    for path in sorted(glob.glob(str(CLIPART / "**" / "*.svg"), recursive=True)):
        svg = Path(path).read_text(encoding="utf-8", errors="replace")
        work = re.search(r"<cc:Work[^>]*>(.*?)</cc:Work>", svg, re.S)
        if not work:
            continue
        for tag in ("title", "description"):
            m = re.search(r"<dc:%s>(.*?)</dc:%s>" % (tag, tag), work.group(1), re.S)
            if m and m.group(1).strip():
                texts.add(html.unescape(m.group(1).strip()))
    return sorted(texts)


def cldr_texts(language, limit):
    path = CLDR / f"{language}.xml"
    if not path.exists():
        return []
    xml = path.read_text(encoding="utf-8")
    found = []
    for cp, attrs, body in re.findall(r'<annotation cp="([^"]*)"([^>]*)>([^<]*)</annotation>', xml):
        body = html.unescape(body)
        found.append(f"{html.unescape(cp)} {body}" if "tts" in attrs else body)
    return random.Random(language).sample(found, min(limit, len(found)))


def edge_cases(captions):
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis" * 3
    cases = [
        "", " ", "\t\n\r ", "Hello, World!", "HELLO world", "don't stop-believing... (really?)",
        "café crème brûlée naïve façade Ångström Øresund", "İstanbul ΣΑΣ straße ǅungla ᾈ", "ﬁne ﬂower ½ ² ™",
        "e\u0301 a\u0300\u0316 n\u0303o combining marks", "Z\u0351\u036b\u0343\u036a\u0302a\u0361l\u0325g\u0353o",
        "汉字 mixed 日本語のテキスト 한국어 텍스트", "a\U0002B820a a\U0002B920a a\U00020000a a\U0002F800a a\uF900a",
        "emoji 😀👍🏽 👨‍👩‍👧 🇫🇷 🥲 ❤️ ☕", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060word",
        "control\x00chars\x01\x07\x1b[31m\x7f\x85here\ufffd", "lines\u2028and\u2029paragraphs\u00a0nbsp\u3000ideo",
        "private \ue000\U000F0000\U0010FFFD use", "unassigned \u0378\U000E0080\U0003FFFD chars",
        "tags \U000E0001\U000E0067\U000E0062 here", "math 𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ∑∫√∞ ≤≥", "«quotes» “smart” ‘single’ ‚low‛ ‹›",
        "symbols $5 €10 £3 ¥ 50% #tag @user ^caret `tick` ~tilde |pipe| <angle> {brace}",
        "hello [SEP] world [MASK] [mask] [CLS][PAD][UNK]x", "a" * 100, "b" * 101, long_word,
        "x" * 99 + "é", "ab" * 51, "Ⅻ ⅻ ① ⑴ ⒜", "ΑΒΓ αβγ Ωmega ωmega", "Привет, мир! Ёлка ёлка",
        "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Tiếng Việt có dấu",
        "ﾊﾝｶｸ ｶﾀｶﾅ ＦＵＬＬＷＩＤＴＨ １２３", "tab\tsep\u000bvt\u000cff", "…—–‐‑‒―", "🏳️‍🌈 🧑🏿‍🚀 🫠 🪿",
        "ligature Ǆ ǅ ǆ Ǳ ǲ ǳ", "dotless ı I i İ", "final sigma ΟΔΟΣ οδος", "Ḁḁ ẞ ß ſ K Å",
    ]
    rng = random.Random(7)
    long_text = " ".join(rng.sample(captions, 120))          # > 256 tokens: exercises truncation
    cases += [long_text, long_text.upper(), "word " * 300]
    # a few probes per general category and plane: "x{c}y" reveals drop / space / split / join
    by_category = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        key = (unicodedata.category(chr(cp)), cp >> 16)
        by_category.setdefault(key, []).append(cp)
    probes = []
    for key in sorted(by_category):
        members = by_category[key]
        seed = sum(map(ord, key[0])) * 31 + key[1]
        for cp in random.Random(seed).sample(members, min(6, len(members))):
            probes.append(f"x{chr(cp)}y")
    for start in range(0, len(probes), 24):
        cases.append(" ".join(probes[start:start + 24]))
    return cases


def scalar_classes(tokenizer):
    x, y, continued_y = tokenizer.token_to_id("x"), tokenizer.token_to_id("y"), tokenizer.token_to_id("##y")
    scalars = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    runs, previous = [], None
    for start in range(0, len(scalars), 50000):
        chunk = scalars[start:start + 50000]
        for c, encoding in zip(chunk, tokenizer.encode_batch(["x%sy" % chr(c) for c in chunk], add_special_tokens=False)):
            ids = encoding.ids
            kind = ("D" if ids == [x, continued_y] else "W" if ids == [x, y]
                    else "S" if len(ids) == 3 and ids[0] == x and ids[2] == y else "J")
            if kind != previous:
                runs.append("%x%s" % (c, kind))
                previous = kind
    return runs


# MARK: writers

def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset, blobs = 0, []
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(data.shape), "data_offsets": [offset, offset + data.nbytes]}
        offset += data.nbytes
        blobs.append(data.tobytes())
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    head += b" " * ((8 - (len(head) + 8) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tokenizer = reference_tokenizer()
    captions = clipart_texts()
    english = cldr_texts("en", 1200)
    others = [t for lang in OTHER_LANGUAGES for t in cldr_texts(lang, 25)]
    texts = captions + english + others + edge_cases(captions)
    cases = [{"text": t, "ids": tokenizer.encode(t).ids} for t in texts]
    fixture = {
        "source": "HF tokenizers %s, tokenizer.json of all-MiniLM-L6-v2, truncation %d, no padding"
                  % (__import__("tokenizers").__version__, MAX_SEQ_LENGTH),
        "maxLength": MAX_SEQ_LENGTH,
        "cases": cases,
    }
    path = OUT / "wordpiece_parity.json"
    path.write_text(json.dumps(fixture, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{path}: {len(cases)} texts ({len(captions)} clip-art, {len(english)} CLDR en, {len(others)} CLDR other), "
          f"{sum(len(c['ids']) for c in cases)} ids, {path.stat().st_size // 1024} KB")

    runs = scalar_classes(tokenizer)
    path = OUT / "wordpiece_scalars.txt"
    path.write_text(" ".join(runs) + "\n", encoding="ascii")
    print(f"{path}: {len(runs)} runs of scalar classes, {path.stat().st_size // 1024} KB")

    rng = random.Random(11)
    sentences = ["a cup of coffee", "a cat", "a rocket", "red leather handbag", "", "Hello, World!",
                 "café crème brûlée", "汉字 mixed 日本語", "emoji 😀👍🏽 ☕", " ".join(rng.sample(captions, 120))]
    sentences += rng.sample(captions, 22) + rng.sample(english, 8)
    embeddings = NumpyMiniLM().encode(sentences, tokenizer)
    path = OUT / "minilm_embeddings.safetensors"
    write_safetensors(path, {"embeddings": embeddings.astype(np.float32)},
                      {"texts": json.dumps(sentences, ensure_ascii=False),
                       "source": "scripts/reference/minilm_numpy.py (float64 numpy), ids from HF tokenizers"})
    print(f"{path}: {len(sentences)} sentences, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
