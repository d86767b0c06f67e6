import Tensor

/// Textbook loops that the fast kernels are checked against. NHWC activations, OIHW weights
/// (PyTorch layout), zero padding given per side.
enum Naive {
    static func convolution(_ x: Tensor, weight: Tensor, bias: [Float], stride: Int, top: Int, left: Int,
                            outHeight: Int, outWidth: Int, groups: Int = 1) -> Tensor {
        let (n, h, w, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cinPerGroup, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        let coutPerGroup = cout / groups
        var y = Tensor(zeros: [n, outHeight, outWidth, cout])
        for b in 0..<n { for oy in 0..<outHeight { for ox in 0..<outWidth { for o in 0..<cout {
            var sum = bias[o]
            let group = o / coutPerGroup
            for i in 0..<cinPerGroup { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * stride + ky - top, ix = ox * stride + kx - left
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let c = group * cinPerGroup + i
                sum += x.data[((b * h + iy) * w + ix) * cin + c] * weight.data[((o * cinPerGroup + i) * kh + ky) * kw + kx]
            } } }
            y.data[((b * outHeight + oy) * outWidth + ox) * cout + o] = sum
        } } } }
        return y
    }

    /// Deterministic pseudo-random values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_000) / 1_000_000 - 1
        }
    }

    static func tensor(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor(shape: shape, data: values(shape.reduce(1, *), seed: seed))
    }
}

func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
    return zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
}
