import Foundation
import Tensor

// MARK: - PCA initialisation

/// The first two principal components of `x`, scaled so that the first has standard deviation
/// 1e-4 (scikit-learn's t-SNE initialisation): a deterministic, structure-preserving start.
enum PCAInitialization {
    static func embedding(_ x: Tensor) -> [Float]? {
        let n = x.shape[0], dim = x.shape[1]
        var centered = x.data
        for t in 0..<dim {
            var mean: Double = 0
            for i in 0..<n { mean += Double(centered[i * dim + t]) }
            let m = Float(mean / Double(n))
            for i in 0..<n { centered[i * dim + t] -= m }
        }
        // Covariance (up to 1/n) by BLAS, then two leading eigenvectors by subspace iteration.
        var covariance = [Float](repeating: 0, count: dim * dim)
        centered.withUnsafeBufferPointer { a in
            covariance.withUnsafeMutableBufferPointer { c in
                BLAS.sgemm(transA: true, m: dim, n: dim, k: n, a: a.baseAddress!, lda: dim, b: a.baseAddress!, ldb: dim,
                           c: c.baseAddress!, ldc: dim)
            }
        }
        var basis = [[Float]](repeating: [Float](repeating: 0, count: dim), count: 2)
        for t in 0..<dim { basis[0][t] = 1 / Float(t + 1); basis[1][t] = t % 2 == 0 ? 1 : -1 }
        orthonormalize(&basis)
        for _ in 0..<300 {
            let previous = basis
            for v in 0..<2 {
                var next = [Float](repeating: 0, count: dim)
                covariance.withUnsafeBufferPointer { c in
                    BLAS.sgemv(m: dim, n: dim, a: c.baseAddress!, lda: dim, x: basis[v], y: &next)
                }
                basis[v] = next
            }
            orthonormalize(&basis)
            let change = zip(previous[0] + previous[1], basis[0] + basis[1]).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            if change < 1e-6 { break }
        }
        let components = basis
        var y = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            for v in 0..<2 {
                var s: Float = 0
                for t in 0..<dim { s += centered[i * dim + t] * components[v][t] }
                y[2 * i + v] = s
            }
        }
        let mean = (0..<n).reduce(0.0) { $0 + Double(y[2 * $1]) } / Double(n)
        let variance = (0..<n).reduce(0.0) { $0 + pow(Double(y[2 * $1]) - mean, 2) } / Double(n)
        guard variance > 1e-20 else { return nil }
        let scale = Float(1e-4 / variance.squareRoot())
        return y.map { $0 * scale }
    }

    /// Gram–Schmidt on two vectors.
    private static func orthonormalize(_ basis: inout [[Float]]) {
        func normalize(_ v: inout [Float]) {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { v = v.map { $0 / norm } }
        }
        normalize(&basis[0])
        let dot = zip(basis[0], basis[1]).reduce(0) { $0 + $1.0 * $1.1 }
        basis[1] = zip(basis[1], basis[0]).map { $0 - dot * $1 }
        normalize(&basis[1])
    }
}
