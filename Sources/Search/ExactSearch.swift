import Foundation
import Tensor

/// Exact k-nearest neighbours by Euclidean distance over a `VectorMatrix`.
///
/// Distances come from ‖q − x‖² = ‖q‖² − 2 q·x + ‖x‖² with the row norms precomputed, so the scan
/// is a SIMD dot product per row (one query) or one BLAS matrix–matrix product per block of rows
/// (a batch), followed by a bounded-heap selection that stays in cache. Results are best first, ties
/// broken by the lower row index, `k > count` returns every row, `k ≤ 0` returns nothing.
///
/// ```swift
/// let search = ExactSearch(VectorMatrix(rows: [[0, 0], [3, 4]]))
/// search.search([0, 0], k: 1)  // [Neighbor(index: 0, distance: 0)]
/// ```
/// The expanded form loses precision when ‖q − x‖ ≪ ‖x‖: expect absolute errors around
/// 1e-3·‖x‖ in the reported distance for near-duplicates; rankings of well-separated rows are exact.
public struct ExactSearch: Sendable {
    public let vectors: VectorMatrix
    /// ‖x‖² of each row.
    public let squaredNorms: [Float]

    /// Below this many rows per worker, one query runs on one thread (spawning costs more).
    static let rowsPerWorker = 8_192
    /// Chunks per worker for one query: enough for the others to absorb a preempted worker's share.
    static let chunksPerWorker = 8
    /// Rows per block for a batch: a 256-query batch yields a 2 MiB score tile.
    static let batchBlock = 2_048

    /// - Parameter squaredNorms: pass stored norms to skip recomputing them (one pass over the rows).
    public init(_ vectors: VectorMatrix, squaredNorms: [Float]? = nil) {
        precondition(squaredNorms == nil || squaredNorms!.count == vectors.count,
                     "ExactSearch: \(squaredNorms?.count ?? 0) norms for \(vectors.count) rows")
        self.vectors = vectors
        self.squaredNorms = squaredNorms ?? vectors.squaredNorms()
    }

    public var count: Int { vectors.count }
    public var dimension: Int { vectors.dimension }

    // MARK: One query

    /// The `k` rows nearest to `query` (length `dimension`), best first.
    ///
    /// One query is a matrix–vector product, bound by memory bandwidth: the rows are cut into more
    /// chunks than workers, each worker streams the chunks it claims through a SIMD dot product and
    /// keeps a top k per chunk. Claiming rather than one fixed share per worker is for busy machines:
    /// when another job preempts one of our threads, the others take over its chunks instead of
    /// waiting for it (a few percent at 1M rows with other builds running; one thread alone already
    /// streams ≈ 29 GB/s here). OpenBLAS's sgemv measured 3–4× slower: it wakes its threads for
    /// every block, and the rows are read once.
    public func search(_ query: [Float], k: Int) -> [Neighbor] {
        precondition(query.count == dimension, "ExactSearch: query has \(query.count) values, rows have \(dimension)")
        let k = min(max(0, k), count)
        guard k > 0 else { return [] }
        let workers = max(1, min(Parallel.threads, count / Self.rowsPerWorker))
        let chunks = workers == 1 ? 1 : min(count / Self.rowsPerWorker, Self.chunksPerWorker * workers)
        var partial = [TopK](repeating: TopK(k: k), count: chunks)
        let claims = ChunkClaims(chunks)
        query.withUnsafeBufferPointer { q in
            squaredNorms.withUnsafeBufferPointer { norms in
                partial.withUnsafeMutableBufferPointer { partial in
                    let partial = partial
                    Parallel.forEach(workers, threads: workers) { _ in
                        while let chunk = claims.next() {
                            var best = TopK(k: k)
                            var worst = best.worst
                            for row in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
                                // ‖x‖² − 2 q·x: the ‖q‖² term is the same for every row.
                                let score = norms[row] - 2 * Distance.dot(q.baseAddress!, vectors.baseAddress + row * dimension, dimension)
                                if score <= worst {
                                    best.insert(score, row)
                                    worst = best.worst
                                }
                            }
                            partial[chunk] = best
                        }
                    }
                }
            }
        }
        var best = TopK(k: k)
        for selection in partial { best.merge(selection) }
        let queryNorm = query.withUnsafeBufferPointer { Distance.dot($0.baseAddress!, $0.baseAddress!, dimension) }
        return best.sorted { Self.euclidean($0 + queryNorm) }
    }

    // MARK: Batches

    /// The `k` nearest rows for each row of `queries`, best first, in query order.
    public func search(queries: VectorMatrix, k: Int) -> [[Neighbor]] {
        precondition(queries.dimension == dimension, "ExactSearch: queries have \(queries.dimension) values, rows have \(dimension)")
        let k = min(max(0, k), count)
        guard k > 0, queries.count > 0 else { return Array(repeating: [], count: queries.count) }
        let queryCount = queries.count
        var best = (0..<queryCount).map { _ in TopK(k: k) }
        let block = Self.batchBlock
        var scores = [Float](repeating: 0, count: queryCount * min(block, count))
        squaredNorms.withUnsafeBufferPointer { norms in
            scores.withUnsafeMutableBufferPointer { scores in
                best.withUnsafeMutableBufferPointer { best in
                    let (scores, best) = (scores, best)
                    var start = 0
                    while start < count {
                        let rows = min(block, count - start)
                        // scores[q][j] = −2 q·x_j for this block of rows.
                        BLAS.sgemm(transB: true, m: queryCount, n: rows, k: dimension, alpha: -2,
                                   a: queries.baseAddress, lda: dimension,
                                   b: vectors.baseAddress + start * dimension, ldb: dimension,
                                   c: scores.baseAddress!, ldc: rows)
                        Parallel.forEach(queryCount) { q in
                            let row = scores.baseAddress! + q * rows
                            for j in 0..<rows { row[j] += norms[start + j] }
                            Self.select(row, rows, offset: start, into: &best[q])
                        }
                        start += rows
                    }
                }
            }
        }
        return (0..<queryCount).map { q in
            let queryNorm = Distance.dot(queries.baseAddress + q * dimension, queries.baseAddress + q * dimension, dimension)
            return best[q].sorted { Self.euclidean($0 + queryNorm) }
        }
    }

    // MARK: Helpers

    /// Offers `rows` scores to the selection; most fail the first compare against the current worst.
    @inline(__always)
    static func select(_ scores: UnsafePointer<Float>, _ rows: Int, offset: Int, into best: inout TopK) {
        var worst = best.worst
        for j in 0..<rows where scores[j] <= worst {
            best.insert(scores[j], offset + j)
            worst = best.worst
        }
    }

    /// Rounding can push a near-zero squared distance slightly negative.
    @inline(__always)
    static func euclidean(_ squared: Float) -> Float { max(0, squared).squareRoot() }
}

/// Hands out chunk numbers 0, 1, … once each, to whichever thread asks first.
private final class ChunkClaims: @unchecked Sendable {
    private let count: Int
    private var claimed = 0
    private let lock = NSLock()

    init(_ count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard claimed < count else { return nil }
        claimed += 1
        return claimed - 1
    }
}
