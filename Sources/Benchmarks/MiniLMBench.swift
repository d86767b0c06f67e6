import Foundation
import Tensor
import TextEncoder

/// `imgsearch-bench minilm TEXTS_FILE [--threads N]`: WordPiece and MiniLM speed on one caption per line.
///
/// Prints JSON lines: tokenizer texts/s; one short query's latency on one thread (median of 50);
/// sentences/s at batch 32 and 64 on `--threads`. Each also in CPU time (process user+system), which
/// stays meaningful when other jobs share the cores. scripts/bench/minilm.py runs the peers beside it.
enum MiniLMBenchmark {
    static func run(_ args: [String]) throws {
        guard let path = args.first else { throw BenchmarkUsage("minilm TEXTS_FILE [--threads N]") }
        let threads = args.firstIndex(of: "--threads").flatMap { Int(args[($0 + 1)...].first ?? "") } ?? ProcessInfoCores.count
        let texts = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard texts.count >= 64 else { throw BenchmarkUsage("need at least 64 texts in \(path), got \(texts.count)") }
        let model = try MiniLM.pretrained()

        Parallel.configure(threads: 1)
        let tokenizing = measure { for text in texts { _ = model.tokenizer.encode(text) } }
        report("wordpiece_tokenize", ["texts_per_s": Double(texts.count) / tokenizing.wall,
                                      "texts_per_cpu_s": Double(texts.count) / tokenizing.cpu, "threads": 1])

        let query = "a red leather handbag"
        _ = model.encode([query])
        let runs = (0..<50).map { _ in measure { _ = model.encode([query]) } }
        let wall = runs.map(\.wall).sorted(), cpu = runs.map(\.cpu).sorted()
        report("minilm_query", ["ms_median": wall[25] * 1000, "ms_min": wall[0] * 1000, "cpu_ms_median": cpu[25] * 1000,
                                "threads": 1, "tokens": Double(model.tokenizer.encode(query).count)])

        Parallel.configure(threads: threads)
        for batch in [32, 64] {
            let batches = texts.count / batch
            let run = measure { for b in 0..<batches { _ = model.encode(Array(texts[(b * batch)..<((b + 1) * batch)])) } }
            let sentences = Double(batches * batch)
            report("minilm_batch\(batch)", ["sentences_per_s": sentences / run.wall, "sentences_per_cpu_s": sentences / run.cpu,
                                             "threads": Double(threads)])
        }
    }

    /// Wall-clock and process CPU seconds of `body`.
    private static func measure(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuSeconds()
        body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuSeconds() - cpuStart)
    }

    private static func report(_ name: String, _ figures: [String: Double]) {
        let json = (try? JSONSerialization.data(withJSONObject: ["bench": name, "figures": figures], options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        print(json)
    }
}
