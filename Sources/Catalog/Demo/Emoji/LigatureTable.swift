// MARK: - GSUB ligatures

/// The ligature substitutions of the font's GSUB table (lookup type 4, also when wrapped in an
/// extension lookup, type 7): sequences of glyphs that the shaper replaces by one glyph. Emoji ZWJ
/// sequences, flags and keycaps are ligatures of this kind.
struct LigatureTable {
    struct Ligature: Hashable {
        var components: [Int]
        var glyph: Int
    }

    private(set) var ligatures: [Ligature] = []

    init(_ tables: FontTables) throws {
        let data = tables.data, base = try tables.offset(of: "GSUB")
        let lookupList = base + (try data.u16(base + 8, "GSUB"))
        let lookupCount = try data.u16(lookupList, "GSUB")
        for index in 0..<lookupCount {
            let lookup = lookupList + (try data.u16(lookupList + 2 + 2 * index, "GSUB"))
            let type = try data.u16(lookup, "GSUB")
            let subtableCount = try data.u16(lookup + 4, "GSUB")
            for subtableIndex in 0..<subtableCount {
                var subtable = lookup + (try data.u16(lookup + 6 + 2 * subtableIndex, "GSUB"))
                var subtableType = type
                if type == 7 {  // extension: the real type and a 32-bit offset to the subtable
                    subtableType = try data.u16(subtable + 2, "GSUB")
                    subtable += try data.u32(subtable + 4, "GSUB")
                }
                if subtableType == 4 { try readLigatureSubstitution(data, subtable) }
            }
        }
    }

    private mutating func readLigatureSubstitution(_ data: FontBytes, _ offset: Int) throws {
        guard try data.u16(offset, "GSUB") == 1 else { throw data.fail("GSUB", "unknown ligature subtable format") }
        let firstGlyphs = try Self.coverage(data, offset + (try data.u16(offset + 2, "GSUB")))
        let setCount = try data.u16(offset + 4, "GSUB")
        guard setCount <= firstGlyphs.count else { throw data.fail("GSUB", "more ligature sets than covered glyphs") }
        for setIndex in 0..<setCount {
            let set = offset + (try data.u16(offset + 6 + 2 * setIndex, "GSUB"))
            let ligatureCount = try data.u16(set, "GSUB")
            for ligatureIndex in 0..<ligatureCount {
                let ligature = set + (try data.u16(set + 2 + 2 * ligatureIndex, "GSUB"))
                let glyph = try data.u16(ligature, "GSUB")
                let componentCount = try data.u16(ligature + 2, "GSUB")
                var components = [firstGlyphs[setIndex]]
                for component in 0..<max(0, componentCount - 1) {
                    components.append(try data.u16(ligature + 4 + 2 * component, "GSUB"))
                }
                ligatures.append(Ligature(components: components, glyph: glyph))
            }
        }
    }

    /// The glyphs a coverage table lists, in coverage-index order (format 1: a list; format 2: ranges).
    private static func coverage(_ data: FontBytes, _ offset: Int) throws -> [Int] {
        let format = try data.u16(offset, "GSUB"), count = try data.u16(offset + 2, "GSUB")
        switch format {
        case 1:
            return try (0..<count).map { try data.u16(offset + 4 + 2 * $0, "GSUB") }
        case 2:
            var glyphs: [Int] = []
            for range in 0..<count {
                let record = offset + 4 + 6 * range
                let start = try data.u16(record, "GSUB"), end = try data.u16(record + 2, "GSUB")
                let startIndex = try data.u16(record + 4, "GSUB")
                guard start <= end, startIndex == glyphs.count else { throw data.fail("GSUB", "coverage ranges out of order") }
                glyphs.append(contentsOf: start...end)
            }
            return glyphs
        default:
            throw data.fail("GSUB", "unknown coverage format \(format)")
        }
    }
}
