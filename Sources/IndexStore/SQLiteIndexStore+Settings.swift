import Foundation
import GRDB

/// Named settings an index keeps beside its model identifier: how its vectors were made, so that the
/// readers of an index (search, the server) prepare queries the same way. Stored in the `meta` table
/// under `setting.<name>`, apart from the keys the store itself keeps there.
extension SQLiteIndexStore {
    /// The recorded value of setting `name`, nil when the index records none.
    public func setting(_ name: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: ["setting.\(name)"]) }
    }

    /// Records `value` for setting `name` (nil removes it), in one transaction.
    public func setSetting(_ name: String, to value: String?) throws {
        guard writable else { throw StoreError(.invalidArgument, file: directory.path, reason: "the index was opened read-only") }
        try Self.guarded(directory) {
            try database.write { db in
                if let value {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: ["setting.\(name)", value])
                } else {
                    try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: ["setting.\(name)"])
                }
            }
        }
    }
}
