import Foundation

// MARK: - Dynamic work distribution

/// Runs `body(i)` for i in 0..<count on `threads` workers that each take the next index when free.
/// Unlike `Parallel.forEach`'s fixed contiguous chunks, this balances work of very uneven cost
/// (one SVG renders in 1 ms, another in 2 s).
enum WorkQueue {
    static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let next = NextIndex()
        let workers = max(1, min(threads, count))
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let index = next.take(below: count) { body(index) }
            }
        }
    }

    private final class NextIndex: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func take(below count: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard value < count else { return nil }
            value += 1
            return value - 1
        }
    }
}

/// Thread-safe progress counting that reports through the builder's callback.
final class ProgressCounter: @unchecked Sendable {
    private let stage: String
    private let total: Int
    private let progress: DemoDatasetBuilder.Progress?
    private let lock = NSLock()
    private var done = 0

    init(stage: String, total: Int, progress: DemoDatasetBuilder.Progress?) {
        self.stage = stage
        self.total = total
        self.progress = progress
        progress?(stage, 0, total)
    }

    func advance() {
        lock.lock()
        done += 1
        let current = done
        lock.unlock()
        progress?(stage, current, total)
    }
}
