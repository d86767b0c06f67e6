import Tensor
import XCTest

final class BLASTests: XCTestCase {
    func testSgemmMatchesNaiveProduct() {
        let (m, n, k) = (5, 7, 3)
        let a = (0..<(m * k)).map { Float($0 % 5) - 2 }
        let b = (0..<(k * n)).map { Float($0 % 3) * 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        for i in 0..<m { for j in 0..<n {
            let expected = (0..<k).reduce(Float(0)) { $0 + a[i * k + $1] * b[$1 * n + j] }
            XCTAssertEqual(c[i * n + j], expected, accuracy: 1e-5)
        } }
    }

    func testParallelForEachVisitsEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { buf in
            Parallel.forEach(1000, threads: 4) { buf[$0] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1000))
    }
}
