import Foundation

/// BERT's uncased text normalisation and pre-tokenisation, exactly as HF `tokenizers`
/// (`BertNormalizer` + `BertPreTokenizer`) applies them for all-MiniLM-L6-v2.
///
/// Order matters and follows the reference: drop control characters, map whitespace to a space,
/// pad CJK ideographs with spaces, NFD + drop nonspacing marks (accents), lowercase per scalar,
/// then split on whitespace and isolate every punctuation character.
///
///     BertNormalizer.words("Café, crème!") // ["cafe", ",", "creme", "!"]
public enum BertNormalizer {
    /// The normalised words of `text` (each an array of Unicode scalars), before WordPiece.
    public static func words(_ text: Substring) -> [[Unicode.Scalar]] {
        split(normalize(text))
    }

    /// Convenience for callers that want strings.
    public static func words(_ text: String) -> [String] {
        words(text[...]).map { String(String.UnicodeScalarView($0)) }
    }

    // MARK: Normalisation

    static func normalize(_ text: Substring) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        var needsDecomposition = false
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isChineseCharacter(scalar) {
                cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
            } else {
                cleaned.append(scalar)
                if scalar.value >= 0xC0 { needsDecomposition = true }  // below U+00C0 nothing decomposes
            }
        }
        let decomposed = needsDecomposition ? String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
                                            : cleaned
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(decomposed.count)
        for scalar in decomposed {
            if scalar.isASCII {
                out.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
                continue
            }
            if referenceCategory(scalar) == .nonspacingMark { continue }   // strip accents
            // Per scalar, without context (no final-sigma rule), as Rust's `char::to_lowercase`.
            out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return out
    }

    // MARK: Pre-tokenisation

    static func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        func flush() { if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) } }
        for scalar in scalars {
            if isWhitespace(scalar) {
                flush()
            } else if isPunctuation(scalar) {
                flush()
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        flush()
        return words
    }

    // MARK: Character classes (the reference's definitions)

    /// Tab, newline and carriage return count as whitespace; other C* categories are dropped.
    /// Unassigned code points (Cn) are kept, as in the reference.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default: break
        }
        switch referenceCategory(scalar) {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// Unicode White_Space (Rust's `char::is_whitespace`), which includes U+2028/U+2029 and NBSP.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// ASCII symbols BERT counts as punctuation (`$`, `+`, `^`, `` ` ``, …) plus Unicode P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        case 0...0x7F: return false
        default: break
        }
        switch referenceCategory(scalar) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The general category as the reference's tables have it: HF tokenizers classifies with the
    /// `unicode_categories` crate (Unicode 8.0), so younger characters count as unassigned (Cn):
    /// kept and joined into words rather than stripped, dropped or split off.
    static func referenceCategory(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory {
        guard let age = scalar.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return .unassigned }
        return categoriesChangedSince8[scalar.value] ?? scalar.properties.generalCategory
    }

    /// Unicode 8.0 categories of the few older characters reclassified since (found by probing every scalar).
    private static let categoriesChangedSince8: [UInt32: Unicode.GeneralCategory] = [
        0x166D: .otherPunctuation, 0x1734: .nonspacingMark, 0x1885: .otherLetter, 0x1886: .otherLetter,
        0xA9BD: .spacingMark, 0x111C9: .otherPunctuation, 0x1171E: .nonspacingMark,
    ]

    /// CJK Unified Ideographs blocks, with HF tokenizers' bounds (Extension E starts at U+2B920 there).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
