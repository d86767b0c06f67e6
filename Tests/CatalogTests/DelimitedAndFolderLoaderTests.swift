import Catalog
import Foundation
import XCTest

final class DelimitedAndFolderLoaderTests: XCTestCase {
    func testCSVWithQuotedCommasNewlinesAndQuotes() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/a.jpg")
        try fixture.image("images/b.jpg")
        let url = try fixture.file("items.csv", """
        SKU,Path,Name,Description,Extra\r
        a1,images/a.jpg,"Bag, red","Leather ""classic"" bag\r
        with two straps",x\r
        b1,images/b.jpg,Shoe,,y\r
        c1,images/c.jpg,Missing,,z\r
        d1,images/a.jpg,Too many,fields,here,oops\r
        e1,images/b.jpg,"never closed,,\r

        """)
        let catalog = try CatalogLoader.load(url)
        XCTAssertEqual(catalog.items.map(\.title), ["Bag, red", "Shoe"])
        XCTAssertEqual(catalog.items[0].description, "Leather \"classic\" bag\nwith two straps")
        XCTAssertEqual(catalog.items[0].id, "images/a.jpg", "no id column: the id defaults to the image path")
        XCTAssertEqual(catalog.issues.map { "\($0.line ?? 0) \($0.kind)" },
                       ["5 missingImage", "6 malformedLine", "7 malformedLine"])
    }

    func testTSVByExtensionAndByContent() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/a.jpg")
        let text = "id\timage\ttitle\tgroup\nq\timages/a.jpg\tA \"quoted\" title\tthings\n"
        let tsv = try fixture.file("items.tsv", text)
        let unnamed = try fixture.file("items.txt", text)
        XCTAssertEqual(try CatalogLoader.detectFormat(unnamed), .tsv)
        for url in [tsv, unnamed] {
            let catalog = try CatalogLoader.load(url)
            XCTAssertEqual(catalog.issues, [])
            XCTAssertEqual(catalog.items.map(\.id), ["q"])
            XCTAssertEqual(catalog.items[0].title, "A \"quoted\" title")
            XCTAssertEqual(catalog.items[0].group, "things")
        }
    }

    func testHeaderWithoutImageColumnIsAnError() throws {
        let fixture = try CatalogFixture()
        let url = try fixture.file("bad.csv", "id,title\n1,x\n")
        XCTAssertThrowsError(try CatalogLoader.load(url)) { XCTAssertTrue("\($0)".contains("image column"), "\($0)") }
    }

    func testInvalidUTF8RecordIsReported() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/a.jpg")
        var bytes = Data("image,title\nimages/a.jpg,ok\nimages/a.jpg,".utf8)
        bytes.append(contentsOf: [0xC3, 0x28, 0x0A])
        let catalog = try CatalogLoader.load(try fixture.file("enc.csv", bytes))
        XCTAssertEqual(catalog.items.count, 1)
        XCTAssertEqual(catalog.issues.map(\.kind), [.invalidEncoding])
        XCTAssertEqual(catalog.issues.first?.line, 3)
    }

    func testFolderOfImagesRecursivelyWithTitlesFromFileNames() throws {
        let fixture = try CatalogFixture()
        try fixture.image("images/bags/red_leather-bag_02.jpg")
        try fixture.image("images/shoes/Blue Suede Shoes.PNG")
        try fixture.image("images/notes.txt")
        let catalog = try CatalogLoader.load(fixture.root.appendingPathComponent("images"))
        XCTAssertEqual(catalog.items.map(\.id), ["bags/red_leather-bag_02.jpg", "shoes/Blue Suede Shoes.PNG"])
        XCTAssertEqual(catalog.items.map(\.title), ["red leather bag", "Blue Suede Shoes"])
        XCTAssertEqual(catalog.items.map(\.category), ["bags", "shoes"])
        XCTAssertEqual(catalog.issues, [])
    }

    func testFormatDetection() throws {
        let fixture = try CatalogFixture()
        XCTAssertEqual(try CatalogLoader.detectFormat(try fixture.file("a.jsonl", #"{"image": "x"}"#)), .jsonLines)
        XCTAssertEqual(try CatalogLoader.detectFormat(try fixture.file("b.json", "{'asin': 'X'}")), .amazon)
        XCTAssertEqual(try CatalogLoader.detectFormat(try fixture.file("c.data", "image,title\n")), .csv)
        XCTAssertEqual(try CatalogLoader.detectFormat(fixture.root, isDirectory: true), .folder)
    }
}
