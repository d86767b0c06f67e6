import Foundation

/// Splits text into lowercase words the way the original design's text encoder saw them.
///
/// NFKC first (so "ﬁ" → "fi", full-width "ＲＥＤ" → "red"), then lowercase, then every run
/// of letters, marks or digits is one word; everything else separates. Numbers stay words
/// ("500ml" → ["500ml"]) because sizes and model numbers carry meaning in catalogs.
///
///     WordTokenizer.words("Red Leather-Handbag, 2 pcs") // ["red", "leather", "handbag", "2", "pcs"]
public enum WordTokenizer {
    public static func words(_ text: String) -> [String] {
        let normalized = text.precomposedStringWithCompatibilityMapping.lowercased()
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in normalized.unicodeScalars {
            if isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// Letters, combining marks (so "é" in decomposed scripts stays whole) and digits.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
