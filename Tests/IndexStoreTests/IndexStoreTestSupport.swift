import Foundation
import IndexStore

/// A scratch index directory and small deterministic items for the store tests.
struct ScratchIndex {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString)")
    static let sets = [VectorSetSpec(name: "joint", dimension: 4), VectorSetSpec(name: "gem", dimension: 6)]

    func open(model: String = "model-a", sets: [VectorSetSpec] = ScratchIndex.sets) throws -> SQLiteIndexStore {
        try SQLiteIndexStore.openForWriting(at: directory, modelIdentifier: model, vectorSets: sets)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The vectors item `n` gets in version `version`: distinct per item and version.
    static func vectors(_ n: Int, version: Int = 0) -> [String: [Float]] {
        ["joint": (0..<4).map { Float(n * 10 + $0) + Float(version) / 2 },
         "gem": (0..<6).map { Float(-n) - Float($0) / 10 - Float(version) }]
    }

    static func update(_ n: Int, version: Int = 0) -> ItemUpdate {
        ItemUpdate(item: IndexItem(id: "item\(n)", title: "Item \(n)", group: "g\(n % 3)", image: "/images/\(n).png",
                                   contentHash: "hash\(n)-v\(version)"),
                   vectors: vectors(n, version: version))
    }

    static func failure(_ n: Int) -> ItemUpdate {
        ItemUpdate(item: IndexItem(id: "item\(n)", image: "/images/\(n).png", contentHash: "hash\(n)", status: .failed,
                                   error: "not an image"), vectors: nil)
    }

    var vectorFolder: URL { directory.appendingPathComponent("vectors") }
}
