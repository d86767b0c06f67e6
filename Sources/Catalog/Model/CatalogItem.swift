import Foundation

// MARK: - Item

/// One image of a catalog with its text; the unit everything downstream (training, indexing, search) consumes.
public struct CatalogItem: Codable, Hashable, Sendable {
    /// Unique within a catalog; defaults to the image path as written in the catalog.
    public var id: String
    /// Absolute path of the image file.
    public var image: String
    public var title: String
    public var description: String
    public var category: String
    /// The concept the item shows: items sharing a group are correct answers for each other's queries.
    /// Defaults to the id (an item with no stated group is its own concept).
    public var group: String
    /// Where the item came from (e.g. "emoji", "openclipart", "amazon", or the catalog file name).
    public var source: String
    /// Extra fields some formats carry (Amazon: `brand`, `price`); omitted from JSON when empty.
    public var attributes: [String: String]

    public init(id: String, image: String, title: String = "", description: String = "", category: String = "",
                group: String? = nil, source: String = "", attributes: [String: String] = [:]) {
        self.id = id
        self.image = image
        self.title = title
        self.description = description
        self.category = category
        self.group = group ?? id
        self.source = source
        self.attributes = attributes
    }

    /// The text paired with the image in training: title + ". " + description, trimmed.
    public var caption: String {
        let title = self.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = self.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if description.isEmpty { return title }
        if title.isEmpty { return description }
        let separator = title.hasSuffix(".") ? " " : ". "
        return title + separator + description
    }

    /// The item's short text: its title, or its caption when the title is empty. Groups are queried
    /// with it (docs/metrics.md), and training pairs images with it too.
    public var titleOrCaption: String {
        let title = self.title.trimmingCharacters(in: .whitespacesAndNewlines)
        return title.isEmpty ? caption : title
    }

    // MARK: Codable (tolerant: only `id` and `image` are required when decoding)

    private enum CodingKeys: String, CodingKey { case id, image, title, description, category, group, source, attributes }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id),
                  image: try c.decode(String.self, forKey: .image),
                  title: try c.decodeIfPresent(String.self, forKey: .title) ?? "",
                  description: try c.decodeIfPresent(String.self, forKey: .description) ?? "",
                  category: try c.decodeIfPresent(String.self, forKey: .category) ?? "",
                  group: try c.decodeIfPresent(String.self, forKey: .group),
                  source: try c.decodeIfPresent(String.self, forKey: .source) ?? "",
                  attributes: try c.decodeIfPresent([String: String].self, forKey: .attributes) ?? [:])
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(image, forKey: .image)
        try c.encode(title, forKey: .title)
        try c.encode(description, forKey: .description)
        try c.encode(category, forKey: .category)
        try c.encode(group, forKey: .group)
        try c.encode(source, forKey: .source)
        if !attributes.isEmpty { try c.encode(attributes, forKey: .attributes) }
    }
}

// MARK: - Formats

/// The input formats `CatalogLoader` understands.
public enum CatalogFormat: String, CaseIterable, Sendable {
    /// Decide from the extension (after stripping `.gz`) and the first line of content.
    case auto
    /// One JSON object per line (docs/catalog.md).
    case jsonLines = "jsonl"
    /// Amazon product metadata: one object per line, strict JSON or Python-literal style.
    case amazon
    /// Comma-separated values with a header row.
    case csv
    /// Tab-separated values with a header row.
    case tsv
    /// A directory of image files, searched recursively.
    case folder
}
