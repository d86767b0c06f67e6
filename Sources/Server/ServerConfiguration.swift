import Foundation

/// Where the server listens and the limits it enforces on requests.
public struct ServerConfiguration: Sendable {
    /// Interface to bind: loopback by default, so an index is not exposed to the network by accident.
    public var host: String
    /// TCP port; 0 lets the system pick a free one (reported by `onServerRunning`).
    public var port: Int
    /// Largest accepted image upload in bytes (larger → 413).
    public var maxUploadBytes: Int
    /// Results per query when the request gives no `k`.
    public var defaultResultCount: Int
    /// Largest `k` a request may ask for (larger → 400).
    public var maxResultCount: Int
    /// When set, every request but `/healthz` must carry this key (`APIKeyMiddleware`), else 401.
    public var apiKey: String?

    /// True when `host` is a loopback address: only this machine can connect.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public init(host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 10 << 20,
                defaultResultCount: Int = 9, maxResultCount: Int = 100, apiKey: String? = nil) {
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.defaultResultCount = defaultResultCount
        self.maxResultCount = maxResultCount
        self.apiKey = apiKey
    }
}
