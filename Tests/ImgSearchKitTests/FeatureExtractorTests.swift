import Foundation
import Imaging
import ImgSearchKit
import IndexStore
import XCTest

final class FeatureExtractorTests: XCTestCase {
    private var images: ImageFolder!
    private var cacheDirectory: URL!

    override func setUpWithError() throws {
        images = try ImageFolder()
        cacheDirectory = images.directory.appendingPathComponent("cache")
    }

    override func tearDown() { images.remove() }

    func testResultsInOrderWithTypedFailures() throws {
        var urls = try (0..<7).map { try images.write($0) }
        urls.insert(try images.writeGarbage("bad.png"), at: 3)
        urls.append(images.directory.appendingPathComponent("missing.png"))
        let extractor = FeatureExtractor(backbone: FakeBackbone(), cache: nil, threads: 2, batchSize: 3)
        let results = try extractor.extract(urls, showProgress: false)
        XCTAssertEqual(results.count, 9)
        guard case .failure(let bad) = results[3], case .failure(let missing) = results[8] else {
            return XCTFail("expected failures at 3 and 8: \(results)")
        }
        XCTAssertEqual(bad.kind, .notAnImage)
        XCTAssertEqual(missing.kind, .unreadable)
        // Each success matches what the backbone gives for that image alone.
        let single = FeatureExtractor(backbone: FakeBackbone(), cache: nil, threads: 1, batchSize: 1)
        for index in [0, 4, 7] {
            let alone = try single.extract([urls[index]], showProgress: false)[0]
            XCTAssertEqual(try results[index].get().features, try alone.get().features)
            XCTAssertEqual(try results[index].get().contentHash, try ContentHash.hex(ofFileAt: urls[index]))
        }
    }

    func testCacheHitsSkipTheCNN() throws {
        let urls = try (0..<10).map { try images.write($0) }
        let first = FakeBackbone()
        let cached = try FeatureExtractor(backbone: first, cache: FeatureCache(directory: cacheDirectory), batchSize: 4)
            .extract(urls, showProgress: false)
        XCTAssertEqual(first.encodedImages, 10)
        let second = FakeBackbone()
        let again = try FeatureExtractor(backbone: second, cache: FeatureCache(directory: cacheDirectory), batchSize: 4)
            .extract(urls + [try images.write(10)], showProgress: false)
        XCTAssertEqual(second.encodedImages, 1, "only the new image runs through the network")
        XCTAssertTrue(try again[0..<10].allSatisfy { try $0.get().fromCache })
        XCTAssertEqual(try again[0..<10].map { try $0.get().features }, try cached.map { try $0.get().features })
    }

    /// A re-run stats unchanged files instead of hashing them again; a changed file is read and hashed.
    func testUnchangedFilesAreNotHashedAgainAndChangedOnesAre() throws {
        let url = try images.write(0)
        let cache = try FeatureCache(directory: cacheDirectory)
        let extractor = FeatureExtractor(backbone: FakeBackbone(), cache: cache)
        let first = try extractor.extract([url], showProgress: false)[0].get()
        XCTAssertEqual(first.contentHash, try ContentHash.hex(ofFileAt: url))
        // Plant another hash for the unchanged file: the extractor must answer with it, so it did not read the file.
        let fingerprint = try XCTUnwrap(FileFingerprint(path: url.path))
        try cache.remember([(url.path, fingerprint, first.contentHash.uppercased())])
        XCTAssertEqual(try extractor.extract([url], showProgress: false)[0].get().contentHash, first.contentHash.uppercased())
        // Rewritten with another image, the file is hashed afresh.
        Thread.sleep(forTimeInterval: 0.05)  // past one tick of the coarse file clock
        XCTAssertEqual(try images.write(0, variant: 1), url)
        let second = try extractor.extract([url], showProgress: false)[0].get()
        XCTAssertEqual(second.contentHash, try ContentHash.hex(ofFileAt: url))
        XCTAssertNotEqual(second.contentHash, first.contentHash)
    }

    /// Files changed in the last seconds are hashed every time (their times may not have ticked since);
    /// settled files (here a fixture from the checkout) are remembered.
    func testOnlySettledFilesHaveTheirHashRemembered() throws {
        let cache = try FeatureCache(directory: cacheDirectory)
        let fresh = try images.write(3)
        let settled = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../ImagingTests/Fixtures/rgb8.png").standardizedFileURL
        let modified = try XCTUnwrap(FileFingerprint(path: settled.path)).changedNanoseconds
        try XCTSkipIf(Double(modified) / 1e9 > Date().timeIntervalSince1970 - 10, "the fixture was written seconds ago")
        _ = try FeatureExtractor(backbone: FakeBackbone(), cache: cache).extract([fresh, settled], showProgress: false)
        let remembered = try cache.contentHashes(of: [fresh, settled].map { ($0.path, try XCTUnwrap(FileFingerprint(path: $0.path))) })
        XCTAssertEqual(remembered, [settled.path: try ContentHash.hex(ofFileAt: settled)])
    }

    func testCroppedFeaturesAreCachedApart() throws {
        let urls = try (0..<4).map { try images.write($0) }
        func run(crop: ContentCrop?) throws -> (extractor: FeatureExtractor, encoded: Int) {
            let backbone = FakeBackbone()
            let extractor = FeatureExtractor(backbone: backbone, cache: try FeatureCache(directory: cacheDirectory), cropToContent: crop)
            _ = try extractor.extract(urls, showProgress: false).map { try $0.get() }
            return (extractor, backbone.encodedImages)
        }
        let plain = try run(crop: nil)
        XCTAssertEqual(plain.encoded, 4)
        let cropped = try run(crop: .standard)
        XCTAssertEqual(cropped.encoded, 4, "cropped features are not answered by the plain ones in the cache")
        XCTAssertNotEqual(cropped.extractor.cacheKey, plain.extractor.cacheKey)
        XCTAssertTrue(cropped.extractor.cacheKey.hasSuffix("/crop"))
        XCTAssertEqual(try run(crop: .standard).encoded, 0, "and come from the cache the second time")
    }

    func testAugmentedViewsAreCachedApartAndAreTheSameCopyEveryRun() throws {
        let urls = try (0..<6).map { try images.write($0) }
        let plain = try FeatureExtractor(backbone: FakeBackbone(), cache: FeatureCache(directory: cacheDirectory))
            .extract(urls, showProgress: false).map { try $0.get().features }
        func view(_ variant: Int) throws -> (features: [CachedFeatures], encoded: Int) {
            let backbone = FakeBackbone()
            let extractor = FeatureExtractor(backbone: backbone, cache: try FeatureCache(directory: cacheDirectory),
                                             augmentation: (ImageAugmentation(cropFraction: 0.5...0.6, jitter: 0.3, flipProbability: 0.5), variant))
            return (try extractor.extract(urls, showProgress: false).map { try $0.get().features }, backbone.encodedImages)
        }
        let first = try view(1)
        XCTAssertEqual(first.encoded, 6, "augmented views are not answered by the plain features in the cache")
        XCTAssertNotEqual(first.features, plain)
        let again = try view(1)
        XCTAssertEqual(again.encoded, 0, "the same view comes from the cache")
        XCTAssertEqual(again.features, first.features)
        let second = try view(2)
        XCTAssertEqual(second.encoded, 6)
        XCTAssertNotEqual(second.features, first.features)
    }

    func testAThrowingConsumerStopsThePipeline() throws {
        let urls = try (0..<20).map { try images.write($0) }
        struct Stop: Error {}
        var batches = 0
        XCTAssertThrowsError(try FeatureExtractor(backbone: FakeBackbone(), cache: nil, batchSize: 2).extract(urls) { _ in
            batches += 1
            if batches == 2 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(batches, 2)
    }
}
