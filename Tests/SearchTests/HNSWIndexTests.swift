import Foundation
import Search
import XCTest

final class HNSWIndexTests: XCTestCase {
    /// 6,000 indexed rows and 100 queries drawn from the same clusters.
    private static let all = SyntheticData.clustered(count: 6_100, dimension: 32, clusters: 40, seed: 11)
    private static let vectors = VectorMatrix(dimension: 32, values: Array(all.values.prefix(6_000 * 32)))
    private static let queries = VectorMatrix(dimension: 32, values: Array(all.values.suffix(100 * 32)))

    private func build(_ vectors: VectorMatrix = HNSWIndexTests.vectors) -> HNSWIndex {
        let index = HNSWIndex(dimension: vectors.dimension, parameters: .init(m: 12, efConstruction: 100, efSearch: 64))
        index.add(contentsOf: vectors)
        return index
    }

    func testRecallAt10AgainstExactSearchOnClusteredData() {
        let index = build()
        let truth = ExactSearch(Self.vectors).search(queries: Self.queries, k: 10)
        let found = index.search(queries: Self.queries, k: 10)
        let recall = SyntheticData.recall(found, truth)
        XCTAssertGreaterThanOrEqual(recall, 0.95, "recall@10 \(recall)")
        // Distances are true Euclidean distances of the returned rows, best first.
        for (q, neighbors) in found.enumerated() {
            XCTAssertEqual(neighbors.map(\.distance), neighbors.map(\.distance).sorted())
            for neighbor in neighbors {
                let exact = SyntheticData.bruteForce(VectorMatrix(rows: [Self.vectors.rowArray(neighbor.index)]), Self.queries.rowArray(q), k: 1)
                XCTAssertEqual(neighbor.distance, exact[0].distance, accuracy: 1e-4)
            }
        }
    }

    func testEveryIndexedVectorFindsItself() {
        let index = build()
        for row in stride(from: 0, to: Self.vectors.count, by: 97) {
            XCTAssertEqual(index.search(Self.vectors.rowArray(row), k: 1).first?.index, row)
        }
    }

    /// Threads linking blocks of nodes side by side (after the first 1,024 one by one): the graph differs from a
    /// serial build, but must find as well, every row must find itself, and it must save and load as a valid graph.
    func testAGraphBuiltOnSeveralThreadsFindsAsWell() throws {
        let index = HNSWIndex(dimension: 32, parameters: .init(m: 12, efConstruction: 100, efSearch: 64))
        var reports: [Int] = []
        index.add(contentsOf: Self.vectors, threads: 4) { reports.append($0) }
        XCTAssertEqual(index.count, Self.vectors.count)
        XCTAssertEqual(reports.last, Self.vectors.count)
        XCTAssertEqual(reports, reports.sorted())
        let recall = SyntheticData.recall(index.search(queries: Self.queries, k: 10),
                                          ExactSearch(Self.vectors).search(queries: Self.queries, k: 10))
        XCTAssertGreaterThanOrEqual(recall, 0.95, "recall@10 \(recall)")
        for row in stride(from: 0, to: Self.vectors.count, by: 97) {
            XCTAssertEqual(index.search(Self.vectors.rowArray(row), k: 1).first?.index, row)
        }
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("graph.hnsw")
        try index.save(to: file)  // loading validates every link
        XCTAssertEqual(try HNSWIndex.load(from: file, vectors: Self.vectors).search(queries: Self.queries, k: 10),
                       index.search(queries: Self.queries, k: 10))
    }

    func testEdgeCases() {
        let empty = HNSWIndex(dimension: 4)
        XCTAssertEqual(empty.search([0, 0, 0, 0], k: 5), [])
        let tiny = HNSWIndex(dimension: 2)
        tiny.add([0, 0]); tiny.add([3, 4]); tiny.add([1, 0])
        XCTAssertEqual(tiny.search([0, 0], k: 10).map(\.index), [0, 2, 1])
        XCTAssertEqual(tiny.search([0, 0], k: 0), [])
        XCTAssertEqual(tiny.count, 3)
    }

    func testSameSeedBuildsTheSameGraph() throws {
        let subset = VectorMatrix(dimension: 32, values: Array(Self.vectors.values.prefix(32 * 800)))
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("a.hnsw"), second = directory.appendingPathComponent("b.hnsw")
        try build(subset).save(to: first)
        try build(subset).save(to: second)
        XCTAssertEqual(try Data(contentsOf: first), try Data(contentsOf: second))
    }

    func testSaveLoadRoundTripAndIncrementalAdd() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("graph.hnsw")
        let half = VectorMatrix(dimension: 32, values: Array(Self.vectors.values.prefix(32 * 3_000)))
        let original = build(half)
        try original.save(to: file)

        let reloaded = try HNSWIndex.load(from: file, vectors: half)
        XCTAssertEqual(reloaded.count, 3_000)
        XCTAssertEqual(reloaded.search(queries: Self.queries, k: 10), original.search(queries: Self.queries, k: 10))

        // The store grew after the graph was saved: the missing rows are linked on load.
        let grown = try HNSWIndex.load(from: file, vectors: Self.vectors)
        XCTAssertEqual(grown.count, Self.vectors.count)
        let recall = SyntheticData.recall(grown.search(queries: Self.queries, k: 10),
                                          ExactSearch(Self.vectors).search(queries: Self.queries, k: 10))
        XCTAssertGreaterThanOrEqual(recall, 0.95)

        // A build resumed from a checkpoint: loaded without the new rows, which the caller then adds in ranges
        // with progress; the graph is the one linking them on load makes (the random levels continue from the file).
        let resumed = try HNSWIndex.load(from: file, vectors: Self.vectors, linkingNewRows: false)
        XCTAssertEqual(resumed.count, 3_000)
        var reports: [Int] = []
        resumed.add(contentsOf: Self.vectors, rows: 3_000..<4_000) { reports.append($0) }
        resumed.add(contentsOf: Self.vectors, rows: 4_000..<Self.vectors.count)
        XCTAssertEqual(reports, [1_000])
        XCTAssertEqual(resumed.count, Self.vectors.count)
        XCTAssertEqual(resumed.search(queries: Self.queries, k: 10), grown.search(queries: Self.queries, k: 10))
    }

    func testDamagedOrMismatchedFilesAreRejected() throws {
        let directory = try SyntheticData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("graph.hnsw")
        let small = VectorMatrix(dimension: 32, values: Array(Self.vectors.values.prefix(32 * 200)))
        try build(small).save(to: file)

        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        let damaged = directory.appendingPathComponent("damaged.hnsw")
        try bytes.write(to: damaged)
        XCTAssertThrowsError(try HNSWIndex.load(from: damaged, vectors: small)) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .checksumMismatch)
        }
        try bytes.prefix(20).write(to: damaged)
        XCTAssertThrowsError(try HNSWIndex.load(from: damaged, vectors: small)) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .truncated)
        }
        XCTAssertThrowsError(try HNSWIndex.load(from: file, vectors: VectorMatrix(dimension: 16, values: Array(repeating: 0, count: 16 * 400)))) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .dimensionMismatch)
        }
        XCTAssertThrowsError(try HNSWIndex.load(from: file, vectors: VectorMatrix(dimension: 32, values: Array(repeating: 0, count: 32 * 10)))) {
            XCTAssertEqual(($0 as? SearchError)?.kind, .truncated)
        }
    }

    func testConcurrentSearchesWhileAdding() {
        let index = build(VectorMatrix(dimension: 32, values: Array(Self.vectors.values.prefix(32 * 2_000))))
        let extra = VectorMatrix(dimension: 32, values: Array(Self.vectors.values.suffix(32 * 500)))
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker == 0 {
                index.add(contentsOf: extra)
            } else {
                for q in 0..<50 { XCTAssertEqual(index.search(Self.queries.rowArray(q), k: 5).count, 5) }
            }
        }
        XCTAssertEqual(index.count, 2_500)
    }

    // MARK: Scratch reused across searches (visited marks, heaps)

    /// With ef above the node count the walk reaches the whole graph, so the answer is exact:
    /// checks the heaps' order, including ties (duplicate rows) broken by the lower index.
    func testLargeEfGivesTheExactOrderingWithTiesByIndex() {
        var rows = (0..<300).map { Self.vectors.rowArray($0) }
        rows[250] = rows[17]
        rows[260] = rows[17]
        let small = VectorMatrix(rows: rows)
        let index = build(small)
        for q in [17, 3, 99] {
            let found = index.search(small.rowArray(q), k: 20, ef: 400)
            let truth = SyntheticData.bruteForce(small, small.rowArray(q), k: 20)
            XCTAssertEqual(found.map(\.index), truth.map(\.index), "query \(q)")
        }
        XCTAssertEqual(index.search(small.rowArray(17), k: 3, ef: 400).map(\.index), [17, 250, 260])
    }

    /// Visited marks are generation tags, cleared by bumping the tag; more searches than the 16-bit
    /// tag can count must still start from a clean slate each time.
    func testVisitedMarksSurviveTagWraparound() {
        let index = build(VectorMatrix(dimension: 32, values: Array(Self.vectors.values.prefix(32 * 64))))
        let queries = (0..<4).map { Self.queries.rowArray($0) }
        let expected = queries.map { index.search($0, k: 5, ef: 16) }
        var mismatches = 0
        for round in 0..<70_000 where index.search(queries[round % 4], k: 5, ef: 16) != expected[round % 4] {
            mismatches += 1
        }
        XCTAssertEqual(mismatches, 0)
    }
}
