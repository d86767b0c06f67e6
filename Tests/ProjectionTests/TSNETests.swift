import Foundation
import Projection
import Tensor
import XCTest

final class TSNETests: XCTestCase {
    /// `clusters` Gaussian blobs (σ = 1) around centres spread ±10 in `dimension` dimensions.
    static func blobs(clusters: Int, perCluster: Int, dimension: Int, seed: UInt64) -> (Tensor, [Int]) {
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        func gaussian() -> Float { Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
        var data = [Float](), labels = [Int]()
        for c in 0..<clusters {
            let center = (0..<dimension).map { _ in Float(uniform() * 20 - 10) }
            for _ in 0..<perCluster {
                data += center.map { $0 + gaussian() }
                labels.append(c)
            }
        }
        return (Tensor(shape: [clusters * perCluster, dimension], data: data), labels)
    }

    // MARK: Quality

    func testExactKeepsNeighbourhoodsAndKLDecreases() throws {
        let (x, _) = Self.blobs(clusters: 6, perCluster: 40, dimension: 20, seed: 1)
        let result = try TSNE.embed(x, options: .init(perplexity: 20, iterations: 500, method: .exact))
        XCTAssertEqual(result.method, .exact)
        XCTAssertEqual(result.embedding.shape, [240, 2])
        XCTAssertGreaterThanOrEqual(Trustworthiness.score(original: x, embedded: result.embedding, k: 10), 0.9)
        assertKLDecreases(result)
    }

    func testBarnesHutKeepsNeighbourhoodsAndKLDecreases() throws {
        let (x, _) = Self.blobs(clusters: 8, perCluster: 75, dimension: 30, seed: 2)
        let result = try TSNE.embed(x, options: .init(perplexity: 30, iterations: 500, method: .barnesHut))
        XCTAssertEqual(result.method, .barnesHut)
        XCTAssertGreaterThanOrEqual(Trustworthiness.score(original: x, embedded: result.embedding, k: 10), 0.9)
        assertKLDecreases(result)
    }

    private func assertKLDecreases(_ result: TSNE.Result, line: UInt = #line) {
        let history = result.history.map(\.kl)
        XCTAssertEqual(result.history.map(\.iteration), Array(stride(from: 50, through: 500, by: 50)), line: line)
        XCTAssertLessThan(history.last!, history.first! * 0.8, "\(history)", line: line)
        // After early exaggeration the descent is steady: each checkpoint at most a hair above the last.
        for (a, b) in zip(history.dropFirst(5), history.dropFirst(6)) { XCTAssertLessThanOrEqual(b, a * 1.01, "\(history)", line: line) }
        XCTAssertEqual(result.klDivergence, history.last!)
    }

    func testDeterministicForASeed() throws {
        let (x, _) = Self.blobs(clusters: 3, perCluster: 30, dimension: 5, seed: 3)
        for initialization in [TSNE.Initialization.pca, .random] {
            var options = TSNE.Options(perplexity: 10, iterations: 300, seed: 42)
            options.initialization = initialization
            let a = try TSNE.embed(x, options: options), b = try TSNE.embed(x, options: options)
            XCTAssertEqual(a.embedding, b.embedding)
            XCTAssertEqual(a.klDivergence, b.klDivergence)
        }
    }

    // MARK: Gradient

    func testGradientMatchesFiniteDifferences() {
        let (x, _) = Self.blobs(clusters: 2, perCluster: 12, dimension: 4, seed: 4)
        let (map, _) = Self.blobs(clusters: 1, perCluster: 24, dimension: 2, seed: 5)
        // theta = 0 opens every cell: Barnes–Hut is then exact on its sparse P.
        for objective in [TSNEObjective(x, perplexity: 5, method: .exact), TSNEObjective(x, perplexity: 5, method: .barnesHut, theta: 0)] {
            let analytic = objective.evaluate(map).gradient
            for k in [0, 1, 7, 22, 31, 47] {
                var plus = map, minus = map
                let h: Float = 1e-2
                plus.data[k] += h; minus.data[k] -= h
                let numeric = (objective.evaluate(plus).kl - objective.evaluate(minus).kl) / Double(2 * h)
                XCTAssertEqual(Double(analytic[k]), numeric, accuracy: 1e-3 + 0.02 * abs(numeric), "coordinate \(k)")
            }
        }
    }

    // MARK: Input checks

    func testBadInputIsATypedError() {
        XCTAssertThrowsError(try TSNE.embed(Tensor(zeros: [1, 3]))) { XCTAssertTrue($0 is ProjectionError) }
        XCTAssertThrowsError(try TSNE.embed(Tensor(zeros: [10, 3]), options: .init(perplexity: 30))) {
            XCTAssertTrue("\($0)".contains("perplexity"))
        }
        XCTAssertThrowsError(try TSNE.embed(Tensor(shape: [3, 1], data: [0, .nan, 1]), options: .init(perplexity: 1)))
    }

    func testIdenticalPointsDoNotCrash() throws {
        let result = try TSNE.embed(Tensor(repeating: 1, shape: [50, 3]), options: .init(perplexity: 5, iterations: 100, method: .barnesHut))
        XCTAssertTrue(result.embedding.data.allSatisfy { $0.isFinite })
    }

    func testTrustworthinessOfIdentityIsOne() {
        let (x, _) = Self.blobs(clusters: 2, perCluster: 20, dimension: 2, seed: 6)
        XCTAssertEqual(Trustworthiness.score(original: x, embedded: x, k: 5), 1, accuracy: 1e-12)
    }
}
