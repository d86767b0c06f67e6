import Search
import Tensor
import XCTest

/// The C kernels (AVX-512, AVX2 or baseline, whichever this CPU runs) against a float64 reference,
/// at every length up to 70 so that each vector width's tail handling is exercised.
final class DistanceTests: XCTestCase {
    func testSquaredL2AndDotMatchAFloat64Reference() {
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
                    XCTAssertEqual(Double(Distance.squaredL2(pa, pb, n)), l2, accuracy: 1e-4 * max(1, l2), "n = \(n)")
                    XCTAssertEqual(Double(Distance.dot(pa, pb, n)), dot, accuracy: 1e-4 * max(1, abs(dot)), "n = \(n)")
                }
            }
        }
        XCTAssertTrue(["avx512", "avx2", "baseline"].contains(Distance.kernelName))
    }
}
