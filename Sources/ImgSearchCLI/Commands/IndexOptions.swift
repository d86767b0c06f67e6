import ArgumentParser
import Foundation
import ImgSearchKit
import PostgresStore

/// Where `search` and `serve` find the index: a directory, or a PostgreSQL database (and its read replicas).
struct IndexOptions: ParsableArguments {
    @Option(help: "Index directory written by `imgsearch index`.")
    var index: String?

    @Option(help: "The index in PostgreSQL instead: postgres://user@host:port/database[?schema=NAME] (default: $IMGSEARCH_DATABASE_URL).")
    var database: String?

    @Option(name: .customLong("read-replica"), help: "A streaming replica of --database to send searches to (repeatable; they take turns).")
    var readReplicas: [String] = []

    @Option(help: "HNSW candidates per query (our graph's ef, pgvector's hnsw.ef_search): higher finds more of the true nearest, slower.")
    var ef: Int?

    func validate() throws {
        guard index == nil || database == nil else { throw ValidationError("give --index or --database, not both") }
        guard try IndexLocation.from(index: index, database: database) != nil else {
            throw ValidationError("give --index DIR or --database postgres://… (or set $\(DatabaseURL.environmentVariable))")
        }
        if !readReplicas.isEmpty, index != nil { throw ValidationError("--read-replica goes with --database") }
        if let ef, !(1...1000).contains(ef) { throw ValidationError("--ef must be in 1…1000") }
    }

    var location: IndexLocation { (try? IndexLocation.from(index: index, database: database)) ?? .directory(URL(fileURLWithPath: ".")) }

    /// Opens the search engine on the index, with `ef` applied to `options`.
    func engine(_ options: SearchEngine.Options) throws -> SearchEngine {
        var options = options
        if let ef { options.hnsw.efSearch = ef }
        let location = try IndexLocation.from(index: index, database: database)!
        return try SearchEngine(location, readReplicas: try readReplicas.map(DatabaseURL.init), options: options)
    }
}
