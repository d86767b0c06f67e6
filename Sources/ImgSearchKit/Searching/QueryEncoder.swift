import Foundation
import Imaging
import IndexStore
import JointEmbedding
import Tensor
import TextEncoder
import VisionEncoder

/// Turns queries into vectors: texts through the index's joint model, images through the backbone.
/// Both networks load on first use (a text-only server never pays for the CNN) and run one call
/// at a time: each call already uses every core through BLAS and `Parallel`.
final class QueryEncoder: @unchecked Sendable {
    private let modelDirectory: URL?
    private let expectedIdentifier: String
    private let lock = NSLock()
    private var loadedModel: JointModel?
    private var loadedBackbone: Backbone?
    private var loadedSentenceEncoder: SentenceEncoder?

    /// Applied to every image query before the CNN, as the index applied it to its images.
    private let cropToContent: ContentCrop?

    init(modelDirectory: URL?, expectedIdentifier: String, cropToContent: ContentCrop?) {
        self.modelDirectory = modelDirectory
        self.expectedIdentifier = expectedIdentifier
        self.cropToContent = cropToContent
    }

    // MARK: Texts

    /// Joint embeddings of `texts`, one row each; with `bridgeWeight`, fused with the texts'
    /// sentence embeddings (the bridge side of a query) as the index's text rows are.
    func embed(texts: [String], bridgeWeight: Float?) throws -> [[Float]] {
        try serialized {
            let model = try model()
            // The sentence tower's encoder directly: its embedding cache would grow with every query a server sees.
            let sentences = model.sentenceTower != nil || bridgeWeight != nil ? try sentenceEncoder(model).encode(texts) : nil
            let joint = model.sentenceTower != nil ? sentences! : model.embedTexts(texts)
            guard let bridgeWeight, let sentences else { return Self.rows(joint) }
            return Self.rows(LabelBridge.fusedRows(joint: joint, bridge: sentences, weight: bridgeWeight))
        }
    }

    // MARK: Images

    /// Backbone features (max, GeM, avg pooled) of an image file.
    func features(ofImageAt url: URL) throws -> CachedFeatures {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SearchEngineError(.unreadableImage, url.path, "cannot read: \(error.localizedDescription)")
        }
        return try features(ofImageData: data, name: url.path)
    }

    /// Backbone features of encoded image bytes (JPEG, PNG, WebP…).
    func features(ofImageData data: Data, name: String) throws -> CachedFeatures {
        try serialized {
            let backbone = try self.backbone()
            var image: RGBImage
            do {
                image = try ImageDecoder.decode(data: data, name: name, hintSize: backbone.preprocessing.decodeHint)
            } catch let error as ImageError {
                throw SearchEngineError(.unreadableImage, name, error.reason)
            }
            if let cropToContent { image = cropToContent.apply(image) }
            let output = backbone.forward(ImageBatch.make([image], backbone.preprocessing))
            return CachedFeatures(maxPooled: output.maxPooled.data, gemPooled: output.gemPooled.data,
                                  avgPooled: output.avgPooled.data, logits: output.logits?.data)
        }
    }

    /// The joint model's image embedding of backbone features (the original design's image→image space).
    func embed(features: CachedFeatures) throws -> [Float] {
        try serialized {
            let model = try model()
            let pooled = features.pooled(model.config.pooling)
            return model.embedImages(features: Tensor(shape: [1, pooled.count], data: pooled)).data
        }
    }

    // MARK: Loading

    private func model() throws -> JointModel {
        if let loadedModel { return loadedModel }
        guard let modelDirectory else {
            throw SearchEngineError(.modelUnavailable, "", "the index does not say where its model is: pass --model DIR")
        }
        let model: JointModel
        do { model = try JointModel.load(from: modelDirectory) } catch {
            throw SearchEngineError(.modelUnavailable, modelDirectory.path, "cannot load the model: \(error)")
        }
        guard model.identifier == expectedIdentifier else {
            throw SearchEngineError(.modelMismatch, modelDirectory.path,
                                    "this model (\(model.identifier)) is not the one the index was built with (\(expectedIdentifier))")
        }
        loadedModel = model
        return model
    }

    /// The sentence encoder of the bridge: the model's own when its text tower is MiniLM, else MiniLM loaded now.
    private func sentenceEncoder(_ model: JointModel) throws -> SentenceEncoder {
        if let encoder = model.sentenceTower?.encoder ?? loadedSentenceEncoder { return encoder }
        do {
            let encoder = try MiniLM.pretrained()
            loadedSentenceEncoder = encoder
            return encoder
        } catch {
            throw SearchEngineError(.modelUnavailable, "all-MiniLM-L6-v2", "cannot load the label bridge's sentence encoder (\(error)); search with --no-bridge")
        }
    }

    private func backbone() throws -> Backbone {
        if let loadedBackbone { return loadedBackbone }
        do {
            let backbone = try EfficientNetLite0.pretrained()
            loadedBackbone = backbone
            return backbone
        } catch {
            throw SearchEngineError(.modelUnavailable, "efficientnet-lite0", "cannot load the image backbone: \(error)")
        }
    }

    private func serialized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private static func rows(_ tensor: Tensor) -> [[Float]] {
        let width = tensor.shape.last ?? 0
        return (0..<(tensor.shape.first ?? 0)).map { Array(tensor.data[($0 * width)..<(($0 + 1) * width)]) }
    }
}
