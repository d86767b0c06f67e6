import Foundation
import Tensor
import Weights
import XCTest

final class SafeTensorsTests: XCTestCase {
    func testRoundTripKeepsValuesShapesAndMetadata() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let a = Tensor(shape: [2, 3], data: [1, -2, 3.5, 4, 5, 6])
        let b = Tensor(shape: [1], data: [Float.pi])
        try SafeTensors.write(["a": a, "b.weight": b], metadata: ["format": "pt"], to: url)
        let file = try SafeTensors.read(url)
        XCTAssertEqual(file.tensors["a"], a)
        XCTAssertEqual(file.tensors["b.weight"], b)
        XCTAssertEqual(file.metadata["format"], "pt")
    }

    func testTruncatedFileIsATypedErrorNamingTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(["w": Tensor(zeros: [64, 64])], to: url)
        let full = try Data(contentsOf: url)
        try full.prefix(full.count - 100).write(to: url)
        XCTAssertThrowsError(try SafeTensors.read(url)) { error in
            let e = error as? WeightsError
            XCTAssertEqual(e?.file, url.path)
            XCTAssertTrue(e?.reason.contains("truncated") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try SafeTensors.read(Data([1, 2, 3])))
    }
}
