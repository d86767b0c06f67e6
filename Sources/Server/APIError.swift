import Foundation
import Hummingbird
import NIOCore

// MARK: - Errors as JSON

/// A client-facing API failure: an HTTP status and a message, sent as `{"error": "…"}`.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(ErrorBody(error: message), status: status, headers: [.cacheControl: "no-store"])
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
}

struct ErrorBody: Codable { var error: String }

// MARK: - Middleware

/// Turns every error escaping a route (ours, Hummingbird's, the backend's) into a JSON error
/// response, so clients only ever see `{"error": …}` with a meaningful status. A server fault (500) is
/// logged in full under a request id; the client gets a short message with that id, never a path or an
/// internal error text.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as SearchBackendError {
            if case .imageUnavailable(_, let detail) = error {
                context.logger.warning("image not served", metadata: ["path": "\(request.uri.path)", "reason": "\(detail)"])
            }
            throw APIError(error)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "request body too large")
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, error.status.reasonPhrase)
        } catch {
            let requestID = RequestID.make()
            context.logger.error("request failed", metadata: ["request": "\(requestID)", "path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, "internal error (request \(requestID); the server log has the details)")
        }
    }
}

/// Short random ids that tie a 500 answer to its line in the server log.
enum RequestID {
    static func make() -> String {
        String((0..<12).map { _ in "0123456789abcdef".randomElement()! })
    }
}

extension APIError {
    /// The status each backend failure deserves.
    init(_ error: SearchBackendError) {
        switch error {
        case .unknownItem: self.init(.notFound, error.description)
        case .notAnImage: self.init(.unsupportedMediaType, error.description)
        case .invalidQuery: self.init(.badRequest, error.description)
        case .imageUnavailable: self.init(.notFound, error.description)
        }
    }
}

// MARK: - JSON responses

enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        // Encoding our own plain structs cannot fail; a failure would be a programming error.
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"response encoding failed"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
