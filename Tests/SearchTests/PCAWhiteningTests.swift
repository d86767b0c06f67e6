import Foundation
import Search
import Tensor
import XCTest

final class PCAWhiteningTests: XCTestCase {
    /// x = A·z with z ~ N(0, I) and a random mixing A: strongly correlated, unequal variances.
    private func correlatedData(count: Int, dimension: Int, seed: UInt64) -> VectorMatrix {
        var generator = SeededGenerator(seed: seed)
        let mixing = (0..<(dimension * dimension)).map { _ in generator.gaussian() }
        var values: [Float] = []
        for _ in 0..<count {
            let z = (0..<dimension).map { _ in generator.gaussian() }
            for i in 0..<dimension {
                values.append(5 + (0..<dimension).reduce(0) { $0 + mixing[i * dimension + $1] * z[$1] })
            }
        }
        return VectorMatrix(dimension: dimension, values: values)
    }

    private func covariance(_ m: VectorMatrix) -> [[Double]] {
        let d = m.dimension, n = Double(m.count)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<m.count { for j in 0..<d { mean[j] += Double(m.row(i)[j]) / n } }
        var c = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for i in 0..<m.count {
            let row = m.row(i)
            for a in 0..<d { for b in 0..<d { c[a][b] += (Double(row[a]) - mean[a]) * (Double(row[b]) - mean[b]) / n } }
        }
        return c
    }

    func testWhitenedCovarianceIsTheIdentity() throws {
        let data = correlatedData(count: 4_000, dimension: 12, seed: 21)
        let whitening = try PCAWhitening.fit(data, outputDimension: 12)
        XCTAssertEqual(whitening.outputDimension, 12)
        XCTAssertEqual(whitening.eigenvalues, whitening.eigenvalues.sorted(by: >))
        let c = covariance(whitening.apply(data, normalize: false))
        for a in 0..<12 {
            for b in 0..<12 { XCTAssertEqual(c[a][b], a == b ? 1 : 0, accuracy: 1e-3, "cov[\(a)][\(b)]") }
        }
        // Before whitening it was far from it.
        XCTAssertGreaterThan(covariance(data)[0][1].magnitude, 0.5)
    }

    func testKeepsTheStrongestDirectionsAndNormalises() throws {
        let data = correlatedData(count: 1_000, dimension: 10, seed: 22)
        let whitening = try PCAWhitening.fit(data, outputDimension: 4)
        XCTAssertEqual(whitening.outputDimension, 4)
        let full = try PCAWhitening.fit(data, outputDimension: 10)
        XCTAssertEqual(whitening.eigenvalues, Array(full.eigenvalues.prefix(4)))
        let output = whitening.apply(data)
        for i in stride(from: 0, to: 1_000, by: 50) {
            XCTAssertEqual(output.row(i).reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        }
        XCTAssertEqual(whitening.apply(data.rowArray(7)), output.rowArray(7))
    }

    func testFewerRowsThanDimensionsDropsEmptyDirections() throws {
        let data = correlatedData(count: 6, dimension: 16, seed: 23)
        let whitening = try PCAWhitening.fit(data, outputDimension: 512)
        XCTAssertEqual(whitening.outputDimension, 5)  // n − 1 directions carry variance
        XCTAssertTrue(whitening.apply(data).values.allSatisfy(\.isFinite))
        XCTAssertThrowsError(try PCAWhitening.fit(VectorMatrix(rows: [[1, 2]]))) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .invalidArgument)
        }
        XCTAssertThrowsError(try PCAWhitening.fit(VectorMatrix(rows: [[1, 2], [1, 2], [1, 2]])))
    }

    /// A large collection is whitened in blocks of rows; every row must come out as it does alone.
    func testBlockwiseApplyMatchesRowByRow() throws {
        let data = correlatedData(count: 9000, dimension: 6, seed: 11)
        let whitening = try PCAWhitening.fit(data, outputDimension: 4)
        let all = whitening.apply(data)
        XCTAssertEqual(all.count, 9000)
        XCTAssertEqual(all.dimension, 4)
        for row in [0, 4095, 4096, 8191, 8192, 8999] {
            let alone = whitening.apply(data.rowArray(row))
            for j in 0..<4 { XCTAssertEqual(all.row(row)[j], alone[j], accuracy: 1e-5, "row \(row)") }
        }
    }

    func testAMatrixFilledInPlaceHoldsWhatWasWritten() {
        let matrix = VectorMatrix(count: 3, dimension: 2) { values in for i in 0..<6 { values[i] = Float(i) } }
        XCTAssertEqual(matrix.values, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(matrix.rowArray(2), [4, 5])
    }

    /// With an input power the rows are power-normalised and L2-normalised first: a row's scale no longer
    /// matters, and the prepared rows come out with identity covariance.
    func testInputPowerMakesTheWhiteningBlindToARowsScale() throws {
        let data = correlatedData(count: 3_000, dimension: 8, seed: 25)
        let whitening = try PCAWhitening.fit(data, outputDimension: 7, inputPower: 0.5)
        XCTAssertEqual(whitening.inputPower, 0.5)
        let row = data.rowArray(3), scaled = row.map { $0 * 9 }
        for (a, b) in zip(whitening.apply(row), whitening.apply(scaled)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let plain = try PCAWhitening.fit(data, outputDimension: 7)
        XCTAssertNotEqual(plain.apply(row), plain.apply(scaled), "without it a row's scale shows")
        let c = covariance(whitening.apply(data, normalize: false))
        for a in 0..<7 {
            for b in 0..<7 { XCTAssertEqual(c[a][b], a == b ? 1 : 0, accuracy: 2e-3, "cov[\(a)][\(b)]") }
        }
    }

    /// Whitening files written before `inputPower` existed (format version 1) still load, as fitted then.
    func testVersionOneFilesLoadWithoutInputPower() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("whitening.bin")
        let whitening = try PCAWhitening.fit(correlatedData(count: 200, dimension: 5, seed: 26), outputDimension: 4)
        try whitening.save(to: file)
        // Rewrite as version 1: the payload without its inputPower field (bytes 12..<16), a new checksum.
        let written = try Data(contentsOf: file)
        var payload = written.subdata(in: 32..<written.count)
        payload.removeSubrange(12..<16)
        var header = written.subdata(in: 0..<8)
        for value in [UInt64(1) | UInt64(2) << 32, UInt64(payload.count), Self.checksum(payload)] {  // kind version 1, container 2
            withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) }
        }
        try (header + payload).write(to: file)
        XCTAssertEqual(try PCAWhitening.load(from: file), whitening)
    }

    /// The container's checksum: XXH3-64 of the payload.
    private static func checksum(_ data: Data) -> UInt64 {
        data.withUnsafeBytes { Checksum.of($0) }
    }

    func testSavedRowsMapBackAndADamagedFileIsAnError() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rows.bin")
        let rows = correlatedData(count: 50, dimension: 6, seed: 27)
        try rows.save(to: file)
        let mapped = try VectorMatrix(savedFile: file)
        XCTAssertEqual(mapped.count, 50)
        XCTAssertEqual(mapped.values, rows.values)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: file)
        XCTAssertThrowsError(try VectorMatrix(savedFile: file)) { XCTAssertEqual(($0 as? SearchError)?.kind, .checksumMismatch) }
    }

    /// Rows derived block by block stream to disk: blocks of 7 rows of 5 floats (140 bytes) split the checksum's
    /// 8-byte words between writes, yet the file is byte for byte what saving the whole matrix writes, and its
    /// header carries the checksum of the payload computed here independently.
    func testRowsStreamedInBlocksMakeTheSameFileAsTheWholeMatrix() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = correlatedData(count: 50, dimension: 5, seed: 29)
        let whole = directory.appendingPathComponent("whole.bin"), streamed = directory.appendingPathComponent("streamed.bin")
        try rows.save(to: whole)
        var blocks: [Range<Int>] = []
        try VectorMatrix.save(count: 50, dimension: 5, to: streamed, blockRows: 7) { range, scratch in
            blocks.append(range)
            for (offset, row) in range.enumerated() {
                for (column, value) in rows.row(row).enumerated() { scratch[offset * 5 + column] = value }
            }
            return UnsafePointer(scratch)
        }
        XCTAssertEqual(blocks.count, 8)
        XCTAssertEqual(blocks.last, 49..<50)
        let bytes = try Data(contentsOf: streamed)
        XCTAssertEqual(bytes, try Data(contentsOf: whole))
        let payload = bytes.subdata(in: 32..<bytes.count)
        XCTAssertEqual(payload.count, 16 + 50 * 5 * 4)
        XCTAssertEqual(bytes.subdata(in: 24..<32).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) },
                       Self.checksum(payload))
        XCTAssertEqual(try VectorMatrix(savedFile: streamed).values, rows.values)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: directory.path).contains { $0.hasSuffix(".tmp") })
    }

    /// A write that fails (here: the folder is gone) is an error naming the file and leaves no temporary file.
    func testAFailedSaveIsAnIOError() throws {
        let directory = try SyntheticData.temporaryDirectory()
        try FileManager.default.removeItem(at: directory)
        let file = directory.appendingPathComponent("rows.bin")
        XCTAssertThrowsError(try correlatedData(count: 10, dimension: 3, seed: 30).save(to: file)) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .io)
            XCTAssertTrue("\($0)".contains("rows.bin"), "\($0)")
        }
    }

    func testTheFingerprintTellsWhitenings() throws {
        let data = correlatedData(count: 300, dimension: 8, seed: 28)
        let a = try PCAWhitening.fit(data, outputDimension: 6), again = try PCAWhitening.fit(data, outputDimension: 6)
        XCTAssertEqual(a.fingerprint, again.fingerprint)
        XCTAssertNotEqual(a.fingerprint, try PCAWhitening.fit(data, outputDimension: 5).fingerprint)
        XCTAssertNotEqual(a.fingerprint, try PCAWhitening.fit(data, outputDimension: 6, inputPower: 0.5).fingerprint)
    }

    func testSaveLoadRoundTrip() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("whitening.bin")
        let whitening = try PCAWhitening.fit(correlatedData(count: 300, dimension: 8, seed: 24), outputDimension: 6, inputPower: 0.5)
        try whitening.save(to: file)
        XCTAssertEqual(try PCAWhitening.load(from: file), whitening)
        try Data("IMGHNSW\u{0}garbage".utf8).write(to: file)
        XCTAssertThrowsError(try PCAWhitening.load(from: file)) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .badHeader)
        }
    }
}
