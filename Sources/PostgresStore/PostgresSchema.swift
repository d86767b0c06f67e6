import Foundation
import IndexStore
import PostgresNIO

/// The tables of an index in PostgreSQL, created and migrated by the program. `schema_version` holds the version
/// the tables are at; each migration runs in one transaction under an advisory lock, so two processes opening a new
/// database at once do not both create it.
///
/// Every table is keyed by the item id, so a sharded PostgreSQL (Citus) can distribute all of them by `id`,
/// co-located, and a nearest-neighbour query (`ORDER BY v <-> q LIMIT k`) runs on each shard and is merged.
enum PostgresSchema {
    static let version = 1

    /// Statements of migration n (index n - 1). `S` is replaced by the quoted schema name.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE S.meta (key text PRIMARY KEY, value text NOT NULL)",
            """
            CREATE TABLE S.items (id text PRIMARY KEY, source text NOT NULL, title text NOT NULL, description text NOT NULL,
                category text NOT NULL, group_name text NOT NULL, image text NOT NULL, content_hash text NOT NULL,
                status text NOT NULL CHECK (status IN ('ok', 'failed')), error text)
            """,
            // One row per whitening fit; the whitened vectors live in a table made for its dimension (`whitened_N`).
            "CREATE TABLE S.whitening (id integer PRIMARY KEY CHECK (id = 1), fingerprint text NOT NULL, table_name text NOT NULL, data bytea NOT NULL)",
        ],
    ]

    /// Creates the schema or brings it to `version`; returns nothing, throws naming the database.
    static func migrate(_ connections: Connections) throws {
        let schema = quoted(connections.url.schema)
        try connections.transaction { connection in
            // Two processes creating the same new index: the second waits here, then finds it made.
            try connections.run(connection, "SELECT pg_advisory_xact_lock(hashtext(\(literal(connections.url.schema))))")
            try connections.run(connection, "CREATE SCHEMA IF NOT EXISTS \(schema)")
            try connections.run(connection, "CREATE TABLE IF NOT EXISTS \(schema).schema_version (version integer NOT NULL)")
            let found = try connections.run(connection, "SELECT version FROM \(schema).schema_version")
            let current = try found.first.map { try $0[0].decode(Int.self) } ?? 0
            guard current <= version else {
                throw StoreError(.corrupt, file: connections.url.description,
                                 reason: "the tables are at schema version \(current); this build knows up to \(version) (upgrade imgsearch)")
            }
            for step in current..<version {
                for statement in migrations[step] {
                    try connections.run(connection, statement.replacingOccurrences(of: "S.", with: "\(schema)."))
                }
            }
            if current == 0 {
                try connections.run(connection, "INSERT INTO \(schema).schema_version VALUES (\(version))")
            } else if current < version {
                try connections.run(connection, "UPDATE \(schema).schema_version SET version = \(version)")
            }
        }
    }

    /// Makes sure pgvector is there: created when this user may, else a clear error.
    static func requireVectorExtension(_ connections: Connections) throws {
        let rows = try connections.run("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        if !rows.isEmpty { return }
        do {
            try connections.run("CREATE EXTENSION IF NOT EXISTS vector")
        } catch let error as StoreError {
            throw StoreError(.database, file: connections.url.description,
                             reason: "pgvector is not installed in this database and cannot be created here (\(error.reason)); "
                             + "run CREATE EXTENSION vector as a superuser, or use scripts/postgres.sh")
        }
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
