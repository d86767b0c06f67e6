import CKernels

// MARK: The AVX-512 kernels of the CKernels target, when the CPU has them

/// Whether convolutions run the AVX-512 C kernels (GEMM with fused bias/activation/residual, depthwise)
/// or the portable path (OpenBLAS sgemm + Swift loops). Decided once from CPUID; tests may switch it
/// off to check the portable path, which every layer keeps.
public enum CPUKernels {
    public static let available: Bool = ck_has_avx512() != 0
    nonisolated(unsafe) public static var enabled: Bool = available
    static var active: Bool { enabled && available }
}

/// B of a convolution's GEMM in the 16-column panels `ck_gemm` reads, 64-byte aligned.
final class PackedWeights: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>

    init(_ weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        let count = ck_packed_count(Int32(rows), Int32(columns))
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        ck_pack_b(weights, Int32(columns), Int32(rows), Int32(columns), pointer)
    }

    deinit { pointer.deallocate() }
}
