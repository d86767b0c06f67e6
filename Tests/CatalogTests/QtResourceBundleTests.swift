import Catalog
import Foundation
import XCTest

/// The `.rcc` reader on bundles written here (format versions 1 and 3, stored and zlib payloads), on a real
/// GCompris bundle when Debian's gcompris-qt-data is installed, and on damaged bytes.
final class QtResourceBundleTests: XCTestCase {
    private let files: [(path: String, contents: String, compressed: Bool)] = [
        ("gcompris/src/activities/demo/board/board1.qml", #"QtObject { property string title: qsTr("Jaguar") }"#, true),
        ("gcompris/src/activities/demo/board/board2.qml", #"QtObject { property string title: qsTr("Hedgehog") }"#, false),
        ("gcompris/src/activities/demo/résumé.txt", "UTF-16 names with accents", true),
        ("top.txt", "", false),
    ]

    func testReadsEveryFileOfAVersion3Bundle() throws {
        let bundle = try QtResourceBundle(data: RCCBuilder.build(files, version: 3), name: "demo.rcc")
        XCTAssertEqual(bundle.version, 3)
        XCTAssertEqual(bundle.paths, files.map(\.path).sorted())
        for file in files {
            XCTAssertEqual(String(decoding: try bundle.contents(of: file.path), as: UTF8.self), file.contents, file.path)
        }
    }

    func testReadsAVersion1Bundle() throws {
        let bundle = try QtResourceBundle(data: RCCBuilder.build(files, version: 1), name: "v1.rcc")
        XCTAssertEqual(bundle.version, 1)
        XCTAssertEqual(String(decoding: try bundle.contents(of: files[0].path), as: UTF8.self), files[0].contents)
    }

    func testAnUnknownPathIsATypedError() throws {
        let bundle = try QtResourceBundle(data: RCCBuilder.build(files, version: 3), name: "demo.rcc")
        XCTAssertThrowsError(try bundle.contents(of: "gcompris/missing.qml")) { error in
            XCTAssertEqual((error as? QtResourceBundle.ReadError)?.kind, .noSuchFile)
        }
    }

    func testReadsARealGComprisBundle() throws {
        let url = URL(fileURLWithPath: "/usr/share/gcompris-qt/rcc/explore_world_animals.rcc")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("Debian's gcompris-qt-data is not installed (make setup installs it)")
        }
        let bundle = try QtResourceBundle(contentsOf: url)
        let board = "gcompris/src/activities/explore_world_animals/resource/board/board1.qml"
        XCTAssertTrue(bundle.paths.contains(board))
        XCTAssertTrue(String(decoding: try bundle.contents(of: board), as: UTF8.self).contains(#"qsTr("Jaguar")"#))
        let photo = try bundle.contents(of: "gcompris/src/activities/explore_world_animals/resource/animals/jaguar.webp")
        XCTAssertEqual(Array(photo.prefix(4)), Array("RIFF".utf8))
    }

    // MARK: Damaged bundles

    func testBadMagic() {
        var bytes = RCCBuilder.build(files, version: 3)
        bytes[0] = UInt8(ascii: "x")
        expectError(.badMagic, bytes)
        expectError(.badMagic, Data())
    }

    func testUnknownVersion() {
        var bytes = RCCBuilder.build(files, version: 3)
        bytes[7] = 9
        expectError(.unsupportedVersion, bytes)
    }

    func testEveryTruncationIsATypedError() {
        let bytes = RCCBuilder.build(files, version: 3)
        for length in stride(from: 0, to: bytes.count, by: 3) {
            do {
                let bundle = try QtResourceBundle(data: bytes.prefix(length), name: "cut.rcc")
                for path in bundle.paths { _ = try bundle.contents(of: path) }
                XCTFail("\(length) of \(bytes.count) bytes read without an error")
            } catch {
                XCTAssertTrue(error is QtResourceBundle.ReadError, "\(length) bytes: \(error)")
            }
        }
    }

    func testOffsetsPastTheEnd() {
        for headerField in [8, 12, 16] {
            var bytes = RCCBuilder.build(files, version: 3)
            bytes.replaceSubrange(headerField..<headerField + 4, with: [0x7F, 0xFF, 0xFF, 0xF0])
            expectError(.badOffset, bytes)
        }
    }

    func testAChildListPointingBackAtTheRootIsRefused() {
        var bytes = RCCBuilder.build(files, version: 3)
        let tree = RCCBuilder.treeOffset(bytes)
        bytes.replaceSubrange(tree + 10..<tree + 14, with: [0, 0, 0, 0])  // root's first child = the root
        expectError(.badTree, bytes)
    }

    func testCorruptCompressedPayload() throws {
        var bytes = RCCBuilder.build(files, version: 3)
        let marker = Array("Jaguar".utf8)  // stored blocks keep the text readable
        let at = try XCTUnwrap((0..<bytes.count - marker.count).first { bytes[$0..<$0 + marker.count].elementsEqual(marker) })
        bytes[at + 11] ^= 0xFF  // inside the Adler-32 after the 49-byte text
        let bundle = try QtResourceBundle(data: bytes, name: "bad.rcc")
        XCTAssertThrowsError(try bundle.contents(of: files[0].path)) { error in
            XCTAssertEqual((error as? QtResourceBundle.ReadError)?.kind, .badPayload, "\(error)")
        }
    }

    private func expectError(_ kind: QtResourceBundle.ReadError.Kind, _ bytes: Data, line: UInt = #line) {
        XCTAssertThrowsError(try QtResourceBundle(data: bytes, name: "bad.rcc"), line: line) { error in
            XCTAssertEqual((error as? QtResourceBundle.ReadError)?.kind, kind, "\(error)", line: line)
        }
    }
}
