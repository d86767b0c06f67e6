import Foundation
import IndexStore
import Search

/// The HNSW graph of text search, brought up to date by `imgsearch index` when the index is large enough for
/// approximate search, so that `search` and `serve` open it instead of building it: single-threaded insertion
/// takes minutes at a million rows, which belongs to indexing, not to a server's start or a user's first query.
public enum SearchGraphFile {
    public struct Update: Sendable {
        /// Rows the saved graph holds.
        public var rows: Int
        /// Rows linked by this update (all of them when the graph was built afresh).
        public var linked: Int
    }

    /// Loads the saved graph (linking rows added since) or builds one, and saves it; nil when `options` search
    /// this index exactly (below `approximateThreshold` rows, or `method` exact).
    public static func update(indexDirectory: URL, options: SearchEngine.Options = .init()) throws -> Update? {
        let store = try SQLiteIndexStore.openForReading(at: indexDirectory)
        let joint = try store.vectors("joint")
        guard options.usesGraph(rows: joint.count) else { return nil }
        let text = try TextRows(store: store, joint: joint, bridgeWeight: options.bridgeWeight)
        let file = IndexSnapshot.searchDirectory(indexDirectory).appendingPathComponent(text.graphFileName)
        let before = PersistedGraph.savedRows(file, vectors: text.rows) ?? 0
        if before == text.rows.count { return Update(rows: before, linked: 0) }  // up to date: not even read
        let graph = IndexSnapshot.graph(for: text, store: store, options: options, previous: nil)
        return Update(rows: graph.count, linked: graph.count - before)
    }
}
