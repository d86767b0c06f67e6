import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

// MARK: - RDF metadata of an SVG

/// The Dublin Core metadata Inkscape and Open Clip Art store in an SVG:
/// `<metadata><rdf:RDF><cc:Work><dc:title>…</dc:title><dc:description>…</dc:description>
/// <dc:subject><rdf:Bag><rdf:li>keyword</rdf:li>…`. Only the `Work`'s own fields count: the agents
/// nested in it (creator, publisher) carry `dc:title`s of their own, which name people, not the drawing.
public struct ClipArtMetadata: Sendable, Equatable {
    public var title: String
    public var description: String
    public var keywords: [String]
    /// The `dc:creator` agent's name: some files repeat it as title or keyword.
    public var creator: String

    public init(title: String = "", description: String = "", keywords: [String] = [], creator: String = "") {
        self.title = title
        self.description = description
        self.keywords = keywords
        self.creator = creator
    }

    /// Reads the metadata of an SVG file; stops parsing at the end of `<metadata>`. Empty fields when absent.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogError(file: url.path, reason: "unreadable SVG: \(error.localizedDescription)")
        }
        try self.init(svg: data, name: url.path)
    }

    public init(svg data: Data, name: String) throws {
        let collector = MetadataCollector()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        if !parser.parse() && !collector.finished {
            throw CatalogError(file: name, reason: "SVG is not valid XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        self.init(title: Self.clean(collector.title), description: Self.clean(collector.summary),
                  keywords: collector.keywords.map(Self.clean).filter { !$0.isEmpty }, creator: Self.clean(collector.creator))
    }

    private static func clean(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// SAX walk that keeps the text of `dc:title`, `dc:description`, `dc:subject`'s `rdf:li` and the creator's name
/// directly under `cc:Work`.
private final class MetadataCollector: NSObject, XMLParserDelegate {
    var title = "", summary = "", creator = "", keywords: [String] = []
    private(set) var finished = false
    private var path: [String] = []
    private var workDepth: Int?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        path.append(element)
        if element == "Work" && workDepth == nil { workDepth = path.count }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if workDepth != nil { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        defer { path.removeLast() }
        if element == "metadata" || (element == "Work" && path.count == workDepth) {
            finished = true
            parser.abortParsing()  // the drawing itself can be megabytes of path data we do not need
            return
        }
        guard let depth = workDepth, path.count > depth else { return }
        let relative = Array(path[depth...])
        switch relative {
        case ["title"]: title = text
        case ["description"]: summary = text
        case ["creator", "Agent", "title"]: creator = text
        case ["subject", "Bag", "li"], ["subject", "Seq", "li"]: keywords.append(text)
        case ["subject"] where keywords.isEmpty:
            keywords = text.split(separator: ",").map(String.init)  // some files list keywords as plain text
        default: break
        }
    }
}
