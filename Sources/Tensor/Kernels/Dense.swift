// MARK: Fully connected layer

/// y = x·Wᵀ + b for x [N, in], with PyTorch's [out, in] weight layout kept as is.
public struct Dense: Sendable {
    public let inFeatures: Int, outFeatures: Int
    /// [out, in], as in `torch.nn.Linear`.
    public let weight: [Float]
    public let bias: [Float]
    public let activation: Activation
    /// Wᵀ packed for the C GEMM (nil when the CPU has none of its instruction sets).
    let packed: PackedWeights?

    public init(weight: Tensor, bias: [Float]?, activation: Activation = .identity) {
        precondition(weight.rank == 2, "Dense: weight must be [out, in], got \(weight.shape)")
        outFeatures = weight.shape[0]; inFeatures = weight.shape[1]
        self.weight = weight.data
        self.bias = bias ?? [Float](repeating: 0, count: weight.shape[0])
        self.activation = activation
        packed = CPUKernels.supported == .baseline ? nil : weight.data.withUnsafeBufferPointer {
            PackedWeights(transposing: $0.baseAddress!, rows: weight.shape[0], columns: weight.shape[1])
        }
    }

    /// `threads` > 1 splits the product over threads: by output features for a single row (a batch-1
    /// classifier streams its whole weight matrix from memory, and two cores stream faster), by rows or
    /// column panels on the C GEMM. Several rows on the baseline path use OpenBLAS's own threads.
    public func callAsFunction(_ x: Tensor, threads: Int = 1) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == inFeatures, "Dense: expected [N,\(inFeatures)], got \(x.shape)")
        let n = x.shape[0]
        var y = Tensor(zeros: [n, outFeatures])
        x.data.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { w in
                y.data.withUnsafeMutableBufferPointer { out in
                    bias.withUnsafeBufferPointer { b in
                        if n > 1, let packed, CPUKernels.path != .baseline {  // bias and activation fused
                            let (lower, upper) = activation.bounds
                            return PackedGEMM.run(packed, m: n, n: outFeatures, k: inFeatures, a: input.baseAddress!, lda: inFeatures,
                                                  bias: b.baseAddress!, lower: lower, upper: upper, residual: nil,
                                                  into: out.baseAddress!, threads: threads)
                        }
                        if n == 1 {  // one row: sgemm would repack all of W for a single product
                            let parts = Swift.max(1, Swift.min(threads, outFeatures / 64))
                            Parallel.forEach(parts, threads: parts) { part in
                                let lo = outFeatures * part / parts, hi = outFeatures * (part + 1) / parts
                                BLAS.sgemv(m: hi - lo, n: inFeatures, a: w.baseAddress! + lo * inFeatures, lda: inFeatures,
                                           x: input.baseAddress!, y: out.baseAddress! + lo)
                            }
                        } else {
                            BLAS.sgemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: input.baseAddress!, lda: inFeatures,
                                       b: w.baseAddress!, ldb: inFeatures, c: out.baseAddress!, ldc: outFeatures)
                        }
                        activation.addBias(b.baseAddress!, to: out.baseAddress!, rows: n, columns: outFeatures)
                    }
                }
            }
        }
        return y
    }
}
