import Foundation
import Server
import XCTest

/// `POST /api/search/image` (raw bytes and multipart) and `GET /api/similar/{id}` over a real socket.
final class ImageSearchTests: XCTestCase {
    func testRawImageBytes() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.post("/api/search/image?k=3", body: fakePNG(3), contentType: "image/png")
            XCTAssertEqual(reply.status, 200)
            let hits = try reply.hits()
            XCTAssertEqual(hits.map(\.id).first, "item3", "the uploaded image of 'blue dress' finds it first")
            XCTAssertEqual(hits.count, 3)
            XCTAssertEqual((try reply.json()["query"] as? [String: Any])?["kind"] as? String, "image")
        }
    }

    func testMultipartUpload() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let boundary = "----imgsearch\(UUID().uuidString)"
            let body = HTTPTestClient.multipart(field: "image", filename: "q.png", contentType: "image/png",
                                                data: fakePNG(6), boundary: boundary)
            let reply = try await client.post("/api/search/image", body: body,
                                              contentType: "multipart/form-data; boundary=\"\(boundary)\"")
            XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
            XCTAssertEqual(try reply.hits().first?.id, "item6")
            XCTAssertEqual(try reply.hits().count, 9)
        }
    }

    func testUploadOverTheLimitIs413() async throws {
        let (backend, _) = try makeFixtureBackend()
        let configuration = ServerConfiguration(port: 0, maxUploadBytes: 4096)
        try await withRunningServer(backend, configuration: configuration) { client in
            let big = fakePNG(1) + Data(repeating: 7, count: 5000)
            let reply = try await client.post("/api/search/image", body: big, contentType: "image/png")
            XCTAssertEqual(reply.status, 413)
            XCTAssertTrue((try reply.json()["error"] as? String ?? "").contains("limit of 4096 bytes"))
            // The connection stays usable for a request within the limit.
            let small = try await client.post("/api/search/image", body: fakePNG(2), contentType: "image/png")
            XCTAssertEqual(small.status, 200)
        }
    }

    func testNotAnImageIs415() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let text = try await client.post("/api/search/image", body: Data("hello, world".utf8), contentType: "text/plain")
            XCTAssertEqual(text.status, 415)
            XCTAssertNotNil(try text.json()["error"] as? String)
            // A PNG signature followed by bytes the decoder rejects.
            let corrupt = try await client.post("/api/search/image", body: fakePNG(200), contentType: "image/png")
            XCTAssertEqual(corrupt.status, 415)
            let boundary = "b0undary"
            let form = HTTPTestClient.multipart(field: "image", filename: "notes.txt", contentType: "text/plain",
                                                data: Data("not an image".utf8), boundary: boundary)
            let multipart = try await client.post("/api/search/image", body: form, contentType: "multipart/form-data; boundary=\(boundary)")
            XCTAssertEqual(multipart.status, 415)
        }
    }

    func testMalformedUploadsAre400() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let empty = try await client.post("/api/search/image", body: Data(), contentType: "image/png")
            XCTAssertEqual(empty.status, 400)
            let noBoundary = try await client.post("/api/search/image", body: fakePNG(1), contentType: "multipart/form-data")
            XCTAssertEqual(noBoundary.status, 400)
            let unterminated = try await client.post("/api/search/image", body: Data("--xyz\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nabc".utf8),
                                                     contentType: "multipart/form-data; boundary=xyz")
            XCTAssertEqual(unterminated.status, 400)
            XCTAssertTrue((try unterminated.json()["error"] as? String ?? "").contains("closing boundary"))
            let badK = try await client.post("/api/search/image?k=0", body: fakePNG(1), contentType: "image/png")
            XCTAssertEqual(badK.status, 400)
        }
    }

    func testSimilarExcludesTheItemAndEncodesSlashes() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/api/similar/images%2Fblue%20shoe.png?k=8")
            XCTAssertEqual(reply.status, 200)
            let ids = try reply.hits().map(\.id)
            XCTAssertEqual(ids.count, 8)
            XCTAssertFalse(ids.contains("images/blue shoe.png"))
            let query = try XCTUnwrap(try reply.json()["query"] as? [String: Any])
            XCTAssertEqual(query["kind"] as? String, "similar")
            XCTAssertEqual(query["id"] as? String, "images/blue shoe.png")
            // A result's image URL keeps the slash encoded, so it can be fetched as is.
            let viaSimilar = try await client.get("/api/similar/item5?k=9")
            let entry = try XCTUnwrap((try viaSimilar.json()["results"] as? [[String: Any]])?.first { $0["id"] as? String == "images/blue shoe.png" })
            XCTAssertEqual(entry["image"] as? String, "/images/images%2Fblue%20shoe.png")
        }
    }

    func testSimilarErrors() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let unknown = try await client.get("/api/similar/nope")
            XCTAssertEqual(unknown.status, 404)
            XCTAssertTrue((try unknown.json()["error"] as? String ?? "").contains("nope"))
            let badK = try await client.get("/api/similar/item1?k=1000")
            XCTAssertEqual(badK.status, 400)
            let badID = try await RawHTTP.send("GET /api/similar/%ZZ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                               port: client.port)
            XCTAssertEqual(badID.status, 400)
        }
    }
}
