import Foundation
import Search
import Tensor

/// `imgsearch-bench whitening ROWS.f32 N D OUT.f32 [--components K] [--input-power P] [--threads T]`:
/// fits a PCA whitening to K directions on N×D float32 rows (raw little-endian, memory-mapped) and
/// whitens every row, as `imgsearch index` and the first image query of a snapshot do; the first
/// 500 whitened rows (not normalised) go to OUT.f32 for the parity check.
///
/// Prints one JSON line: fit and apply seconds (wall and CPU), their GFLOP/s, and the peak RSS.
/// scripts/bench/whitening.py runs scikit-learn's PCA(whiten=True) on the same rows.
enum WhiteningBenchmark {
    static func run(_ args: [String]) throws {
        guard args.count >= 4, let n = Int(args[1]), let dimension = Int(args[2]) else {
            throw BenchmarkUsage("whitening ROWS.f32 N D OUT.f32 [--components K] [--input-power P] [--threads T]")
        }
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        let components = option("--components").flatMap(Int.init) ?? 1024
        let inputPower = option("--input-power").flatMap(Float.init) ?? 0
        Parallel.configure(threads: option("--threads").flatMap(Int.init) ?? ProcessInfoCores.count)
        let rows = try VectorMatrix(mappedFile: URL(fileURLWithPath: args[0]), offset: 0, count: n, dimension: dimension)

        var (wall, cpu) = (DispatchTime.now().uptimeNanoseconds, cpuSeconds())
        let whitening = try PCAWhitening.fit(rows, outputDimension: components, inputPower: inputPower)
        let fitWall = Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e9, fitCPU = cpuSeconds() - cpu
        (wall, cpu) = (DispatchTime.now().uptimeNanoseconds, cpuSeconds())
        let whitened = whitening.apply(rows, normalize: false)
        let applyWall = Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e9, applyCPU = cpuSeconds() - cpu

        let kept = min(500, n) * whitening.outputDimension
        try Data(bytes: whitened.baseAddress, count: kept * 4).write(to: URL(fileURLWithPath: args[3]))
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        // Covariance n·d² multiply-adds (2 flops each); projection n·d·k.
        let fitFlops = 2 * Double(n) * Double(dimension) * Double(dimension)
        let applyFlops = 2 * Double(n) * Double(dimension) * Double(whitening.outputDimension)
        let figures: [String: Double] = [
            "fit_seconds": fitWall, "fit_cpu_seconds": fitCPU, "fit_gflops": fitFlops / fitWall / 1e9,
            "apply_seconds": applyWall, "apply_cpu_seconds": applyCPU, "apply_gflops": applyFlops / applyWall / 1e9,
            "peak_rss_mb": Double(usage.ru_maxrss) / 1024, "components": Double(whitening.outputDimension),
            "rows": Double(n), "threads": Double(Parallel.threads),
        ]
        let json = try JSONSerialization.data(withJSONObject: ["bench": "whitening", "figures": figures], options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
