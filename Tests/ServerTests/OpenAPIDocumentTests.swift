import Foundation
import Hummingbird
import Server
import XCTest

/// The OpenAPI document matches the router: every route documented, every documented route real.
final class OpenAPIDocumentTests: XCTestCase {
    private func documentedOperations(_ document: [String: Any]) throws -> Set<String> {
        let paths = try XCTUnwrap(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        return Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
    }

    func testEveryRouteIsDocumentedAndViceVersa() throws {
        let (backend, _) = try makeFixtureBackend()
        let router = try ImgSearchServer.makeRouter(backend: backend, configuration: ServerConfiguration())
        let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let data = try Data(contentsOf: ImgSearchServer.webDirectory().appendingPathComponent("openapi.json"))
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(document["openapi"] as? String, "3.0.3")
        let documented = try documentedOperations(document)
        XCTAssertGreaterThanOrEqual(routed.count, 8)
        XCTAssertEqual(routed.subtracting(documented), [], "routes missing from openapi.json")
        XCTAssertEqual(documented.subtracting(routed), [], "documented operations with no route")
    }

    func testPathParametersAndErrorResponsesAreDescribed() throws {
        let data = try Data(contentsOf: ImgSearchServer.webDirectory().appendingPathComponent("openapi.json"))
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let paths = try XCTUnwrap(document["paths"] as? [String: [String: [String: Any]]])
        for (path, operations) in paths {
            for (method, operation) in operations {
                let parameters = (operation["parameters"] as? [[String: Any]]) ?? []
                let pathParameters = Set(parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String })
                let placeholders = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
                XCTAssertEqual(pathParameters, placeholders, "\(method) \(path)")
                let responses = try XCTUnwrap(operation["responses"] as? [String: Any], "\(method) \(path)")
                XCTAssertNotNil(responses["200"], "\(method) \(path)")
                if !placeholders.isEmpty { XCTAssertNotNil(responses["404"], "\(method) \(path) documents unknown ids") }
            }
        }
        let upload = try XCTUnwrap(paths["/api/search/image"]?["post"]?["responses"] as? [String: Any])
        XCTAssertEqual(Set(upload.keys), ["200", "400", "413", "415"])
    }

    func testServedDocumentIsTheFile() async throws {
        let (backend, _) = try makeFixtureBackend()
        let file = try Data(contentsOf: ImgSearchServer.webDirectory().appendingPathComponent("openapi.json"))
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/openapi.json")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.header("Content-Type"), "application/json; charset=utf-8")
            XCTAssertEqual(reply.body, file)
        }
    }
}
