import Foundation
import ImgSearchKit
import IndexStore

// MARK: - The real index behind the server

/// `SearchEngine` serves the HTTP API directly. It is thread-safe and refreshes itself: at most
/// once per `Options.refreshInterval` (1 s) a query checks the store's item and vector-row counts
/// and, when a concurrent `imgsearch index` added items, swaps in a new snapshot. So new items
/// are searchable about a second after the indexer commits them, without a restart.
extension SearchEngine: SearchBackend {
    public func search(text: String, k: Int) async throws -> [SearchHit] {
        try mapped { try search(text: text, k: k).map(SearchHit.init) }
    }

    public func search(imageData: Data, k: Int) async throws -> [SearchHit] {
        try mapped { try search(imageData: imageData, name: "upload", k: k).map(SearchHit.init) }
    }

    public func similar(id: String, k: Int) async throws -> [SearchHit] {
        try mapped { try similar(id: id, k: k).map(SearchHit.init) }
    }

    public func item(id: String) async throws -> ItemDetails? {
        try mapped { try item(id: id).map(ItemDetails.init) }
    }

    public func imageFile(id: String) async throws -> URL? {
        do {
            return try mapped { try servableImagePath(id: id) }
        } catch let refusal as ImageRefusal {
            throw SearchBackendError.imageUnavailable(id: id, detail: refusal.reason)
        }
    }

    /// `plot.svg` (hover labels) or `plot.png` in the index directory, as `imgsearch demo` writes
    /// them (`imgsearch plot --index DIR --out DIR/plot.png --svg DIR/plot.svg`); looked up per
    /// request so a plot made while the server runs shows up. An index in a database has none.
    public func plotFile() async -> URL? { plotPath }

    /// Runs a search-engine call, translating the failures a client caused into `SearchBackendError`.
    private func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SearchEngineError {
            switch error.kind {
            case .unknownID: throw SearchBackendError.unknownItem(id: error.subject)
            case .unreadableImage: throw SearchBackendError.notAnImage(reason: error.reason)
            case .invalidQuery: throw SearchBackendError.invalidQuery(reason: error.description)
            case .noIndex, .modelUnavailable, .modelMismatch: throw error
            }
        }
    }
}

extension SearchHit {
    init(_ result: SearchResult) {
        self.init(id: result.id, title: result.title, distance: result.distance)
    }
}

extension ItemDetails {
    init(_ item: IndexItem) {
        self.init(id: item.id, title: item.title, description: item.description, category: item.category, group: item.group)
    }
}
