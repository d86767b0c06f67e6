import Catalog
import Foundation
import Imaging
import XCTest

/// Renders and reads a few real drawings of Debian's openclipart-svg.
final class ClipArtTests: XCTestCase {
    private let root = ClipArtSource.debianDirectory

    func testMetadataOfTheWorkNotOfItsAgents() throws {
        let bat = try ClipArtMetadata(contentsOf: root.appendingPathComponent("animals/bat_orlando_karam_.svg"))
        XCTAssertEqual(bat, ClipArtMetadata(title: "bat", description: "", keywords: ["mammal", "bat", "animal"], creator: "Orlando Karam"))
        let core = try ClipArtMetadata(contentsOf: root.appendingPathComponent("food/fruit/apple_core_01.svg"))
        XCTAssertEqual(core.title, "Apple Core")
        XCTAssertEqual(core.description, "This apple has almost finished being eaten.")
        XCTAssertEqual(TitleRules.usefulKeywords(core.keywords), ["food", "trash", "fruit"])
    }

    func testRendersRealDrawingsCentredOnWhite() throws {
        for name in ["animals/bat_orlando_karam_.svg", "food/fruit/apple_core_01.svg", "food/fruit/bananas_nicu_buculei_01.svg"] {
            let image = try SVGRenderer.render(contentsOf: root.appendingPathComponent(name), size: 128)
            XCTAssertEqual(image.width, 128)
            XCTAssertEqual(image.height, 128)
            XCTAssertEqual(Array(image.pixels[0..<3]), [255, 255, 255], "\(name): background is white")
            let inked = stride(from: 0, to: image.pixels.count, by: 3).filter { image.pixels[$0] < 200 || image.pixels[$0 + 2] < 200 }.count
            XCTAssertGreaterThan(inked, 128 * 128 / 50, "\(name): the drawing covers a visible part of the canvas")
            let png = try PNGWriter.encode(image)
            XCTAssertEqual(try ImageDecoder.decode(data: png, name: name), image)
        }
    }

    func testBrokenAndOversizedSVGsAreErrorsNotCrashes() {
        XCTAssertThrowsError(try SVGRenderer.render(svg: Data("<svg><g></svg".utf8), name: "broken.svg"))
        XCTAssertThrowsError(try SVGRenderer.render(svg: Data("not xml at all".utf8), name: "junk.svg"))
        let blank = #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>"#
        XCTAssertThrowsError(try SVGRenderer.render(svg: Data(blank.utf8), name: "blank.svg")) {
            XCTAssertTrue("\($0)".contains("blank"), "\($0)")
        }
        let huge = Data(count: SVGRenderer.maximumFileBytes + 1)
        XCTAssertThrowsError(try SVGRenderer.render(svg: huge, name: "huge.svg")) { XCTAssertTrue("\($0)".contains("limit"), "\($0)") }
        XCTAssertThrowsError(try ClipArtMetadata(svg: Data("not xml <<".utf8), name: "junk.svg"))
    }

    func testSymlinkedDuplicatesAreListedOnce() {
        let files = ClipArtSource.svgFiles(under: root.appendingPathComponent("food/fruit"))
        let names = files.map(\.relativePath)
        XCTAssertTrue(names.contains("apple_core_01.svg"))
        XCTAssertFalse(names.contains("apple_bitten_dan_gerhard_01.svg"), "a symbolic link to another folder's drawing")
        XCTAssertEqual(names, names.sorted())
    }
}
