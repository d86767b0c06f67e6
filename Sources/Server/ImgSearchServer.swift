import Foundation
import Hummingbird
import Logging

// MARK: - Assembling the server

/// The `imgsearch serve` HTTP server: the JSON API over a `SearchBackend` plus the web page.
///
/// ```swift
/// let app = try ImgSearchServer.makeApplication(backend: engine, configuration: .init(port: 8080))
/// try await app.runService()   // until SIGINT/SIGTERM, then a graceful shutdown
/// ```
public enum ImgSearchServer {
    /// The router with every API route, JSON errors, and the static web page as a fallback.
    public static func makeRouter(backend: any SearchBackend, configuration: ServerConfiguration,
                                  logger: Logger = Logger(label: "imgsearch.server")) throws -> Router<BasicRequestContext> {
        let web = try webDirectory()
        let openAPI = try Data(contentsOf: web.appendingPathComponent("openapi.json"))
        let router = Router()
        // Middleware applies to routes added after it: errors first, so it also wraps the file fallback.
        router.add(middleware: JSONErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        router.add(middleware: FileMiddleware(web.path, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true,
                                              logger: logger))
        SearchRoutes(backend: backend, configuration: configuration, openAPIDocument: openAPI).register(on: router)
        return router
    }

    /// A ServiceLifecycle service serving `makeRouter` on `configuration.host:port`.
    /// `onServerRunning` receives the bound port (useful with port 0).
    public static func makeApplication(
        backend: any SearchBackend,
        configuration: ServerConfiguration,
        logger: Logger = Logger(label: "imgsearch.server"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = try makeRouter(backend: backend, configuration: configuration, logger: logger)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "imgsearch"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }

    /// The folder of the web page (index.html, app.js, style.css, openapi.json), a resource of this module.
    public static func webDirectory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Web", withExtension: nil) else {
            throw ServerError(reason: "the Web resource folder of the Server module is missing next to the executable")
        }
        return url
    }
}

/// A failure to set the server up (as opposed to a request failure, which is an `APIError`).
public struct ServerError: Error, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "server: \(reason)" }
}
