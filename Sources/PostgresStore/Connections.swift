import Foundation
import IndexStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// A small pool of connections to one PostgreSQL server, used synchronously: the pipelines of imgsearch are
/// synchronous, so every call waits on an event-loop future (never on the Swift concurrency pool, which a
/// server's request handlers may fill). A connection that failed is dropped, not returned to the pool.
public final class Connections: @unchecked Sendable {
    public let url: DatabaseURL
    private let configuration: PostgresConnection.Configuration
    private let lock = NSLock()
    private var idle: [Connection] = []
    private var nextID = 0
    private static let logger = Logger(label: "imgsearch.postgres")

    /// One open connection, and the settings already sent on it.
    final class Connection {
        let raw: PostgresConnection
        /// `hnsw.ef_search` as last set on this connection (it lasts as long as the connection).
        var efSearch: Int?
        init(_ raw: PostgresConnection) { self.raw = raw }
    }

    public init(_ url: DatabaseURL) throws {
        self.url = url
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                             password: url.password, database: url.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    deinit {
        for connection in idle { _ = connection.raw.close() as EventLoopFuture<Void> }
    }

    // MARK: Running statements

    /// Runs `body` on a pooled connection; a connection that failed is closed instead of pooled.
    func with<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let result = try body(connection)
            checkIn(connection)
            return result
        } catch {
            if connection.raw.isClosed { _ = connection.raw.close() as EventLoopFuture<Void> } else { checkIn(connection) }
            throw error
        }
    }

    /// `body` inside BEGIN … COMMIT (ROLLBACK when it throws): all of it is stored, or none.
    func transaction<T>(_ body: (Connection) throws -> T) throws -> T {
        try with { connection in
            try run(connection, "BEGIN")
            do {
                let result = try body(connection)
                try run(connection, "COMMIT")
                return result
            } catch {
                _ = try? run(connection, "ROLLBACK")
                throw error
            }
        }
    }

    /// The rows of one statement.
    @discardableResult
    func run(_ connection: Connection, _ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> [PostgresRandomAccessRow] {
        do {
            return try connection.raw.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: Self.logger).wait()
                .map(PostgresRandomAccessRow.init)
        } catch {
            throw describe(error)
        }
    }

    /// The rows of one statement on any pooled connection.
    @discardableResult
    func run(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> [PostgresRandomAccessRow] {
        try with { try run($0, sql, binds) }
    }

    // MARK: The pool

    private func checkOut() throws -> Connection {
        lock.lock()
        if let connection = idle.popLast() {
            lock.unlock()
            if !connection.raw.isClosed { return connection }
            return try checkOut()
        }
        nextID += 1
        let id = nextID
        lock.unlock()
        do {
            let raw = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                                     id: id, logger: Self.logger).wait()
            return Connection(raw)
        } catch {
            throw describe(error)
        }
    }

    private func checkIn(_ connection: Connection) {
        lock.lock()
        defer { lock.unlock() }
        if idle.count < 32 { idle.append(connection) } else { _ = connection.raw.close() as EventLoopFuture<Void> }
    }

    // MARK: Errors

    /// A `StoreError` naming the server and what went wrong, in words (PostgresNIO's own description hides both).
    func describe(_ error: Error) -> StoreError {
        if let error = error as? StoreError { return error }
        let place = "\(url.host):\(url.port)"
        guard let error = error as? PSQLError else {
            return StoreError(.database, file: url.description, reason: "\(error)")
        }
        let reason: String
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "an error"
            let state = error.serverInfo?[.sqlState] ?? ""
            switch state {
            case "3D000": reason = "the server at \(place) says: \(message) (create it, or name another database in the URL)"
            case "28P01", "28000": reason = "the server at \(place) refused the login: \(message)"
            case "57P01", "57P02", "57P03": reason = "the server at \(place) is shutting down or starting up: \(message)"
            default:
                let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
                reason = "the server at \(place) says: \(message)\(detail)"
            }
        case .connectionError:
            let underlying = error.underlying.map { "\($0)" } ?? "unknown"
            if underlying.localizedCaseInsensitiveContains("refused") {
                reason = "cannot connect to \(place): connection refused (is the server running and listening there?)"
            } else if underlying.localizedCaseInsensitiveContains("dns") || underlying.localizedCaseInsensitiveContains("resolve") {
                reason = "cannot connect: the host name '\(url.host)' does not resolve"
            } else if underlying.localizedCaseInsensitiveContains("timeout") || underlying.localizedCaseInsensitiveContains("timed out") {
                reason = "cannot connect to \(place): no answer within 10 s"
            } else {
                reason = "cannot connect to \(place): \(underlying)"
            }
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            reason = "the connection to \(place) was closed (the server stopped or restarted)"
        case .sslUnsupported:
            reason = "the server at \(place) does not offer TLS (use sslmode=disable or prefer)"
        case .authMechanismRequiresPassword:
            reason = "the server at \(place) asks for a password: put it in the URL (postgres://user:password@…)"
        case .unsupportedAuthMechanism:
            reason = "the server at \(place) asks for an authentication method this client does not speak"
        default:
            reason = "\(place): \(String(reflecting: error))"
        }
        return StoreError(.database, file: url.description, reason: reason)
    }
}

extension Connections {
    /// Runs one statement that returns no rows of interest (administration: schemas, settings).
    public func execute(_ sql: String) throws { try run(sql) }
}

extension Connections {
    /// The rows of one statement (for tools and tests that read the tables directly).
    public func rows(_ sql: String) throws -> [PostgresRandomAccessRow] { try run(sql) }
}
