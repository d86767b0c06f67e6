import Catalog
import Foundation
import Imaging
import ImgSearchKit
import IndexStore
import JointEmbedding
import Search
import TextEncoder
import VisionEncoder
import XCTest

/// Text search fused with the ImageNet-label bridge, over a real index (EfficientNet-Lite0 logits,
/// a freshly initialised GRU joint model, MiniLM): the engine's ranking and distances must be those
/// of (joint cosine + λ · bridge cosine) / (1 + λ), computed here by hand from the stored vectors.
final class SearchEngineBridgeTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("imgsearch-bridge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func catalog() throws -> [CatalogItem] {
        let colours: [(UInt8, UInt8, UInt8)] = [(220, 30, 30), (30, 60, 220), (40, 180, 60), (240, 220, 40), (20, 20, 20), (250, 250, 250)]
        return try (0..<8).map { n in
            let a = colours[n % 6], b = colours[(n + 2) % 6]
            let pixels = (0..<48 * 48).flatMap { i -> [UInt8] in
                let colour = (i % 48) / (4 + n) % 2 == 0 ? a : b
                return [colour.0, colour.1, colour.2]
            }
            let url = root.appendingPathComponent("images/\(n).png")
            try PNGWriter.write(RGBImage(width: 48, height: 48, pixels: pixels), to: url)
            return CatalogItem(id: "item\(n)", image: url.path, title: "pattern \(n)", group: "g\(n)")
        }
    }

    private func makeModel(_ items: [CatalogItem]) throws -> (JointModel, URL) {
        var config = JointModelConfig()
        config.embeddingDimension = 16
        config.wordDimension = 8
        config.gruHiddenSize = 8
        let model = JointModel(config: config, vocabulary: WordVocabulary.build(captions: items.map(\.title) + ["red", "bridge", "spider", "web"]),
                               featureMean: .init(repeating: 0, count: config.imageFeatureDimension),
                               featureScale: .init(repeating: 1, count: config.imageFeatureDimension), seed: 5)
        let directory = root.appendingPathComponent("model")
        try model.save(to: directory)
        return (model, directory)
    }

    private func buildIndex(_ name: String, items: [CatalogItem], model: JointModel, modelDirectory: URL,
                            bridge: LabelBridge?) throws -> URL {
        let directory = root.appendingPathComponent(name)
        let indexer = try Indexer(model: model, extractor: FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil),
                                  bridge: bridge)
        _ = try indexer.index(items, into: try indexer.openStore(at: directory), options: .init(showProgress: false))
        try ModelRecord.write(modelDirectory: modelDirectory, indexDirectory: directory)
        return directory
    }

    private func engine(_ directory: URL, bridgeWeight: Float) throws -> SearchEngine {
        var options = SearchEngine.Options(bridgeWeight: bridgeWeight)
        options.showProgress = false
        options.whiteningMinimumRows = 2  // these indexes hold 5–8 images; whitening is what is under test
        return try SearchEngine(indexDirectory: directory, options: options)
    }

    func testFusedTextSearchRanksByJointPlusWeightedBridgeAndNoBridgeByJointAlone() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let bridge = try StandardLabelBridge.load(cacheDirectory: root)
        let directory = try buildIndex("index", items: items, model: model, modelDirectory: modelDirectory, bridge: bridge)
        let store = try SQLiteIndexStore.openForReading(at: directory)
        XCTAssertEqual(store.vectorSets.map(\.name), ["joint", "gem", "max", "bridge"])
        let joint = try store.vectors("joint"), bridgeRows = try store.vectors("bridge")
        let rowOf = try Dictionary(uniqueKeysWithValues: items.map { ($0.id, try XCTUnwrap(try store.item(id: $0.id)?.vectorRow)) })

        let query = "a spider web"
        let queryJoint = model.embedTexts([query]).data, queryBridge = bridge.textVectors([query]).data
        func dot(_ row: UnsafeBufferPointer<Float>, _ q: [Float]) -> Float { zip(row, q).reduce(0) { $0 + $1.0 * $1.1 } }

        for weight: Float in [0.5, 2] {
            let engine = try engine(directory, bridgeWeight: weight)
            XCTAssertEqual(engine.bridgeWeight, weight)
            let results = try engine.search(text: query, k: items.count)
            let expected = items.map { item -> (id: String, score: Float) in
                let row = rowOf[item.id]!
                return (item.id, (dot(joint.row(row), queryJoint) + weight * dot(bridgeRows.row(row), queryBridge)) / (1 + weight))
            }.sorted { $0.score > $1.score }
            XCTAssertEqual(results.map(\.id), expected.map(\.id), "λ \(weight)")
            for (result, truth) in zip(results, expected) {
                XCTAssertEqual(LabelBridge.similarity(fromDistance: result.distance), truth.score, accuracy: 1e-4)
            }
        }

        let plain = try engine(directory, bridgeWeight: 0)
        XCTAssertNil(plain.bridgeWeight)
        let jointOnly = items.map { ($0.id, dot(joint.row(rowOf[$0.id]!), queryJoint)) }.sorted { $0.1 > $1.1 }.map(\.0)
        XCTAssertEqual(try plain.search(text: query, k: items.count).map(\.id), jointOnly)
    }

    func testAnIndexWithoutBridgeVectorsStaysWithoutThemAndSearchesOnTheJointModel() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let directory = try buildIndex("old", items: Array(items.prefix(5)), model: model, modelDirectory: modelDirectory, bridge: nil)

        // A later run with a bridge keeps the index's layout, says so, and adds the new items.
        let bridge = try StandardLabelBridge.load(cacheDirectory: root)
        let indexer = try Indexer(model: model, extractor: FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil),
                                  bridge: bridge)
        var notes: [String] = []
        let store = try indexer.openStore(at: directory) { notes.append($0) }
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes.first?.contains("without label-bridge vectors") ?? false, "\(notes)")
        let summary = try indexer.index(items, into: store, options: .init(showProgress: false))
        XCTAssertEqual(summary.added, 3)
        XCTAssertEqual(store.vectorSets.map(\.name), ["joint", "gem", "max"])

        let engine = try engine(directory, bridgeWeight: LabelBridge.defaultWeight)
        XCTAssertNil(engine.bridgeWeight)
        XCTAssertEqual(try engine.search(text: "pattern", k: 8).count, 8)
    }

    /// Rows added while an engine serves: its refreshed snapshot derives only the new fused and whitened rows
    /// from the previous snapshot's, and must answer exactly as an engine opened afresh on the grown index.
    func testARefreshedSnapshotAnswersLikeAFreshOne() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let bridge = try StandardLabelBridge.load(cacheDirectory: root)
        let directory = try buildIndex("growing", items: Array(items.prefix(5)), model: model, modelDirectory: modelDirectory,
                                       bridge: bridge)
        var options = SearchEngine.Options(bridgeWeight: 2)
        options.showProgress = false
        options.refreshInterval = 0
        options.whiteningMinimumRows = 2
        let serving = try SearchEngine(indexDirectory: directory, options: options)
        let query = URL(fileURLWithPath: items[6].image)
        XCTAssertEqual(try serving.search(imageAt: query, k: 8).count, 5)
        XCTAssertEqual(try serving.search(text: "pattern", k: 8).count, 5)

        let indexer = try Indexer(model: model, extractor: FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil),
                                  bridge: bridge)
        XCTAssertEqual(try indexer.index(items, into: try indexer.openStore(at: directory), options: .init(showProgress: false)).added, 3)
        let fresh = try SearchEngine(indexDirectory: directory, options: options)
        for (refreshed, expected) in [(try serving.search(imageAt: query, k: 8), try fresh.search(imageAt: query, k: 8)),
                                      (try serving.search(text: "pattern 3", k: 8), try fresh.search(text: "pattern 3", k: 8))] {
            XCTAssertEqual(refreshed.map(\.id), expected.map(\.id))
            XCTAssertEqual(refreshed.count, 8)
            for (a, b) in zip(refreshed, expected) { XCTAssertEqual(a.distance, b.distance, accuracy: 1e-5) }
        }
        XCTAssertEqual(try serving.search(imageAt: query, k: 1).first?.id, items[6].id)
    }

    /// `imgsearch index` saves the whitened rows beside the whitening; an engine maps them (and whitens only
    /// rows added since) instead of whitening the collection, and must answer exactly as without them.
    /// Damaged or stale saved rows are ignored.
    func testSavedWhitenedRowsAnswerLikeWhiteningAtSearchTime() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let directory = try buildIndex("saved", items: Array(items.prefix(6)), model: model, modelDirectory: modelDirectory,
                                       bridge: nil)
        try WhiteningFile.refit(indexDirectory: directory, minimumRows: 2)
        let saved = directory.appendingPathComponent("search/whitened.bin")
        XCTAssertTrue(FileManager.default.fileExists(atPath: saved.path))
        let indexer = try Indexer(model: model, extractor: FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil))
        XCTAssertEqual(try indexer.index(items, into: try indexer.openStore(at: directory), options: .init(showProgress: false)).added, 2)

        let query = URL(fileURLWithPath: items[7].image)
        func results() throws -> [SearchResult] { try engine(directory, bridgeWeight: 0).search(imageAt: query, k: 8) }
        let fromSaved = try results()   // 6 saved rows, 2 whitened now
        let bytes = try Data(contentsOf: saved)
        try bytes.prefix(bytes.count - 8).write(to: saved)
        let fromDamaged = try results()
        try FileManager.default.removeItem(at: saved)
        let computed = try results()
        XCTAssertEqual(computed.count, 8)
        XCTAssertEqual(computed.first?.id, items[7].id)
        for other in [fromSaved, fromDamaged] {
            XCTAssertEqual(other.map(\.id), computed.map(\.id))
            for (a, b) in zip(other, computed) { XCTAssertEqual(a.distance, b.distance, accuracy: 1e-5) }
        }
    }

    /// `imgsearch index` saves the fused text rows of the default λ; an engine maps them (and fuses only rows added
    /// since) and must answer exactly as when it fuses every row itself. Damaged saved rows are ignored, another λ
    /// does not use them, and an update rewrites them only when rows were added.
    func testSavedFusedTextRowsAnswerLikeFusingAtSearchTime() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let bridge = try StandardLabelBridge.load(cacheDirectory: root)
        let directory = try buildIndex("fused", items: Array(items.prefix(6)), model: model, modelDirectory: modelDirectory,
                                       bridge: bridge)
        XCTAssertTrue(try FusedTextRowsFile.update(indexDirectory: directory))
        XCTAssertFalse(try FusedTextRowsFile.update(indexDirectory: directory), "already holds every row")
        let saved = directory.appendingPathComponent("search/joint+bridge-2.000.bin")
        let indexer = try Indexer(model: model, extractor: FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil),
                                  bridge: bridge)
        XCTAssertEqual(try indexer.index(items, into: try indexer.openStore(at: directory), options: .init(showProgress: false)).added, 2)

        func results(_ weight: Float = 2) throws -> [SearchResult] { try engine(directory, bridgeWeight: weight).search(text: "pattern 3", k: 8) }
        let fromSaved = try results()   // 6 saved rows, 2 fused now
        let otherWeightWithFile = try results(0.5)
        XCTAssertTrue(try FusedTextRowsFile.update(indexDirectory: directory), "2 rows added since")
        let fromCurrent = try results()
        let original = try Data(contentsOf: saved)
        var damaged = original
        damaged[damaged.count / 2] ^= 0xFF
        try damaged.write(to: saved)
        let fromDamaged = try results()
        try FileManager.default.removeItem(at: saved)
        let computed = try results()
        XCTAssertEqual(computed.count, 8)
        for other in [fromSaved, fromCurrent, fromDamaged] {
            XCTAssertEqual(other.map(\.id), computed.map(\.id))
            for (a, b) in zip(other, computed) { XCTAssertEqual(a.distance, b.distance, accuracy: 1e-5) }
        }
        XCTAssertEqual(otherWeightWithFile.map(\.distance), try results(0.5).map(\.distance))

        // The engine does read the file: other rows under the same (valid) stamp change its answers.
        try original.write(to: saved)
        let rows = try VectorMatrix(savedFile: saved)
        try VectorMatrix(rows: (0..<rows.count).reversed().map { rows.rowArray($0) }).save(to: saved)
        XCTAssertNotEqual(try results().map(\.id), computed.map(\.id))
    }

    /// `imgsearch index` keeps the HNSW graph of a large index up to date (here "large" is one row): built once,
    /// untouched when nothing changed, extended by the rows added since; an engine then opens it and answers as exact
    /// search does on so few rows. Below the threshold there is no graph to keep.
    func testTheSearchGraphIsBuiltAtIndexTimeAndExtendedWithNewRows() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let bridge = try StandardLabelBridge.load(cacheDirectory: root)
        let directory = try buildIndex("graph", items: Array(items.prefix(6)), model: model, modelDirectory: modelDirectory,
                                       bridge: bridge)
        XCTAssertNil(try SearchGraphFile.update(indexDirectory: directory), "8 rows are searched exactly by default")
        var options = SearchEngine.Options(method: .automatic)
        options.approximateThreshold = 1
        options.showProgress = false
        let built = try XCTUnwrap(try SearchGraphFile.update(indexDirectory: directory, options: options))
        XCTAssertEqual([built.rows, built.linked], [6, 6])
        let graph = directory.appendingPathComponent("search/joint+bridge-2.000.hnsw")
        let savedAt = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: graph.path)[.modificationDate] as? Date)
        let again = try XCTUnwrap(try SearchGraphFile.update(indexDirectory: directory, options: options))
        XCTAssertEqual([again.rows, again.linked], [6, 0])
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: graph.path)[.modificationDate] as? Date, savedAt)

        let indexer = try Indexer(model: model, extractor: FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil),
                                  bridge: bridge)
        XCTAssertEqual(try indexer.index(items, into: try indexer.openStore(at: directory), options: .init(showProgress: false)).added, 2)
        let grown = try XCTUnwrap(try SearchGraphFile.update(indexDirectory: directory, options: options))
        XCTAssertEqual([grown.rows, grown.linked], [8, 2])
        XCTAssertEqual(try XCTUnwrap(try SearchGraphFile.update(indexDirectory: directory, options: options)).linked, 0)

        let approximate = try SearchEngine(indexDirectory: directory, options: options)
        XCTAssertTrue(approximate.usesApproximateSearch)
        let exact = try engine(directory, bridgeWeight: 2)
        XCTAssertEqual(try approximate.search(text: "pattern 3", k: 8).map(\.id), try exact.search(text: "pattern 3", k: 8).map(\.id))
    }

    /// Below `WhiteningFile.minimumRows` images there is no whitening to fit (one image has no covariance at all):
    /// indexing and image queries must still work, on raw features, and a whitening left from a larger past is removed.
    func testATinyIndexSearchesImagesByRawFeatures() throws {
        let items = try catalog()
        let (model, modelDirectory) = try makeModel(items)
        let directory = try buildIndex("tiny", items: Array(items.prefix(3)), model: model, modelDirectory: modelDirectory, bridge: nil)
        XCTAssertNotNil(try WhiteningFile.refit(indexDirectory: directory, minimumRows: 2))
        let whitening = directory.appendingPathComponent("search/whitening.bin")
        XCTAssertTrue(FileManager.default.fileExists(atPath: whitening.path))
        XCTAssertNil(try WhiteningFile.refit(indexDirectory: directory))
        XCTAssertFalse(FileManager.default.fileExists(atPath: whitening.path))
        XCTAssertTrue(WhiteningFile.isUpToDate(indexDirectory: directory), "nothing to save for 3 images")

        var options = SearchEngine.Options()
        options.showProgress = false
        let engine = try SearchEngine(indexDirectory: directory, options: options)
        let results = try engine.search(imageAt: URL(fileURLWithPath: items[1].image), k: 3)
        XCTAssertEqual(results.map(\.id).first, items[1].id)
        XCTAssertEqual(results.first?.distance ?? 1, 0, accuracy: 1e-3)
        XCTAssertEqual(results.map(\.distance), results.map(\.distance).sorted())
        var raw = options
        raw.imageSpace = .raw
        XCTAssertEqual(try SearchEngine(indexDirectory: directory, options: raw).search(imageAt: URL(fileURLWithPath: items[1].image), k: 3).map(\.id),
                       results.map(\.id))
    }
}
