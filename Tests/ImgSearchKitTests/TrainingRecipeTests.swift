import ImgSearchKit
import JointEmbedding
import XCTest

final class TrainingRecipeTests: XCTestCase {
    func testMiniLMGetsTheEnsembleOnGeMAndTheGRUKeepsTheSeedDesign() {
        var minilm = JointModelConfig(), gru = JointModelConfig()
        TrainingRecipe.applyDefaults(to: &minilm, textEncoder: "minilm")
        TrainingRecipe.applyDefaults(to: &gru, textEncoder: "gru")
        XCTAssertEqual([minilm.imageHeads, minilm.imageHiddenSize], [5, 512])
        XCTAssertEqual(minilm.pooling, "gem")
        XCTAssertEqual([gru.imageHeads, gru.imageHiddenSize], [1, 0])
        XCTAssertEqual(gru.pooling, "max")
        XCTAssertTrue(TrainingRecipe.titleViews(textEncoder: "minilm"))
        XCTAssertFalse(TrainingRecipe.titleViews(textEncoder: "gru"))
        XCTAssertTrue(TrainingRecipe.isCurrent(minilm))
        XCTAssertTrue(TrainingRecipe.isCurrent(gru))
    }

    /// The demo retrains a model whose image side an older release chose (one head on max-pooled features).
    func testAModelFromAnOlderRecipeIsNotCurrent() throws {
        let sessionTwo = #"{"textEncoder": "minilm", "pooling": "max", "imageHiddenSize": 512, "imageDropout": 0.3}"#
        let old = try JSONDecoder().decode(JointModelConfig.self, from: Data(sessionTwo.utf8))
        XCTAssertFalse(TrainingRecipe.isCurrent(old))
    }
}
