import Foundation

// MARK: - Amazon product metadata

/// The metadata of the original Amazon data set (`meta_*.json[.gz]`): one product per line, strict JSON or
/// Python literals. Images are looked up in an image directory by asin (`B000123.jpg`) or by the file
/// name of `imUrl` (`41xyz.jpg`).
enum AmazonFormat {
    static func load(_ url: URL, imageDirectory: URL) throws -> LoadedCatalog {
        var accumulator = CatalogAccumulator(file: url)
        let images = ImageDirectoryIndex(imageDirectory)
        try ObjectLines.forEach(in: url, accumulator: &accumulator) { object, line, accumulator in
            let asin = object.text("asin")
            guard !asin.isEmpty else {
                accumulator.report(.missingField, line: line, field: "asin", "every product needs an asin")
                return
            }
            let imageFileName = URL(string: object.text("imUrl"))?.lastPathComponent ?? ""
            guard let image = images.find(stem: asin) ?? images.find(fileName: imageFileName) else {
                let tried = imageFileName.isEmpty ? asin : "\(asin).* or \(imageFileName)"
                accumulator.report(.missingImage, line: line, field: "image", "no image \(tried) in \(imageDirectory.path)")
                return
            }
            var attributes: [String: String] = [:]
            for key in ["brand", "price"] where !object.text(key).isEmpty { attributes[key] = object.text(key) }
            let item = CatalogItem(id: asin, image: image.path, title: object.text("title"),
                                   description: object.text("description"),
                                   category: categoryPath(object["categories"]),
                                   source: "amazon", attributes: attributes)
            accumulator.add(item, line: line)
        }
        return accumulator.catalog
    }

    /// The first category path, e.g. `[["Clothing, Shoes & Jewelry", "Women"]]` → "Clothing, Shoes & Jewelry > Women".
    static func categoryPath(_ value: LiteralValue?) -> String {
        guard case .list(let paths)? = value, let first = paths.first else { return "" }
        switch first {
        case .list(let names): return names.compactMap(\.text).joined(separator: " > ")
        default: return paths.compactMap(\.text).joined(separator: " > ")
        }
    }
}

// MARK: - Image directory index

/// The image files under a directory (recursively), by file name and by name without extension.
struct ImageDirectoryIndex {
    private var byFileName: [String: URL] = [:]
    private var byStem: [String: URL] = [:]

    init(_ directory: URL) {
        for file in ImageFiles.list(under: directory) {
            let name = file.lastPathComponent
            if byFileName[name] == nil { byFileName[name] = file }
            let stem = (name as NSString).deletingPathExtension
            if byStem[stem] == nil { byStem[stem] = file }
        }
    }

    func find(stem: String) -> URL? { stem.isEmpty ? nil : byStem[stem] }
    func find(fileName: String) -> URL? { fileName.isEmpty ? nil : byFileName[fileName] }
}

/// Image files found by walking a directory.
enum ImageFiles {
    static let extensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif", "bmp"]

    /// Image files under `directory`, recursively, sorted by path so ids and order are reproducible.
    static func list(under directory: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var files: [URL] = []
        for case let file as URL in walker where extensions.contains(file.pathExtension.lowercased()) {
            if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(file.standardizedFileURL) }
        }
        return files.sorted { $0.path < $1.path }
    }
}
