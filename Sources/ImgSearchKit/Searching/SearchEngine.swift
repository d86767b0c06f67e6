import Foundation
import IndexStore
import JointEmbedding
import Search

/// Search over an index directory: by text, by image, by an indexed item ("more like this").
///
/// Text queries go through the index's joint model to the nearest joint image embeddings, fused
/// with the ImageNet-label bridge when the index holds bridge vectors (`Options.bridgeWeight`);
/// image queries go through the backbone (cropped to content when the index was, `imageRecipe`) to the
/// nearest images in `Options.imageSpace` (PCA-whitened GeM features by default). Safe to call from many threads at once. Items added by a
/// concurrent `imgsearch index` appear within `refreshInterval`: the engine checks the store's row
/// and item counts and swaps in a new snapshot (its HNSW graph extended in place).
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

    public let indexDirectory: URL
    public let options: Options
    /// What the index did to its images before the CNN; image queries go through the same steps.
    public let imageRecipe: ImageRecipe
    private let store: SQLiteIndexStore
    private let encoder: QueryEncoder
    private let lock = NSLock()
    private var current: IndexSnapshot
    private var lastRefresh = Date()

    // MARK: Opening

    /// Opens the index in `indexDirectory` for reading. The model and backbone load on first use.
    public init(indexDirectory: URL, options: Options = Options()) throws {
        do {
            store = try SQLiteIndexStore.openForReading(at: indexDirectory)
        } catch {
            throw SearchEngineError(.noIndex, indexDirectory.path, "\(error)")
        }
        self.indexDirectory = indexDirectory
        self.options = options
        do {
            imageRecipe = try ImageRecipe.recorded(in: store)
        } catch {
            throw SearchEngineError(.noIndex, indexDirectory.path, "\(error)")
        }
        encoder = QueryEncoder(modelDirectory: options.modelDirectory ?? ModelRecord.read(indexDirectory),
                               expectedIdentifier: store.modelIdentifier, cropToContent: imageRecipe.contentCrop)
        current = try IndexSnapshot(store: store, options: options, previous: nil)
    }

    /// Items in the index (including those whose image failed to encode).
    public var itemCount: Int { snapshot().itemCount }

    /// Whether text queries use the HNSW graph.
    public var usesApproximateSearch: Bool { snapshot().textSearcher.isApproximate }

    /// λ when text search fuses the label bridge, nil when it runs on the joint model alone.
    public var bridgeWeight: Float? { snapshot().text.bridgeWeight }

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
        let snapshot = snapshot()
        return try encoder.embed(texts: texts, bridgeWeight: snapshot.text.bridgeWeight).map { query in
            guard query.count == snapshot.text.rows.dimension else {
                throw SearchEngineError(.modelMismatch, "", "text queries have \(query.count) dimensions, the index \(snapshot.text.rows.dimension)")
            }
            return try results(snapshot.textSearcher.search(query, k: k, owners: snapshot.owners, rowCount: snapshot.rowCount))
        }
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
        let snapshot = snapshot()
        guard let stored = try storedItem(id) else { throw SearchEngineError(.unknownID, id, "no item with this id") }
        guard let row = stored.vectorRow, row < snapshot.rowCount else {
            throw SearchEngineError(.invalidQuery, id, "the item has no vectors (its image failed to index: \(stored.item.error ?? "unknown"))")
        }
        let space = try snapshot.imageSpace(options.imageSpace)
        let found = space.searcher.search(space.vectors.rowArray(row), k: k + 1, owners: snapshot.owners, rowCount: snapshot.rowCount)
        return try results(Array(found.filter { $0.id != id }.prefix(k)))
    }

    // MARK: Items

    /// The indexed item with `id`, or nil.
    public func item(id: String) throws -> IndexItem? { try storedItem(id)?.item }

    /// The real path (symlinks resolved) of the image of the item with `id`, nil for an unknown id. Throws
    /// `ImageRefusal` when the item's image did not decode when indexed or lies outside the index's image folders
    /// (`ImageRoots`), so a catalog line naming "/etc/shadow" never makes the server read it.
    public func servableImagePath(id: String) throws -> URL? {
        guard let item = try item(id: id) else { return nil }
        guard item.status == .ok else { throw ImageRefusal("the image of '\(id)' did not decode when indexed: \(item.error ?? "")") }
        return try ImageRoots.resolve(item.image, roots: ImageRoots.read(indexDirectory)).get()
    }

    // MARK: Internals

    private func search(features: CachedFeatures, k: Int) throws -> [SearchResult] {
        let snapshot = snapshot()
        let space = try snapshot.imageSpace(options.imageSpace)
        let query: [Float]
        switch options.imageSpace {
        case .whitened: query = space.whitening?.apply(features.gemPooled) ?? CosineSpace.vector(features.maxPooled)
        case .raw: query = CosineSpace.vector(features.maxPooled)
        case .joint: query = try encoder.embed(features: features)
        }
        guard query.count == space.vectors.dimension else {
            throw SearchEngineError(.invalidQuery, "", "the query has \(query.count) dimensions, the index \(space.vectors.dimension)")
        }
        return try results(space.searcher.search(query, k: k, owners: snapshot.owners, rowCount: snapshot.rowCount))
    }

    private func results(_ found: [(neighbor: Neighbor, id: String)]) throws -> [SearchResult] {
        try found.map { neighbor, id in
            let item = try storedItem(id)?.item
            return SearchResult(id: id, title: item?.title ?? "", image: item?.image ?? "", distance: neighbor.distance)
        }
    }

    private func storedItem(_ id: String) throws -> StoredItem? {
        do { return try store.item(id: id) } catch {
            throw SearchEngineError(.noIndex, indexDirectory.path, "\(error)")
        }
    }

    private func validate(k: Int) throws {
        guard (1...10_000).contains(k) else { throw SearchEngineError(.invalidQuery, "", "k must be in 1…10000, got \(k)") }
    }

    /// The current snapshot, replaced first when the store changed since the last look.
    private func snapshot() -> IndexSnapshot {
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(lastRefresh) >= options.refreshInterval else { return current }
        lastRefresh = Date()
        do {
            let rows = try store.vectors("joint").count, items = try store.itemCount()
            if rows != current.rowCount || items != current.itemCount {
                current = try IndexSnapshot(store: store, options: options, previous: current)
            }
        } catch {
            // A failed refresh (e.g. mid-compaction) keeps serving the last good snapshot.
        }
        return current
    }
}
