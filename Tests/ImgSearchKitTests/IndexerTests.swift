import Catalog
import Foundation
import ImgSearchKit
import IndexStore
import JointEmbedding
import Tensor
import TextEncoder
import XCTest

final class IndexerTests: XCTestCase {
    private var images: ImageFolder!
    private var indexDirectory: URL { images.directory.appendingPathComponent("index") }
    private var cacheDirectory: URL { images.directory.appendingPathComponent("cache") }

    override func setUpWithError() throws { images = try ImageFolder() }
    override func tearDown() { images.remove() }

    private func catalog(_ range: Range<Int>, variant: [Int: Int] = [:]) throws -> [CatalogItem] {
        try range.map { n in
            CatalogItem(id: "item\(n)", image: try images.write(n, variant: variant[n] ?? 0).path, title: "Item \(n)", group: "g\(n % 4)")
        }
    }

    /// One indexing run with a fresh fake backbone; returns the summary and how many images it encoded.
    private func run(_ items: [CatalogItem], prune: Bool = false, model: FakeEmbeddingModel = FakeEmbeddingModel(),
                     cache: Bool = false) throws -> (IndexingSummary, encoded: Int) {
        let backbone = FakeBackbone()
        let extractor = FeatureExtractor(backbone: backbone, cache: cache ? try FeatureCache(directory: cacheDirectory) : nil, batchSize: 3)
        let indexer = try Indexer(model: model, extractor: extractor)
        let summary = try indexer.index(items, into: try indexer.openStore(at: indexDirectory), options: .init(prune: prune, showProgress: false))
        return (summary, backbone.encodedImages)
    }

    private func store() throws -> SQLiteIndexStore { try SQLiteIndexStore.openForReading(at: indexDirectory) }

    func testSecondRunEncodesNothing() throws {
        var items = try catalog(0..<8)
        items.append(CatalogItem(id: "broken", image: try images.writeGarbage("broken.png").path))
        items.append(CatalogItem(id: "gone", image: images.directory.appendingPathComponent("nope.png").path))
        let (first, encoded) = try run(items)
        XCTAssertEqual([first.added, first.updated, first.unchanged, first.failed], [8, 0, 0, 2])
        XCTAssertEqual(encoded, 8)
        XCTAssertEqual(Set(first.failures.map(\.id)), ["broken", "gone"])

        let (second, encodedAgain) = try run(items)
        XCTAssertEqual(encodedAgain, 0)
        XCTAssertEqual([second.added, second.updated, second.unchanged, second.failed], [0, 0, 9, 1])

        let store = try store()
        XCTAssertEqual(try store.itemCount(), 10)
        XCTAssertEqual(try store.item(id: "broken")?.item.status, .failed)
        XCTAssertNotNil(try store.item(id: "broken")?.item.error)
        XCTAssertEqual(store.vectorSets.map(\.name), ["joint", "gem", "max"])
        XCTAssertEqual(try store.vectors("joint").count, 8)
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }

    func testChangedImagesAreReencodedAndPruneRemovesTheRest() throws {
        _ = try run(try catalog(0..<10))
        let before = try store()
        let oldJoint = try before.vectors("joint").rowArray(try XCTUnwrap(try before.item(id: "item2")?.vectorRow))

        let (summary, encoded) = try run(try catalog(0..<7, variant: [2: 1]), prune: true)
        XCTAssertEqual([summary.added, summary.updated, summary.unchanged, summary.pruned], [0, 1, 6, 3])
        XCTAssertEqual(encoded, 1)
        let after = try store()
        XCTAssertEqual(try after.itemCount(), 7)
        XCTAssertNil(try after.item(id: "item9"))
        let newJoint = try after.vectors("joint").rowArray(try XCTUnwrap(try after.item(id: "item2")?.vectorRow))
        XCTAssertNotEqual(oldJoint, newJoint)
        XCTAssertEqual(try after.orphanRowCount(), 0, "4 of 11 rows orphaned: compaction ran")
        let report = try after.checkIntegrity()
        XCTAssertTrue(report.isHealthy, report.description)
    }

    func testMetadataChangeNeedsNoNetwork() throws {
        _ = try run(try catalog(0..<3))
        var items = try catalog(0..<3)
        items[1].title = "A new title"
        let (summary, encoded) = try run(items)
        XCTAssertEqual(encoded, 0)
        XCTAssertEqual([summary.updated, summary.unchanged], [1, 2])
        XCTAssertEqual(try store().item(id: "item1")?.item.title, "A new title")
    }

    func testFeatureCacheServesANewIndex() throws {
        _ = try run(try catalog(0..<5), cache: true)
        try FileManager.default.removeItem(at: indexDirectory)
        let (summary, encoded) = try run(try catalog(0..<5), cache: true)
        XCTAssertEqual(encoded, 0)
        XCTAssertEqual([summary.added, summary.fromCache], [5, 5])
    }

    func testAnotherModelIsRefused() throws {
        _ = try run(try catalog(0..<2))
        XCTAssertThrowsError(try run(try catalog(0..<2), model: FakeEmbeddingModel(identifier: "fake-model-2"))) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .modelMismatch, "\(error)")
        }
    }
}

final class IndexerBridgeTests: XCTestCase {
    func testBridgeVectorsAreTheClassProbabilitiesTimesTheNameEmbeddings() throws {
        let images = try ImageFolder()
        defer { images.remove() }
        let items = try (0..<5).map { CatalogItem(id: "i\($0)", image: try images.write($0).path, title: "T", group: "g\($0)") }
        var bridge = LabelBridge(encoder: UnitAxisEncoder(), classNames: ["x", "y", "z"])
        bridge.temperature = 0.5
        let backbone = FakeBackbone(hasClassifier: true)
        let indexer = try Indexer(model: FakeEmbeddingModel(), extractor: FeatureExtractor(backbone: backbone, cache: nil, batchSize: 2),
                                  bridge: bridge)
        let store = try indexer.openStore(at: images.directory.appendingPathComponent("index"))
        XCTAssertEqual(try indexer.index(items, into: store, options: .init(showProgress: false)).added, 5)
        let rows = try store.vectors("bridge"), features = try store.vectors("max")
        XCTAssertEqual(rows.count, 5)
        for row in 0..<5 {
            // The name embeddings are the unit axes, so the bridge vector is softmax(logits / T), L2-normalised.
            let logits = Array(features.row(row).prefix(3))
            let exps = logits.map { expf($0 / 0.5) }
            let norm = exps.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for (value, expected) in zip(rows.row(row), exps.map { $0 / norm }) { XCTAssertEqual(value, expected, accuracy: 1e-5) }
        }
    }

    func testABridgeNeedsLogitsAndSaysHowToDoWithout() throws {
        let images = try ImageFolder()
        defer { images.remove() }
        let items = [CatalogItem(id: "a", image: try images.write(1).path, title: "A", group: "g")]
        let bridge = LabelBridge(encoder: UnitAxisEncoder(), classNames: ["x", "y", "z"])
        let indexer = try Indexer(model: FakeEmbeddingModel(), extractor: FeatureExtractor(backbone: FakeBackbone(), cache: nil), bridge: bridge)
        let store = try indexer.openStore(at: images.directory.appendingPathComponent("index"))
        XCTAssertEqual(store.vectorSets.map(\.name), ["joint", "gem", "max", "bridge"])
        XCTAssertThrowsError(try indexer.index(items, into: store, options: .init(showProgress: false))) { error in
            XCTAssertTrue("\(error)".contains("--no-bridge"), "\(error)")
        }
    }
}

/// Sentence encoder of the tests: text "x", "y", "z" → the unit axes of 3-d space.
final class UnitAxisEncoder: SentenceEncoder, @unchecked Sendable {
    let identifier = "unit-axes"
    let dimension = 3
    func encode(_ texts: [String]) -> Tensor {
        Tensor(shape: [texts.count, 3], data: texts.flatMap { text in (0..<3).map { ["x", "y", "z"][$0] == text ? Float(1) : 0 } })
    }
}
