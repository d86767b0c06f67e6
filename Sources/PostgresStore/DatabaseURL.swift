import Foundation
import IndexStore

/// A PostgreSQL address as `--database` and `IMGSEARCH_DATABASE_URL` give it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require&schema=NAME]`.
/// The tables live in the schema `schema` (default `imgsearch`), so one database can hold several indexes
/// beside other data.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var schema: String
    public var tls: TLSMode

    /// The environment variable `--database` defaults to.
    public static let environmentVariable = "IMGSEARCH_DATABASE_URL"

    public init(_ text: String) throws {
        func bad(_ reason: String) -> StoreError {
            StoreError(.invalidArgument, file: Self.redacted(text), reason: reason)
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw bad("not a URL (expected postgres://user@host:port/database)")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw bad("scheme '\(scheme)' is not postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("no host (expected postgres://user@host:port/database)") }
        self.host = host
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        user = components.user.flatMap { $0.removingPercentEncoding } ?? NSUserName()
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        schema = "imgsearch"
        tls = .disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw bad("sslmode '\(item.value ?? "")' is not one of disable, prefer, require")
                }
                tls = mode
            case "schema":
                guard let name = item.value, name.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
                    throw bad("schema '\(item.value ?? "")' must be a lower-case SQL name (letters, digits, _)")
                }
                schema = name
            default:
                throw bad("unknown parameter '\(item.name)' (known: sslmode, schema)")
            }
        }
    }

    /// The URL without its password, for messages.
    public var description: String {
        var text = "postgres://\(user)@\(host):\(port)/\(database)"
        if schema != "imgsearch" { text += "?schema=\(schema)" }
        return text
    }

    /// Whether `text` names a database rather than a directory.
    public static func isDatabaseURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    static func redacted(_ text: String) -> String {
        text.replacingOccurrences(of: #"(://[^:@/]*):[^@/]*@"#, with: "$1:***@", options: .regularExpression)
    }
}
