import Foundation

/// WordNet 3.0's noun synsets (Debian `wordnet-base`: `/usr/share/wordnet/data.noun`). ImageNet-1k's class ids
/// ("n01440764") are WordNet noun offsets, and in `data.noun` a synset's offset *is* the byte offset of its line,
/// so a synset is found by a seek, not a search.
///
/// A line: `offset lex_filenum ss_type w_cnt word lex_id … p_cnt [pointer_symbol offset pos source/target]… | gloss`.
public struct WordNetNouns: Sendable {
    public struct Synset: Equatable, Sendable {
        public var offset: Int
        /// Lemmas with spaces for underscores ("domestic dog").
        public var words: [String]
        /// Offsets of the hypernyms (`@`) and instance hypernyms (`@i`).
        public var hypernyms: [Int]
        public var gloss: String
    }

    public static let debianFile = URL(fileURLWithPath: "/usr/share/wordnet/data.noun")
    private let bytes: Data

    public init(contentsOf url: URL = WordNetNouns.debianFile) throws {
        bytes = try Data(contentsOf: url, options: .mappedIfSafe)
    }

    /// The synset at `offset`, nil when that offset does not start a well-formed line.
    public func synset(at offset: Int) -> Synset? {
        guard offset >= 0, offset < bytes.count, offset == 0 || bytes[bytes.startIndex + offset - 1] == UInt8(ascii: "\n") else { return nil }
        let start = bytes.startIndex + offset
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        return Self.parse(String(decoding: bytes[start..<end], as: UTF8.self))
    }

    /// The synset of an ImageNet WordNet id ("n02084071").
    public func synset(imageNetID id: String) -> Synset? {
        guard id.hasPrefix("n"), let offset = Int(id.dropFirst()) else { return nil }
        return synset(at: offset)
    }

    /// Parses one `data.noun` line.
    public static func parse(_ line: String) -> Synset? {
        let halves = line.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let fields = halves[0].split(separator: " ")
        guard fields.count >= 4, let offset = Int(fields[0]), let wordCount = Int(fields[3], radix: 16),
              fields.count >= 4 + 2 * wordCount + 1, let pointerCount = Int(fields[4 + 2 * wordCount]) else { return nil }
        let words = (0..<wordCount).map { fields[4 + 2 * $0].replacingOccurrences(of: "_", with: " ") }
            .map { $0.replacingOccurrences(of: #"\([a-z]+\)$"#, with: "", options: .regularExpression) }  // "(a)" markers
        var hypernyms: [Int] = []
        var index = 5 + 2 * wordCount
        for _ in 0..<pointerCount where index + 3 < fields.count {
            if fields[index] == "@" || fields[index] == "@i", let target = Int(fields[index + 1]) { hypernyms.append(target) }
            index += 4
        }
        let gloss = halves.count > 1 ? halves[1].trimmingCharacters(in: .whitespaces) : ""
        return Synset(offset: offset, words: words, hypernyms: hypernyms, gloss: gloss)
    }
}
