import Foundation
import IndexStore
import PostgresNIO
import Search

/// An index in a PostgreSQL database with pgvector: the same items, vector sets and promises as the embedded
/// store, kept by a database server that several machines share, back up and replicate.
///
/// Tables (schema `imgsearch` unless the URL says `?schema=`): `items` (metadata), `item_vectors` (one `vector(N)`
/// column per vector set, plus `text_rows`: the joint and label-bridge vectors fused for the recorded λ, what text
/// search ranks and its HNSW index covers), `whitening` + `whitened_N` (image search, see +Search), `meta` (model
/// identity, vector sets, λ), `schema_version`. Every write is one transaction: a killed `imgsearch index` loses
/// at most the batch in flight, and nothing is half-stored. Rows are numbered by `item_vectors.seq` (insertion
/// order), with no dead rows: a replaced vector is updated in place, a removed item's row deleted.
public final class PostgresIndexStore: IndexStoreProtocol, @unchecked Sendable {
    public let connections: Connections
    public let modelIdentifier: String
    public let vectorSets: [VectorSetSpec]
    /// λ of the fused `text_rows` (nil: the index has no bridge vectors and `text_rows` are the joint rows).
    public let textBridgeWeight: Float?
    let types: VectorTypes
    /// The whitening last read, kept until the database holds another fit.
    let whiteningCache = Locked<StoredWhitening?>(nil)
    var schema: String { PostgresSchema.quoted(connections.url.schema) }

    public var location: String { connections.url.description }

    // MARK: Opening

    /// Opens the index for indexing, creating its tables when the database has none. `.modelMismatch` when it
    /// holds another model's vectors, `.invalidArgument` when its vector sets differ.
    public static func openForWriting(_ url: DatabaseURL, modelIdentifier: String, vectorSets: [VectorSetSpec],
                                      textBridgeWeight: Float) throws -> PostgresIndexStore {
        let connections = try Connections(url)
        try PostgresSchema.requireVectorExtension(connections)
        try PostgresSchema.migrate(connections)
        let schema = PostgresSchema.quoted(url.schema)
        try connections.transaction { connection in
            try connections.run(connection, "SELECT pg_advisory_xact_lock(hashtext(\(PostgresSchema.literal(url.schema))))")
            guard try connections.run(connection, "SELECT 1 FROM \(schema).meta WHERE key = 'model_identifier'").isEmpty else { return }
            let hasBridge = vectorSets.contains { $0.name == "bridge" }
            let joint = vectorSets.first { $0.name == "joint" }?.dimension ?? 0
            let textDimension = joint + (hasBridge ? vectorSets.first { $0.name == "bridge" }!.dimension : 0)
            let columns = vectorSets.map { "\(PostgresSchema.quoted($0.name)) vector(\($0.dimension)) NOT NULL" }
            try connections.run(connection, """
                CREATE TABLE \(schema).item_vectors (id text PRIMARY KEY REFERENCES \(schema).items (id) ON DELETE CASCADE,
                    seq bigserial NOT NULL, \(columns.joined(separator: ", ")), text_rows vector(\(textDimension)) NOT NULL)
                WITH (toast_tuple_target = 8160)
                """)
            // Rows up to a page stay inline: vectors do not compress, and out of line each would cost a TOAST write.
            try connections.run(connection, "CREATE INDEX ON \(schema).item_vectors (seq)")
            let meta = [("format", "1"), ("model_identifier", modelIdentifier),
                        ("vector_sets", vectorSets.map { "\($0.name):\($0.dimension)" }.joined(separator: ",")),
                        ("text_bridge_weight", hasBridge ? "\(textBridgeWeight)" : "none")]
            for (key, value) in meta {
                var binds = PostgresBindings()
                binds.append(key)
                binds.append(value)
                try connections.run(connection, "INSERT INTO \(schema).meta (key, value) VALUES ($1, $2)", binds)
            }
        }
        let store = try open(connections)
        guard store.modelIdentifier == modelIdentifier else {
            throw StoreError(.modelMismatch, file: url.description,
                             reason: "the index was built with model \(store.modelIdentifier), not \(modelIdentifier); use another schema (?schema=NAME) or drop this one")
        }
        guard store.vectorSets == vectorSets else {
            let describe = { (sets: [VectorSetSpec]) in sets.map { "\($0.name)[\($0.dimension)]" }.joined(separator: ", ") }
            throw StoreError(.invalidArgument, file: url.description,
                             reason: "the index holds vector sets \(describe(store.vectorSets)), asked for \(describe(vectorSets))")
        }
        return store
    }

    /// Opens an existing index for searching (on the primary or on a read replica).
    public static func openForReading(_ url: DatabaseURL, expectedModelIdentifier: String? = nil) throws -> PostgresIndexStore {
        let store = try open(try Connections(url))
        if let expectedModelIdentifier, expectedModelIdentifier != store.modelIdentifier {
            throw StoreError(.modelMismatch, file: url.description,
                             reason: "the index was built with model \(store.modelIdentifier), not \(expectedModelIdentifier)")
        }
        return store
    }

    private static func open(_ connections: Connections) throws -> PostgresIndexStore {
        let schema = PostgresSchema.quoted(connections.url.schema)
        let exists = try connections.run("SELECT to_regclass(\(PostgresSchema.literal(connections.url.schema + ".meta")))::text")
        guard let found = exists.first, try found[0].decode(String?.self) != nil else {
            throw StoreError(.invalidArgument, file: connections.url.description, reason: "no index here (run `imgsearch index` first)")
        }
        var meta: [String: String] = [:]
        for row in try connections.run("SELECT key, value FROM \(schema).meta") {
            meta[try row[0].decode(String.self)] = try row[1].decode(String.self)
        }
        guard meta["format"] == "1", let model = meta["model_identifier"], let sets = meta["vector_sets"] else {
            throw StoreError(.corrupt, file: connections.url.description, reason: "not an imgsearch index (its metadata is incomplete)")
        }
        let specs = sets.split(separator: ",").compactMap { entry -> VectorSetSpec? in
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let dimension = Int(parts[1]) else { return nil }
            return VectorSetSpec(name: String(parts[0]), dimension: dimension)
        }
        return PostgresIndexStore(connections: connections, modelIdentifier: model, vectorSets: specs,
                                  textBridgeWeight: meta["text_bridge_weight"].flatMap(Float.init), types: try VectorTypes.lookUp(connections))
    }

    init(connections: Connections, modelIdentifier: String, vectorSets: [VectorSetSpec], textBridgeWeight: Float?, types: VectorTypes) {
        self.connections = connections
        self.modelIdentifier = modelIdentifier
        self.vectorSets = vectorSets
        self.textBridgeWeight = textBridgeWeight
        self.types = types
    }

    /// A value the index records beside the model (e.g. where the model directory is), or nil.
    public func metadata(_ key: String) throws -> String? {
        var binds = PostgresBindings()
        binds.append(key)
        return try connections.run("SELECT value FROM \(schema).meta WHERE key = $1", binds).first?[0].decode(String.self)
    }

    public func setMetadata(_ key: String, _ value: String) throws {
        var binds = PostgresBindings()
        binds.append(key)
        binds.append(value)
        try connections.run("INSERT INTO \(schema).meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", binds)
    }

    // MARK: Reading

    static let itemColumns = "i.id, i.source, i.title, i.description, i.category, i.group_name, i.image, i.content_hash, i.status, i.error"

    public func item(id: String) throws -> StoredItem? {
        var binds = PostgresBindings()
        binds.append(id)
        return try connections.run("""
            SELECT \(Self.itemColumns), (SELECT count(*) FROM \(schema).item_vectors w WHERE w.seq < v.seq) FROM \(schema).items i
            LEFT JOIN \(schema).item_vectors v USING (id) WHERE i.id = $1
            """, binds).first.map(Self.storedItem)
    }

    /// The item's record without its row number (which costs a count over the rows before it): what search shows.
    public func record(id: String) throws -> IndexItem? {
        var binds = PostgresBindings()
        binds.append(id)
        return try connections.run("SELECT \(Self.itemColumns), NULL::int8 FROM \(schema).items i WHERE i.id = $1", binds)
            .first.map { try Self.storedItem($0).item }
    }

    public func forEachItem(_ body: (StoredItem) throws -> Void) throws {
        let rows = try connections.run("""
            SELECT \(Self.itemColumns), (row_number() OVER (ORDER BY v.seq) - 1) * (v.seq IS NOT NULL)::int
            FROM \(schema).items i LEFT JOIN \(schema).item_vectors v USING (id) ORDER BY i.id
            """)
        for row in rows { try body(try Self.storedItem(row)) }
    }

    public func itemCount() throws -> Int {
        try connections.run("SELECT count(*) FROM \(schema).items").first?[0].decode(Int.self) ?? 0
    }

    public func contentHashes() throws -> [String: String] {
        var hashes: [String: String] = [:]
        for row in try connections.run("SELECT id, content_hash FROM \(schema).items") {
            hashes[try row[0].decode(String.self)] = try row[1].decode(String.self)
        }
        return hashes
    }

    public func storedVectors(id: String) throws -> [String: [Float]]? {
        var binds = PostgresBindings()
        binds.append(id)
        let columns = vectorSets.map { PostgresSchema.quoted($0.name) }.joined(separator: ", ")
        guard let row = try connections.run("SELECT \(columns) FROM \(schema).item_vectors WHERE id = $1", binds).first else { return nil }
        var vectors: [String: [Float]] = [:]
        for (index, set) in vectorSets.enumerated() { vectors[set.name] = try VectorTypes.decode(row[index]) }
        return vectors
    }

    public func vectors(_ set: String) throws -> VectorMatrix {
        guard let spec = vectorSets.first(where: { $0.name == set }) else {
            throw StoreError(.invalidArgument, file: location, reason: "no vector set '\(set)' (have \(vectorSets.map(\.name).joined(separator: ", ")))")
        }
        return try column(PostgresSchema.quoted(set), dimension: spec.dimension, table: "item_vectors")
    }

    /// Every row of one vector column in `seq` order, as one matrix.
    func column(_ column: String, dimension: Int, table: String) throws -> VectorMatrix {
        let rows = try connections.run("SELECT \(column) FROM \(schema).\(table) ORDER BY seq")
        return VectorMatrix(count: rows.count, dimension: dimension) { out in
            for (index, row) in rows.enumerated() {
                if let values = try? VectorTypes.decode(row[0]), values.count == dimension {
                    (out + index * dimension).update(from: values, count: dimension)
                }
            }
        }
    }

    public func rowOwners() throws -> [String?] {
        try connections.run("SELECT id FROM \(schema).item_vectors ORDER BY seq").map { try $0[0].decode(String.self) }
    }

    static func storedItem(_ row: PostgresRandomAccessRow) throws -> StoredItem {
        let cells = row
        let item = IndexItem(
            id: try cells[0].decode(String.self), source: try cells[1].decode(String.self), title: try cells[2].decode(String.self),
            description: try cells[3].decode(String.self), category: try cells[4].decode(String.self), group: try cells[5].decode(String.self),
            image: try cells[6].decode(String.self), contentHash: try cells[7].decode(String.self),
            status: IndexItem.Status(rawValue: try cells[8].decode(String.self)) ?? .failed, error: try cells[9].decode(String?.self))
        let row = item.status == .ok ? try cells[10].decode(Int?.self) : nil
        return StoredItem(item: item, vectorRow: row)
    }
}

