import Tensor
import XCTest

/// Conv2D and DepthwiseConv2D against naive loops: SAME (asymmetric) and explicit padding, strides, activations.
final class ConvolutionTests: XCTestCase {
    func testSamePaddingIsAsymmetricLikeTensorFlow() {
        // 224 → 112 with k=3, s=2: one row of padding in total, at the bottom/right.
        let r = Padding.same.resolve(height: 224, width: 224, kernelHeight: 3, kernelWidth: 3, stride: 2)
        XCTAssertEqual([r.outHeight, r.outWidth, r.top, r.left], [112, 112, 0, 0])
        // 56 → 28 with k=5, s=2: three in total, one before and two after.
        let five = Padding.same.resolve(height: 56, width: 56, kernelHeight: 5, kernelWidth: 5, stride: 2)
        XCTAssertEqual([five.outHeight, five.top], [28, 1])
        // Odd input, stride 1: symmetric.
        let odd = Padding.same.resolve(height: 7, width: 9, kernelHeight: 5, kernelWidth: 5, stride: 1)
        XCTAssertEqual([odd.outHeight, odd.outWidth, odd.top, odd.left], [7, 9, 2, 2])
    }

    func testConvolutionMatchesNaiveLoops() {
        let cases: [(k: Int, stride: Int, padding: Padding, h: Int, w: Int)] = [
            (1, 1, .same, 5, 6), (3, 2, .same, 9, 8), (3, 1, .same, 6, 7), (5, 2, .same, 11, 10),
            (7, 2, .symmetric(3), 13, 12), (3, 2, .symmetric(1), 8, 8), (1, 2, .symmetric(0), 7, 7),
        ]
        for (index, c) in cases.enumerated() {
            let x = Naive.tensor([2, c.h, c.w, 5], seed: UInt64(index))
            let weight = Naive.tensor([7, 5, c.k, c.k], seed: UInt64(100 + index))
            let bias = Naive.values(7, seed: UInt64(200 + index))
            for activation in [Activation.identity, .relu6] {
                let conv = Conv2D(torchWeight: weight, bias: bias, stride: c.stride, padding: c.padding, activation: activation)
                let r = c.padding.resolve(height: c.h, width: c.w, kernelHeight: c.k, kernelWidth: c.k, stride: c.stride)
                var expected = Naive.convolution(x, weight: weight, bias: bias, stride: c.stride, top: r.top, left: r.left,
                                                 outHeight: r.outHeight, outWidth: r.outWidth)
                if activation == .relu6 { expected.data = expected.data.map { min(max($0, 0), 6) } }
                XCTAssertLessThan(maxDifference(conv(x), expected), 1e-4, "case \(index) \(activation)")
            }
        }
    }

    func testDepthwiseMatchesNaiveLoopsWithSamePaddingAndStrideTwo() {
        // 40 channels: two SIMD16 blocks and a scalar tail of 8.
        for (index, (k, stride, size)) in [(3, 2, 10), (5, 2, 9), (3, 1, 7), (5, 1, 6)].enumerated() {
            let channels = 40
            let x = Naive.tensor([2, size, size + 1, channels], seed: UInt64(index))
            let weight = Naive.tensor([channels, 1, k, k], seed: UInt64(50 + index))
            let bias = Naive.values(channels, seed: UInt64(60 + index))
            let depthwise = DepthwiseConv2D(torchWeight: weight, bias: bias, stride: stride, padding: .same, activation: .relu)
            let r = Padding.same.resolve(height: size, width: size + 1, kernelHeight: k, kernelWidth: k, stride: stride)
            var expected = Naive.convolution(x, weight: weight, bias: bias, stride: stride, top: r.top, left: r.left,
                                             outHeight: r.outHeight, outWidth: r.outWidth, groups: channels)
            expected.data = expected.data.map { max($0, 0) }
            XCTAssertLessThan(maxDifference(depthwise(x), expected), 1e-5, "k\(k) s\(stride)")
        }
    }

    func testBatchNormFoldingEqualsConvolutionThenNormalisation() {
        let x = Naive.tensor([1, 4, 4, 3], seed: 1)
        let weight = Naive.tensor([4, 3, 3, 3], seed: 2)
        let (gamma, beta, mean) = (Naive.values(4, seed: 3), Naive.values(4, seed: 4), Naive.values(4, seed: 5))
        let variance = Naive.values(4, seed: 6).map { $0 * $0 + 0.5 }
        let plain = Conv2D(torchWeight: weight, bias: nil, padding: .same, activation: .identity)(x)
        var folded = Conv2D(torchWeight: weight, bias: nil, padding: .same, activation: .identity)
        let norm = BatchNormParameters(gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: 1e-3)
        folded.scaleOutputs(by: norm.scale, shift: norm.shift)
        var expected = plain
        for i in expected.data.indices {
            let c = i % 4
            expected.data[i] = gamma[c] * (plain.data[i] - mean[c]) / (variance[c] + 1e-3).squareRoot() + beta[c]
        }
        XCTAssertLessThan(maxDifference(folded(x), expected), 1e-5)
    }
}
