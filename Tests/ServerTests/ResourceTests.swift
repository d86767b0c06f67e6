import Foundation
import Server
import XCTest

/// Items, image files, the plot, health and the web page over a real socket.
final class ResourceTests: XCTestCase {
    func testItemRecord() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/api/items/item2")
            XCTAssertEqual(reply.status, 200)
            let item = try reply.json()
            XCTAssertEqual(item["title"] as? String, "red handbag")
            XCTAssertEqual(item["description"] as? String, "about red handbag")
            XCTAssertEqual(item["image"] as? String, "/images/item2")
            XCTAssertEqual(item["similar"] as? String, "/api/similar/item2")
            XCTAssertNil(item["imageFile"], "file paths never leave the server")
            let unknown = try await client.get("/api/items/missing")
            XCTAssertEqual(unknown.status, 404)
            XCTAssertNotNil(try unknown.json()["error"] as? String)
        }
    }

    func testImageByIDWithTypeAndCacheHeaders() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let reply = try await client.get("/images/images%2Fblue%20shoe.png")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.body, fakePNG(4))
            XCTAssertEqual(reply.header("Content-Type"), "image/png", "type from the magic number, not the .img extension")
            XCTAssertEqual(reply.header("Cache-Control"), "public, max-age=86400")
            let etag = try XCTUnwrap(reply.header("ETag"))
            let revalidated = try await client.get("/images/images%2Fblue%20shoe.png", headers: ["If-None-Match": etag])
            XCTAssertEqual(revalidated.status, 304)
            XCTAssertTrue(revalidated.body.isEmpty)
            let unknown = try await client.get("/images/nothing-here")
            XCTAssertEqual(unknown.status, 404)
        }
    }

    func testImagesAreNeverServedByPath() async throws {
        let (backend, directory) = try makeFixtureBackend()
        let someFile = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: directory.path).first)
        try await withRunningServer(backend) { client in
            let byPath = try await client.get("/images/" + (directory.appendingPathComponent(someFile).path
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            XCTAssertEqual(byPath.status, 404)
            let traversal = try await RawHTTP.send("GET /images/../../etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                                   port: client.port)
            XCTAssertNotEqual(traversal.status, 200)
            XCTAssertFalse(traversal.body.contains("root:"))
        }
    }

    func testPlotIs404WithoutOneAndServedWithOne() async throws {
        let (withoutPlot, directory) = try makeFixtureBackend()
        try await withRunningServer(withoutPlot) { client in
            let plot = try await client.get("/plot")
            XCTAssertEqual(plot.status, 404)
            let health = try await client.get("/healthz")
            XCTAssertNil(try health.json()["plot"])
        }
        let plotFile = directory.appendingPathComponent("plot.svg")
        try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: plotFile)
        let (withPlot, _) = try makeFixtureBackend(plot: plotFile)
        try await withRunningServer(withPlot) { client in
            let reply = try await client.get("/plot")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.header("Content-Type"), "image/svg+xml")
            let health = try await client.get("/healthz")
            XCTAssertEqual(try health.json()["plot"] as? String, "/plot")
        }
    }

    func testHealthCountsItemsAddedWhileRunning() async throws {
        let (backend, directory) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let before = try await client.get("/healthz")
            XCTAssertEqual(before.status, 200)
            XCTAssertEqual(try before.json()["status"] as? String, "ok")
            XCTAssertEqual(try before.json()["items"] as? Int, 9)
            try backend.add(id: "new", title: "purple scarf", imageBytes: fakePNG(50), in: directory)
            let after = try await client.get("/healthz")
            XCTAssertEqual(try after.json()["items"] as? Int, 10)
            let found = try await client.get("/api/search?q=purple+scarf&k=1")
            XCTAssertEqual(try found.hits().first?.id, "new")
        }
    }

    func testWebPageAndAssets() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let page = try await client.get("/")
            XCTAssertEqual(page.status, 200)
            XCTAssertTrue(page.header("Content-Type")?.hasPrefix("text/html") ?? false)
            let html = String(decoding: page.body, as: UTF8.self)
            XCTAssertTrue(html.contains("id=\"search-form\""))
            XCTAssertFalse(html.contains("https://"), "no CDN: everything is served by the binary")
            for (asset, type) in [("/app.js", "javascript"), ("/style.css", "text/css")] {
                let reply = try await client.get(asset)
                XCTAssertEqual(reply.status, 200, asset)
                XCTAssertTrue(reply.header("Content-Type")?.contains(type) ?? false, "\(asset): \(reply.header("Content-Type") ?? "-")")
            }
        }
    }

    func testUnknownRoutesAndMethodsAreJSONErrors() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let missing = try await client.get("/api/nothing")
            XCTAssertEqual(missing.status, 404)
            XCTAssertNotNil(try missing.json()["error"] as? String)
            let wrongMethod = try await RawHTTP.send("DELETE /api/search?q=x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                                     port: client.port)
            XCTAssertTrue([404, 405].contains(wrongMethod.status), "\(wrongMethod.status)")
            XCTAssertTrue(wrongMethod.body.contains("\"error\""), wrongMethod.body)
        }
    }
}
