import Foundation
import IndexStore
import PostgresNIO
import Search

extension PostgresIndexStore {
    /// Stores the batch in one transaction: the items (inserted or updated), the vectors of those that encoded
    /// (each vector set as one `vector[]` parameter, unnested server-side: one statement for the whole batch),
    /// and their whitened rows when a whitening is fitted. Items that failed lose their vectors.
    public func upsert(_ updates: [ItemUpdate]) throws {
        let batch = updates.lastUpdatePerID
        guard !batch.isEmpty else { return }
        try validate(batch)
        let encoded = batch.filter { $0.item.status == .ok }
        let whitening = try currentWhitening()
        try connections.transaction { connection in
            var items = PostgresBindings()
            let fields: [(IndexItem) -> String] = [\.id, \.source, \.title, \.description, \.category, \.group, \.image, \.contentHash,
                                                   { $0.status.rawValue }, { $0.error ?? "" }]
            for field in fields { items.append(batch.map { field($0.item) }) }
            items.append(batch.map { $0.item.error != nil })
            try connections.run(connection, """
                INSERT INTO \(schema).items (id, source, title, description, category, group_name, image, content_hash, status, error)
                SELECT id, source, title, description, category, group_name, image, content_hash, status, CASE WHEN has_error THEN error END
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                            $9::text[], $10::text[], $11::bool[])
                    AS batch (id, source, title, description, category, group_name, image, content_hash, status, error, has_error)
                ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, title = EXCLUDED.title, description = EXCLUDED.description,
                    category = EXCLUDED.category, group_name = EXCLUDED.group_name, image = EXCLUDED.image,
                    content_hash = EXCLUDED.content_hash, status = EXCLUDED.status, error = EXCLUDED.error
                """, items)
            let failed = batch.filter { $0.item.status == .failed }.map(\.item.id)
            if !failed.isEmpty {
                var ids = PostgresBindings()
                ids.append(failed)
                try connections.run(connection, "DELETE FROM \(schema).item_vectors WHERE id = ANY($1)", ids)
                if let whitening { try connections.run(connection, "DELETE FROM \(schema).\(whitening.table) WHERE id = ANY($1)", ids) }
            }
            guard !encoded.isEmpty else { return }
            var vectors = PostgresBindings()
            vectors.append(encoded.map(\.item.id))
            for set in vectorSets { vectors.append(types.bindArray(encoded.map { $0.vectors![set.name]! })) }
            vectors.append(types.bindArray(encoded.map { textRow($0.vectors!) }))
            let names = vectorSets.map { PostgresSchema.quoted($0.name) } + ["text_rows"]
            let parameters = (0..<names.count).map { "$\($0 + 2)::vector[]" }.joined(separator: ", ")
            try connections.run(connection, """
                INSERT INTO \(schema).item_vectors (id, \(names.joined(separator: ", ")))
                SELECT * FROM unnest($1::text[], \(parameters))
                ON CONFLICT (id) DO UPDATE SET \(names.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", "))
                """, vectors)
            if let whitening {
                var whitened = PostgresBindings()
                whitened.append(encoded.map(\.item.id))
                whitened.append(types.bindArray(encoded.map { whitening.whitening.apply($0.vectors!["gem"]!) }))
                try connections.run(connection, """
                    INSERT INTO \(schema).\(whitening.table) (id, v) SELECT * FROM unnest($1::text[], $2::vector[])
                    ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v
                    """, whitened)
            }
        }
    }

    @discardableResult
    public func remove(ids: [String]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var binds = PostgresBindings()
        binds.append(ids)
        // item_vectors and the whitened rows go with their item (ON DELETE CASCADE).
        return try connections.run("DELETE FROM \(schema).items WHERE id = ANY($1) RETURNING 1", binds).count
    }

    /// Nothing to compact: replaced vectors are updated in place and removed rows deleted; autovacuum reclaims the space.
    public func compactIfWorthwhile(threshold: Double) throws {}

    /// The fused text row of one item: [joint, √λ·bridge] / √(1 + λ) (as `LabelBridge.fusedRows`), or the joint row.
    public func textRow(_ vectors: [String: [Float]]) -> [Float] {
        let joint = vectors["joint"]!
        guard let weight = textBridgeWeight, let bridge = vectors["bridge"] else { return joint }
        let scale = 1 / (1 + weight).squareRoot(), bridgeScale = weight.squareRoot() * scale
        return joint.map { $0 * scale } + bridge.map { $0 * bridgeScale }
    }

    private func validate(_ batch: [ItemUpdate]) throws {
        for update in batch {
            switch update.item.status {
            case .failed:
                guard update.vectors == nil else {
                    throw StoreError(.invalidArgument, file: location, reason: "item \(update.item.id) is failed but has vectors")
                }
            case .ok:
                guard let vectors = update.vectors else {
                    throw StoreError(.invalidArgument, file: location, reason: "item \(update.item.id) is ok but has no vectors")
                }
                for set in vectorSets where vectors[set.name]?.count != set.dimension {
                    throw StoreError(.invalidArgument, file: location,
                                     reason: "item \(update.item.id): vector set '\(set.name)' needs \(set.dimension) values, got \(vectors[set.name]?.count ?? 0)")
                }
                for set in vectorSets where vectors[set.name]!.contains(where: { !$0.isFinite }) {
                    throw StoreError(.invalidArgument, file: location, reason: "item \(update.item.id): vector set '\(set.name)' holds a NaN or infinity")
                }
            }
        }
    }

    // MARK: Checking

    /// Counts, the status ↔ vectors invariant, each vector's dimension, and that every encoded item is in the
    /// whitened table when a whitening is fitted.
    public func checkIntegrity() throws -> IntegrityReport {
        var report = IntegrityReport()
        let count = { (sql: String) throws -> Int in try self.connections.run(sql).first?[0].decode(Int.self) ?? 0 }
        report.items = try count("SELECT count(*) FROM \(schema).items")
        report.okItems = try count("SELECT count(*) FROM \(schema).items WHERE status = 'ok'")
        report.failedItems = try count("SELECT count(*) FROM \(schema).items WHERE status = 'failed'")
        report.rows = try count("SELECT count(*) FROM \(schema).item_vectors")
        let missing = try count("SELECT count(*) FROM \(schema).items i WHERE status = 'ok' AND NOT EXISTS (SELECT 1 FROM \(schema).item_vectors v WHERE v.id = i.id)")
        if missing > 0 { report.problems.append("\(missing) encoded items have no vectors") }
        let extra = try count("SELECT count(*) FROM \(schema).item_vectors v JOIN \(schema).items i USING (id) WHERE i.status <> 'ok'")
        if extra > 0 { report.problems.append("\(extra) failed items still have vectors") }
        for set in vectorSets {
            let wrong = try count("SELECT count(*) FROM \(schema).item_vectors WHERE vector_dims(\(PostgresSchema.quoted(set.name))) <> \(set.dimension)")
            if wrong > 0 { report.problems.append("\(wrong) '\(set.name)' vectors are not \(set.dimension)-dimensional") }
        }
        if let whitening = try currentWhitening() {
            let unwhitened = try count("SELECT count(*) FROM \(schema).item_vectors v WHERE NOT EXISTS (SELECT 1 FROM \(schema).\(whitening.table) w WHERE w.id = v.id)")
            if unwhitened > 0 { report.problems.append("\(unwhitened) items have no whitened row (imgsearch index --refit rewrites them)") }
        }
        return report
    }
}

extension PostgresIndexStore {
    /// Items that have vectors (encoded ones).
    public func itemCountWithVectors() throws -> Int {
        try connections.run("SELECT count(*) FROM \(schema).item_vectors").first?[0].decode(Int.self) ?? 0
    }
}
