import Tensor

/// Exact k-nearest neighbours by Euclidean distance over a `VectorMatrix`.
///
/// Distances come from ‖q − x‖² = ‖q‖² − 2 q·x + ‖x‖² with the row norms precomputed, so the scan
/// is one BLAS matrix–vector product (one query) or matrix–matrix product (a batch) per block of
/// rows, followed by a bounded-heap selection that stays in cache. Results are best first, ties
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

    /// Rows scanned per BLAS call for one query: the partial scores stay in L2 for the selection.
    static let singleQueryBlock = 16_384
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
    public func search(_ query: [Float], k: Int) -> [Neighbor] {
        precondition(query.count == dimension, "ExactSearch: query has \(query.count) values, rows have \(dimension)")
        let k = min(max(0, k), count)
        guard k > 0 else { return [] }
        var best = TopK(k: k)
        let block = Self.singleQueryBlock
        var scores = [Float](repeating: 0, count: min(block, count))
        query.withUnsafeBufferPointer { q in
            squaredNorms.withUnsafeBufferPointer { norms in
                scores.withUnsafeMutableBufferPointer { scores in
                    var start = 0
                    while start < count {
                        let rows = min(block, count - start)
                        // scores = ‖x‖² − 2 X·q, the ‖q‖² term is the same for every row.
                        scores.baseAddress!.update(from: norms.baseAddress! + start, count: rows)
                        BLAS.sgemv(m: rows, n: dimension, alpha: -2, a: vectors.baseAddress + start * dimension,
                                   lda: dimension, x: q.baseAddress!, beta: 1, y: scores.baseAddress!)
                        Self.select(scores.baseAddress!, rows, offset: start, into: &best)
                        start += rows
                    }
                }
            }
        }
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
