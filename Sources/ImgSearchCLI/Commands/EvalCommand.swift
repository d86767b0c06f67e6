import ArgumentParser
import Foundation
import Imaging
import ImgSearchKit
import Tensor

/// `imgsearch eval`: retrieval quality of a trained model on a catalog, beside a random ranker.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure text→image, image→text and image→image recall of a model on a catalog.",
        discussion: """
        text→image: one query per group (the title of its first item); a hit when any image of \
        the group is in the top K of all images. image→text: each image ranks the distinct group \
        texts. image→image: within groups of several images, each one queries the others (also \
        measured on the raw and the whitened backbone features). text→image is also reported fused \
        with the ImageNet-label bridge, as search ranks it. Each line shows what a random ranker \
        would get. Repeat --catalog to measure several splits side by side (the demo has two: \
        drawings in val.jsonl, photos in val-photos.jsonl); --json then prints one object per line.

        Examples:
          imgsearch eval --model models/demo --catalog data/demo/val.jsonl --catalog data/demo/val-photos.jsonl
          imgsearch eval --model models/demo --catalog data/demo/val.jsonl --json
          imgsearch eval --model models/demo --catalog data/demo/val-photos.jsonl --crop-to-content
        """
    )

    @Option(help: "Model directory written by `imgsearch train`.")
    var model: String

    @Option(help: "Catalog to evaluate on (with groups; use a split not seen in training). Repeatable.")
    var catalog: [String]

    @Flag(help: "Trim uniform borders and pad to square before the CNN (features cached apart).")
    var cropToContent = false

    @OptionGroup var bridge: BridgeOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @OptionGroup var diagnostics: VerboseOption

    func validate() throws {
        if catalog.isEmpty { throw ValidationError("--catalog is required") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        if let threads { Parallel.configure(threads: threads) }
        diagnostics.report()
        for (number, catalog) in catalog.enumerated() {
            let result = try EvaluationPipeline.run(model: URL(fileURLWithPath: model), catalog: URL(fileURLWithPath: catalog),
                                                    showProgress: !json, bridgeWeight: bridge.weight,
                                                    cropToContent: cropToContent ? .standard : nil) { message in
                FileHandle.standardError.write(Data("imgsearch eval: \(message)\n".utf8))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                if number > 0 { print("") }
                result.lines.forEach { print($0) }
            }
        }
    }
}
