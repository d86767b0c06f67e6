import Catalog
import Foundation
import Imaging
import IndexStore
import JointEmbedding
import Projection
import Tensor
import VisionEncoder

// MARK: - Plot options

/// What `imgsearch plot` draws: how many pairs, and the t-SNE and canvas settings.
public struct PlotOptions: Sendable {
    public var sampleSize = 500
    public var perplexity: Double = 30
    public var iterations = 1000
    public var seed: UInt64 = 0
    public var width = 1200
    public var height = 1000
    public var thumbnailSize = 28
    public var showProgress = true
    public init() {}
}

/// One image–text pair to plot: its joint image embedding comes with it (index) or is computed.
public struct PlotItem: Sendable {
    public var id: String
    public var caption: String
    public var image: String
    public init(id: String, caption: String, image: String) { self.id = id; self.caption = caption; self.image = image }
}

// MARK: - PlotBuilder

/// Joins a trained model and a catalog (or an index) into the original design's t-SNE figure: a sample of
/// images and their descriptions embedded by the model, projected together, pairs linked.
public enum PlotBuilder {
    /// Samples `options.sampleSize` catalog items, extracts their backbone features (cache first),
    /// and embeds both sides with `model`.
    public static func fromCatalog(_ catalog: URL, model: JointModel, options: PlotOptions,
                                   log: (String) -> Void) throws -> PairPlot {
        let loaded = try CatalogLoader.load(catalog)
        if !loaded.issues.isEmpty { log("\(catalog.lastPathComponent): \(loaded.issues.count) lines skipped (first: \(loaded.issues[0]))") }
        let items = sample(loaded.items, options)
        guard !items.isEmpty else { throw TrainingInputError(file: catalog.path, reason: "the catalog has no items") }
        let backbone = try EfficientNetLite0.pretrained()
        guard backbone.identifier == model.config.backbone else {
            throw TrainingInputError(file: catalog.path, reason: "the model expects \(model.config.backbone) features; this build has \(backbone.identifier)")
        }
        let extractor = FeatureExtractor(backbone: backbone, cache: try? FeatureCache())
        let results = try extractor.extract(items.map { URL(fileURLWithPath: $0.image) }, showProgress: options.showProgress)
        var kept: [PlotItem] = [], rows: [Float] = [], failures = 0
        for (item, result) in zip(items, results) {
            guard case .success(let features) = result else { failures += 1; continue }
            rows += features.features.pooled(model.config.pooling)
            kept.append(PlotItem(id: item.id, caption: item.caption, image: item.image))
        }
        if failures > 0 { log("\(failures) images could not be read and are left out") }
        guard kept.count >= 2 else { throw TrainingInputError(file: catalog.path, reason: "fewer than 2 readable images to plot") }
        let imageEmbeddings = model.embedImages(features: Tensor(shape: [kept.count, rows.count / kept.count], data: rows))
        return try plot(kept, imageEmbeddings: imageEmbeddings, model: model, options: options, log: log)
    }

    /// Samples indexed items; their joint image vectors come from the index (no CNN run).
    public static func fromIndex(_ index: URL, model: JointModel, options: PlotOptions,
                                 log: (String) -> Void) throws -> PairPlot {
        let store = try SQLiteIndexStore.openForReading(at: index, expectedModelIdentifier: model.identifier)
        var stored: [StoredItem] = []
        try store.forEachItem { if $0.item.status == .ok && $0.vectorRow != nil { stored.append($0) } }
        let chosen = sample(stored, options)
        guard chosen.count >= 2 else { throw TrainingInputError(file: index.path, reason: "fewer than 2 indexed items to plot") }
        let joint = try store.vectors("joint")
        var rows: [Float] = []
        for entry in chosen { rows += joint.rowArray(entry.vectorRow!) }
        let items = chosen.map { entry -> PlotItem in
            let caption = CatalogItem(id: entry.item.id, image: entry.item.image, title: entry.item.title,
                                      description: entry.item.description).caption
            return PlotItem(id: entry.item.id, caption: caption, image: entry.item.image)
        }
        return try plot(items, imageEmbeddings: Tensor(shape: [chosen.count, joint.dimension], data: rows),
                        model: model, options: options, log: log)
    }

    /// Projects images and captions together and lays out the figure.
    public static func plot(_ items: [PlotItem], imageEmbeddings: Tensor, model: JointModel, options: PlotOptions,
                            log: (String) -> Void) throws -> PairPlot {
        let n = items.count
        let texts = model.embedTexts(items.map(\.caption))
        let dimension = texts.shape[1]
        let (pairDistance, randomDistance) = meanDistances(imageEmbeddings, texts, seed: options.seed)
        log(String(format: "mean image-text distance %.3f (random pairs %.3f)", pairDistance, randomDistance))

        var t = TSNE.Options(perplexity: min(options.perplexity, Double(2 * n - 1) / 3), iterations: options.iterations, seed: options.seed)
        t.exaggerationIterations = min(t.exaggerationIterations, options.iterations / 4)
        let progress = ProgressBar("t-SNE", total: options.iterations, enabled: options.showProgress)
        let result = try TSNE.embed(Tensor(shape: [2 * n, dimension], data: imageEmbeddings.data + texts.data), options: t) { _, _ in
            progress.advance()
        }
        progress.finish(String(format: "KL %.3f", result.klDivergence))

        let thumbnails = loadThumbnails(items.map(\.image), size: options.thumbnailSize)
        let y = result.embedding.data
        let pairs = (0..<n).map { i in
            PairPlot.Pair(image: (Double(y[2 * i]), Double(y[2 * i + 1])), text: (Double(y[2 * (n + i)]), Double(y[2 * (n + i) + 1])),
                          thumbnail: thumbnails[i], label: items[i].caption, id: items[i].id)
        }
        let fingerprint = String(model.identifier.prefix(12))
        let title = String(format: "t-SNE of %d image-text pairs | model %@ (%@ + %@) | mean pair distance %.3f",
                           n, fingerprint, model.config.backbone, model.config.textEncoder, pairDistance)
        let subtitle = String(format: "random pairs %.3f | perplexity %.0f, %d iterations, KL %.3f | green: image to its own description",
                              randomDistance, t.perplexity, options.iterations, result.klDivergence)
        var figure = PairPlot(title: title, subtitle: subtitle, pairs: pairs)
        figure.width = options.width; figure.height = options.height; figure.thumbnailSize = options.thumbnailSize
        return figure
    }

    // MARK: Helpers

    /// A seeded sample without replacement, in the input's order.
    static func sample<T>(_ all: [T], _ options: PlotOptions) -> [T] {
        guard all.count > options.sampleSize else { return all }
        var generator = SeededGenerator(seed: options.seed)
        return generator.permutation(all.count).prefix(options.sampleSize).sorted().map { all[$0] }
    }

    /// Mean Euclidean distance of each image to its own text, and to a random other text.
    static func meanDistances(_ images: Tensor, _ texts: Tensor, seed: UInt64) -> (pairs: Double, random: Double) {
        let n = images.shape[0], d = images.shape[1]
        func distance(_ i: Int, _ j: Int) -> Double {
            var s: Float = 0
            for k in 0..<d { let v = images.data[i * d + k] - texts.data[j * d + k]; s += v * v }
            return Double(s.squareRoot())
        }
        var generator = SeededGenerator(seed: seed ^ 0x5EED)
        let shuffled = generator.permutation(n)
        var own = 0.0, other = 0.0
        for i in 0..<n {
            own += distance(i, i)
            other += distance(i, shuffled[i] == i ? (i + 1) % n : shuffled[i])
        }
        return (own / Double(n), other / Double(n))
    }

    /// Small thumbnails decoded in parallel (with JPEG DCT scaling); unreadable images give nil.
    static func loadThumbnails(_ paths: [String], size: Int) -> [RGBImage?] {
        var thumbnails = [RGBImage?](repeating: nil, count: paths.count)
        let fit = Preprocessing(size: size, fit: .pad, mean: [0, 0, 0], std: [1, 1, 1])
        thumbnails.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(paths.count) { i in
                out[i] = (try? ImageDecoder.decode(contentsOf: URL(fileURLWithPath: paths[i]), hintSize: size * 2)).map(fit.fitted)
            }
        }
        return thumbnails
    }
}
