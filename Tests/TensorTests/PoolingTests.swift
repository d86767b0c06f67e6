import Foundation
import Tensor
import XCTest

/// Global max/average/GeM pooling, max pooling, dense and residual add against direct formulas.
final class PoolingTests: XCTestCase {
    func testGlobalPoolingsPerChannel() {
        // [1, 2, 2, 2]: channel 0 = 1, 2, 3, 4; channel 1 = 0, 0, 0, 8.
        let x = Tensor(shape: [1, 2, 2, 2], data: [1, 0, 2, 0, 3, 0, 4, 8])
        XCTAssertEqual(GlobalPooling.max(x).data, [4, 8])
        XCTAssertEqual(GlobalPooling.average(x).data, [2.5, 2])
        let gem = GlobalPooling.generalizedMean(x, p: 3).data
        XCTAssertEqual(gem[0], Float(pow((1 + 8 + 27 + 64) / 4.0, 1 / 3.0)), accuracy: 1e-5)
        XCTAssertEqual(gem[1], Float(pow(512 / 4.0, 1 / 3.0)), accuracy: 1e-4)
        // GeM lies between the average and the maximum.
        let random = Tensor(shape: [3, 5, 4, 6], data: Naive.values(360, seed: 9).map { abs($0) })
        let (avg, mx, g) = (GlobalPooling.average(random), GlobalPooling.max(random), GlobalPooling.generalizedMean(random))
        for i in avg.data.indices { XCTAssertTrue(avg.data[i] <= g.data[i] + 1e-6 && g.data[i] <= mx.data[i] + 1e-6) }
    }

    func testFusedPoolingEqualsTheThreeSeparateOnes() {
        // 37 channels: two 16-wide blocks and a tail of 5; negative values exercise GeM's floor.
        let x = Tensor(shape: [2, 3, 5, 37], data: Naive.values(2 * 3 * 5 * 37, seed: 4))
        let fused = GlobalPooling.maxAverageGeM(x)
        XCTAssertEqual(fused.max, GlobalPooling.max(x))
        XCTAssertLessThan(maxDifference(fused.average, GlobalPooling.average(x)), 1e-6)
        XCTAssertLessThan(maxDifference(fused.gem, GlobalPooling.generalizedMean(x, p: 3)), 1e-5)
    }

    func testMaxPoolIgnoresPadding() {
        let x = Tensor(shape: [1, 3, 3, 1], data: [-1, -2, -3, -4, -5, -6, -7, -8, -9])
        let y = MaxPool2D(kernel: 3, stride: 2, padding: 1)(x)
        XCTAssertEqual(y.shape, [1, 2, 2, 1])
        XCTAssertEqual(y.data, [-1, -2, -4, -5])
    }

    func testDenseUsesTorchLayout() {
        let weight = Tensor(shape: [2, 3], data: [1, 2, 3, -1, 0, 1])
        let y = Dense(weight: weight, bias: [0.5, -0.5])(Tensor(shape: [1, 3], data: [1, 1, 2]))
        XCTAssertEqual(y.data, [9.5, 0.5])
        // Two rows take the sgemm path, one row sgemv: same results.
        let two = Dense(weight: weight, bias: [0.5, -0.5])(Tensor(shape: [2, 3], data: [1, 1, 2, 0, 1, 0]))
        XCTAssertEqual(two.data, [9.5, 0.5, 2.5, -0.5])
        // One row split over threads by output features.
        let wide = Dense(weight: Naive.tensor([200, 7], seed: 1), bias: Naive.values(200, seed: 2))
        let row = Naive.tensor([1, 7], seed: 3)
        let viaSgemm = wide(Tensor(shape: [2, 7], data: row.data + row.data))
        XCTAssertLessThan(maxDifference(wide(row, threads: 3), Tensor(shape: [1, 200], data: Array(viaSgemm.data.prefix(200)))), 1e-5)
    }

    func testResidualAddAndActivations() {
        var a = (0..<37).map(Float.init), b = [Float](repeating: 1, count: 37)
        a.withUnsafeMutableBufferPointer { dst in b.withUnsafeBufferPointer { Elementwise.add($0.baseAddress!, into: dst.baseAddress!, count: 37) } }
        XCTAssertEqual(a, (1...37).map(Float.init))
        var v: [Float] = [-1, 3, 7]
        v.withUnsafeMutableBufferPointer { Activation.relu6.apply($0.baseAddress!, count: 3) }
        XCTAssertEqual(v, [0, 3, 6])
    }
}
