import Catalog
import Foundation
import XCTest

final class JSONLinesLoaderTests: XCTestCase {
    func testLoadsItemsWithDefaultsAndRelativeOrAbsolutePaths() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/a.jpg")
        let absolute = try fixture.image("elsewhere/b.png")
        let url = try fixture.file("c.jsonl", """
        {"id": "A1", "image": "images/a.jpg", "title": "Red dress", "description": "Cotton.", "category": "women", "group": "dress"}
        {"image": "\(absolute.path)"}

        """)
        let catalog = try CatalogLoader.load(url)
        XCTAssertEqual(catalog.issues, [])
        XCTAssertEqual(catalog.items.count, 2)
        let first = catalog.items[0]
        XCTAssertEqual(first.id, "A1")
        XCTAssertEqual(first.image, fixture.root.appendingPathComponent("images/a.jpg").standardizedFileURL.path)
        XCTAssertEqual(first.caption, "Red dress. Cotton.")
        XCTAssertEqual(first.group, "dress")
        let second = catalog.items[1]
        XCTAssertEqual(second.id, absolute.path, "id defaults to the image path as written")
        XCTAssertEqual(second.group, second.id, "an item without a group is its own concept")
        XCTAssertEqual(second.caption, "")
    }

    func testBadLinesAreReportedWithLineNumbersAndTheRestIsLoaded() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/a.jpg")
        try fixture.image("images/b.jpg")
        var bytes = Data("""
        {"id": "a", "image": "images/a.jpg"}
        {"id": "b", "image": "images/b.jpg", "title": "unterminated}
        {"id": "c", "image": "images/missing.jpg"}
        {"id": "a", "image": "images/b.jpg"}
        {"id": "d", "title": "no image"}
        [1, 2]

        """.utf8)
        bytes.append(contentsOf: [0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A])  // {"id":"\xFF\xFE"}
        bytes.append(Data(#"{"id": "b", "image": "images/b.jpg"}"#.utf8))
        let url = try fixture.file("bad.jsonl", bytes)

        let catalog = try CatalogLoader.load(url)
        XCTAssertEqual(catalog.items.map(\.id), ["a", "b"])
        let found = catalog.issues.map { "\($0.line ?? 0) \($0.kind) \($0.field ?? "-")" }
        XCTAssertEqual(found, ["2 malformedLine -", "3 missingImage image", "4 duplicateId id", "5 missingField image",
                               "6 malformedLine -", "7 invalidEncoding -"])
        XCTAssertTrue(catalog.issues.allSatisfy { $0.file == url.standardizedFileURL.path })
        XCTAssertTrue(catalog.issues[0].description.contains("bad.jsonl:2"))
        XCTAssertEqual(catalog.issueCounts[.malformedLine], 2)
        XCTAssertEqual(catalog.summary, "2 items loaded; 6 issues (2 malformed line, 1 missing field, 1 missing image, 1 duplicate id, 1 invalid UTF-8)")
    }

    func testGzipCompressedCatalogIsReadDirectly() throws {
        let fixture = try CatalogFixture()
        var lines = ""
        for index in 0..<1000 {
            try fixture.image("images/\(index).jpg")
            lines += #"{"id": "item\#(index)", "image": "images/\#(index).jpg", "title": "thing \#(index)"}"# + "\n"
        }
        let plain = try fixture.file("big.jsonl", lines)
        let compressed = try fixture.gzip(plain)
        let fromPlain = try CatalogLoader.load(plain)
        let fromGzip = try CatalogLoader.load(compressed)
        XCTAssertEqual(fromGzip.items.count, 1000)
        XCTAssertTrue(fromGzip.items == fromPlain.items, "gzip and plain catalogs load the same items")
        XCTAssertEqual(fromGzip.issues, [])
    }

    func testTruncatedGzipIsAnError() throws {
        let fixture = try CatalogFixture()
        let plain = try fixture.file("t.jsonl", String(repeating: #"{"image": "x.jpg", "title": "abcdefgh"}"# + "\n", count: 500))
        let compressed = try fixture.gzip(plain)
        let bytes = try Data(contentsOf: compressed)
        let truncated = try fixture.file("cut.jsonl.gz", bytes.prefix(bytes.count / 2))
        XCTAssertThrowsError(try CatalogLoader.load(truncated)) { error in
            XCTAssertTrue("\(error)".contains("gzip"), "\(error)")
        }
    }

    func testWriterRoundTripsThroughTheLoader() throws {
        let fixture = try CatalogFixture()
        let image = try fixture.image("images/x.png")
        let items = [CatalogItem(id: "x", image: image.path, title: "Ünïcode \"quoted\" / slash", description: "line\nbreak",
                                 category: "c", group: "g", source: "s")]
        let url = fixture.root.appendingPathComponent("out.jsonl")
        try CatalogWriter.write(items, to: url)
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).contains(#""image":"images/x.png""#), "paths inside the folder are relative")
        let loaded = try CatalogLoader.load(url)
        XCTAssertEqual(loaded.items, [CatalogItem(id: "x", image: image.standardizedFileURL.path, title: items[0].title,
                                                  description: items[0].description, category: "c", group: "g", source: "s")])
    }

    func testMissingCatalogIsAnError() {
        XCTAssertThrowsError(try CatalogLoader.load(URL(fileURLWithPath: "/nonexistent/catalog.jsonl")))
    }
}
