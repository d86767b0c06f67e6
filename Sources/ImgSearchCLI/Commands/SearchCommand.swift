import ArgumentParser
import Foundation
import ImgSearchKit
import Tensor

/// `imgsearch search`: the nearest images of an index to a sentence, an image or an indexed item.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find the images of an index nearest to a sentence, an image or an indexed item.",
        discussion: """
        Text queries go through the index's model, fused with the ImageNet-label bridge when the \
        index holds bridge vectors: score = (joint cosine + λ · bridge cosine) / (1 + λ), and the \
        distance shown is √(2 − 2·score) (--bridge-weight λ, --no-bridge). Image queries (--image, \
        --image-queries) and --id (more like this item) compare backbone features, PCA-whitened on \
        the collection by default (--image-space); an image query is cropped to content first when \
        the index was built with --crop-to-content. Results are ranked by Euclidean distance. Above \
        50,000 items text search uses an HNSW graph kept beside the index (--exact / --approximate, --ef). \
        With --database the index is in PostgreSQL and pgvector ranks, in the same spaces.

        Examples:
          imgsearch search --index indexes/demo "red leather handbag"
          imgsearch search --index indexes/demo "red leather handbag" --no-bridge
          imgsearch search --index indexes/demo --image photo.jpg -k 5
          imgsearch search --index indexes/demo --id B000123 --json
          imgsearch search --index indexes/demo --queries queries.txt --json > results.jsonl
          imgsearch search --database postgres://imgsearch@127.0.0.1:5432/imgsearch "red leather handbag"
        """
    )

    @OptionGroup var source: IndexOptions

    @Argument(help: "A text query.")
    var text: String?

    @Option(help: "Query by this image file.")
    var image: String?

    @Option(help: "More like the indexed item with this id.")
    var id: String?

    @Option(help: "A file with one text query per line.")
    var queries: String?

    @Option(name: .customLong("image-queries"), help: "A file with one image path per line.")
    var imageQueries: String?

    @Option(name: .short, help: "Number of results per query.")
    var k = 9

    @Flag(help: "Print JSON Lines: {\"query\": …, \"results\": [{\"id\", \"title\", \"image\", \"distance\"}…]}.")
    var json = false

    @Flag(help: "Exact (brute-force) or approximate (HNSW) text search; default: by collection size.")
    var method: SearchMethodFlag?

    @Option(name: .customLong("image-space"), help: "Space of image→image search: whitened, joint or raw.")
    var imageSpace: String = SearchEngine.ImageSpace.whitened.rawValue

    @OptionGroup var bridge: BridgeOptions

    @Option(help: "Model directory (default: the one the index records).")
    var model: String?

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @OptionGroup var diagnostics: VerboseOption

    func validate() throws {
        let modes = [text != nil, image != nil, id != nil, queries != nil, imageQueries != nil].filter { $0 }.count
        guard modes == 1 else {
            throw ValidationError("give exactly one query: a text, --image, --id, --queries or --image-queries")
        }
        guard (1...10_000).contains(k) else { throw ValidationError("-k must be in 1…10000") }
        guard SearchEngine.ImageSpace(rawValue: imageSpace) != nil else {
            throw ValidationError("--image-space must be one of \(SearchEngine.ImageSpace.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        if let threads { Parallel.configure(threads: threads) }
        diagnostics.report()
        var options = SearchEngine.Options(modelDirectory: model.map { URL(fileURLWithPath: $0) },
                                           imageSpace: SearchEngine.ImageSpace(rawValue: imageSpace)!)
        options.method = method?.method ?? .automatic
        options.bridgeWeight = bridge.weight
        options.showProgress = !json
        let engine = try source.engine(options)

        if let text {
            try report(text, try engine.search(text: text, k: k))
        } else if let image {
            try report(image, try engine.search(imageAt: URL(fileURLWithPath: image), k: k))
        } else if let id {
            try report(id, try engine.similar(id: id, k: k))
        } else if let queries {
            let texts = try Self.lines(of: queries)
            for (query, results) in zip(texts, try engine.search(texts: texts, k: k)) { try report(query, results) }
        } else if let imageQueries {
            for path in try Self.lines(of: imageQueries) {
                try report(path, try engine.search(imageAt: URL(fileURLWithPath: path), k: k))
            }
        }
    }

    // MARK: Output

    private func report(_ query: String, _ results: [SearchResult]) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(QueryResults(query: query, results: results)), as: UTF8.self))
            return
        }
        print("\(query)")
        if results.isEmpty { print("  (no results: the index is empty)") }
        for (rank, result) in results.enumerated() {
            let distance = String(format: "%.4f", result.distance)
            print("  \(String(rank + 1).leftPadded(to: 3))  \(distance)  \(result.title.isEmpty ? result.id : result.title)  \(result.image)")
        }
    }

    private struct QueryResults: Encodable {
        var query: String
        var results: [SearchResult]
    }

    /// Non-empty lines of a query file, trimmed.
    private static func lines(of path: String) throws -> [String] {
        let contents: String
        do { contents = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CommandFailure("cannot read the query file \(path): \(error.localizedDescription)")
        }
        let lines = contents.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw CommandFailure("the query file \(path) holds no queries") }
        return lines
    }
}

/// `--exact` / `--approximate`.
enum SearchMethodFlag: String, EnumerableFlag {
    case exact, approximate

    var method: SearchEngine.Method { self == .exact ? .exact : .approximate }

    static func help(for value: SearchMethodFlag) -> ArgumentHelp? {
        value == .exact ? "Brute-force search over every vector." : "HNSW graph search (built and saved on first use)."
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
