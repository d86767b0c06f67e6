import Foundation
import JointEmbedding
import Tensor
import TextEncoder
import XCTest

/// The ImageNet-label bridge with the real MiniLM and the shipped class names.
final class LabelBridgeTests: XCTestCase {
    nonisolated(unsafe) private static var sharedBridge: LabelBridge?

    static let classNamesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/VisionEncoder/Resources/imagenet1k_clean_names.json").standardizedFileURL

    private func bridge() throws -> LabelBridge {
        if let bridge = Self.sharedBridge { return bridge }
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: Self.classNamesURL))
        XCTAssertEqual(names.count, 1000)
        XCTAssertEqual(names[954], "banana")
        let bridge = LabelBridge(encoder: try MiniLM.pretrained(), classNames: names)
        Self.sharedBridge = bridge
        return bridge
    }

    /// Logits as a confident classifier would give them: `winner` far above a flat background.
    private func logits(peakingAt winners: [Int]) -> Tensor {
        var t = Tensor(zeros: [winners.count, 1000])
        for (row, winner) in winners.enumerated() { t.data[row * 1000 + winner] = 12 }
        return t
    }

    func testBananaLikeLogitsRankTheBananaTextFirst() throws {
        let bridge = try bridge()
        // 954 banana, 967 espresso, 281 tabby cat, 812 space shuttle
        let images = bridge.imageVectors(logits: logits(peakingAt: [954, 967, 281, 812]))
        let texts = ["a ripe banana", "a cup of coffee", "a cat", "a rocket", "a red car"]
        let queries = bridge.textVectors(texts)
        for (image, expectedText) in [(0, 0), (1, 1), (2, 2), (3, 3)] {
            let scores = (0..<texts.count).map { t in
                LabelBridge.similarities(query: queries.data[(t * 384)..<((t + 1) * 384)],
                                         images: Tensor(shape: [1, 384], data: Array(images.data[(image * 384)..<((image + 1) * 384)])))[0]
            }
            XCTAssertEqual(scores.indices.max { scores[$0] < scores[$1] }, expectedText, "image \(image): \(scores)")
        }
    }

    func testImageVectorsAreUnitLengthAndTemperatureSpreadsProbability() throws {
        var bridge = try bridge()
        bridge.temperature = 1
        let peaked = bridge.imageVectors(logits: logits(peakingAt: [954]))
        let banana = Array(bridge.nameEmbeddings.data[(954 * 384)..<(955 * 384)])
        XCTAssertEqual(peaked.data.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        let sharp = zip(peaked.data, banana).reduce(0) { $0 + $1.0 * $1.1 }
        bridge.temperature = 20
        let flat = bridge.imageVectors(logits: logits(peakingAt: [954]))
        let spread = zip(flat.data, banana).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertGreaterThan(sharp, 0.99)
        XCTAssertLessThan(spread, sharp - 0.05)
    }

    func testFusedRowsRankByJointPlusWeightedBridgeScore() {
        // Random unit rows: 5 items and 1 query, joint 6-d and bridge 4-d.
        var generator = SeededGenerator(seed: 11)
        func unitRows(_ rows: Int, _ width: Int) -> [Float] {
            (0..<rows).flatMap { _ -> [Float] in
                let v = (0..<width).map { _ in Float.random(in: -1...1, using: &generator) }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return v.map { $0 / norm }
            }
        }
        let itemJoint = unitRows(5, 6), itemBridge = unitRows(5, 4), queryJoint = unitRows(1, 6), queryBridge = unitRows(1, 4)
        for weight: Float in [0, 0.5, 2] {
            let items = LabelBridge.fusedRows(joint: itemJoint, jointWidth: 6, bridge: itemBridge, bridgeWidth: 4, weight: weight)
            let query = LabelBridge.fusedRows(joint: queryJoint, jointWidth: 6, bridge: queryBridge, bridgeWidth: 4, weight: weight)
            XCTAssertEqual(items.count, 50)
            for item in 0..<5 {
                let row = Array(items[(item * 10)..<((item + 1) * 10)])
                XCTAssertEqual(row.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5, "fused rows stay unit length")
                let jointCosine = (0..<6).reduce(Float(0)) { $0 + itemJoint[item * 6 + $1] * queryJoint[$1] }
                let bridgeCosine = (0..<4).reduce(Float(0)) { $0 + itemBridge[item * 4 + $1] * queryBridge[$1] }
                let distance = zip(row, query).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                XCTAssertEqual(LabelBridge.similarity(fromDistance: distance), (jointCosine + weight * bridgeCosine) / (1 + weight),
                               accuracy: 1e-5, "item \(item), λ \(weight)")
            }
        }
        XCTAssertEqual(LabelBridge.similarity(fromDistance: 0), 1)
        XCTAssertEqual(LabelBridge.similarity(fromDistance: 2), -1)
    }

    func testCachedNameEmbeddingsRoundTripAndAreRebuiltForOtherNames() throws {
        let encoder = HashingEncoder()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bridge-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let first = try LabelBridge.cached(encoder: encoder, classNames: ["cat", "dog"], at: url)
        XCTAssertEqual(encoder.calls, 1)
        let second = try LabelBridge.cached(encoder: encoder, classNames: ["cat", "dog"], at: url)
        XCTAssertEqual(encoder.calls, 1, "second open must read the cache")
        XCTAssertEqual(first.nameEmbeddings, second.nameEmbeddings)
        let other = try LabelBridge.cached(encoder: encoder, classNames: ["cat", "cow"], at: url)
        XCTAssertEqual(encoder.calls, 2, "different names must not reuse the cache")
        XCTAssertNotEqual(other.nameEmbeddings, first.nameEmbeddings)

        // A cache that cannot be written (its "directory" is a file) still gives the bridge.
        let unwritable = url.appendingPathComponent("names.safetensors")
        let uncached = try LabelBridge.cached(encoder: encoder, classNames: ["cat", "dog"], at: unwritable)
        XCTAssertEqual(uncached.nameEmbeddings, first.nameEmbeddings)
        XCTAssertFalse(FileManager.default.fileExists(atPath: unwritable.path))
    }
}

/// A deterministic stand-in encoder: unit vectors from a text hash, counting its calls.
final class HashingEncoder: SentenceEncoder, @unchecked Sendable {
    let identifier = "hashing-test-encoder"
    let dimension = 8
    private(set) var calls = 0
    private(set) var encodedTexts = 0

    func encode(_ texts: [String]) -> Tensor {
        calls += 1
        encodedTexts += texts.count
        var data: [Float] = []
        for text in texts {
            var state = TextHash.fnv1a(text)
            var row = (0..<dimension).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 1000) / 1000 - 0.5
            }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            row = row.map { $0 / norm }
            data += row
        }
        return Tensor(shape: [texts.count, dimension], data: data)
    }
}
