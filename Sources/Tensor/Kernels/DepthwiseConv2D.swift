import CKernels

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

    /// Output rows `rows` of one NHWC image, spread over `threads`. The input may be a window of the
    /// image: `window` holds input rows from `windowFirstRow` on (every row the outputs read must be there),
    /// which lets a fused block keep only a band of its expanded activations. `output` receives just `rows`.
    public func apply(window: UnsafePointer<Float>, windowFirstRow: Int = 0, height: Int, width: Int, rows: Range<Int>,
                      into output: UnsafeMutablePointer<Float>, threads: Int) {
        let r = padding.resolve(height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride)
        let isa = CPUKernels.path.rawValue
        if isa != KernelPath.baseline.rawValue {
            let (lower, upper) = activation.bounds
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    // Threads take rows, or 16-channel blocks when rows are few (7 rows split 4/3 would idle one).
                    let blocks = (channels + 15) / 16
                    let byChannels = threads > 1 && rows.count < 4 * threads && blocks >= 2 * threads
                    let parts = Swift.max(1, Swift.min(threads, byChannels ? blocks : rows.count))
                    Parallel.forEach(parts, threads: parts) { part in
                        var (lo, hi, c0, c1) = (rows.lowerBound, rows.upperBound, 0, channels)
                        if byChannels {
                            (c0, c1) = (blocks * part / parts * 16, Swift.min(channels, blocks * (part + 1) / parts * 16))
                        } else {
                            (lo, hi) = (rows.lowerBound + rows.count * part / parts, rows.lowerBound + rows.count * (part + 1) / parts)
                        }
                        ck_depthwise(isa, window, Int32(windowFirstRow), Int32(height), Int32(width), Int32(channels),
                                     Int32(kernelHeight), Int32(kernelWidth), Int32(stride), Int32(r.top), Int32(r.left),
                                     Int32(r.outWidth), Int32(lo), Int32(hi), Int32(c0), Int32(c1), w.baseAddress!, b.baseAddress!,
                                     lower, upper, output + (lo - rows.lowerBound) * r.outWidth * channels)
                    }
                }
            }
            return
        }
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Parallel.forEach(rows.count, threads: threads) { band in
                    let oy = rows.lowerBound + band
                    outputRow(window, firstRow: windowFirstRow, height: height, width: width, oy: oy,
                              outWidth: r.outWidth, padTop: r.top, padLeft: r.left,
                              weights: w.baseAddress!, bias: b.baseAddress!,
                              into: output + band * r.outWidth * channels)
                }
            }
        }
    }

    /// One output row. Channels go in blocks of 8 (one AVX register); within a block, four neighbouring
    /// output pixels are computed together so each weight vector is loaded once per four pixels.
    @inline(__always)
    private func outputRow(_ window: UnsafePointer<Float>, firstRow: Int, height: Int, width: Int, oy: Int, outWidth: Int,
                           padTop: Int, padLeft: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           into row: UnsafeMutablePointer<Float>) {
        typealias Vector = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        let top = oy * stride - padTop
        let kyStart = Swift.max(0, -top), kyEnd = Swift.min(kernelHeight, height - top)
        let pixelStep = stride * channels
        let (lower, upper) = (Vector(repeating: activation.bounds.lower), Vector(repeating: activation.bounds.upper))
        // Output columns whose taps all lie inside the image: [interiorStart, interiorEnd).
        let interiorStart = Swift.min(outWidth, (padLeft + stride - 1) / stride)
        let interiorEnd = Swift.max(interiorStart, Swift.min(outWidth, (width - kernelWidth + padLeft) / stride + 1))
        var c = 0
        while c + 8 <= channels {
            let b = load(bias + c)
            var ox = 0
            while ox < outWidth {
                let left = ox * stride - padLeft
                if ox >= interiorStart && ox + 4 <= interiorEnd {
                    var a0 = b, a1 = b, a2 = b, a3 = b
                    for ky in kyStart..<kyEnd {
                        let input = window + ((top + ky - firstRow) * width + left) * channels + c
                        let weight = weights + ky * kernelWidth * channels + c
                        for kx in 0..<kernelWidth {
                            let k = load(weight + kx * channels), x = input + kx * channels
                            a0 += load(x) * k
                            a1 += load(x + pixelStep) * k
                            a2 += load(x + 2 * pixelStep) * k
                            a3 += load(x + 3 * pixelStep) * k
                        }
                    }
                    let out = UnsafeMutableRawPointer(row + ox * channels + c), step = channels * 4
                    out.storeBytes(of: a0.clamp(lower, upper), as: Vector.self)
                    out.storeBytes(of: a1.clamp(lower, upper), toByteOffset: step, as: Vector.self)
                    out.storeBytes(of: a2.clamp(lower, upper), toByteOffset: 2 * step, as: Vector.self)
                    out.storeBytes(of: a3.clamp(lower, upper), toByteOffset: 3 * step, as: Vector.self)
                    ox += 4
                } else {
                    let kxStart = Swift.max(0, -left), kxEnd = Swift.min(kernelWidth, width - left)
                    var a = b
                    for ky in kyStart..<kyEnd {
                        let input = window + ((top + ky - firstRow) * width + left) * channels + c
                        let weight = weights + ky * kernelWidth * channels + c
                        for kx in kxStart..<kxEnd { a += load(input + kx * channels) * load(weight + kx * channels) }
                    }
                    UnsafeMutableRawPointer(row + ox * channels + c).storeBytes(of: a.clamp(lower, upper), as: Vector.self)
                    ox += 1
                }
            }
            c += 8
        }
        while c < channels {  // channel tail, scalar
            for ox in 0..<outWidth {
                let left = ox * stride - padLeft
                let kxStart = Swift.max(0, -left), kxEnd = Swift.min(kernelWidth, width - left)
                var sum = bias[c]
                for ky in kyStart..<kyEnd {
                    for kx in kxStart..<kxEnd {
                        sum += window[((top + ky - firstRow) * width + left + kx) * channels + c] * weights[(ky * kernelWidth + kx) * channels + c]
                    }
                }
                row[ox * channels + c] = activation(sum)
            }
            c += 1
        }
    }

    /// Convenience: [N, H, W, C] → [N, H', W', C].
    public func callAsFunction(_ x: Tensor, threads: Int = Parallel.threads) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == channels, "DepthwiseConv2D: expected [N,H,W,\(channels)], got \(x.shape)")
        let out = outputSize(height: x.shape[1], width: x.shape[2])
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        var y = Tensor(zeros: [n, out.height, out.width, channels])
        x.data.withUnsafeBufferPointer { input in
            y.data.withUnsafeMutableBufferPointer { output in
                for image in 0..<n {
                    apply(window: input.baseAddress! + image * h * w * channels, height: h, width: w, rows: 0..<out.height,
                          into: output.baseAddress! + image * out.height * out.width * channels, threads: threads)
                }
            }
        }
        return y
    }
}
