import Foundation
import Tensor

/// How each anchor picks its negative among the other pairs of the batch.
public enum NegativeSampling: String, Codable, CaseIterable, Sendable {
    /// The original design's: a random other text (from another group).
    case random
    /// VSE++ "max of hinges": the closest text of another group.
    case hardest
    /// FaceNet: the closest negative that is still farther than the positive; hardest if none is.
    case semihard
}

/// L = max(d(a, p) − d(a, n) + α, 0) with Euclidean d, averaged over the anchors of a batch.
///
/// Row i of `images` and of `texts` is a matching pair; rows of the same group are never
/// each other's negatives. With `symmetric`, texts anchor too (their negatives are images).
public struct TripletLoss: Sendable {
    public var margin: Float
    public var negatives: NegativeSampling
    public var symmetric: Bool

    public init(margin: Float = 0.4, negatives: NegativeSampling = .random, symmetric: Bool = false) {
        self.margin = margin
        self.negatives = negatives
        self.symmetric = symmetric
    }

    public struct Result {
        public var loss: Float
        /// Fraction of anchors whose hinge was active (a training signal worth logging).
        public var activeFraction: Float
        public var imageGradient: [Float]
        public var textGradient: [Float]
    }

    // MARK: Loss and gradient

    /// images, texts: [batch, dimension]; groups: one id per row.
    public func evaluate(images: [Float], texts: [Float], groups: [Int], dimension: Int,
                         rng: inout SeededGenerator) -> Result {
        let batch = groups.count
        let distance = Self.distances(images, texts, rows: batch, dimension: dimension)
        guard distance.allSatisfy({ $0.isFinite }) else {  // NaN/inf embeddings: report, do not learn from them
            let zeros = [Float](repeating: 0, count: images.count)
            return Result(loss: .nan, activeFraction: 0, imageGradient: zeros, textGradient: zeros)
        }
        // dL/dD[i][j] for every image i, text j.
        var distanceGradient = [Float](repeating: 0, count: batch * batch)
        var loss: Float = 0, active = 0, anchors = 0
        let weight = 1 / Float(batch)
        for anchorIsImage in symmetric ? [true, false] : [true] {
            // d(anchor i, candidate j): images anchor along rows, texts along columns.
            func d(_ i: Int, _ j: Int) -> Float { anchorIsImage ? distance[i * batch + j] : distance[j * batch + i] }
            for i in 0..<batch {
                let candidates = (0..<batch).filter { groups[$0] != groups[i] }
                guard !candidates.isEmpty else { continue }
                anchors += 1
                let positive = d(i, i)
                let j = pickNegative(candidates, positive: positive, distance: { d(i, $0) }, rng: &rng)
                let hinge = positive - d(i, j) + margin
                guard hinge > 0 else { continue }
                loss += hinge * weight
                active += 1
                distanceGradient[i * batch + i] += weight
                if anchorIsImage { distanceGradient[i * batch + j] -= weight } else { distanceGradient[j * batch + i] -= weight }
            }
        }
        let (imageGradient, textGradient) = Self.backpropagate(distanceGradient, distance: distance,
                                                               images: images, texts: texts, rows: batch, dimension: dimension)
        return Result(loss: loss, activeFraction: anchors > 0 ? Float(active) / Float(anchors) : 0,
                      imageGradient: imageGradient, textGradient: textGradient)
    }

    private func pickNegative(_ candidates: [Int], positive: Float, distance: (Int) -> Float,
                              rng: inout SeededGenerator) -> Int {
        switch negatives {
        case .random:
            return candidates[rng.nextInt(below: candidates.count)]
        case .hardest:
            return candidates.min { distance($0) < distance($1) }!
        case .semihard:
            let semihard = candidates.filter { distance($0) > positive && distance($0) < positive + margin }
            return (semihard.isEmpty ? candidates : semihard).min { distance($0) < distance($1) }!
        }
    }

    // MARK: Distances

    /// D[i][j] = ‖images_i − texts_j‖ for all pairs, from one sgemm: ‖a‖² + ‖b‖² − 2a·b.
    public static func distances(_ a: [Float], _ b: [Float], rows: Int, dimension: Int) -> [Float] {
        var dot = [Float](repeating: 0, count: rows * rows)
        BLAS.sgemm(transB: true, m: rows, n: rows, k: dimension, a: a, lda: dimension, b: b, ldb: dimension,
                   c: &dot, ldc: rows)
        let aSquares = squaredNorms(a, rows: rows, dimension: dimension)
        let bSquares = squaredNorms(b, rows: rows, dimension: dimension)
        for i in 0..<rows {
            for j in 0..<rows {
                dot[i * rows + j] = max(aSquares[i] + bSquares[j] - 2 * dot[i * rows + j], 1e-12).squareRoot()
            }
        }
        return dot
    }

    static func squaredNorms(_ x: [Float], rows: Int, dimension: Int) -> [Float] {
        (0..<rows).map { r in (0..<dimension).reduce(Float(0)) { $0 + x[r * dimension + $1] * x[r * dimension + $1] } }
    }

    /// With C = (dL/dD) / D: dA = rowsum(C)·A − C·B and dB = colsum(C)·B − Cᵀ·A.
    static func backpropagate(_ distanceGradient: [Float], distance: [Float], images: [Float], texts: [Float],
                              rows: Int, dimension: Int) -> (images: [Float], texts: [Float]) {
        var c = distanceGradient
        for i in c.indices where c[i] != 0 { c[i] /= distance[i] }
        var imageGradient = [Float](repeating: 0, count: rows * dimension)
        var textGradient = [Float](repeating: 0, count: rows * dimension)
        for i in 0..<rows {
            var rowSum: Float = 0, columnSum: Float = 0
            for j in 0..<rows { rowSum += c[i * rows + j]; columnSum += c[j * rows + i] }
            for k in 0..<dimension {
                imageGradient[i * dimension + k] = rowSum * images[i * dimension + k]
                textGradient[i * dimension + k] = columnSum * texts[i * dimension + k]
            }
        }
        BLAS.sgemm(m: rows, n: dimension, k: rows, alpha: -1, a: c, lda: rows, b: texts, ldb: dimension,
                   beta: 1, c: &imageGradient, ldc: dimension)
        BLAS.sgemm(transA: true, m: rows, n: dimension, k: rows, alpha: -1, a: c, lda: rows, b: images, ldb: dimension,
                   beta: 1, c: &textGradient, ldc: dimension)
        return (imageGradient, textGradient)
    }
}
