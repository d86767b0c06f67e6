import Foundation
import IndexStore
import PostgresStore
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The same commands on the PostgreSQL backend, over the real binary and a real server (`make test` starts one and
/// passes its URL in $IMGSEARCH_TEST_DATABASE_URL; without it these tests fail, they never skip): index, the same
/// top 10 as the index directory in exact mode, incremental reruns, a killed run resumed, two `serve` processes
/// sharing the database and seeing new items without a restart, and clear errors.
final class PostgresCLITests: XCTestCase {
    private var url = ""
    private var schema = ""

    override func setUpWithError() throws {
        guard let base = ProcessInfo.processInfo.environment["IMGSEARCH_TEST_DATABASE_URL"], !base.isEmpty else {
            XCTFail("no test database: run `make test`, or start one with scripts/postgres.sh start and set IMGSEARCH_TEST_DATABASE_URL")
            throw XCTSkip("no test database")
        }
        schema = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    override func tearDown() {
        if !url.isEmpty, let parsed = try? DatabaseURL(url), let connections = try? Connections(parsed) {
            try? connections.execute("DROP SCHEMA IF EXISTS \"\(parsed.schema)\" CASCADE")
        }
    }

    private func env(_ root: URL) -> [String: String] { ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path] }

    private func ids(_ jsonLines: String) throws -> [[String]] {
        try jsonLines.split(separator: "\n").map { line in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try XCTUnwrap(object["results"] as? [[String: Any]]).map { $0["id"] as! String }
        }
    }

    func testTheSameCommandsGiveTheSameTopTenAsTheIndexDirectory() throws {
        let root = try EndToEndTests.pipeline()
        let data = root.appendingPathComponent("data"), model = root.appendingPathComponent("model").path
        let indexed = try CLIRunner.run(["index", "--catalog", data.appendingPathComponent("catalog.jsonl").path, "--model", model,
                                         "--database", url, "--quiet"], environment: env(root))
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        XCTAssertTrue(indexed.stdout.contains("whitening fitted"), indexed.stdout)
        XCTAssertTrue(indexed.stdout.contains("text search index (pgvector HNSW"), indexed.stdout)

        let queries = root.appendingPathComponent("pg-queries.txt")
        try "red heart\nsmiling face\na dog\nclock\ncar\nflower\nfood\nmusic\nsun\ntree\n".write(to: queries, atomically: true, encoding: .utf8)
        for extra in [[], ["--no-bridge"], ["--bridge-weight", "0.5"]] {
            let common = ["--queries", queries.path, "--json", "-k", "10", "--exact"] + extra
            let directory = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path] + common, environment: env(root))
            let database = try CLIRunner.run(["search", "--database", url] + common, environment: env(root))
            XCTAssertEqual(database.status, 0, database.stderr)
            let expected = try ids(directory.stdout), found = try ids(database.stdout)
            XCTAssertEqual(found.count, 10)
            XCTAssertEqual(found, expected, "\(extra)")
        }
        // Image search in the whitened space, and more like an item.
        let first = try XCTUnwrap(try ids(try CLIRunner.run(["search", "--database", url, "--queries", queries.path, "--json"],
                                                         environment: env(root)).stdout).first?.first)
        let similar = try CLIRunner.run(["search", "--database", url, "--id", first, "--json", "-k", "5"], environment: env(root))
        XCTAssertEqual(similar.status, 0, similar.stderr)
        let similarIDs = try XCTUnwrap(try ids(similar.stdout).first)
        XCTAssertEqual(similarIDs.count, 5)
        XCTAssertFalse(similarIDs.contains(first))
        let directorySimilar = try ids(try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path, "--id", first,
                                                          "--json", "-k", "5"], environment: env(root)).stdout).first
        XCTAssertEqual(similarIDs.first, directorySimilar?.first)

        // A rerun changes nothing; --check passes.
        let again = try CLIRunner.run(["index", "--catalog", data.appendingPathComponent("catalog.jsonl").path, "--model", model,
                                       "--database", url, "--quiet"], environment: env(root))
        XCTAssertTrue(again.stdout.contains("0 added"), again.stdout)
        let check = try CLIRunner.run(["index", "--database", url, "--check"], environment: env(root))
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("OK"), check.stdout)
    }

    func testAKilledRunResumesWithNothingLostOrDoubled() throws {
        let root = try EndToEndTests.pipeline()
        let catalog = root.appendingPathComponent("data/catalog.jsonl").path, model = root.appendingPathComponent("model").path
        let total = try String(contentsOfFile: catalog, encoding: .utf8).split(separator: "\n").count
        let args = ["index", "--catalog", catalog, "--model", model, "--database", url, "--batch-size", "8", "--quiet"]
        // An empty feature cache: the CNN runs, so the run is still going when it is killed.
        let cold = ["IMGSEARCH_CACHE": root.appendingPathComponent("cold-cache-\(UUID().uuidString)").path]
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(cold) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let parsed = try DatabaseURL(url)
        let deadline = Date().addingTimeInterval(300)
        var stored = 0
        while process.isRunning && Date() < deadline && stored < 16 {
            stored = (try? PostgresIndexStore.openForReading(parsed).itemCount()) ?? 0
            usleep(20_000)
        }
        XCTAssertTrue(process.isRunning, "the run finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try PostgresIndexStore.openForReading(parsed).itemCount()
        XCTAssertGreaterThan(partial, 0)
        XCTAssertLessThan(partial, total)

        let resumed = try CLIRunner.run(args, environment: env(root))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let store = try PostgresIndexStore.openForReading(parsed)
        XCTAssertEqual(try store.itemCount(), total)
        XCTAssertEqual(try store.rowOwners().count, Set(try store.rowOwners()).count, "no item stored twice")
        let check = try CLIRunner.run(["index", "--database", url, "--check"], environment: env(root))
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
    }

    func testTwoServersShareTheDatabaseAndSeeNewItemsWithoutRestarting() throws {
        let root = try EndToEndTests.pipeline()
        let lines = try String(contentsOf: root.appendingPathComponent("data/catalog.jsonl"), encoding: .utf8).split(separator: "\n")
        let part = root.appendingPathComponent("data/pg-part-\(schema).jsonl")  // beside the images its lines name
        try (lines.prefix(lines.count - 10).joined(separator: "\n") + "\n").write(to: part, atomically: true, encoding: .utf8)
        let model = root.appendingPathComponent("model").path
        let first = try CLIRunner.run(["index", "--catalog", part.path, "--model", model, "--database", url, "--quiet"], environment: env(root))
        XCTAssertEqual(first.status, 0, first.stderr)

        let servers = try (0..<2).map { _ in try ServeProcess(["--database", url], environment: env(root)) }
        defer { servers.forEach { $0.stop() } }
        for server in servers {
            XCTAssertEqual(try server.json("/healthz")["items"] as? Int, lines.count - 10)
            let search = try server.json("/api/search?q=red+heart&k=3")
            XCTAssertEqual((search["results"] as? [Any])?.count, 3, "\(search)")
        }
        let all = try CLIRunner.run(["index", "--catalog", root.appendingPathComponent("data/catalog.jsonl").path, "--model", model,
                                     "--database", url, "--quiet"], environment: env(root))
        XCTAssertEqual(all.status, 0, all.stderr)
        usleep(1_200_000)  // the item count is cached for a second
        for server in servers { XCTAssertEqual(try server.json("/healthz")["items"] as? Int, lines.count) }
    }

    func testUnreachableServersAndBadURLsAreClearErrors() throws {
        let root = try EndToEndTests.pipeline()
        let refused = try CLIRunner.run(["search", "--database", "postgres://imgsearch@127.0.0.1:1/imgsearch", "red"], environment: env(root))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("127.0.0.1:1") && refused.stderr.contains("connection refused"), refused.stderr)
        let bad = try CLIRunner.run(["index", "--database", "mysql://db/x", "--check"], environment: env(root))
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("scheme 'mysql'"), bad.stderr)
        let empty = try CLIRunner.run(["search", "--database", url, "red"], environment: env(root))
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("no index here"), empty.stderr)
        for result in [refused, bad, empty] {
            XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump") || result.stderr.contains("0x0000"), result.stderr)
        }
    }
}
