import Foundation
import IndexStore
import PostgresNIO
import Search

/// One answer of a nearest-neighbour query, with the item fields search shows.
public struct DatabaseHit: Sendable, Equatable {
    public var id: String
    public var title: String
    public var image: String
    public var distance: Float
}

/// How pgvector ranks: a sequential scan over every row (exact), or its HNSW index with `hnsw.ef_search` candidates.
public enum DatabaseScan: Sendable, Equatable {
    case exact
    case approximate(efSearch: Int)
}

/// The whitening of image search as the database holds it, with the table of its whitened rows.
public struct StoredWhitening: @unchecked Sendable {
    public let whitening: PCAWhitening
    public let fingerprint: String
    /// `whitened_<fingerprint>`: one `vector(outputDimension)` per encoded item.
    public let table: String
}

extension PostgresIndexStore {
    /// HNSW parameters of the indexes `imgsearch index` creates (those of our own graphs).
    public static let hnswM = 16, hnswEfConstruction = 100

    // MARK: Nearest items

    /// The `k` items whose `text_rows` (λ as recorded), joint rows (`bridgeWeight` nil) or rows fused for another λ
    /// (an exact scan: no index covers them) are nearest to `query`, fused the same way by the caller.
    public func nearestText(_ query: [Float], bridgeWeight: Float?, k: Int, scan: DatabaseScan) throws -> [DatabaseHit] {
        let jointDimension = vectorSets.first { $0.name == "joint" }!.dimension
        if bridgeWeight == textBridgeWeight {
            return try nearest(table: "item_vectors", column: "text_rows", query: query, k: k, scan: scan)
        }
        guard let weight = bridgeWeight, weight > 0, textBridgeWeight != nil else {
            return try nearest(table: "item_vectors", column: "joint", query: Array(query.prefix(jointDimension)), k: k, scan: .exact)
        }
        // Another λ: undo the query's fusion and fuse every row's distances for it (exactly what the fused rows would give).
        let scale = (1 + weight).squareRoot()
        let joint = query.prefix(jointDimension).map { $0 * scale }
        let bridge = query.dropFirst(jointDimension).map { $0 * scale / weight.squareRoot() }
        var binds = PostgresBindings()
        binds.append(types.bind(joint))
        binds.append(types.bind(bridge))
        let distance = "sqrt(((joint <-> $1) ^ 2 + \(weight) * (bridge <-> $2) ^ 2) / \(1 + weight))"
        return try hits(try connections.run(rankedSQL(table: "item_vectors", distance: distance, order: distance, k: k), binds))
    }

    /// The `k` items nearest to `query` in the whitened space (`whitening` as `currentWhitening()` returned it).
    public func nearestWhitened(_ query: [Float], whitening: StoredWhitening, k: Int, scan: DatabaseScan) throws -> [DatabaseHit] {
        try nearest(table: whitening.table, column: "v", query: query, k: k, scan: scan)
    }

    /// The `k` items nearest to `query` by cosine in one stored vector set (raw features of a collection too small
    /// to whiten; the joint space), as the Euclidean distance of unit vectors: √(2 · cosine distance).
    public func nearestByCosine(_ set: String, _ query: [Float], k: Int) throws -> [DatabaseHit] {
        var binds = PostgresBindings()
        binds.append(types.bind(query))
        let column = PostgresSchema.quoted(set)
        return try hits(try connections.run(rankedSQL(table: "item_vectors", distance: "sqrt(2 * greatest(\(column) <=> $1, 0))",
                                                       order: "(\(column) <=> $1) + 0", k: k), binds))
    }

    /// The stored vector of an item in a table (`item_vectors` column, or a whitened table's `v`), nil when it has none.
    public func storedVector(id: String, table: String, column: String) throws -> [Float]? {
        var binds = PostgresBindings()
        binds.append(id)
        let quotedColumn = column == "v" ? "v" : PostgresSchema.quoted(column)
        return try connections.run("SELECT \(quotedColumn) FROM \(schema).\(table) WHERE id = $1", binds).first.flatMap { try VectorTypes.decode($0[0]) }
    }

    private func nearest(table: String, column: String, query: [Float], k: Int, scan: DatabaseScan) throws -> [DatabaseHit] {
        var binds = PostgresBindings()
        binds.append(types.bind(query))
        let distance = "\(column) <-> $1"
        switch scan {
        case .exact:
            // `+ 0` keeps the planner off the HNSW index: a sequential scan ranks every row.
            return try hits(try connections.run(rankedSQL(table: table, distance: distance, order: "(\(distance)) + 0", k: k), binds))
        case .approximate(let efSearch):
            // pgvector's HNSW scan returns at most ef_search rows.
            let ef = min(1000, max(efSearch, k))
            return try connections.with { connection in
                if connection.efSearch != ef {
                    try connections.run(connection, "SET hnsw.ef_search = \(ef)")
                    connection.efSearch = ef
                }
                return try hits(try connections.run(connection, rankedSQL(table: table, distance: distance, order: distance, k: k), binds))
            }
        }
    }

    /// Ranks in a subquery (the part a sharded database runs on each shard and merges), then joins the item fields.
    private func rankedSQL(table: String, distance: String, order: String, k: Int) -> String {
        """
        SELECT n.id, i.title, i.image, n.distance FROM
            (SELECT id, \(distance) AS distance FROM \(schema).\(table) ORDER BY \(order) LIMIT \(k)) n
        JOIN \(schema).items i USING (id) ORDER BY n.distance, n.id
        """
    }

    private func hits(_ rows: [PostgresRandomAccessRow]) throws -> [DatabaseHit] {
        try rows.map { row in
            DatabaseHit(id: try row[0].decode(String.self), title: try row[1].decode(String.self), image: try row[2].decode(String.self),
                        distance: Float(try row[3].decode(Double.self)))
        }
    }

    // MARK: Indexes

    /// Creates the HNSW index of text search (`vector_l2_ops`: we rank by Euclidean distance) when it is missing.
    /// pgvector keeps it up to date as rows are inserted.
    public func createTextSearchIndex() throws {
        try connections.run("""
            CREATE INDEX IF NOT EXISTS item_vectors_text_rows_hnsw ON \(schema).item_vectors
            USING hnsw (text_rows vector_l2_ops) WITH (m = \(Self.hnswM), ef_construction = \(Self.hnswEfConstruction))
            """)
    }

    // MARK: Whitening

    /// The fitted whitening, nil when there is none (a collection too small to whiten). Its matrix is read once per
    /// fit: later calls compare the fingerprint only.
    public func currentWhitening() throws -> StoredWhitening? {
        guard let row = try connections.run("SELECT fingerprint, table_name FROM \(schema).whitening").first else { return nil }
        let fingerprint = try row[0].decode(String.self), table = try row[1].decode(String.self)
        if let cached = whiteningCache.value, cached.fingerprint == fingerprint { return cached }
        guard let data = try connections.run("SELECT data FROM \(schema).whitening").first?[0].decode(Data.self) else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("imgsearch-whitening-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        try data.write(to: file)
        let loaded = StoredWhitening(whitening: try PCAWhitening.load(from: file), fingerprint: fingerprint, table: table)
        whiteningCache.value = loaded
        return loaded
    }

    /// Replaces the whitening and its whitened rows (`rows` in `ids` order) in one transaction, with an HNSW index on
    /// them; readers keep the old table until the commit. Nil removes the whitening (image search then uses raw features).
    public func replaceWhitening(_ whitening: PCAWhitening?, ids: [String], rows: VectorMatrix?) throws {
        let previous = try connections.run("SELECT table_name FROM \(schema).whitening").first.map { try $0[0].decode(String.self) }
        try connections.transaction { connection in
            try connections.run(connection, "DELETE FROM \(schema).whitening")
            if let previous { try connections.run(connection, "DROP TABLE IF EXISTS \(schema).\(previous)") }
            guard let whitening, let rows else { return }
            let fingerprint = String(whitening.fingerprint, radix: 16)
            let table = "whitened_\(fingerprint)"
            try connections.run(connection, "DROP TABLE IF EXISTS \(schema).\(table)")
            try connections.run(connection, """
                CREATE TABLE \(schema).\(table) (id text PRIMARY KEY REFERENCES \(schema).items (id) ON DELETE CASCADE,
                    v vector(\(whitening.outputDimension)) NOT NULL)
                """)
            for start in stride(from: 0, to: ids.count, by: 2000) {
                let range = start..<min(start + 2000, ids.count)
                var binds = PostgresBindings()
                binds.append(Array(ids[range]))
                binds.append(types.bindArray(range.map { rows.rowArray($0) }))
                try connections.run(connection, "INSERT INTO \(schema).\(table) (id, v) SELECT * FROM unnest($1::text[], $2::vector[])", binds)
            }
            try connections.run(connection, """
                CREATE INDEX ON \(schema).\(table) USING hnsw (v vector_l2_ops)
                WITH (m = \(Self.hnswM), ef_construction = \(Self.hnswEfConstruction))
                """)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("imgsearch-whitening-\(UUID().uuidString).bin")
            defer { try? FileManager.default.removeItem(at: file) }
            try whitening.save(to: file)
            var binds = PostgresBindings()
            binds.append(fingerprint)
            binds.append(table)
            try binds.append(try Data(contentsOf: file))
            try connections.run(connection, "INSERT INTO \(schema).whitening (id, fingerprint, table_name, data) VALUES (1, $1, $2, $3)", binds)
        }
    }
}

extension PostgresIndexStore {
    /// Whether the HNSW index of text search exists.
    public func hasTextSearchIndex() throws -> Bool {
        var binds = PostgresBindings()
        binds.append(connections.url.schema)
        return !(try connections.run("SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'item_vectors_text_rows_hnsw'", binds).isEmpty)
    }
}
