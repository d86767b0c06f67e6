import Foundation
import IndexStore
import JointEmbedding
import PostgresStore
import Search

/// Search over an index, in a directory or in a PostgreSQL database: by text, by image, by an indexed item
/// ("more like this").
///
/// Text queries go through the index's joint model to the nearest joint image embeddings, fused
/// with the ImageNet-label bridge when the index holds bridge vectors (`Options.bridgeWeight`);
/// image queries go through the backbone (cropped to content when the index was, `imageRecipe`) to the
/// nearest images in `Options.imageSpace` (PCA-whitened GeM features by default). Safe to call from many threads
/// at once. Items added by a concurrent `imgsearch index` appear within `refreshInterval` (see `SearchIndex`).
///
/// ```swift
/// let engine = try SearchEngine(indexDirectory: URL(fileURLWithPath: "indexes/demo"),
///                               options: .init(modelDirectory: URL(fileURLWithPath: "models/demo")))
/// for result in try engine.search(text: "red dress", k: 9) { print(result.distance, result.title) }
/// ```
public final class SearchEngine: @unchecked Sendable {
    /// Where image→image search measures distances.
    public enum ImageSpace: String, CaseIterable, Sendable {
        /// GeM features, PCA-whitened on the collection, L2-normalised (the default: generalises best).
        case whitened
        /// The joint model's image embedding (the original design's behaviour).
        case joint
        /// Max-pooled backbone features, L2-normalised (cosine).
        case raw
    }

    /// Exact or HNSW search for text queries.
    public enum Method: String, CaseIterable, Sendable {
        /// HNSW from `approximateThreshold` rows on, exact below.
        case automatic, exact, approximate
    }

    public struct Options: Sendable {
        /// The trained model; nil uses the one the index records.
        public var modelDirectory: URL?
        public var method: Method = .automatic
        public var approximateThreshold = 50_000
        public var hnsw = HNSWIndex.Parameters(m: 16, efConstruction: 100, efSearch: 64)
        /// While building the HNSW graph, save it this often (seconds) so a killed build resumes.
        public var graphCheckpointSeconds: Double = 60
        public var imageSpace: ImageSpace = .whitened
        public var whiteningDimension = WhiteningFile.defaultDimension
        /// Fewer live items are searched by raw features when the image space is `whitened`.
        public var whiteningMinimumRows = WhiteningFile.minimumRows
        /// λ: the label bridge's weight in text search, score = (joint cosine + λ · bridge cosine) / (1 + λ).
        /// 0 turns the bridge off (`--no-bridge`); indexes without bridge vectors ignore it.
        public var bridgeWeight: Float = LabelBridge.defaultWeight
        /// How often (seconds) to look for rows added by a concurrent indexer.
        public var refreshInterval: TimeInterval = 1
        public var showProgress = true

        public init(modelDirectory: URL? = nil, method: Method = .automatic, imageSpace: ImageSpace = .whitened,
                    bridgeWeight: Float = LabelBridge.defaultWeight) {
            self.modelDirectory = modelDirectory
            self.method = method
            self.imageSpace = imageSpace
            self.bridgeWeight = bridgeWeight
        }

        /// Whether text search over `rows` rows walks an HNSW graph.
        func usesGraph(rows: Int) -> Bool {
            rows > 0 && (method == .approximate || (method == .automatic && rows >= approximateThreshold))
        }
    }

    /// The index directory (nil for an index in a database).
    public let indexDirectory: URL?
    public let options: Options
    /// What the index did to its images before the CNN; image queries go through the same steps.
    public let imageRecipe: ImageRecipe
    private let index: any SearchIndex
    private let encoder: QueryEncoder

    // MARK: Opening

    /// Opens the index in `indexDirectory` for reading. The model and backbone load on first use.
    public convenience init(indexDirectory: URL, options: Options = Options()) throws {
        try self.init(index: try EmbeddedSearchIndex(directory: indexDirectory, options: options), directory: indexDirectory, options: options)
    }

    /// Opens the index in a PostgreSQL database; searches go to `readReplicas` in turn when there are any.
    public convenience init(database: DatabaseURL, readReplicas: [DatabaseURL] = [], options: Options = Options()) throws {
        try self.init(index: try DatabaseSearchIndex(database: database, readReplicas: readReplicas, options: options),
                      directory: nil, options: options)
    }

    /// Opens the index at `location`, in a directory or a database.
    public convenience init(_ location: IndexLocation, readReplicas: [DatabaseURL] = [], options: Options = Options()) throws {
        switch location {
        case .directory(let directory): try self.init(indexDirectory: directory, options: options)
        case .database(let url): try self.init(database: url, readReplicas: readReplicas, options: options)
        }
    }

    private init(index: any SearchIndex, directory: URL?, options: Options) throws {
        self.index = index
        indexDirectory = directory
        self.options = options
        do {
            imageRecipe = try ImageRecipe.parse(try index.setting(ImageRecipe.settingName), location: index.location)
        } catch {
            throw SearchEngineError(.noIndex, index.location, "\(error)")
        }
        encoder = QueryEncoder(modelDirectory: options.modelDirectory ?? index.recordedModelDirectory,
                               expectedIdentifier: index.modelIdentifier, cropToContent: imageRecipe.contentCrop)
    }

    /// Where the index lives: a directory path or a database URL.
    public var location: String { index.location }

    /// The model directory search loads: `Options.modelDirectory`, else the one the index records.
    public var modelDirectory: URL? { options.modelDirectory ?? index.recordedModelDirectory }

    /// Items in the index (including those whose image failed to encode).
    public var itemCount: Int { index.itemCount }

    /// Whether text queries use the HNSW graph (or pgvector's HNSW index).
    public var usesApproximateSearch: Bool { index.usesApproximateSearch }

    /// λ when text search fuses the label bridge, nil when it runs on the joint model alone.
    public var bridgeWeight: Float? { index.textBridgeWeight }

    /// The embedding plot made beside an index directory (`plot.svg` or `plot.png`), if any.
    public var plotPath: URL? { index.plotFile }

    // MARK: Queries

    /// The `k` images nearest to a sentence.
    public func search(text: String, k: Int = 9) throws -> [SearchResult] {
        try search(texts: [text], k: k)[0]
    }

    /// One result list per text, in order.
    public func search(texts: [String], k: Int = 9) throws -> [[SearchResult]] {
        try validate(k: k)
        for text in texts where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw SearchEngineError(.invalidQuery, "", "empty text query")
        }
        return try encoder.embed(texts: texts, bridgeWeight: index.textBridgeWeight).map { try index.nearest(text: $0, k: k) }
    }

    /// The `k` images nearest to the image file at `url`.
    public func search(imageAt url: URL, k: Int = 9) throws -> [SearchResult] {
        try validate(k: k)
        return try search(features: try encoder.features(ofImageAt: url), k: k)
    }

    /// The `k` images nearest to an uploaded image (`name` appears in errors).
    public func search(imageData: Data, name: String = "upload", k: Int = 9) throws -> [SearchResult] {
        try validate(k: k)
        return try search(features: try encoder.features(ofImageData: imageData, name: name), k: k)
    }

    /// One result list per image file, in order.
    public func search(imagesAt urls: [URL], k: Int = 9) throws -> [[SearchResult]] {
        try urls.map { try search(imageAt: $0, k: k) }
    }

    /// More like an indexed item: its own stored vectors as the query (no CNN run), in the image
    /// space; the item itself is left out.
    public func similar(id: String, k: Int = 9) throws -> [SearchResult] {
        try validate(k: k)
        return try index.similar(id: id, k: k)
    }

    // MARK: Items

    /// The indexed item with `id`, or nil.
    public func item(id: String) throws -> IndexItem? { try index.item(id: id) }

    /// The real path (symlinks resolved) of the image of the item with `id`, nil for an unknown id. Throws
    /// `ImageRefusal` when the item's image did not decode when indexed or lies outside the index's image folders
    /// (`ImageRoots`), so a catalog line naming "/etc/shadow" never makes the server read it.
    public func servableImagePath(id: String) throws -> URL? {
        guard let item = try item(id: id) else { return nil }
        guard item.status == .ok else { throw ImageRefusal("the image of '\(id)' did not decode when indexed: \(item.error ?? "")") }
        return try ImageRoots.resolve(item.image, roots: ImageRoots.decode(try index.setting(ImageRoots.settingName))).get()
    }

    // MARK: Internals

    private func search(features: CachedFeatures, k: Int) throws -> [SearchResult] {
        try index.nearest(image: features, k: k) { try encoder.embed(features: features) }
    }

    private func validate(k: Int) throws {
        guard (1...10_000).contains(k) else { throw SearchEngineError(.invalidQuery, "", "k must be in 1…10000, got \(k)") }
    }
}
