import Foundation
import IndexStore
import JointEmbedding
import TextEncoder
import VisionEncoder

/// What the label bridge embeds for each ImageNet class.
public enum BridgeVocabulary: String, CaseIterable, Sendable {
    /// The clean class name alone ("tench").
    case names
    /// Several phrasings averaged (`ImageNetClassText.phrasings`: synonyms, "a photo of a …", WordNet parent, definition).
    case phrasings

    public static let standard = BridgeVocabulary.names
}

/// The label bridge every command uses: MiniLM over the ImageNet classes (`BridgeVocabulary.standard`), at the
/// default temperature, with the class embeddings kept beside the feature cache (made once, a few seconds).
public enum StandardLabelBridge {
    /// `encoder` reuses an already loaded MiniLM (a model's sentence tower); nil loads it.
    /// `cacheDirectory` holds the class embeddings (default: the feature cache's).
    public static func load(encoder: SentenceEncoder? = nil, cacheDirectory: URL? = nil,
                            vocabulary: BridgeVocabulary = .standard) throws -> LabelBridge {
        let sentenceEncoder: SentenceEncoder
        do { sentenceEncoder = try encoder ?? MiniLM.pretrained() } catch {
            throw IndexingError("the label bridge needs the MiniLM sentence encoder (\(error)); run `make setup`, or pass --no-bridge")
        }
        let directory = cacheDirectory ?? FeatureCache.defaultDirectory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch vocabulary {
        case .names:
            return try LabelBridge.cached(encoder: sentenceEncoder, classNames: ImageNetLabels.names,
                                          at: directory.appendingPathComponent("label-bridge-names.safetensors"))
        case .phrasings:
            return try LabelBridge.cached(encoder: sentenceEncoder, classNames: ImageNetLabels.names,
                                          phrasings: ImageNetClassTexts.load().map(\.phrasings),
                                          at: directory.appendingPathComponent("label-bridge-phrasings.safetensors"))
        }
    }
}
