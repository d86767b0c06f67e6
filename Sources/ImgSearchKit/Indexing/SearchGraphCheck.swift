import Foundation
import IndexStore
import JointEmbedding
import Search

/// How well the saved HNSW search graph of an index agrees with exact search: recall@k of its
/// answers for a sample of the index's own rows as queries. Part of `imgsearch index --check`.
public enum SearchGraphCheck {
    public struct Result: Sendable, CustomStringConvertible {
        public var queries: Int
        public var k: Int
        /// Mean fraction of the exact top k that the graph also returns.
        public var recall: Double

        public var description: String { String(format: "search graph recall@%d = %.3f over %d queries", k, recall, queries) }
    }

    /// Recall@`k` of the graph text search uses with label-bridge weight `bridgeWeight`, or nil when
    /// no up-to-date graph is saved (`imgsearch index` builds it from 50,000 rows on, or the first approximate search).
    public static func measure(_ store: SQLiteIndexStore, bridgeWeight: Float = LabelBridge.defaultWeight,
                               sample: Int = 200, k: Int = 10) throws -> Result? {
        let text = try TextRows(store: store, joint: try store.vectors("joint"), bridgeWeight: bridgeWeight)
        let vectors = text.rows
        let file = IndexSnapshot.searchDirectory(store.directory).appendingPathComponent(text.graphFileName)
        guard vectors.count > k, PersistedGraph.savedRows(file, vectors: vectors) == vectors.count,
              let graph = PersistedGraph.load(file, vectors: vectors) else { return nil }
        let exact = ExactSearch(vectors)
        let queries = min(sample, vectors.count)
        var found = 0
        for q in 0..<queries {
            let query = vectors.rowArray(q * vectors.count / queries)
            let truth = Set(exact.search(query, k: k).map(\.index))
            found += graph.search(query, k: k).filter { truth.contains($0.index) }.count
        }
        return Result(queries: queries, k: k, recall: Double(found) / Double(queries * k))
    }
}
