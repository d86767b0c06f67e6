import IndexStore
import PostgresNIO

/// Named settings beside the model (the image recipe, the folders images may be served from), kept in the `meta`
/// table under `setting.<name>` as the embedded store keeps them.
extension PostgresIndexStore {
    public func setting(_ name: String) throws -> String? {
        try metadata("setting.\(name)")
    }

    public func setSetting(_ name: String, to value: String?) throws {
        if let value { return try setMetadata("setting.\(name)", value) }
        var binds = PostgresBindings()
        binds.append("setting.\(name)")
        _ = try connections.run("DELETE FROM \(schema).meta WHERE key = $1", binds)
    }

    /// Every committed transaction is already durable in the server.
    public func checkpoint() throws {}
}
