import Catalog
import Foundation
import Imaging
import IndexStore
import JointEmbedding
import Search
import PostgresStore
import Tensor

/// Catalog → index, incrementally: only images that are new or whose bytes changed run
/// through the CNN (and the feature cache spares even those it has seen before). Every batch
/// is committed as it completes, so a killed run resumes where it stopped.
///
/// Vector sets written: "joint" (the model's embedding, text→image search), the raw backbone
/// "gem" and "max" features (image→image search and whitening refits need no CNN), and, with a
/// label bridge, "bridge" (each image's ImageNet class probabilities times the class-name
/// sentence embeddings: fused into text search).
public final class Indexer {
    public struct Options: Sendable {
        /// Remove items that are no longer in the catalog.
        public var prune = false
        public var showProgress = true
        /// Rewrite the vector files once this fraction of rows belongs to no item.
        public var compactionThreshold = 0.2
        /// Read and hash every image, even those the feature cache remembers unchanged (same size, times, inode).
        public var rehash = false

        public init(prune: Bool = false, showProgress: Bool = true) {
            self.prune = prune
            self.showProgress = showProgress
        }
    }

    public let model: ImageEmbeddingModel
    public let extractor: FeatureExtractor
    /// The model's fingerprint, computed once (it hashes all weights).
    public let modelIdentifier: String
    /// Makes the "bridge" vectors; nil when indexing without them (or into an index made without them).
    public private(set) var bridge: LabelBridge?

    /// `bridge` adds the "bridge" vector set; it needs a backbone with its ImageNet classifier.
    public init(model: ImageEmbeddingModel, extractor: FeatureExtractor, bridge: LabelBridge? = nil) throws {
        guard model.backboneIdentifier == extractor.backbone.identifier else {
            throw IndexingError("the model was trained on \(model.backboneIdentifier) features, the extractor runs \(extractor.backbone.identifier)")
        }
        guard ["max", "gem", "avg"].contains(model.pooling) else {
            throw IndexingError("the model asks for pooling '\(model.pooling)' (expected max, gem or avg)")
        }
        self.model = model
        self.extractor = extractor
        self.bridge = bridge
        modelIdentifier = model.identifier
    }

    /// The vector sets an index built by this indexer holds.
    public var vectorSets: [VectorSetSpec] {
        let channels = extractor.backbone.featureDimension
        return [VectorSetSpec(name: "joint", dimension: model.embeddingDimension),
                VectorSetSpec(name: "gem", dimension: channels), VectorSetSpec(name: "max", dimension: channels)]
            + (bridge.map { [VectorSetSpec(name: "bridge", dimension: $0.encoder.dimension)] } ?? [])
    }

    /// Opens (or creates) the index at `location` for this model. An index made before bridge
    /// vectors existed stays as it is: it is updated without them (`note` says so; text search
    /// then runs on the joint model alone). The image recipe (`imageRecipe`) is recorded in a new index;
    /// an index with items made under another recipe is refused (`IndexingError`).
    public func openStore(at location: IndexLocation, note: (String) -> Void = { _ in }) throws -> any IndexStoreProtocol {
        let store: any IndexStoreProtocol
        switch location {
        case .directory(let directory):
            if bridge != nil, let existing = try? SQLiteIndexStore.openForReading(at: directory),
               existing.modelIdentifier == modelIdentifier, !existing.vectorSets.contains(where: { $0.name == "bridge" }) {
                note("\(directory.path) was built without label-bridge vectors; updating it without them "
                     + "(index into a new directory to get the bridge in text search)")
                bridge = nil
            }
            store = try SQLiteIndexStore.openForWriting(at: directory, modelIdentifier: modelIdentifier, vectorSets: vectorSets)
        case .database(let url):
            if bridge != nil, let existing = try? PostgresIndexStore.openForReading(url),
               existing.modelIdentifier == modelIdentifier, !existing.vectorSets.contains(where: { $0.name == "bridge" }) {
                note("\(url) was built without label-bridge vectors; updating it without them")
                bridge = nil
            }
            store = try PostgresIndexStore.openForWriting(url, modelIdentifier: modelIdentifier, vectorSets: vectorSets,
                                                          textBridgeWeight: LabelBridge.defaultWeight)
        }
        try adoptImageRecipe(store)
        return store
    }

    /// Opens (or creates) the index directory `directory` for this model (the embedded store).
    public func openStore(at directory: URL, note: (String) -> Void = { _ in }) throws -> SQLiteIndexStore {
        try openStore(at: .directory(directory), note: note) as! SQLiteIndexStore
    }

    /// What this indexer does to an image before the CNN (the extractor's crop).
    public var imageRecipe: ImageRecipe { ImageRecipe(cropToContent: extractor.cropToContent) }

    /// Records the image recipe in an empty index; refuses to mix recipes in one that holds items, since its
    /// vectors and queries would no longer be comparable.
    private func adoptImageRecipe(_ store: any IndexStoreProtocol) throws {
        let recorded = try ImageRecipe.recorded(in: store)
        if recorded == imageRecipe, try store.setting(ImageRecipe.settingName) != nil { return }
        let isEmpty = try store.itemCount() == 0
        guard recorded == imageRecipe || isEmpty else {
            let flag = recorded == .cropToContent ? "pass --crop-to-content to update it" : "leave out --crop-to-content to update it"
            throw IndexingError("\(store.location) was indexed \(recorded.phrase); \(flag), "
                                + "or index into a new directory to use images \(imageRecipe.phrase)")
        }
        try imageRecipe.record(in: store)
    }

    // MARK: Indexing

    /// Brings `store` in line with `items` and returns what changed.
    public func index(_ items: [CatalogItem], into store: any IndexStoreProtocol, options: Options = Options()) throws -> IndexingSummary {
        let start = Date()
        try adoptImageRecipe(store)
        var summary = IndexingSummary()
        var seen = Set<String>()
        let catalog = items.filter { seen.insert($0.id).inserted }
        let stored = try storedItems(store)

        let hashes = hashImages(catalog, showProgress: options.showProgress, rehash: options.rehash)
        var work: [(item: CatalogItem, hash: String, isNew: Bool)] = []
        var metadataOnly: [ItemUpdate] = []
        var unreadable: [ItemUpdate] = []
        for (item, hash) in zip(catalog, hashes) {
            switch hash {
            case .failure(let error):
                unreadable.append(ItemUpdate(item: indexItem(item, hash: "", error: error.description), vectors: nil))
                summary.failures.append((item.id, error.description))
            case .success(let hash):
                guard let previous = stored[item.id], previous.item.contentHash == hash else {
                    work.append((item, hash, stored[item.id] == nil))
                    continue
                }
                let current = indexItem(item, hash: hash, error: previous.item.error, status: previous.item.status)
                if current == previous.item {
                    summary.unchanged += 1
                } else {
                    metadataOnly.append(ItemUpdate(item: current, vectors: previous.vectorRow == nil ? nil : try store.storedVectors(id: item.id)))
                    summary.updated += 1
                }
            }
        }
        try store.upsert(unreadable)
        summary.failed += unreadable.count
        try store.upsert(metadataOnly)

        let progress = ProgressBar("indexing", total: work.count, enabled: options.showProgress && !work.isEmpty)
        try extractor.extract(work.map { URL(fileURLWithPath: $0.item.image) }, contentHashes: work.map(\.hash), progress: progress) { batch in
            try store.upsert(try updates(for: batch, work: work, summary: &summary))
        }
        if !work.isEmpty { progress.finish() }

        if options.prune {
            let gone = stored.keys.filter { !seen.contains($0) }
            summary.pruned = try store.remove(ids: gone)
        }
        try store.compactIfWorthwhile(threshold: options.compactionThreshold)
        // Into the database file proper: a run's commits must not live on in a WAL, where one damaged frame drops
        // every later one.
        try store.checkpoint()
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    // MARK: Steps

    private func storedItems(_ store: any IndexStoreProtocol) throws -> [String: StoredItem] {
        var stored: [String: StoredItem] = [:]
        try store.forEachItem { stored[$0.item.id] = $0 }
        return stored
    }

    /// SHA-256 of every image (files the feature cache remembers unchanged are only stat'ed);
    /// an unreadable file is a failure for that item only.
    private func hashImages(_ items: [CatalogItem], showProgress: Bool, rehash: Bool) -> [Result<String, ImageError>] {
        let progress = ProgressBar("hashing", total: items.count, enabled: showProgress && items.count > 1000)
        let hasher = ContentHasher(cache: extractor.cache, threads: extractor.threads)
        var hashes: [Result<String, ImageError>] = []
        hashes.reserveCapacity(items.count)
        for start in stride(from: 0, to: items.count, by: 256) {
            let chunk = items[start..<min(start + 256, items.count)].map { URL(fileURLWithPath: $0.image) }
            hashes += hasher.hash(chunk, keepBytes: false, trustRemembered: !rehash).map { $0.map(\.contentHash) }
            progress.advance(by: chunk.count)
        }
        progress.finish()
        return hashes
    }

    /// Embeds the batch's features with the model and pairs every result with its item.
    private func updates(for batch: [(index: Int, result: FeatureResult)], work: [(item: CatalogItem, hash: String, isNew: Bool)],
                         summary: inout IndexingSummary) throws -> [ItemUpdate] {
        let encoded = batch.compactMap { entry -> (index: Int, features: ImageFeatures)? in
            guard case .success(let features) = entry.result else { return nil }
            return (entry.index, features)
        }
        var embeddings: Tensor?, bridgeVectors: Tensor?
        if !encoded.isEmpty {
            let pooled = encoded.flatMap { $0.features.features.pooled(model.pooling) }
            embeddings = model.embedImages(features: Tensor(shape: [encoded.count, pooled.count / encoded.count], data: pooled))
            if let bridge {
                let logits = encoded.flatMap { $0.features.features.logits ?? [] }
                guard logits.count == encoded.count * bridge.classNames.count else {
                    throw IndexingError("the label bridge needs the backbone's \(bridge.classNames.count) ImageNet logits per image "
                                        + "(\(extractor.backbone.identifier) gave none; index with --no-bridge)")
                }
                bridgeVectors = bridge.imageVectors(logits: Tensor(shape: [encoded.count, bridge.classNames.count], data: logits))
            }
        }
        let dimension = model.embeddingDimension, bridgeDimension = bridge?.encoder.dimension ?? 0
        var encodedRow = 0
        return batch.map { entry in
            let (item, hash, isNew) = work[entry.index]
            switch entry.result {
            case .failure(let error):
                summary.failed += 1
                summary.failures.append((item.id, error.description))
                return ItemUpdate(item: indexItem(item, hash: hash, error: error.description), vectors: nil)
            case .success(let features):
                defer { encodedRow += 1 }
                if isNew { summary.added += 1 } else { summary.updated += 1 }
                if features.fromCache { summary.fromCache += 1 }
                var vectors = ["joint": Array(embeddings!.data[(encodedRow * dimension)..<((encodedRow + 1) * dimension)]),
                               "gem": features.features.gemPooled, "max": features.features.maxPooled]
                if let bridgeVectors {
                    vectors["bridge"] = Array(bridgeVectors.data[(encodedRow * bridgeDimension)..<((encodedRow + 1) * bridgeDimension)])
                }
                // The store refuses NaN rows (one would poison every search): such an item fails, named, instead.
                if let set = vectors.keys.sorted().first(where: { vectors[$0]!.contains { !$0.isFinite } }) {
                    let reason = "the '\(set)' vector holds NaN or infinite values (a damaged model or backbone?)"
                    if isNew { summary.added -= 1 } else { summary.updated -= 1 }
                    summary.failed += 1
                    summary.failures.append((item.id, reason))
                    return ItemUpdate(item: indexItem(item, hash: hash, error: reason), vectors: nil)
                }
                return ItemUpdate(item: indexItem(item, hash: hash), vectors: vectors)
            }
        }
    }

    private func indexItem(_ item: CatalogItem, hash: String, error: String? = nil, status: IndexItem.Status? = nil) -> IndexItem {
        IndexItem(id: item.id, source: item.source, title: item.title, description: item.description, category: item.category,
                  group: item.group, image: item.image, contentHash: hash, status: status ?? (error == nil ? .ok : .failed), error: error)
    }
}
