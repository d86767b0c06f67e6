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
    ///
    /// Each image head of an ensemble sees the same batch with its own dropout and its own loss; the loss
    /// reported (and minimised) is their mean, so a GRU text tower learns from all of them at once. The result
    /// holds that mean loss and active fraction and the mean text gradient; image gradients stay in the heads.
    public func step(_ batch: [Int], pairs: TrainingPairs, loss: TripletLoss) throws -> TripletLoss.Result {
        let dimension = model.embeddingDimension, rows = batch.count
        let features = batchFeatures(batch, pairs: pairs)
        // Text side: the GRU runs forward here; a frozen encoder's rows were embedded (unit length) up front.
        let textTrace = model.textTower?.forward(batch.map { pairs.captions[$0] })
        var texts = textTrace?.output ?? batchTextEmbeddings(batch, pairs: pairs)
        var textNorms: [Float] = []
        if model.config.normalize, textTrace != nil {
            (texts, textNorms) = L2Normalization.forward(texts, rows: rows, width: dimension)
        }
        let groups = batch.map { pairs.groups[$0] }
        let heads = model.imageHeads, weight = 1 / Float(heads.count)
        var results = [TripletLoss.Result?](repeating: nil, count: heads.count)
        if heads.count == 1 {
            results[0] = trainHead(heads[0], features: features, texts: texts, groups: groups, loss: loss, weight: weight, rng: &rng)
        } else {
            // An ensemble's heads run side by side, each on one OpenBLAS thread with a random stream of its
            // own seeded from the trainer's, so the outcome does not depend on the thread count.
            var streams = heads.map { _ in SeededGenerator(seed: rng.next()) }
            BLAS.withThreads(1) {
                results.withUnsafeMutableBufferPointer { out in
                    streams.withUnsafeMutableBufferPointer { streams in
                        let (out, streams) = (out, streams)
                        Parallel.forEach(heads.count) { k in
                            out[k] = trainHead(heads[k], features: features, texts: texts, groups: groups, loss: loss,
                                               weight: weight, rng: &streams[k])
                        }
                    }
                }
            }
        }
        var total = TripletLoss.Result(loss: 0, activeFraction: 0, imageGradient: [], textGradient: [Float](repeating: 0, count: texts.count))
        for result in results.map({ $0! }) {
            guard result.loss.isFinite else {
                throw TrainingError("loss became \(result.loss) in epoch \(epoch + 1); lower --lr or check the features for NaN/inf")
            }
            total.loss += result.loss * weight
            total.activeFraction += result.activeFraction * weight
            for i in total.textGradient.indices { total.textGradient[i] += result.textGradient[i] * weight }
        }
        if let textTower = model.textTower, let textTrace {
            var textGradient = total.textGradient
            if model.config.normalize {
                textGradient = L2Normalization.backward(output: texts, norms: textNorms, outputGradient: textGradient, rows: rows, width: dimension)
            }
            textTower.backward(textTrace, outputGradient: textGradient)
        }
        let norm = optimizer.apply()
        guard norm.isFinite else {
            throw TrainingError("gradient norm became \(norm) in epoch \(epoch + 1); the update was skipped — lower --lr")
        }
        return total
    }

    /// One head's forward (with dropout), loss and backward; its image gradient is scaled by `weight` (1 / heads)
    /// and accumulated in the head. A non-finite loss is returned as it is, with nothing accumulated.
    private func trainHead(_ head: ImageHead, features: [Float], texts: [Float], groups: [Int], loss: TripletLoss,
                           weight: Float, rng: inout SeededGenerator) -> TripletLoss.Result {
        let dimension = model.embeddingDimension, rows = groups.count
        let trace = head.forward(features, rows: rows, dropoutWith: &rng)
        var images = trace.output, imageNorms: [Float] = []
        if model.config.normalize { (images, imageNorms) = L2Normalization.forward(images, rows: rows, width: dimension) }
        let result = loss.evaluate(images: images, texts: texts, groups: groups, dimension: dimension, rng: &rng)
        guard result.loss.isFinite else { return result }
        var imageGradient = result.imageGradient.map { $0 * weight }
        if model.config.normalize {
            imageGradient = L2Normalization.backward(output: images, norms: imageNorms, outputGradient: imageGradient, rows: rows, width: dimension)
        }
        head.backward(trace, outputGradient: imageGradient)
        return result
    }

    /// The batch's feature rows: per item the original or (when variants exist) one augmented copy.
    private func batchFeatures(_ batch: [Int], pairs: TrainingPairs) -> [Float] {
        gatherRows(batch, from: pairs.features, variants: pairs.featureVariants)
    }

    /// The batch's frozen caption embeddings: per item the caption or (when there are text views) one of its
    /// other phrasings, e.g. the title alone.
    private func batchTextEmbeddings(_ batch: [Int], pairs: TrainingPairs) -> [Float] {
        gatherRows(batch, from: pairs.textEmbeddings!, variants: pairs.textVariants)
    }

    /// Rows `batch` of `original`, each replaced by the same row of a random variant now and then. Draws from
    /// the random stream only when variants exist, so a plain run's stream does not depend on them.
    private func gatherRows(_ batch: [Int], from original: Tensor, variants: [Tensor]) -> [Float] {
        let width = original.shape[1]
        var rows = [Float](repeating: 0, count: batch.count * width)
        rows.withUnsafeMutableBufferPointer { out in
            for (r, item) in batch.enumerated() {
                let pick = variants.isEmpty ? 0 : rng.nextInt(below: variants.count + 1)
                (pick == 0 ? original : variants[pick - 1]).data.withUnsafeBufferPointer { source in
                    out.baseAddress!.advanced(by: r * width).update(from: source.baseAddress!.advanced(by: item * width), count: width)
                }
            }
        }
        return rows
    }
}
