import CKernels

// MARK: Transformer element-wise kernels: layer normalisation and GELU (C, on the current kernel path)

/// y = (x + r − mean) / √(var + ε) · γ + β over each row of `hidden` values, as BERT's post-residual norm.
public struct LayerNorm: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let epsilon: Float

    public init(weight: [Float], bias: [Float], epsilon: Float) {
        precondition(weight.count == bias.count, "LayerNorm: \(weight.count) weights, \(bias.count) biases")
        self.weight = weight; self.bias = bias; self.epsilon = epsilon
    }

    /// Normalises `rows` rows of `x` in place, first adding `residual` (same layout) when given.
    public func apply(_ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>? = nil, rows: Int,
                      threads: Int = Parallel.threads) {
        let hidden = weight.count, isa = CPUKernels.path.rawValue
        weight.withUnsafeBufferPointer { gamma in
            bias.withUnsafeBufferPointer { beta in
                let parts = Swift.max(1, Swift.min(threads, rows / 8))
                Parallel.forEach(parts, threads: parts) { part in
                    let lo = rows * part / parts, hi = rows * (part + 1) / parts
                    ck_layer_norm(isa, x + lo * hidden, residual.map { $0 + lo * hidden }, gamma.baseAddress!, beta.baseAddress!,
                                  Int32(hi - lo), Int32(hidden), epsilon)
                }
            }
        }
    }
}

/// The exact GELU of BERT, x · Φ(x) = x/2 · (1 + erf(x/√2)), with erf as a rational function good to
/// 5e-7 (so it vectorises; the C library's erf does not).
public enum GELU {
    /// In place over `count` values, spread over `threads`.
    public static func apply(_ x: UnsafeMutablePointer<Float>, count: Int, threads: Int = Parallel.threads) {
        let isa = CPUKernels.path.rawValue
        let parts = Swift.max(1, Swift.min(threads, count / 32768))  // a short text's 10k values: one thread
        Parallel.forEach(parts, threads: parts) { part in
            let lo = count * part / parts, hi = count * (part + 1) / parts
            ck_gelu(isa, x + lo, hi - lo)
        }
    }
}
