import Foundation

// MARK: - Loader

/// Reads any catalog the product accepts into `CatalogItem`s, reporting bad lines instead of failing on them.
///
///     let catalog = try CatalogLoader.load(URL(fileURLWithPath: "meta_Clothing.json.gz"), imageDirectory: images)
///     catalog.issues.forEach { print($0) }   // "meta_Clothing.json.gz:17: [image] missing image: …"
///     print(catalog.summary)                 // "41 items loaded; 2 issues (2 missing image)"
public enum CatalogLoader {
    /// Loads a catalog file (optionally gzip-compressed) or a folder of images.
    /// - Parameters:
    ///   - format: `.auto` decides from the extension (ignoring `.gz`) and the first line.
    ///   - imageDirectory: where Amazon images live (default: the catalog's folder); for the other
    ///     formats relative image paths are resolved against the catalog's folder.
    /// - Throws: `CatalogError` only when the catalog as a whole is unusable (unreadable, no header…);
    ///   problems with single lines end up in `LoadedCatalog.issues`.
    public static func load(_ url: URL, format: CatalogFormat = .auto, imageDirectory: URL? = nil) throws -> LoadedCatalog {
        let url = url.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CatalogError(file: url.path, reason: "no such file or directory")
        }
        let resolved = format == .auto ? try detectFormat(url, isDirectory: isDirectory.boolValue) : format
        if resolved == .folder {
            guard isDirectory.boolValue else { throw CatalogError(file: url.path, reason: "folder format needs a directory") }
            return FolderFormat.load(url)
        }
        if isDirectory.boolValue { throw CatalogError(file: url.path, reason: "is a directory, not a \(resolved.rawValue) catalog") }
        switch resolved {
        case .jsonLines: return try JSONLinesFormat.load(url)
        case .amazon: return try AmazonFormat.load(url, imageDirectory: imageDirectory ?? url.deletingLastPathComponent())
        case .csv: return try DelimitedFormat.load(url, delimiter: ",")
        case .tsv: return try DelimitedFormat.load(url, delimiter: "\t")
        case .auto, .folder: preconditionFailure("resolved above")
        }
    }

    // MARK: Format detection

    /// The format of a catalog: directories are folders of images; files go by extension, then by content.
    public static func detectFormat(_ url: URL, isDirectory: Bool = false) throws -> CatalogFormat {
        if isDirectory { return .folder }
        var name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        let ext = (name as NSString).pathExtension
        switch ext {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        default: break
        }
        guard let firstLine = try firstNonEmptyLine(url) else { return .jsonLines }  // empty file: nothing to tell
        let trimmed = firstLine.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{") {
            // Amazon metadata is keyed by `asin`; the older dumps are Python literals (single-quoted keys).
            if trimmed.contains("'asin'") || trimmed.contains("\"asin\"") || trimmed.hasPrefix("{'") { return .amazon }
            return .jsonLines
        }
        if ["jsonl", "ndjson", "json"].contains(ext) { return .jsonLines }
        return firstLine.contains("\t") ? .tsv : .csv
    }

    private static func firstNonEmptyLine(_ url: URL) throws -> String? {
        let reader = try LineReader.open(url)
        for _ in 0..<100 {
            guard let line = try reader.next() else { return nil }
            let text = String(decoding: line, as: UTF8.self)
            if !text.trimmingCharacters(in: .whitespaces).isEmpty { return text }
        }
        return nil
    }
}

// MARK: - Shared collection of items

/// Accumulates items of one catalog: resolves image paths, drops items whose image is missing and
/// later items that reuse an id, recording an issue for each.
struct CatalogAccumulator {
    let file: String
    let baseDirectory: URL
    private(set) var catalog = LoadedCatalog()
    private var seenIds: [String: Int] = [:]

    init(file: URL) {
        self.file = file.path
        self.baseDirectory = file.deletingLastPathComponent()
    }

    /// The catalog's file name without `.gz` and extension ("meta_Clothing.json.gz" → "meta_Clothing"): the default `source`.
    static func catalogName(_ url: URL) -> String {
        var name = url
        if name.pathExtension.lowercased() == "gz" { name = name.deletingPathExtension() }
        return name.deletingPathExtension().lastPathComponent
    }

    mutating func report(_ kind: CatalogIssue.Kind, line: Int?, field: String? = nil, _ reason: String) {
        catalog.issues.append(CatalogIssue(kind, file: file, line: line, field: field, reason: reason))
    }

    /// An image path from the catalog, absolute or relative to the catalog's folder.
    func resolveImage(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL
            : baseDirectory.appendingPathComponent(path).standardizedFileURL
    }

    /// Adds the item unless its image is missing or its id was already used (first occurrence wins).
    mutating func add(_ item: CatalogItem, line: Int?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: item.image, isDirectory: &isDirectory), !isDirectory.boolValue else {
            report(.missingImage, line: line, field: "image", "no image file at \(item.image)")
            return
        }
        if let firstLine = seenIds[item.id] {
            let firstText = firstLine > 0 ? " (first on line \(firstLine))" : ""
            report(.duplicateId, line: line, field: "id", "id '\(item.id)' already used\(firstText)")
            return
        }
        seenIds[item.id] = line ?? 0
        catalog.items.append(item)
    }
}
