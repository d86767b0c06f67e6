import Foundation
import Tensor

/// Vectors stored as one byte per value (4× less memory than float32): per dimension j,
/// x_j ≈ minimum_j + scale_j · code_j with scale_j = (max_j − min_j) / 255, so the rounding error
/// is at most scale_j / 2 per value. Searched exactly over the codes, with the query kept in float
/// (asymmetric distance): the ranking loss is measured by `recall(against:)` in the tests and the benchmark.
public struct QuantizedMatrix: Sendable, Equatable {
    public let count: Int
    public let dimension: Int
    public let minimums: [Float]
    public let scales: [Float]
    /// count × dimension codes, row-major.
    public let codes: [UInt8]

    // MARK: Making

    /// Quantises `matrix` with ranges taken from its own columns.
    public init(quantizing matrix: VectorMatrix) {
        let d = matrix.dimension
        var lows = [Float](repeating: .infinity, count: d), highs = [Float](repeating: -.infinity, count: d)
        for i in 0..<matrix.count {
            for (j, value) in matrix.row(i).enumerated() {
                lows[j] = min(lows[j], value)
                highs[j] = max(highs[j], value)
            }
        }
        if matrix.count == 0 { lows = Array(repeating: 0, count: d); highs = lows }
        let scales = zip(lows, highs).map { low, high in high > low ? (high - low) / 255 : 1 }
        var codes = [UInt8](repeating: 0, count: matrix.count * d)
        for i in 0..<matrix.count {
            for (j, value) in matrix.row(i).enumerated() {
                codes[i * d + j] = UInt8(min(255, max(0, ((value - lows[j]) / scales[j]).rounded())))
            }
        }
        self.init(count: matrix.count, dimension: d, minimums: lows, scales: scales, codes: codes)
    }

    public init(count: Int, dimension: Int, minimums: [Float], scales: [Float], codes: [UInt8]) {
        precondition(minimums.count == dimension && scales.count == dimension && codes.count == count * dimension,
                     "QuantizedMatrix: inconsistent shapes")
        self.count = count
        self.dimension = dimension
        self.minimums = minimums
        self.scales = scales
        self.codes = codes
    }

    /// Bytes held by the codes (the ranges add 8 bytes per dimension).
    public var byteCount: Int { codes.count + 8 * dimension }

    /// Row `index` reconstructed in float.
    public func decodedRow(_ index: Int) -> [Float] {
        (0..<dimension).map { j in minimums[j] + scales[j] * Float(codes[index * dimension + j]) }
    }

    // MARK: Searching

    /// The `k` nearest rows by distance to the reconstructed vectors, best first.
    /// ‖q − x‖² = Σ s_j² (q'_j − c_j)² with q'_j = (q_j − min_j)/s_j: one multiply-add per byte.
    public func search(_ query: [Float], k: Int) -> [Neighbor] {
        precondition(query.count == dimension, "QuantizedMatrix: query has \(query.count) values, rows have \(dimension)")
        let k = min(max(0, k), count)
        guard k > 0 else { return [] }
        let scaledQuery = (0..<dimension).map { (query[$0] - minimums[$0]) / scales[$0] }
        let weights = scales.map { $0 * $0 }
        let chunks = max(1, min(Parallel.threads, count / 4_096))
        var partial = [TopK](repeating: TopK(k: k), count: chunks)
        partial.withUnsafeMutableBufferPointer { partial in
            let partial = partial
            codes.withUnsafeBufferPointer { codes in
                Parallel.forEach(chunks) { chunk in
                    var best = TopK(k: k)
                    for row in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) {
                        let distance = Self.weightedSquaredDistance(scaledQuery, weights, codes.baseAddress! + row * dimension)
                        if distance <= best.worst { best.insert(distance, row) }
                    }
                    partial[chunk] = best
                }
            }
        }
        var best = TopK(k: k)
        for selection in partial { best.merge(selection) }
        return best.sorted { $0.squareRoot() }
    }

    @inline(__always)
    private static func weightedSquaredDistance(_ query: [Float], _ weights: [Float], _ codes: UnsafePointer<UInt8>) -> Float {
        query.withUnsafeBufferPointer { q in
            weights.withUnsafeBufferPointer { w in
                var sum = SIMD8<Float>()
                var j = 0
                let n = q.count
                while j + 8 <= n {
                    let code = SIMD8<Float>(UnsafeRawPointer(codes + j).loadUnaligned(as: SIMD8<UInt8>.self))
                    let qv = UnsafeRawPointer(q.baseAddress! + j).loadUnaligned(as: SIMD8<Float>.self)
                    let wv = UnsafeRawPointer(w.baseAddress! + j).loadUnaligned(as: SIMD8<Float>.self)
                    let difference = qv - code
                    sum += wv * difference * difference
                    j += 8
                }
                var total = sum.sum()
                while j < n {
                    let difference = q[j] - Float(codes[j])
                    total += w[j] * difference * difference
                    j += 1
                }
                return total
            }
        }
    }

    // MARK: Persistence

    static let fileMagic = "IMGQINT8"
    static let fileVersion: UInt32 = 1

    public func save(to url: URL) throws {
        var writer = ByteWriter()
        writer.append(UInt64(count))
        writer.append(UInt32(dimension))
        writer.append(array: minimums)
        writer.append(array: scales)
        writer.append(array: codes)
        try ChecksummedFile.write(writer.data, to: url, magic: Self.fileMagic, version: Self.fileVersion)
    }

    public static func load(from url: URL) throws -> QuantizedMatrix {
        var reader = ByteReader(try ChecksummedFile.read(url, magic: fileMagic, version: fileVersion), file: url.path)
        let count = Int(try reader.read(UInt64.self)), dimension = Int(try reader.read(UInt32.self))
        guard dimension > 0 else { throw SearchError(.badHeader, file: url.path, "dimension 0") }
        let minimums: [Float] = try reader.array(dimension)
        let scales: [Float] = try reader.array(dimension)
        let codes: [UInt8] = try reader.array(count * dimension)
        return QuantizedMatrix(count: count, dimension: dimension, minimums: minimums, scales: scales, codes: codes)
    }
}
