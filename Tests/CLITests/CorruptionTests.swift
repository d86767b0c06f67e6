import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Damage on disk as bad luck makes it, against the real binary: single flipped bits anywhere and pairs of
/// flipped top bits (which cancelled under the old FNV-1a checksum) in every checksummed file of an index
/// must make `imgsearch index --check` name the file; a damaged WAL must not silently drop items.
final class CorruptionTests: XCTestCase {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString)")
    private var env: [String: String] { ["IMGSEARCH_CACHE": root.appendingPathComponent("cache").path] }
    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    /// A catalog of `count` distinct patterns (40: enough for the whitening, whose minimum is 32).
    private func catalog(_ name: String, count: Int) throws -> URL {
        for n in 0..<count where !FileManager.default.fileExists(atPath: root.appendingPathComponent("images/\(n).png").path) {
            try CLIFixtures.writePattern(n, to: root.appendingPathComponent("images/\(n).png"))
        }
        let url = root.appendingPathComponent(name)
        try CLIFixtures.writeCatalog((0..<count).map { ("p\($0)", "images/\($0).png") }, to: url)
        return url
    }

    private func indexArgs(_ catalog: URL, _ index: URL) throws -> [String] {
        let model = root.appendingPathComponent("model")
        if !FileManager.default.fileExists(atPath: model.path) { _ = try CLIFixtures.makeModel(in: model) }
        return ["index", "--catalog", catalog.path, "--model", model.path, "--index", index.path, "--batch-size", "8", "--quiet"]
    }

    func testEveryFlipInEveryChecksummedFileIsNamedByCheck() throws {
        let pristine = root.appendingPathComponent("index")
        let built = try CLIRunner.run(try indexArgs(try catalog("catalog.jsonl", count: 40), pristine), environment: env)
        XCTAssertEqual(built.status, 0, built.stderr)
        let files = try ["vectors", "search"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: pristine.appendingPathComponent(folder).path)
                .filter { $0.hasSuffix(".f32") || $0.hasSuffix(".bin") }.map { "\(folder)/\($0)" }
        }.sorted()
        XCTAssertTrue(Set(files).isSuperset(of: ["vectors/joint.g0.f32", "vectors/gem.g0.f32", "vectors/max.g0.f32",
                                                 "search/whitening.bin", "search/whitened.bin"]), "\(files)")
        let clean = try CLIRunner.run(["index", "--check", "--index", pristine.path])
        XCTAssertEqual(clean.status, 0, clean.stdout + clean.stderr)

        var random = SplitMix(seed: 18)
        let trial = root.appendingPathComponent("trial")
        for file in files {
            let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: pristine.appendingPathComponent(file).path)[.size] as? Int)
            // Single bits anywhere (the header included), then pairs of top bits of consecutive 64-bit words.
            var flips: [[(offset: Int, mask: UInt8)]] = (0..<5).map { _ in [(Int(random.next() % UInt64(size)), UInt8(1) << (random.next() % 8))] }
            for _ in 0..<3 {
                let word = 4 + Int(random.next() % UInt64(size / 8 - 5))
                flips.append([(word * 8 + 7, 0x80), (word * 8 + 15, 0x80)])
            }
            for flip in flips {
                try? FileManager.default.removeItem(at: trial)
                try FileManager.default.copyItem(at: pristine, to: trial)
                let url = trial.appendingPathComponent(file)
                var bytes = try Data(contentsOf: url)
                for (offset, mask) in flip { bytes[offset] ^= mask }
                try bytes.write(to: url)
                let check = try CLIRunner.run(["index", "--check", "--index", trial.path])
                let output = check.stdout + check.stderr
                let what = "\(file) flipped at \(flip.map { "\($0.offset)/\(String($0.mask, radix: 16))" })"
                let name = (file as NSString).lastPathComponent
                XCTAssertFalse(output.contains("\(file): up to date"), "\(what) passed the check:\n\(output)")
                if file.hasPrefix("vectors/") {
                    XCTAssertEqual(check.status, 1, "\(what):\n\(output)")
                    XCTAssertTrue(output.contains(name), "\(what): the report does not name the file:\n\(output)")
                } else {
                    XCTAssertTrue(output.contains(file) && !output.contains("\(file): up to date"), "\(what):\n\(output)")
                }
            }
        }
    }

    /// A run killed after some commits leaves them in the WAL; one damaged frame there makes SQLite drop it and
    /// every later one. The vector files still count the rows: `--check` says so, search and index refuse.
    func testDamagedWALIsReportedAndRefusedNotSilentlyShrunk() throws {
        let index = root.appendingPathComponent("index")
        let first = try CLIRunner.run(try indexArgs(try catalog("small.jsonl", count: 16), index), environment: env)
        XCTAssertEqual(first.status, 0, first.stderr)
        let wal = index.appendingPathComponent("index.sqlite-wal")
        XCTAssertEqual((try? FileManager.default.attributesOfItem(atPath: wal.path)[.size] as? Int) ?? 0, 0,
                       "an indexing run ends with the WAL checkpointed into the database")

        // A bigger run, killed once it has committed a few batches (the header counts them after each commit).
        let joint = index.appendingPathComponent("vectors/joint.g0.f32")
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = try indexArgs(try catalog("big.jsonl", count: 200), index)
        process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            let header = (try? FileHandle(forReadingFrom: joint)).flatMap { try? $0.read(upToCount: 24) } ?? Data()
            if header.count == 24, header[16..<24].enumerated().reduce(0, { $0 | Int($1.element) << (8 * $1.offset) }) >= 40 { break }
            usleep(2_000)
        }
        XCTAssertTrue(process.isRunning, "the run finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        var log = try Data(contentsOf: wal)
        XCTAssertGreaterThan(log.count, 32 + 24 + 4096, "the killed run's commits are in the WAL")
        log[32 + 24 + 200] ^= 0x01  // inside the first frame's page: its checksum fails
        try log.write(to: wal)

        let check = try CLIRunner.run(["index", "--check", "--index", index.path])
        XCTAssertEqual(check.status, 1, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("joint.g0.f32") && check.stdout.contains("lost committed transactions"), check.stdout)
        let search = try CLIRunner.run(["search", "--index", index.path, "pattern"], environment: env)
        XCTAssertNotEqual(search.status, 0, "search over a store that lost rows:\n\(search.stdout)")
        XCTAssertTrue(search.stderr.contains("lost committed transactions"), search.stderr)
        let again = try CLIRunner.run(try indexArgs(root.appendingPathComponent("small.jsonl"), index), environment: env)
        XCTAssertEqual(again.status, 1, "indexing must not cut the vector files to the shrunken database:\n\(again.stdout)")
        XCTAssertTrue(again.stderr.contains("lost committed transactions"), again.stderr)
    }
}

/// A tiny seeded generator (SplitMix64): the same flips on every run.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
