import XCTest
import JointEmbedding
import Tensor

/// Central finite differences against an analytic gradient, on a sample of coordinates.
///
/// `perturb(i, δ)` adds δ to coordinate i of whatever is being differentiated; `loss()` recomputes
/// the scalar loss in Double. Float32 forward passes limit accuracy, hence the tolerances.
func assertGradientMatches(_ label: String, analytic: [Float], perturb: (Int, Float) -> Void, loss: () -> Double,
                           samples: Int = 16, step: Float = 1e-3, tolerance: Double = 2e-2,
                           seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line) {
    var rng = SeededGenerator(seed: seed)
    let indices = analytic.count <= samples ? Array(analytic.indices) : (0..<samples).map { _ in rng.nextInt(below: analytic.count) }
    var worst = 0.0
    for i in indices {
        perturb(i, step); let plus = loss()
        perturb(i, -2 * step); let minus = loss()
        perturb(i, step)
        let numeric = (plus - minus) / (2 * Double(step))
        let error = abs(numeric - Double(analytic[i])) / max(1, abs(numeric), abs(Double(analytic[i])))
        worst = max(worst, error)
        XCTAssertLessThan(error, tolerance, "\(label)[\(i)]: analytic \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
    }
    XCTAssertFalse(indices.isEmpty, file: file, line: line)
}

/// Uniform values in [-scale, scale).
func randomValues(_ count: Int, scale: Float = 1, rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale }
}

/// Σ w·y in Double: a scalar loss whose gradient with respect to y is exactly w.
func weightedSum(_ y: [Float], _ w: [Float]) -> Double {
    zip(y, w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}
