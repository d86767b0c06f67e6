import Foundation

// MARK: - Response bodies (documented in Web/openapi.json)

/// `GET /api/search`, `POST /api/search/image`, `GET /api/similar/{id}`.
struct SearchResponse: Encodable {
    var query: QueryDescription
    var results: [ResultEntry]
    var elapsedMilliseconds: Double
}

/// What was asked, echoed back so a client can label the results.
struct QueryDescription: Encodable {
    enum Kind: String, Encodable { case text, image, similar }
    var kind: Kind
    var text: String?
    var id: String?
    var k: Int
}

/// One ranked result with the URLs a client needs to show it.
struct ResultEntry: Encodable {
    var rank: Int
    var id: String
    var title: String
    var distance: Float
    var image: String
    var item: String

    init(rank: Int, hit: SearchHit) {
        self.rank = rank
        id = hit.id
        title = hit.title
        distance = hit.distance
        image = Paths.image(hit.id)
        item = Paths.item(hit.id)
    }
}

/// `GET /api/items/{id}`.
struct ItemResponse: Encodable {
    var id, title, description, category, group: String
    var image: String
    var similar: String

    init(_ item: ItemDetails) {
        id = item.id
        title = item.title
        description = item.description
        category = item.category
        group = item.group
        image = Paths.image(item.id)
        similar = Paths.similar(item.id)
    }
}

/// `GET /healthz`.
struct HealthResponse: Encodable {
    var status = "ok"
    var items: Int
    var plot: String?
}

// MARK: - URLs of resources

enum Paths {
    static func image(_ id: String) -> String { "/images/\(escape(id))" }
    static func item(_ id: String) -> String { "/api/items/\(escape(id))" }
    static func similar(_ id: String) -> String { "/api/similar/\(escape(id))" }
    static let plot = "/plot"

    /// Percent-encodes everything but unreserved characters, so `/` in an id stays inside one segment.
    static func escape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? id
    }
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
