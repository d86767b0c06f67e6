import XCTest
import JointEmbedding
import Tensor

final class TripletLossTests: XCTestCase {
    /// A batch of 5 pairs in 4-D; rows 3 and 4 share a group (never each other's negatives).
    private func batch() -> (images: [Float], texts: [Float], groups: [Int]) {
        var rng = SeededGenerator(seed: 11)
        return (randomValues(5 * 4, scale: 0.6, rng: &rng), randomValues(5 * 4, scale: 0.6, rng: &rng), [0, 1, 2, 3, 3])
    }

    func testEveryNegativeStrategyGradientMatchesFiniteDifferences() {
        for negatives in NegativeSampling.allCases {
            for symmetric in [false, true] {
                var (images, texts, groups) = batch()
                let loss = TripletLoss(margin: 0.4, negatives: negatives, symmetric: symmetric)
                let start = SeededGenerator(seed: 99)  // same random negatives at every evaluation
                var rng = start
                let result = loss.evaluate(images: images, texts: texts, groups: groups, dimension: 4, rng: &rng)
                XCTAssertGreaterThan(result.loss, 0)
                let value = { () -> Double in
                    var rng = start
                    return Double(loss.evaluate(images: images, texts: texts, groups: groups, dimension: 4, rng: &rng).loss)
                }
                let label = "\(negatives)\(symmetric ? "+symmetric" : "")"
                assertGradientMatches("\(label) images", analytic: result.imageGradient, perturb: { images[$0] += $1 }, loss: value, samples: 20)
                assertGradientMatches("\(label) texts", analytic: result.textGradient, perturb: { texts[$0] += $1 }, loss: value, samples: 20)
            }
        }
    }

    func testHingeMatchesHandComputedDistances() {
        // Image 0 at the origin; its text at distance 1, the other text at distance 2 → hinge 1 − 2 + 0.4 < 0.
        let images: [Float] = [0, 0, 5, 5], texts: [Float] = [1, 0, 0, 2]
        var rng = SeededGenerator(seed: 1)
        let loss = TripletLoss(margin: 0.4, negatives: .hardest).evaluate(images: images, texts: texts, groups: [0, 1],
                                                                           dimension: 2, rng: &rng)
        // Image 1 at (5,5): positive (0,2) at √34, negative (1,0) at √41 → hinge √34 − √41 + 0.4 < 0 as well.
        XCTAssertEqual(loss.loss, 0)
        XCTAssertEqual(loss.activeFraction, 0)
        var rng2 = SeededGenerator(seed: 1)
        let tight = TripletLoss(margin: 1.5, negatives: .hardest).evaluate(images: images, texts: texts, groups: [0, 1],
                                                                            dimension: 2, rng: &rng2)
        let imageZeroHinge: Double = 1 - 2 + 1.5
        let imageOneHinge: Double = 34.0.squareRoot() - 41.0.squareRoot() + 1.5
        let expected = (imageZeroHinge + imageOneHinge) / 2
        XCTAssertEqual(Double(tight.loss), expected, accuracy: 1e-5)
    }

    func testSameGroupRowsAreNeverNegatives() {
        let images: [Float] = [0, 0, 0.1, 0], texts: [Float] = [0.05, 0, 0.1, 0.01]
        var rng = SeededGenerator(seed: 1)
        let result = TripletLoss(negatives: .hardest).evaluate(images: images, texts: texts, groups: [7, 7], dimension: 2, rng: &rng)
        XCTAssertEqual(result.loss, 0, "one group: no negatives, no loss")
        XCTAssertTrue(result.imageGradient.allSatisfy { $0 == 0 })
    }

    func testPairwiseDistancesAreEuclidean() {
        let d = TripletLoss.distances([0, 0, 3, 4], [3, 4, 0, 0], rows: 2, dimension: 2)
        XCTAssertEqual(d[0], 5, accuracy: 1e-5); XCTAssertEqual(d[1], 0, accuracy: 1e-3)
        XCTAssertEqual(d[2], 0, accuracy: 1e-3); XCTAssertEqual(d[3], 5, accuracy: 1e-5)
    }
}

final class AdamTests: XCTestCase {
    func testFirstStepMovesByLearningRateAgainstTheGradientSign() {
        let p = Parameter(name: "p", shape: [3], value: [1, 1, 1])
        p.gradient = [0.5, -2, 0]
        var settings = AdamOptimizer.Settings()
        settings.learningRate = 0.1
        settings.clipNorm = 0
        let adam = AdamOptimizer(parameters: [p], settings: settings)
        adam.apply()
        XCTAssertEqual(p.value[0], 0.9, accuracy: 1e-5)
        XCTAssertEqual(p.value[1], 1.1, accuracy: 1e-5)
        XCTAssertEqual(p.value[2], 1, accuracy: 1e-6)
        XCTAssertEqual(p.gradient, [0, 0, 0])
    }

    func testDecoupledWeightDecayAndClipping() {
        let p = Parameter(name: "p", shape: [2], value: [2, 2])
        p.gradient = [30, 40]
        var settings = AdamOptimizer.Settings()
        settings.learningRate = 0.1; settings.weightDecay = 0.5; settings.clipNorm = 5
        let adam = AdamOptimizer(parameters: [p], settings: settings)
        XCTAssertEqual(adam.apply(), 50, accuracy: 1e-3, "returns the norm before clipping")
        // decay: 2·(1 − 0.05) = 1.9, then Adam's first step moves by lr regardless of scale.
        XCTAssertEqual(p.value[0], 1.8, accuracy: 1e-4)
    }

    func testRowSparseParameterUpdatesOnlyTouchedRows() {
        var rng = SeededGenerator(seed: 3)
        let embedding = WordEmbedding(name: "e", vocabularySize: 4, dimension: 2, rng: &rng)
        let before = embedding.table.value
        embedding.backward([2], outputGradient: [1, 1])
        let adam = AdamOptimizer(parameters: [embedding.table])
        adam.apply()
        XCTAssertEqual(Array(embedding.table.value[0..<4]), Array(before[0..<4]))
        XCTAssertNotEqual(Array(embedding.table.value[4..<6]), Array(before[4..<6]))
        XCTAssertEqual(embedding.table.touchedRows, [])
    }

    func testNonFiniteGradientIsReportedAndNotApplied() {
        let p = Parameter(name: "p", shape: [2], value: [1, 1])
        p.gradient = [.nan, 1]
        let adam = AdamOptimizer(parameters: [p])
        XCTAssertTrue(adam.apply().isNaN)
        XCTAssertEqual(p.value, [1, 1])
        XCTAssertEqual(adam.step, 0)
    }
}
