import Foundation
import Imaging
import ImgSearchKit
import Tensor
import VisionEncoder

/// A backbone small enough for unit tests: 8×8 input, 4 channels derived from the pixels,
/// counting how many images it was asked to encode.
final class FakeBackbone: Backbone {
    let identifier = "fake-net"
    let featureDimension = 4
    let preprocessing = Preprocessing(size: 8, fit: .stretch, mean: [0, 0, 0], std: [255, 255, 255])
    /// With a classifier, the logits are the three channel maxima (three "classes").
    let hasClassifier: Bool
    private(set) var encodedImages = 0

    init(hasClassifier: Bool = false) { self.hasClassifier = hasClassifier }

    func forward(_ batch: Tensor) -> BackboneOutput {
        let n = batch.shape[0], plane = 8 * 8 * 3
        encodedImages += n
        var maxPooled = [Float](), avgPooled = [Float](), gemPooled = [Float]()
        for i in 0..<n {
            let pixels = batch.data[(i * plane)..<((i + 1) * plane)]
            for c in 0..<3 {
                let channel = stride(from: c, to: plane, by: 3).map { pixels[pixels.startIndex + $0] }
                maxPooled.append(channel.max()!)
                avgPooled.append(channel.reduce(0, +) / Float(channel.count))
            }
            maxPooled.append(1)
            avgPooled.append(0.5)
            gemPooled += avgPooled.suffix(4).map { $0 * 2 }
        }
        let logits = (0..<n).flatMap { Array(maxPooled[($0 * 4)..<($0 * 4 + 3)]) }
        return BackboneOutput(maxPooled: Tensor(shape: [n, 4], data: maxPooled), avgPooled: Tensor(shape: [n, 4], data: avgPooled),
                              gemPooled: Tensor(shape: [n, 4], data: gemPooled), logits: hasClassifier ? Tensor(shape: [n, 3], data: logits) : nil)
    }
}

/// A "joint model" that scales the max-pooled features into 2 dimensions.
final class FakeEmbeddingModel: ImageEmbeddingModel {
    let identifier: String
    let embeddingDimension = 2
    let backboneIdentifier = "fake-net"
    let pooling = "max"

    init(identifier: String = "fake-model-1") { self.identifier = identifier }

    func embedImages(features: Tensor) -> Tensor {
        let n = features.shape[0]
        var data: [Float] = []
        for i in 0..<n {
            let row = Array(features.data[(i * 4)..<(i * 4 + 4)])
            data.append(row[0] * 2)
            data.append(row[1] - row[2])
        }
        return Tensor(shape: [n, 2], data: data)
    }
}

/// Solid-colour PNG files in a scratch folder.
struct ImageFolder {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("images-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }

    /// Writes image `n` (its colour depends on n and `variant`) and returns its path.
    @discardableResult
    func write(_ n: Int, variant: Int = 0) throws -> URL {
        let url = directory.appendingPathComponent("\(n).png")
        let colour = (UInt8(truncatingIfNeeded: n * 37 + variant * 101), UInt8(truncatingIfNeeded: n * 11), UInt8(truncatingIfNeeded: 200 - n))
        try PNGWriter.write(RGBImage(width: 12, height: 10, fill: colour), to: url)
        return url
    }

    /// A file that is not an image.
    func writeGarbage(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data("definitely not a PNG".utf8).write(to: url)
        return url
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
