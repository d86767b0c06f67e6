import Foundation
import Search
import Tensor

/// Exact or HNSW search over one vector set, skipping rows no live item owns.
enum VectorSearcher: @unchecked Sendable {
    case exact(ExactSearch)
    case approximate(HNSWIndex)

    var isApproximate: Bool {
        if case .approximate = self { return true }
        return false
    }

    /// The `k` nearest live rows (those with an owner), best first, with their owner's id.
    /// Dead rows (left by updates until compaction) are skipped by asking for more and filtering:
    /// the request doubles until k live rows come back or every row has been seen.
    func search(_ query: [Float], k: Int, owners: [String?], rowCount: Int) -> [(neighbor: Neighbor, id: String)] {
        guard k > 0, rowCount > 0 else { return [] }
        var asked = min(rowCount, k + min(64, rowCount))
        while true {
            let found = rawSearch(query, k: asked)
            // A row past `owners` (a commit landed between reading the rows and their owners) counts as dead.
            let live = found.compactMap { neighbor in
                neighbor.index < owners.count ? owners[neighbor.index].map { (neighbor, $0) } : nil
            }
            if live.count >= k || asked >= rowCount { return Array(live.prefix(k)) }
            asked = min(rowCount, asked * 2)
        }
    }

    private func rawSearch(_ query: [Float], k: Int) -> [Neighbor] {
        switch self {
        case .exact(let search): return search.search(query, k: k)
        case .approximate(let index): return index.search(query, k: k, ef: max(index.efSearch, k))
        }
    }
}

// MARK: - Persisted graphs

/// An HNSW graph saved beside the index, with a fingerprint of the rows it was built on: a graph
/// whose rows were renumbered by a compaction must not be attached to the new rows.
enum PersistedGraph {
    /// Loads `file` when its fingerprint matches `vectors`, without the rows appended since (`extend` links
    /// them); else nil.
    static func load(_ file: URL, vectors: VectorMatrix) -> HNSWIndex? {
        guard savedRows(file, vectors: vectors) != nil else { return nil }
        return try? HNSWIndex.load(from: file, vectors: vectors, linkingNewRows: false)
    }

    /// Links the rows of `vectors` the graph lacks, with a progress bar, saving the graph every `checkpointSeconds`
    /// and at the end: a million rows take many minutes, and a build that is killed resumes from its last save.
    static func extend(_ index: HNSWIndex, with vectors: VectorMatrix, file: URL, checkpointSeconds: Double, showProgress: Bool) {
        let start = index.count
        guard start < vectors.count else { return }
        let progress = ProgressBar("search graph", total: vectors.count - start, enabled: showProgress)
        var reported = 0
        var lastSave = Date()
        index.add(contentsOf: vectors, rows: start..<vectors.count, threads: Parallel.threads) { done in
            progress.advance(by: done - reported)
            reported = done
            if Date().timeIntervalSince(lastSave) >= checkpointSeconds && start + done < vectors.count {
                save(index, vectors: vectors, to: file)
                lastSave = Date()
            }
        }
        progress.finish()
        save(index, vectors: vectors, to: file)
    }

    /// How many leading rows of `vectors` the graph saved in `file` holds; nil when there is none or it is stale.
    static func savedRows(_ file: URL, vectors: VectorMatrix) -> Int? {
        guard let sidecar = try? Data(contentsOf: fingerprintURL(file)),
              let recorded = try? JSONDecoder().decode(Fingerprint.self, from: sidecar),
              recorded.rows <= vectors.count, recorded == Fingerprint(vectors, rows: recorded.rows) else { return nil }
        return recorded.rows
    }

    /// Saves the graph and its fingerprint; failure (a read-only index) only costs a rebuild next time.
    static func save(_ index: HNSWIndex, vectors: VectorMatrix, to file: URL) {
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let rows = index.count
            try index.save(to: file)
            try JSONEncoder().encode(Fingerprint(vectors, rows: rows)).write(to: fingerprintURL(file), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("note: could not save the search graph \(file.path): \(error)\n".utf8))
        }
    }

    /// Whether `index` (built on the first `index.count` rows of an earlier mapping) still
    /// describes the same rows of `vectors`.
    static func matches(_ index: HNSWIndex, _ earlier: VectorMatrix, _ vectors: VectorMatrix) -> Bool {
        index.count <= vectors.count && Fingerprint(earlier, rows: index.count) == Fingerprint(vectors, rows: index.count)
    }

    private static func fingerprintURL(_ file: URL) -> URL { file.appendingPathExtension("json") }

    /// Row count and a hash of up to 64 evenly spaced rows (cheap even for millions of rows).
    struct Fingerprint: Codable, Equatable {
        var rows: Int
        var sample: UInt64

        init(_ vectors: VectorMatrix, rows: Int) {
            self.rows = rows
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            let picks = rows == 0 ? [] : Array(Set((0..<min(rows, 64)).map { $0 * (rows - 1) / max(1, min(rows, 64) - 1) })).sorted()
            for row in picks {
                for value in vectors.row(row) { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
            }
            sample = hash
        }
    }
}
