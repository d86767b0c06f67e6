import Foundation
import Imaging
import XCTest

/// Every kind of bad input yields a typed `ImageError` naming the file, never a crash or hang.
final class BadInputTests: XCTestCase {
    private func assertError(_ data: Data, _ kind: ImageError.Kind, _ name: String, line: UInt = #line) {
        XCTAssertThrowsError(try ImageDecoder.decode(data: data, name: name), line: line) { error in
            guard let error = error as? ImageError else { return XCTFail("untyped error \(error)", line: line) }
            XCTAssertEqual(error.kind, kind, "\(error)", line: line)
            XCTAssertEqual(error.file, name, line: line)
            XCTAssertTrue(error.description.hasPrefix(name + ": "), line: line)
        }
    }

    private func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: TestImages.fixtures.appendingPathComponent(name))
    }

    private var sampleJPEG: Data {
        get throws { try JPEGWriter.encode(TestImages.cells([[(200, 10, 10), (10, 200, 10)]], cell: 64)) }
    }

    func testEmptyFile() throws {
        assertError(Data(), .empty, "empty.jpg")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-empty-\(UUID()).png")
        try Data().write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: url)) { XCTAssertEqual(($0 as? ImageError)?.kind, .empty) }
    }

    func testMissingFile() {
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/cat.jpg"))) {
            XCTAssertEqual(($0 as? ImageError)?.kind, .unreadable)
            XCTAssertEqual(($0 as? ImageError)?.file, "/nonexistent/cat.jpg")
        }
    }

    func testTruncatedFiles() throws {
        let jpeg = try sampleJPEG
        assertError(jpeg.prefix(jpeg.count / 2), .truncated, "half.jpg")
        assertError(jpeg.prefix(12), .truncated, "header-only.jpg")
        let png = try fixture("rgb8.png")
        assertError(png.prefix(png.count / 2), .truncated, "half.png")
        assertError(png.prefix(20), .truncated, "stub.png")
        let webp = try fixture("rgba_lossless.webp")
        assertError(webp.prefix(webp.count / 2), .truncated, "half.webp")
    }

    func testNotAnImage() {
        assertError(Data("hello, this is a text file\n".utf8), .notAnImage, "notes.txt.jpg")
        assertError(Data([0xFF]), .notAnImage, "one-byte.jpg")
    }

    func testUnsupportedFormats() {
        assertError(Data("GIF89a".utf8 + [1, 0, 1, 0, 0, 0, 0, 0x3B]), .unsupportedFormat, "anim.gif")
        assertError(Data("BM".utf8 + [UInt8](repeating: 0, count: 40)), .unsupportedFormat, "bitmap.bmp")
        assertError(Data([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]), .unsupportedFormat, "scan.tiff")
        assertError(Data([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]), .unsupportedFormat, "scan-be.tiff")
    }

    func testDecompressionBombsRefusedFromHeader() throws {
        // PNG: IHDR claims 20000×20000 (400 MP).
        var png = [UInt8](try fixture("rgb8.png"))
        png.replaceSubrange(16..<24, with: [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20])
        assertError(Data(png), .tooLarge, "bomb.png")

        // JPEG: SOF0 claims 30000×30000.
        var jpeg = [UInt8](try sampleJPEG)
        let sof = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0x75, 0x30, 0x75, 0x30])
        assertError(Data(jpeg), .tooLarge, "bomb.jpg")

        // WebP (lossless): header claims 16384×16384 (268 MP).
        let payload: [UInt8] = [0x2F, 0xFF, 0xFF, 0xFF, 0x0F] + [UInt8](repeating: 0, count: 11)
        let chunk: [UInt8] = Array("VP8L".utf8) + [UInt8(payload.count), 0, 0, 0] + payload
        let riff: [UInt8] = Array("RIFF".utf8) + [UInt8(chunk.count + 4), 0, 0, 0] + Array("WEBP".utf8) + chunk
        assertError(Data(riff), .tooLarge, "bomb.webp")
    }

    func testCorruptData() throws {
        // A PNG whose IHDR checksum is wrong but which is otherwise complete.
        var png = [UInt8](try fixture("rgb8.png"))
        png[29] ^= 0xFF
        assertError(Data(png), .corrupt, "bad-crc.png")
        // A complete JPEG whose frame header declares an impossible sample precision.
        var jpeg = [UInt8](try sampleJPEG)
        let sof = try XCTUnwrap((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 4] = 51
        assertError(Data(jpeg), .corrupt, "bad-precision.jpg")
    }
}
