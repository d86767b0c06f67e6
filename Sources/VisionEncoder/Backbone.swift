import Imaging
import Tensor

// MARK: The contract every image encoder meets

/// Pooled features of the last convolutional map, and the ImageNet logits when the model has a head.
public struct BackboneOutput: Sendable {
    /// GlobalMaxPooling2D of the last map, [N, C] (the original design's image feature).
    public var maxPooled: Tensor
    /// Global average pooling, [N, C].
    public var avgPooled: Tensor
    /// Generalised mean pooling with p = 3, [N, C].
    public var gemPooled: Tensor
    /// Class scores before softmax, [N, 1000], for models that keep their classifier.
    public var logits: Tensor?

    public init(maxPooled: Tensor, avgPooled: Tensor, gemPooled: Tensor, logits: Tensor?) {
        self.maxPooled = maxPooled; self.avgPooled = avgPooled; self.gemPooled = gemPooled; self.logits = logits
    }

    /// The pooled features a model's config names: "gem", "avg", else max (`JointModelConfig.pooling`).
    public func pooled(_ pooling: String) -> Tensor {
        pooling == "gem" ? gemPooled : pooling == "avg" ? avgPooled : maxPooled
    }

    /// Pools an [N, H, W, C] map three ways.
    public init(pooling map: Tensor, logits: Tensor?) {
        let pooled = GlobalPooling.maxAverageGeM(map)
        self.init(maxPooled: pooled.max, avgPooled: pooled.average, gemPooled: pooled.gem, logits: logits)
    }
}

/// An ImageNet-pretrained CNN that turns a normalised NHWC batch into features.
public protocol Backbone: AnyObject {
    /// Stable name recorded in feature caches and indexes, e.g. "efficientnet-lite0".
    var identifier: String { get }
    /// Channels of the pooled features.
    var featureDimension: Int { get }
    /// How images must be prepared for `forward`.
    var preprocessing: Preprocessing { get }
    /// [N, H, W, 3] normalised input → pooled features (+ logits).
    func forward(_ batch: Tensor) -> BackboneOutput
}

/// Why a model could not be built from its weights or configuration.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): \(reason)" }
}
