import Foundation
import Tensor

/// Why training stopped early.
public struct TrainingError: Error, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Trains a `JointModel` on in-memory pairs, one epoch at a time, with the triplet loss.
///
/// Everything random (batch order, negatives, dropout) draws from one `SeededGenerator`
/// whose state is part of the checkpoint, so a resumed run continues exactly as an unbroken one.
public final class JointTrainer {
    public let model: JointModel
    public let options: TrainingOptions
    public let optimizer: AdamOptimizer
    public internal(set) var rng: SeededGenerator
    /// Epochs completed.
    public internal(set) var epoch = 0

    public init(model: JointModel, options: TrainingOptions) {
        self.model = model
        self.options = options
        optimizer = AdamOptimizer(parameters: model.parameters, settings: options.optimizer)
        rng = SeededGenerator(seed: options.seed ^ 0x7472_6169_6E69_6E67)  // distinct from the init stream
    }

    public struct EpochStatistics: Codable, Sendable {
        public var epoch: Int
        public var loss: Double
        public var activeFraction: Double
        public var triplets: Int
        public var seconds: Double
        public var negatives: NegativeSampling
    }

    // MARK: Epoch

    /// One pass over `pairs` in a random order; `progress(n)` after each batch of n pairs.
    public func trainEpoch(_ pairs: TrainingPairs, progress: (Int) -> Void = { _ in }) throws -> EpochStatistics {
        let start = Date()
        let loss = TripletLoss(margin: options.margin, negatives: options.negatives(inEpoch: epoch), symmetric: options.symmetric)
        var lossSum = 0.0, activeSum = 0.0, batches = 0, triplets = 0
        for batch in randomBatches(pairs) {
            guard batch.count >= 2 else { progress(batch.count); continue }
            let result = try step(batch, pairs: pairs, loss: loss)
            lossSum += Double(result.loss); activeSum += Double(result.activeFraction)
            batches += 1; triplets += batch.count
            progress(batch.count)
        }
        epoch += 1
        return EpochStatistics(epoch: epoch, loss: lossSum / Double(max(batches, 1)),
                               activeFraction: activeSum / Double(max(batches, 1)), triplets: triplets,
                               seconds: Date().timeIntervalSince(start), negatives: loss.negatives)
    }

    /// A random epoch order cut into batches. (Length-bucketed batches padded less but measured
    /// worse with hardest negatives on the demo split: R@10 0.157 vs 0.180, so batches stay random.)
    func randomBatches(_ pairs: TrainingPairs) -> [[Int]] {
        let order = rng.permutation(pairs.count)
        return stride(from: 0, to: order.count, by: options.batchSize).map {
            Array(order[$0..<min($0 + options.batchSize, order.count)])
        }
    }

    /// Forward, loss, backward and one Adam update on the rows `batch` of `pairs`.
    public func step(_ batch: [Int], pairs: TrainingPairs, loss: TripletLoss) throws -> TripletLoss.Result {
        let width = pairs.featureDimension, dimension = model.embeddingDimension, rows = batch.count
        let variant = pairs.featureVariants.isEmpty ? nil : pairs.featureVariants
        var features = [Float](repeating: 0, count: rows * width)
        for (r, item) in batch.enumerated() {
            // Pick the original or one augmented copy per item (only when variants exist, so the
            // random stream of a plain run does not depend on this feature).
            let pick = variant.map { rng.nextInt(below: $0.count + 1) } ?? 0
            let source = pick == 0 ? pairs.features : variant![pick - 1]
            for j in 0..<width { features[r * width + j] = source.data[item * width + j] }
        }
        let imageTrace = model.imageHead.forward(features, rows: rows, dropoutWith: &rng)
        // Text side: the GRU runs forward here; a frozen encoder's rows were embedded (unit length) up front.
        let textTrace = model.textTower?.forward(batch.map { pairs.captions[$0] })
        var images = imageTrace.output
        var texts = textTrace?.output ?? batch.flatMap { i in Array(pairs.textEmbeddings!.data[i * dimension..<(i + 1) * dimension]) }
        var imageNorms: [Float] = [], textNorms: [Float] = []
        if model.config.normalize {
            (images, imageNorms) = L2Normalization.forward(images, rows: rows, width: dimension)
            if textTrace != nil { (texts, textNorms) = L2Normalization.forward(texts, rows: rows, width: dimension) }
        }
        let result = loss.evaluate(images: images, texts: texts, groups: batch.map { pairs.groups[$0] },
                                   dimension: dimension, rng: &rng)
        guard result.loss.isFinite else {
            throw TrainingError("loss became \(result.loss) in epoch \(epoch + 1); lower --lr or check the features for NaN/inf")
        }
        var imageGradient = result.imageGradient
        if model.config.normalize {
            imageGradient = L2Normalization.backward(output: images, norms: imageNorms, outputGradient: imageGradient, rows: rows, width: dimension)
        }
        model.imageHead.backward(imageTrace, outputGradient: imageGradient)
        if let textTower = model.textTower, let textTrace {
            var textGradient = result.textGradient
            if model.config.normalize {
                textGradient = L2Normalization.backward(output: texts, norms: textNorms, outputGradient: textGradient, rows: rows, width: dimension)
            }
            textTower.backward(textTrace, outputGradient: textGradient)
        }
        let norm = optimizer.apply()
        guard norm.isFinite else {
            throw TrainingError("gradient norm became \(norm) in epoch \(epoch + 1); the update was skipped — lower --lr")
        }
        return result
    }
}
