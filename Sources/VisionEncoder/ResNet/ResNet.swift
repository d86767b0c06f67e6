import Foundation
import Imaging
import Tensor
import Weights

/// torchvision's ResNet with Bottleneck blocks (ResNet50 = [3, 4, 6, 3] blocks, base width 64),
/// built from a torchvision-style state dict (`conv1.weight`, `layer1.0.conv1.weight`, …, `fc.weight`).
/// The block counts, base width and class count are read from the weights, so a narrow
/// ResNet of the same structure loads the same way. BN ε = 1e-5, folded at load time.
public final class ResNet: Backbone {
    public let identifier: String
    public var featureDimension: Int { finalChannels }
    public let preprocessing = Preprocessing.torchvisionImageNet

    static let batchNormEpsilon: Float = 1e-5
    /// Blocks per stage, e.g. [3, 4, 6, 3] for ResNet50.
    public let blockCounts: [Int]
    /// Channels of the first convolution (64 in ResNet50).
    public let baseWidth: Int

    let stem: Conv2D
    let pool = MaxPool2D(kernel: 3, stride: 2, padding: 1)
    let blocks: [Bottleneck]
    let classifier: Dense?
    var finalChannels: Int { blocks.last?.expand.outChannels ?? baseWidth }

    // MARK: Loading

    /// Loads a torchvision-style `.pth` or `.safetensors` file.
    public convenience init(checkpoint url: URL) throws {
        let tensors = url.pathExtension == "safetensors" ? try SafeTensors.read(url).tensors : try PyTorchCheckpoint.read(url)
        try self.init(stateDict: tensors, source: url.path)
    }

    public init(stateDict tensors: [String: Tensor], source: String = "<state dict>") throws {
        var weights = StateDict(tensors, source: source)
        let eps = Self.batchNormEpsilon
        guard let stemShape = tensors["conv1.weight"]?.shape, stemShape.count == 4 else {
            throw ModelError(file: source, reason: "missing weight 'conv1.weight'; not a torchvision ResNet")
        }
        baseWidth = stemShape[0]
        blockCounts = (1...4).map { stage in
            (0...).prefix { tensors["layer\(stage).\($0).conv1.weight"] != nil }.count
        }
        guard blockCounts.allSatisfy({ $0 > 0 }) else {
            throw ModelError(file: source, reason: "every stage needs blocks; found \(blockCounts) in layer1…layer4")
        }
        stem = try weights.convolution("conv1", bn: "bn1", in: 3, out: baseWidth, kernel: 7, stride: 2,
                                       padding: .symmetric(3), activation: .relu, epsilon: eps)
        var blocks: [Bottleneck] = []
        var channels = baseWidth
        for (stage, count) in blockCounts.enumerated() {
            let planes = baseWidth << stage
            for index in 0..<count {
                let p = "layer\(stage + 1).\(index)."
                let stride = (stage > 0 && index == 0) ? 2 : 1
                let downsample = tensors[p + "downsample.0.weight"] == nil ? nil : try weights.convolution(
                    p + "downsample.0", bn: p + "downsample.1", in: channels, out: planes * 4, kernel: 1, stride: stride,
                    padding: .symmetric(0), activation: .identity, epsilon: eps)
                blocks.append(Bottleneck(
                    reduce: try weights.convolution(p + "conv1", bn: p + "bn1", in: channels, out: planes, kernel: 1, stride: 1,
                                                    padding: .symmetric(0), activation: .relu, epsilon: eps),
                    spatial: try weights.convolution(p + "conv2", bn: p + "bn2", in: planes, out: planes, kernel: 3, stride: stride,
                                                     padding: .symmetric(1), activation: .relu, epsilon: eps),
                    expand: try weights.convolution(p + "conv3", bn: p + "bn3", in: planes, out: planes * 4, kernel: 1, stride: 1,
                                                    padding: .symmetric(0), activation: .identity, epsilon: eps),
                    downsample: downsample))
                if downsample == nil && channels != planes * 4 {
                    throw ModelError(file: source, reason: "block \(p.dropLast()) changes channels but has no downsample")
                }
                channels = planes * 4
            }
        }
        self.blocks = blocks
        if let fcShape = tensors["fc.weight"]?.shape, fcShape.count == 2 {
            classifier = Dense(weight: try weights.tensor("fc.weight", shape: [fcShape[0], channels]),
                               bias: try weights.tensor("fc.bias", shape: [fcShape[0]]).data)
        } else {
            classifier = nil
        }
        identifier = blockCounts == [3, 4, 6, 3] && baseWidth == 64
            ? "resnet50" : "resnet-bottleneck-\(blockCounts.map(String.init).joined(separator: "-"))-w\(baseWidth)"
        if let stray = weights.unusedNames.first {
            throw ModelError(file: source, reason: "unexpected weight '\(stray)' (\(weights.unusedNames.count) unused)")
        }
    }

    // MARK: Inference

    public func forward(_ batch: Tensor) -> BackboneOutput {
        let map = featureMap(batch)
        var output = BackboneOutput(pooling: map, logits: nil)
        output.logits = classifier.map { $0(output.avgPooled) }
        return output
    }

    /// The last [N, H/32, W/32, 4·8·baseWidth] map for a normalised [N, H, W, 3] batch.
    public func featureMap(_ batch: Tensor, threads: Int = Parallel.threads) -> Tensor {
        precondition(batch.rank == 4 && batch.shape[3] == 3, "ResNet: expected [N,H,W,3], got \(batch.shape)")
        let (n, height, width) = (batch.shape[0], batch.shape[1], batch.shape[2])
        let plan = Plan(self, height: height, width: width)
        var map = Tensor(zeros: [n, plan.outHeight, plan.outWidth, finalChannels])
        batch.data.withUnsafeBufferPointer { input in
            map.data.withUnsafeMutableBufferPointer { output in
                BatchScheduler.run(batch: n, inputCount: height * width * 3, outputCount: plan.outHeight * plan.outWidth * finalChannels,
                                   workspaceCount: 5 * plan.activation + plan.scratch, input: input.baseAddress!,
                                   output: output.baseAddress!, threads: threads) { image, result, workspace, inner in
                    runImage(image, height: height, width: width, plan: plan, workspace: workspace, into: result, threads: inner)
                }
            }
        }
        return map
    }

    private func runImage(_ image: UnsafePointer<Float>, height: Int, width: Int, plan: Plan,
                          workspace: UnsafeMutablePointer<Float>, into result: UnsafeMutablePointer<Float>, threads: Int) {
        let a = plan.activation
        var current = workspace, next = workspace + a
        let first = workspace + 2 * a, second = workspace + 3 * a, shortcut = workspace + 4 * a, scratch = workspace + 5 * a
        var (h, w) = stem.outputSize(height: height, width: width)
        stem.apply(image, height: height, width: width, rows: 0..<h, into: next, scratch: scratch, threads: threads)
        pool.apply(next, batch: 1, height: h, width: w, channels: baseWidth, into: current, threads: threads)
        (h, w) = pool.outputSize(height: h, width: w)
        for (index, block) in blocks.enumerated() {
            let destination = index == blocks.count - 1 ? result : next
            block.apply(current, height: h, width: w, into: destination, first: first, second: second, shortcut: shortcut,
                        scratch: scratch, threads: threads)
            (h, w) = block.outputSize(height: h, width: w)
            swap(&current, &next)
        }
    }

    /// Buffer sizes for one image.
    struct Plan {
        var activation = 0, scratch = 0, outHeight = 0, outWidth = 0

        init(_ model: ResNet, height: Int, width: Int) {
            var (h, w) = model.stem.outputSize(height: height, width: width)
            activation = h * w * model.baseWidth
            scratch = model.stem.scratchCount(height: height, width: width)
            (h, w) = model.pool.outputSize(height: h, width: w)
            for block in model.blocks {
                let counts = block.bufferCounts(height: h, width: w)
                activation = Swift.max(activation, counts.activation)
                scratch = Swift.max(scratch, counts.scratch)
                (h, w) = block.outputSize(height: h, width: w)
            }
            (outHeight, outWidth) = (h, w)
        }
    }
}
