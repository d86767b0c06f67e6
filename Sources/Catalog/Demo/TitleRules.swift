import Foundation

// MARK: - Titles, junk and concepts

/// The text rules of the demo data set, in one place so they can be read, tested and cited.
public enum TitleRules {
    // MARK: Cleaning

    /// A clip-art title as people would write it: underscores become spaces, whitespace collapses.
    public static func cleanTitle(_ raw: String) -> String {
        raw.replacingOccurrences(of: "_", with: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Keywords that describe the file rather than the picture ("hash" is a tagging-tool artefact on ~1,800 files).
    static let junkKeywords: Set<String> = ["hash", "svg", "png", "clipart", "clip art", "media", "public domain", "image"]

    /// The keywords worth keeping: non-empty, not `junkKeywords`, not the author's name, each once (case-insensitively).
    public static func usefulKeywords(_ keywords: [String], creator: String = "") -> [String] {
        var seen: Set<String> = [creator.lowercased()]
        return keywords.filter { keyword in
            let key = keyword.lowercased()
            return !key.isEmpty && !junkKeywords.contains(key) && seen.insert(key).inserted
        }
    }

    // MARK: Junk

    /// Words that say nothing about the picture: editor defaults and collection/packaging words.
    static let placeholderWords: Set<String> = [
        "untitled", "unnamed", "noname", "new", "document", "drawing", "image", "picture", "layer", "svg",
        "title", "none", "test", "clipart", "clip", "art", "collection", "theme", "icons", "iconset", "set",
        "part", "library", "project", "public", "domain", "various", "cliparts", "sibmission", "submission",
    ]

    /// A title shared by more than this many files names a collection or an author, not the picture.
    public static let collectionTitleThreshold = 12

    /// Why a (cleaned) clip-art title is junk, or nil when it is usable. The rule, in order:
    /// 1. empty, or fewer than 2 letters (no letters at all, a single character);
    ///    an attribution template "Clipart by <author> - <name>": on 409 files, and the name matches the
    ///    file in fewer than 1 in 10 (banana.svg is titled "Clipart by Nicu Buculei - pear");
    /// 2. looks like a file name (ends in .svg/.png/.jpg/.jpeg/.gif/.ai/.eps/.pdf);
    /// 3. mostly digits: at least as many digits as letters ("70a004", "R16 2004");
    /// 4. hex- or id-like: a token of 6+ hex digits containing a digit ("3f2a9c"), or a single token mixing
    ///    letters and digits ("fc23", "sm003");
    /// 5. only placeholder words (`placeholderWords`: "Untitled", "drawing", "Lemon SVG theme", "Various Cliparts");
    /// 6. shared by more than `collectionTitleThreshold` files (`sharedBy`): "gramastar" on 1,375 stars,
    ///    "Part of the Flat Icon Collection (…)", "card" on 226 playing cards;
    /// 7. the author's name (`creator`): "Architetto Francesco Rollandin".
    public static func junkReason(_ title: String, sharedBy fileCount: Int = 1, creator: String = "") -> String? {
        let letters = title.filter(\.isLetter).count, digits = title.filter(\.isNumber).count
        let lowered = title.lowercased()
        let tokens = lowered.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        if letters < 2 { return "no title" }
        if lowered.hasPrefix("clipart by ") || lowered.hasPrefix("clip art by ") { return "attribution template title" }
        if lowered.range(of: #"\.(svg|png|jpe?g|gif|ai|eps|pdf)$"#, options: .regularExpression) != nil { return "file-name title" }
        if digits >= letters { return "mostly digits" }
        if tokens.contains(where: { $0.count >= 6 && $0.allSatisfy(\.isHexDigit) && $0.contains(where: \.isNumber) }) {
            return "hex/id-like title"
        }
        if tokens.count == 1, let token = tokens.first, token.contains(where: \.isNumber) { return "hex/id-like title" }
        if tokens.filter({ !$0.allSatisfy(\.isNumber) }).allSatisfy(placeholderWords.contains) { return "placeholder title" }
        if fileCount > collectionTitleThreshold { return "collection title shared by \(fileCount) files" }
        if !creator.isEmpty && normalizedTitle(creator) == normalizedTitle(title) { return "author name as title" }
        return nil
    }

    // MARK: Duplicates

    /// Key under which two titles count as the same: lowercase words (split at spaces, `_` and `-`) with
    /// punctuation trimmed from their ends, unless a word is only punctuation ("keycap: #" ≠ "keycap: *").
    public static func normalizedTitle(_ title: String) -> String {
        title.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "_" || $0 == "-" }).map { word in
            let trimmed = word.trimmingCharacters(in: .punctuationCharacters)
            return trimmed.isEmpty ? String(word) : trimmed
        }.joined(separator: " ")
    }

    // MARK: Concept groups

    static let stopWords: Set<String> = [
        "a", "an", "the", "of", "with", "and", "or", "in", "on", "at", "for", "to", "from", "by", "as", "its", "his",
        "her", "their", "is", "are", "be", "b", "w", "bw", "no", "not", "up", "out", "into", "over", "under",
    ]

    /// Words that qualify a thing without changing what it is: drawing style, colour, gender of a person.
    static let modifierWords: Set<String> = [
        "clipart", "clip", "art", "icon", "drawing", "cartoon", "simple", "stylized", "stylised", "sketch", "outline",
        "silhouette", "color", "colour", "colored", "coloured", "red", "green", "blue", "yellow", "orange", "purple",
        "pink", "brown", "black", "white", "gray", "grey", "gold", "golden", "silver", "dark", "light", "small", "big",
        "large", "little", "old", "new", "man", "woman", "men", "women", "person", "left", "right",
    ]

    /// The concept an item shows, shared by every item of the same thing across sources ("a photo and a
    /// drawing of the same thing"). The rule: lowercase; text in parentheses dropped ("(B and W)", "(1 Scoop)");
    /// only letters form words (numbers are dropped); stop words dropped; modifier words (style,
    /// colour, gender, size, direction) dropped unless nothing else is left; simple plurals made singular
    /// ("bananas" → "banana", "cherries" → "cherry", "boxes" → "box"). Examples: emoji "banana" and clip art
    /// "Bananas (B and W)" → "banana"; "red apple 02" → "apple"; "flag: Germany" → "flag germany".
    public static func conceptGroup(_ title: String) -> String {
        var text = title.lowercased()
        text = text.replacingOccurrences(of: #"\([^)]*\)"#, with: " ", options: .regularExpression)
        let words = text.split(whereSeparator: { !$0.isLetter }).map(String.init).filter { !stopWords.contains($0) }
        let content = words.filter { !modifierWords.contains($0) }
        let chosen = (content.isEmpty ? words : content).map(singular)
        if chosen.isEmpty { return normalizedTitle(title) }
        return chosen.joined(separator: " ")
    }

    static func singular(_ word: String) -> String {
        guard word.count > 3, word.hasSuffix("s") else { return word }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") { return word }
        if word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        if ["ches", "shes", "xes", "sses"].contains(where: word.hasSuffix) { return String(word.dropLast(2)) }
        return String(word.dropLast())
    }
}

// MARK: - Train/validation split

/// The deterministic 90/10 split of the demo data set, by group: a group's items always land on the
/// same side, so no concept is seen in training and then "found" in validation.
public enum GroupSplit {
    /// True when the group belongs to validation: FNV-1a (64-bit) of its UTF-8 bytes, modulo 10, is 0.
    /// Stable across runs, machines and Swift versions (unlike `Hasher`, which is seeded per process).
    public static func isValidation(group: String) -> Bool {
        stableHash(group) % 10 == 0
    }

    /// True when a photo group belongs to the photos' validation split: the same hash modulo 10 below 3. A wider
    /// share than the drawings' because the photos are few; it contains the drawings' validation groups.
    public static func isPhotoValidation(group: String) -> Bool {
        stableHash(group) % 10 < 3
    }

    /// FNV-1a 64-bit of UTF-8 bytes.
    public static func stableHash(_ text: String) -> UInt64 {
        stableHash(bytes: text.utf8)
    }

    /// FNV-1a 64-bit of any bytes (also used to find identical image files).
    public static func stableHash<Bytes: Sequence>(bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
