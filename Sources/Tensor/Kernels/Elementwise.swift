// MARK: Elementwise operations

public enum Elementwise {
    /// destination[i] += addend[i] (residual connections).
    @inlinable
    public static func add(_ addend: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let vectorEnd = count & ~15
        var i = 0
        while i < vectorEnd {
            let raw = UnsafeMutableRawPointer(destination + i)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + UnsafeRawPointer(addend + i).loadUnaligned(as: SIMD16<Float>.self),
                           as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { destination[i] += addend[i]; i += 1 }
    }
}
