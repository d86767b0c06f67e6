import XCTest
import Tensor
import TextEncoder
import JointEmbedding

final class JointTrainerTests: XCTestCase {
    private func smallConfig() -> JointModelConfig {
        var config = JointModelConfig()
        config.imageFeatureDimension = 16
        config.embeddingDimension = 8
        config.wordDimension = 6
        config.gruHiddenSize = 8
        return config
    }

    private func makeTrainer(_ catalog: SyntheticPairs.Catalog, negatives: NegativeSampling = .hardest,
                             seed: UInt64 = 3) -> JointTrainer {
        let stats = ImageHead.standardization(of: catalog.pairs.features.data, rows: catalog.pairs.count, width: 16)
        let model = JointModel(config: smallConfig(), vocabulary: catalog.vocabulary, featureMean: stats.mean,
                               featureScale: stats.scale, seed: seed)
        var options = TrainingOptions()
        options.batchSize = 16
        options.negatives = negatives
        options.warmupEpochs = 1
        options.optimizer.learningRate = 3e-3
        options.seed = seed
        return JointTrainer(model: model, options: options)
    }

    private func validation(_ catalog: SyntheticPairs.Catalog) -> ValidationSet {
        ValidationSet(groupTexts: catalog.groupTexts, features: catalog.pairs.features, imageGroups: catalog.pairs.groups)
    }

    func testTrainingBeatsTheRandomRankerOnALearnableCatalog() throws {
        let catalog = try SyntheticPairs.make(groups: 40, perGroup: 2, featureDimension: 16, seed: 1)
        let trainer = makeTrainer(catalog, negatives: .random)
        let before = validation(catalog).evaluate(trainer.model).textToImage
        var losses: [Double] = []
        for _ in 0..<25 { losses.append(try trainer.trainEpoch(catalog.pairs).loss) }
        let after = validation(catalog).evaluate(trainer.model)
        XCTAssertLessThan(losses.last!, losses.first! / 2)
        XCTAssertGreaterThan(after.textToImage.recallAt10, max(before.recallAt10, after.textToImage.randomRecallAt10) + 0.2)
        XCTAssertGreaterThan(after.imageToText.recallAt10, after.imageToText.randomRecallAt10 + 0.2)
    }

    func testSameSeedTrainsBitForBitTheSameWeights() throws {
        let catalog = try SyntheticPairs.make(groups: 12, perGroup: 2, featureDimension: 16, seed: 2)
        let a = makeTrainer(catalog), b = makeTrainer(catalog)
        for _ in 0..<2 { _ = try a.trainEpoch(catalog.pairs); _ = try b.trainEpoch(catalog.pairs) }
        XCTAssertEqual(a.model.weightTensors(), b.model.weightTensors())
        let c = makeTrainer(catalog, seed: 4)
        _ = try c.trainEpoch(catalog.pairs)
        XCTAssertNotEqual(a.model.identifier, c.model.identifier)
    }

    func testResumingFromACheckpointContinuesExactlyLikeAnUnbrokenRun() throws {
        let catalog = try SyntheticPairs.make(groups: 12, perGroup: 2, featureDimension: 16, seed: 3)
        let unbroken = makeTrainer(catalog, negatives: .semihard)
        for _ in 0..<3 { _ = try unbroken.trainEpoch(catalog.pairs) }

        let first = makeTrainer(catalog, negatives: .semihard)
        _ = try first.trainEpoch(catalog.pairs)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try TrainingCheckpoint.write(first, bestRecallAt10: 0.5, bestEpoch: 1, history: [], to: url)
        let (resumed, state) = try TrainingCheckpoint.read(from: url)
        XCTAssertEqual(state.epoch, 1)
        XCTAssertEqual(state.bestRecallAt10, 0.5)
        for _ in 0..<2 { _ = try resumed.trainEpoch(catalog.pairs) }
        XCTAssertEqual(resumed.model.weightTensors(), unbroken.model.weightTensors())
    }

    func testNonFiniteFeaturesStopTrainingWithAClearError() throws {
        var catalog = try SyntheticPairs.make(groups: 6, perGroup: 2, featureDimension: 16, seed: 4)
        let trainer = makeTrainer(catalog)
        catalog.pairs.features.data[5] = .nan
        XCTAssertThrowsError(try trainer.trainEpoch(catalog.pairs)) { XCTAssertTrue("\($0)".contains("NaN") || "\($0)".contains("nan"), "\($0)") }
    }

    func testMismatchedTrainingDataIsRejected() {
        XCTAssertThrowsError(try TrainingPairs(features: Tensor(zeros: [3, 4]), captions: [[2], [3]], groups: [0, 1]))
        XCTAssertThrowsError(try TrainingPairs(features: Tensor(zeros: [1, 4]), captions: [[]], groups: [0]))
    }
}
