import Foundation
import Server
import XCTest

/// Many requests in flight at once get the same answers as one at a time.
final class ConcurrencyTests: XCTestCase {
    func testConcurrentMixedRequestsAgreeWithSequentialOnes() async throws {
        let (backend, _) = try makeFixtureBackend()
        try await withRunningServer(backend) { client in
            let queries = ["red dress", "blue shoe", "green handbag", "red", "shoe", "dress handbag"]
            var expected: [String: [String]] = [:]
            for query in queries {
                expected[query] = try await client.get("/api/search?q=\(query.replacingOccurrences(of: " ", with: "+"))").hits().map(\.id)
            }
            let frozenExpected = expected
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<64 {
                    group.addTask {
                        let query = queries[round % queries.count]
                        switch round % 4 {
                        case 0, 1:
                            let reply = try await client.get("/api/search?q=\(query.replacingOccurrences(of: " ", with: "+"))")
                            XCTAssertEqual(try reply.hits().map(\.id), frozenExpected[query])
                        case 2:
                            let reply = try await client.post("/api/search/image", body: fakePNG(UInt8(round % 9)), contentType: "image/png")
                            XCTAssertEqual(try reply.hits().first?.id, fixtureID(round % 9))
                        default:
                            let escaped = fixtureID(round % 9).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                            let reply = try await client.get("/images/\(escaped)")
                            XCTAssertEqual(reply.body, fakePNG(UInt8(round % 9)))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
