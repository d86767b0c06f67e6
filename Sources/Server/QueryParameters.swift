import Foundation

// MARK: - Query strings and path parameters

/// A strictly parsed `application/x-www-form-urlencoded` query string: `+` is a space and
/// a malformed percent escape is a 400, not a silently mangled search.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ query: String?) throws {
        for pair in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(halves[0], what: "query parameter name")
            let value = halves.count > 1 ? try Self.decode(halves[1], what: "value of '\(name)'") : ""
            if values[name] == nil { values[name] = value }
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// `k`, the number of results: `fallback` when absent, else an integer in 1…`maximum`.
    func resultCount(fallback: Int, maximum: Int) throws -> Int {
        guard let text = values["k"] else { return fallback }
        guard let k = Int(text), (1...maximum).contains(k) else {
            throw APIError.badRequest("k must be an integer from 1 to \(maximum), got '\(text)'")
        }
        return k
    }

    private static func decode(_ raw: Substring, what: String) throws -> String {
        guard let decoded = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
            throw APIError.badRequest("malformed percent-encoding in \(what)")
        }
        return decoded
    }
}

/// An item id from a path segment such as `/api/items/{id}`: ids may contain `/` (they
/// default to the image path in a catalog), so clients send them percent-encoded.
func itemID(fromPathSegment raw: String?) throws -> String {
    guard let raw, let id = raw.removingPercentEncoding else { throw APIError.badRequest("malformed item id in the path") }
    guard !id.isEmpty else { throw APIError.badRequest("empty item id") }
    return id
}
