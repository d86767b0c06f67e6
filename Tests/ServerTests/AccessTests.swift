import Foundation
import Server
import XCTest

/// The API key in front of the server, and what a failing request gives away (nothing but a request id).
final class AccessTests: XCTestCase {
    func testAPIKeyIsRequiredEverywhereButHealth() async throws {
        let (backend, directory) = try makeFixtureBackend()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = ServerConfiguration(port: 0, apiKey: "s3cret-key")
        try await withRunningServer(backend, configuration: configuration) { client in
            for path in ["/api/search?q=red", "/api/items/item0", "/images/item0", "/openapi.json", "/"] {
                let bare = try await client.get(path)
                XCTAssertEqual(bare.status, 401, path)
                XCTAssertTrue(try bare.json()["error"] as? String != nil, path)
                XCTAssertEqual(try await client.get(path, headers: ["X-API-Key": "s3cret-kez"]).status, 401, "wrong key: \(path)")
                XCTAssertEqual(try await client.get(path, headers: ["Authorization": "Bearer s3cret"]).status, 401, "a prefix: \(path)")
                XCTAssertEqual(try await client.get(path, headers: ["Authorization": "Bearer s3cret-key"]).status, 200, path)
                XCTAssertEqual(try await client.get(path, headers: ["X-API-Key": "s3cret-key"]).status, 200, path)
                XCTAssertEqual(try await client.get(path, headers: ["Cookie": "theme=dark; imgsearch_key=s3cret-key"]).status, 200, path)
            }
            XCTAssertEqual(try await client.get("/healthz").status, 200, "load balancers probe without the key")
            let page = try await client.get("/?key=s3cret-key")
            XCTAssertEqual(page.status, 200)
            XCTAssertEqual(page.header("Set-Cookie"), "imgsearch_key=s3cret-key; Path=/; HttpOnly; SameSite=Strict")
        }
    }

    func testKeysCompareEqualOnlyWhenEqual() {
        XCTAssertTrue(APIKeyCheck.equal("abc", "abc"))
        for other in ["abd", "ab", "abcd", "", "ABC"] { XCTAssertFalse(APIKeyCheck.equal(other, "abc"), other) }
    }

    func testServerFaultsAnswerARequestIDNotThePath() async throws {
        let backend = FailingBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/api/search?q=anything")
            XCTAssertEqual(reply.status, 500)
            let message = try XCTUnwrap(try reply.json()["error"] as? String)
            XCTAssertFalse(message.contains("/srv/secret"), message)
            XCTAssertNotNil(message.range(of: #"request [0-9a-f]{12}"#, options: .regularExpression), message)
            let image = try await client.get("/images/hidden")
            XCTAssertEqual(image.status, 404)
            XCTAssertEqual(try image.json()["error"] as? String, "item 'hidden' has no image to serve")
        }
    }
}

/// A backend whose searches fail with an internal error naming a server path, and whose one image is refused.
private struct FailingBackend: SearchBackend {
    struct Internal: Error, CustomStringConvertible { var description: String { "cannot map /srv/secret/index/vectors/joint.g0.f32" } }
    func search(text: String, k: Int) async throws -> [SearchHit] { throw Internal() }
    func search(imageData: Data, k: Int) async throws -> [SearchHit] { throw Internal() }
    func similar(id: String, k: Int) async throws -> [SearchHit] { throw Internal() }
    func item(id: String) async throws -> ItemDetails? { nil }
    func imageFile(id: String) async throws -> URL? {
        throw SearchBackendError.imageUnavailable(id: id, detail: "/etc/shadow is outside the index's image folders")
    }
    func plotFile() async -> URL? { nil }
    var itemCount: Int { 0 }
}
