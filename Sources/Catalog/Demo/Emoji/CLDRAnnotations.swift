import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

// MARK: - CLDR annotations

/// English names and keywords of emoji from Unicode CLDR (`annotations/en.xml` and
/// `annotationsDerived/en.xml`): `<annotation cp="👗">clothing | dress</annotation>` holds the keywords,
/// `<annotation cp="👗" type="tts">dress</annotation>` the short name.
public struct CLDRAnnotations: Sendable {
    public struct Annotation: Sendable, Equatable {
        /// The short name ("text to speech"), e.g. "dress".
        public var name: String
        /// The keywords, e.g. ["clothing", "dress"].
        public var keywords: [String]
    }

    /// Where Debian's unicode-cldr-core installs the English annotations.
    public static let debianFiles = [
        URL(fileURLWithPath: "/usr/share/unicode/cldr/common/annotations/en.xml"),
        URL(fileURLWithPath: "/usr/share/unicode/cldr/common/annotationsDerived/en.xml"),
    ]

    /// Annotations keyed by `EmojiFont.key` (the sequence without U+FE0F).
    public private(set) var byKey: [String: Annotation] = [:]

    /// Reads the files in order; a later file fills in sequences the earlier ones lack.
    public init(contentsOf urls: [URL] = CLDRAnnotations.debianFiles) throws {
        for url in urls {
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw CatalogError(file: url.path, reason: "cannot read CLDR annotations: \(error.localizedDescription)")
            }
            let collector = AnnotationCollector()
            let parser = XMLParser(data: data)
            parser.delegate = collector
            guard parser.parse() else {
                throw CatalogError(file: url.path, reason: "not valid XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
            }
            for (key, entry) in collector.entries where byKey[key] == nil {
                guard let name = entry.name, !name.isEmpty else { continue }
                byKey[key] = Annotation(name: name, keywords: entry.keywords)
            }
        }
    }

    /// The annotation of an emoji, matching with or without U+FE0F.
    public func annotation(for emoji: String) -> Annotation? { byKey[EmojiFont.key(emoji)] }
}

/// SAX collection of `<annotation>` elements.
private final class AnnotationCollector: NSObject, XMLParserDelegate {
    struct Entry { var name: String?; var keywords: [String] = [] }
    var entries: [String: Entry] = [:]
    private var current: (key: String, isName: Bool)?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard element == "annotation", let codePoints = attributes["cp"] else { return }
        current = (EmojiFont.key(codePoints), attributes["type"] == "tts")
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if current != nil { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        guard element == "annotation", let (key, isName) = current else { return }
        current = nil
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if isName {
            entries[key, default: Entry()].name = value
        } else {
            entries[key, default: Entry()].keywords = value.split(separator: "|")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
