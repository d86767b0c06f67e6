import Foundation
import Imaging
import JointEmbedding
import Tensor
import VisionEncoder

/// Image→image robustness (issue 4): every catalog image queries the gallery of the originals through an
/// augmented copy — a random crop of 70–90% of each side rescaled back to the original size, then a contrast
/// and brightness jitter of ±20% — and its own original is the one correct answer. Deterministic per seed.
public enum AugmentedImageQueries {
    /// R@K of finding the original, in the three spaces image search could use.
    public struct Report: Codable {
        public var rawFeaturesCosine: RetrievalReport
        public var rawFeaturesEuclidean: RetrievalReport
        public var trainedEmbedding: RetrievalReport
    }

    /// A deterministic augmented copy of `image`.
    public static func augment(_ image: RGBImage, seed: UInt64) -> RGBImage {
        var random = SeededGenerator(seed: seed)
        func unit() -> Double { Double.random(in: 0..<1, using: &random) }
        let width = Double(image.width) * (0.7 + 0.2 * unit()), height = Double(image.height) * (0.7 + 0.2 * unit())
        let x0 = (Double(image.width) - width) * unit(), y0 = (Double(image.height) - height) * unit()
        var copy = image.resampled(from: SourceBox(x0: x0, y0: y0, x1: x0 + width, y1: y0 + height),
                                   width: image.width, height: image.height)
        let contrast = Float(0.8 + 0.4 * unit()), brightness = Float(51 * (unit() - 0.5))
        for i in copy.pixels.indices {
            let value = (Float(copy.pixels[i]) - 127.5) * contrast + 127.5 + brightness
            copy.pixels[i] = UInt8(max(0, min(255, value.rounded())))
        }
        return copy
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
                return augment(original, seed: seed &+ UInt64(i))
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
