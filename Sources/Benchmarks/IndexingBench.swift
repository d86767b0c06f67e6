import Catalog
import Foundation
import ImgSearchKit
import JointEmbedding
import Tensor
import TextEncoder
import VisionEncoder

/// `imgsearch-bench indexing CATALOG [--model DIR] [--images N] [--batch-size B] [--runs R]`:
/// end-to-end indexing throughput (hash, decode, resize, encode, embed, store + fsync) beside the
/// bare encoder on ready-made tensors of the same batch size, measured alternately in one run.
///
/// Each pipeline run indexes the first N catalog images into a fresh index with no feature cache,
/// so every image goes through the CNN. Without --model an untrained joint model of the default
/// shape stands in (the head costs the same). Prints the median of R runs of each and the
/// pipeline overhead, (encoder − pipeline) / encoder.
enum IndexingBench {
    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil } }
        guard let catalogPath = args.first, !catalogPath.hasPrefix("--") else {
            throw BenchmarkUsage("indexing CATALOG [--model DIR] [--images N] [--batch-size B] [--runs R]")
        }
        let imageCount = Int(option("--images") ?? "") ?? 256
        let batchSize = Int(option("--batch-size") ?? "") ?? 32
        let runs = Int(option("--runs") ?? "") ?? 3
        let items = Array(try CatalogLoader.load(URL(fileURLWithPath: catalogPath)).items.prefix(imageCount))
        let backbone = try EfficientNetLite0.pretrained()
        let model = try option("--model").map { try JointModel.load(from: URL(fileURLWithPath: $0)) } ?? untrainedModel()

        let input = EncoderBench.syntheticInput(count: batchSize, size: 224)
        _ = backbone.forward(input)
        var encoderRates: [Double] = [], pipelineRates: [Double] = []
        for _ in 0..<runs {
            let batches = max(1, items.count / batchSize)
            encoderRates.append(Double(batches * batchSize) / seconds { for _ in 0..<batches { _ = backbone.forward(input) } })
            pipelineRates.append(try indexOnce(items, backbone: backbone, model: model, batchSize: batchSize))
        }
        let encoder = median(encoderRates), pipeline = median(pipelineRates)
        let json = try JSONSerialization.data(withJSONObject: [
            "bench": "indexing",
            "figures": ["images": Double(items.count), "batch": Double(batchSize), "threads": Double(Parallel.threads),
                        "encoder_images_per_s": encoder, "pipeline_images_per_s": pipeline,
                        "overhead_percent": 100 * (encoder - pipeline) / encoder],
        ], options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Indexes `items` into a scratch directory; returns images per second.
    private static func indexOnce(_ items: [CatalogItem], backbone: Backbone, model: JointModel, batchSize: Int) throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("indexing-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let extractor = FeatureExtractor(backbone: backbone, cache: nil, batchSize: batchSize)
        let indexer = try Indexer(model: model, extractor: extractor)
        let store = try indexer.openStore(at: directory)
        let summary = try indexer.index(items, into: store, options: .init(showProgress: false))
        return Double(items.count) / summary.seconds
    }

    private static func untrainedModel() -> JointModel {
        JointModel(config: JointModelConfig(), vocabulary: WordVocabulary(words: ["image"]),
                   featureMean: [Float](repeating: 0, count: 1280), featureScale: [Float](repeating: 1, count: 1280), seed: 1)
    }

    private static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
