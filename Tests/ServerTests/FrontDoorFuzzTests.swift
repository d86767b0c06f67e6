import Foundation
import FuzzSupport
import Server
import XCTest

/// The server's parsers of outside bytes, fuzzed over a real socket: query strings (sent raw, so malformed
/// escapes reach the server) and multipart upload bodies. Every answer must be a JSON client error or a
/// result: never a 500, a dropped connection or a server that stops answering.
final class FrontDoorFuzzTests: XCTestCase {
    func testMutatedQueryStringsGetAClientErrorOrResults() async throws {
        let (backend, directory) = try makeFixtureBackend()
        defer { try? FileManager.default.removeItem(at: directory) }
        let corpus = ["q=red+dress&k=5", "q=%E2%98%95%20mug&k=9", "q=blue&k=100&q=x", "k=3&q=a%2Bb", "q=" + String(repeating: "ab+", count: 40)]
            .map { Array($0.utf8) }
        try await withRunningServer(backend) { client in
            var fuzzer = Fuzzer(seed: 18)
            // Bytes a request line cannot hold become '%' (more malformed escapes for the parser).
            let inputs = fuzzer.inputs(from: corpus, count: 2_000).map { bytes in
                String(decoding: bytes.prefix(4000).map { (0x21..<0x7F).contains($0) && $0 != 0x23 ? $0 : 0x25 }, as: UTF8.self)
            }
            var statuses: [Int: Int] = [:]
            for query in inputs {
                let reply = try await RawHTTP.send("GET /api/search?\(query) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", port: client.port)
                statuses[reply.status, default: 0] += 1
                XCTAssertTrue([200, 400].contains(reply.status), "?\(query) → \(reply.status) \(reply.body)")
            }
            print("fuzz query strings over the socket: \(inputs.count) requests, statuses \(statuses.sorted { $0.key < $1.key })")
            let health = try await client.get("/healthz")
            XCTAssertEqual(health.status, 200, "still answering")
        }
    }

    func testMutatedMultipartBodiesGetAClientErrorOrResults() async throws {
        let (backend, directory) = try makeFixtureBackend()
        defer { try? FileManager.default.removeItem(at: directory) }
        let boundary = "XyZ-boundary-42"
        let corpus = [0, 3].map { [UInt8](HTTPTestClient.multipart(field: "image", filename: "a.png", contentType: "image/png",
                                                                   data: fakePNG(UInt8($0)), boundary: boundary)) }
        try await withRunningServer(backend, configuration: ServerConfiguration(port: 0, maxUploadBytes: 1 << 20)) { client in
            var fuzzer = Fuzzer(seed: 18)
            let bodies = fuzzer.inputs(from: corpus, count: 2_000)
            var statuses: [Int: Int] = [:]
            for body in bodies {
                let reply = try await client.post("/api/search/image", body: Data(body), contentType: "multipart/form-data; boundary=\(boundary)")
                statuses[reply.status, default: 0] += 1
                XCTAssertTrue([200, 400, 413, 415].contains(reply.status), "\(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                if reply.status != 200 { XCTAssertNotNil(try? reply.json()["error"], "a JSON error body") }
            }
            print("fuzz multipart bodies over the socket: \(bodies.count) uploads, statuses \(statuses.sorted { $0.key < $1.key })")
            XCTAssertEqual(statuses[200].map { $0 > 0 }, true, "the unmutated corpus is accepted")
        }
    }
}
