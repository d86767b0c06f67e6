import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#endif

// Small pieces the HNSW graph is built from: a growable raw buffer, a candidate heap, the
// per-search scratch space (visited marks) and a reader–writer lock.

// MARK: - Growable buffer

/// A contiguous buffer whose base pointer stays valid until the next `grow` (done under the write lock).
final class GrowableBuffer<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int
    private let filler: Element

    init(capacity: Int, filler: Element) {
        self.capacity = max(1, capacity)
        self.filler = filler
        pointer = .allocate(capacity: self.capacity)
        pointer.initialize(repeating: filler, count: self.capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for at least `needed` elements, doubling to keep appends amortised O(1).
    func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2)
        let newPointer = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newPointer.moveInitialize(from: pointer, count: capacity)
        (newPointer + capacity).initialize(repeating: filler, count: newCapacity - capacity)
        pointer.deallocate()
        pointer = newPointer
        capacity = newCapacity
    }
}

// MARK: - Candidates

/// A graph node and its squared distance to the query.
struct Candidate {
    var distance: Float
    var id: UInt32
}

/// A binary heap of candidates: nearest on top (`nearestFirst`) or farthest on top.
struct CandidateHeap {
    let nearestFirst: Bool
    var items: [Candidate] = []

    init(nearestFirst: Bool, capacity: Int = 0) {
        self.nearestFirst = nearestFirst
        items.reserveCapacity(capacity)
    }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var top: Candidate { items[0] }

    @inline(__always)
    private func before(_ a: Candidate, _ b: Candidate) -> Bool {
        nearestFirst ? a.distance < b.distance : a.distance > b.distance
    }

    mutating func push(_ candidate: Candidate) {
        items.append(candidate)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard before(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Candidate {
        let first = items[0]
        let last = items.removeLast()
        guard !items.isEmpty else { return first }
        items[0] = last
        var parent = 0
        let n = items.count
        while true {
            let left = 2 * parent + 1, right = left + 1
            var chosen = parent
            if left < n, before(items[left], items[chosen]) { chosen = left }
            if right < n, before(items[right], items[chosen]) { chosen = right }
            guard chosen != parent else { break }
            items.swapAt(chosen, parent)
            parent = chosen
        }
        return first
    }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }
}

// MARK: - Per-search scratch

/// Visited marks for one search at a time: a tag per node, bumped per search so that clearing is O(1).
final class SearchWorkspace {
    private(set) var marks: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private(set) var tag: UInt16 = 0
    var candidates = CandidateHeap(nearestFirst: true, capacity: 256)
    var results = CandidateHeap(nearestFirst: false, capacity: 256)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        marks = .allocate(capacity: self.capacity)
        marks.initialize(repeating: 0, count: self.capacity)
    }

    deinit { marks.deallocate() }

    /// Starts a search over `nodeCount` nodes: returns with no node marked.
    func begin(nodeCount: Int) {
        if nodeCount > capacity {
            marks.deallocate()
            capacity = max(nodeCount, capacity * 2)
            marks = .allocate(capacity: capacity)
            marks.initialize(repeating: 0, count: capacity)
            tag = 0
        }
        if tag == UInt16.max {
            marks.update(repeating: 0, count: capacity)
            tag = 0
        }
        tag += 1
        candidates.removeAll()
        results.removeAll()
    }
}

/// Workspaces reused across searches so that concurrent searches never share one.
final class WorkspacePool: @unchecked Sendable {
    private var free: [SearchWorkspace] = []
    private let lock = NSLock()

    func withWorkspace<T>(nodeCount: Int, _ body: (SearchWorkspace) -> T) -> T {
        lock.lock()
        let workspace = free.popLast() ?? SearchWorkspace(capacity: nodeCount)
        lock.unlock()
        defer {
            lock.lock()
            free.append(workspace)
            lock.unlock()
        }
        workspace.begin(nodeCount: nodeCount)
        return body(workspace)
    }
}

// MARK: - Locking

/// Many concurrent readers (searches) or one writer (add).
final class ReadWriteLock: @unchecked Sendable {
    private var lock = pthread_rwlock_t()

    init() { pthread_rwlock_init(&lock, nil) }
    deinit { pthread_rwlock_destroy(&lock) }

    func reading<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return try body()
    }

    func writing<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return try body()
    }
}

// MARK: - Random levels

extension SeededGenerator {
    /// Uniform in (0, 1]: the HNSW level draw takes its logarithm.
    mutating func nextUnit() -> Double { (Double(next() >> 11) + 1) / Double(1 << 53) }
}
