import Foundation
import Tensor
import VisionEncoder

/// `imgsearch-bench encoder [--batches 1,32] [--threads 1,2] [--runs N]`: EfficientNet-Lite0 images/s.
///
/// Prints JSON lines: the machine's sgemm GFLOP/s (measured now, per thread count), then images/s and
/// achieved GFLOP/s per (batch, threads), median of `--runs` timed passes after a warm-up.
/// `--features FILE` instead writes pooled features and logits of the reference inputs (for the ORT
/// cross-check); `--peak-memory N` runs one batch of N and reports the process's peak RSS.
/// scripts/bench/encoder.py runs ONNX Runtime beside it on the same weights and inputs.
enum EncoderBench {
    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        func list(_ name: String, _ fallback: [Int]) -> [Int] { option(name)?.split(separator: ",").compactMap { Int($0) } ?? fallback }
        let model = try EfficientNetLite0.pretrained()
        print(CPUKernels.summary)

        if let path = option("--features") { return try writeFeatures(model, to: path) }
        if let batch = option("--peak-memory").flatMap(Int.init) {
            Parallel.configure(threads: list("--threads", [ProcessInfoCores.count]).first ?? 2)
            _ = model.forward(syntheticInput(count: batch, size: 224))
            return report("encoder_peak_memory", ["batch": Double(batch), "peak_rss_mb": peakResidentMegabytes()])
        }

        let runs = Int(option("--runs") ?? "") ?? 5
        let threadCounts = list("--threads", [1, 2]), batches = list("--batches", [1, 32])
        let flopsPerImage = 2 * Double(model.multiplyAccumulates(height: 224, width: 224))
        for threads in threadCounts {
            Parallel.configure(threads: threads)
            for batch in batches {
                let input = syntheticInput(count: batch, size: 224)
                _ = model.forward(input)
                let passes = max(runs, 32 / batch * runs / 2)
                let cpuStart = processCPUSeconds()
                let times = (0..<passes).map { _ in seconds { _ = model.forward(input) } }.sorted()
                let cpu = processCPUSeconds() - cpuStart
                let imagesPerSecond = Double(batch) / times[times.count / 2]
                report("encoder", ["batch": Double(batch), "threads": Double(threads), "images_per_s": imagesPerSecond,
                                   "images_per_cpu_s": Double(batch * passes) / cpu,
                                   "gflops": imagesPerSecond * flopsPerImage / 1e9, "gflop_per_image": flopsPerImage / 1e9])
            }
        }
        // After the encoder: OpenBLAS's threads busy-wait for a while after a multithreaded call, which
        // would be charged to the next encoder run's CPU time.
        for threads in threadCounts {
            Parallel.configure(threads: threads)
            report("sgemm", ["threads": Double(threads), "gflops": sgemmGFLOPs()])
        }
    }

    // MARK: Pieces

    /// The inputs of scripts/reference/efficientnet_numpy.py `synthetic_input`.
    static func syntheticInput(count: Int, size: Int) -> Tensor {
        var data = [Float](repeating: 0, count: count * size * size * 3)
        var i = 0
        for n in 0..<count { for y in 0..<size { for x in 0..<size { for c in 0..<3 {
            data[i] = Float(sin(0.031 * Double((y + 1) * (c + 1)) + 0.017 * Double(x * (n + 2)) + 0.5 * Double(n)))
            i += 1
        } } } }
        return Tensor(shape: [count, size, size, 3], data: data)
    }

    private static func writeFeatures(_ model: EfficientNetLite0, to path: String) throws {
        let output = model.forward(syntheticInput(count: 2, size: 224))
        let object: [String: Any] = ["maxPooled": output.maxPooled.data.map { Double($0) },
                                     "logits": (output.logits?.data ?? []).map { Double($0) }]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// sgemm throughput on the shape of Lite0's widest 1×1 convolution at batch 32 (M = 32·7·7 pixels).
    private static func sgemmGFLOPs() -> Double {
        let (m, n, k) = (1568, 1152, 192)
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let product = { BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n) }
        product()
        let times = (0..<20).map { _ in seconds(product) }.sorted()
        return 2 * Double(m * n * k) / times[times.count / 2] / 1e9
    }

    /// VmHWM of this process. Not `getrusage`'s ru_maxrss, which a child inherits from a large parent across fork/exec.
    private static func peakResidentMegabytes() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    /// CPU time of the whole process (all threads): on a loaded machine, images per CPU-second still
    /// compares kernels when wall-clock rates mostly measure the other processes.
    private static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private static func report(_ name: String, _ figures: [String: Double]) {
        let json = (try? JSONSerialization.data(withJSONObject: ["bench": name, "figures": figures], options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        print(json)
    }
}
