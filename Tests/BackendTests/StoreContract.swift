import Foundation
import IndexStore
import PostgresStore
import XCTest

/// One backend under test: how to open its store for writing and reading again.
protocol StoreBackend {
    func open(model: String, sets: [VectorSetSpec]) throws -> any IndexStoreProtocol
    func reopenForReading() throws -> any IndexStoreProtocol
    func cleanUp()
}

struct EmbeddedBackend: StoreBackend {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
    func open(model: String, sets: [VectorSetSpec]) throws -> any IndexStoreProtocol {
        try SQLiteIndexStore.openForWriting(at: directory, modelIdentifier: model, vectorSets: sets)
    }
    func reopenForReading() throws -> any IndexStoreProtocol { try SQLiteIndexStore.openForReading(at: directory) }
    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

struct DatabaseBackend: StoreBackend {
    let url: DatabaseURL
    init() throws { url = try TestDatabase.freshURL() }
    func open(model: String, sets: [VectorSetSpec]) throws -> any IndexStoreProtocol {
        try PostgresIndexStore.openForWriting(url, modelIdentifier: model, vectorSets: sets, textBridgeWeight: 2)
    }
    func reopenForReading() throws -> any IndexStoreProtocol { try PostgresIndexStore.openForReading(url) }
    func cleanUp() { TestDatabase.drop(url) }
}

/// What every store promises, written once and run against each backend (`StoreContractTests`).
enum StoreContract {
    static let sets = [VectorSetSpec(name: "joint", dimension: 4), VectorSetSpec(name: "gem", dimension: 6)]

    static func vectors(_ n: Int, version: Int = 0) -> [String: [Float]] {
        ["joint": (0..<4).map { Float(n * 10 + $0) + Float(version) / 2 },
         "gem": (0..<6).map { Float(-n) - Float($0) / 10 - Float(version) }]
    }

    static func update(_ n: Int, version: Int = 0) -> ItemUpdate {
        ItemUpdate(item: IndexItem(id: "item\(n)", title: "Item \(n)", group: "g\(n % 3)", image: "/images/\(n).png",
                                   contentHash: "hash\(n)-v\(version)"), vectors: vectors(n, version: version))
    }

    static func failure(_ n: Int) -> ItemUpdate {
        ItemUpdate(item: IndexItem(id: "item\(n)", image: "/images/\(n).png", contentHash: "hash\(n)", status: .failed,
                                   error: "not an image"), vectors: nil)
    }

    static func itemsAndVectorsSurviveReopening(_ backend: StoreBackend) throws {
        try backend.open(model: "model-a", sets: sets).upsert([update(1), update(2), failure(3)])
        let store = try backend.reopenForReading()
        XCTAssertEqual(store.modelIdentifier, "model-a")
        XCTAssertEqual(store.vectorSets, sets)
        XCTAssertEqual(try store.itemCount(), 3)
        XCTAssertEqual(try store.storedVectors(id: "item2"), vectors(2))
        XCTAssertEqual(try store.item(id: "item1")?.item.title, "Item 1")
        XCTAssertEqual(try store.item(id: "item1")?.item.group, "g1")
        let failed = try XCTUnwrap(try store.item(id: "item3"))
        XCTAssertEqual(failed.item.status, .failed)
        XCTAssertEqual(failed.item.error, "not an image")
        XCTAssertNil(failed.vectorRow)
        XCTAssertNil(try store.storedVectors(id: "item3"))
        XCTAssertNil(try store.item(id: "nothing"))
        XCTAssertEqual(try store.contentHashes(), ["item1": "hash1-v0", "item2": "hash2-v0", "item3": "hash3"])
        XCTAssertEqual(try store.rowOwners(), ["item1", "item2"])
        var seen: [String] = []
        try store.forEachItem { seen.append($0.item.id) }
        XCTAssertEqual(seen, ["item1", "item2", "item3"])
        let report = try store.checkIntegrity()
        XCTAssertTrue(report.isHealthy, report.description)
        XCTAssertEqual(report.okItems, 2)
    }

    /// Rows are addressed consistently: row r of every vector set belongs to `rowOwners()[r]`, whose `vectorRow` is r.
    static func rowsBelongToTheirOwners(_ backend: StoreBackend) throws {
        let store = try backend.open(model: "model-a", sets: sets)
        try store.upsert((0..<6).map { update($0) })
        try store.upsert([update(2, version: 1), failure(4)])
        XCTAssertEqual(try store.remove(ids: ["item5", "unknown"]), 1)
        try store.compactIfWorthwhile(threshold: 0)
        let owners = try store.rowOwners(), joint = try store.vectors("joint"), gem = try store.vectors("gem")
        XCTAssertEqual(joint.count, owners.count)
        XCTAssertEqual(Set(owners.compactMap { $0 }), ["item0", "item1", "item2", "item3"])
        for (row, owner) in owners.enumerated() {
            guard let owner else { continue }
            let n = Int(owner.dropFirst(4))!, version = owner == "item2" ? 1 : 0
            XCTAssertEqual(joint.rowArray(row), vectors(n, version: version)["joint"], owner)
            XCTAssertEqual(gem.rowArray(row), vectors(n, version: version)["gem"], owner)
            XCTAssertEqual(try store.item(id: owner)?.vectorRow, row, owner)
        }
        XCTAssertEqual(try store.item(id: "item4")?.item.status, .failed)
        XCTAssertEqual(try store.itemCount(), 5)
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }

    static func anIdTwiceInOneBatchKeepsTheLast(_ backend: StoreBackend) throws {
        let store = try backend.open(model: "model-a", sets: sets)
        try store.upsert([update(1), update(1, version: 3)])
        XCTAssertEqual(try store.itemCount(), 1)
        XCTAssertEqual(try store.storedVectors(id: "item1"), vectors(1, version: 3))
        XCTAssertEqual(try store.rowOwners(), ["item1"])
    }

    /// A batch with one bad item stores nothing of the batch.
    static func aBadBatchStoresNothing(_ backend: StoreBackend) throws {
        let store = try backend.open(model: "model-a", sets: sets)
        try store.upsert([update(1)])
        var bad = update(3)
        bad.vectors!["gem"] = [1, 2]
        XCTAssertThrowsError(try store.upsert([update(2), bad])) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .invalidArgument, "\(error)")
            XCTAssertTrue("\(error)".contains("item3"), "\(error)")
        }
        XCTAssertEqual(try store.itemCount(), 1)
        XCTAssertNil(try store.item(id: "item2"))
    }

    static func anotherModelIsRefused(_ backend: StoreBackend) throws {
        try backend.open(model: "model-a", sets: sets).upsert([update(1)])
        XCTAssertThrowsError(try backend.open(model: "model-b", sets: sets)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .modelMismatch, "\(error)")
        }
        XCTAssertThrowsError(try backend.open(model: "model-a", sets: [VectorSetSpec(name: "joint", dimension: 4)])) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .invalidArgument, "\(error)")
        }
    }

    /// A failed item that later encodes gets vectors; an ok item that later fails loses them.
    static func statusChangesMoveVectors(_ backend: StoreBackend) throws {
        let store = try backend.open(model: "model-a", sets: sets)
        try store.upsert([failure(1), update(2)])
        try store.upsert([update(1), failure(2)])
        try store.compactIfWorthwhile(threshold: 0)
        XCTAssertEqual(try store.storedVectors(id: "item1"), vectors(1))
        XCTAssertNil(try store.storedVectors(id: "item2"))
        XCTAssertEqual(try store.rowOwners().compactMap { $0 }, ["item1"])
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }
}

final class EmbeddedStoreContractTests: XCTestCase {
    private let backend = EmbeddedBackend()
    override func tearDown() { backend.cleanUp() }

    func testItemsAndVectorsSurviveReopening() throws { try StoreContract.itemsAndVectorsSurviveReopening(backend) }
    func testRowsBelongToTheirOwners() throws { try StoreContract.rowsBelongToTheirOwners(backend) }
    func testAnIdTwiceInOneBatchKeepsTheLast() throws { try StoreContract.anIdTwiceInOneBatchKeepsTheLast(backend) }
    func testABadBatchStoresNothing() throws { try StoreContract.aBadBatchStoresNothing(backend) }
    func testAnotherModelIsRefused() throws { try StoreContract.anotherModelIsRefused(backend) }
    func testStatusChangesMoveVectors() throws { try StoreContract.statusChangesMoveVectors(backend) }
}

final class PostgresStoreContractTests: XCTestCase {
    private var backend: DatabaseBackend!
    override func setUpWithError() throws { backend = try DatabaseBackend() }
    override func tearDown() { backend?.cleanUp() }

    func testItemsAndVectorsSurviveReopening() throws { try StoreContract.itemsAndVectorsSurviveReopening(backend) }
    func testRowsBelongToTheirOwners() throws { try StoreContract.rowsBelongToTheirOwners(backend) }
    func testAnIdTwiceInOneBatchKeepsTheLast() throws { try StoreContract.anIdTwiceInOneBatchKeepsTheLast(backend) }
    func testABadBatchStoresNothing() throws { try StoreContract.aBadBatchStoresNothing(backend) }
    func testAnotherModelIsRefused() throws { try StoreContract.anotherModelIsRefused(backend) }
    func testStatusChangesMoveVectors() throws { try StoreContract.statusChangesMoveVectors(backend) }
}
