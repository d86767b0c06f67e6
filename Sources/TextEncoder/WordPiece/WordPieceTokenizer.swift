import Foundation

/// BERT's WordPiece tokenizer as all-MiniLM-L6-v2 was trained with (uncased, accents stripped).
///
/// Matches HF `tokenizers` with the model's tokenizer.json token for token: special-token literals
/// in the raw text (`[SEP]`, `[MASK]`, …) become their ids, the rest goes through `BertNormalizer`,
/// then greedy longest-match WordPiece with `##` continuations; a word longer than 100 scalars
/// or with no segmentation becomes `[UNK]`. Sequences are `[CLS] … [SEP]`, truncated to `maxLength`.
///
///     let tokenizer = try WordPieceTokenizer(vocabulary: url)
///     tokenizer.encode("Hello, World!")  // [101, 7592, 1010, 2088, 999, 102]
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    /// Token strings by id.
    public let tokens: [String]
    /// Longest sequence produced, `[CLS]` and `[SEP]` included (sentence-transformers' max_seq_length).
    public let maxLength: Int
    public let maxCharactersPerWord = 100
    public let classID: Int32, separatorID: Int32, paddingID: Int32, unknownID: Int32
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int32)]

    /// Loads a BERT `vocab.txt` (one token per line, the line number is the id).
    public init(vocabulary url: URL, maxLength: Int = 256) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) }
        catch { throw MiniLMError(file: url.path, reason: "cannot read the vocabulary: \(error.localizedDescription)") }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, maxLength: maxLength, source: url.path)
    }

    /// A tokenizer over an in-memory vocabulary (index = id); it must hold the five BERT special tokens.
    public init(tokens: [String], maxLength: Int = 256, source: String = "<memory>") throws {
        guard maxLength >= 2 else { throw MiniLMError(file: source, reason: "maxLength \(maxLength) leaves no room for [CLS] and [SEP]") }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = Int32(id) }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else { throw MiniLMError(file: source, reason: "vocabulary lacks the special token \(token)") }
            return id
        }
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.maxLength = maxLength
        classID = try id("[CLS]"); separatorID = try id("[SEP]"); paddingID = try id("[PAD]"); unknownID = try id("[UNK]")
        specialTokens = try ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map { (Array($0.unicodeScalars), try id($0)) }
    }

    /// The tokenizer shipped with all-MiniLM-L6-v2 (`make setup` installs it).
    public static func miniLM() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: MiniLM.assetURL("vocab.txt"))
    }

    // MARK: Encoding

    /// Token ids of one text: `[CLS]`, at most `maxLength − 2` pieces, `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classID]
        ids.append(contentsOf: pieces(text).prefix(maxLength - 2))
        ids.append(separatorID)
        return ids
    }

    /// Several texts, right-padded to the longest with `[PAD]`, with their true lengths.
    public func encodeBatch(_ texts: [String]) -> TokenBatch {
        TokenBatch(sequences: texts.map(encode), paddingID: paddingID)
    }

    /// The WordPiece strings of a text, without `[CLS]`/`[SEP]` and without truncation (for inspection).
    public func tokenize(_ text: String) -> [String] {
        pieces(text).map { tokens[Int($0)] }
    }

    /// Ids of all pieces, special-token literals included, before truncation.
    private func pieces(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        let scalars = text.unicodeScalars
        var segmentStart = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            if scalars[index] == "[", let (id, end) = specialToken(in: scalars, at: index) {
                appendWords(of: Substring(scalars[segmentStart..<index]), to: &ids)
                ids.append(id)
                index = end
                segmentStart = end
            } else {
                index = scalars.index(after: index)
            }
        }
        appendWords(of: Substring(scalars[segmentStart..<scalars.endIndex]), to: &ids)
        return ids
    }

    private func specialToken(in scalars: String.UnicodeScalarView, at start: String.Index) -> (Int32, String.Index)? {
        for special in specialTokens {
            var index = start
            var matched = true
            for expected in special.scalars {
                guard index < scalars.endIndex, scalars[index] == expected else { matched = false; break }
                index = scalars.index(after: index)
            }
            if matched { return (special.id, index) }
        }
        return nil
    }

    private func appendWords(of segment: Substring, to ids: inout [Int32]) {
        guard !segment.isEmpty else { return }
        for word in BertNormalizer.words(segment) { appendPieces(of: word, to: &ids) }
    }

    // MARK: WordPiece

    /// Greedy longest match from the left; `##` marks a continuation. No full segmentation → `[UNK]`.
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= maxCharactersPerWord else { ids.append(unknownID); return }
        var wordIDs: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while end > start {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] { found = id; break }
                end -= 1
            }
            guard let id = found else { ids.append(unknownID); return }
            wordIDs.append(id)
            start = end
        }
        ids.append(contentsOf: wordIDs)
    }
}

// MARK: - Batches

/// Token ids of several texts, right-padded to a common length.
public struct TokenBatch: Sendable, Equatable {
    /// [count × paddedLength], row-major.
    public var ids: [Int32]
    /// Real tokens per sequence (`[CLS]` and `[SEP]` included); the rest of each row is padding.
    public var lengths: [Int]
    public var paddedLength: Int
    public var count: Int { lengths.count }

    public init(sequences: [[Int32]], paddingID: Int32) {
        paddedLength = sequences.map(\.count).max() ?? 0
        lengths = sequences.map(\.count)
        ids = []
        ids.reserveCapacity(sequences.count * paddedLength)
        for sequence in sequences {
            ids.append(contentsOf: sequence)
            ids.append(contentsOf: repeatElement(paddingID, count: paddedLength - sequence.count))
        }
    }

    /// The ids of sequence `i` without padding.
    public func sequence(_ i: Int) -> ArraySlice<Int32> {
        ids[(i * paddedLength)..<(i * paddedLength + lengths[i])]
    }

    /// 1 for real tokens, 0 for padding: [count × paddedLength].
    public var attentionMask: [Float] {
        lengths.flatMap { length in (0..<paddedLength).map { $0 < length ? 1 : 0 } }
    }
}
