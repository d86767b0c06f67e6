import Foundation

// MARK: - Folder of images

/// A plain directory of images, searched recursively: id = path relative to the folder, title from the
/// file name, category = the sub-folder. Enough for image→image search with no text at all.
enum FolderFormat {
    static func load(_ directory: URL) -> LoadedCatalog {
        let root = directory.standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        var catalog = LoadedCatalog()
        for file in ImageFiles.list(under: directory) {
            let relative = file.path.hasPrefix(prefix) ? String(file.path.dropFirst(prefix.count)) : file.lastPathComponent
            let folder = (relative as NSString).deletingLastPathComponent
            catalog.items.append(CatalogItem(id: relative, image: file.path, title: titleFromFileName(file.lastPathComponent),
                                             category: folder, source: directory.lastPathComponent))
        }
        return catalog
    }

    /// "red_leather-bag_02.jpg" → "red leather bag": extension dropped, `_` `-` `.` become spaces,
    /// tokens made only of digits (sequence numbers) dropped.
    static func titleFromFileName(_ name: String) -> String {
        let stem = (name as NSString).deletingPathExtension
        let tokens = stem.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0.isWhitespace })
        return tokens.filter { !$0.allSatisfy(\.isNumber) }.joined(separator: " ")
    }
}

// MARK: - CSV / TSV

/// Delimited text with a header row naming the columns. `image` (or `path`, `file`, `filename`,
/// `image_path`) is required; `id`, `title` (or `name`), `description`, `category`, `group`, `source` are
/// optional; other columns are ignored. Header names are matched case-insensitively.
enum DelimitedFormat {
    private static let aliases: [String: String] = [
        "path": "image", "file": "image", "filename": "image", "image_path": "image", "img": "image",
        "name": "title", "caption": "description", "text": "description",
    ]

    static func load(_ url: URL, delimiter: Character) throws -> LoadedCatalog {
        var accumulator = CatalogAccumulator(file: url)
        let reader = DelimitedReader(lines: try LineReader.open(url), delimiter: delimiter)
        guard let header = try reader.next() else { return accumulator.catalog }
        guard case .fields(let names) = header.result else {
            throw CatalogError(file: url.path, reason: "the header row is unreadable (bad encoding or quoting)")
        }
        var columns: [String: Int] = [:]
        for (index, raw) in names.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            let canonical = aliases[name] ?? name
            if columns[canonical] == nil { columns[canonical] = index }
        }
        guard let imageColumn = columns["image"] else {
            throw CatalogError(file: url.path, reason: "the header names no image column (have: \(names.joined(separator: ", ")))")
        }
        let defaultSource = CatalogAccumulator.catalogName(url)
        while let (line, result) = try reader.next() {
            let fields: [String]
            switch result {
            case .invalidEncoding:
                accumulator.report(.invalidEncoding, line: line, "record is not valid UTF-8"); continue
            case .unterminatedQuote:
                accumulator.report(.malformedLine, line: line, "a quoted field is never closed"); continue
            case .fields(let values): fields = values
            }
            if fields.count == 1 && fields[0].allSatisfy(\.isWhitespace) { continue }
            guard fields.count == names.count else {
                accumulator.report(.malformedLine, line: line, "\(fields.count) fields, the header has \(names.count)")
                continue
            }
            func value(_ column: String) -> String {
                columns[column].map { fields[$0].trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            }
            let imagePath = fields[imageColumn].trimmingCharacters(in: .whitespaces)
            guard !imagePath.isEmpty else {
                accumulator.report(.missingField, line: line, field: "image", "empty image path"); continue
            }
            let id = value("id"), group = value("group"), source = value("source")
            let item = CatalogItem(id: id.isEmpty ? imagePath : id, image: accumulator.resolveImage(imagePath).path,
                                   title: value("title"), description: value("description"), category: value("category"),
                                   group: group.isEmpty ? nil : group, source: source.isEmpty ? defaultSource : source)
            accumulator.add(item, line: line)
        }
        return accumulator.catalog
    }
}
