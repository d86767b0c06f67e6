import Foundation
import Server
import XCTest

/// `GET /api/search` over a real socket: ranking, `k`, and every 400.
final class TextSearchTests: XCTestCase {
    func testTextSearchRanksNearestFirst() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/api/search?q=red+dress&k=4")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.header("Content-Type"), "application/json; charset=utf-8")
            let hits = try reply.hits()
            XCTAssertEqual(hits.count, 4)
            XCTAssertEqual(hits.first?.id, "item0", "the item titled 'red dress' is nearest to 'red dress'")
            XCTAssertEqual(hits.first?.distance ?? 1, 0, accuracy: 1e-5)
            XCTAssertEqual(hits.map(\.distance), hits.map(\.distance).sorted(), "nearest first")
            let query = try XCTUnwrap(try reply.json()["query"] as? [String: Any])
            XCTAssertEqual(query["kind"] as? String, "text")
            XCTAssertEqual(query["text"] as? String, "red dress")
            XCTAssertEqual(query["k"] as? Int, 4)
            let first = try XCTUnwrap((try reply.json()["results"] as? [[String: Any]])?.first)
            XCTAssertEqual(first["image"] as? String, "/images/item0")
            XCTAssertEqual(first["item"] as? String, "/api/items/item0")
            XCTAssertEqual(first["rank"] as? Int, 1)
        }
    }

    func testDefaultKIsNineAndKLargerThanTheIndexReturnsEverything() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await backend.add(id: "extra", title: "yellow hat", imageBytes: fakePNG(99), in: FileManager.default.temporaryDirectory)
        try await withRunningServer(backend) { client in
            let nine = try await client.get("/api/search?q=%20shoe%20")
            XCTAssertEqual(try nine.hits().count, 9)
            let all = try await client.get("/api/search?q=shoe&k=100")
            XCTAssertEqual(try all.hits().count, 10)
            XCTAssertEqual(Set(try all.hits().map(\.id)).count, 10, "no item twice")
        }
    }

    func testPercentEncodedUnicodeQuery() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/api/search?q=caf%C3%A9%20cr%C3%A8me&k=1")
            XCTAssertEqual(reply.status, 200)
            let query = try XCTUnwrap(try reply.json()["query"] as? [String: Any])
            XCTAssertEqual(query["text"] as? String, "café crème")
        }
    }

    func testBadQueriesAre400WithAJSONError() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let cases: [(String, String)] = [
                ("/api/search", "empty query"),
                ("/api/search?q=", "empty query"),
                ("/api/search?q=%20%20+", "empty query"),
                ("/api/search?q=dress&k=0", "k must be"),
                ("/api/search?q=dress&k=101", "k must be"),
                ("/api/search?q=dress&k=-3", "k must be"),
                ("/api/search?q=dress&k=nine", "k must be"),
                ("/api/search?q=" + String(repeating: "a", count: 1001), "longer than 1000"),
            ]
            for (path, expected) in cases {
                let reply = try await client.get(path)
                XCTAssertEqual(reply.status, 400, path)
                let message = try XCTUnwrap(try reply.json()["error"] as? String, path)
                XCTAssertTrue(message.contains(expected), "\(path): '\(message)' should mention '\(expected)'")
            }
            // A broken percent escape, sent raw (URLSession would refuse to build this URL).
            let raw = try await RawHTTP.send("GET /api/search?q=red%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                             port: client.port)
            XCTAssertEqual(raw.status, 400)
            XCTAssertTrue(raw.body.contains("malformed percent-encoding"), raw.body)
        }
    }
}
