import Foundation
import IndexStore
import PostgresStore

/// Where an index lives: a directory (the embedded store: SQLite + memory-mapped vector files) or a PostgreSQL
/// database with pgvector (`postgres://…`).
public enum IndexLocation: Sendable, CustomStringConvertible {
    case directory(URL)
    case database(DatabaseURL)

    /// From the command line: `--index DIR` or `--database URL`, else the URL in $IMGSEARCH_DATABASE_URL.
    /// Nil when none is given.
    public static func from(index: String?, database: String?,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> IndexLocation? {
        if let index { return .directory(URL(fileURLWithPath: index)) }
        guard let url = database ?? environment[DatabaseURL.environmentVariable], !url.isEmpty else { return nil }
        return .database(try DatabaseURL(url))
    }

    public var description: String {
        switch self {
        case .directory(let url): return url.path
        case .database(let url): return url.description
        }
    }
}
