import Tensor

// MARK: torchvision's Bottleneck block (ResNet v1.5: the stride sits on the 3×3 convolution)

/// 1×1 reduce → 3×3 (stride) → 1×1 expand ×4, plus the shortcut (a strided 1×1 projection when
/// the shape changes), then ReLU. Batch norms are folded into the convolutions.
struct Bottleneck {
    let reduce: Conv2D
    let spatial: Conv2D
    let expand: Conv2D
    let downsample: Conv2D?

    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) { spatial.outputSize(height: height, width: width) }

    /// Largest intermediate map (floats) for one image, and the im2col scratch the 3×3 convolution needs.
    func bufferCounts(height: Int, width: Int) -> (activation: Int, scratch: Int) {
        let out = outputSize(height: height, width: width)
        let activation = Swift.max(height * width * reduce.outChannels, out.height * out.width * expand.outChannels)
        let scratch = Swift.max(spatial.scratchCount(height: height, width: width),
                                downsample?.scratchCount(height: height, width: width) ?? 0)
        return (activation, scratch)
    }

    /// One image from `input` to `output`; `first`, `second`, `shortcut` hold `bufferCounts.activation` floats.
    func apply(_ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
               first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>, shortcut: UnsafeMutablePointer<Float>,
               scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let out = outputSize(height: height, width: width)
        reduce.apply(input, height: height, width: width, rows: 0..<height, into: first, scratch: nil, threads: threads)
        spatial.apply(first, height: height, width: width, rows: 0..<out.height, into: second, scratch: scratch, threads: threads)
        expand.apply(second, height: out.height, width: out.width, rows: 0..<out.height, into: output, scratch: nil, threads: threads)
        var residual = input
        if let downsample {
            downsample.apply(input, height: height, width: width, rows: 0..<out.height, into: shortcut, scratch: scratch, threads: threads)
            residual = UnsafePointer(shortcut)
        }
        let count = out.height * out.width * expand.outChannels
        Elementwise.add(residual, into: output, count: count)
        Activation.relu.apply(output, count: count)
    }
}
