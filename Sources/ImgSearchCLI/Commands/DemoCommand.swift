import ArgumentParser
import Foundation
import ImgSearchKit
import IndexStore
import JointEmbedding

/// `imgsearch demo`: the whole product on the demo data, each stage skipped when its result is up to date.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build the demo data, train, index, plot, show example searches, then serve the web page.",
        discussion: """
        Stages (each reuses its result when it is newer than its input, so a rerun goes straight to the page):
          1. dataset   DIR/data/demo      emoji, clip art and photos from Debian packages, split by group
          2. train     DIR/models/demo    joint text–image model on the train split
          3. index     DIR/indexes/demo   every demo image (incremental: unchanged images are skipped)
          4. plot      DIR/indexes/demo/plot.png and .svg   t-SNE of validation images and their texts
          5. examples  top 9 for a few text queries and one image query
          6. serve     http://HOST:PORT   until Ctrl-C (skip with --no-serve)
        """
    )

    @Option(help: "Folder for data/, models/ and indexes/.")
    var workspace: String = "."

    @Option(help: "Address the web page binds to (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "Port for the web page.")
    var port: Int = 8080

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Stop after the example searches instead of serving the web page.")
    var noServe = false

    @Flag(help: "Redo every stage even when its result is up to date.")
    var force = false

    func run() async throws {
        let root = URL(fileURLWithPath: workspace, isDirectory: true).standardizedFileURL
        let data = root.appendingPathComponent("data/demo")
        let model = root.appendingPathComponent("models/demo")
        let index = root.appendingPathComponent("indexes/demo")
        let threadArgs = threads.map { ["--threads", "\($0)"] } ?? []
        let start = Date()

        // val-photos.jsonl is written last, and a data set from before the photos lacks it: rebuilt (PNGs reused).
        try await stage(1, "demo data set", upToDate: isNewer(data.appendingPathComponent("val-photos.jsonl"), than: [])) {
            let command = try DatasetCommand.Demo.parse(["--out", data.path] + threadArgs)
            try await command.run()
        }
        let train = data.appendingPathComponent("train.jsonl"), val = data.appendingPathComponent("val.jsonl")
        try await stage(2, "train the joint model",
                        upToDate: isNewer(model.appendingPathComponent("config.json"), than: [train, val]) && followsRecipe(model)) {
            let command = try TrainCommand.parse(["--catalog", train.path, "--val", val.path, "--out", model.path] + threadArgs)
            try await command.run()
        }
        try await stage(3, "index every demo image", upToDate: false) {
            try removeStaleIndex(index, model: model)
            let command = try IndexCommand.parse(["--catalog", data.appendingPathComponent("catalog.jsonl").path,
                                                  "--model", model.path, "--index", index.path] + threadArgs)
            do {
                try await command.run()
            } catch let status as ExitCode where status.rawValue == IndexExitStatus.finishedWithFailures {
                note("some demo images could not be indexed (listed above); the demo goes on with the others")
            }
        }
        let plot = index.appendingPathComponent("plot.png")
        try await stage(4, "t-SNE plot of validation pairs",
                        upToDate: isNewer(plot, than: [model.appendingPathComponent("config.json")])) {
            let command = try PlotCommand.parse(["--model", model.path, "--catalog", val.path, "--out", plot.path,
                                                 "--svg", index.appendingPathComponent("plot.svg").path])
            try await command.run()
        }
        try await stage(5, "example searches", upToDate: false) {
            for query in ["banana", "a red dress", "dog", "musical instrument"] {
                print("\n── \"\(query)\"")
                let command = try SearchCommand.parse(["--index", index.path, query, "-k", "9"])
                try await command.run()
            }
            if let firstImage = try firstValidationImage(val) {
                print("\n── image query: \(firstImage)")
                let command = try SearchCommand.parse(["--index", index.path, "--image", firstImage, "-k", "9"])
                try await command.run()
            }
        }
        note(String(format: "demo ready in %.0f s", Date().timeIntervalSince(start)))
        guard !noServe else { return }
        note("stage 6: web page on http://\(host):\(port)/ (Ctrl-C to stop)")
        let serve = try ServeCommand.parse(["--index", index.path, "--host", host, "--port", "\(port)"])
        try await serve.run()
    }

    // MARK: Stages

    /// A demo index made by another model (the demo retrained) or before label-bridge vectors
    /// existed is rebuilt; its features come back from the feature cache, so no CNN runs.
    private func removeStaleIndex(_ index: URL, model: URL) throws {
        let existing: SQLiteIndexStore
        do {
            existing = try SQLiteIndexStore.openForReading(at: index)
        } catch let error as StoreError where error.kind == .outdated {
            note("the demo index was written by an older release (\(error.reason.prefix(60))…): rebuilding it")
            return try FileManager.default.removeItem(at: index)
        } catch {
            return
        }
        let reason: String
        if !existing.vectorSets.contains(where: { $0.name == "bridge" }) {
            reason = "predates label-bridge vectors"
        } else if try JointModel.load(from: model).identifier != existing.modelIdentifier {
            reason = "was made by an earlier model"
        } else {
            return
        }
        note("the demo index \(reason): rebuilding it")
        try FileManager.default.removeItem(at: index)
    }

    /// False when the demo model was trained by an older release with other defaults: it is retrained.
    private func followsRecipe(_ model: URL) -> Bool {
        guard let data = try? Data(contentsOf: model.appendingPathComponent(JointModel.configFile)),
              let config = try? JSONDecoder().decode(JointModelConfig.self, from: data) else { return false }
        if TrainingRecipe.isCurrent(config) { return true }
        note("the demo model predates the current training recipe: retraining it")
        return false
    }

    private func stage(_ number: Int, _ name: String, upToDate: Bool, _ body: () async throws -> Void) async throws {
        if upToDate && !force {
            note("stage \(number): \(name) — up to date, skipped")
            return
        }
        note("stage \(number): \(name)")
        let t0 = Date()
        try await body()
        note(String(format: "stage \(number) done in %.1f s", Date().timeIntervalSince(t0)))
    }

    /// True when `output` exists and is newer than every existing input.
    private func isNewer(_ output: URL, than inputs: [URL]) -> Bool {
        guard let outDate = modificationDate(output) else { return false }
        return inputs.allSatisfy { input in modificationDate(input).map { $0 <= outDate } ?? true }
    }

    private func modificationDate(_ url: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
    }

    private func firstValidationImage(_ catalog: URL) throws -> String? {
        let text = try String(contentsOf: catalog, encoding: .utf8)
        guard let line = text.split(separator: "\n").first,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let image = object["image"] as? String else { return nil }
        return image.hasPrefix("/") ? image : catalog.deletingLastPathComponent().appendingPathComponent(image).path
    }

    private func note(_ message: String) {
        FileHandle.standardError.write("\u{1B}[1m[demo]\u{1B}[0m \(message)\n".data(using: .utf8)!)
    }
}
