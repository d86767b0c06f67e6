import Foundation
import IndexStore
import JointEmbedding
import Search

/// The index as search sees it at one moment: its rows, who owns them, and the searchers built
/// on them. Immutable but for image spaces built on first use; replaced as a whole when
/// `imgsearch index` commits new rows, so a running search never sees half an update.
final class IndexSnapshot: @unchecked Sendable {
    let rowCount: Int
    let itemCount: Int
    /// Item id owning each row (nil: a stale row waiting for compaction).
    let owners: [String?]
    let joint: VectorMatrix
    /// What text queries are matched against: the joint rows, or those fused with the bridge rows.
    let text: TextRows
    let textSearcher: VectorSearcher
    private let store: SQLiteIndexStore
    private let options: SearchEngine.Options
    private let lock = NSLock()
    private var imageSpaces: [SearchEngine.ImageSpace: ImageSpaceIndex] = [:]
    /// The previous snapshot's whitened space, kept until this one builds its own from it.
    private var inheritedWhitened: ImageSpaceIndex?

    /// Where graphs and the whitening live inside the index directory.
    static func searchDirectory(_ index: URL) -> URL { index.appendingPathComponent("search") }

    init(store: SQLiteIndexStore, options: SearchEngine.Options, previous: IndexSnapshot?) throws {
        self.store = store
        self.options = options
        joint = try store.vectors("joint")
        text = try TextRows(store: store, joint: joint, bridgeWeight: options.bridgeWeight, previous: previous?.text)
        inheritedWhitened = previous?.whitenedForReuse()
        rowCount = joint.count
        owners = try store.rowOwners()
        itemCount = try store.itemCount()
        if options.usesGraph(rows: rowCount) {
            let graph = Self.graph(for: text, store: store, options: options, previous: previous)
            graph.efSearch = options.hnsw.efSearch
            textSearcher = .approximate(graph)
        } else {
            textSearcher = .exact(ExactSearch(text.rows))
        }
    }

    /// The previous snapshot's graph when its rows are unchanged (new rows are linked in place),
    /// else the saved graph, else a new one; the last two are extended to every row and saved as they grow.
    static func graph(for text: TextRows, store: SQLiteIndexStore, options: SearchEngine.Options,
                      previous: IndexSnapshot?) -> HNSWIndex {
        let vectors = text.rows
        let file = searchDirectory(store.directory).appendingPathComponent(text.graphFileName)
        if let previous, case .approximate(let index) = previous.textSearcher, previous.text.graphFileName == text.graphFileName,
           PersistedGraph.matches(index, previous.text.rows, vectors) {
            index.add(contentsOf: vectors, rows: index.count..<vectors.count)
            return index
        }
        let index = PersistedGraph.load(file, vectors: vectors)
            ?? HNSWIndex(dimension: vectors.dimension, parameters: options.hnsw, capacity: vectors.count)
        PersistedGraph.extend(index, with: vectors, file: file, checkpointSeconds: options.graphCheckpointSeconds,
                              showProgress: options.showProgress)
        return index
    }

    // MARK: Image spaces

    /// The whitened space a next snapshot can start from: this one's, or the one it inherited and has not used yet.
    private func whitenedForReuse() -> ImageSpaceIndex? {
        lock.lock()
        defer { lock.unlock() }
        return imageSpaces[.whitened] ?? inheritedWhitened
    }

    /// The collection in `space` with its searcher, built on first use.
    func imageSpace(_ space: SearchEngine.ImageSpace) throws -> ImageSpaceIndex {
        lock.lock()
        defer { lock.unlock() }
        if let built = imageSpaces[space] { return built }
        let built: ImageSpaceIndex
        switch space {
        case .joint:
            let searcher = text.bridgeWeight == nil ? textSearcher : .exact(ExactSearch(joint))
            built = ImageSpaceIndex(vectors: joint, searcher: searcher, whitening: nil, source: nil)
        case .raw, .whitened where WhiteningFile.liveRows(owners) < options.whiteningMinimumRows:
            // Too few images to whiten: raw features, and queries follow (`ImageSpaceIndex.whitening` is nil).
            let normalized = CosineSpace.rows(try store.vectors("max"))
            built = ImageSpaceIndex(vectors: normalized, searcher: .exact(ExactSearch(normalized)), whitening: nil, source: nil)
        case .whitened:
            let gem = try store.vectors("gem")
            let whitening = try loadOrFitWhitening(gem)
            // Whitened rows to start from: the previous snapshot's, else those saved at index time (mapped).
            let earlier = inheritedWhitened.flatMap { old -> VectorMatrix? in
                guard old.whitening == whitening, let source = old.source,
                      DerivedRows.sameLeadingRows(source, gem, rows: source.count) else { return nil }
                return old.vectors
            } ?? WhiteningFile.savedRows(whitening, in: store.directory).load(sources: [gem], dimension: whitening.outputDimension)
            let whitened = DerivedRows.build(count: gem.count, dimension: whitening.outputDimension, previous: earlier) { rows, out in
                whitening.apply(gem, rows: rows, into: out)
            }
            inheritedWhitened = nil
            built = ImageSpaceIndex(vectors: whitened, searcher: .exact(ExactSearch(whitened)), whitening: whitening, source: gem)
        }
        imageSpaces[space] = built
        return built
    }

    /// The whitening stored with the index (fitted at index time), or one fitted now on the live rows.
    private func loadOrFitWhitening(_ gem: VectorMatrix) throws -> PCAWhitening {
        let file = Self.searchDirectory(store.directory).appendingPathComponent(WhiteningFile.name)
        if let stored = try? PCAWhitening.load(from: file), stored.inputDimension == gem.dimension { return stored }
        let whitening = try WhiteningFile.fit(gem, owners: owners, dimension: options.whiteningDimension)
        try? WhiteningFile.save(whitening, in: store.directory)
        return whitening
    }
}
