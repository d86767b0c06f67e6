import Foundation
import Tensor

// MARK: - Input affinities P

/// Symmetric joint probabilities p_ij (Σ p_ij = 1) in compressed sparse rows.
struct SparseAffinities {
    var rowStart: [Int]      // count + 1 offsets
    var columns: [Int32]
    var values: [Float]
    var count: Int { rowStart.count - 1 }
}

enum Affinities {
    /// Sparse P from the `3·perplexity` nearest neighbours of each point, as in Barnes–Hut t-SNE.
    static func sparse(_ x: Tensor, perplexity: Double) -> SparseAffinities {
        let n = x.shape[0]
        let k = min(n - 1, Int(3 * perplexity + 1))
        let (neighbors, squaredDistances) = nearestNeighbors(x, k: k)
        var conditional = [Float](repeating: 0, count: n * k)
        conditional.withUnsafeMutableBufferPointer { p in
            squaredDistances.withUnsafeBufferPointer { d in
                Parallel.forEach(n) { i in
                    conditionalRow(d.baseAddress! + i * k, count: k, perplexity: perplexity, into: p.baseAddress! + i * k)
                }
            }
        }
        return symmetrize(neighbors: neighbors, conditional: conditional, count: n, k: k)
    }

    /// Dense P over all pairs (exact t-SNE), row-major n×n.
    static func dense(_ x: Tensor, perplexity: Double) -> [Float] {
        let n = x.shape[0]
        let distances = pairwiseSquaredDistances(x)
        var p = [Float](repeating: 0, count: n * n)
        p.withUnsafeMutableBufferPointer { out in
            distances.withUnsafeBufferPointer { d in
                Parallel.forEach(n) { i in
                    // Row without the diagonal, then spread back with p_ii = 0.
                    var row = [Float](), others = [Float](repeating: 0, count: n - 1)
                    row.reserveCapacity(n - 1)
                    for j in 0..<n where j != i { row.append(d[i * n + j]) }
                    row.withUnsafeBufferPointer { conditionalRow($0.baseAddress!, count: n - 1, perplexity: perplexity, into: &others) }
                    var t = 0
                    for j in 0..<n where j != i { out[i * n + j] = others[t]; t += 1 }
                }
            }
        }
        var total: Double = 0
        for i in 0..<n { for j in 0..<n { total += Double(p[i * n + j] + p[j * n + i]) } }
        let scale = Float(1 / max(total, 1e-12))
        var joint = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { joint[i * n + j] = (p[i * n + j] + p[j * n + i]) * scale } }
        return joint
    }

    // MARK: Perplexity calibration

    /// Binary search for the Gaussian precision β_i whose conditional distribution has the
    /// requested perplexity (entropy = ln perplexity), over squared distances `d`.
    static func conditionalRow(_ d: UnsafePointer<Float>, count: Int, perplexity: Double, into p: UnsafeMutablePointer<Float>) {
        let target = log(perplexity)
        var beta = 1.0, low = -Double.infinity, high = Double.infinity
        var weights = [Double](repeating: 0, count: count)
        for _ in 0..<100 {
            var sum = 0.0, weightedDistance = 0.0
            for j in 0..<count {
                let w = exp(-Double(d[j]) * beta)
                weights[j] = w; sum += w
            }
            sum = max(sum, 1e-8)
            for j in 0..<count { weightedDistance += Double(d[j]) * weights[j] / sum }
            let entropy = log(sum) + beta * weightedDistance
            let difference = entropy - target
            for j in 0..<count { p[j] = Float(weights[j] / sum) }
            if abs(difference) <= 1e-5 { break }
            if difference > 0 {
                low = beta; beta = high.isInfinite ? beta * 2 : (beta + high) / 2
            } else {
                high = beta; beta = low.isInfinite ? beta / 2 : (beta + low) / 2
            }
        }
    }

    // MARK: Neighbours

    /// The k nearest neighbours of every row (self excluded) and their squared distances,
    /// from blocks of BLAS dot products: ‖a−b‖² = ‖a‖² + ‖b‖² − 2a·b.
    static func nearestNeighbors(_ x: Tensor, k: Int) -> (indices: [Int32], squaredDistances: [Float]) {
        let n = x.shape[0], dim = x.shape[1]
        let norms = squaredNorms(x)
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        let block = 512
        var dots = [Float](repeating: 0, count: block * n)
        x.data.withUnsafeBufferPointer { xs in
            for start in stride(from: 0, to: n, by: block) {
                let rows = min(block, n - start)
                dots.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transB: true, m: rows, n: n, k: dim, a: xs.baseAddress! + start * dim, lda: dim,
                               b: xs.baseAddress!, ldb: dim, c: c.baseAddress!, ldc: n)
                }
                dots.withUnsafeBufferPointer { c in
                    indices.withUnsafeMutableBufferPointer { idx in
                        distances.withUnsafeMutableBufferPointer { dist in
                            Parallel.forEach(rows) { r in
                                let i = start + r
                                var heap = NeighborHeap(capacity: k)
                                for j in 0..<n where j != i {
                                    heap.offer(max(0, norms[i] + norms[j] - 2 * c[r * n + j]), Int32(j))
                                }
                                heap.sorted(into: idx.baseAddress! + i * k, distances: dist.baseAddress! + i * k)
                            }
                        }
                    }
                }
            }
        }
        return (indices, distances)
    }

    static func pairwiseSquaredDistances(_ x: Tensor) -> [Float] {
        let n = x.shape[0], dim = x.shape[1]
        let norms = squaredNorms(x)
        var d = [Float](repeating: 0, count: n * n)
        x.data.withUnsafeBufferPointer { xs in
            d.withUnsafeMutableBufferPointer { c in
                BLAS.sgemm(transB: true, m: n, n: n, k: dim, a: xs.baseAddress!, lda: dim, b: xs.baseAddress!, ldb: dim,
                           c: c.baseAddress!, ldc: n)
                for i in 0..<n { for j in 0..<n { c[i * n + j] = i == j ? 0 : max(0, norms[i] + norms[j] - 2 * c[i * n + j]) } }
            }
        }
        return d
    }

    private static func squaredNorms(_ x: Tensor) -> [Float] {
        let n = x.shape[0], dim = x.shape[1]
        return (0..<n).map { i in
            var s: Float = 0
            for t in 0..<dim { s += x.data[i * dim + t] * x.data[i * dim + t] }
            return s
        }
    }

    // MARK: Symmetrisation

    /// p_ij = (p_j|i + p_i|j) / Σ, merged into CSR with sorted columns.
    private static func symmetrize(neighbors: [Int32], conditional: [Float], count n: Int, k: Int) -> SparseAffinities {
        var degree = [Int](repeating: k, count: n)
        for e in 0..<(n * k) { degree[Int(neighbors[e])] += 1 }
        var start = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { start[i + 1] = start[i] + degree[i] }
        var fill = Array(start.dropLast())
        var columns = [Int32](repeating: 0, count: start[n]), values = [Float](repeating: 0, count: start[n])
        for i in 0..<n {
            for t in 0..<k {
                let j = Int(neighbors[i * k + t]), p = conditional[i * k + t]
                columns[fill[i]] = Int32(j); values[fill[i]] = p; fill[i] += 1
                columns[fill[j]] = Int32(i); values[fill[j]] = p; fill[j] += 1
            }
        }
        // Merge duplicate (i, j) entries row by row.
        var mergedStart = [0], mergedColumns = [Int32](), mergedValues = [Float]()
        var total: Double = 0
        for i in 0..<n {
            let order = (start[i]..<start[i + 1]).sorted { columns[$0] < columns[$1] }
            for e in order {
                if let last = mergedColumns.last, mergedColumns.count > mergedStart[i], last == columns[e] {
                    mergedValues[mergedValues.count - 1] += values[e]
                } else {
                    mergedColumns.append(columns[e]); mergedValues.append(values[e])
                }
                total += Double(values[e])
            }
            mergedStart.append(mergedColumns.count)
        }
        let scale = Float(1 / max(total, 1e-12))
        return SparseAffinities(rowStart: mergedStart, columns: mergedColumns, values: mergedValues.map { $0 * scale })
    }
}

// MARK: - Bounded max-heap of the k smallest distances

struct NeighborHeap {
    private var distances: [Float] = []
    private var indices: [Int32] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity; distances.reserveCapacity(capacity); indices.reserveCapacity(capacity) }

    mutating func offer(_ distance: Float, _ index: Int32) {
        if distances.count < capacity {
            distances.append(distance); indices.append(index)
            var c = distances.count - 1
            while c > 0 { let p = (c - 1) / 2; guard distances[p] < distances[c] else { break }; swapAt(p, c); c = p }
        } else if distance < distances[0] {
            distances[0] = distance; indices[0] = index
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var largest = p
                if l < capacity && distances[l] > distances[largest] { largest = l }
                if r < capacity && distances[r] > distances[largest] { largest = r }
                if largest == p { break }
                swapAt(p, largest); p = largest
            }
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) { distances.swapAt(a, b); indices.swapAt(a, b) }

    /// Writes the kept neighbours nearest first.
    func sorted(into idx: UnsafeMutablePointer<Int32>, distances out: UnsafeMutablePointer<Float>) {
        let order = distances.indices.sorted { (distances[$0], indices[$0]) < (distances[$1], indices[$1]) }
        for (t, o) in order.enumerated() { idx[t] = indices[o]; out[t] = distances[o] }
    }
}
