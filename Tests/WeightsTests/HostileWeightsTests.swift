import Foundation
import Tensor
import Weights
import XCTest

/// Weight files made to hurt: deep or cyclic pickles, safetensors headers whose shapes overflow, ZIP entries
/// damaged under an intact directory, and NaN weights. Each must be a typed error, never a crash or a model.
final class HostileWeightsTests: XCTestCase {
    /// A legacy-format checkpoint whose first pickle (where the protocol version belongs) is `body`.
    private func legacyCheckpoint(_ body: [UInt8]) -> [UInt8] {
        [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E] + [0x80, 0x02] + body + [0x2E]
    }

    private func assertRefused(_ bytes: [UInt8], mentioning needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PyTorchCheckpoint.load(bytes, name: "hostile.pth"), file: file, line: line) { error in
            XCTAssertTrue(error is WeightsError, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(needle), "\(error)", file: file, line: line)
        }
    }

    func testFiftyThousandNestedListsAreRefusedNotACrash() {
        let depth = 50_000
        assertRefused(legacyCheckpoint([UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1)),
                      mentioning: "nested deeper than 64")
        // Tuples and dicts nest too.
        assertRefused(legacyCheckpoint([0x29] + [UInt8](repeating: 0x85, count: depth)), mentioning: "nested deeper than 64")
        // Dicts: EMPTY_DICT, key 0, … then the innermost EMPTY_DICT and one SETITEM per level.
        assertRefused(legacyCheckpoint((0..<depth).flatMap { _ in [0x7D, 0x4B, 0x00] } + [0x7D] + [UInt8](repeating: 0x73, count: depth)),
                      mentioning: "nested deeper than 64")
    }

    /// Found by the fuzzer: DUP and TUPLE2 sixty times make a tuple whose two elements are one tuple, and so on
    /// down; walking it as a tree took 2^60 steps. Depths are computed once per tuple now.
    func testSharedTuplesAreMeasuredOnceNotPerPath() {
        assertRefused(legacyCheckpoint([0x29] + (0..<60).flatMap { _ in [0x32, 0x86] }), mentioning: "legacy protocol")
        assertRefused(legacyCheckpoint([0x29] + (0..<100).flatMap { _ in [0x32, 0x86] }), mentioning: "nested deeper than 64")
    }

    func testAListAppendedToItselfIsRefused() {
        // EMPTY_LIST, MEMOIZE, BINGET 0, APPEND: the list would contain itself.
        assertRefused(legacyCheckpoint([0x5D, 0x94, 0x68, 0x00, 0x61]), mentioning: "cyclic")
        // A list changed after it was put in another: EMPTY_LIST, MEMOIZE, TUPLE1, BINGET 0, NONE, APPEND.
        assertRefused(legacyCheckpoint([0x5D, 0x94, 0x85, 0x68, 0x00, 0x4E, 0x61]), mentioning: "cyclic")
    }

    func testSafeTensorsShapeWhoseProductOverflowsIsAnError() throws {
        for shape in ["[4611686018427387904, 4]", "[-1, -4]", "[3037000500, 3037000500]", "[\"a\"]"] {
            let header = Data(#"{"w": {"dtype": "F32", "shape": \#(shape), "data_offsets": [0, 16]}}"#.utf8)
            var length = UInt64(header.count).littleEndian
            let bytes = Data(bytes: &length, count: 8) + header + Data(count: 16)
            XCTAssertThrowsError(try SafeTensors.read(bytes, name: "hostile.safetensors"), shape) { error in
                XCTAssertTrue(error is WeightsError, "\(error)")
            }
        }
    }

    func testNonFiniteWeightsAreRefusedNamingTheTensor() throws {
        for bad: Float in [.nan, .infinity, -.infinity] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(UUID().uuidString).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try SafeTensors.write(["good": Tensor(shape: [2], data: [1, 2]), "head.weight": Tensor(shape: [3], data: [0, bad, 1])], to: url)
            XCTAssertThrowsError(try SafeTensors.read(url)) { error in
                XCTAssertTrue("\(error)".contains("head.weight") && "\(error)".contains("non-finite"), "\(error)")
            }
        }
    }

    func testDamagedZipEntryFailsItsCRC() throws {
        var bytes = [UInt8](try Data(contentsOf: PyTorchCheckpointTests.fixtures.appendingPathComponent("tiny_zip.pth")))
        XCTAssertNoThrow(try PyTorchCheckpoint.load(bytes, name: "tiny_zip.pth"))
        // The first storage entry's local header: 30 bytes, then its name and extra field, then the stored bytes.
        let name = Array("data/0".utf8)
        let at = try XCTUnwrap((0..<(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        let header = try XCTUnwrap(stride(from: at, through: max(0, at - 200), by: -1).first { bytes[$0..<($0 + 4)] == [0x50, 0x4B, 0x03, 0x04] })
        let dataStart = header + 30 + Int(bytes[header + 26]) + Int(bytes[header + 27]) << 8 + Int(bytes[header + 28]) + Int(bytes[header + 29]) << 8
        bytes[dataStart + 1] ^= 0x40
        XCTAssertThrowsError(try PyTorchCheckpoint.load(bytes, name: "tiny_zip.pth")) { error in
            XCTAssertTrue("\(error)".contains("CRC-32"), "\(error)")
        }
    }
}

extension HostileWeightsTests {
    /// Found by the fuzzer: 20,000 calls of OrderedDict (DUP, NEWFALSE, BINGET, EMPTY_TUPLE, REDUCE) took 10 s,
    /// because each pop inside `stack.append(…)` copied the whole stack. Now linear: refused quickly as usual.
    func testManyCallsOnADeepStackStayLinear() throws {
        let globalThenCalls: [UInt8] = Array("ccollections\nOrderedDict\n".utf8) + [0x71, 0x00, 0x29, 0x52]
            + (0..<50_000).flatMap { _ in [0x32, 0x89, 0x68, 0x00, 0x29, 0x52] as [UInt8] }
        assertRefused(legacyCheckpoint(globalThenCalls), mentioning: "legacy protocol")
    }
}
