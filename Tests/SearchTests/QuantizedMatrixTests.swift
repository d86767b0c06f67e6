import Foundation
import Search
import XCTest

final class QuantizedMatrixTests: XCTestCase {
    func testReconstructionErrorIsWithinHalfAStep() {
        let vectors = SyntheticData.uniform(count: 500, dimension: 19, seed: 31)
        let quantized = QuantizedMatrix(quantizing: vectors)
        XCTAssertEqual(quantized.codes.count, 500 * 19)
        for i in stride(from: 0, to: 500, by: 37) {
            for (j, (decoded, original)) in zip(quantized.decodedRow(i), vectors.row(i)).enumerated() {
                XCTAssertEqual(decoded, original, accuracy: quantized.scales[j] / 2 + 1e-6)
            }
        }
    }

    func testRecallAgainstFloatExactSearch() {
        let all = SyntheticData.clustered(count: 10_050, dimension: 64, clusters: 50, seed: 32)
        let vectors = VectorMatrix(dimension: 64, values: Array(all.values.prefix(10_000 * 64)))
        let queries = VectorMatrix(dimension: 64, values: Array(all.values.suffix(50 * 64)))
        let quantized = QuantizedMatrix(quantizing: vectors)
        let exact = ExactSearch(vectors)
        let found = (0..<queries.count).map { quantized.search(queries.rowArray($0), k: 10) }
        let truth = exact.search(queries: queries, k: 10)
        let recall = SyntheticData.recall(found, truth)
        XCTAssertGreaterThanOrEqual(recall, 0.9, "int8 recall@10 \(recall)")
        XCTAssertLessThan(Double(quantized.byteCount), Double(vectors.count * vectors.dimension * 4) / 3.9)
        // Distances are those of the reconstructed rows.
        let first = found[0][0]
        let reconstructed = VectorMatrix(rows: [quantized.decodedRow(first.index)])
        XCTAssertEqual(first.distance, SyntheticData.bruteForce(reconstructed, queries.rowArray(0), k: 1)[0].distance, accuracy: 1e-3)
        XCTAssertEqual(quantized.search(queries.rowArray(0), k: 0), [])
        XCTAssertEqual(quantized.search(queries.rowArray(0), k: 20_000).count, 10_000)
    }

    func testSaveLoadRoundTrip() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("vectors.q8")
        let quantized = QuantizedMatrix(quantizing: SyntheticData.uniform(count: 100, dimension: 8, seed: 34))
        try quantized.save(to: file)
        XCTAssertEqual(try QuantizedMatrix.load(from: file), quantized)
    }
}
