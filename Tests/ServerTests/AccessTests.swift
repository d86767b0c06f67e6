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
                let offers: [([String: String], Int)] = [
                    (["X-API-Key": "s3cret-kez"], 401), (["Authorization": "Bearer s3cret"], 401),
                    (["Authorization": "Bearer s3cret-key"], 200), (["X-API-Key": "s3cret-key"], 200),
                    (["Cookie": "theme=dark; imgsearch_key=s3cret-key"], 200),
                ]
                for (headers, expected) in offers {
                    let status = try await client.get(path, headers: headers).status
                    XCTAssertEqual(status, expected, "\(path) with \(headers)")
                }
            }
            let health = try await client.get("/healthz")
            XCTAssertEqual(health.status, 200, "load balancers probe without the key")
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
