import Catalog
import Foundation
import ImgSearchKit
import IndexStore
import Search
import Tensor
import XCTest

/// NaN never reaches the index: the store refuses such a row naming the item, the indexer records the item as
/// failed with the reason, and the whitening leaves a NaN row out and says which.
final class NonFiniteVectorTests: XCTestCase {
    /// A model whose embedding is NaN for images with a bright first channel.
    private final class PoisonedModel: ImageEmbeddingModel {
        let identifier = "poisoned-model"
        let embeddingDimension = 2
        let backboneIdentifier = "fake-net"
        let pooling = "max"
        func embedImages(features: Tensor) -> Tensor {
            let n = features.shape[0]
            let data = (0..<n).flatMap { i -> [Float] in features.data[i * 4] > 0.5 ? [.nan, 1] : [features.data[i * 4], 1] }
            return Tensor(shape: [n, 2], data: data)
        }
    }

    func testTheStoreRefusesANaNRowNamingTheItem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nan-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteIndexStore.openForWriting(at: directory, modelIdentifier: "m", vectorSets: [VectorSetSpec(name: "joint", dimension: 2)])
        let good = ItemUpdate(item: IndexItem(id: "fine", image: "/x.png", contentHash: "a"), vectors: ["joint": [1, 2]])
        let bad = ItemUpdate(item: IndexItem(id: "poisoned", image: "/y.png", contentHash: "b"), vectors: ["joint": [.nan, 2]])
        XCTAssertThrowsError(try store.upsert([good, bad])) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .nonFiniteVector)
            XCTAssertTrue("\(error)".contains("poisoned"), "\(error)")
        }
        XCTAssertEqual(try store.itemCount(), 0, "all of the batch or none of it")
    }

    func testTheIndexerFailsPoisonedItemsAndKeepsTheOthers() throws {
        let images = try ImageFolder()
        defer { images.remove() }
        let items = try (0..<8).map { CatalogItem(id: "item\($0)", image: try images.write($0).path, title: "Item \($0)") }
        let indexer = try Indexer(model: PoisonedModel(), extractor: FeatureExtractor(backbone: FakeBackbone(), cache: nil, batchSize: 3))
        let store = try indexer.openStore(at: images.directory.appendingPathComponent("index"))
        let summary = try indexer.index(items, into: store, options: .init(showProgress: false))
        XCTAssertGreaterThan(summary.failed, 0, "some fixture images are bright")
        XCTAssertLessThan(summary.failed, 8, "and some are not")
        XCTAssertEqual(summary.added + summary.failed, 8)
        for (id, reason) in summary.failures { XCTAssertTrue(reason.contains("NaN"), "\(id): \(reason)") }
        XCTAssertEqual(try store.vectors("joint").count, summary.added)
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }

    func testTheWhiteningSkipsAndReportsNaNRows() throws {
        var rows: [[Float]] = (0..<60).map { i in (0..<6).map { j in 2 + Float(sin(Double(i * 7 + j * 3))) } }
        rows[17][3] = .nan
        let owners: [String?] = (0..<60).map { "item\($0)" }
        var skipped: [String] = []
        let whitening = try WhiteningFile.fit(VectorMatrix(rows: rows), owners: owners, dimension: 4) { skipped.append($0) }
        XCTAssertEqual(skipped.count, 1)
        XCTAssertTrue(skipped[0].contains("item17"), skipped[0])
        var clean = rows
        clean.remove(at: 17)
        XCTAssertEqual(whitening, try WhiteningFile.fit(VectorMatrix(rows: clean), owners: Array(owners.prefix(59)), dimension: 4))
    }
}
