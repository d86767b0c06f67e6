// MARK: - BitmapFont

/// A built-in monospaced font (printable ASCII, antialiased 7×15 cells) so that plots need no
/// font files. Characters outside ASCII are drawn as "?".
public enum BitmapFont {
    /// Advance per character and line height, in pixels.
    public static var advance: Int { cellWidth }
    public static var lineHeight: Int { cellHeight }

    /// Width of `text` in pixels.
    public static func width(of text: String) -> Int { text.unicodeScalars.count * cellWidth }

    /// Coverage 0…1 of pixel (x, y) of the glyph for `scalar`.
    static func coverage(_ scalar: Unicode.Scalar, x: Int, y: Int) -> Float {
        let code = (32...126).contains(scalar.value) ? Int(scalar.value) : 63  // "?"
        let glyph = decoded[code - 32]
        return glyph[y * cellWidth + x]
    }

    private static let decoded: [[Float]] = glyphs.map { row in
        row.unicodeScalars.map { Float(Int(String($0), radix: 16) ?? 0) / 15 }
    }
}
