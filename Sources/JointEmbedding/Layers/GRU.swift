import Foundation
import Tensor

/// A gated recurrent unit over a padded batch, in the PyTorch/cuDNN form ("reset after"):
///
///     z = σ(x·Wz + h·Uz + b),  r = σ(x·Wr + h·Ur + b),
///     n = tanh(x·Wn + bn + r ⊙ (h·Un + bhn)),  h' = (1 − z) ⊙ n + z ⊙ h
///
/// The input projection of every step is one sgemm; each step adds one [batch × 3H] sgemm.
/// Gate columns are ordered z | r | n.
public final class GRU {
    public let inputWeight: Parameter      // [input, 3H]
    public let recurrentWeight: Parameter  // [H, 3H]
    public let inputBias: Parameter        // [3H]
    public let recurrentBias: Parameter    // [3H]
    public let inputSize: Int
    public let hiddenSize: Int

    public init(name: String, inputSize: Int, hiddenSize: Int, rng: inout SeededGenerator) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let limit = 1 / Float(hiddenSize).squareRoot()  // PyTorch's default GRU initialisation
        inputWeight = .uniform("\(name).input_weight", limit: limit, shape: [inputSize, 3 * hiddenSize], rng: &rng)
        recurrentWeight = .uniform("\(name).recurrent_weight", limit: limit, shape: [hiddenSize, 3 * hiddenSize], rng: &rng)
        inputBias = .uniform("\(name).input_bias", limit: limit, shape: [3 * hiddenSize], rng: &rng)
        recurrentBias = .uniform("\(name).recurrent_bias", limit: limit, shape: [3 * hiddenSize], rng: &rng)
    }

    public var parameters: [Parameter] { [inputWeight, recurrentWeight, inputBias, recurrentBias] }

    /// What the backward pass needs from the forward pass; `outputs` is [batch, steps, H].
    public struct Trace {
        public var batch: Int, steps: Int
        var input: [Float]
        public var outputs: [Float]
        var update: [Float], reset: [Float], candidate: [Float], recurrentCandidate: [Float]
    }

    // MARK: Forward

    /// x: [batch, steps, input] → every step's hidden state. Padded steps are computed too;
    /// callers ignore their outputs (they come after the real ones, so cannot leak back).
    public func forward(_ x: [Float], batch: Int, steps: Int) -> Trace {
        let h3 = 3 * hiddenSize, hs = hiddenSize, rows = batch * steps
        var gatesX = [Float](repeating: 0, count: rows * h3)
        for r in 0..<rows { for j in 0..<h3 { gatesX[r * h3 + j] = inputBias.value[j] } }
        BLAS.sgemm(m: rows, n: h3, k: inputSize, a: x, lda: inputSize, b: inputWeight.value, ldb: h3,
                   beta: 1, c: &gatesX, ldc: h3)
        var trace = Trace(batch: batch, steps: steps, input: x,
                          outputs: [Float](repeating: 0, count: rows * hs),
                          update: [Float](repeating: 0, count: rows * hs), reset: [Float](repeating: 0, count: rows * hs),
                          candidate: [Float](repeating: 0, count: rows * hs),
                          recurrentCandidate: [Float](repeating: 0, count: rows * hs))
        var gatesH = [Float](repeating: 0, count: batch * h3)
        for t in 0..<steps {
            for b in 0..<batch { for j in 0..<h3 { gatesH[b * h3 + j] = recurrentBias.value[j] } }
            if t > 0 {
                trace.outputs.withUnsafeBufferPointer { out in
                    BLAS.sgemm(m: batch, n: h3, k: hs, a: out.baseAddress! + (t - 1) * hs, lda: steps * hs,
                               b: recurrentWeight.value, ldb: h3, beta: 1, c: &gatesH, ldc: h3)
                }
            }
            Self.forwardStep(t, steps: steps, batch: batch, hidden: hs, gatesX: gatesX, gatesH: gatesH, trace: &trace)
        }
        return trace
    }

    /// The gate non-linearities of step t for every row; raw pointers because this is the inner loop.
    private static func forwardStep(_ t: Int, steps: Int, batch: Int, hidden hs: Int, gatesX: [Float], gatesH: [Float],
                                    trace: inout Trace) {
        let h3 = 3 * hs
        gatesX.withUnsafeBufferPointer { gx in gatesH.withUnsafeBufferPointer { gh in
        trace.outputs.withUnsafeMutableBufferPointer { out in trace.update.withUnsafeMutableBufferPointer { zs in
        trace.reset.withUnsafeMutableBufferPointer { rs in trace.candidate.withUnsafeMutableBufferPointer { ns in
        trace.recurrentCandidate.withUnsafeMutableBufferPointer { hns in
            for b in 0..<batch {
                let row = b * steps + t, x = row * h3, h = b * h3
                for j in 0..<hs {
                    let z = sigmoid(gx[x + j] + gh[h + j])
                    let r = sigmoid(gx[x + hs + j] + gh[h + hs + j])
                    let hn = gh[h + 2 * hs + j]
                    let n = tanhf(gx[x + 2 * hs + j] + r * hn)
                    let i = row * hs + j
                    let previous: Float = t > 0 ? out[i - hs] : 0
                    zs[i] = z; rs[i] = r; ns[i] = n; hns[i] = hn
                    out[i] = (1 - z) * n + z * previous
                }
            }
        } } } } } } }
    }

    // MARK: Backward (through time)

    /// Accumulates the weight gradients; returns dx [batch, steps, input].
    /// `outputGradient` is dL/d(outputs) [batch, steps, H] from the layer above.
    public func backward(_ trace: Trace, outputGradient: [Float]) -> [Float] {
        let batch = trace.batch, steps = trace.steps, hs = hiddenSize, h3 = 3 * hs, rows = batch * steps
        var gatesXGradient = [Float](repeating: 0, count: rows * h3)
        var gatesHGradient = [Float](repeating: 0, count: batch * h3)
        var carry = [Float](repeating: 0, count: batch * hs)  // dL/dh flowing back from step t+1
        for t in stride(from: steps - 1, through: 0, by: -1) {
            Self.backwardStep(t, steps: steps, batch: batch, hidden: hs, trace: trace, outputGradient: outputGradient,
                              carry: &carry, gatesXGradient: &gatesXGradient, gatesHGradient: &gatesHGradient)
            for b in 0..<batch { for j in 0..<h3 { recurrentBias.gradient[j] += gatesHGradient[b * h3 + j] } }
            guard t > 0 else { continue }
            trace.outputs.withUnsafeBufferPointer { out in
                let previous = out.baseAddress! + (t - 1) * hs
                BLAS.sgemm(transA: true, m: hs, n: h3, k: batch, a: previous, lda: steps * hs,
                           b: gatesHGradient, ldb: h3, beta: 1, c: &recurrentWeight.gradient, ldc: h3)
            }
            BLAS.sgemm(transB: true, m: batch, n: hs, k: h3, a: gatesHGradient, lda: h3,
                       b: recurrentWeight.value, ldb: h3, beta: 1, c: &carry, ldc: hs)
        }
        for r in 0..<rows { for j in 0..<h3 { inputBias.gradient[j] += gatesXGradient[r * h3 + j] } }
        BLAS.sgemm(transA: true, m: inputSize, n: h3, k: rows, a: trace.input, lda: inputSize,
                   b: gatesXGradient, ldb: h3, beta: 1, c: &inputWeight.gradient, ldc: h3)
        var dx = [Float](repeating: 0, count: rows * inputSize)
        BLAS.sgemm(transB: true, m: rows, n: inputSize, k: h3, a: gatesXGradient, lda: h3,
                   b: inputWeight.value, ldb: h3, c: &dx, ldc: inputSize)
        return dx
    }

    /// Gate gradients of step t from dL/dh (the layer above plus the carry from step t+1);
    /// leaves in `carry` the part of dL/dh(t−1) that flows through the update gate.
    private static func backwardStep(_ t: Int, steps: Int, batch: Int, hidden hs: Int, trace: Trace, outputGradient: [Float],
                                     carry: inout [Float], gatesXGradient: inout [Float], gatesHGradient: inout [Float]) {
        let h3 = 3 * hs
        outputGradient.withUnsafeBufferPointer { dout in trace.outputs.withUnsafeBufferPointer { out in
        trace.update.withUnsafeBufferPointer { zs in trace.reset.withUnsafeBufferPointer { rs in
        trace.candidate.withUnsafeBufferPointer { ns in trace.recurrentCandidate.withUnsafeBufferPointer { hns in
        carry.withUnsafeMutableBufferPointer { carry in gatesXGradient.withUnsafeMutableBufferPointer { dgx in
        gatesHGradient.withUnsafeMutableBufferPointer { dgh in
            for b in 0..<batch {
                let row = b * steps + t
                for j in 0..<hs {
                    let i = row * hs + j
                    let dh = dout[i] + carry[b * hs + j]
                    let z = zs[i], r = rs[i], n = ns[i], hn = hns[i]
                    let previous: Float = t > 0 ? out[i - hs] : 0
                    let dnPre = dh * (1 - z) * (1 - n * n)
                    let dzPre = dh * (previous - n) * z * (1 - z)
                    let drPre = dnPre * hn * r * (1 - r)
                    dgx[row * h3 + j] = dzPre
                    dgx[row * h3 + hs + j] = drPre
                    dgx[row * h3 + 2 * hs + j] = dnPre
                    dgh[b * h3 + j] = dzPre
                    dgh[b * h3 + hs + j] = drPre
                    dgh[b * h3 + 2 * hs + j] = dnPre * r
                    carry[b * hs + j] = dh * z
                }
            }
        } } } } } } } } }
    }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
