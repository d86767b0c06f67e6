import Foundation
import Hummingbird
import NIOCore

// MARK: - JSON API and images

/// The routes of the REST API. Every route registered here is documented in Web/openapi.json
/// (ServerTests checks both directions).
struct SearchRoutes: Sendable {
    let backend: any SearchBackend
    let configuration: ServerConfiguration
    let openAPIDocument: Data

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/search") { request, _ in try await searchText(request) }
        router.post("/api/search/image") { request, _ in try await searchImage(request) }
        router.get("/api/similar/{id}") { request, context in try await similar(request, context) }
        router.get("/api/items/{id}") { _, context in try await item(context) }
        router.get("/images/{id}") { request, context in try await image(request, context) }
        router.get("/plot") { request, context in try await plot(request, context) }
        router.get("/healthz") { _, _ in try await health() }
        router.get("/openapi.json") { _, _ in openAPI() }
    }

    // MARK: Searches

    private func searchText(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request.uri.query)
        let text = (query["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError.badRequest("empty query: give the text to search for as ?q=…") }
        guard text.count <= 1000 else { throw APIError.badRequest("query longer than 1000 characters") }
        let k = try resultCount(query)
        return try await timed(QueryDescription(kind: .text, text: text, k: k)) {
            try await backend.search(text: text, k: k)
        }
    }

    private func searchImage(_ request: Request) async throws -> Response {
        let k = try resultCount(try QueryParameters(request.uri.query))
        let limit = configuration.maxUploadBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(.contentTooLarge, "upload of \(declared) bytes exceeds the limit of \(limit) bytes")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "upload exceeds the limit of \(limit) bytes")
        }
        let data = try ImageUpload.imageData(body: Data(body.readableBytesView), contentType: request.headers[.contentType])
        return try await timed(QueryDescription(kind: .image, k: k)) {
            try await backend.search(imageData: data, k: k)
        }
    }

    private func similar(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try itemID(fromPathSegment: context.parameters.get("id"))
        let k = try resultCount(try QueryParameters(request.uri.query))
        return try await timed(QueryDescription(kind: .similar, id: id, k: k)) {
            try await backend.similar(id: id, k: k)
        }
    }

    private func resultCount(_ query: QueryParameters) throws -> Int {
        try query.resultCount(fallback: configuration.defaultResultCount, maximum: configuration.maxResultCount)
    }

    private func timed(_ description: QueryDescription, _ search: () async throws -> [SearchHit]) async throws -> Response {
        let start = ContinuousClock.now
        let hits = try await search()
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        let results = hits.enumerated().map { ResultEntry(rank: $0.offset + 1, hit: $0.element) }
        return JSONBody.response(SearchResponse(query: description, results: results, elapsedMilliseconds: milliseconds),
                                 headers: [.cacheControl: "no-store"])
    }

    // MARK: Items and files

    private func item(_ context: BasicRequestContext) async throws -> Response {
        let id = try itemID(fromPathSegment: context.parameters.get("id"))
        guard let details = try await backend.item(id: id) else { throw APIError.notFound("no item with id '\(id)'") }
        return JSONBody.response(ItemResponse(details))
    }

    private func image(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try itemID(fromPathSegment: context.parameters.get("id"))
        guard let file = try await backend.imageFile(id: id) else { throw APIError.notFound("no item with id '\(id)'") }
        return try await StaticFile.response(for: file, request: request, context: context,
                                             cacheControl: "public, max-age=86400", content: .image)
    }

    private func plot(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let file = await backend.plotFile() else { throw APIError.notFound("this index has no embedding plot") }
        var response = try await StaticFile.response(for: file, request: request, context: context, cacheControl: "no-cache",
                                                    content: .anyType)
        // An SVG plot is a document: let it show its embedded thumbnails and styles, nothing else.
        response.headers[.contentSecurityPolicy] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        return response
    }

    // MARK: Service

    private func health() async throws -> Response {
        let plot = await backend.plotFile() == nil ? nil : Paths.plot
        return JSONBody.response(HealthResponse(items: await backend.itemCount, plot: plot),
                                 headers: [.cacheControl: "no-store"])
    }

    private func openAPI() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
    }
}
