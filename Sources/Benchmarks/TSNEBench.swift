import Foundation
import Projection
import Tensor

/// `imgsearch-bench tsne POINTS.f32 N D OUT.f32 [--perplexity P] [--iterations I] [--threads T]`:
/// Barnes–Hut t-SNE on N×D float32 points (raw little-endian), embedding written to OUT.f32 (N×2).
///
/// Prints one JSON line: wall and CPU seconds, final KL. scripts/bench/tsne.py runs scikit-learn on
/// the same points and evaluates both maps' KL with the same P.
enum TSNEBenchmark {
    static func run(_ args: [String]) throws {
        guard args.count >= 4, let n = Int(args[1]), let dimension = Int(args[2]) else {
            throw BenchmarkUsage("tsne POINTS.f32 N D OUT.f32 [--perplexity P] [--iterations I] [--threads T]")
        }
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: args[0]))
        guard bytes.count == n * dimension * 4 else {
            throw BenchmarkUsage("\(args[0]) has \(bytes.count) bytes, expected \(n)×\(dimension)×4")
        }
        let points = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        Parallel.configure(threads: option("--threads").flatMap(Int.init) ?? ProcessInfoCores.count)

        var options = TSNE.Options(perplexity: option("--perplexity").flatMap(Double.init) ?? 30,
                                   iterations: option("--iterations").flatMap(Int.init) ?? 1000, method: .barnesHut)
        options.klInterval = options.iterations  // the KL evaluation is not part of what is timed
        let cpuStart = cpuSeconds(), start = DispatchTime.now().uptimeNanoseconds
        let result = try TSNE.embed(Tensor(shape: [n, dimension], data: points), options: options)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu = cpuSeconds() - cpuStart

        try result.embedding.data.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: args[3]))
        let figures: [String: Double] = ["seconds": wall, "cpu_seconds": cpu, "kl": result.klDivergence,
                                         "threads": Double(Parallel.threads), "n": Double(n), "iterations": Double(options.iterations)]
        let json = try JSONSerialization.data(withJSONObject: ["bench": "tsne", "figures": figures], options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
