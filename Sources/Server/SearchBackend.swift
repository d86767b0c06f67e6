import Foundation

// MARK: - The server's view of search

/// What the HTTP server needs from a search engine. `ImgSearchKit.SearchEngine` conforms
/// (see SearchEngine+SearchBackend.swift); tests use small in-memory backends.
/// Implementations must be safe to call from many requests at once.
public protocol SearchBackend: Sendable {
    /// Items ranked by Euclidean distance to the embedding of `text`, nearest first.
    func search(text: String, k: Int) async throws -> [SearchHit]
    /// Items ranked by distance to an encoded image (JPEG, PNG, WebP …).
    /// Throws `SearchBackendError.notAnImage` when the bytes cannot be decoded.
    func search(imageData: Data, k: Int) async throws -> [SearchHit]
    /// Items most like the item `id` (the item itself excluded). Throws `.unknownItem`.
    func similar(id: String, k: Int) async throws -> [SearchHit]
    /// The catalog record of one item, nil when there is none.
    func item(id: String) async throws -> ItemDetails?
    /// The image file of one item on disk, nil for an unknown id. Throws `SearchBackendError.imageUnavailable`
    /// when the item has an image the server must not serve (it did not decode, or lies outside the image folders).
    func imageFile(id: String) async throws -> URL?
    /// The embedding plot (PNG or SVG) of the index, when one has been made.
    func plotFile() async -> URL?
    /// Number of searchable items now (grows when `imgsearch index` adds items).
    var itemCount: Int { get async }
}

// MARK: - Values

/// One ranked result.
public struct SearchHit: Codable, Hashable, Sendable {
    public var id: String
    public var title: String
    /// Euclidean distance (not squared) between query and item embeddings.
    public var distance: Float

    public init(id: String, title: String, distance: Float) {
        self.id = id
        self.title = title
        self.distance = distance
    }
}

/// The catalog fields of one item that the API shows (never its file path).
public struct ItemDetails: Codable, Hashable, Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var category: String
    public var group: String

    public init(id: String, title: String, description: String = "", category: String = "", group: String = "") {
        self.id = id
        self.title = title
        self.description = description
        self.category = category
        self.group = group
    }
}

/// Failures a backend reports that map to client errors (4xx) rather than server faults.
public enum SearchBackendError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownItem(id: String)
    case notAnImage(reason: String)
    case invalidQuery(reason: String)
    /// The item exists but its image is not served; `detail` (paths) is logged, never sent.
    case imageUnavailable(id: String, detail: String)

    public var description: String {
        switch self {
        case .unknownItem(let id): return "no item with id '\(id)'"
        case .notAnImage(let reason): return "not a decodable image: \(reason)"
        case .invalidQuery(let reason): return "invalid query: \(reason)"
        case .imageUnavailable(let id, _): return "item '\(id)' has no image to serve"
        }
    }
}
