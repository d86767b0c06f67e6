import Foundation
import Tensor
import Weights
import XCTest

/// The PyTorch checkpoint reader against small checkpoints written by scripts/reference/checkpoint_fixtures.py
/// (offsets, strides, shared and broadcast storages, float16/64, int64) and the real EfficientNet-Lite0 file.
final class PyTorchCheckpointTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("tiny_expected.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func assertMatchesExpected(_ checkpoint: PyTorchCheckpoint, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try expected()
        XCTAssertEqual(checkpoint.names, expected["order"] as? [String], file: file, line: line)
        for name in checkpoint.names {
            let entry = try XCTUnwrap(expected[name] as? [String: Any])
            let tensor = try XCTUnwrap(checkpoint.tensors[name])
            XCTAssertEqual(tensor.shape, entry["shape"] as? [Int], name, file: file, line: line)
            let values = try XCTUnwrap(entry["values"] as? [Double]).map(Float.init)
            XCTAssertEqual(tensor.data, values, name, file: file, line: line)
        }
    }

    // MARK: Both formats

    func testLegacyFormatWithStridesOffsetsAndDtypes() throws {
        try assertMatchesExpected(try PyTorchCheckpoint.load(Self.fixtures.appendingPathComponent("tiny_legacy.pth")))
    }

    func testZipFormatWithStridesOffsetsAndDtypes() throws {
        try assertMatchesExpected(try PyTorchCheckpoint.load(Self.fixtures.appendingPathComponent("tiny_zip.pth")))
    }

    func testChannelsLastViewIsMaterialisedContiguously() throws {
        let tensors = try PyTorchCheckpoint.read(Self.fixtures.appendingPathComponent("tiny_legacy.pth"))
        let weight = try XCTUnwrap(tensors["channels_last"])
        // strides (1, 2, 12, 6) over storage values 0.5·i − 3: element [o, i, y, x] = storage[o + 2i + 12y + 6x]
        XCTAssertEqual(weight.data[((1 * 3 + 2) * 2 + 1) * 2 + 0], 0.5 * Float(1 + 4 + 12) - 3)
    }

    // MARK: The real EfficientNet-Lite0 checkpoint

    func testRealEfficientNetCheckpointKeysShapesAndValues() throws {
        guard let url = try? Assets.require(Assets.efficientNetLite0File) else {
            throw XCTSkip("EfficientNet-Lite0 weights not installed; run `make setup`")
        }
        let checkpoint = try PyTorchCheckpoint.load(url)
        XCTAssertEqual(checkpoint.names.count, 296)
        XCTAssertEqual(checkpoint.names.first, "_conv_stem.weight")
        XCTAssertEqual(checkpoint.names.last, "_fc.bias")
        XCTAssertEqual(checkpoint.tensors["_conv_stem.weight"]?.shape, [32, 3, 3, 3])
        XCTAssertEqual(checkpoint.tensors["_blocks.15._project_conv.weight"]?.shape, [320, 1152, 1, 1])
        XCTAssertEqual(checkpoint.tensors["_fc.weight"]?.shape, [1000, 1280])
        // Values the numpy reference read with Python's pickle (Tests/VisionEncoderTests/Fixtures).
        let parity = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../VisionEncoderTests/Fixtures/efficientnet_lite0_parity.json")
        let fixture = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: parity)) as? [String: Any])
        let probes = try XCTUnwrap(fixture["weightProbes"] as? [String: [Double]])
        for (name, values) in probes {
            let data = try XCTUnwrap(checkpoint.tensors[name]).data
            for (value, index) in zip(values, [0, 1, 5, data.count - 1]) {
                XCTAssertEqual(data[index], Float(value), accuracy: 1e-7, "\(name)[\(index)]")
            }
        }
    }

    // MARK: Bad input

    func testTruncatedCheckpointsAreTypedErrors() throws {
        for fixture in ["tiny_legacy.pth", "tiny_zip.pth"] {
            let bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(fixture)))
            for cut in [0, 1, 10, 20, 100, bytes.count / 2, bytes.count - 30, bytes.count - 1] {
                XCTAssertThrowsError(try PyTorchCheckpoint.load(Array(bytes.prefix(cut)), name: "cut-\(cut).pth"),
                                     "\(fixture) cut at \(cut)") { error in
                    XCTAssertEqual((error as? WeightsError)?.file, "cut-\(cut).pth", "\(error)")
                }
            }
        }
    }

    func testTruncatedRealCheckpointNamesTheReason() throws {
        guard let url = try? Assets.require(Assets.efficientNetLite0File) else {
            throw XCTSkip("EfficientNet-Lite0 weights not installed; run `make setup`")
        }
        let bytes = [UInt8](try Data(contentsOf: url))
        for cut in [200, 30_000, 47_200, bytes.count / 2, bytes.count - 4] {
            XCTAssertThrowsError(try PyTorchCheckpoint.load(Array(bytes.prefix(cut)), name: "lite0.pth")) { error in
                let reason = (error as? WeightsError)?.reason ?? ""
                XCTAssertTrue(reason.contains("truncated"), "cut at \(cut): \(error)")
            }
        }
    }

    func testGarbageAndWrongMagicAreRejected() {
        var generator = SystemRandomNumberGenerator()
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        XCTAssertThrowsError(try PyTorchCheckpoint.load(garbage, name: "noise.pth")) {
            XCTAssertTrue("\($0)".hasPrefix("noise.pth:"), "\($0)")
        }
        // A valid pickle of another number where the magic number belongs.
        let wrongMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + [UInt8](repeating: 7, count: 10) + [0x2E]
        XCTAssertThrowsError(try PyTorchCheckpoint.load(wrongMagic, name: "magic.pth")) {
            XCTAssertTrue("\($0)".contains("magic"), "\($0)")
        }
        XCTAssertThrowsError(try PyTorchCheckpoint.load([], name: "empty.pth")) { XCTAssertTrue("\($0)".contains("empty")) }
        // A zip that is not a checkpoint, and a pickle that calls something other than a tensor builder.
        XCTAssertThrowsError(try PyTorchCheckpoint.load([0x50, 0x4B, 0x03, 0x04, 0, 0], name: "bad.zip"))
    }

    func testPickleThatCallsArbitraryGlobalsIsRefused() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("tiny_legacy.pth")))
        // Rewrite the state dict's GLOBAL "collections OrderedDict" into "subprocess check_output" (same length).
        let target = Array("collections\nOrderedDict\n".utf8), replacement = Array("subprocess\ncheck_output\n".utf8)
        let start = try XCTUnwrap((0..<(bytes.count - target.count)).first { Array(bytes[$0..<($0 + target.count)]) == target })
        bytes.replaceSubrange(start..<(start + target.count), with: replacement)
        XCTAssertThrowsError(try PyTorchCheckpoint.load(bytes, name: "evil.pth")) {
            XCTAssertTrue("\($0)".contains("refusing to call subprocess.check_output"), "\($0)")
        }
    }
}

/// Writing the legacy format and reading it back.
final class PyTorchCheckpointWriterTests: XCTestCase {
    func testWrittenCheckpointReadsBackIdentically() throws {
        let original = try PyTorchCheckpoint.load(PyTorchCheckpointTests.fixtures.appendingPathComponent("tiny_zip.pth"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("written-\(UUID()).pth")
        defer { try? FileManager.default.removeItem(at: url) }
        try PyTorchCheckpoint.write(names: original.names, tensors: original.tensors, to: url)
        let reread = try PyTorchCheckpoint.load(url)
        XCTAssertEqual(reread.names, original.names)
        XCTAssertEqual(reread.tensors, original.tensors)
    }
}
