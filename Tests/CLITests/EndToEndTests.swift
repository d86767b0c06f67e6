import Foundation
import XCTest

/// The product as a user drives it, on a small real catalog built from the Debian packages:
/// dataset → train → index (twice: incremental) → check → search (text, image, id, batch) → eval → plot,
/// plus the errors a user meets first. One pipeline, shared by the tests below (built once).
final class EndToEndTests: XCTestCase {
    nonisolated(unsafe) static var workspace: URL?

    /// Builds (once) a workspace with data, model and index; later tests reuse it.
    static func pipeline() throws -> URL {
        if let workspace { return workspace }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("imgsearch-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let env = ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path]
        let data = root.appendingPathComponent("data").path
        let steps: [[String]] = [
            ["dataset", "demo", "--out", data, "--limit", "120", "--quiet"],
            ["train", "--catalog", "\(data)/train.jsonl", "--val", "\(data)/val.jsonl",
             "--out", root.appendingPathComponent("model").path, "--epochs", "3", "--quiet"],
            ["index", "--catalog", "\(data)/catalog.jsonl", "--model", root.appendingPathComponent("model").path,
             "--index", root.appendingPathComponent("index").path, "--quiet"],
        ]
        for step in steps {
            let result = try CLIRunner.run(step, environment: env)
            guard result.status == 0 else {
                throw NSError(domain: "e2e", code: Int(result.status),
                              userInfo: [NSLocalizedDescriptionKey: "imgsearch \(step.joined(separator: " ")) failed:\n\(result.stderr)\n\(result.stdout)"])
            }
        }
        workspace = root
        return root
    }

    private func env(_ root: URL) -> [String: String] { ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path] }

    private func catalogLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    // MARK: Data set and index

    func testDemoDatasetIsSplitByGroupAndIndexedCompletely() throws {
        let root = try Self.pipeline()
        let data = root.appendingPathComponent("data")
        let train = try catalogLines(data.appendingPathComponent("train.jsonl"))
        let val = try catalogLines(data.appendingPathComponent("val.jsonl"))
        let photoVal = try catalogLines(data.appendingPathComponent("val-photos.jsonl"))
        let all = try catalogLines(data.appendingPathComponent("catalog.jsonl"))
        // Drawings of the photo validation concepts are in no split: neither trained on nor in the photo split.
        let split = Set((train + val + photoVal).compactMap { $0["id"] as? String })
        let photoValGroups = Set(photoVal.compactMap { $0["group"] as? String })
        let leftOut = all.filter { !split.contains($0["id"] as? String ?? "") }
        XCTAssertTrue(leftOut.allSatisfy { photoValGroups.contains($0["group"] as? String ?? "") && $0["source"] as? String != "photo" }, "\(leftOut)")
        XCTAssertEqual(train.count + val.count + photoVal.count + leftOut.count, all.count)
        XCTAssertGreaterThan(val.count, 0)
        XCTAssertGreaterThan(photoVal.count, 0)
        XCTAssertTrue(photoVal.allSatisfy { $0["source"] as? String == "photo" })
        XCTAssertTrue(train.contains { $0["source"] as? String == "photo" }, "photos are trained on too")
        let trainGroups = Set(train.compactMap { $0["group"] as? String })
        let valGroups = Set(val.compactMap { $0["group"] as? String })
        XCTAssertTrue(trainGroups.isDisjoint(with: valGroups), "a group sits on both sides of the split")
        XCTAssertTrue(trainGroups.isDisjoint(with: photoVal.compactMap { $0["group"] as? String }), "a photo group sits on both sides")

        // A second run over the same catalog encodes nothing and keeps every item.
        let again = try CLIRunner.run(["index", "--catalog", data.appendingPathComponent("catalog.jsonl").path,
                                       "--model", root.appendingPathComponent("model").path,
                                       "--index", root.appendingPathComponent("index").path, "--quiet"], environment: env(root))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("unchanged"), again.stdout)
        // What search maps instead of deriving: the whitened rows and the fused text rows, saved by the first run.
        let saved = Set(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("index/search").path))
        XCTAssertTrue(saved.isSuperset(of: ["whitening.bin", "whitened.bin", "joint+bridge-2.000.bin"]), "\(saved)")
        XCTAssertFalse(again.stdout.contains("text search rows"), "nothing new to save: \(again.stdout)")
        let check = try CLIRunner.run(["index", "--check", "--index", root.appendingPathComponent("index").path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("search/whitened.bin: up to date"), check.stdout)
        XCTAssertTrue(check.stdout.contains("search/joint+bridge-2.000.bin: up to date"), check.stdout)
        XCTAssertTrue(check.stdout.contains("search graph: none needed"), check.stdout)

        // A damaged saved file is reported (search ignores it, so the index stays healthy); --refit rewrites it.
        let fused = root.appendingPathComponent("index/search/joint+bridge-2.000.bin")
        var bytes = try Data(contentsOf: fused)
        bytes[bytes.count - 5] ^= 0x40
        try bytes.write(to: fused)
        let damaged = try CLIRunner.run(["index", "--check", "--index", root.appendingPathComponent("index").path])
        XCTAssertEqual(damaged.status, 0, damaged.stdout + damaged.stderr)
        XCTAssertTrue(damaged.stdout.contains("search/joint+bridge-2.000.bin: damaged"), damaged.stdout)
        XCTAssertTrue(damaged.stdout.contains("checksum"), damaged.stdout)

        // Refitting the image→image whitening needs no CNN and replaces the stored fit in place, every time.
        for _ in 0..<3 {
            let refit = try CLIRunner.run(["index", "--refit", "--index", root.appendingPathComponent("index").path])
            XCTAssertEqual(refit.status, 0, refit.stderr)
            XCTAssertTrue(refit.stdout.contains("whitening fitted"), refit.stdout)
        }
        let repaired = try CLIRunner.run(["index", "--check", "--index", root.appendingPathComponent("index").path])
        XCTAssertTrue(repaired.stdout.contains("search/joint+bridge-2.000.bin: up to date"), repaired.stdout)
    }

    /// A folder holding one image indexes and answers image queries (on raw features: nothing to whiten).
    func testAOneImageIndexWorks() throws {
        let root = try Self.pipeline()
        let folder = root.appendingPathComponent("one-image")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = try XCTUnwrap(try catalogLines(root.appendingPathComponent("data/val.jsonl")).first?["image"] as? String)
        let image = folder.appendingPathComponent("only.png")
        try? FileManager.default.removeItem(at: image)
        try FileManager.default.copyItem(atPath: source.hasPrefix("/") ? source : root.appendingPathComponent("data/\(source)").path,
                                         toPath: image.path)
        let index = root.appendingPathComponent("one-index").path
        let indexed = try CLIRunner.run(["index", "--catalog", folder.path, "--model", root.appendingPathComponent("model").path,
                                         "--index", index, "--quiet"], environment: env(root))
        XCTAssertEqual(indexed.status, 0, indexed.stderr)
        XCTAssertTrue(indexed.stdout.contains("uses raw features"), indexed.stdout)
        let found = try CLIRunner.run(["search", "--index", index, "--image", image.path, "--json"], environment: env(root))
        XCTAssertEqual(found.status, 0, found.stderr)
        let results = try XCTUnwrap(try jsonLines(found.stdout).first?["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results.first?["id"] as? String, "only.png")
    }

    // MARK: Search

    func testTextSearchReturnsKSortedResultsAsJSONLines() throws {
        let root = try Self.pipeline()
        let result = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path,
                                        "banana", "-k", "5", "--json"], environment: env(root))
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try jsonLines(result.stdout)
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(lines[0]["query"] as? String, "banana")
        let results = try XCTUnwrap(lines[0]["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 5)
        let distances = results.compactMap { $0["distance"] as? Double }
        XCTAssertEqual(distances, distances.sorted())
        for r in results {
            XCTAssertNotNil(r["id"] as? String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(r["image"] as? String)))
        }
    }

    func testLabelBridgeChangesTextRankingAndNoBridgeTurnsItOff() throws {
        let root = try Self.pipeline()
        func search(_ extra: [String]) throws -> [[String: Any]] {
            let result = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path,
                                            "a yellow fruit", "-k", "8", "--json"] + extra, environment: env(root))
            XCTAssertEqual(result.status, 0, result.stderr)
            return try XCTUnwrap(try jsonLines(result.stdout).first?["results"] as? [[String: Any]])
        }
        let fused = try search([]), heavy = try search(["--bridge-weight", "4"])
        let plain = try search(["--no-bridge"]), zero = try search(["--bridge-weight", "0"])
        func distances(_ results: [[String: Any]]) -> [Double] { results.compactMap { $0["distance"] as? Double } }
        XCTAssertEqual(distances(plain), distances(zero), "λ 0 is --no-bridge")
        XCTAssertNotEqual(distances(fused), distances(plain), "the default fuses the bridge")
        XCTAssertNotEqual(distances(heavy), distances(fused))
        let conflicting = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path, "fruit",
                                             "--no-bridge", "--bridge-weight", "1"], environment: env(root))
        XCTAssertNotEqual(conflicting.status, 0)
        XCTAssertTrue(conflicting.stderr.contains("exclude each other"), conflicting.stderr)
    }

    func testImageQueryFindsTheImageItselfFirst() throws {
        let root = try Self.pipeline()
        let items = try catalogLines(root.appendingPathComponent("data/catalog.jsonl"))
        let item = items[items.count / 2]
        let image = root.appendingPathComponent("data").appendingPathComponent(try XCTUnwrap(item["image"] as? String)).path
        let result = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path,
                                        "--image", image, "-k", "3", "--json"], environment: env(root))
        XCTAssertEqual(result.status, 0, result.stderr)
        let first = try XCTUnwrap((try jsonLines(result.stdout).first?["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["id"] as? String, item["id"] as? String)
        XCTAssertEqual(try XCTUnwrap(first["distance"] as? Double), 0, accuracy: 1e-3)

        let similar = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path,
                                         "--id", try XCTUnwrap(item["id"] as? String), "-k", "3", "--json"], environment: env(root))
        XCTAssertEqual(similar.status, 0, similar.stderr)
        XCTAssertEqual(try jsonLines(similar.stdout).first.flatMap { ($0["results"] as? [[String: Any]])?.count }, 3)
    }

    func testBatchQueriesGiveOneLinePerQuery() throws {
        let root = try Self.pipeline()
        let queries = root.appendingPathComponent("queries.txt")
        try "dog\nred heart\n\nsmiling face\n".write(to: queries, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["search", "--index", root.appendingPathComponent("index").path,
                                        "--queries", queries.path, "-k", "2", "--json"], environment: env(root))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try jsonLines(result.stdout).compactMap { $0["query"] as? String }, ["dog", "red heart", "smiling face"])
    }

    // MARK: Evaluation and plot

    func testEvalReportsRecallsBesideTheRandomRanker() throws {
        let root = try Self.pipeline()
        let result = try CLIRunner.run(["eval", "--model", root.appendingPathComponent("model").path,
                                        "--catalog", root.appendingPathComponent("data/val.jsonl").path, "--json"],
                                       environment: env(root))
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let t2i = try XCTUnwrap(report["textToImage"] as? [String: Any])
        let r1 = try XCTUnwrap(t2i["recallAt1"] as? Double), r10 = try XCTUnwrap(t2i["recallAt10"] as? Double)
        XCTAssertTrue((0...1).contains(r1) && r1 <= r10, "\(t2i)")
        XCTAssertNotNil(t2i["randomRecallAt10"] as? Double)
        XCTAssertNotNil(report["imageToText"] as? [String: Any])
        XCTAssertGreaterThan(report["bridgeWeight"] as? Double ?? 0, 0, "eval reports the default fusion")
        let fused = try XCTUnwrap(report["textToImageWithBridge"] as? [String: Any])
        XCTAssertTrue((0...1).contains(try XCTUnwrap(fused["recallAt10"] as? Double)), "\(fused)")
        // Augmented copies find their originals far better than chance in raw feature space.
        let augmented = try XCTUnwrap(report["augmentedImageToImage"] as? [String: Any])
        let raw = try XCTUnwrap(augmented["rawFeaturesCosine"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(raw["recallAt10"] as? Double), 2 * (try XCTUnwrap(raw["randomRecallAt10"] as? Double)))
    }

    func testEvalMeasuresBothValidationSplitsSideBySide() throws {
        let root = try Self.pipeline()
        let catalogs = ["val.jsonl", "val-photos.jsonl"].flatMap { ["--catalog", root.appendingPathComponent("data/\($0)").path] }
        let json = try CLIRunner.run(["eval", "--model", root.appendingPathComponent("model").path, "--json"] + catalogs, environment: env(root))
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(try jsonLines(json.stdout).compactMap { $0["catalog"] as? String }, ["val.jsonl", "val-photos.jsonl"])
        let text = try CLIRunner.run(["eval", "--model", root.appendingPathComponent("model").path, "--crop-to-content"] + catalogs,
                                     environment: env(root))
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("model ") }.count, 2, text.stdout)
        XCTAssertTrue(text.stdout.contains("on val-photos.jsonl"), text.stdout)
    }

    func testPlotWritesAPNGAndAnSVG() throws {
        let root = try Self.pipeline()
        let png = root.appendingPathComponent("plot.png"), svg = root.appendingPathComponent("plot.svg")
        let result = try CLIRunner.run(["plot", "--model", root.appendingPathComponent("model").path,
                                        "--catalog", root.appendingPathComponent("data/val.jsonl").path,
                                        "--out", png.path, "--svg", svg.path, "-n", "40"], environment: env(root))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Array(try Data(contentsOf: png).prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertTrue(try String(contentsOf: svg, encoding: .utf8).contains("<svg"))
    }

    // MARK: The web page in a real browser

    /// Headless Chromium against `imgsearch serve` on this index: query, 9 images load, upload, click a result.
    func testWebPageInHeadlessChromium() throws {
        let root = try Self.pipeline()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repo.appendingPathComponent("scripts/browser_test.py").path,
                             root.appendingPathComponent("index").path, "--binary", CLIRunner.binary.path,
                             "--screenshot", root.appendingPathComponent("screenshot.png").path]
        var environment = ProcessInfo.processInfo.environment
        environment["IMGSEARCH_CACHE"] = root.appendingPathComponent("cache").path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "browser test failed (2 = no chromium or binary):\n\(log)")
    }

    // MARK: Errors a user meets first

    func testMissingIndexIsAClearErrorNamingThePath() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-index-\(UUID().uuidString)").path
        let result = try CLIRunner.run(["search", "--index", missing, "dog"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(missing), result.stderr)
    }

    func testSearchNeedsExactlyOneQuery() throws {
        let result = try CLIRunner.run(["search", "--index", "/tmp", "dog", "--id", "x"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("exactly one query"), result.stderr)
    }
}
