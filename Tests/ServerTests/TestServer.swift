import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import Server
import ServiceLifecycle
import XCTest

// MARK: - A real server on a free loopback port

/// Runs the server (port 0: the system picks a free port) for the duration of `body`, then
/// shuts it down gracefully, as SIGTERM would, and waits until it has stopped.
func withRunningServer<T>(
    _ backend: any SearchBackend,
    configuration: ServerConfiguration = ServerConfiguration(port: 0),
    _ body: (HTTPTestClient) async throws -> T
) async throws -> T {
    var logger = Logger(label: "imgsearch.server.test")
    logger.logLevel = .warning
    let (ports, portSink) = AsyncStream<Int>.makeStream()
    let app = try ImgSearchServer.makeApplication(backend: backend, configuration: configuration, logger: logger) { port in
        portSink.yield(port)
    }
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { portSink.finish() } // a server that fails to start ends the wait for its port
            try await services.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await tasks.waitForAll()
            throw ServerError(reason: "server stopped before it was listening")
        }
        let result: Result<T, Error>
        do { result = .success(try await body(HTTPTestClient(port: port))) } catch { result = .failure(error) }
        await services.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

// MARK: - A small HTTP client over URLSession

struct HTTPTestClient: Sendable {
    let port: Int
    let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data

        /// The body as a JSON object (fails the test when it is not one).
        func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: body)
            return try XCTUnwrap(object as? [String: Any], "body is not a JSON object: \(String(decoding: body, as: UTF8.self))", file: file, line: line)
        }

        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }

        /// The `results` of a search response as (id, distance) pairs.
        func hits() throws -> [(id: String, distance: Double)] {
            let results = try XCTUnwrap(try json()["results"] as? [[String: Any]])
            return try results.map { (try XCTUnwrap($0["id"] as? String), try XCTUnwrap($0["distance"] as? Double)) }
        }
    }

    func url(_ pathAndQuery: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(pathAndQuery)")! }

    func get(_ pathAndQuery: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send(pathAndQuery, method: "GET", headers: headers, body: nil)
    }

    func post(_ pathAndQuery: String, body: Data, contentType: String?) async throws -> Reply {
        try await send(pathAndQuery, method: "POST", headers: contentType.map { ["Content-Type": $0] } ?? [:], body: body)
    }

    /// A multipart/form-data body with one file field.
    static func multipart(field: String, filename: String, contentType: String, data: Data, boundary: String) -> Data {
        var body = Data("--\(boundary)\r\n".utf8)
        body.append(Data("Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--\(boundary)\r\n".utf8))
        body.append(Data("Content-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\n".utf8))
        body.append(Data("Content-Type: \(contentType)\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return body
    }

    private func send(_ pathAndQuery: String, method: String, headers: [String: String], body: Data?) async throws -> Reply {
        var request = URLRequest(url: url(pathAndQuery))
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try XCTUnwrap(response as? HTTPURLResponse)
        let fields = Dictionary(http.allHeaderFields.map { ("\($0.key)", "\($0.value)") }, uniquingKeysWith: { first, _ in first })
        return Reply(status: http.statusCode, headers: fields, body: data)
    }
}

// MARK: - Fixtures

/// Bytes that start like a PNG (the server sniffs magic numbers; the in-memory backend matches bytes).
func fakePNG(_ seed: UInt8) -> Data {
    Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data((0..<64).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) })
}

/// The id of fixture item `index`: one contains a slash and a space, as catalog ids that
/// default to an image path do.
func fixtureID(_ index: Int) -> String { index == 4 ? "images/blue shoe.png" : "item\(index)" }

/// A backend with nine items in three colour groups, its image files in a fresh temporary folder.
func makeFixtureBackend(plot: URL? = nil) throws -> (InMemoryBackend, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imgsearch-server-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let backend = InMemoryBackend(plot: plot)
    let titles = ["red dress", "red shoe", "red handbag", "blue dress", "blue shoe", "blue handbag",
                  "green dress", "green shoe", "green handbag"]
    for (index, title) in titles.enumerated() {
        try backend.add(id: fixtureID(index), title: title, imageBytes: fakePNG(UInt8(index)), in: directory)
    }
    return (backend, directory)
}
