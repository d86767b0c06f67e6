import Foundation
import IndexStore
import PostgresStore
import XCTest

/// A real streaming replica (pg_basebackup from the test server) answering searches, and the errors a user meets:
/// a bad URL, a server that is not there or stopped, an unknown database.
final class ReplicaAndErrorTests: XCTestCase {
    func testAReplicaMadeByPgBasebackupAnswersWhatThePrimaryStored() throws {
        let url = try TestDatabase.freshURL()
        defer { TestDatabase.drop(url) }
        let store = try PostgresIndexStore.openForWriting(url, modelIdentifier: "m", vectorSets: PostgresSearchTests.sets, textBridgeWeight: 2)
        let rows = PostgresSearchTests.unitRows(count: 50, dimension: 16, seed: 5), features = PostgresSearchTests.unitRows(count: 50, dimension: 8, seed: 6)
        try store.upsert((0..<50).map { n in
            ItemUpdate(item: IndexItem(id: "item\(n)", title: "Item \(n)", image: "/i/\(n).png", contentHash: "h\(n)"),
                       vectors: ["joint": rows[n], "bridge": rows[n], "gem": features[n], "max": features[n]])
        })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID().uuidString)/data")
        let port = url.port + 100 + Int.random(in: 0..<500)
        let started = try TestDatabase.script(["replica", "--primary-port", "\(url.port)", "--dir", directory.path, "--port", "\(port)"])
        XCTAssertEqual(started.status, 0, started.output)
        defer {
            _ = try? TestDatabase.script(["stop", "--dir", directory.path])
            try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
        }
        var replicaURL = url
        replicaURL.port = port
        let replica = try PostgresIndexStore.openForReading(replicaURL)
        XCTAssertEqual(try replica.connections.integers("SELECT pg_is_in_recovery()::int"), [1], "a standby, not a copy")
        XCTAssertEqual(try replica.itemCount(), 50)
        let query = store.textRow(["joint": rows[7], "bridge": rows[7]])
        XCTAssertEqual(try replica.nearestText(query, bridgeWeight: 2, k: 1, scan: .exact).first?.id, "item7")

        // Streaming: an item written to the primary now reaches the replica.
        try store.upsert([ItemUpdate(item: IndexItem(id: "late", image: "/late.png", contentHash: "l"),
                                     vectors: ["joint": rows[1], "bridge": rows[1], "gem": features[1], "max": features[1]])])
        let deadline = Date().addingTimeInterval(20)
        while try replica.itemCount() < 51 && Date() < deadline { usleep(100_000) }
        XCTAssertEqual(try replica.itemCount(), 51)
        XCTAssertThrowsError(try replica.remove(ids: ["item1"])) { XCTAssertTrue("\($0)".contains("read-only"), "\($0)") }

        // The replica stops: a clear error naming it, not a crash.
        try TestDatabase.script(["stop", "--dir", directory.path])
        XCTAssertThrowsError(try replica.itemCount()) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .database, "\(error)")
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
        XCTAssertThrowsError(try PostgresIndexStore.openForReading(replicaURL)) { error in
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)") && "\(error)".contains("connection refused"), "\(error)")
        }
    }

    func testBadURLsAreRefusedWithTheReason() {
        for (text, reason) in [("mysql://db/x", "scheme 'mysql'"), ("postgres:///db", "no host"), ("postgres://h:99999/db", "out of range"),
                               ("postgres://h/db?sslmode=maybe", "sslmode 'maybe'"), ("postgres://h/db?schema=Bad-Name", "schema 'Bad-Name'"),
                               ("postgres://h/db?colour=red", "unknown parameter 'colour'")] {
            XCTAssertThrowsError(try DatabaseURL(text), text) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(text): \(error)")
            }
        }
        XCTAssertEqual("\(try DatabaseURL("postgres://ann:secret@db.example:6543/shop"))", "postgres://ann@db.example:6543/shop", "no password in messages")
    }

    func testAnUnknownDatabaseAndAnUnresolvableHostAreNamed() throws {
        var url = try TestDatabase.freshURL()
        url.database = "no_such_database"
        XCTAssertThrowsError(try PostgresIndexStore.openForReading(url)) { error in
            XCTAssertTrue("\(error)".contains("no_such_database") && "\(error)".contains("does not exist"), "\(error)")
        }
        url.host = "no-such-host.invalid"
        XCTAssertThrowsError(try PostgresIndexStore.openForReading(url)) { error in
            XCTAssertTrue("\(error)".contains("no-such-host.invalid"), "\(error)")
        }
    }
}
