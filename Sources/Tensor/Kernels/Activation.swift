// MARK: Pointwise activations, fused into the epilogue of each convolution

/// The nonlinearity applied after a layer.
public enum Activation: String, Codable, Sendable {
    case identity, relu, relu6

    /// Adds `bias[c]` to every row of `matrix[rows × columns]` and applies the activation, in place.
    @inlinable
    public func addBias(_ bias: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let vectorEnd = columns & ~15
        for row in 0..<rows {
            let line = matrix + row * columns
            var c = 0
            while c < vectorEnd {
                let raw = UnsafeMutableRawPointer(line + c)
                let v = raw.loadUnaligned(as: SIMD16<Float>.self) + UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD16<Float>.self)
                raw.storeBytes(of: callAsFunction(v), as: SIMD16<Float>.self)
                c += 16
            }
            while c < columns {
                line[c] = callAsFunction(line[c] + bias[c])
                c += 1
            }
        }
    }

    /// The activation of 16 lanes. Compare-and-blend rather than `clamped`/`min`, which the
    /// compiler does not vectorise (NaN rules).
    @inlinable @inline(__always)
    public func callAsFunction(_ v: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .identity: return v
        case .relu: return v.replacing(with: 0, where: v .< 0)
        case .relu6: return v.replacing(with: 0, where: v .< 0).replacing(with: 6, where: v .> 6)
        }
    }

    @inlinable @inline(__always)
    public func callAsFunction(_ v: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .identity: return v
        case .relu: return v.replacing(with: 0, where: v .< 0)
        case .relu6: return v.replacing(with: 0, where: v .< 0).replacing(with: 6, where: v .> 6)
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
        let vectorEnd = count & ~15
        var i = 0
        while i < vectorEnd {
            let raw = UnsafeMutableRawPointer(values + i)
            raw.storeBytes(of: callAsFunction(raw.loadUnaligned(as: SIMD16<Float>.self)), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { values[i] = callAsFunction(values[i]); i += 1 }
    }
}
