import Foundation
import Imaging
import JointEmbedding
import Tensor
import VisionEncoder

/// Image→image robustness: every catalog image queries the gallery of the originals through an
/// augmented copy (`ImageAugmentation.evaluationQuery`: a random crop of 70–90% of each side rescaled back to
/// the original size, then a contrast and brightness jitter of ±20%) and its own original is the one correct
/// answer. Deterministic per seed.
public enum AugmentedImageQueries {
    /// R@K of finding the original, in the three spaces image search could use.
    public struct Report: Codable {
        public var rawFeaturesCosine: RetrievalReport
        public var rawFeaturesEuclidean: RetrievalReport
        public var trainedEmbedding: RetrievalReport
    }

    /// Runs the backbone over augmented copies of `data`'s images; nil when there are fewer than two images.
    public static func evaluate(model: JointModel, backbone: Backbone, data: CatalogFeatures,
                                seed: UInt64 = 20_261_126, batchSize: Int = 32) throws -> Report? {
        let count = data.items.count
        guard count >= 2 else { return nil }
        let width = backbone.featureDimension
        var queryMax = [Float](), queryGeM = [Float]()
        queryMax.reserveCapacity(count * width)
        queryGeM.reserveCapacity(count * width)
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = min(count, start + batchSize)
            let copies = try (start..<end).map { i in
                let original = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: data.items[i].image),
                                                       hintSize: backbone.preprocessing.size)
                return ImageAugmentation.evaluationQuery.apply(original, seed: seed &+ UInt64(i))
            }
            let output = backbone.forward(ImageBatch.make(copies, backbone.preprocessing))
            queryMax += output.maxPooled.data
            queryGeM += output.gemPooled.data
        }
        let rawQueries = Tensor(shape: [count, width], data: queryMax)
        let pooledQueries = model.config.pooling == "gem" ? Tensor(shape: [count, width], data: queryGeM) : rawQueries

        func originalFound(_ queries: Tensor, _ gallery: Tensor) -> RetrievalReport {
            let distances = RetrievalMetrics.squaredDistances(queries, gallery)
            let ranks = RetrievalMetrics.firstCorrectRanks(distances, queries: count, gallery: count, correct: { $0 == $1 })
            return RetrievalMetrics.report(ranks: ranks, correctCounts: Array(repeating: 1, count: count),
                                           galleryCounts: Array(repeating: count, count: count))
        }
        func unit(_ t: Tensor) -> Tensor {
            Tensor(shape: t.shape, data: L2Normalization.forward(t.data, rows: t.shape[0], width: t.shape[1]).y)
        }
        return Report(
            rawFeaturesCosine: originalFound(unit(rawQueries), unit(data.maxPooled)),
            rawFeaturesEuclidean: originalFound(rawQueries, data.maxPooled),
            trainedEmbedding: originalFound(model.embedImages(features: pooledQueries),
                                            model.embedImages(features: data.features(pooling: model.config.pooling))))
    }
}
