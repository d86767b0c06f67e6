import ArgumentParser

/// `imgsearch`: find images by a sentence or by another image.
@main
struct ImgSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imgsearch",
        abstract: "A deep image search engine: find images by a sentence or by another image.",
        discussion: """
        Typical flow:
          imgsearch dataset demo --out data/demo          # or bring your own catalog
          imgsearch train --catalog data/demo/train.jsonl --val data/demo/val.jsonl --out models/demo
          imgsearch index --catalog data/demo/catalog.jsonl --model models/demo --index indexes/demo
          imgsearch search --index indexes/demo "red dress"
          imgsearch serve --index indexes/demo
        `imgsearch demo` runs all of it on the demo data.
        """,
        version: "0.5.0",
        subcommands: [
            DatasetCommand.self, TrainCommand.self, IndexCommand.self, SearchCommand.self,
            EvalCommand.self, PlotCommand.self, ServeCommand.self, ClassifyCommand.self,
            ConvertCommand.self, DemoCommand.self,
        ]
    )
}
