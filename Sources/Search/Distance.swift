// Plain `+=` of products, not addProduct: without FMA in the baseline x86-64 target, fused
// multiply-add lowers to a libm call per lane.
/// Vector kernels shared by exact search, HNSW and whitening. SIMD with four independent
/// accumulators so the adds pipeline; a scalar tail handles dimensions that are not multiples of 8.
public enum Distance {
    /// Squared Euclidean distance ‖a − b‖².
    @inlinable
    public static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= n {
            let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            let d2 = ra.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD8<Float>.self)
            let d3 = ra.loadUnaligned(fromByteOffset: i * 4 + 96, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4 + 96, as: SIMD8<Float>.self)
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            i += 32
        }
        while i + 8 <= n {
            let d = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s0 += d * d
            i += 8
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while i < n {
            let d = a[i] - b[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// Dot product a · b.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            s2 += ra.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD8<Float>.self)
            s3 += ra.loadUnaligned(fromByteOffset: i * 4 + 96, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4 + 96, as: SIMD8<Float>.self)
            i += 32
        }
        while i + 8 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
