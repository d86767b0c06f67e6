import Catalog
import Foundation
import XCTest

/// What real files bring: a UTF-8 byte-order mark from a spreadsheet, and the `\xNN` UTF-8 bytes of the old
/// Amazon dumps (Python 2 byte strings).
final class CatalogEdgeCaseTests: XCTestCase {
    private let bom = Data([0xEF, 0xBB, 0xBF])

    func testCSVAndTSVWithAByteOrderMarkKeepTheirFirstColumn() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/a.jpg")
        try fixture.image("images/b.jpg")
        let files = [
            ("image-first.csv", "image,id,title\nimages/a.jpg,A1,Red bag\nimages/b.jpg,B2,Blue shoe\n"),
            ("id-first.csv", "id,image,title\nA1,images/a.jpg,Red bag\nB2,images/b.jpg,Blue shoe\n"),
            ("id-first.tsv", "id\timage\ttitle\nA1\timages/a.jpg\tRed bag\nB2\timages/b.jpg\tBlue shoe\n"),
            ("lines.jsonl", #"{"id": "A1", "image": "images/a.jpg", "title": "Red bag"}"# + "\n"
                + #"{"id": "B2", "image": "images/b.jpg", "title": "Blue shoe"}"# + "\n"),
        ]
        for (name, text) in files {
            let url = try fixture.file(name, bom + Data(text.utf8))
            let catalog = try CatalogLoader.load(url)
            XCTAssertEqual(catalog.issues, [], name)
            XCTAssertEqual(catalog.items.map(\.id), ["A1", "B2"], name)
            XCTAssertEqual(catalog.items.map(\.title), ["Red bag", "Blue shoe"], name)
        }
    }

    func testPythonLiteralHexEscapesAreUTF8BytesWhenTheyFormUTF8() throws {
        let fixture = try CatalogFixture()
        for asin in ["B0000UTF81", "B0000LATIN", "B0000MIXED"] { try fixture.image("images/\(asin).jpg") }
        let url = try fixture.file("meta_Old.json", #"""
        {'asin': 'B0000UTF81', 'title': 'Women\xe2\x80\x99s caf\xc3\xa9 jacket', 'description': '\xe2\x98\x95 \xf0\x9f\x91\x97'}
        {'asin': 'B0000LATIN', 'title': 'caf\xe9 au lait'}
        {'asin': 'B0000MIXED', 'title': '\u00e9t\xc3\xa9 \\x41'}
        """#)
        let catalog = try CatalogLoader.load(url, imageDirectory: fixture.root.appendingPathComponent("images"))
        XCTAssertEqual(catalog.issues, [])
        XCTAssertEqual(catalog.items.map(\.title), ["Women’s café jacket", "café au lait", "été \\x41"])
        XCTAssertEqual(catalog.items[0].description, "☕ 👗")
    }
}
