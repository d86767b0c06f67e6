import Catalog
import Foundation
import Imaging
import XCTest

/// A miniature demo build: the real font (limited to a few emoji), three real clip-art drawings and an activity
/// bundle written here with two photos.
final class DemoDatasetTests: XCTestCase {
    func testBuildsSplitsByGroupAndResumes() throws {
        let fixture = try CatalogFixture()
        let clipArt = fixture.root.appendingPathComponent("clipart/food")
        try FileManager.default.createDirectory(at: clipArt, withIntermediateDirectories: true)
        for name in ["apple_core_01.svg", "bananas_nicu_buculei_01.svg", "banana.svg"] {
            try FileManager.default.copyItem(at: ClipArtSource.debianDirectory.appendingPathComponent("food/fruit/\(name)"),
                                             to: clipArt.appendingPathComponent(name))
        }
        var options = DemoDatasetBuilder.Options(outputDirectory: fixture.root.appendingPathComponent("demo"), limitPerSource: 40)
        options.clipArtDirectory = fixture.root.appendingPathComponent("clipart")
        options.clipArtSize = 64
        options.photoDirectory = try photoBundles(in: fixture)
        options.photoSize = 32

        let report = try DemoDatasetBuilder(options: options).build()
        XCTAssertEqual(report.itemsPerSource["emoji"], 40)
        XCTAssertEqual(report.itemsPerSource["openclipart"], 2, "banana.svg's template title is junk")
        XCTAssertEqual(report.dropped["openclipart: attribution template title"], 1)
        XCTAssertEqual(report.itemsPerSource["photo"], 2, "the SVG is not a photo")
        XCTAssertEqual(report.dropped["photo: unreadable bundle lang.rcc"], 1)
        XCTAssertEqual(report.imagesRendered, 44)

        let demo = options.outputDirectory
        let all = try CatalogLoader.load(demo.appendingPathComponent("catalog.jsonl"))
        let train = try CatalogLoader.load(demo.appendingPathComponent("train.jsonl"))
        let validation = try CatalogLoader.load(demo.appendingPathComponent("val.jsonl"))
        let photoValidation = try CatalogLoader.load(demo.appendingPathComponent("val-photos.jsonl"))
        XCTAssertEqual(all.issues + train.issues + validation.issues + photoValidation.issues, [])
        XCTAssertEqual(all.items.count, 44)
        XCTAssertEqual(train.items.count + validation.items.count + photoValidation.items.count, 44)
        XCTAssertTrue(Set(train.items.map(\.group)).isDisjoint(with: validation.items.map(\.group)), "no group on both sides")
        XCTAssertTrue(Set(train.items.map(\.group)).isDisjoint(with: photoValidation.items.map(\.group)))
        XCTAssertTrue(validation.items.allSatisfy { GroupSplit.isValidation(group: $0.group) && $0.source != "photo" })
        XCTAssertTrue(photoValidation.items.allSatisfy { GroupSplit.isPhotoValidation(group: $0.group) && $0.source == "photo" })

        let panda = try XCTUnwrap(all.items.first { $0.source == "photo" && $0.title == "red panda" })
        XCTAssertEqual([panda.id, panda.group, panda.category], ["photo-erase-red-panda", "panda", "animal"],
                       "groups follow the drawings' rule (colour words are modifiers)")
        let pandaImage = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: panda.image))
        XCTAssertEqual([pandaImage.width, pandaImage.height], [32, 16], "scaled down to the photo size, aspect kept")

        let bananas = try XCTUnwrap(all.items.first { $0.source == "openclipart" && $0.title == "bananas" })
        XCTAssertEqual(bananas.group, "banana")
        XCTAssertEqual(bananas.category, "food")
        XCTAssertEqual(bananas.description, "food, fruit")
        let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: bananas.image))
        XCTAssertEqual([image.width, image.height], [64, 64])
        XCTAssertTrue(all.items.filter { $0.source == "emoji" }.allSatisfy { !$0.title.isEmpty && $0.id.hasPrefix("emoji-") })

        // A rerun renders nothing and writes the same catalog.
        let before = try Data(contentsOf: demo.appendingPathComponent("catalog.jsonl"))
        let rerun = try DemoDatasetBuilder(options: options).build()
        XCTAssertEqual(rerun.imagesRendered, 0)
        XCTAssertEqual(rerun.imagesReused, 44)
        XCTAssertEqual(try Data(contentsOf: demo.appendingPathComponent("catalog.jsonl")), before)
    }

    /// A folder with one activity bundle, `erase.rcc`: two PNG photos named by their files, and an SVG.
    private func photoBundles(in fixture: CatalogFixture) throws -> URL {
        let folder = fixture.root.appendingPathComponent("rcc")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let prefix = "gcompris/src/activities/erase/resource/"
        let panda = try PNGWriter.encode(RGBImage(width: 64, height: 32, fill: (200, 80, 40)))
        let gorilla = try PNGWriter.encode(RGBImage(width: 20, height: 20, fill: (30, 30, 30)))
        let bundle = RCCBuilder.build([(prefix + "red_panda.png", panda, true), (prefix + "gorilla.png", gorilla, false),
                                       (prefix + "transparent_square.svg", Data("<svg/>".utf8), false)], version: 3)
        try bundle.write(to: folder.appendingPathComponent("erase.rcc"))
        return folder
    }
}
