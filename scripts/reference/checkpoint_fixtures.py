#!/usr/bin/env python3
"""Small PyTorch checkpoints (legacy + zip) with offsets, strides, shared storages and several
dtypes, plus their expected values, for Tests/WeightsTests.

    python3 scripts/reference/checkpoint_fixtures.py Tests/WeightsTests/Fixtures
"""
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
import torch_pickle as tp


def state():
    shared = tp.Storage("0", np.arange(24, dtype=np.float32) * 0.5 - 3)
    return {
        "conv.weight": tp.View(shared, 0, (2, 3, 2, 2), (12, 4, 2, 1)),          # contiguous
        "transposed": tp.View(shared, 1, (3, 4), (1, 3)),                         # offset + column-major strides
        "channels_last": tp.View(shared, 0, (2, 3, 2, 2), (1, 2, 12, 6)),         # TF-converted layout
        "half": tp.contiguous("1", np.array([[1.5, -2.25], [65504, 0.0009765625]], dtype=np.float16)),
        "double": tp.contiguous("2", np.array([np.pi, -1e-8, 12345.678], dtype=np.float64)),
        "bn.num_batches_tracked": tp.contiguous("3", np.array(7, dtype=np.int64)),
        "broadcast": tp.View(tp.Storage("4", np.array([4.0, 5.0], dtype=np.float32)), 1, (2, 3), (0, 0)),
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    s = state()
    tp.write_legacy(os.path.join(out, "tiny_legacy.pth"), s)
    tp.write_zip(os.path.join(out, "tiny_zip.pth"), s, archive="tiny_zip")
    expected = {name: {"shape": list(v.shape), "values": [float(x) for x in v.numpy().astype(np.float64).reshape(-1)]}
                for name, v in s.items()}
    expected["order"] = list(s)
    with open(os.path.join(out, "tiny_expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
