import Foundation
import Imaging

// MARK: - Candidates

/// An item the demo builder may keep, with the recipe for its picture (run only if the PNG is not on disk yet).
struct DemoCandidate: Sendable {
    var item: CatalogItem
    var makeImage: @Sendable () throws -> RGBImage
}

/// Counts of dropped items by "source: reason", for the build report.
struct DropCounter {
    private(set) var counts: [String: Int] = [:]
    mutating func drop(_ source: String, _ reason: String, count: Int = 1) { counts["\(source): \(reason)", default: 0] += count }
}

/// Turns arbitrary text into an id fragment: lowercase letters, digits and single dashes.
func idFragment(_ text: String) -> String {
    text.lowercased().split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }).joined(separator: "-")
}

// MARK: - Emoji

/// Items from a colour emoji font joined with CLDR: title = the CLDR short name, description = its keywords.
enum EmojiSource {
    static let name = "emoji"
    /// Fitzpatrick modifiers: variants carrying them repeat their base emoji in another skin tone.
    static let skinTones: ClosedRange<UInt32> = 0x1F3FB...0x1F3FF

    static func candidates(font: EmojiFont, annotations: CLDRAnnotations, imagesDirectory: URL,
                           dropped: inout DropCounter) -> [DemoCandidate] {
        var candidates: [DemoCandidate] = []
        for glyph in font.glyphs {
            let plainSequences = glyph.sequences.filter { !$0.unicodeScalars.contains { skinTones.contains($0.value) } }
            guard !plainSequences.isEmpty else { dropped.drop(name, "skin-tone variant"); continue }
            guard let (sequence, annotation) = plainSequences.lazy
                    .compactMap({ sequence in annotations.annotation(for: sequence).map { (sequence, $0) } }).first else {
                dropped.drop(name, "no CLDR annotation"); continue
            }
            let codePoints = EmojiFont.key(sequence).unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: "-")
            let id = "emoji-\(codePoints)"
            let keywords = annotation.keywords.filter { $0.lowercased() != annotation.name.lowercased() }
            let item = CatalogItem(id: id, image: imagesDirectory.appendingPathComponent("\(id).png").path,
                                   title: annotation.name, description: keywords.joined(separator: ", "),
                                   category: "emoji", group: TitleRules.conceptGroup(annotation.name), source: name)
            let png = glyph.png
            candidates.append(DemoCandidate(item: item) { try ImageDecoder.decode(data: png, name: "\(id).png") })
        }
        return candidates
    }
}

// MARK: - Open Clip Art

/// Items from a tree of SVG files with RDF metadata (Debian's openclipart-svg): title, keywords and
/// description from the metadata, category = the top folder; junk titles dropped (`TitleRules.junkReason`).
public enum ClipArtSource {
    static let name = "openclipart"
    /// Where Debian's openclipart-svg installs the drawings.
    public static let debianDirectory = URL(fileURLWithPath: "/usr/share/openclipart/svg")

    /// The SVG files under `directory`, sorted by relative path. Symbolic links are skipped: the package
    /// links one drawing into several category folders, and each drawing should count once.
    public static func svgFiles(under directory: URL) -> [(relativePath: String, url: URL)] {
        let root = directory.standardizedFileURL.path + "/"
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isSymbolicLinkKey, .isRegularFileKey]) else {
            return []
        }
        var files: [(String, URL)] = []
        for case let url as URL in walker where url.pathExtension.lowercased() == "svg" {
            let values = try? url.resourceValues(forKeys: [.isSymbolicLinkKey, .isRegularFileKey])
            guard values?.isSymbolicLink != true, values?.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            files.append((path.hasPrefix(root) ? String(path.dropFirst(root.count)) : url.lastPathComponent, url))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    static func candidates(directory: URL, imagesDirectory: URL, size: Int, threads: Int,
                           progress: DemoDatasetBuilder.Progress?, dropped: inout DropCounter) -> [DemoCandidate] {
        let files = svgFiles(under: directory)
        var metadata = [Result<ClipArtMetadata, Error>?](repeating: nil, count: files.count)
        let counter = ProgressCounter(stage: "reading clip-art metadata", total: files.count, progress: progress)
        metadata.withUnsafeMutableBufferPointer { results in
            WorkQueue.forEach(files.count, threads: threads) { index in
                results[index] = Result { try ClipArtMetadata(contentsOf: files[index].url) }
                counter.advance()
            }
        }
        // A title on many files names the collection, so count titles across the whole tree first.
        var titleCounts: [String: Int] = [:]
        for case .success(let meta)? in metadata { titleCounts[TitleRules.normalizedTitle(TitleRules.cleanTitle(meta.title)), default: 0] += 1 }

        var candidates: [DemoCandidate] = []
        for (index, file) in files.enumerated() {
            guard case .success(let meta)? = metadata[index] else { dropped.drop(name, "unreadable metadata"); continue }
            let title = TitleRules.cleanTitle(meta.title)
            if let reason = TitleRules.junkReason(title, sharedBy: titleCounts[TitleRules.normalizedTitle(title)] ?? 1,
                                                   creator: meta.creator) {
                dropped.drop(name, reason.hasPrefix("collection") ? "collection title" : reason); continue
            }
            let id = "clipart-" + idFragment((file.relativePath as NSString).deletingPathExtension)
            let keywords = TitleRules.usefulKeywords(meta.keywords, creator: meta.creator).joined(separator: ", ")
            let description = [meta.description, keywords].filter { !$0.isEmpty }.joined(separator: ". ")
            let category = file.relativePath.split(separator: "/").first.map(String.init) ?? ""
            let item = CatalogItem(id: id, image: imagesDirectory.appendingPathComponent("\(id).png").path, title: title,
                                   description: description, category: category == file.relativePath ? "" : category,
                                   group: TitleRules.conceptGroup(title), source: name)
            let svg = file.url
            candidates.append(DemoCandidate(item: item) { try SVGRenderer.render(contentsOf: svg, size: size) })
        }
        return candidates
    }
}
