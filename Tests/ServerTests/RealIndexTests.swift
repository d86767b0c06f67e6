import Catalog
import Foundation
import Imaging
import ImgSearchKit
import JointEmbedding
import Server
import TextEncoder
import VisionEncoder
import XCTest

/// The server over a real index: images encoded by the pretrained EfficientNet-Lite0, a real
/// (freshly initialised) GRU joint model, the SQLite store and `SearchEngine`, talking over a
/// real socket. Also proves that items indexed while the server runs appear without a restart.
final class RealIndexTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("imgsearch-real-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    // MARK: Fixture

    /// Item `n`: a 64×64 PNG of two colour bands that differ from item to item.
    private func catalogItem(_ n: Int) throws -> CatalogItem {
        let colours: [(UInt8, UInt8, UInt8)] = [(220, 30, 30), (30, 60, 220), (40, 180, 60), (240, 220, 40), (20, 20, 20), (250, 250, 250)]
        let top = colours[n % colours.count], bottom = colours[(n / colours.count + n + 1) % colours.count]
        let pixels = (0..<64 * 64).flatMap { index -> [UInt8] in
            let colour = index / 64 < 16 + (n * 5) % 32 ? top : bottom
            return [colour.0, colour.1, colour.2]
        }
        let url = root.appendingPathComponent("images/item\(n).png")
        try PNGWriter.write(RGBImage(width: 64, height: 64, pixels: pixels), to: url)
        let names = ["red", "blue", "green", "yellow", "black", "white"]
        return CatalogItem(id: "item\(n)", image: url.path, title: "\(names[n % 6]) and \(names[(n / 6 + n + 1) % 6]) stripes",
                           description: "test image \(n)", category: "stripes", group: "g\(n)")
    }

    /// Indexes `items` with the real backbone into ROOT/`name`, recording the model.
    private func index(_ items: [CatalogItem], model: JointModel, modelDirectory: URL, name: String = "index",
                       cropToContent: ContentCrop? = nil) throws {
        let extractor = FeatureExtractor(backbone: try EfficientNetLite0.pretrained(), cache: nil, cropToContent: cropToContent)
        let indexer = try Indexer(model: model, extractor: extractor)
        let indexDirectory = root.appendingPathComponent(name)
        let store = try indexer.openStore(at: indexDirectory)
        _ = try indexer.index(items, into: store, options: Indexer.Options(showProgress: false))
        try ModelRecord.write(modelDirectory: modelDirectory, indexDirectory: indexDirectory)
        // As `imgsearch index` does: the folder the server may send images from.
        try ImageRoots.record([root.appendingPathComponent("images")], in: store)
    }

    private func makeModel(titles: [String]) throws -> (JointModel, URL) {
        var config = JointModelConfig()
        config.embeddingDimension = 32
        config.wordDimension = 16
        config.gruHiddenSize = 16
        let model = JointModel(config: config, vocabulary: WordVocabulary.build(captions: titles),
                               featureMean: .init(repeating: 0, count: config.imageFeatureDimension),
                               featureScale: .init(repeating: 1, count: config.imageFeatureDimension), seed: 3)
        let directory = root.appendingPathComponent("model")
        try model.save(to: directory)
        return (model, directory)
    }

    /// PNG bytes of item `n`'s picture centred on a white `side`×`side` canvas.
    private func bordered(_ item: CatalogItem, side: Int) throws -> Data {
        let picture = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: item.image))
        var canvas = RGBImage(width: side, height: side, fill: (255, 255, 255))
        let offset = (side - picture.width) / 2
        for y in 0..<picture.height {
            let target = ((offset + y) * side + offset) * 3, source = y * picture.width * 3
            canvas.pixels.replaceSubrange(target..<(target + picture.width * 3), with: picture.pixels[source..<(source + picture.width * 3)])
        }
        let url = root.appendingPathComponent("bordered-\(item.id)-\(side).png")
        try PNGWriter.write(canvas, to: url)
        return try Data(contentsOf: url)
    }

    // MARK: Tests

    /// An index built with crop to content crops uploads too: the same picture on a wide white border finds the
    /// picture on a narrow one at distance ~0, where an index of whole pictures sees them apart.
    func testUploadsToAnIndexCroppedToContentAreCropped() async throws {
        let pictures = try (0..<4).map(catalogItem)
        let (model, modelDirectory) = try makeModel(titles: pictures.map(\.title))
        var items = pictures
        for i in items.indices {
            let url = root.appendingPathComponent("images/framed\(i).png")
            try bordered(pictures[i], side: 80).write(to: url)
            items[i].image = url.path
        }
        try index(items, model: model, modelDirectory: modelDirectory, name: "cropped", cropToContent: .standard)
        try index(items, model: model, modelDirectory: modelDirectory, name: "plain")
        var options = SearchEngine.Options()
        options.showProgress = false
        let query = try bordered(pictures[2], side: 240)
        var distances: [String: Double] = [:]
        for name in ["cropped", "plain"] {
            let engine = try SearchEngine(indexDirectory: root.appendingPathComponent(name), options: options)
            XCTAssertEqual(engine.imageRecipe, name == "cropped" ? .cropToContent : .plain)
            distances[name] = try await withRunningServer(engine) { client in
                let upload = try await client.post("/api/search/image?k=1", body: query, contentType: "image/png")
                XCTAssertEqual(upload.status, 200, String(decoding: upload.body, as: UTF8.self))
                let top = try XCTUnwrap(try upload.hits().first)
                if name == "cropped" { XCTAssertEqual(top.id, "item2") }
                return top.distance
            }
        }
        XCTAssertLessThan(try XCTUnwrap(distances["cropped"]), 0.01)
        XCTAssertGreaterThan(try XCTUnwrap(distances["plain"]), 0.1)
    }

    func testEveryRouteOverARealIndexAndItemsAddedWhileServing() async throws {
        let items = try (0..<12).map(catalogItem)
        let (model, modelDirectory) = try makeModel(titles: items.map(\.title))
        try index(Array(items.prefix(10)), model: model, modelDirectory: modelDirectory)
        var options = SearchEngine.Options()
        options.showProgress = false
        let engine = try SearchEngine(indexDirectory: root.appendingPathComponent("index"), options: options)

        try await withRunningServer(engine) { client in
            let health = try await client.get("/healthz")
            XCTAssertEqual(try health.json()["items"] as? Int, 10)

            let text = try await client.get("/api/search?q=red+stripes")
            XCTAssertEqual(text.status, 200, String(decoding: text.body, as: UTF8.self))
            let textHits = try text.hits()
            XCTAssertEqual(textHits.count, 9)
            XCTAssertEqual(textHits.map(\.distance), textHits.map(\.distance).sorted())
            XCTAssertTrue(textHits.allSatisfy { $0.id.hasPrefix("item") })

            // The image of an indexed item finds that item first, at distance ~0.
            let upload = try await client.post("/api/search/image?k=3", body: try Data(contentsOf: URL(fileURLWithPath: items[4].image)),
                                               contentType: "image/png")
            XCTAssertEqual(upload.status, 200, String(decoding: upload.body, as: UTF8.self))
            XCTAssertEqual(try upload.hits().first?.id, "item4")
            XCTAssertEqual(try upload.hits().first?.distance ?? 1, 0, accuracy: 1e-3)

            let similar = try await client.get("/api/similar/item4?k=5")
            XCTAssertEqual(similar.status, 200)
            XCTAssertEqual(try similar.hits().count, 5)
            XCTAssertFalse(try similar.hits().map(\.id).contains("item4"))

            let record = try await client.get("/api/items/item4")
            XCTAssertEqual(try record.json()["title"] as? String, items[4].title)
            let image = try await client.get("/images/item4")
            XCTAssertEqual(image.header("Content-Type"), "image/png")
            XCTAssertEqual(image.body, try Data(contentsOf: URL(fileURLWithPath: items[4].image)))

            // Errors from the real engine keep their meaning.
            let corrupt = try await client.post("/api/search/image", body: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]),
                                                contentType: "image/png")
            XCTAssertEqual(corrupt.status, 415, String(decoding: corrupt.body, as: UTF8.self))
            for path in ["/api/similar/item99", "/api/items/item99", "/images/item99", "/plot"] {
                let missing = try await client.get(path)
                XCTAssertEqual(missing.status, 404, path)
            }

            // A concurrent indexer adds two items; they are served within the refresh interval.
            try index(Array(items.suffix(2)), model: model, modelDirectory: modelDirectory)
            var count = 0
            for _ in 0..<40 where count != 12 {
                try await Task.sleep(nanoseconds: 100_000_000)
                _ = try await client.get("/api/search?q=blue&k=1") // a query triggers the refresh check
                let health = try await client.get("/healthz")
                count = try health.json()["items"] as? Int ?? 0
            }
            XCTAssertEqual(count, 12, "items indexed while serving appear without a restart")
            let added = try await client.post("/api/search/image?k=1", body: try Data(contentsOf: URL(fileURLWithPath: items[11].image)),
                                              contentType: "image/png")
            XCTAssertEqual(try added.hits().first?.id, "item11")
        }
    }
}
