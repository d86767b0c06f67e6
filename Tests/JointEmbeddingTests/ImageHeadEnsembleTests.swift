import XCTest
import Tensor
import TextEncoder
import JointEmbedding

/// `config.imageHeads > 1`: several image heads trained side by side, their unit outputs averaged.
final class ImageHeadEnsembleTests: XCTestCase {
    private func ensembleModel(heads: Int = 3, seed: UInt64 = 4, vocabulary: WordVocabulary? = nil,
                               features: Tensor? = nil) -> JointModel {
        var config = JointModelConfig()
        config.imageFeatureDimension = 16
        config.embeddingDimension = 8
        config.wordDimension = 6
        config.gruHiddenSize = 8
        config.imageHiddenSize = 12
        config.imageHeads = heads
        let stats = features.map { ImageHead.standardization(of: $0.data, rows: $0.shape[0], width: 16) }
        return JointModel(config: config, vocabulary: vocabulary ?? WordVocabulary.build(captions: ["red dress"]),
                          featureMean: stats?.mean ?? [Float](repeating: 0.2, count: 16),
                          featureScale: stats?.scale ?? [Float](repeating: 1.5, count: 16), seed: seed)
    }

    private func features(rows: Int, seed: UInt64 = 9) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: [rows, 16], data: (0..<rows * 16).map { _ in rng.nextUnitFloat() * 3 })
    }

    private func unit(_ row: ArraySlice<Float>) -> [Float] {
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return row.map { $0 / norm }
    }

    func testAnImageEmbedsAsTheNormalisedMeanOfItsMembersUnitOutputs() {
        let model = ensembleModel()
        XCTAssertEqual(model.imageHeads.count, 3)
        let x = features(rows: 5)
        let embedded = model.embedImages(features: x)
        let members = model.imageHeads.map { $0.forward(x.data, rows: 5).output }
        XCTAssertNotEqual(members[0], members[1], "members must start from different weights")
        for r in 0..<5 {
            var mean = [Float](repeating: 0, count: 8)
            for member in members {
                for (k, v) in unit(member[(r * 8)..<((r + 1) * 8)]).enumerated() { mean[k] += v / 3 }
            }
            let expected = unit(mean[...])
            for k in 0..<8 { XCTAssertEqual(embedded.data[r * 8 + k], expected[k], accuracy: 1e-5) }
        }
    }

    func testAnEnsembleSavesLoadsAndKeepsItsIdentifier() throws {
        let model = ensembleModel()
        let names = Set(model.weightTensors().keys)
        XCTAssertTrue(names.isSuperset(of: ["image.hidden.weight", "image.member1.hidden.weight", "image.member2.projection.bias",
                                            "image.feature_mean"]), "\(names.sorted())")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let loaded = try JointModel.load(from: dir)
        XCTAssertEqual(loaded.config.imageHeads, 3)
        XCTAssertEqual(loaded.identifier, model.identifier)
        let x = features(rows: 4)
        XCTAssertEqual(loaded.embedImages(features: x), model.embedImages(features: x))
        XCTAssertNotEqual(ensembleModel(heads: 2).identifier, ensembleModel(heads: 3).identifier)
    }

    /// Models saved before ensembles existed have no `imageHeads` key; their config (and so the model
    /// identifier their indexes record) must read and write back unchanged.
    func testASingleHeadConfigHasNoImageHeadsKeyAndOldConfigsReadAsOneHead() throws {
        let single = try JSONEncoder().encode(JointModelConfig())
        XCTAssertFalse(String(decoding: single, as: UTF8.self).contains("imageHeads"))
        let old = try JSONDecoder().decode(JointModelConfig.self, from: Data(#"{"textEncoder": "gru", "pooling": "max"}"#.utf8))
        XCTAssertEqual(old.imageHeads, 1)
        var config = JointModelConfig()
        config.imageHeads = 4
        let encoded = try JSONEncoder().encode(config)
        XCTAssertTrue(String(decoding: encoded, as: UTF8.self).contains("\"imageHeads\":4"))
        XCTAssertEqual(try JSONDecoder().decode(JointModelConfig.self, from: encoded), config)
        config.imageHeads = 0
        XCTAssertThrowsError(try config.validate(file: "config.json")) { XCTAssertTrue("\($0)".contains("imageHeads"), "\($0)") }
    }

    func testEveryMemberLearnsAndTheEnsembleBeatsTheRandomRanker() throws {
        let catalog = try SyntheticPairs.make(groups: 40, perGroup: 2, featureDimension: 16, seed: 1)
        let model = ensembleModel(vocabulary: catalog.vocabulary, features: catalog.pairs.features)
        let initial = model.imageHeads.map { $0.projection.weight.value }
        var options = TrainingOptions()
        options.batchSize = 16
        options.negatives = .random
        options.optimizer.learningRate = 3e-3
        let trainer = JointTrainer(model: model, options: options)
        for _ in 0..<25 { _ = try trainer.trainEpoch(catalog.pairs) }
        for (head, start) in zip(model.imageHeads, initial) { XCTAssertNotEqual(head.projection.weight.value, start) }
        let report = ValidationSet(groupTexts: catalog.groupTexts, features: catalog.pairs.features,
                                   imageGroups: catalog.pairs.groups).evaluate(model).textToImage
        XCTAssertGreaterThan(report.recallAt10, report.randomRecallAt10 + 0.2, report.summary)
    }

    func testAResumedEnsembleContinuesExactlyLikeAnUnbrokenRun() throws {
        let catalog = try SyntheticPairs.make(groups: 12, perGroup: 2, featureDimension: 16, seed: 2)
        var options = TrainingOptions()
        options.batchSize = 8
        options.epochs = 3
        func trainer() -> JointTrainer {
            JointTrainer(model: ensembleModel(heads: 2, vocabulary: catalog.vocabulary, features: catalog.pairs.features),
                         options: options)
        }
        let unbroken = trainer()
        for _ in 0..<3 { _ = try unbroken.trainEpoch(catalog.pairs) }
        let interrupted = trainer()
        for _ in 0..<2 { _ = try interrupted.trainEpoch(catalog.pairs) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-\(UUID().uuidString).safetensors")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        try TrainingCheckpoint.write(interrupted, bestRecallAt10: nil, bestEpoch: nil, history: [], to: url)
        let resumed = try TrainingCheckpoint.read(from: url).trainer
        XCTAssertEqual(resumed.model.imageHeads.count, 2)
        _ = try resumed.trainEpoch(catalog.pairs)
        XCTAssertEqual(resumed.model.weightTensors(), unbroken.model.weightTensors())
    }

    /// The heads of an ensemble train side by side; each has its own random stream, so the model is the
    /// same whatever the number of threads.
    func testAnEnsembleTrainsTheSameOnOneThreadAndOnSeveral() throws {
        let catalog = try SyntheticPairs.make(groups: 16, perGroup: 2, featureDimension: 16, seed: 3)
        var options = TrainingOptions()
        options.batchSize = 8
        func trainedWeights(threads: Int) throws -> [String: Tensor] {
            let saved = Parallel.threads
            Parallel.threads = threads
            defer { Parallel.threads = saved }
            let trainer = JointTrainer(model: ensembleModel(heads: 3, vocabulary: catalog.vocabulary, features: catalog.pairs.features),
                                       options: options)
            for _ in 0..<2 { _ = try trainer.trainEpoch(catalog.pairs) }
            return trainer.model.weightTensors()
        }
        XCTAssertEqual(try trainedWeights(threads: 1), try trainedWeights(threads: 3))
    }
}
