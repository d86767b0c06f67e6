import Foundation
import IndexStore
import XCTest

final class SQLiteIndexStoreTests: XCTestCase {
    private var scratch = ScratchIndex()

    override func tearDown() { scratch.remove() }

    /// The vectors of `id` as the read-only store maps them.
    private func storedVectors(_ store: SQLiteIndexStore, _ id: String) throws -> [String: [Float]] {
        let row = try XCTUnwrap(try store.item(id: id)?.vectorRow)
        return ["joint": try store.vectors("joint").rowArray(row), "gem": try store.vectors("gem").rowArray(row)]
    }

    // MARK: Round trip

    func testItemsAndVectorsSurviveReopening() throws {
        do {
            let store = try scratch.open()
            try store.upsert([ScratchIndex.update(1), ScratchIndex.update(2), ScratchIndex.failure(3)])
        }
        let store = try SQLiteIndexStore.openForReading(at: scratch.directory, expectedModelIdentifier: "model-a")
        XCTAssertEqual(try store.itemCount(), 3)
        XCTAssertEqual(store.vectorSets, ScratchIndex.sets)
        XCTAssertEqual(try storedVectors(store, "item2"), ScratchIndex.vectors(2))
        XCTAssertEqual(try store.item(id: "item1")?.item.title, "Item 1")
        let failed = try XCTUnwrap(try store.item(id: "item3"))
        XCTAssertEqual(failed.item.status, .failed)
        XCTAssertEqual(failed.item.error, "not an image")
        XCTAssertNil(failed.vectorRow)
        XCTAssertEqual(try store.contentHashes(), ["item1": "hash1-v0", "item2": "hash2-v0", "item3": "hash3"])
        XCTAssertEqual(try store.rowOwners(), ["item1", "item2"])
        var seen: [String] = []
        try store.forEachItem { seen.append($0.item.id) }
        XCTAssertEqual(seen, ["item1", "item2", "item3"])
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }

    func testUpdateLeavesAnOrphanRowUntilCompaction() throws {
        let store = try scratch.open()
        try store.upsert((0..<5).map { ScratchIndex.update($0) })
        try store.upsert([ScratchIndex.update(2, version: 1)])
        XCTAssertEqual(try store.remove(ids: ["item4", "unknown"]), 1)
        XCTAssertEqual(try store.orphanRowCount(), 2)
        XCTAssertEqual(try store.rowOwners(), ["item0", "item1", nil, "item3", nil, "item2"])
        XCTAssertEqual(try storedVectors(store, "item2"), ScratchIndex.vectors(2, version: 1))

        try store.compact()
        XCTAssertEqual(try store.orphanRowCount(), 0)
        XCTAssertEqual(try store.rowOwners(), ["item0", "item1", "item3", "item2"])
        for n in [0, 1, 3] { XCTAssertEqual(try storedVectors(store, "item\(n)"), ScratchIndex.vectors(n)) }
        XCTAssertEqual(try storedVectors(store, "item2"), ScratchIndex.vectors(2, version: 1))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.vectorFolder.path).sorted(), ["gem.g1.f32", "joint.g1.f32"])
        let report = try store.checkIntegrity()
        XCTAssertTrue(report.isHealthy, report.description)
        XCTAssertEqual(report.rows, 4)
    }

    func testAnIdTwiceInOneBatchKeepsTheLast() throws {
        let store = try scratch.open()
        try store.upsert([ScratchIndex.update(1), ScratchIndex.update(1, version: 3)])
        XCTAssertEqual(try store.rowOwners(), ["item1"])
        XCTAssertEqual(try storedVectors(store, "item1"), ScratchIndex.vectors(1, version: 3))
    }

    // MARK: Refusals

    func testAnotherModelIsATypedError() throws {
        _ = try scratch.open(model: "model-a")
        XCTAssertThrowsError(try scratch.open(model: "model-b")) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .modelMismatch, "\(error)")
        }
        XCTAssertThrowsError(try SQLiteIndexStore.openForReading(at: scratch.directory, expectedModelIdentifier: "model-b")) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .modelMismatch, "\(error)")
        }
        XCTAssertThrowsError(try scratch.open(sets: [VectorSetSpec(name: "joint", dimension: 8)])) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .invalidArgument, "\(error)")
        }
    }

    func testMalformedUpdateStoresNothing() throws {
        let store = try scratch.open()
        try store.upsert([ScratchIndex.update(1)])
        var bad = ScratchIndex.update(2)
        bad.vectors?["gem"] = [1, 2]
        XCTAssertThrowsError(try store.upsert([ScratchIndex.update(3), bad]))
        XCTAssertEqual(try store.itemCount(), 1)
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }

    func testMissingIndexForReading() {
        XCTAssertThrowsError(try SQLiteIndexStore.openForReading(at: scratch.directory)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .invalidArgument, "\(error)")
        }
    }
}
