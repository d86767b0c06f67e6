import Foundation

/// Why a vocabulary file could not be read.
public struct VocabularyError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var reason: String
    public init(file: String, line: Int? = nil, reason: String) { self.file = file; self.line = line; self.reason = reason }
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}

/// The word → id table of the GRU text encoder, built from training captions.
///
/// Id 0 is `<pad>`, id 1 is `<unk>` (any word not kept); the rest are words by descending
/// count, ties broken alphabetically so the same captions always give the same table.
/// Saved as `vocab.txt`, one word per line in id order.
public struct WordVocabulary: Equatable, Sendable {
    public static let padToken = "<pad>"
    public static let unknownToken = "<unk>"
    public static let padID: Int32 = 0
    public static let unknownID: Int32 = 1

    public private(set) var words: [String]
    private var ids: [String: Int32]

    public var count: Int { words.count }

    /// A table over `words` (ids from 2 upwards), after the two reserved tokens.
    public init(words: [String]) {
        self.words = [Self.padToken, Self.unknownToken]
        self.ids = [Self.padToken: Self.padID, Self.unknownToken: Self.unknownID]
        for word in words where ids[word] == nil {
            ids[word] = Int32(self.words.count)
            self.words.append(word)
        }
    }

    /// Keeps words seen at least `minCount` times, the `maxSize − 2` most frequent at most.
    public static func build<S: Sequence>(captions: S, minCount: Int = 1, maxSize: Int = 20_000) -> WordVocabulary
    where S.Element == String {
        var counts: [String: Int] = [:]
        for caption in captions {
            for word in WordTokenizer.words(caption) { counts[word, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= max(1, minCount) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(max(0, maxSize - 2))
            .map(\.key)
        return WordVocabulary(words: kept)
    }

    public func id(of word: String) -> Int32 { ids[word] ?? Self.unknownID }

    /// Word ids of `text`, at most `maxLength`; never empty (an empty text is one `<unk>`),
    /// so every caption gives the recurrent encoder at least one step.
    public func encode(_ text: String, maxLength: Int = 64) -> [Int32] {
        let encoded = WordTokenizer.words(text).prefix(max(1, maxLength)).map { id(of: $0) }
        return encoded.isEmpty ? [Self.unknownID] : Array(encoded)
    }

    // MARK: Persistence

    public func write(to url: URL) throws {
        let text = words.joined(separator: "\n") + "\n"
        do { try text.write(to: url, atomically: true, encoding: .utf8) }
        catch { throw VocabularyError(file: url.path, reason: "cannot write: \(error.localizedDescription)") }
    }

    public static func read(from url: URL) throws -> WordVocabulary {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw VocabularyError(file: url.path, reason: "cannot read as UTF-8 text")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard lines.count >= 2, lines[0] == padToken, lines[1] == unknownToken else {
            throw VocabularyError(file: url.path, line: 1, reason: "must start with \(padToken) and \(unknownToken) lines")
        }
        if let blank = lines.firstIndex(of: "") {
            throw VocabularyError(file: url.path, line: blank + 1, reason: "empty word")
        }
        let vocabulary = WordVocabulary(words: Array(lines.dropFirst(2)))
        guard vocabulary.count == lines.count else {
            throw VocabularyError(file: url.path, reason: "duplicate words (\(lines.count - vocabulary.count))")
        }
        return vocabulary
    }
}
