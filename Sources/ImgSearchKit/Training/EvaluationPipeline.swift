import Foundation
import Imaging
import JointEmbedding
import Search
import Tensor
import VisionEncoder

/// What `imgsearch eval` measures on one catalog (docs/metrics.md).
public struct EvaluationResult: Codable {
    public var model: String
    public var catalog: String
    public var images: Int
    public var groups: Int
    public var textToImage: RetrievalReport
    /// Text→image as `imgsearch search` ranks by default: fused with the label bridge at `bridgeWeight`.
    public var textToImageWithBridge: RetrievalReport?
    public var bridgeWeight: Float?
    public var imageToText: RetrievalReport
    /// Image→image within groups of several images, in three spaces; nil when no group has two images.
    public var imageToImage: ImageToImage?
    /// Each image found again from an augmented copy (crop, rescale, colour jitter); nil below two images.
    public var augmentedImageToImage: AugmentedImageQueries.Report?

    public struct ImageToImage: Codable {
        public var trainedEmbedding: RetrievalReport
        public var rawFeaturesCosine: RetrievalReport
        public var rawFeaturesEuclidean: RetrievalReport
        /// GeM features PCA-whitened on the evaluated catalog itself (what image search uses by default).
        public var whitenedFeatures: RetrievalReport?
    }

    /// Human-readable lines, one per protocol.
    public var lines: [String] {
        var out = ["model \(model) on \(catalog): \(images) images, \(groups) groups",
                   "text→image   \(textToImage.summary)"]
        if let fused = textToImageWithBridge, let weight = bridgeWeight {
            out.append(String(format: "text→image with the label bridge (λ %.2f) ", weight) + fused.summary)
        }
        out.append("image→text   \(imageToText.summary)")
        if let i2i = imageToImage {
            out.append("image→image (within groups) trained embedding   \(i2i.trainedEmbedding.summary)")
            out.append("image→image (within groups) raw features cosine \(i2i.rawFeaturesCosine.summary)")
            out.append("image→image (within groups) raw features L2     \(i2i.rawFeaturesEuclidean.summary)")
            if let whitened = i2i.whitenedFeatures {
                out.append("image→image (within groups) whitened GeM        \(whitened.summary)")
            }
        }
        if let augmented = augmentedImageToImage {
            out.append("image→image (augmented copy → original) trained embedding   \(augmented.trainedEmbedding.summary)")
            out.append("image→image (augmented copy → original) raw features cosine \(augmented.rawFeaturesCosine.summary)")
            out.append("image→image (augmented copy → original) raw features L2     \(augmented.rawFeaturesEuclidean.summary)")
        }
        return out
    }
}

/// Model + catalog → retrieval metrics beside a random ranker's.
public enum EvaluationPipeline {
    /// `bridgeWeight` 0 leaves the label-bridge figures out; `cropToContent` measures images cropped to content.
    public static func run(model modelDirectory: URL, catalog: URL, showProgress: Bool,
                           bridgeWeight: Float = LabelBridge.defaultWeight, cropToContent: ContentCrop? = nil,
                           log: (String) -> Void) throws -> EvaluationResult {
        let model = try JointModel.load(from: modelDirectory)
        let backbone = try EfficientNetLite0.pretrained()
        guard backbone.identifier == model.config.backbone else {
            throw TrainingInputError(file: modelDirectory.path,
                                     reason: "the model expects \(model.config.backbone) features; this build has \(backbone.identifier)")
        }
        let data = try CatalogFeatures.load(catalog, backbone: backbone, showProgress: showProgress, cropToContent: cropToContent, log: log)
        let bridge = bridgeWeight > 0 && data.logits != nil
            ? (try StandardLabelBridge.load(encoder: model.sentenceTower?.encoder), bridgeWeight) : nil
        var result = evaluate(model, on: data, catalogName: catalog.lastPathComponent, bridge: bridge)
        result.augmentedImageToImage = try AugmentedImageQueries.evaluate(model: model, backbone: backbone, data: data)
        return result
    }

    /// The metrics of `model` on already-extracted catalog features; with `bridge` (and logits in
    /// `data`), also text→image fused with the label bridge at that weight.
    public static func evaluate(_ model: JointModel, on data: CatalogFeatures, catalogName: String,
                                bridge: (LabelBridge, weight: Float)? = nil) -> EvaluationResult {
        let (imageGroups, groupTexts) = data.groupIndex()
        let texts = model.embedTexts(groupTexts)
        let images = model.embedImages(features: data.features(pooling: model.config.pooling))
        var fusedTextToImage: RetrievalReport?
        if let (bridge, weight) = bridge, let logits = data.logits {
            // A MiniLM model's text embeddings already are the bridge's text side.
            let bridgeTexts = model.sentenceTower != nil ? texts : bridge.textVectors(groupTexts)
            fusedTextToImage = RetrievalMetrics.textToImage(
                groupTexts: LabelBridge.fusedRows(joint: texts, bridge: bridgeTexts, weight: weight),
                images: LabelBridge.fusedRows(joint: images, bridge: bridge.imageVectors(logits: logits), weight: weight),
                imageGroups: imageGroups)
        }
        var imageToImage: EvaluationResult.ImageToImage?
        if let trained = RetrievalMetrics.imageToImageWithinGroups(images: images, imageGroups: imageGroups) {
            let raw = data.maxPooled
            let unit = Tensor(shape: raw.shape, data: L2Normalization.forward(raw.data, rows: raw.shape[0], width: raw.shape[1]).y)
            imageToImage = .init(trainedEmbedding: trained,
                                 rawFeaturesCosine: RetrievalMetrics.imageToImageWithinGroups(images: unit, imageGroups: imageGroups)!,
                                 rawFeaturesEuclidean: RetrievalMetrics.imageToImageWithinGroups(images: raw, imageGroups: imageGroups)!,
                                 whitenedFeatures: whitened(data.gemPooled).flatMap {
                                     RetrievalMetrics.imageToImageWithinGroups(images: $0, imageGroups: imageGroups)
                                 })
        }
        return EvaluationResult(
            model: model.identifier, catalog: catalogName, images: data.items.count, groups: groupTexts.count,
            textToImage: RetrievalMetrics.textToImage(groupTexts: texts, images: images, imageGroups: imageGroups),
            textToImageWithBridge: fusedTextToImage, bridgeWeight: fusedTextToImage == nil ? nil : bridge?.weight,
            imageToText: RetrievalMetrics.imageToText(images: images, groupTexts: texts, imageGroups: imageGroups),
            imageToImage: imageToImage)
    }

    /// GeM features whitened as the index does it (`WhiteningFile`), fitted on these rows; nil when they cannot be.
    private static func whitened(_ gem: Tensor) -> Tensor? {
        let matrix = VectorMatrix(dimension: gem.shape[1], values: gem.data)
        guard let whitening = try? WhiteningFile.fit(matrix, owners: Array(repeating: "", count: matrix.count),
                                                     dimension: WhiteningFile.defaultDimension) else { return nil }
        let applied = whitening.apply(matrix)
        return Tensor(shape: [applied.count, applied.dimension], data: applied.values)
    }
}
