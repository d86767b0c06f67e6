import ArgumentParser
import Catalog
import Foundation
import ImgSearchKit

/// `imgsearch dataset`: build the demo data set, or check any catalog before training or indexing on it.
struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build the demo data set or check a catalog.",
        subcommands: [Demo.self, Check.self]
    )

    // MARK: demo

    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the demo catalog from Noto Color Emoji (+ CLDR names), Open Clip Art and GCompris photos.",
            discussion: """
            Writes DIR/images/*.png, DIR/catalog.jsonl (all items), DIR/train.jsonl, DIR/val.jsonl (the \
            drawings' validation split: 10 % of groups) and DIR/val-photos.jsonl (the photos' validation \
            split: 30 % of photo groups; drawings of those concepts are kept out of training too). Splits \
            are deterministic and by group: a concept never sits on both sides. Photos come from the \
            activity bundles of GCompris (/usr/share/gcompris-qt/rcc/*.rcc) with each activity's names and \
            sentences as captions; the source field of their items says "photo". \
            Reads only installed Debian packages: fonts-noto-color-emoji, unicode-cldr-core, openclipart-svg, \
            gcompris-qt-data. Rerunning reuses the PNGs already in DIR/images, so an interrupted build resumes quickly.
            """
        )

        @Option(name: .long, help: "Output directory.")
        var out: String

        @Option(name: .long, help: "At most N items from each source (for a quick trial).")
        var limit: Int?

        @Option(name: .long, help: "Worker threads for rendering (default: all cores).")
        var threads: Int?

        @Flag(name: .long, help: "No progress bars.")
        var quiet = false

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() async throws {
            var options = DemoDatasetBuilder.Options(outputDirectory: URL(fileURLWithPath: out), limitPerSource: limit)
            if let threads { options.threads = threads }
            let bars = StageProgress(enabled: !quiet)
            let start = Date()
            let report = try DemoDatasetBuilder(options: options).build { stage, done, total in bars.update(stage, done, total) }
            bars.finish()
            print(report)
            print(String(format: "built in %.1f s → %@", Date().timeIntervalSince(start), URL(fileURLWithPath: out).path))
        }
    }

    // MARK: check

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a catalog and list its issues and a summary.",
            discussion: """
            Accepts everything `train` and `index` accept: JSON Lines, Amazon product metadata (strict JSON or \
            Python-literal lines), CSV/TSV with a header, a folder of images; `.gz` files are read directly. \
            Exits with status 1 when there are issues.
            """
        )

        @Option(name: .long, help: "Catalog file or image folder.")
        var catalog: String

        @Option(name: .long, help: "Format: auto, jsonl, amazon, csv, tsv, folder.")
        var format: String = "auto"

        @Option(name: .long, help: "Where Amazon images are (default: the catalog's folder).")
        var images: String?

        @Option(name: .long, help: "Print at most this many issues (the summary counts all).")
        var maxIssues = 50

        func run() async throws {
            guard let catalogFormat = CatalogFormat(rawValue: format) else {
                throw CommandFailure("unknown --format '\(format)'; use one of: \(CatalogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let loaded = try CatalogLoader.load(URL(fileURLWithPath: catalog), format: catalogFormat,
                                                imageDirectory: images.map { URL(fileURLWithPath: $0) })
            for issue in loaded.issues.prefix(maxIssues) { print(issue) }
            if loaded.issues.count > maxIssues { print("… \(loaded.issues.count - maxIssues) more issues") }
            print(loaded.summary)
            if !loaded.issues.isEmpty { throw ExitCode(1) }
        }
    }
}

/// One `ProgressBar` per stage of the builder's progress callback.
private final class StageProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private var stage = ""
    private var bar: ProgressBar?
    private var reported = 0

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ stage: String, _ done: Int, _ total: Int) {
        lock.lock(); defer { lock.unlock() }
        if stage != self.stage {
            bar?.finish()
            self.stage = stage
            bar = ProgressBar(stage, total: total, enabled: enabled)
            reported = 0
        }
        if done > reported {
            bar?.advance(by: done - reported)
            reported = done
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        bar?.finish()
        bar = nil
    }
}
