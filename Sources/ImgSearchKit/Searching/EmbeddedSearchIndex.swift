import Foundation
import IndexStore
import Search

/// Search over an index directory: the vector files mapped into an `IndexSnapshot`, ranked by our exact scan or
/// HNSW graph. Items added by a concurrent `imgsearch index` appear within `refreshInterval`: the store's row and
/// item counts are checked and a new snapshot swapped in (its HNSW graph extended in place).
final class EmbeddedSearchIndex: SearchIndex, @unchecked Sendable {
    let directory: URL
    private let options: SearchEngine.Options
    private let store: SQLiteIndexStore
    private let lock = NSLock()
    private var current: IndexSnapshot
    private var lastRefresh = Date()

    init(directory: URL, options: SearchEngine.Options) throws {
        do {
            store = try SQLiteIndexStore.openForReading(at: directory)
        } catch {
            throw SearchEngineError(.noIndex, directory.path, "\(error)")
        }
        self.directory = directory
        self.options = options
        current = try IndexSnapshot(store: store, options: options, previous: nil)
    }

    var location: String { directory.path }
    var modelIdentifier: String { store.modelIdentifier }
    var recordedModelDirectory: URL? { ModelRecord.read(directory) }
    var itemCount: Int { snapshot().itemCount }
    var usesApproximateSearch: Bool { snapshot().textSearcher.isApproximate }
    var textBridgeWeight: Float? { snapshot().text.bridgeWeight }

    func setting(_ name: String) throws -> String? { try store.setting(name) }

    var plotFile: URL? {
        ["plot.svg", "plot.png"].map { directory.appendingPathComponent($0) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    func nearest(text query: [Float], k: Int) throws -> [SearchResult] {
        let snapshot = snapshot()
        guard query.count == snapshot.text.rows.dimension else {
            throw SearchEngineError(.modelMismatch, "", "text queries have \(query.count) dimensions, the index \(snapshot.text.rows.dimension)")
        }
        return try results(snapshot.textSearcher.search(query, k: k, owners: snapshot.owners, rowCount: snapshot.rowCount))
    }

    func nearest(image features: CachedFeatures, k: Int, jointEmbedding: () throws -> [Float]) throws -> [SearchResult] {
        let snapshot = snapshot()
        let space = try snapshot.imageSpace(options.imageSpace)
        let query: [Float]
        switch options.imageSpace {
        case .whitened: query = space.whitening?.apply(features.gemPooled) ?? CosineSpace.vector(features.maxPooled)
        case .raw: query = CosineSpace.vector(features.maxPooled)
        case .joint: query = try jointEmbedding()
        }
        guard query.count == space.vectors.dimension else {
            throw SearchEngineError(.invalidQuery, "", "the query has \(query.count) dimensions, the index \(space.vectors.dimension)")
        }
        return try results(space.searcher.search(query, k: k, owners: snapshot.owners, rowCount: snapshot.rowCount))
    }

    func similar(id: String, k: Int) throws -> [SearchResult] {
        let snapshot = snapshot()
        guard let stored = try storedItem(id) else { throw SearchEngineError(.unknownID, id, "no item with this id") }
        guard let row = stored.vectorRow, row < snapshot.rowCount else {
            throw SearchEngineError(.invalidQuery, id, "the item has no vectors (its image failed to index: \(stored.item.error ?? "unknown"))")
        }
        let space = try snapshot.imageSpace(options.imageSpace)
        let found = space.searcher.search(space.vectors.rowArray(row), k: k + 1, owners: snapshot.owners, rowCount: snapshot.rowCount)
        return try results(Array(found.filter { $0.id != id }.prefix(k)))
    }

    func item(id: String) throws -> IndexItem? { try storedItem(id)?.item }

    // MARK: Internals

    private func results(_ found: [(neighbor: Neighbor, id: String)]) throws -> [SearchResult] {
        try found.map { neighbor, id in
            let item = try storedItem(id)?.item
            return SearchResult(id: id, title: item?.title ?? "", image: item?.image ?? "", distance: neighbor.distance)
        }
    }

    private func storedItem(_ id: String) throws -> StoredItem? {
        do { return try store.item(id: id) } catch {
            throw SearchEngineError(.noIndex, directory.path, "\(error)")
        }
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
