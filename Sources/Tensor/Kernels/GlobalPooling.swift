import Foundation

// MARK: Global pooling over the spatial axes of NHWC maps

/// Reductions of an [N, H, W, C] map to [N, C].
public enum GlobalPooling {
    /// Per-channel maximum over H×W.
    public static func max(_ x: Tensor) -> Tensor { reduce(x, initial: -.infinity, { Swift.max($0, $1) }, finish: { $0 }) }

    /// Per-channel mean over H×W.
    public static func average(_ x: Tensor) -> Tensor {
        let area = Float(x.shape[1] * x.shape[2])
        return reduce(x, initial: 0, { $0 + $1 }, finish: { $0 / area })
    }

    /// Generalised mean (GeM): (mean(max(x, ε)^p))^(1/p); p = 1 is the average, p → ∞ the maximum.
    public static func generalizedMean(_ x: Tensor, p: Float = 3, epsilon: Float = 1e-6) -> Tensor {
        let area = Float(x.shape[1] * x.shape[2])
        let power: (Float) -> Float = p == 3 ? { $0 * $0 * $0 } : { Foundation.pow($0, p) }  // p = 3 is the common case
        return reduce(x, initial: 0, { $0 + power(Swift.max($1, epsilon)) },
                      finish: { Foundation.pow($0 / area, 1 / p) })
    }

    /// `max`, `average` and `generalizedMean(p: 3)` in one pass over the map, 16 channels at a time
    /// (the three separate passes went through a closure per element: ~3% of a batch-1 forward pass).
    public static func maxAverageGeM(_ x: Tensor, epsilon: Float = 1e-6) -> (max: Tensor, average: Tensor, gem: Tensor) {
        precondition(x.rank == 4, "GlobalPooling: expected [N,H,W,C], got \(x.shape)")
        let (n, area, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
        var (maxima, sums, cubes) = ([Float](repeating: -.infinity, count: n * c), [Float](repeating: 0, count: n * c),
                                     [Float](repeating: 0, count: n * c))
        typealias V = SIMD16<Float>
        let floor = V(repeating: epsilon)
        x.data.withUnsafeBufferPointer { input in
            maxima.withUnsafeMutableBufferPointer { mx in sums.withUnsafeMutableBufferPointer { sm in cubes.withUnsafeMutableBufferPointer { cb in
                for image in 0..<n {
                    var ch = 0
                    while ch + 16 <= c {
                        var (m, s, q) = (V(repeating: -.infinity), V(), V())
                        for pixel in 0..<area {
                            let v = UnsafeRawPointer(input.baseAddress! + (image * area + pixel) * c + ch).loadUnaligned(as: V.self)
                            m = m.replacing(with: v, where: v .> m)
                            s += v
                            let t = v.replacing(with: floor, where: v .< floor)
                            q += t * t * t
                        }
                        for lane in 0..<16 { mx[image * c + ch + lane] = m[lane]; sm[image * c + ch + lane] = s[lane]; cb[image * c + ch + lane] = q[lane] }
                        ch += 16
                    }
                    for tail in ch..<c {
                        for pixel in 0..<area {
                            let v = input[(image * area + pixel) * c + tail], i = image * c + tail
                            mx[i] = Swift.max(mx[i], v); sm[i] += v
                            let t = Swift.max(v, epsilon); cb[i] += t * t * t
                        }
                    }
                }
            } } }
        }
        let scale = 1 / Float(area)
        return (Tensor(shape: [n, c], data: maxima), Tensor(shape: [n, c], data: sums.map { $0 * scale }),
                Tensor(shape: [n, c], data: cubes.map { Foundation.pow($0 * scale, 1 / 3) }))
    }

    private static func reduce(_ x: Tensor, initial: Float, _ combine: (Float, Float) -> Float,
                               finish: (Float) -> Float) -> Tensor {
        precondition(x.rank == 4, "GlobalPooling: expected [N,H,W,C], got \(x.shape)")
        let (n, area, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
        var out = [Float](repeating: initial, count: n * c)
        x.data.withUnsafeBufferPointer { input in
            for image in 0..<n {
                for pixel in 0..<area {
                    let base = (image * area + pixel) * c
                    for ch in 0..<c { out[image * c + ch] = combine(out[image * c + ch], input[base + ch]) }
                }
            }
        }
        for i in out.indices { out[i] = finish(out[i]) }
        return Tensor(shape: [n, c], data: out)
    }
}
