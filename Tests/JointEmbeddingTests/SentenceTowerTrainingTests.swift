import XCTest
import Tensor
import TextEncoder
import JointEmbedding

/// A stand-in sentence encoder: the sum of fixed random vectors of a text's words, unit length.
private final class BagOfWordsEncoder: SentenceEncoder, @unchecked Sendable {
    let identifier = "bag-of-words-test"
    let dimension = 12
    func encode(_ texts: [String]) -> Tensor {
        var out: [Float] = []
        for text in texts {
            var v = [Float](repeating: 0, count: dimension)
            for word in WordTokenizer.words(text) {
                var rng = SeededGenerator(seed: TextHash.fnv1a(word))
                for k in 0..<dimension { v[k] += rng.nextUnitFloat() * 2 - 1 }
            }
            let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-6)
            out += v.map { $0 / norm }
        }
        return Tensor(shape: [texts.count, dimension], data: out)
    }
}

final class SentenceTowerTrainingTests: XCTestCase {
    func testImageHeadLearnsToMapIntoAFrozenSentenceSpace() throws {
        let catalog = try SyntheticPairs.make(groups: 40, perGroup: 2, featureDimension: 16, seed: 5)
        let tower = try MiniLMTextTower(encoder: BagOfWordsEncoder(), cacheURL: nil)
        var config = JointModelConfig()
        config.imageFeatureDimension = 16
        config.imageHiddenSize = 32
        config.imageDropout = 0.1
        let stats = ImageHead.standardization(of: catalog.pairs.features.data, rows: catalog.pairs.count, width: 16)
        let model = JointModel(config: config, vocabulary: WordVocabulary(words: []), featureMean: stats.mean,
                               featureScale: stats.scale, seed: 1, sentenceTower: tower)
        XCTAssertEqual(model.config.textEncoder, "minilm")
        XCTAssertEqual(model.embeddingDimension, 12)
        XCTAssertNil(model.textTower)
        let pairs = try TrainingPairs(features: catalog.pairs.features, textEmbeddings: tower.embed(catalog.captions),
                                      groups: catalog.pairs.groups)
        var options = TrainingOptions()
        options.batchSize = 16
        options.warmupEpochs = 2
        options.optimizer.learningRate = 3e-3
        let trainer = JointTrainer(model: model, options: options)
        for _ in 0..<20 { _ = try trainer.trainEpoch(pairs) }
        let validation = ValidationSet(groupTexts: catalog.groupTexts, features: catalog.pairs.features,
                                       imageGroups: catalog.pairs.groups)
        let report = validation.evaluate(model).textToImage
        XCTAssertGreaterThan(report.recallAt10, report.randomRecallAt10 + 0.2, report.summary)
        // The frozen text side never changes: the same text embeds the same before and after.
        XCTAssertEqual(model.embedTexts(["item3 kind1"]), tower.embed(["item3 kind1"]))
    }

    /// Text views are drawn in place of the caption now and then: with captions that say nothing (one
    /// random vector per item) the model can only learn the groups from the views.
    func testTitleViewsAreLearnedFromWhenTheCaptionsSayNothing() throws {
        let catalog = try SyntheticPairs.make(groups: 40, perGroup: 2, featureDimension: 16, seed: 6)
        let tower = try MiniLMTextTower(encoder: BagOfWordsEncoder(), cacheURL: nil)
        let noise = tower.embed(catalog.pairs.groups.indices.map { "noise\($0)" })
        let titles = tower.embed(catalog.pairs.groups.map { catalog.groupTexts[$0] })
        func trainedRecall(views: [Tensor]) throws -> RetrievalReport {
            var config = JointModelConfig()
            config.imageFeatureDimension = 16
            config.imageHiddenSize = 32
            let stats = ImageHead.standardization(of: catalog.pairs.features.data, rows: catalog.pairs.count, width: 16)
            let model = JointModel(config: config, vocabulary: WordVocabulary(words: []), featureMean: stats.mean,
                                   featureScale: stats.scale, seed: 1, sentenceTower: tower)
            let pairs = try TrainingPairs(features: catalog.pairs.features, textEmbeddings: noise, groups: catalog.pairs.groups,
                                          textVariants: views)
            var options = TrainingOptions()
            options.batchSize = 16
            options.optimizer.learningRate = 3e-3
            let trainer = JointTrainer(model: model, options: options)
            for _ in 0..<20 { _ = try trainer.trainEpoch(pairs) }
            return ValidationSet(groupTexts: catalog.groupTexts, features: catalog.pairs.features,
                                 imageGroups: catalog.pairs.groups).evaluate(model).textToImage
        }
        let withoutViews = try trainedRecall(views: [])
        let withViews = try trainedRecall(views: [titles])
        XCTAssertLessThan(withoutViews.recallAt10, withoutViews.randomRecallAt10 + 0.15, withoutViews.summary)
        XCTAssertGreaterThan(withViews.recallAt10, withoutViews.recallAt10 + 0.2, withViews.summary)
        XCTAssertThrowsError(try TrainingPairs(features: catalog.pairs.features, textEmbeddings: noise, groups: catalog.pairs.groups,
                                               textVariants: [Tensor(shape: [3, 12], data: [Float](repeating: 0, count: 36))]))
    }
}
