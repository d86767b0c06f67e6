import Foundation
import Tensor
import VisionEncoder
import XCTest

/// A narrow torchvision-style ResNet ([3, 4, 6, 3] Bottleneck blocks, width 4) with generated weights,
/// loaded from a zip-format .pth, against the numpy reference scripts/reference/resnet_numpy.py.
final class ResNetTests: XCTestCase {
    func testNarrowResNetMatchesNumpyReference() throws {
        let model = try ResNet(checkpoint: Fixtures.url("resnet_narrow.pth"))
        XCTAssertEqual(model.blockCounts, [3, 4, 6, 3])
        XCTAssertEqual(model.baseWidth, 4)
        XCTAssertEqual(model.featureDimension, 128)
        XCTAssertEqual(model.identifier, "resnet-bottleneck-3-4-6-3-w4")

        let fixture = try Fixtures.json("resnet_narrow_parity.json")
        let output = model.forward(EfficientNetLite0Tests.syntheticInput(count: 2, size: 64))
        for (key, actual) in [("maxPooled", output.maxPooled), ("avgPooled", output.avgPooled), ("logits", try XCTUnwrap(output.logits))] {
            let expected = try XCTUnwrap(fixture[key] as? [[Any]]).map(\.floats)
            XCTAssertEqual(actual.shape, [2, expected[0].count], key)
            for n in 0..<2 { for c in 0..<expected[0].count {
                XCTAssertEqual(actual.data[n * expected[0].count + c], expected[n][c], accuracy: 1e-3, "\(key)[\(n), \(c)]")
            } }
        }
    }

    func testSafetensorsRoundTripGivesTheSameNetwork() throws {
        let pth = try ResNet(checkpoint: Fixtures.url("resnet_narrow.pth"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("resnet-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try VisionModelFile.convert(from: Fixtures.url("resnet_narrow.pth"), to: directory)
        let loaded = try VisionModelFile.load(directory)
        XCTAssertEqual(loaded.identifier, pth.identifier)
        let input = EfficientNetLite0Tests.syntheticInput(count: 1, size: 48)
        XCTAssertEqual(loaded.forward(input).maxPooled, pth.forward(input).maxPooled)
    }

    func testStateDictWithoutStemIsRejected() {
        XCTAssertThrowsError(try ResNet(stateDict: ["fc.weight": Tensor(zeros: [10, 8])], source: "r.pth")) {
            XCTAssertTrue("\($0)".contains("conv1.weight"), "\($0)")
        }
    }
}
