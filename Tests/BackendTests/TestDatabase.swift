import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PostgresStore
import XCTest

/// The PostgreSQL server the tests run against: `make test` starts one (scripts/postgres.sh, from the pinned
/// pgserver wheel) and passes its URL in $IMGSEARCH_TEST_DATABASE_URL. Without it the PostgreSQL tests fail
/// rather than skip, so a CI run that could not start the server cannot pass.
enum TestDatabase {
    static let variable = "IMGSEARCH_TEST_DATABASE_URL"

    /// A URL of the test server with a schema of its own (`?schema=t_…`), so each test starts from an empty index.
    static func freshURL(file: StaticString = #filePath, line: UInt = #line) throws -> DatabaseURL {
        guard let base = ProcessInfo.processInfo.environment[variable], !base.isEmpty else {
            XCTFail("no test database: run `make test`, or start one with scripts/postgres.sh start and set \(variable)", file: file, line: line)
            throw XCTSkip("no test database")
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return try DatabaseURL(base + (base.contains("?") ? "&" : "?") + "schema=\(schema)")
    }

    /// Drops the schema a test made.
    static func drop(_ url: DatabaseURL) {
        guard let connections = try? Connections(url) else { return }
        _ = try? connections.execute("DROP SCHEMA IF EXISTS \"\(url.schema)\" CASCADE")
    }

    /// The repository (for scripts/postgres.sh).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    /// Runs scripts/postgres.sh with `arguments`; returns its status and output. Through system(3), which waits on
    /// its own child: Foundation's Process left this child unreaped (a zombie) after the server it started detached.
    @discardableResult
    static func script(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-sh-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let quoted = ([repository.appendingPathComponent("scripts/postgres.sh").path] + arguments).map { "'" + $0 + "'" }
        let status = system(quoted.joined(separator: " ") + " > '\(log.path)' 2>&1 < /dev/null")
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (status == 0 ? 0 : Int32((status >> 8) & 0xff), output)
    }
}
