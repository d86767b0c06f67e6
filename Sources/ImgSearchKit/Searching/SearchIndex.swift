import Foundation
import IndexStore

/// The index as search sees it, whatever keeps it: the embedded one maps the vector files and ranks with our
/// exact scan and HNSW graphs (`EmbeddedSearchIndex`), the database one asks pgvector (`DatabaseSearchIndex`).
/// `SearchEngine` turns queries into vectors and hands them to one of these. Safe to call from many threads.
protocol SearchIndex: AnyObject, Sendable {
    /// Where the index lives, for messages.
    var location: String { get }
    var modelIdentifier: String { get }
    /// The model directory the index records, if any.
    var recordedModelDirectory: URL? { get }
    /// Items now (ok and failed); grows as a concurrent `imgsearch index` commits.
    var itemCount: Int { get }
    var usesApproximateSearch: Bool { get }
    /// λ text queries must be fused with (the index's text rows are fused the same way), nil for the joint model alone.
    var textBridgeWeight: Float? { get }

    /// The `k` items nearest to a text query vector (fused with `textBridgeWeight` by the caller).
    func nearest(text query: [Float], k: Int) throws -> [SearchResult]
    /// The `k` items nearest to an image, given its backbone features, in the engine's image space;
    /// `jointEmbedding` embeds the features with the model when that space needs it.
    func nearest(image features: CachedFeatures, k: Int, jointEmbedding: () throws -> [Float]) throws -> [SearchResult]
    /// More like an indexed item, by its stored vectors (the item itself left out).
    func similar(id: String, k: Int) throws -> [SearchResult]
    func item(id: String) throws -> IndexItem?
    /// The embedding plot made beside the index, if any.
    var plotFile: URL? { get }
    /// A setting the index records (`IndexStoreProtocol.setting`): its image recipe, its image folders.
    func setting(_ name: String) throws -> String?
}
