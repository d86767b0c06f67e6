import Foundation

// MARK: Global pooling over the spatial axes of NHWC maps

/// Reductions of an [N, H, W, C] map to [N, C].
public enum GlobalPooling {
    /// Per-channel maximum over H×W.
    public static func max(_ x: Tensor) -> Tensor { reduce(x, initial: -.infinity, { Swift.max($0, $1) }, finish: { $0 }) }

    /// Per-channel mean over H×W.
    public static func average(_ x: Tensor) -> Tensor {
        let area = Float(x.shape[1] * x.shape[2])
        return reduce(x, initial: 0, { $0 + $1 }, finish: { $0 / area })
    }

    /// Generalised mean (GeM): (mean(max(x, ε)^p))^(1/p); p = 1 is the average, p → ∞ the maximum.
    public static func generalizedMean(_ x: Tensor, p: Float = 3, epsilon: Float = 1e-6) -> Tensor {
        let area = Float(x.shape[1] * x.shape[2])
        let power: (Float) -> Float = p == 3 ? { $0 * $0 * $0 } : { Foundation.pow($0, p) }  // p = 3 is the common case
        return reduce(x, initial: 0, { $0 + power(Swift.max($1, epsilon)) },
                      finish: { Foundation.pow($0 / area, 1 / p) })
    }

    private static func reduce(_ x: Tensor, initial: Float, _ combine: (Float, Float) -> Float,
                               finish: (Float) -> Float) -> Tensor {
        precondition(x.rank == 4, "GlobalPooling: expected [N,H,W,C], got \(x.shape)")
        let (n, area, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
        var out = [Float](repeating: initial, count: n * c)
        x.data.withUnsafeBufferPointer { input in
            for image in 0..<n {
                for pixel in 0..<area {
                    let base = (image * area + pixel) * c
                    for ch in 0..<c { out[image * c + ch] = combine(out[image * c + ch], input[base + ch]) }
                }
            }
        }
        for i in out.indices { out[i] = finish(out[i]) }
        return Tensor(shape: [n, c], data: out)
    }
}
