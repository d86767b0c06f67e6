import Search

/// A matrix derived row by row from an index's mapped vectors (the fused text rows, the whitened
/// features). Each snapshot refresh needs it again; when the previous snapshot derived it the same way
/// from the same leading rows, those derived rows are copied and only the rows added since are derived,
/// so a refresh while `imgsearch index` runs costs the new rows, not the whole collection.
enum DerivedRows {
    /// `count × dimension` rows: `previous`'s rows first (when given), then `derive(range, destination)`
    /// for the rest. A `previous` that already has every row is returned as it is (no copy; it may be mapped).
    static func build(count: Int, dimension: Int, previous: VectorMatrix?,
                      derive: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> VectorMatrix {
        if let previous, previous.dimension == dimension, previous.count == count { return previous }
        return VectorMatrix(count: count, dimension: dimension) { out in
            var start = 0
            if let previous, previous.dimension == dimension, previous.count <= count {
                out.update(from: previous.baseAddress, count: previous.count * dimension)
                start = previous.count
            }
            if start < count { derive(start..<count, out + start * dimension) }
        }
    }

    /// True when `now` still begins with the first `rows` rows of `earlier` (a sample of 64 rows is compared,
    /// as for HNSW graphs: rows are only ever appended, and a compaction changes the sampled ones).
    static func sameLeadingRows(_ earlier: VectorMatrix, _ now: VectorMatrix, rows: Int) -> Bool {
        rows <= earlier.count && rows <= now.count && earlier.dimension == now.dimension
            && PersistedGraph.Fingerprint(earlier, rows: rows) == PersistedGraph.Fingerprint(now, rows: rows)
    }
}
