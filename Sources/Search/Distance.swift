import CKernels

/// Vector kernels shared by exact search, HNSW and whitening.
///
/// They call C (`Sources/CKernels/search_kernels.c`) because the package compiles Swift for baseline x86-64,
/// where SIMD types lower to 128-bit SSE2: the C kernels are built for AVX-512, AVX2+FMA and the
/// baseline, and the loader picks one for this CPU. `kernelName` says which.
public enum Distance {
    /// Squared Euclidean distance ‖a − b‖².
    @inline(__always)
    public static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        isk_squared_l2(a, b, n)
    }

    /// Dot product a · b.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        isk_dot(a, b, n)
    }

    /// The instruction set the kernels use on this CPU: "avx512", "avx2" or "baseline".
    public static var kernelName: String { String(cString: isk_kernel_name()) }

    /// Switches every kernel to the instruction set `name` if this CPU has it; false otherwise.
    /// For tests and benchmarks only: not safe while other threads compute distances.
    @discardableResult
    public static func _selectKernel(_ name: String) -> Bool { isk_select_kernel(name) != 0 }
}
