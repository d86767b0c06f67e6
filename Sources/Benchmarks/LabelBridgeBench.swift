import Catalog
import Foundation
import Imaging
import ImgSearchKit
import JointEmbedding
import Tensor
import TextEncoder
import VisionEncoder

/// `imgsearch-bench label-bridge [--catalog VAL.jsonl] [--model MODEL_DIR] [--vocabulary names|phrasings] [--photo PATH=TEXT …]`
///
/// The ImageNet-label bridge on its own and fused with a trained joint model: text→image R@K on
/// the catalog (docs/metrics.md) for a grid of temperatures T and weights λ — how the defaults in
/// `LabelBridge` were chosen. `--photo` ranks the given texts for each photo through the bridge alone.
enum LabelBridgeBenchmark {
    static func run(_ args: [String]) throws {
        var catalog: URL?, model: URL?, photos: [(URL, String)] = [], vocabulary = BridgeVocabulary.names
        var i = 0
        while i < args.count {
            let value = i + 1 < args.count ? args[i + 1] : ""
            switch args[i] {
            case "--catalog": catalog = URL(fileURLWithPath: value)
            case "--model": model = URL(fileURLWithPath: value)
            case "--vocabulary":
                guard let chosen = BridgeVocabulary(rawValue: value) else { throw BenchmarkUsage("label-bridge … --vocabulary names|phrasings") }
                vocabulary = chosen
            case "--photo":
                let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw BenchmarkUsage("label-bridge … --photo PATH=TEXT") }
                photos.append((URL(fileURLWithPath: parts[0]), parts[1]))
            default: throw BenchmarkUsage("label-bridge [--catalog VAL.jsonl] [--model MODEL_DIR] [--vocabulary names|phrasings] [--photo PATH=TEXT …]")
            }
            i += 2
        }
        let backbone = try EfficientNetLite0.pretrained()
        let bridge = try StandardLabelBridge.load(vocabulary: vocabulary)
        if !photos.isEmpty { try rankPhotos(photos, backbone: backbone, bridge: bridge) }
        if let catalog { try evaluate(catalog, model: model, backbone: backbone, bridge: bridge) }
    }

    /// Logits [N, 1000] and max-pooled features [N, C] of images, 32 per forward pass.
    /// ImageNet logits and the features of `pooling` ("max", "gem" or "avg") of each image.
    private static func extract(_ images: [URL], backbone: EfficientNetLite0, pooling: String = "max") throws -> (logits: Tensor, pooled: Tensor) {
        var logits: [Float] = [], pooled: [Float] = []
        for start in stride(from: 0, to: images.count, by: 32) {
            let batch = try images[start..<min(start + 32, images.count)].map { try ImageDecoder.decode(contentsOf: $0, hintSize: 224) }
            let output = backbone.forward(ImageBatch.make(batch, backbone.preprocessing))
            logits += output.logits?.data ?? []
            pooled += output.pooled(pooling).data
        }
        guard logits.count == images.count * 1000 else { throw BenchmarkUsage("label-bridge: the backbone returned no ImageNet logits") }
        return (Tensor(shape: [images.count, 1000], data: logits),
                Tensor(shape: [images.count, backbone.featureDimension], data: pooled))
    }

    // MARK: Photos

    private static func rankPhotos(_ photos: [(URL, String)], backbone: EfficientNetLite0, bridge: LabelBridge) throws {
        let texts = photos.map(\.1)
        let queries = bridge.textVectors(texts)
        let logitsTensor = try extract(photos.map(\.0), backbone: backbone).logits
        let logits = (0..<photos.count).map { Array(logitsTensor.data[($0 * 1000)..<(($0 + 1) * 1000)]) }
        let images = bridge.imageVectors(logits: logitsTensor)
        for (p, photo) in photos.enumerated() {
            let image = Tensor(shape: [1, images.shape[1]], data: Array(images.data[(p * images.shape[1])..<((p + 1) * images.shape[1])]))
            let scores = (0..<texts.count).map { t in
                LabelBridge.similarities(query: queries.data[(t * queries.shape[1])..<((t + 1) * queries.shape[1])], images: image)[0]
            }
            let ranking = scores.indices.sorted { scores[$0] > scores[$1] }
            let top = ImageNetLabels.top(1, logits: logits[p][...]).first?.name ?? "?"
            print(json(["bench": "label_bridge_photo", "photo": photo.0.lastPathComponent, "imagenet_top1": top,
                        "expected": photo.1, "ranked_first": texts[ranking[0]], "rank_of_expected": 1 + ranking.firstIndex(of: p)!]))
        }
    }

    // MARK: Catalog

    private static func evaluate(_ catalog: URL, model modelDirectory: URL?, backbone: EfficientNetLite0, bridge: LabelBridge) throws {
        let kept = try CatalogLoader.load(catalog).items
        let model = try modelDirectory.map { try JointModel.load(from: $0) }
        let (logitsTensor, pooled) = try extract(kept.map { URL(fileURLWithPath: $0.image) }, backbone: backbone,
                                                 pooling: model?.config.pooling ?? "max")
        var groupOf: [String: Int] = [:], imageGroups: [Int] = [], groupTexts: [String] = []
        for item in kept {
            if groupOf[item.group] == nil {
                groupOf[item.group] = groupTexts.count
                groupTexts.append(item.titleOrCaption)
            }
            imageGroups.append(groupOf[item.group]!)
        }
        let textVectors = bridge.textVectors(groupTexts)
        var tuned = bridge
        for temperature: Float in [0.5, 1, 1.5, 2, 3, 5] {
            tuned.temperature = temperature
            let report = RetrievalMetrics.textToImage(groupTexts: textVectors, images: tuned.imageVectors(logits: logitsTensor), imageGroups: imageGroups)
            emit("label_bridge_alone", report, ["temperature": Double(temperature), "images": Double(kept.count), "groups": Double(groupTexts.count)])
        }
        guard let model else { return }
        let jointTexts = model.embedTexts(groupTexts), jointImages = model.embedImages(features: pooled)
        // The λ grid at the temperature search runs with (not the best of the grid above), so that the
        // figures are what `imgsearch search` ranks.
        tuned.temperature = LabelBridge.defaultTemperature
        let bridgeImages = tuned.imageVectors(logits: logitsTensor)
        for weight: Float in [0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6] {
            let report = fusedReport(jointTexts, jointImages, textVectors, bridgeImages, weight: weight, imageGroups: imageGroups)
            emit("label_bridge_fused", report, ["temperature": Double(tuned.temperature), "weight": Double(weight)])
        }
    }

    /// R@K under score = joint cosine + λ · bridge cosine (fused rows rank exactly by it).
    private static func fusedReport(_ jointTexts: Tensor, _ jointImages: Tensor, _ bridgeTexts: Tensor, _ bridgeImages: Tensor,
                                     weight: Float, imageGroups: [Int]) -> RetrievalReport {
        RetrievalMetrics.textToImage(groupTexts: LabelBridge.fusedRows(joint: jointTexts, bridge: bridgeTexts, weight: weight),
                                     images: LabelBridge.fusedRows(joint: jointImages, bridge: bridgeImages, weight: weight),
                                     imageGroups: imageGroups)
    }

    private static func emit(_ name: String, _ report: RetrievalReport, _ extra: [String: Double]) {
        var figures = extra
        figures["R@1"] = report.recallAt1; figures["R@5"] = report.recallAt5; figures["R@10"] = report.recallAt10
        figures["median_rank"] = report.medianRank; figures["random_R@10"] = report.randomRecallAt10
        print(json(["bench": name, "figures": figures]))
    }

    private static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}
