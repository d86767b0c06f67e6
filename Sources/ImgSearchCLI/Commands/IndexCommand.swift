import ArgumentParser
import Catalog
import Foundation
import ImgSearchKit
import IndexStore
import JointEmbedding
import PostgresStore
import Tensor
import VisionEncoder
#if canImport(Glibc)
import Glibc
#endif

/// `imgsearch index`: encode a catalog's images into a durable, incremental index.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build or update an image index from a catalog (incremental, crash-safe).",
        discussion: """
        Only images that are new or whose bytes changed (SHA-256) go through the CNN; backbone \
        features are cached (~/.cache/imgsearch/features or $IMGSEARCH_CACHE), so even those are \
        often free. Each batch is committed as it completes: a killed run resumes where it \
        stopped. Images that cannot be read are recorded as failed, with the reason, and reported.

        Then it prepares what search would otherwise derive at every start, in INDEX/search/: the PCA \
        whitening of image→image search and the whitened rows, the text rows fused with the label bridge, and \
        from 50,000 items the HNSW graph of text search (built on all cores, saved every minute, so a killed \
        build resumes).

        --crop-to-content trims uniform or transparent borders (product shots on white, cut-outs) before \
        the CNN, with a 5 % margin, and pads the content to a square. The index records it, and image \
        queries on that index (search --image, --image-queries, uploads to the server) are cropped the \
        same way. An index keeps the recipe it was built with: updating it under the other one is \
        refused (index into a new directory to change it).

        With --database postgres://… (or $IMGSEARCH_DATABASE_URL) the index lives in PostgreSQL with pgvector \
        instead: the same items and promises (each batch one transaction), the whitening and its whitened rows \
        stored in the database, and HNSW indexes pgvector keeps up to date (scripts/postgres.sh starts a local server).

        Exit status: 0 when every item of the catalog is indexed; 2 when the run finished but some images failed \
        or some catalog lines were skipped (each is listed); 1 when the run failed (or, with --check, the index \
        is damaged).

        Examples:
          imgsearch index --catalog data/demo/catalog.jsonl --model models/demo --index indexes/demo
          imgsearch index --catalog new.jsonl --model models/demo --index indexes/demo --prune
          imgsearch index --catalog products.jsonl --model models/demo --index indexes/products --crop-to-content
          imgsearch index --index indexes/demo --check
          imgsearch index --catalog data/demo/catalog.jsonl --model models/demo --database postgres://imgsearch@127.0.0.1:5432/imgsearch
        """
    )

    @Option(help: "The catalog: JSON Lines, CSV/TSV, Amazon metadata, or a folder of images.")
    var catalog: String?

    @Option(help: "The trained model directory (imgsearch train --out).")
    var model: String?

    @Option(help: "The index directory (created if needed).")
    var index: String?

    @Option(help: "Index into PostgreSQL with pgvector instead: postgres://user@host:port/database[?schema=NAME] (default: $IMGSEARCH_DATABASE_URL).")
    var database: String?

    @Option(name: .customLong("image-root"), help: ArgumentHelp(
        "A folder `serve` may send images from, besides the catalog's own folder (repeatable).",
        discussion: "The server sends an item's image only when it decoded at indexing and its real path (symlinks resolved) lies under one of these folders."))
    var imageRoots: [String] = []

    @Flag(help: "Remove items that are no longer in the catalog.")
    var prune = false

    @Flag(help: "Read and hash every image again. By default an image whose size, modification time and inode are unchanged since it was last read keeps its hash without being read.")
    var rehash = false

    @Flag(help: "Verify the index (counts, checksums, ids, vectors) instead of indexing; exit status 1 if damaged.")
    var check = false

    @Flag(help: "Refit the PCA whitening of image→image search on the indexed features (no CNN), save the rows search maps, then stop.")
    var refit = false

    @Flag(name: .customLong("no-bridge"), help: "Store no label-bridge vectors (text search then uses the trained model alone).")
    var noBridge = false

    @Flag(name: .customLong("crop-to-content"),
          help: "Trim uniform or transparent borders before the CNN (recorded: image queries are cropped alike). Off by default: it did not help photo image→image search.")
    var cropToContent = false

    @Option(help: "Images per CNN batch.")
    var batchSize = 32

    @Option(help: "Threads for decoding and the network (default: all cores).")
    var threads: Int?

    @OptionGroup var diagnostics: VerboseOption

    @Option(help: "Feature cache directory (default: $IMGSEARCH_CACHE or ~/.cache/imgsearch/features).")
    var cache: String?

    @Flag(help: "No progress bars.")
    var quiet = false

    func validate() throws {
        if !check && !refit && (catalog == nil || model == nil) {
            throw ValidationError("--catalog and --model are required (unless --check or --refit)")
        }
        guard index == nil || database == nil else { throw ValidationError("give --index or --database, not both") }
        guard try IndexLocation.from(index: index, database: database) != nil else {
            throw ValidationError("give --index DIR or --database postgres://… (or set $\(DatabaseURL.environmentVariable))")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let location = try IndexLocation.from(index: index, database: database)!
        guard case .directory(let indexURL) = location else { return try runOnDatabase(location) }
        if check { return try runCheck(indexURL) }
        if refit {
            try refitWhitening(indexURL)
            return try saveTextSearchFiles(indexURL, rewrite: true)
        }
        let (_, summary, incomplete) = try indexCatalog(into: location)
        // Recorded so that `search` and `serve` find the model from the index alone.
        try ModelRecord.write(modelDirectory: URL(fileURLWithPath: model!), indexDirectory: indexURL)
        // Image→image search whitens features with a PCA fitted on the collection: refit when it changed (or when
        // a killed run left the saved whitening behind).
        if summary.added + summary.updated + summary.pruned > 0 || !WhiteningFile.isUpToDate(indexDirectory: indexURL) {
            try refitWhitening(indexURL)
        }
        // Text search maps the fused text rows saved here instead of building them in memory on every start.
        try saveTextSearchFiles(indexURL)
        if incomplete { throw ExitCode(IndexExitStatus.finishedWithFailures) }
    }

    /// Loads the catalog and the networks, and brings the index at `location` in line with the catalog.
    /// `incomplete`: some images failed or catalog lines were skipped (exit status 2 once the run is finished).
    func indexCatalog(into location: IndexLocation) throws -> (store: any IndexStoreProtocol, summary: IndexingSummary, incomplete: Bool) {
        if let threads { Parallel.configure(threads: threads) }
        diagnostics.report()
        // A file size limit must surface as a write error naming the file, not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        let loaded = try CatalogLoader.load(URL(fileURLWithPath: catalog!))
        for issue in loaded.issues.prefix(10) { printError("catalog: \(issue)") }
        if loaded.issues.count > 10 { printError("catalog: … \(loaded.issues.count - 10) more issues") }
        let jointModel = try JointModel.load(from: URL(fileURLWithPath: model!))
        let backbone = try EfficientNetLite0.pretrained()
        let cacheDirectory = cache.map { URL(fileURLWithPath: $0, isDirectory: true) }
        let featureCache = try FeatureCache(directory: cacheDirectory)
        let extractor = FeatureExtractor(backbone: backbone, cache: featureCache, threads: threads ?? Parallel.threads, batchSize: batchSize,
                                         cropToContent: cropToContent ? .standard : nil)
        let bridge = noBridge ? nil : try StandardLabelBridge.load(encoder: jointModel.sentenceTower?.encoder, cacheDirectory: cacheDirectory)
        let indexer = try Indexer(model: jointModel, extractor: extractor, bridge: bridge)
        let store = try indexer.openStore(at: location) { printError($0) }
        // The folders `serve` may send images from (a catalog line may name any path).
        try ImageRoots.record([Self.catalogFolder(catalog!)] + imageRoots.map { URL(fileURLWithPath: $0) }, in: store)
        var options = Indexer.Options(prune: prune, showProgress: !quiet)
        options.rehash = rehash
        let summary = try indexer.index(loaded.items, into: store, options: options)
        print(summary)
        if !loaded.issues.isEmpty { print("\(loaded.issues.count) catalog line(s) skipped (listed above on stderr)") }
        // Failed in this run or in an earlier one and unchanged since: either way not indexed.
        let catalogIDs = Set(loaded.items.map(\.id))
        var failedItems = 0
        try store.forEachItem { if $0.item.status == .failed && catalogIDs.contains($0.item.id) { failedItems += 1 } }
        if failedItems > summary.failed { print("\(failedItems) item(s) of the catalog are recorded as failed (unchanged since they failed)") }
        return (store, summary, failedItems > 0 || !loaded.issues.isEmpty)
    }

    /// The folder a catalog's relative image paths start from: the catalog itself when it is a folder of images.
    static func catalogFolder(_ catalog: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: catalog).standardizedFileURL
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        return isDirectory.boolValue ? url : url.deletingLastPathComponent()
    }

    /// What text search opens instead of deriving: the fused rows, and the HNSW graph of a large index.
    private func saveTextSearchFiles(_ indexURL: URL, rewrite: Bool = false) throws {
        if try FusedTextRowsFile.update(indexDirectory: indexURL, rewrite: rewrite) {
            print("text search rows (joint + label bridge, λ \(LabelBridge.defaultWeight)) saved beside the index")
        }
        var options = SearchEngine.Options()
        options.showProgress = !quiet
        if let graph = try SearchGraphFile.update(indexDirectory: indexURL, options: options), graph.linked > 0 {
            print("search graph: \(graph.linked) rows linked, \(graph.rows) in all (saved beside the index)")
        }
    }

    private func refitWhitening(_ indexURL: URL) throws {
        guard let whitening = try WhiteningFile.refit(indexDirectory: indexURL, skipped: { printError($0) }) else {
            return print("image→image search uses raw features: fewer than \(WhiteningFile.minimumRows) images to fit a whitening on")
        }
        print("image→image whitening fitted on the collection: \(whitening.inputDimension) → \(whitening.outputDimension) dimensions")
    }

    private func runCheck(_ indexURL: URL) throws {
        // Read-only: a check must not repair away the evidence (opening for writing cuts each vector file to the
        // rows the database records, which after a damaged WAL would drop the rows the database lost).
        let store = try SQLiteIndexStore.openForReading(at: indexURL)
        let report = try store.checkIntegrity()
        print(report)
        print("image recipe: \(try ImageRecipe.recorded(in: store).rawValue)")
        if !report.isHealthy { throw ExitCode(IndexExitStatus.failed) }
        // Derived files search maps: damage there costs speed, not answers (they are ignored), so no exit status.
        for line in try SavedSearchRows.report(indexDirectory: indexURL) { print(line) }
        if let recall = try SearchGraphCheck.measure(store) {
            print(recall)
        } else if try store.vectors("joint").count < SearchEngine.Options().approximateThreshold {
            print("search graph: none needed (text search is exact below \(SearchEngine.Options().approximateThreshold) rows)")
        } else {
            print("search graph: none up to date (the next imgsearch index, or the first search, builds it)")
        }
    }

    func printError(_ message: String) {
        FileHandle.standardError.write(Data("imgsearch index: \(message)\n".utf8))
    }
}
