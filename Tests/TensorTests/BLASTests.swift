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

    func testSyrkFillsTheUpperTriangleOfTheGramMatrixOnly() {
        let (k, n) = (6, 4)
        let a = (0..<(k * n)).map { Float(($0 * 7) % 11) - 5 }
        var c = [Float](repeating: -1, count: n * n)
        BLAS.ssyrkUpperTransposed(n: n, k: k, alpha: 0.5, a: a, lda: n, c: &c, ldc: n)
        for i in 0..<n { for j in 0..<n {
            let gram = 0.5 * (0..<k).reduce(Float(0)) { $0 + a[$1 * n + i] * a[$1 * n + j] }
            XCTAssertEqual(c[i * n + j], j >= i ? gram : -1, accuracy: 1e-4, "C[\(i)][\(j)]")
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
