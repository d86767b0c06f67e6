import Foundation
import JointEmbedding
import Tensor

/// `imgsearch-bench training [--pairs N] [--words W] [--threads T] [--epochs E]`: triplet-training
/// throughput of the default GRU model (bi-GRU 256, words 128, embedding 256, batch 64, hardest
/// negatives) on a synthetic catalog shaped like the demo training split (1280-d features).
enum TrainingBench {
    static func run(_ args: [String]) throws {
        func value(_ flag: String, _ fallback: Int) -> Int {
            args.firstIndex(of: flag).flatMap { args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil } ?? fallback
        }
        let pairs = value("--pairs", 2048), words = value("--words", 24)
        let threads = value("--threads", 2), epochs = value("--epochs", 2)
        Parallel.configure(threads: threads)
        let catalog = try SyntheticPairs.make(groups: pairs / 2, perGroup: 2, featureDimension: 1280,
                                              wordsPerCaption: words, seed: 1)
        let stats = ImageHead.standardization(of: catalog.pairs.features.data, rows: catalog.pairs.count, width: 1280)
        let model = JointModel(config: JointModelConfig(), vocabulary: catalog.vocabulary, featureMean: stats.mean,
                               featureScale: stats.scale, seed: 1)
        var options = TrainingOptions()
        options.warmupEpochs = 0
        let trainer = JointTrainer(model: model, options: options)
        var seconds: [Double] = []
        for _ in 0..<epochs { seconds.append(try trainer.trainEpoch(catalog.pairs).seconds) }
        let median = seconds.sorted()[seconds.count / 2]
        let line: [String: Any] = [
            "benchmark": "training", "implementation": "imgsearch (Swift, hand-written backward, OpenBLAS)",
            "pairs": catalog.pairs.count, "words_per_caption": words, "threads": threads,
            "seconds_per_epoch": median, "triplets_per_second": Double(catalog.pairs.count) / median,
            "default_run_seconds_20_epochs": median * 20,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
