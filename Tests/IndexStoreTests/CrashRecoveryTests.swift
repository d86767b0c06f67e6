import Foundation
import IndexStore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Torn tails, flipped bits, full disks and unwritable places: the stored index must stay intact.
final class CrashRecoveryTests: XCTestCase {
    private var scratch = ScratchIndex()

    override func tearDown() { scratch.remove() }

    private func appendGarbage(to name: String, bytes: Int) throws {
        let handle = try FileHandle(forWritingTo: scratch.vectorFolder.appendingPathComponent(name))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0xAB, count: bytes))
        try handle.close()
    }

    func testTornTailIsIgnoredAndOverwritten() throws {
        do { try scratch.open().upsert([ScratchIndex.update(1), ScratchIndex.update(2)]) }
        // A crash after the vector rows were written but before SQLite committed them.
        try appendGarbage(to: "joint.g0.f32", bytes: 16 * 3 + 5)
        try appendGarbage(to: "gem.g0.f32", bytes: 7)
        let reader = try SQLiteIndexStore.openForReading(at: scratch.directory)
        XCTAssertEqual(try reader.vectors("joint").count, 2, "readers map only committed rows")

        let store = try scratch.open()
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
        try store.upsert([ScratchIndex.update(3)])
        XCTAssertEqual(try store.vectors("joint").rowArray(2), ScratchIndex.vectors(3)["joint"])
        let report = try store.checkIntegrity()
        XCTAssertTrue(report.isHealthy, report.description)
        XCTAssertEqual(report.rows, 3)
    }

    func testChangedRowsAreDetected() throws {
        let store = try scratch.open()
        try store.upsert([ScratchIndex.update(1), ScratchIndex.update(2)])
        let url = scratch.vectorFolder.appendingPathComponent("gem.g0.f32")
        var bytes = try Data(contentsOf: url)
        bytes[256 + 30] ^= 0x40
        try bytes.write(to: url)
        let report = try store.checkIntegrity()
        XCTAssertFalse(report.isHealthy)
        XCTAssertTrue(report.problems.contains { $0.contains("checksum mismatch") }, report.description)
    }

    func testLeftoversOfAnInterruptedCompactionAreDeleted() throws {
        do { try scratch.open().upsert([ScratchIndex.update(1)]) }
        try Data(repeating: 1, count: 300).write(to: scratch.vectorFolder.appendingPathComponent("joint.g1.f32"))
        let store = try scratch.open()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.vectorFolder.path).sorted(), ["gem.g0.f32", "joint.g0.f32"])
        XCTAssertTrue(try store.checkIntegrity().isHealthy)
    }

    func testDiskFullLeavesTheIndexAsItWas() throws {
        let store = try scratch.open()
        try store.upsert((0..<3).map { ScratchIndex.update($0) })
        // Simulate a full disk: no file of this process may grow past its current size.
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        var original = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &original)
        var tight = original
        tight.rlim_cur = rlim_t(256 + 3 * 6 * 4) // header + the three rows of the larger set
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &tight)
        XCTAssertThrowsError(try store.upsert((3..<50).map { ScratchIndex.update($0) })) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .io, "\(error)")
            XCTAssertTrue("\(error)".contains("gem.g0.f32") || "\(error)".contains("joint.g0.f32"), "\(error)")
        }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &original)
        signal(SIGXFSZ, previousHandler)

        XCTAssertEqual(try store.itemCount(), 3)
        let reopened = try scratch.open()
        XCTAssertTrue(try reopened.checkIntegrity().isHealthy)
        XCTAssertEqual(try reopened.vectors("gem").rowArray(2), ScratchIndex.vectors(2)["gem"])
        try reopened.upsert([ScratchIndex.update(3)])
        XCTAssertEqual(try reopened.itemCount(), 4)
    }

    func testUncreatableDirectoryIsAClearError() throws {
        let file = scratch.directory.appendingPathExtension("file")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertThrowsError(try SQLiteIndexStore.openForWriting(at: file.appendingPathComponent("index"), modelIdentifier: "m",
                                                                 vectorSets: ScratchIndex.sets)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .io, "\(error)")
            XCTAssertTrue("\(error)".contains("cannot create the index directory"), "\(error)")
        }
    }
}
