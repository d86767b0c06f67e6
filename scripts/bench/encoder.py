#!/usr/bin/env python3
"""Image-encoder benchmark: our EfficientNet-Lite0 (imgsearch-bench encoder) beside ONNX Runtime.

The ONNX graph is built here with the `onnx` package from the same .pth (read by the numpy reference,
batch norms folded, TF "SAME" padding as explicit asymmetric pads). Both sides are first checked to give
the same features on the reference inputs; then images/s at batch 1 and 32 with 1 and 2 threads, the
ratio ours/ORT, sgemm GFLOP/s and the encoder's GFLOP/s, and peak memory at batch 32 (separate processes).

    python3 scripts/bench/encoder.py [--bench .build/release/imgsearch-bench] [--runs 5]
"""
import argparse, json, math, os, platform, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "reference"))
WEIGHTS = ROOT / "assets" / "efficientnet-lite0-57934424.pth"


# MARK: ONNX graph from the checkpoint

def build_onnx(path):
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    from efficientnet_numpy import STAGES, read_legacy_checkpoint
    t = read_legacy_checkpoint(WEIGHTS)
    nodes, inits = [], []
    size = [224]

    def fold(conv, bnp):
        w = t[conv + ".weight"]
        g, b, m, v = (t[bnp + s] for s in (".weight", ".bias", ".running_mean", ".running_var"))
        scale = g / np.sqrt(v + 1e-3)
        return (w * scale[:, None, None, None]).astype(np.float32), (b - m * scale).astype(np.float32)

    def conv(x, name, conv_key, bn_key, stride, groups=1, relu6=True):
        w, b = fold(conv_key, bn_key)
        k = w.shape[2]
        h = size[0]
        out = math.ceil(h / stride)
        pad = max((out - 1) * stride + k - h, 0)
        inits.extend([numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")])
        nodes.append(helper.make_node("Conv", [x, name + "_w", name + "_b"], [name], strides=[stride, stride],
                                      pads=[pad // 2, pad // 2, pad - pad // 2, pad - pad // 2], group=groups,
                                      kernel_shape=[k, k]))
        size[0] = out
        if relu6:
            nodes.append(helper.make_node("Clip", [name, "zero", "six"], [name + "_r"]))
            return name + "_r"
        return name

    inits += [numpy_helper.from_array(np.array(0, np.float32), "zero"), numpy_helper.from_array(np.array(6, np.float32), "six")]
    x = conv("input", "stem", "_conv_stem", "_bn0", 2)
    index = 0
    for repeats, k, s, e, cin, cout in STAGES:
        for r in range(repeats):
            p = f"_blocks.{index}."
            inp = x
            stride = s if r == 0 else 1
            if e != 1:
                x = conv(x, f"b{index}_expand", p + "_expand_conv", p + "_bn0", 1)
            x = conv(x, f"b{index}_dw", p + "_depthwise_conv", p + "_bn1", stride, groups=t[p + "_depthwise_conv.weight"].shape[0])
            x = conv(x, f"b{index}_project", p + "_project_conv", p + "_bn2", 1, relu6=False)
            if stride == 1 and (cin if r == 0 else cout) == cout:
                nodes.append(helper.make_node("Add", [x, inp], [f"b{index}_add"]))
                x = f"b{index}_add"
            index += 1
    x = conv(x, "head", "_conv_head", "_bn1", 1)
    nodes.append(helper.make_node("GlobalMaxPool", [x], ["max4"]))
    nodes.append(helper.make_node("Flatten", ["max4"], ["max_pooled"]))
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["avg4"]))
    nodes.append(helper.make_node("Flatten", ["avg4"], ["avg"]))
    inits += [numpy_helper.from_array(t["_fc.weight"].astype(np.float32), "fc_w"),
              numpy_helper.from_array(t["_fc.bias"].astype(np.float32), "fc_b")]
    nodes.append(helper.make_node("Gemm", ["avg", "fc_w", "fc_b"], ["logits"], transB=1))
    graph = helper.make_graph(nodes, "efficientnet_lite0",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])],
                              [helper.make_tensor_value_info("max_pooled", TensorProto.FLOAT, ["N", 1280]),
                               helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def nchw(n):
    import numpy as np
    from efficientnet_numpy import synthetic_input
    return np.ascontiguousarray(np.transpose(synthetic_input(n, 224), (0, 3, 1, 2)))


# MARK: Runs

BLAS_CORE = None


def blas_environment():
    """OpenBLAS 0.3.21 does not know Zen 4/5 and falls back to its AVX2 (Haswell) kernels; on CPUs with
    AVX-512 (unless OPENBLAS_CORETYPE or --blas-core says otherwise) we select its SkylakeX kernels,
    as ORT's MLAS picks AVX-512 itself."""
    env = dict(os.environ)
    if BLAS_CORE:
        env["OPENBLAS_CORETYPE"] = BLAS_CORE
    elif "OPENBLAS_CORETYPE" not in env and " avx512f" in open("/proc/cpuinfo").read():
        env["OPENBLAS_CORETYPE"] = "SkylakeX"
    return env


KERNELS = []


def ours(bench, *args):
    out = subprocess.run([bench, "encoder", *args], check=True, capture_output=True, text=True, cwd=ROOT,
                         env=blas_environment()).stdout
    KERNELS.extend(line for line in out.splitlines() if line.startswith("kernels:") and line not in KERNELS)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def peak_memory_ort(onnx_path, batch, threads):
    code = (f"import sys; sys.path[:0]={[str(ROOT / 'scripts' / 'bench'), str(ROOT / 'scripts' / 'reference')]!r};"
            f"import encoder as e; s=e.session({onnx_path!r},{threads}); s.run(None, {{'input': e.nchw({batch})}});"
            "print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0]/1024)")
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()[-1])


def main():
    import numpy as np
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=str(ROOT / ".build" / "release" / "imgsearch-bench"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--blas-core", help="OPENBLAS_CORETYPE for our side, e.g. SkylakeX or Haswell")
    a = parser.parse_args()
    global BLAS_CORE
    BLAS_CORE = a.blas_core
    a.bench = os.path.abspath(a.bench)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"machine: {os.cpu_count()} cores, {cpu}; OpenBLAS core type: {blas_environment().get('OPENBLAS_CORETYPE', 'auto')}")
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "lite0.onnx")
        build_onnx(onnx_path)

        # Same features on the same inputs.
        features_path = os.path.join(tmp, "ours.json")
        ours(a.bench, "--features", features_path)
        mine = json.load(open(features_path))
        max_pooled, logits = session(onnx_path, 2).run(None, {"input": nchw(2)})
        dmax = np.abs(np.array(mine["maxPooled"]) - max_pooled.reshape(-1)).max()
        dlog = np.abs(np.array(mine["logits"]) - logits.reshape(-1)).max()
        flags = sorted({f for l in open("/proc/cpuinfo") if l.startswith("flags") for f in l.split()[2:]
                        if f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq")})
        print(f"CPU flags: {' '.join(flags)}; ours: {KERNELS[0] if KERNELS else 'kernels: not reported'}")
        print(f"features check: max|Δ max-pooled| = {dmax:.2e}, max|Δ logits| = {dlog:.2e}  "
              f"({'OK' if dmax < 1e-3 and dlog < 1e-3 else 'MISMATCH'})")

        # Ours and ORT alternate configuration by configuration (ours in a fresh process each time), so a
        # change in the machine's load during the run hits both sides of a ratio alike.
        # img/CPU-s: images per second of process CPU time (all threads), steadier than wall clock when
        # other work shares the cores; ORT's idle workers spin, which counts against it at 2 threads.
        rows, sgemm = [], {}
        for threads in (1, 2):
            for batch in (1, 32):
                figures = ours(a.bench, "--runs", str(a.runs), "--batches", str(batch), "--threads", str(threads))
                f = next(f["figures"] for f in figures if f["bench"] == "encoder")
                sgemm[threads] = next(f["figures"]["gflops"] for f in figures if f["bench"] == "sgemm")
                s = session(onnx_path, threads)
                x = nchw(batch)
                s.run(None, {"input": x})
                passes = max(a.runs, 32 // batch * a.runs // 2)
                cpu = time.process_time()
                times = sorted(timed(lambda: s.run(None, {"input": x})) for _ in range(passes))
                cpu = time.process_time() - cpu
                ort_rate = batch / times[len(times) // 2]
                rows.append(f"{batch:>5} {threads:>3} {f['images_per_s']:>11.1f} {ort_rate:>10.1f} "
                            f"{f['images_per_s'] / ort_rate:>6.2f} {f['gflops']:>13.1f} {f['images_per_cpu_s']:>15.1f} "
                            f"{batch * passes / cpu:>14.1f}")
        for threads, gflops in sgemm.items():
            print(f"sgemm (1568×1152×192) {threads} thread(s): {gflops:.1f} GFLOP/s")
        print(f"{'batch':>5} {'thr':>3} {'ours img/s':>11} {'ORT img/s':>10} {'ratio':>6} {'ours GFLOP/s':>13} "
              f"{'ours img/CPU-s':>15} {'ORT img/CPU-s':>14}")
        print("\n".join(rows))
        mem = ours(a.bench, "--peak-memory", "32", "--threads", "2")[0]["figures"]["peak_rss_mb"]
        print(f"peak RSS at batch 32, 2 threads: ours {mem:.0f} MB, ORT {peak_memory_ort(onnx_path, 32, 2):.0f} MB")


def timed(body):
    start = time.perf_counter()
    body()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
