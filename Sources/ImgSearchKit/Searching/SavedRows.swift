import Foundation
import IndexStore
import JointEmbedding
import Search

/// Rows derived from an index's vectors and saved in `search/` at index time (the whitened GeM rows, the fused
/// text rows), so that an engine maps them instead of deriving them again. A JSON stamp beside each file names
/// the recipe (the whitening's fingerprint, λ) and samples the source rows it came from: a stamp that no longer
/// matches (a refit, a compaction, another λ) makes the file stale, and it is ignored. Rows appended since
/// are derived when a snapshot is built (`DerivedRows`).
struct SavedRows {
    let file: URL
    /// What made the rows from their sources: the whitening's fingerprint, λ's bit pattern.
    let recipe: UInt64

    struct Stamp: Codable, Equatable {
        var recipe: UInt64
        var sources: [PersistedGraph.Fingerprint]
    }

    init(_ name: String, recipe: UInt64, in indexDirectory: URL) {
        file = IndexSnapshot.searchDirectory(indexDirectory).appendingPathComponent(name)
        self.recipe = recipe
    }

    private var stampURL: URL { file.appendingPathExtension("json") }

    /// Derives every row of `sources` block by block, straight to the file (no full-size copy in memory), and
    /// stamps it. Failure (a read-only index, a full disk) only costs deriving at search time: a note, not an error.
    func save(count: Int, dimension: Int, sources: [VectorMatrix], derive: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        do {
            try? FileManager.default.removeItem(at: stampURL)  // never a new file under an old stamp
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try VectorMatrix.save(count: count, dimension: dimension, to: file) { rows, scratch in
                derive(rows, scratch)
                return UnsafePointer(scratch)
            }
            let stamp = Stamp(recipe: recipe, sources: sources.map { PersistedGraph.Fingerprint($0, rows: count) })
            try JSONEncoder().encode(stamp).write(to: stampURL, options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("note: could not save \(file.path): \(error)\n".utf8))
        }
    }

    /// The saved rows when this recipe made them from the leading rows of `sources`; nil when absent, stale or
    /// damaged (the whole file's checksum is verified as it is mapped).
    func load(sources: [VectorMatrix], dimension: Int) -> VectorMatrix? {
        guard let before = try? Data(contentsOf: stampURL), case .saved(let matrix) = state(sources: sources, dimension: dimension),
              // An `imgsearch index` replacing the file meanwhile removes the stamp first: an unchanged stamp
              // after mapping means the mapped file is the one it describes.
              (try? Data(contentsOf: stampURL)) == before else { return nil }
        return matrix
    }

    /// True when the stamp says the file holds the first `count` rows derived from `sources` (the file is not read).
    func covers(rows count: Int, of sources: [VectorMatrix]) -> Bool { stampedRows(sources) == count }

    /// A line for `imgsearch index --check`: whether the file is there, current, stale or damaged (reads it all).
    func report(sources: [VectorMatrix], dimension: Int) -> String {
        let name = "search/" + file.lastPathComponent
        switch state(sources: sources, dimension: dimension) {
        case .absent: return "\(name): absent (derived at search time)"
        case .stale: return "\(name): stale, made from other rows or another recipe (ignored; imgsearch index --refit rewrites it)"
        case .damaged(let reason): return "\(name): damaged, \(reason) (ignored; imgsearch index --refit rewrites it)"
        case .saved(let matrix):
            let total = sources.map(\.count).min() ?? matrix.count
            return matrix.count == total ? "\(name): up to date, \(matrix.count) rows"
                : "\(name): \(matrix.count) of \(total) rows (the rest are derived at search time)"
        }
    }

    /// Removes the rows and their stamp (the collection no longer has them: too few images to whiten).
    func remove() {
        for url in [stampURL, file] { try? FileManager.default.removeItem(at: url) }
    }

    private enum State {
        case absent, stale, damaged(String), saved(VectorMatrix)
    }

    /// What the file holds for `sources`, the one place its stamp, checksum and shape are checked.
    private func state(sources: [VectorMatrix], dimension: Int) -> State {
        guard FileManager.default.fileExists(atPath: file.path) else { return .absent }
        guard let rows = stampedRows(sources) else { return .stale }
        do {
            let matrix = try VectorMatrix(savedFile: file)
            guard matrix.count == rows, matrix.dimension == dimension else {
                return .damaged("\(matrix.count) rows of \(matrix.dimension) where the stamp says \(rows) of \(dimension)")
            }
            return .saved(matrix)
        } catch {
            return .damaged("\(error)")
        }
    }

    /// The row count of the stamp when it matches this recipe and the leading rows of every source.
    private func stampedRows(_ sources: [VectorMatrix]) -> Int? {
        guard let data = try? Data(contentsOf: stampURL), let stamp = try? JSONDecoder().decode(Stamp.self, from: data),
              stamp.recipe == recipe, stamp.sources.count == sources.count, let rows = stamp.sources.first?.rows,
              zip(stamp.sources, sources).allSatisfy({ saved, source in
                  saved.rows == rows && rows <= source.count && saved == PersistedGraph.Fingerprint(source, rows: rows)
              }) else { return nil }
        return rows
    }
}

/// What `imgsearch index --check` says of the rows saved for search: a line per file.
public enum SavedSearchRows {
    public static func report(indexDirectory: URL, bridgeWeight: Float = LabelBridge.defaultWeight) throws -> [String] {
        let store = try SQLiteIndexStore.openForReading(at: indexDirectory)
        var lines: [String] = []
        let gem = try store.vectors("gem")
        let whiteningFile = IndexSnapshot.searchDirectory(indexDirectory).appendingPathComponent(WhiteningFile.name)
        if WhiteningFile.liveRows(try store.rowOwners()) < WhiteningFile.minimumRows {
            lines.append("search/\(WhiteningFile.name): none needed (fewer than \(WhiteningFile.minimumRows) images: image queries use raw features)")
        } else if let whitening = try? PCAWhitening.load(from: whiteningFile), whitening.inputDimension == gem.dimension {
            lines.append(WhiteningFile.savedRows(whitening, in: indexDirectory).report(sources: [gem], dimension: whitening.outputDimension))
        } else {
            lines.append("search/\(WhiteningFile.name): absent or unreadable (fitted by the first image query; imgsearch index --refit)")
        }
        let joint = try store.vectors("joint")
        if let bridge = try TextRows.bridgeRows(store, joint: joint) {
            lines.append(FusedTextRowsFile.savedRows(bridgeWeight, in: indexDirectory)
                .report(sources: [joint, bridge], dimension: joint.dimension + bridge.dimension))
        }
        return lines
    }
}
