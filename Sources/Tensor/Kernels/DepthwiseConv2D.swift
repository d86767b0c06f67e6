// MARK: Depthwise convolution on NHWC, vectorised over channels

/// One k×k filter per channel, with bias and fused activation. Channels are the innermost
/// NHWC axis, so each tap is a SIMD multiply-add over 16 consecutive channels.
public struct DepthwiseConv2D: Sendable {
    public let kernelHeight: Int, kernelWidth: Int, channels: Int, stride: Int
    public let padding: Padding
    public let activation: Activation
    /// [kh][kw][C].
    public private(set) var weights: [Float]
    public private(set) var bias: [Float]

    /// Weights in PyTorch's [C, 1, kh, kw] layout.
    public init(torchWeight: Tensor, bias: [Float]?, stride: Int, padding: Padding, activation: Activation) {
        precondition(torchWeight.rank == 4 && torchWeight.shape[1] == 1, "DepthwiseConv2D: weight must be [C,1,kh,kw], got \(torchWeight.shape)")
        let (c, kh, kw) = (torchWeight.shape[0], torchWeight.shape[2], torchWeight.shape[3])
        var hwc = [Float](repeating: 0, count: torchWeight.count)
        for ch in 0..<c { for y in 0..<kh { for x in 0..<kw { hwc[(y * kw + x) * c + ch] = torchWeight.data[(ch * kh + y) * kw + x] } } }
        self.weights = hwc; self.bias = bias ?? [Float](repeating: 0, count: c)
        self.kernelHeight = kh; self.kernelWidth = kw; self.channels = c
        self.stride = stride; self.padding = padding; self.activation = activation
    }

    /// Scales channel `c` by `scale[c]` and adds `shift[c]` (batch norm folding).
    public mutating func scaleOutputs(by scale: [Float], shift: [Float]) {
        for i in weights.indices { weights[i] *= scale[i % channels] }
        for c in 0..<channels { bias[c] = bias[c] * scale[c] + shift[c] }
    }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let r = padding.resolve(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride)
        return (r.outHeight, r.outWidth)
    }

    /// NHWC `input` → NHWC `output`, output rows spread over `threads`.
    public func apply(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
                      into output: UnsafeMutablePointer<Float>, threads: Int) {
        let r = padding.resolve(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride)
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Parallel.forEach(batch * r.outHeight, threads: threads) { imageRow in
                    let n = imageRow / r.outHeight, oy = imageRow % r.outHeight
                    outputRow(input + n * height * width * channels, height: height, width: width, oy: oy,
                              outWidth: r.outWidth, padTop: r.top, padLeft: r.left,
                              weights: w.baseAddress!, bias: b.baseAddress!,
                              into: output + imageRow * r.outWidth * channels)
                }
            }
        }
    }

    @inline(__always)
    private func outputRow(_ image: UnsafePointer<Float>, height: Int, width: Int, oy: Int, outWidth: Int,
                           padTop: Int, padLeft: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           into row: UnsafeMutablePointer<Float>) {
        let top = oy * stride - padTop
        let kyStart = Swift.max(0, -top), kyEnd = Swift.min(kernelHeight, height - top)
        let lower = SIMD16<Float>(repeating: activation == .identity ? -.infinity : 0)
        let upper = SIMD16<Float>(repeating: activation == .relu6 ? 6 : .infinity)
        let vectorEnd = channels & ~15
        for ox in 0..<outWidth {
            let left = ox * stride - padLeft
            let kxStart = Swift.max(0, -left), kxEnd = Swift.min(kernelWidth, width - left)
            let out = row + ox * channels
            var c = 0
            while c < vectorEnd {
                var sum = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD16<Float>.self)
                for ky in kyStart..<kyEnd {
                    let inputLine = image + ((top + ky) * width + left) * channels + c
                    let weightLine = weights + ky * kernelWidth * channels + c
                    for kx in kxStart..<kxEnd {
                        let x = UnsafeRawPointer(inputLine + kx * channels).loadUnaligned(as: SIMD16<Float>.self)
                        let k = UnsafeRawPointer(weightLine + kx * channels).loadUnaligned(as: SIMD16<Float>.self)
                        sum.addProduct(x, k)
                    }
                }
                UnsafeMutableRawPointer(out + c).storeBytes(of: sum.clamped(lowerBound: lower, upperBound: upper), as: SIMD16<Float>.self)
                c += 16
            }
            while c < channels {
                var sum = bias[c]
                for ky in kyStart..<kyEnd {
                    for kx in kxStart..<kxEnd {
                        sum += image[((top + ky) * width + left + kx) * channels + c] * weights[(ky * kernelWidth + kx) * channels + c]
                    }
                }
                out[c] = Swift.min(Swift.max(sum, lower[0]), upper[0])
                c += 1
            }
        }
    }

    /// Convenience: [N, H, W, C] → [N, H', W', C].
    public func callAsFunction(_ x: Tensor, threads: Int = Parallel.threads) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == channels, "DepthwiseConv2D: expected [N,H,W,\(channels)], got \(x.shape)")
        let out = outputSize(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], out.height, out.width, channels])
        x.data.withUnsafeBufferPointer { input in
            y.data.withUnsafeMutableBufferPointer { output in
                apply(input.baseAddress!, batch: x.shape[0], height: x.shape[1], width: x.shape[2],
                      into: output.baseAddress!, threads: threads)
            }
        }
        return y
    }
}
