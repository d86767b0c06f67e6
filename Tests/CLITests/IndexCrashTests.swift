import Foundation
import Imaging
import IndexStore
import JointEmbedding
import TextEncoder
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `imgsearch index` killed with SIGKILL mid-run, then rerun: nothing lost, nothing doubled,
/// `--check` passes. Then a file size limit (a full disk) in the child: a clear error, and the
/// index already stored stays intact. Runs the real binary with the real CNN on small images.
final class IndexCrashTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
    private var index: URL { root.appendingPathComponent("index") }
    private var jointVectors: URL { index.appendingPathComponent("vectors/joint.g0.f32") }
    private let imageCount = 96
    private let embeddingDimension = 32

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    func testKilledRunsResumeWithoutLossOrDuplicates() throws {
        let model = try makeModel()
        let catalog = try makeCatalog(name: "catalog.jsonl", range: 0..<imageCount)
        let args = ["index", "--catalog", catalog.path, "--model", model.path, "--index", index.path, "--batch-size", "8", "--quiet"]

        // Two runs killed at different depths, then one that finishes.
        for killAfterRows in [16, 56] {
            let log = try launchAndKill(args, whenRowsWritten: killAfterRows)
            let stored = try SQLiteIndexStore.openForReading(at: index).itemCount()
            XCTAssertLessThan(stored, imageCount + 1, "killed before the end\n\(log)")
        }
        let finished = try CLIRunner.run(args, environment: environment)
        XCTAssertEqual(finished.status, 2, "finished, with the one undecodable image failed: \(finished.stderr)")
        XCTAssertTrue(finished.stdout.contains("1 failed"), finished.stdout)
        try assertComplete(okItems: imageCount, failed: 1)

        // A full disk while adding images: a clear error, then a clean resume.
        let grown = try makeCatalog(name: "grown.jsonl", range: 0..<(imageCount + 24))
        let grownArgs = ["index", "--catalog", grown.path, "--model", model.path, "--index", index.path, "--batch-size", "8", "--quiet"]
        let limitBlocks = (try FileManager.default.attributesOfItem(atPath: index.appendingPathComponent("vectors/gem.g0.f32").path)[.size] as! Int) / 512 + 4
        let full = try runWithFileSizeLimit(blocks: limitBlocks, grownArgs)
        XCTAssertNotEqual(full.status, 0, "a write past the size limit must fail the run")
        XCTAssertTrue(full.stderr.contains("full"), "the error says the disk is full: \(full.stderr)")
        try assertComplete(okItems: imageCount, failed: 1, allowMore: true)

        let resumed = try CLIRunner.run(grownArgs, environment: environment)
        XCTAssertEqual(resumed.status, 2, resumed.stderr)
        try assertComplete(okItems: imageCount + 24, failed: 1)
    }

    // MARK: Checks

    /// `--check` passes and the index holds each item once, every ok item with its own row.
    private func assertComplete(okItems: Int, failed: Int, allowMore: Bool = false, line: UInt = #line) throws {
        let check = try CLIRunner.run(["index", "--index", index.path, "--check"], environment: environment)
        XCTAssertEqual(check.status, 0, "--check: \(check.stdout)\(check.stderr)", line: line)
        let store = try SQLiteIndexStore.openForReading(at: index)
        var ok = 0, bad = 0, rows = Set<Int>()
        try store.forEachItem { item in
            if item.item.status == .ok { ok += 1; rows.insert(item.vectorRow!) } else { bad += 1 }
        }
        if allowMore {
            XCTAssertGreaterThanOrEqual(ok, okItems, line: line)
        } else {
            XCTAssertEqual(ok, okItems, line: line)
            XCTAssertEqual(try store.vectors("joint").count, okItems, "no row written twice", line: line)
        }
        XCTAssertEqual(rows.count, ok, "one row per item", line: line)
        XCTAssertEqual(bad, failed, line: line)
    }

    // MARK: Child processes

    private var environment: [String: String] { ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path] }

    /// Starts `imgsearch args`, SIGKILLs it once the joint vector file holds `rows` rows, returns its stderr.
    private func launchAndKill(_ args: [String], whenRowsWritten rows: Int) throws -> String {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let logURL = root.appendingPathComponent("child-\(rows).log")
        XCTAssertTrue(FileManager.default.createFile(atPath: logURL.path, contents: nil))
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let target = 256 + rows * embeddingDimension * 4
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: jointVectors.path)[.size] as? Int) ?? 0
            if size >= target { break }
            usleep(5_000)
        }
        XCTAssertTrue(process.isRunning, "the child finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        try log.close()
        return (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// Runs `imgsearch args` under `ulimit -f blocks` (512-byte blocks): every file write past
    /// that size fails with EFBIG, as on a full disk.
    private func runWithFileSizeLimit(blocks: Int, _ args: [String]) throws -> CLIRunner.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f \(blocks) && exec \"$0\" \"$@\"", CLIRunner.binary.path] + args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = root.appendingPathComponent("limited.out"), err = root.appendingPathComponent("limited.err")
        for url in [out, err] { XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil)) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return CLIRunner.Result(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                                stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    // MARK: Fixtures

    /// An untrained joint model: its weights are random, but indexing only needs it to be a model.
    private func makeModel() throws -> URL {
        var config = JointModelConfig()
        config.embeddingDimension = embeddingDimension
        config.wordDimension = 8
        config.gruHiddenSize = 8
        let vocabulary = WordVocabulary(words: ["image", "pattern"])
        let model = JointModel(config: config, vocabulary: vocabulary, featureMean: [Float](repeating: 0, count: 1280),
                               featureScale: [Float](repeating: 1, count: 1280), seed: 7)
        let directory = root.appendingPathComponent("model")
        try model.save(to: directory)
        return directory
    }

    /// Distinct 48×48 patterns (one per n) and one undecodable file, as a JSON Lines catalog.
    private func makeCatalog(name: String, range: Range<Int>) throws -> URL {
        let images = root.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        var lines: [String] = []
        for n in range {
            let url = images.appendingPathComponent("\(n).png")
            if !FileManager.default.fileExists(atPath: url.path) {
                var pixels = [UInt8](repeating: 0, count: 48 * 48 * 3)
                for i in 0..<(48 * 48) {
                    pixels[i * 3] = UInt8(truncatingIfNeeded: (i % 48) * (n + 1))
                    pixels[i * 3 + 1] = UInt8(truncatingIfNeeded: (i / 48) * (n % 7 + 1))
                    pixels[i * 3 + 2] = UInt8(truncatingIfNeeded: n * 29)
                }
                try PNGWriter.write(RGBImage(width: 48, height: 48, pixels: pixels), to: url)
            }
            lines.append(#"{"id": "p\#(n)", "image": "images/\#(n).png", "title": "pattern \#(n)"}"#)
        }
        try Data("garbage".utf8).write(to: images.appendingPathComponent("broken.png"))
        lines.append(#"{"id": "broken", "image": "images/broken.png", "title": "not an image"}"#)
        let url = root.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }
}
