import Foundation
import IndexStore
import JointEmbedding
import TextEncoder
import VisionEncoder

/// The label bridge every command uses: MiniLM over the shipped ImageNet class names, at the
/// default temperature, with the name embeddings kept beside the feature cache (made once, ~3 s).
public enum StandardLabelBridge {
    /// `encoder` reuses an already loaded MiniLM (a model's sentence tower); nil loads it.
    /// `cacheDirectory` holds the name embeddings (default: the feature cache's).
    public static func load(encoder: SentenceEncoder? = nil, cacheDirectory: URL? = nil) throws -> LabelBridge {
        let sentenceEncoder: SentenceEncoder
        do { sentenceEncoder = try encoder ?? MiniLM.pretrained() } catch {
            throw IndexingError("the label bridge needs the MiniLM sentence encoder (\(error)); run `make setup`, or pass --no-bridge")
        }
        let directory = cacheDirectory ?? FeatureCache.defaultDirectory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try LabelBridge.cached(encoder: sentenceEncoder, classNames: ImageNetLabels.names,
                                      at: directory.appendingPathComponent("label-bridge-names.safetensors"))
    }
}
