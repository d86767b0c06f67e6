import Foundation
import ImgSearchKit
import Imaging
import IndexStore
import JointEmbedding
import TextEncoder
import Tensor

/// `imgsearch-bench synthetic-index OUT_DIR [--items 70000] [--seed 1] [--bridge]`
///
/// Writes an index of synthetic items through the store's API, for the server load benchmark
/// (scripts/bench/server.sh): a freshly initialised GRU joint model (so text queries pay the
/// real text-encoder cost) in OUT_DIR/model, and OUT_DIR/index with `--items` items whose
/// titles are random product phrases and whose joint vectors are random unit vectors. Every
/// item shares one small PNG. The index records the model, so `imgsearch serve --index
/// OUT_DIR/index` needs nothing else. `--bridge` adds random label-bridge rows (MiniLM's 384 dimensions), so
/// text search fuses them as on a real index (scripts/bench/fused-rows.sh).
enum SyntheticIndexBenchmark {
    static let colors = ["red", "blue", "green", "black", "white", "yellow", "pink", "brown", "grey", "purple", "orange", "navy"]
    static let materials = ["leather", "cotton", "wool", "silk", "denim", "linen", "suede", "canvas", "velvet", "knit"]
    static let things = ["handbag", "dress", "shoe", "boot", "scarf", "hat", "jacket", "shirt", "skirt", "belt",
                         "wallet", "sandal", "coat", "sweater", "backpack", "watch", "sunglasses", "glove", "sock", "tie"]
    static let featureDimension = 64

    static func run(_ args: [String]) throws {
        guard let out = args.first, !out.hasPrefix("-") else {
            throw BenchmarkUsage("synthetic-index OUT_DIR [--items 70000] [--seed 1] [--bridge]")
        }
        func option(_ name: String) -> Int? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil } }
        let count = option("--items") ?? 70_000
        var rng = SeededGenerator(seed: UInt64(option("--seed") ?? 1))
        let root = URL(fileURLWithPath: out)
        let modelDirectory = root.appendingPathComponent("model"), indexDirectory = root.appendingPathComponent("index")
        try? FileManager.default.removeItem(at: indexDirectory)
        try FileManager.default.createDirectory(at: modelDirectory, withIntermediateDirectories: true)

        // MARK: Model: untrained but real, so each text query runs the GRU tower.
        var config = JointModelConfig()
        config.imageFeatureDimension = featureDimension
        let vocabulary = WordVocabulary.build(captions: [colors, materials, things].map { $0.joined(separator: " ") })
        let model = JointModel(config: config, vocabulary: vocabulary, featureMean: .init(repeating: 0, count: featureDimension),
                               featureScale: .init(repeating: 1, count: featureDimension), seed: 7)
        try model.save(to: modelDirectory)

        // MARK: Items, written in batches as the indexer does.
        let image = root.appendingPathComponent("item.png")
        var gradient = [UInt8]()
        for pixel in 0..<(32 * 32) { gradient += [UInt8(pixel % 32 * 8), UInt8(pixel / 32 * 8), 160, 255] }
        try PNGWriter.write(rgba: gradient, width: 32, height: 32, to: image)
        let bridgeDimension = args.contains("--bridge") ? 384 : nil
        let sets = [VectorSetSpec(name: "joint", dimension: config.embeddingDimension),
                    VectorSetSpec(name: "gem", dimension: featureDimension), VectorSetSpec(name: "max", dimension: featureDimension)]
            + (bridgeDimension.map { [VectorSetSpec(name: "bridge", dimension: $0)] } ?? [])
        let store = try SQLiteIndexStore.openForWriting(at: indexDirectory, modelIdentifier: model.identifier, vectorSets: sets)
        let progress = ProgressBar("synthetic items", total: count)
        for start in stride(from: 0, to: count, by: 5000) {
            let batch = (start..<min(start + 5000, count)).map { index -> ItemUpdate in
                let title = "\(colors.randomElement(using: &rng)!) \(materials.randomElement(using: &rng)!) \(things.randomElement(using: &rng)!)"
                let item = IndexItem(id: String(format: "syn-%06d", index), source: "synthetic", title: title,
                                     description: "synthetic item \(index)", category: "synthetic", group: title,
                                     image: image.path, contentHash: String(index))
                var vectors = ["joint": unitVector(config.embeddingDimension, &rng),
                               "gem": unitVector(featureDimension, &rng), "max": unitVector(featureDimension, &rng)]
                if let bridgeDimension { vectors["bridge"] = unitVector(bridgeDimension, &rng) }
                return ItemUpdate(item: item, vectors: vectors)
            }
            try store.upsert(batch)
            progress.advance(by: batch.count)
        }
        progress.finish()
        try ModelRecord.write(modelDirectory: modelDirectory, indexDirectory: indexDirectory)
        print("{\"benchmark\": \"synthetic-index\", \"items\": \(count), \"index\": \"\(indexDirectory.path)\"}")
    }

    /// A random direction: Gaussian components (Box–Muller), normalised.
    static func unitVector(_ dimension: Int, _ rng: inout SeededGenerator) -> [Float] {
        let values = (0..<dimension).map { _ -> Float in
            let u = max(Double.leastNonzeroMagnitude, Double.random(in: 0..<1, using: &rng)), v = Double.random(in: 0..<1, using: &rng)
            return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }
}
