#!/usr/bin/env python3
"""Independent numpy reference of all-MiniLM-L6-v2 sentence embeddings (no torch).

BERT encoder (post-LayerNorm, GELU with erf), mean pooling over real tokens, L2 normalisation,
as sentence-transformers runs it. Computed in float64 so that it serves as ground truth for the
float32 Swift implementation. Token ids come from the reference HF `tokenizers` package.

    python3 scripts/reference/minilm_numpy.py "a cup of coffee" "a cat"   # prints cosines between them
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256          # sentence_bert_config.json
HEADS = 12
LAYER_NORM_EPS = 1e-12

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """name -> numpy array, parsed by hand from the documented layout (8-byte header length, JSON, data)."""
    raw = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    base = 8 + header_len
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(raw[base + begin:base + end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return out


def reference_tokenizer(max_length=MAX_SEQ_LENGTH):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(ASSETS / "tokenizer.json"))
    tok.no_padding()                       # tokenizer.json pads to 128; sentence-transformers pads per batch
    tok.enable_truncation(max_length)      # and truncates at max_seq_length, not 128
    return tok


def _layer_norm(x, weight, bias):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


_erf = np.vectorize(math.erf)


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


class NumpyMiniLM:
    def __init__(self, weights_path=ASSETS / "model.safetensors"):
        self.w = {k: v.astype(np.float64) for k, v in read_safetensors(weights_path).items()}
        self.layers = 1 + max(int(k.split(".")[2]) for k in self.w if k.startswith("encoder.layer."))

    def _linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed_ids(self, ids):
        """ids: list[int] of one sequence (with [CLS]/[SEP]); returns the L2-normalised sentence vector."""
        w = self.w
        ids = np.asarray(ids)
        t = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        hidden = x.shape[1]
        head_dim = hidden // HEADS
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = self._linear(x, p + "attention.self.query").reshape(t, HEADS, head_dim).transpose(1, 0, 2)
            k = self._linear(x, p + "attention.self.key").reshape(t, HEADS, head_dim).transpose(1, 0, 2)
            v = self._linear(x, p + "attention.self.value").reshape(t, HEADS, head_dim).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(1, 0, 2).reshape(t, hidden)
            x = _layer_norm(self._linear(context, p + "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            inner = _gelu(self._linear(x, p + "intermediate.dense"))
            x = _layer_norm(self._linear(inner, p + "output.dense") + x,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = x.mean(axis=0)     # one unpadded sequence: every token is real
        return pooled / np.linalg.norm(pooled)

    def encode(self, texts, tokenizer=None):
        tokenizer = tokenizer or reference_tokenizer()
        return np.stack([self.embed_ids(tokenizer.encode(s).ids) for s in texts])


if __name__ == "__main__":
    texts = sys.argv[1:] or ["a cup of coffee", "a cat", "a rocket"]
    e = NumpyMiniLM().encode(texts)
    print(np.round(e @ e.T, 4))
