import Foundation
import Search

// MARK: - Items

/// One catalog item as the index records it.
public struct IndexItem: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Encoded: the item has a vector row.
        case ok
        /// The image could not be read or decoded; `error` says why.
        case failed
    }

    public var id: String
    public var source: String
    public var title: String
    public var description: String
    public var category: String
    public var group: String
    /// Absolute path of the image file.
    public var image: String
    /// SHA-256 of the image file's bytes when the item was indexed.
    public var contentHash: String
    public var status: Status
    public var error: String?

    public init(id: String, source: String = "", title: String = "", description: String = "", category: String = "",
                group: String = "", image: String, contentHash: String, status: Status = .ok, error: String? = nil) {
        self.id = id; self.source = source; self.title = title; self.description = description
        self.category = category; self.group = group; self.image = image; self.contentHash = contentHash
        self.status = status; self.error = error
    }
}

/// An item with the row its vectors occupy in every vector set (nil for failed items).
public struct StoredItem: Sendable, Equatable {
    public var item: IndexItem
    public var vectorRow: Int?

    public init(item: IndexItem, vectorRow: Int?) {
        self.item = item
        self.vectorRow = vectorRow
    }
}

/// An item to write, with one row per vector set when it encoded (`vectors` nil when it failed).
public struct ItemUpdate: Sendable {
    public var item: IndexItem
    public var vectors: [String: [Float]]?

    public init(item: IndexItem, vectors: [String: [Float]]?) {
        self.item = item
        self.vectors = vectors
    }
}

extension Array where Element == ItemUpdate {
    /// The batch with each id once, its last update kept: a batch naming an id twice writes no row for the
    /// overwritten one.
    public var lastUpdatePerID: [ItemUpdate] {
        var lastIndex: [String: Int] = [:]
        for (index, update) in enumerated() { lastIndex[update.item.id] = index }
        return enumerated().filter { lastIndex[$0.element.item.id] == $0.offset }.map(\.element)
    }
}

/// A named family of vectors of one dimension, e.g. "joint" (the model's embedding) or "gem".
public struct VectorSetSpec: Sendable, Equatable, Hashable {
    public var name: String
    public var dimension: Int

    public init(name: String, dimension: Int) {
        self.name = name
        self.dimension = dimension
    }
}

// MARK: - Protocol

/// What indexing, search, the CLI and the server need from an index, whatever keeps it: the embedded
/// store (`SQLiteIndexStore`: SQLite + memory-mapped vector files in a directory) or a PostgreSQL + pgvector
/// database (`PostgresIndexStore`). Callers program against this protocol, as GRDB's callers do against
/// `DatabaseWriter`. Vectors are addressed by row; every vector set shares the rows.
public protocol IndexStoreProtocol: AnyObject {
    /// Where the index lives, for messages: a directory path or a database URL (without its password).
    var location: String { get }
    /// `JointModel.identifier` of the model whose embeddings the index holds.
    var modelIdentifier: String { get }
    /// The vector sets, in creation order.
    var vectorSets: [VectorSetSpec] { get }

    /// Inserts or replaces items atomically: all of the batch is stored, or none of it.
    func upsert(_ updates: [ItemUpdate]) throws
    /// Removes items (unknown ids are ignored); returns how many were removed.
    @discardableResult func remove(ids: [String]) throws -> Int

    /// The item with `id`, or nil.
    func item(id: String) throws -> StoredItem?
    /// Every item, ordered by id.
    func forEachItem(_ body: (StoredItem) throws -> Void) throws
    /// Number of items (ok and failed).
    func itemCount() throws -> Int
    /// id → content hash of every item: what incremental indexing compares against.
    func contentHashes() throws -> [String: String]
    /// The stored vectors of one item by set name; nil when it has none (unknown id, or its image failed).
    func storedVectors(id: String) throws -> [String: [Float]]?

    /// The committed rows of one vector set (memory-mapped where the backend allows).
    func vectors(_ set: String) throws -> VectorMatrix
    /// For each row of the vector sets, the id of the item that owns it (nil: a row left
    /// behind by an update or removal, to be skipped by search until compaction).
    func rowOwners() throws -> [String?]

    /// Reclaims the space of replaced and removed items once they make up `threshold` of the rows or more.
    func compactIfWorthwhile(threshold: Double) throws
    /// Verifies the stored index: counts, ids, vectors.
    func checkIntegrity() throws -> IntegrityReport

    /// A named setting recorded beside the model (how the index's vectors were made, where its images may be
    /// served from), nil when the index records none.
    func setting(_ name: String) throws -> String?
    /// Records `value` for setting `name`; nil removes it.
    func setSetting(_ name: String, to value: String?) throws
    /// Makes every committed write part of the store proper (the embedded store folds its WAL into the database
    /// file; a database server needs nothing).
    func checkpoint() throws
}
