import Tensor

/// y = x · W + b for a batch of rows; W is [input, output] so both passes are one sgemm.
public final class Dense {
    public let weight: Parameter
    public let bias: Parameter
    public let inputSize: Int
    public let outputSize: Int

    public init(name: String, inputSize: Int, outputSize: Int, rng: inout SeededGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = .glorot("\(name).weight", fanIn: inputSize, fanOut: outputSize, shape: [inputSize, outputSize], rng: &rng)
        bias = .zeros("\(name).bias", shape: [outputSize])
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// x: [rows, inputSize] → [rows, outputSize].
    public func forward(_ x: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outputSize)
        guard rows > 0 else { return y }
        y.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows {
                for j in 0..<outputSize { out[r * outputSize + j] = bias.value[j] }
            }
            BLAS.sgemm(m: rows, n: outputSize, k: inputSize, a: x, lda: inputSize,
                       b: weight.value, ldb: outputSize, beta: 1, c: out.baseAddress!, ldc: outputSize)
        }
        return y
    }

    /// Accumulates dW += xᵀ·dy and db += Σ dy; returns dx = dy · Wᵀ (skipped when not needed).
    @discardableResult
    public func backward(_ x: [Float], outputGradient dy: [Float], rows: Int, needInputGradient: Bool = true) -> [Float] {
        guard rows > 0 else { return [] }
        BLAS.sgemm(transA: true, m: inputSize, n: outputSize, k: rows, a: x, lda: inputSize,
                   b: dy, ldb: outputSize, beta: 1, c: &weight.gradient, ldc: outputSize)
        for r in 0..<rows {
            for j in 0..<outputSize { bias.gradient[j] += dy[r * outputSize + j] }
        }
        guard needInputGradient else { return [] }
        var dx = [Float](repeating: 0, count: rows * inputSize)
        BLAS.sgemm(transB: true, m: rows, n: inputSize, k: outputSize, a: dy, lda: outputSize,
                   b: weight.value, ldb: outputSize, c: &dx, ldc: inputSize)
        return dx
    }
}
