import Search
import Tensor
import XCTest

/// The C kernels against a float64 reference, for every instruction set this CPU runs, at every
/// length up to 70 so that each vector width's tail handling is exercised.
final class DistanceTests: XCTestCase {
    func testEveryKernelMatchesAFloat64Reference() {
        let chosen = Distance.kernelName
        XCTAssertTrue(["avx512", "avx2", "baseline"].contains(chosen))
        defer { Distance._selectKernel(chosen) }
        XCTAssertFalse(Distance._selectKernel("sse9"))
        for kernel in ["baseline", "avx2", "avx512"] where Distance._selectKernel(kernel) {
            XCTAssertEqual(Distance.kernelName, kernel)
            checkAgainstReference(kernel)
        }
    }

    private func checkAgainstReference(_ kernel: String) {
        var generator = SeededGenerator(seed: 5)
        for n in 0...70 {
            let a = (0..<n).map { _ in Float.random(in: -2...2, using: &generator) }
            let b = (0..<n).map { _ in Float.random(in: -2...2, using: &generator) }
            let l2 = zip(a, b).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    // An empty buffer may have no base address; any valid pointer does for n = 0.
                    let pa = a.baseAddress ?? UnsafePointer(bitPattern: 16)!, pb = b.baseAddress ?? pa
                    XCTAssertEqual(Double(Distance.squaredL2(pa, pb, n)), l2, accuracy: 1e-4 * max(1, l2), "\(kernel), n = \(n)")
                    XCTAssertEqual(Double(Distance.dot(pa, pb, n)), dot, accuracy: 1e-4 * max(1, abs(dot)), "\(kernel), n = \(n)")
                }
            }
        }
    }
}
