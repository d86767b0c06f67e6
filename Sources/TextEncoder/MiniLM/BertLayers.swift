import Foundation
import Tensor

// The BERT building blocks on "packed" activations: the tokens of all sequences in a batch
// stacked as rows of one [tokens × hidden] matrix, no padding rows. Token-wise layers (projections,
// LayerNorm, GELU) run as one GEMM / one parallel loop over all rows (Tensor's kernels); only attention looks at
// sequence boundaries, so padding costs nothing and needs no mask beyond those boundaries.

// MARK: Multi-head self-attention

enum SelfAttention {
    /// context[t, h·d..<(h+1)·d] = softmax(q_t·Kᵀ/√d) · V within t's own sequence, for every head h.
    ///
    /// `qkv` rows are [Q | K | V] (each `hidden` wide, heads contiguous), as the fused projection writes them.
    static func apply(qkv: UnsafePointer<Float>, context: UnsafeMutablePointer<Float>,
                      sequences: [Range<Int>], heads: Int, hidden: Int) {
        let headDim = hidden / heads, stride = 3 * hidden
        let scale = 1 / Float(headDim).squareRoot()
        // A short query is a few microseconds of attention: not worth waking a second thread.
        let work = sequences.reduce(0) { $0 + $1.count * $1.count } * heads * headDim
        Parallel.forEach(sequences.count * heads, threads: work < 1 << 16 ? 1 : Parallel.threads) { item in
            let tokens = sequences[item / heads], head = item % heads
            var probabilities = [Float](repeating: 0, count: tokens.count)
            probabilities.withUnsafeMutableBufferPointer { p in
                for query in tokens {
                    let q = qkv + query * stride + head * headDim
                    var maxScore = -Float.infinity
                    for (j, key) in tokens.enumerated() {
                        let s = dot(q, qkv + key * stride + hidden + head * headDim, headDim) * scale
                        p[j] = s
                        maxScore = max(maxScore, s)
                    }
                    var sum: Float = 0
                    for j in 0..<tokens.count { let e = expf(p[j] - maxScore); p[j] = e; sum += e }
                    let out = context + query * hidden + head * headDim
                    out.initialize(repeating: 0, count: headDim)
                    let inverseSum = 1 / sum
                    for (j, key) in tokens.enumerated() {
                        axpy(p[j] * inverseSum, qkv + key * stride + 2 * hidden + head * headDim, out, headDim)
                    }
                }
            }
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var sum = acc.sum()
        while i < n { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    /// y += alpha · x
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= n {
            let raw = UnsafeMutableRawPointer(y + i)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + a * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self),
                           as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }
}

// MARK: Transformer layer

/// One post-LayerNorm BERT layer: x = LN(x + Attn(x)); x = LN(x + W₂·GELU(W₁·x)).
struct BertLayer: Sendable {
    /// Query, key and value projections fused into one [3·hidden, hidden] weight: one sgemm.
    let queryKeyValue: Dense
    let attentionOutput: Dense
    let attentionNorm: LayerNorm
    let intermediate: Dense
    let output: Dense
    let outputNorm: LayerNorm
    let heads: Int

    func callAsFunction(_ x: Tensor, sequences: [Range<Int>]) -> Tensor {
        let rows = x.shape[0], hidden = x.shape[1], threads = Parallel.threads
        let qkv = queryKeyValue(x, threads: threads)
        var context = Tensor(zeros: [rows, hidden])
        qkv.data.withUnsafeBufferPointer { q in
            context.data.withUnsafeMutableBufferPointer { c in
                SelfAttention.apply(qkv: q.baseAddress!, context: c.baseAddress!, sequences: sequences, heads: heads, hidden: hidden)
            }
        }
        var attended = attentionOutput(context, threads: threads)
        residualNorm(&attended, adding: x, attentionNorm)
        var inner = intermediate(attended, threads: threads)
        inner.data.withUnsafeMutableBufferPointer { GELU.apply($0.baseAddress!, count: $0.count) }
        var out = output(inner, threads: threads)
        residualNorm(&out, adding: attended, outputNorm)
        return out
    }

    private func residualNorm(_ y: inout Tensor, adding residual: Tensor, _ norm: LayerNorm) {
        let rows = y.shape[0]
        y.data.withUnsafeMutableBufferPointer { out in
            residual.data.withUnsafeBufferPointer { norm.apply(out.baseAddress!, adding: $0.baseAddress!, rows: rows) }
        }
    }
}
