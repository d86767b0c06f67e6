import XCTest
import JointEmbedding
import Tensor

/// Every hand-written backward pass against finite differences, on small sizes.
final class LayerGradientTests: XCTestCase {
    func testDenseGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 1)
        let dense = Dense(name: "d", inputSize: 5, outputSize: 4, rng: &rng)
        dense.bias.value = randomValues(4, rng: &rng)
        var x = randomValues(3 * 5, rng: &rng)
        let w = randomValues(3 * 4, rng: &rng)
        let dx = dense.backward(x, outputGradient: w, rows: 3)
        let loss = { weightedSum(dense.forward(x, rows: 3), w) }
        assertGradientMatches("dx", analytic: dx, perturb: { x[$0] += $1 }, loss: loss)
        assertGradientMatches("dW", analytic: dense.weight.gradient, perturb: { dense.weight.value[$0] += $1 }, loss: loss)
        assertGradientMatches("db", analytic: dense.bias.gradient, perturb: { dense.bias.value[$0] += $1 }, loss: loss)
    }

    func testL2NormalizationGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 2)
        var x = randomValues(3 * 6, rng: &rng)
        let w = randomValues(3 * 6, rng: &rng)
        let (y, norms) = L2Normalization.forward(x, rows: 3, width: 6)
        for r in 0..<3 { XCTAssertEqual(y[r * 6..<(r + 1) * 6].reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5) }
        let dx = L2Normalization.backward(output: y, norms: norms, outputGradient: w, rows: 3, width: 6)
        assertGradientMatches("dx", analytic: dx, perturb: { x[$0] += $1 },
                              loss: { weightedSum(L2Normalization.forward(x, rows: 3, width: 6).y, w) })
    }

    func testSequenceMaxPoolIgnoresPaddingAndRoutesGradientToWinners() {
        var rng = SeededGenerator(seed: 3)
        let lengths = [4, 2], steps = 4, width = 3
        var x = randomValues(2 * steps * width, rng: &rng)
        for j in 0..<width { x[(1 * steps + 3) * width + j] = 100 }  // padding of sequence 1 must not win
        let w = randomValues(2 * width, rng: &rng)
        let (y, winners) = SequenceMaxPool.forward(x, lengths: lengths, steps: steps, width: width)
        XCTAssertTrue(y[width..<2 * width].allSatisfy { $0 < 100 })
        XCTAssertTrue(winners[width..<2 * width].allSatisfy { $0 < 2 })
        let dx = SequenceMaxPool.backward(w, winners: winners, batch: 2, steps: steps, width: width)
        assertGradientMatches("dx", analytic: dx, perturb: { x[$0] += $1 },
                              loss: { weightedSum(SequenceMaxPool.forward(x, lengths: lengths, steps: steps, width: width).y, w) },
                              samples: 100)
    }

    func testReLUBackwardPassesGradientOnlyWherePositive() {
        let y = ReLU.forward([-1, 0, 2, 3])
        XCTAssertEqual(y, [0, 0, 2, 3])
        XCTAssertEqual(ReLU.backward(output: y, outputGradient: [5, 5, 5, -1]), [0, 0, 5, -1])
    }

    func testGRUGradientsThroughTimeMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 4)
        let gru = GRU(name: "g", inputSize: 3, hiddenSize: 4, rng: &rng)
        let batch = 2, steps = 5
        var x = randomValues(batch * steps * 3, rng: &rng)
        let w = randomValues(batch * steps * 4, rng: &rng)
        let trace = gru.forward(x, batch: batch, steps: steps)
        let dx = gru.backward(trace, outputGradient: w)
        let loss = { weightedSum(gru.forward(x, batch: batch, steps: steps).outputs, w) }
        assertGradientMatches("dx", analytic: dx, perturb: { x[$0] += $1 }, loss: loss, samples: 30)
        for p in gru.parameters {
            assertGradientMatches(p.name, analytic: p.gradient, perturb: { p.value[$0] += $1 }, loss: loss, samples: 30)
        }
    }

    func testTextTowerGradientsIncludingSparseEmbeddingRows() {
        var rng = SeededGenerator(seed: 5)
        let tower = GRUTextTower(vocabularySize: 12, wordDimension: 3, hiddenSize: 4, bidirectional: true,
                                 outputDimension: 5, rng: &rng)
        let sequences: [[Int32]] = [[2, 3, 4, 5], [6, 2], [7]]
        let w = randomValues(3 * 5, rng: &rng)
        tower.backward(tower.forward(sequences), outputGradient: w)
        let loss = { weightedSum(tower.forward(sequences).output, w) }
        for p in tower.parameters {
            assertGradientMatches(p.name, analytic: p.gradient, perturb: { p.value[$0] += $1 }, loss: loss, samples: 24)
        }
        let touched = Set(tower.embedding.table.touchedRows ?? [])
        XCTAssertTrue(Set<Int>([2, 3, 4, 5, 6, 7]).isSubset(of: touched))
        XCTAssertFalse(touched.contains(11), "a word not in the batch must not be touched")
        XCTAssertTrue(tower.embedding.table.gradient[11 * 3..<12 * 3].allSatisfy { $0 == 0 })
    }

    func testImageHeadWithHiddenLayerGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 6)
        let head = ImageHead(featureMean: randomValues(6, rng: &rng), featureScale: [Float](repeating: 1.5, count: 6),
                             hiddenSize: 5, outputDimension: 3, dropout: 0, rng: &rng)
        let features = randomValues(4 * 6, scale: 2, rng: &rng)
        let w = randomValues(4 * 3, rng: &rng)
        head.backward(head.forward(features, rows: 4), outputGradient: w)
        let loss = { weightedSum(head.forward(features, rows: 4).output, w) }
        for p in head.parameters {
            assertGradientMatches(p.name, analytic: p.gradient, perturb: { p.value[$0] += $1 }, loss: loss, samples: 24)
        }
    }
}
