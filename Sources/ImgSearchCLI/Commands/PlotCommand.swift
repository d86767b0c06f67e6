import ArgumentParser
import Foundation
import ImgSearchKit
import JointEmbedding
import Tensor

/// `imgsearch plot`: the original design's figure — images and their descriptions in one t-SNE map.
struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a t-SNE map of images and their descriptions, each pair joined by a green line.",
        discussion: """
        A sample of image-text pairs is embedded by the model (images from a catalog through the backbone, or straight from an index's stored vectors; texts through the text tower), projected together to 2-D by t-SNE (exact up to 1,000 points, Barnes-Hut above), and drawn with images as thumbnails and texts as red markers. The title gives the model and the mean distance between each image and its own description. The SVG shows each description on hover.

        Examples:
          imgsearch plot --model models/demo --catalog data/demo/val.jsonl --out plot.png --svg plot.svg
          imgsearch plot --model models/demo --index index/demo --out plot.png -n 1000 --seed 3
        """
    )

    @Option(help: "Model directory written by `imgsearch train`.")
    var model: String

    @Option(help: "Catalog to sample pairs from.")
    var catalog: String?

    @Option(help: "Index directory to sample pairs from (uses its stored image vectors).")
    var index: String?

    @Option(help: "PNG file to write.")
    var out: String

    @Option(help: "Also write an SVG (thumbnails embedded, descriptions on hover).")
    var svg: String?

    @Option(name: .short, help: "Number of image-text pairs.")
    var n = 500

    @Option(help: "t-SNE perplexity (lowered automatically for very small samples).")
    var perplexity: Double = 30

    @Option(help: "t-SNE iterations.")
    var iterations = 1000

    @Option(help: "Seed for the sample and the t-SNE.")
    var seed: UInt64 = 0

    @Option(help: "Image width in pixels.")
    var width = 1200

    @Option(help: "Image height in pixels.")
    var height = 1000

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard (catalog == nil) != (index == nil) else { throw ValidationError("give exactly one of --catalog or --index") }
        guard n >= 2 else { throw ValidationError("-n must be at least 2") }
        guard perplexity > 0 else { throw ValidationError("--perplexity must be positive") }
        guard iterations >= 50 else { throw ValidationError("--iterations must be at least 50") }
        guard (200...20000).contains(width), (200...20000).contains(height) else { throw ValidationError("--width/--height must be 200…20000") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        if let threads { Parallel.configure(threads: threads) }
        var options = PlotOptions()
        options.sampleSize = n; options.perplexity = perplexity; options.iterations = iterations
        options.seed = seed; options.width = width; options.height = height
        let log = { (message: String) in FileHandle.standardError.write(Data("imgsearch plot: \(message)\n".utf8)) }
        let jointModel = try JointModel.load(from: URL(fileURLWithPath: model))
        let figure = try catalog.map { try PlotBuilder.fromCatalog(URL(fileURLWithPath: $0), model: jointModel, options: options, log: log) }
            ?? PlotBuilder.fromIndex(URL(fileURLWithPath: index!), model: jointModel, options: options, log: log)
        try figure.pngData().write(to: URL(fileURLWithPath: out), options: .atomic)
        print("wrote \(out) (\(figure.width)×\(figure.height), \(figure.pairs.count) pairs)")
        if let svg {
            try figure.svg().write(to: URL(fileURLWithPath: svg), atomically: true, encoding: .utf8)
            print("wrote \(svg)")
        }
    }
}
