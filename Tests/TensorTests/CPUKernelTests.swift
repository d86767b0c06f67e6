import Tensor
import XCTest

/// The AVX-512 C kernels (and the portable path they replace) against naive loops, on shapes chosen to
/// hit every tail: rows not a multiple of the 12-row tile, columns not a multiple of 16 or 32, single
/// channels, maps narrower than the kernel, strides 1 and 2 with TF SAME padding, and row windows.
final class CPUKernelTests: XCTestCase {
    override func tearDown() { CPUKernels.enabled = CPUKernels.available }

    /// Runs `body` with the AVX-512 kernels (when this CPU has them) and with the portable path.
    private func bothPaths(_ body: (String) -> Void) {
        for fast in CPUKernels.available ? [true, false] : [false] {
            CPUKernels.enabled = fast
            body(fast ? "avx512" : "portable")
        }
    }

    func testPointwiseGemmWithBiasActivationAndResidualMatchesNaive() {
        var generator = SeededGenerator(seed: 7)
        for index in 0..<24 {
            let (h, w) = (Int.random(in: 1...9, using: &generator), Int.random(in: 1...13, using: &generator))
            let cin = [1, 3, 16, 27, 40, 97][index % 6], cout = [1, 15, 16, 17, 24, 33, 40, 65][index % 8]
            let x = Naive.tensor([1, h, w, cin], seed: UInt64(index))
            let weight = Naive.tensor([cout, cin, 1, 1], seed: UInt64(300 + index))
            let bias = Naive.values(cout, seed: UInt64(400 + index))
            let shortcut = Naive.tensor([1, h, w, cout], seed: UInt64(500 + index))
            let activation = [Activation.identity, .relu, .relu6][index % 3]
            var expected = Naive.convolution(x, weight: weight, bias: bias, stride: 1, top: 0, left: 0, outHeight: h, outWidth: w)
            expected.data = zip(expected.data, shortcut.data).map { activation($0) + $1 }
            let conv = Conv2D(torchWeight: weight, bias: bias, padding: .same, activation: activation)
            bothPaths { path in
                for threads in [1, 2] {
                    var y = Tensor(zeros: expected.shape)
                    x.data.withUnsafeBufferPointer { input in
                        shortcut.data.withUnsafeBufferPointer { residual in
                            y.data.withUnsafeMutableBufferPointer { output in
                                conv.apply(input.baseAddress!, height: h, width: w, rows: 0..<h, into: output.baseAddress!,
                                           scratch: nil, threads: threads, residual: residual.baseAddress!)
                            }
                        }
                    }
                    XCTAssertLessThan(maxDifference(y, expected), 1e-4, "\(path) \(h)×\(w)×\(cin)→\(cout) \(activation) t\(threads)")
                }
            }
        }
    }

    func testLargeGemmRowsSplitOverThreadsMatchNaive() {
        // 61·7 = 427 pixels: several 12-row tiles per thread plus a remainder, and 72 columns (4 panels + 8).
        let x = Naive.tensor([1, 61, 7, 33], seed: 1)
        let weight = Naive.tensor([72, 33, 1, 1], seed: 2), bias = Naive.values(72, seed: 3)
        let expected = Naive.convolution(x, weight: weight, bias: bias, stride: 1, top: 0, left: 0, outHeight: 61, outWidth: 7)
        let conv = Conv2D(torchWeight: weight, bias: bias, padding: .same, activation: .identity)
        bothPaths { path in
            for threads in [1, 2, 3] { XCTAssertLessThan(maxDifference(conv(x, threads: threads), expected), 1e-4, "\(path) t\(threads)") }
        }
    }

    func testStridedConvolutionThroughIm2ColMatchesNaive() {
        for (index, (k, stride, size)) in [(3, 2, 15), (3, 2, 224 / 8), (5, 1, 6), (3, 1, 1)].enumerated() {
            let x = Naive.tensor([2, size, size + 3, 3], seed: UInt64(index))
            let weight = Naive.tensor([32, 3, k, k], seed: UInt64(10 + index)), bias = Naive.values(32, seed: UInt64(20 + index))
            let r = Padding.same.resolve(height: size, width: size + 3, kernelHeight: k, kernelWidth: k, stride: stride)
            var expected = Naive.convolution(x, weight: weight, bias: bias, stride: stride, top: r.top, left: r.left,
                                             outHeight: r.outHeight, outWidth: r.outWidth)
            expected.data = expected.data.map { Activation.relu6($0) }
            let conv = Conv2D(torchWeight: weight, bias: bias, stride: stride, padding: .same, activation: .relu6)
            bothPaths { path in XCTAssertLessThan(maxDifference(conv(x), expected), 1e-4, "\(path) k\(k) s\(stride) \(size)") }
        }
    }

    func testDepthwiseOnRandomShapesMatchesNaive() {
        var generator = SeededGenerator(seed: 11)
        for index in 0..<40 {
            let k = index % 2 == 0 ? 3 : 5, stride = index % 4 < 2 ? 1 : 2
            let h = Int.random(in: 1...20, using: &generator), w = Int.random(in: 1...23, using: &generator)
            let channels = [1, 7, 16, 19, 32, 40, 130, 144][index % 8]
            let x = Naive.tensor([1, h, w, channels], seed: UInt64(index))
            let weight = Naive.tensor([channels, 1, k, k], seed: UInt64(600 + index)), bias = Naive.values(channels, seed: UInt64(700 + index))
            let r = Padding.same.resolve(height: h, width: w, kernelHeight: k, kernelWidth: k, stride: stride)
            var expected = Naive.convolution(x, weight: weight, bias: bias, stride: stride, top: r.top, left: r.left,
                                             outHeight: r.outHeight, outWidth: r.outWidth, groups: channels)
            expected.data = expected.data.map { Activation.relu6($0) }
            let depthwise = DepthwiseConv2D(torchWeight: weight, bias: bias, stride: stride, padding: .same, activation: .relu6)
            bothPaths { path in
                for threads in [1, 2] {
                    XCTAssertLessThan(maxDifference(depthwise(x, threads: threads), expected), 1e-5,
                                      "\(path) \(h)×\(w)×\(channels) k\(k) s\(stride) t\(threads)")
                }
            }
        }
    }

    func testDepthwiseOnARowWindowMatchesTheWholeImage() {
        // What a fused MBConv band does: output rows 5..<9 from a window holding only the input rows they read.
        let (h, w, channels, k, stride) = (20, 17, 48, 5, 2)
        let x = Naive.tensor([1, h, w, channels], seed: 3)
        let depthwise = DepthwiseConv2D(torchWeight: Naive.tensor([channels, 1, k, k], seed: 4),
                                        bias: Naive.values(channels, seed: 5), stride: stride, padding: .same, activation: .relu6)
        let r = Padding.same.resolve(height: h, width: w, kernelHeight: k, kernelWidth: k, stride: stride)
        let rows = 5..<9, firstRow = rows.lowerBound * stride - r.top
        bothPaths { path in
            let whole = depthwise(x)
            var band = [Float](repeating: 0, count: rows.count * r.outWidth * channels)
            x.data.withUnsafeBufferPointer { input in
                band.withUnsafeMutableBufferPointer { output in
                    depthwise.apply(window: input.baseAddress! + firstRow * w * channels, windowFirstRow: firstRow, height: h, width: w,
                                    rows: rows, into: output.baseAddress!, threads: 1)
                }
            }
            let expected = Array(whole.data[(rows.lowerBound * r.outWidth * channels)..<(rows.upperBound * r.outWidth * channels)])
            XCTAssertEqual(band, expected, path)
        }
    }
}
