import Catalog
import Foundation
import Imaging
import XCTest

/// A miniature demo build: the real font (limited to a few emoji) and three real clip-art drawings.
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

        let report = try DemoDatasetBuilder(options: options).build()
        XCTAssertEqual(report.itemsPerSource["emoji"], 40)
        XCTAssertEqual(report.itemsPerSource["openclipart"], 2, "banana.svg's template title is junk")
        XCTAssertEqual(report.dropped["openclipart: attribution template title"], 1)
        XCTAssertEqual(report.imagesRendered, 42)

        let demo = options.outputDirectory
        let all = try CatalogLoader.load(demo.appendingPathComponent("catalog.jsonl"))
        let train = try CatalogLoader.load(demo.appendingPathComponent("train.jsonl"))
        let validation = try CatalogLoader.load(demo.appendingPathComponent("val.jsonl"))
        XCTAssertEqual(all.issues + train.issues + validation.issues, [])
        XCTAssertEqual(all.items.count, 42)
        XCTAssertEqual(train.items.count + validation.items.count, 42)
        XCTAssertTrue(Set(train.items.map(\.group)).isDisjoint(with: validation.items.map(\.group)), "no group on both sides")
        XCTAssertTrue(validation.items.allSatisfy { GroupSplit.isValidation(group: $0.group) })

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
        XCTAssertEqual(rerun.imagesReused, 42)
        XCTAssertEqual(try Data(contentsOf: demo.appendingPathComponent("catalog.jsonl")), before)
    }
}
