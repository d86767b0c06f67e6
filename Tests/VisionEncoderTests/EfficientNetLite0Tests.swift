import Foundation
import Imaging
import Tensor
import VisionEncoder
import Weights
import XCTest

/// EfficientNet-Lite0 on the real ImageNet weights against the numpy reference, and on real photos.
final class EfficientNetLite0Tests: XCTestCase {
    static let model: EfficientNetLite0? = try? EfficientNetLite0.pretrained()

    private func pretrained() throws -> EfficientNetLite0 {
        try XCTUnwrap(Self.model, "EfficientNet-Lite0 weights not found; run `make setup`")
    }

    /// The same deterministic images as `synthetic_input` in scripts/reference/efficientnet_numpy.py.
    static func syntheticInput(count: Int, size: Int) -> Tensor {
        var data: [Float] = []
        data.reserveCapacity(count * size * size * 3)
        for n in 0..<count { for y in 0..<size { for x in 0..<size { for c in 0..<3 {
            data.append(Float(sin(0.031 * Double((y + 1) * (c + 1)) + 0.017 * Double(x * (n + 2)) + 0.5 * Double(n))))
        } } } }
        return Tensor(shape: [count, size, size, 3], data: data)
    }

    func testLogitsAndPooledFeaturesMatchNumpyReferenceOnEveryPath() throws {
        defer { CPUKernels.path = CPUKernels.supported }
        for path in CPUKernels.runnable {
            CPUKernels.path = path
            try checkNumpyParity(path)
        }
    }

    private func checkNumpyParity(_ path: KernelPath) throws {
        let model = try pretrained()
        let fixture = try Fixtures.json("efficientnet_lite0_parity.json")
        let expectedLogits = try XCTUnwrap(fixture["logits"] as? [[Any]]).map(\.floats)
        let output = model.forward(Self.syntheticInput(count: 2, size: 224))
        let logits = try XCTUnwrap(output.logits)
        XCTAssertEqual(logits.shape, [2, 1000])
        XCTAssertEqual(output.maxPooled.shape, [2, 1280])
        var worst: Float = 0
        for n in 0..<2 { for k in 0..<1000 { worst = max(worst, abs(logits.data[n * 1000 + k] - expectedLogits[n][k])) } }
        XCTAssertLessThan(worst, 1e-3, "\(path): largest logit difference from the numpy reference")

        let indices = try XCTUnwrap(fixture["featureIndices"] as? [Int])
        for (key, pooled) in [("maxPooled", output.maxPooled), ("avgPooled", output.avgPooled), ("gemPooled", output.gemPooled)] {
            let expected = try XCTUnwrap(fixture[key] as? [[Any]]).map(\.floats)
            for n in 0..<2 { for (j, c) in indices.enumerated() {
                XCTAssertEqual(pooled.data[n * 1280 + c], expected[n][j], accuracy: 1e-4, "\(path): \(key)[\(n), \(c)]")
            } }
        }
    }

    func testBatchOfOneEqualsRowOfBatch() throws {
        let model = try pretrained()
        let pair = Self.syntheticInput(count: 2, size: 96)
        let second = Tensor(shape: [1, 96, 96, 3], data: Array(pair.data[(96 * 96 * 3)...]))
        let together = model.forward(pair).maxPooled, alone = model.forward(second).maxPooled
        XCTAssertEqual(together.shape, [2, 1280])
        for c in 0..<1280 { XCTAssertEqual(together.data[1280 + c], alone.data[c], accuracy: 1e-4) }
    }

    func testOneImageOnTwoThreadsEqualsOneThread() throws {
        // Two threads on one image run the small maps layer by layer (split by rows or by output channels)
        // instead of in fused bands: the same numbers up to summation order.
        let model = try pretrained()
        let image = Self.syntheticInput(count: 1, size: 224)
        XCTAssertLessThan(maxDifference(model.featureMap(image, threads: 2), model.featureMap(image, threads: 1)), 1e-4)
    }

    func testImagesGroupedThroughTheTailEqualImagesAlone() throws {
        // Batches of at least two images per thread carry up to 4 images together through the 14×14 and 7×7 blocks:
        // 5 on one thread (a group of 4 and one of 1) and 6 on two (3 each) against one image at a time.
        let model = try pretrained()
        for (count, threads) in [(5, 1), (6, 2)] {
            let batch = Self.syntheticInput(count: count, size: 224)
            let together = model.featureMap(batch, threads: threads)
            let perImage = 224 * 224 * 3, mapCount = together.count / count
            for image in [0, count - 1] {
                let alone = model.featureMap(Tensor(shape: [1, 224, 224, 3], data: Array(batch.data[(image * perImage)..<((image + 1) * perImage)])),
                                             threads: 1)
                let row = Tensor(shape: alone.shape, data: Array(together.data[(image * mapCount)..<((image + 1) * mapCount)]))
                XCTAssertLessThan(maxDifference(row, alone), 1e-4, "image \(image) of \(count) on \(threads) threads")
            }
        }
    }

    func testEveryKernelPathGivesTheSameFeatures() throws {
        // Each path this CPU runs (AVX-512, AVX2, the OpenBLAS + Swift baseline) through the whole network, at
        // batch 1 on two threads (layer by layer) and batch 33 (images carried 4 at a time through the tail).
        let model = try pretrained()
        defer { CPUKernels.path = CPUKernels.supported }
        let one = Self.syntheticInput(count: 1, size: 96), many = Self.syntheticInput(count: 33, size: 64)
        CPUKernels.path = .baseline
        let reference = (model.featureMap(one, threads: 2), model.featureMap(many, threads: 2))
        for path in KernelPath.allCases where path != .baseline {
            guard path <= CPUKernels.supported else {
                print("\(#function): \(path) path skipped: this CPU offers \(CPUKernels.supported) at most")
                continue
            }
            CPUKernels.path = path
            XCTAssertLessThan(maxDifference(model.featureMap(one, threads: 2), reference.0), 1e-4, "\(path), batch 1")
            XCTAssertLessThan(maxDifference(model.featureMap(many, threads: 2), reference.1), 1e-4, "\(path), batch 33")
        }
    }

    func testRealPhotosGetTheirClassInTopFive() throws {
        let model = try pretrained()
        let expectations: [(file: String, acceptable: Set<String>)] = [
            ("chelsea.jpg", ["tabby cat", "a cat having a striped coat", "Egyptian Mau"]),
            ("coffee.jpg", ["espresso", "coffee mug", "cup"]),
            ("rocket.jpg", ["missile", "projectile", "space shuttle"]),
        ]
        let images = try expectations.map { try ImageDecoder.decode(contentsOf: Fixtures.url($0.file)) }
        let logits = try XCTUnwrap(model.forward(ImageBatch.make(images, model.preprocessing)).logits)
        for (row, expectation) in expectations.enumerated() {
            let top = ImageNetLabels.top(5, logits: logits.data[(row * 1000)..<((row + 1) * 1000)])
            XCTAssertFalse(expectation.acceptable.isDisjoint(with: top.map(\.name)),
                           "\(expectation.file): top 5 were \(top.map(\.name))")
        }
    }

    func testImageNetLabelsAreTheThousandClasses() {
        XCTAssertEqual(ImageNetLabels.names.count, 1000)
        XCTAssertEqual(ImageNetLabels.names[954], "banana")
        let top = ImageNetLabels.top(2, logits: ArraySlice([0, 2, 1] + [Float](repeating: -50, count: 997)))
        XCTAssertEqual(top.map(\.index), [1, 2])
        XCTAssertEqual(top[0].probability, expf(2) / (expf(0) + expf(1) + expf(2)), accuracy: 1e-5)
    }

    func testWrongStateDictIsRejectedWithItsName() {
        XCTAssertThrowsError(try EfficientNetLite0(stateDict: ["_conv_stem.weight": Tensor(zeros: [32, 3, 3, 3])], source: "x.pth")) {
            XCTAssertTrue("\($0)".contains("x.pth") && "\($0)".contains("_bn0.weight"), "\($0)")
        }
    }
}

/// `imgsearch convert`: .pth → model directory → .pth keeps every weight and the network.
final class VisionModelFileTests: XCTestCase {
    func testLite0ConvertsToDirectoryAndBackLosslessly() throws {
        guard let pth = try? Assets.require(Assets.efficientNetLite0File) else { throw XCTSkip("run `make setup`") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("lite0"), back = root.appendingPathComponent("back.pth")
        try VisionModelFile.convert(from: pth, to: directory)
        try VisionModelFile.convert(from: directory, to: back)
        let original = try PyTorchCheckpoint.read(pth), roundTrip = try PyTorchCheckpoint.read(back)
        XCTAssertEqual(Set(roundTrip.keys), Set(original.keys.filter { !$0.hasSuffix("num_batches_tracked") }))
        for (name, tensor) in roundTrip { XCTAssertEqual(tensor, original[name], name) }
        let model = try VisionModelFile.load(directory)
        XCTAssertEqual(model.identifier, "efficientnet-lite0")
        XCTAssertEqual(model.featureDimension, 1280)
    }

    func testUnknownStateDictIsRejected() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("other-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(["encoder.weight": Tensor(zeros: [2, 2])], to: url)
        XCTAssertThrowsError(try VisionModelFile.load(url)) { XCTAssertTrue("\($0)".contains("neither"), "\($0)") }
    }
}

private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape)
    return zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
}
