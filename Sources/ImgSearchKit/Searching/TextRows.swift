import Foundation
import IndexStore
import JointEmbedding
import Search

/// The rows text search runs on. With "bridge" vectors in the index and λ > 0 they are the fused
/// rows [joint, √λ·bridge] / √(1 + λ) (`LabelBridge.fusedRows`): nearest by Euclidean distance is
/// best by joint cosine + λ · bridge cosine. Otherwise they are the joint rows themselves.
struct TextRows: @unchecked Sendable {
    let rows: VectorMatrix
    /// λ when the rows are fused, nil when they are the joint rows.
    let bridgeWeight: Float?
    /// The mapped rows the fused rows were made from (nil when not fused), to reuse them at the next refresh.
    let sources: (joint: VectorMatrix, bridge: VectorMatrix)?
    /// Each λ has its own HNSW graph file, so changing `--bridge-weight` never reuses a wrong graph.
    var graphFileName: String { bridgeWeight.map { String(format: "joint+bridge-%.3f.hnsw", $0) } ?? "joint.hnsw" }

    /// `joint` is the store's joint matrix as already mapped: the bridge rows are cut to its row
    /// count, since an indexer may commit more rows between the two reads. The fused rows start from
    /// those `previous` already made from the same leading rows, else from those saved at index time.
    init(store: SQLiteIndexStore, joint: VectorMatrix, bridgeWeight: Float, previous: TextRows? = nil) throws {
        guard bridgeWeight > 0, let bridge = try Self.bridgeRows(store, joint: joint) else {
            rows = joint
            self.bridgeWeight = nil
            sources = nil
            return
        }
        let earlier = previous.flatMap { old -> VectorMatrix? in
            guard old.bridgeWeight == bridgeWeight, let sources = old.sources, old.rows.count <= joint.count,
                  DerivedRows.sameLeadingRows(sources.joint, joint, rows: old.rows.count),
                  DerivedRows.sameLeadingRows(sources.bridge, bridge, rows: old.rows.count) else { return nil }
            return old.rows
        } ?? FusedTextRowsFile.savedRows(bridgeWeight, in: store.directory)
            .load(sources: [joint, bridge], dimension: joint.dimension + bridge.dimension)
        rows = DerivedRows.build(count: joint.count, dimension: joint.dimension + bridge.dimension, previous: earlier,
                                 derive: Self.fuse(joint, bridge, weight: bridgeWeight))
        self.bridgeWeight = bridgeWeight
        sources = (joint, bridge)
    }

    /// The store's bridge rows (nil when it has none), checked to cover every joint row.
    static func bridgeRows(_ store: SQLiteIndexStore, joint: VectorMatrix) throws -> VectorMatrix? {
        guard store.vectorSets.contains(where: { $0.name == "bridge" }) else { return nil }
        let bridge = try store.vectors("bridge")
        guard bridge.count >= joint.count else {
            throw StoreError(.corrupt, file: store.directory.path,
                             reason: "\(joint.count) joint rows but \(bridge.count) bridge rows (run imgsearch index --check)")
        }
        return bridge
    }

    static func fuse(_ joint: VectorMatrix, _ bridge: VectorMatrix, weight: Float) -> (Range<Int>, UnsafeMutablePointer<Float>) -> Void {
        { range, out in
            LabelBridge.fuseRows(rows: range.count, joint: joint.baseAddress + range.lowerBound * joint.dimension, jointWidth: joint.dimension,
                                 bridge: bridge.baseAddress + range.lowerBound * bridge.dimension, bridgeWidth: bridge.dimension,
                                 weight: weight, into: out)
        }
    }
}

/// The fused text rows `imgsearch index` saves beside the index for the default λ (`search/joint+bridge-λ.bin`),
/// so that an engine opening a large index maps them (shared page cache) instead of building them in its own
/// memory: 768 floats a row, 3 GB at a million items. Another λ (`--bridge-weight`) fuses in memory.
public enum FusedTextRowsFile {
    static func savedRows(_ bridgeWeight: Float, in indexDirectory: URL) -> SavedRows {
        SavedRows(String(format: "joint+bridge-%.3f.bin", bridgeWeight), recipe: UInt64(bridgeWeight.bitPattern), in: indexDirectory)
    }

    /// Saves the fused rows of λ unless the saved ones already hold every row (by their stamp; `rewrite` saves
    /// them anyway, which mends a damaged file). Returns whether it wrote them; an index without bridge vectors
    /// has nothing to fuse.
    @discardableResult
    public static func update(indexDirectory: URL, bridgeWeight: Float = LabelBridge.defaultWeight, rewrite: Bool = false) throws -> Bool {
        let store = try SQLiteIndexStore.openForReading(at: indexDirectory)
        let joint = try store.vectors("joint")
        guard bridgeWeight > 0, joint.count > 0, let bridge = try TextRows.bridgeRows(store, joint: joint) else { return false }
        let saved = savedRows(bridgeWeight, in: indexDirectory)
        guard rewrite || !saved.covers(rows: joint.count, of: [joint, bridge]) else { return false }
        saved.save(count: joint.count, dimension: joint.dimension + bridge.dimension, sources: [joint, bridge],
                   derive: TextRows.fuse(joint, bridge, weight: bridgeWeight))
        return true
    }
}
