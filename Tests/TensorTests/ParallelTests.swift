import Dispatch
import Tensor
import XCTest

/// `Parallel.forEach` runs on a spinning pool when it is free and on GCD otherwise (nested or concurrent
/// calls): every index must run exactly once either way.
final class ParallelTests: XCTestCase {
    func testNestedAndConcurrentLoopsVisitEveryIndexOnce() {
        let outer = 6, inner = 37
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 4 * outer * inner)
        counts.initialize(repeating: 0, count: 4 * outer * inner)
        defer { counts.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in      // concurrent callers
            for _ in 0..<50 {
                Parallel.forEach(outer, threads: 2) { i in             // pool, or GCD if another caller has it
                    Parallel.forEach(inner, threads: 3) { j in         // nested: GCD
                        counts[(caller * outer + i) * inner + j] += 1
                    }
                }
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: counts, count: 4 * outer * inner)), [Int](repeating: 50, count: 4 * outer * inner))
    }

    func testWorkerCountsAboveTheCoreCount() {
        var seen = [Int](repeating: 0, count: 100)
        seen.withUnsafeMutableBufferPointer { s in
            let p = s.baseAddress!
            Parallel.forEach(100, threads: 9) { p[$0] += 1 }
        }
        XCTAssertEqual(seen, [Int](repeating: 1, count: 100))
    }
}
