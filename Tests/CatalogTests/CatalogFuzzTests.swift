import Catalog
import Foundation
import FuzzSupport
import XCTest

/// Catalog files fuzzed: JSON Lines, Python-literal (old Amazon) lines, CSV and TSV. Whatever the bytes, loading
/// returns items (each with an id and an existing image) and issues naming lines, or a `CatalogError` for a
/// catalog unusable as a whole — never a crash or a hang (deep nesting included).
final class CatalogFuzzTests: XCTestCase {
    func testMutatedCatalogsLoadOrReportIssues() throws {
        let fixture = try CatalogFixture()
        for name in ["a", "b", "B00ASIN001", "B00ASIN002"] { try fixture.image("images/\(name).jpg") }
        let corpus: [(String, String)] = [
            ("catalog.jsonl", #"{"id": "a", "image": "images/a.jpg", "title": "Red \"bag\"", "description": "x\ny \u2615", "tags": [1, {"k": [true, null]}]}"# + "\n"
                + #"{"id": "b", "image": "images/b.jpg", "title": "Blue shoe", "category": "shoes", "group": "g1"}"# + "\n"),
            ("meta_Old.json", #"{'asin': 'B00ASIN001', 'title': 'caf\xc3\xa9 \'mug\'', 'categories': [['Home', 'Kitchen']], 'price': 3.5, 'related': {'also': ['x']}}"# + "\n"
                + #"{"asin": "B00ASIN002", "title": "Women's \"Classic\" bag", "imUrl": "http://x/images/B00ASIN002.jpg", "n": null}"# + "\n"),
            ("items.csv", "id,image,title,description\na1,images/a.jpg,\"Bag, red\",\"two\nlines\"\nb1,images/b.jpg,Shoe,\n"),
            ("items.tsv", "id\timage\ttitle\na1\timages/a.jpg\tA \"quoted\" title\nb1\timages/b.jpg\tB\n"),
        ]
        var fuzzer = Fuzzer(seed: 18)
        for (name, text) in corpus {
            let url = fixture.root.appendingPathComponent(name)
            let report = fuzzer.run("catalog \(name)", corpus: [Array(text.utf8)], count: 500, budget: 15) { bytes in
                try Data(bytes).write(to: url)
                let catalog: LoadedCatalog
                do {
                    catalog = try CatalogLoader.load(url, imageDirectory: fixture.root.appendingPathComponent("images"))
                } catch let error as CatalogError {
                    throw error
                } catch {
                    XCTFail("\(name): an untyped error \(error)")
                    throw error
                }
                for item in catalog.items {
                    XCTAssertFalse(item.id.isEmpty, name)
                    XCTAssertTrue(FileManager.default.fileExists(atPath: item.image), "\(name): \(item.image)")
                }
                if !catalog.issues.isEmpty { throw catalog.issues[0] }
            }
            XCTAssertGreaterThan(report.rejected, 0, name)
        }
        // Nesting far past the parsers' limit: one issue for the line, not a stack overflow.
        let deep = fixture.root.appendingPathComponent("deep.jsonl")
        try Data((#"{"id": "a", "image": "images/a.jpg", "x": "# + String(repeating: "[", count: 100_000) + "}\n").utf8).write(to: deep)
        XCTAssertEqual(try CatalogLoader.load(deep).items.count, 0)
    }
}
