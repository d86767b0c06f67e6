import Tensor

// MARK: - Objective

/// The t-SNE cost KL(P‖Q) and its gradient at a given map, for inspection and gradient checks.
public struct TSNEObjective {
    private let sparse: SparseAffinities?
    private let dense: [Float]?
    private let theta: Float
    public let count: Int

    /// P from `x` ([N, D]) at `perplexity`; `.barnesHut` uses sparse P and the quadtree with `theta`.
    public init(_ x: Tensor, perplexity: Double, method: TSNE.Method, theta: Double = 0.5) {
        count = x.shape[0]
        self.theta = Float(theta)
        let exact = method == .exact || (method == .auto && count <= TSNE.Options.exactLimit)
        sparse = exact ? nil : Affinities.sparse(x, perplexity: perplexity)
        dense = exact ? Affinities.dense(x, perplexity: perplexity) : nil
    }

    /// KL(P‖Q) and ∂KL/∂y at the map `y` ([N, 2]).
    public func evaluate(_ y: Tensor) -> (kl: Double, gradient: [Float]) {
        precondition(y.shape == [count, 2], "TSNEObjective: map must be [\(count), 2]")
        var gradient = [Float](repeating: 0, count: 2 * count)
        let kl = y.data.withUnsafeBufferPointer { ys in
            gradient.withUnsafeMutableBufferPointer { g in
                if let sparse {
                    return Gradient.barnesHut(y: ys.baseAddress!, count: count, p: sparse, exaggeration: 1, theta: theta,
                                              gradient: g.baseAddress!, computeKL: true)!
                }
                return Gradient.exact(y: ys.baseAddress!, count: count, p: dense!, exaggeration: 1,
                                      gradient: g.baseAddress!, computeKL: true)!
            }
        }
        return (kl, gradient)
    }
}
