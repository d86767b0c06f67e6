import Foundation
import Tensor

// MARK: - t-SNE

/// t-distributed stochastic neighbour embedding into 2-D (van der Maaten & Hinton 2008), with the
/// Barnes–Hut approximation for large inputs (van der Maaten 2014). Optimisation follows the
/// reference implementation (and scikit-learn's): early exaggeration, momentum 0.5 → 0.8,
/// per-coordinate gains, learning rate max(N / exaggeration / 4, 50) unless given.
///
/// ```swift
/// let result = try TSNE.embed(features, options: .init(perplexity: 30, seed: 7))
/// print(result.embedding.shape, result.klDivergence)   // [N, 2], KL(P‖Q)
/// ```
public enum TSNE {
    /// Exact O(N²) gradients or the O(N log N) Barnes–Hut approximation.
    public enum Method: String, Codable, Sendable {
        case auto, exact, barnesHut
    }

    public enum Initialization: String, Codable, Sendable {
        case pca, random
    }

    public struct Options: Sendable {
        public var perplexity: Double = 30
        /// nil: scikit-learn's "auto" rule, max(N / earlyExaggeration / 4, 50).
        public var learningRate: Double? = nil
        public var earlyExaggeration: Double = 12
        public var exaggerationIterations = 250
        public var iterations = 1000
        /// Barnes–Hut opening angle: larger is faster and coarser.
        public var theta: Double = 0.5
        public var method: Method = .auto
        public var initialization: Initialization = .pca
        public var seed: UInt64 = 0
        /// KL divergence is evaluated (and reported) every this many iterations, and at the end.
        public var klInterval = 50

        /// `.auto` uses exact gradients up to this many points.
        public static let exactLimit = 1000

        public init(perplexity: Double = 30, iterations: Int = 1000, method: Method = .auto, seed: UInt64 = 0) {
            self.perplexity = perplexity; self.iterations = iterations; self.method = method; self.seed = seed
        }
    }

    public struct Result: Sendable {
        /// [N, 2].
        public var embedding: Tensor
        /// KL(P‖Q) at the end.
        public var klDivergence: Double
        /// (iteration, KL) every `klInterval` iterations, un-exaggerated P throughout.
        public var history: [(iteration: Int, kl: Double)]
        public var method: Method
    }

    /// Embeds the rows of `x` ([N, D]) in 2-D. `progress(iteration, total)` is called every iteration.
    public static func embed(_ x: Tensor, options: Options = Options(),
                             progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        try validate(x, options)
        let n = x.shape[0]
        let method: Method = options.method == .auto ? (n <= Options.exactLimit ? .exact : .barnesHut) : options.method
        var y = initialEmbedding(x, options)

        let sparse = method == .barnesHut ? Affinities.sparse(x, perplexity: options.perplexity) : nil
        let dense = method == .exact ? Affinities.dense(x, perplexity: options.perplexity) : nil
        let learningRate = Float(options.learningRate ?? max(Double(n) / options.earlyExaggeration / 4, 50))
        var gradient = [Float](repeating: 0, count: 2 * n)
        var update = [Float](repeating: 0, count: 2 * n)
        var gains = [Float](repeating: 1, count: 2 * n)
        var history: [(iteration: Int, kl: Double)] = []
        var lastKL = Double.nan

        for iteration in 0..<options.iterations {
            let exaggerating = iteration < options.exaggerationIterations
            if iteration == options.exaggerationIterations {  // a fresh optimiser state for the second phase
                update = [Float](repeating: 0, count: 2 * n); gains = [Float](repeating: 1, count: 2 * n)
            }
            let exaggeration = Float(exaggerating ? options.earlyExaggeration : 1)
            let momentum: Float = exaggerating ? 0.5 : 0.8
            let wantKL = (iteration + 1) % options.klInterval == 0 || iteration == options.iterations - 1
            let kl: Double? = y.withUnsafeBufferPointer { ys in
                gradient.withUnsafeMutableBufferPointer { g in
                    if let sparse {
                        return Gradient.barnesHut(y: ys.baseAddress!, count: n, p: sparse, exaggeration: exaggeration,
                                                  theta: Float(options.theta), gradient: g.baseAddress!, computeKL: wantKL)
                    }
                    return Gradient.exact(y: ys.baseAddress!, count: n, p: dense!, exaggeration: exaggeration,
                                          gradient: g.baseAddress!, computeKL: wantKL)
                }
            }
            if let kl { history.append((iteration + 1, kl)); lastKL = kl }
            for k in 0..<(2 * n) {
                let g = gradient[k]
                gains[k] = update[k] * g < 0 ? gains[k] + 0.2 : max(gains[k] * 0.8, 0.01)
                update[k] = momentum * update[k] - learningRate * gains[k] * g
                y[k] += update[k]
            }
            progress?(iteration + 1, options.iterations)
        }
        return Result(embedding: Tensor(shape: [n, 2], data: y), klDivergence: lastKL, history: history, method: method)
    }

    // MARK: Setup

    private static func validate(_ x: Tensor, _ options: Options) throws {
        guard x.rank == 2, x.shape[0] >= 2, x.shape[1] >= 1 else {
            throw ProjectionError("t-SNE needs a [N, D] matrix with N ≥ 2 and D ≥ 1, got shape \(x.shape)")
        }
        guard x.data.allSatisfy({ $0.isFinite }) else { throw ProjectionError("t-SNE input contains NaN or infinite values") }
        guard options.perplexity > 0, options.perplexity < Double(x.shape[0]) else {
            throw ProjectionError("perplexity must be in (0, N) = (0, \(x.shape[0])), got \(options.perplexity)")
        }
        guard options.iterations > 0, options.klInterval > 0, options.theta >= 0, options.earlyExaggeration >= 1 else {
            throw ProjectionError("t-SNE options out of range: iterations > 0, klInterval > 0, theta ≥ 0, earlyExaggeration ≥ 1")
        }
    }

    private static func initialEmbedding(_ x: Tensor, _ options: Options) -> [Float] {
        if options.initialization == .pca, let y = PCAInitialization.embedding(x) { return y }
        // Gaussian with standard deviation 1e-4 (Box–Muller over the seeded generator).
        var random = SeededGenerator(seed: options.seed &+ 0x9E37_79B9_7F4A_7C15)
        func uniform() -> Double { (Double(random.next() >> 11) + 0.5) / Double(1 << 53) }
        return (0..<(2 * x.shape[0])).map { _ in Float(1e-4 * (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
    }
}

/// Invalid input to a projection, with the reason.
public struct ProjectionError: Error, CustomStringConvertible, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "projection: \(reason)" }
}
