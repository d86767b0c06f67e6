// MARK: Dense 2-D convolution on NHWC via OpenBLAS

/// A convolution with bias and fused activation. 1×1 stride-1 convolutions are a single sgemm
/// over all pixels; k×k ones unfold patches (im2col) first.
public struct Conv2D: Sendable {
    public let kernelHeight: Int, kernelWidth: Int, inChannels: Int, outChannels: Int, stride: Int
    public let padding: Padding
    public let activation: Activation
    /// [kh][kw][in][out] (HWIO): row-major [kh·kw·in × out], the right-hand side of the sgemm.
    public private(set) var weights: [Float]
    public private(set) var bias: [Float]
    /// `weights` packed for the C GEMM (nil when the CPU has neither AVX2 nor AVX-512); rebuilt whenever they change.
    private(set) var packed: PackedWeights?

    /// Weights in PyTorch's [out, in, kh, kw] (OIHW) layout, e.g. straight from a state dict.
    public init(torchWeight: Tensor, bias: [Float]?, stride: Int = 1, padding: Padding, activation: Activation) {
        precondition(torchWeight.rank == 4, "Conv2D: weight must be [out, in, kh, kw], got \(torchWeight.shape)")
        let (o, i, kh, kw) = (torchWeight.shape[0], torchWeight.shape[1], torchWeight.shape[2], torchWeight.shape[3])
        var hwio = [Float](repeating: 0, count: torchWeight.count)
        for out in 0..<o { for inp in 0..<i { for y in 0..<kh { for x in 0..<kw {
            hwio[((y * kw + x) * i + inp) * o + out] = torchWeight.data[((out * i + inp) * kh + y) * kw + x]
        } } } }
        self.init(hwioWeights: hwio, bias: bias ?? [Float](repeating: 0, count: o), kernelHeight: kh, kernelWidth: kw,
                  inChannels: i, outChannels: o, stride: stride, padding: padding, activation: activation)
    }

    public init(hwioWeights: [Float], bias: [Float], kernelHeight: Int, kernelWidth: Int, inChannels: Int,
                outChannels: Int, stride: Int, padding: Padding, activation: Activation) {
        precondition(hwioWeights.count == kernelHeight * kernelWidth * inChannels * outChannels && bias.count == outChannels)
        self.weights = hwioWeights; self.bias = bias
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.inChannels = inChannels; self.outChannels = outChannels
        self.stride = stride; self.padding = padding; self.activation = activation
        repack()
    }

    private mutating func repack() {
        guard CPUKernels.supported != .baseline else { return }
        packed = weights.withUnsafeBufferPointer { PackedWeights($0.baseAddress!, rows: $0.count / outChannels, columns: outChannels) }
    }

    /// Scales output channel `c` by `scale[c]` and adds `shift[c]` (batch norm folding).
    public mutating func scaleOutputs(by scale: [Float], shift: [Float]) {
        for row in 0..<(weights.count / outChannels) { for c in 0..<outChannels { weights[row * outChannels + c] *= scale[c] } }
        for c in 0..<outChannels { bias[c] = bias[c] * scale[c] + shift[c] }
        repack()
    }

    /// 1×1, stride 1, no padding: the input already is the sgemm's left-hand matrix.
    public var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && (padding == .same || padding.isZero) }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let r = padding.resolve(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride)
        return (r.outHeight, r.outWidth)
    }

    /// Floats of scratch `apply` needs for a whole image (the im2col buffer; 0 for pointwise convolutions).
    public func scratchCount(height: Int, width: Int) -> Int {
        if isPointwise { return 0 }
        let out = outputSize(height: height, width: width)
        return Swift.max(out.height * out.width * kernelHeight * kernelWidth * inChannels,  // im2col
                         paddedBandCount(rows: out.height, outWidth: out.width))           // C GEMM path
    }

    /// Output rows `rows` of one NHWC image into `output`, which receives just those rows (a band, or
    /// the whole image for `0..<outHeight`). `scratch` holds `rows.count · outW · kh·kw·in` floats.
    /// `residual`, laid out like `output`, is added after the activation (a block's shortcut).
    public func apply(_ image: UnsafePointer<Float>, height: Int, width: Int, rows: Range<Int>,
                      into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>?, threads: Int,
                      residual: UnsafePointer<Float>? = nil) {
        let r = padding.resolve(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride)
        if let packed, CPUKernels.path != .baseline {
            return applyPacked(packed, image, height: height, width: width, rows: rows, resolved: r, into: output,
                               scratch: scratch, threads: threads, residual: residual)
        }
        let pixels = rows.count * r.outWidth
        let depth = kernelHeight * kernelWidth * inChannels
        var left = image + rows.lowerBound * width * inChannels
        if !isPointwise {
            guard let scratch else { preconditionFailure("Conv2D: a \(kernelHeight)×\(kernelWidth) convolution needs scratch") }
            Im2Col.unfold(image, height: height, width: width, channels: inChannels,
                          kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
                          rows: rows, outWidth: r.outWidth, padTop: r.top, padLeft: r.left, into: scratch, threads: threads)
            left = UnsafePointer(scratch)
        }
        let destination = output
        weights.withUnsafeBufferPointer { w in
            BLAS.sgemm(m: pixels, n: outChannels, k: depth, a: left, lda: depth, b: w.baseAddress!, ldb: outChannels,
                       c: destination, ldc: outChannels)
        }
        bias.withUnsafeBufferPointer { activation.addBias($0.baseAddress!, to: destination, rows: pixels, columns: outChannels) }
        if let residual { Elementwise.add(residual, into: destination, count: pixels * outChannels) }
    }

    /// Convenience: [N, H, W, in] → [N, H', W', out].
    public func callAsFunction(_ x: Tensor, threads: Int = Parallel.threads) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == inChannels, "Conv2D: expected [N,H,W,\(inChannels)], got \(x.shape)")
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let out = outputSize(height: h, width: w)
        var y = Tensor(zeros: [n, out.height, out.width, outChannels])
        var scratch = [Float](repeating: 0, count: scratchCount(height: h, width: w))
        x.data.withUnsafeBufferPointer { input in
            y.data.withUnsafeMutableBufferPointer { output in
                scratch.withUnsafeMutableBufferPointer { s in
                    for image in 0..<n {
                        apply(input.baseAddress! + image * h * w * inChannels, height: h, width: w, rows: 0..<out.height,
                              into: output.baseAddress! + image * out.height * out.width * outChannels,
                              scratch: s.baseAddress, threads: threads)
                    }
                }
            }
        }
        return y
    }
}

extension Padding {
    var isZero: Bool {
        switch self {
        case .same: return false
        case .explicit(let t, let l, let b, let r): return t == 0 && l == 0 && b == 0 && r == 0
        }
    }
}
