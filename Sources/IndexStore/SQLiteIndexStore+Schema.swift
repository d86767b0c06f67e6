import Foundation
import GRDB

// MARK: - Schema and opening

extension SQLiteIndexStore {
    static func openDatabase(_ directory: URL, readonly: Bool) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            // WAL + FULL: a committed transaction survives power loss, not just kill -9.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return try guarded(directory) {
            try DatabasePool(path: directory.appendingPathComponent(databaseName).path, configuration: configuration)
        }
    }

    /// Creates the tables on first use; returns the recorded model and vector sets.
    static func createSchema(_ db: Database, modelIdentifier: String, vectorSets: [VectorSetSpec]) throws -> (String, [VectorSetSpec]) {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS vector_sets (
                position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                dimension INTEGER NOT NULL CHECK (dimension > 0), checksum INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS items (
                id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
                category TEXT NOT NULL, group_name TEXT NOT NULL, image TEXT NOT NULL, content_hash TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,
                vector_row INTEGER UNIQUE, CHECK ((status = 'ok') = (vector_row IS NOT NULL)));
            """)
        if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_identifier'") == nil {
            for (key, value) in [("format", formatVersion), ("model_identifier", modelIdentifier), ("row_count", "0"), ("generation", "0")] {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
            for (position, set) in vectorSets.enumerated() {
                try db.execute(sql: "INSERT INTO vector_sets (position, name, dimension, checksum) VALUES (?, ?, ?, ?)",
                               arguments: [position, set.name, set.dimension, Int64(bitPattern: VectorChecksum.initial)])
            }
        }
        return try readHeader(db)
    }

    static func readHeader(_ db: Database) throws -> (String, [VectorSetSpec]) {
        guard let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'"),
              let model = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_identifier'") else {
            throw StoreError(.corrupt, file: databaseName, reason: "not an imgsearch index (no metadata)")
        }
        guard format == formatVersion else {
            throw StoreError(format < formatVersion ? .outdated : .corrupt, file: databaseName,
                             reason: "index format \(format), this build reads \(formatVersion) (format 1 checksummed with FNV-1a, which "
                                 + "misses some damage): delete the index directory and run imgsearch index again (cached features make it quick)")
        }
        let sets = try Row.fetchAll(db, sql: "SELECT name, dimension FROM vector_sets ORDER BY position")
            .map { VectorSetSpec(name: $0[0], dimension: $0[1]) }
        return (model, sets)
    }

    static func readState(_ db: Database) throws -> CommittedState {
        guard let rowCount = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'row_count'").flatMap({ Int($0) }),
              let generation = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'").flatMap({ Int($0) }),
              rowCount >= 0 else {
            throw StoreError(.corrupt, file: databaseName, reason: "row count or generation missing from the metadata")
        }
        var checksums: [String: UInt64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, checksum FROM vector_sets") {
            checksums[row[0]] = UInt64(bitPattern: row[1])
        }
        return CommittedState(rowCount: rowCount, generation: generation, checksums: checksums)
    }

    static func verify(_ directory: URL, recorded: (String, [VectorSetSpec]), asked: (String, [VectorSetSpec])) throws {
        guard recorded.0 == asked.0 else { throw mismatch(directory, recorded: recorded.0, asked: asked.0) }
        guard recorded.1 == asked.1 else {
            let describe = { (sets: [VectorSetSpec]) in sets.map { "\($0.name)[\($0.dimension)]" }.joined(separator: ", ") }
            throw StoreError(.invalidArgument, file: directory.path,
                             reason: "the index holds vector sets \(describe(recorded.1)), asked for \(describe(asked.1))")
        }
    }

    static func storedItem(_ row: Row) -> StoredItem {
        let item = IndexItem(
            id: row["id"], source: row["source"], title: row["title"], description: row["description"],
            category: row["category"], group: row["group_name"], image: row["image"], contentHash: row["content_hash"],
            status: IndexItem.Status(rawValue: row["status"]) ?? .failed, error: row["error"])
        return StoredItem(item: item, vectorRow: row["vector_row"])
    }

    // MARK: Vector files

    /// Opens (or creates) the current generation's files, cuts any torn tail, rewrites the
    /// headers from the committed state, and deletes files of other generations (leftovers of
    /// an interrupted compaction).
    func openVectorFilesForWriting() throws {
        for set in vectorSets {
            let url = vectorFileURL(set.name, generation: committed.generation)
            let header = VectorFileHeader(dimension: set.dimension, count: committed.rowCount,
                                          checksum: committed.checksums[set.name] ?? VectorChecksum.initial,
                                          modelIdentifier: modelIdentifier)
            let exists = FileManager.default.fileExists(atPath: url.path)
            guard exists || committed.rowCount == 0 else {
                throw StoreError(.corrupt, file: url.path, reason: "missing, but the index records \(committed.rowCount) rows")
            }
            let file = try VectorFile(url: url, create: exists ? nil : header, writable: true)
            let found = try file.readHeader()
            // Cutting the file to a store that lost commits would silently drop the rows it lost.
            let problems = headerProblems(found, set: set, state: committed, allowingStaleHeader: true)
            if !problems.isEmpty { throw StoreError(.corrupt, file: url.path, reason: problems.joined(separator: "; ")) }
            let needed = VectorFileHeader.size + committed.rowCount * set.dimension * MemoryLayout<Float>.size
            guard file.byteCount >= needed else {
                throw StoreError(.corrupt, file: url.path, reason: "holds \(file.byteCount) bytes, \(needed) needed for \(committed.rowCount) rows")
            }
            if file.byteCount > needed { try file.truncate(rows: committed.rowCount, dimension: set.dimension) }
            if found != header { try file.writeHeader(header); try file.sync() }
            files[set.name] = file
        }
        let current = Set(vectorSets.map { vectorFileURL($0.name, generation: committed.generation).lastPathComponent })
        let folder = directory.appendingPathComponent("vectors")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !current.contains(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
