import Foundation
import IndexStore
import JointEmbedding
import PostgresStore
import Search

/// What `imgsearch index` prepares in a PostgreSQL index after the items are stored, as it saves search files
/// beside an index directory: the model's location, the whitening of image search with its whitened rows, and
/// the HNSW indexes pgvector ranks with.
public enum DatabaseIndexing {
    static let modelDirectoryKey = "model_directory"

    /// Records where the model lives, so that `search` and `serve` need no `--model`.
    public static func recordModel(_ modelDirectory: URL, in store: PostgresIndexStore) throws {
        try store.setMetadata(modelDirectoryKey, modelDirectory.standardizedFileURL.path)
    }

    /// Fits the PCA whitening on the live GeM rows (as `WhiteningFile.refit` does for a directory) and stores it with
    /// every whitened row, in one transaction. Fewer than `minimumRows` items: no whitening (raw features), nil.
    @discardableResult
    public static func refitWhitening(_ store: PostgresIndexStore, dimension: Int = WhiteningFile.defaultDimension,
                                      minimumRows: Int = WhiteningFile.minimumRows) throws -> PCAWhitening? {
        let owners = try store.rowOwners()
        let gem = try store.vectors("gem")
        guard gem.count == owners.count else {
            throw StoreError(.database, file: store.location, reason: "the index changed while it was read (run imgsearch index --refit again)")
        }
        guard WhiteningFile.liveRows(owners) >= max(2, minimumRows) else {
            try store.replaceWhitening(nil, ids: [], rows: nil)
            return nil
        }
        let whitening = try WhiteningFile.fit(gem, owners: owners, dimension: dimension)
        try store.replaceWhitening(whitening, ids: owners.map { $0! }, rows: whitening.apply(gem))
        return whitening
    }

    /// Whether the stored whitening covers every encoded item (false after a run was killed before refitting).
    public static func whiteningIsUpToDate(_ store: PostgresIndexStore) throws -> Bool {
        try store.checkIntegrity().problems.isEmpty && (try store.currentWhitening() != nil || store.itemCountWithVectors() < WhiteningFile.minimumRows)
    }
}
