import Foundation
import Tensor

// MARK: - KL gradient

/// ∂KL/∂y_i = 4 Σ_j (α·p_ij − q_ij) (1 + ‖y_i − y_j‖²)⁻¹ (y_i − y_j), split into an attractive
/// part over the non-zero p_ij and a repulsive part over all pairs (exact or Barnes–Hut).
/// Each returns KL(P‖Q) with the un-exaggerated P when `computeKL` is set.
enum Gradient {
    /// Barnes–Hut: repulsion from a quadtree with opening angle `theta`; attraction from sparse P.
    static func barnesHut(y: UnsafePointer<Float>, count n: Int, p: SparseAffinities, exaggeration: Float, theta: Float,
                          gradient: UnsafeMutablePointer<Float>, computeKL: Bool) -> Double? {
        let tree = QuadTree(y: y, count: n)
        let chunks = min(n, 64)
        var partialZ = [Double](repeating: 0, count: chunks)
        var repulsive = [Float](repeating: 0, count: 2 * n)
        tree.nodes.withUnsafeBufferPointer { nodes in
            repulsive.withUnsafeMutableBufferPointer { rep in
                partialZ.withUnsafeMutableBufferPointer { zs in
                    Parallel.forEach(chunks) { c in
                        let stack = UnsafeMutablePointer<Int32>.allocate(capacity: QuadTree.stackCapacity)
                        defer { stack.deallocate() }
                        var z: Double = 0
                        for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                            let r = QuadTree.repulsion(nodes, x: y[2 * i], y: y[2 * i + 1], theta: theta, stack: stack)
                            rep[2 * i] = r.fx; rep[2 * i + 1] = r.fy
                            z += Double(r.sumQ)
                        }
                        zs[c] = z
                    }
                }
            }
        }
        let z = max(partialZ.reduce(0, +), 1e-12)
        let inverseZ = Float(1 / z)
        var partialKL = [Double](repeating: 0, count: chunks)
        p.rowStart.withUnsafeBufferPointer { rows in
            p.columns.withUnsafeBufferPointer { cols in
                p.values.withUnsafeBufferPointer { vals in
                    partialKL.withUnsafeMutableBufferPointer { kls in
                        Parallel.forEach(chunks) { c in
                            var kl: Double = 0
                            for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                                var ax: Float = 0, ay: Float = 0
                                let xi = y[2 * i], yi = y[2 * i + 1]
                                for e in rows[i]..<rows[i + 1] {
                                    let j = Int(cols[e])
                                    let dx = xi - y[2 * j], dy = yi - y[2 * j + 1]
                                    let q = 1 / (1 + dx * dx + dy * dy)
                                    let pq = vals[e] * exaggeration * q
                                    ax += pq * dx; ay += pq * dy
                                    if computeKL { kl += klTerm(p: vals[e], q: q * inverseZ) }
                                }
                                gradient[2 * i] = 4 * (ax - repulsive[2 * i] * inverseZ)
                                gradient[2 * i + 1] = 4 * (ay - repulsive[2 * i + 1] * inverseZ)
                            }
                            kls[c] = kl
                        }
                    }
                }
            }
        }
        return computeKL ? partialKL.reduce(0, +) : nil
    }

    /// Exact O(N²) gradient over dense P (row-major n×n).
    static func exact(y: UnsafePointer<Float>, count n: Int, p: [Float], exaggeration: Float,
                      gradient: UnsafeMutablePointer<Float>, computeKL: Bool) -> Double? {
        let chunks = min(n, 64)
        var partialZ = [Double](repeating: 0, count: chunks)
        partialZ.withUnsafeMutableBufferPointer { zs in
            Parallel.forEach(chunks) { c in
                var z: Double = 0
                for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                    var row: Float = 0
                    for j in 0..<n where j != i {
                        let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                        row += 1 / (1 + dx * dx + dy * dy)
                    }
                    z += Double(row)
                }
                zs[c] = z
            }
        }
        let inverseZ = Float(1 / max(partialZ.reduce(0, +), 1e-12))
        var partialKL = [Double](repeating: 0, count: chunks)
        p.withUnsafeBufferPointer { ps in
            partialKL.withUnsafeMutableBufferPointer { kls in
                Parallel.forEach(chunks) { c in
                    var kl: Double = 0
                    for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                        var gx: Float = 0, gy: Float = 0
                        for j in 0..<n where j != i {
                            let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                            let q = 1 / (1 + dx * dx + dy * dy)
                            let pij = ps[i * n + j]
                            let force = (exaggeration * pij - q * inverseZ) * q
                            gx += force * dx; gy += force * dy
                            if computeKL && pij > 0 { kl += klTerm(p: pij, q: q * inverseZ) }
                        }
                        gradient[2 * i] = 4 * gx; gradient[2 * i + 1] = 4 * gy
                    }
                    kls[c] = kl
                }
            }
        }
        return computeKL ? partialKL.reduce(0, +) : nil
    }

    @inline(__always)
    private static func klTerm(p: Float, q: Float) -> Double {
        let pd = Double(max(p, 1e-12)), qd = Double(max(q, 1e-12))
        return pd * log(pd / qd)
    }
}
