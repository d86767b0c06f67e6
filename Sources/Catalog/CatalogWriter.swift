import Foundation

// MARK: - Writing catalogs

/// Writes items as a JSON Lines catalog (docs/catalog.md) that `CatalogLoader` reads back.
public enum CatalogWriter {
    /// Writes one item per line, atomically. Image paths under the catalog's folder are written relative
    /// to it, so the folder can be moved as a whole; others stay absolute.
    public static func write(_ items: [CatalogItem], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let base = url.deletingLastPathComponent().standardizedFileURL.path + "/"
        var data = Data()
        for var item in items {
            if item.image.hasPrefix(base) { item.image.removeFirst(base.count) }
            data.append(try encoder.encode(item))
            data.append(0x0A)
        }
        do { try data.write(to: url, options: .atomic) } catch {
            throw CatalogError(file: url.path, reason: "cannot write catalog: \(error.localizedDescription)")
        }
    }
}
