import ArgumentParser
import Foundation
import Imaging
import Tensor
import VisionEncoder

/// `imgsearch classify IMAGE…`: the ImageNet classes the CNN sees in each image.
struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Print the top ImageNet-1k classes of images, with their probabilities.",
        discussion: """
        Runs the image encoder's own 1000-class head (EfficientNet-Lite0 with its ImageNet weights \
        unless --model says otherwise). Images that cannot be decoded are reported on stderr and \
        the others still classified; the exit status is 1 if any image failed.

        Examples:
          imgsearch classify cat.jpg
          imgsearch classify photos/*.jpg --top 3 --json
        """
    )

    @Argument(help: "Image files (JPEG, PNG, WebP).")
    var images: [String]

    @Option(name: .long, help: "How many classes to print per image.")
    var top = 5

    @Flag(name: .long, help: "Print JSON Lines: {\"image\", \"predictions\": [{\"index\", \"label\", \"probability\"}]}.")
    var json = false

    @Option(name: .long, help: "A model directory, .pth or .safetensors (default: the bundled EfficientNet-Lite0).")
    var model: String?

    @Option(name: .long, help: "Threads for decoding and the network (default: all cores).")
    var threads: Int?

    @OptionGroup var diagnostics: VerboseOption

    func validate() throws {
        guard (1...1000).contains(top) else { throw ValidationError("--top must be between 1 and 1000") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        if let threads { Parallel.configure(threads: threads) }
        diagnostics.report()
        let backbone = try model.map { try VisionModelFile.load(URL(fileURLWithPath: $0)) } ?? EfficientNetLite0.pretrained()
        var failures = 0
        for start in stride(from: 0, to: images.count, by: 32) {
            let paths = Array(images[start..<min(start + 32, images.count)])
            var decoded = [RGBImage?](repeating: nil, count: paths.count)
            var errors = [String?](repeating: nil, count: paths.count)
            decoded.withUnsafeMutableBufferPointer { slots in
                errors.withUnsafeMutableBufferPointer { messages in
                    Parallel.forEach(paths.count) { i in
                        do { slots[i] = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: paths[i]),
                                                                hintSize: backbone.preprocessing.decodeHint) }
                        catch { messages[i] = "\(error)" }
                    }
                }
            }
            for case let (path, message?) in zip(paths, errors) {
                FileHandle.standardError.write(Data("imgsearch classify: \(path): \(message)\n".utf8))
                failures += 1
            }
            let ready = zip(paths, decoded).compactMap { path, image in image.map { (path, $0) } }
            guard !ready.isEmpty else { continue }
            guard let logits = backbone.forward(ImageBatch.make(ready.map(\.1), backbone.preprocessing)).logits else {
                throw CommandFailure("model \(backbone.identifier) has no classifier head")
            }
            let classes = logits.shape[1]
            for (row, (path, _)) in ready.enumerated() {
                report(path, ImageNetLabels.top(min(top, classes), logits: logits.data[(row * classes)..<((row + 1) * classes)]))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func report(_ path: String, _ predictions: [(index: Int, name: String, probability: Float)]) {
        if json {
            let object: [String: Any] = ["image": path, "predictions": predictions.map {
                ["index": $0.index, "label": $0.name, "probability": Double($0.probability)] as [String: Any]
            }]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
        } else {
            print(path)
            for (rank, p) in predictions.enumerated() {
                let label = p.name.padding(toLength: max(32, p.name.count), withPad: " ", startingAt: 0)
                print("  \(rank + 1). \(label) " + String(format: "%6.2f%%  (class %d)", 100 * p.probability, p.index))
            }
        }
    }
}
