import Catalog
import Foundation
import XCTest

final class AmazonLoaderTests: XCTestCase {
    /// Lines in the style of the 2014 Amazon metadata dumps (Python literals) and the later strict-JSON ones.
    private let metadata = #"""
    {'asin': '0000031852', 'title': "Girls Ballet Tutu Zebra Hot Pink", 'price': 3.17, 'imUrl': 'http://ecx.images-amazon.com/images/I/51fAmVkTbyL._SY300_.jpg', 'related': {'also_bought': ['B00JHONN1S', 'B002BZX8Z6']}, 'brand': 'Coxlures', 'categories': [['Sports & Outdoors', 'Other Sports', 'Dance']], 'salesRank': {'Toys & Games': 211836}}
    {"asin": "B00ABC1234", "title": "Women's \"Classic\" Leather Bag", "description": "Soft leather.\nTwo pockets.", "imUrl": "http://example.com/images/I/xyz.jpg", "categories": [["Clothing, Shoes & Jewelry", "Women", "Handbags"]], "available": true, "discontinued": false, "note": null}
    {'asin': 'B00PYTHON1', 'title': 'It\'s a caf\xe9 mug \u2615', 'description': None, 'isNew': True, 'categories': [['Home', 'Kitchen']]}
    {'asin': 'B00MISSING', 'title': 'No picture anywhere'}
    {'title': 'no asin', 'imUrl': 'http://x/y.jpg'}
    {'asin': 'B00BROKEN', 'title': 'broken
    """#

    func testStrictJSONAndPythonLiteralLinesWithImagesByAsinOrImageURL() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/0000031852.jpg")   // by asin
        try fixture.image("images/sub/xyz.jpg")      // by the file name of imUrl, found recursively
        try fixture.image("images/B00PYTHON1.png")
        let url = try fixture.file("meta_Test.json", metadata)

        let catalog = try CatalogLoader.load(url, imageDirectory: fixture.root.appendingPathComponent("images"))
        XCTAssertEqual(catalog.items.map(\.id), ["0000031852", "B00ABC1234", "B00PYTHON1"])

        let tutu = catalog.items[0]
        XCTAssertEqual(tutu.title, "Girls Ballet Tutu Zebra Hot Pink")
        XCTAssertEqual(tutu.category, "Sports & Outdoors > Other Sports > Dance")
        XCTAssertEqual(tutu.attributes, ["brand": "Coxlures", "price": "3.17"])
        XCTAssertEqual(tutu.source, "amazon")
        XCTAssertTrue(tutu.image.hasSuffix("images/0000031852.jpg"))

        let bag = catalog.items[1]
        XCTAssertEqual(bag.title, "Women's \"Classic\" Leather Bag")
        XCTAssertEqual(bag.description, "Soft leather.\nTwo pockets.")
        XCTAssertEqual(bag.category, "Clothing, Shoes & Jewelry > Women > Handbags")
        XCTAssertTrue(bag.image.hasSuffix("images/sub/xyz.jpg"))

        let mug = catalog.items[2]
        XCTAssertEqual(mug.title, "It's a café mug ☕")
        XCTAssertEqual(mug.description, "")

        XCTAssertEqual(catalog.issues.map { "\($0.line ?? 0) \($0.kind) \($0.field ?? "-")" },
                       ["4 missingImage image", "5 missingField asin", "6 malformedLine -"])
        XCTAssertTrue(catalog.issues[2].reason.contains("unterminated string"), catalog.issues[2].reason)
    }

    func testGzipAmazonMetadataIsDetectedAndRead() throws {
        let fixture = try CatalogFixture()
        try fixture.image("0000031852.jpg")
        let plain = try fixture.file("meta_Clothing.json", metadata)
        let compressed = try fixture.gzip(plain)
        XCTAssertEqual(try CatalogLoader.detectFormat(compressed), .amazon)
        let catalog = try CatalogLoader.load(compressed)  // images default to the catalog's folder
        XCTAssertEqual(catalog.items.map(\.id), ["0000031852"])
        XCTAssertEqual(catalog.issues.count, 5)
    }
}
