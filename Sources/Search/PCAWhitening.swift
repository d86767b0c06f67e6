import Foundation
import Tensor

/// PCA whitening learnt from a collection: x ↦ normalise(Λ^(−power) Uᵀ (x̂ − μ)), keeping the
/// `outputDimension` strongest principal directions. With power 0.5 the output covariance is the
/// identity (full whitening): frequent, uninformative feature directions stop dominating distances,
/// which is what makes image→image search generalise across sources. x̂ is x with
/// each value raised to `inputPower` (sign kept) and the row L2-normalised, when `inputPower` > 0:
/// the power-law normalisation of image retrieval, which tames bursty channels before the PCA.
///
/// ```swift
/// let whitening = try PCAWhitening.fit(gemFeatures, outputDimension: 512)
/// let indexed = whitening.apply(gemFeatures)      // rows L2-normalised
/// let query = whitening.apply(queryFeatures)
/// ```
public struct PCAWhitening: Sendable, Equatable {
    public let inputDimension: Int
    public let outputDimension: Int
    /// Exponent applied to the eigenvalues: 0.5 whitens fully, 0 only rotates.
    public let power: Float
    /// Signed power applied to each input value before the row is L2-normalised; 0 leaves inputs as they are.
    public let inputPower: Float
    public let mean: [Float]
    /// Eigenvalues of the kept directions, largest first.
    public let eigenvalues: [Float]
    /// outputDimension × inputDimension, row i = uᵢ · λᵢ^(−power).
    public let projection: [Float]

    /// Rows per centred block while accumulating the covariance.
    private static let block = 4_096

    public init(inputDimension: Int, power: Float, inputPower: Float = 0, mean: [Float], eigenvalues: [Float], projection: [Float]) {
        precondition(mean.count == inputDimension && projection.count == eigenvalues.count * inputDimension,
                     "PCAWhitening: inconsistent shapes")
        self.inputDimension = inputDimension
        self.outputDimension = eigenvalues.count
        self.power = power
        self.inputPower = inputPower
        self.mean = mean
        self.eigenvalues = eigenvalues
        self.projection = projection
    }

    // MARK: Fitting

    /// Fits on `features` (one row per indexed image). Directions with (numerically) zero variance
    /// are dropped, so fewer than `outputDimension` come out when the collection has fewer rows.
    public static func fit(_ features: VectorMatrix, outputDimension: Int = 512, power: Float = 0.5,
                           inputPower: Float = 0) throws -> PCAWhitening {
        let n = features.count, d = features.dimension
        guard n >= 2 else {
            throw SearchError(.invalidArgument, file: "PCAWhitening", "needs at least 2 rows to fit, got \(n)")
        }
        let mean = columnMeans(features, inputPower: inputPower)
        let covariance = self.covariance(features, mean: mean, inputPower: inputPower)
        let (values, vectors) = try SymmetricEigen.decompose(covariance, dimension: d)
        // Relative cut: below it an eigenvalue is rounding noise and its direction would be amplified noise.
        let floor = max(values[0], 0) * 1e-6
        let kept = min(outputDimension, values.prefix { $0 > floor }.count)
        guard kept > 0 else {
            throw SearchError(.invalidArgument, file: "PCAWhitening", "the \(n) rows have no variance")
        }
        var projection = [Float](repeating: 0, count: kept * d)
        for i in 0..<kept {
            let scale = powf(values[i], -power)
            for j in 0..<d { projection[i * d + j] = vectors[i * d + j] * scale }
        }
        return PCAWhitening(inputDimension: d, power: power, inputPower: inputPower, mean: mean,
                            eigenvalues: Array(values.prefix(kept)), projection: projection)
    }

    /// Column means of the prepared rows, block by block (per-block sums by sgemv, accumulated in Double).
    private static func columnMeans(_ features: VectorMatrix, inputPower: Float) -> [Float] {
        let n = features.count, d = features.dimension
        var sums = [Double](repeating: 0, count: d)
        var prepared = [Float](repeating: 0, count: min(block, n) * d), blockSum = [Float](repeating: 0, count: d)
        let ones = [Float](repeating: 1, count: min(block, n))
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            prepared.withUnsafeMutableBufferPointer { prepareRows(features, start: start, count: rows, inputPower: inputPower, mean: nil, into: $0.baseAddress!) }
            BLAS.sgemv(transA: true, m: rows, n: d, a: prepared, lda: d, x: ones, y: &blockSum)
            for j in 0..<d { sums[j] += Double(blockSum[j]) }
        }
        return sums.map { Float($0 / Double(n)) }
    }

    /// Rows `start..<start + count` prepared (`prepare`) and, with `mean`, centred, into `out` — in parallel.
    private static func prepareRows(_ features: VectorMatrix, start: Int, count: Int, inputPower: Float, mean: [Float]?,
                                    into out: UnsafeMutablePointer<Float>) {
        let d = features.dimension
        Parallel.forEach(count) { r in
            let target = out + r * d
            prepare(features.row(start + r), inputPower: inputPower, into: target)
            if let mean { for j in 0..<d { target[j] -= mean[j] } }
        }
    }

    /// `row` as the whitening sees it: with `inputPower` > 0, each value raised to it (sign kept) and the
    /// row L2-normalised; otherwise copied as it is.
    private static func prepare(_ row: UnsafeBufferPointer<Float>, inputPower: Float, into out: UnsafeMutablePointer<Float>) {
        guard inputPower > 0 else { out.update(from: row.baseAddress!, count: row.count); return }
        var sum: Float = 0
        for j in 0..<row.count {
            let value = row[j] < 0 ? -powf(-row[j], inputPower) : powf(row[j], inputPower)
            out[j] = value
            sum += value * value
        }
        let scale = sum > 0 ? 1 / sum.squareRoot() : 0
        for j in 0..<row.count { out[j] *= scale }
    }

    /// (1/n) Σ (x − μ)(x − μ)ᵀ, centring block by block so that no precision is lost to a large mean.
    private static func covariance(_ features: VectorMatrix, mean: [Float], inputPower: Float) -> [Float] {
        let n = features.count, d = features.dimension
        var covariance = [Float](repeating: 0, count: d * d)
        var centred = [Float](repeating: 0, count: min(block, n) * d)
        var start = 0
        while start < n {
            let rows = min(block, n - start)
            centred.withUnsafeMutableBufferPointer {
                prepareRows(features, start: start, count: rows, inputPower: inputPower, mean: mean, into: $0.baseAddress!)
            }
            BLAS.ssyrkUpperTransposed(n: d, k: rows, alpha: 1 / Float(n), a: centred, lda: d, beta: 1, c: &covariance, ldc: d)
            start += rows
        }
        for i in 0..<d { for j in 0..<i { covariance[i * d + j] = covariance[j * d + i] } }  // mirror the upper triangle
        return covariance
    }

    // MARK: Applying

    /// Whitens every row; `normalize` L2-normalises the results (what search uses).
    public func apply(_ features: VectorMatrix, normalize: Bool = true) -> VectorMatrix {
        guard features.count > 0 else { return VectorMatrix(dimension: outputDimension, values: []) }
        return VectorMatrix(count: features.count, dimension: outputDimension) { output in
            apply(features, rows: 0..<features.count, normalize: normalize, into: output)
        }
    }

    /// Whitens rows `rows` of `features` into `output` (`rows.count × outputDimension` floats). Rows are
    /// centred a block at a time into one small buffer and projected straight into `output`: at a million
    /// rows a full centred copy alone would be 5 GB.
    public func apply(_ features: VectorMatrix, rows: Range<Int>, normalize: Bool = true, into output: UnsafeMutablePointer<Float>) {
        precondition(features.dimension == inputDimension,
                     "PCAWhitening: rows have \(features.dimension) values, fitted on \(inputDimension)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= features.count, "PCAWhitening: rows \(rows) of \(features.count)")
        let block = Self.block, width = outputDimension
        var centred = [Float](repeating: 0, count: min(block, rows.count) * inputDimension)
        for start in stride(from: rows.lowerBound, to: rows.upperBound, by: block) {
            let count = min(block, rows.upperBound - start)
            centred.withUnsafeMutableBufferPointer {
                Self.prepareRows(features, start: start, count: count, inputPower: inputPower, mean: mean, into: $0.baseAddress!)
            }
            let target = output + (start - rows.lowerBound) * width
            BLAS.sgemm(transB: true, m: count, n: width, k: inputDimension, a: centred, lda: inputDimension,
                       b: projection, ldb: inputDimension, c: target, ldc: width)
            guard normalize else { continue }
            Parallel.forEach(count) { r in
                let values = target + r * width
                var sum: Float = 0
                for j in 0..<width { sum += values[j] * values[j] }
                let norm = sum.squareRoot()
                if norm > 0 { for j in 0..<width { values[j] /= norm } }
            }
        }
    }

    /// Whitens one feature vector.
    public func apply(_ feature: [Float], normalize: Bool = true) -> [Float] {
        apply(VectorMatrix(dimension: inputDimension, values: feature), normalize: normalize).rowArray(0)
    }

    // MARK: Persistence

    static let fileMagic = "IMGWHITE"
    /// Version 2 added `inputPower`; version 1 files read with it 0 (how they were fitted).
    static let fileVersion: UInt32 = 2

    public func save(to url: URL) throws {
        try ChecksummedFile.write(serialized(), to: url, magic: Self.fileMagic, version: Self.fileVersion)
    }

    /// A checksum of everything that defines this whitening: rows whitened by an equal fingerprint are interchangeable.
    public var fingerprint: UInt64 { ChecksummedFile.checksum(serialized()) }

    private func serialized() -> Data {
        var writer = ByteWriter()
        writer.append(UInt32(inputDimension))
        writer.append(UInt32(outputDimension))
        writer.append(power)
        writer.append(inputPower)
        writer.append(array: mean)
        writer.append(array: eigenvalues)
        writer.append(array: projection)
        return writer.data
    }

    public static func load(from url: URL) throws -> PCAWhitening {
        let payload: Data, version: UInt32
        do {
            payload = try ChecksummedFile.read(url, magic: fileMagic, version: fileVersion)
            version = fileVersion
        } catch let error as SearchError where error.kind == .versionMismatch {
            payload = try ChecksummedFile.read(url, magic: fileMagic, version: 1)
            version = 1
        }
        var reader = ByteReader(payload, file: url.path)
        let input = Int(try reader.read(UInt32.self)), output = Int(try reader.read(UInt32.self))
        let power = try reader.readFloat()
        let inputPower = version >= 2 ? try reader.readFloat() : 0
        guard input > 0, output > 0, output <= input else {
            throw SearchError(.badHeader, file: url.path, "whitening \(input) → \(output) dimensions is not valid")
        }
        let mean: [Float] = try reader.array(input)
        let eigenvalues: [Float] = try reader.array(output)
        let projection: [Float] = try reader.array(output * input)
        return PCAWhitening(inputDimension: input, power: power, inputPower: inputPower, mean: mean, eigenvalues: eigenvalues,
                            projection: projection)
    }
}
