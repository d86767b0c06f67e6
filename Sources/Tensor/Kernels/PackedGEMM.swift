import CKernels

// MARK: The C GEMM over packed weights, spread over threads (both instruction sets)

/// C[m×n] = clamp(A·B + bias, lower, upper) (+ residual) with B packed at load (`PackedWeights`), on the
/// C kernels of `CPUKernels.path` (AVX-512 or AVX2). How the work is split does not depend on the
/// instruction set: both kernels read the same 16-column panels, and a multiple of 12 rows is whole
/// tiles for either (12×32 and 6×16).
enum PackedGEMM {
    /// `a` rows are `lda` apart (or read through `offsets`, see `ck_gemm`); C and the residual are dense
    /// with n columns. `threads` > 1 splits rows, or column panels when the weights outweigh the activations.
    static func run(_ packed: PackedWeights, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                    offsets: UnsafePointer<Int32>? = nil, bias: UnsafePointer<Float>, lower: Float, upper: Float,
                    residual: UnsafePointer<Float>?, into c: UnsafeMutablePointer<Float>, threads: Int) {
        let isa = CPUKernels.path.rawValue
        precondition(isa != KernelPath.baseline.rawValue, "PackedGEMM: the baseline path has no C GEMM")
        let panels = (n + 15) / 16
        if threads > 1 && n > m && panels >= 2 * threads {
            // Few rows, many outputs (7×7 and 14×14 maps, short texts): threads take 16-column panels, so
            // each reads its share of the weights, which outweigh the activations here.
            Parallel.forEach(threads, threads: threads) { part in
                let p0 = panels * part / threads, p1 = panels * (part + 1) / threads
                let j0 = p0 * 16, j1 = Swift.min(n, p1 * 16)
                ck_gemm(isa, Int32(m), Int32(j1 - j0), Int32(k), a, Int32(lda), offsets, packed.pointer + p0 * 16 * k,
                        bias + j0, lower, upper, residual.map { $0 + j0 }, Int32(n), c + j0, Int32(n))
            }
            return
        }
        // Rows split over threads in multiples of 12 (whole register tiles on both instruction sets).
        let parts = Swift.max(1, Swift.min(threads, m / 48))
        Parallel.forEach(parts, threads: parts) { part in
            let lo = m * part / parts / 12 * 12, hi = part == parts - 1 ? m : m * (part + 1) / parts / 12 * 12
            ck_gemm(isa, Int32(hi - lo), Int32(n), Int32(k), a + lo * lda, Int32(lda), offsets, packed.pointer, bias,
                    lower, upper, residual.map { $0 + lo * n }, Int32(n), c + lo * n, Int32(n))
        }
    }
}
