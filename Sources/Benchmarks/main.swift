import Foundation

// `imgsearch-bench NAME [args…]`: our side of one benchmark, printing JSON lines that
// scripts/bench/*.py put beside the peer's figures. One file per benchmark in this folder.
let benchmarks: [String: ([String]) throws -> Void] = [
    "encoder": EncoderBench.run,
    "gemm": GemmBenchmark.run,
    "imaging": ImagingBenchmark.run,
    "indexing": IndexingBench.run,
    "label-bridge": LabelBridgeBenchmark.run,
    "minilm": MiniLMBenchmark.run,
    "postgres": PostgresBenchmark.run,
    "search": SearchBenchmark.run,
    "synthetic-index": SyntheticIndexBenchmark.run,
    "training": TrainingBench.run,
    "tsne": TSNEBenchmark.run,
    "whitening": WhiteningBenchmark.run,
]

let args = Array(CommandLine.arguments.dropFirst())
guard let name = args.first, let bench = benchmarks[name] else {
    FileHandle.standardError.write("usage: imgsearch-bench {\(benchmarks.keys.sorted().joined(separator: "|"))} [args…]\n".data(using: .utf8)!)
    exit(2)
}
do {
    try bench(Array(args.dropFirst()))
} catch {
    // A usage or input error is a message and exit status 2, not a crash report.
    FileHandle.standardError.write("imgsearch-bench \(name): \(error)\n".data(using: .utf8)!)
    exit(2)
}
