import Foundation

// The parts of `IndexStoreProtocol` the embedded store answers from what it already has.
extension SQLiteIndexStore {
    public var location: String { directory.path }

    public func storedVectors(id: String) throws -> [String: [Float]]? {
        guard let row = try item(id: id)?.vectorRow else { return nil }
        return try Dictionary(uniqueKeysWithValues: vectorSets.map { set in
            let matrix = try vectors(set.name)
            guard row < matrix.count else {
                throw StoreError(.corrupt, file: directory.path, reason: "item \(id) points at row \(row) of \(matrix.count)")
            }
            return (set.name, matrix.rowArray(row))
        })
    }

    /// Rewrites the vector files once unreferenced rows make up `threshold` of them.
    public func compactIfWorthwhile(threshold: Double) throws {
        let rows = try vectors(vectorSets[0].name).count
        if rows > 0, Double(try orphanRowCount()) >= threshold * Double(rows) { try compact() }
    }
}
