import Foundation

// MARK: - One object per line

/// Walks a file of one object per line (JSON Lines, Amazon metadata), reporting lines that are not
/// UTF-8, do not parse, or are not objects; blank lines are skipped silently.
enum ObjectLines {
    static func forEach(in url: URL, accumulator: inout CatalogAccumulator,
                        _ body: (_ object: [String: LiteralValue], _ line: Int, _ accumulator: inout CatalogAccumulator) -> Void) throws {
        let reader = try LineReader.open(url)
        while let bytes = try reader.next() {
            let line = reader.lineNumber
            guard let text = bytes.validUTF8 else {
                accumulator.report(.invalidEncoding, line: line, "line is not valid UTF-8")
                continue
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            let value: LiteralValue
            do {
                value = try LiteralParser.parse(text)
            } catch {
                accumulator.report(.malformedLine, line: line, "\(error)")
                continue
            }
            guard case .object(let object) = value else {
                accumulator.report(.malformedLine, line: line, "expected an object per line")
                continue
            }
            body(object, line, &accumulator)
        }
    }
}

extension Dictionary where Key == String, Value == LiteralValue {
    /// A scalar field as trimmed text; "" when absent or null. Lists of scalars are joined with spaces
    /// (some dumps split descriptions into paragraphs).
    func text(_ key: String) -> String {
        switch self[key] {
        case .some(.list(let values)): return values.compactMap(\.text).joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        case .some(let value): return (value.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        case .none: return ""
        }
    }
}

// MARK: - JSON Lines

/// The product's own catalog format (docs/catalog.md): only `image` is required; `id` defaults to the image path.
enum JSONLinesFormat {
    static func load(_ url: URL) throws -> LoadedCatalog {
        var accumulator = CatalogAccumulator(file: url)
        let defaultSource = CatalogAccumulator.catalogName(url)
        try ObjectLines.forEach(in: url, accumulator: &accumulator) { object, line, accumulator in
            let imagePath = object.text("image")
            guard !imagePath.isEmpty else {
                accumulator.report(.missingField, line: line, field: "image", "every item needs an image path")
                return
            }
            let id = object.text("id")
            let group = object.text("group")
            let source = object.text("source")
            let item = CatalogItem(id: id.isEmpty ? imagePath : id,
                                   image: accumulator.resolveImage(imagePath).path,
                                   title: object.text("title"),
                                   description: object.text("description"),
                                   category: object.text("category"),
                                   group: group.isEmpty ? nil : group,
                                   source: source.isEmpty ? defaultSource : source)
            accumulator.add(item, line: line)
        }
        return accumulator.catalog
    }
}
