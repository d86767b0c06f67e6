import Foundation
import Server

// MARK: - A search backend over synthetic vectors

/// A small, exact `SearchBackend` for tests: each item's vector is the normalised sum of
/// pseudo-random word vectors of its title, and a text query is embedded the same way, so
/// "red dress" lands nearest the item titled "red dress". An uploaded image is "decoded" by
/// matching it to an item's image bytes; other bytes are not an image to this backend.
final class InMemoryBackend: SearchBackend, @unchecked Sendable {
    struct Item {
        var details: ItemDetails
        var imageFile: URL
        var vector: [Float]
    }

    static let dimension = 32
    private let lock = NSLock()
    private var items: [Item] = []
    private let plot: URL?

    init(plot: URL? = nil) { self.plot = plot }

    /// Adds an item whose image file holds `imageBytes` (written under `directory`).
    func add(id: String, title: String, imageBytes: Data, in directory: URL) throws {
        let file = directory.appendingPathComponent("\(UUID().uuidString).img")
        try imageBytes.write(to: file)
        let item = Item(details: ItemDetails(id: id, title: title, description: "about \(title)", category: "test", group: title),
                        imageFile: file, vector: Self.embed(title))
        lock.withLock { items.append(item) }
    }

    // MARK: SearchBackend

    func search(text: String, k: Int) async throws -> [SearchHit] { rank(Self.embed(text), k: k, excluding: nil) }

    func search(imageData: Data, k: Int) async throws -> [SearchHit] {
        let snapshot = lock.withLock { items }
        guard let match = snapshot.first(where: { (try? Data(contentsOf: $0.imageFile)) == imageData }) else {
            throw SearchBackendError.notAnImage(reason: "bytes do not decode")
        }
        return rank(match.vector, k: k, excluding: nil)
    }

    func similar(id: String, k: Int) async throws -> [SearchHit] {
        guard let item = lock.withLock({ items.first { $0.details.id == id } }) else { throw SearchBackendError.unknownItem(id: id) }
        return rank(item.vector, k: k, excluding: id)
    }

    func item(id: String) async throws -> ItemDetails? { lock.withLock { items.first { $0.details.id == id }?.details } }
    func imageFile(id: String) async throws -> URL? { lock.withLock { items.first { $0.details.id == id }?.imageFile } }
    func plotFile() async -> URL? { plot }
    var itemCount: Int { lock.withLock { items.count } }

    // MARK: Exact search

    private func rank(_ query: [Float], k: Int, excluding: String?) -> [SearchHit] {
        let snapshot = lock.withLock { items }
        return snapshot
            .filter { $0.details.id != excluding }
            .map { item in
                let squared = zip(item.vector, query).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                return SearchHit(id: item.details.id, title: item.details.title, distance: squared.squareRoot())
            }
            .sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }
            .prefix(k)
            .map { $0 }
    }

    /// Normalised sum of one fixed pseudo-random vector per lower-cased word.
    static func embed(_ text: String) -> [Float] {
        var sum = [Float](repeating: 0, count: dimension)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var state = word.unicodeScalars.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1.value)) &* 1099511628211 }
            for i in 0..<dimension {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                sum[i] += Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
            }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? sum.map { $0 / norm } : sum
    }
}
