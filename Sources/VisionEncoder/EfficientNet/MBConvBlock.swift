import Tensor

// MARK: Mobile inverted bottleneck (MBConv) without squeeze-excitation, as in EfficientNet-Lite

/// expand 1×1 (ReLU6) → depthwise k×k (ReLU6) → project 1×1 (linear), plus the identity
/// shortcut when shape is preserved. Batch norms are folded into the three convolutions.
struct MBConvBlock {
    let expand: Conv2D?
    let depthwise: DepthwiseConv2D
    let project: Conv2D
    var hasShortcut: Bool { depthwise.stride == 1 && project.outChannels == (expand?.inChannels ?? depthwise.channels) }

    /// Output size for an input of `height`×`width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) { depthwise.outputSize(height: height, width: width) }

    /// Floats of the expanded and depthwise buffers for one image of this size.
    func workspaceCount(height: Int, width: Int) -> Int {
        let out = outputSize(height: height, width: width)
        return Swift.max(height * width, out.height * out.width) * depthwise.channels
    }

    /// Runs `batch` images from `input` to `output`; `expanded` and `filtered` hold `workspaceCount`·batch floats.
    func apply(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
               expanded: UnsafeMutablePointer<Float>, filtered: UnsafeMutablePointer<Float>, threads: Int) {
        var source = input
        if let expand {
            expand.apply(input, batch: batch, height: height, width: width, into: expanded, scratch: nil, threads: threads)
            source = UnsafePointer(expanded)
        }
        depthwise.apply(source, batch: batch, height: height, width: width, into: filtered, threads: threads)
        let out = outputSize(height: height, width: width)
        project.apply(filtered, batch: batch, height: out.height, width: out.width, into: output, scratch: nil, threads: threads)
        if hasShortcut {
            Elementwise.add(input, into: output, count: batch * out.height * out.width * project.outChannels)
        }
    }
}
