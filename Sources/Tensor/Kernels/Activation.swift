// MARK: Pointwise activations, fused into the epilogue of each convolution

/// The nonlinearity applied after a layer.
public enum Activation: String, Codable, Sendable {
    case identity, relu, relu6

    /// Adds `bias[c]` to every row of `matrix[rows × columns]` and applies the activation, in place.
    @inlinable
    public func addBias(_ bias: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let lower: Float = self == .identity ? -.infinity : 0
        let upper: Float = self == .relu6 ? 6 : .infinity
        let lowerVector = SIMD16<Float>(repeating: lower), upperVector = SIMD16<Float>(repeating: upper)
        let vectorEnd = columns & ~15
        for row in 0..<rows {
            let line = matrix + row * columns
            var c = 0
            while c < vectorEnd {
                let raw = UnsafeMutableRawPointer(line + c)
                var v = raw.loadUnaligned(as: SIMD16<Float>.self)
                v += UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD16<Float>.self)
                v = v.clamped(lowerBound: lowerVector, upperBound: upperVector)
                raw.storeBytes(of: v, as: SIMD16<Float>.self)
                c += 16
            }
            while c < columns {
                line[c] = Swift.min(Swift.max(line[c] + bias[c], lower), upper)
                c += 1
            }
        }
    }

    /// Applies the activation to `count` values in place.
    public func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        guard self != .identity else { return }
        let upper: Float = self == .relu6 ? 6 : .infinity
        for i in 0..<count { values[i] = Swift.min(Swift.max(values[i], 0), upper) }
    }
}
