import Foundation
import GRDB

/// Pooled backbone features of one image, as cached: each pooled vector has the backbone's
/// channel count C; `logits` are the 1000 ImageNet scores when the backbone has a head.
public struct CachedFeatures: Sendable, Equatable {
    public var maxPooled: [Float]
    public var gemPooled: [Float]
    public var avgPooled: [Float]
    public var logits: [Float]?

    public init(maxPooled: [Float], gemPooled: [Float], avgPooled: [Float], logits: [Float]?) {
        self.maxPooled = maxPooled
        self.gemPooled = gemPooled
        self.avgPooled = avgPooled
        self.logits = logits
    }

    /// The pooled vector a model's config names: "gem", "avg", else max (`JointModelConfig.pooling`).
    public func pooled(_ pooling: String) -> [Float] {
        pooling == "gem" ? gemPooled : pooling == "avg" ? avgPooled : maxPooled
    }
}

/// A persistent cache of backbone features keyed by (SHA-256 of the image file's bytes,
/// backbone key), so that retraining the heads or re-indexing never runs the CNN twice over
/// the same image. One SQLite database (WAL: readers never block the writer, and a
/// training run and an indexing run may share it) with float32 blobs.
///
/// The backbone key names the network AND its pooling (e.g. "efficientnet-lite0/max,gem3,avg"):
/// features of another pooling must never be served from the cache.
public final class FeatureCache: @unchecked Sendable {
    /// The directory the database lives in.
    public let directory: URL
    let database: DatabasePool

    /// `$IMGSEARCH_CACHE` when set, else `~/.cache/imgsearch/features`.
    public static var defaultDirectory: URL {
        if let custom = ProcessInfo.processInfo.environment["IMGSEARCH_CACHE"], !custom.isEmpty {
            return URL(fileURLWithPath: custom, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/imgsearch/features", isDirectory: true)
    }

    /// Opens (creating when needed) the cache in `directory` (default: `defaultDirectory`).
    public init(directory: URL? = nil) throws {
        let directory = directory ?? Self.defaultDirectory
        self.directory = directory
        let path = directory.appendingPathComponent("features.sqlite").path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, file: directory.path, reason: "cannot create the feature cache directory (\(error.localizedDescription))")
        }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            database = try DatabasePool(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS features (
                        content_hash TEXT NOT NULL,
                        backbone TEXT NOT NULL,
                        max_pooled BLOB NOT NULL,
                        gem_pooled BLOB NOT NULL,
                        avg_pooled BLOB NOT NULL,
                        logits BLOB,
                        PRIMARY KEY (content_hash, backbone)
                    ) WITHOUT ROWID
                    """)
                try db.execute(sql: Self.fileHashesSchema)
            }
        } catch {
            throw StoreError(.database, file: path, reason: "cannot open the feature cache: \(error)")
        }
    }

    deinit { ParkedDatabases.closeAndKeep(database) }

    // MARK: Reading

    /// The cached features of the given content hashes (absent hashes are missing from the result).
    public func features(contentHashes: [String], backbone: String) throws -> [String: CachedFeatures] {
        var found: [String: CachedFeatures] = [:]
        try wrap {
            try database.read { db in
                // SQLite limits bound parameters; 500 per statement stays far below it.
                for start in stride(from: 0, to: contentHashes.count, by: 500) {
                    let chunk = Array(contentHashes[start..<min(start + 500, contentHashes.count)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let rows = try Row.fetchCursor(db, sql: """
                        SELECT content_hash, max_pooled, gem_pooled, avg_pooled, logits FROM features
                        WHERE backbone = ? AND content_hash IN (\(marks))
                        """, arguments: StatementArguments([backbone] + chunk))
                    while let row = try rows.next() {
                        let hash: String = row[0]
                        if let features = Self.decode(row) { found[hash] = features }
                    }
                }
            }
        }
        return found
    }

    /// The cached features of one image, or nil.
    public func features(contentHash: String, backbone: String) throws -> CachedFeatures? {
        try features(contentHashes: [contentHash], backbone: backbone)[contentHash]
    }

    /// Number of cached images for `backbone` (all backbones when nil).
    public func count(backbone: String? = nil) throws -> Int {
        try wrap {
            try database.read { db in
                if let backbone {
                    return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM features WHERE backbone = ?", arguments: [backbone]) ?? 0
                }
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM features") ?? 0
            }
        }
    }

    // MARK: Writing

    /// Stores (or replaces) the features of several images in one transaction.
    public func store(_ entries: [(contentHash: String, features: CachedFeatures)], backbone: String) throws {
        guard !entries.isEmpty else { return }
        try wrap {
            try database.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT OR REPLACE INTO features (content_hash, backbone, max_pooled, gem_pooled, avg_pooled, logits)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for (hash, features) in entries {
                    try statement.execute(arguments: [
                        hash, backbone,
                        FloatBlob.data(features.maxPooled), FloatBlob.data(features.gemPooled),
                        FloatBlob.data(features.avgPooled), features.logits.map(FloatBlob.data),
                    ])
                }
            }
        }
    }

    // MARK: Internals

    private static func decode(_ row: Row) -> CachedFeatures? {
        guard let maxPooled = FloatBlob.floats(row[1]), let gemPooled = FloatBlob.floats(row[2]),
              let avgPooled = FloatBlob.floats(row[3]) else { return nil }
        let logits = (row[4] as Data?).flatMap(FloatBlob.floats)
        return CachedFeatures(maxPooled: maxPooled, gemPooled: gemPooled, avgPooled: avgPooled, logits: logits)
    }

    /// Runs a database operation, turning GRDB's errors into a `StoreError` naming the cache file.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, file: database.path, reason: "\(error)")
        }
    }
}
