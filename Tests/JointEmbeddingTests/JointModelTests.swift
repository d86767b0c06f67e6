import XCTest
import Tensor
import TextEncoder
import JointEmbedding

final class JointModelTests: XCTestCase {
    static func smallModel(normalize: Bool = true, seed: UInt64 = 1) -> JointModel {
        var config = JointModelConfig()
        config.imageFeatureDimension = 6
        config.embeddingDimension = 4
        config.wordDimension = 3
        config.gruHiddenSize = 5
        config.normalize = normalize
        let vocabulary = WordVocabulary.build(captions: ["red dress", "blue shoe", "red shoe"])
        return JointModel(config: config, vocabulary: vocabulary, featureMean: [Float](repeating: 0.5, count: 6),
                          featureScale: [Float](repeating: 2, count: 6), seed: seed)
    }

    private func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jointmodel-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testSaveLoadRoundTripGivesTheSameEmbeddingsAndIdentifier() throws {
        let model = Self.smallModel()
        let dir = temporaryDirectory()
        try model.save(to: dir)
        let loaded = try JointModel.load(from: dir)
        XCTAssertEqual(loaded.config, model.config)
        XCTAssertEqual(loaded.identifier, model.identifier)
        XCTAssertEqual(loaded.embedTexts(["red dress", "unseen words"]), model.embedTexts(["red dress", "unseen words"]))
        let features = Tensor(shape: [2, 6], data: (0..<12).map { Float($0) / 4 })
        XCTAssertEqual(loaded.embedImages(features: features), model.embedImages(features: features))
    }

    func testIdentifierDiffersBetweenDifferentWeights() {
        XCTAssertNotEqual(Self.smallModel(seed: 1).identifier, Self.smallModel(seed: 2).identifier)
        XCTAssertEqual(Self.smallModel(seed: 1).identifier, Self.smallModel(seed: 1).identifier)
        XCTAssertTrue(Self.smallModel().identifier.hasPrefix("gru-"))
    }

    func testEmbeddingsAreUnitLengthWhenNormalisedAndBatchOrderDoesNotMatter() {
        let model = Self.smallModel()
        let texts = ["red dress", "blue", "a red shoe and a blue dress", ""]
        let together = model.embedTexts(texts)
        XCTAssertEqual(together.shape, [4, 4])
        for (i, text) in texts.enumerated() {
            let alone = model.embedTexts([text])
            for k in 0..<4 { XCTAssertEqual(alone.data[k], together.data[i * 4 + k], accuracy: 1e-5) }
            let norm = (0..<4).reduce(Float(0)) { $0 + together.data[i * 4 + $1] * together.data[i * 4 + $1] }
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
    }

    func testLoadingAMissingOrCorruptDirectoryThrowsNamingTheFile() throws {
        let dir = temporaryDirectory()
        XCTAssertThrowsError(try JointModel.load(from: dir)) { XCTAssertTrue("\($0)".contains("config.json")) }
        try Self.smallModel().save(to: dir)
        try Data("{\"textEncoder\": \"lstm\"}".utf8).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try JointModel.load(from: dir)) { XCTAssertTrue("\($0)".contains("config.json"), "\($0)") }
    }
}
