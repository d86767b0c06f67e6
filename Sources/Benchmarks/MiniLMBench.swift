import CKernels
import Foundation
import Tensor
import TextEncoder

/// `imgsearch-bench minilm TEXTS_FILE [--threads 1,2]`: WordPiece and MiniLM speed on one caption per line.
///
/// Prints JSON lines: the kernel path; tokenizer texts/s; then per thread count one short query's latency
/// (median of 50) and sentences/s at batch 32. Each also in CPU time (process user+system), which stays
/// meaningful when other jobs share the cores. `--embeddings OUT.json` instead writes the embeddings of
/// the first 32 texts (for the cross-check with ONNX Runtime). scripts/bench/minilm.py runs the peers.
enum MiniLMBenchmark {
    static let query = "a red leather handbag"

    static func run(_ args: [String]) throws {
        guard let path = args.first else { throw BenchmarkUsage("minilm TEXTS_FILE [--threads 1,2] [--embeddings OUT.json]") }
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        let threadCounts = option("--threads")?.split(separator: ",").compactMap { Int($0) } ?? [1, ProcessInfoCores.count]
        let texts = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard texts.count >= 64 else { throw BenchmarkUsage("need at least 64 texts in \(path), got \(texts.count)") }
        let model = try MiniLM.pretrained()
        if let out = option("--embeddings") {
            let sample = [query] + Array(texts.prefix(31))
            let vectors = model.encode(sample)
            let object: [String: Any] = ["texts": sample, "embeddings": vectors.data.map { Double($0) }]
            return try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: out))
        }
        report("kernels", ["path": Double(CPUKernels.path.rawValue)], note: CPUKernels.summary)

        Parallel.configure(threads: 1)
        let tokenizing = measure { for text in texts { _ = model.tokenizer.encode(text) } }
        report("wordpiece_tokenize", ["texts_per_s": Double(texts.count) / tokenizing.wall,
                                      "texts_per_cpu_s": Double(texts.count) / tokenizing.cpu, "threads": 1])
        for threads in threadCounts {
            Parallel.configure(threads: threads)
            _ = model.encode([query])
            let runs = (0..<50).map { _ in measure { _ = model.encode([query]) } }
            let wall = runs.map(\.wall).sorted(), cpu = runs.map(\.cpu).sorted()
            report("minilm_query", ["ms_median": wall[25] * 1000, "ms_min": wall[0] * 1000, "cpu_ms_median": cpu[25] * 1000,
                                    "threads": Double(threads), "tokens": Double(model.tokenizer.encode(query).count)])
            let batch = 32, batches = texts.count / batch
            _ = model.encode(Array(texts[0..<batch]))
            let run = measure { for b in 0..<batches { _ = model.encode(Array(texts[(b * batch)..<((b + 1) * batch)])) } }
            let sentences = Double(batches * batch)
            report("minilm_batch32", ["sentences_per_s": sentences / run.wall, "sentences_per_cpu_s": sentences / run.cpu,
                                      "threads": Double(threads)])
        }
    }

    /// Wall-clock and process CPU seconds of `body`.
    private static func measure(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuSeconds()
        body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuSeconds() - cpuStart)
    }

    private static func report(_ name: String, _ figures: [String: Double], note: String? = nil) {
        var object: [String: Any] = ["bench": name, "figures": figures]
        if let note { object["note"] = note }
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        print(json)
    }
}
