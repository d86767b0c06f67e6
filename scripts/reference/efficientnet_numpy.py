#!/usr/bin/env python3
"""Independent numpy reference for EfficientNet-Lite0: reads the legacy PyTorch checkpoint
with Python's own pickle (no torch), runs the network in float64 NCHW with TF "SAME" padding,
and writes the parity fixtures used by the Swift tests.

    python3 scripts/reference/efficientnet_numpy.py assets/efficientnet-lite0-57934424.pth \
        Tests/VisionEncoderTests/Fixtures/efficientnet_lite0_parity.json
"""
import collections, json, math, pickle, struct, sys
import numpy as np

DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "DoubleStorage": np.float64, "LongStorage": np.int64}


def read_legacy_checkpoint(path):
    """state dict name -> numpy array, following torch/serialization.py's legacy layout."""
    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda storage, offset, size, stride, *rest: ("tensor", storage, offset, size, stride)
            if module == "torch" and name in DTYPES:
                return name
            raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

        def persistent_load(self, pid):
            _, storage_type, key, _location, count, *_ = pid
            return (storage_type, key, count)

    with open(path, "rb") as f:
        assert pickle.load(f) == 0x1950A86A20F9469CFC6C, "bad magic"
        assert pickle.load(f) == 1001
        pickle.load(f)  # sys info
        state = Unpickler(f).load()
        keys = pickle.load(f)
        storages = {}
        dtypes = {v[1][1]: DTYPES[v[1][0]] for v in state.values()}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            storages[key] = np.frombuffer(f.read(count * np.dtype(dtypes[key]).itemsize), dtype=dtypes[key])
    tensors = collections.OrderedDict()
    for name, (_, (stype, key, _), offset, size, stride) in state.items():
        base = storages[key]
        itemsize = base.itemsize
        view = np.lib.stride_tricks.as_strided(base[offset:], shape=size, strides=[s * itemsize for s in stride])
        tensors[name] = np.array(view, dtype=np.float64)
    return tensors


# MARK: layers (NCHW, float64)

def same_pad(x, k, s):
    h, w = x.shape[2:]
    out_h, out_w = math.ceil(h / s), math.ceil(w / s)
    ph = max((out_h - 1) * s + k - h, 0)
    pw = max((out_w - 1) * s + k - w, 0)
    return np.pad(x, ((0, 0), (0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))


def conv(x, weight, stride):
    k = weight.shape[2]
    x = same_pad(x, k, stride)
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, weight.shape[0], oh, ow))
    for ky in range(k):
        for kx in range(k):
            patch = x[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
            out += np.einsum("nchw,oc->nohw", patch, weight[:, :, ky, kx])
    return out


def depthwise(x, weight, stride):
    k = weight.shape[2]
    x = same_pad(x, k, stride)
    n, c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for ky in range(k):
        for kx in range(k):
            out += x[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride] * weight[None, :, 0, ky, kx, None, None]
    return out


def bn(x, t, prefix, eps=1e-3):
    g, b, m, v = (t[prefix + s] for s in (".weight", ".bias", ".running_mean", ".running_var"))
    return (x - m[None, :, None, None]) / np.sqrt(v[None, :, None, None] + eps) * g[None, :, None, None] + b[None, :, None, None]


relu6 = lambda x: np.clip(x, 0, 6)
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


def forward(t, x_nhwc):
    x = np.transpose(x_nhwc.astype(np.float64), (0, 3, 1, 2))
    x = relu6(bn(conv(x, t["_conv_stem.weight"], 2), t, "_bn0"))
    index = 0
    for repeats, k, s, e, cin, cout in STAGES:
        for r in range(repeats):
            p = f"_blocks.{index}."
            inp = x
            if e != 1:
                x = relu6(bn(conv(x, t[p + "_expand_conv.weight"], 1), t, p + "_bn0"))
            x = relu6(bn(depthwise(x, t[p + "_depthwise_conv.weight"], s if r == 0 else 1), t, p + "_bn1"))
            x = bn(conv(x, t[p + "_project_conv.weight"], 1), t, p + "_bn2")
            if (s if r == 0 else 1) == 1 and inp.shape == x.shape:
                x = x + inp
            index += 1
    x = relu6(bn(conv(x, t["_conv_head.weight"], 1), t, "_bn1"))
    avg = x.mean(axis=(2, 3))
    logits = avg @ t["_fc.weight"].T + t["_fc.bias"]
    return x, avg, logits


def synthetic_input(n, size):
    """Deterministic test images, mirrored in the Swift test: sin of a pixel/channel/image pattern."""
    y, x, c = np.meshgrid(np.arange(size), np.arange(size), np.arange(3), indexing="ij")
    images = [np.sin(0.031 * (y + 1) * (c + 1) + 0.017 * x * (i + 2) + 0.5 * i) for i in range(n)]
    return np.stack(images).astype(np.float32)


def main():
    weights_path, fixture_path = sys.argv[1], sys.argv[2]
    t = read_legacy_checkpoint(weights_path)
    images = synthetic_input(2, 224)
    fmap, avg, logits = forward(t, images)
    flat = fmap.reshape(fmap.shape[0], fmap.shape[1], -1)
    gem = np.mean(np.maximum(flat, 1e-6) ** 3, axis=2) ** (1 / 3)
    probe = [0, 1, 7, 100, 640, 1279]
    fixture = {
        "input": "sin(0.031*(y+1)*(c+1) + 0.017*x*(n+2) + 0.5*n), NHWC 2x224x224x3",
        "logits": np.round(logits, 6).tolist(),
        "top5": [list(map(int, np.argsort(-row)[:5])) for row in logits],
        "featureIndices": probe,
        "maxPooled": np.round(flat.max(axis=2)[:, probe], 6).tolist(),
        "avgPooled": np.round(avg[:, probe], 6).tolist(),
        "gemPooled": np.round(gem[:, probe], 6).tolist(),
        "weightProbes": {name: [float(t[name].flat[i]) for i in (0, 1, 5, t[name].size - 1)]
                         for name in ("_conv_stem.weight", "_blocks.3._depthwise_conv.weight",
                                      "_blocks.15._project_conv.weight", "_fc.weight", "_bn1.running_var")},
    }
    with open(fixture_path, "w") as f:
        json.dump(fixture, f)
    print("top5", fixture["top5"], "written", fixture_path)


if __name__ == "__main__":
    main()
