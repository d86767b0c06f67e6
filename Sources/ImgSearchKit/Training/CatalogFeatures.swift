import Catalog
import Foundation
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
    public var maxPooled: Tensor  // [N, C]: the seed's GlobalMaxPooling2D
    public var gemPooled: Tensor  // [N, C]: GeM p=3 (image→image baselines)

    /// Pooled features of the chosen kind ("max", "gem", "avg" falls back to max's shape).
    public func features(pooling: String) -> Tensor { pooling == "gem" ? gemPooled : maxPooled }

    /// Loads `catalog`, extracts (or finds in the feature cache) every image's features.
    public static func load(_ catalog: URL, backbone: Backbone, showProgress: Bool,
                            log: (String) -> Void) throws -> CatalogFeatures {
        let loaded = try CatalogLoader.load(catalog)
        if !loaded.issues.isEmpty {
            log("\(catalog.lastPathComponent): \(loaded.issues.count) lines skipped (first: \(loaded.issues[0]))")
        }
        guard !loaded.items.isEmpty else { throw TrainingInputError(file: catalog.path, reason: "the catalog has no items") }
        let extractor = FeatureExtractor(backbone: backbone, cache: try? FeatureCache())
        let results = try extractor.extract(loaded.items.map { URL(fileURLWithPath: $0.image) }, showProgress: showProgress)
        var items: [CatalogItem] = [], maxRows: [Float] = [], gemRows: [Float] = [], failures = 0
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
            case .failure(let error):
                failures += 1
                if failures <= 3 { log("skipping item \(item.id): \(error)") }
            }
        }
        if failures > 3 { log("… \(failures) images could not be read in all") }
        guard !items.isEmpty else { throw TrainingInputError(file: catalog.path, reason: "no image of the catalog could be read") }
        let width = backbone.featureDimension
        return CatalogFeatures(items: items, maxPooled: Tensor(shape: [items.count, width], data: maxRows),
                               gemPooled: Tensor(shape: [items.count, width], data: gemRows))
    }

    // MARK: Groups

    /// Group index per item (in order of first appearance) and each group's query text:
    /// the title of its first item, or its caption when the title is empty (GUIDE.md, Metrics).
    public func groupIndex() -> (imageGroups: [Int], groupTexts: [String]) {
        var index: [String: Int] = [:], imageGroups: [Int] = [], texts: [String] = []
        for item in items {
            if let g = index[item.group] { imageGroups.append(g); continue }
            index[item.group] = texts.count
            imageGroups.append(texts.count)
            let title = item.title.trimmingCharacters(in: .whitespacesAndNewlines)
            texts.append(title.isEmpty ? item.caption : title)
        }
        return (imageGroups, texts)
    }
}
