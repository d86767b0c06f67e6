import Foundation
import FuzzSupport
import Tensor
import Weights
import XCTest

/// Weight files fuzzed: PyTorch checkpoints (legacy pickle and ZIP), safetensors. A mutated file is refused
/// with a `WeightsError` or read; a ZIP checkpoint read after damage must hold exactly the original tensors
/// (every entry is CRC-checked), and no file may yield a non-finite weight.
final class WeightsFuzzTests: XCTestCase {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func typed<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as WeightsError { throw error } catch {
            XCTFail("an untyped error: \(error)")
            throw error
        }
    }

    func testMutatedPyTorchCheckpoints() throws {
        let zip = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("tiny_zip.pth")))
        let legacy = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("tiny_legacy.pth")))
        let resnet = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("../../VisionEncoderTests/Fixtures/resnet_narrow.pth")))
        let expectedZip = try PyTorchCheckpoint.load(zip, name: "tiny_zip.pth")
        var fuzzer = Fuzzer(seed: 18)
        var zipDamageAccepted = 0
        let zipReport = fuzzer.run("PyTorch ZIP checkpoint", corpus: [zip, resnet], count: 10_000, budget: 25) { bytes in
            let checkpoint = try typed { try PyTorchCheckpoint.load(bytes, name: "fuzzed.pth") }
            XCTAssertTrue(checkpoint.tensors.values.allSatisfy { $0.data.allSatisfy(\.isFinite) })
            if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]), checkpoint.names == expectedZip.names,
               checkpoint.names.contains(where: { checkpoint.tensors[$0]!.data != expectedZip.tensors[$0]!.data }) {
                zipDamageAccepted += 1
            }
        }
        XCTAssertEqual(zipDamageAccepted, 0, "a damaged ZIP checkpoint was read as other weights")
        XCTAssertGreaterThan(zipReport.rejected, 0)
        // Pickle: the legacy format carries no checksum, so flipped weight bytes read as other weights (by design
        // of the format); the property here is a typed error or a well-formed state dict, never a crash or hang.
        let legacyReport = fuzzer.run("PyTorch legacy pickle", corpus: [legacy], count: 10_000, budget: 40) { bytes in
            let checkpoint = try typed { try PyTorchCheckpoint.load(bytes, name: "fuzzed.pth") }
            for (name, tensor) in checkpoint.tensors {
                XCTAssertEqual(tensor.data.count, tensor.shape.reduce(1, *), name)
            }
        }
        XCTAssertGreaterThan(legacyReport.rejected, 0)
    }

    func testMutatedSafeTensors() throws {
        let embeddings = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("../../TextEncoderTests/Fixtures/minilm_embeddings.safetensors")))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(["a.weight": Tensor(shape: [3, 4], data: (0..<12).map(Float.init)), "b.bias": Tensor(shape: [2], data: [1, -1])],
                              metadata: ["format": "pt"], to: url)
        let small = [UInt8](try Data(contentsOf: url))
        var fuzzer = Fuzzer(seed: 18)
        let report = fuzzer.run("safetensors", corpus: [small, embeddings], count: 10_000, budget: 25) { bytes in
            let file = try typed { try SafeTensors.read(Data(bytes), name: "fuzzed.safetensors") }
            for (name, tensor) in file.tensors {
                XCTAssertEqual(tensor.data.count, tensor.shape.reduce(1, *), name)
                XCTAssertTrue(tensor.data.allSatisfy(\.isFinite), name)
            }
        }
        XCTAssertGreaterThan(report.rejected, 0)
    }
}
