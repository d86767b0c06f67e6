import Foundation

// MARK: - Emoji font

/// A colour emoji font (Noto Color Emoji) read in Swift: every glyph that has a PNG bitmap, with the
/// emoji sequences that produce it (single code points from cmap; ZWJ sequences, flags and keycaps from
/// the GSUB ligatures).
///
///     let font = try EmojiFont(contentsOf: EmojiFont.notoColorEmoji)
///     let dress = font.png(for: "👗")   // a 136×128 PNG
public struct EmojiFont: Sendable {
    /// One bitmap glyph and the code point sequences that render as it.
    public struct Glyph: Sendable {
        public var glyphID: Int
        /// Each sequence as a string; at least one. Sequences differing only by U+FE0F are all listed.
        public var sequences: [String]
        public var png: Data
    }

    /// Where Debian's fonts-noto-color-emoji installs the font.
    public static let notoColorEmoji = URL(fileURLWithPath: "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")

    /// Glyphs with a bitmap and at least one sequence, in glyph id order.
    public let glyphs: [Glyph]
    /// Pixels per em of the bitmap strike.
    public let pixelsPerEm: Int
    private let glyphIndexForKey: [String: Int]

    public init(contentsOf url: URL) throws {
        let tables = try FontTables(contentsOf: url)
        let characterMap = try CharacterMap(tables)
        let bitmaps = try ColorBitmapTable(tables)
        let ligatures = try LigatureTable(tables)
        pixelsPerEm = bitmaps.pixelsPerEm

        // glyph → the sequences that produce it: single code points and variation sequences first…
        var sequencesOfGlyph: [Int: [[UInt32]]] = [:]
        for (scalar, glyph) in characterMap.glyphForScalar.sorted(by: { $0.key < $1.key }) {
            sequencesOfGlyph[glyph, default: []].append([scalar])
        }
        for (sequence, glyph) in characterMap.glyphForVariation.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            sequencesOfGlyph[glyph, default: []].append(sequence)
        }
        // …then ligatures, whose components may themselves be ligature glyphs: resolve until nothing changes.
        var pending = ligatures.ligatures
        while !pending.isEmpty {
            var unresolved: [LigatureTable.Ligature] = []
            for ligature in pending {
                let parts = ligature.components.map { sequencesOfGlyph[$0]?.first }
                guard parts.allSatisfy({ $0 != nil }) else { unresolved.append(ligature); continue }
                sequencesOfGlyph[ligature.glyph, default: []].append(parts.flatMap { $0! })
            }
            if unresolved.count == pending.count { break }  // the rest use glyphs no sequence reaches
            pending = unresolved
        }

        var glyphs: [Glyph] = []
        var glyphIndexForKey: [String: Int] = [:]
        for (glyph, png) in bitmaps.pngForGlyph.sorted(by: { $0.key < $1.key }) {
            guard let sequences = sequencesOfGlyph[glyph] else { continue }
            let strings = sequences.map(Self.string(from:))
            for string in strings { glyphIndexForKey[Self.key(string)] = glyphIndexForKey[Self.key(string)] ?? glyphs.count }
            glyphs.append(Glyph(glyphID: glyph, sequences: strings, png: png))
        }
        self.glyphs = glyphs
        self.glyphIndexForKey = glyphIndexForKey
    }

    /// The glyph an emoji renders as, matching with or without U+FE0F.
    public func glyph(for emoji: String) -> Glyph? {
        glyphIndexForKey[Self.key(emoji)].map { glyphs[$0] }
    }

    /// The PNG bitmap of an emoji, matching with or without U+FE0F.
    public func png(for emoji: String) -> Data? { glyph(for: emoji)?.png }

    /// A sequence without variation selector 16, the form both the font and CLDR can be matched on.
    public static func key(_ emoji: String) -> String {
        String(String.UnicodeScalarView(emoji.unicodeScalars.filter { $0.value != 0xFE0F }))
    }

    private static func string(from scalars: [UInt32]) -> String {
        String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
    }
}
