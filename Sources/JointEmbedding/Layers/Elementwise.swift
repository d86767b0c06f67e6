// MARK: Element-wise pieces

/// Rectified linear unit between the layers of the image head.
public enum ReLU {
    public static func forward(_ x: [Float]) -> [Float] { x.map { max($0, 0) } }
    /// dx = dy where the output was positive.
    public static func backward(output y: [Float], outputGradient dy: [Float]) -> [Float] {
        zip(y, dy).map { $0 > 0 ? $1 : 0 }
    }
}

/// Rows scaled to unit Euclidean length, so distances compare directions only.
public enum L2Normalization {
    static let epsilon: Float = 1e-12

    /// Returns the normalised rows and each row's original norm (kept for the backward pass).
    public static func forward(_ x: [Float], rows: Int, width: Int) -> (y: [Float], norms: [Float]) {
        var y = x
        var norms = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var sum: Float = 0
            for j in 0..<width { sum += x[r * width + j] * x[r * width + j] }
            let norm = max(sum.squareRoot(), epsilon)
            norms[r] = norm
            for j in 0..<width { y[r * width + j] = x[r * width + j] / norm }
        }
        return (y, norms)
    }

    /// dx = (dy − y·(y·dy)) / ‖x‖.
    public static func backward(output y: [Float], norms: [Float], outputGradient dy: [Float], rows: Int, width: Int) -> [Float] {
        var dx = dy
        for r in 0..<rows {
            var dot: Float = 0
            for j in 0..<width { dot += y[r * width + j] * dy[r * width + j] }
            for j in 0..<width {
                dx[r * width + j] = (dy[r * width + j] - y[r * width + j] * dot) / norms[r]
            }
        }
        return dx
    }
}
