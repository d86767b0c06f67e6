import Foundation
import Imaging
import Tensor
import Weights

/// EfficientNet-Lite0 exactly as trained by TensorFlow and released as a PyTorch state dict:
/// a 3×3 stride-2 stem of 32 channels, 16 MBConv blocks without squeeze-excitation, ReLU6,
/// a 1×1 head to 1280 channels and a 1000-class classifier on the averaged last map.
/// TF "SAME" padding, batch norm ε = 1e-3 (folded into the convolutions at load time).
///
/// ```swift
/// let model = try EfficientNetLite0.pretrained()
/// let out = model.forward(ImageBatch.make(images, model.preprocessing))  // out.maxPooled: [N, 1280]
/// ```
public final class EfficientNetLite0: Backbone {
    public let identifier = "efficientnet-lite0"
    public var featureDimension: Int { head.outChannels }
    public let preprocessing = Preprocessing.efficientNetLite

    static let batchNormEpsilon: Float = 1e-3
    /// (repeats, kernel, stride, expansion, in, out) per stage, from the TF reference.
    static let stages: [(repeats: Int, kernel: Int, stride: Int, expansion: Int, input: Int, output: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    let stem: Conv2D
    let blocks: [MBConvBlock]
    let head: Conv2D
    let classifier: Dense

    // MARK: Loading

    /// The ImageNet weights from the assets folder (`make setup` installs them).
    public static func pretrained() throws -> EfficientNetLite0 {
        try EfficientNetLite0(checkpoint: try Assets.require(Assets.efficientNetLite0File))
    }

    /// Loads a PyTorch checkpoint (.pth) or a safetensors file with the original parameter names.
    public convenience init(checkpoint url: URL) throws {
        let tensors = url.pathExtension == "safetensors" ? try SafeTensors.read(url).tensors : try PyTorchCheckpoint.read(url)
        try self.init(stateDict: tensors, source: url.path)
    }

    /// Builds the network from a state dict with the EfficientNet-PyTorch names (`_conv_stem.weight`, `_blocks.0.…`).
    public init(stateDict tensors: [String: Tensor], source: String = "<state dict>") throws {
        var weights = StateDict(tensors, source: source)
        let eps = Self.batchNormEpsilon
        stem = try weights.convolution("_conv_stem", bn: "_bn0", in: 3, out: 32, kernel: 3, stride: 2,
                                       padding: .same, activation: .relu6, epsilon: eps)
        var blocks: [MBConvBlock] = []
        for stage in Self.stages {
            for repeatIndex in 0..<stage.repeats {
                let prefix = "_blocks.\(blocks.count)."
                let input = repeatIndex == 0 ? stage.input : stage.output
                let hidden = input * stage.expansion
                let expand = stage.expansion == 1 ? nil : try weights.convolution(
                    prefix + "_expand_conv", bn: prefix + "_bn0", in: input, out: hidden, kernel: 1, stride: 1,
                    padding: .same, activation: .relu6, epsilon: eps)
                var depthwise = DepthwiseConv2D(
                    torchWeight: try weights.tensor(prefix + "_depthwise_conv.weight", shape: [hidden, 1, stage.kernel, stage.kernel]),
                    bias: nil, stride: repeatIndex == 0 ? stage.stride : 1, padding: .same, activation: .relu6)
                let norm = try weights.batchNorm(prefix + "_bn1", channels: hidden, epsilon: eps)
                depthwise.scaleOutputs(by: norm.scale, shift: norm.shift)
                let project = try weights.convolution(prefix + "_project_conv", bn: prefix + "_bn2", in: hidden, out: stage.output,
                                                      kernel: 1, stride: 1, padding: .same, activation: .identity, epsilon: eps)
                blocks.append(MBConvBlock(expand: expand, depthwise: depthwise, project: project))
            }
        }
        self.blocks = blocks
        head = try weights.convolution("_conv_head", bn: "_bn1", in: 320, out: 1280, kernel: 1, stride: 1,
                                       padding: .same, activation: .relu6, epsilon: eps)
        classifier = Dense(weight: try weights.tensor("_fc.weight", shape: [1000, 1280]),
                           bias: try weights.tensor("_fc.bias", shape: [1000]).data)
        if let stray = weights.unusedNames.first {
            throw ModelError(file: source, reason: "unexpected weight '\(stray)' (\(weights.unusedNames.count) unused); not EfficientNet-Lite0?")
        }
    }
}

// MARK: Cost

extension EfficientNetLite0 {
    /// Multiply-accumulates of one forward pass at `height`×`width` (convolutions and classifier),
    /// for reporting achieved GFLOP/s (1 MAC = 2 FLOP).
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        func conv(_ c: Conv2D, _ h: Int, _ w: Int) -> Int {
            let o = c.outputSize(height: h, width: w)
            return o.height * o.width * c.outChannels * c.kernelHeight * c.kernelWidth * c.inChannels
        }
        var total = conv(stem, height, width)
        var (h, w) = stem.outputSize(height: height, width: width)
        for block in blocks {
            if let expand = block.expand { total += conv(expand, h, w) }
            let o = block.outputSize(height: h, width: w)
            total += o.height * o.width * block.depthwise.channels * block.depthwise.kernelHeight * block.depthwise.kernelWidth
            total += conv(block.project, o.height, o.width)
            (h, w) = o
        }
        return total + conv(head, h, w) + classifier.inFeatures * classifier.outFeatures
    }
}
