import Foundation
import JointEmbedding
import Tensor
import TextEncoder
import XCTest

/// The cached frozen text tower behind `--text-encoder minilm`.
final class MiniLMTextTowerTests: XCTestCase {
    private func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tower-\(UUID().uuidString).safetensors")
    }

    func testEncodesEachDistinctTextOnceAndReturnsRowsInOrder() throws {
        let encoder = HashingEncoder()
        let tower = try MiniLMTextTower(encoder: encoder, cacheURL: nil)
        let texts = ["red bag", "blue shoe", "red bag", "hat"]
        let vectors = tower.embed(texts)
        XCTAssertEqual(vectors.shape, [4, 8])
        XCTAssertEqual(encoder.encodedTexts, 3)
        XCTAssertEqual(vectors, Tensor(shape: [4, 8], data: encoder.encode(texts).data))
        _ = tower.embed(["hat", "blue shoe"])
        XCTAssertEqual(encoder.encodedTexts, 3 + 4, "cached texts must not be encoded again")
    }

    func testCacheSurvivesSaveAndReopenAndIgnoresAnotherEncoder() throws {
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        let encoder = HashingEncoder()
        let tower = try MiniLMTextTower(encoder: encoder, cacheURL: url)
        let texts = (0..<150).map { "caption number \($0) ✓" }
        let first = tower.embed(texts)
        try tower.save()

        let reopened = try MiniLMTextTower(encoder: encoder, cacheURL: url)
        XCTAssertEqual(reopened.cachedCount, 150)
        let calls = encoder.calls
        XCTAssertEqual(reopened.embed(texts.reversed()).data,
                       Array(texts.indices.reversed().flatMap { first.data[($0 * 8)..<(($0 + 1) * 8)] }))
        XCTAssertEqual(encoder.calls, calls, "a reopened cache must answer without the encoder")

        let other = try MiniLMTextTower(encoder: OtherEncoder(), cacheURL: url)
        XCTAssertEqual(other.cachedCount, 0)
    }

    func testProgressReportsEveryBatchOfMisses() throws {
        let tower = try MiniLMTextTower(encoder: HashingEncoder(), cacheURL: nil)
        var reports: [Int] = []
        _ = tower.embed((0..<130).map(String.init)) { done, total in XCTAssertEqual(total, 130); reports.append(done) }
        XCTAssertEqual(reports, [64, 128, 130])
    }
}

private final class OtherEncoder: SentenceEncoder, @unchecked Sendable {
    let identifier = "other"
    let dimension = 8
    func encode(_ texts: [String]) -> Tensor { Tensor(zeros: [texts.count, 8]) }
}
