#!/usr/bin/env python3
"""Independent numpy reference for torchvision's Bottleneck ResNet. Generates a narrow ResNet
([3, 4, 6, 3] blocks like ResNet50, base width 4, 10 classes) with seeded random weights, saves it
as a zip-format PyTorch checkpoint (float16 storages, to keep the fixture small) and writes the
expected pooled features and logits of two synthetic inputs.

    python3 scripts/reference/resnet_numpy.py Tests/VisionEncoderTests/Fixtures
"""
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
import torch_pickle as tp
from efficientnet_numpy import synthetic_input

BLOCKS, WIDTH, CLASSES, EPS = [3, 4, 6, 3], 4, 10, 1e-5


def generate(rng):
    t = {}

    def conv(name, out, inp, k):
        t[name + ".weight"] = rng.normal(0, np.sqrt(2 / (inp * k * k)), (out, inp, k, k))

    def bn(name, c):
        t[name + ".weight"] = rng.uniform(0.5, 1.5, c)
        t[name + ".bias"] = rng.normal(0, 0.1, c)
        t[name + ".running_mean"] = rng.normal(0, 0.1, c)
        t[name + ".running_var"] = rng.uniform(0.5, 2.0, c)
        t[name + ".num_batches_tracked"] = np.array(100)

    conv("conv1", WIDTH, 3, 7); bn("bn1", WIDTH)
    channels = WIDTH
    for stage, count in enumerate(BLOCKS):
        planes = WIDTH << stage
        for i in range(count):
            p = f"layer{stage + 1}.{i}."
            conv(p + "conv1", planes, channels, 1); bn(p + "bn1", planes)
            conv(p + "conv2", planes, planes, 3); bn(p + "bn2", planes)
            conv(p + "conv3", planes * 4, planes, 1); bn(p + "bn3", planes * 4)
            if i == 0:
                conv(p + "downsample.0", planes * 4, channels, 1); bn(p + "downsample.1", planes * 4)
            channels = planes * 4
    t["fc.weight"] = rng.normal(0, 1 / np.sqrt(channels), (CLASSES, channels))
    t["fc.bias"] = rng.normal(0, 0.1, CLASSES)
    # Store as float16 and compute with exactly the stored values.
    return {k: (v.astype(np.float16).astype(np.float64) if v.dtype != np.int64 else v) for k, v in t.items()}


def conv(x, w, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    oh, ow = (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for ky in range(k):
        for kx in range(k):
            out += np.einsum("nchw,oc->nohw", x[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride], w[:, :, ky, kx])
    return out


def bn(x, t, p):
    g, b, m, v = (t[p + s][None, :, None, None] for s in (".weight", ".bias", ".running_mean", ".running_var"))
    return (x - m) / np.sqrt(v + EPS) * g + b


def maxpool(x):
    x = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    oh, ow = (x.shape[2] - 3) // 2 + 1, (x.shape[3] - 3) // 2 + 1
    return np.max([x[:, :, ky:ky + 2 * oh:2, kx:kx + 2 * ow:2] for ky in range(3) for kx in range(3)], axis=0)


def forward(t, images_nhwc):
    relu = lambda v: np.maximum(v, 0)
    x = np.transpose(images_nhwc.astype(np.float64), (0, 3, 1, 2))
    x = maxpool(relu(bn(conv(x, t["conv1.weight"], 2, 3), t, "bn1")))
    for stage, count in enumerate(BLOCKS):
        for i in range(count):
            p = f"layer{stage + 1}.{i}."
            stride = 2 if stage > 0 and i == 0 else 1
            y = relu(bn(conv(x, t[p + "conv1.weight"], 1, 0), t, p + "bn1"))
            y = relu(bn(conv(y, t[p + "conv2.weight"], stride, 1), t, p + "bn2"))
            y = bn(conv(y, t[p + "conv3.weight"], 1, 0), t, p + "bn3")
            shortcut = bn(conv(x, t[p + "downsample.0.weight"], stride, 0), t, p + "downsample.1") if i == 0 else x
            x = relu(y + shortcut)
    avg = x.mean(axis=(2, 3))
    return x, avg, avg @ t["fc.weight"].T + t["fc.bias"]


def main():
    out = sys.argv[1]
    t = generate(np.random.default_rng(20))
    state = {k: tp.contiguous(str(i), v.astype(np.int64 if v.dtype == np.int64 else np.float16)) for i, (k, v) in enumerate(t.items())}
    tp.write_zip(os.path.join(out, "resnet_narrow.pth"), state, archive="resnet_narrow")
    fmap, avg, logits = forward(t, synthetic_input(2, 64))
    flat = fmap.reshape(fmap.shape[0], fmap.shape[1], -1)
    with open(os.path.join(out, "resnet_narrow_parity.json"), "w") as f:
        json.dump({"input": "synthetic_input(2, 64) of efficientnet_numpy.py", "mapShape": list(fmap.shape),
                   "maxPooled": np.round(flat.max(axis=2), 6).tolist(), "avgPooled": np.round(avg, 6).tolist(),
                   "logits": np.round(logits, 6).tolist()}, f)
    print("feature map", fmap.shape, "logits", np.round(logits[0], 3))


if __name__ == "__main__":
    main()
