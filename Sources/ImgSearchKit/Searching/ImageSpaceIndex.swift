import Foundation
import IndexStore
import JointEmbedding
import Search

/// The collection's vectors in one image→image space, and how a query's features enter it.
struct ImageSpaceIndex: @unchecked Sendable {
    let vectors: VectorMatrix
    let searcher: VectorSearcher
    /// Set for the whitened space: applied to GeM features of queries.
    let whitening: PCAWhitening?
    /// The mapped rows `vectors` were derived from (whitened space), so the next snapshot can reuse them.
    let source: VectorMatrix?
}

/// Row-wise L2 normalisation (cosine geometry under Euclidean distance), by the joint model's layer.
enum CosineSpace {
    static func rows(_ matrix: VectorMatrix) -> VectorMatrix {
        VectorMatrix(dimension: matrix.dimension,
                     values: L2Normalization.forward(matrix.values, rows: matrix.count, width: matrix.dimension).y)
    }

    static func vector(_ values: [Float]) -> [Float] {
        L2Normalization.forward(values, rows: 1, width: values.count).y
    }
}

/// The PCA whitening stored with an index: `search/whitening.bin`, fitted on the GeM features of
/// the items indexed at the time and refitted on demand.
public enum WhiteningFile {
    static let name = "whitening.bin"
    /// Output dimensions kept at most (GeM p = 3, power 0.5). On all 4,363 demo images within-group R@1 is
    /// 0.561 raw, 0.581 whitened to 512 dimensions and 0.600 to 1,024 (the reference used 512).
    public static let defaultDimension = 1024

    /// Fewer live items than this are searched by raw features: a whitening needs rows to estimate a covariance
    /// (the fit itself needs 2), and at 50 demo images raw and whitened are level anyway (R@1 0.81 / 0.83).
    public static let minimumRows = 32

    /// Fits on the rows that belong to live items and saves it in the index directory, with the whitened
    /// rows (`savedRows`), so that search maps them instead of whitening the collection again. With fewer than
    /// `minimumRows` live items it removes any saved whitening and returns nil: image queries use raw features.
    @discardableResult
    /// `skipped` hears of every row left out for holding NaN or infinite values (named by its item).
    public static func refit(indexDirectory: URL, dimension: Int = WhiteningFile.defaultDimension,
                             minimumRows: Int = WhiteningFile.minimumRows,
                             skipped: (String) -> Void = { _ in }) throws -> PCAWhitening? {
        let store = try SQLiteIndexStore.openForReading(at: indexDirectory)
        let gem = try store.vectors("gem"), owners = try store.rowOwners()
        guard liveRows(owners) >= max(2, minimumRows) else {
            try? FileManager.default.removeItem(at: IndexSnapshot.searchDirectory(indexDirectory).appendingPathComponent(name))
            savedRows(nil, in: indexDirectory).remove()
            return nil
        }
        let whitening = try fit(gem, owners: owners, dimension: dimension, skipped: skipped)
        try save(whitening, in: indexDirectory)
        savedRows(whitening, in: indexDirectory).save(count: gem.count, dimension: whitening.outputDimension, sources: [gem]) {
            whitening.apply(gem, rows: $0, into: $1)
        }
        return whitening
    }

    /// Keeps at most one direction per `rowsPerDirection` live rows: with fewer rows the minor directions
    /// are noise that whitening would amplify. On the 445 demo validation images, within-group R@1 is
    /// 0.10 with 444 directions, 0.71 with 28, 0.77 with 55 and 0.79 with 111 (raw 0.77).
    static let rowsPerDirection = 4

    /// GeM features are square-rooted (sign kept) and L2-normalised before the PCA: on the 445 demo validation
    /// images within-group R@1 0.764 → 0.786 (raw 0.771); on all 4,363 images 0.601 → 0.600.
    static let inputPower: Float = 0.5

    /// Rows the PCA is fitted on at most: a covariance of 1,280 channels is as well estimated from 200,000
    /// rows as from millions, and the copy stays under 1 GB (all live rows of 1M items would be 5 GB).
    public static let maxFitRows = 200_000

    /// Fits on the live rows (`owners[row] != nil`), evenly spaced ones when there are more than `maxRows`.
    /// Rows holding NaN or infinity (which would leave the PCA with no variance at all) are skipped and reported.
    public static func fit(_ gem: VectorMatrix, owners: [String?], dimension: Int = defaultDimension,
                           maxRows: Int = maxFitRows, skipped: (String) -> Void = { _ in }) throws -> PCAWhitening {
        let live = (0..<min(gem.count, owners.count)).filter { row in
            guard let owner = owners[row] else { return false }
            guard gem.row(row).allSatisfy(\.isFinite) else {
                skipped("item \(owner): its backbone features hold NaN or infinite values; left out of the whitening")
                return false
            }
            return true
        }
        let sample = live.count <= maxRows ? live : (0..<maxRows).map { live[$0 * live.count / maxRows] }
        var values: [Float] = []
        values.reserveCapacity(sample.count * gem.dimension)
        for row in sample { values.append(contentsOf: gem.row(row)) }
        let kept = min(dimension, max(8, live.count / rowsPerDirection))
        return try PCAWhitening.fit(VectorMatrix(dimension: gem.dimension, values: values), outputDimension: kept,
                                    inputPower: inputPower)
    }

    /// Whether the whitening and the whitened rows saved beside it cover every row (by the stamp; the rows are not
    /// read), or the index is too small to whiten: false after a run was killed while saving them, so the next `imgsearch index`
    /// refits.
    public static func isUpToDate(indexDirectory: URL) -> Bool {
        let file = IndexSnapshot.searchDirectory(indexDirectory).appendingPathComponent(name)
        guard let store = try? SQLiteIndexStore.openForReading(at: indexDirectory), let gem = try? store.vectors("gem"),
              let owners = try? store.rowOwners() else { return false }
        guard liveRows(owners) >= minimumRows else { return true }
        guard let whitening = try? PCAWhitening.load(from: file) else { return false }
        return savedRows(whitening, in: indexDirectory).covers(rows: gem.count, of: [gem])
    }

    static func liveRows(_ owners: [String?]) -> Int { owners.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// The whitened rows saved beside the whitening (`search/whitened.bin`), as `whitening` makes them.
    static func savedRows(_ whitening: PCAWhitening?, in indexDirectory: URL) -> SavedRows {
        SavedRows("whitened.bin", recipe: whitening?.fingerprint ?? 0, in: indexDirectory)
    }

    static func save(_ whitening: PCAWhitening, in indexDirectory: URL) throws {
        let directory = IndexSnapshot.searchDirectory(indexDirectory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try whitening.save(to: directory.appendingPathComponent(name))
    }
}
