import Foundation
import IndexStore
import JointEmbedding
import PostgresNIO
import PostgresStore
import Search
import Tensor
import XCTest

/// pgvector ranks as our own search does: the same ids in exact mode (the fused text rows, another λ fused at query
/// time, the joint rows alone), recall@10 ≥ 0.95 of its HNSW index against exact (ef_search 128), and schema versioning.
final class PostgresSearchTests: XCTestCase {
    private var url: DatabaseURL!
    override func setUpWithError() throws { url = try TestDatabase.freshURL() }
    override func tearDown() { if let url { TestDatabase.drop(url) } }

    static let sets = [VectorSetSpec(name: "joint", dimension: 16), VectorSetSpec(name: "gem", dimension: 8),
                       VectorSetSpec(name: "max", dimension: 8), VectorSetSpec(name: "bridge", dimension: 16)]

    /// Unit rows in clusters, as embeddings are.
    static func unitRows(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<20).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) } }
        return (0..<count).map { _ in
            let centre = centres[Int.random(in: 0..<centres.count, using: &generator)]
            let row = centre.map { $0 + 0.4 * Float.random(in: -1...1, using: &generator) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return row.map { $0 / norm }
        }
    }

    /// A store of `count` items with random joint, bridge and feature rows; returns it with the joint and bridge rows.
    private func filledStore(count: Int) throws -> (PostgresIndexStore, joint: [[Float]], bridge: [[Float]]) {
        let store = try PostgresIndexStore.openForWriting(url, modelIdentifier: "m", vectorSets: Self.sets, textBridgeWeight: 2)
        let joint = Self.unitRows(count: count, dimension: 16, seed: 1), bridge = Self.unitRows(count: count, dimension: 16, seed: 2)
        let features = Self.unitRows(count: count, dimension: 8, seed: 3)
        for start in stride(from: 0, to: count, by: 1000) {
            try store.upsert((start..<min(count, start + 1000)).map { n in
                ItemUpdate(item: IndexItem(id: String(format: "item%05d", n), title: "Item \(n)", image: "/i/\(n).png", contentHash: "h\(n)"),
                           vectors: ["joint": joint[n], "bridge": bridge[n], "gem": features[n], "max": features[n]])
            })
        }
        return (store, joint, bridge)
    }

    private func fused(_ joint: [[Float]], _ bridge: [[Float]], weight: Float) -> VectorMatrix {
        VectorMatrix(dimension: 32, values: LabelBridge.fusedRows(joint: joint.flatMap { $0 }, jointWidth: 16,
                                                                    bridge: bridge.flatMap { $0 }, bridgeWidth: 16, weight: weight))
    }

    func testExactTextSearchGivesTheIdsOfOurExactScan() throws {
        let (store, joint, bridge) = try filledStore(count: 600)
        let queries = Self.unitRows(count: 20, dimension: 16, seed: 9), queryBridge = Self.unitRows(count: 20, dimension: 16, seed: 10)
        for weight: Float in [2, 0.5] {
            let ours = ExactSearch(fused(joint, bridge, weight: weight))
            let fusedQueries = fused(queries, queryBridge, weight: weight)
            for q in 0..<queries.count {
                let query = fusedQueries.rowArray(q)
                let expected = ours.search(query, k: 10)
                let found = try store.nearestText(query, bridgeWeight: weight, k: 10, scan: .exact)
                XCTAssertEqual(found.map(\.id), expected.map { String(format: "item%05d", $0.index) }, "λ \(weight), query \(q)")
                for (hit, neighbor) in zip(found, expected) { XCTAssertEqual(hit.distance, neighbor.distance, accuracy: 1e-4) }
            }
        }
        // --no-bridge: the joint rows alone.
        let jointOnly = ExactSearch(VectorMatrix(rows: joint))
        for query in queries {
            XCTAssertEqual(try store.nearestText(query, bridgeWeight: nil, k: 10, scan: .exact).map(\.id),
                           jointOnly.search(query, k: 10).map { String(format: "item%05d", $0.index) })
        }
    }

    func testHNSWIndexFindsNinetyFivePercentOfTheExactTopTen() throws {
        let (store, _, _) = try filledStore(count: 5000)
        try store.createTextSearchIndex()
        XCTAssertTrue(try store.hasTextSearchIndex())
        let queries = fused(Self.unitRows(count: 100, dimension: 16, seed: 11), Self.unitRows(count: 100, dimension: 16, seed: 12), weight: 2)
        var hits = 0
        for q in 0..<queries.count {
            let exact = Set(try store.nearestText(queries.rowArray(q), bridgeWeight: 2, k: 10, scan: .exact).map(\.id))
            let approximate = try store.nearestText(queries.rowArray(q), bridgeWeight: 2, k: 10, scan: .approximate(efSearch: 128))
            XCTAssertEqual(approximate.count, 10)
            hits += approximate.filter { exact.contains($0.id) }.count
        }
        let recall = Double(hits) / Double(queries.count * 10)
        XCTAssertGreaterThanOrEqual(recall, 0.95, "recall@10 \(recall)")
    }

    func testSchemaIsVersionedAndOpeningAgainMigratesNothing() throws {
        _ = try PostgresIndexStore.openForWriting(url, modelIdentifier: "m", vectorSets: Self.sets, textBridgeWeight: 2)
        _ = try PostgresIndexStore.openForWriting(url, modelIdentifier: "m", vectorSets: Self.sets, textBridgeWeight: 2)
        let connections = try Connections(url)
        XCTAssertEqual(try connections.integers("SELECT version FROM \"\(url.schema)\".schema_version"), [1])
        let tables = try connections.strings("SELECT tablename::text FROM pg_tables WHERE schemaname = '\(url.schema)' ORDER BY 1")
        XCTAssertEqual(tables, ["item_vectors", "items", "meta", "schema_version", "whitening"])
        try connections.execute("UPDATE \"\(url.schema)\".schema_version SET version = 99")
        XCTAssertThrowsError(try PostgresIndexStore.openForWriting(url, modelIdentifier: "m", vectorSets: Self.sets, textBridgeWeight: 2)) {
            XCTAssertTrue("\($0)".contains("schema version 99"), "\($0)")
        }
    }

    func testWhiteningIsStoredWithARowPerItemAndNewItemsAreWhitenedOnArrival() throws {
        let (store, _, _) = try filledStore(count: 200)
        let gem = try store.vectors("gem")
        let whitening = try PCAWhitening.fit(gem, outputDimension: 4)
        try store.replaceWhitening(whitening, ids: try store.rowOwners().map { $0! }, rows: whitening.apply(gem))
        let stored = try XCTUnwrap(try store.currentWhitening())
        XCTAssertEqual(stored.whitening, whitening)
        let query = whitening.apply(gem.rowArray(7))
        XCTAssertEqual(try store.nearestWhitened(query, whitening: stored, k: 1, scan: .exact).first?.id, "item00007")
        try store.upsert([ItemUpdate(item: IndexItem(id: "new", image: "/n.png", contentHash: "n"),
                                     vectors: ["joint": [Float](repeating: 0.25, count: 16), "bridge": [Float](repeating: 0.25, count: 16),
                                               "gem": [9, 8, 7, 6, 5, 4, 3, 2], "max": [Float](repeating: 1, count: 8)])])
        let newQuery = whitening.apply([9, 8, 7, 6, 5, 4, 3, 2])
        XCTAssertEqual(try store.nearestWhitened(newQuery, whitening: stored, k: 1, scan: .exact).first?.id, "new")
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
        XCTAssertEqual(try store.remove(ids: ["new"]), 1)
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }
}

extension Connections {
    func integers(_ sql: String) throws -> [Int] { try rows(sql).map { try $0[0].decode(Int.self) } }
    func strings(_ sql: String) throws -> [String] { try rows(sql).map { try $0[0].decode(String.self) } }
}
