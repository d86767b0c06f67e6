import TextEncoder
import Tensor

/// The original design's text encoder: word embedding → (bi)GRU over the sequence → max over time → dense.
///
/// The backward direction runs the same GRU code on each caption reversed in place (padding
/// stays at the end), which is exact here because max pooling ignores the order of steps.
public final class GRUTextTower {
    public let embedding: WordEmbedding
    public let forwardGRU: GRU
    public let backwardGRU: GRU?
    public let projection: Dense

    public init(vocabularySize: Int, wordDimension: Int, hiddenSize: Int, bidirectional: Bool,
                outputDimension: Int, rng: inout SeededGenerator) {
        embedding = WordEmbedding(name: "text.embedding", vocabularySize: vocabularySize, dimension: wordDimension, rng: &rng)
        forwardGRU = GRU(name: "text.gru_forward", inputSize: wordDimension, hiddenSize: hiddenSize, rng: &rng)
        backwardGRU = bidirectional
            ? GRU(name: "text.gru_backward", inputSize: wordDimension, hiddenSize: hiddenSize, rng: &rng) : nil
        projection = Dense(name: "text.projection", inputSize: hiddenSize * (bidirectional ? 2 : 1),
                           outputSize: outputDimension, rng: &rng)
    }

    public var parameters: [Parameter] {
        [embedding.table] + forwardGRU.parameters + (backwardGRU?.parameters ?? []) + projection.parameters
    }

    public var outputDimension: Int { projection.outputSize }

    /// Everything the backward pass reuses.
    public struct Trace {
        var batch: Int, steps: Int, lengths: [Int]
        var ids: [[Int32]]  // per direction, [batch × steps]
        var recurrences: [GRU.Trace]
        var winners: [[Int32]]
        var pooled: [Float]  // [batch, directions × H]
        public var output: [Float]
    }

    // MARK: Forward

    /// Encodes token sequences (each non-empty) → [batch, outputDimension] (not normalised).
    public func forward(_ sequences: [[Int32]]) -> Trace {
        let batch = sequences.count
        let lengths = sequences.map { max(1, $0.count) }
        let steps = lengths.max() ?? 1
        var forwardIDs = [Int32](repeating: WordVocabulary.padID, count: batch * steps)
        var backwardIDs = forwardIDs
        for (b, sequence) in sequences.enumerated() {
            for (t, id) in sequence.enumerated() {
                forwardIDs[b * steps + t] = id
                backwardIDs[b * steps + sequence.count - 1 - t] = id
            }
        }
        let hs = forwardGRU.hiddenSize
        let directions: [(GRU, [Int32])] = [(forwardGRU, forwardIDs)] + (backwardGRU.map { [($0, backwardIDs)] } ?? [])
        let width = directions.count * hs
        var pooled = [Float](repeating: 0, count: batch * width)
        var trace = Trace(batch: batch, steps: steps, lengths: lengths, ids: [], recurrences: [], winners: [],
                          pooled: [], output: [])
        for (d, (gru, ids)) in directions.enumerated() {
            let recurrence = gru.forward(embedding.forward(ids), batch: batch, steps: steps)
            let (maxima, winners) = SequenceMaxPool.forward(recurrence.outputs, lengths: lengths, steps: steps, width: hs)
            for b in 0..<batch { for j in 0..<hs { pooled[b * width + d * hs + j] = maxima[b * hs + j] } }
            trace.ids.append(ids); trace.recurrences.append(recurrence); trace.winners.append(winners)
        }
        trace.pooled = pooled
        trace.output = projection.forward(pooled, rows: batch)
        return trace
    }

    // MARK: Backward

    /// Accumulates every parameter's gradient from dL/d(output) [batch, outputDimension].
    public func backward(_ trace: Trace, outputGradient: [Float]) {
        let batch = trace.batch, hs = forwardGRU.hiddenSize
        let pooledGradient = projection.backward(trace.pooled, outputGradient: outputGradient, rows: batch)
        let grus = [forwardGRU] + (backwardGRU.map { [$0] } ?? [])
        let width = grus.count * hs
        for (d, gru) in grus.enumerated() {
            var directionGradient = [Float](repeating: 0, count: batch * hs)
            for b in 0..<batch { for j in 0..<hs { directionGradient[b * hs + j] = pooledGradient[b * width + d * hs + j] } }
            let stepGradient = SequenceMaxPool.backward(directionGradient, winners: trace.winners[d],
                                                        batch: batch, steps: trace.steps, width: hs)
            let wordGradient = gru.backward(trace.recurrences[d], outputGradient: stepGradient)
            embedding.backward(trace.ids[d], outputGradient: wordGradient)
        }
    }
}
