// MARK: Pointwise activations, fused into the epilogue of each convolution

/// The nonlinearity applied after a layer.
public enum Activation: String, Codable, Sendable {
    case identity, relu, relu6

    /// Adds `bias[c]` to every row of `matrix[rows × columns]` and applies the activation, in place.
    @inlinable
    public func addBias(_ bias: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let (lower, upper) = (SIMD16<Float>(repeating: bounds.lower), SIMD16<Float>(repeating: bounds.upper))
        let vectorEnd = columns & ~15
        for row in 0..<rows {
            let line = matrix + row * columns
            var c = 0
            while c < vectorEnd {
                let raw = UnsafeMutableRawPointer(line + c)
                let v = raw.loadUnaligned(as: SIMD16<Float>.self) + UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD16<Float>.self)
                raw.storeBytes(of: v.clamp(lower, upper), as: SIMD16<Float>.self)
                c += 16
            }
            while c < columns {
                line[c] = callAsFunction(line[c] + bias[c])
                c += 1
            }
        }
    }

    /// The activation as a clamp to [lower, upper], the branch-free form the vector loops use.
    @inlinable
    public var bounds: (lower: Float, upper: Float) {
        switch self {
        case .identity: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        }
    }

    @inlinable @inline(__always)
    public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .identity: return x
        case .relu: return x < 0 ? 0 : x
        case .relu6: return x < 0 ? 0 : (x > 6 ? 6 : x)
        }
    }

    /// Applies the activation to `count` values in place.
    public func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        guard self != .identity else { return }
        let (lower, upper) = (SIMD16<Float>(repeating: bounds.lower), SIMD16<Float>(repeating: bounds.upper))
        let vectorEnd = count & ~15
        var i = 0
        while i < vectorEnd {
            let raw = UnsafeMutableRawPointer(values + i)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self).clamp(lower, upper), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { values[i] = callAsFunction(values[i]); i += 1 }
    }
}

// Lane-wise clamp by compare-and-blend: `clamped(lowerBound:upperBound:)` and `pointwiseMin` follow
// IEEE NaN rules that the compiler does not turn into vector min/max. Concrete types, so no generic dispatch.
extension SIMD16 where Scalar == Float {
    @inlinable @inline(__always)
    public func clamp(_ lower: Self, _ upper: Self) -> Self {
        replacing(with: lower, where: self .< lower).replacing(with: upper, where: self .> upper)
    }
}

extension SIMD8 where Scalar == Float {
    @inlinable @inline(__always)
    public func clamp(_ lower: Self, _ upper: Self) -> Self {
        replacing(with: lower, where: self .< lower).replacing(with: upper, where: self .> upper)
    }
}
