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

    init(distance: Float, id: UInt32) {
        self.distance = distance
        self.id = id
    }

    /// Unpacks a `key`.
    @inline(__always)
    init(key: UInt64) {
        distance = Float(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
        id = UInt32(truncatingIfNeeded: key)
    }

    /// Distance bits above the id: for distances ≥ 0 the IEEE-754 bit pattern orders like the value,
    /// so comparing keys compares distances, ties broken by the lower id, in one integer compare.
    @inline(__always)
    var key: UInt64 { UInt64(distance.bitPattern) << 32 | UInt64(id) }
}

/// A binary max-heap of candidate keys on a raw buffer that is kept across searches (no allocation
/// per search, no bounds or uniqueness checks in the graph walk). Push `~key` to get a min-heap.
/// A value type over a pointer: its owner (`SearchWorkspace`) frees the buffer.
struct KeyHeap {
    private(set) var keys: UnsafeMutablePointer<UInt64>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        keys = .allocate(capacity: self.capacity)
    }

    func deallocate() { keys.deallocate() }

    var isEmpty: Bool { count == 0 }
    /// The largest key; the heap must not be empty.
    var top: UInt64 { keys[0] }

    @inline(__always)
    mutating func push(_ key: UInt64) {
        if count == capacity { grow() }
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard key > keys[parent] else { break }
            keys[child] = keys[parent]
            child = parent
        }
        keys[child] = key
    }

    /// Removes and returns the largest key; the heap must not be empty.
    @inline(__always)
    @discardableResult
    mutating func pop() -> UInt64 {
        let first = keys[0]
        count -= 1
        let last = keys[count], n = count
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < n else { break }
            if child + 1 < n, keys[child + 1] > keys[child] { child += 1 }
            guard keys[child] > last else { break }
            keys[parent] = keys[child]
            parent = child
        }
        keys[parent] = last
        return first
    }

    mutating func removeAll() { count = 0 }

    /// The keys in ascending order (nearest first); empties the heap.
    mutating func drainAscending() -> [UInt64] {
        let sorted = UnsafeMutableBufferPointer(start: keys, count: count).sorted()
        count = 0
        return sorted
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: keys, count: count)
        keys.deallocate()
        keys = bigger
        capacity *= 2
    }
}

// MARK: - Per-search scratch

/// Scratch for one search at a time, reused across searches: visited marks and the two heaps.
/// Marks are generation tags: a node is visited when its mark equals the current tag, and bumping
/// the tag clears every mark in O(1); the array is zeroed only when the 16-bit tag wraps.
final class SearchWorkspace {
    private(set) var marks: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private(set) var tag: UInt16 = 0
    /// Nearest first (holds complemented keys); the frontier still to expand.
    var candidates = KeyHeap(capacity: 256)
    /// Farthest first; the best `ef` found so far.
    var results = KeyHeap(capacity: 256)
    /// The not yet visited neighbours of the node being expanded.
    let unvisited: UnsafeMutablePointer<UInt32>
    /// A link list copied out under its node's lock, while threads insert side by side.
    let linkCopy: UnsafeMutablePointer<UInt32>

    init(capacity: Int, maxLinks: Int) {
        self.capacity = max(1, capacity)
        unvisited = .allocate(capacity: maxLinks)
        linkCopy = .allocate(capacity: 1 + maxLinks)
        marks = .allocate(capacity: self.capacity)
        marks.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        marks.deallocate()
        unvisited.deallocate()
        linkCopy.deallocate()
        candidates.deallocate()
        results.deallocate()
    }

    /// Starts a search over `nodeCount` nodes: returns with no node marked and both heaps empty.
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

    let maxLinks: Int

    init(maxLinks: Int) { self.maxLinks = maxLinks }

    func withWorkspace<T>(nodeCount: Int, _ body: (SearchWorkspace) -> T) -> T {
        lock.lock()
        let workspace = free.popLast() ?? SearchWorkspace(capacity: nodeCount, maxLinks: maxLinks)
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
