import Foundation

// MARK: - Issue

/// A problem with one line (or file) of a catalog. Loading reports it and carries on with the rest.
public struct CatalogIssue: Error, CustomStringConvertible, Hashable, Sendable {
    /// What went wrong, for the per-kind summary.
    public enum Kind: String, CaseIterable, Sendable {
        case malformedLine = "malformed line"
        case missingField = "missing field"
        case missingImage = "missing image"
        case duplicateId = "duplicate id"
        case invalidEncoding = "invalid UTF-8"
        case unreadableFile = "unreadable file"
    }

    public var kind: Kind
    public var file: String
    /// 1-based line number (for CSV, the line the record starts on); nil for whole-file problems.
    public var line: Int?
    public var field: String?
    public var reason: String

    public init(_ kind: Kind, file: String, line: Int? = nil, field: String? = nil, reason: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        let fieldText = field.map { " [\($0)]" } ?? ""
        return "\(location):\(fieldText) \(kind.rawValue): \(reason)"
    }
}

// MARK: - Loaded catalog

/// The items that loaded and the issues met on the way.
public struct LoadedCatalog: Sendable {
    public var items: [CatalogItem]
    public var issues: [CatalogIssue]

    public init(items: [CatalogItem] = [], issues: [CatalogIssue] = []) {
        self.items = items
        self.issues = issues
    }

    /// Issue counts per kind, only kinds that occurred.
    public var issueCounts: [CatalogIssue.Kind: Int] {
        issues.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }

    /// One line for people: "1200 items loaded; 3 issues (2 missing image, 1 duplicate id)".
    public var summary: String {
        let counts = issueCounts
        let issueText = CatalogIssue.Kind.allCases.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
        let tail = issues.isEmpty ? "no issues" : "\(issues.count) issue\(issues.count == 1 ? "" : "s") (\(issueText.joined(separator: ", ")))"
        return "\(items.count) item\(items.count == 1 ? "" : "s") loaded; \(tail)"
    }
}

/// A failure that stops loading a whole catalog (the file itself cannot be read, or has no usable header).
public struct CatalogError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
