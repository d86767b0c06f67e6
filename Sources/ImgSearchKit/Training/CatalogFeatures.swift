import Catalog
import Foundation
import Imaging
import IndexStore
import Tensor
import VisionEncoder

/// Why a catalog cannot be trained on or evaluated. Names the file and the reason.
public struct TrainingInputError: Error, CustomStringConvertible {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) { self.file = file; self.reason = reason }
    public var description: String { "\(file): \(reason)" }
}

/// A catalog's items beside their frozen-backbone features (rows in item order).
/// Items whose image cannot be read are left out, each reported through `log`.
public struct CatalogFeatures {
    public var items: [CatalogItem]
    public var maxPooled: Tensor  // [N, C]: the original design's GlobalMaxPooling2D
    public var gemPooled: Tensor  // [N, C]: GeM p=3 (image→image baselines)
    /// [N, 1000] ImageNet logits (the label bridge), nil when the backbone has no classifier.
    public var logits: Tensor?
    /// Features of augmented training views (`ImageAugmentation.trainingVariant`), one entry per variant.
    public var variants: [(maxPooled: Tensor, gemPooled: Tensor)] = []

    /// Pooled features of the chosen kind ("max", "gem", "avg" falls back to max's shape).
    public func features(pooling: String) -> Tensor { pooling == "gem" ? gemPooled : maxPooled }

    /// The variants' features of the chosen kind.
    public func variantFeatures(pooling: String) -> [Tensor] { variants.map { pooling == "gem" ? $0.gemPooled : $0.maxPooled } }

    /// Loads `catalog`, extracts (or finds in the feature cache) every image's features, and those
    /// of `augmentedVariants` augmented views of each image; with `cropToContent`, of each image cropped to content.
    public static func load(_ catalog: URL, backbone: Backbone, showProgress: Bool, augmentedVariants: Int = 0,
                            cropToContent: ContentCrop? = nil, log: (String) -> Void) throws -> CatalogFeatures {
        let loaded = try CatalogLoader.load(catalog)
        if !loaded.issues.isEmpty {
            log("\(catalog.lastPathComponent): \(loaded.issues.count) lines skipped (first: \(loaded.issues[0]))")
        }
        guard !loaded.items.isEmpty else { throw TrainingInputError(file: catalog.path, reason: "the catalog has no items") }
        let cache = try? FeatureCache()
        let extractor = FeatureExtractor(backbone: backbone, cache: cache, cropToContent: cropToContent)
        let results = try extractor.extract(loaded.items.map { URL(fileURLWithPath: $0.image) }, showProgress: showProgress)
        var items: [CatalogItem] = [], maxRows: [Float] = [], gemRows: [Float] = [], logitRows: [Float]? = [], failures = 0
        for (item, result) in zip(loaded.items, results) {
            switch result {
            case .success(let features):
                let values = features.features.maxPooled + features.features.gemPooled
                guard values.allSatisfy({ $0.isFinite }) else {
                    throw TrainingInputError(file: item.image, reason: "backbone features contain NaN/inf (item \(item.id))")
                }
                items.append(item)
                maxRows += features.features.maxPooled
                gemRows += features.features.gemPooled
                if let logits = features.features.logits { logitRows? += logits } else { logitRows = nil }
            case .failure(let error):
                failures += 1
                if failures <= 3 { log("skipping item \(item.id): \(error)") }
            }
        }
        if failures > 3 { log("… \(failures) images could not be read in all") }
        guard !items.isEmpty else { throw TrainingInputError(file: catalog.path, reason: "no image of the catalog could be read") }
        let width = backbone.featureDimension
        var loadedFeatures = CatalogFeatures(items: items, maxPooled: Tensor(shape: [items.count, width], data: maxRows),
                                             gemPooled: Tensor(shape: [items.count, width], data: gemRows),
                                             logits: logitRows.map { Tensor(shape: [items.count, $0.count / items.count], data: $0) })
        for variant in 0..<augmentedVariants {
            loadedFeatures.variants.append(try loadedFeatures.augmentedFeatures(variant: variant + 1, backbone: backbone, cache: cache,
                                                                                cropToContent: cropToContent, showProgress: showProgress))
        }
        return loadedFeatures
    }

    /// Features of augmented view `variant` of every item (cached like the originals). An image
    /// that fails now keeps its original features.
    private func augmentedFeatures(variant: Int, backbone: Backbone, cache: FeatureCache?, cropToContent: ContentCrop?,
                                   showProgress: Bool) throws -> (maxPooled: Tensor, gemPooled: Tensor) {
        let extractor = FeatureExtractor(backbone: backbone, cache: cache, augmentation: (ImageAugmentation.trainingVariant, variant),
                                         cropToContent: cropToContent)
        let bar = ProgressBar("augmented view \(variant)", total: items.count, enabled: showProgress)
        var maxValues = maxPooled.data, gemValues = gemPooled.data
        let width = maxPooled.shape[1]
        try extractor.extract(items.map { URL(fileURLWithPath: $0.image) }, progress: bar) { batch in
            for (index, result) in batch {
                guard case .success(let features) = result else { continue }
                maxValues.replaceSubrange((index * width)..<((index + 1) * width), with: features.features.maxPooled)
                gemValues.replaceSubrange((index * width)..<((index + 1) * width), with: features.features.gemPooled)
            }
        }
        bar.finish()
        return (Tensor(shape: maxPooled.shape, data: maxValues), Tensor(shape: gemPooled.shape, data: gemValues))
    }

    // MARK: Groups

    /// Group index per item (in order of first appearance) and each group's query text:
    /// the title of its first item, or its caption when the title is empty (docs/metrics.md).
    public func groupIndex() -> (imageGroups: [Int], groupTexts: [String]) {
        var index: [String: Int] = [:], imageGroups: [Int] = [], texts: [String] = []
        for item in items {
            if let g = index[item.group] { imageGroups.append(g); continue }
            index[item.group] = texts.count
            imageGroups.append(texts.count)
            texts.append(item.titleOrCaption)
        }
        return (imageGroups, texts)
    }
}
