import Foundation

// MARK: Batch normalisation, folded into the preceding layer at load time

/// Inference-time batch norm y = γ·(x − μ)/√(σ² + ε) + β, expressed as y = scale·x + shift
/// so that it folds into the weights and bias of the convolution before it.
public struct BatchNormParameters: Sendable {
    public var scale: [Float]
    public var shift: [Float]

    public init(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float) {
        precondition(gamma.count == beta.count && beta.count == mean.count && mean.count == variance.count)
        let scale = zip(gamma, variance).map { $0 / sqrtf($1 + epsilon) }
        self.scale = scale
        self.shift = (0..<gamma.count).map { beta[$0] - mean[$0] * scale[$0] }
    }
}
