import Foundation
import GRDB

/// The content hashes of files already read, by path and `FileFingerprint`: a re-run over an
/// unchanged collection stats each image instead of reading and hashing all of its bytes.
extension FeatureCache {
    static let fileHashesSchema = """
        CREATE TABLE IF NOT EXISTS file_hashes (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            modified_ns INTEGER NOT NULL,
            changed_ns INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            content_hash TEXT NOT NULL
        ) WITHOUT ROWID
        """

    /// The remembered hash of each file whose fingerprint still matches, by path.
    public func contentHashes(of files: [(path: String, fingerprint: FileFingerprint)]) throws -> [String: String] {
        var found: [String: String] = [:]
        let expected = Dictionary(files.map { ($0.path, $0.fingerprint) }, uniquingKeysWith: { first, _ in first })
        try wrap {
            try database.read { db in
                let paths = Array(expected.keys)
                for start in stride(from: 0, to: paths.count, by: 500) {
                    let chunk = Array(paths[start..<min(start + 500, paths.count)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let rows = try Row.fetchCursor(db, sql: """
                        SELECT path, size, modified_ns, changed_ns, inode, content_hash FROM file_hashes WHERE path IN (\(marks))
                        """, arguments: StatementArguments(chunk))
                    while let row = try rows.next() {
                        let path: String = row[0]
                        let stored = FileFingerprint(size: row[1], modifiedNanoseconds: row[2], changedNanoseconds: row[3],
                                                     inode: UInt64(bitPattern: row[4] as Int64))
                        if stored == expected[path] { found[path] = row[5] }
                    }
                }
            }
        }
        return found
    }

    /// Remembers (or replaces) the hashes of files just read.
    public func remember(_ files: [(path: String, fingerprint: FileFingerprint, contentHash: String)]) throws {
        guard !files.isEmpty else { return }
        try wrap {
            try database.write { db in
                for file in files {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO file_hashes (path, size, modified_ns, changed_ns, inode, content_hash)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [file.path, file.fingerprint.size, file.fingerprint.modifiedNanoseconds,
                                         file.fingerprint.changedNanoseconds, Int64(bitPattern: file.fingerprint.inode),
                                         file.contentHash])
                }
            }
        }
    }
}
