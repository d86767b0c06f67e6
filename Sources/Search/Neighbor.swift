/// One search result: a row index and its Euclidean distance (not squared) to the query.
public struct Neighbor: Hashable, Sendable, Codable {
    public var index: Int
    public var distance: Float

    public init(index: Int, distance: Float) {
        self.index = index
        self.distance = distance
    }
}

// MARK: - Top-k selection

/// The k smallest (distance, index) pairs seen so far, ordered by distance then index: equal
/// distances keep the lower index, so results are stable whatever order the rows are scanned in.
/// A bounded max-heap: the root is the current worst, and most candidates are rejected by one compare.
@usableFromInline
struct TopK {
    @usableFromInline let k: Int
    @usableFromInline var distances: [Float]
    @usableFromInline var indices: [Int]

    @usableFromInline
    init(k: Int) {
        self.k = max(0, k)
        distances = []
        indices = []
        distances.reserveCapacity(self.k)
        indices.reserveCapacity(self.k)
    }

    /// The distance a candidate must beat (or tie with a lower index) to enter; +∞ until full.
    @inlinable
    var worst: Float { distances.count < k ? .infinity : distances[0] }

    @inlinable
    static func isWorse(_ d1: Float, _ i1: Int, than d2: Float, _ i2: Int) -> Bool {
        d1 > d2 || (d1 == d2 && i1 > i2)
    }

    @inlinable
    mutating func insert(_ distance: Float, _ index: Int) {
        guard k > 0, !distance.isNaN else { return }
        if distances.count < k {
            distances.append(distance)
            indices.append(index)
            siftUp(distances.count - 1)
        } else if Self.isWorse(distances[0], indices[0], than: distance, index) {
            distances[0] = distance
            indices[0] = index
            siftDown(0)
        }
    }

    @usableFromInline
    mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.isWorse(distances[child], indices[child], than: distances[parent], indices[parent]) else { return }
            distances.swapAt(child, parent)
            indices.swapAt(child, parent)
            child = parent
        }
    }

    @usableFromInline
    mutating func siftDown(_ start: Int) {
        var parent = start
        let n = distances.count
        while true {
            var worst = parent
            let left = 2 * parent + 1, right = left + 1
            if left < n, Self.isWorse(distances[left], indices[left], than: distances[worst], indices[worst]) { worst = left }
            if right < n, Self.isWorse(distances[right], indices[right], than: distances[worst], indices[worst]) { worst = right }
            guard worst != parent else { return }
            distances.swapAt(worst, parent)
            indices.swapAt(worst, parent)
            parent = worst
        }
    }

    /// Merges another selection over a disjoint set of rows.
    mutating func merge(_ other: TopK) {
        for (d, i) in zip(other.distances, other.indices) { insert(d, i) }
    }

    /// Best first. `transform` maps the stored score to the reported distance (e.g. sqrt).
    func sorted(_ transform: (Float) -> Float = { $0 }) -> [Neighbor] {
        zip(distances, indices)
            .sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            .map { Neighbor(index: $0.1, distance: transform($0.0)) }
    }
}
