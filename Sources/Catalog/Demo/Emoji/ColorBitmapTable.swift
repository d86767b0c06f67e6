import Foundation

// MARK: - CBLC / CBDT

/// Colour bitmaps of a font: the CBLC table locates each glyph's image in CBDT, where it is stored as a
/// PNG (image formats 17, 18, 19). Index subtable formats 1–5 are read; the largest strike is used.
struct ColorBitmapTable {
    /// PNG bytes per glyph id.
    private(set) var pngForGlyph: [Int: Data] = [:]
    /// Pixels per em of the strike read.
    private(set) var pixelsPerEm = 0

    init(_ tables: FontTables) throws {
        let data = tables.data
        let locations = try tables.offset(of: "CBLC"), bitmaps = try tables.offset(of: "CBDT")
        let strikeCount = try data.u32(locations + 4, "CBLC")
        guard strikeCount > 0 else { throw data.fail("CBLC", "no bitmap strikes") }
        // BitmapSize records are 48 bytes; ppemY sits at byte 45.
        let strikes = (0..<strikeCount).map { locations + 8 + 48 * $0 }
        let largest = try strikes.max { try data.u8($0 + 45, "CBLC") < data.u8($1 + 45, "CBLC") }!
        pixelsPerEm = try data.u8(largest + 45, "CBLC")
        let arrayOffset = locations + (try data.u32(largest, "CBLC"))
        let subtableCount = try data.u32(largest + 8, "CBLC")
        for index in 0..<subtableCount {
            let entry = arrayOffset + 8 * index
            let first = try data.u16(entry, "CBLC"), last = try data.u16(entry + 2, "CBLC")
            let subtable = arrayOffset + (try data.u32(entry + 4, "CBLC"))
            guard first <= last else { throw data.fail("CBLC", "index subtable \(index) has first > last glyph") }
            for (glyph, offset, length) in try Self.locate(data, subtable, first: first, last: last) {
                if let png = try Self.png(data, at: bitmaps + offset, length: length, imageFormat: try data.u16(subtable + 2, "CBLC")) {
                    pngForGlyph[glyph] = png
                }
            }
        }
    }

    /// (glyph, offset in CBDT, length) for every glyph of one index subtable.
    private static func locate(_ data: FontBytes, _ subtable: Int, first: Int, last: Int) throws -> [(Int, Int, Int)] {
        let indexFormat = try data.u16(subtable, "CBLC")
        let imageData = try data.u32(subtable + 4, "CBLC")
        let body = subtable + 8
        var located: [(Int, Int, Int)] = []
        switch indexFormat {
        case 1, 3:  // offsets per glyph (32-bit or 16-bit), one more than glyphs
            let width = indexFormat == 1 ? 4 : 2
            func offset(_ i: Int) throws -> Int { width == 4 ? try data.u32(body + 4 * i, "CBLC") : try data.u16(body + 2 * i, "CBLC") }
            for glyph in first...last {
                let i = glyph - first
                let start = try offset(i), end = try offset(i + 1)
                if end > start { located.append((glyph, imageData + start, end - start)) }
            }
        case 2:  // all glyphs the same size
            let size = try data.u32(body, "CBLC")
            for glyph in first...last { located.append((glyph, imageData + (glyph - first) * size, size)) }
        case 4:  // sparse: (glyph, offset) pairs
            let count = try data.u32(body, "CBLC")
            for i in 0..<count {
                let pair = body + 4 + 4 * i
                let start = try data.u16(pair + 2, "CBLC"), end = try data.u16(pair + 6, "CBLC")
                if end > start { located.append((try data.u16(pair, "CBLC"), imageData + start, end - start)) }
            }
        case 5:  // sparse, same size: a list of glyph ids
            let size = try data.u32(body, "CBLC"), count = try data.u32(body + 12, "CBLC")
            for i in 0..<count { located.append((try data.u16(body + 16 + 2 * i, "CBLC"), imageData + i * size, size)) }
        default:
            throw data.fail("CBLC", "unknown index subtable format \(indexFormat)")
        }
        return located
    }

    /// The PNG inside one CBDT glyph record; nil for non-PNG image formats.
    private static func png(_ data: FontBytes, at offset: Int, length: Int, imageFormat: Int) throws -> Data? {
        let header: Int
        switch imageFormat {
        case 17: header = 5   // small glyph metrics
        case 18: header = 8   // big glyph metrics
        case 19: header = 0   // metrics live in CBLC
        default: return nil
        }
        let dataLength = try data.u32(offset + header, "CBDT")
        guard header + 4 + dataLength <= length else { throw data.fail("CBDT", "glyph image overruns its record") }
        return try data.slice(offset + header + 4, dataLength, "CBDT")
    }
}
