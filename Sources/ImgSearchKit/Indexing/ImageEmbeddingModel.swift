import JointEmbedding
import Tensor

/// What indexing needs from a trained model: backbone features in, joint embeddings out.
/// `JointModel` is the real one; tests use small stand-ins.
public protocol ImageEmbeddingModel: AnyObject {
    /// Fingerprint recorded in the index; an index refuses other models.
    var identifier: String { get }
    var embeddingDimension: Int { get }
    /// `Backbone.identifier` of the features the model expects.
    var backboneIdentifier: String { get }
    /// Which pooled feature feeds the model: "max", "gem" or "avg".
    var pooling: String { get }
    /// Backbone features [N, C] → embeddings [N, D].
    func embedImages(features: Tensor) -> Tensor
}

extension JointModel: ImageEmbeddingModel {
    public var backboneIdentifier: String { config.backbone }
    public var pooling: String { config.pooling }
}

/// Why indexing cannot start or go on (store and image failures have their own types).
public struct IndexingError: Error, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
