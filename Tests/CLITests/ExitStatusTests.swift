import Foundation
import JointEmbedding
import Tensor
import Weights
import XCTest

/// What `imgsearch` says and returns when things go wrong at run time, over the real binary: index exit statuses
/// (0 all indexed, 2 finished with failures, 1 failed), runtime failures without usage text, a poisoned model
/// refused, and the serve banner with the real address and its warning.
final class ExitStatusTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")
    private var env: [String: String] { ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path] }
    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    private func catalog(_ entries: [(String, String)]) throws -> URL {
        for n in 0..<3 { try CLIFixtures.writePattern(n, to: root.appendingPathComponent("images/\(n).png")) }
        try Data("not a picture".utf8).write(to: root.appendingPathComponent("images/text.png"))
        let url = root.appendingPathComponent("catalog-\(entries.count).jsonl")
        try CLIFixtures.writeCatalog(entries, to: url)
        return url
    }

    func testIndexExitStatusSaysWhetherEverythingWasIndexed() throws {
        let model = try CLIFixtures.makeModel(in: root.appendingPathComponent("model"))
        let index = root.appendingPathComponent("index").path
        let clean = try catalog([("a", "images/0.png"), ("b", "images/1.png")])
        let complete = try CLIRunner.run(["index", "--catalog", clean.path, "--model", model.path, "--index", index, "--quiet"], environment: env)
        XCTAssertEqual(complete.status, 0, complete.stderr)

        let flawed = try catalog([("a", "images/0.png"), ("b", "images/1.png"), ("c", "images/text.png"), ("d", "images/missing.png")])
        let partial = try CLIRunner.run(["index", "--catalog", flawed.path, "--model", model.path, "--index", index, "--quiet"], environment: env)
        XCTAssertEqual(partial.status, 2, partial.stdout + partial.stderr)
        XCTAssertTrue(partial.stdout.contains("1 failed"), partial.stdout)
        XCTAssertTrue(partial.stderr.contains("missing.png"), partial.stderr)
        XCTAssertFalse(partial.stderr.contains("USAGE"), partial.stderr)

        let failed = try CLIRunner.run(["index", "--catalog", root.appendingPathComponent("nowhere.jsonl").path,
                                        "--model", model.path, "--index", index, "--quiet"], environment: env)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertFalse(failed.stderr.contains("USAGE"), "a runtime failure is not a usage error: \(failed.stderr)")

        let help = try CLIRunner.run(["index", "--help"])
        XCTAssertTrue(help.stdout.contains("Exit status: 0 when every item"), help.stdout)
        let usage = try CLIRunner.run(["index", "--index", index])
        XCTAssertEqual(usage.status, 64, "a bad command line is still a usage error")
    }

    func testServeOnAMissingIndexSaysItIsMissing() throws {
        let missing = root.appendingPathComponent("no-index").path
        let result = try CLIRunner.run(["serve", "--index", missing, "--port", "0"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(missing) && result.stderr.contains("no index here"), result.stderr)
        XCTAssertFalse(result.stderr.contains("does not record its model") || result.stderr.contains("USAGE"), result.stderr)
    }

    func testAModelWithANaNWeightIsRefusedAtLoad() throws {
        let model = try CLIFixtures.makeModel(in: root.appendingPathComponent("model"))
        let weights = model.appendingPathComponent(JointModel.weightsFile)
        var file = try SafeTensors.read(weights)
        let name = try XCTUnwrap(file.tensors.keys.sorted().first)
        file.tensors[name]!.data[0] = .nan
        try SafeTensors.write(file.tensors, metadata: file.metadata, to: weights)
        let result = try CLIRunner.run(["index", "--catalog", try catalog([("a", "images/0.png")]).path, "--model", model.path,
                                        "--index", root.appendingPathComponent("index").path, "--quiet"], environment: env)
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(result.stderr.contains(name) && result.stderr.contains("non-finite"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("index/index.sqlite").path))
    }

    func testBannerShowsTheBoundAddressAndWarnsWithoutAKey() throws {
        let model = try CLIFixtures.makeModel(in: root.appendingPathComponent("model"))
        let index = root.appendingPathComponent("index").path
        let built = try CLIRunner.run(["index", "--catalog", try catalog([("a", "images/0.png")]).path, "--model", model.path,
                                       "--index", index, "--quiet"], environment: env)
        XCTAssertEqual(built.status, 0, built.stderr)

        let open = try ServeProcess(["--index", index, "--host", "0.0.0.0"], environment: env)
        XCTAssertTrue(open.banner.contains("http://0.0.0.0:\(open.port)/") && open.banner.contains("reachable from other machines"), open.banner)
        XCTAssertEqual(try open.get("/healthz").status, 200)
        open.stop()
        XCTAssertTrue(open.errorOutput.contains("without --api-key"), open.errorOutput)

        let guarded = try ServeProcess(["--index", index, "--host", "0.0.0.0"], environment: env.merging(["IMGSEARCH_API_KEY": "k-123"]) { $1 })
        XCTAssertEqual(try guarded.get("/api/search?q=pattern").status, 401)
        XCTAssertEqual(try guarded.get("/api/search?q=pattern", headers: ["X-API-Key": "k-123"]).status, 200)
        guarded.stop()
        XCTAssertFalse(guarded.errorOutput.contains("without --api-key"), guarded.errorOutput)

        let local = try ServeProcess(["--index", index], environment: env)
        XCTAssertTrue(local.banner.contains("http://127.0.0.1:\(local.port)/"), local.banner)
        local.stop()
        XCTAssertFalse(local.errorOutput.contains("warning"), local.errorOutput)
    }
}
