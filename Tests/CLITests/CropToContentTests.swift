import Foundation
import Imaging
import JointEmbedding
import TextEncoder
import XCTest

/// `imgsearch index --crop-to-content`: the index records the recipe, image queries on it are cropped the same
/// way, and an index is never updated under the other recipe. Real binary, real CNN, a few small pictures.
final class CropToContentTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("crop-\(UUID().uuidString)")
    private var environment: [String: String] { ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path] }
    private let patterns = 0..<4

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    func testCroppedIndexRecordsTheRecipeAndCropsImageQueries() throws {
        let (model, catalog) = try makeModelAndCatalog()
        let cropped = try index(catalog, model: model, into: "cropped", crop: true)
        let plain = try index(catalog, model: model, into: "plain", crop: false)
        XCTAssertTrue(try check(cropped).contains("image recipe: crop-to-content"))
        XCTAssertTrue(try check(plain).contains("image recipe: plain"))

        // The same picture on a wide white border: cropped, it is the indexed picture again.
        let query = try writePattern(1, canvas: 240, name: "bordered-1.png")
        let withCrop = try nearest(query, in: cropped)
        let withoutCrop = try nearest(query, in: plain)
        XCTAssertEqual(withCrop.id, "p1")
        XCTAssertLessThan(withCrop.distance, 0.01, "the cropped query is the cropped original")
        XCTAssertGreaterThan(withoutCrop.distance, 0.1, "uncropped, the border changes the features")
        XCTAssertGreaterThan(withoutCrop.distance, 10 * withCrop.distance)

        // A batch of image queries is cropped too.
        let queries = root.appendingPathComponent("queries.txt")
        let bordered = try [2, 3].map { try writePattern($0, canvas: 200, name: "bordered-\($0).png").path }
        try Data((bordered.joined(separator: "\n") + "\n").utf8).write(to: queries)
        let batch = try CLIRunner.run(["search", "--index", cropped.path, "--image-queries", queries.path, "-k", "1", "--json"],
                                      environment: environment)
        XCTAssertEqual(batch.status, 0, batch.stderr)
        let tops = try batch.stdout.split(separator: "\n").map { line -> [String: Any] in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try XCTUnwrap((object["results"] as? [[String: Any]])?.first)
        }
        XCTAssertEqual(tops.compactMap { $0["id"] as? String }, ["p2", "p3"])
        for top in tops { XCTAssertLessThan(try XCTUnwrap(top["distance"] as? Double), 0.01) }
    }

    func testAnIndexIsNotUpdatedUnderTheOtherRecipe() throws {
        let (model, catalog) = try makeModelAndCatalog()
        let cropped = try index(catalog, model: model, into: "cropped", crop: true)
        let plain = try index(catalog, model: model, into: "plain", crop: false)

        let uncroppedUpdate = try CLIRunner.run(indexArguments(catalog, model: model, index: cropped, crop: false), environment: environment)
        XCTAssertNotEqual(uncroppedUpdate.status, 0)
        XCTAssertTrue(uncroppedUpdate.stderr.contains("was indexed with crop to content; pass --crop-to-content to update it"),
                      uncroppedUpdate.stderr)
        let croppedUpdate = try CLIRunner.run(indexArguments(catalog, model: model, index: plain, crop: true), environment: environment)
        XCTAssertNotEqual(croppedUpdate.status, 0)
        XCTAssertTrue(croppedUpdate.stderr.contains("was indexed without crop to content; leave out --crop-to-content"), croppedUpdate.stderr)

        // Both indexes are as they were, and updating under their own recipe still works.
        XCTAssertTrue(try check(cropped).contains("image recipe: crop-to-content"))
        XCTAssertTrue(try check(plain).contains("image recipe: plain"))
        let again = try CLIRunner.run(indexArguments(catalog, model: model, index: cropped, crop: true), environment: environment)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("\(patterns.count) unchanged"), again.stdout)
    }

    // MARK: Steps

    private func indexArguments(_ catalog: URL, model: URL, index: URL, crop: Bool) -> [String] {
        ["index", "--catalog", catalog.path, "--model", model.path, "--index", index.path, "--no-bridge", "--quiet"]
            + (crop ? ["--crop-to-content"] : [])
    }

    private func index(_ catalog: URL, model: URL, into name: String, crop: Bool) throws -> URL {
        let index = root.appendingPathComponent(name)
        let result = try CLIRunner.run(indexArguments(catalog, model: model, index: index, crop: crop), environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        return index
    }

    private func check(_ index: URL) throws -> String {
        let result = try CLIRunner.run(["index", "--check", "--index", index.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    private func nearest(_ image: URL, in index: URL) throws -> (id: String, distance: Double) {
        let result = try CLIRunner.run(["search", "--index", index.path, "--image", image.path, "-k", "1", "--json"], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").first)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let top = try XCTUnwrap((object["results"] as? [[String: Any]])?.first)
        return (try XCTUnwrap(top["id"] as? String), try XCTUnwrap(top["distance"] as? Double))
    }

    // MARK: Fixtures

    /// An untrained joint model (image queries use backbone features only) and a catalog of the patterns,
    /// each on a narrow white border.
    private func makeModelAndCatalog() throws -> (model: URL, catalog: URL) {
        var config = JointModelConfig()
        config.embeddingDimension = 16
        config.wordDimension = 8
        config.gruHiddenSize = 8
        let model = JointModel(config: config, vocabulary: WordVocabulary(words: ["pattern"]),
                               featureMean: [Float](repeating: 0, count: 1280), featureScale: [Float](repeating: 1, count: 1280), seed: 3)
        let modelDirectory = root.appendingPathComponent("model")
        try model.save(to: modelDirectory)
        let lines = try patterns.map { n -> String in
            let image = try writePattern(n, canvas: 80, name: "images/\(n).png")
            return #"{"id": "p\#(n)", "image": "\#(image.path)", "title": "pattern \#(n)"}"#
        }
        let catalog = root.appendingPathComponent("catalog.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: catalog)
        return (modelDirectory, catalog)
    }

    /// Pattern `n` (56×56, no pixel near white) centred on a white `canvas`×`canvas` picture.
    private func writePattern(_ n: Int, canvas: Int, name: String) throws -> URL {
        let side = 56, offset = (canvas - side) / 2
        var image = RGBImage(width: canvas, height: canvas, fill: (255, 255, 255))
        for y in 0..<side {
            for x in 0..<side {
                let i = ((offset + y) * canvas + offset + x) * 3
                image.pixels[i] = UInt8(20 + (x * (n + 3) + y * 5) % 160)
                image.pixels[i + 1] = UInt8(20 + ((x / (n + 2) + y / 7) % 2) * 150)
                image.pixels[i + 2] = UInt8(20 + (y * (n + 1)) % 170)
            }
        }
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGWriter.write(image, to: url)
        return url
    }
}
