import Foundation
import GRDB

// MARK: - Writing

extension SQLiteIndexStore {
    /// Appends the batch's vector rows, fsyncs them, then records the items and the new row
    /// count in one SQLite transaction. A crash before the commit leaves only an unreferenced
    /// tail; an error leaves the stored index exactly as it was.
    public func upsert(_ updates: [ItemUpdate]) throws {
        try requireWritable()
        let batch = updates.lastUpdatePerID
        guard !batch.isEmpty else { return }
        try validate(batch)

        let encoded = batch.filter { $0.item.status == .ok }
        let firstRow = committed.rowCount
        var checksums = committed.checksums
        for set in vectorSets where !encoded.isEmpty {
            let values = encoded.flatMap { $0.vectors![set.name]! }
            guard let file = files[set.name] else { continue }
            try file.writeRows(values, atRow: firstRow, dimension: set.dimension)
            try file.sync()
            checksums[set.name] = values.withUnsafeBufferPointer { VectorChecksum.extend(checksums[set.name]!, with: $0, dimension: set.dimension) }
        }
        let rowCount = firstRow + encoded.count
        try Self.guarded(directory) {
            try database.write { db in
                let insert = try db.makeStatement(sql: """
                    INSERT OR REPLACE INTO items (id, source, title, description, category, group_name, image,
                        content_hash, status, error, vector_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                var nextRow = firstRow
                for update in batch {
                    let item = update.item
                    var row: Int?
                    if item.status == .ok { row = nextRow; nextRow += 1 }
                    try insert.execute(arguments: [item.id, item.source, item.title, item.description, item.category, item.group,
                                                   item.image, item.contentHash, item.status.rawValue, item.error, row])
                }
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'row_count'", arguments: [String(rowCount)])
                for (name, checksum) in checksums {
                    try db.execute(sql: "UPDATE vector_sets SET checksum = ? WHERE name = ?", arguments: [Int64(bitPattern: checksum), name])
                }
            }
        }
        committed.rowCount = rowCount
        committed.checksums = checksums
        try refreshHeaders()
    }

    @discardableResult
    public func remove(ids: [String]) throws -> Int {
        try requireWritable()
        return try Self.guarded(directory) {
            try database.write { db in
                var removed = 0
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let chunk = Array(ids[start..<min(start + 500, ids.count)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    try db.execute(sql: "DELETE FROM items WHERE id IN (\(marks))", arguments: StatementArguments(chunk))
                    removed += db.changesCount
                }
                return removed
            }
        }
    }

    // MARK: Compaction

    /// Rewrites every vector file with only the rows items still reference, under a new
    /// generation, and switches to it in one transaction. Interrupted at any point, the index
    /// stays on the old generation; the next open deletes the half-written files.
    public func compact() throws {
        try requireWritable()
        let live = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, vector_row FROM items WHERE vector_row IS NOT NULL ORDER BY vector_row")
                .map { (id: $0[0] as String, row: $0[1] as Int) }
        }
        guard live.count < committed.rowCount else { return }
        let generation = committed.generation + 1
        var checksums: [String: UInt64] = [:]
        var newFiles: [String: VectorFile] = [:]
        for set in vectorSets {
            let url = vectorFileURL(set.name, generation: generation)
            try? FileManager.default.removeItem(at: url)
            let file = try VectorFile(url: url, create: VectorFileHeader(dimension: set.dimension, count: 0, checksum: VectorChecksum.initial,
                                                                         modelIdentifier: modelIdentifier), writable: true)
            var checksum = VectorChecksum.initial
            for start in stride(from: 0, to: live.count, by: 4096) {
                let chunk = live[start..<min(start + 4096, live.count)]
                var values: [Float] = []
                values.reserveCapacity(chunk.count * set.dimension)
                for entry in chunk { values += try files[set.name]!.readRows(entry.row..<entry.row + 1, dimension: set.dimension) }
                try file.writeRows(values, atRow: start, dimension: set.dimension)
                checksum = values.withUnsafeBufferPointer { VectorChecksum.extend(checksum, with: $0, dimension: set.dimension) }
            }
            try file.writeHeader(VectorFileHeader(dimension: set.dimension, count: live.count, checksum: checksum, modelIdentifier: modelIdentifier))
            try file.sync()
            checksums[set.name] = checksum
            newFiles[set.name] = file
        }
        try Self.guarded(directory) {
            try database.write { db in
                // Ascending order keeps vector_row unique at every step: each row only moves down.
                for (newRow, entry) in live.enumerated() where newRow != entry.row {
                    try db.execute(sql: "UPDATE items SET vector_row = ? WHERE id = ?", arguments: [newRow, entry.id])
                }
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'row_count'", arguments: [String(live.count)])
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'generation'", arguments: [String(generation)])
                for (name, checksum) in checksums {
                    try db.execute(sql: "UPDATE vector_sets SET checksum = ? WHERE name = ?", arguments: [Int64(bitPattern: checksum), name])
                }
            }
        }
        let oldGeneration = committed.generation
        committed = CommittedState(rowCount: live.count, generation: generation, checksums: checksums)
        files = newFiles
        for set in vectorSets { try? FileManager.default.removeItem(at: vectorFileURL(set.name, generation: oldGeneration)) }
    }

    // MARK: Helpers

    private func requireWritable() throws {
        guard writable else { throw StoreError(.invalidArgument, file: directory.path, reason: "the index was opened read-only") }
    }

    /// Every ok item carries one finite-sized row per vector set; failed items carry none.
    private func validate(_ batch: [ItemUpdate]) throws {
        for update in batch {
            switch update.item.status {
            case .failed:
                guard update.vectors == nil else {
                    throw StoreError(.invalidArgument, file: directory.path, reason: "item \(update.item.id) is failed but has vectors")
                }
            case .ok:
                guard let vectors = update.vectors else {
                    throw StoreError(.invalidArgument, file: directory.path, reason: "item \(update.item.id) is ok but has no vectors")
                }
                for set in vectorSets where vectors[set.name]?.count != set.dimension {
                    throw StoreError(.invalidArgument, file: directory.path,
                                     reason: "item \(update.item.id): vector set '\(set.name)' needs \(set.dimension) values, got \(vectors[set.name]?.count ?? 0)")
                }
                // One NaN row poisons every search over the set (and the whitening fitted on it): never stored.
                for set in vectorSets where vectors[set.name]!.contains(where: { !$0.isFinite }) {
                    throw StoreError(.nonFiniteVector, file: directory.path,
                                     reason: "item \(update.item.id): vector set '\(set.name)' holds NaN or infinite values")
                }
            }
        }
    }

    /// Copies the write-ahead log into the database file and empties it (`wal_checkpoint(TRUNCATE)`): the end of
    /// every indexing run, so committed items do not depend on a log that one damaged frame cuts short.
    public func checkpoint() throws {
        try requireWritable()
        try Self.guarded(directory) { try database.writeWithoutTransaction { try $0.checkpoint(.truncate) } }
    }

    /// Copies the committed count and checksums into the file headers (informational; not fsynced
    /// here because the next open repairs them from SQLite).
    private func refreshHeaders() throws {
        for set in vectorSets {
            try files[set.name]?.writeHeader(VectorFileHeader(dimension: set.dimension, count: committed.rowCount,
                                                              checksum: committed.checksums[set.name]!, modelIdentifier: modelIdentifier))
        }
    }
}
