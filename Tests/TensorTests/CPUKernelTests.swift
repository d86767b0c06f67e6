import Tensor
import XCTest

/// Every kernel path this CPU runs (AVX-512, AVX2+FMA, the OpenBLAS/Swift baseline) against naive loops,
/// on shapes chosen to hit every tail: rows not a multiple of the 12- or 6-row tile, columns not a
/// multiple of 8, 16 or 32, single channels, maps narrower than the kernel, strides 1 and 2 with TF SAME
/// padding, and row windows. A path the CPU lacks is reported as skipped, by name.
final class CPUKernelTests: XCTestCase {
    override func tearDown() { CPUKernels.path = CPUKernels.supported }

    /// Tests that already said which paths they skip.
    nonisolated(unsafe) private static var reportedSkips: Set<String> = []

    /// Runs `body` on each path this CPU runs; prints (once per test) the ones it cannot.
    private func everyPath(_ test: String = #function, _ body: (String) -> Void) {
        for path in KernelPath.allCases.reversed() {
            guard path <= CPUKernels.supported else {
                if Self.reportedSkips.insert(test).inserted {
                    print("\(test): \(path) path skipped: this CPU offers \(CPUKernels.supported) at most")
                }
                continue
            }
            CPUKernels.path = path
            body(path.description)
        }
    }

    func testAVX512PathRunsWhereTheCPUHasIt() throws {
        try XCTSkipUnless(CPUKernels.supported >= .avx512, "AVX-512 kernels not run: this CPU offers \(CPUKernels.supported) at most")
        XCTAssertEqual(CPUKernels.runnable, [.baseline, .avx2, .avx512])
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
            everyPath { path in
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
        everyPath { path in
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
            everyPath { path in XCTAssertLessThan(maxDifference(conv(x), expected), 1e-4, "\(path) k\(k) s\(stride) \(size)") }
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
            everyPath { path in
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
        everyPath { path in
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

    func testDenseOnRandomShapesMatchesNaive() {
        // Rows 1 (sgemv), 2, 7 (one short text), 33 (a batch of 32 + 1); columns around the 8/16 vector widths.
        for (index, (rows, inputs, outputs)) in [(1, 19, 40), (2, 1, 17), (7, 384, 100), (33, 19, 9), (33, 384, 1), (12, 33, 48)].enumerated() {
            let x = Naive.tensor([rows, inputs], seed: UInt64(800 + index))
            let weight = Naive.tensor([outputs, inputs], seed: UInt64(900 + index)), bias = Naive.values(outputs, seed: UInt64(1000 + index))
            let activation = [Activation.identity, .relu6][index % 2]
            var expected = [Float](repeating: 0, count: rows * outputs)
            for r in 0..<rows { for o in 0..<outputs {
                var sum = Double(bias[o])
                for i in 0..<inputs { sum += Double(x.data[r * inputs + i]) * Double(weight.data[o * inputs + i]) }
                expected[r * outputs + o] = activation(Float(sum))
            } }
            let dense = Dense(weight: weight, bias: bias, activation: activation)
            everyPath { path in
                for threads in [1, 2] {
                    let y = dense(x, threads: threads)
                    XCTAssertLessThan(maxDifference(y, Tensor(shape: [rows, outputs], data: expected)), 1e-4,
                                      "\(path) \(rows)×\(inputs)→\(outputs) t\(threads)")
                }
            }
        }
    }

    func testGELUMatchesTheErfDefinition() {
        let x = (0..<1001).map { Float($0 - 500) / 60 } + [-1e4, 1e4, 0]
        let expected = x.map { 0.5 * Double($0) * (1 + erf(Double($0) / 2.0.squareRoot())) }
        everyPath { path in
            for count in [1, 7, 16, 33, x.count] {
                var y = Array(x.prefix(count))
                y.withUnsafeMutableBufferPointer { GELU.apply($0.baseAddress!, count: count) }
                let worst = zip(y, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max()!
                XCTAssertLessThan(worst, 1e-6, "\(path) \(count) values")
            }
        }
    }

    func testLayerNormWithResidualMatchesDoublePrecision() {
        for (index, (rows, hidden)) in [(1, 1), (3, 7), (2, 16), (5, 33), (33, 384)].enumerated() {
            let x = Naive.values(rows * hidden, seed: UInt64(1100 + index)), residual = Naive.values(rows * hidden, seed: UInt64(1200 + index))
            let gamma = Naive.values(hidden, seed: UInt64(1300 + index)), beta = Naive.values(hidden, seed: UInt64(1400 + index))
            var expected = [Float](repeating: 0, count: rows * hidden)
            for r in 0..<rows {
                let line = (0..<hidden).map { Double(x[r * hidden + $0]) + Double(residual[r * hidden + $0]) }
                let mean = line.reduce(0, +) / Double(hidden)
                let variance = line.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(hidden)
                for c in 0..<hidden {
                    expected[r * hidden + c] = Float((line[c] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[c]) + Double(beta[c]))
                }
            }
            let norm = LayerNorm(weight: gamma, bias: beta, epsilon: 1e-12)
            everyPath { path in
                var y = x
                y.withUnsafeMutableBufferPointer { out in
                    residual.withUnsafeBufferPointer { norm.apply(out.baseAddress!, adding: $0.baseAddress!, rows: rows, threads: 2) }
                }
                let worst = zip(y, expected).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(worst, hidden == 1 ? 1e-3 : 2e-5, "\(path) \(rows)×\(hidden)")
            }
        }
    }
}
