import Foundation
import IndexStore
import XCTest

final class FeatureCacheTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func features(_ seed: Float, logits: Bool = true) -> CachedFeatures {
        CachedFeatures(maxPooled: [seed, 1, 2], gemPooled: [seed, -1, 0.5], avgPooled: [seed / 2, 0, 0],
                       logits: logits ? (0..<10).map { Float($0) * seed } : nil)
    }

    func testRoundTripSurvivesReopening() throws {
        do {
            let cache = try FeatureCache(directory: directory)
            try cache.store([("h1", features(1)), ("h2", features(2, logits: false))], backbone: "net/max,gem3,avg")
        }
        let reopened = try FeatureCache(directory: directory)
        XCTAssertEqual(try reopened.features(contentHash: "h1", backbone: "net/max,gem3,avg"), features(1))
        XCTAssertEqual(try reopened.features(contentHash: "h2", backbone: "net/max,gem3,avg"), features(2, logits: false))
        XCTAssertEqual(try reopened.count(), 2)
    }

    func testKeyIncludesBackbone() throws {
        let cache = try FeatureCache(directory: directory)
        try cache.store([("h1", features(1))], backbone: "net-a")
        XCTAssertNil(try cache.features(contentHash: "h1", backbone: "net-b"))
        XCTAssertEqual(try cache.count(backbone: "net-a"), 1)
        XCTAssertEqual(try cache.count(backbone: "net-b"), 0)
    }

    func testBulkLookupReturnsOnlyHits() throws {
        let cache = try FeatureCache(directory: directory)
        let entries = (0..<1200).map { ("hash\($0)", features(Float($0))) }
        try cache.store(entries, backbone: "net")
        let asked = (0..<1300).map { "hash\($0 * 2)" } // even hashes, half beyond the stored range
        let found = try cache.features(contentHashes: asked, backbone: "net")
        XCTAssertEqual(found.count, 600)
        XCTAssertEqual(found["hash1198"], features(1198))
        XCTAssertNil(found["hash1200"])
    }

    func testReplacingAnEntry() throws {
        let cache = try FeatureCache(directory: directory)
        try cache.store([("h", features(1))], backbone: "net")
        try cache.store([("h", features(5))], backbone: "net")
        XCTAssertEqual(try cache.features(contentHash: "h", backbone: "net"), features(5))
        XCTAssertEqual(try cache.count(), 1)
    }

    func testUnwritableDirectoryIsATypedError() throws {
        let file = directory.appendingPathExtension("file")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // A regular file where the directory should be: creation must fail with a StoreError.
        XCTAssertThrowsError(try FeatureCache(directory: file.appendingPathComponent("sub"))) { error in
            XCTAssertTrue(error is StoreError, "\(error)")
        }
    }

    func testFileHashesAreRememberedByPathAndFingerprint() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("image.png")
        try Data("first".utf8).write(to: file)
        let before = try XCTUnwrap(FileFingerprint(path: file.path))
        XCTAssertEqual(before.size, 5)
        XCTAssertNil(FileFingerprint(path: directory.appendingPathComponent("missing.png").path))
        XCTAssertNil(FileFingerprint(path: directory.path), "a directory has no content hash")
        do {
            let cache = try FeatureCache(directory: directory)
            try cache.remember([(file.path, before, "hash-of-first")])
        }
        let cache = try FeatureCache(directory: directory)
        XCTAssertEqual(try cache.contentHashes(of: [(file.path, before)]), [file.path: "hash-of-first"])
        // Same size, new bytes: the modification time, status-change time or inode moves, and the hash is forgotten.
        Thread.sleep(forTimeInterval: 0.05)  // past one tick of the coarse file clock
        try Data("other".utf8).write(to: file)
        let after = try XCTUnwrap(FileFingerprint(path: file.path))
        XCTAssertNotEqual(after, before)
        XCTAssertEqual(try cache.contentHashes(of: [(file.path, after)]), [:])
        try cache.remember([(file.path, after, "hash-of-other")])
        XCTAssertEqual(try cache.contentHashes(of: [(file.path, after), ("/elsewhere.png", after)]), [file.path: "hash-of-other"])
    }
}
