// MARK: - cmap

/// The font's character map: code point → glyph (formats 12 and 4), and code point + variation selector
/// → glyph (format 14, non-default variations only; default ones use the plain mapping).
struct CharacterMap {
    private(set) var glyphForScalar: [UInt32: Int] = [:]
    private(set) var glyphForVariation: [[UInt32]: Int] = [:]

    init(_ tables: FontTables) throws {
        let data = tables.data, base = try tables.offset(of: "cmap")
        let count = try data.u16(base + 2, "cmap")
        var subtables: [(format: Int, offset: Int)] = []
        for index in 0..<count {
            let record = base + 4 + 8 * index
            let subtable = base + (try data.u32(record + 4, "cmap"))
            subtables.append((try data.u16(subtable, "cmap"), subtable))
        }
        // Format 12 covers everything format 4 does and more; read 4 first so 12 wins where both exist.
        for (format, offset) in subtables.sorted(by: { $0.format < $1.format }) {
            switch format {
            case 4: try readFormat4(data, offset)
            case 12: try readFormat12(data, offset)
            case 14: try readFormat14(data, offset)
            default: continue
            }
        }
        guard !glyphForScalar.isEmpty else { throw data.fail("cmap", "no format 4 or 12 subtable") }
    }

    /// Segment mapping to delta values (BMP only).
    private mutating func readFormat4(_ data: FontBytes, _ offset: Int) throws {
        let segments = try data.u16(offset + 6, "cmap") / 2
        let ends = offset + 14, starts = ends + 2 * segments + 2
        let deltas = starts + 2 * segments, rangeOffsets = deltas + 2 * segments
        for segment in 0..<segments {
            let end = try data.u16(ends + 2 * segment, "cmap"), start = try data.u16(starts + 2 * segment, "cmap")
            let delta = try data.u16(deltas + 2 * segment, "cmap")
            let rangeOffsetPosition = rangeOffsets + 2 * segment
            let rangeOffset = try data.u16(rangeOffsetPosition, "cmap")
            guard start <= end, end != 0xFFFF else { continue }
            for code in start...end {
                var glyph: Int
                if rangeOffset == 0 {
                    glyph = (code + delta) & 0xFFFF
                } else {
                    glyph = try data.u16(rangeOffsetPosition + rangeOffset + 2 * (code - start), "cmap")
                    if glyph != 0 { glyph = (glyph + delta) & 0xFFFF }
                }
                if glyph != 0 { glyphForScalar[UInt32(code)] = glyph }
            }
        }
    }

    /// Segmented coverage (all planes).
    private mutating func readFormat12(_ data: FontBytes, _ offset: Int) throws {
        let groups = try data.u32(offset + 12, "cmap")
        try data.check(offset + 16, groups * 12, "cmap")
        for group in 0..<groups {
            let record = offset + 16 + 12 * group
            let start = try data.u32(record, "cmap"), end = try data.u32(record + 4, "cmap")
            let firstGlyph = try data.u32(record + 8, "cmap")
            guard start <= end, end - start < 0x11_0000 else { throw data.fail("cmap", "bad format 12 group \(group)") }
            for code in start...end { glyphForScalar[UInt32(code)] = firstGlyph + (code - start) }
        }
    }

    /// Unicode variation sequences: only the non-default table names glyphs of its own.
    private mutating func readFormat14(_ data: FontBytes, _ offset: Int) throws {
        let records = try data.u32(offset + 6, "cmap")
        for index in 0..<records {
            let record = offset + 10 + 11 * index
            let selector = try data.u16(record, "cmap") << 8 | (try data.u8(record + 2, "cmap"))
            let nonDefault = try data.u32(record + 7, "cmap")
            guard nonDefault != 0 else { continue }
            let mappings = try data.u32(offset + nonDefault, "cmap")
            for mapping in 0..<mappings {
                let entry = offset + nonDefault + 4 + 5 * mapping
                let scalar = try data.u16(entry, "cmap") << 8 | (try data.u8(entry + 2, "cmap"))
                glyphForVariation[[UInt32(scalar), UInt32(selector)]] = try data.u16(entry + 3, "cmap")
            }
        }
    }
}
