import Foundation
import Search
import Tensor

/// Reproducible synthetic vectors for the search tests.
extension SeededGenerator {
    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

enum SyntheticData {
    static func uniform(count: Int, dimension: Int, seed: UInt64) -> VectorMatrix {
        var generator = SeededGenerator(seed: seed)
        return VectorMatrix(dimension: dimension,
                            values: (0..<(count * dimension)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// Gaussian clusters around random centres: the shape of real embeddings that HNSW must cope with.
    static func clustered(count: Int, dimension: Int, clusters: Int, spread: Float = 0.3, seed: UInt64) -> VectorMatrix {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in generator.gaussian() } }
        var values: [Float] = []
        values.reserveCapacity(count * dimension)
        for _ in 0..<count {
            let centre = centres[Int.random(in: 0..<clusters, using: &generator)]
            for j in 0..<dimension { values.append(centre[j] + spread * generator.gaussian()) }
        }
        return VectorMatrix(dimension: dimension, values: values)
    }

    /// The obvious O(n·d) answer the fast paths are checked against: sorted by (distance, index).
    static func bruteForce(_ vectors: VectorMatrix, _ query: [Float], k: Int) -> [Neighbor] {
        var all: [Neighbor] = []
        for i in 0..<vectors.count {
            var sum: Double = 0
            for (a, b) in zip(vectors.row(i), query) {
                let difference = Double(a) - Double(b)
                sum += difference * difference
            }
            all.append(Neighbor(index: i, distance: Float(sum.squareRoot())))
        }
        all.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        return Array(all.prefix(max(0, k)))
    }

    /// Fraction of the true top-k found, averaged over queries.
    static func recall(_ found: [[Neighbor]], _ truth: [[Neighbor]]) -> Double {
        let hits = zip(found, truth).map { Set($0.map(\.index)).intersection($1.map(\.index)).count }
        return Double(hits.reduce(0, +)) / Double(truth.map(\.count).reduce(0, +))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("searchtests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
