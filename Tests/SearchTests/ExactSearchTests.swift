import Foundation
import Search
import XCTest

final class ExactSearchTests: XCTestCase {
    func testMatchesBruteForceOnRandomData() {
        // 37 dimensions: exercises the SIMD tail; 20,000 rows: more than one scan block.
        let vectors = SyntheticData.uniform(count: 20_000, dimension: 37, seed: 1)
        let search = ExactSearch(vectors)
        let queries = SyntheticData.uniform(count: 5, dimension: 37, seed: 2)
        for q in 0..<queries.count {
            let query = queries.rowArray(q)
            let found = search.search(query, k: 10)
            let truth = SyntheticData.bruteForce(vectors, query, k: 10)
            XCTAssertEqual(found.map(\.index), truth.map(\.index))
            for (f, t) in zip(found, truth) { XCTAssertEqual(f.distance, t.distance, accuracy: 1e-3) }
        }
    }

    func testTiesAreBrokenByLowerIndexWhateverTheBlock() {
        // Small integers: every distance is exact in float, so duplicates tie exactly.
        var rows: [[Float]] = []
        for i in 0..<40_000 { rows.append([Float(i % 7), Float(i % 3), 1, 2]) }
        let search = ExactSearch(VectorMatrix(rows: rows))
        let found = search.search([3, 1, 1, 2], k: 12)
        let truth = SyntheticData.bruteForce(VectorMatrix(rows: rows), [3, 1, 1, 2], k: 12)
        XCTAssertEqual(found.map(\.index), truth.map(\.index))
        XCTAssertEqual(found.first?.index, 10)  // first i with i%7 == 3 and i%3 == 1
        XCTAssertEqual(found.map(\.distance), Array(repeating: 0, count: 12))
        let batch = search.search(queries: VectorMatrix(rows: [[3, 1, 1, 2]]), k: 12)
        XCTAssertEqual(batch[0], found)
    }

    func testKLargerThanCountReturnsEveryRowAndZeroReturnsNone() {
        let vectors = VectorMatrix(rows: [[0, 0], [3, 4], [1, 0]])
        let search = ExactSearch(vectors)
        XCTAssertEqual(search.search([0, 0], k: 10),
                       [Neighbor(index: 0, distance: 0), Neighbor(index: 2, distance: 1), Neighbor(index: 1, distance: 5)])
        XCTAssertEqual(search.search([0, 0], k: 0), [])
        XCTAssertEqual(search.search([0, 0], k: -3), [])
        XCTAssertEqual(search.search(queries: vectors, k: 0), [[], [], []])
    }

    func testBatchMatchesSingleQueries() {
        let vectors = SyntheticData.uniform(count: 5_000, dimension: 64, seed: 3)
        let queries = SyntheticData.uniform(count: 33, dimension: 64, seed: 4)
        let search = ExactSearch(vectors)
        let batch = search.search(queries: queries, k: 7)
        for q in 0..<queries.count {
            let single = search.search(queries.rowArray(q), k: 7)
            XCTAssertEqual(batch[q].map(\.index), single.map(\.index), "query \(q)")
            for (b, s) in zip(batch[q], single) { XCTAssertEqual(b.distance, s.distance, accuracy: 1e-4) }
        }
    }

    func testEmptyCollection() {
        let search = ExactSearch(VectorMatrix(dimension: 3, values: []))
        XCTAssertEqual(search.search([1, 2, 3], k: 5), [])
    }

    func testMemoryMappedRowsSearchLikeOwnedRows() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let vectors = SyntheticData.uniform(count: 300, dimension: 16, seed: 5)
        let header = Data(repeating: 7, count: 64)
        let file = directory.appendingPathComponent("vectors.f32")
        try (header + vectors.values.withUnsafeBufferPointer { Data(buffer: $0) }).write(to: file)
        let mapped = try VectorMatrix(mappedFile: file, offset: 64, count: 300, dimension: 16)
        XCTAssertEqual(mapped.values, vectors.values)
        XCTAssertEqual(ExactSearch(mapped).search(vectors.rowArray(9), k: 3).first, Neighbor(index: 9, distance: 0))
        XCTAssertThrowsError(try VectorMatrix(mappedFile: file, offset: 64, count: 301, dimension: 16)) { error in
            XCTAssertEqual((error as? SearchError)?.kind, .truncated)
        }
        XCTAssertThrowsError(try VectorMatrix(mappedFile: directory.appendingPathComponent("missing"), offset: 0, count: 1, dimension: 1))
    }
}
