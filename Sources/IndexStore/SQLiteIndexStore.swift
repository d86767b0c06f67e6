import Foundation
import GRDB
import Search

/// The embedded index: one directory holding `index.sqlite` (items, metadata) and
/// `vectors/<set>.g<generation>.f32` (one append-only float32 file per vector set).
///
/// Why vector files rather than SQLite blobs: search maps a file straight into memory as one
/// contiguous row-major matrix (no copy, no per-row decoding, shared page cache between the
/// CLI and the server), while SQLite keeps what needs transactions. Crash safety comes from the
/// order of writes: vector rows are appended and fsynced first, then one SQLite transaction
/// records the items AND the new row count. The row count in SQLite is the truth: rows past it
/// are a torn tail (cut off at the next open), so a kill -9 at any moment loses at most the
/// uncommitted batch and never leaves an item pointing at a missing row. Rows of replaced or
/// removed items stay until `compact()` rewrites the files under a new generation, which one
/// SQLite transaction switches to atomically.
public final class SQLiteIndexStore: IndexStoreProtocol {
    public let directory: URL
    public let modelIdentifier: String
    public let vectorSets: [VectorSetSpec]
    let database: DatabasePool
    let writable: Bool
    /// Open vector files for writing, by set name (empty when read-only).
    var files: [String: VectorFile] = [:]
    /// The committed state as last written by this process (writers only).
    var committed: CommittedState

    struct CommittedState {
        var rowCount: Int
        var generation: Int
        var checksums: [String: UInt64]
    }

    static let databaseName = "index.sqlite"
    /// 2: vector files checksummed with XXH3 (version 2 files); 1 used FNV-1a and is not opened.
    static let formatVersion = "2"

    // MARK: Opening

    /// Opens the index in `directory` for indexing, creating it when it does not exist.
    /// Throws `.modelMismatch` when it was built by another model, `.invalidArgument` when its
    /// vector sets differ from `vectorSets`, `.io` when the directory is not writable.
    public static func openForWriting(at directory: URL, modelIdentifier: String,
                                      vectorSets: [VectorSetSpec]) throws -> SQLiteIndexStore {
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("vectors"), withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, file: directory.path, reason: "cannot create the index directory (\(error.localizedDescription))")
        }
        guard FileManager.default.isWritableFile(atPath: directory.path) else {
            throw StoreError(.io, file: directory.path, reason: "the index directory is not writable")
        }
        let database = try openDatabase(directory, readonly: false)
        let (model, sets) = try guarded(directory) {
            try database.write { db in try createSchema(db, modelIdentifier: modelIdentifier, vectorSets: vectorSets) }
        }
        try verify(directory, recorded: (model, sets), asked: (modelIdentifier, vectorSets))
        let store = try SQLiteIndexStore(directory: directory, database: database, modelIdentifier: model, vectorSets: sets, writable: true)
        try store.openVectorFilesForWriting()
        return store
    }

    /// Opens an existing index for searching. With `expectedModelIdentifier`, a different
    /// recorded model is a `.modelMismatch` error.
    public static func openForReading(at directory: URL, expectedModelIdentifier: String? = nil) throws -> SQLiteIndexStore {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(databaseName).path) else {
            throw StoreError(.invalidArgument, file: directory.path, reason: "no index here (run `imgsearch index` first)")
        }
        let database = try openDatabase(directory, readonly: true)
        let (model, sets) = try guarded(directory) { try database.read { db in try readHeader(db) } }
        if let expectedModelIdentifier, expectedModelIdentifier != model {
            throw mismatch(directory, recorded: model, asked: expectedModelIdentifier)
        }
        return try SQLiteIndexStore(directory: directory, database: database, modelIdentifier: model, vectorSets: sets, writable: false)
    }

    private init(directory: URL, database: DatabasePool, modelIdentifier: String, vectorSets: [VectorSetSpec], writable: Bool) throws {
        self.directory = directory
        self.database = database
        self.modelIdentifier = modelIdentifier
        self.vectorSets = vectorSets
        self.writable = writable
        committed = try Self.guarded(directory) { try database.read { db in try Self.readState(db) } }
    }

    deinit { ParkedDatabases.closeAndKeep(database) }

    func vectorFileURL(_ set: String, generation: Int) -> URL {
        directory.appendingPathComponent("vectors/\(set).g\(generation).f32")
    }

    // MARK: Reading

    public func item(id: String) throws -> StoredItem? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM items WHERE id = ?", arguments: [id]).map(Self.storedItem) }
    }

    public func forEachItem(_ body: (StoredItem) throws -> Void) throws {
        try read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM items ORDER BY id")
            while let row = try rows.next() { try body(Self.storedItem(row)) }
        }
    }

    public func itemCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items") ?? 0 }
    }

    public func contentHashes() throws -> [String: String] {
        try read { db in
            var hashes: [String: String] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, content_hash FROM items")
            while let row = try rows.next() { hashes[row[0]] = row[1] }
            return hashes
        }
    }

    public func vectors(_ set: String) throws -> VectorMatrix {
        guard let spec = vectorSets.first(where: { $0.name == set }) else {
            throw StoreError(.invalidArgument, file: directory.path,
                             reason: "no vector set '\(set)' (have \(vectorSets.map(\.name).joined(separator: ", ")))")
        }
        // The header rule of `--check`: a file the store no longer describes is refused, not searched. The header
        // is read before the state it is compared with: a writer updates it only after its commit, so a concurrent
        // run can make the header lag the state, never lead it.
        var state = try read { db in try Self.readState(db) }
        var url: URL, header: VectorFileHeader
        repeat {
            url = vectorFileURL(set, generation: state.generation)
            header = try VectorFile(url: url, writable: false).readHeader()
            let generation = state.generation
            state = try read { db in try Self.readState(db) }
            if state.generation == generation { break }  // else a compaction switched files meanwhile: again
        } while true
        let problems = headerProblems(header, set: spec, state: state, allowingStaleHeader: true)
        if !problems.isEmpty { throw StoreError(.corrupt, file: url.path, reason: problems.joined(separator: "; ")) }
        do {
            return try VectorMatrix(mappedFile: url, offset: VectorFileHeader.size, count: state.rowCount, dimension: spec.dimension)
        } catch {
            throw StoreError(.corrupt, file: url.path, reason: "cannot map \(state.rowCount) rows: \(error)")
        }
    }

    public func rowOwners() throws -> [String?] {
        try read { db in
            let rowCount = try Self.readState(db).rowCount
            var owners = [String?](repeating: nil, count: rowCount)
            let rows = try Row.fetchCursor(db, sql: "SELECT id, vector_row FROM items WHERE vector_row IS NOT NULL")
            while let row = try rows.next() {
                let index: Int = row[1]
                if index >= 0 && index < rowCount { owners[index] = row[0] }
            }
            return owners
        }
    }

    /// Rows no item references any more (left by updates and removals).
    public func orphanRowCount() throws -> Int {
        try read { db in
            let state = try Self.readState(db)
            let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE vector_row IS NOT NULL") ?? 0
            return state.rowCount - live
        }
    }

    // MARK: Database helpers

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.guarded(directory) { try database.read(body) }
    }

    /// Runs `body`, turning GRDB's errors into a `StoreError` naming the database (errors
    /// raised inside a transaction name it by its file name only: the full path is added here).
    static func guarded<T>(_ directory: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as StoreError {
            if error.file == databaseName { error.file = directory.appendingPathComponent(databaseName).path }
            throw error
        } catch {
            throw StoreError(.database, file: directory.appendingPathComponent(databaseName).path, reason: "\(error)")
        }
    }

    static func mismatch(_ directory: URL, recorded: String, asked: String) -> StoreError {
        StoreError(.modelMismatch, file: directory.path,
                   reason: "the index was built with model \(recorded), not \(asked); index into another directory or delete this one")
    }
}
