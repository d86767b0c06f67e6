import Foundation
import IndexStore
import XCTest

/// FIPS 180-4 test vectors, plus streaming in odd chunk sizes against one-shot hashing.
final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamingMatchesOneShot() {
        let data = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        var hasher = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 127, 3, 200] where offset < data.count {
            let end = min(offset + size, data.count)
            hasher.update(data[offset..<end])
            offset = end
        }
        hasher.update(data[offset...])
        XCTAssertEqual(hasher.finalize(), SHA256.hex(of: data))
    }

    func testFileHashAndMissingFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try Data("abc".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SHA256.hex(ofFileAt: url), SHA256.hex(of: Data("abc".utf8)))
        XCTAssertThrowsError(try SHA256.hex(ofFileAt: url.appendingPathExtension("missing")))
    }
}
