import Foundation
import HTTPTypes
import Hummingbird

// MARK: - An API key in front of everything

/// With `ServerConfiguration.apiKey` set, every request but `GET /healthz` must carry the key — as
/// `Authorization: Bearer KEY`, `X-API-Key: KEY`, the cookie `imgsearch_key`, or `?key=KEY` — else 401. A page
/// opened once as `/?key=KEY` gets the cookie (HttpOnly, SameSite=Strict), so the browser's own requests (the
/// API calls, `<img>` loads) carry it without the page knowing the key. Keys are compared in constant time.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String
    static var cookieName: String { "imgsearch_key" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        let fromQuery = (try? QueryParameters(request.uri.query))?["key"]
        let offered = [bearer(request), request.headers[.xAPIKey], cookie(request), fromQuery].compactMap { $0 }
        // Every offer is compared (no early exit on the first match), each in constant time.
        var accepted = false
        for candidate in offered where APIKeyCheck.equal(candidate, key) { accepted = true }
        guard accepted else {
            throw APIError(.unauthorized, offered.isEmpty ? "this server needs an API key (Authorization: Bearer KEY, or X-API-Key: KEY)"
                                                          : "wrong API key")
        }
        var response = try await next(request, context)
        if let fromQuery, APIKeyCheck.equal(fromQuery, key) {
            response.headers[.setCookie] = "\(Self.cookieName)=\(fromQuery); Path=/; HttpOnly; SameSite=Strict"
        }
        return response
    }

    private func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    private func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == Self.cookieName { return String(parts[1]) }
            }
        }
        return nil
    }
}

/// Key comparison for `APIKeyMiddleware`.
public enum APIKeyCheck {
    /// Equal strings, in time that depends only on their lengths (never on where they first differ).
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}

extension HTTPField.Name {
    static let xAPIKey = HTTPField.Name("X-API-Key")!
}
