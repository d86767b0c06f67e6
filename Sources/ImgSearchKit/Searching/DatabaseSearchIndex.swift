import Foundation
import IndexStore
import PostgresStore
import Search

/// Search over an index in PostgreSQL: pgvector ranks, in the same spaces as the embedded index (the fused text rows,
/// the whitened image features), so the same query gives the same items. Queries go to the read replicas in turn
/// when there are any (the primary when a replica fails), so more `serve` processes and replicas add query capacity;
/// items a concurrent `imgsearch index` commits are seen by the next query, on every machine.
final class DatabaseSearchIndex: SearchIndex, @unchecked Sendable {
    private let primary: PostgresIndexStore
    private let readers: [PostgresIndexStore]
    private let options: SearchEngine.Options
    private let turn = Locked(0)
    private let count = Locked((items: 0, read: Date.distantPast))

    init(database: DatabaseURL, readReplicas: [DatabaseURL], options: SearchEngine.Options) throws {
        do {
            let primary = try PostgresIndexStore.openForReading(database)
            readers = try readReplicas.map { try PostgresIndexStore.openForReading($0, expectedModelIdentifier: primary.modelIdentifier) }
            self.primary = primary
        } catch let error as StoreError {
            throw SearchEngineError(.noIndex, error.file, error.reason)
        }
        self.options = options
    }

    var location: String { primary.location }
    var modelIdentifier: String { primary.modelIdentifier }
    var recordedModelDirectory: URL? { (try? primary.metadata(DatabaseIndexing.modelDirectoryKey)).flatMap { $0 }.map { URL(fileURLWithPath: $0) } }
    var plotFile: URL? { nil }
    func setting(_ name: String) throws -> String? { try primary.setting(name) }

    /// Counted at most once per `refreshInterval` (a count of a large table is not free).
    var itemCount: Int {
        if Date().timeIntervalSince(count.value.read) < options.refreshInterval { return count.value.items }
        let items = (try? read { try $0.itemCount() }) ?? count.value.items
        count.value = (items, Date())
        return items
    }

    var usesApproximateSearch: Bool { scan(rows: itemCount) != .exact }

    var textBridgeWeight: Float? {
        guard options.bridgeWeight > 0, primary.textBridgeWeight != nil else { return nil }
        return options.bridgeWeight
    }

    func nearest(text query: [Float], k: Int) throws -> [SearchResult] {
        let scan = scan(rows: itemCount)
        return try read { try $0.nearestText(query, bridgeWeight: self.textBridgeWeight, k: k, scan: scan) }.map(SearchResult.init)
    }

    func nearest(image features: CachedFeatures, k: Int, jointEmbedding: () throws -> [Float]) throws -> [SearchResult] {
        switch options.imageSpace {
        case .joint:
            let query = try jointEmbedding()
            return try read { try $0.nearestByCosine("joint", query, k: k) }.map(SearchResult.init)
        case .raw:
            return try read { try $0.nearestByCosine("max", CosineSpace.vector(features.maxPooled), k: k) }.map(SearchResult.init)
        case .whitened:
            let scan = scan(rows: itemCount)
            return try read { store in
                guard let whitening = try store.currentWhitening() else {
                    return try store.nearestByCosine("max", CosineSpace.vector(features.maxPooled), k: k)
                }
                return try store.nearestWhitened(whitening.whitening.apply(features.gemPooled), whitening: whitening, k: k, scan: scan)
            }.map(SearchResult.init)
        }
    }

    func similar(id: String, k: Int) throws -> [SearchResult] {
        guard let stored = try read({ try $0.record(id: id) }) else { throw SearchEngineError(.unknownID, id, "no item with this id") }
        guard stored.status == .ok else {
            throw SearchEngineError(.invalidQuery, id, "the item has no vectors (its image failed to index: \(stored.error ?? "unknown"))")
        }
        let scan = scan(rows: itemCount)
        let found: [DatabaseHit] = try read { store in
            let whitening = self.options.imageSpace == .whitened ? try store.currentWhitening() : nil
            if let whitening {
                guard let vector = try store.storedVector(id: id, table: whitening.table, column: "v") else { return [] }
                return try store.nearestWhitened(vector, whitening: whitening, k: k + 1, scan: scan)
            }
            let set = self.options.imageSpace == .joint ? "joint" : "max"
            guard let vector = try store.storedVector(id: id, table: "item_vectors", column: set) else { return [] }
            return try store.nearestByCosine(set, CosineSpace.vector(vector), k: k + 1)
        }
        return found.filter { $0.id != id }.prefix(k).map(SearchResult.init)
    }

    func item(id: String) throws -> IndexItem? { try read { try $0.record(id: id) } }

    // MARK: Internals

    /// Exact below `approximateThreshold` items (as the embedded index), HNSW with `hnsw.ef_search` from the options above.
    private func scan(rows: Int) -> DatabaseScan {
        options.usesGraph(rows: rows) ? .approximate(efSearch: options.hnsw.efSearch) : .exact
    }

    /// Runs a read on the next replica in turn (on the primary when there is none, or when the replica fails).
    private func read<T>(_ body: (PostgresIndexStore) throws -> T) throws -> T {
        do {
            guard !readers.isEmpty else { return try body(primary) }
            let index = turn.update { next in defer { next &+= 1 }; return next % readers.count }
            do { return try body(readers[index]) } catch is StoreError { return try body(primary) }
        } catch let error as StoreError {
            throw SearchEngineError(.noIndex, location, error.reason)
        }
    }
}

extension SearchResult {
    init(_ hit: DatabaseHit) { self.init(id: hit.id, title: hit.title, image: hit.image, distance: hit.distance) }
}
